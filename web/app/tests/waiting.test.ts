import { describe, expect, it } from "vitest";

import { waiting } from "../src/waiting";

const SINCE = "2026-11-22T14:00:00Z";
const at = (minutes: number) => Date.parse(SINCE) + minutes * 60_000;

describe("the waiting badge", () => {
  it("is there only while a customer waits", () => {
    expect(waiting(null, at(5))).toBeNull();
    expect(waiting(undefined, at(5))).toBeNull();
    expect(waiting("not a time", at(5))).toBeNull();
  });

  it("counts whole minutes, then hours, then days", () => {
    expect(waiting(SINCE, at(12.9))).toMatchObject({ minutes: 12, key: "minutes", values: { minutes: 12 } });
    expect(waiting(SINCE, at(125))).toMatchObject({ key: "hours", values: { hours: 2, minutes: 5 } });
    expect(waiting(SINCE, at(60 * 24 * 3 + 60 * 4 + 7))).toMatchObject({
      key: "days",
      values: { days: 3, hours: 4 },
    });
  });

  it("is colored by age", () => {
    expect(waiting(SINCE, at(0))!.level).toBe("fresh");
    expect(waiting(SINCE, at(4.99))!.level).toBe("fresh");
    expect(waiting(SINCE, at(5))!.level).toBe("warm");
    expect(waiting(SINCE, at(14))!.level).toBe("warm");
    expect(waiting(SINCE, at(15))!.level).toBe("late");
    expect(waiting(SINCE, at(59))!.level).toBe("late");
    expect(waiting(SINCE, at(60))!.level).toBe("overdue");
  });

  it("never counts backwards when the browser's clock is a little behind", () => {
    expect(waiting(SINCE, at(-2))).toMatchObject({ minutes: 0, level: "fresh" });
  });
});
