// Channel setup in the inbox settings: each channel type's fields, saving them (secrets are
// write-only: the desk answers "set" / "not set", and a secret left empty keeps its value),
// connection tests, Telegram's connect, an API channel's token. The form helpers are pure.
import { request } from "./api";

export interface ChannelSetup {
  inbox_id: number;
  channel_type: string;
  public_id: string;
  /** Where the provider must send events: to register there (null: nothing to register). */
  webhook_url: string | null;
  connected: boolean;
  missing: string[];
  settings: Record<string, unknown>;
}

export interface CheckItem {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ProviderTemplate {
  name: string;
  language: string;
  parameters: number;
  status: string;
}

export interface ChannelCheck {
  ok: boolean;
  checks: CheckItem[];
  templates: ProviderTemplate[];
}

export interface WhatsAppTemplate {
  name: string;
  language: string;
  parameters: number;
}

export interface NewInbox {
  id: number;
  name: string;
  channel_type: string;
  public_id: string;
  member_ids: number[];
}

export const channelSetupApi = {
  setup: (inboxId: number) => request<ChannelSetup>("GET", `/inboxes/${inboxId}/channel`),
  save: (inboxId: number, fields: Record<string, unknown>) =>
    request<ChannelSetup>("PUT", `/inboxes/${inboxId}/channel`, fields),
  /** Tries the form's fields (the stored secrets fill the empty ones); nothing is saved. */
  check: (inboxId: number, fields: Record<string, unknown>) =>
    request<ChannelCheck>("POST", `/inboxes/${inboxId}/channel/check`, fields),
  /** Telegram: checks the token (getMe) and points the bot's webhook at the desk. */
  connectTelegram: (inboxId: number, botToken: string) =>
    request<unknown>("POST", `/inboxes/${inboxId}/telegram/connect`, { bot_token: botToken }),
  /** An API channel's new inbound token: shown this once. */
  newToken: (inboxId: number) =>
    request<{ token: string; webhook_url: string }>("POST", `/inboxes/${inboxId}/channel/token`),
  /** An API channel's new secret signing the replies posted to the integrator: shown once. */
  newWebhookSecret: (inboxId: number) =>
    request<{ secret: string }>("POST", `/inboxes/${inboxId}/channel/webhook-secret`),
  createInbox: (name: string, channelType: string) =>
    request<NewInbox>("POST", "/inboxes", { name, channel_type: channelType }),
};

export type ChannelSetupApi = typeof channelSetupApi;

/** The channel types an admin can create here. */
export const CHANNEL_TYPES = ["telegram", "whatsapp", "vk", "email", "api", "webchat", "portal"] as const;

export type FieldKind = "text" | "secret" | "number" | "email" | "security";

export interface ChannelField {
  name: string;
  kind: FieldKind;
  /** Shown in the input when empty (also the value the desk uses when it is left empty). */
  placeholder?: string;
}

export const SECURITY_OPTIONS = ["ssl", "starttls", "none"] as const;

/** The fields saved through the channel settings, per channel type (Telegram has its token). */
export const CHANNEL_FIELDS: Record<string, readonly ChannelField[]> = {
  whatsapp: [
    { name: "phone_number_id", kind: "text" },
    { name: "business_account_id", kind: "text" },
    { name: "access_token", kind: "secret" },
    { name: "app_secret", kind: "secret" },
    { name: "verify_token", kind: "secret" },
  ],
  vk: [
    { name: "group_id", kind: "number" },
    { name: "access_token", kind: "secret" },
    { name: "secret", kind: "secret" },
    { name: "confirmation_code", kind: "text" },
  ],
  email: [
    { name: "email", kind: "email" },
    { name: "from_name", kind: "text" },
    { name: "imap_host", kind: "text" },
    { name: "imap_port", kind: "number", placeholder: "993" },
    { name: "imap_security", kind: "security" },
    { name: "imap_username", kind: "text" },
    { name: "imap_password", kind: "secret" },
    { name: "imap_folder", kind: "text", placeholder: "INBOX" },
    { name: "smtp_host", kind: "text" },
    { name: "smtp_port", kind: "number", placeholder: "465" },
    { name: "smtp_security", kind: "security" },
    { name: "smtp_username", kind: "text" },
    { name: "smtp_password", kind: "secret" },
  ],
  api: [{ name: "webhook_url", kind: "text" }],
};

export type Draft = Record<string, string>;

/** The form's values from the stored settings: secrets start empty (empty keeps them). */
export function draftOf(channelType: string, settings: Record<string, unknown>): Draft {
  const draft: Draft = {};
  for (const field of CHANNEL_FIELDS[channelType] ?? []) {
    const value = settings[field.name];
    if (field.kind === "secret") draft[field.name] = "";
    else if (field.kind === "security") draft[field.name] = typeof value === "string" ? value : "ssl";
    else if (typeof value === "string" || typeof value === "number") draft[field.name] = String(value);
    else draft[field.name] = "";
  }
  return draft;
}

/** Whether a secret is stored (the desk says "set"). */
export function secretSet(settings: Record<string, unknown>, name: string): boolean {
  return settings[name] === "set";
}

/**
 * What the form sends: numbers as numbers (text the desk then refuses by name, when it is not
 * one), empty secrets and empty numbers left out (kept, or the default), the rest as typed.
 */
export function fieldsOf(
  channelType: string,
  draft: Draft,
  templates?: readonly WhatsAppTemplate[],
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const field of CHANNEL_FIELDS[channelType] ?? []) {
    const raw = (draft[field.name] ?? "").trim();
    if ((field.kind === "secret" || field.kind === "number") && raw === "") continue;
    fields[field.name] = field.kind === "number" && /^\d+$/.test(raw) ? Number(raw) : raw;
  }
  if (channelType === "whatsapp" && templates) {
    fields.templates = templates.map((t) => ({
      name: t.name.trim(),
      language: t.language.trim(),
      parameters: t.parameters,
    }));
  }
  return fields;
}

/** The stored WhatsApp templates, read defensively (settings are free-form JSON). */
export function templatesOf(settings: Record<string, unknown>): WhatsAppTemplate[] {
  const raw = settings.templates;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item: unknown) => {
    if (typeof item !== "object" || item === null) return [];
    const t = item as Record<string, unknown>;
    return [
      {
        name: typeof t.name === "string" ? t.name : "",
        language: typeof t.language === "string" ? t.language : "",
        parameters: typeof t.parameters === "number" ? t.parameters : 0,
      },
    ];
  });
}

/** The provider's approved templates added to the list (those already there stay as they are). */
export function withApproved(
  current: readonly WhatsAppTemplate[],
  found: readonly ProviderTemplate[],
): WhatsAppTemplate[] {
  const key = (t: { name: string; language: string }) => `${t.name}/${t.language}`;
  const known = new Set(current.map(key));
  const added = found
    .filter((t) => t.status === "approved" && !known.has(key(t)))
    .map(({ name, language, parameters }) => ({ name, language, parameters }));
  return [...current, ...added];
}
