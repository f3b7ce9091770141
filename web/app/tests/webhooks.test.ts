// The webhooks settings' API module: the calls it makes, and the checklist and log helpers.
import { afterEach, describe, expect, it, vi } from "vitest";

import {
  appendPage,
  canRedeliver,
  draftOf,
  eventsOf,
  groupEvents,
  newDraft,
  replaced,
  webhooksApi,
  type Delivery,
  type Webhook,
} from "../src/webhooksApi";
import { answer, sent, stubFetch } from "./http";

const hook: Webhook = {
  id: 3,
  url: "https://crm.example.com/hook",
  description: "CRM",
  events: ["message.created"],
  active: true,
  created_at: "2026-01-05T09:00:00Z",
  updated_at: "2026-01-05T09:00:00Z",
};

function delivery(id: number, status: Delivery["status"] = "delivered"): Delivery {
  return {
    id,
    public_id: `whd_${id}`,
    event_type: "message.created",
    event_id: id,
    status,
    attempts: 1,
    redeliveries: 0,
    status_code: 200,
    latency_ms: 12,
    error: null,
    response_excerpt: null,
    created_at: "2026-01-05T09:00:00Z",
    last_attempt_at: null,
    finished_at: null,
  };
}

describe("the webhooks API calls", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("creates with the ticked events, trimmed, or all of them", async () => {
    const fetch = stubFetch(answer(201, { ...hook, secret: "whsec_x" }), answer(201, hook));
    const created = await webhooksApi.create({
      url: "  https://crm.example.com/hook ",
      description: " CRM ",
      events: ["message.created", "conversation.created", "message.created"],
      all: false,
      active: true,
    });
    expect(created.secret).toBe("whsec_x");
    expect(sent(fetch, 0)).toEqual({
      url: "/api/v1/webhooks",
      method: "POST",
      body: {
        url: "https://crm.example.com/hook",
        description: "CRM",
        events: ["message.created", "conversation.created"],
        active: true,
      },
    });
    await webhooksApi.create({ ...newDraft(), url: "https://x.example", events: ["a.b"], all: true });
    expect((sent(fetch, 1).body as { events: string[] }).events).toEqual(["*"]);
  });

  it("updates, rotates, pings, deletes, and sends a delivery again", async () => {
    const fetch = stubFetch(
      answer(200, hook),
      answer(200, { ...hook, secret: "whsec_new" }),
      answer(201, delivery(1, "pending")),
      answer(204),
      answer(200, delivery(7, "pending")),
    );
    await webhooksApi.update(3, { ...draftOf(hook), active: false });
    expect(sent(fetch, 0)).toMatchObject({ url: "/api/v1/webhooks/3", method: "PATCH" });
    expect(sent(fetch, 0).body).toMatchObject({ active: false, events: ["message.created"] });
    expect((await webhooksApi.rotateSecret(3)).secret).toBe("whsec_new");
    expect(sent(fetch, 1)).toMatchObject({ url: "/api/v1/webhooks/3/secret", method: "POST" });
    await webhooksApi.ping(3);
    expect(sent(fetch, 2)).toMatchObject({ url: "/api/v1/webhooks/3/ping", method: "POST" });
    await webhooksApi.remove(3);
    expect(sent(fetch, 3)).toMatchObject({ url: "/api/v1/webhooks/3", method: "DELETE" });
    await webhooksApi.redeliver(3, 7);
    expect(sent(fetch, 4)).toMatchObject({
      url: "/api/v1/webhooks/3/deliveries/7/redeliver",
      method: "POST",
    });
  });

  it("pages the delivery log with a status filter and the cursor", async () => {
    const fetch = stubFetch(
      answer(200, { items: [], next_cursor: null }),
      answer(200, { items: [], next_cursor: null }),
    );
    await webhooksApi.deliveries(3);
    expect(sent(fetch, 0).url).toBe("/api/v1/webhooks/3/deliveries?limit=25");
    await webhooksApi.deliveries(3, { status: "dead", cursor: "abc" });
    expect(sent(fetch, 1).url).toBe("/api/v1/webhooks/3/deliveries?limit=25&status=dead&cursor=abc");
  });

  it("turns a refusal into an ApiError carrying the desk's reason", async () => {
    stubFetch(
      answer(422, {
        title: "Unprocessable content",
        status: 422,
        detail: "127.0.0.1 is a private address",
        errors: [{ loc: ["body", "url"], msg: "private", type: "refused" }],
      }),
    );
    await expect(webhooksApi.create({ ...newDraft(), url: "http://127.0.0.1" })).rejects.toMatchObject({
      problem: { status: 422, detail: "127.0.0.1 is a private address" },
    });
  });
});

describe("the webhooks screen's helpers", () => {
  it("reads a webhook into the form, all events as the 'all' box", () => {
    expect(draftOf(hook)).toEqual({
      url: hook.url,
      description: "CRM",
      events: ["message.created"],
      all: false,
      active: true,
    });
    expect(draftOf({ ...hook, events: ["*"] })).toMatchObject({ all: true, events: [] });
    expect(eventsOf({ all: false, events: ["a.b", "a.b", "c.d"] })).toEqual(["a.b", "c.d"]);
  });

  it("groups the catalogue by subject, keeping its order", () => {
    expect(
      groupEvents(["conversation.created", "conversation.updated", "message.created", "sla.breached"]),
    ).toEqual([
      { group: "conversation", events: ["conversation.created", "conversation.updated"] },
      { group: "message", events: ["message.created"] },
      { group: "sla", events: ["sla.breached"] },
    ]);
  });

  it("offers 'send again' only for finished deliveries", () => {
    expect(canRedeliver(delivery(1, "delivered"))).toBe(true);
    expect(canRedeliver(delivery(1, "dead"))).toBe(true);
    expect(canRedeliver(delivery(1, "skipped"))).toBe(true);
    expect(canRedeliver(delivery(1, "pending"))).toBe(false);
    expect(canRedeliver(delivery(1, "retrying"))).toBe(false);
  });

  it("appends a page without repeats and replaces a changed delivery in place", () => {
    const shown = [delivery(9), delivery(8)];
    expect(appendPage(shown, [delivery(8), delivery(7)]).map((d) => d.id)).toEqual([9, 8, 7]);
    const again = { ...delivery(8), status: "pending" as const };
    expect(replaced(shown, again)).toEqual([delivery(9), again]);
  });
});
