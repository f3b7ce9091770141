// The visitor's live connection: a websocket, reopened after a drop with growing pauses; when
// it keeps failing (a proxy that refuses websockets), long polls over HTTP until it works again.
// Messages go over the socket when it is open (answered by a `message.ack` carrying the
// client id), else over HTTP: either way the same client id, so never twice.

import { retryDelay, type Message } from "./model";

export interface Frame {
  type: string;
  data: Record<string, unknown>;
}

export interface ConnectionHandlers {
  /** The socket is ready (after every reconnect): catch up and send what waits. */
  onUp(): void;
  onDown(): void;
  onFrame(frame: Frame): void;
  /** One long poll of the HTTP fallback (it merges what it got). */
  poll(): Promise<void>;
}

const ACK_TIMEOUT_MS = 10_000;
const POLL_AFTER_FAILURES = 3;
const PING_MS = 25_000;

interface PendingAck {
  resolve(message: Message): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class Connection {
  private socket: WebSocket | null = null;
  private failures = 0;
  private stopped = false;
  private polling = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;
  private readonly acks = new Map<string, PendingAck>();

  constructor(
    private readonly url: () => string,
    private readonly handlers: ConnectionHandlers,
  ) {}

  get live(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.socket || this.stopped) return;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.ping);
    this.socket?.close();
  }

  /** Send a frame if the socket is open; false otherwise. */
  send(frame: Record<string, unknown>): boolean {
    if (!this.live) return false;
    this.socket?.send(JSON.stringify(frame));
    return true;
  }

  /** A message over the socket, resolved by its acknowledgement. */
  sendMessage(clientId: string, content: string): Promise<Message> {
    return new Promise((resolve, reject) => {
      if (!this.send({ type: "message", client_id: clientId, content })) {
        reject(new Error("offline"));
        return;
      }
      const timer = setTimeout(() => {
        this.acks.delete(clientId);
        reject(new Error("timeout"));
      }, ACK_TIMEOUT_MS);
      this.acks.set(clientId, { resolve, reject, timer });
    });
  }

  private open(): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url());
    } catch {
      this.dropped();
      return;
    }
    this.socket = socket;
    socket.onmessage = (event: MessageEvent<string>) => {
      let frame: Frame;
      try {
        frame = JSON.parse(event.data) as Frame;
      } catch {
        return;
      }
      this.receive(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.dropped();
    };
  }

  private receive(frame: Frame): void {
    const clientId = typeof frame.data?.client_id === "string" ? frame.data.client_id : null;
    if (frame.type === "ready") {
      this.failures = 0;
      this.polling = false;
      clearInterval(this.ping);
      this.ping = setInterval(() => this.send({ type: "ping" }), PING_MS);
      this.handlers.onFrame(frame);
      this.handlers.onUp();
    } else if (frame.type === "message.ack" && clientId) {
      this.settle(clientId, (ack) => ack.resolve(frame.data as unknown as Message));
    } else if (frame.type === "error" && clientId) {
      const detail = typeof frame.data.detail === "string" ? frame.data.detail : "error";
      this.settle(clientId, (ack) => ack.reject(Object.assign(new Error(detail), { status: frame.data.status })));
    } else if (frame.type !== "pong") {
      this.handlers.onFrame(frame);
    }
  }

  private settle(clientId: string, done: (ack: PendingAck) => void): void {
    const ack = this.acks.get(clientId);
    if (!ack) return;
    clearTimeout(ack.timer);
    this.acks.delete(clientId);
    done(ack);
  }

  private dropped(): void {
    clearInterval(this.ping);
    for (const [clientId, ack] of this.acks) {
      clearTimeout(ack.timer);
      ack.reject(new Error("offline"));
      this.acks.delete(clientId);
    }
    if (this.stopped) return;
    this.handlers.onDown();
    this.failures += 1;
    if (this.failures >= POLL_AFTER_FAILURES && !this.polling) void this.pollLoop();
    this.retry = setTimeout(() => this.open(), retryDelay(this.failures - 1));
  }

  private async pollLoop(): Promise<void> {
    this.polling = true;
    let failures = 0;
    while (this.polling && !this.stopped) {
      try {
        await this.handlers.poll();
        failures = 0;
      } catch {
        failures += 1;
        await new Promise((resolve) => setTimeout(resolve, retryDelay(failures)));
      }
    }
  }
}
