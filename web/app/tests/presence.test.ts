import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import {
  applyHint,
  applyPresence,
  HintSender,
  hintsFor,
  mergeLoaded,
  prune,
  TYPING_EVERY_MS,
  TYPING_TTL_MS,
  VIEWING_TTL_MS,
  type Hint,
  type Known,
} from "../src/presence";
import { presenceApi } from "../src/presenceApi";
import type { EventFrame } from "../src/realtime";
import { usePresenceStore } from "../src/stores/presence";

const ANNA = 3;
const BORIS = 4;
const ME = 9;
const T0 = 1_000_000;

function presenceChanged(userId: number, status: string, version: number): EventFrame {
  return { type: "user.presence_changed", data: { user_id: userId, status, version } };
}

function hint(type: string, userId: number, conversationId = 7, extra = {}): EventFrame {
  return { type, data: { user_id: userId, conversation_id: conversationId, ...extra } };
}

describe("presence", () => {
  it("keeps the newest status of each colleague", () => {
    const known = new Map<number, Known>();
    expect(applyPresence(known, presenceChanged(ANNA, "online", 10))).toBe(true);
    expect(applyPresence(known, presenceChanged(ANNA, "away", 12))).toBe(true);
    // Arrived late (another process announced it before): ignored.
    expect(applyPresence(known, presenceChanged(ANNA, "offline", 11))).toBe(false);
    expect(applyPresence(known, presenceChanged(ANNA, "away", 12))).toBe(false);
    expect(known.get(ANNA)).toEqual({ status: "away", version: 12 });
    // Frames that are not (valid) presence are left alone.
    expect(applyPresence(known, presenceChanged(BORIS, "busy", 13))).toBe(false);
    expect(applyPresence(known, { type: "message.created", data: { user_id: BORIS } })).toBe(false);
    expect(known.has(BORIS)).toBe(false);
  });

  it("a list loaded after an event does not undo it", () => {
    const known = new Map<number, Known>([[ANNA, { status: "away", version: 20 }]]);
    const merged = mergeLoaded(known, [
      { user_id: ANNA, status: "online", version: 15 }, // read before the event
      { user_id: BORIS, status: "online", version: 5 },
    ]);
    expect(merged.get(ANNA)).toEqual({ status: "away", version: 20 });
    expect(merged.get(BORIS)).toEqual({ status: "online", version: 5 });
    // Somebody who left the workspace is gone from the map.
    expect(mergeLoaded(new Map([[77, { status: "online", version: 1 }]]), []).size).toBe(0);
  });
});

describe("collision hints", () => {
  it("typing is shown before viewing, one line per colleague, never mine", () => {
    let hints: Hint[] = [];
    hints = applyHint(hints, hint("conversation.viewing", ANNA), T0);
    hints = applyHint(hints, hint("conversation.viewing", BORIS), T0);
    hints = applyHint(hints, hint("conversation.typing", BORIS, 7, { private: true }), T0);
    hints = applyHint(hints, hint("conversation.viewing", ME), T0);
    hints = applyHint(hints, hint("conversation.viewing", ANNA, 8), T0); // another conversation
    const shown = hintsFor(hints, 7, T0 + 1, ME);
    expect(shown.map((h) => [h.userId, h.kind, h.private])).toEqual([
      [BORIS, "typing", true],
      [ANNA, "viewing", false],
    ]);
  });

  it("typing expires after a few seconds without a refresh; viewing later", () => {
    let hints: Hint[] = [];
    hints = applyHint(hints, hint("conversation.viewing", ANNA), T0);
    hints = applyHint(hints, hint("conversation.typing", ANNA), T0);
    expect(hintsFor(hints, 7, T0 + TYPING_TTL_MS - 1, ME)[0]?.kind).toBe("typing");
    expect(hintsFor(hints, 7, T0 + TYPING_TTL_MS, ME)[0]?.kind).toBe("viewing");
    // A refresh keeps it alive.
    hints = applyHint(hints, hint("conversation.typing", ANNA), T0 + 5_000);
    expect(hintsFor(hints, 7, T0 + TYPING_TTL_MS + 1_000, ME)[0]?.kind).toBe("typing");
    expect(hintsFor(hints, 7, T0 + VIEWING_TTL_MS, ME)).toEqual([]);
    expect(prune(hints, T0 + VIEWING_TTL_MS)).toEqual([]);
    const kept = prune(hints, T0);
    expect(kept).toBe(hints); // nothing expired: the same array, no re-render
  });

  it("leaving ends a colleague's hints; posting ends their typing", () => {
    let hints: Hint[] = [];
    hints = applyHint(hints, hint("conversation.viewing", ANNA), T0);
    hints = applyHint(hints, hint("conversation.typing", ANNA), T0);
    hints = applyHint(hints, hint("conversation.typing", BORIS), T0);
    const posted: EventFrame = {
      type: "message.created",
      data: { conversation_id: 7, sender_type: "user", sender_id: ANNA },
    };
    hints = applyHint(hints, posted, T0 + 1);
    expect(hintsFor(hints, 7, T0 + 2, ME).map((h) => [h.userId, h.kind])).toEqual([
      [BORIS, "typing"],
      [ANNA, "viewing"],
    ]);
    // A customer's message ends nobody's typing.
    const incoming = { type: "message.created", data: { conversation_id: 7, sender_type: "contact", sender_id: 50 } };
    expect(applyHint(hints, incoming, T0 + 3)).toBe(hints);
    hints = applyHint(hints, hint("conversation.left", ANNA), T0 + 4);
    expect(hintsFor(hints, 7, T0 + 5, ME).map((h) => h.userId)).toEqual([BORIS]);
  });

  it("the sender says which conversation is open and throttles typing", () => {
    const sent: object[] = [];
    let now = T0;
    const sender = new HintSender((frame) => {
      sent.push(frame);
      return true;
    }, () => now);
    sender.view(7);
    for (let i = 0; i < 10; i++) {
      sender.typing(7, false); // ten key presses within a second
      now += 100;
    }
    now = T0 + TYPING_EVERY_MS;
    sender.typing(7, false);
    sender.typing(7, true); // switched to a note: said at once
    sender.refresh();
    sender.leave(8); // not the open one: nothing
    sender.leave(7);
    sender.refresh(); // nothing open any more
    expect(sent).toEqual([
      { type: "conversation.viewing", conversation_id: 7 },
      { type: "conversation.typing", conversation_id: 7, private: false },
      { type: "conversation.typing", conversation_id: 7, private: false },
      { type: "conversation.typing", conversation_id: 7, private: true },
      { type: "conversation.viewing", conversation_id: 7 },
      { type: "conversation.left", conversation_id: 7 },
    ]);
  });

  it("typing that could not be sent (socket down) is tried again on the next key", () => {
    let open = false;
    const sent: object[] = [];
    const sender = new HintSender((frame) => {
      if (open) sent.push(frame);
      return open;
    }, () => T0);
    sender.typing(7, false);
    open = true;
    sender.typing(7, false);
    expect(sent).toHaveLength(1);
  });
});

describe("the presence store", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("loads statuses, follows events and treats the unknown as offline", async () => {
    vi.spyOn(presenceApi, "list").mockResolvedValue([
      { user_id: ANNA, status: "online", version: 5 },
    ]);
    const store = usePresenceStore();
    expect(store.statusOf(ANNA)).toBe("offline");
    await store.load();
    expect(store.statusOf(ANNA)).toBe("online");
    store.applyEvent(presenceChanged(ANNA, "away", 6));
    expect(store.statusOf(ANNA)).toBe("away");
    expect(store.statusOf(BORIS)).toBe("offline");
  });

  it("shows hints and drops them when they expire", () => {
    const store = usePresenceStore();
    store.applyEvent(hint("conversation.typing", ANNA));
    expect(store.hintsFor(7, ME).map((h) => h.kind)).toEqual(["typing"]);
    vi.advanceTimersByTime(TYPING_TTL_MS + 1_000);
    expect(store.hintsFor(7, ME)).toEqual([]);
    expect(store.hints).toEqual([]);
  });

  it("sends hints on the attached socket, and again after a reconnect and periodically", () => {
    const store = usePresenceStore();
    const send = vi.fn().mockReturnValue(true);
    store.attach(send);
    store.view(7);
    store.typing(7, false);
    store.connected(); // the socket came back
    vi.advanceTimersByTime(20_000);
    store.leave(7);
    vi.advanceTimersByTime(60_000);
    expect(send.mock.calls.map(([frame]) => (frame as { type: string }).type)).toEqual([
      "conversation.viewing",
      "conversation.typing",
      "conversation.viewing",
      "conversation.viewing",
      "conversation.left",
    ]);
  });

  it("answers a colleague who just opened the conversation I have open, once", () => {
    const store = usePresenceStore();
    const send = vi.fn().mockReturnValue(true);
    store.attach(send);
    store.view(7);
    send.mockClear();
    store.applyEvent(hint("conversation.viewing", ANNA, 8)); // another conversation
    store.applyEvent(hint("conversation.viewing", ANNA, 7));
    store.applyEvent(hint("conversation.viewing", ANNA, 7)); // her refresh: not news
    store.applyEvent(hint("conversation.typing", ANNA, 7));
    expect(send.mock.calls).toEqual([[{ type: "conversation.viewing", conversation_id: 7 }]]);
  });

  it("chooses my status and keeps what the desk answered", async () => {
    const store = usePresenceStore();
    vi.spyOn(presenceApi, "profile").mockResolvedValue({ availability: "online" } as never);
    await store.loadProfile();
    expect(store.chosen).toBe("online");
    const put = vi.spyOn(presenceApi, "setAvailability").mockResolvedValue({ availability: "away" } as never);
    await store.choose("away");
    expect(put).toHaveBeenCalledWith("away");
    expect(store.chosen).toBe("away");
    put.mockRejectedValue(new Error("the desk is unreachable"));
    await store.choose("offline");
    expect(store.chosen).toBe("away");
    expect(store.chooseError).toBe("the desk is unreachable");
  });
});
