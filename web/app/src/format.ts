// Dates and times as the user reads them: in their time zone and language.

const formats = new Map<string, Intl.DateTimeFormat>();

export function formatDateTime(iso: string, locale: string, timeZone: string): string {
  const key = `${locale}|${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "short", timeZone });
    } catch {
      // A zone this browser does not know: UTC beats showing nothing.
      format = new Intl.DateTimeFormat(locale, {
        dateStyle: "short",
        timeStyle: "short",
        timeZone: "UTC",
      });
    }
    formats.set(key, format);
  }
  return format.format(new Date(iso));
}
