import { defineStore } from "pinia";
import { ref } from "vue";

import { i18n } from "../i18n";
import {
  alertFor,
  chime,
  currentPermission,
  loadPrefs,
  savePrefs,
  type Alert,
  type NotificationPrefs,
  type Permission,
} from "../notifications";
import type { EventFrame } from "../realtime";

interface Wiring {
  me: () => number | null;
  /** Opens a conversation (a click on the notification). */
  open: (conversationId: number) => void;
}

/** Browser notifications and sound for what concerns me: assignments and mentions. */
export const useNotificationsStore = defineStore("notifications", () => {
  const prefs = ref<NotificationPrefs>(loadPrefs());
  const permission = ref<Permission>(currentPermission());
  let wiring: Wiring = { me: () => null, open: () => undefined };
  let audio: AudioContext | null = null;

  function configure(next: Wiring): void {
    wiring = next;
  }

  function setPref(key: keyof NotificationPrefs, value: boolean): void {
    prefs.value = { ...prefs.value, [key]: value };
    savePrefs(prefs.value);
  }

  /** Browsers play sound only after a user gesture: call this from one (a click, a key). */
  function unlockAudio(): void {
    const Context = globalThis.AudioContext;
    if (!Context) return;
    try {
      audio ??= new Context();
      if (audio.state === "suspended") void audio.resume();
    } catch {
      audio = null; // no sound then; the notification still shows
    }
  }

  /** Asks for the browser's permission: call it from a click (browsers require a gesture). */
  async function ask(): Promise<void> {
    unlockAudio();
    if (typeof globalThis.Notification === "undefined") {
      permission.value = "unsupported";
      return;
    }
    permission.value = await globalThis.Notification.requestPermission();
  }

  function text(alert: Alert): { title: string; body: string } {
    const t = i18n.global.t;
    const number = alert.number ?? alert.conversationId;
    if (alert.kind === "assigned") {
      return { title: t("presence.notify.assignedTitle", { number }), body: t("presence.notify.assignedBody") };
    }
    const by = alert.by ?? t("presence.notify.someone");
    return { title: t("presence.notify.mentionedTitle", { by, number }), body: alert.excerpt };
  }

  function show(alert: Alert): void {
    permission.value = currentPermission();
    if (permission.value !== "granted") return;
    const { title, body } = text(alert);
    try {
      const notification = new globalThis.Notification(title, { body, tag: alert.tag });
      notification.onclick = () => {
        globalThis.focus?.();
        wiring.open(alert.conversationId);
        notification.close();
      };
    } catch {
      // Some browsers allow notifications from a service worker only: the sound still plays.
    }
  }

  function applyEvent(frame: EventFrame): Alert | null {
    const alert = alertFor(frame, wiring.me(), prefs.value);
    if (alert === null) return null;
    show(alert);
    if (prefs.value.sound && audio !== null) {
      try {
        chime(audio);
      } catch {
        // A broken audio device must not break the rest.
      }
    }
    return alert;
  }

  return { prefs, permission, configure, setPref, unlockAudio, ask, applyEvent };
});
