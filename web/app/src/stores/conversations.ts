import { defineStore } from "pinia";
import { ref } from "vue";

import { api, type Conversation } from "../api";
import { comparator, defaultFilter, matches, requestParams, type ListFilter } from "../listFilter";
import type { EventFrame } from "../realtime";
import { useSessionStore } from "./session";

// Fields of the conversation summary that `message.created` carries.
type Summary = Partial<
  Pick<
    Conversation,
    "status" | "assignee_id" | "team_id" | "last_activity_at" | "message_count" | "waiting_since"
  >
> & { id: number };

export const PAGE_SIZE = 50;

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
  // Conversations being fetched because an event named one the list does not hold yet.
  const fetching = new Set<number>();
  // Bumped by every first-page load: an answer for an older filter is dropped.
  let generation = 0;

  function meId(): number | null {
    return useSessionStore().me?.user_id ?? null;
  }

  /** The first page for the filter (the current one when left out). */
  async function load(next?: ListFilter): Promise<void> {
    if (next) filter.value = next;
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    try {
      const page = await api.conversations([
        ...requestParams(filter.value),
        ["limit", String(PAGE_SIZE)],
      ]);
      if (mine !== generation) return;
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
      const known = new Set(items.value.map((c) => c.id));
      items.value = [...items.value, ...page.items.filter((c) => !known.has(c.id))];
      nextCursor.value = page.next_cursor;
    } catch (e) {
      if (mine === generation) error.value = e instanceof Error ? e.message : String(e);
    } finally {
      loadingMore.value = false;
    }
  }

  /** Keep, add or drop the conversation as the filter says. */
  function upsert(conversation: Conversation): void {
    const others = items.value.filter((c) => c.id !== conversation.id);
    if (!matches(conversation, filter.value, meId())) {
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

  /** Apply one websocket frame; types the list does not show are ignored. */
  async function applyEvent(frame: EventFrame): Promise<void> {
    if (frame.type.startsWith("conversation.")) {
      if (isConversation(frame.data)) upsert(frame.data);
      return;
    }
    if (frame.type === "message.created") {
      const summary = frame.data.conversation;
      if (!isObject(summary) || typeof summary.id !== "number") return;
      if (!merge(summary as Summary)) await fetchMissing(summary.id);
    }
  }

  function reset(): void {
    generation++;
    items.value = [];
    nextCursor.value = null;
    loaded.value = false;
    loading.value = false;
    error.value = null;
  }

  return {
    items,
    nextCursor,
    filter,
    loading,
    loadingMore,
    loaded,
    error,
    load,
    loadMore,
    applyEvent,
    reset,
  };
});
