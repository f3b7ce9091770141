// Outgoing webhooks in the admin settings: the calls, and the pure helpers of the screen
// (the events checklist, which deliveries may be sent again, paging the delivery log).
import { request, type Page } from "./api";

/** "*": every event of the catalogue. */
export const ALL_EVENTS = "*";

export interface Webhook {
  id: number;
  url: string;
  description: string;
  events: string[];
  active: boolean;
  created_at: string;
  updated_at: string;
}

/** Answered on create and on rotation only: the signing secret, shown this once. */
export interface WebhookWithSecret extends Webhook {
  secret: string;
}

export type DeliveryStatus = "pending" | "retrying" | "delivered" | "dead" | "skipped";
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  "pending",
  "retrying",
  "delivered",
  "dead",
  "skipped",
];

export interface Delivery {
  id: number;
  /** X-Frontdesk-Delivery: the same on every attempt and redelivery. */
  public_id: string;
  event_type: string;
  event_id: number | null;
  status: DeliveryStatus;
  attempts: number;
  redeliveries: number;
  status_code: number | null;
  latency_ms: number | null;
  error: string | null;
  response_excerpt: string | null;
  created_at: string;
  last_attempt_at: string | null;
  finished_at: string | null;
}

export interface Attempt {
  attempt: number;
  status_code: number | null;
  latency_ms: number | null;
  error: string | null;
  response_excerpt: string | null;
  created_at: string;
}

export interface DeliveryDetail extends Delivery {
  body: string;
  attempts_log: Attempt[];
}

export interface WebhookDraft {
  url: string;
  description: string;
  /** The events ticked in the checklist (ignored when `all` is on). */
  events: string[];
  all: boolean;
  active: boolean;
}

export const webhooksApi = {
  catalogue: () => request<{ events: string[] }>("GET", "/webhooks/events"),
  list: () => request<Webhook[]>("GET", "/webhooks"),
  create: (draft: WebhookDraft) =>
    request<WebhookWithSecret>("POST", "/webhooks", {
      url: draft.url.trim(),
      description: draft.description.trim(),
      events: eventsOf(draft),
      active: draft.active,
    }),
  update: (id: number, draft: WebhookDraft) =>
    request<Webhook>("PATCH", `/webhooks/${id}`, {
      url: draft.url.trim(),
      description: draft.description.trim(),
      events: eventsOf(draft),
      active: draft.active,
    }),
  remove: (id: number) => request<undefined>("DELETE", `/webhooks/${id}`),
  rotateSecret: (id: number) => request<WebhookWithSecret>("POST", `/webhooks/${id}/secret`),
  ping: (id: number) => request<Delivery>("POST", `/webhooks/${id}/ping`),
  /** A page of the delivery log, newest first. */
  deliveries: (id: number, params: { status?: DeliveryStatus | ""; cursor?: string | null } = {}) => {
    const query = new URLSearchParams({ limit: "25" });
    if (params.status) query.set("status", params.status);
    if (params.cursor) query.set("cursor", params.cursor);
    return request<Page<Delivery>>("GET", `/webhooks/${id}/deliveries?${query.toString()}`);
  },
  delivery: (id: number, deliveryId: number) =>
    request<DeliveryDetail>("GET", `/webhooks/${id}/deliveries/${deliveryId}`),
  redeliver: (id: number, deliveryId: number) =>
    request<Delivery>("POST", `/webhooks/${id}/deliveries/${deliveryId}/redeliver`),
};

export type WebhooksApi = typeof webhooksApi;

/** The events a draft subscribes to, as the desk takes them: ["*"], or the ticked ones. */
export function eventsOf(draft: Pick<WebhookDraft, "events" | "all">): string[] {
  return draft.all ? [ALL_EVENTS] : [...new Set(draft.events)];
}

export function newDraft(): WebhookDraft {
  return { url: "", description: "", events: [], all: false, active: true };
}

export function draftOf(webhook: Webhook): WebhookDraft {
  const all = webhook.events.includes(ALL_EVENTS);
  return {
    url: webhook.url,
    description: webhook.description,
    events: all ? [] : [...webhook.events],
    all,
    active: webhook.active,
  };
}

/** The catalogue grouped by what the events are about (conversation, message, …), in order. */
export function groupEvents(catalogue: readonly string[]): { group: string; events: string[] }[] {
  const groups: { group: string; events: string[] }[] = [];
  for (const name of catalogue) {
    const group = name.split(".")[0] ?? name;
    const last = groups[groups.length - 1];
    if (last && last.group === group) last.events.push(name);
    else groups.push({ group, events: [name] });
  }
  return groups;
}

/** A finished delivery may be sent again; one still being tried may not (the desk says 409). */
export function canRedeliver(delivery: Pick<Delivery, "status">): boolean {
  return delivery.status === "delivered" || delivery.status === "dead" || delivery.status === "skipped";
}

/** The log after loading `page`: appended after what is shown, without repeating a delivery. */
export function appendPage(shown: readonly Delivery[], page: readonly Delivery[]): Delivery[] {
  const known = new Set(shown.map((d) => d.id));
  return [...shown, ...page.filter((d) => !known.has(d.id))];
}

/** A delivery changed (redelivered): the log with it replaced where it is. */
export function replaced(shown: readonly Delivery[], changed: Delivery): Delivery[] {
  return shown.map((d) => (d.id === changed.id ? changed : d));
}
