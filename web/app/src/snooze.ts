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
