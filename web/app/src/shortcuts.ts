// Keyboard shortcuts for the common actions, Gmail-style single keys: they work when focus is
// not in a text field, so typing a reply never triggers them (Escape aside, which leaves the field).

export type ShortcutAction =
  | "next"
  | "previous"
  | "reply"
  | "note"
  | "resolve"
  | "reopen"
  | "assignToMe"
  | "labels"
  | "snooze"
  | "close"
  | "help";

/** The keys as the help lists them, in the order it lists them. */
export const SHORTCUTS: readonly { key: string; action: ShortcutAction }[] = [
  { key: "j", action: "next" },
  { key: "k", action: "previous" },
  { key: "r", action: "reply" },
  { key: "n", action: "note" },
  { key: "e", action: "resolve" },
  { key: "o", action: "reopen" },
  { key: "a", action: "assignToMe" },
  { key: "l", action: "labels" },
  { key: "s", action: "snooze" },
  { key: "Esc", action: "close" },
  { key: "?", action: "help" },
];

const BY_KEY = new Map<string, ShortcutAction>(
  SHORTCUTS.map(({ key, action }) => [key === "Esc" ? "Escape" : key, action]),
);
const TEXT_FIELDS = new Set(["INPUT", "TEXTAREA", "SELECT"]);

export interface KeyPress {
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  isComposing?: boolean;
  target: EventTarget | null;
}

function inTextField(target: EventTarget | null): boolean {
  if (typeof target !== "object" || target === null || !("tagName" in target)) return false;
  const element = target as HTMLElement;
  return TEXT_FIELDS.has(element.tagName) || element.isContentEditable === true;
}

/** The action a key press asks for, or null when it is someone else's key. */
export function shortcutOf(press: KeyPress): ShortcutAction | null {
  // Browser and OS shortcuts (Ctrl+R, Cmd+L...) and IME composition stay theirs.
  if (press.ctrlKey || press.metaKey || press.altKey || press.isComposing) return null;
  if (inTextField(press.target)) return null;
  // Caps Lock must not turn "j" into a different key.
  const key = press.key.length === 1 && press.key !== "?" ? press.key.toLowerCase() : press.key;
  return BY_KEY.get(key) ?? null;
}

/** The conversation `step` places away from `current` in the list (the first when none is open). */
export function neighbour(ids: readonly number[], current: number | null, step: 1 | -1): number | null {
  if (ids.length === 0) return null;
  const at = current === null ? -1 : ids.indexOf(current);
  if (at === -1) return ids[0]!;
  const next = at + step;
  return next >= 0 && next < ids.length ? ids[next]! : null;
}
