import { defineStore } from "pinia";
import { ref } from "vue";

import { api, ApiError, type Me } from "../api";
import { savedLanguage, setLanguage } from "../i18n";
import { languageAfterLogin, syncPendingLanguage } from "../profile";

export const useSessionStore = defineStore("session", () => {
  const me = ref<Me | null>(null);
  const checked = ref(false);

  function adopt(user: Me | null): void {
    me.value = user;
    checked.value = true;
    // Logged in: the profile's language (see profile.ts); before that, this browser's.
    const language = user ? languageAfterLogin(user.language) : savedLanguage();
    if (language) setLanguage(language, { save: user !== null });
    if (user) syncPendingLanguage(user.language);
  }

  /** Who is logged in: null when no session (401). */
  async function check(): Promise<Me | null> {
    try {
      adopt(await api.me());
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      adopt(null);
    }
    return me.value;
  }

  async function login(email: string, password: string): Promise<void> {
    await api.login(email, password);
    adopt(await api.me());
  }

  async function logout(): Promise<void> {
    try {
      await api.logout();
    } catch (error) {
      // An expired session is logged out already.
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
    }
    me.value = null;
  }

  function expired(): void {
    me.value = null;
  }

  return { me, checked, check, login, logout, expired };
});
