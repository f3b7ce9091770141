// The custom attributes screen's API module: the calls it makes, what a form sends (creating,
// and only what an edit changed), the key suggested from a label, and the desk's option refusals.
import { afterEach, describe, expect, it, vi } from "vitest";

import {
  attributesApi,
  byAppliesTo,
  changeOf,
  createOf,
  draftOf,
  emptyDraft,
  keyOf,
  optionsOf,
  optionsReason,
} from "../src/attributesApi";
import type { AttributeDefinition } from "../src/contactsApi";
import { answer, sent, stubFetch } from "./http";

const tier: AttributeDefinition = {
  id: 7,
  applies_to: "contact",
  key: "tier",
  label: "Tier",
  value_type: "list",
  options: ["gold", "silver"],
};
const orders: AttributeDefinition = {
  id: 8,
  applies_to: "conversation",
  key: "order_number",
  label: "Order number",
  value_type: "number",
  options: [],
};

describe("the custom attributes form", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("creates with options for a list only, trimmed, one per line", () => {
    const draft = { ...emptyDraft("conversation"), key: " shop ", label: " Shop ", value_type: "list" as const };
    expect(createOf({ ...draft, options: " Moscow\n\n Kazan \n" })).toEqual({
      applies_to: "conversation",
      key: "shop",
      label: "Shop",
      value_type: "list",
      options: ["Moscow", "Kazan"],
    });
    // Options typed before switching to another type are not sent: the desk refuses them.
    expect(createOf({ ...draft, value_type: "text", options: "Moscow" })).not.toHaveProperty("options");
    expect(optionsOf("a\r\nb")).toEqual(["a", "b"]);
  });

  it("sends only what an edit changed", () => {
    expect(changeOf(tier, draftOf(tier))).toEqual({});
    expect(changeOf(tier, { ...draftOf(tier), label: "Loyalty tier " })).toEqual({ label: "Loyalty tier" });
    expect(changeOf(tier, { ...draftOf(tier), options: "gold\nplatinum" })).toEqual({
      options: ["gold", "platinum"],
    });
    // Reordering is a change too: the order is the one agents pick from.
    expect(changeOf(tier, { ...draftOf(tier), options: "silver\ngold" })).toEqual({
      options: ["silver", "gold"],
    });
    // A number has no options to change.
    expect(changeOf(orders, { ...draftOf(orders), options: "1" })).toEqual({});
  });

  it("suggests a key the desk accepts from a label", () => {
    expect(keyOf("Order number")).toBe("order_number");
    expect(keyOf("Номер заказа")).toBe("nomer_zakaza");
    expect(keyOf("  Delivery address (2)!")).toBe("delivery_address_2");
    expect(keyOf("№ 1")).toBe("");
    const long = keyOf("word ".repeat(30));
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^[a-z][a-z0-9_]*[a-z0-9]$/);
  });

  it("groups the definitions by what they apply to", () => {
    expect(byAppliesTo([orders, tier])).toEqual({ contact: [tier], conversation: [orders] });
  });

  it("reads the desk's refusal of options", () => {
    expect(optionsReason("a list attribute needs its options")).toEqual({ reason: "missing" });
    expect(optionsReason("options are listed twice: gold, silver")).toEqual({
      reason: "twice",
      options: "gold, silver",
    });
    expect(optionsReason("options.0: String should have at most 200 characters")).toBeNull();
  });

  it("calls the desk", async () => {
    const fetch = stubFetch(
      answer(200, [tier]),
      answer(201, orders),
      answer(200, { ...tier, label: "Level" }),
      answer(204),
    );
    expect(await attributesApi.definitions()).toEqual([tier]);
    await attributesApi.create(createOf({ ...draftOf(orders) }));
    await attributesApi.update(7, { label: "Level" });
    expect(await attributesApi.remove(7)).toBeUndefined();
    expect(sent(fetch, 0)).toMatchObject({ url: "/api/v1/custom-attributes", method: "GET" });
    expect(sent(fetch, 1)).toEqual({
      url: "/api/v1/custom-attributes",
      method: "POST",
      body: { applies_to: "conversation", key: "order_number", label: "Order number", value_type: "number" },
    });
    expect(sent(fetch, 2)).toEqual({
      url: "/api/v1/custom-attributes/7",
      method: "PATCH",
      body: { label: "Level" },
    });
    expect(sent(fetch, 3)).toMatchObject({ url: "/api/v1/custom-attributes/7", method: "DELETE" });
  });
});
