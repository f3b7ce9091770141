// Browser notifications and a short sound for a conversation assigned to me and for a
// mention of me. Each can be turned off; the choices live in this browser (localStorage).
import type { EventFrame } from "./realtime";

export interface NotificationPrefs {
  assigned: boolean;
  mentions: boolean;
  sound: boolean;
}

export const DEFAULT_PREFS: Readonly<NotificationPrefs> = { assigned: true, mentions: true, sound: true };
const STORAGE_KEY = "frontdesk.notifications";

type Store = Pick<Storage, "getItem" | "setItem">;

export function loadPrefs(storage: Store | undefined = globalThis.localStorage): NotificationPrefs {
  try {
    const saved = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "{}") as Record<string, unknown>;
    const prefs = { ...DEFAULT_PREFS };
    for (const key of Object.keys(prefs) as (keyof NotificationPrefs)[]) {
      if (typeof saved[key] === "boolean") prefs[key] = saved[key];
    }
    return prefs;
  } catch {
    return { ...DEFAULT_PREFS };
  }
}

export function savePrefs(
  prefs: NotificationPrefs,
  storage: Store | undefined = globalThis.localStorage,
): void {
  storage?.setItem(STORAGE_KEY, JSON.stringify(prefs));
}

export interface Alert {
  kind: "assigned" | "mentioned";
  conversationId: number;
  number: number | null;
  /** Who mentioned me (their name), when known. */
  by: string | null;
  /** The note as text (mentions shown as @Name). */
  excerpt: string;
  /** One notification per event, however many tabs show it. */
  tag: string;
}

/** The alert a frame calls for, or null: not for me, turned off, or my own doing. */
export function alertFor(
  frame: EventFrame,
  me: number | null,
  prefs: NotificationPrefs,
): Alert | null {
  const data = frame.data;
  const conversationId = data.conversation_id;
  if (typeof conversationId !== "number" || me === null) return null;
  if (typeof frame.actor_user_id === "number" && frame.actor_user_id === me) return null;
  const number = typeof data.number === "number" ? data.number : null;
  const tag = `frontdesk-${frame.type}-${frame.id ?? conversationId}`;
  if (frame.type === "notification.assigned") {
    if (!prefs.assigned || data.user_id !== me) return null;
    return { kind: "assigned", conversationId, number, by: null, excerpt: "", tag };
  }
  if (frame.type === "notification.mentioned") {
    if (!prefs.mentions) return null;
    return {
      kind: "mentioned",
      conversationId,
      number,
      by: typeof data.by === "string" ? data.by : null,
      excerpt: typeof data.excerpt === "string" ? data.excerpt : "",
      tag,
    };
  }
  return null;
}

export type Permission = NotificationPermission | "unsupported";

export function currentPermission(): Permission {
  return typeof globalThis.Notification === "undefined"
    ? "unsupported"
    : globalThis.Notification.permission;
}

type AudioParts = Pick<AudioContext, "currentTime" | "destination" | "createOscillator" | "createGain">;

/** A short two-note chime made on the spot (no sound file to download). */
export function chime(audio: AudioParts): void {
  const start = audio.currentTime;
  [880, 1320].forEach((frequency, index) => {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    const at = start + index * 0.12;
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.3);
  });
}
