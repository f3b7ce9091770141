// The desk's widget API (/widget/v1/<inbox>): plain fetch, the visitor token as a bearer
// token (no cookies: the host page's site is not the desk's).

import type { Config, ConversationState, Csat, Message, MessagesPage, Session } from "./model";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface Identity {
  identifier?: string;
  identifier_hash?: string;
  name?: string;
  email?: string;
}

export interface Page {
  url: string;
  title: string;
  referrer: string | null;
}

export class Api {
  token: string | null = null;

  constructor(
    readonly desk: string,
    readonly inbox: string,
  ) {}

  get base(): string {
    return new URL(`widget/v1/${encodeURIComponent(this.inbox)}/`, this.desk).href;
  }

  url(path: string): string {
    return new URL(path.replace(/^\//, ""), this.desk).href;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(this.base + path, { method, headers, body: payload, credentials: "omit" });
    } catch {
      throw new ApiError(0, "network");
    }
    if (!response.ok) {
      let detail = response.statusText;
      try {
        detail = ((await response.json()) as { detail?: string }).detail ?? detail;
      } catch {
        // Not problem+json (a proxy's page): the status says enough.
      }
      throw new ApiError(response.status, detail);
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  config(): Promise<Config> {
    return this.request("GET", "config");
  }

  async session(identity: Identity, page: Page, language: string): Promise<Session> {
    const body = { token: this.token ?? undefined, ...identity, page, language };
    const session = await this.request<Session>("POST", "sessions", body);
    this.token = session.token;
    return session;
  }

  prechat(values: { name?: string; email?: string; phone?: string; consent: boolean }): Promise<Session> {
    return this.request("POST", "prechat", values);
  }

  pageView(page: Page): Promise<void> {
    return this.request("POST", "pageview", page);
  }

  messages(after: number | null, wait = 0): Promise<MessagesPage> {
    const query = new URLSearchParams();
    if (after !== null) query.set("after", String(after));
    if (wait) query.set("wait", String(wait));
    return this.request("GET", `messages?${query.toString()}`);
  }

  send(clientId: string, content: string, files: File[] = []): Promise<Message> {
    if (!files.length) return this.request("POST", "messages", { client_id: clientId, content });
    const form = new FormData();
    form.set("client_id", clientId);
    form.set("content", content);
    for (const file of files) form.append("files", file, file.name);
    return this.request("POST", "messages", form);
  }

  read(messageId: number): Promise<void> {
    return this.request("POST", "read", { message_id: messageId });
  }

  typing(typing: boolean): Promise<void> {
    return this.request("POST", "typing", { typing });
  }

  rate(rating: number, comment: string): Promise<Csat & { conversation_status: string }> {
    return this.request("POST", "csat", { rating, comment });
  }

  offline(values: { email: string; name: string; content: string; client_id: string }): Promise<Message> {
    return this.request("POST", "offline", values);
  }

  /** A file of the conversation, as an object URL (fetched with the token). */
  async file(url: string): Promise<string> {
    const response = await fetch(this.url(url), {
      headers: this.token ? { Authorization: `Bearer ${this.token}` } : {},
      credentials: "omit",
    });
    if (!response.ok) throw new ApiError(response.status, response.statusText);
    return URL.createObjectURL(await response.blob());
  }

  socketUrl(): string {
    const url = new URL(this.base + "ws", this.desk);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", this.token ?? "");
    return url.href;
  }
}

export type { ConversationState };
