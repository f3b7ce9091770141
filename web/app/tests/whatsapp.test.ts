import { afterEach, describe, expect, it, vi } from "vitest";

import { ApiError } from "../src/api";
import {
  findTemplate,
  fitParameters,
  msUntilClose,
  templateKey,
  templateToSend,
  windowOpen,
} from "../src/whatsapp";
import { whatsappApi, type ReplyWindow } from "../src/whatsappApi";

const TEMPLATES = [
  { name: "order_confirmation", language: "en_US", parameters: 2 },
  { name: "order_confirmation", language: "ru", parameters: 2 },
  { name: "hello_world", language: "en_US", parameters: 0 },
];

function replyWindow(extra: Partial<ReplyWindow> = {}): ReplyWindow {
  return {
    open: true,
    last_customer_message_at: "2026-01-05T09:00:00Z",
    closes_at: "2026-01-06T09:00:00Z",
    templates: TEMPLATES,
    ...extra,
  };
}

const BEFORE = Date.parse("2026-01-06T08:59:00Z");
const AFTER = Date.parse("2026-01-06T09:00:00Z");

describe("the WhatsApp reply window", () => {
  it("is open until it closes, by the desk's word and the clock since", () => {
    expect(windowOpen(replyWindow(), BEFORE)).toBe(true);
    expect(windowOpen(replyWindow(), AFTER)).toBe(false);
    expect(windowOpen(replyWindow({ open: false }), BEFORE)).toBe(false);
    expect(windowOpen(replyWindow({ closes_at: null }), BEFORE)).toBe(false);
    expect(windowOpen(null, BEFORE)).toBe(false);
    expect(msUntilClose(replyWindow(), BEFORE)).toBe(60_000);
    expect(msUntilClose(replyWindow(), AFTER)).toBeNull();
  });
});

describe("the template picker", () => {
  it("tells the same template in two languages apart", () => {
    const key = templateKey(TEMPLATES[1]!);
    expect(key).toBe("order_confirmation|ru");
    expect(findTemplate(TEMPLATES, key)).toBe(TEMPLATES[1]);
    expect(findTemplate(TEMPLATES, "nope|en")).toBeNull();
  });

  it("offers one box per parameter, keeping what was typed", () => {
    expect(fitParameters(["Ivan"], TEMPLATES[0]!)).toEqual(["Ivan", ""]);
    expect(fitParameters(["Ivan", "A-1", "x"], TEMPLATES[0]!)).toEqual(["Ivan", "A-1"]);
    expect(fitParameters(["Ivan"], TEMPLATES[2]!)).toEqual([]);
    expect(fitParameters(["Ivan"], null)).toEqual([]);
  });

  it("sends only when every parameter has a value", () => {
    expect(templateToSend(TEMPLATES[0]!, ["Ivan", " "])).toBeNull();
    expect(templateToSend(null, [])).toBeNull();
    expect(templateToSend(TEMPLATES[0]!, [" Ivan ", "A-1"])).toEqual({
      name: "order_confirmation",
      language: "en_US",
      parameters: ["Ivan", "A-1"],
    });
    expect(templateToSend(TEMPLATES[2]!, [])).toEqual({
      name: "hello_world",
      language: "en_US",
      parameters: [],
    });
  });
});

describe("the WhatsApp API calls", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("asks for the window and posts a template", async () => {
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(
        new Response(JSON.stringify(replyWindow()), { headers: { "content-type": "application/json" } }),
      )
      .mockResolvedValueOnce(
        new Response(JSON.stringify({ id: 9 }), {
          status: 201,
          headers: { "content-type": "application/json" },
        }),
      );
    vi.stubGlobal("fetch", fetch);
    expect((await whatsappApi.window(7)).templates).toHaveLength(3);
    await whatsappApi.sendTemplate(7, { name: "hello_world", language: "en_US", parameters: [] });
    expect(fetch.mock.calls[0]![0]).toBe("/api/v1/conversations/7/whatsapp");
    const [url, init] = fetch.mock.calls[1] as [string, RequestInit];
    expect(url).toBe("/api/v1/conversations/7/whatsapp/templates");
    expect(init.method).toBe("POST");
    expect(JSON.parse(init.body as string)).toEqual({
      name: "hello_world",
      language: "en_US",
      parameters: [],
    });
  });

  it("says why a template was refused", async () => {
    const problem = { status: 422, title: "Unprocessable content", detail: "the inbox offers no template 'x'" };
    vi.stubGlobal(
      "fetch",
      vi.fn().mockResolvedValue(
        new Response(JSON.stringify(problem), {
          status: 422,
          headers: { "content-type": "application/problem+json" },
        }),
      ),
    );
    const refused = whatsappApi.sendTemplate(7, { name: "x", language: "en", parameters: [] });
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(refused).rejects.toThrow("the inbox offers no template 'x'");
  });
});
