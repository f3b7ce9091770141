// The "waiting 12 min" badge of the list: how long a customer has waited for a reply, colored
// by age. Computed from `waiting_since` against one clock the whole list shares.

export type WaitLevel = "fresh" | "warm" | "late" | "overdue";

export interface Waiting {
  /** Whole minutes waited (never negative: a clock a little behind the desk shows 0). */
  minutes: number;
  level: WaitLevel;
  /** The i18n key under list.waiting and its values: minutes, hours and minutes, or days. */
  key: "minutes" | "hours" | "days";
  values: { minutes: number; hours: number; days: number };
}

/** Up to these many minutes a wait is at that level; longer is overdue. */
export const LEVELS: readonly [WaitLevel, number][] = [
  ["fresh", 5],
  ["warm", 15],
  ["late", 60],
];

/** How often the list's clock ticks: the badge counts minutes. */
export const TICK_MS = 15_000;

export function waiting(since: string | null | undefined, now: number): Waiting | null {
  if (!since) return null;
  const start = Date.parse(since);
  if (Number.isNaN(start)) return null;
  const minutes = Math.max(0, Math.floor((now - start) / 60_000));
  const level = LEVELS.find(([, limit]) => minutes < limit)?.[0] ?? "overdue";
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  const key = days >= 1 ? "days" : hours >= 1 ? "hours" : "minutes";
  return { minutes, level, key, values: { minutes: minutes % 60, hours: hours % 24, days } };
}
