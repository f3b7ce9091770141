import { describe, expect, it } from "vitest";

import { browserStore, Outbox, pendingMessage, type Store } from "../src/queue";

function memory(): Store & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: (key) => data.get(key) ?? null,
    set: (key, value) => void data.set(key, value),
    remove: (key) => void data.delete(key),
  };
}

describe("the outbox of unsent messages", () => {
  it("keeps them in order across reloads until the desk confirms each", () => {
    const store = memory();
    const outbox = new Outbox(store, "q");
    outbox.add({ client_id: "a", content: "first", created_at: "t1" });
    outbox.add({ client_id: "b", content: "second", created_at: "t2" });
    outbox.add({ client_id: "a", content: "first", created_at: "t1" }); // queued again: once
    const reloaded = new Outbox(store, "q");
    expect(reloaded.items().map((i) => i.client_id)).toEqual(["b", "a"]);
    reloaded.remove("a");
    reloaded.remove("b");
    expect(reloaded.items()).toEqual([]);
    expect(store.data.has("q")).toBe(false);
  });

  it("survives what another script left in storage", () => {
    const store = memory();
    store.set("q", "{not json");
    expect(new Outbox(store, "q").items()).toEqual([]);
    store.set("q", JSON.stringify([{ client_id: 1 }, { client_id: "ok", content: "x", created_at: "t" }]));
    expect(new Outbox(store, "q").items().map((i) => i.client_id)).toEqual(["ok"]);
  });

  it("keeps at most 50", () => {
    const outbox = new Outbox(memory(), "q");
    for (let i = 0; i < 60; i++) outbox.add({ client_id: `c${i}`, content: "x", created_at: "t" });
    expect(outbox.items()).toHaveLength(50);
    expect(outbox.items()[0]?.client_id).toBe("c10");
  });

  it("shows a queued message as the visitor's, pending", () => {
    const shown = pendingMessage({ client_id: "a", content: "hi", created_at: "t" }, "queued");
    expect(shown).toMatchObject({ id: 0, client_id: "a", author: "visitor", pending: "queued" });
  });
});

describe("browser storage", () => {
  it("falls back to memory when the browser refuses", () => {
    const refusing = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceeded");
      },
      removeItem: () => {
        throw new Error("SecurityError");
      },
    } as unknown as Storage;
    const store = browserStore(refusing);
    store.set("k", "v");
    expect(store.get("k")).toBe("v");
    store.remove("k");
    expect(store.get("k")).toBeNull();
    expect(browserStore(undefined).get("x")).toBeNull();
  });
});
