// The widget settings form: the draft from the stored settings, what a save sends (the whole
// object), the calls made, and the desk's refusals placed beside their settings.
import { afterEach, describe, expect, it, vi } from "vitest";

import { ApiError } from "../src/api";
import {
  draftOf,
  quoted,
  settingsOf,
  widgetProblems,
  widgetSettingsApi,
  type WidgetSettings,
} from "../src/widgetSettingsApi";
import { answer, sent, stubFetch } from "./http";

const stored: WidgetSettings = {
  title: "Shop chat",
  greeting: { en: "Hi!", ru: "Привет!" },
  color: "#ff0000",
  position: "left",
  languages: ["ru", "en"],
  allowed_domains: ["shop.example.com", "*.example.org"],
  prechat: { name: "required", email: "optional", phone: "off", consent: "required" },
  privacy_url: "https://shop.example.com/privacy",
  csat: false,
  require_identity: true,
  reply_time: "hour",
  website: "https://shop.example.com",
};

describe("the widget settings form", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("round-trips every setting", () => {
    const draft = draftOf(stored);
    expect(draft.allowedDomains).toBe("shop.example.com\n*.example.org");
    expect(draft.greeting).toEqual({ en: "Hi!", ru: "Привет!" });
    // The languages keep the offered order, whatever order they were ticked in.
    expect(settingsOf(draft)).toEqual({ ...stored, languages: ["en", "ru"] });
  });

  it("starts from the defaults, and reads odd stored values defensively", () => {
    const draft = draftOf({ greeting: "Hello", position: "top" as never, languages: ["de" as never] });
    expect(draft).toMatchObject({
      title: "",
      color: "#2563eb",
      position: "right",
      languages: ["en", "ru"],
      greeting: { en: "Hello", ru: "Hello" },
      prechat: { name: "off", email: "off", phone: "off", consent: "off" },
      csat: true,
      requireIdentity: false,
      replyTime: "minutes",
    });
  });

  it("sends one greeting when both say the same, and the domains one by one", () => {
    const draft = draftOf({});
    draft.greeting = { en: " Hi ", ru: "Hi" };
    draft.allowedDomains = " shop.example.com \n\n*.example.org, localhost:3000\n";
    draft.privacyUrl = "  ";
    const settings = settingsOf(draft);
    expect(settings.greeting).toBe("Hi");
    expect(settings.allowed_domains).toEqual(["shop.example.com", "*.example.org", "localhost:3000"]);
    expect(settings.privacy_url).toBeNull();
    draft.greeting = { en: "Hi", ru: "" };
    expect(settingsOf(draft).greeting).toEqual({ en: "Hi" });
  });

  it("reads the setup, saves the whole settings object and makes a new secret", async () => {
    const setup = { inbox_id: 8, public_id: "p8", script_url: "", snippet: "<script>", preview_url: "", identity_secret: "s", settings: stored };
    const fetch = stubFetch(answer(200, setup), answer(200, {}), answer(200, setup));
    expect(await widgetSettingsApi.setup(8)).toEqual(setup);
    await widgetSettingsApi.save(8, stored);
    await widgetSettingsApi.rotateSecret(8);
    expect(sent(fetch, 0)).toMatchObject({ url: "/api/v1/inboxes/8/webchat", method: "GET" });
    expect(sent(fetch, 1)).toEqual({ url: "/api/v1/inboxes/8", method: "PATCH", body: { settings: stored } });
    expect(sent(fetch, 2)).toMatchObject({ url: "/api/v1/inboxes/8/webchat/identity-secret", method: "POST" });
  });

  it("places each refusal beside its setting", () => {
    const error = new ApiError({
      status: 422,
      detail: "widget settings: …",
      errors: [
        { loc: ["body", "settings", "color"], msg: "String should match pattern", type: "string_pattern_mismatch" },
        { loc: ["body", "settings", "allowed_domains"], msg: "Value error, 'not a domain' is not a domain", type: "value_error" },
        { loc: ["body", "settings", "prechat", "email"], msg: "Input should be 'off', 'optional' or 'required'", type: "enum" },
        { loc: ["body", "settings", "prechat", "name"], msg: "second one", type: "enum" },
        { loc: ["query", "x"], msg: "elsewhere", type: "value_error" },
      ],
    });
    const problems = widgetProblems(error);
    expect(Object.keys(problems.fields).sort()).toEqual(["allowed_domains", "color", "prechat"]);
    expect(problems.fields.prechat?.msg).toContain("'off'");
    expect(problems.general).toBe("elsewhere");
    expect(quoted(problems.fields.allowed_domains!.msg)).toBe("not a domain");
    expect(quoted("no quotes")).toBeNull();
    // A refusal with no place (a conflict, a lost connection) is one general line.
    expect(widgetProblems(new ApiError({ status: 403, detail: "admins only" }))).toEqual({
      fields: {},
      general: "admins only",
    });
    expect(() => widgetProblems(new TypeError("bug"))).toThrow(TypeError);
  });
});
