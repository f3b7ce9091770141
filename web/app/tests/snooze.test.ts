import { describe, expect, it } from "vitest";

import { instantOfLocalInput, localInputOf, snoozeUntil } from "../src/snooze";

describe("snoozeUntil", () => {
  it("adds an hour, whatever the zone", () => {
    const now = new Date("2026-03-04T10:15:00Z");
    expect(snoozeUntil("hour", now, "Asia/Kamchatka").toISOString()).toBe(
      "2026-03-04T11:15:00.000Z",
    );
  });

  it("means tomorrow 9:00 in the user's zone, not in UTC", () => {
    // 23:30 UTC on Wednesday is already Thursday 11:30 in Kamchatka (UTC+12).
    const now = new Date("2026-03-04T23:30:00Z");
    expect(snoozeUntil("tomorrow", now, "Asia/Kamchatka").toISOString()).toBe(
      "2026-03-05T21:00:00.000Z", // Friday 09:00 +12
    );
    expect(snoozeUntil("tomorrow", now, "UTC").toISOString()).toBe("2026-03-05T09:00:00.000Z");
    expect(snoozeUntil("tomorrow", now, "America/New_York").toISOString()).toBe(
      "2026-03-05T14:00:00.000Z", // Thursday 09:00 -05
    );
  });

  it("crosses a month end and a daylight-saving change", () => {
    // Saturday 2026-03-07 in New York; Sunday the clocks go forward to UTC-4.
    const now = new Date("2026-03-07T15:00:00Z");
    expect(snoozeUntil("tomorrow", now, "America/New_York").toISOString()).toBe(
      "2026-03-08T13:00:00.000Z",
    );
    const lastDay = new Date("2026-01-31T12:00:00Z");
    expect(snoozeUntil("tomorrow", lastDay, "Europe/Moscow").toISOString()).toBe(
      "2026-02-01T06:00:00.000Z",
    );
  });

  it("picks the coming Monday, a week away on a Monday", () => {
    const wednesday = new Date("2026-03-04T10:00:00Z");
    expect(snoozeUntil("monday", wednesday, "Europe/Moscow").toISOString()).toBe(
      "2026-03-09T06:00:00.000Z",
    );
    const sunday = new Date("2026-03-08T10:00:00Z");
    expect(snoozeUntil("monday", sunday, "UTC").toISOString()).toBe("2026-03-09T09:00:00.000Z");
    const monday = new Date("2026-03-09T08:00:00Z"); // before 9:00, still next week's Monday
    expect(snoozeUntil("monday", monday, "UTC").toISOString()).toBe("2026-03-16T09:00:00.000Z");
    // Sunday evening UTC is already Monday in Kamchatka: the Monday after that.
    const sundayEvening = new Date("2026-03-08T20:00:00Z");
    expect(snoozeUntil("monday", sundayEvening, "Asia/Kamchatka").toISOString()).toBe(
      "2026-03-15T21:00:00.000Z",
    );
  });

  it("falls back to UTC for a zone the browser does not know", () => {
    const now = new Date("2026-03-04T10:00:00Z");
    expect(snoozeUntil("tomorrow", now, "Mars/Olympus").toISOString()).toBe(
      "2026-03-05T09:00:00.000Z",
    );
  });
});

describe("a snooze date chosen by the user", () => {
  it("is read in the user's zone, not the browser's", () => {
    expect(instantOfLocalInput("2026-11-23T09:30", "Europe/Moscow")?.toISOString()).toBe(
      "2026-11-23T06:30:00.000Z",
    );
    expect(instantOfLocalInput("2026-11-23T09:30", "UTC")?.toISOString()).toBe(
      "2026-11-23T09:30:00.000Z",
    );
    expect(instantOfLocalInput("2026-03-08T12:00", "America/New_York")?.toISOString()).toBe(
      "2026-03-08T16:00:00.000Z", // after the clocks went forward: UTC-4
    );
  });

  it("refuses what is not a date and time", () => {
    for (const value of ["", "2026-11-23", "2026-13-01T10:00", "2026-11-23T25:00", "soon"]) {
      expect(instantOfLocalInput(value, "UTC")).toBeNull();
    }
  });

  it("round-trips with the input's value for the same zone", () => {
    const instant = new Date("2026-07-01T17:45:00Z");
    for (const zone of ["UTC", "Asia/Kamchatka", "America/New_York", "Europe/Moscow"]) {
      expect(instantOfLocalInput(localInputOf(instant, zone), zone)?.toISOString()).toBe(
        instant.toISOString(),
      );
    }
  });
});
