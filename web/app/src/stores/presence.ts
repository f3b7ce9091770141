import { defineStore } from "pinia";
import { ref } from "vue";

import {
  applyHint,
  applyPresence,
  HintSender,
  hintsFor as visibleHints,
  mergeLoaded,
  prune,
  VIEWING_EVERY_MS,
  type Hint,
  type Known,
  type Send,
} from "../presence";
import { presenceApi, type Availability } from "../presenceApi";
import type { EventFrame } from "../realtime";

const TICK_MS = 1_000;

/** Colleagues' presence, who is viewing or typing where, and my own chosen status. */
export const usePresenceStore = defineStore("presence", () => {
  const statuses = ref(new Map<number, Known>());
  const hints = ref<Hint[]>([]);
  const now = ref(Date.now());
  /** What I chose (null until the profile is loaded). */
  const chosen = ref<Availability | null>(null);
  const chooseError = ref<string | null>(null);
  let sender = new HintSender(() => false);
  let ticker: ReturnType<typeof setInterval> | undefined;
  let refresher: ReturnType<typeof setInterval> | undefined;

  function statusOf(userId: number): Availability {
    return statuses.value.get(userId)?.status ?? "offline";
  }

  function hintsFor(conversationId: number, me: number | null): Hint[] {
    return visibleHints(hints.value, conversationId, now.value, me);
  }

  /** Whatever happened while the socket was down comes from here (after every "ready"). */
  async function load(): Promise<void> {
    try {
      const loaded = await presenceApi.list();
      statuses.value = mergeLoaded(statuses.value, loaded);
    } catch {
      // Dots are a nicety: without them everyone looks offline until the next event.
    }
  }

  async function loadProfile(): Promise<void> {
    try {
      chosen.value = (await presenceApi.profile()).availability;
    } catch {
      chosen.value = null;
    }
  }

  async function choose(availability: Availability): Promise<void> {
    chooseError.value = null;
    try {
      chosen.value = (await presenceApi.setAvailability(availability)).availability;
    } catch (error) {
      chooseError.value = error instanceof Error ? error.message : String(error);
    }
  }

  function tick(): void {
    now.value = Date.now();
    hints.value = prune(hints.value, now.value);
    if (hints.value.length === 0) {
      clearInterval(ticker);
      ticker = undefined;
    }
  }

  function isNewViewer(frame: EventFrame): boolean {
    if (frame.type !== "conversation.viewing") return false;
    const { user_id: userId, conversation_id: conversationId } = frame.data;
    return !hints.value.some(
      (h) =>
        h.kind === "viewing" &&
        h.userId === userId &&
        h.conversationId === conversationId &&
        h.until > now.value,
    );
  }

  function applyEvent(frame: EventFrame): void {
    if (frame.type === "user.presence_changed") {
      const next = new Map(statuses.value);
      if (applyPresence(next, frame)) statuses.value = next;
      return;
    }
    now.value = Date.now();
    const newViewer = isNewViewer(frame);
    const next = applyHint(hints.value, frame, now.value);
    if (next === hints.value) return;
    hints.value = next;
    // Hints are not replayed: a colleague who just opened the conversation I have open
    // learns that I am here from my answer (they answer mine in turn only if it is news).
    if (newViewer && sender.viewing === frame.data.conversation_id) sender.refresh();
    // Hints expire on their own: look at the clock while there are any.
    if (hints.value.length > 0 && ticker === undefined) ticker = setInterval(tick, TICK_MS);
  }

  /** The socket to send hints on (ShellView's). */
  function attach(send: Send): void {
    sender = new HintSender(send);
  }

  /** The socket is (again) ready: tell colleagues what is open here. */
  function connected(): void {
    sender.refresh();
  }

  function view(conversationId: number): void {
    sender.view(conversationId);
    clearInterval(refresher);
    refresher = setInterval(() => sender.refresh(), VIEWING_EVERY_MS);
  }

  function leave(conversationId: number): void {
    sender.leave(conversationId);
    if (sender.viewing === null) {
      clearInterval(refresher);
      refresher = undefined;
    }
  }

  function typing(conversationId: number, isPrivate: boolean): void {
    sender.typing(conversationId, isPrivate);
  }

  function reset(): void {
    clearInterval(ticker);
    clearInterval(refresher);
    ticker = refresher = undefined;
    sender = new HintSender(() => false);
    statuses.value = new Map();
    hints.value = [];
    chosen.value = null;
  }

  return {
    statuses,
    hints,
    now,
    chosen,
    chooseError,
    statusOf,
    hintsFor,
    load,
    loadProfile,
    choose,
    applyEvent,
    attach,
    connected,
    view,
    leave,
    typing,
    reset,
  };
});
