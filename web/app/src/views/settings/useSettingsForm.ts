// What the forms beside an inbox (its channel's setup, the website chat, the portal) and the
// new-inbox form have in common: one action at a time, its notice, the desk's refusals.
import { ref, type Ref } from "vue";

import { formProblems, noProblems, type FormProblems } from "../../settingsApi";

export function useSettingsForm<Action extends string>() {
  const problems = ref<FormProblems>(noProblems());
  /** The action under way (its button says so; the others wait). */
  const busy = ref(null) as Ref<Action | null>;
  const notice = ref<string | null>(null);

  /**
   * Runs an action: the last notice and errors cleared, busy meanwhile, a refusal placed by
   * `problemsOf` (formProblems unless said).
   */
  async function run(
    action: Action,
    work: () => Promise<void>,
    problemsOf: (error: unknown) => FormProblems = formProblems,
  ): Promise<void> {
    busy.value = action;
    notice.value = null;
    problems.value = noProblems();
    try {
      await work();
    } catch (error) {
      problems.value = problemsOf(error);
    } finally {
      busy.value = null;
    }
  }

  return { problems, busy, notice, run };
}

/**
 * Copies text to the clipboard; where there is none (an insecure page, a refused permission)
 * selects it in its box instead, for the admin to copy. Whether it was copied.
 */
export async function copyOrSelect(
  text: string,
  box: HTMLInputElement | HTMLTextAreaElement | null,
): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    box?.select();
    return false;
  }
}
