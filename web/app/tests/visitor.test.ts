import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { ApiError } from "../src/api";
import { useVisitorStore } from "../src/stores/visitor";
import { webchatApi, type Visitor } from "../src/webchatApi";

function visitor(extra: Partial<Visitor> = {}): Visitor {
  return {
    identified: false,
    identifier: null,
    name: "Ivan",
    email: null,
    phone: null,
    consent_at: null,
    followup_email: null,
    current_url: "https://shop.example.com/catalog",
    page_title: "Catalog",
    referrer: null,
    browser: "Chrome 131 on Windows",
    user_agent: "Mozilla/5.0",
    language: "ru-RU",
    pages: [],
    first_seen_at: "2026-11-22T10:00:00Z",
    last_seen_at: "2026-11-22T10:05:00Z",
    ...extra,
  };
}

describe("the website visitor store", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  it("loads the visitor of the open conversation, and again when the widget reports news", async () => {
    const get = vi
      .spyOn(webchatApi, "visitor")
      .mockResolvedValueOnce(visitor())
      .mockResolvedValueOnce(visitor({ current_url: "https://shop.example.com/cart" }));
    const store = useVisitorStore();
    await store.open(7);
    expect(get).toHaveBeenCalledWith(7);
    expect(store.visitor?.current_url).toBe("https://shop.example.com/catalog");
    store.applyEvent({ type: "webchat.visitor_updated", conversation_id: 8, data: {} });
    store.applyEvent({ type: "message.created", conversation_id: 7, data: {} });
    expect(get).toHaveBeenCalledTimes(1);
    store.applyEvent({ type: "webchat.visitor_updated", conversation_id: 7, data: {} });
    await vi.waitFor(() => expect(store.visitor?.current_url).toBe("https://shop.example.com/cart"));
  });

  it("shows nothing for a conversation without a visitor, and says when loading failed", async () => {
    vi.spyOn(webchatApi, "visitor").mockRejectedValueOnce(
      new ApiError({ status: 404, title: "Not found", detail: "no website visitor" }),
    );
    const store = useVisitorStore();
    await store.open(7);
    expect(store.visitor).toBeNull();
    expect(store.error).toBeNull();
    vi.spyOn(webchatApi, "visitor").mockRejectedValueOnce(new Error("boom"));
    await store.open(9);
    expect(store.error).toBe("boom");
  });

  it("keeps the answer of the conversation open now, not of one left meanwhile", async () => {
    let answer: (value: Visitor) => void = () => undefined;
    vi.spyOn(webchatApi, "visitor")
      .mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)))
      .mockResolvedValueOnce(visitor({ name: "Second" }));
    const store = useVisitorStore();
    const first = store.open(7);
    await store.open(8);
    answer(visitor({ name: "First" }));
    await first;
    expect(store.visitor?.name).toBe("Second");
    store.close();
    expect(store.visitor).toBeNull();
  });
});
