// The set of connected browsers: broadcast, heartbeat, backpressure and closing.

import WebSocket from "ws";

export interface HubOptions {
    maxBufferedBytes: number;
    heartbeatMs: number;
}

export interface HubLogger {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
}

interface Client {
    alive: boolean;
}

// ws (under Node) can frame a message once and hand the same bytes to every socket. Bun replaces the
// `ws` package with its own implementation, which has no Sender; there we fall back to socket.send().
interface WsSender {
    _state?: number;
    _queue?: unknown[];
    sendFrame?: (list: Buffer[], cb?: (err?: Error) => void) => void;
}
type FrameFn = (data: Buffer, options: Record<string, unknown>) => Buffer[];
const frameFn: FrameFn | undefined = (() => {
    const sender = (WebSocket as unknown as { Sender?: { frame?: FrameFn } }).Sender;
    return typeof sender?.frame === "function" ? sender.frame.bind(sender) : undefined;
})();

function senderOf(socket: WebSocket): WsSender | undefined {
    const sender = (socket as unknown as { _sender?: WsSender })._sender;
    // Only write pre-framed bytes when nothing is queued, so frames never overtake each other.
    if (sender && typeof sender.sendFrame === "function" && sender._state === 0 && sender._queue?.length === 0) {
        return sender;
    }
    return undefined;
}

export class Hub {
    private readonly clients = new Map<WebSocket, Client>();
    private heartbeat: ReturnType<typeof setInterval> | undefined;
    private closing = false;

    constructor(
        private readonly options: HubOptions,
        private readonly log: HubLogger,
    ) {}

    get size(): number {
        return this.clients.size;
    }

    get isClosing(): boolean {
        return this.closing;
    }

    add(socket: WebSocket): void {
        if (this.closing) {
            socket.close(1001, "server shutting down");
            return;
        }
        const client: Client = { alive: true };
        this.clients.set(socket, client);
        socket.on("pong", () => {
            client.alive = true;
        });
        // Browsers have nothing to tell us; inbound messages are ignored (maxPayload keeps them small).
        socket.on("close", () => {
            this.clients.delete(socket);
        });
        socket.on("error", () => {
            this.drop(socket, "socket error");
        });
    }

    /** Sends one already-serialized message to every OPEN client; returns how many it was written to. */
    broadcast(message: string): number {
        if (this.clients.size === 0) return 0;
        const frame = frameFn?.(Buffer.from(message, "utf8"), {
            fin: true,
            rsv1: false,
            opcode: 0x01,
            mask: false,
            readOnly: true,
        });
        let sent = 0;
        for (const socket of this.clients.keys()) {
            if (socket.readyState !== WebSocket.OPEN) continue;
            if (socket.bufferedAmount > this.options.maxBufferedBytes) {
                this.drop(socket, "backpressure: client is not reading", { bufferedAmount: socket.bufferedAmount });
                continue;
            }
            const sender = frame ? senderOf(socket) : undefined;
            if (sender && frame) sender.sendFrame!(frame);
            else socket.send(message);
            sent += 1;
        }
        return sent;
    }

    startHeartbeat(): void {
        if (this.heartbeat) return;
        this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
        this.heartbeat.unref?.();
    }

    private beat(): void {
        for (const [socket, client] of this.clients) {
            if (!client.alive) {
                this.drop(socket, "heartbeat: no pong since the last ping");
                continue;
            }
            if (socket.bufferedAmount > this.options.maxBufferedBytes) {
                this.drop(socket, "backpressure: client is not reading", { bufferedAmount: socket.bufferedAmount });
                continue;
            }
            client.alive = false;
            try {
                socket.ping();
            } catch {
                this.drop(socket, "ping failed");
            }
        }
    }

    private drop(socket: WebSocket, reason: string, extra: object = {}): void {
        if (!this.clients.delete(socket)) return;
        this.log.warn({ reason, ...extra }, "dropping websocket client");
        socket.terminate();
    }

    /**
     * Closes every client with 1001 (going away) and waits up to `graceMs` for them to answer;
     * clients that never answer the close are terminated.
     */
    async closeAll(graceMs: number): Promise<void> {
        this.closing = true;
        if (this.heartbeat) clearInterval(this.heartbeat);
        this.heartbeat = undefined;
        const sockets = [...this.clients.keys()];
        for (const socket of sockets) {
            try {
                socket.close(1001, "server shutting down");
            } catch {
                socket.terminate();
            }
        }
        const deadline = Date.now() + graceMs;
        while (this.clients.size > 0 && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 25));
        }
        for (const socket of this.clients.keys()) socket.terminate();
        this.clients.clear();
    }
}
