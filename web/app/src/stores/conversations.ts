import { defineStore } from "pinia";
import { computed, ref } from "vue";

import { api, type Conversation } from "../api";
import { BULK_MAX, listApi, type BulkAction, type BulkItemResult, type ViewCounts } from "../listApi";
import {
  comparator,
  countParams,
  defaultFilter,
  matches,
  requestParams,
  type ListFilter,
} from "../listFilter";
import type { EventFrame } from "../realtime";
import { useSavedViewsStore } from "./savedViews";
import { useSessionStore } from "./session";
import { useWorkspaceStore } from "./workspace";

// Fields of the conversation summary that `message.created` carries.
type Summary = Partial<
  Pick<
    Conversation,
    | "status"
    | "assignee_id"
    | "team_id"
    | "last_activity_at"
    | "message_count"
    | "waiting_since"
    | "last_incoming_at"
    | "unread"
  >
> & { id: number };

export interface BulkOutcome {
  done: number;
  failed: { id: number; number: number | null; detail: string }[];
}

export const PAGE_SIZE = 50;
/** Counts are asked again once per burst of events, this long after its first one. */
export const COUNTS_DELAY_MS = 800;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isConversation(value: unknown): value is Conversation {
  return (
    isObject(value) &&
    typeof value.id === "number" &&
    typeof value.number === "number" &&
    isObject(value.contact) &&
    typeof value.last_activity_at === "string"
  );
}

export const useConversationsStore = defineStore("conversations", () => {
  const items = ref<Conversation[]>([]);
  const nextCursor = ref<string | null>(null);
  const filter = ref<ListFilter>(defaultFilter());
  const loading = ref(false);
  const loadingMore = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const counts = ref<ViewCounts | null>(null);
  // The conversation open beside the list: what arrives in it is read as it arrives.
  const openId = ref<number | null>(null);
  const selected = ref<number[]>([]);
  const bulkBusy = ref(false);
  const bulkOutcome = ref<BulkOutcome | null>(null);
  // The teams I am in (My teams; the workspace store keeps them) and the conversations known
  // to mention me (Mentions).
  const workspace = useWorkspaceStore();
  const teamIds = computed(() => {
    const me = meId();
    return workspace.teams.filter((t) => me !== null && t.member_ids.includes(me)).map((t) => t.id);
  });
  const mentioned = ref(new Set<number>());
  // Conversations being fetched because an event named one the list does not hold yet.
  const fetching = new Set<number>();
  // Bumped by every first-page load: an answer for an older filter is dropped.
  let generation = 0;
  let countsGeneration = 0;
  let countsTimer: ReturnType<typeof setTimeout> | undefined;

  /** The selection, as far as the list still shows it. */
  const selectedIds = computed(() => {
    const shown = new Set(items.value.map((c) => c.id));
    return selected.value.filter((id) => shown.has(id));
  });

  function meId(): number | null {
    return useSessionStore().me?.user_id ?? null;
  }

  function fits(conversation: Conversation): boolean {
    return matches(conversation, filter.value, meId(), {
      teamIds: teamIds.value,
      mentioned: mentioned.value,
    });
  }

  /** Ask for the counts of every view now (the filter's statuses and filters). */
  async function refreshCounts(): Promise<void> {
    clearTimeout(countsTimer);
    countsTimer = undefined;
    const mine = ++countsGeneration;
    try {
      const answer = await listApi.counts(countParams(filter.value));
      if (mine === countsGeneration) counts.value = answer;
    } catch {
      // The old figures stay until the next event or filter change.
    }
  }

  /** Counts again after a burst of events: one request however many events came. */
  function scheduleCounts(): void {
    if (countsTimer !== undefined) return;
    countsTimer = setTimeout(() => {
      countsTimer = undefined;
      void refreshCounts();
    }, COUNTS_DELAY_MS);
  }

  /** The first page for the filter (the current one when left out). */
  async function load(next?: ListFilter): Promise<void> {
    if (next) {
      if (JSON.stringify(next) !== JSON.stringify(filter.value)) selected.value = [];
      filter.value = next;
    }
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    void refreshCounts();
    try {
      // Without the teams, live changes do not add conversations to My teams.
      if (filter.value.view === "my_teams") await workspace.ensure();
      const page = await api.conversations([
        ...requestParams(filter.value),
        ["limit", String(PAGE_SIZE)],
      ]);
      if (mine !== generation) return;
      if (filter.value.view === "mentions") page.items.forEach((c) => mentioned.value.add(c.id));
      items.value = page.items;
      nextCursor.value = page.next_cursor;
      loaded.value = true;
    } catch (e) {
      if (mine === generation) error.value = e instanceof Error ? e.message : String(e);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  /** The next page after the cursor, appended (live events may have brought some rows already). */
  async function loadMore(): Promise<void> {
    const cursor = nextCursor.value;
    if (cursor === null || loadingMore.value) return;
    const mine = generation;
    loadingMore.value = true;
    try {
      const page = await api.conversations([
        ...requestParams(filter.value),
        ["limit", String(PAGE_SIZE)],
        ["cursor", cursor],
      ]);
      if (mine !== generation) return;
      if (filter.value.view === "mentions") page.items.forEach((c) => mentioned.value.add(c.id));
      const known = new Set(items.value.map((c) => c.id));
      items.value = [...items.value, ...page.items.filter((c) => !known.has(c.id))];
      nextCursor.value = page.next_cursor;
    } catch (e) {
      if (mine === generation) error.value = e instanceof Error ? e.message : String(e);
    } finally {
      loadingMore.value = false;
    }
  }

  /**
   * Keep, add or drop the conversation as the filter says. Events do not know whether *I* read
   * it (`unread` null): then what the list knew stays.
   */
  function upsert(incoming: Conversation): void {
    const current = items.value.find((c) => c.id === incoming.id);
    const conversation = { ...incoming, unread: incoming.unread ?? current?.unread ?? null };
    const others = items.value.filter((c) => c.id !== conversation.id);
    if (!fits(conversation)) {
      if (others.length !== items.value.length) items.value = others;
      return;
    }
    const order = comparator(filter.value.sort);
    const last = others[others.length - 1];
    // Past the last loaded row while more pages remain: "load more" brings it in its place.
    if (nextCursor.value !== null && last && order(conversation, last) > 0) {
      items.value = others;
      return;
    }
    items.value = [...others, conversation].sort(order);
  }

  function merge(summary: Summary): boolean {
    const current = items.value.find((c) => c.id === summary.id);
    if (!current) return false;
    upsert({ ...current, ...summary });
    return true;
  }

  async function fetchMissing(id: number): Promise<void> {
    if (fetching.has(id)) return;
    fetching.add(id);
    try {
      upsert(await api.conversation(id));
    } catch {
      // Gone or no longer visible to us: nothing to show.
    } finally {
      fetching.delete(id);
    }
  }

  function setUnread(id: number, unread: boolean): void {
    const index = items.value.findIndex((c) => c.id === id);
    if (index < 0 || items.value[index]!.unread === unread) return;
    const next = [...items.value];
    next[index] = { ...next[index]!, unread };
    items.value = next;
  }

  /**
   * I have read the conversation (it is open): the marker goes, here and on the desk. One the
   * list knows to be read is not marked again, unless something arrived (`again`).
   */
  async function markRead(id: number, again = false): Promise<void> {
    const known = items.value.find((c) => c.id === id);
    if (!again && known && known.unread === false) return;
    setUnread(id, false);
    try {
      await listApi.markRead(id);
    } catch {
      // Not visible any more, or offline: the next load shows what the desk holds.
    }
  }

  function setOpen(id: number | null): void {
    openId.value = id;
    if (id !== null) void markRead(id);
  }

  /** Apply one websocket frame; types the list does not show are ignored. */
  async function applyEvent(frame: EventFrame): Promise<void> {
    if (frame.type.startsWith("view.")) {
      useSavedViewsStore().applyEvent(frame);
      return;
    }
    if (frame.type === "conversation.read") {
      const id = frame.data.conversation_id;
      if (typeof id === "number") setUnread(id, false);
      return;
    }
    if (frame.type === "notification.mentioned") {
      const id = frame.data.conversation_id;
      if (typeof id !== "number") return;
      mentioned.value.add(id);
      scheduleCounts();
      if (filter.value.view === "mentions" && !items.value.some((c) => c.id === id)) {
        await fetchMissing(id);
      }
      return;
    }
    if (frame.type.startsWith("conversation.")) {
      if (!isConversation(frame.data)) return;
      const isNew = !items.value.some((c) => c.id === frame.data.id);
      // Nobody has read a conversation just created; its first message comes as its own event.
      upsert(
        frame.type === "conversation.created"
          ? { ...frame.data, unread: frame.data.unread ?? Boolean(frame.data.last_incoming_at) }
          : frame.data,
      );
      scheduleCounts();
      // New to the list, and the event cannot say whether I read it: the desk can.
      const added = items.value.find((c) => c.id === frame.data.id);
      if (isNew && added && (added.unread ?? null) === null) await fetchMissing(added.id);
      return;
    }
    if (frame.type === "message.created") {
      const summary = frame.data.conversation;
      if (!isObject(summary) || typeof summary.id !== "number") return;
      const change: Summary = { ...(summary as Summary) };
      if (frame.data.kind === "incoming") {
        if (summary.id === openId.value) void markRead(summary.id, true);
        else change.unread = true;
      }
      if (!merge(change)) await fetchMissing(summary.id);
    }
  }

  function toggleSelected(id: number, on: boolean): void {
    bulkOutcome.value = null;
    const others = selected.value.filter((x) => x !== id);
    selected.value = on ? [...others, id] : others;
  }

  /** Select every conversation on the page, or none. */
  function selectPage(on: boolean): void {
    bulkOutcome.value = null;
    selected.value = on ? items.value.map((c) => c.id) : [];
  }

  /**
   * Run one action on the selected conversations (BULK_MAX per request). What was done leaves
   * the selection; what was refused stays selected, its reason in `bulkOutcome`.
   */
  async function bulk(action: BulkAction): Promise<BulkOutcome> {
    const ids = [...selectedIds.value];
    bulkBusy.value = true;
    const outcome: BulkOutcome = { done: 0, failed: [] };
    const numbers = new Map(items.value.map((c) => [c.id, c.number]));
    try {
      for (let start = 0; start < ids.length; start += BULK_MAX) {
        let results: BulkItemResult[];
        try {
          results = (await listApi.bulk(ids.slice(start, start + BULK_MAX), action)).results;
        } catch (e) {
          const detail = e instanceof Error ? e.message : String(e);
          results = ids
            .slice(start, start + BULK_MAX)
            .map((id) => ({ id, ok: false, conversation: null, problem: { status: 0, detail } }));
        }
        for (const result of results) {
          if (result.ok) {
            outcome.done += 1;
            if (result.conversation) upsert(result.conversation);
          } else {
            outcome.failed.push({
              id: result.id,
              number: numbers.get(result.id) ?? null,
              detail: result.problem?.detail ?? result.problem?.title ?? "",
            });
          }
        }
      }
    } finally {
      bulkBusy.value = false;
    }
    const refused = new Set(outcome.failed.map((f) => f.id));
    selected.value = selected.value.filter((id) => refused.has(id));
    bulkOutcome.value = outcome;
    scheduleCounts();
    return outcome;
  }

  function reset(): void {
    generation++;
    countsGeneration++;
    clearTimeout(countsTimer);
    countsTimer = undefined;
    items.value = [];
    nextCursor.value = null;
    loaded.value = false;
    loading.value = false;
    error.value = null;
    counts.value = null;
    selected.value = [];
    bulkOutcome.value = null;
    mentioned.value = new Set();
  }

  return {
    items,
    nextCursor,
    filter,
    loading,
    loadingMore,
    loaded,
    error,
    counts,
    openId,
    selected,
    selectedIds,
    bulkBusy,
    bulkOutcome,
    teamIds,
    load,
    loadMore,
    applyEvent,
    refreshCounts,
    scheduleCounts,
    markRead,
    setOpen,
    toggleSelected,
    selectPage,
    bulk,
    reset,
  };
});
