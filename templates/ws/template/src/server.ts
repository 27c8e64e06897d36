// The service on Node: wires the HTTP and WebSocket routes (Fastify + @fastify/websocket + ws) to the
// runtime-agnostic modules: config, channels, tickets, limits, events, signing, logger. On Bun, index.ts
// starts bun-server.ts instead (Bun.serve and its native pub/sub), which calls the same modules.

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import websocket from "@fastify/websocket";
import { healthBody } from "./auth";
import { parseEventQuery } from "./channels";
import { claimChannels } from "./claim";
import type { Config } from "./config";
import { jsonTooDeep, knownEvent, MAX_EVENT_NAME_LENGTH, MAX_JSON_DEPTH, serializeKnownEvent } from "./events";
import { createRedisFanout, noFanout, type Fanout } from "./fanout";
import { closeNow, Hub } from "./hub";
import { ConnectionLimiter } from "./limits";
import { CLOSE_TRY_AGAIN } from "./close-codes";
import { loggerOptions } from "./logger";
import { checkOrigin } from "./origin";
import { checkEventHead } from "./requests";
import { REDIS_KEY_LABEL } from "./signing";
import { deriveKey, redactTicket, ticketKey } from "./tickets";

export { CLOSE_TICKET_INVALID, CLOSE_TICKET_REQUIRED, CLOSE_TRY_AGAIN } from "./close-codes";

export interface Service {
    app: FastifyInstance;
    hub: Hub;
    limiter: ConnectionLimiter;
    fanout: Fanout;
    /** Closes clients with 1001, stops listening and disconnects from Redis. */
    shutdown(): Promise<void>;
}

function httpError(statusCode: number, message: string): Error & { statusCode: number } {
    return Object.assign(new Error(message), { statusCode });
}

export async function buildServer(config: Config): Promise<Service> {
    const app = Fastify({
        // Tickets travel in the /ws query string: no log line may carry one (logger.ts).
        logger: loggerOptions(config.logLevel),
        bodyLimit: config.maxEventBytes,
        // One event-name limit: a name the service accepts always fits the router.
        routerOptions: { maxParamLength: MAX_EVENT_NAME_LENGTH },
        // A trickled body or slow headers cannot hold a socket (or shutdown) for longer than this.
        requestTimeout: config.requestTimeoutMs,
        connectionTimeout: config.requestTimeoutMs * 2,
        keepAliveTimeout: 5_000,
        trustProxy:
            typeof config.trustProxy === "number"
                ? (_address: string, hop: number) => hop < (config.trustProxy as number)
                : config.trustProxy,
        // Upgraded sockets are closed by the hub; idle keep-alive connections must not delay shutdown.
        forceCloseConnections: "idle",
    });
    app.server.headersTimeout = Math.min(config.requestTimeoutMs, 10_000);

    // The runtime's own requestTimeout is checked lazily (Node: every 30 s) or not at all (Bun), so every
    // plain HTTP request gets a deadline of its own: 408 and the connection closed when it passes.
    const deadlines = new WeakMap<FastifyRequest, ReturnType<typeof setTimeout>>();
    app.addHook("onRequest", async (request, reply) => {
        if (request.headers.upgrade !== undefined) return; // /ws: the upgrade is handled at once
        const timer = setTimeout(() => {
            if (reply.sent) return;
            request.log.warn({ timeoutMs: config.requestTimeoutMs }, "request timed out");
            reply.raw.once("finish", () => request.raw.socket?.destroy());
            reply.code(408).header("connection", "close").send({ error: "request timed out" });
            setTimeout(() => request.raw.socket?.destroy(), 1_000).unref?.();
        }, config.requestTimeoutMs);
        timer.unref?.();
        deadlines.set(request, timer);
    });
    const clearDeadline = async (request: FastifyRequest) => {
        clearTimeout(deadlines.get(request));
        deadlines.delete(request);
    };
    app.addHook("onResponse", clearDeadline);
    app.addHook("onRequestAbort", clearDeadline);

    const hub = new Hub(
        {
            maxBufferedBytes: config.maxBufferedBytes,
            maxTotalBufferedBytes: config.maxTotalBufferedBytes,
            heartbeatMs: config.heartbeatMs,
            maxInboundPerSecond: config.maxInboundPerSecond,
        },
        app.log,
    );
    const limiter = new ConnectionLimiter(config);
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
                  app.log,
              )
            : noFanout;

    if (config.eventsSecret === undefined) {
        app.log.warn("WS_EVENTS_SECRET is not set: POST /events/* is accepted from loopback callers only");
    }
    if (keyForTickets === undefined) {
        app.log.warn("no WS_TICKET_SECRET or WS_EVENTS_SECRET: tickets cannot be checked, sockets join public only");
    }
    if (config.allowedOrigins.length === 0) {
        app.log.warn("WS_ALLOWED_ORIGINS is not set: browsers from any origin may connect (development only)");
    }

    // Event bodies are JSON whatever the Content-Type says (hand-written fetch calls often send text/plain),
    // parsed by Fastify's own JSON parser (prototype-poisoning protection) after a nesting check.
    const parseJson = app.getDefaultJsonParser("error", "error");
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "string" }, (request, body, done) => {
        const text = typeof body === "string" ? body : body.toString("utf8");
        if (text.trim() === "") {
            done(httpError(400, "request body must be JSON"), undefined);
            return;
        }
        if (jsonTooDeep(text)) {
            done(httpError(400, `request body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
            return;
        }
        parseJson(request, text, done);
    });

    await app.register(websocket, {
        options: {
            maxPayload: config.maxPayloadBytes,
            perMessageDeflate: false,
            clientTracking: false,
        },
        // Clients are closed (with 1001) by hub.closeAll() before app.close(); nothing left to do here.
        preClose: (done) => done(),
    });

    const wsGuard = async (request: FastifyRequest, reply: FastifyReply) => {
        if (hub.isClosing) {
            return reply.code(503).send({ error: "server shutting down" });
        }
        const origin = checkOrigin(request.headers.origin, config.allowedOrigins);
        if (!origin.ok) {
            request.log.warn({ origin: request.headers.origin }, "websocket upgrade refused: origin not allowed");
            return reply.code(403).send({ error: origin.message });
        }
        const room = limiter.check(request.ip);
        if (!room.ok) {
            request.log.warn({ status: room.status }, "websocket upgrade refused: connection limit");
            return reply.code(room.status).header("retry-after", "5").send({ error: room.message });
        }
    };

    app.get<{ Querystring: { ticket?: unknown } }>("/ws", { websocket: true, onRequest: wsGuard }, (socket, request) => {
        const address = request.ip;
        // A socket refused here still holds a file until it is gone: it is counted (over the caps) until then,
        // and terminated right after its close frame.
        const refuse = (code: number, reason: string) => {
            limiter.hold(address);
            socket.once("close", () => limiter.release(address));
            closeNow(socket, code, reason);
        };
        const ticket = request.query.ticket;
        const claim = claimChannels(ticket === undefined ? [] : Array.isArray(ticket) ? ticket : [ticket], keyForTickets, config.allowAnonymous);
        if (!claim.ok) {
            request.log.info({ reason: claim.why }, "websocket closed: ticket refused");
            refuse(claim.code, claim.reason);
            return;
        }
        if (!limiter.acquire(address)) {
            refuse(CLOSE_TRY_AGAIN, "connection limit reached");
            return;
        }
        hub.add(socket, claim.channels, () => limiter.release(address));
    });

    const eventGuard = async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
        const site = request.headers["sec-fetch-site"];
        const head = checkEventHead(config.eventsSecret, {
            name: request.params.name,
            origin: request.headers.origin,
            fetchSite: Array.isArray(site) ? site[0] : site,
            authorization: request.headers.authorization,
            remote: () => request.socket.remoteAddress,
        });
        if (!head.ok) {
            if (head.warn) request.log.warn(...head.warn);
            return reply.code(head.status).send({ error: head.error });
        }
        // Refuse an oversize body up front, and let the runtime read the rest of it off the wire, so that a
        // normal HTTP client (which sends its whole body before reading) gets the 413 instead of a broken pipe.
        const length = Number(request.headers["content-length"] ?? 0);
        if (length > config.maxEventBytes) {
            return reply.code(413).send({ error: `event body is larger than ${config.maxEventBytes} bytes` });
        }
    };

    app.post<{ Params: { name: string }; Body: unknown }>(
        "/events/:name",
        { onRequest: eventGuard },
        async (request, reply) => {
            if (request.body === undefined) {
                return reply.code(400).send({ error: "request body must be JSON" });
            }
            const q = request.url.indexOf("?");
            const to = parseEventQuery(q < 0 ? undefined : request.url.slice(q + 1));
            if (!to.ok) return reply.code(400).send({ error: to.message });
            const event = knownEvent(request.params.name)!; // checked in eventGuard (a cached lookup)
            const message = serializeKnownEvent(event, request.body);
            const clients = hub.broadcast(message, to.channels);
            fanout.publish(message, to.channels);
            return reply.code(202).send({ type: event.type, clients });
        },
    );

    // Fastify's default 404 quotes the URL (and so any ticket) in its log line and its answer.
    app.setNotFoundHandler((request, reply) => {
        request.log.info({ url: redactTicket(request.url) }, "route not found");
        return reply.code(404).send({ error: "not found" });
    });

    app.get("/health", async (request) => healthBody(config.metricsToken, request.headers.authorization, hub.size));

    // Ready while serving. A Redis outage does not make a replica unready: local delivery still works and
    // taking every replica out of the load balancer would cut every browser off; it shows as degraded.
    app.get("/ready", async (_request, reply) => {
        const redis = fanout.status();
        const ready = !hub.isClosing;
        return reply.code(ready ? 200 : 503).send({ ready, redis, degraded: redis === "unavailable" });
    });

    hub.startHeartbeat();

    let shutdownPromise: Promise<void> | undefined;
    const shutdown = () => {
        shutdownPromise ??= (async () => {
            const graceMs = Math.min(2_000, Math.floor(config.shutdownTimeoutMs / 2));
            await hub.closeAll(graceMs);
            // Requests still in flight after a short grace (a trickled body) are cut off.
            const force = setTimeout(() => app.server.closeAllConnections?.(), Math.min(1_000, graceMs));
            try {
                await app.close();
            } finally {
                clearTimeout(force);
            }
            await fanout.close();
        })();
        return shutdownPromise;
    };

    return { app, hub, limiter, fanout, shutdown };
}
