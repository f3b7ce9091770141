import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { api, ApiError, type Conversation, type Message } from "../src/api";
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
