// The conversation header's actions in the timeline store: assign, snooze, priority.
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { api, ApiError, type Conversation } from "../src/api";
import { useTimelineStore } from "../src/stores/timeline";
import { conversation } from "./fixtures";

async function opened() {
  vi.spyOn(api, "conversation").mockResolvedValue(conversation());
  vi.spyOn(api, "messages").mockResolvedValue({ items: [], next_cursor: null });
  const store = useTimelineStore();
  await store.open(7);
  return store;
}

describe("the conversation actions", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  it("assigns an agent or a team and shows the desk's answer", async () => {
    const store = await opened();
    vi.spyOn(api, "assign").mockResolvedValueOnce(conversation({ assignee_id: 4 }));
    await store.assign({ assignee_id: 4 });
    expect(api.assign).toHaveBeenCalledWith(7, { assignee_id: 4 });
    expect(store.conversation?.assignee_id).toBe(4);
    vi.mocked(api.assign).mockResolvedValueOnce(conversation({ assignee_id: 4, team_id: 2 }));
    await store.assign({ team_id: 2 });
    expect(api.assign).toHaveBeenLastCalledWith(7, { team_id: 2 });
    expect(store.conversation?.team_id).toBe(2);
  });

  it("keeps the problem's detail when an assignment is refused", async () => {
    const store = await opened();
    vi.spyOn(api, "assign").mockRejectedValueOnce(
      new ApiError({ status: 422, detail: "user 9 cannot see this inbox" }),
    );
    await store.assign({ assignee_id: 9 });
    expect(store.actionError).toBe("user 9 cannot see this inbox");
    expect(store.conversation?.assignee_id).toBeNull();
  });

  it("snoozes until the given instant", async () => {
    const store = await opened();
    vi.spyOn(api, "setStatus").mockResolvedValueOnce(
      conversation({ status: "snoozed", snoozed_until: "2026-11-23T09:00:00Z" }),
    );
    await store.snooze(new Date("2026-11-23T09:00:00Z"));
    expect(api.setStatus).toHaveBeenCalledWith(7, "snoozed", "2026-11-23T09:00:00.000Z");
    expect(store.conversation?.status).toBe("snoozed");
  });

  it("sets the priority with a PATCH", async () => {
    const store = await opened();
    vi.spyOn(api, "update").mockResolvedValueOnce(conversation({ priority: "urgent" }));
    await store.setPriority("urgent");
    expect(api.update).toHaveBeenCalledWith(7, { priority: "urgent" });
    expect(store.conversation?.priority).toBe("urgent");
  });

  it("drops the answer of an action on a conversation the user already left", async () => {
    const store = await opened();
    let answer: (c: Conversation) => void = () => {};
    vi.spyOn(api, "update").mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    const pending = store.setPriority("high");
    vi.mocked(api.conversation).mockResolvedValue(conversation({ id: 8, number: 108 }));
    await store.open(8);
    answer(conversation({ priority: "high" }));
    await pending;
    expect(store.conversation?.id).toBe(8);
    expect(store.conversation?.priority).toBe("normal");
  });

  it("catches up only after the open in flight has finished", async () => {
    let answer: (c: Conversation) => void = () => {};
    vi.spyOn(api, "conversation").mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    vi.spyOn(api, "messages").mockResolvedValue({ items: [], next_cursor: null });
    const store = useTimelineStore();
    const opening = store.open(7);
    const catchingUp = store.catchUp();
    expect(api.conversation).toHaveBeenCalledTimes(1);
    vi.mocked(api.conversation).mockResolvedValue(conversation());
    answer(conversation());
    await opening;
    await catchingUp;
    expect(store.conversation?.number).toBe(107);
    expect(store.loading).toBe(false);
  });
  it("sets the type and the labels with a PATCH and keeps the desk's answer", async () => {
    const store = await opened();
    vi.spyOn(api, "update").mockResolvedValueOnce(conversation({ type: "complaint" }));
    await store.setType("complaint");
    expect(api.update).toHaveBeenCalledWith(7, { type: "complaint" });
    expect(store.conversation?.type).toBe("complaint");
    vi.mocked(api.update).mockResolvedValueOnce(conversation({ labels: ["vip", "delivery"] }));
    await store.setLabels(["vip", "delivery"]);
    expect(api.update).toHaveBeenLastCalledWith(7, { labels: ["vip", "delivery"] });
    expect(store.conversation?.labels).toEqual(["vip", "delivery"]);
  });

  it("invites a colleague and lets them go", async () => {
    const store = await opened();
    vi.spyOn(api, "addParticipant").mockResolvedValueOnce(conversation({ participant_ids: [5] }));
    await store.addParticipant(5);
    expect(api.addParticipant).toHaveBeenCalledWith(7, 5);
    expect(store.conversation?.participant_ids).toEqual([5]);
    vi.spyOn(api, "removeParticipant").mockRejectedValueOnce(
      new ApiError({ status: 404, detail: "user 5 is not a participant" }),
    );
    await store.removeParticipant(5);
    expect(api.removeParticipant).toHaveBeenCalledWith(7, 5);
    expect(store.actionError).toBe("user 5 is not a participant");
    expect(store.conversation?.participant_ids).toEqual([5]);
  });
});
