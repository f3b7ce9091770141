// Presence and collision hints, as plain functions of the frames and of the time (so they are
// tested without a browser). The store (stores/presence.ts) keeps the state and the timers.
import type { EventFrame } from "./realtime";
import { isAvailability, type Availability, type Presence } from "./presenceApi";

/** A hint not refreshed for this long is gone (the sender refreshes well before). */
export const TYPING_TTL_MS = 6_000;
export const VIEWING_TTL_MS = 45_000;
/** How often the app says so while it keeps typing, or keeps a conversation open. */
export const TYPING_EVERY_MS = 2_500;
export const VIEWING_EVERY_MS = 20_000;
/** The website visitor, in hints: their typing comes as `user_id: null` (no user has id 0). */
export const VISITOR = 0;

export interface Known {
  status: Availability;
  version: number;
}

/** A `user.presence_changed` frame, newer than what we know, updates the map (true). */
export function applyPresence(known: Map<number, Known>, frame: EventFrame): boolean {
  if (frame.type !== "user.presence_changed") return false;
  const { user_id: userId, status, version } = frame.data;
  if (typeof userId !== "number" || !isAvailability(status) || typeof version !== "number") {
    return false;
  }
  const current = known.get(userId);
  if (current && current.version >= version) return false;
  known.set(userId, { status, version });
  return true;
}

/** The list just loaded, except where an event already told us something newer. */
export function mergeLoaded(known: Map<number, Known>, loaded: Presence[]): Map<number, Known> {
  const merged = new Map<number, Known>();
  for (const item of loaded) {
    const current = known.get(item.user_id);
    merged.set(
      item.user_id,
      current && current.version > item.version
        ? current
        : { status: item.status, version: item.version },
    );
  }
  return merged;
}

export type HintKind = "viewing" | "typing";

export interface Hint {
  userId: number;
  conversationId: number;
  kind: HintKind;
  /** Typing a private note rather than a reply. */
  private: boolean;
  until: number;
}

function withoutUser(hints: Hint[], userId: number, conversationId: number, kind?: HintKind) {
  return hints.filter(
    (h) =>
      !(h.userId === userId && h.conversationId === conversationId && (!kind || h.kind === kind)),
  );
}

/** The hints after a frame: viewing/typing add or refresh one, leaving or posting ends it. */
export function applyHint(hints: Hint[], frame: EventFrame, now: number): Hint[] {
  const data = frame.data;
  if (frame.type === "message.created") {
    // A colleague who posted has stopped typing (so has the visitor who wrote).
    const sender =
      data.sender_type === "user" ? data.sender_id : data.sender_type === "contact" ? VISITOR : null;
    const conversationId = data.conversation_id;
    if (typeof sender !== "number" || typeof conversationId !== "number") return hints;
    const kept = withoutUser(hints, sender, conversationId, "typing");
    return kept.length === hints.length ? hints : kept; // unchanged: the same list
  }
  const visitor = frame.type === "conversation.typing" && data.user_id === null;
  const userId = visitor ? VISITOR : data.user_id;
  const conversationId = data.conversation_id;
  if (typeof userId !== "number" || typeof conversationId !== "number") return hints;
  if (frame.type === "conversation.left") return withoutUser(hints, userId, conversationId);
  if (frame.type === "conversation.viewing") {
    return [
      ...withoutUser(hints, userId, conversationId, "viewing"),
      { userId, conversationId, kind: "viewing", private: false, until: now + VIEWING_TTL_MS },
    ];
  }
  if (frame.type === "conversation.typing") {
    // The widget also says when the visitor stopped.
    if (data.typing === false) return withoutUser(hints, userId, conversationId, "typing");
    return [
      ...withoutUser(hints, userId, conversationId, "typing"),
      {
        userId,
        conversationId,
        kind: "typing",
        private: data.private === true,
        until: now + TYPING_TTL_MS,
      },
    ];
  }
  return hints;
}

export function prune(hints: Hint[], now: number): Hint[] {
  const kept = hints.filter((h) => h.until > now);
  return kept.length === hints.length ? hints : kept;
}

/** What to show for a conversation: one line per colleague, typing before viewing. */
export function hintsFor(
  hints: Hint[],
  conversationId: number,
  now: number,
  me: number | null,
): Hint[] {
  const byUser = new Map<number, Hint>();
  for (const hint of hints) {
    if (hint.conversationId !== conversationId || hint.until <= now || hint.userId === me) continue;
    const seen = byUser.get(hint.userId);
    if (!seen || (seen.kind === "viewing" && hint.kind === "typing")) byUser.set(hint.userId, hint);
  }
  return [...byUser.values()].sort(
    (a, b) => Number(b.kind === "typing") - Number(a.kind === "typing") || a.userId - b.userId,
  );
}

export type Send = (frame: object) => boolean;

/** What this app tells colleagues: which conversation is open, and that we are typing in it
 * (at most every TYPING_EVERY_MS, however fast the keys go). */
export class HintSender {
  private viewingId: number | null = null;
  private lastTyping = new Map<string, number>();

  constructor(
    private send: Send,
    private now: () => number = Date.now,
  ) {}

  get viewing(): number | null {
    return this.viewingId;
  }

  view(conversationId: number): void {
    this.viewingId = conversationId;
    this.send({ type: "conversation.viewing", conversation_id: conversationId });
  }

  leave(conversationId: number): void {
    if (this.viewingId !== conversationId) return;
    this.viewingId = null;
    this.lastTyping.clear();
    this.send({ type: "conversation.left", conversation_id: conversationId });
  }

  typing(conversationId: number, isPrivate: boolean): void {
    const key = `${conversationId}:${isPrivate}`;
    const now = this.now();
    const last = this.lastTyping.get(key);
    if (last !== undefined && now - last < TYPING_EVERY_MS) return;
    if (this.send({ type: "conversation.typing", conversation_id: conversationId, private: isPrivate })) {
      this.lastTyping.set(key, now);
    }
  }

  /** After a reconnect, and every VIEWING_EVERY_MS: say again which conversation is open. */
  refresh(): void {
    if (this.viewingId !== null) {
      this.send({ type: "conversation.viewing", conversation_id: this.viewingId });
    }
  }
}
