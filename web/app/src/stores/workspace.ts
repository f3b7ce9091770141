import { defineStore } from "pinia";
import { computed, ref } from "vue";

import { api, type Inbox, type Label, type Team, type User } from "../api";
import type { EventFrame } from "../realtime";
import { useSessionStore } from "./session";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isUser(value: unknown): value is User {
  return (
    isObject(value) &&
    typeof value.id === "number" &&
    typeof value.name === "string" &&
    typeof value.role === "string" &&
    typeof value.is_active === "boolean"
  );
}

function isTeam(value: unknown): value is Team {
  return (
    isObject(value) &&
    typeof value.id === "number" &&
    typeof value.name === "string" &&
    Array.isArray(value.member_ids) &&
    Array.isArray(value.inbox_ids)
  );
}

function isInbox(value: unknown): value is Inbox & { member_ids: number[] } {
  return (
    isObject(value) &&
    typeof value.id === "number" &&
    typeof value.name === "string" &&
    typeof value.channel_type === "string" &&
    Array.isArray(value.member_ids)
  );
}

function isLabel(value: unknown): value is Label {
  return (
    isObject(value) &&
    typeof value.id === "number" &&
    typeof value.name === "string" &&
    typeof value.color === "string"
  );
}

const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
// The desk lists labels by name (SQLite's binary order: code units, as `<` compares).
const byName = (a: Label, b: Label) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id);

/** `list` with `item` in place of the one with its id (or added), in the desk's order. */
function upsert<T extends { id: number }>(list: T[], item: T, order: (a: T, b: T) => number): T[] {
  return [...list.filter((x) => x.id !== item.id), item].sort(order);
}

/** The events that change what this store holds. */
const KEPT = new Set([
  "user.created",
  "user.updated",
  "user.availability_changed",
  "team.created",
  "team.updated",
  "inbox.created",
  "inbox.updated",
  "inbox.members_changed",
  "label.created",
  "label.updated",
  "label.deleted",
]);

/**
 * The workspace's colleagues, teams, inboxes (those I may see) and labels: asked for once and
 * again after every reconnect (events are not replayed), kept current by the events between,
 * so that opening a conversation asks for none of them.
 */
export const useWorkspaceStore = defineStore("workspace", () => {
  const users = ref<User[]>([]);
  const teams = ref<Team[]>([]);
  const inboxes = ref<Inbox[]>([]);
  const labels = ref<Label[]>([]);
  /** Whether each list came at least once (a view without it offers less, not nothing wrong). */
  const loaded = ref({ users: false, teams: false, inboxes: false, labels: false });
  // The last load, in flight or done; null: nothing asked yet, or to ask again after a failure.
  let loading: Promise<void> | null = null;
  // Something was asked for (since the last reset): from then on events keep it current.
  let kept = false;
  let generation = 0;
  /** How many loads were asked for (so that a caller can tell whether one started since). */
  const loads = ref(0);
  // Events that came while a load was in flight: its answer may predate them, so they are
  // applied again on it, in order (each carries the whole object, so that is safe).
  let arrived: EventFrame[] | null = null;

  const userNames = computed<ReadonlyMap<number, string>>(
    () => new Map(users.value.map((user) => [user.id, user.name])),
  );
  /** Inbox id → its channel type (which icon a conversation or message gets). */
  const channels = computed<ReadonlyMap<number, string>>(
    () => new Map(inboxes.value.map((inbox) => [inbox.id, inbox.channel_type])),
  );
  const inboxById = computed<ReadonlyMap<number, Inbox>>(
    () => new Map(inboxes.value.map((inbox) => [inbox.id, inbox])),
  );

  /** Ask for all four lists now (a list that fails keeps what it had). */
  function load(): Promise<void> {
    const mine = ++generation;
    loads.value++;
    kept = true;
    arrived = [];
    const asked = Promise.allSettled([api.users(), api.teams(), api.inboxes(), api.labels()]).then(
      ([u, t, i, l]) => {
        if (mine !== generation) return;
        const failed = [u, t, i, l].some((answer) => answer.status === "rejected");
        if (u.status === "fulfilled") users.value = u.value;
        if (t.status === "fulfilled") teams.value = t.value;
        if (i.status === "fulfilled") inboxes.value = i.value;
        if (l.status === "fulfilled") labels.value = l.value;
        loaded.value = {
          users: loaded.value.users || u.status === "fulfilled",
          teams: loaded.value.teams || t.status === "fulfilled",
          inboxes: loaded.value.inboxes || i.status === "fulfilled",
          labels: loaded.value.labels || l.status === "fulfilled",
        };
        const again = arrived ?? [];
        arrived = null;
        again.forEach(apply);
        // Without a list the next view that needs it asks again.
        if (failed && loading === asked) loading = null;
      },
    );
    loading = asked;
    return asked;
  }

  /** What is held, asked for first if it never was. */
  function ensure(): Promise<void> {
    return loading ?? load();
  }

  /** Inboxes are listed by who may see them: admins all, others theirs (and supervisors their teams'). */
  function visible(inbox: { id: number; member_ids: number[] }): boolean {
    const me = useSessionStore().me;
    if (!me || me.role === "admin") return true;
    if (inbox.member_ids.includes(me.user_id)) return true;
    return (
      me.role === "supervisor" &&
      teams.value.some((t) => t.member_ids.includes(me.user_id) && t.inbox_ids.includes(inbox.id))
    );
  }

  /** The inboxes a supervisor sees through their teams (null for other roles). */
  function teamInboxes(): string | null {
    const me = useSessionStore().me;
    if (me?.role !== "supervisor") return null;
    const ids = teams.value
      .filter((t) => t.member_ids.includes(me.user_id))
      .flatMap((t) => t.inbox_ids);
    return [...new Set(ids)].sort((a, b) => a - b).join(",");
  }

  function apply(frame: EventFrame): void {
    const data = frame.data;
    switch (frame.type) {
      case "user.created":
      case "user.updated":
        if (isUser(data)) users.value = upsert(users.value, data, byId);
        return;
      case "user.availability_changed": {
        const { user_id: id, availability } = data;
        if (typeof id !== "number" || typeof availability !== "string") return;
        users.value = users.value.map((u) => (u.id === id ? { ...u, availability } : u));
        return;
      }
      case "team.created":
      case "team.updated": {
        if (!isTeam(data)) return;
        const before = teamInboxes();
        teams.value = upsert(teams.value, data, byId);
        // A supervisor's inboxes follow their teams: those newly seen are not in the event.
        if (before !== teamInboxes()) void load();
        return;
      }
      case "inbox.created":
      case "inbox.updated":
      case "inbox.members_changed":
        if (!isInbox(data)) return;
        inboxes.value = visible(data)
          ? upsert(inboxes.value, data, byId)
          : inboxes.value.filter((inbox) => inbox.id !== data.id);
        return;
      case "label.created":
      case "label.updated":
        if (isLabel(data)) {
          const { id, name, color, description } = data;
          labels.value = upsert(labels.value, { id, name, color, description }, byName);
        }
        return;
      case "label.deleted":
        if (typeof data.id === "number") labels.value = labels.value.filter((l) => l.id !== data.id);
        return;
    }
  }

  /** Apply one websocket frame (once something was asked for: before, there is nothing to keep). */
  function applyEvent(frame: EventFrame): void {
    if (!kept || !KEPT.has(frame.type)) return;
    arrived?.push(frame);
    apply(frame);
  }

  /** Logged out: nothing of this workspace stays. */
  function reset(): void {
    generation++;
    loading = null;
    kept = false;
    arrived = null;
    users.value = [];
    teams.value = [];
    inboxes.value = [];
    labels.value = [];
    loaded.value = { users: false, teams: false, inboxes: false, labels: false };
  }

  return {
    users,
    teams,
    inboxes,
    labels,
    loaded,
    loads,
    userNames,
    channels,
    inboxById,
    load,
    ensure,
    applyEvent,
    reset,
  };
});
