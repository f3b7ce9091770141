// Work that must not hold up what the user is waiting to see.

/** Run `then` in the frame after the one that paints what was just rendered (at once when hidden). */
export function afterPaint(then: () => void): void {
  if (typeof document === "undefined" || document.visibilityState === "hidden") {
    setTimeout(then, 0); // a hidden tab paints nothing (and would run no animation frame)
    return;
  }
  requestAnimationFrame(() => requestAnimationFrame(then));
}
