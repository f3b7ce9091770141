import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { api, ApiError, type Conversation, type Message } from "../src/api";
import { replyApi } from "../src/replyApi";
import { useSessionStore } from "../src/stores/session";
import { useTimelineStore } from "../src/stores/timeline";
import { conversation } from "./fixtures";

function message(id: number, extra: Partial<Message> = {}): Message {
  return {
    id,
    conversation_id: 7,
    inbox_id: 1,
    kind: "incoming",
    private: false,
    sender_type: "contact",
    sender_id: 50,
    content: `message ${id}`,
    content_attributes: {},
    external_id: null,
    delivery_status: null,
    attachments: [],
    created_at: "2026-11-22T14:00:00Z",
    ...extra,
  };
}

async function opened(items: Message[], nextCursor: string | null = null) {
  vi.spyOn(api, "conversation").mockResolvedValue(conversation());
  vi.spyOn(api, "messages").mockResolvedValue({ items, next_cursor: nextCursor });
  const store = useTimelineStore();
  await store.open(7);
  return store;
}

const ids = (store: ReturnType<typeof useTimelineStore>) => store.messages.map((m) => m.id);

describe("the timeline store", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  it("opens a conversation with its newest page", async () => {
    const store = await opened([message(3), message(4)], "3");
    expect(api.messages).toHaveBeenCalledWith(7);
    expect(store.conversation?.number).toBe(107);
    expect(ids(store)).toEqual([3, 4]);
    expect(store.olderCursor).toBe("3");
    expect(store.loading).toBe(false);
  });

  it("puts older pages before, and forgets the cursor on the oldest page", async () => {
    const store = await opened([message(3), message(4)], "3");
    vi.mocked(api.messages).mockResolvedValue({ items: [message(1), message(2)], next_cursor: null });
    await store.loadOlder();
    expect(api.messages).toHaveBeenLastCalledWith(7, { before: "3" });
    expect(ids(store)).toEqual([1, 2, 3, 4]);
    expect(store.olderCursor).toBeNull();
  });

  it("appends a live message once, in id order, whatever arrives twice or late", async () => {
    const store = await opened([message(3)]);
    const frame = { type: "message.created", conversation_id: 7, data: { ...message(5) } };
    store.applyEvent(frame);
    store.applyEvent(frame);
    store.applyEvent({ type: "message.created", conversation_id: 7, data: { ...message(4) } });
    expect(ids(store)).toEqual([3, 4, 5]);
  });

  it("shows a reply's delivery status as the channel reports it", async () => {
    const sent = message(5, { kind: "outgoing", delivery_status: "pending" });
    const store = await opened([message(3), sent]);
    const update = (extra: Partial<Message>, conversationId = 7) =>
      store.applyEvent({
        type: "message.updated",
        conversation_id: conversationId,
        data: { ...sent, conversation_id: conversationId, ...extra, changed: ["delivery_status"] },
      });
    update({ delivery_status: "delivered" });
    expect(store.messages.find((m) => m.id === 5)?.delivery_status).toBe("delivered");
    update({ delivery_status: "failed", delivery_error: "bot was blocked by the user" });
    expect(store.messages.find((m) => m.id === 5)?.delivery_error).toBe(
      "bot was blocked by the user",
    );
    // Another conversation's message, or one this page never showed, changes nothing here.
    update({ delivery_status: "read" }, 8);
    store.applyEvent({ type: "message.updated", conversation_id: 7, data: { ...message(99) } });
    expect(ids(store)).toEqual([3, 5]);
    expect(store.messages.find((m) => m.id === 5)?.delivery_status).toBe("failed");
  });

  it("keeps events that arrive while the first page loads", async () => {
    let answer: (page: { items: Message[]; next_cursor: null }) => void = () => {};
    vi.spyOn(api, "conversation").mockResolvedValue(conversation());
    vi.spyOn(api, "messages").mockReturnValue(new Promise((resolve) => (answer = resolve)));
    const store = useTimelineStore();
    const opening = store.open(7);
    store.applyEvent({ type: "message.created", data: { ...message(9) } });
    answer({ items: [message(8), message(9)], next_cursor: null });
    await opening;
    expect(ids(store)).toEqual([8, 9]);
  });

  it("ignores messages of other conversations and events it does not show", async () => {
    const store = await opened([message(3)]);
    store.applyEvent({ type: "message.created", data: { ...message(4, { conversation_id: 8 }) } });
    store.applyEvent({ type: "message.created", data: { id: 5 } }); // not a message
    store.applyEvent({ type: "contact.updated", data: { id: 50, name: "Someone" } });
    store.applyEvent({ type: "conversation.status_changed", data: { ...conversation({ id: 8, status: "resolved" }) } });
    expect(ids(store)).toEqual([3]);
    expect(store.conversation?.status).toBe("open");
  });

  it("follows the header: conversation events and a message's summary", async () => {
    const store = await opened([message(3)]);
    store.applyEvent({
      type: "conversation.assigned",
      data: { ...conversation({ assignee_id: 4 }), previous_assignee_id: null },
    });
    expect(store.conversation?.assignee_id).toBe(4);
    store.applyEvent({
      type: "message.created",
      data: { ...message(4), conversation: { id: 7, status: "pending", assignee_id: 4 } },
    });
    expect(store.conversation).toMatchObject({ status: "pending", assignee_id: 4, number: 107 });
  });

  it("shows a sent reply once, whether the answer or the event comes first", async () => {
    const store = await opened([message(3)]);
    const reply = message(4, { kind: "outgoing", sender_type: "user", content: "On its way" });
    vi.spyOn(api, "postMessage").mockImplementation(() => {
      store.applyEvent({ type: "message.created", data: { ...reply } }); // the event wins the race
      return Promise.resolve(reply);
    });
    expect(await store.send("On its way", false)).toBe(true);
    expect(api.postMessage).toHaveBeenCalledWith(7, { content: "On its way", private: false });
    expect(ids(store)).toEqual([3, 4]);
  });

  it("keeps the problem's detail when a reply is refused, and sends no blank text", async () => {
    const store = await opened([message(3)]);
    const post = vi
      .spyOn(api, "postMessage")
      .mockRejectedValue(new ApiError({ status: 413, detail: "message is over 65536 characters" }));
    expect(await store.send("   ", true)).toBe(false);
    expect(post).not.toHaveBeenCalled();
    expect(await store.send("x".repeat(70000), true)).toBe(false);
    expect(store.sendError).toBe("message is over 65536 characters");
    expect(ids(store)).toEqual([3]);
  });

  it("resolves and reports a refused transition", async () => {
    const store = await opened([]);
    vi.spyOn(api, "setStatus").mockResolvedValueOnce(conversation({ status: "resolved" }));
    await store.setStatus("resolved");
    expect(api.setStatus).toHaveBeenCalledWith(7, "resolved");
    expect(store.conversation?.status).toBe("resolved");
    vi.mocked(api.setStatus).mockRejectedValueOnce(
      new ApiError({ status: 409, detail: "allowed: open" }),
    );
    await store.setStatus("pending");
    expect(store.actionError).toBe("allowed: open");
    expect(store.conversation?.status).toBe("resolved");
  });

  it("catches up after a reconnect with the messages after the last one", async () => {
    const store = await opened([message(3)]);
    vi.mocked(api.messages)
      .mockResolvedValueOnce({ items: [message(4)], next_cursor: "4" })
      .mockResolvedValueOnce({ items: [message(5)], next_cursor: null });
    await store.catchUp();
    expect(api.messages).toHaveBeenCalledWith(7, { after: 3 });
    expect(api.messages).toHaveBeenLastCalledWith(7, { after: 4 });
    expect(ids(store)).toEqual([3, 4, 5]);
  });

  it("drops a late answer for a conversation the user already left", async () => {
    let answer: (c: Conversation) => void = () => {};
    vi.spyOn(api, "conversation").mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    vi.spyOn(api, "messages").mockResolvedValue({ items: [], next_cursor: null });
    const store = useTimelineStore();
    const first = store.open(7);
    vi.mocked(api.conversation).mockResolvedValueOnce(conversation({ id: 8, number: 108 }));
    await store.open(8);
    answer(conversation());
    await first;
    expect(store.conversation?.number).toBe(108);
  });
});

describe("sending from the timeline store", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    useSessionStore().me = {
      user_id: 3,
      workspace_id: 1,
      role: "agent",
      via: "session",
      name: "Agent",
      email: "agent@example.com",
      language: "en",
      time_zone: "UTC",
    };
  });
  afterEach(() => vi.restoreAllMocks());

  /** A promise the test settles by hand, to look at the store while a request is in flight. */
  function held<T>() {
    let resolve: (value: T) => void = () => {};
    let reject: (error: unknown) => void = () => {};
    const promise = new Promise<T>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    return { promise, resolve, reject };
  }

  const photo = () => new File([new Uint8Array(2048)], "photo.png", { type: "image/png" });
  const stored = (id: number, extra: Partial<Message> = {}) =>
    message(id, { kind: "outgoing", sender_type: "user", sender_id: 3, delivery_status: "sent", ...extra });

  it("shows a reply at once as sending, then the stored one in its place", async () => {
    const store = await opened([message(3)]);
    const answer = held<Message>();
    vi.spyOn(api, "postMessage").mockReturnValue(answer.promise);
    const sent = store.send("On its way", false);
    expect(store.sending).toBe(true);
    expect(store.messages.map((m) => m.id)).toEqual([3]);
    expect(store.entries).toHaveLength(2);
    expect(store.entries[1]).toMatchObject({
      kind: "outgoing",
      content: "On its way",
      sender_id: 3,
      delivery_status: "pending",
      inbox_id: 1,
    });
    expect(store.entries[1]!.id).toBeLessThan(0);
    answer.resolve(stored(4, { content: "On its way" }));
    expect(await sent).toBe(true);
    expect(store.entries.map((m) => m.id)).toEqual([3, 4]);
    expect(store.pending).toEqual([]);
  });

  it("lets the websocket's copy replace the sending one before the answer comes", async () => {
    const store = await opened([message(3)]);
    const answer = held<Message>();
    vi.spyOn(api, "postMessage").mockReturnValue(answer.promise);
    const sent = store.send("Checked", true);
    expect(store.entries.at(-1)).toMatchObject({ kind: "note", private: true, delivery_status: "pending" });
    const note = stored(4, { kind: "note", private: true, content: "Checked", delivery_status: null });
    store.applyEvent({ type: "message.created", data: { ...note } });
    expect(store.entries.map((m) => m.id)).toEqual([3, 4]); // shown once, not twice
    answer.resolve(note);
    await sent;
    expect(store.entries.map((m) => m.id)).toEqual([3, 4]);
  });

  it("sends files as multipart, shown with their names and sizes while they upload", async () => {
    const store = await opened([message(3)]);
    const answer = held<Message>();
    const post = vi.spyOn(api, "postMessage");
    const upload = vi.spyOn(replyApi, "postWithFiles").mockReturnValue(answer.promise);
    const file = photo();
    const sent = store.send("", false, [file]); // files alone are a message
    expect(post).not.toHaveBeenCalled();
    expect(upload).toHaveBeenCalledWith(7, { content: "", private: false, files: [file] });
    expect(store.entries.at(-1)!.attachments).toMatchObject([
      { file_name: "photo.png", content_type: "image/png", size: 2048, url: "" },
    ]);
    const attachment = { id: 11, file_name: "photo.png", content_type: "image/png", size: 2048, url: "/api/v1/attachments/11" };
    answer.resolve(stored(4, { content: "", attachments: [attachment] }));
    expect(await sent).toBe(true);
    expect(store.entries.map((m) => m.id)).toEqual([3, 4]);
    expect(store.entries.at(-1)!.attachments).toEqual([attachment]);
  });

  it("takes a refused message back out and keeps the desk's reason", async () => {
    const store = await opened([message(3)]);
    const answer = held<Message>();
    vi.spyOn(replyApi, "postWithFiles").mockReturnValue(answer.promise);
    const sent = store.send("see attached", false, [photo()]);
    expect(store.entries).toHaveLength(2);
    answer.reject(new ApiError({ status: 413, detail: "attachment 'photo.png' is over the 1000 byte limit" }));
    expect(await sent).toBe(false);
    expect(store.sendError).toBe("attachment 'photo.png' is over the 1000 byte limit");
    expect(store.entries.map((m) => m.id)).toEqual([3]);
    expect(store.sending).toBe(false);
  });

  it("sends nothing empty, nor a second message while one is on its way", async () => {
    const store = await opened([message(3)]);
    const answer = held<Message>();
    const post = vi.spyOn(api, "postMessage").mockReturnValue(answer.promise);
    expect(await store.send("  ", false, [])).toBe(false);
    const first = store.send("one", false);
    expect(await store.send("two", false)).toBe(false);
    expect(post).toHaveBeenCalledTimes(1);
    answer.resolve(stored(4, { content: "one" }));
    await first;
  });

  it("forgets what was sending when another conversation opens", async () => {
    const store = await opened([message(3)]);
    vi.spyOn(api, "postMessage").mockReturnValue(new Promise(() => {}));
    void store.send("never answered", false);
    expect(store.pending).toHaveLength(1);
    await store.open(8);
    expect(store.pending).toEqual([]);
  });
});
