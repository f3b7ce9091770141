import { describe, expect, it } from "vitest";

import { chooseLanguage, dictionaries, translate } from "../src/i18n";

describe("language", () => {
  it("is the browser's first language the inbox offers", () => {
    expect(chooseLanguage(["ru-RU", "en-US"], ["en", "ru"])).toBe("ru");
    expect(chooseLanguage(["de-DE", "en-GB"], ["en", "ru"])).toBe("en");
    expect(chooseLanguage(["ru"], ["en"])).toBe("en");
    expect(chooseLanguage(["fr"], ["ru", "en"])).toBe("ru");
    expect(chooseLanguage([], [])).toBe("en");
  });

  it("has every text in both languages, translated", () => {
    const english = dictionaries.en;
    const russian = dictionaries.ru;
    expect(Object.keys(russian).sort()).toEqual(Object.keys(english).sort());
    for (const key of Object.keys(english) as (keyof typeof english)[]) {
      expect(russian[key].trim(), key).not.toBe("");
      // Placeholders survive translation.
      const names = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
      expect(names(russian[key]), key).toEqual(names(english[key]));
      if (!/^[\d{}\s·.,:!?-]*$/.test(english[key])) expect(russian[key], key).not.toBe(english[key]);
    }
  });

  it("fills in placeholders", () => {
    expect(translate("en", "typing", { name: "Anna" })).toBe("Anna is typing…");
    expect(translate("ru", "typing", { name: "Анна" })).toBe("Анна печатает…");
    expect(translate("en", "typing")).toBe("{name} is typing…");
  });
});
