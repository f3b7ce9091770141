import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { Connection, type Frame } from "../src/connection";

class FakeSocket {
  static OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(): void {
    this.readyState = 3;
    this.onclose?.();
  }

  // What the server does:
  ready(): void {
    this.readyState = FakeSocket.OPEN;
    this.frame({ type: "ready", data: { conversation: null } });
  }

  frame(frame: Frame): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.();
  }
}

function setup() {
  const seen = { up: 0, down: 0, frames: [] as Frame[], polls: 0 };
  const connection = new Connection(() => "ws://desk/widget/v1/x/ws?token=t", {
    onUp: () => void (seen.up += 1),
    onDown: () => void (seen.down += 1),
    onFrame: (frame) => void (frame.type !== "ready" && seen.frames.push(frame)),
    poll: async () => {
      seen.polls += 1;
      await new Promise((resolve) => setTimeout(resolve, 25_000));
    },
  });
  return { connection, seen };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, "random").mockReturnValue(0.5);
  FakeSocket.all = [];
  vi.stubGlobal("WebSocket", FakeSocket);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("the visitor's connection", () => {
  it("sends messages over the socket and resolves them by their acknowledgement", async () => {
    const { connection, seen } = setup();
    connection.start();
    const socket = FakeSocket.all[0]!;
    socket.ready();
    expect(seen.up).toBe(1);
    const sent = connection.sendMessage("c1", "hello");
    expect(JSON.parse(socket.sent[0]!)).toEqual({ type: "message", client_id: "c1", content: "hello" });
    socket.frame({ type: "message", data: { id: 9 } });
    socket.frame({ type: "message.ack", data: { id: 10, client_id: "c1" } });
    await expect(sent).resolves.toMatchObject({ id: 10 });
    expect(seen.frames.map((f) => f.type)).toEqual(["message"]);
    const refused = connection.sendMessage("c2", " ");
    socket.frame({ type: "error", data: { client_id: "c2", status: 422, detail: "empty" } });
    await expect(refused).rejects.toMatchObject({ message: "empty", status: 422 });
  });

  it("refuses to send while closed, and fails what waits for an answer when dropped", async () => {
    const { connection } = setup();
    await expect(connection.sendMessage("c1", "x")).rejects.toThrow("offline");
    connection.start();
    FakeSocket.all[0]!.ready();
    const waiting = connection.sendMessage("c2", "y");
    FakeSocket.all[0]!.drop();
    await expect(waiting).rejects.toThrow("offline");
  });

  it("reconnects with growing pauses and long-polls after three failures", async () => {
    const { connection, seen } = setup();
    connection.start();
    FakeSocket.all[0]!.drop();
    expect(seen.down).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.drop();
    await vi.advanceTimersByTimeAsync(2000);
    FakeSocket.all[2]!.drop();
    expect(seen.polls).toBe(1); // the HTTP fallback runs meanwhile
    await vi.advanceTimersByTimeAsync(5000);
    FakeSocket.all[3]!.ready();
    expect(seen.up).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(seen.polls).toBe(1); // the socket is back: polling stopped
    connection.stop();
  });

  it("pings to keep proxies from closing an idle socket", async () => {
    const { connection } = setup();
    connection.start();
    FakeSocket.all[0]!.ready();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(FakeSocket.all[0]!.sent).toContain('{"type":"ping"}');
    connection.stop();
  });
});
