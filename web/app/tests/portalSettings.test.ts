// The portal settings form: the draft read as the portal reads its settings, what a save sends
// (the settings replaced, other keys kept), choosing and ordering the request form's fields.
import { afterEach, describe, expect, it, vi } from "vitest";

import type { AttributeDefinition } from "../src/contactsApi";
import {
  draftOf,
  fieldChoices,
  moved,
  portalSettingsApi,
  settingsOf,
  withField,
  without,
} from "../src/portalSettingsApi";
import { answer, sent, stubFetch } from "./http";

function definition(id: number, key: string, applies_to: "contact" | "conversation"): AttributeDefinition {
  return { id, applies_to, key, label: key.toUpperCase(), value_type: "text", options: [] };
}

describe("the portal settings form", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("reads the fields as the portal does: keys or {key, required}, once, other shapes skipped", () => {
    const draft = draftOf({
      title: "Shop support",
      allow_new_customers: false,
      fields: ["order_number", { key: "city", required: true }, { key: "shop", required: "yes" },
        "order_number", 5, { required: true }, ""],
    });
    expect(draft).toEqual({
      title: "Shop support",
      allowNewCustomers: false,
      fields: [
        { key: "order_number", required: false },
        { key: "city", required: true },
        { key: "shop", required: false },
      ],
    });
    // The defaults: no title (the workspace's name), anyone may sign in, no fields.
    expect(draftOf({ fields: "order_number", title: 3 })).toEqual({
      title: "",
      allowNewCustomers: true,
      fields: [],
    });
  });

  it("saves the whole settings object, keeping keys the form does not know", () => {
    const stored = { title: "Old", fields: ["a"], allow_new_customers: true, theme: "dark" };
    const draft = { title: " Shop support ", allowNewCustomers: false, fields: [{ key: "b", required: true }] };
    expect(settingsOf(stored, draft)).toEqual({
      theme: "dark",
      title: "Shop support",
      allow_new_customers: false,
      fields: [{ key: "b", required: true }],
    });
    // An empty title is left out: the portal then shows the workspace's name.
    expect(settingsOf(stored, { ...draft, title: "  " })).not.toHaveProperty("title");
    expect(stored.title).toBe("Old");
  });

  it("offers the conversation attributes not on the form yet, and orders the fields", () => {
    const definitions = [definition(1, "tier", "contact"), definition(2, "a", "conversation"),
      definition(3, "b", "conversation"), definition(4, "c", "conversation")];
    let fields = withField([], "a");
    fields = withField(fields, "c");
    fields = withField(fields, "a");
    expect(fields).toEqual([{ key: "a", required: false }, { key: "c", required: false }]);
    expect(fieldChoices(definitions, fields).map((d) => d.key)).toEqual(["b"]);
    fields = withField(fields, "b");
    expect(moved(fields, 2, -1).map((f) => f.key)).toEqual(["a", "b", "c"]);
    expect(moved(fields, 0, -1).map((f) => f.key)).toEqual(["a", "c", "b"]);
    expect(moved(fields, 2, 1).map((f) => f.key)).toEqual(["a", "c", "b"]);
    expect(moved(fields, 0, 2).map((f) => f.key)).toEqual(["c", "b", "a"]);
    expect(without(fields, 1).map((f) => f.key)).toEqual(["a", "b"]);
    expect(fields.map((f) => f.key)).toEqual(["a", "c", "b"]);
  });

  it("reads the setup and saves with PATCH settings", async () => {
    const setup = { inbox_id: 12, portal_url: "https://desk.example.com/portal/acme", settings: {} };
    const fetch = stubFetch(answer(200, setup), answer(200, { id: 12, settings: { fields: [] } }));
    expect(await portalSettingsApi.setup(12)).toEqual(setup);
    await portalSettingsApi.save(12, { fields: [{ key: "a", required: true }] });
    const [read, saved] = [sent(fetch, 0), sent(fetch, 1)];
    expect([read.url, read.method]).toEqual(["/api/v1/inboxes/12/channel", "GET"]);
    expect([saved.url, saved.method]).toEqual(["/api/v1/inboxes/12", "PATCH"]);
    expect(saved.body).toEqual({ settings: { fields: [{ key: "a", required: true }] } });
  });
});
