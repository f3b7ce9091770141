import { defineStore } from "pinia";
import { ref } from "vue";

import { listApi, type SavedView } from "../listApi";
import { toViewFilters, type ListFilter } from "../listFilter";
import type { EventFrame } from "../realtime";

function isSavedView(value: unknown): value is SavedView {
  const v = value as Partial<SavedView> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.id === "number" &&
    typeof v.name === "string" &&
    typeof v.filters === "object" &&
    v.filters !== null
  );
}

/** My saved personal views, kept in step with my other screens by the view.* events. */
export const useSavedViewsStore = defineStore("savedViews", () => {
  const views = ref<SavedView[]>([]);
  const loaded = ref(false);

  function put(view: SavedView): void {
    views.value = [...views.value.filter((v) => v.id !== view.id), view].sort(
      (a, b) => a.name.localeCompare(b.name) || a.id - b.id,
    );
  }

  async function load(): Promise<void> {
    try {
      views.value = await listApi.views();
      loaded.value = true;
    } catch {
      // The built-in views still work; saved ones come with the next load.
    }
  }

  /** Save the filter under a name; a refusal (a taken name) is thrown to the caller. */
  async function save(name: string, filter: ListFilter): Promise<SavedView> {
    const view = await listApi.createView(name.trim(), toViewFilters(filter));
    put(view);
    return view;
  }

  async function remove(id: number): Promise<void> {
    await listApi.deleteView(id);
    views.value = views.value.filter((v) => v.id !== id);
  }

  function applyEvent(frame: EventFrame): void {
    if (frame.type === "view.deleted") {
      views.value = views.value.filter((v) => v.id !== frame.data.id);
    } else if ((frame.type === "view.created" || frame.type === "view.updated") && isSavedView(frame.data)) {
      put(frame.data);
    }
  }

  function reset(): void {
    views.value = [];
    loaded.value = false;
  }

  return { views, loaded, load, save, remove, applyEvent, reset };
});
