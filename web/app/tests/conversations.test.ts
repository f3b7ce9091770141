import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { api, type Conversation } from "../src/api";
import { useConversationsStore } from "../src/stores/conversations";

function conversation(id: number, lastActivity: string, extra: Partial<Conversation> = {}) {
  return {
    id,
    number: id + 100,
    inbox_id: 1,
    contact: { id: id + 500, name: `Contact ${id}`, email: null, phone: null },
    subject: "",
    status: "open",
    priority: "normal",
    type: "question",
    assignee_id: null,
    team_id: null,
    labels: [],
    last_activity_at: lastActivity,
    waiting_since: null,
    message_count: 1,
    ...extra,
  } satisfies Conversation;
}

async function loaded(...items: Conversation[]) {
  vi.spyOn(api, "conversations").mockResolvedValue({ items, next_cursor: null });
  const store = useConversationsStore();
  await store.load();
  return store;
}

describe("the conversation list store", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  it("loads the first page", async () => {
    const store = await loaded(conversation(2, "2026-11-22T14:00:00Z"));
    expect(store.loaded).toBe(true);
    expect(store.items.map((c) => c.id)).toEqual([2]);
  });

  it("keeps a load failure's detail", async () => {
    vi.spyOn(api, "conversations").mockRejectedValue(new Error("the desk is unreachable"));
    const store = useConversationsStore();
    await store.load();
    expect(store.error).toBe("the desk is unreachable");
    expect(store.loaded).toBe(false);
  });

  it("puts a created conversation first", async () => {
    const store = await loaded(conversation(2, "2026-11-22T14:00:00Z"));
    await store.applyEvent({
      type: "conversation.created",
      data: conversation(3, "2026-11-22T14:05:00.120000Z"),
    });
    expect(store.items.map((c) => c.id)).toEqual([3, 2]);
  });

  it("replaces a conversation on a conversation.* event", async () => {
    const store = await loaded(conversation(2, "2026-11-22T14:00:00Z"));
    await store.applyEvent({
      type: "conversation.status_changed",
      data: { ...conversation(2, "2026-11-22T14:00:00Z", { status: "resolved" }), previous_status: "open" },
    });
    expect(store.items).toHaveLength(1);
    expect(store.items[0]!.status).toBe("resolved");
  });

  it("moves a conversation up when a message arrives in it", async () => {
    const store = await loaded(
      conversation(3, "2026-11-22T14:05:00Z"),
      conversation(2, "2026-11-22T14:00:00Z"),
    );
    const fetch = vi.spyOn(api, "conversation");
    await store.applyEvent({
      type: "message.created",
      conversation_id: 2,
      data: {
        id: 77,
        kind: "incoming",
        conversation: {
          id: 2,
          number: 102,
          status: "pending",
          last_activity_at: "2026-11-22T14:10:00+00:00",
          message_count: 2,
        },
      },
    });
    expect(store.items.map((c) => c.id)).toEqual([2, 3]);
    expect(store.items[0]).toMatchObject({ status: "pending", message_count: 2 });
    expect(store.items[0]!.contact.name).toBe("Contact 2"); // the rest is kept
    expect(fetch).not.toHaveBeenCalled();
  });

  it("fetches a conversation it does not hold when a message arrives in it", async () => {
    const store = await loaded(conversation(2, "2026-11-22T14:00:00Z"));
    const fetch = vi
      .spyOn(api, "conversation")
      .mockResolvedValue(conversation(9, "2026-11-22T15:00:00Z"));
    const frame = {
      type: "message.created",
      data: { id: 80, conversation: { id: 9, last_activity_at: "2026-11-22T15:00:00Z" } },
    };
    await Promise.all([store.applyEvent(frame), store.applyEvent(frame)]);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledWith(9);
    expect(store.items.map((c) => c.id)).toEqual([9, 2]);
  });

  it("ignores events the list does not show", async () => {
    const store = await loaded(conversation(2, "2026-11-22T14:00:00Z"));
    await store.applyEvent({ type: "contact.updated", data: { id: 502, name: "Someone" } });
    await store.applyEvent({ type: "message.created", data: { id: 81 } }); // no summary
    await store.applyEvent({ type: "conversation.updated", data: { id: 2 } }); // not a whole one
    expect(store.items).toEqual([conversation(2, "2026-11-22T14:00:00Z")]);
  });
});
