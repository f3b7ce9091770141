import { defineStore } from "pinia";
import { computed, ref } from "vue";

import {
  api,
  type AssignmentChange,
  type Conversation,
  type ConversationPriority,
  type ConversationType,
  type ConversationStatus,
  type Message,
} from "../api";
import type { EventFrame } from "../realtime";
import { replyApi } from "../replyApi";
import { useSessionStore } from "./session";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isMessage(value: unknown): value is Message {
  return (
    isObject(value) &&
    typeof value.id === "number" &&
    typeof value.conversation_id === "number" &&
    typeof value.kind === "string" &&
    typeof value.created_at === "string"
  );
}

function isConversation(value: unknown): value is Conversation {
  return (
    isObject(value) &&
    typeof value.id === "number" &&
    typeof value.number === "number" &&
    isObject(value.contact) &&
    typeof value.status === "string"
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The open conversation: its header and its timeline, kept live by websocket events. */
export const useTimelineStore = defineStore("timeline", () => {
  const conversationId = ref<number | null>(null);
  const conversation = ref<Conversation | null>(null);
  const messages = ref<Message[]>([]);
  // The `before` cursor of the next older page; null when the oldest message is shown.
  const olderCursor = ref<string | null>(null);
  const loading = ref(false);
  const loadingOlder = ref(false);
  const error = ref<string | null>(null);
  const sending = ref(false);
  const sendError = ref<string | null>(null);
  const actionError = ref<string | null>(null);
  // Replies and notes on their way to the desk, shown after the stored messages as "sending".
  const pending = ref<Message[]>([]);
  let localIds = 0;
  // Bumped on every open: answers for a conversation the user already left are dropped.
  let generation = 0;
  // The open in flight: a catch-up after (re)connecting waits for it rather than racing it.
  let opening: Promise<void> = Promise.resolve();

  const lastId = computed(() => messages.value.at(-1)?.id ?? null);
  /** What the timeline shows: the stored messages, then those still being sent. */
  const entries = computed(() =>
    pending.value.length === 0 ? messages.value : [...messages.value, ...pending.value],
  );

  /** A stored copy of a message being sent (same author, kind, text, files) replaces it. */
  function settle(stored: Message): void {
    const index = pending.value.findIndex(
      (p) =>
        p.kind === stored.kind &&
        p.sender_id === stored.sender_id &&
        p.content === stored.content &&
        p.attachments.length === stored.attachments.length,
    );
    if (index >= 0) pending.value = pending.value.filter((_, i) => i !== index);
  }

  /** Merge messages in: each id once (the newer copy wins), ordered by id, as the desk does. */
  function add(incoming: Message[]): void {
    const mine = incoming.filter((m) => m.conversation_id === conversationId.value);
    if (mine.length === 0) return;
    if (pending.value.length > 0) mine.forEach(settle);
    const byId = new Map(messages.value.map((m) => [m.id, m]));
    for (const message of mine) byId.set(message.id, message);
    messages.value = [...byId.values()].sort((a, b) => a.id - b.id);
  }

  function open(id: number): Promise<void> {
    opening = load(id);
    return opening;
  }

  async function load(id: number): Promise<void> {
    const current = ++generation;
    conversationId.value = id;
    conversation.value = null;
    messages.value = [];
    olderCursor.value = null;
    error.value = null;
    sendError.value = null;
    actionError.value = null;
    pending.value = [];
    loading.value = true;
    try {
      const [found, page] = await Promise.all([api.conversation(id), api.messages(id)]);
      if (current !== generation) return;
      conversation.value = found;
      add(page.items); // events that arrived meanwhile are kept
      olderCursor.value = page.next_cursor;
    } catch (e) {
      if (current === generation) error.value = describe(e);
    } finally {
      if (current === generation) loading.value = false;
    }
  }

  async function loadOlder(): Promise<void> {
    const id = conversationId.value;
    if (id === null || olderCursor.value === null || loadingOlder.value) return;
    const current = generation;
    loadingOlder.value = true;
    try {
      const page = await api.messages(id, { before: olderCursor.value });
      if (current !== generation) return;
      add(page.items);
      olderCursor.value = page.next_cursor;
    } catch (e) {
      if (current === generation) error.value = describe(e);
    } finally {
      loadingOlder.value = false;
    }
  }

  /** After a reconnect: events are not replayed, so fetch what came after the last one shown. */
  async function catchUp(): Promise<void> {
    await opening;
    const id = conversationId.value;
    if (id === null) return;
    if (lastId.value === null) {
      await open(id);
      return;
    }
    const current = generation;
    try {
      const found = await api.conversation(id);
      if (current !== generation) return;
      conversation.value = found;
      let after: number | null = lastId.value;
      while (after !== null) {
        const page = await api.messages(id, { after });
        if (current !== generation) return;
        add(page.items);
        after = page.next_cursor === null ? null : Number(page.next_cursor);
        if (Number.isNaN(after)) after = null;
      }
    } catch (e) {
      if (current === generation) error.value = describe(e);
    }
  }

  /** Apply one websocket frame; anything about other conversations is ignored. */
  function applyEvent(frame: EventFrame): void {
    const id = conversationId.value;
    if (id === null) return;
    if (frame.type === "message.created") {
      // Posted messages carry a summary of their conversation (status, assignee).
      const summary = frame.data.conversation;
      if (!isMessage(frame.data) || frame.data.conversation_id !== id) return;
      add([frame.data]);
      if (conversation.value && isObject(summary) && summary.id === id) {
        const { status, assignee_id, team_id } = summary as Partial<Conversation>;
        conversation.value = {
          ...conversation.value,
          ...(status !== undefined && { status }),
          ...(assignee_id !== undefined && { assignee_id }),
          ...(team_id !== undefined && { team_id }),
        };
      }
      return;
    }
    if (frame.type === "message.updated") {
      // Delivery status reported by the channel, an edited text: replaces the message we show.
      if (!isMessage(frame.data) || frame.data.conversation_id !== id) return;
      const updated = frame.data;
      if (messages.value.some((m) => m.id === updated.id)) {
        messages.value = messages.value.map((m) => (m.id === updated.id ? updated : m));
      }
      return;
    }
    if (frame.type.startsWith("conversation.") && isConversation(frame.data)) {
      if (frame.data.id === id) conversation.value = frame.data;
    }
  }

  /** A message as it will look once stored, shown at once while it is being sent. */
  function placeholder(id: number, content: string, asNote: boolean, files: readonly File[]): Message {
    const local = --localIds; // negative: never a stored message's id
    return {
      id: local,
      conversation_id: id,
      inbox_id: conversation.value?.inbox_id ?? 0,
      kind: asNote ? "note" : "outgoing",
      private: asNote,
      sender_type: "user",
      sender_id: useSessionStore().me?.user_id ?? null,
      content,
      content_attributes: {},
      external_id: null,
      delivery_status: "pending",
      attachments: files.map((file, index) => ({
        id: local * 100 - index,
        file_name: file.name,
        content_type: file.type || "application/octet-stream",
        size: file.size,
        url: "", // not uploaded yet: nothing to download
      })),
      created_at: new Date().toISOString(),
    };
  }

  /**
   * Post a reply (or a private note), with files as multipart; true when the desk stored it.
   * It shows at once as "sending" and is replaced by the stored message (from the answer or the
   * websocket, whichever comes first); refused, it goes and the problem is kept in sendError.
   */
  async function send(content: string, asNote: boolean, files: readonly File[] = []): Promise<boolean> {
    const id = conversationId.value;
    if (id === null || sending.value || (content.trim() === "" && files.length === 0)) return false;
    sending.value = true;
    sendError.value = null;
    const local = placeholder(id, content, asNote, files);
    pending.value = [...pending.value, local];
    try {
      const stored =
        files.length > 0
          ? await replyApi.postWithFiles(id, { content, private: asNote, files })
          : await api.postMessage(id, { content, private: asNote });
      pending.value = pending.value.filter((m) => m.id !== local.id);
      add([stored]);
      return true;
    } catch (e) {
      pending.value = pending.value.filter((m) => m.id !== local.id);
      if (conversationId.value === id) sendError.value = describe(e);
      return false;
    } finally {
      sending.value = false;
    }
  }

  /** Run one header action; the desk's answer replaces the header, its problem is shown. */
  async function act(change: (id: number) => Promise<Conversation>): Promise<void> {
    const id = conversationId.value;
    if (id === null) return;
    actionError.value = null;
    try {
      const updated = await change(id);
      if (conversationId.value === id) conversation.value = updated;
    } catch (e) {
      if (conversationId.value === id) actionError.value = describe(e);
    }
  }

  function setStatus(status: ConversationStatus): Promise<void> {
    return act((id) => api.setStatus(id, status));
  }

  function snooze(until: Date): Promise<void> {
    return act((id) => api.setStatus(id, "snoozed", until.toISOString()));
  }

  function assign(change: AssignmentChange): Promise<void> {
    return act((id) => api.assign(id, change));
  }

  function setPriority(priority: ConversationPriority): Promise<void> {
    return act((id) => api.update(id, { priority }));
  }

  function setType(type: ConversationType): Promise<void> {
    return act((id) => api.update(id, { type }));
  }

  /** Replace the labels; the desk answers with the list it keeps. */
  function setLabels(labels: string[]): Promise<void> {
    return act((id) => api.update(id, { labels }));
  }

  function addParticipant(userId: number): Promise<void> {
    return act((id) => api.addParticipant(id, userId));
  }

  function removeParticipant(userId: number): Promise<void> {
    return act((id) => api.removeParticipant(id, userId));
  }

  function close(): void {
    generation++;
    conversationId.value = null;
    conversation.value = null;
    messages.value = [];
    olderCursor.value = null;
    error.value = null;
    sendError.value = null;
    actionError.value = null;
    pending.value = [];
    loading.value = false;
  }

  return {
    conversationId,
    conversation,
    messages,
    pending,
    entries,
    olderCursor,
    loading,
    loadingOlder,
    error,
    sending,
    sendError,
    actionError,
    lastId,
    open,
    loadOlder,
    catchUp,
    applyEvent,
    send,
    setStatus,
    snooze,
    assign,
    setPriority,
    setType,
    setLabels,
    addParticipant,
    removeParticipant,
    close,
  };
});
