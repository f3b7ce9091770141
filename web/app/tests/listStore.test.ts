// The list store's live counts, unread markers, Mentions and My teams, bulk actions and saved
// views.
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { api, ApiError, type Conversation } from "../src/api";
import { listApi, type SavedView } from "../src/listApi";
import { defaultFilter } from "../src/listFilter";
import { COUNTS_DELAY_MS, useConversationsStore } from "../src/stores/conversations";
import { useSavedViewsStore } from "../src/stores/savedViews";
import { useSessionStore } from "../src/stores/session";
import type { EventFrame } from "../src/realtime";
import { conversation } from "./fixtures";

const COUNTS = { mine: 1, unassigned: 2, my_teams: 0, all: 3, mentions: 0 };

function c(id: number, extra: Partial<Conversation> = {}): Conversation {
  return conversation({ id, number: id + 100, ...extra });
}

async function loaded(items: Conversation[], view = defaultFilter()) {
  vi.spyOn(api, "conversations").mockResolvedValue({ items, next_cursor: null });
  const counts = vi.spyOn(listApi, "counts").mockResolvedValue(COUNTS);
  const store = useConversationsStore();
  await store.load(view);
  return { store, counts };
}

function ev(type: string, data: object): EventFrame {
  return { type, data: { ...(data as Record<string, unknown>) } };
}

function incoming(id: number, kind = "incoming") {
  return {
    type: "message.created",
    conversation_id: id,
    data: { id: 900 + id, kind, conversation: { id, last_activity_at: "2026-11-22T15:00:00Z" } },
  };
}

describe("live counts", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("come with every load, for the filter's statuses and filters", async () => {
    const { store, counts } = await loaded([]);
    expect(counts).toHaveBeenCalledWith([
      ["status", "open"],
      ["status", "pending"],
    ]);
    expect(store.counts).toEqual(COUNTS);
    await store.load({ ...defaultFilter("mine"), statuses: ["resolved"], inboxId: 2 });
    expect(counts).toHaveBeenLastCalledWith([
      ["status", "resolved"],
      ["inbox_id", "2"],
    ]);
  });

  it("are asked once for a burst of events, not per event", async () => {
    const { store, counts } = await loaded([c(1)]);
    counts.mockClear();
    vi.useFakeTimers();
    vi.spyOn(api, "conversation").mockRejectedValue(new Error("gone"));
    for (let i = 0; i < 20; i++) {
      await store.applyEvent(ev("conversation.assigned", c(1, { assignee_id: i })));
    }
    expect(counts).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(COUNTS_DELAY_MS);
    expect(counts).toHaveBeenCalledTimes(1);
    // The next burst is asked for again.
    await store.applyEvent(ev("conversation.status_changed", c(1)));
    await vi.advanceTimersByTimeAsync(COUNTS_DELAY_MS);
    expect(counts).toHaveBeenCalledTimes(2);
  });

  it("keep the last figures when the desk does not answer", async () => {
    const { store, counts } = await loaded([]);
    counts.mockRejectedValue(new ApiError({ status: 0, detail: "offline" }));
    await store.refreshCounts();
    expect(store.counts).toEqual(COUNTS);
  });
});

describe("unread markers", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  it("a customer message marks the conversation unread; a reply or note does not", async () => {
    const { store } = await loaded([c(1, { unread: false }), c(2, { unread: false })]);
    await store.applyEvent(incoming(1, "outgoing"));
    await store.applyEvent(incoming(2, "note"));
    expect(store.items.map((x) => x.unread)).toEqual([false, false]);
    await store.applyEvent(incoming(1));
    expect(store.items.find((x) => x.id === 1)!.unread).toBe(true);
  });

  it("opening a conversation reads it, and what arrives while it is open stays read", async () => {
    const { store } = await loaded([c(1, { unread: true }), c(2, { unread: false })]);
    const read = vi.spyOn(listApi, "markRead").mockResolvedValue({
      conversation_id: 1,
      last_read_at: "2026-11-22T15:00:00Z",
      unread: false,
    });
    store.setOpen(1);
    expect(store.items.find((x) => x.id === 1)!.unread).toBe(false);
    expect(read).toHaveBeenCalledWith(1);
    await store.applyEvent(incoming(1));
    expect(store.items.find((x) => x.id === 1)!.unread).toBe(false);
    expect(read).toHaveBeenCalledTimes(2);
    // Opening one already read asks nothing.
    store.setOpen(2);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it("my read on another screen takes the marker away here", async () => {
    const { store } = await loaded([c(1, { unread: true })]);
    await store.applyEvent({
      type: "conversation.read",
      conversation_id: 1,
      data: { conversation_id: 1, last_read_at: "2026-11-22T15:00:00Z", unread: false },
    });
    expect(store.items[0]!.unread).toBe(false);
  });

  it("a conversation event keeps what the list knew, since it cannot know whether I read it", async () => {
    const { store } = await loaded([c(1, { unread: true })]);
    await store.applyEvent(ev("conversation.assigned", c(1, { assignee_id: 3, unread: null })));
    expect(store.items[0]).toMatchObject({ assignee_id: 3, unread: true });
  });

  it("a conversation new to the list is asked of the desk, which knows", async () => {
    const { store } = await loaded([]);
    const fetch = vi.spyOn(api, "conversation").mockResolvedValue(c(5, { unread: true }));
    await store.applyEvent(ev("conversation.assigned", c(5, { unread: null })));
    expect(fetch).toHaveBeenCalledWith(5);
    expect(store.items[0]!.unread).toBe(true);
    // A conversation just created has been read by nobody: no need to ask.
    fetch.mockClear();
    await store.applyEvent(ev("conversation.created", c(6, { unread: null })));
    expect(fetch).not.toHaveBeenCalled();
    expect(store.items.find((x) => x.id === 6)!.unread).toBe(false);
  });
});

describe("Mentions and My teams follow live events", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  it("a mention of me brings its conversation into Mentions", async () => {
    const { store } = await loaded([], defaultFilter("mentions"));
    vi.spyOn(api, "conversation").mockResolvedValue(c(4));
    await store.applyEvent(ev("conversation.created", c(3)));
    expect(store.items).toEqual([]); // nobody said it mentions me
    await store.applyEvent({
      type: "notification.mentioned",
      conversation_id: 4,
      data: { conversation_id: 4, number: 104, message_id: 9 },
    });
    expect(store.items.map((x) => x.id)).toEqual([4]);
    // Later changes keep it there.
    await store.applyEvent(ev("conversation.assigned", c(4, { assignee_id: 2 })));
    expect(store.items.map((x) => x.id)).toEqual([4]);
  });

  it("My teams knows my teams and keeps their conversations live", async () => {
    useSessionStore().me = {
      user_id: 7, workspace_id: 1, role: "agent", via: "session",
      name: "Agent", email: "a@x", language: "en", time_zone: "UTC",
    }; // prettier-ignore
    vi.spyOn(api, "teams").mockResolvedValue([
      { id: 3, name: "Support", description: "", member_ids: [7], inbox_ids: [] },
      { id: 4, name: "Sales", description: "", member_ids: [8], inbox_ids: [] },
    ]);
    for (const other of ["users", "inboxes", "labels"] as const) vi.spyOn(api, other).mockResolvedValue([]);
    const { store } = await loaded([], defaultFilter("my_teams"));
    vi.spyOn(api, "conversation").mockRejectedValue(new Error("not needed"));
    await store.applyEvent(ev("conversation.assigned", c(1, { team_id: 3, unread: false })));
    await store.applyEvent(ev("conversation.assigned", c(2, { team_id: 4, unread: false })));
    expect(store.items.map((x) => x.id)).toEqual([1]);
  });
});

describe("bulk actions", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  it("selects one by one or the whole page, as far as the list still shows them", async () => {
    const { store } = await loaded([c(1), c(2), c(3)]);
    store.toggleSelected(2, true);
    store.toggleSelected(3, true);
    store.toggleSelected(3, false);
    expect(store.selectedIds).toEqual([2]);
    store.selectPage(true);
    expect(store.selectedIds).toEqual([1, 2, 3]);
    // Resolved elsewhere, it leaves the list and the selection.
    await store.applyEvent(ev("conversation.status_changed", c(2, { status: "resolved" })));
    expect(store.selectedIds).toEqual([1, 3]);
    await store.load({ ...defaultFilter(), priority: "high" });
    expect(store.selected).toEqual([]);
  });

  it("sends one action for the selection and keeps what was refused selected", async () => {
    const { store } = await loaded([c(1), c(2), c(3)]);
    store.selectPage(true);
    const bulk = vi.spyOn(listApi, "bulk").mockResolvedValue({
      results: [
        { id: 1, ok: true, conversation: c(1, { status: "resolved" }), problem: null },
        { id: 2, ok: false, conversation: null, problem: { status: 404, title: "Not found", detail: "no conversation 2 visible to you" } },
        { id: 3, ok: true, conversation: c(3, { status: "resolved" }), problem: null },
      ],
    }); // prettier-ignore
    const outcome = await store.bulk({ type: "resolve" });
    expect(bulk).toHaveBeenCalledWith([1, 2, 3], { type: "resolve" });
    expect(outcome).toEqual({
      done: 2,
      failed: [{ id: 2, number: 102, detail: "no conversation 2 visible to you" }],
    });
    expect(store.items.map((x) => x.id)).toEqual([2]); // resolved ones left the open list
    expect(store.selectedIds).toEqual([2]);
    expect(store.bulkOutcome).toEqual(outcome);
  });

  it("splits a selection over the desk's limit and reports a failed request per id", async () => {
    const many = Array.from({ length: 130 }, (_, i) => c(i + 1));
    const { store } = await loaded(many);
    store.selectPage(true);
    const bulk = vi
      .spyOn(listApi, "bulk")
      .mockImplementationOnce((ids) =>
        Promise.resolve({
          results: ids.map((id) => ({ id, ok: true, conversation: null, problem: null })),
        }),
      )
      .mockRejectedValueOnce(new ApiError({ status: 0, detail: "the desk is unreachable" }));
    const outcome = await store.bulk({ type: "add_label", label: "vip" });
    expect(bulk.mock.calls.map(([ids]) => ids.length)).toEqual([100, 30]);
    expect(outcome.done).toBe(100);
    expect(outcome.failed).toHaveLength(30);
    expect(outcome.failed[0]!.detail).toBe("the desk is unreachable");
    expect(store.selectedIds).toHaveLength(30);
  });
});

describe("saved views", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  const view = (id: number, name: string): SavedView => ({
    id,
    name,
    filters: { assignee_id: "me" },
    created_at: "2026-11-22T15:00:00Z",
    updated_at: "2026-11-22T15:00:00Z",
  });

  it("saves the current filter as the desk's query", async () => {
    const create = vi.spyOn(listApi, "createView").mockResolvedValue(view(1, "Mine"));
    const views = useSavedViewsStore();
    await views.save("  Mine ", { ...defaultFilter("mine"), priority: "high" });
    expect(create).toHaveBeenCalledWith("Mine", {
      assignee_id: "me",
      status: ["open", "pending"],
      priority: "high",
      sort: "last_activity",
    });
    expect(views.views.map((v) => v.name)).toEqual(["Mine"]);
  });

  it("follow my other screens through the view events, reaching the list's store", async () => {
    const { store } = await loaded([]);
    const views = useSavedViewsStore();
    await store.applyEvent({ type: "view.created", data: { ...view(2, "Zeta") } });
    await store.applyEvent({ type: "view.created", data: { ...view(1, "Alpha") } });
    await store.applyEvent({ type: "view.created", data: { ...view(1, "Alpha") } });
    expect(views.views.map((v) => v.name)).toEqual(["Alpha", "Zeta"]);
    await store.applyEvent({ type: "view.updated", data: { ...view(2, "Beta") } });
    expect(views.views.map((v) => v.name)).toEqual(["Alpha", "Beta"]);
    await store.applyEvent({ type: "view.deleted", data: { id: 1 } });
    expect(views.views.map((v) => v.name)).toEqual(["Beta"]);
    await store.applyEvent({ type: "view.created", data: { id: 3 } }); // not a whole view
    expect(views.views).toHaveLength(1);
  });
});
