// The service on Node: Fastify + @fastify/websocket + ws, public APIs only. A thin adapter over the
// runtime-agnostic modules (service.ts, hub.ts): it translates requests and sockets into their calls.

import type { ServerResponse } from "node:http";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import websocket from "@fastify/websocket";
import WebSocket from "ws";
import type { Config } from "./config";
import { MAX_EVENT_NAME_LENGTH } from "./events";
import type { Driver } from "./hub";
import { loggerOptions } from "./logger";
import { Core, type Answer } from "./service";
import { redactTicket } from "./tickets";
import { answerClientError, deadlineCheckMs } from "./timeouts";

export interface Service {
    app: FastifyInstance;
    core: Core<WebSocket, Buffer>;
    /** Closes clients with 1001, stops listening and disconnects from Redis. */
    shutdown(): Promise<void>;
}

/** A text frame, never compressed (perMessageDeflate is off), sent whole. */
const SEND_OPTIONS = { binary: false, compress: false, fin: true } as const;

const driver: Driver<WebSocket, Buffer> = {
    // Encoded once per broadcast; ws frames it per socket (a 2-14 byte header, the payload not copied).
    prepare: (message) => Buffer.from(message, "utf8"),
    send: (socket, data) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(data, SEND_OPTIONS);
    },
    buffered: (socket) => socket.bufferedAmount,
    ping: (socket) => socket.ping(),
    close: (socket, code, reason) => socket.close(code, reason),
    // The close frame is written, then the connection destroyed instead of waiting (ws: up to 30 s) for a
    // close frame a hostile client never sends.
    closeNow: (socket, code, reason) => {
        try {
            socket.close(code, reason);
        } finally {
            socket.terminate();
        }
    },
    terminate: (socket) => socket.terminate(),
};

function send(reply: FastifyReply, answer: Answer): FastifyReply {
    if (answer.headers) reply.headers(answer.headers);
    return reply.code(answer.status).send(answer.body);
}

export async function buildServer(config: Config): Promise<Service> {
    const app = Fastify({
        logger: loggerOptions(config.logLevel), // no log line may carry a ticket (logger.ts)
        bodyLimit: config.maxEventBytes,
        routerOptions: { maxParamLength: MAX_EVENT_NAME_LENGTH }, // a name the service accepts fits the router
        // The whole request (headers and body) within requestTimeout, or 408 and the connection closed (a
        // trickled body). Node checks it natively for every connection at this interval (30 s by default), at
        // no cost a request: a timer and hooks a request cost about 20 µs a POST, a quarter of its handling.
        requestTimeout: config.requestTimeoutMs,
        http: { connectionsCheckingInterval: deadlineCheckMs(config.requestTimeoutMs) },
        clientErrorHandler: (err, socket) => {
            // A connection that never sent a byte (a browser's unused preconnect) is let go without a word.
            if (err.code === "ERR_HTTP_REQUEST_TIMEOUT" && socket.bytesRead === 0) return void socket.destroy();
            if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") app.log.warn({ timeoutMs: config.requestTimeoutMs }, "request timed out");
            answerClientError(err, socket);
        },
        connectionTimeout: config.requestTimeoutMs * 2,
        keepAliveTimeout: 5_000,
        trustProxy:
            typeof config.trustProxy === "number" ? (_address: string, hop: number) => hop < (config.trustProxy as number) : config.trustProxy,
        forceCloseConnections: "idle", // idle keep-alive connections must not delay shutdown
    });
    app.server.headersTimeout = Math.min(config.requestTimeoutMs, 10_000);
    const core = new Core(config, driver, app.log);

    // Event bodies reach the core as text, whatever the Content-Type says (hand-written fetch calls often
    // send text/plain); the core parses them.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));

    await app.register(websocket, {
        options: { maxPayload: config.maxPayloadBytes, perMessageDeflate: false, clientTracking: false },
        preClose: (done) => done(), // clients are closed (1001) by the core before app.close()
    });

    // Guards answer a refusal themselves, or let the request go on (callback style: no promise a request).
    // The upgrade's own response object, let go once the socket is open (below).
    const upgrading = new WeakMap<FastifyRequest, ServerResponse>();
    const wsGuard = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        const refused = core.refuseUpgrade(request.headers.origin, request.ip);
        if (refused) return void send(reply, refused);
        upgrading.set(request, reply.raw);
        done();
    };
    app.get<{ Querystring: { ticket?: unknown } }>("/ws", { websocket: true, onRequest: wsGuard }, (socket, request) => {
        const ticket = request.query.ticket;
        const conn = core.open(socket, request.ip, ticket === undefined ? [] : Array.isArray(ticket) ? ticket : [ticket]);
        // An open socket keeps nothing of its upgrade request (~3 KB a socket: the request, its headers, the
        // reply, a logger): @fastify/websocket leaves its response on the TCP socket and its error listener
        // closes over both; the core's error listener (below) replaces it.
        upgrading.get(request)?.detachSocket(request.raw.socket);
        socket.removeAllListeners("error");
        socket.on("message", (data: WebSocket.RawData, binary: boolean) => core.hub.message(conn, binary ? undefined : String(data)));
        socket.on("ping", () => core.hub.inbound(conn));
        socket.on("pong", () => core.hub.pong(conn));
        socket.on("close", (code: number) => core.hub.gone(conn, code));
        socket.on("error", () => core.hub.failed(conn));
    });

    const eventGuard = (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply, done: () => void) => {
        const refused = core.refuseEvent(
            {
                name: request.params.name,
                origin: request.headers.origin,
                fetchSite: [request.headers["sec-fetch-site"]].flat()[0],
                authorization: request.headers.authorization,
                remote: () => request.socket.remoteAddress,
            },
            Number(request.headers["content-length"] ?? 0),
        );
        if (refused) send(reply, refused);
        else done();
    };
    app.post<{ Params: { name: string }; Body: string | undefined }>("/events/:name", { onRequest: eventGuard }, (request, reply) => {
        const q = request.url.indexOf("?");
        send(reply, core.event(request.params.name, request.body, q < 0 ? undefined : request.url.slice(q + 1)));
    });

    // Fastify's default 404 quotes the URL (and so any ticket) in its log line and its answer.
    app.setNotFoundHandler((request, reply) => {
        request.log.info({ url: redactTicket(request.url) }, "route not found");
        return reply.code(404).send({ error: "not found" });
    });
    app.get("/health", async (request, reply) => send(reply, core.health(request.headers.authorization)));
    app.get("/ready", async (_request, reply) => send(reply, core.ready()));

    const shutdown = () =>
        core.shutdown(async (graceMs) => {
            // Requests still in flight after a short grace (a trickled body) are cut off.
            const force = setTimeout(() => app.server.closeAllConnections?.(), Math.min(1_000, graceMs));
            try {
                await app.close();
            } finally {
                clearTimeout(force);
            }
        });
    return { app, core, shutdown };
}
