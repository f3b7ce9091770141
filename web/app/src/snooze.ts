// Snooze presets: wall-clock times in the user's time zone, turned into instants for the desk.

export type SnoozePreset = "hour" | "tomorrow" | "monday";
export const SNOOZE_PRESETS: readonly SnoozePreset[] = ["hour", "tomorrow", "monday"];

const HOUR_MS = 3_600_000;
const MORNING = 9; // "tomorrow" and "next Monday" mean the start of a working day

interface WallClock {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
    formats.set(timeZone, format);
  }
  return format;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function wallClock(instant: number, timeZone: string): WallClock {
  const parts = Object.fromEntries(
    formatFor(timeZone)
      .formatToParts(new Date(instant))
      .map((part) => [part.type, part.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ""),
  };
}

/** How far the zone is ahead of UTC at that instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant a wall-clock time (day may overflow: it is normalized) happens in the zone. */
function instantOf(year: number, month: number, day: number, hour: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, hour);
  // Two rounds settle the offset even when the day crosses a daylight-saving change.
  let instant = wall - offsetAt(wall, timeZone);
  instant = wall - offsetAt(instant, timeZone);
  return new Date(instant);
}

function knownZone(timeZone: string): string {
  try {
    formatFor(timeZone);
    return timeZone;
  } catch {
    return "UTC"; // a zone this browser does not know: UTC beats refusing to snooze
  }
}

/** When a preset picked at `now` ends: in an hour, tomorrow at 9:00, or next Monday at 9:00. */
export function snoozeUntil(preset: SnoozePreset, now: Date, timeZone: string): Date {
  if (preset === "hour") return new Date(now.getTime() + HOUR_MS);
  const zone = knownZone(timeZone);
  const today = wallClock(now.getTime(), zone);
  // Next Monday is never today: on a Monday it is a week away.
  const days = preset === "tomorrow" ? 1 : (8 - today.weekday) % 7 || 7;
  return instantOf(today.year, today.month, today.day + days, MORNING, zone);
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/**
 * The instant a `<input type="datetime-local">` value ("2026-11-23T09:30") names in the user's
 * zone (not the browser's: an agent may work from another city), or null when it is malformed.
 */
export function instantOfLocalInput(value: string, timeZone: string): Date | null {
  const match = LOCAL_INPUT.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  const start = instantOf(year, month, day, hour, knownZone(timeZone));
  return new Date(start.getTime() + minute * 60_000);
}

/** The `<input type="datetime-local">` value showing `instant` in the user's zone. */
export function localInputOf(instant: Date, timeZone: string): string {
  const w = wallClock(instant.getTime(), knownZone(timeZone));
  const two = (n: number) => String(n).padStart(2, "0");
  return `${w.year}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}`;
}
