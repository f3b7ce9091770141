// The WhatsApp template picker's rules: when the window closes, what a template needs.
import type { ReplyWindow, TemplateSend, WhatsAppTemplate } from "./whatsappApi";

/** Whether a free-form reply may be sent at `now` (the desk's answer, and the clock since). */
export function windowOpen(window: ReplyWindow | null, now: number): boolean {
  if (!window?.open || !window.closes_at) return false;
  return Date.parse(window.closes_at) > now;
}

/** Milliseconds until an open window closes (null: closed, or nothing to wait for). */
export function msUntilClose(window: ReplyWindow | null, now: number): number | null {
  if (!windowOpen(window, now)) return null;
  return Date.parse(window!.closes_at!) - now;
}

/** One key per template: the same name exists in several languages. */
export function templateKey(template: WhatsAppTemplate): string {
  return `${template.name}|${template.language}`;
}

export function findTemplate(
  templates: readonly WhatsAppTemplate[],
  key: string,
): WhatsAppTemplate | null {
  return templates.find((template) => templateKey(template) === key) ?? null;
}

/** The values the form holds, resized to the template's parameter count. */
export function fitParameters(values: readonly string[], template: WhatsAppTemplate | null): string[] {
  const count = template?.parameters ?? 0;
  return Array.from({ length: count }, (_, n) => values[n] ?? "");
}

/** What to send, or null while a parameter is still empty. */
export function templateToSend(
  template: WhatsAppTemplate | null,
  values: readonly string[],
): TemplateSend | null {
  if (!template) return null;
  const parameters = fitParameters(values, template).map((value) => value.trim());
  if (parameters.some((value) => value === "")) return null;
  return { name: template.name, language: template.language, parameters };
}
