// The workspace store: colleagues, teams, inboxes and labels asked for once and kept current by
// events. The rule it is held to: events applied to what was loaded give what a fresh load gives.
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { api, type Inbox, type Label, type Me, type Role, type Team, type User } from "../src/api";
import type { EventFrame } from "../src/realtime";
import { useSessionStore } from "../src/stores/session";
import { useWorkspaceStore } from "../src/stores/workspace";

type DeskInbox = Inbox & { member_ids: number[]; public_id: string; settings: object };

interface DeskState {
  users: User[];
  teams: Team[];
  inboxes: DeskInbox[];
  labels: Label[];
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function user(id: number, name: string, role: Role, extra: Partial<User> = {}): User {
  // As the desk sends it: more fields than the app reads.
  return {
    id,
    email: `${name.toLowerCase()}@acme.example.com`,
    name,
    role,
    availability: "online",
    is_active: true,
    time_zone: "UTC",
    language: "en",
    created_at: "2026-11-01T09:00:00Z",
    ...extra,
  } as User;
}

function inbox(id: number, name: string, memberIds: number[], channel = "telegram"): DeskInbox {
  return { id, name, channel_type: channel, member_ids: memberIds, public_id: `in${id}`, settings: {} };
}

/**
 * A desk in memory: what GET /users, /teams, /inboxes, /labels answer for whoever asks, and each
 * change as the event the desk records (routed as the hub routes it: inbox events to those who
 * saw the inbox before the change, and admins; the rest to the whole workspace).
 */
class Desk {
  state: DeskState = {
    users: [user(1, "Admin", "admin"), user(2, "Sofia", "supervisor"), user(3, "Anna", "agent"), user(4, "Boris", "agent")],
    teams: [{ id: 1, name: "Support", description: "", member_ids: [2], inbox_ids: [1] }],
    inboxes: [inbox(1, "Telegram", [3]), inbox(2, "Mail", [3, 4], "email"), inbox(3, "Chat", [4], "webchat")],
    labels: [
      { id: 1, name: "refund", color: "#ff0000", description: "" },
      { id: 2, name: "vip", color: "#00ff00", description: "" },
    ],
  }; // prettier-ignore

  constructor(readonly me: Me) {}

  visibleInboxes(state: DeskState = this.state): DeskInbox[] {
    const me = this.me;
    return state.inboxes.filter(
      (i) =>
        me.role === "admin" ||
        i.member_ids.includes(me.user_id) ||
        (me.role === "supervisor" &&
          state.teams.some((t) => t.member_ids.includes(me.user_id) && t.inbox_ids.includes(i.id))),
    );
  }

  /** The desk's answers, for the store to load. */
  serve(): void {
    const answer = <T>(value: T) => Promise.resolve(clone(value));
    vi.spyOn(api, "users").mockImplementation(() => answer(this.state.users));
    vi.spyOn(api, "teams").mockImplementation(() => answer(this.state.teams));
    vi.spyOn(api, "inboxes").mockImplementation(() => answer(this.visibleInboxes()));
    vi.spyOn(api, "labels").mockImplementation(() =>
      answer([...this.state.labels].sort((a, b) => (a.name < b.name ? -1 : 1))),
    );
  }

  /** Make a change; the event it sends, or null when it does not reach me. */
  change(type: string, mutate: (state: DeskState) => object): EventFrame | null {
    const before = clone(this.state);
    const data = clone(mutate(this.state));
    if (type.startsWith("inbox.")) {
      const id = (data as Inbox).id;
      const sawIt = this.visibleInboxes(before).some((i) => i.id === id);
      if (this.me.role !== "admin" && !sawIt) return null;
    }
    return { type, data: data as Record<string, unknown> };
  }
}

function me(role: Role, userId: number): Me {
  return {
    user_id: userId, workspace_id: 1, role, via: "session",
    name: "Me", email: "me@acme.example.com", language: "en", time_zone: "UTC",
  }; // prettier-ignore
}

function held(store: ReturnType<typeof useWorkspaceStore>) {
  return clone({
    users: store.users,
    teams: store.teams,
    inboxes: store.inboxes,
    labels: store.labels,
  });
}

/** What a fresh load gives now (another app, same desk, same user). */
async function freshLoad(desk: Desk) {
  setActivePinia(createPinia());
  useSessionStore().me = desk.me;
  const store = useWorkspaceStore();
  await store.load();
  return held(store);
}

/** Every kind of change an admin makes, with the event each sends. */
function changes(desk: Desk): (EventFrame | null)[] {
  const find = <T extends { id: number }>(list: T[], id: number) => list.find((x) => x.id === id)!;
  return [
    desk.change("user.created", (s) => {
      const added = user(5, "Vera", "agent");
      s.users.push(added);
      return added;
    }),
    desk.change("user.updated", (s) => Object.assign(find(s.users, 4), { name: "Boris Petrov" })),
    desk.change("user.updated", (s) => Object.assign(find(s.users, 5), { is_active: false })),
    desk.change("user.availability_changed", (s) => {
      find(s.users, 3).availability = "busy";
      return { user_id: 3, availability: "busy" };
    }),
    desk.change("team.created", (s) => {
      const team = { id: 2, name: "Billing", description: "", member_ids: [3, 4], inbox_ids: [2] };
      s.teams.push(team);
      return team;
    }),
    desk.change("team.updated", (s) => Object.assign(find(s.teams, 1), { name: "Care", description: "first line" })),
    desk.change("inbox.updated", (s) => Object.assign(find(s.inboxes, 2), { name: "E-mail" })),
    desk.change("inbox.members_changed", (s) => Object.assign(find(s.inboxes, 1), { member_ids: [4] })),
    desk.change("inbox.created", (s) => {
      const added = inbox(4, "WhatsApp", [], "whatsapp"); // (members come with members_changed)
      s.inboxes.push(added);
      return added;
    }),
    desk.change("label.created", (s) => {
      const added = { id: 3, name: "apology", color: "#0000ff", description: "" };
      s.labels.push(added);
      return added;
    }),
    desk.change("label.updated", (s) => {
      // Renamed past a newer one: the desk lists labels by name, not by id.
      const renamed = Object.assign(find(s.labels, 2), { name: "wholesale" });
      return { ...renamed, previous_name: "vip" };
    }),
    desk.change("label.deleted", (s) => {
      const gone = find(s.labels, 1);
      s.labels = s.labels.filter((l) => l.id !== 1);
      return { ...gone, conversation_count: 4 };
    }),
  ];
}

describe("the workspace store", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ["an admin", "admin", 1],
    ["a supervisor", "supervisor", 2],
    ["an agent", "agent", 3],
  ] as const)("as %s, applies every change as a fresh load would show it", async (_, role, id) => {
    const desk = new Desk(me(role, id));
    desk.serve();
    useSessionStore().me = desk.me;
    const store = useWorkspaceStore();
    await store.load();
    const before = held(store);

    for (const frame of changes(desk)) if (frame) store.applyEvent(frame);
    const now = held(store);

    expect(now).not.toEqual(before);
    expect(now).toEqual(await freshLoad(desk));
    expect(api.users).toHaveBeenCalledTimes(2); // once per app: events did the rest
  });

  it("a supervisor's inboxes follow their teams: a team change asks for them again", async () => {
    const desk = new Desk(me("supervisor", 2));
    desk.serve();
    useSessionStore().me = desk.me;
    const store = useWorkspaceStore();
    await store.load();
    expect(store.inboxes.map((i) => i.id)).toEqual([1]);

    // Another team's change leaves them as they are: nothing is asked.
    store.applyEvent(desk.change("team.created", (s) => {
      const team = { id: 2, name: "Billing", description: "", member_ids: [4], inbox_ids: [3] };
      s.teams.push(team);
      return team;
    })!); // prettier-ignore
    expect(api.inboxes).toHaveBeenCalledTimes(1);

    // Their team gets inbox 2: its details are in no event, so they are asked for.
    store.applyEvent(
      desk.change("team.updated", (s) => Object.assign(s.teams[0]!, { inbox_ids: [1, 2] }))!,
    );
    await vi.waitFor(() => expect(store.inboxes.map((i) => i.id)).toEqual([1, 2]));
    expect(api.inboxes).toHaveBeenCalledTimes(2);
    expect(held(store)).toEqual(await freshLoad(desk));
  });

  it("applies again, on the answer of a load, the events that came while it was asked", async () => {
    const desk = new Desk(me("admin", 1));
    desk.serve();
    useSessionStore().me = desk.me;
    const store = useWorkspaceStore();
    await store.load();
    // The next answer is the desk as it was before the rename below.
    const stale = clone(desk.state.users);
    let answer!: (users: User[]) => void;
    vi.mocked(api.users).mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    const reloading = store.load();

    store.applyEvent(desk.change("user.updated", (s) => Object.assign(s.users[2]!, { name: "Anna K." }))!);
    answer(stale);
    await reloading;

    expect(store.users.find((u) => u.id === 3)?.name).toBe("Anna K.");
    expect(held(store)).toEqual(await freshLoad(desk));
  });

  it("is asked for once, however many views need it; a failed list is asked for again", async () => {
    const desk = new Desk(me("agent", 3));
    desk.serve();
    useSessionStore().me = desk.me;
    const store = useWorkspaceStore();
    vi.mocked(api.labels).mockRejectedValueOnce(new Error("the desk is unreachable"));
    await Promise.all([store.ensure(), store.ensure()]);
    expect(api.users).toHaveBeenCalledTimes(1);
    expect(store.loaded).toEqual({ users: true, teams: true, inboxes: true, labels: false });
    expect(store.userNames.get(3)).toBe("Anna");
    expect(store.channels.get(2)).toBe("email");

    await store.ensure();
    expect(api.labels).toHaveBeenCalledTimes(2);
    expect(store.loaded.labels).toBe(true);
    await store.ensure();
    expect(api.users).toHaveBeenCalledTimes(2);
  });

  it("keeps nothing before it is asked for, and forgets everything on reset", async () => {
    const desk = new Desk(me("admin", 1));
    desk.serve();
    useSessionStore().me = desk.me;
    const store = useWorkspaceStore();
    store.applyEvent({ type: "user.created", data: { ...user(9, "Early", "agent") } });
    expect(store.users).toEqual([]);

    await store.load();
    store.reset();
    expect(held(store)).toEqual({ users: [], teams: [], inboxes: [], labels: [] });
    store.applyEvent({ type: "user.created", data: { ...user(9, "Late", "agent") } });
    expect(store.users).toEqual([]);
    // Other events, and malformed ones, change nothing.
    await store.load();
    const loaded = held(store);
    store.applyEvent({ type: "message.created", data: { id: 1 } });
    store.applyEvent({ type: "user.updated", data: { id: 3 } });
    store.applyEvent({ type: "inbox.updated", data: { id: 2, name: "no members" } });
    expect(held(store)).toEqual(loaded);
  });
});
