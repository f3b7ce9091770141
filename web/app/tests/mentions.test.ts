import { describe, expect, it } from "vitest";

import {
  insertMention,
  matchColleagues,
  mentionMarkup,
  mentionQueryAt,
  mentionSegments,
  type Colleague,
} from "../src/mentions";

const PEOPLE: Colleague[] = [
  { id: 1, name: "Anna Petrova", email: "anna@shop.example.com" },
  { id: 2, name: "Boris Annenkov", email: "boris@shop.example.com" },
  { id: 3, name: "Олег Ёлкин", email: "oleg@shop.example.com" },
  { id: 4, name: "Zoe Smith", email: "support-lead@shop.example.com" },
  { id: 5, name: "Anastasia Gone", email: "old@shop.example.com", is_active: false },
];

describe("mentions", () => {
  it("finds the @query being typed at the caret, at the start or after a blank", () => {
    expect(mentionQueryAt("@an", 3)).toEqual({ start: 0, query: "an" });
    expect(mentionQueryAt("Ask @Оле please", 8)).toEqual({ start: 4, query: "Оле" });
    expect(mentionQueryAt("Ask @", 5)).toEqual({ start: 4, query: "" });
    // Not inside a word (an e-mail address), not past a blank, not after the caret.
    expect(mentionQueryAt("mail anna@shop", 14)).toBeNull();
    expect(mentionQueryAt("@anna is", 8)).toBeNull();
    expect(mentionQueryAt("hi @anna", 2)).toBeNull();
  });

  it("offers active colleagues, best match first, never the author", () => {
    const names = (query: string, exclude: number | null = null) =>
      matchColleagues(PEOPLE, query, { exclude }).map((c) => c.name);
    // A name starting with it, then a later word of a name, then a name containing it.
    expect(names("an")).toEqual(["Anna Petrova", "Boris Annenkov"]);
    expect(names("ann", 1)).toEqual(["Boris Annenkov"]);
    expect(names("PET")).toEqual(["Anna Petrova"]);
    expect(names("елк")).toEqual(["Олег Ёлкин"]); // ё and е are one letter for searching
    expect(names("support")).toEqual(["Zoe Smith"]); // by e-mail
    expect(names("anast")).toEqual([]); // deactivated
    expect(names("")).toEqual(["Anna Petrova", "Boris Annenkov", "Zoe Smith", "Олег Ёлкин"]);
    expect(matchColleagues(PEOPLE, "", { limit: 2 })).toHaveLength(2);
  });

  it("writes the mention the desk parses, and puts the caret after it", () => {
    expect(mentionMarkup(PEOPLE[0]!)).toBe("@[Anna Petrova](user:1)");
    expect(mentionMarkup({ id: 9, name: "Odd ]name\nhere" })).toBe("@[Odd name here](user:9)");
    expect(mentionMarkup({ id: 9, name: "]" })).toBe("@[#9](user:9)");

    const text = "Ask @an about it";
    const at = mentionQueryAt(text, 7)!;
    const result = insertMention(text, at, 7, PEOPLE[0]!);
    expect(result.text).toBe("Ask @[Anna Petrova](user:1) about it");
    expect(result.text.slice(0, result.caret)).toBe("Ask @[Anna Petrova](user:1) ");

    const end = insertMention("@z", { start: 0, query: "z" }, 2, PEOPLE[3]!);
    expect(end).toEqual({ text: "@[Zoe Smith](user:4) ", caret: 21 });
  });

  it("cuts a note into text and mentions, as the desk's pattern reads them", () => {
    expect(mentionSegments("Hi @[Anna Petrova](user:1), see @[Олег](user:3)!")).toEqual([
      { kind: "text", text: "Hi " },
      { kind: "mention", name: "Anna Petrova", userId: 1 },
      { kind: "text", text: ", see " },
      { kind: "mention", name: "Олег", userId: 3 },
      { kind: "text", text: "!" },
    ]);
    expect(mentionSegments("plain @anna and @[broken](user:x)")).toEqual([
      { kind: "text", text: "plain @anna and @[broken](user:x)" },
    ]);
    expect(mentionSegments("<b>@[x](user:2)</b>")).toEqual([
      { kind: "text", text: "<b>" },
      { kind: "mention", name: "x", userId: 2 },
      { kind: "text", text: "</b>" },
    ]);
    expect(mentionSegments("")).toEqual([]);
  });
});
