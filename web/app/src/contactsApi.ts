// The desk's contact endpoints the contact panel uses: the contact with its identities, an
// optimistic edit (sent with the version it is based on: 409 when someone changed it meanwhile),
// the typed custom attribute definitions, and the contact's conversations across channels.
import { request, type Conversation } from "./api";

export type IdentityKind = "email" | "phone" | "telegram" | "whatsapp" | "vk" | "external";
export const IDENTITY_KINDS: readonly IdentityKind[] = [
  "email",
  "phone",
  "telegram",
  "whatsapp",
  "vk",
  "external",
];

export interface Identity {
  kind: IdentityKind;
  value: string;
}

export type AttributeValue = string | number | boolean;

export interface Contact {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  identities: Identity[];
  tags: string[];
  notes: string;
  custom_attributes: Record<string, AttributeValue>;
  created_at: string;
  updated_at: string;
  /** Changes with every edit; an edit sent with an older one is refused (409). */
  version: string;
}

/** The fields an agent edits in the panel; left out stays, null clears (attributes too). */
export interface ContactChange {
  name?: string;
  email?: string | null;
  phone?: string | null;
  tags?: string[];
  notes?: string;
  custom_attributes?: Record<string, AttributeValue | null>;
}

export type AttributeType = "text" | "number" | "boolean" | "date" | "list" | "link";

export interface AttributeDefinition {
  id: number;
  applies_to: "contact" | "conversation";
  key: string;
  label: string;
  value_type: AttributeType;
  options: string[];
}

/** How the panel shows and edits a field: the attribute types and the contact's own fields. */
export type FieldKind = AttributeType | "email" | "tel" | "multiline";

export interface ContactConversations {
  items: Conversation[];
  next_cursor: string | null;
  /** How many more the caller may not see (inboxes they don't work): a count, no content. */
  hidden_count: number;
}

export const contactsApi = {
  contact: (id: number) => request<Contact>("GET", `/contacts/${id}`),
  update: (id: number, change: ContactChange, version: string) =>
    request<Contact>("PATCH", `/contacts/${id}`, { ...change, version }),
  conversations: (id: number, cursor?: string) =>
    request<ContactConversations>(
      "GET",
      `/contacts/${id}/conversations${cursor ? `?${new URLSearchParams({ cursor }).toString()}` : ""}`,
    ),
  definitions: () => request<AttributeDefinition[]>("GET", "/custom-attributes"),
  /** Per key: the keys given change, the others stay (two agents may edit different keys). */
  updateConversationAttributes: (id: number, values: Record<string, AttributeValue | null>) =>
    request<Conversation>("PATCH", `/conversations/${id}`, { custom_attributes: values }),
};

/**
 * What an attribute input's text means for its type: "" clears it; a number attribute gets a
 * number when the text is one, else the text as typed, so the desk's refusal (shown beside the
 * field) says what is wrong rather than the panel guessing.
 */
export function attributeValue(type: AttributeType, raw: string | boolean): AttributeValue | null {
  if (typeof raw === "boolean") return raw;
  const text = raw.trim();
  if (text === "") return null;
  if (type === "number") {
    const normalized = text.replace(",", ".");
    return /^-?\d+(\.\d+)?$/.test(normalized) ? Number(normalized) : text;
  }
  if (type === "boolean") return text === "true";
  return text;
}

/** An attribute value as an input shows it. */
export function attributeText(value: AttributeValue | null | undefined): string {
  if (value === null || value === undefined) return "";
  return String(value);
}
