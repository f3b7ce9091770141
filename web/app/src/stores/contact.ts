import { defineStore } from "pinia";
import { computed, ref } from "vue";

import { ApiError, type Conversation } from "../api";
import {
  contactsApi,
  type AttributeDefinition,
  type AttributeValue,
  type Contact,
  type ContactChange,
} from "../contactsApi";
import { mergeApi, type ContactDuplicate } from "../mergeApi";
import type { EventFrame } from "../realtime";
import { useTimelineStore } from "./timeline";
import { useWorkspaceStore } from "./workspace";

/** Why a field was not saved: the desk's problem, or someone else's edit of the same field. */
export interface FieldError {
  message: string;
  conflict: boolean;
}

export type SaveResult = { ok: true } | { ok: false; conflict: boolean };

const PANEL_KEY = "frontdesk.contactPanel";

interface AskedDuplicates {
  id: number;
  /** The contact's version answered alongside (null until it is). */
  version: string | null;
  answer: Promise<ContactDuplicate[]>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isContact(value: unknown): value is Contact {
  return (
    isObject(value) &&
    typeof value.id === "number" &&
    typeof value.version === "string" &&
    Array.isArray(value.identities) &&
    Array.isArray(value.tags)
  );
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A 409 because the contact changed since the version sent (not, say, a taken e-mail). */
function isEditConflict(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status === 409 &&
    typeof (error.problem as unknown as Record<string, unknown>).version === "string"
  );
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Whether `change` can be re-applied on `now` without losing anything: nobody else changed the
 * fields it touches since `base`, the contact the agent started from.
 */
export function untouchedByOthers(change: ContactChange, base: Contact, now: Contact): boolean {
  for (const key of Object.keys(change) as (keyof ContactChange)[]) {
    if (key === "custom_attributes") {
      for (const name of Object.keys(change.custom_attributes ?? {})) {
        if (!same(base.custom_attributes[name], now.custom_attributes[name])) return false;
      }
    } else if (key === "tags") {
      if (!same([...base.tags].sort(), [...now.tags].sort())) return false;
    } else if (!same(base[key], now[key])) {
      return false;
    }
  }
  return true;
}

function initiallyOpen(): boolean {
  const saved = globalThis.localStorage?.getItem(PANEL_KEY);
  if (saved === "open" || saved === "closed") return saved === "open";
  // Wide enough for the list, the timeline and the panel side by side.
  return globalThis.matchMedia?.("(min-width: 1300px)").matches ?? true;
}

function byActivity(a: Conversation, b: Conversation): number {
  return b.last_activity_at.localeCompare(a.last_activity_at) || b.id - a.id;
}

/** The contact of the open conversation, its history across channels, kept live by events. */
export const useContactStore = defineStore("contact", () => {
  const panelOpen = ref(initiallyOpen());
  const contactId = ref<number | null>(null);
  const contact = ref<Contact | null>(null);
  const history = ref<Conversation[]>([]);
  const historyCursor = ref<string | null>(null);
  const hiddenCount = ref(0);
  const definitions = ref<AttributeDefinition[]>([]);
  // Inbox names for the history: the workspace store's.
  const workspace = useWorkspaceStore();
  const inboxes = computed(() => workspace.inboxById);
  const loading = ref(false);
  const loadingMore = ref(false);
  const error = ref<string | null>(null);
  const saving = ref<string | null>(null);
  const errors = ref<Record<string, FieldError>>({});
  let generation = 0;
  let lookups: Promise<void> | null = null;
  // The contact's possible duplicates, asked for together with the contact (not after it), for
  // the panel's suggestions to take once.
  let duplicates: AskedDuplicates | null = null;

  const contactDefinitions = computed(() =>
    definitions.value.filter((d) => d.applies_to === "contact"),
  );
  const conversationDefinitions = computed(() =>
    definitions.value.filter((d) => d.applies_to === "conversation"),
  );

  function togglePanel(): void {
    panelOpen.value = !panelOpen.value;
    globalThis.localStorage?.setItem(PANEL_KEY, panelOpen.value ? "open" : "closed");
  }

  /** Take the desk's copy of the contact; the open conversation's header follows its name. */
  function adopt(found: Contact): void {
    if (found.id !== contactId.value) return;
    contact.value = found;
    const timeline = useTimelineStore();
    const open = timeline.conversation;
    if (open && open.contact.id === found.id) {
      timeline.conversation = {
        ...open,
        contact: { id: found.id, name: found.name, email: found.email, phone: found.phone },
      };
    }
  }

  /** Definitions change rarely (and send no events): fetched once, again after a reconnect. */
  function loadDefinitions(force = false): Promise<void> {
    if (!lookups || force) {
      lookups = contactsApi
        .definitions()
        .then((found) => {
          definitions.value = found;
        })
        .catch(() => {
          // Without them attributes show by key; asked again next time.
          lookups = null;
        });
    }
    return lookups;
  }

  /** The duplicates asked for with the contact, once, if they are still about this version. */
  function takeDuplicates(id: number, version: string): Promise<ContactDuplicate[]> | null {
    const asked = duplicates;
    if (asked?.id !== id || asked.version !== version) return null;
    duplicates = null;
    return asked.answer;
  }

  async function load(id: number): Promise<void> {
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    const asked: AskedDuplicates | null = panelOpen.value
      ? { id, version: null, answer: mergeApi.duplicates(id) }
      : null;
    asked?.answer.catch(() => undefined); // the panel's suggestions handle a refusal
    duplicates = asked;
    void workspace.ensure();
    try {
      const [found, page] = await Promise.all([
        contactsApi.contact(id),
        contactsApi.conversations(id),
        loadDefinitions(),
      ]);
      if (mine !== generation) return;
      if (asked) asked.version = found.version;
      adopt(found);
      history.value = page.items;
      historyCursor.value = page.next_cursor;
      hiddenCount.value = page.hidden_count;
    } catch (e) {
      if (mine === generation) error.value = describe(e);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  /** Show this contact (a conversation of theirs was opened). */
  function open(id: number): Promise<void> {
    if (id === contactId.value && contact.value) return Promise.resolve();
    contactId.value = id;
    contact.value = null;
    history.value = [];
    historyCursor.value = null;
    hiddenCount.value = 0;
    errors.value = {};
    return load(id);
  }

  /** After a reconnect: events are not replayed, so whatever changed comes from a reload. */
  async function catchUp(): Promise<void> {
    const id = contactId.value;
    if (id === null) return;
    await loadDefinitions(true);
    await load(id);
  }

  async function loadMore(): Promise<void> {
    const id = contactId.value;
    const cursor = historyCursor.value;
    if (id === null || cursor === null || loadingMore.value) return;
    const mine = generation;
    loadingMore.value = true;
    try {
      const page = await contactsApi.conversations(id, cursor);
      if (mine !== generation) return;
      const known = new Set(history.value.map((c) => c.id));
      history.value = [...history.value, ...page.items.filter((c) => !known.has(c.id))];
      historyCursor.value = page.next_cursor;
    } catch (e) {
      if (mine === generation) error.value = describe(e);
    } finally {
      loadingMore.value = false;
    }
  }

  function clearError(field: string): void {
    if (!(field in errors.value)) return;
    const rest = { ...errors.value };
    delete rest[field];
    errors.value = rest;
  }

  function fail(field: string, failure: FieldError): SaveResult {
    errors.value = { ...errors.value, [field]: failure };
    return { ok: false, conflict: failure.conflict };
  }

  /**
   * Save one field's change, made on `base` (the contact as it was when the agent started).
   * If someone changed the contact meanwhile, the desk refuses (409): when they changed other
   * fields only, the change is made again on the new version; when they changed this one,
   * nothing is written and the field reports a conflict (the panel shows both values).
   */
  async function save(field: string, change: ContactChange, base: Contact): Promise<SaveResult> {
    const id = base.id;
    clearError(field);
    saving.value = field;
    try {
      let version = base.version;
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          adopt(await contactsApi.update(id, change, version));
          return { ok: true };
        } catch (e) {
          if (!isEditConflict(e)) throw e;
          const now = await contactsApi.contact(id);
          adopt(now);
          if (!untouchedByOthers(change, base, now)) {
            return fail(field, { message: describe(e), conflict: true });
          }
          version = now.version;
        }
      }
      return fail(field, { message: "the contact keeps changing", conflict: true });
    } catch (e) {
      return fail(field, { message: describe(e), conflict: false });
    } finally {
      if (saving.value === field) saving.value = null;
    }
  }

  /**
   * Add and remove tags. Tags are operations rather than a value: when someone else changed the
   * tags meanwhile, the same additions and removals are made again on their list.
   */
  async function changeTags(add: string[], remove: string[]): Promise<SaveResult> {
    let result: SaveResult = { ok: false, conflict: true };
    for (let attempt = 0; attempt < 3; attempt++) {
      const base = contact.value;
      if (!base) return { ok: false, conflict: false };
      const tags = [...new Set([...base.tags, ...add])].filter((tag) => !remove.includes(tag));
      result = await save("tags", { tags: tags.sort() }, base);
      if (result.ok || !result.conflict) return result;
      clearError("tags"); // the store holds the new tags now: try again on them
    }
    return result.ok ? result : fail("tags", { message: "the tags keep changing", conflict: true });
  }

  /** A custom attribute of the open conversation: per key, so no version is needed. */
  async function saveConversationAttribute(
    conversationId: number,
    key: string,
    value: AttributeValue | null,
  ): Promise<boolean> {
    const field = `conversation:${key}`;
    clearError(field);
    saving.value = field;
    try {
      const updated = await contactsApi.updateConversationAttributes(conversationId, {
        [key]: value,
      });
      const timeline = useTimelineStore();
      if (timeline.conversation?.id === updated.id) timeline.conversation = updated;
      return true;
    } catch (e) {
      fail(field, { message: describe(e), conflict: false });
      return false;
    } finally {
      if (saving.value === field) saving.value = null;
    }
  }

  function upsertHistory(conversation: Conversation): void {
    const others = history.value.filter((c) => c.id !== conversation.id);
    if (conversation.contact.id !== contactId.value) {
      // Moved to another contact (a merge): no longer this contact's.
      if (others.length !== history.value.length) history.value = others;
      return;
    }
    const last = others[others.length - 1];
    if (historyCursor.value !== null && last && byActivity(conversation, last) > 0) {
      history.value = others; // past the loaded page: "more" brings it in its place
      return;
    }
    history.value = [...others, conversation].sort(byActivity);
  }

  /** Apply one websocket frame: the contact's own changes and its conversations'. */
  function applyEvent(frame: EventFrame): void {
    if (contactId.value === null) return;
    if (frame.type === "contact.merged") {
      // Two contacts became one: a panel showing the merged one shows the survivor instead,
      // one showing the survivor reloads (its history grew).
      const { contact_id: survivor, merged_id: merged } = frame.data;
      if (typeof survivor !== "number") return;
      if (merged === contactId.value) void open(survivor);
      else if (survivor === contactId.value) void load(survivor);
      return;
    }
    if (frame.type === "contact.updated" && isContact(frame.data)) {
      if (frame.data.version !== contact.value?.version) adopt(frame.data);
      return;
    }
    if (frame.type.startsWith("conversation.") && isConversation(frame.data)) {
      const changed = frame.data;
      const known = history.value.some((c) => c.id === changed.id);
      if (known || changed.contact.id === contactId.value) upsertHistory(changed);
      return;
    }
    if (frame.type === "message.created" && isObject(frame.data.conversation)) {
      const summary = frame.data.conversation as Partial<Conversation> & { id?: unknown };
      const current = history.value.find((c) => c.id === summary.id);
      if (!current) return;
      const { status, last_activity_at } = summary;
      upsertHistory({
        ...current,
        ...(status !== undefined && { status }),
        ...(last_activity_at !== undefined && { last_activity_at }),
      });
    }
  }

  function close(): void {
    generation++;
    contactId.value = null;
    contact.value = null;
    history.value = [];
    historyCursor.value = null;
    hiddenCount.value = 0;
    errors.value = {};
    error.value = null;
    loading.value = false;
  }

  return {
    panelOpen,
    contactId,
    contact,
    history,
    historyCursor,
    hiddenCount,
    definitions,
    contactDefinitions,
    conversationDefinitions,
    inboxes,
    loading,
    loadingMore,
    error,
    saving,
    errors,
    togglePanel,
    loadDefinitions,
    takeDuplicates,
    open,
    catchUp,
    loadMore,
    save,
    changeTags,
    saveConversationAttribute,
    clearError,
    applyEvent,
    close,
  };
});
