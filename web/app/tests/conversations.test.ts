import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { api, type Conversation } from "../src/api";
import { defaultFilter } from "../src/listFilter";
import { PAGE_SIZE, useConversationsStore } from "../src/stores/conversations";
import { useSessionStore } from "../src/stores/session";
import { conversation as fixture } from "./fixtures";

function conversation(id: number, lastActivity: string, extra: Partial<Conversation> = {}) {
  const contact = { id: id + 500, name: `Contact ${id}`, email: null, phone: null };
  const found = fixture({ id, number: id + 100, contact, last_activity_at: lastActivity, message_count: 1, ...extra });
  // Spread into a plain object type: an event carries its data as a record.
  return { ...found };
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
      data: { ...conversation(2, "2026-11-22T14:00:00Z", { status: "pending" }), previous_status: "open" },
    });
    expect(store.items).toHaveLength(1);
    expect(store.items[0]!.status).toBe("pending");
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

describe("the list under a view and filters", () => {
  const ME = 7;
  beforeEach(() => {
    setActivePinia(createPinia());
    useSessionStore().me = {
      user_id: ME,
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

  it("asks the desk for the filter's page", async () => {
    const list = vi.spyOn(api, "conversations").mockResolvedValue({ items: [], next_cursor: null });
    await useConversationsStore().load({ ...defaultFilter("unassigned"), statuses: ["resolved"] });
    expect(list).toHaveBeenCalledWith([
      ["assignee_id", "none"],
      ["status", "resolved"],
      ["sort", "last_activity"],
      ["limit", String(PAGE_SIZE)],
    ]);
  });

  it("drops a conversation resolved while the filter is open and pending", async () => {
    const store = await loaded(conversation(2, "2026-11-22T14:00:00Z"), conversation(1, "2026-11-22T13:00:00Z"));
    await store.applyEvent({
      type: "conversation.status_changed",
      data: conversation(2, "2026-11-22T14:01:00Z", { status: "resolved" }),
    });
    expect(store.items.map((c) => c.id)).toEqual([1]);
  });

  it("drops from Mine a conversation assigned to someone else, adds one assigned to me", async () => {
    vi.spyOn(api, "conversations").mockResolvedValue({
      items: [conversation(2, "2026-11-22T14:00:00Z", { assignee_id: ME })],
      next_cursor: null,
    });
    const store = useConversationsStore();
    await store.load(defaultFilter("mine"));
    await store.applyEvent({
      type: "conversation.assigned",
      data: conversation(2, "2026-11-22T14:00:00Z", { assignee_id: 8 }),
    });
    expect(store.items).toEqual([]);
    await store.applyEvent({
      type: "conversation.assigned",
      data: conversation(3, "2026-11-22T14:02:00Z", { assignee_id: ME }),
    });
    expect(store.items.map((c) => c.id)).toEqual([3]);
  });

  it("never adds a conversation that does not match", async () => {
    vi.spyOn(api, "conversations").mockResolvedValue({ items: [], next_cursor: null });
    const store = useConversationsStore();
    await store.load(defaultFilter("unassigned"));
    await store.applyEvent({
      type: "conversation.created",
      data: conversation(4, "2026-11-22T14:00:00Z", { assignee_id: ME }),
    });
    expect(store.items).toEqual([]);
  });

  it("drops a conversation whose new message summary no longer matches", async () => {
    const store = await loaded(conversation(2, "2026-11-22T14:00:00Z"));
    const fetch = vi.spyOn(api, "conversation");
    await store.applyEvent({
      type: "message.created",
      data: { id: 90, conversation: { id: 2, status: "snoozed" } },
    });
    expect(store.items).toEqual([]);
    expect(fetch).not.toHaveBeenCalled();
  });

  it("ignores a fetched conversation that does not match", async () => {
    const store = await loaded(conversation(2, "2026-11-22T14:00:00Z"));
    vi.spyOn(api, "conversation").mockResolvedValue(
      conversation(9, "2026-11-22T15:00:00Z", { status: "resolved" }),
    );
    await store.applyEvent({ type: "message.created", data: { id: 91, conversation: { id: 9 } } });
    expect(store.items.map((c) => c.id)).toEqual([2]);
  });

  it("loads the next page with the cursor and the same filter", async () => {
    const list = vi
      .spyOn(api, "conversations")
      .mockResolvedValueOnce({ items: [conversation(3, "2026-11-22T14:00:00Z")], next_cursor: "c1" })
      .mockResolvedValueOnce({
        items: [conversation(3, "2026-11-22T14:00:00Z"), conversation(2, "2026-11-22T13:00:00Z")],
        next_cursor: null,
      });
    const store = useConversationsStore();
    await store.load(defaultFilter("mine"));
    expect(store.nextCursor).toBe("c1");
    await store.loadMore();
    expect(list).toHaveBeenLastCalledWith([
      ["assignee_id", "me"],
      ["status", "open"],
      ["status", "pending"],
      ["sort", "last_activity"],
      ["limit", String(PAGE_SIZE)],
      ["cursor", "c1"],
    ]);
    expect(store.items.map((c) => c.id)).toEqual([3, 2]); // no row twice
    expect(store.nextCursor).toBeNull();
    await store.loadMore(); // the last page: nothing more to ask
    expect(list).toHaveBeenCalledTimes(2);
  });

  it("leaves a live row past the loaded page to the next page", async () => {
    vi.spyOn(api, "conversations").mockResolvedValue({
      items: [conversation(3, "2026-11-22T14:00:00Z")],
      next_cursor: "c1",
    });
    const store = useConversationsStore();
    await store.load();
    await store.applyEvent({ type: "conversation.created", data: conversation(1, "2026-11-22T10:00:00Z") });
    expect(store.items.map((c) => c.id)).toEqual([3]);
    await store.applyEvent({ type: "conversation.created", data: conversation(4, "2026-11-22T15:00:00Z") });
    expect(store.items.map((c) => c.id)).toEqual([4, 3]);
  });

  it("drops the answer for a filter that was replaced meanwhile", async () => {
    let answerOld: (page: { items: Conversation[]; next_cursor: null }) => void = () => {};
    vi.spyOn(api, "conversations")
      .mockImplementationOnce(() => new Promise((resolve) => (answerOld = resolve)))
      .mockResolvedValueOnce({ items: [conversation(5, "2026-11-22T14:00:00Z")], next_cursor: null });
    const store = useConversationsStore();
    const old = store.load(defaultFilter("all"));
    await store.load(defaultFilter("unassigned"));
    answerOld({ items: [conversation(6, "2026-11-22T14:00:00Z")], next_cursor: null });
    await old;
    expect(store.items.map((c) => c.id)).toEqual([5]);
    expect(store.filter.view).toBe("unassigned");
  });
});
