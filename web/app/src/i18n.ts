import { createI18n } from "vue-i18n";

import en, { type Messages } from "./locales/en";
import ru from "./locales/ru";

export const LANGUAGES = ["ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
export const messages: Record<Language, Messages> = { en, ru };

const STORAGE_KEY = "frontdesk.language";

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/** The language the user picked in this browser, if any. */
export function savedLanguage(): Language | null {
  const value = globalThis.localStorage?.getItem(STORAGE_KEY);
  return isLanguage(value) ? value : null;
}

/** Before anyone logs in: the browser's preferred language, when we have it. */
function browserLanguage(): Language {
  const preferred = globalThis.navigator?.language?.slice(0, 2);
  return isLanguage(preferred) ? preferred : "en";
}

export const i18n = createI18n<[Messages], Language, false>({
  legacy: false,
  locale: savedLanguage() ?? browserLanguage(),
  fallbackLocale: "en",
  messages,
});

export function setLanguage(language: Language, { save }: { save: boolean }): void {
  i18n.global.locale.value = language;
  document.documentElement.lang = language;
  if (save) globalThis.localStorage?.setItem(STORAGE_KEY, language);
}
