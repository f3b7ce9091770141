// The website chat widget's settings in the inbox settings (admins): the setup the desk shows
// (snippet, identity secret, current settings), saving the settings (PATCH /inboxes/{id}: the
// whole object, the secret kept) and a new secret. The form helpers are pure.
import { ApiError, request } from "./api";
import type { FieldProblem, FormProblems } from "./settingsApi";

export type FieldMode = "off" | "optional" | "required";
export type WidgetLanguage = "en" | "ru";
export type Position = "right" | "left";
export type ReplyTime = "minutes" | "hour" | "day";

export const FIELD_MODES: readonly FieldMode[] = ["off", "optional", "required"];
export const WIDGET_LANGUAGES: readonly WidgetLanguage[] = ["en", "ru"];
export const POSITIONS: readonly Position[] = ["right", "left"];
export const REPLY_TIMES: readonly ReplyTime[] = ["minutes", "hour", "day"];
export const PRECHAT_FIELDS = ["name", "email", "phone", "consent"] as const;
export type PrechatField = (typeof PRECHAT_FIELDS)[number];

export type PrechatFields = Record<PrechatField, FieldMode>;

/** A webchat inbox's settings as the desk checks them (docs/widget.md). */
export interface WidgetSettings {
  title: string;
  greeting: string | Partial<Record<WidgetLanguage, string>>;
  color: string;
  position: Position;
  languages: WidgetLanguage[];
  allowed_domains: string[];
  prechat: PrechatFields;
  privacy_url?: string | null;
  csat: boolean;
  require_identity: boolean;
  reply_time: ReplyTime;
  website: string;
}

export interface WebchatSetup {
  inbox_id: number;
  public_id: string;
  script_url: string;
  /** The tag to paste into the site. */
  snippet: string;
  /** A page of the desk's with the snippet on it, to try the chat without a site. */
  preview_url: string;
  /** Shown to admins only: the host site signs its users' ids with it. */
  identity_secret: string;
  settings: WidgetSettings;
}

export const widgetSettingsApi = {
  setup: (inboxId: number) => request<WebchatSetup>("GET", `/inboxes/${inboxId}/webchat`),
  /** Replaces the settings (keys left out take their defaults; the identity secret stays). */
  save: (inboxId: number, settings: WidgetSettings) =>
    request<unknown>("PATCH", `/inboxes/${inboxId}`, { settings }),
  /** A new identity secret: signatures made with the old one are refused from now on. */
  rotateSecret: (inboxId: number) =>
    request<WebchatSetup>("POST", `/inboxes/${inboxId}/webchat/identity-secret`),
};

export type WidgetSettingsApi = typeof widgetSettingsApi;

/** The form's state: texts as typed, the domains one per line. */
export interface WidgetDraft {
  title: string;
  color: string;
  position: Position;
  languages: WidgetLanguage[];
  greeting: Record<WidgetLanguage, string>;
  allowedDomains: string;
  prechat: PrechatFields;
  privacyUrl: string;
  csat: boolean;
  requireIdentity: boolean;
  replyTime: ReplyTime;
  website: string;
}

function pick<T extends string>(value: unknown, options: readonly T[], fallback: T): T {
  return options.includes(value as T) ? (value as T) : fallback;
}

/** The draft from the stored settings (read defensively: settings are JSON). */
export function draftOf(settings: Partial<WidgetSettings>): WidgetDraft {
  const greeting = settings.greeting;
  const texts: Record<WidgetLanguage, string> =
    typeof greeting === "string"
      ? { en: greeting, ru: greeting }
      : { en: greeting?.en ?? "", ru: greeting?.ru ?? "" };
  const prechat = (settings.prechat ?? {}) as Partial<PrechatFields>;
  const languages = (settings.languages ?? []).filter((l) => WIDGET_LANGUAGES.includes(l));
  return {
    title: settings.title ?? "",
    color: settings.color ?? "#2563eb",
    position: pick(settings.position, POSITIONS, "right"),
    languages: languages.length ? [...languages] : [...WIDGET_LANGUAGES],
    greeting: texts,
    allowedDomains: (settings.allowed_domains ?? []).join("\n"),
    prechat: Object.fromEntries(
      PRECHAT_FIELDS.map((f) => [f, pick(prechat[f], FIELD_MODES, "off")]),
    ) as PrechatFields,
    privacyUrl: settings.privacy_url ?? "",
    csat: settings.csat ?? true,
    requireIdentity: settings.require_identity ?? false,
    replyTime: pick(settings.reply_time, REPLY_TIMES, "minutes"),
    website: settings.website ?? "",
  };
}

/**
 * What a save sends: every setting (the object is replaced). One greeting for all languages
 * when they say the same, else one per language; the domains split on lines and commas.
 */
export function settingsOf(draft: WidgetDraft): WidgetSettings {
  const en = draft.greeting.en.trim();
  const ru = draft.greeting.ru.trim();
  const greeting = en === ru ? en : { ...(en ? { en } : {}), ...(ru ? { ru } : {}) };
  return {
    title: draft.title.trim(),
    greeting,
    color: draft.color.trim(),
    position: draft.position,
    // In the order offered (the first is the fallback language).
    languages: WIDGET_LANGUAGES.filter((l) => draft.languages.includes(l)),
    allowed_domains: draft.allowedDomains
      .split(/[\n,]/)
      .map((d) => d.trim())
      .filter(Boolean),
    prechat: { ...draft.prechat },
    privacy_url: draft.privacyUrl.trim() || null,
    csat: draft.csat,
    require_identity: draft.requireIdentity,
    reply_time: draft.replyTime,
    website: draft.website.trim(),
  };
}

/**
 * A refused save as the form shows it: each error of the problem+json beside its setting
 * (`loc` ["body", "settings", <setting>, …]; the first one per setting), the rest in one
 * general line. Anything that is not an ApiError is a bug, and is thrown on.
 */
export function widgetProblems(error: unknown): FormProblems {
  if (!(error instanceof ApiError)) throw error;
  const fields: Record<string, FieldProblem> = {};
  const unplaced: string[] = [];
  for (const entry of error.problem.errors ?? []) {
    const [where, group, setting] = entry.loc;
    if (where === "body" && group === "settings" && typeof setting === "string") {
      fields[setting] ??= { type: entry.type, msg: entry.msg };
    } else {
      unplaced.push(entry.msg);
    }
  }
  const placed = Object.keys(fields).length > 0;
  const general = placed ? (unplaced.length ? unplaced.join("; ") : null) : error.message;
  return { fields, general };
}

/** The value an error quotes (pydantic's messages say 'this'), if any. */
export function quoted(msg: string): string | null {
  return /'([^']*)'/.exec(msg)?.[1] ?? null;
}
