import { describe, expect, it } from "vitest";

import { ALL_EMOJI, EMOJI_GROUPS, emojiName, insertAt, searchEmoji } from "../src/emoji";

const chars = (query: string) => searchEmoji(query).flatMap((g) => g.emoji.map((e) => e.char));

describe("emoji", () => {
  it("is a small set, each emoji once, named in both languages", () => {
    expect(ALL_EMOJI.length).toBeGreaterThan(50);
    expect(ALL_EMOJI.length).toBeLessThan(200);
    expect(new Set(ALL_EMOJI.map((e) => e.char)).size).toBe(ALL_EMOJI.length);
    for (const emoji of ALL_EMOJI) {
      expect(emoji.en).toMatch(/\S/);
      expect(emoji.ru).toMatch(/[а-яё]/i);
    }
    expect(EMOJI_GROUPS.map((g) => g.id)).toEqual(["smileys", "people", "symbols", "objects", "nature"]);
  });

  it("is found by English and Russian names, by the start of a word", () => {
    expect(chars("thumbs up")).toEqual(["👍"]);
    expect(chars("спасибо")).toEqual(["🙏"]);
    expect(chars("Посылка")).toEqual(["📦"]);
    expect(chars("елк")).toEqual([]); // nothing: but ё and е match each other
    expect(chars("ёлк")).toEqual(chars("елк"));
    expect(chars("слезы")).toContain("😂"); // "слёзы"
    expect(chars("heart")).toEqual(expect.arrayContaining(["❤️", "💔", "😍"]));
    expect(chars("umbs")).toEqual([]); // not in the middle of a word
    expect(chars("no such emoji")).toEqual([]);
    expect(chars("👍")).toEqual(["👍"]);
    // Empty: everything, grouped; a search keeps only the groups with a match.
    expect(chars("")).toEqual(ALL_EMOJI.map((e) => e.char));
    expect(searchEmoji("pizza").map((g) => g.id)).toEqual(["nature"]);
  });

  it("shows the first name in the interface's language", () => {
    const thumbs = ALL_EMOJI.find((e) => e.char === "👍")!;
    expect(emojiName(thumbs, "en")).toBe("thumbs up");
    expect(emojiName(thumbs, "ru")).toBe("палец вверх");
  });

  it("is inserted over the selection, the caret after it", () => {
    expect(insertAt("Hello !", 6, 6, "👋")).toEqual({ text: "Hello 👋!", caret: 8 });
    expect(insertAt("Hello world", 6, 11, "🌍")).toEqual({ text: "Hello 🌍", caret: 8 });
    expect(insertAt("", 0, 0, "🙂")).toEqual({ text: "🙂", caret: 2 });
    expect(insertAt("ab", 9, 12, "!")).toEqual({ text: "ab!", caret: 3 }); // clamped
  });
});
