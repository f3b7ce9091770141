// Custom attribute definitions in the settings (admins): the list, a new one, a new label or a
// list's new options, deleting one. The key, the type and what it applies to are fixed once
// defined (stored values were checked against them). The form helpers are pure.
import { request } from "./api";
import type { AttributeDefinition, AttributeType } from "./contactsApi";

export type AppliesTo = AttributeDefinition["applies_to"];

export const APPLIES_TO: readonly AppliesTo[] = ["contact", "conversation"];
export const ATTRIBUTE_TYPES: readonly AttributeType[] = [
  "text",
  "number",
  "boolean",
  "date",
  "list",
  "link",
];

/** The form's state: the options as typed, one per line. */
export interface AttributeDraft {
  applies_to: AppliesTo;
  key: string;
  label: string;
  value_type: AttributeType;
  options: string;
}

export interface AttributeCreate {
  applies_to: AppliesTo;
  key: string;
  label: string;
  value_type: AttributeType;
  options?: string[];
}

export interface AttributeChange {
  label?: string;
  options?: string[];
}

export const attributesApi = {
  definitions: () => request<AttributeDefinition[]>("GET", "/custom-attributes"),
  create: (body: AttributeCreate) => request<AttributeDefinition>("POST", "/custom-attributes", body),
  update: (id: number, change: AttributeChange) =>
    request<AttributeDefinition>("PATCH", `/custom-attributes/${id}`, change),
  /** The values stored under its key stay on the records, shown read-only. */
  remove: (id: number) => request<undefined>("DELETE", `/custom-attributes/${id}`),
};

export type AttributesApi = typeof attributesApi;

export function emptyDraft(appliesTo: AppliesTo = "contact"): AttributeDraft {
  return { applies_to: appliesTo, key: "", label: "", value_type: "text", options: "" };
}

export function draftOf(definition: AttributeDefinition): AttributeDraft {
  return {
    applies_to: definition.applies_to,
    key: definition.key,
    label: definition.label,
    value_type: definition.value_type,
    options: definition.options.join("\n"),
  };
}

/** The options typed one per line: trimmed, the empty lines left out. */
export function optionsOf(text: string): string[] {
  return text
    .split("\n")
    .map((o) => o.trim())
    .filter(Boolean);
}

/** What creating sends: options for a list only (the desk refuses them on other types). */
export function createOf(draft: AttributeDraft): AttributeCreate {
  return {
    applies_to: draft.applies_to,
    key: draft.key.trim(),
    label: draft.label.trim(),
    value_type: draft.value_type,
    ...(draft.value_type === "list" ? { options: optionsOf(draft.options) } : {}),
  };
}

/** What an edit changed (the label, a list's options); empty when nothing did. */
export function changeOf(definition: AttributeDefinition, draft: AttributeDraft): AttributeChange {
  const change: AttributeChange = {};
  const label = draft.label.trim();
  if (label !== definition.label) change.label = label;
  if (definition.value_type === "list") {
    const options = optionsOf(draft.options);
    const same =
      options.length === definition.options.length &&
      options.every((o, i) => o === definition.options[i]);
    if (!same) change.options = options;
  }
  return change;
}

const CYRILLIC: Record<string, string> = {
  а: "a", б: "b", в: "v", г: "g", д: "d", е: "e", ё: "e", ж: "zh", з: "z", и: "i", й: "i",
  к: "k", л: "l", м: "m", н: "n", о: "o", п: "p", р: "r", с: "s", т: "t", у: "u", ф: "f",
  х: "kh", ц: "ts", ч: "ch", ш: "sh", щ: "shch", ъ: "", ы: "y", ь: "", э: "e", ю: "iu", я: "ia",
};

/**
 * A key suggested from a label ("Order number" → "order_number", "Номер заказа" →
 * "nomer_zakaza"): lower-case Latin letters, digits and _, starting with a letter, as the desk
 * wants; "" when nothing of the label makes one.
 */
export function keyOf(label: string): string {
  const latin = [...label.toLowerCase()].map((c) => CYRILLIC[c] ?? c).join("");
  return latin
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^[^a-z]+/, "")
    .replace(/_+$/, "")
    .slice(0, 64)
    .replace(/_+$/, "");
}

/** The definitions of contacts and of conversations, each in the order they were made. */
export function byAppliesTo(
  definitions: readonly AttributeDefinition[],
): Record<AppliesTo, AttributeDefinition[]> {
  return {
    contact: definitions.filter((d) => d.applies_to === "contact"),
    conversation: definitions.filter((d) => d.applies_to === "conversation"),
  };
}

/** Why the desk refused a definition's options, when it is one we can say in words. */
export type OptionsReason = { reason: "missing" } | { reason: "twice"; options: string };

export function optionsReason(msg: string): OptionsReason | null {
  if (/needs its options/.test(msg)) return { reason: "missing" };
  const twice = /listed twice: (.+)$/.exec(msg);
  if (twice) return { reason: "twice", options: twice[1]! };
  return null;
}
