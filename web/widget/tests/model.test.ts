import { describe, expect, it } from "vitest";

import {
  fileProblem,
  isEmail,
  lastStoredId,
  mergeMessages,
  newClientId,
  prechatProblems,
  readByAgent,
  retryDelay,
  showCsat,
  unreadCount,
  viewOf,
  type Config,
  type Message,
  type Session,
} from "../src/model";

function message(id: number, extra: Partial<Message> = {}): Message {
  return {
    id,
    client_id: null,
    author: "agent",
    content: `m${id}`,
    attachments: [],
    agent: { name: "Anna", initials: "A" },
    created_at: "2026-01-01T10:00:00Z",
    ...extra,
  };
}

const config: Config = {
  inbox: "abc",
  title: "Shop",
  greeting: {},
  color: "#2563eb",
  position: "right",
  languages: ["en", "ru"],
  prechat: { name: "off", email: "off", phone: "off", consent: "off" },
  privacy_url: null,
  csat: true,
  require_identity: false,
  reply_time: "minutes",
  online: true,
  limits: { max_message_chars: 1000, max_upload_bytes: 1000, max_uploads: 5, upload_types: ["image/png"] },
};

function session(extra: Partial<Session> = {}): Session {
  return { token: "t", identified: false, name: "", email: null, prechat_done: true, conversation: null, ...extra };
}

describe("the thread", () => {
  it("has each message once, in the desk's order, pending ones last", () => {
    const pending = message(0, { author: "visitor", client_id: "c1", pending: "sending" });
    const other = message(0, { author: "visitor", client_id: "c2", pending: "queued" });
    let list = mergeMessages([], [message(2), pending, other, message(1)]);
    expect(list.map((m) => m.id || m.client_id)).toEqual([1, 2, "c1", "c2"]);
    // The desk confirms c1 (stored as 3): it replaces the pending one.
    list = mergeMessages(list, [message(3, { author: "visitor", client_id: "c1" })]);
    expect(list.map((m) => m.id || m.client_id)).toEqual([1, 2, 3, "c2"]);
    // The same message again (socket and poll both brought it): still once.
    list = mergeMessages(list, [message(3, { author: "visitor", client_id: "c1", content: "x" })]);
    expect(list.filter((m) => m.id === 3)).toHaveLength(1);
    expect(lastStoredId(list)).toBe(3);
    expect(lastStoredId([pending])).toBeNull();
  });

  it("shows the visitor's messages read once an agent read after them", () => {
    const mine = message(5, { author: "visitor", created_at: "2026-01-01T10:00:00Z" });
    expect(readByAgent(mine, null)).toBe(false);
    expect(readByAgent(mine, "2026-01-01T09:59:59Z")).toBe(false);
    expect(readByAgent(mine, "2026-01-01T10:00:01Z")).toBe(true);
    expect(readByAgent(message(6), "2026-01-01T11:00:00Z")).toBe(false);
    expect(readByAgent({ ...mine, id: 0 }, "2026-01-01T11:00:00Z")).toBe(false);
  });

  it("counts the agents' messages not seen yet", () => {
    const list = [message(1), message(2, { author: "visitor" }), message(3), message(4, { author: "bot" })];
    expect(unreadCount(list, 0)).toBe(3);
    expect(unreadCount(list, 3)).toBe(1);
  });
});

describe("what the panel shows", () => {
  it("asks the pre-chat questions first", () => {
    const asking = { ...config, prechat: { ...config.prechat, email: "required" as const } };
    expect(viewOf(asking, null, false)).toBe("prechat");
    expect(viewOf(asking, session({ prechat_done: false }), false)).toBe("prechat");
    expect(viewOf(asking, session({ prechat_done: true }), false)).toBe("chat");
    expect(viewOf(config, null, false)).toBe("chat");
  });

  it("offers the offline form when nobody is online and nothing is under way", () => {
    const away = { ...config, online: false };
    expect(viewOf(away, null, false)).toBe("offline");
    const open = { status: "open", agent_read_at: null, csat: null };
    expect(viewOf(away, session({ conversation: open }), false)).toBe("chat");
    expect(viewOf(away, session({ conversation: { ...open, status: "resolved" } }), false)).toBe("offline");
    expect(viewOf(away, null, true)).toBe("chat");
  });

  it("asks for a rating once the conversation is resolved", () => {
    const asked = { requested: true, rating: null, comment: "" };
    expect(showCsat(null, false)).toBe(false);
    expect(showCsat({ status: "open", agent_read_at: null, csat: asked }, false)).toBe(false);
    expect(showCsat({ status: "resolved", agent_read_at: null, csat: null }, false)).toBe(false);
    expect(showCsat({ status: "resolved", agent_read_at: null, csat: asked }, false)).toBe(true);
    const answered = { ...asked, rating: 4 };
    expect(showCsat({ status: "resolved", agent_read_at: null, csat: answered }, false)).toBe(false);
    expect(showCsat({ status: "resolved", agent_read_at: null, csat: answered }, true)).toBe(true);
  });
});

describe("forms and files", () => {
  const fields = { name: "required", email: "optional", phone: "optional", consent: "required" } as const;

  it("says what is missing or wrong in the pre-chat answers", () => {
    expect(prechatProblems(fields, { name: " ", email: "", phone: "", consent: false })).toEqual({
      name: "required",
      consent: "required",
    });
    expect(prechatProblems(fields, { name: "Ivan", email: "nope", phone: "abc", consent: true })).toEqual({
      email: "badEmail",
      phone: "badPhone",
    });
    expect(prechatProblems(fields, { name: "Ivan", email: "i@x.ru", phone: "+7 900 000-00-00", consent: true })).toEqual({});
    expect(isEmail(" a@b.co ")).toBe(true);
    expect(isEmail("a@b")).toBe(false);
  });

  it("refuses files too big or of a type the desk refuses", () => {
    expect(fileProblem({ size: 10, type: "image/png" }, config.limits)).toBeNull();
    expect(fileProblem({ size: 1001, type: "image/png" }, config.limits)).toBe("tooBig");
    expect(fileProblem({ size: 10, type: "text/html" }, config.limits)).toBe("badType");
  });
});

describe("reconnecting", () => {
  it("waits longer after each failure, with some jitter, up to 20 s", () => {
    expect(retryDelay(0, () => 0.5)).toBe(1000);
    expect(retryDelay(1, () => 0.5)).toBe(2000);
    expect(retryDelay(50, () => 0.5)).toBe(20000);
    expect(retryDelay(0, () => 0)).toBe(800);
    expect(retryDelay(0, () => 1)).toBe(1200);
  });

  it("gives every message its own client id, fit for the desk", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newClientId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });
});
