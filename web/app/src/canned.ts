// Canned replies in the reply box: finding the `/query` being typed, and filling a reply's
// variables. Pure, so the reply box only wires them to the DOM.

/** What a canned reply's {{variables}} stand for; null or undefined means "not known". */
export type CannedValues = Record<string, string | null | undefined>;

const VARIABLE = /\{\{\s*([\w.]+)\s*\}\}/g;

/**
 * Fill {{contact.name}}, {{contact.email}}, {{agent.name}}… from `values`. A variable the desk
 * does not know, or knows no value for, is left as written so the agent sees it before sending.
 */
export function fillVariables(content: string, values: CannedValues): string {
  return content.replace(VARIABLE, (whole, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    return value === null || value === undefined || value === "" ? whole : value;
  });
}

export interface SlashQuery {
  /** Index of the `/` in the text. */
  start: number;
  /** What follows the `/` up to the caret. */
  query: string;
}

// A `/` at the very start or after a blank, then no blank (nor another `/`) up to the caret.
const SLASH = /(^|\s)\/([^\s/]*)$/u;

/** The `/query` that ends at the caret, if one is being typed there. */
export function slashQueryAt(text: string, caret: number): SlashQuery | null {
  const match = SLASH.exec(text.slice(0, caret));
  if (!match) return null;
  return { start: match.index + match[1]!.length, query: match[2]! };
}

/** Replace the `/query` (from its `/` to the caret) with `reply`; the new caret is after it. */
export function insertReply(
  text: string,
  slash: SlashQuery,
  caret: number,
  reply: string,
): { text: string; caret: number } {
  const before = text.slice(0, slash.start);
  return { text: before + reply + text.slice(caret), caret: before.length + reply.length };
}
