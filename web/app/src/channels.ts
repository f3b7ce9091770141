// Which channel a message came through: the inbox's channel type (see stores/workspace.ts).
import { computed, type ComputedRef } from "vue";

import { useWorkspaceStore } from "./stores/workspace";

export const CHANNEL_TYPES = ["webchat", "telegram", "whatsapp", "vk", "email", "api", "portal"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export function isChannelType(value: unknown): value is ChannelType {
  return typeof value === "string" && (CHANNEL_TYPES as readonly string[]).includes(value);
}

/** Inbox id → channel type, from the workspace store (asked for if it never was). */
export function useInboxChannels(): ComputedRef<ReadonlyMap<number, string>> {
  const workspace = useWorkspaceStore();
  void workspace.ensure();
  return computed(() => workspace.channels);
}
