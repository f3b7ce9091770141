import { describe, expect, it } from "vitest";

import type { Conversation } from "../src/api";
import {
  comparator,
  defaultFilter,
  fromQuery,
  matches,
  requestParams,
  toQuery,
  type ListFilter,
} from "../src/listFilter";
import { conversation as fixture } from "./fixtures";

const ME = 7;

/** Conversation 1 (#101) of Ivan, open and unassigned; `extra` overrides fields. */
function conversation(extra: Partial<Conversation> = {}): Conversation {
  const contact = { id: 5, name: "Ivan", email: null, phone: null };
  return fixture({ id: 1, number: 101, contact, message_count: 1, ...extra });
}

function filter(change: Partial<ListFilter> = {}): ListFilter {
  return { ...defaultFilter(), ...change };
}

describe("matches", () => {
  it("shows open and pending by default, not snoozed, resolved or bot", () => {
    expect(matches(conversation({ status: "open" }), filter(), ME)).toBe(true);
    expect(matches(conversation({ status: "pending" }), filter(), ME)).toBe(true);
    expect(matches(conversation({ status: "snoozed" }), filter(), ME)).toBe(false);
    expect(matches(conversation({ status: "resolved" }), filter(), ME)).toBe(false);
    expect(matches(conversation({ status: "bot" }), filter(), ME)).toBe(false);
  });

  it("keeps only the chosen statuses", () => {
    const resolved = filter({ statuses: ["resolved"] });
    expect(matches(conversation({ status: "resolved" }), resolved, ME)).toBe(true);
    expect(matches(conversation({ status: "open" }), resolved, ME)).toBe(false);
  });

  it("Mine holds only the signed-in user's conversations", () => {
    const mine = filter({ view: "mine" });
    expect(matches(conversation({ assignee_id: ME }), mine, ME)).toBe(true);
    expect(matches(conversation({ assignee_id: 8 }), mine, ME)).toBe(false);
    expect(matches(conversation({ assignee_id: null }), mine, ME)).toBe(false);
    // Nobody signed in: nothing is theirs, not even the unassigned.
    expect(matches(conversation({ assignee_id: null }), mine, null)).toBe(false);
  });

  it("Unassigned holds only conversations without an assignee", () => {
    const unassigned = filter({ view: "unassigned" });
    expect(matches(conversation({ assignee_id: null }), unassigned, ME)).toBe(true);
    expect(matches(conversation({ assignee_id: ME }), unassigned, ME)).toBe(false);
  });

  it("All holds anyone's", () => {
    expect(matches(conversation({ assignee_id: 8 }), filter({ view: "all" }), ME)).toBe(true);
    expect(matches(conversation({ assignee_id: null }), filter({ view: "all" }), ME)).toBe(true);
  });

  it("filters by inbox, priority and type", () => {
    expect(matches(conversation({ inbox_id: 2 }), filter({ inboxId: 2 }), ME)).toBe(true);
    expect(matches(conversation({ inbox_id: 1 }), filter({ inboxId: 2 }), ME)).toBe(false);
    expect(matches(conversation({ priority: "urgent" }), filter({ priority: "urgent" }), ME)).toBe(
      true,
    );
    expect(matches(conversation({ priority: "low" }), filter({ priority: "urgent" }), ME)).toBe(
      false,
    );
    expect(matches(conversation({ type: "order" }), filter({ type: "order" }), ME)).toBe(true);
    expect(matches(conversation({ type: "question" }), filter({ type: "order" }), ME)).toBe(false);
  });

  it("under longest waiting holds only customers still waiting", () => {
    const waiting = filter({ sort: "longest_waiting" });
    expect(matches(conversation({ waiting_since: "2026-11-22T13:00:00Z" }), waiting, ME)).toBe(true);
    expect(matches(conversation({ waiting_since: null }), waiting, ME)).toBe(false);
  });

  it("needs every condition at once", () => {
    const f = filter({ view: "mine", statuses: ["pending"], inboxId: 3, priority: "high" });
    const fits = conversation({ assignee_id: ME, status: "pending", inbox_id: 3, priority: "high" });
    expect(matches(fits, f, ME)).toBe(true);
    expect(matches({ ...fits, status: "open" }, f, ME)).toBe(false);
    expect(matches({ ...fits, inbox_id: 4 }, f, ME)).toBe(false);
    expect(matches({ ...fits, assignee_id: 9 }, f, ME)).toBe(false);
  });
});

describe("comparator", () => {
  const a = conversation({
    id: 1,
    created_at: "2026-11-20T10:00:00Z",
    last_activity_at: "2026-11-22T15:00:00Z",
    waiting_since: "2026-11-22T12:00:00Z",
  });
  const b = conversation({
    id: 2,
    created_at: "2026-11-21T10:00:00Z",
    last_activity_at: "2026-11-22T14:00:00+00:00",
    waiting_since: "2026-11-22T11:00:00Z",
  });

  it("orders by last activity, most recent first", () => {
    expect([b, a].sort(comparator("last_activity")).map((c) => c.id)).toEqual([1, 2]);
  });

  it("orders by creation, newest first", () => {
    expect([a, b].sort(comparator("newest")).map((c) => c.id)).toEqual([2, 1]);
  });

  it("orders by waiting time, longest first", () => {
    expect([a, b].sort(comparator("longest_waiting")).map((c) => c.id)).toEqual([2, 1]);
  });

  it("breaks ties by id as the desk does", () => {
    const same = { ...b, id: 3, last_activity_at: a.last_activity_at, waiting_since: a.waiting_since };
    expect([a, same].sort(comparator("last_activity")).map((c) => c.id)).toEqual([3, 1]);
    expect([same, a].sort(comparator("longest_waiting")).map((c) => c.id)).toEqual([1, 3]);
  });
});

describe("requestParams", () => {
  it("asks the desk for the view, statuses, filters and sort", () => {
    expect(requestParams(filter({ view: "mine" }))).toEqual([
      ["assignee_id", "me"],
      ["status", "open"],
      ["status", "pending"],
      ["sort", "last_activity"],
    ]);
    expect(
      requestParams(
        filter({
          view: "unassigned",
          statuses: ["resolved"],
          inboxId: 4,
          priority: "high",
          type: "order",
          sort: "newest",
        }),
      ),
    ).toEqual([
      ["assignee_id", "none"],
      ["status", "resolved"],
      ["inbox_id", "4"],
      ["priority", "high"],
      ["type", "order"],
      ["sort", "newest"],
    ]);
  });

  it("sends no assignee for All", () => {
    expect(requestParams(filter()).some(([key]) => key === "assignee_id")).toBe(false);
  });
});

describe("the URL query", () => {
  it("round-trips every field", () => {
    const f = filter({
      view: "unassigned",
      statuses: ["snoozed", "resolved"],
      inboxId: 3,
      priority: "urgent",
      type: "complaint",
      sort: "longest_waiting",
    });
    expect(fromQuery(toQuery(f))).toEqual(f);
  });

  it("leaves the defaults out", () => {
    expect(toQuery(filter())).toEqual({});
    expect(toQuery(filter({ view: "mine" }))).toEqual({ view: "mine" });
  });

  it("falls back to the remembered view, then All", () => {
    expect(fromQuery({}, "mine").view).toBe("mine");
    expect(fromQuery({}).view).toBe("all");
    expect(fromQuery({ view: "unassigned" }, "mine").view).toBe("unassigned");
  });

  it("ignores values it does not know", () => {
    const f = fromQuery({
      view: "everything",
      status: ["bogus", null],
      inbox: "-1",
      priority: "huge",
      type: "riddle",
      sort: "random",
    });
    expect(f).toEqual(defaultFilter());
  });

  it("reads one status or several, once each", () => {
    expect(fromQuery({ status: "resolved" }).statuses).toEqual(["resolved"]);
    expect(fromQuery({ status: ["open", "snoozed", "open"] }).statuses).toEqual(["open", "snoozed"]);
  });
});
