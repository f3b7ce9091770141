// What the widget knows and the pure decisions it makes (tested without a browser).

export type FieldMode = "off" | "optional" | "required";
export type PrechatField = "name" | "email" | "phone" | "consent";

export interface Config {
  inbox: string;
  title: string;
  greeting: Record<string, string>;
  color: string;
  position: "right" | "left";
  languages: string[];
  prechat: Record<PrechatField, FieldMode>;
  privacy_url: string | null;
  csat: boolean;
  require_identity: boolean;
  reply_time: "minutes" | "hour" | "day";
  online: boolean;
  limits: { max_message_chars: number; max_upload_bytes: number; max_uploads: number; upload_types: string[] };
}

export interface Csat {
  requested: boolean;
  rating: number | null;
  comment: string;
}

export interface ConversationState {
  status: string;
  agent_read_at: string | null;
  csat: Csat | null;
}

export interface Session {
  token: string;
  identified: boolean;
  name: string;
  email: string | null;
  prechat_done: boolean;
  conversation: ConversationState | null;
}

export interface Attachment {
  id: number;
  file_name: string;
  content_type: string;
  size: number;
  url: string;
}

export interface Message {
  /** Negative while only in this browser (not yet stored by the desk). */
  id: number;
  client_id: string | null;
  author: "visitor" | "agent" | "bot";
  content: string;
  attachments: Attachment[];
  agent: { name: string; initials: string } | null;
  created_at: string;
  /** This browser's own messages on their way. */
  pending?: "sending" | "queued" | "failed";
  error?: string;
}

export interface MessagesPage {
  items: Message[];
  last_id: number | null;
  conversation: ConversationState | null;
}

/** The thread after `incoming` arrived: one entry per message (by id, or by the client id
 *  this browser gave it), in the desk's order; pending ones stay at the end. */
export function mergeMessages(current: readonly Message[], incoming: readonly Message[]): Message[] {
  const list = [...current];
  for (const message of incoming) {
    const at = list.findIndex(
      (m) =>
        (message.id > 0 && m.id === message.id) ||
        (message.client_id !== null && m.client_id === message.client_id),
    );
    if (at >= 0) list[at] = message;
    else list.push(message);
  }
  const stored = list.filter((m) => m.id > 0).sort((a, b) => a.id - b.id);
  return [...stored, ...list.filter((m) => m.id <= 0)];
}

/** The newest message id the desk has stored (to ask for what came after). */
export function lastStoredId(messages: readonly Message[]): number | null {
  let last: number | null = null;
  for (const m of messages) if (m.id > 0 && (last === null || m.id > last)) last = m.id;
  return last;
}

/** The visitor's own message an agent has read (they read the conversation after it). */
export function readByAgent(message: Message, agentReadAt: string | null): boolean {
  return (
    message.author === "visitor" &&
    message.id > 0 &&
    agentReadAt !== null &&
    Date.parse(message.created_at) <= Date.parse(agentReadAt)
  );
}

/** Agent messages the visitor has not seen: they arrived after `seenId`. */
export function unreadCount(messages: readonly Message[], seenId: number): number {
  return messages.filter((m) => m.author !== "visitor" && m.id > seenId).length;
}

export type View = "prechat" | "offline" | "chat";

/** Which form the panel shows: the pre-chat form until answered, the offline form when nobody
 *  is online and no conversation is under way, else the chat. */
export function viewOf(config: Config, session: Session | null, offlineSent: boolean): View {
  const ongoing = session?.conversation != null && session.conversation.status !== "resolved";
  if (!config.online && !ongoing && !offlineSent) return "offline";
  const asks = Object.values(config.prechat).some((mode) => mode !== "off");
  if (asks && !(session?.prechat_done ?? false)) return "prechat";
  return "chat";
}

/** Whether to show the rating: asked for, the conversation resolved, not yet answered here. */
export function showCsat(state: ConversationState | null, answeredHere: boolean): boolean {
  return (
    state !== null &&
    state.status === "resolved" &&
    state.csat !== null &&
    state.csat.requested &&
    (state.csat.rating === null || answeredHere)
  );
}

export type PrechatValues = { name: string; email: string; phone: string; consent: boolean };
export type FieldProblem = "required" | "badEmail" | "badPhone";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()-]{3,32}$/;

export function isEmail(value: string): boolean {
  return EMAIL.test(value.trim());
}

/** What is wrong with the form's answers, per field (empty: it may be sent). */
export function prechatProblems(
  fields: Record<PrechatField, FieldMode>,
  values: PrechatValues,
): Partial<Record<PrechatField, FieldProblem>> {
  const problems: Partial<Record<PrechatField, FieldProblem>> = {};
  const text = { name: values.name.trim(), email: values.email.trim(), phone: values.phone.trim() };
  for (const field of ["name", "email", "phone"] as const) {
    if (fields[field] === "required" && !text[field]) problems[field] = "required";
  }
  if (fields.consent === "required" && !values.consent) problems.consent = "required";
  if (fields.email !== "off" && text.email && !isEmail(text.email)) problems.email = "badEmail";
  if (fields.phone !== "off" && text.phone && !PHONE.test(text.phone)) problems.phone = "badPhone";
  return problems;
}

/** Why a file cannot be sent here, or null. */
export function fileProblem(
  file: { size: number; type: string },
  limits: Config["limits"],
): "tooBig" | "badType" | null {
  if (file.size > limits.max_upload_bytes) return "tooBig";
  if (!limits.upload_types.includes(file.type.toLowerCase())) return "badType";
  return null;
}

const DELAYS = [1_000, 2_000, 5_000, 10_000, 20_000];

/** How long to wait before reconnecting after `failures` failed attempts (with a little
 *  jitter, so that a desk coming back is not hit by every visitor at the same moment). */
export function retryDelay(failures: number, random: () => number = Math.random): number {
  const base = DELAYS[Math.min(failures, DELAYS.length - 1)] ?? 20_000;
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** A fresh id for a message written here: the desk stores a message once per id. */
export function newClientId(random: () => number = Math.random, now: () => number = Date.now): string {
  const part = () => Math.floor(random() * 0x100000000).toString(36);
  return `${now().toString(36)}-${part()}${part()}`;
}
