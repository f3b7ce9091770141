import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { i18n } from "../src/i18n";
import { chooseLanguage, languageAfterLogin, syncPendingLanguage } from "../src/profile";

function memory(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
    items,
  };
}

describe("the user's language", () => {
  beforeEach(() => {
    vi.stubGlobal("document", { documentElement: { lang: "en" } });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    i18n.global.locale.value = "en";
  });

  it("the switch shows it at once and saves it in the profile", async () => {
    const storage = memory();
    const save = vi.fn().mockResolvedValue({});
    await chooseLanguage("ru", save, storage);
    expect(i18n.global.locale.value).toBe("ru");
    expect(save).toHaveBeenCalledWith({ language: "ru" });
    expect(storage.items.has("frontdesk.language.pending")).toBe(false); // confirmed
  });

  it("after a login the profile's language wins over this browser's", () => {
    const storage = memory({ "frontdesk.language": "en" });
    vi.stubGlobal("localStorage", storage);
    expect(languageAfterLogin("ru", storage)).toBe("ru");
    expect(languageAfterLogin("de", storage)).toBe("en"); // not one of ours: the browser's
  });

  it("a choice the desk has not confirmed is kept, used, and sent again", async () => {
    const storage = memory();
    const failing = vi.fn().mockRejectedValue(new Error("the desk is unreachable"));
    await chooseLanguage("ru", failing, storage);
    expect(storage.items.get("frontdesk.language.pending")).toBe("ru");
    // The page reloads before the profile knows: the pending choice is shown...
    expect(languageAfterLogin("en", storage)).toBe("ru");
    // ...and sent again, then forgotten.
    const save = vi.fn().mockResolvedValue({});
    syncPendingLanguage("en", save, storage);
    expect(save).toHaveBeenCalledWith({ language: "ru" });
    await vi.waitFor(() => expect(storage.items.has("frontdesk.language.pending")).toBe(false));
    // Already in the profile: nothing to send.
    storage.setItem("frontdesk.language.pending", "en");
    const unused = vi.fn();
    syncPendingLanguage("en", unused, storage);
    expect(unused).not.toHaveBeenCalled();
    expect(storage.items.has("frontdesk.language.pending")).toBe(false);
  });
});
