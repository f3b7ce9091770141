// Which channel a message came through: the inbox's channel type, looked up once per session.
import { ref, type Ref } from "vue";

import { api } from "./api";

export const CHANNEL_TYPES = ["webchat", "telegram", "whatsapp", "vk", "email", "api", "portal"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export function isChannelType(value: unknown): value is ChannelType {
  return typeof value === "string" && (CHANNEL_TYPES as readonly string[]).includes(value);
}

const channels = ref<ReadonlyMap<number, string>>(new Map());
let loading: Promise<void> | null = null;

/** Inbox id → channel type, filled in the background on first use (retried after a failure). */
export function useInboxChannels(): Ref<ReadonlyMap<number, string>> {
  loading ??= api
    .inboxes()
    .then((inboxes) => {
      channels.value = new Map(inboxes.map((inbox) => [inbox.id, inbox.channel_type]));
    })
    .catch(() => {
      // Without it the timeline shows no channel icons; the next view asks again.
      loading = null;
    });
  return channels;
}
