// What the settings screens share: a list loaded when the screen opens, its form saved and its
// rows deleted (useSettingsList), and the inbox forms' one action at a time (useSettingsForm).
// The composables run in a real Vue app (a renderer without a DOM); the desk answers at fetch.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRenderer, defineComponent, nextTick, ref } from "vue";

import { i18n } from "../src/i18n";
import { settingsApi, type LabelDraft, type SettingsLabel } from "../src/settingsApi";
import { useSettingsForm } from "../src/views/settings/useSettingsForm";
import { useSettingsList } from "../src/views/settings/useSettingsList";
import { answer, sent, stubFetch } from "./http";

const { createApp } = createRenderer<object, object>({
  createElement: () => ({}),
  createText: () => ({}),
  createComment: () => ({}),
  setText: () => undefined,
  setElementText: () => undefined,
  insert: () => undefined,
  remove: () => undefined,
  patchProp: () => undefined,
  parentNode: () => null,
  nextSibling: () => null,
});

/** Runs `setup` as a mounted component's (its onMounted hooks run), with the app's i18n. */
function mounted<T>(setup: () => T): T {
  let found: T | undefined;
  const app = createApp(
    defineComponent({
      setup() {
        found = setup();
        return () => null;
      },
    }),
  );
  app.use(i18n);
  app.mount({});
  return found!;
}

/** Lets the answered requests and what follows them finish. */
async function settled(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextTick();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

const vip: SettingsLabel = { id: 3, name: "vip", color: "#ff0000", description: "Important" };

function labelsScreen() {
  const labels = ref<SettingsLabel[]>([]);
  const list = mounted(() =>
    useSettingsList<SettingsLabel, LabelDraft>({
      fetch: async () => {
        labels.value = await settingsApi.labels();
      },
      blank: () => ({ name: "", color: "#6b7280", description: "" }),
      draftOf: (label) => ({ name: label.name, color: label.color, description: label.description }),
      title: (label) => (label === "new" ? "New label" : `Label ${label.name}`),
      create: settingsApi.createLabel,
      update: settingsApi.updateLabel,
      delete: settingsApi.deleteLabel,
    }),
  );
  return { labels, list };
}

describe("a settings list", () => {
  beforeEach(() => {
    i18n.global.locale.value = "en";
  });
  afterEach(() => vi.unstubAllGlobals());

  it("loads when the screen opens, and says why it could not", async () => {
    stubFetch(answer(200, [vip]));
    const { labels, list } = labelsScreen();
    expect(list.loading.value).toBe(true);
    await settled();
    expect([list.loading.value, list.loadError.value, labels.value]).toEqual([false, null, [vip]]);

    stubFetch(answer(503, { status: 503, title: "Unavailable", detail: "the database is down" }));
    const failed = labelsScreen().list;
    await settled();
    expect([failed.loading.value, failed.loadError.value]).toEqual([false, "the database is down"]);
  });

  it("creates from the blank form and edits from an item's draft, then says so and loads again", async () => {
    const fetch = stubFetch(
      answer(200, []),
      answer(201, vip),
      answer(200, [vip]),
      answer(200, vip),
      answer(200, [vip]),
    );
    const { labels, list } = labelsScreen();
    await settled();
    list.open("new");
    expect([list.editing.value, list.formTitle.value, { ...list.draft }]).toEqual([
      "new",
      "New label",
      { name: "", color: "#6b7280", description: "" },
    ]);
    Object.assign(list.draft, { name: "vip", color: "#ff0000", description: "Important" });
    await list.save();
    expect(sent(fetch, 1)).toEqual({
      url: "/api/v1/labels",
      method: "POST",
      body: { name: "vip", color: "#ff0000", description: "Important" },
    });
    expect([list.editing.value, list.notice.value, list.busy.value, labels.value]).toEqual([
      null,
      "Saved.",
      false,
      [vip],
    ]);

    list.open(vip);
    expect([list.isOpen(vip), list.formTitle.value, list.notice.value]).toEqual([true, "Label vip", null]);
    list.draft.description = "Very important";
    await list.save();
    expect(sent(fetch, 3)).toMatchObject({ url: "/api/v1/labels/3", method: "PATCH" });
    expect(list.notice.value).toBe("Saved.");
    expect(fetch).toHaveBeenCalledTimes(5);
  });

  it("keeps a refused form open with the desk's word beside the field", async () => {
    const fetch = stubFetch(
      answer(200, []),
      answer(409, {
        status: 409,
        detail: "a label 'vip' already exists",
        errors: [{ loc: ["body", "name"], msg: "a label 'vip' already exists", type: "taken" }],
      }),
    );
    const { list } = labelsScreen();
    await settled();
    list.open("new");
    list.draft.name = "vip";
    await list.save();
    expect(list.editing.value).toBe("new");
    expect(list.problems.value.fields.name?.type).toBe("taken");
    expect([list.notice.value, list.busy.value]).toEqual([null, false]);
    expect(fetch).toHaveBeenCalledTimes(2); // not loaded again
  });

  it("runs what follows a save in place of the notice and the reload when told", async () => {
    stubFetch(answer(200, [vip]), answer(200, vip));
    const { list } = labelsScreen();
    await settled();
    const after = vi.fn(() => Promise.resolve());
    list.open(vip);
    await list.save(after);
    expect(after).toHaveBeenCalledWith(vip);
    expect([list.editing.value, list.notice.value]).toEqual([null, null]);
  });

  it("deletes a row, closing its form, and says above the list why a delete was refused", async () => {
    const fetch = stubFetch(
      answer(200, [vip]),
      answer(204),
      answer(200, []),
      answer(409, { status: 409, title: "Conflict", detail: "the label is in use" }),
    );
    const { labels, list } = labelsScreen();
    await settled();
    list.open(vip);
    await list.remove(vip);
    expect(sent(fetch, 1)).toMatchObject({ url: "/api/v1/labels/3", method: "DELETE" });
    expect([list.editing.value, labels.value, list.listError.value]).toEqual([null, [], null]);

    await list.remove(vip);
    expect(list.listError.value).toBe("Not deleted: the label is in use");
    expect(list.busy.value).toBe(false);
  });
});

describe("an inbox form's actions", () => {
  it("clears the last notice and errors, is busy with one action, and places a refusal", async () => {
    const form = useSettingsForm<"save" | "rotate">();
    form.notice.value = "Saved.";
    let release!: () => void;
    const running = form.run("save", () => new Promise<void>((resolve) => (release = resolve)));
    expect([form.busy.value, form.notice.value]).toEqual(["save", null]);
    release();
    await running;
    expect(form.busy.value).toBeNull();

    const placed = { fields: { color: { type: "widget.value_error", msg: "Not a color." } }, general: null };
    await form.run("rotate", () => Promise.reject(new Error("refused")), () => placed);
    expect([form.busy.value, form.problems.value]).toEqual([null, placed]);
    await form.run("save", () => Promise.resolve());
    expect(form.problems.value).toEqual({ fields: {}, general: null });
  });
});
