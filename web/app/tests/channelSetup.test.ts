// Channel setup forms: the draft from the stored (masked) settings, what a save sends (empty
// secrets kept, numbers as numbers), WhatsApp templates, and the calls made.
import { afterEach, describe, expect, it, vi } from "vitest";

import {
  channelSetupApi,
  draftOf,
  fieldsOf,
  secretSet,
  templatesOf,
  withApproved,
} from "../src/channelSetupApi";
import { answer, sent, stubFetch } from "./http";

describe("the channel setup form", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("starts from the stored settings with secrets empty", () => {
    const stored = { group_id: 229876543, access_token: "set", secret: "not set", confirmation_code: "a1b2" };
    expect(draftOf("vk", stored)).toEqual({
      group_id: "229876543",
      access_token: "",
      secret: "",
      confirmation_code: "a1b2",
    });
    expect(secretSet(stored, "access_token")).toBe(true);
    expect(secretSet(stored, "secret")).toBe(false);
    // E-mail security defaults to TLS; unknown shapes become empty text.
    const mail = draftOf("email", { email: "support@shop.example", imap_port: 143, imap_folder: { x: 1 } });
    expect(mail).toMatchObject({ email: "support@shop.example", imap_port: "143", imap_security: "ssl", imap_folder: "" });
  });

  it("sends numbers as numbers and leaves out empty secrets and ports", () => {
    const draft = {
      ...draftOf("email", {}),
      email: " support@shop.example ",
      imap_host: "imap.shop.example",
      imap_port: "143",
      imap_security: "starttls",
      imap_password: "",
      smtp_port: "",
      smtp_password: "s3cret",
    };
    const fields = fieldsOf("email", draft);
    expect(fields).toMatchObject({
      email: "support@shop.example",
      imap_host: "imap.shop.example",
      imap_port: 143,
      imap_security: "starttls",
      smtp_password: "s3cret",
    });
    expect(fields).not.toHaveProperty("imap_password");
    expect(fields).not.toHaveProperty("smtp_port");
    // Not a number: sent as typed, for the desk to refuse by name.
    expect(fieldsOf("vk", { group_id: "shop" })).toEqual({ group_id: "shop", confirmation_code: "" });
  });

  it("keeps WhatsApp templates and adds the approved ones Meta lists", () => {
    const stored = templatesOf({ templates: [{ name: "order_update", language: "ru", parameters: 2 }, "junk"] });
    expect(stored).toEqual([{ name: "order_update", language: "ru", parameters: 2 }]);
    expect(templatesOf({})).toEqual([]);
    const found = [
      { name: "order_update", language: "ru", parameters: 2, status: "approved" },
      { name: "hello", language: "en_US", parameters: 1, status: "approved" },
      { name: "promo", language: "ru", parameters: 0, status: "rejected" },
    ];
    expect(withApproved(stored, found)).toEqual([
      { name: "order_update", language: "ru", parameters: 2 },
      { name: "hello", language: "en_US", parameters: 1 },
    ]);
    const fields = fieldsOf("whatsapp", { phone_number_id: "1065", access_token: "" }, [
      { name: " hello ", language: "en_US", parameters: 1 },
    ]);
    expect(fields).toEqual({
      phone_number_id: "1065",
      business_account_id: "",
      templates: [{ name: "hello", language: "en_US", parameters: 1 }],
    });
  });

  it("saves, tests and connects through the channel's endpoints", async () => {
    let fetch = stubFetch(answer(200, {}));
    await channelSetupApi.save(8, { group_id: 1 });
    expect(sent(fetch)).toEqual({ url: "/api/v1/inboxes/8/channel", method: "PUT", body: { group_id: 1 } });
    fetch = stubFetch(answer(200, { ok: true, checks: [], templates: [] }));
    await channelSetupApi.check(8, { imap_password: "x" });
    expect(sent(fetch)).toEqual({
      url: "/api/v1/inboxes/8/channel/check",
      method: "POST",
      body: { imap_password: "x" },
    });
    fetch = stubFetch(answer(200, {}));
    await channelSetupApi.connectTelegram(9, "123:abc");
    expect(sent(fetch)).toEqual({
      url: "/api/v1/inboxes/9/telegram/connect",
      method: "POST",
      body: { bot_token: "123:abc" },
    });
    fetch = stubFetch(answer(201, { id: 10 }));
    await channelSetupApi.createInbox("Shop VK", "vk");
    expect(sent(fetch).body).toEqual({ name: "Shop VK", channel_type: "vk" });
    fetch = stubFetch(answer(201, { token: "fdi_x", webhook_url: "http://desk/hooks/api/p/messages" }));
    expect((await channelSetupApi.newToken(10)).token).toBe("fdi_x");
    expect(sent(fetch)).toMatchObject({ url: "/api/v1/inboxes/10/channel/token", method: "POST" });
    fetch = stubFetch(answer(201, { secret: "whsec_x" }));
    expect((await channelSetupApi.newWebhookSecret(10)).secret).toBe("whsec_x");
    expect(sent(fetch)).toMatchObject({ url: "/api/v1/inboxes/10/channel/webhook-secret", method: "POST" });
  });
});
