import { afterEach, describe, expect, it, vi } from "vitest";

import { api } from "../src/api";
import { fillVariables, insertReply, slashQueryAt } from "../src/canned";

const VALUES = {
  "contact.name": "Ivan Petrov",
  "contact.email": "ivan@example.com",
  "agent.name": "Anna",
};

describe("fillVariables", () => {
  it("fills the contact's and the agent's variables, every time they occur", () => {
    expect(
      fillVariables(
        "Здравствуйте, {{contact.name}}! Я {{agent.name}}. {{contact.name}}, пишем на {{contact.email}}.",
        VALUES,
      ),
    ).toBe("Здравствуйте, Ivan Petrov! Я Anna. Ivan Petrov, пишем на ivan@example.com.");
  });

  it("allows blanks inside the braces", () => {
    expect(fillVariables("Hi {{ contact.name }}", VALUES)).toBe("Hi Ivan Petrov");
  });

  it("leaves unknown variables as they are", () => {
    expect(fillVariables("Order {{order.number}} for {{contact.name}}", VALUES)).toBe(
      "Order {{order.number}} for Ivan Petrov",
    );
    expect(fillVariables("{{constructor}} {{toString}}", VALUES)).toBe("{{constructor}} {{toString}}");
  });

  it("leaves a variable with no value (a contact without e-mail) for the agent to see", () => {
    expect(fillVariables("Mail: {{contact.email}}", { "contact.email": null })).toBe(
      "Mail: {{contact.email}}",
    );
    expect(fillVariables("Mail: {{contact.email}}", { "contact.email": "" })).toBe(
      "Mail: {{contact.email}}",
    );
  });

  it("does not read a filled value as a pattern", () => {
    expect(fillVariables("Hi {{contact.name}}", { "contact.name": "$& $1 {{agent.name}}" })).toBe(
      "Hi $& $1 {{agent.name}}",
    );
  });

  it("leaves text without variables alone", () => {
    expect(fillVariables("Thanks! {not} {{}} {{ }}", VALUES)).toBe("Thanks! {not} {{}} {{ }}");
  });
});

describe("slashQueryAt", () => {
  it("finds a / at the start of the box", () => {
    expect(slashQueryAt("/hel", 4)).toEqual({ start: 0, query: "hel" });
    expect(slashQueryAt("/", 1)).toEqual({ start: 0, query: "" });
  });

  it("finds a / after a blank or a new line", () => {
    expect(slashQueryAt("Hi /ship", 8)).toEqual({ start: 3, query: "ship" });
    expect(slashQueryAt("Hi\n/ship", 8)).toEqual({ start: 3, query: "ship" });
  });

  it("looks only up to the caret", () => {
    expect(slashQueryAt("/hello there", 3)).toEqual({ start: 0, query: "he" });
    expect(slashQueryAt("/hello there", 12)).toBeNull();
  });

  it("ignores a / inside a word, a path or a finished word", () => {
    expect(slashQueryAt("and/or", 6)).toBeNull();
    expect(slashQueryAt("see https://x.io/a", 18)).toBeNull();
    expect(slashQueryAt("/hello ", 7)).toBeNull();
    expect(slashQueryAt("", 0)).toBeNull();
  });
});

describe("insertReply", () => {
  it("replaces the /query with the reply and puts the caret after it", () => {
    const text = "Hi /hel and more";
    expect(insertReply(text, { start: 3, query: "hel" }, 7, "Hello!")).toEqual({
      text: "Hi Hello! and more",
      caret: 9,
    });
  });

  it("works at the start of the box", () => {
    expect(insertReply("/hel", { start: 0, query: "hel" }, 4, "Hello")).toEqual({
      text: "Hello",
      caret: 5,
    });
  });
});

describe("api.cannedResponses", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("asks for the typed text, encoded, and for everything when nothing is typed", async () => {
    const fetch = vi.fn().mockImplementation(
      () =>
        new Response("[]", { status: 200, headers: { "content-type": "application/json" } }),
    );
    vi.stubGlobal("fetch", fetch);

    await api.cannedResponses("hel lo&x");
    await api.cannedResponses("");

    expect(fetch.mock.calls.map((call) => call[0] as string)).toEqual([
      "/api/v1/canned-responses?q=hel+lo%26x",
      "/api/v1/canned-responses",
    ]);
  });
});
