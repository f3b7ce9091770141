// What the visitor wrote that the desk has not confirmed yet, kept in localStorage: after a
// lost connection or a reload it is sent again with the same client ids, so the desk stores
// each message once however often it is sent.

import type { Message } from "./model";

export interface Store {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

/** localStorage when the browser lets us use it (it may refuse: private modes, quotas). */
export function browserStore(storage: Storage | undefined): Store {
  const memory = new Map<string, string>();
  return {
    get(key) {
      try {
        return storage?.getItem(key) ?? memory.get(key) ?? null;
      } catch {
        return memory.get(key) ?? null;
      }
    },
    set(key, value) {
      memory.set(key, value);
      try {
        storage?.setItem(key, value);
      } catch {
        // Kept in memory for this page.
      }
    },
    remove(key) {
      memory.delete(key);
      try {
        storage?.removeItem(key);
      } catch {
        // Nothing to do.
      }
    },
  };
}

export interface Queued {
  client_id: string;
  content: string;
  created_at: string;
}

const MAX_QUEUED = 50;

export class Outbox {
  constructor(
    private readonly store: Store,
    private readonly key: string,
  ) {}

  items(): Queued[] {
    try {
      const parsed: unknown = JSON.parse(this.store.get(this.key) ?? "[]");
      return Array.isArray(parsed) ? parsed.filter(isQueued) : [];
    } catch {
      return [];
    }
  }

  add(item: Queued): void {
    const items = this.items().filter((i) => i.client_id !== item.client_id);
    this.save([...items, item].slice(-MAX_QUEUED));
  }

  remove(clientId: string): void {
    this.save(this.items().filter((i) => i.client_id !== clientId));
  }

  private save(items: Queued[]): void {
    if (items.length) this.store.set(this.key, JSON.stringify(items));
    else this.store.remove(this.key);
  }
}

function isQueued(value: unknown): value is Queued {
  const item = value as Queued;
  return (
    typeof item === "object" &&
    item !== null &&
    typeof item.client_id === "string" &&
    typeof item.content === "string" &&
    typeof item.created_at === "string"
  );
}

/** How a queued message shows in the thread until the desk confirms it. */
export function pendingMessage(item: Queued, pending: Message["pending"]): Message {
  return {
    id: 0,
    client_id: item.client_id,
    author: "visitor",
    content: item.content,
    attachments: [],
    agent: null,
    created_at: item.created_at,
    pending,
  };
}
