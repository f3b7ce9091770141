import { describe, expect, it } from "vitest";

import { addFiles, DEFAULT_LIMITS, formatSize, isPreviewable, pastedFiles } from "../src/attachments";

function file(name: string, size: number, type = "text/plain", lastModified = 1): File {
  return new File([new Uint8Array(size)], name, { type, lastModified });
}

const LIMITS = { ...DEFAULT_LIMITS, max_attachment_bytes: 1000, max_attachments: 3 };

describe("attachments", () => {
  it("says sizes as people read them, in their language", () => {
    expect(formatSize(0, "en")).toBe("0 bytes");
    expect(formatSize(512, "en")).toBe("512 bytes");
    expect(formatSize(1023, "ru")).toMatch(/^1\s023 байта$/u); // a thin space groups the digits
    expect(formatSize(1536, "en")).toBe("1.5 kB");
    expect(formatSize(25 * 1024 * 1024, "en")).toBe("25 MB");
    expect(formatSize(150 * 1024 * 1024, "en")).toBe("150 MB");
    expect(formatSize(1536, "ru")).toBe("1,5 кБ");
    expect(formatSize(3 * 1024 ** 3, "ru")).toBe("3 ГБ");
  });

  it("refuses a file over the limit by name, and more files than a message may carry", () => {
    const small = file("a.txt", 10);
    const edge = file("edge.bin", 1000);
    const big = file("big.bin", 1001);
    let result = addFiles([], [small, big, edge], LIMITS);
    expect(result.files.map((f) => f.name)).toEqual(["a.txt", "edge.bin"]);
    expect(result.refused).toEqual([{ kind: "tooLarge", name: "big.bin", size: 1001 }]);

    // The same file twice is there once; past the count, the rest is refused once.
    result = addFiles(result.files, [small, file("c.txt", 1), file("d.txt", 1), file("e.txt", 1)], LIMITS);
    expect(result.files.map((f) => f.name)).toEqual(["a.txt", "edge.bin", "c.txt"]);
    expect(result.refused).toEqual([{ kind: "tooMany", max: 3 }]);

    // Same name, another file (size or time differs): both are kept.
    result = addFiles([small], [file("a.txt", 11), file("a.txt", 10, "text/plain", 2)], LIMITS);
    expect(result.files).toHaveLength(3);
    expect(result.refused).toEqual([]);
  });

  it("previews only the images a browser shows safely", () => {
    expect(isPreviewable("image/png")).toBe(true);
    expect(isPreviewable("IMAGE/JPEG; charset=binary")).toBe(true);
    expect(isPreviewable("image/svg+xml")).toBe(false);
    expect(isPreviewable("application/pdf")).toBe(false);
  });

  it("names pasted screenshots apart, and leaves other files as they are", () => {
    const now = new Date("2026-11-22T14:05:09Z");
    const [shot] = pastedFiles([file("image.png", 5, "image/png")], now);
    expect(shot!.name).toBe("pasted-2026-11-22-14-05-09.png");
    expect(shot!.type).toBe("image/png");
    expect(shot!.size).toBe(5);
    const two = pastedFiles([file("image.png", 5, "image/png"), file("image.jpeg", 5, "image/jpeg")], now);
    expect(two.map((f) => f.name)).toEqual([
      "pasted-2026-11-22-14-05-09-1.png",
      "pasted-2026-11-22-14-05-09-2.jpg",
    ]);
    const named = file("photo.png", 5, "image/png");
    expect(pastedFiles([named], now)[0]).toBe(named);
  });
});
