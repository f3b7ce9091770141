// The customer portal's settings in its inbox's setup (admins): the address to share (the desk
// gives it with the channel setup), the title, whether new customers may sign in, and the
// request form's fields (custom conversation attributes, in order, each required or not).
// Saved with PATCH /inboxes/{id} (the settings object is replaced). The form helpers are pure.
import { request } from "./api";
import type { AttributeDefinition } from "./contactsApi";

/** One field of the request form, as the portal inbox's `fields` setting holds it. */
export interface PortalField {
  key: string;
  required: boolean;
}

export interface PortalSetup {
  inbox_id: number;
  /** `<base url>/portal/<workspace slug>`; null when this inbox is not the workspace's portal. */
  portal_url: string | null;
  settings: Record<string, unknown>;
}

export const portalSettingsApi = {
  setup: (inboxId: number) => request<PortalSetup>("GET", `/inboxes/${inboxId}/channel`),
  save: (inboxId: number, settings: Record<string, unknown>) =>
    request<{ settings: Record<string, unknown> }>("PATCH", `/inboxes/${inboxId}`, { settings }),
};

export type PortalSettingsApi = typeof portalSettingsApi;

export interface PortalDraft {
  title: string;
  allowNewCustomers: boolean;
  fields: PortalField[];
}

/**
 * The draft from the stored settings, read as the portal reads them: a field is a key or
 * {key, required}; other shapes are left out, and a key is taken once.
 */
export function draftOf(settings: Record<string, unknown>): PortalDraft {
  const fields: PortalField[] = [];
  const raw = Array.isArray(settings.fields) ? (settings.fields as unknown[]) : [];
  for (const entry of raw) {
    let field: PortalField | null = null;
    if (typeof entry === "string" && entry) field = { key: entry, required: false };
    else if (typeof entry === "object" && entry !== null) {
      const { key, required } = entry as { key?: unknown; required?: unknown };
      if (typeof key === "string" && key) field = { key, required: required === true };
    }
    if (field && !fields.some((f) => f.key === field.key)) fields.push(field);
  }
  return {
    title: typeof settings.title === "string" ? settings.title : "",
    allowNewCustomers: settings.allow_new_customers !== false,
    fields,
  };
}

/**
 * What a save sends: the stored settings with the form's own replaced (a setting the form does
 * not know stays); an empty title is left out, so the portal shows the workspace's name.
 */
export function settingsOf(
  stored: Record<string, unknown>,
  draft: PortalDraft,
): Record<string, unknown> {
  const rest = { ...stored };
  for (const own of ["title", "fields", "allow_new_customers"]) delete rest[own];
  const title = draft.title.trim();
  return {
    ...rest,
    ...(title ? { title } : {}),
    allow_new_customers: draft.allowNewCustomers,
    fields: draft.fields.map((f) => ({ key: f.key, required: f.required })),
  };
}

/** The conversation attributes the form can still ask for (not chosen yet). */
export function fieldChoices(
  definitions: readonly AttributeDefinition[],
  fields: readonly PortalField[],
): AttributeDefinition[] {
  return definitions.filter(
    (d) => d.applies_to === "conversation" && !fields.some((f) => f.key === d.key),
  );
}

/** The fields with `key` added at the end, optional (once). */
export function withField(fields: readonly PortalField[], key: string): PortalField[] {
  return fields.some((f) => f.key === key) ? [...fields] : [...fields, { key, required: false }];
}

/** The fields with the one at `index` moved by `by` places (kept within the list). */
export function moved(fields: readonly PortalField[], index: number, by: number): PortalField[] {
  const to = Math.min(Math.max(index + by, 0), fields.length - 1);
  const result = [...fields];
  const [field] = result.splice(index, 1);
  if (field) result.splice(to, 0, field);
  return result;
}

export function without(fields: readonly PortalField[], index: number): PortalField[] {
  return fields.filter((_, i) => i !== index);
}
