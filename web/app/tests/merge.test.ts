// Duplicate contacts: what a merge moves (the confirmation's list), the merge call, and how
// an open contact panel follows a merge made anywhere (contact.merged).
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { api } from "../src/api";
import { contactsApi, type Contact } from "../src/contactsApi";
import { mergeApi, mergePlan, type ContactDuplicate } from "../src/mergeApi";
import { useContactStore } from "../src/stores/contact";

function contact(extra: Partial<Contact> = {}): Contact {
  return {
    id: 50,
    name: "Мария Иванова",
    email: "maria@example.com",
    phone: null,
    identities: [{ kind: "email", value: "maria@example.com" }],
    tags: ["vip"],
    notes: "Prefers calls after 18:00",
    custom_attributes: { tier: "gold" },
    created_at: "2026-11-01T10:00:00Z",
    updated_at: "2026-11-01T10:00:00Z",
    version: "v1",
    ...extra,
  };
}

const masha: ContactDuplicate = {
  contact: contact({
    id: 61,
    name: "Masha",
    email: null,
    phone: "+79161234567",
    identities: [
      { kind: "whatsapp", value: "+79161234567" },
      { kind: "phone", value: "+79161234567" },
      { kind: "email", value: "maria@example.com" },
    ],
    tags: ["vip", "late-payer"],
    notes: "Ordered twice in March",
    custom_attributes: { tier: "silver", orders: 2 },
    version: "m1",
  }),
  reasons: [{ kind: "phone", value: "9161234567" }],
  conversation_count: 3,
};

describe("what a merge moves", () => {
  it("lists the conversations, new channels, tags, notes, attributes and empty fields filled", () => {
    expect(mergePlan(contact(), masha)).toEqual({
      conversations: 3,
      identities: [
        { kind: "whatsapp", value: "+79161234567" },
        { kind: "phone", value: "+79161234567" },
      ],
      tags: ["late-payer"],
      notes: true,
      attributes: ["orders"],
      fills: ["phone"],
    });
  });

  it("leaves out what the survivor already has", () => {
    const same = { ...masha, contact: contact({ id: 62 }), conversation_count: 0 };
    expect(mergePlan(contact(), same)).toEqual({
      conversations: 0,
      identities: [],
      tags: [],
      notes: false,
      attributes: [],
      fills: [],
    });
    // An unnamed survivor takes the other's name.
    expect(mergePlan(contact({ name: "" }), masha).fills).toEqual(["name", "phone"]);
  });

  it("calls the desk with the contact that goes", async () => {
    const fetch = vi.fn().mockResolvedValue(
      new Response(JSON.stringify(contact()), { status: 200, headers: { "content-type": "application/json" } }),
    );
    vi.stubGlobal("fetch", fetch);
    vi.stubGlobal("document", { cookie: "frontdesk_csrf=tok" });
    await mergeApi.merge(50, 61);
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/v1/contacts/50/merge");
    expect(init.method).toBe("POST");
    expect(JSON.parse(init.body as string)).toEqual({ other_id: 61 });
    vi.unstubAllGlobals();
  });
});

describe("an open contact panel after a merge", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  async function showing(id: number) {
    const fetched = vi
      .spyOn(contactsApi, "contact")
      .mockImplementation((wanted: number) => Promise.resolve(contact({ id: wanted, version: `v${wanted}` })));
    vi.spyOn(contactsApi, "conversations").mockResolvedValue({ items: [], next_cursor: null, hidden_count: 0 });
    vi.spyOn(contactsApi, "definitions").mockResolvedValue([]);
    vi.spyOn(api, "inboxes").mockResolvedValue([]);
    vi.spyOn(api, "users").mockResolvedValue([]);
    vi.spyOn(api, "teams").mockResolvedValue([]);
    vi.spyOn(api, "labels").mockResolvedValue([]);
    vi.spyOn(mergeApi, "duplicates").mockResolvedValue([]);
    const store = useContactStore();
    await store.open(id);
    return { store, fetched };
  }

  it("showing the merged contact, switches to the survivor", async () => {
    const { store, fetched } = await showing(61);
    store.applyEvent({ type: "contact.merged", data: { contact_id: 50, merged_id: 61 } });
    await vi.waitFor(() => expect(store.contact?.id).toBe(50));
    expect(store.contactId).toBe(50);
    expect(fetched).toHaveBeenLastCalledWith(50);
  });

  it("showing the survivor, loads it again with the history it gained", async () => {
    const { store, fetched } = await showing(50);
    const history = vi.mocked(contactsApi.conversations);
    store.applyEvent({ type: "contact.merged", data: { contact_id: 50, merged_id: 61 } });
    await vi.waitFor(() => expect(fetched).toHaveBeenCalledTimes(2));
    expect(history).toHaveBeenCalledTimes(2);
    expect(store.contactId).toBe(50);
  });

  it("showing someone else, does nothing", async () => {
    const { store, fetched } = await showing(70);
    store.applyEvent({ type: "contact.merged", data: { contact_id: 50, merged_id: 61 } });
    await Promise.resolve();
    expect(fetched).toHaveBeenCalledTimes(1);
    expect(store.contactId).toBe(70);
  });
});
