// The desk's REST API (/api/v1), authenticated by the session cookie. Unsafe requests echo the
// CSRF cookie in X-CSRF-Token (double submit); every error is RFC 9457 problem+json.

export type Role = "agent" | "supervisor" | "admin";
export type ConversationStatus = "bot" | "open" | "pending" | "snoozed" | "resolved";
export type ConversationPriority = "low" | "normal" | "high" | "urgent";
export const PRIORITIES: readonly ConversationPriority[] = ["low", "normal", "high", "urgent"];

export interface Me {
  user_id: number;
  workspace_id: number;
  role: Role;
  via: "session" | "token";
  name: string;
  email: string;
  language: string;
  time_zone: string;
}

export interface LoginResult {
  user_id: number;
  csrf_token: string;
  expires_at: string;
}

export interface ContactSummary {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
}

export interface Conversation {
  id: number;
  number: number;
  inbox_id: number;
  contact: ContactSummary;
  subject: string;
  status: ConversationStatus;
  snoozed_until?: string | null;
  priority: ConversationPriority;
  type: string;
  assignee_id: number | null;
  team_id: number | null;
  labels: string[];
  participant_ids?: number[];
  custom_attributes?: Record<string, string | number | boolean>;
  created_at?: string;
  last_activity_at: string;
  waiting_since: string | null;
  message_count: number;
  /** When the newest customer message arrived. */
  last_incoming_at?: string | null;
  /** A customer message came after my last read; null where the desk cannot say (events). */
  unread?: boolean | null;
}

export interface Inbox {
  id: number;
  name: string;
  channel_type: string;
  /** Who works it (as the desk lists it; events carry it too). */
  member_ids?: number[];
}

export type MessageKind = "incoming" | "outgoing" | "note" | "system" | "bot";

export interface Attachment {
  id: number;
  file_name: string;
  content_type: string;
  size: number;
  url: string;
}

export interface Message {
  id: number;
  conversation_id: number;
  inbox_id: number;
  kind: MessageKind;
  private: boolean;
  sender_type: string;
  sender_id: number | null;
  content: string;
  content_attributes: Record<string, unknown>;
  external_id: string | null;
  delivery_status: string | null;
  delivery_error?: string | null;
  attachments: Attachment[];
  created_at: string;
}

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  availability: string;
  is_active: boolean;
}

export interface Team {
  id: number;
  name: string;
  description: string;
  member_ids: number[];
  inbox_ids: number[];
}

/** Who works a conversation; a field left out stays as it is, null clears it. */
export interface AssignmentChange {
  assignee_id?: number | null;
  team_id?: number | null;
}

/** A reply an admin saved for everyone, picked in the reply box by typing `/short_code`. */
export interface CannedResponse {
  id: number;
  short_code: string;
  content: string;
}

/** A label an admin defined; conversations carry label names. */
export interface Label {
  id: number;
  name: string;
  color: string;
  description: string;
}

export const CONVERSATION_TYPES = ["question", "order", "complaint", "other"] as const;
export type ConversationType = (typeof CONVERSATION_TYPES)[number];

/** What PATCH /conversations/{id} changes; a field left out stays as it is. */
export interface ConversationChange {
  priority?: ConversationPriority;
  type?: ConversationType;
  labels?: string[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: { loc: (string | number)[]; msg: string; type: string }[];
}

/** A refused request: the problem the desk described (or one made up for a non-JSON answer). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
  }
}

export const CSRF_COOKIE = "frontdesk_csrf";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function csrfToken(cookies: string = globalThis.document?.cookie ?? ""): string | null {
  for (const part of cookies.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join("="));
  }
  return null;
}

async function problemOf(response: Response): Promise<Problem> {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      const body = (await response.json()) as Partial<Problem>;
      return { ...body, status: response.status };
    } catch {
      // fall through: a broken body still has a status
    }
  }
  return { status: response.status, title: response.statusText || `HTTP ${response.status}` };
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  // A form (files) goes as multipart: the browser sets its Content-Type with the boundary.
  const form = typeof FormData !== "undefined" && body instanceof FormData;
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  if (!SAFE_METHODS.has(method)) {
    const token = csrfToken();
    if (token) headers["X-CSRF-Token"] = token;
  }
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : form ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError({ status: 0, title: "Network error", detail: "the desk is unreachable" });
  }
  if (!response.ok) throw new ApiError(await problemOf(response));
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  login: (email: string, password: string) =>
    request<LoginResult>("POST", "/auth/login", { email, password }),
  logout: () => request<undefined>("POST", "/auth/logout"),
  me: () => request<Me>("GET", "/auth/me"),
  /** A page of the list; pairs repeat a key (`status=open&status=pending`). */
  conversations: (params: Record<string, string> | [string, string][] = {}) => {
    const query = new URLSearchParams(params).toString();
    return request<Page<Conversation>>("GET", `/conversations${query ? `?${query}` : ""}`);
  },
  conversation: (id: number) => request<Conversation>("GET", `/conversations/${id}`),
  /** The newest page of a conversation's messages (oldest first), or the page before/after an id. */
  messages: (id: number, params: { before?: number | string; after?: number; limit?: number } = {}) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) query.set(key, String(value));
    }
    const text = query.toString();
    const suffix = text ? `?${text}` : "";
    return request<Page<Message>>("GET", `/conversations/${id}/messages${suffix}`);
  },
  postMessage: (id: number, body: { content: string; private: boolean }) =>
    request<Message>("POST", `/conversations/${id}/messages`, body),
  setStatus: (id: number, status: ConversationStatus, snoozedUntil?: string) =>
    request<Conversation>("POST", `/conversations/${id}/status`, {
      status,
      ...(snoozedUntil !== undefined && { snoozed_until: snoozedUntil }),
    }),
  assign: (id: number, change: AssignmentChange) =>
    request<Conversation>("POST", `/conversations/${id}/assignment`, change),
  update: (id: number, change: ConversationChange) =>
    request<Conversation>("PATCH", `/conversations/${id}`, change),
  /** Invite a colleague ("a specialist") into the conversation, or let them go. */
  addParticipant: (id: number, userId: number) =>
    request<Conversation>("POST", `/conversations/${id}/participants`, { user_id: userId }),
  removeParticipant: (id: number, userId: number) =>
    request<Conversation>("DELETE", `/conversations/${id}/participants/${userId}`),
  labels: () => request<Label[]>("GET", "/labels"),
  users: () => request<User[]>("GET", "/users"),
  teams: () => request<Team[]>("GET", "/teams"),
  inboxes: () => request<Inbox[]>("GET", "/inboxes"),
  /** Canned replies whose short code or text contains `q` (all of them for an empty one). */
  cannedResponses: (q: string) =>
    request<CannedResponse[]>(
      "GET",
      `/canned-responses${q ? `?${new URLSearchParams({ q }).toString()}` : ""}`,
    ),
};

export type Api = typeof api;
