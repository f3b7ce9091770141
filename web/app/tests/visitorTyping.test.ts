// The website visitor typing, in the agent app: the widget's `conversation.typing` frames come
// without a user (`user_id: null`) and become a hint of the visitor, until they stop, write,
// or the hint expires.
import { describe, expect, it } from "vitest";

import { applyHint, hintsFor, prune, TYPING_TTL_MS, VISITOR, type Hint } from "../src/presence";
import type { EventFrame } from "../src/realtime";

const T0 = 1_000_000;
const ME = 9;

function visitorTyping(typing: boolean, conversationId = 7): EventFrame {
  return {
    type: "conversation.typing",
    actor_user_id: null,
    data: { conversation_id: conversationId, contact_id: 40, user_id: null, typing },
  };
}

describe("the visitor typing", () => {
  it("shows while the visitor types, and ends when they stop", () => {
    let hints: Hint[] = applyHint([], visitorTyping(true), T0);
    expect(hintsFor(hints, 7, T0, ME)).toEqual([
      { userId: VISITOR, conversationId: 7, kind: "typing", private: false, until: T0 + TYPING_TTL_MS },
    ]);
    expect(hintsFor(hints, 8, T0, ME)).toEqual([]);
    hints = applyHint(hints, visitorTyping(false), T0 + 100);
    expect(hintsFor(hints, 7, T0 + 100, ME)).toEqual([]);
  });

  it("ends when the visitor's message arrives, or expires", () => {
    let hints = applyHint([], visitorTyping(true), T0);
    const colleague = applyHint(hints, { type: "message.created", data: { conversation_id: 7, sender_type: "user", sender_id: 3 } }, T0);
    expect(colleague).toBe(hints); // an agent's reply does not end the visitor's typing
    hints = applyHint(hints, { type: "message.created", data: { conversation_id: 7, sender_type: "contact", sender_id: 40 } }, T0);
    expect(hints).toEqual([]);
    hints = applyHint([], visitorTyping(true), T0);
    expect(prune(hints, T0 + TYPING_TTL_MS)).toEqual([]);
  });

  it("is not confused with a colleague's hints", () => {
    let hints = applyHint([], { type: "conversation.typing", data: { conversation_id: 7, user_id: 3 } }, T0);
    hints = applyHint(hints, visitorTyping(true), T0);
    expect(hintsFor(hints, 7, T0, ME).map((h) => h.userId).sort()).toEqual([VISITOR, 3]);
    // Frames without a user that are not typing are ignored, as before.
    expect(applyHint([], { type: "conversation.viewing", data: { conversation_id: 7, user_id: null } }, T0)).toEqual([]);
  });
});
