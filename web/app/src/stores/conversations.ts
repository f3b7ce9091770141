import { defineStore } from "pinia";
import { ref } from "vue";

import { api, type Conversation } from "../api";
import type { EventFrame } from "../realtime";

// Fields of the conversation summary that `message.created` carries.
type Summary = Partial<
  Pick<
    Conversation,
    "status" | "assignee_id" | "team_id" | "last_activity_at" | "message_count" | "waiting_since"
  >
> & { id: number };

function byLastActivity(a: Conversation, b: Conversation): number {
  // Newest first, then the higher id. Parsed: REST and events may spell the zone differently.
  const difference = Date.parse(b.last_activity_at) - Date.parse(a.last_activity_at);
  return difference || b.id - a.id;
}

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
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  // Conversations being fetched because an event named one the list does not hold yet.
  const fetching = new Set<number>();

  /** The first page, most recent activity first. */
  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const page = await api.conversations();
      items.value = page.items;
      nextCursor.value = page.next_cursor;
      loaded.value = true;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      loading.value = false;
    }
  }

  function upsert(conversation: Conversation): void {
    const others = items.value.filter((c) => c.id !== conversation.id);
    items.value = [...others, conversation].sort(byLastActivity);
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
    items.value = [];
    nextCursor.value = null;
    loaded.value = false;
    error.value = null;
  }

  return { items, nextCursor, loading, loaded, error, load, applyEvent, reset };
});
