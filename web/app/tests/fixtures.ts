// Shared test data for the store tests.
import type { Conversation } from "../src/api";

/** Conversation 7 (#107) of Ivan Petrov, open and unassigned; `extra` overrides fields. */
export function conversation(extra: Partial<Conversation> = {}): Conversation {
  return {
    id: 7,
    number: 107,
    inbox_id: 1,
    contact: { id: 50, name: "Ivan Petrov", email: null, phone: null },
    subject: "",
    status: "open",
    priority: "normal",
    type: "question",
    assignee_id: null,
    team_id: null,
    labels: [],
    last_activity_at: "2026-11-22T14:00:00Z",
    waiting_since: null,
    message_count: 2,
    ...extra,
  };
}
