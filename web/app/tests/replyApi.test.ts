import { afterEach, describe, expect, it, vi } from "vitest";

import { DEFAULT_LIMITS } from "../src/attachments";
import { messageLimits, replyApi } from "../src/replyApi";

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

describe("the reply box's API calls", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("posts files as multipart with the CSRF header, leaving the boundary to the browser", async () => {
    vi.stubGlobal("document", { cookie: "frontdesk_csrf=tok123" });
    const fetch = vi.fn().mockResolvedValue(answer(201, { id: 4 }));
    vi.stubGlobal("fetch", fetch);
    const file = new File(["%PDF-1.4"], "invoice.pdf", { type: "application/pdf" });

    await replyApi.postWithFiles(7, { content: "Your invoice", private: true, files: [file] });

    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/v1/conversations/7/messages");
    expect(init.method).toBe("POST");
    expect(init.headers).toMatchObject({ "X-CSRF-Token": "tok123" });
    expect(init.headers).not.toHaveProperty("Content-Type");
    const form = init.body as FormData;
    expect(form).toBeInstanceOf(FormData);
    expect(form.get("content")).toBe("Your invoice");
    expect(form.get("private")).toBe("true");
    const sent = form.getAll("files") as File[];
    expect(sent.map((f) => [f.name, f.size])).toEqual([["invoice.pdf", 8]]);
  });

  it("asks the desk's limits once, and falls back to the defaults when it cannot say", async () => {
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(answer(503, { status: 503, title: "Unavailable" }))
      .mockResolvedValueOnce(answer(200, { max_message_chars: 10, max_attachment_bytes: 1000, max_attachments: 2 }));
    vi.stubGlobal("fetch", fetch);
    expect(await messageLimits()).toEqual(DEFAULT_LIMITS);
    const limits = { max_message_chars: 10, max_attachment_bytes: 1000, max_attachments: 2 };
    expect(await messageLimits()).toEqual(limits); // asked again after the failure
    expect(await messageLimits()).toEqual(limits); // and then remembered
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(fetch.mock.calls[1]![0]).toBe("/api/v1/messages/limits");
  });
});
