// The agent websocket (/api/v1/ws, authenticated by the session cookie): frames are
// {"type", "data", ...}. Events are not replayed, so after every (re)connect the caller reloads.

export interface EventFrame {
  type: string;
  data: Record<string, unknown>;
  id?: number;
  inbox_id?: number | null;
  conversation_id?: number | null;
  /** Who did it (null: the desk or a customer). */
  actor_user_id?: number | null;
  created_at?: string;
}

export interface RealtimeHandlers {
  onReady: () => void;
  onEvent: (frame: EventFrame) => void;
  onDown: () => void;
  onUnauthorized: () => void;
}

const PING_MS = 30_000; // proxies close idle sockets
const RETRY_MS = [1_000, 2_000, 5_000, 10_000];
const UNAUTHORIZED = 4401;

export function socketUrl(location: Pick<Location, "protocol" | "host">): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/ws`;
}

/** Keeps one socket open until `close()`; reconnects after a drop, with growing pauses. */
export interface Realtime {
  close: () => void;
  /** Sends a frame (a collision hint) when the socket is open; false when it is not. */
  send: (frame: object) => boolean;
}

export function connectRealtime(handlers: RealtimeHandlers): Realtime {
  let socket: WebSocket | null = null;
  let ping: ReturnType<typeof setInterval> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let closed = false;

  function open(): void {
    socket = new WebSocket(socketUrl(window.location));
    socket.onmessage = (message: MessageEvent<string>) => {
      let frame: EventFrame;
      try {
        frame = JSON.parse(message.data) as EventFrame;
      } catch {
        return;
      }
      if (frame.type === "ready") {
        failures = 0;
        handlers.onReady();
      } else if (frame.type !== "pong") {
        handlers.onEvent(frame);
      }
    };
    socket.onopen = () => {
      ping = setInterval(() => socket?.send('{"type":"ping"}'), PING_MS);
    };
    socket.onclose = (event: CloseEvent) => {
      clearInterval(ping);
      socket = null;
      if (closed) return;
      handlers.onDown();
      if (event.code === UNAUTHORIZED) {
        handlers.onUnauthorized();
        return;
      }
      const pause = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)];
      failures += 1;
      retry = setTimeout(open, pause);
    };
  }

  open();
  return {
    close() {
      closed = true;
      clearTimeout(retry);
      clearInterval(ping);
      socket?.close();
    },
    send(frame: object): boolean {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
  };
}
