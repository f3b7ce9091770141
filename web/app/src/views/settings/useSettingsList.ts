// What the settings' list screens (inboxes, teams, users, labels, canned replies, custom
// attributes, webhooks) have in common: the list loaded when the screen opens, one form at a time
// for a new or an existing item, and the busy flag, notice and errors around saving and deleting.
import { computed, onMounted, reactive, ref, type Ref } from "vue";
import { useI18n } from "vue-i18n";

import { formProblems, noProblems, type FormProblems } from "../../settingsApi";

/** `fetch` run when the screen opens: `loading` until its first answer, `loadError` if it failed. */
export function useSettingsLoad(fetch: () => Promise<void>) {
  const loading = ref(true);
  const loadError = ref<string | null>(null);

  async function load(): Promise<void> {
    try {
      await fetch();
      loadError.value = null;
    } catch (error) {
      loadError.value = formProblems(error).general;
    } finally {
      loading.value = false;
    }
  }
  onMounted(load);
  return { loading, loadError, load };
}

export interface SettingsListOptions<Item, Draft> {
  /** Fetches what the screen shows: when it opens and after each change. */
  fetch: () => Promise<void>;
  /** The form's contents for a new item. */
  blank: () => Draft;
  /** The form's contents for an existing item. */
  draftOf: (item: Item) => Draft;
  /** The form's heading. */
  title?: (item: Item | "new") => string;
  /** The desk's refusal of a save as form errors (formProblems unless said). */
  problemsOf?: (error: unknown) => FormProblems;
  /** The requests behind save() and remove(), where a screen's form maps to them plainly. */
  create?: (body: Draft) => Promise<Item>;
  update?: (id: number, body: Draft) => Promise<Item>;
  delete?: (id: number) => Promise<unknown>;
  /** What create and update send (a copy of the draft unless said). */
  bodyOf?: (draft: Draft) => Draft;
}

export function useSettingsList<Item extends { id: number }, Draft extends object>(
  options: SettingsListOptions<Item, Draft>,
) {
  const { t } = useI18n();
  const { loading, loadError, load } = useSettingsLoad(options.fetch);
  /** The item being edited, "new" for the create form, null when no form is open. */
  const editing = ref(null) as Ref<Item | "new" | null>;
  const draft = reactive(options.blank()) as Draft;
  const problems = ref<FormProblems>(noProblems());
  const busy = ref(false);
  const notice = ref<string | null>(null);
  /** Why a delete (or another action on a row) failed, above the list. */
  const listError = ref<string | null>(null);
  const formTitle = computed(() => options.title?.(editing.value ?? "new") ?? "");

  /** Opens the form on an item (or a new one), with its draft unless another is given. */
  function open(item: Item | "new", fresh?: Draft): void {
    editing.value = item;
    Object.assign(draft, fresh ?? (item === "new" ? options.blank() : options.draftOf(item)));
    problems.value = noProblems();
    notice.value = null;
  }

  /** The item whose form is open (its row is marked). */
  function isOpen(item: Item): boolean {
    return editing.value !== "new" && editing.value?.id === item.id;
  }

  /** "Saved." and the list fetched again. */
  function saved(): Promise<void> {
    notice.value = t("settings.saved");
    return load();
  }

  /**
   * Saves the open form: `send` makes the requests, then the form closes and `then` follows
   * (by default "Saved." and the list again). A refusal stays in the form, beside its fields.
   */
  async function saveWith<Result>(
    send: (target: Item | "new") => Promise<Result>,
    then: (result: Result) => Promise<void> = saved,
  ): Promise<void> {
    const target = editing.value;
    if (target === null) return;
    busy.value = true;
    try {
      const result = await send(target);
      editing.value = null;
      await then(result);
    } catch (error) {
      problems.value = (options.problemsOf ?? formProblems)(error);
    } finally {
      busy.value = false;
    }
  }

  /** Saves the open form with options.create or options.update; see saveWith. */
  function save(then: (item: Item) => Promise<void> = saved): Promise<void> {
    return saveWith((target) => {
      const body = options.bodyOf ? options.bodyOf(draft) : { ...draft };
      return target === "new" ? options.create!(body) : options.update!(target.id, body);
    }, then);
  }

  /** Deletes an item with options.delete (closing its form); a refusal is said above the list. */
  async function remove(item: Item): Promise<void> {
    busy.value = true;
    listError.value = null;
    try {
      await options.delete!(item.id);
      if (isOpen(item)) editing.value = null;
      await load();
    } catch (error) {
      listError.value = t("settings.deleteFailed", { detail: formProblems(error).general ?? "" });
    } finally {
      busy.value = false;
    }
  }

  return {
    loading,
    loadError,
    load,
    editing,
    draft,
    problems,
    busy,
    notice,
    listError,
    formTitle,
    open,
    isOpen,
    saved,
    saveWith,
    save,
    remove,
  };
}
