import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { api, ApiError } from "../src/api";
import { attributeValue, contactsApi, type Contact } from "../src/contactsApi";
import { mergeApi } from "../src/mergeApi";
import { untouchedByOthers, useContactStore } from "../src/stores/contact";
import { useTimelineStore } from "../src/stores/timeline";
import { useWorkspaceStore } from "../src/stores/workspace";
import { conversation } from "./fixtures";

function contact(extra: Partial<Contact> = {}): Contact {
  return {
    id: 50,
    name: "Ivan Petrov",
    email: "ivan@example.com",
    phone: null,
    identities: [
      { kind: "email", value: "ivan@example.com" },
      { kind: "telegram", value: "555001" },
    ],
    tags: ["vip"],
    notes: "",
    custom_attributes: { orders: 3 },
    created_at: "2026-11-01T10:00:00Z",
    updated_at: "2026-11-01T10:00:00Z",
    version: "v1",
    ...extra,
  };
}

function conflict(version: string): ApiError {
  return new ApiError({
    status: 409,
    title: "Edit conflict",
    detail: "contact 50 was changed by someone else since you loaded it",
    version,
  } as ConstructorParameters<typeof ApiError>[0]);
}

async function opened(found: Contact = contact()) {
  vi.spyOn(contactsApi, "contact").mockResolvedValue(found);
  vi.spyOn(contactsApi, "conversations").mockResolvedValue({
    items: [conversation({ id: 8, number: 108, last_activity_at: "2026-11-20T09:00:00Z" })],
    next_cursor: null,
    hidden_count: 2,
  });
  vi.spyOn(contactsApi, "definitions").mockResolvedValue([
    { id: 1, applies_to: "contact", key: "orders", label: "Orders", value_type: "number", options: [] },
    { id: 2, applies_to: "conversation", key: "order_no", label: "Order", value_type: "text", options: [] },
  ]);
  vi.spyOn(api, "inboxes").mockResolvedValue([{ id: 1, name: "Telegram", channel_type: "telegram" }]);
  vi.spyOn(api, "users").mockResolvedValue([]);
  vi.spyOn(api, "teams").mockResolvedValue([]);
  vi.spyOn(api, "labels").mockResolvedValue([]);
  vi.spyOn(mergeApi, "duplicates").mockResolvedValue([]);
  const store = useContactStore();
  await store.open(50);
  return store;
}

describe("the contact store", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  it("opens the contact with its history, the count of hidden ones, and the definitions", async () => {
    const store = await opened();
    expect(store.contact?.identities).toHaveLength(2);
    expect(store.history.map((c) => c.id)).toEqual([8]);
    expect(store.hiddenCount).toBe(2);
    expect(store.contactDefinitions.map((d) => d.key)).toEqual(["orders"]);
    expect(store.conversationDefinitions.map((d) => d.key)).toEqual(["order_no"]);
    // Inbox names are the workspace store's (asked for once for every view).
    await useWorkspaceStore().ensure();
    expect(store.inboxes.get(1)?.name).toBe("Telegram");
    expect(api.inboxes).toHaveBeenCalledTimes(1);
    // The same contact again (another conversation of theirs): nothing is fetched again.
    await store.open(50);
    expect(contactsApi.contact).toHaveBeenCalledTimes(1);
  });

  it("saves a field with the version it was based on and takes the desk's answer", async () => {
    const store = await opened();
    const timeline = useTimelineStore();
    timeline.conversation = conversation();
    const saved = contact({ name: "Иван Петров", version: "v2" });
    const update = vi.spyOn(contactsApi, "update").mockResolvedValue(saved);

    const result = await store.save("name", { name: "Иван Петров" }, store.contact!);

    expect(result).toEqual({ ok: true });
    expect(update).toHaveBeenCalledWith(50, { name: "Иван Петров" }, "v1");
    expect(store.contact?.version).toBe("v2");
    // The open conversation's header shows the new name.
    expect(timeline.conversation?.contact.name).toBe("Иван Петров");
    expect(store.saving).toBeNull();
  });

  it("makes the change again when a colleague changed other fields meanwhile", async () => {
    const store = await opened();
    const base = store.contact!;
    const theirs = contact({ notes: "called twice", version: "v2" });
    vi.mocked(contactsApi.contact).mockResolvedValue(theirs);
    const update = vi
      .spyOn(contactsApi, "update")
      .mockRejectedValueOnce(conflict("v2"))
      .mockResolvedValueOnce(contact({ notes: "called twice", name: "Ivan P.", version: "v3" }));

    const result = await store.save("name", { name: "Ivan P." }, base);

    expect(result).toEqual({ ok: true });
    expect(update.mock.calls.map((call) => call[2])).toEqual(["v1", "v2"]);
    expect(store.contact).toMatchObject({ name: "Ivan P.", notes: "called twice" });
    expect(store.errors).toEqual({});
  });

  it("refuses to overwrite a colleague's change of the same field, and says so", async () => {
    const store = await opened();
    const base = store.contact!;
    vi.mocked(contactsApi.contact).mockResolvedValue(contact({ notes: "theirs", version: "v2" }));
    const update = vi.spyOn(contactsApi, "update").mockRejectedValue(conflict("v2"));

    const result = await store.save("notes", { notes: "mine" }, base);

    expect(result).toEqual({ ok: false, conflict: true });
    expect(update).toHaveBeenCalledTimes(1);
    expect(store.contact?.notes).toBe("theirs"); // what is stored now is shown
    expect(store.errors.notes?.conflict).toBe(true);
  });

  it("shows the desk's refusal of a bad value under its field", async () => {
    const store = await opened();
    vi.spyOn(contactsApi, "update").mockRejectedValue(
      new ApiError({ status: 422, detail: "'orders' must be a number, got 'three'" }),
    );

    const result = await store.save(
      "attribute:orders",
      { custom_attributes: { orders: "three" } },
      store.contact!,
    );

    expect(result).toEqual({ ok: false, conflict: false });
    expect(store.errors["attribute:orders"]).toEqual({
      message: "'orders' must be a number, got 'three'",
      conflict: false,
    });
    expect(store.contact?.custom_attributes.orders).toBe(3);
    store.clearError("attribute:orders");
    expect(store.errors).toEqual({});
  });

  it("a taken e-mail (409 without a version) is a refusal, not an edit conflict", async () => {
    const store = await opened();
    vi.spyOn(contactsApi, "update").mockRejectedValue(
      new ApiError({ status: 409, detail: "email a@b.c already belongs to contact 9" }),
    );
    const result = await store.save("email", { email: "a@b.c" }, store.contact!);
    expect(result).toEqual({ ok: false, conflict: false });
    expect(contactsApi.contact).toHaveBeenCalledTimes(1); // no reload: nothing to merge
    expect(store.errors.email?.message).toContain("already belongs");
  });

  it("adds a tag to a colleague's new tags rather than dropping theirs", async () => {
    const store = await opened();
    vi.mocked(contactsApi.contact).mockResolvedValue(contact({ tags: ["refund", "vip"], version: "v2" }));
    const update = vi
      .spyOn(contactsApi, "update")
      .mockRejectedValueOnce(conflict("v2"))
      .mockResolvedValueOnce(contact({ tags: ["new", "refund", "vip"], version: "v3" }));

    const result = await store.changeTags(["new"], []);

    expect(result.ok).toBe(true);
    expect(update.mock.calls).toEqual([
      [50, { tags: ["new", "vip"] }, "v1"],
      [50, { tags: ["new", "refund", "vip"] }, "v2"],
    ]);
    expect(store.errors).toEqual({});
  });

  it("removes a tag", async () => {
    const store = await opened(contact({ tags: ["a", "b"] }));
    const update = vi.spyOn(contactsApi, "update").mockResolvedValue(contact({ tags: ["b"], version: "v2" }));
    expect((await store.changeTags([], ["a"])).ok).toBe(true);
    expect(update).toHaveBeenCalledWith(50, { tags: ["b"] }, "v1");
    expect(store.contact?.tags).toEqual(["b"]);
  });

  it("follows a colleague's edit live, and only of this contact", async () => {
    const store = await opened();
    store.applyEvent({ type: "contact.updated", data: { ...contact({ id: 51, name: "Other", version: "x" }) } });
    expect(store.contact?.name).toBe("Ivan Petrov");
    store.applyEvent({
      type: "contact.updated",
      data: { ...contact({ tags: ["vip", "wholesale"], version: "v2" }) },
    });
    expect(store.contact?.tags).toEqual(["vip", "wholesale"]);
    expect(store.contact?.version).toBe("v2");
  });

  it("puts the contact's new and changed conversations into the history, newest first", async () => {
    const store = await opened();
    const other = { id: 51, name: "Someone", email: null, phone: null };
    store.applyEvent({ type: "conversation.created", data: { ...conversation({ id: 9, contact: other }) } });
    expect(store.history.map((c) => c.id)).toEqual([8]);
    store.applyEvent({
      type: "conversation.created",
      data: { ...conversation({ id: 10, number: 110, last_activity_at: "2026-11-22T15:00:00Z" }) },
    });
    expect(store.history.map((c) => c.id)).toEqual([10, 8]);
    store.applyEvent({
      type: "message.created",
      data: { id: 99, conversation: { id: 8, status: "open", last_activity_at: "2026-11-22T16:00:00Z" } },
    });
    expect(store.history.map((c) => c.id)).toEqual([8, 10]);
    store.applyEvent({ type: "conversation.status_changed", data: { ...conversation({ id: 10, status: "resolved" }) } });
    expect(store.history.find((c) => c.id === 10)?.status).toBe("resolved");
  });

  it("saves a conversation's attribute per key and updates the open conversation", async () => {
    const store = await opened();
    const timeline = useTimelineStore();
    timeline.conversation = conversation();
    const updated = conversation({ custom_attributes: { order_no: "A-17" } });
    const patch = vi.spyOn(contactsApi, "updateConversationAttributes").mockResolvedValue(updated);

    expect(await store.saveConversationAttribute(7, "order_no", "A-17")).toBe(true);
    expect(patch).toHaveBeenCalledWith(7, { order_no: "A-17" });
    expect(timeline.conversation?.custom_attributes).toEqual({ order_no: "A-17" });

    patch.mockRejectedValue(new ApiError({ status: 422, detail: "no custom attribute 'x'" }));
    expect(await store.saveConversationAttribute(7, "x", "1")).toBe(false);
    expect(store.errors["conversation:x"]?.message).toBe("no custom attribute 'x'");
  });

  it("asks for the duplicates with the contact, for the panel to take once, for that version", async () => {
    await opened(); // (the mocks)
    setActivePinia(createPinia());
    let answer!: (found: Contact) => void;
    vi.mocked(contactsApi.contact).mockImplementationOnce(
      () => new Promise((resolve) => (answer = resolve)),
    );
    vi.mocked(mergeApi.duplicates).mockClear();
    const store = useContactStore();
    const opening = store.open(50);
    expect(mergeApi.duplicates).toHaveBeenCalledWith(50); // before the contact is answered
    answer(contact());
    await opening;
    expect(store.takeDuplicates(50, "v2")).toBeNull(); // not about this version: ask anew
    await expect(store.takeDuplicates(50, "v1")).resolves.toEqual([]);
    expect(store.takeDuplicates(50, "v1")).toBeNull(); // taken once
    expect(mergeApi.duplicates).toHaveBeenCalledTimes(1);
  });

  it("reloads after a reconnect", async () => {
    const store = await opened();
    vi.mocked(contactsApi.contact).mockResolvedValue(contact({ notes: "while away", version: "v2" }));
    await store.catchUp();
    expect(store.contact?.notes).toBe("while away");
    expect(contactsApi.definitions).toHaveBeenCalledTimes(2);
  });

  it("shows the panel on a wide screen, and remembers the agent's choice", () => {
    const saved = new Map<string, string>();
    vi.stubGlobal("localStorage", {
      getItem: (key: string) => saved.get(key) ?? null,
      setItem: (key: string, value: string) => saved.set(key, value),
    });
    const wide = vi.fn(() => ({ matches: true }));
    vi.stubGlobal("matchMedia", wide);
    try {
      const store = useContactStore();
      expect(store.panelOpen).toBe(true);
      expect(wide).toHaveBeenCalledWith("(min-width: 1300px)");
      store.togglePanel();
      expect(store.panelOpen).toBe(false);
      expect(saved.get("frontdesk.contactPanel")).toBe("closed");
      // Next time (a reload), the choice wins over the screen's width.
      setActivePinia(createPinia());
      expect(useContactStore().panelOpen).toBe(false);
      saved.clear();
      vi.stubGlobal("matchMedia", () => ({ matches: false }));
      setActivePinia(createPinia());
      expect(useContactStore().panelOpen).toBe(false);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe("contact edits", () => {
  it("can be made again only when nobody else touched their fields", () => {
    const base = contact();
    expect(untouchedByOthers({ name: "X" }, base, contact({ notes: "new", version: "v2" }))).toBe(true);
    expect(untouchedByOthers({ name: "X" }, base, contact({ name: "Y", version: "v2" }))).toBe(false);
    expect(untouchedByOthers({ tags: ["a"] }, base, contact({ tags: ["vip"], version: "v2" }))).toBe(true);
    expect(untouchedByOthers({ tags: ["a"] }, base, contact({ tags: ["vip", "b"] }))).toBe(false);
    const attributes = { custom_attributes: { city: "Omsk" } };
    expect(untouchedByOthers(attributes, base, contact({ custom_attributes: { orders: 4 } }))).toBe(true);
    expect(
      untouchedByOthers(attributes, base, contact({ custom_attributes: { orders: 3, city: "Tver" } })),
    ).toBe(false);
  });

  it("turn an input's text into an attribute value, leaving bad text for the desk to refuse", () => {
    expect(attributeValue("number", "42")).toBe(42);
    expect(attributeValue("number", " 3,5 ")).toBe(3.5);
    expect(attributeValue("number", "three")).toBe("three");
    expect(attributeValue("number", "")).toBeNull();
    expect(attributeValue("boolean", "true")).toBe(true);
    expect(attributeValue("boolean", "false")).toBe(false);
    expect(attributeValue("date", "2026-05-17")).toBe("2026-05-17");
    expect(attributeValue("text", "  hi ")).toBe("hi");
  });
});
