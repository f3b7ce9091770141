// Attachments in the reply box and the timeline: sizes as people read them, the desk's limits
// checked before uploading, pasted images named. Pure, so the components only wire them up.

/** What a message may hold (GET /api/v1/messages/limits). */
export interface MessageLimits {
  max_message_chars: number;
  max_attachment_bytes: number;
  max_attachments: number;
}

/** The desk's defaults, used until (or if never) it has told us its own. */
export const DEFAULT_LIMITS: MessageLimits = {
  max_message_chars: 64 * 1024,
  max_attachment_bytes: 25 * 1024 * 1024,
  max_attachments: 10,
};

const UNITS = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;

/** 1536 → "1.5 kB" in English, "1,5 кБ" in Russian (binary steps, as file managers count). */
export function formatSize(bytes: number, locale: string): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(locale, {
    style: "unit",
    unit: UNITS[unit],
    unitDisplay: unit === 0 ? "long" : "short", // "512 bytes", "1.5 kB"
    maximumFractionDigits: unit === 0 || value >= 100 ? 0 : 1,
  }).format(value);
}

export type Refusal =
  | { kind: "tooLarge"; name: string; size: number }
  | { kind: "tooMany"; max: number };

/** A file's identity for "added twice": the same name, size and modification time. */
function sameFile(a: File, b: File): boolean {
  return a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;
}

/**
 * Add `incoming` to the files already chosen: a file over the size limit is refused with its
 * name, a file already there is not added twice, and past the count limit the rest is refused.
 */
export function addFiles(
  current: readonly File[],
  incoming: readonly File[],
  limits: MessageLimits,
): { files: File[]; refused: Refusal[] } {
  const files = [...current];
  const refused: Refusal[] = [];
  let tooMany = false;
  for (const file of incoming) {
    if (files.some((f) => sameFile(f, file))) continue;
    if (file.size > limits.max_attachment_bytes) {
      refused.push({ kind: "tooLarge", name: file.name, size: file.size });
    } else if (files.length >= limits.max_attachments) {
      tooMany = true;
    } else {
      files.push(file);
    }
  }
  if (tooMany) refused.push({ kind: "tooMany", max: limits.max_attachments });
  return { files, refused };
}

// Shown inline as a preview; anything else (SVG included) is a download link.
const PREVIEWABLE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp"]);

export function isPreviewable(contentType: string): boolean {
  return PREVIEWABLE.has(contentType.split(";")[0]!.trim().toLowerCase());
}

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
};

/**
 * Files pasted into the reply box. A screenshot arrives as "image.png" every time, so pasted
 * images get a name of their own (by the time they were pasted) to tell them apart.
 */
export function pastedFiles(files: readonly File[], now: Date): File[] {
  const stamp = now.toISOString().slice(0, 19).replace(/[T:]/g, "-");
  return files.map((file, index) => {
    if (!file.type.startsWith("image/") || !/^image\.\w+$/.test(file.name)) return file;
    const extension = EXTENSIONS[file.type] ?? file.name.split(".").pop();
    const suffix = files.length > 1 ? `-${index + 1}` : "";
    return new File([file], `pasted-${stamp}${suffix}.${extension}`, {
      type: file.type,
      lastModified: file.lastModified,
    });
  });
}
