// The settings screens' API module: the calls it makes, and how a refusal becomes form errors.
import { afterEach, describe, expect, it, vi } from "vitest";

import { ApiError } from "../src/api";
import { formProblems, insertAt, sameIds, settingsApi, type UserDraft } from "../src/settingsApi";
import { answer, sent, stubFetch } from "./http";

const nina: UserDraft = {
  name: "Nina",
  email: "nina@example.com",
  role: "supervisor",
  is_active: false,
  password: "",
};

describe("the settings API calls", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("invites a user with a password only when one is given, always active", async () => {
    const fetch = stubFetch(answer(201, { id: 5 }), answer(201, { id: 6 }));
    await settingsApi.inviteUser(nina);
    await settingsApi.inviteUser({ ...nina, password: "a long secret" });
    expect(sent(fetch, 0)).toEqual({
      url: "/api/v1/users",
      method: "POST",
      body: { name: "Nina", email: "nina@example.com", role: "supervisor" },
    });
    expect(sent(fetch, 1).body).toEqual({
      name: "Nina",
      email: "nina@example.com",
      role: "supervisor",
      password: "a long secret",
    });
  });

  it("saves a user's every field, and the password only when a new one is typed", async () => {
    const fetch = stubFetch(answer(200, { id: 5 }), answer(200, { id: 5 }));
    await settingsApi.updateUser(5, nina);
    await settingsApi.updateUser(5, { ...nina, password: "new secret!" });
    expect(sent(fetch, 0)).toEqual({
      url: "/api/v1/users/5",
      method: "PATCH",
      body: { name: "Nina", email: "nina@example.com", role: "supervisor", is_active: false },
    });
    expect(sent(fetch, 1).body).toMatchObject({ password: "new secret!", is_active: false });
  });

  it("edits and deletes labels and canned replies, and sets inbox members", async () => {
    const fetch = stubFetch(
      answer(200, {}),
      answer(204),
      answer(200, {}),
      answer(204),
      answer(200, {}),
      answer(200, {}),
    );
    const label = { name: "vip", color: "#ff0000", description: "" };
    await settingsApi.updateLabel(3, label);
    expect(await settingsApi.deleteLabel(3)).toBeUndefined();
    await settingsApi.updateCanned(4, { short_code: "hi", content: "Hello {{contact.name}}" });
    await settingsApi.deleteCanned(4);
    await settingsApi.setInboxMembers(2, [7, 8]);
    await settingsApi.renameInbox(2, "Shop");
    expect(fetch.mock.calls.map((_, i) => [sent(fetch, i).method, sent(fetch, i).url])).toEqual([
      ["PATCH", "/api/v1/labels/3"],
      ["DELETE", "/api/v1/labels/3"],
      ["PATCH", "/api/v1/canned-responses/4"],
      ["DELETE", "/api/v1/canned-responses/4"],
      ["PUT", "/api/v1/inboxes/2/members"],
      ["PATCH", "/api/v1/inboxes/2"],
    ]);
    expect(sent(fetch, 0).body).toEqual(label);
    expect(sent(fetch, 4).body).toEqual({ user_ids: [7, 8] });
    expect(sent(fetch, 5).body).toEqual({ name: "Shop" });
  });
});

describe("form errors from a problem", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("puts each field's first error beside it", async () => {
    stubFetch(
      answer(422, {
        status: 422,
        detail: "name: too short; color: bad",
        errors: [
          { loc: ["body", "name"], msg: "String should have at least 1 character", type: "string_too_short" },
          { loc: ["body", "name"], msg: "second", type: "other" },
          { loc: ["body", "member_ids", 0], msg: "Input should be a valid integer", type: "int_parsing" },
        ],
      }),
    );
    const error = await settingsApi.createTeam({
      name: "",
      description: "",
      member_ids: [],
      inbox_ids: [],
    }).catch((e: unknown) => e);
    expect(formProblems(error)).toEqual({
      fields: {
        // Empty is "missing" to a person, whatever the desk's word for it.
        name: { type: "missing", msg: "String should have at least 1 character" },
        member_ids: { type: "int_parsing", msg: "Input should be a valid integer" },
      },
      general: null,
    });
  });

  it("keeps a too short text that is not empty as too short", () => {
    const error = new ApiError({
      status: 422,
      errors: [{ loc: ["body", "password"], msg: "String should have at least 8 characters", type: "string_too_short" }],
    });
    expect(formProblems(error).fields.password?.type).toBe("string_too_short");
  });

  it("names the taken field of a conflict", () => {
    const error = new ApiError({
      status: 409,
      detail: "a label 'vip' already exists",
      errors: [{ loc: ["body", "name"], msg: "a label 'vip' already exists", type: "taken" }],
    });
    expect(formProblems(error).fields.name?.type).toBe("taken");
  });

  it("keeps what belongs to no field in one general line", () => {
    const lastAdmin = new ApiError({ status: 409, detail: "no active admin left" });
    expect(formProblems(lastAdmin)).toEqual({ fields: {}, general: "no active admin left" });
    const mixed = new ApiError({
      status: 422,
      detail: "…",
      errors: [
        { loc: ["body", "email"], msg: "not an e-mail", type: "value_error" },
        { loc: ["body"], msg: "JSON decode error", type: "json_invalid" },
      ],
    });
    expect(formProblems(mixed).general).toBe("JSON decode error");
    const unreachable = new ApiError({ status: 0, detail: "the desk is unreachable" });
    expect(formProblems(unreachable).general).toBe("the desk is unreachable");
  });

  it("throws on anything that is not a refusal (a bug must not pass as a form error)", () => {
    expect(() => formProblems(new TypeError("x is undefined"))).toThrow("x is undefined");
  });
});

describe("form helpers", () => {
  it("compares id lists as sets", () => {
    expect(sameIds([1, 2, 3], [3, 1, 2])).toBe(true);
    expect(sameIds([1, 2], [1, 2, 3])).toBe(false);
    expect(sameIds([], [])).toBe(true);
    expect(sameIds([1, 1], [1])).toBe(true);
  });

  it("inserts a variable at the caret or over the selection", () => {
    expect(insertAt("Hello !", 6, 6, "{{contact.name}}")).toEqual({
      text: "Hello {{contact.name}}!",
      caret: 22,
    });
    expect(insertAt("Hello NAME", 6, 10, "{{agent.name}}")).toEqual({
      text: "Hello {{agent.name}}",
      caret: 20,
    });
  });
});
