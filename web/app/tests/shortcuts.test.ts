import { describe, expect, it } from "vitest";

import { neighbour, shortcutOf, type KeyPress } from "../src/shortcuts";

function press(key: string, extra: Partial<KeyPress> = {}): KeyPress {
  return { key, altKey: false, ctrlKey: false, metaKey: false, target: null, ...extra };
}

describe("keyboard shortcuts", () => {
  it("maps single keys to actions", () => {
    expect(shortcutOf(press("j"))).toBe("next");
    expect(shortcutOf(press("k"))).toBe("previous");
    expect(shortcutOf(press("e"))).toBe("resolve");
    expect(shortcutOf(press("a"))).toBe("assignToMe");
    expect(shortcutOf(press("?"))).toBe("help");
    expect(shortcutOf(press("Escape"))).toBe("close");
    expect(shortcutOf(press("J"))).toBe("next"); // Caps Lock
    expect(shortcutOf(press("x"))).toBeNull();
    expect(shortcutOf(press("Enter"))).toBeNull();
  });

  it("leaves browser shortcuts and IME composition alone", () => {
    expect(shortcutOf(press("r", { ctrlKey: true }))).toBeNull();
    expect(shortcutOf(press("l", { metaKey: true }))).toBeNull();
    expect(shortcutOf(press("e", { altKey: true }))).toBeNull();
    expect(shortcutOf(press("n", { isComposing: true }))).toBeNull();
  });

  it("never fires while the agent types in a field", () => {
    for (const tagName of ["INPUT", "TEXTAREA", "SELECT"]) {
      expect(shortcutOf(press("e", { target: { tagName } as unknown as EventTarget }))).toBeNull();
    }
    const editable = { tagName: "DIV", isContentEditable: true } as unknown as EventTarget;
    expect(shortcutOf(press("r", { target: editable }))).toBeNull();
    const plain = { tagName: "DIV", isContentEditable: false } as unknown as EventTarget;
    expect(shortcutOf(press("r", { target: plain }))).toBe("reply");
  });
});

describe("moving through the list", () => {
  const ids = [10, 20, 30];

  it("steps to the next and previous conversation", () => {
    expect(neighbour(ids, 20, 1)).toBe(30);
    expect(neighbour(ids, 20, -1)).toBe(10);
  });

  it("stops at the ends and starts at the top", () => {
    expect(neighbour(ids, 30, 1)).toBeNull();
    expect(neighbour(ids, 10, -1)).toBeNull();
    expect(neighbour(ids, null, 1)).toBe(10);
    expect(neighbour(ids, 99, -1)).toBe(10); // the open one left the list
    expect(neighbour([], null, 1)).toBeNull();
  });
});
