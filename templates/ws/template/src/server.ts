// Wires the HTTP and WebSocket routes to the hub and the optional Redis fanout.

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import websocket from "@fastify/websocket";
import { authorizeEvent } from "./auth";
import type { Config } from "./config";
import { eventType, isValidEventName, serializeEvent } from "./events";
import { createRedisFanout, noFanout, type Fanout } from "./fanout";
import { Hub } from "./hub";
import { checkOrigin } from "./origin";

export interface Service {
    app: FastifyInstance;
    hub: Hub;
    fanout: Fanout;
    /** Closes clients with 1001, stops listening and disconnects from Redis. */
    shutdown(): Promise<void>;
}

function httpError(statusCode: number, message: string): Error & { statusCode: number } {
    return Object.assign(new Error(message), { statusCode });
}

export async function buildServer(config: Config): Promise<Service> {
    const app = Fastify({
        logger: { level: config.logLevel },
        bodyLimit: config.maxEventBytes,
        // Upgraded sockets are closed by the hub; idle keep-alive connections must not delay shutdown.
        forceCloseConnections: "idle",
    });

    const hub = new Hub({ maxBufferedBytes: config.maxBufferedBytes, heartbeatMs: config.heartbeatMs }, app.log);
    const fanout = config.redisUrl
        ? createRedisFanout(config.redisUrl, config.redisChannel, (message) => hub.broadcast(message), app.log)
        : noFanout;

    if (config.eventsSecret === undefined) {
        app.log.warn("WS_EVENTS_SECRET is not set: POST /events/* is accepted from loopback callers only");
    }
    if (config.allowedOrigins.length === 0) {
        app.log.warn("WS_ALLOWED_ORIGINS is not set: browsers from any origin may connect (development only)");
    }

    // Event bodies are JSON whatever the Content-Type says (hand-written fetch calls often send text/plain).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
        const text = typeof body === "string" ? body : body.toString("utf8");
        if (text.trim() === "") {
            done(httpError(400, "request body must be JSON"), undefined);
            return;
        }
        try {
            done(null, JSON.parse(text));
        } catch {
            done(httpError(400, "request body is not valid JSON"), undefined);
        }
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

    const originGuard = async (request: FastifyRequest, reply: FastifyReply) => {
        if (hub.isClosing) {
            return reply.code(503).send({ error: "server shutting down" });
        }
        const origin = checkOrigin(request.headers.origin, config.allowedOrigins);
        if (!origin.ok) {
            request.log.warn({ origin: request.headers.origin }, "websocket upgrade refused: origin not allowed");
            return reply.code(403).send({ error: origin.message });
        }
    };

    app.get("/ws", { websocket: true, onRequest: originGuard }, (socket) => {
        hub.add(socket);
    });

    const eventGuard = async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
        const auth = authorizeEvent(config.eventsSecret, request.headers.authorization, request.socket.remoteAddress);
        if (!auth.ok) {
            request.log.warn({ status: auth.status }, "event refused");
            return reply.code(auth.status).send({ error: auth.message });
        }
        if (!isValidEventName(request.params.name)) {
            return reply
                .code(400)
                .send({ error: "event name must be kebab-case <resource>-<action>, e.g. todo-created" });
        }
    };

    app.post<{ Params: { name: string }; Body: unknown }>(
        "/events/:name",
        { onRequest: eventGuard },
        async (request, reply) => {
            if (request.body === undefined) {
                return reply.code(400).send({ error: "request body must be JSON" });
            }
            const { name } = request.params;
            const message = serializeEvent(name, request.body);
            const clients = hub.broadcast(message);
            fanout.publish(message);
            return reply.code(202).send({ type: eventType(name), clients });
        },
    );

    app.get("/health", async () => ({ status: "ok", clients: hub.size }));

    app.get("/ready", async (_request, reply) => {
        const redis = config.redisUrl ? (fanout.ready() ? "ready" : "unavailable") : "disabled";
        const ready = !hub.isClosing && redis !== "unavailable";
        return reply.code(ready ? 200 : 503).send({ ready, redis });
    });

    hub.startHeartbeat();

    let shutdownPromise: Promise<void> | undefined;
    const shutdown = () => {
        shutdownPromise ??= (async () => {
            const graceMs = Math.min(2_000, Math.floor(config.shutdownTimeoutMs / 2));
            await hub.closeAll(graceMs);
            await app.close();
            await fanout.close();
        })();
        return shutdownPromise;
    };

    return { app, hub, fanout, shutdown };
}
