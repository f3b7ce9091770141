import { defineStore } from "pinia";
import { ref } from "vue";

import { ApiError } from "../api";
import type { EventFrame } from "../realtime";
import { webchatApi, type Visitor } from "../webchatApi";

// The website visitor of the open conversation: loaded when it opens, loaded again when the
// widget reports something new (another page, the pre-chat answers).
export const useVisitorStore = defineStore("visitor", () => {
  const conversationId = ref<number | null>(null);
  const visitor = ref<Visitor | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let asked = 0;

  async function load(id: number): Promise<void> {
    const ticket = ++asked;
    loading.value = visitor.value === null;
    try {
      const found = await webchatApi.visitor(id);
      if (ticket !== asked) return;
      visitor.value = found;
      error.value = null;
    } catch (failure) {
      if (ticket !== asked) return;
      // No visitor (a conversation an agent started): nothing to show, not an error.
      if (failure instanceof ApiError && failure.status === 404) visitor.value = null;
      else error.value = failure instanceof Error ? failure.message : String(failure);
    } finally {
      if (ticket === asked) loading.value = false;
    }
  }

  async function open(id: number): Promise<void> {
    if (conversationId.value !== id) {
      conversationId.value = id;
      visitor.value = null;
      error.value = null;
    }
    await load(id);
  }

  function close(): void {
    conversationId.value = null;
    visitor.value = null;
    asked++;
  }

  function applyEvent(frame: EventFrame): void {
    const id = conversationId.value;
    if (id !== null && frame.type === "webchat.visitor_updated" && frame.conversation_id === id) {
      void load(id);
    }
  }

  return { conversationId, visitor, loading, error, open, close, applyEvent };
});
