// The user's language follows them from browser to browser: the switch saves it in the
// profile, and after a login the profile's language is used. A choice the desk has not
// confirmed yet (offline, or the page reloaded at once) is kept here and sent again.
import { isLanguage, savedLanguage, setLanguage, type Language } from "./i18n";
import { presenceApi, type ProfileChange } from "./presenceApi";

const PENDING_KEY = "frontdesk.language.pending";
type Store = Pick<Storage, "getItem" | "setItem" | "removeItem">;
type Save = (change: ProfileChange) => Promise<unknown>;

/** The language switch: shown at once, saved in this browser and in the profile. */
export async function chooseLanguage(
  language: Language,
  save: Save = presenceApi.updateProfile,
  storage: Store | undefined = globalThis.localStorage,
): Promise<void> {
  setLanguage(language, { save: true });
  storage?.setItem(PENDING_KEY, language);
  try {
    await save({ language });
    if (storage?.getItem(PENDING_KEY) === language) storage.removeItem(PENDING_KEY);
  } catch {
    // Kept pending: sent again after the next login.
  }
}

/** The language to show a logged-in user: a choice still on its way, else the profile's. */
export function languageAfterLogin(
  profileLanguage: string | undefined,
  storage: Store | undefined = globalThis.localStorage,
): Language | null {
  const pending = storage?.getItem(PENDING_KEY);
  if (isLanguage(pending)) return pending;
  if (isLanguage(profileLanguage)) return profileLanguage;
  return savedLanguage();
}

/** Sends a choice the desk has not confirmed yet (after a login or a reload). */
export function syncPendingLanguage(
  profileLanguage: string | undefined,
  save: Save = presenceApi.updateProfile,
  storage: Store | undefined = globalThis.localStorage,
): void {
  const pending = storage?.getItem(PENDING_KEY);
  if (!isLanguage(pending)) return;
  if (pending === profileLanguage) {
    storage?.removeItem(PENDING_KEY);
    return;
  }
  void save({ language: pending })
    .then(() => {
      if (storage?.getItem(PENDING_KEY) === pending) storage.removeItem(PENDING_KEY);
    })
    .catch(() => {
      // Still pending: next time.
    });
}
