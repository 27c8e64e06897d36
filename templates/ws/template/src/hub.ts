// The connected browsers, the channels they joined and each connection's life, once for both runtimes:
// admission by ticket (in the URL, or in the socket's first message), refresh over the open socket, expiry,
// revocation, fan-out, per-socket and total backlog caps, inbound budget, heartbeat and closing. A runtime
// adapter (server.ts on Node, bun-server.ts on Bun) gives it a Driver: how to write to, ping and close one of
// its sockets, and, where the runtime has them (Bun), native topics for delivery.

import { PUBLIC_CHANNEL } from "./channels";
import { claimChannels, type Claim } from "./claim";
import { CLOSE_POLICY, CLOSE_REVOKED, CLOSE_TICKET_EXPIRED, CLOSE_TICKET_INVALID, CLOSE_TICKET_REQUIRED } from "./close-codes";
import { InboundBudget } from "./limits";
import { CLOCK_SKEW_SECONDS, looksLikeTicket } from "./tickets";

/** What the hub needs from a runtime's sockets. `D` is a message prepared once per broadcast. */
export interface Driver<S, D = unknown> {
    prepare(message: string): D;
    send(socket: S, data: D): void;
    /** Unsent bytes queued on the socket. */
    buffered(socket: S): number;
    ping(socket: S): void;
    /** Close frame, then wait (a little) for the client's: shutdown. */
    close(socket: S, code: number, reason: string): void;
    /** Close frame, then let go at once (a hostile client never answers it). */
    closeNow(socket: S, code: number, reason: string): void;
    terminate(socket: S): void;
    /**
     * Native topics (Bun): one publish per channel, framed once and written by native code; the runtime
     * closes a socket past its own backlog cap by itself. Absent: the hub writes to each socket (Node).
     */
    topics?: {
        subscribe(socket: S, channel: string): void;
        unsubscribe(socket: S, channel: string): void;
        publish(channel: string, message: string): void;
    };
}

export interface HubOptions {
    maxBufferedBytes: number;
    maxTotalBufferedBytes: number;
    heartbeatMs: number;
    /** WS_MAX_INBOUND_PER_SECOND: data frames and pings a client may send per second. */
    maxInboundPerSecond: number;
    /** WS_PUBLIC: a socket without a ticket joins `public`; otherwise it must send one within ticketTimeoutMs. */
    allowAnonymous: boolean;
    ticketTimeoutMs: number;
}

export interface HubLogger {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
}

/**
 * Each ticket opens one connection: `first(nonce, exp)` is true the first time a nonce is presented (then it
 * is remembered until `exp`, seconds), false after. May answer later (Redis, shared with the replicas).
 */
export type NonceCheck = (nonce: string, exp: number) => boolean | Promise<boolean>;

/** A socket the hub holds; adapters keep it next to their socket and hand it back on each event. */
export interface Conn<S> {
    readonly socket: S;
    /** waiting: no ticket yet (WS_PUBLIC=false); open: joined; gone: closed or closing. */
    state: "waiting" | "open" | "gone";
    channels: readonly string[];
    sub: string | null;
    alive: boolean;
    inbound: InboundBudget;
    /** The ticket's deadline (waiting) or its expiry (open with a ticket). */
    timer: ReturnType<typeof setTimeout> | undefined;
    /** Called once when the adapter reports the socket gone, however it went (frees its connection slot). */
    onGone: () => void;
    released: boolean;
}

/** How often, at most, the total backlog is summed while events flow on native topics. */
const SCAN_MS = 250;
/** The hub's answer to an accepted ticket sent over the socket: not an event (it has no `type`). */
export function ticketAck(ttlSeconds: number): string {
    return `{"ctl":"ticket","ttl":${ttlSeconds}}`;
}

export class Hub<S, D = unknown> {
    private readonly clients = new Set<Conn<S>>();
    private readonly channels = new Map<string, Set<Conn<S>>>();
    private heartbeat: ReturnType<typeof setInterval> | undefined;
    private scan: ReturnType<typeof setTimeout> | undefined;
    private closing = false;
    /** When the hub last published to a native topic (see gone()). */
    private lastWrite = 0;

    constructor(
        private readonly driver: Driver<S, D>,
        private readonly options: HubOptions,
        private readonly ticketKey: Buffer | undefined,
        private readonly firstUse: NonceCheck,
        private readonly log: HubLogger,
    ) {}

    /** Open sockets (joined, or waiting for their ticket). */
    get size(): number {
        return this.clients.size;
    }

    get isClosing(): boolean {
        return this.closing;
    }

    /** Sockets joined to `channel`. */
    members(channel: string): number {
        return this.channels.get(channel)?.size ?? 0;
    }

    /**
     * A socket just upgraded. `urlTickets`: the deprecated `?ticket=` values (empty when none were given).
     * Closed at once when `refuse` says so or its URL ticket is refused; otherwise joined, or waiting for a
     * ticket in its first message. `onGone` runs once, when the adapter reports the socket gone.
     */
    open(socket: S, urlTickets: readonly unknown[], onGone: () => void, refuse?: [number, string]): Conn<S> {
        const conn: Conn<S> = {
            socket,
            state: "waiting",
            channels: [],
            sub: null,
            alive: true,
            inbound: new InboundBudget(this.options.maxInboundPerSecond),
            timer: undefined,
            onGone,
            released: false,
        };
        this.clients.add(conn);
        if (this.closing) refuse = [1001, "server shutting down"];
        if (refuse) {
            this.end(conn, ...refuse);
            return conn;
        }
        if (urlTickets.length > 0) {
            const claim = claimChannels(urlTickets, this.ticketKey, this.options.allowAnonymous);
            if (claim.ok && claim.nonce !== undefined) this.admit(conn, claim, this.firstUse(claim.nonce, claim.exp!));
            else this.apply(conn, claim);
        } else if (this.options.allowAnonymous) {
            this.join(conn, [PUBLIC_CHANNEL], null, undefined);
        } else {
            conn.timer = setTimeout(() => {
                if (conn.state === "waiting") this.end(conn, CLOSE_TICKET_REQUIRED, "no ticket in time");
            }, this.options.ticketTimeoutMs);
            conn.timer.unref?.();
        }
        return conn;
    }

    /** A data frame from the client: counted; a ticket (the first, or a refresh) is checked and applied. */
    message(conn: Conn<S>, text: string | undefined): void {
        if (!this.inbound(conn) || text === undefined || !looksLikeTicket(text)) return;
        const claim = claimChannels([text], this.ticketKey, this.options.allowAnonymous);
        if (claim.ok && claim.nonce !== undefined) this.admit(conn, claim, this.firstUse(claim.nonce, claim.exp!), true);
        else this.apply(conn, claim, true);
    }

    /** A ping from the client: counted like a message. */
    inbound(conn: Conn<S>): boolean {
        if (conn.inbound.take() || conn.state === "gone") return conn.state !== "gone";
        this.log.warn({ reason: "inbound messages over WS_MAX_INBOUND_PER_SECOND" }, "dropping websocket client");
        this.end(conn, CLOSE_POLICY, "too many messages");
        return false;
    }

    pong(conn: Conn<S>): void {
        conn.alive = true;
    }

    /** The socket closed, however it closed (`code`: the close code the runtime reports). */
    gone(conn: Conn<S>, code?: number): void {
        // Bun gives no reason for a backpressure close: a 1006 right after a write is taken for one.
        if (code === 1006 && conn.state !== "gone" && this.driver.topics && performance.now() - this.lastWrite < 250) {
            this.log.warn({ reason: "backpressure: client is not reading", limit: this.options.maxBufferedBytes }, "dropping websocket client");
        }
        this.remove(conn);
        if (conn.released) return;
        conn.released = true;
        conn.onGone();
    }

    private admit(conn: Conn<S>, claim: Claim & { ok: true }, first: boolean | Promise<boolean>, ack = false): void {
        const reused: Claim = { ok: false, code: CLOSE_TICKET_INVALID, reason: "ticket already used", why: "reused" };
        if (typeof first === "boolean") {
            this.apply(conn, first ? claim : reused, ack);
            return;
        }
        first.then(
            (yes) => this.apply(conn, yes ? claim : reused, ack),
            () => this.apply(conn, reused, ack),
        );
    }

    private apply(conn: Conn<S>, claim: Claim, ack = false): void {
        if (conn.state === "gone") return;
        if (!claim.ok) {
            this.log.info({ reason: claim.why }, "websocket closed: ticket refused");
            this.end(conn, claim.code, claim.reason);
            return;
        }
        this.join(conn, claim.channels, claim.sub ?? null, claim.exp);
        if (ack && claim.exp !== undefined) this.driver.send(conn.socket, this.driver.prepare(ticketAck(this.ttl(claim.exp))));
    }

    private ttl(exp: number): number {
        return Math.max(0, exp - Math.floor(Date.now() / 1000));
    }

    /** Joins (or, on a refresh, re-joins) `channels`; with a ticket, closes the socket when it expires. */
    private join(conn: Conn<S>, channels: readonly string[], sub: string | null, exp: number | undefined): void {
        const topics = this.driver.topics;
        const before = new Set(conn.channels);
        const after = new Set(channels);
        for (const channel of before) {
            if (after.has(channel)) continue;
            const members = this.channels.get(channel);
            members?.delete(conn);
            if (members?.size === 0) this.channels.delete(channel);
            topics?.unsubscribe(conn.socket, channel);
        }
        for (const channel of after) {
            if (before.has(channel)) continue;
            let members = this.channels.get(channel);
            if (!members) this.channels.set(channel, (members = new Set()));
            members.add(conn);
            topics?.subscribe(conn.socket, channel);
        }
        conn.channels = [...after];
        conn.sub = sub;
        conn.state = "open";
        clearTimeout(conn.timer);
        conn.timer = undefined;
        if (exp !== undefined) {
            // Alive as long as its ticket would still be accepted (its expiry plus the clock skew), unless refreshed.
            const left = Math.max(0, (exp + CLOCK_SKEW_SECONDS) * 1000 - Date.now());
            conn.timer = setTimeout(() => this.end(conn, CLOSE_TICKET_EXPIRED, "ticket expired"), left);
            conn.timer.unref?.();
        }
    }

    private remove(conn: Conn<S>): boolean {
        if (conn.state === "gone") return false;
        conn.state = "gone";
        clearTimeout(conn.timer);
        if (this.clients.delete(conn)) {
            for (const channel of conn.channels) {
                const members = this.channels.get(channel);
                members?.delete(conn);
                if (members?.size === 0) this.channels.delete(channel);
            }
        }
        return true;
    }

    /** Closes with `code` and lets go at once. */
    private end(conn: Conn<S>, code: number, reason: string): void {
        if (!this.remove(conn)) return;
        this.driver.closeNow(conn.socket, code, reason);
    }

    private drop(conn: Conn<S>, reason: string, extra: object = {}): void {
        if (!this.remove(conn)) return;
        this.log.warn({ reason, ...extra }, "dropping websocket client");
        this.driver.terminate(conn.socket);
    }

    /**
     * Closes (CLOSE_REVOKED) every socket joined to at least one of `channels`: `user:42` is every socket of
     * user 42. Their clients reconnect with a fresh ticket, which grants what the web app grants now.
     */
    revoke(channels: readonly string[]): number {
        const targets = this.targets(channels);
        for (const conn of targets) this.end(conn, CLOSE_REVOKED, "revoked");
        return targets.size;
    }

    private targets(to: readonly string[]): Set<Conn<S>> {
        if (to.length === 1) return new Set(this.channels.get(to[0]!));
        const all = new Set<Conn<S>>();
        for (const channel of to) for (const conn of this.channels.get(channel) ?? []) all.add(conn);
        return all;
    }

    /**
     * Delivers one serialized message to every socket joined to at least one of `to`, each once; returns how
     * many sockets it was handed to.
     */
    broadcast(message: string, to: readonly string[]): number {
        return this.driver.topics ? this.publish(this.driver.topics, message, to) : this.write(message, to);
    }

    /** Per socket (Node): each socket's backlog checked before writing, the total after. */
    private write(message: string, to: readonly string[]): number {
        const targets = to.length === 1 ? this.channels.get(to[0]!) : this.targets(to);
        if (!targets || targets.size === 0) return 0;
        const data = this.driver.prepare(message);
        const { maxBufferedBytes, maxTotalBufferedBytes } = this.options;
        let sent = 0;
        let total = 0;
        for (const conn of targets) {
            const buffered = this.driver.buffered(conn.socket);
            if (buffered > maxBufferedBytes) {
                this.drop(conn, "backpressure: client is not reading", { bufferedAmount: buffered });
                continue;
            }
            total += buffered;
            this.driver.send(conn.socket, data);
            sent += 1;
        }
        if (total > maxTotalBufferedBytes) this.shed();
        return sent;
    }

    /**
     * Native topics (Bun). One channel: one publish. Several: a publish to the largest, then a direct send to
     * each member of the others that is not in an earlier channel of the list.
     */
    private publish(topics: NonNullable<Driver<S, D>["topics"]>, message: string, to: readonly string[]): number {
        let sent = 0;
        this.lastWrite = performance.now();
        if (to.length === 1) {
            sent = this.members(to[0]!);
            if (sent > 0) topics.publish(to[0]!, message);
        } else {
            const order = to.filter((c) => this.members(c) > 0).sort((a, b) => this.members(b) - this.members(a));
            if (order.length === 0) return 0;
            sent = this.members(order[0]!);
            topics.publish(order[0]!, message);
            const sets = order.map((c) => this.channels.get(c)!);
            let data: D | undefined;
            for (let i = 1; i < order.length; i++) {
                for (const conn of sets[i]!) {
                    let earlier = false;
                    for (let j = 0; j < i && !earlier; j++) earlier = sets[j]!.has(conn);
                    if (earlier) continue;
                    data ??= this.driver.prepare(message);
                    this.driver.send(conn.socket, data);
                    sent += 1;
                }
            }
        }
        if (sent > 0) this.scheduleScan();
        return sent;
    }

    /**
     * On native topics the total backlog is summed at most every SCAN_MS while events flow (one pass over
     * the sockets costs about 0.4 µs a socket), and not at all when it cannot pass its cap.
     */
    private scheduleScan(): void {
        if (this.scan) return;
        if (this.clients.size * this.options.maxBufferedBytes <= this.options.maxTotalBufferedBytes) return;
        this.scan = setTimeout(() => {
            this.scan = undefined;
            this.shed();
        }, SCAN_MS);
    }

    /** Total unsent bytes over every client. */
    bufferedBytes(): number {
        let total = 0;
        for (const conn of this.clients) total += this.driver.buffered(conn.socket);
        return total;
    }

    /** Drops the clients with the largest backlogs until the total is under WS_MAX_TOTAL_BUFFERED_BYTES. */
    private shed(): void {
        const backlog: [Conn<S>, number][] = [];
        let total = 0;
        for (const conn of this.clients) {
            const bytes = this.driver.buffered(conn.socket);
            if (bytes > 0) {
                backlog.push([conn, bytes]);
                total += bytes;
            }
        }
        if (total <= this.options.maxTotalBufferedBytes) return;
        backlog.sort((a, b) => b[1] - a[1]);
        for (const [conn, bytes] of backlog) {
            if (total <= this.options.maxTotalBufferedBytes) break;
            this.drop(conn, "backpressure: total backlog over WS_MAX_TOTAL_BUFFERED_BYTES", { bufferedAmount: bytes });
            total -= bytes;
        }
    }

    startHeartbeat(): void {
        if (this.heartbeat) return;
        this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
        this.heartbeat.unref?.();
    }

    private beat(): void {
        this.shed();
        for (const conn of [...this.clients]) {
            if (!conn.alive) {
                this.drop(conn, "heartbeat: no pong since the last ping");
                continue;
            }
            const buffered = this.driver.buffered(conn.socket);
            if (buffered > this.options.maxBufferedBytes) {
                this.drop(conn, "backpressure: client is not reading", { bufferedAmount: buffered });
                continue;
            }
            conn.alive = false;
            try {
                this.driver.ping(conn.socket);
            } catch {
                this.drop(conn, "ping failed");
            }
        }
    }

    /** A socket error: the socket is let go. */
    failed(conn: Conn<S>): void {
        this.drop(conn, "socket error");
    }

    /** Closes every client with 1001 and waits up to `graceMs`; clients that never answer are terminated. */
    async closeAll(graceMs: number): Promise<void> {
        this.closing = true;
        clearInterval(this.heartbeat);
        clearTimeout(this.scan);
        this.heartbeat = this.scan = undefined;
        for (const conn of [...this.clients]) {
            try {
                this.driver.close(conn.socket, 1001, "server shutting down");
            } catch {
                this.drop(conn, "close failed");
            }
        }
        const deadline = Date.now() + graceMs;
        while (this.clients.size > 0 && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 25));
        }
        for (const conn of [...this.clients]) {
            this.remove(conn);
            this.driver.terminate(conn.socket);
        }
    }
}
