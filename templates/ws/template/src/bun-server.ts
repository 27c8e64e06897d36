/// <reference types="bun" />
// The service on Bun: all of HTTP and the WebSockets served by Bun.serve, delivery through Bun's native
// pub/sub. Each channel is a topic: a socket subscribes to every channel it joined, and an event for one
// channel is one server.publish() (framed once, written by native code; Bun's backpressureLimit caps each
// socket's unsent bytes). The contract is the Node server's (server.ts), through the same runtime-agnostic
// modules: config, channels, tickets, origin, limits, events, auth, Redis fan-out, logger.

import type { Server, ServerWebSocket } from "bun";
import pino from "pino";
import secureJson from "secure-json-parse";
import { healthBody } from "./auth";
import { parseEventQuery } from "./channels";
import { claimChannels } from "./claim";
import type { Config } from "./config";
import { jsonTooDeep, MAX_EVENT_NAME_LENGTH, MAX_JSON_DEPTH, serializeKnownEvent } from "./events";
import { createRedisFanout, noFanout, type Fanout } from "./fanout";
import { ConnectionLimiter, InboundBudget } from "./limits";
import { loggerOptions } from "./logger";
import { checkOrigin } from "./origin";
import { clientAddress } from "./proxy";
import { checkEventHead } from "./requests";
import { REDIS_KEY_LABEL } from "./signing";
import { deriveKey, redactTicket, ticketKey } from "./tickets";
import { CLOSE_POLICY, CLOSE_TRY_AGAIN } from "./close-codes";

type Logger = pino.Logger;

interface SocketData {
    channels: string[];
    address: string;
    /** Set when the socket is refused right after the upgrade (a ticket problem): close code and reason. */
    refuse?: [number, string];
    /** Holds a connection slot (released once when the socket goes; refused sockets hold one too). */
    slot: boolean;
    /** Inbound messages (WS_MAX_INBOUND_PER_SECOND). */
    inbound: InboundBudget;
    alive: boolean;
    gone: boolean;
}
type Socket = ServerWebSocket<SocketData>;

/** How often, at most, the total backlog is summed while events flow (see BunHub.scheduleScan). */
const SCAN_MS = 250;

export interface BunHubOptions {
    maxBufferedBytes: number;
    maxTotalBufferedBytes: number;
    heartbeatMs: number;
}

/** Counts one inbound message (data or ping); a client past its budget is closed with 1008. */
function overBudget(socket: ServerWebSocket<SocketData>, hub: BunHub): void {
    if (socket.data.inbound.take() || socket.data.gone) return;
    hub.dropForPolicy(socket);
}

/** Sockets, their channels (as native topics), heartbeat, backlog caps and closing, on Bun. */
export class BunHub {
    private readonly clients = new Set<Socket>();
    private readonly channels = new Map<string, Set<Socket>>();
    private heartbeat: ReturnType<typeof setInterval> | undefined;
    private scan: ReturnType<typeof setTimeout> | undefined;
    private closing = false;
    /** When this hub last wrote: Bun closes an over-limit socket (1006) on the event-loop turn after it. */
    private lastWrite = 0;
    server: Server<SocketData> | undefined;

    constructor(
        private readonly options: BunHubOptions,
        private readonly log: Logger,
        private readonly onGone: (data: SocketData) => void,
    ) {}

    get size(): number {
        return this.clients.size;
    }

    get isClosing(): boolean {
        return this.closing;
    }

    add(socket: Socket): void {
        if (this.closing) {
            socket.close(1001, "server shutting down");
            return;
        }
        this.clients.add(socket);
        for (const channel of socket.data.channels) {
            let members = this.channels.get(channel);
            if (!members) this.channels.set(channel, (members = new Set()));
            members.add(socket);
            socket.subscribe(channel);
        }
    }

    /** Called from the close handler (however the socket went). */
    closed(socket: Socket, code: number): void {
        // Bun gives no reason for a backpressure close: a 1006 right after a write is taken for one (a client
        // that vanished in the same instant is logged the same way).
        if (code === 1006 && !socket.data.gone && performance.now() - this.lastWrite < 250) {
            this.log.warn(
                { reason: "backpressure: client is not reading", limit: this.options.maxBufferedBytes },
                "dropping websocket client",
            );
        }
        this.remove(socket);
    }

    private remove(socket: Socket): boolean {
        const data = socket.data;
        if (data.gone) return false;
        data.gone = true;
        if (this.clients.delete(socket)) {
            for (const channel of data.channels) {
                const members = this.channels.get(channel);
                members?.delete(socket);
                if (members?.size === 0) this.channels.delete(channel);
            }
        }
        this.onGone(data);
        return true;
    }

    members(channel: string): number {
        return this.channels.get(channel)?.size ?? 0;
    }

    /**
     * Delivers one serialized message to every socket joined to at least one of `to`, each once; returns how
     * many sockets it was handed to. One channel: one native publish. Several: a native publish to the largest,
     * then a direct send to each member of the others that is not in an earlier channel of the list.
     */
    broadcast(message: string, to: readonly string[]): number {
        const server = this.server;
        if (!server) return 0;
        let sent = 0;
        this.lastWrite = performance.now();
        {
            if (to.length === 1) {
                sent = this.members(to[0]!);
                if (sent > 0) server.publish(to[0]!, message);
            } else {
                const order = to.filter((c) => this.members(c) > 0).sort((a, b) => this.members(b) - this.members(a));
                if (order.length > 0) {
                    sent = this.members(order[0]!);
                    server.publish(order[0]!, message);
                    for (let i = 1; i < order.length; i++) {
                        for (const socket of this.channels.get(order[i]!) ?? []) {
                            if (socket.data.gone) continue;
                            let earlier = false;
                            for (let j = 0; j < i && !earlier; j++) earlier = socket.isSubscribed(order[j]!);
                            if (earlier) continue;
                            socket.sendText(message);
                            sent += 1;
                        }
                    }
                }
            }
        }
        if (sent > 0) this.scheduleScan();
        return sent;
    }

    /**
     * While events flow, the total backlog is checked at most every SCAN_MS: one pass over the sockets, which
     * costs about 0.4 µs a socket (4 ms at 10,000), so it is not done per event. Each socket's own cap needs
     * no scan: Bun closes a socket past backpressureLimit by itself. Nor is the total checked when it cannot
     * pass its cap (every socket at its own cap still adds up to less).
     */
    private scheduleScan(): void {
        if (this.scan) return;
        if (this.clients.size * this.options.maxBufferedBytes <= this.options.maxTotalBufferedBytes) return;
        this.scan = setTimeout(() => {
            this.scan = undefined;
            this.checkBacklogs();
        }, SCAN_MS);
    }

    bufferedBytes(): number {
        let total = 0;
        for (const socket of this.clients) total += socket.getBufferedAmount();
        return total;
    }

    private checkBacklogs(): void {
        const backlog: [Socket, number][] = [];
        let total = 0;
        for (const socket of this.clients) {
            const bytes = socket.getBufferedAmount();
            if (bytes > 0) {
                backlog.push([socket, bytes]);
                total += bytes;
            }
        }
        if (total <= this.options.maxTotalBufferedBytes) return;
        backlog.sort((a, b) => b[1] - a[1]);
        for (const [socket, bytes] of backlog) {
            if (total <= this.options.maxTotalBufferedBytes) break;
            this.drop(socket, "backpressure: total backlog over WS_MAX_TOTAL_BUFFERED_BYTES", { bufferedAmount: bytes });
            total -= bytes;
        }
    }

    pong(socket: Socket): void {
        socket.data.alive = true;
    }

    startHeartbeat(): void {
        if (this.heartbeat) return;
        this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
        this.heartbeat.unref?.();
    }

    private beat(): void {
        this.checkBacklogs();
        for (const socket of [...this.clients]) {
            if (!socket.data.alive) {
                this.drop(socket, "heartbeat: no pong since the last ping");
                continue;
            }
            socket.data.alive = false;
            socket.ping();
        }
    }

    /** Closes a client that sent more than its inbound budget (1008), and lets go of it at once. */
    dropForPolicy(socket: Socket): void {
        if (!this.remove(socket)) return;
        this.log.warn({ reason: "inbound messages over WS_MAX_INBOUND_PER_SECOND" }, "dropping websocket client");
        socket.close(CLOSE_POLICY, "too many messages");
    }

    private drop(socket: Socket, reason: string, extra: object = {}): void {
        if (!this.remove(socket)) return;
        this.log.warn({ reason, ...extra }, "dropping websocket client");
        socket.terminate();
    }

    /** Closes every client with 1001 and waits up to `graceMs`; clients that never answer are terminated. */
    async closeAll(graceMs: number): Promise<void> {
        this.closing = true;
        if (this.heartbeat) clearInterval(this.heartbeat);
        if (this.scan) clearTimeout(this.scan);
        this.heartbeat = this.scan = undefined;
        for (const socket of [...this.clients]) socket.close(1001, "server shutting down");
        const deadline = Date.now() + graceMs;
        while (this.clients.size > 0 && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 25));
        }
        for (const socket of [...this.clients]) {
            this.remove(socket);
            socket.terminate();
        }
    }
}

export interface BunService {
    log: Logger;
    hub: BunHub;
    limiter: ConnectionLimiter;
    fanout: Fanout;
    server: Server<SocketData>;
    shutdown(): Promise<void>;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

function json(status: number, body: unknown, headers?: Record<string, string>): Response {
    return new Response(JSON.stringify(body), { status, headers: headers ? { ...JSON_HEADERS, ...headers } : JSON_HEADERS });
}

/** Fastify's shape for errors raised while parsing a body: {statusCode, error, message}. */
function parseError(message: string): Response {
    return json(400, { statusCode: 400, error: "Bad Request", message });
}

class TooLarge extends Error {}

const DIGITS = /^\d+$/;

/**
 * An oversize body is still read off the wire (and thrown away) up to this many bytes, so that an ordinary
 * HTTP client, which sends its whole body before reading, gets the 413 instead of a broken pipe.
 */
const DRAIN_LIMIT = 16 * 1024 * 1024;

/** Reads the body as text, refusing it past `limit` bytes. */
async function readBody(request: Request, limit: number): Promise<string> {
    if (!request.body) return "";
    // The usual case, a Content-Length within the limit: Bun reads exactly that many bytes, natively.
    const declared = request.headers.get("content-length");
    // (text() decodes as UTF-8 like Buffer#toString, and drops a leading BOM, which the JSON parser skips too.)
    if (declared !== null && DIGITS.test(declared) && Number(declared) <= limit) return request.text();
    // Otherwise (chunked, or too large): read it piece by piece, counting.
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > DRAIN_LIMIT) {
            reader.cancel().catch(() => {});
            throw new TooLarge();
        }
        if (size <= limit) chunks.push(value);
    }
    if (size > limit) throw new TooLarge();
    return Buffer.concat(chunks).toString("utf8");
}

export async function startBunServer(config: Config, log: Logger = pino(loggerOptions(config.logLevel))): Promise<BunService> {
    const limiter = new ConnectionLimiter(config);
    const hub = new BunHub(
        {
            maxBufferedBytes: config.maxBufferedBytes,
            maxTotalBufferedBytes: config.maxTotalBufferedBytes,
            heartbeatMs: config.heartbeatMs,
        },
        log,
        (data) => {
            if (data.slot) limiter.release(data.address);
            data.slot = false;
        },
    );
    const keyForTickets = ticketKey(config.ticketSecret, config.eventsSecret);
    const fanout =
        config.redisUrl && config.eventsSecret
            ? createRedisFanout(
                  {
                      url: config.redisUrl,
                      channel: config.redisChannel,
                      key: deriveKey(config.eventsSecret, REDIS_KEY_LABEL),
                      maxMessageBytes: config.maxEventBytes + 4096,
                  },
                  (envelope, to) => hub.broadcast(envelope, to),
                  log,
              )
            : noFanout;

    if (config.eventsSecret === undefined) {
        log.warn("WS_EVENTS_SECRET is not set: POST /events/* is accepted from loopback callers only");
    }
    if (keyForTickets === undefined) {
        log.warn("no WS_TICKET_SECRET or WS_EVENTS_SECRET: tickets cannot be checked, sockets join public only");
    }
    if (config.allowedOrigins.length === 0) {
        log.warn("WS_ALLOWED_ORIGINS is not set: browsers from any origin may connect (development only)");
    }

    const logRequests = log.isLevelEnabled("info");

    function upgrade(request: Request, server: Server<SocketData>, query: URLSearchParams, ip: string): Response | undefined {
        if (hub.isClosing) return json(503, { error: "server shutting down" });
        const originHeader = request.headers.get("origin") ?? undefined;
        const origin = checkOrigin(originHeader, config.allowedOrigins);
        if (!origin.ok) {
            log.warn({ origin: originHeader }, "websocket upgrade refused: origin not allowed");
            return json(403, { error: origin.message });
        }
        const room = limiter.check(ip);
        if (!room.ok) {
            log.warn({ status: room.status }, "websocket upgrade refused: connection limit");
            return json(room.status, { error: room.message }, { "retry-after": "5" });
        }
        const data: SocketData = {
            channels: [],
            address: ip,
            slot: false,
            alive: true,
            gone: false,
            inbound: new InboundBudget(config.maxInboundPerSecond),
        };
        const claim = claimChannels(query.getAll("ticket"), keyForTickets, config.allowAnonymous);
        if (claim.ok) data.channels = claim.channels;
        else {
            log.info({ reason: claim.why }, "websocket closed: ticket refused");
            data.refuse = [claim.code, claim.reason];
        }
        if (!data.refuse && !limiter.acquire(ip)) data.refuse = [CLOSE_TRY_AGAIN, "connection limit reached"];
        else if (data.refuse) limiter.hold(ip); // a refused socket is counted until it is gone
        data.slot = true;
        if (server.upgrade(request, { data })) return undefined;
        if (data.slot) limiter.release(ip);
        return json(426, { error: "upgrade required: /ws is a WebSocket endpoint" });
    }

    async function postEvent(request: Request, name: string, query: string | undefined, remote: () => string): Promise<Response> {
        const head = checkEventHead(config.eventsSecret, {
            name,
            origin: request.headers.get("origin") ?? undefined,
            fetchSite: request.headers.get("sec-fetch-site") ?? undefined,
            authorization: request.headers.get("authorization") ?? undefined,
            remote,
        });
        if (!head.ok) {
            if (head.warn) log.warn(...head.warn);
            return json(head.status, { error: head.error });
        }
        const event = head.event;
        const tooLarge = () => json(413, { error: `event body is larger than ${config.maxEventBytes} bytes` });
        if (Number(request.headers.get("content-length") ?? 0) > DRAIN_LIMIT) return tooLarge();
        let text: string;
        try {
            text = await readBody(request, config.maxEventBytes);
        } catch (err) {
            if (err instanceof TooLarge) return json(413, { error: `event body is larger than ${config.maxEventBytes} bytes` }, { connection: "close" });
            throw err;
        }
        if (text.trim() === "") return parseError("request body must be JSON");
        if (jsonTooDeep(text)) return parseError(`request body nests deeper than ${MAX_JSON_DEPTH} levels`);
        let body: unknown;
        try {
            body = secureJson.parse(text, undefined, { protoAction: "error", constructorAction: "error" });
        } catch (err) {
            return parseError(`Body is not valid JSON but content-type is set to 'application/json': ${(err as Error).message}`);
        }
        const to = parseEventQuery(query);
        if (!to.ok) return json(400, { error: to.message });
        const message = serializeKnownEvent(event, body);
        const clients = hub.broadcast(message, to.channels);
        fanout.publish(message, to.channels);
        return json(202, { type: event.type, clients });
    }

    // The whole-request deadline: 408 and the connection closed when it passes (a trickled body). One timer
    // sweeps every event POST in flight, rather than a timer and a Promise.race per request (which cost more
    // than the rest of a small POST's handling); a deadline is honoured within SWEEP_MS of passing.
    const inFlight = new Set<{ due: number; expire: () => void }>();
    const sweepMs = Math.max(10, Math.min(250, Math.floor(config.requestTimeoutMs / 4)));
    const sweeper = setInterval(() => {
        if (inFlight.size === 0) return;
        const now = performance.now();
        for (const request of inFlight) {
            if (request.due > now) continue;
            inFlight.delete(request);
            request.expire();
        }
    }, sweepMs);
    sweeper.unref?.();

    /** A request that failed (a bug): logged, answered with 500. */
    function failed(err: unknown): Response {
        log.error({ err }, "request failed");
        return json(500, { error: "internal server error" });
    }

    /** `work`'s answer, or 408 once the deadline passes, or 500 if it throws. */
    function withDeadline(work: Promise<Response>): Promise<Response> {
        return new Promise<Response>((resolve) => {
            const request = {
                due: performance.now() + config.requestTimeoutMs,
                expire: () => {
                    log.warn({ timeoutMs: config.requestTimeoutMs }, "request timed out");
                    resolve(json(408, { error: "request timed out" }, { connection: "close" }));
                },
            };
            inFlight.add(request);
            work.then(
                (response) => {
                    inFlight.delete(request);
                    resolve(response);
                },
                (err: unknown) => {
                    inFlight.delete(request);
                    resolve(failed(err));
                },
            );
        });
    }

    const server = Bun.serve<SocketData>({
        hostname: config.host,
        port: config.port,
        // Bun's own HTTP idle timeout (seconds): a silent keep-alive connection goes after this.
        idleTimeout: Math.max(1, Math.min(255, Math.ceil((config.requestTimeoutMs * 2) / 1000))),
        maxRequestBodySize: Math.max(config.maxEventBytes, DRAIN_LIMIT),
        // Not async: an event POST returns withDeadline's promise as it is (one promise fewer per event).
        fetch(request, server) {
            // The peer and client addresses, the query: worked out only by the routes that use them (an event
            // POST with a secret and no `to` needs none of them).
            const remote = () => server.requestIP(request)?.address ?? "";
            const clientIp = () => clientAddress(remote(), request.headers.get("x-forwarded-for"), config.trustProxy);
            const url = request.url;
            const start = url.indexOf("/", url.indexOf("//") + 2);
            const pathAndQuery = start < 0 ? "/" : url.slice(start);
            const q = pathAndQuery.indexOf("?");
            const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
            const method = request.method;
            if (logRequests) log.info({ req: { method, url: pathAndQuery, ip: clientIp() } }, "incoming request");
            try {
                if (method === "POST" && path.startsWith("/events/")) {
                    const name = path.slice(8);
                    if (!name.includes("/")) {
                        // The router's parameter limit on Node answers 414 for a longer name: the same here.
                        if (name.length > MAX_EVENT_NAME_LENGTH) return json(414, { error: "URI too long" });
                        return withDeadline(postEvent(request, name, q < 0 ? undefined : pathAndQuery.slice(q + 1), remote));
                    }
                }
                if (method === "GET") {
                    if (path === "/ws" && request.headers.get("upgrade")?.toLowerCase() === "websocket") {
                        return upgrade(request, server, new URLSearchParams(q < 0 ? "" : pathAndQuery.slice(q + 1)), clientIp());
                    }
                    if (path === "/health") {
                        return json(200, healthBody(config.metricsToken, request.headers.get("authorization") ?? undefined, hub.size));
                    }
                    // Ready while serving; a Redis outage shows as degraded (see README).
                    if (path === "/ready") {
                        const redis = fanout.status();
                        const ready = !hub.isClosing;
                        return json(ready ? 200 : 503, { ready, redis, degraded: redis === "unavailable" });
                    }
                }
                log.info({ url: redactTicket(pathAndQuery) }, "route not found");
                return json(404, { error: "not found" });
            } catch (err) {
                return failed(err);
            }
        },
        websocket: {
            maxPayloadLength: config.maxPayloadBytes,
            perMessageDeflate: false,
            backpressureLimit: config.maxBufferedBytes,
            closeOnBackpressureLimit: true,
            // Liveness is the hub's heartbeat (ping, pong before the next one), as on Node.
            idleTimeout: 0,
            sendPings: false,
            publishToSelf: false,
            open(socket) {
                if (socket.data.refuse) {
                    socket.close(...socket.data.refuse);
                    return;
                }
                hub.add(socket);
            },
            // Browsers have nothing to tell us: inbound messages are ignored (maxPayloadLength keeps them small)
            // but counted, and a client that sends more than its budget is closed.
            message(socket) {
                overBudget(socket, hub);
            },
            ping(socket) {
                overBudget(socket, hub);
            },
            pong(socket) {
                hub.pong(socket);
            },
            close(socket, code) {
                hub.closed(socket, code);
            },
        },
    });
    hub.server = server;
    hub.startHeartbeat();

    let shutdownPromise: Promise<void> | undefined;
    const shutdown = () => {
        shutdownPromise ??= (async () => {
            const graceMs = Math.min(2_000, Math.floor(config.shutdownTimeoutMs / 2));
            clearInterval(sweeper);
            await hub.closeAll(graceMs);
            await server.stop(true);
            await fanout.close();
        })();
        return shutdownPromise;
    };
    return { log, hub, limiter, fanout, server, shutdown };
}
