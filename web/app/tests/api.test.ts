import { afterEach, describe, expect, it, vi } from "vitest";

import { api, ApiError, csrfToken } from "../src/api";
import { answer } from "./http";

describe("the API client", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("reads the CSRF token from the cookie", () => {
    expect(csrfToken("a=1; frontdesk_csrf=Jx%2Fy=; b=2")).toBe("Jx/y=");
    expect(csrfToken("a=1")).toBeNull();
  });

  it("sends the CSRF header on unsafe requests only", async () => {
    vi.stubGlobal("document", { cookie: "frontdesk_csrf=tok123" });
    const fetch = vi.fn().mockResolvedValueOnce(answer(204));
    fetch.mockResolvedValueOnce(answer(200, { items: [], next_cursor: null }));
    vi.stubGlobal("fetch", fetch);

    await api.logout();
    await api.conversations({ status: "open" });

    const [logoutUrl, logoutInit] = fetch.mock.calls[0] as [string, RequestInit];
    expect(logoutUrl).toBe("/api/v1/auth/logout");
    expect(logoutInit.method).toBe("POST");
    expect(logoutInit.headers).toMatchObject({ "X-CSRF-Token": "tok123" });
    const [listUrl, listInit] = fetch.mock.calls[1] as [string, RequestInit];
    expect(listUrl).toBe("/api/v1/conversations?status=open");
    expect(listInit.headers).not.toHaveProperty("X-CSRF-Token");
  });

  it("turns a problem+json answer into an ApiError with its detail", async () => {
    const problem = { type: "about:blank", title: "Unauthorized", status: 401, detail: "bad password" };
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(answer(401, problem)));

    const error = await api.login("a@example.com", "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).message).toBe("bad password");
    expect((error as ApiError).problem.title).toBe("Unauthorized");
  });

  it("describes an error answer that is not JSON, and an unreachable desk", async () => {
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(new Response("<html>", { status: 502, statusText: "Bad Gateway" })));
    const gateway = (await api.me().catch((e: unknown) => e)) as ApiError;
    expect(gateway.status).toBe(502);
    expect(gateway.message).toBe("Bad Gateway");

    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    const down = (await api.me().catch((e: unknown) => e)) as ApiError;
    expect(down.status).toBe(0);
    expect(down.message).toBe("the desk is unreachable");
  });
});
