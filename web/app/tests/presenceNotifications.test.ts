import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import {
  alertFor,
  chime,
  DEFAULT_PREFS,
  loadPrefs,
  savePrefs,
  type NotificationPrefs,
} from "../src/notifications";
import type { EventFrame } from "../src/realtime";
import { useNotificationsStore } from "../src/stores/notifications";

const ME = 9;

function memory(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
    items,
  };
}

const assigned: EventFrame = {
  type: "notification.assigned",
  id: 41,
  conversation_id: 7,
  actor_user_id: 3,
  data: { conversation_id: 7, number: 107, user_id: ME },
};
const mentioned: EventFrame = {
  type: "notification.mentioned",
  id: 42,
  conversation_id: 7,
  actor_user_id: 3,
  data: { conversation_id: 7, number: 107, message_id: 5, by: "Anna", excerpt: "@Boris look <b>here</b>" },
};

describe("notification choices", () => {
  it("are all on until turned off, and kept in this browser", () => {
    const storage = memory();
    expect(loadPrefs(storage)).toEqual(DEFAULT_PREFS);
    savePrefs({ assigned: false, mentions: true, sound: false }, storage);
    expect(loadPrefs(storage)).toEqual({ assigned: false, mentions: true, sound: false });
    // Broken or foreign values fall back to the defaults, field by field.
    expect(loadPrefs(memory({ "frontdesk.notifications": "{not json" }))).toEqual(DEFAULT_PREFS);
    expect(loadPrefs(memory({ "frontdesk.notifications": '{"sound": "no", "mentions": false}' }))).toEqual({
      ...DEFAULT_PREFS,
      mentions: false,
    });
  });
});

describe("what calls for an alert", () => {
  const all: NotificationPrefs = { ...DEFAULT_PREFS };

  it("a conversation assigned to me, a mention of me", () => {
    expect(alertFor(assigned, ME, all)).toEqual({
      kind: "assigned",
      conversationId: 7,
      number: 107,
      by: null,
      excerpt: "",
      tag: "frontdesk-notification.assigned-41",
    });
    expect(alertFor(mentioned, ME, all)).toMatchObject({
      kind: "mentioned",
      by: "Anna",
      excerpt: "@Boris look <b>here</b>",
    });
  });

  it("nothing when turned off, for someone else, for my own doing, or for other events", () => {
    expect(alertFor(assigned, ME, { ...all, assigned: false })).toBeNull();
    expect(alertFor(mentioned, ME, { ...all, mentions: false })).toBeNull();
    expect(alertFor(mentioned, ME, { ...all, assigned: false })).not.toBeNull();
    expect(alertFor(assigned, 10, all)).toBeNull();
    expect(alertFor({ ...assigned, actor_user_id: ME }, ME, all)).toBeNull();
    expect(alertFor({ ...mentioned, actor_user_id: ME }, ME, all)).toBeNull();
    expect(alertFor(assigned, null, all)).toBeNull(); // not logged in
    expect(alertFor({ type: "message.created", data: { conversation_id: 7 } }, ME, all)).toBeNull();
  });
});

describe("the chime", () => {
  it("is made with the Web Audio API: two short notes", () => {
    const started: number[] = [];
    const audio = {
      currentTime: 10,
      destination: {},
      createGain: () => ({
        gain: { setValueAtTime: vi.fn(), exponentialRampToValueAtTime: vi.fn() },
        connect: (next: unknown) => next,
      }),
      createOscillator: () => ({
        type: "",
        frequency: { value: 0 },
        connect: (next: unknown) => next,
        start: (at: number) => started.push(at),
        stop: vi.fn(),
      }),
    };
    chime(audio as unknown as AudioContext);
    expect(started).toEqual([10, 10.12]);
  });
});

describe("the notifications store", () => {
  let shown: { title: string; options: NotificationOptions }[];

  beforeEach(() => {
    setActivePinia(createPinia());
    shown = [];
    vi.stubGlobal("localStorage", memory());
    class FakeNotification {
      static permission: NotificationPermission = "granted";
      static requestPermission = vi.fn().mockResolvedValue("granted");
      onclick: (() => void) | null = null;
      close = vi.fn();
      constructor(title: string, options: NotificationOptions) {
        shown.push({ title, options });
      }
    }
    vi.stubGlobal("Notification", FakeNotification);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("shows a notification with text only, and opens the conversation on a click", () => {
    const store = useNotificationsStore();
    const open = vi.fn();
    store.configure({ me: () => ME, open });
    expect(store.applyEvent(mentioned)).not.toBeNull();
    expect(shown).toEqual([
      {
        title: "Anna mentioned you in #107",
        options: { body: "@Boris look <b>here</b>", tag: "frontdesk-notification.mentioned-42" },
      },
    ]);
    store.applyEvent(assigned);
    expect(shown[1]?.title).toBe("Conversation #107 was assigned to you");
    expect(store.applyEvent({ ...assigned, actor_user_id: ME })).toBeNull();
    expect(shown).toHaveLength(2);
  });

  it("turned off, or without the browser's permission, shows nothing", () => {
    const store = useNotificationsStore();
    store.configure({ me: () => ME, open: vi.fn() });
    store.setPref("mentions", false);
    expect(store.applyEvent(mentioned)).toBeNull();
    expect(JSON.parse(localStorage.getItem("frontdesk.notifications")!)).toMatchObject({ mentions: false });
    (Notification as unknown as { permission: string }).permission = "denied";
    store.applyEvent(assigned);
    expect(shown).toEqual([]);
    expect(store.permission).toBe("denied");
  });

  it("asks for permission when told to (from a click)", async () => {
    (Notification as unknown as { permission: string }).permission = "default";
    const store = useNotificationsStore();
    expect(store.permission).toBe("default");
    await store.ask();
    const fake = Notification as unknown as { requestPermission: ReturnType<typeof vi.fn> };
    expect(fake.requestPermission).toHaveBeenCalled();
    expect(store.permission).toBe("granted");
  });
});
