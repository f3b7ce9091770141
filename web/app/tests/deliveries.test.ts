// Deliveries: the calls (retry a reply, the dead-letter queue) and the helpers that put a job in
// words and decide what may be retried.
import { afterEach, describe, expect, it, vi } from "vitest";

import { ApiError } from "../src/api";
import {
  appendJobs,
  canRetry,
  conversationOf,
  deliveriesApi,
  describeJob,
  isWebhookJob,
  retryProblem,
  whenOf,
  withoutJob,
  type Job,
  type JobTarget,
} from "../src/deliveriesApi";
import en from "../src/locales/en";
import { answer, headersSent, sent, stubFetch } from "./http";

const telegram: JobTarget = {
  inbox_id: 4,
  inbox_name: "Shop bot",
  channel_type: "telegram",
  conversation_id: 12,
  conversation_number: 42,
  message_id: 99,
};

function job(id: number, fields: Partial<Job> = {}): Job {
  return {
    id,
    kind: "channel.deliver",
    status: "dead",
    attempts: 1,
    run_at: "2026-01-05T09:00:00Z",
    last_error: "PermanentError: The customer has blocked the bot",
    created_at: "2026-01-05T09:00:00Z",
    finished_at: "2026-01-05T09:00:02Z",
    payload: { message_id: 99 },
    target: telegram,
    ...fields,
  };
}

afterEach(() => vi.unstubAllGlobals());

describe("the calls", () => {
  it("retries a reply by its conversation and message, with the CSRF token", async () => {
    const fetch = stubFetch(answer(200, { id: 99, delivery_status: "pending" }));
    const message = await deliveriesApi.retry(12, 99);
    expect(message.delivery_status).toBe("pending");
    const call = sent(fetch);
    expect([call.url, call.method]).toEqual(["/api/v1/conversations/12/messages/99/retry", "POST"]);
    expect(headersSent(fetch)["X-CSRF-Token"]).toBe("tok");
  });

  it("lists the dead jobs page by page, counts, and redelivers", async () => {
    const fetch = stubFetch(
      answer(200, { items: [job(3)], next_cursor: "c2" }),
      answer(200, { items: [], next_cursor: null }),
      answer(200, { pending: 1, running: 0, dead: 2 }),
      answer(200, job(3, { status: "pending", attempts: 0 })),
    );
    expect((await deliveriesApi.dead()).next_cursor).toBe("c2");
    await deliveriesApi.dead("c2");
    expect(await deliveriesApi.counts()).toEqual({ pending: 1, running: 0, dead: 2 });
    expect((await deliveriesApi.redeliver(3)).status).toBe("pending");
    expect(sent(fetch, 0).url).toBe("/api/v1/outbox/jobs?status=dead&limit=50");
    expect(sent(fetch, 1).url).toBe("/api/v1/outbox/jobs?status=dead&limit=50&cursor=c2");
    expect(sent(fetch, 2).url).toBe("/api/v1/outbox/counts");
    expect([sent(fetch, 3).url, sent(fetch, 3).method]).toEqual(["/api/v1/outbox/jobs/3/redeliver", "POST"]);
  });

  it("says why a retry was refused in the desk's words", async () => {
    stubFetch(answer(409, { title: "Conflict", status: 409, detail: "message 99 is sent, not failed" }));
    const error: unknown = await deliveriesApi.retry(12, 99).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(retryProblem(error)).toBe("message 99 is sent, not failed");
    expect(() => retryProblem(new TypeError("a bug"))).toThrow("a bug");
  });
});

describe("what may be retried", () => {
  it("is a stored reply or bot message that failed", () => {
    expect(canRetry({ id: 5, kind: "outgoing", delivery_status: "failed" })).toBe(true);
    expect(canRetry({ id: 5, kind: "bot", delivery_status: "failed" })).toBe(true);
    for (const status of ["pending", "sent", "delivered", "read", null]) {
      expect(canRetry({ id: 5, kind: "outgoing", delivery_status: status })).toBe(false);
    }
    expect(canRetry({ id: 5, kind: "note", delivery_status: "failed" })).toBe(false);
    expect(canRetry({ id: 5, kind: "incoming", delivery_status: "failed" })).toBe(false);
    // A message shown while it is being posted has a negative id: nothing to retry yet.
    expect(canRetry({ id: -1, kind: "outgoing", delivery_status: "failed" })).toBe(false);
  });
});

describe("a job in words", () => {
  it("names every kind of this desk with a message in both languages", () => {
    const kinds = [
      "channel.deliver",
      "channel.fetch_attachments",
      "notify.email",
      "portal.sign_in_link",
      "webhook.deliver",
      "webhook.catch_up",
      "email.poll",
      "vk.profile",
      "webchat.survey",
      "conversation.wake",
    ];
    const keys = kinds.map((kind) => describeJob(job(1, { kind, payload: { to: "a@b.c" } })).key);
    expect(keys).not.toContain("other");
    expect(new Set(keys).size).toBe(kinds.length);
    for (const key of keys) expect(en.deliveries.kind).toHaveProperty(key);
  });

  it("says where a reply goes, and falls back when the desk no longer knows", () => {
    expect(describeJob(job(1))).toEqual({
      key: "reply",
      channel: "telegram",
      to: "",
      inbox: "Shop bot",
      kind: "channel.deliver",
    });
    expect(describeJob(job(1, { target: null })).key).toBe("replyUnknown");
    expect(describeJob(job(1, { kind: "channel.fetch_attachments", target: null })).key).toBe("filesUnknown");
    expect(describeJob(job(1, { kind: "notify.email", payload: { to: "ivan@example.com" } }))).toMatchObject({
      key: "email",
      to: "ivan@example.com",
    });
    expect(describeJob(job(1, { kind: "notify.email", payload: { to: 5 } })).key).toBe("emailUnknown");
    expect(describeJob(job(1, { kind: "email.poll", target: null })).key).toBe("mailboxUnknown");
    expect(describeJob(job(1, { kind: "something.new" }))).toMatchObject({ key: "other", kind: "something.new" });
    for (const key of ["replyUnknown", "filesUnknown", "emailUnknown", "mailboxUnknown", "other"]) {
      expect(en.deliveries.kind).toHaveProperty(key);
    }
  });

  it("links a job to its conversation when it has one", () => {
    expect(conversationOf(job(1))).toEqual({ id: 12, number: 42 });
    expect(conversationOf(job(1, { target: { ...telegram, conversation_id: null, conversation_number: null } }))).toBeNull();
    expect(conversationOf(job(1, { target: null }))).toBeNull();
  });

  it("sends webhook jobs to their own log", () => {
    expect(isWebhookJob(job(1, { kind: "webhook.deliver" }))).toBe(true);
    expect(isWebhookJob(job(1, { kind: "webhook.catch_up" }))).toBe(true);
    expect(isWebhookJob(job(1))).toBe(false);
  });

  it("dates a job by when it gave up, else by when it runs", () => {
    expect(whenOf(job(1))).toBe("2026-01-05T09:00:02Z");
    expect(whenOf(job(1, { finished_at: null }))).toBe("2026-01-05T09:00:00Z");
  });
});

describe("the list", () => {
  it("appends a page without repeating a job, and drops a redelivered one", () => {
    const shown = [job(5), job(4)];
    expect(appendJobs(shown, [job(4), job(3)]).map((j) => j.id)).toEqual([5, 4, 3]);
    expect(withoutJob(shown, 5).map((j) => j.id)).toEqual([4]);
    expect(withoutJob(shown, 9)).toEqual(shown);
  });
});
