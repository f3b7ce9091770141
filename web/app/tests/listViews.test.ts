// The list's views beyond Mine/Unassigned/All, the team and label filters, the counts' query
// and the saved views' filters.
import { describe, expect, it } from "vitest";

import {
  countParams,
  defaultFilter,
  fromQuery,
  fromViewFilters,
  matches,
  requestParams,
  sameFilter,
  toQuery,
  toViewFilters,
  type ListFilter,
} from "../src/listFilter";
import { conversation } from "./fixtures";

const ME = 7;

function filter(change: Partial<ListFilter> = {}): ListFilter {
  return { ...defaultFilter(), ...change };
}

describe("the views", () => {
  it("My teams holds conversations of my teams only", () => {
    const myTeams = filter({ view: "my_teams" });
    const known = { teamIds: [3, 4] };
    expect(matches(conversation({ team_id: 3 }), myTeams, ME, known)).toBe(true);
    expect(matches(conversation({ team_id: 5 }), myTeams, ME, known)).toBe(false);
    expect(matches(conversation({ team_id: null }), myTeams, ME, known)).toBe(false);
    // Teams not known (yet): nothing is assumed to be mine.
    expect(matches(conversation({ team_id: 3 }), myTeams, ME)).toBe(false);
  });

  it("a chosen team narrows My teams to it, as the desk does", () => {
    const f = filter({ view: "my_teams", teamId: 9 });
    expect(matches(conversation({ team_id: 9 }), f, ME, { teamIds: [3] })).toBe(true);
    expect(matches(conversation({ team_id: 3 }), f, ME, { teamIds: [3] })).toBe(false);
    expect(requestParams(f)).toContainEqual(["team_id", "9"]);
    expect(requestParams(f)).not.toContainEqual(["team_id", "mine"]);
  });

  it("Mentions holds the conversations known to mention me", () => {
    const mentions = filter({ view: "mentions" });
    const known = { mentioned: new Set([7]) };
    expect(matches(conversation({ id: 7 }), mentions, ME, known)).toBe(true);
    expect(matches(conversation({ id: 8 }), mentions, ME, known)).toBe(false);
    expect(matches(conversation({ id: 7 }), mentions, ME)).toBe(false);
  });

  it("filters by team and label", () => {
    expect(matches(conversation({ team_id: 2 }), filter({ teamId: 2 }), ME)).toBe(true);
    expect(matches(conversation({ team_id: null }), filter({ teamId: 2 }), ME)).toBe(false);
    const vip = filter({ label: "vip" });
    expect(matches(conversation({ labels: ["refund", "vip"] }), vip, ME)).toBe(true);
    expect(matches(conversation({ labels: ["refund"] }), vip, ME)).toBe(false);
  });

  it("asks the desk for each view", () => {
    expect(requestParams(filter({ view: "my_teams" }))[0]).toEqual(["team_id", "mine"]);
    expect(requestParams(filter({ view: "mentions" }))[0]).toEqual(["mentioned", "me"]);
    expect(requestParams(filter({ teamId: 4, label: "vip" }))).toEqual([
      ["status", "open"],
      ["status", "pending"],
      ["team_id", "4"],
      ["label", "vip"],
      ["sort", "last_activity"],
    ]);
  });
});

describe("countParams", () => {
  it("counts under the statuses and filters, whatever the view", () => {
    const f = filter({
      view: "mine",
      statuses: ["resolved"],
      inboxId: 2,
      teamId: 3,
      label: "vip",
      priority: "high",
      type: "order",
      sort: "newest",
    });
    expect(countParams(f)).toEqual([
      ["status", "resolved"],
      ["inbox_id", "2"],
      ["team_id", "3"],
      ["priority", "high"],
      ["type", "order"],
      ["label", "vip"],
    ]);
  });
});

describe("the URL keeps the new views and filters", () => {
  it("round-trips My teams, Mentions, team and label", () => {
    for (const view of ["my_teams", "mentions"] as const) {
      const f = filter({ view, teamId: 5, label: "Возврат" });
      expect(fromQuery(toQuery(f))).toEqual(f);
    }
    expect(toQuery(filter({ teamId: 5, label: "vip" }))).toEqual({ team: "5", label: "vip" });
  });

  it("ignores a team or label it cannot use", () => {
    expect(fromQuery({ team: "abc", label: "" })).toEqual(defaultFilter());
    expect(fromQuery({ team: "0", label: "x".repeat(65) })).toEqual(defaultFilter());
  });
});

describe("saved views' filters", () => {
  it("are the desk's list query and come back as the same filter", () => {
    const f = filter({
      view: "unassigned",
      statuses: ["open", "snoozed"],
      inboxId: 2,
      teamId: 3,
      label: "vip",
      priority: "urgent",
      type: "complaint",
      sort: "longest_waiting",
    });
    expect(toViewFilters(f)).toEqual({
      assignee_id: "none",
      status: ["open", "snoozed"],
      inbox_id: 2,
      team_id: "3",
      priority: "urgent",
      type: "complaint",
      label: "vip",
      sort: "longest_waiting",
    });
    expect(fromViewFilters(toViewFilters(f))).toEqual(f);
    for (const view of ["mine", "my_teams", "all", "mentions"] as const) {
      expect(fromViewFilters(toViewFilters(filter({ view })))).toEqual(filter({ view }));
    }
  });

  it("leave out what the list cannot show rather than guess", () => {
    // Made through the API: another agent's conversations and a text search.
    const f = fromViewFilters({ assignee_id: "12", q: "parcel", status: "pending", sort: "nope" });
    expect(f).toEqual(filter({ statuses: ["pending"] }));
    expect(fromViewFilters({})).toEqual(filter());
  });

  it("match the current filter whatever the order of statuses", () => {
    const a = filter({ statuses: ["pending", "open"] });
    expect(sameFilter(a, filter())).toBe(true);
    expect(sameFilter(a, filter({ label: "vip" }))).toBe(false);
  });
});
