// @mentions in private notes. A mention is stored as `@[Anna Petrova](user:12)` (the format
// src/frontdesk/notifications/rules.py parses: the id is what counts, the name is what people
// read). Pure, so the reply box and the timeline only wire them to the DOM.

/** Who can be mentioned. */
export interface Colleague {
  id: number;
  name: string;
  email?: string;
  is_active?: boolean;
}

export interface MentionQuery {
  /** Index of the `@` in the text. */
  start: number;
  /** What follows the `@` up to the caret. */
  query: string;
}

// An `@` at the very start or after a blank, then letters, digits, `.`, `_` or `-` up to the caret.
const AT = /(^|\s)@([\p{L}\p{N}._-]*)$/u;

/** The `@query` that ends at the caret, if one is being typed there. */
export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  const match = AT.exec(text.slice(0, caret));
  if (!match) return null;
  return { start: match.index + match[1]!.length, query: match[2]! };
}

function fold(text: string): string {
  return text.toLocaleLowerCase().replace(/ё/g, "е");
}

/**
 * Active colleagues matching `query`, best first: a name that starts with it, then a word of the
 * name that does, then a name or e-mail that contains it. `exclude` (the author) is left out.
 */
export function matchColleagues(
  users: readonly Colleague[],
  query: string,
  { exclude = null, limit = 8 }: { exclude?: number | null; limit?: number } = {},
): Colleague[] {
  const q = fold(query);
  const ranked: { user: Colleague; rank: number }[] = [];
  for (const user of users) {
    if (user.id === exclude || user.is_active === false) continue;
    const name = fold(user.name);
    const email = fold(user.email ?? "");
    let rank: number;
    if (name.startsWith(q)) rank = 0;
    else if (name.split(/[\s.-]+/).some((word) => word.startsWith(q))) rank = 1;
    else if (email.startsWith(q)) rank = 2;
    else if (name.includes(q) || email.split("@")[0]!.includes(q)) rank = 3;
    else continue;
    ranked.push({ user, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.user.name.localeCompare(b.user.name));
  return ranked.slice(0, limit).map((r) => r.user);
}

/** The stored form of a mention; the name is cut to what the desk parses (no `]`, no newline). */
export function mentionMarkup(user: Colleague): string {
  const name = user.name.replace(/[\]\n\r]/g, " ").replace(/\s+/g, " ").trim().slice(0, 200) || `#${user.id}`;
  return `@[${name}](user:${user.id})`;
}

/** Replace the `@query` (from its `@` to the caret) with the mention and a space after it. */
export function insertMention(
  text: string,
  at: MentionQuery,
  caret: number,
  user: Colleague,
): { text: string; caret: number } {
  const before = text.slice(0, at.start) + mentionMarkup(user);
  const after = text.slice(caret);
  // One blank after the mention (the one already there, if any); the caret goes past it.
  return { text: after.startsWith(" ") ? before + after : `${before} ${after}`, caret: before.length + 1 };
}

export type Segment = { kind: "text"; text: string } | { kind: "mention"; name: string; userId: number };

// The same pattern as the desk's (notifications/rules.py).
const MENTION = /@\[([^\]\n]{1,200})\]\(user:(\d{1,18})\)/g;

/** The note cut into plain text and mentions, in order, for rendering as text only. */
export function mentionSegments(content: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of content.matchAll(MENTION)) {
    const index = match.index;
    if (index > last) segments.push({ kind: "text", text: content.slice(last, index) });
    segments.push({ kind: "mention", name: match[1]!, userId: Number(match[2]) });
    last = index + match[0].length;
  }
  if (last < content.length) segments.push({ kind: "text", text: content.slice(last) });
  return segments;
}
