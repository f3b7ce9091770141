// The admin settings screens' API calls (inboxes, teams, users, labels, canned replies), and
// the pure helpers the forms share: reading a refusal's problem+json into per-field errors,
// and working out what an edit changed.
import { ApiError, request, type Role } from "./api";

export const ROLES: readonly Role[] = ["agent", "supervisor", "admin"];

export interface SettingsInbox {
  id: number;
  name: string;
  channel_type: string;
  member_ids: number[];
}

export interface SettingsUser {
  id: number;
  email: string;
  name: string;
  role: Role;
  is_active: boolean;
}

export interface SettingsTeam {
  id: number;
  name: string;
  description: string;
  member_ids: number[];
  inbox_ids: number[];
}

export interface SettingsLabel {
  id: number;
  name: string;
  color: string;
  description: string;
}

export interface SettingsCanned {
  id: number;
  short_code: string;
  content: string;
}

export interface UserDraft {
  name: string;
  email: string;
  role: Role;
  is_active: boolean;
  /** Empty: no password (when inviting) or unchanged (when editing). */
  password: string;
}

export type TeamDraft = Omit<SettingsTeam, "id">;
export type LabelDraft = Omit<SettingsLabel, "id">;
export type CannedDraft = Omit<SettingsCanned, "id">;

/** The variables the reply box fills in a canned reply, with their locale key. */
export const CANNED_VARIABLES = [
  { code: "{{contact.name}}", key: "contactName" },
  { code: "{{contact.email}}", key: "contactEmail" },
  { code: "{{agent.name}}", key: "agentName" },
] as const;

export const settingsApi = {
  inboxes: () => request<SettingsInbox[]>("GET", "/inboxes"),
  renameInbox: (id: number, name: string) =>
    request<SettingsInbox>("PATCH", `/inboxes/${id}`, { name }),
  setInboxMembers: (id: number, userIds: number[]) =>
    request<SettingsInbox>("PUT", `/inboxes/${id}/members`, { user_ids: userIds }),

  users: () => request<SettingsUser[]>("GET", "/users"),
  /** A new user, active at once; without a password they can use API tokens only. */
  inviteUser: (draft: UserDraft) =>
    request<SettingsUser>("POST", "/users", {
      name: draft.name,
      email: draft.email,
      role: draft.role,
      ...(draft.password ? { password: draft.password } : {}),
    }),
  /** Saves every field; an empty password leaves the current one. */
  updateUser: (id: number, draft: UserDraft) =>
    request<SettingsUser>("PATCH", `/users/${id}`, {
      name: draft.name,
      email: draft.email,
      role: draft.role,
      is_active: draft.is_active,
      ...(draft.password ? { password: draft.password } : {}),
    }),

  teams: () => request<SettingsTeam[]>("GET", "/teams"),
  createTeam: (draft: TeamDraft) => request<SettingsTeam>("POST", "/teams", draft),
  updateTeam: (id: number, draft: TeamDraft) =>
    request<SettingsTeam>("PATCH", `/teams/${id}`, draft),

  labels: () => request<SettingsLabel[]>("GET", "/labels"),
  createLabel: (draft: LabelDraft) => request<SettingsLabel>("POST", "/labels", draft),
  updateLabel: (id: number, draft: LabelDraft) =>
    request<SettingsLabel>("PATCH", `/labels/${id}`, draft),
  deleteLabel: (id: number) => request<undefined>("DELETE", `/labels/${id}`),

  canned: () => request<SettingsCanned[]>("GET", "/canned-responses"),
  createCanned: (draft: CannedDraft) =>
    request<SettingsCanned>("POST", "/canned-responses", draft),
  updateCanned: (id: number, draft: CannedDraft) =>
    request<SettingsCanned>("PATCH", `/canned-responses/${id}`, draft),
  deleteCanned: (id: number) => request<undefined>("DELETE", `/canned-responses/${id}`),
};

export type SettingsApi = typeof settingsApi;

/** What the desk said about one field: the error's type (for a translation) and its text. */
export interface FieldProblem {
  type: string;
  msg: string;
}

export interface FormProblems {
  /** By the field's name in the request body (`name`, `member_ids`…). */
  fields: Record<string, FieldProblem>;
  /** What belongs to no field (a conflict with the workspace's state, a lost connection…). */
  general: string | null;
}

/**
 * A refused save as the form shows it: each `errors` entry of the problem+json beside its
 * field (the first one per field), the rest in one general line. Anything that is not an
 * ApiError is a bug, and is thrown on.
 */
export function formProblems(error: unknown): FormProblems {
  if (!(error instanceof ApiError)) throw error;
  const fields: Record<string, FieldProblem> = {};
  const unplaced: string[] = [];
  for (const entry of error.problem.errors ?? []) {
    const [where, field] = entry.loc;
    if (where === "body" && typeof field === "string") {
      // An empty text is "too short" to the desk; to a person it is missing.
      const empty = entry.type === "string_too_short" && /\bat least 1 character\b/.test(entry.msg);
      fields[field] ??= { type: empty ? "missing" : entry.type, msg: entry.msg };
    } else {
      unplaced.push(entry.msg);
    }
  }
  const placed = Object.keys(fields).length > 0;
  const general = placed ? (unplaced.length ? unplaced.join("; ") : null) : error.message;
  return { fields, general };
}

export function noProblems(): FormProblems {
  return { fields: {}, general: null };
}

/** Whether two lists of ids hold the same ids, whatever their order. */
export function sameIds(a: readonly number[], b: readonly number[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((id) => right.has(id));
}

/** `text` with `insert` put in place of the selection [start, end); the caret after it. */
export function insertAt(
  text: string,
  start: number,
  end: number,
  insert: string,
): { text: string; caret: number } {
  return { text: text.slice(0, start) + insert + text.slice(end), caret: start + insert.length };
}
