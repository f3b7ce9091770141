// A stand-in desk for the API module tests: fetch answers from a queue, and what each call sent.
import { vi, type Mock } from "vitest";

/** The desk's answer: JSON, problem+json for an error status, no body when `body` is left out. */
export function answer(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" },
  });
}

/** fetch gives these answers in turn; the CSRF cookie is "tok". Undone by vi.unstubAllGlobals(). */
export function stubFetch(...answers: Response[]): Mock {
  const fetch = vi.fn();
  for (const a of answers) fetch.mockResolvedValueOnce(a);
  vi.stubGlobal("fetch", fetch);
  vi.stubGlobal("document", { cookie: "frontdesk_csrf=tok" });
  return fetch;
}

function request(fetch: Mock, call: number): [string, RequestInit] {
  return fetch.mock.calls[call] as [string, RequestInit];
}

/** The call'th request: its URL, method and JSON body (undefined when it had none). */
export function sent(fetch: Mock, call = 0) {
  const [url, init] = request(fetch, call);
  return {
    url,
    method: init.method,
    body: init.body === undefined ? undefined : (JSON.parse(init.body as string) as unknown),
  };
}

/** The call'th request's headers. */
export function headersSent(fetch: Mock, call = 0): Record<string, string> {
  return request(fetch, call)[1].headers as Record<string, string>;
}
