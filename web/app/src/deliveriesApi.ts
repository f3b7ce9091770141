// Deliveries that did not go through: an agent's retry of a failed reply, and the admin's
// Settings → Deliveries (the outbox's dead-letter queue). The calls, and the pure helpers that
// put a job in words.
import { ApiError, request, type Message, type MessageKind, type Page } from "./api";

export type JobStatus = "pending" | "running" | "done" | "dead";

/** What a job is about, as the desk read it from the job's payload. */
export interface JobTarget {
  inbox_id: number;
  inbox_name: string;
  channel_type: string;
  conversation_id: number | null;
  conversation_number: number | null;
  message_id: number | null;
}

export interface Job {
  id: number;
  kind: string;
  status: JobStatus;
  attempts: number;
  run_at: string;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
  payload: Record<string, unknown>;
  target: JobTarget | null;
}

export interface JobCounts {
  pending: number;
  running: number;
  dead: number;
}

export const deliveriesApi = {
  /** A page of the dead-lettered jobs, newest first. */
  dead: (cursor: string | null = null) => {
    const query = new URLSearchParams({ status: "dead", limit: "50" });
    if (cursor) query.set("cursor", cursor);
    return request<Page<Job>>("GET", `/outbox/jobs?${query.toString()}`);
  },
  counts: () => request<JobCounts>("GET", "/outbox/counts"),
  redeliver: (id: number) => request<Job>("POST", `/outbox/jobs/${id}/redeliver`),
  /** Send a failed reply again: answered with the message, pending again. */
  retry: (conversationId: number, messageId: number) =>
    request<Message>("POST", `/conversations/${conversationId}/messages/${messageId}/retry`),
};

export type DeliveriesApi = typeof deliveriesApi;

/** A stored reply (or bot message) its channel did not take: the agent may send it again. */
export function canRetry(message: { id: number; kind: MessageKind; delivery_status: string | null }): boolean {
  return (
    message.id > 0 &&
    (message.kind === "outgoing" || message.kind === "bot") &&
    message.delivery_status === "failed"
  );
}

/** Why a retry was refused, for the line under the message. */
export function retryProblem(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  throw error;
}

/** The key under `deliveries.kind` that says what a job is, by the kinds this desk has. */
const KINDS: Record<string, string> = {
  "channel.deliver": "reply",
  "channel.fetch_attachments": "files",
  "notify.email": "email",
  "portal.sign_in_link": "portalLink",
  "webhook.deliver": "webhook",
  "webhook.catch_up": "webhookCatchUp",
  "email.poll": "mailbox",
  "vk.profile": "vkProfile",
  "webchat.survey": "survey",
  "conversation.wake": "wake",
};

export interface JobDescription {
  /** A key under `deliveries.kind`; "other" for a kind this screen does not know. */
  key: string;
  /** The channel the job goes to or comes from (a channel type), when the desk knows it. */
  channel: string | null;
  /** The e-mail address a mail goes to; the inbox a job is about; the raw kind. */
  to: string;
  inbox: string;
  kind: string;
}

export function describeJob(job: Pick<Job, "kind" | "payload" | "target">): JobDescription {
  let key = KINDS[job.kind] ?? "other";
  const channel = job.target?.channel_type ?? null;
  // A reply whose conversation is gone still is a reply, only to somewhere unknown now.
  if ((key === "reply" || key === "files") && channel === null) key = `${key}Unknown`;
  const to = typeof job.payload.to === "string" ? job.payload.to : "";
  if (key === "email" && !to) key = "emailUnknown";
  const inbox = job.target?.inbox_name ?? "";
  if (key === "mailbox" && !inbox) key = "mailboxUnknown";
  return { key, channel, to, inbox, kind: job.kind };
}

/** The conversation a job is about, for a link to it. */
export function conversationOf(job: Pick<Job, "target">): { id: number; number: number } | null {
  const target = job.target;
  if (!target || target.conversation_id === null || target.conversation_number === null) return null;
  return { id: target.conversation_id, number: target.conversation_number };
}

/** Webhook jobs are looked at (and sent again) in Settings → Webhooks, with their log. */
export function isWebhookJob(job: Pick<Job, "kind">): boolean {
  return job.kind.startsWith("webhook.");
}

/** When the job gave up (or, not finished, when it runs next). */
export function whenOf(job: Pick<Job, "finished_at" | "run_at">): string {
  return job.finished_at ?? job.run_at;
}

/** The list after loading another page: appended, without repeating a job. */
export function appendJobs(shown: readonly Job[], page: readonly Job[]): Job[] {
  const known = new Set(shown.map((j) => j.id));
  return [...shown, ...page.filter((j) => !known.has(j.id))];
}

/** The dead-letter list once a job went back to the queue: it is no longer dead. */
export function withoutJob(shown: readonly Job[], id: number): Job[] {
  return shown.filter((j) => j.id !== id);
}
