// Possible duplicates of a contact (the same e-mail or phone, however written) and merging one
// into another, with what a merge would move, for the confirmation the agent reads first.
import { request } from "./api";
import type { Contact, Identity } from "./contactsApi";

export interface MatchReason {
  kind: "email" | "phone";
  value: string;
}

export interface ContactDuplicate {
  contact: Contact;
  reasons: MatchReason[];
  /** The duplicate's conversations: what a merge moves (a count, whoever may see them). */
  conversation_count: number;
}

export const mergeApi = {
  duplicates: (id: number) => request<ContactDuplicate[]>("GET", `/contacts/${id}/duplicates`),
  /** Merge `otherId` into `id`: `id` stays, with all of the other's history; the other goes. */
  merge: (id: number, otherId: number) =>
    request<Contact>("POST", `/contacts/${id}/merge`, { other_id: otherId }),
};

export type MergeApi = typeof mergeApi;

/** What merging `other` into `survivor` moves, as the confirmation lists it. */
export interface MergePlan {
  conversations: number;
  /** The other's channel identities the survivor gains. */
  identities: Identity[];
  /** Tags the survivor does not have yet. */
  tags: string[];
  /** The other has notes: they are added after the survivor's. */
  notes: boolean;
  /** Attribute keys the survivor has no value for: they take the other's. */
  attributes: string[];
  /** The survivor's empty fields the other fills. */
  fills: ("name" | "email" | "phone")[];
}

export function mergePlan(survivor: Contact, duplicate: ContactDuplicate): MergePlan {
  const other = duplicate.contact;
  const known = new Set(survivor.identities.map((i) => `${i.kind}:${i.value}`));
  const has = (value: unknown) => value !== null && value !== undefined && value !== "";
  return {
    conversations: duplicate.conversation_count,
    identities: other.identities.filter((i) => !known.has(`${i.kind}:${i.value}`)),
    tags: other.tags.filter((tag) => !survivor.tags.includes(tag)),
    notes: other.notes.trim() !== "" && !survivor.notes.includes(other.notes.trim()),
    attributes: Object.keys(other.custom_attributes).filter(
      (key) => !has(survivor.custom_attributes[key]),
    ),
    fills: (["name", "email", "phone"] as const).filter(
      (field) => !has(survivor[field]) && has(other[field]),
    ),
  };
}
