// The service, once for both runtimes: what each route answers, given the request's parts as plain values.
// A runtime adapter (server.ts: Fastify + ws on Node; bun-server.ts: Bun.serve) only translates its
// requests and sockets into these calls and the answers back.

import secureJson from "secure-json-parse";
import { healthBody } from "./auth";
import { parseEventQuery } from "./channels";
import type { Config } from "./config";
import { CLOSE_TRY_AGAIN } from "./close-codes";
import { jsonTooDeep, knownEvent, MAX_JSON_DEPTH, serializeKnownEvent } from "./events";
import { createRedisFanout, noFanout, type Fanout, type FanoutLogger } from "./fanout";
import { Hub, type Conn, type Driver, type HubLogger } from "./hub";
import { ConnectionLimiter } from "./limits";
import { NonceMemory } from "./nonces";
import { checkOrigin } from "./origin";
import { checkEventHead, REVOKE, type EventHead } from "./requests";
import { REDIS_CIPHER_KEY_LABEL, REDIS_KEY_LABEL } from "./wire";
import { deriveKey, ticketKey } from "./tickets";

/** An HTTP answer: status, JSON body, extra headers. */
export interface Answer {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
}

export type Logger = HubLogger & FanoutLogger;

export const URL_TICKET_DEPRECATED =
    "deprecated: a socket sent its ticket in the URL (?ticket=), which proxies log; send it as the socket's first message (the web helpers do): the URL form goes in the next release";

/** Fastify's shape for errors raised while parsing a body: {statusCode, error, message}. */
function badBody(message: string): Answer {
    return { status: 400, body: { statusCode: 400, error: "Bad Request", message } };
}

export class Core<S, D = unknown> {
    readonly hub: Hub<S, D>;
    readonly limiter: ConnectionLimiter;
    readonly fanout: Fanout;
    private shutdownPromise: Promise<void> | undefined;
    private urlTicketWarned = false;

    constructor(
        readonly config: Config,
        driver: Driver<S, D>,
        private readonly log: Logger,
    ) {
        this.limiter = new ConnectionLimiter(config);
        const keyForTickets = ticketKey(config.ticketSecret, config.eventsSecret);
        const memory = new NonceMemory();
        // Each ticket opens one connection: this replica's memory first, then (with Redis) every replica's.
        const firstUse = (nonce: string, exp: number) => memory.first(nonce, exp) && (this.fanout.firstUse(nonce, exp) ?? true);
        this.hub = new Hub(
            driver,
            {
                maxBufferedBytes: config.maxBufferedBytes,
                maxTotalBufferedBytes: config.maxTotalBufferedBytes,
                heartbeatMs: config.heartbeatMs,
                maxInboundPerSecond: config.maxInboundPerSecond,
                allowAnonymous: config.allowAnonymous,
                ticketTimeoutMs: config.ticketTimeoutMs,
            },
            keyForTickets,
            firstUse,
            log,
        );
        this.fanout =
            config.redisUrl && config.eventsSecret
                ? createRedisFanout(
                      {
                          url: config.redisUrl,
                          channel: config.redisChannel,
                          key: deriveKey(config.eventsSecret, REDIS_KEY_LABEL),
                          cipherKey: config.redisEncrypt ? deriveKey(config.eventsSecret, REDIS_CIPHER_KEY_LABEL) : undefined,
                          // Sealing adds a third (base64url) and 32 bytes (IV, tag) to the envelope.
                          maxMessageBytes: config.maxEventBytes * (config.redisEncrypt ? 2 : 1) + 4096,
                      },
                      (envelope, to) => this.hub.broadcast(envelope, to),
                      log,
                      (to) => this.hub.revoke(to),
                  )
                : noFanout;
        if (config.eventsSecret === undefined) {
            log.warn({}, "WS_EVENTS_SECRET is not set: POST /events/* is accepted from loopback callers only");
        }
        if (keyForTickets === undefined) {
            log.warn({}, "no WS_TICKET_SECRET or WS_EVENTS_SECRET: tickets cannot be checked, sockets join public only");
        }
        if (config.allowedOrigins.length === 0) {
            log.warn({}, "WS_ALLOWED_ORIGINS is not set: browsers from any origin may connect (development only)");
        }
        this.hub.startHeartbeat();
    }

    /** Before a WebSocket upgrade: undefined to go ahead, or the answer refusing it. */
    refuseUpgrade(origin: string | undefined, address: string): Answer | undefined {
        if (this.hub.isClosing) return { status: 503, body: { error: "server shutting down" } };
        const allowed = checkOrigin(origin, this.config.allowedOrigins);
        if (!allowed.ok) {
            this.log.warn({ origin }, "websocket upgrade refused: origin not allowed");
            return { status: 403, body: { error: allowed.message } };
        }
        const room = this.limiter.check(address);
        if (!room.ok) {
            this.log.warn({ status: room.status }, "websocket upgrade refused: connection limit");
            return { status: room.status, body: { error: room.message }, headers: { "retry-after": "5" } };
        }
        return undefined;
    }

    /**
     * A socket just upgraded from `address`, with the deprecated `?ticket=` values (empty when none). It holds
     * a connection slot until the adapter reports it gone (hub.gone); a socket over the caps (upgrades race)
     * is refused with 1013 but counted until then too.
     */
    open(socket: S, address: string, urlTickets: readonly unknown[]): Conn<S> {
        if (urlTickets.length > 0 && !this.urlTicketWarned) {
            this.urlTicketWarned = true; // once per process: a client that still does it does it every time
            this.log.warn({}, URL_TICKET_DEPRECATED);
        }
        const release = () => this.limiter.release(address);
        if (this.limiter.acquire(address)) return this.hub.open(socket, urlTickets, release);
        this.limiter.hold(address);
        return this.hub.open(socket, urlTickets, release, [CLOSE_TRY_AGAIN, "connection limit reached"]);
    }

    /** POST /events/:name before its body: an answer refusing it, or undefined to read the body. */
    refuseEvent(head: EventHead, contentLength?: number): Answer | undefined {
        const check = checkEventHead(this.config.eventsSecret, head);
        if (!check.ok) {
            if (check.warn) this.log.warn(...check.warn);
            return { status: check.status, body: { error: check.error } };
        }
        // Refused up front when the runtime still reads the rest off the wire (Fastify), so that an ordinary
        // HTTP client (which sends its whole body before reading) gets the 413 instead of a broken pipe.
        if (contentLength !== undefined && contentLength > this.config.maxEventBytes) return this.tooLarge();
        return undefined;
    }

    tooLarge(): Answer {
        return { status: 413, body: { error: `event body is larger than ${this.config.maxEventBytes} bytes` } };
    }

    /**
     * POST /events/:name with its body read (`text`, undefined when there was none) and its query string
     * (without `?`). `revoke` closes every socket joined to `to`, on every replica; any other name is an event.
     */
    event(name: string, text: string | undefined, query: string | undefined): Answer {
        if (text === undefined || text.trim() === "") return badBody("request body must be JSON");
        if (jsonTooDeep(text)) return badBody(`request body nests deeper than ${MAX_JSON_DEPTH} levels`);
        let body: unknown;
        try {
            body = secureJson.parse(text, undefined, { protoAction: "error", constructorAction: "error" });
        } catch (err) {
            return badBody(`Body is not valid JSON but content-type is set to 'application/json': ${(err as Error).message}`);
        }
        const to = parseEventQuery(query);
        if (!to.ok) return { status: 400, body: { error: to.message } };
        if (name === REVOKE) {
            if (query === undefined) return { status: 400, body: { error: "revoke needs `to`: the channels to close" } };
            const closed = this.hub.revoke(to.channels);
            this.fanout.revoke(to.channels);
            return { status: 202, body: { revoked: closed } };
        }
        const event = knownEvent(name)!; // checked in refuseEvent (a cached lookup)
        const message = serializeKnownEvent(event, body);
        const clients = this.hub.broadcast(message, to.channels);
        this.fanout.publish(message, to.channels);
        return { status: 202, body: { type: event.type, clients } };
    }

    health(authorization: string | undefined): Answer {
        return { status: 200, body: healthBody(this.config.metricsToken, authorization, this.hub.size) };
    }

    /** Ready while serving. A Redis outage shows as degraded, not unready (see README). */
    ready(): Answer {
        const redis = this.fanout.status();
        const ready = !this.hub.isClosing;
        return { status: ready ? 200 : 503, body: { ready, redis, degraded: redis === "unavailable" } };
    }

    /** Closes clients with 1001, then `stopServer`, then Redis; once, however often it is called. */
    shutdown(stopServer: (graceMs: number) => Promise<void>): Promise<void> {
        this.shutdownPromise ??= (async () => {
            const graceMs = Math.min(2_000, Math.floor(this.config.shutdownTimeoutMs / 2));
            await this.hub.closeAll(graceMs);
            await stopServer(graceMs);
            await this.fanout.close();
        })();
        return this.shutdownPromise;
    }
}
