// Which conversations the list shows: the view (Mine, Unassigned, My teams, All, Mentions), the
// filters and the sort. The same rules decide what a page request asks the desk for and whether
// a live event keeps, adds or drops a conversation, so the list never shows what a reload would
// not. Saved personal views store the same filter as the desk's query parameters.
import type { Conversation, ConversationPriority, ConversationStatus } from "./api";
import { PRIORITIES } from "./api";

export type View = "mine" | "unassigned" | "my_teams" | "all" | "mentions";
export type Sort = "last_activity" | "newest" | "longest_waiting";
export type ConversationType = "question" | "order" | "complaint" | "other";

export const VIEWS: readonly View[] = ["mine", "unassigned", "my_teams", "all", "mentions"];
export const SORTS: readonly Sort[] = ["last_activity", "newest", "longest_waiting"];
export const TYPES: readonly ConversationType[] = ["question", "order", "complaint", "other"];
/** The statuses an agent filters by ("bot" conversations are the bot's, not the list's). */
export const LIST_STATUSES: readonly ConversationStatus[] = ["open", "pending", "snoozed", "resolved"];
export const DEFAULT_STATUSES: readonly ConversationStatus[] = ["open", "pending"];
export const VIEW_STORAGE_KEY = "frontdesk.view";

export interface ListFilter {
  view: View;
  statuses: ConversationStatus[];
  inboxId: number | null;
  teamId: number | null;
  label: string | null;
  priority: ConversationPriority | null;
  type: ConversationType | null;
  sort: Sort;
}

/** What the list knows besides the conversation itself, for the views that need it. */
export interface Known {
  /** The teams the signed-in user is a member of (My teams). */
  teamIds?: readonly number[];
  /** Conversations known to have a note mentioning the signed-in user (Mentions). */
  mentioned?: ReadonlySet<number>;
}

export function defaultFilter(view: View = "all"): ListFilter {
  return {
    view,
    statuses: [...DEFAULT_STATUSES],
    inboxId: null,
    teamId: null,
    label: null,
    priority: null,
    type: null,
    sort: "last_activity",
  };
}

export function isView(value: unknown): value is View {
  return typeof value === "string" && (VIEWS as readonly string[]).includes(value);
}

/** Whether the conversation belongs in the list; `meId` is the signed-in user. */
export function matches(
  c: Conversation,
  filter: ListFilter,
  meId: number | null,
  known: Known = {},
): boolean {
  if (filter.view === "mine" && (meId === null || c.assignee_id !== meId)) return false;
  if (filter.view === "unassigned" && c.assignee_id !== null) return false;
  // A team chosen in the filter narrows My teams to that team, as the desk does.
  if (
    filter.view === "my_teams" &&
    filter.teamId === null &&
    (c.team_id === null || !(known.teamIds ?? []).includes(c.team_id))
  ) {
    return false;
  }
  if (filter.view === "mentions" && !(known.mentioned?.has(c.id) ?? false)) return false;
  if (filter.statuses.length > 0 && !filter.statuses.includes(c.status)) return false;
  if (filter.inboxId !== null && c.inbox_id !== filter.inboxId) return false;
  if (filter.teamId !== null && c.team_id !== filter.teamId) return false;
  if (filter.label !== null && !(c.labels ?? []).includes(filter.label)) return false;
  if (filter.priority !== null && c.priority !== filter.priority) return false;
  if (filter.type !== null && c.type !== filter.type) return false;
  // The desk lists only customers still waiting for a reply under this sort.
  if (filter.sort === "longest_waiting" && !c.waiting_since) return false;
  return true;
}

function time(value: string | null | undefined): number {
  return value ? Date.parse(value) : 0;
}

/** The desk's order for the sort, ties broken by id the same way (parsed: zones vary). */
export function comparator(sort: Sort): (a: Conversation, b: Conversation) => number {
  switch (sort) {
    case "newest":
      // Ids grow with creation, so they stand in when an event leaves created_at out.
      return (a, b) => time(b.created_at) - time(a.created_at) || b.id - a.id;
    case "longest_waiting":
      return (a, b) => time(a.waiting_since) - time(b.waiting_since) || a.id - b.id;
    default:
      return (a, b) => time(b.last_activity_at) - time(a.last_activity_at) || b.id - a.id;
  }
}

/** The query of GET /conversations for the filter (without cursor). */
export function requestParams(filter: ListFilter): [string, string][] {
  const params: [string, string][] = [];
  if (filter.view === "mine") params.push(["assignee_id", "me"]);
  if (filter.view === "unassigned") params.push(["assignee_id", "none"]);
  if (filter.view === "my_teams" && filter.teamId === null) params.push(["team_id", "mine"]);
  if (filter.view === "mentions") params.push(["mentioned", "me"]);
  for (const status of filter.statuses) params.push(["status", status]);
  if (filter.inboxId !== null) params.push(["inbox_id", String(filter.inboxId)]);
  if (filter.teamId !== null) params.push(["team_id", String(filter.teamId)]);
  if (filter.priority !== null) params.push(["priority", filter.priority]);
  if (filter.type !== null) params.push(["type", filter.type]);
  if (filter.label !== null) params.push(["label", filter.label]);
  params.push(["sort", filter.sort]);
  return params;
}

/** The query of GET /conversations/counts: the filters, not the view (each view is counted). */
export function countParams(filter: ListFilter): [string, string][] {
  const params: [string, string][] = filter.statuses.map((s) => ["status", s]);
  if (filter.inboxId !== null) params.push(["inbox_id", String(filter.inboxId)]);
  if (filter.teamId !== null) params.push(["team_id", String(filter.teamId)]);
  if (filter.priority !== null) params.push(["priority", filter.priority]);
  if (filter.type !== null) params.push(["type", filter.type]);
  if (filter.label !== null) params.push(["label", filter.label]);
  return params;
}

type QueryValue = string | null | (string | null)[] | undefined;
export type Query = Record<string, QueryValue>;
/** The keys of the page URL's query that belong to the list. */
export const QUERY_KEYS = [
  "view",
  "status",
  "inbox",
  "team",
  "label",
  "priority",
  "type",
  "sort",
] as const;

function all(value: QueryValue): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => v !== null);
}

function first(value: QueryValue): string | undefined {
  return all(value)[0];
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | null {
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

function id(value: string | undefined): number | null {
  if (value === undefined || !/^[1-9][0-9]{0,15}$/.test(value)) return null;
  return Number(value);
}

function labelName(value: string | undefined): string | null {
  return value !== undefined && value.trim() !== "" && value.length <= 64 ? value : null;
}

function statusesOf(values: string[]): ConversationStatus[] {
  return [
    ...new Set(
      values.filter((s): s is ConversationStatus => (LIST_STATUSES as readonly string[]).includes(s)),
    ),
  ];
}

/** The filter a page URL describes; unknown values fall back to the defaults. */
export function fromQuery(query: Query, fallbackView: View = "all"): ListFilter {
  const filter = defaultFilter(oneOf(first(query.view), VIEWS) ?? fallbackView);
  const statuses = statusesOf(all(query.status));
  if (statuses.length > 0) filter.statuses = statuses;
  filter.inboxId = id(first(query.inbox));
  filter.teamId = id(first(query.team));
  filter.label = labelName(first(query.label));
  filter.priority = oneOf(first(query.priority), PRIORITIES);
  filter.type = oneOf(first(query.type), TYPES);
  filter.sort = oneOf(first(query.sort), SORTS) ?? "last_activity";
  return filter;
}

/**
 * The page URL's query for the filter: only what differs from the defaults, so the plain URL
 * stays plain (the view left out is the one remembered in this browser, or All).
 */
export function toQuery(filter: ListFilter): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  if (filter.view !== "all") query.view = filter.view;
  const statuses = [...filter.statuses].sort();
  if (statuses.join() !== [...DEFAULT_STATUSES].sort().join()) query.status = filter.statuses;
  if (filter.inboxId !== null) query.inbox = String(filter.inboxId);
  if (filter.teamId !== null) query.team = String(filter.teamId);
  if (filter.label !== null) query.label = filter.label;
  if (filter.priority !== null) query.priority = filter.priority;
  if (filter.type !== null) query.type = filter.type;
  if (filter.sort !== "last_activity") query.sort = filter.sort;
  return query;
}

/** A saved view's filters: the desk's query parameters of GET /conversations. */
export type ViewFilters = Record<string, string | number | string[]>;

/** The filter as a saved view stores it (the list's query, statuses always spelled out). */
export function toViewFilters(filter: ListFilter): ViewFilters {
  const filters: ViewFilters = {};
  for (const [key, value] of requestParams(filter)) {
    if (key === "status") {
      filters.status = [...((filters.status as string[] | undefined) ?? []), value];
    } else if (key === "inbox_id") {
      filters.inbox_id = Number(value);
    } else {
      filters[key] = value;
    }
  }
  return filters;
}

/**
 * The filter a saved view describes. What the list cannot show (another user's conversations,
 * a text search) is left out rather than guessed at.
 */
export function fromViewFilters(filters: ViewFilters): ListFilter {
  const text = (key: string): string | undefined => {
    const value = filters[key];
    return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
  };
  let view: View = "all";
  if (text("assignee_id") === "me") view = "mine";
  else if (text("assignee_id") === "none") view = "unassigned";
  else if (text("mentioned") === "me") view = "mentions";
  else if (text("team_id") === "mine") view = "my_teams";
  const filter = defaultFilter(view);
  const status = filters.status;
  const statuses = statusesOf(Array.isArray(status) ? status : typeof status === "string" ? [status] : []);
  if (statuses.length > 0) filter.statuses = statuses;
  filter.inboxId = id(text("inbox_id"));
  filter.teamId = id(text("team_id"));
  filter.label = labelName(text("label"));
  filter.priority = oneOf(text("priority"), PRIORITIES);
  filter.type = oneOf(text("type"), TYPES);
  filter.sort = oneOf(text("sort"), SORTS) ?? "last_activity";
  return filter;
}

/** Whether two filters select the same conversations in the same order. */
export function sameFilter(a: ListFilter, b: ListFilter): boolean {
  const spell = (f: ListFilter) =>
    JSON.stringify({ ...f, statuses: [...f.statuses].sort() });
  return spell(a) === spell(b);
}
