// The connected browsers and the channels they joined, on Node (`ws`): delivery, heartbeat, backpressure and
// closing. Public `ws` APIs only (send, bufferedAmount, ping, close, terminate), so a `ws` upgrade within
// its major version cannot break it. On Bun, bun-server.ts has the same duties over Bun.serve's pub/sub.

import WebSocket from "ws";
import { CLOSE_POLICY } from "./close-codes";
import { InboundBudget } from "./limits";

export interface HubOptions {
    maxBufferedBytes: number;
    maxTotalBufferedBytes: number;
    heartbeatMs: number;
    /** WS_MAX_INBOUND_PER_SECOND: data frames and pings a client may send per second. */
    maxInboundPerSecond: number;
}

/**
 * Closes `socket` with `code` and lets go of it at once: the close frame is written, then the connection is
 * destroyed instead of waiting (ws: up to 30 s) for a close frame a hostile client never sends.
 */
export function closeNow(socket: WebSocket, code: number, reason: string): void {
    try {
        socket.close(code, reason);
    } finally {
        socket.terminate();
    }
}

export interface HubLogger {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
}

interface Client {
    alive: boolean;
    channels: readonly string[];
    /** Called once when the client leaves, however it leaves (frees its connection slot). */
    onGone: () => void;
}

/** A text frame, never compressed (perMessageDeflate is off), sent whole. */
const SEND_OPTIONS = { binary: false, compress: false, fin: true } as const;

export class Hub {
    private readonly clients = new Map<WebSocket, Client>();
    private readonly channels = new Map<string, Set<WebSocket>>();
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

    /** Registers an open socket in `channels`; `onGone` runs once when it leaves. */
    add(socket: WebSocket, channels: readonly string[], onGone: () => void = () => {}): void {
        if (this.closing) {
            onGone();
            socket.close(1001, "server shutting down");
            return;
        }
        const client: Client = { alive: true, channels, onGone };
        this.clients.set(socket, client);
        for (const channel of channels) {
            let members = this.channels.get(channel);
            if (!members) this.channels.set(channel, (members = new Set()));
            members.add(socket);
        }
        socket.on("pong", () => {
            client.alive = true;
        });
        // Browsers have nothing to tell us: inbound messages are ignored (maxPayload keeps them small) but
        // counted, and a client that sends more than its budget is closed.
        const budget = new InboundBudget(this.options.maxInboundPerSecond);
        const inbound = () => {
            if (budget.take()) return;
            if (!this.remove(socket)) return;
            this.log.warn({ reason: "inbound messages over WS_MAX_INBOUND_PER_SECOND" }, "dropping websocket client");
            closeNow(socket, CLOSE_POLICY, "too many messages");
        };
        socket.on("message", inbound);
        socket.on("ping", inbound);
        socket.on("close", () => {
            this.remove(socket);
        });
        socket.on("error", () => {
            this.drop(socket, "socket error");
        });
    }

    /** Number of sockets joined to `channel`. */
    members(channel: string): number {
        return this.channels.get(channel)?.size ?? 0;
    }

    private remove(socket: WebSocket): boolean {
        const client = this.clients.get(socket);
        if (!client) return false;
        this.clients.delete(socket);
        for (const channel of client.channels) {
            const members = this.channels.get(channel);
            members?.delete(socket);
            if (members?.size === 0) this.channels.delete(channel);
        }
        client.onGone();
        return true;
    }

    /**
     * Sends one already-serialized message to every OPEN client joined to at least one of `to` (each client
     * once); returns how many it was written to.
     */
    broadcast(message: string, to: readonly string[]): number {
        const targets = this.targets(to);
        if (targets.size === 0) return 0;
        // Encoded once; ws frames it per socket (public API only: a 2-14 byte header, the payload not copied).
        const data = Buffer.from(message, "utf8");
        let sent = 0;
        let total = 0;
        for (const socket of targets) {
            if (socket.readyState !== WebSocket.OPEN) continue;
            const buffered = socket.bufferedAmount;
            if (buffered > this.options.maxBufferedBytes) {
                this.drop(socket, "backpressure: client is not reading", { bufferedAmount: buffered });
                continue;
            }
            total += buffered;
            socket.send(data, SEND_OPTIONS);
            sent += 1;
        }
        if (total > this.options.maxTotalBufferedBytes) this.shed();
        return sent;
    }

    private targets(to: readonly string[]): Set<WebSocket> {
        if (to.length === 1) return this.channels.get(to[0]!) ?? new Set();
        const all = new Set<WebSocket>();
        for (const channel of to) for (const socket of this.channels.get(channel) ?? []) all.add(socket);
        return all;
    }

    /** Total unsent bytes over every client. */
    bufferedBytes(): number {
        let total = 0;
        for (const socket of this.clients.keys()) total += socket.bufferedAmount;
        return total;
    }

    /** Drops the clients with the largest backlogs until the total is under WS_MAX_TOTAL_BUFFERED_BYTES. */
    private shed(): void {
        const backlog = [...this.clients.keys()]
            .map((socket) => [socket, socket.bufferedAmount] as const)
            .filter(([, bytes]) => bytes > 0)
            .sort((a, b) => b[1] - a[1]);
        let total = backlog.reduce((sum, [, bytes]) => sum + bytes, 0);
        for (const [socket, bytes] of backlog) {
            if (total <= this.options.maxTotalBufferedBytes) break;
            this.drop(socket, "backpressure: total backlog over WS_MAX_TOTAL_BUFFERED_BYTES", { bufferedAmount: bytes });
            total -= bytes;
        }
    }

    startHeartbeat(): void {
        if (this.heartbeat) return;
        this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
        this.heartbeat.unref?.();
    }

    private beat(): void {
        if (this.bufferedBytes() > this.options.maxTotalBufferedBytes) this.shed();
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
        if (!this.remove(socket)) return;
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
        for (const socket of [...this.clients.keys()]) {
            this.remove(socket);
            socket.terminate();
        }
    }
}
