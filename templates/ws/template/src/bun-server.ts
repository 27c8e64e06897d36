/// <reference types="bun" />
// The service on Bun: HTTP and WebSockets served by Bun.serve, delivery through Bun's native pub/sub (each
// channel a topic: framed once, written by native code; backpressureLimit caps each socket's unsent bytes).
// A thin adapter: it translates requests and sockets into calls on the runtime-agnostic core (service.ts,
// hub.ts) and answers back.

import type { Server, ServerWebSocket } from "bun";
import pino from "pino";
import type { Config } from "./config";
import { MAX_EVENT_NAME_LENGTH } from "./events";
import { Deadlines, DRAIN_LIMIT, json, readBody, respond, splitTarget, TooLarge } from "./fetch-requests";
import type { Conn, Driver } from "./hub";
import { loggerOptions } from "./logger";
import { clientAddress } from "./proxy";
import { Core } from "./service";
import { redactTicket } from "./tickets";

type Logger = pino.Logger;

interface SocketData {
    address: string;
    /** The deprecated `?ticket=` values. */
    tickets: string[];
    conn?: Conn<Socket>;
    /** The close code, when Bun reports the close before open() returned (a socket refused at once). */
    closed?: number;
}
type Socket = ServerWebSocket<SocketData>;

export interface BunService {
    core: Core<Socket, string>;
    server: Server<SocketData>;
    shutdown(): Promise<void>;
}

export async function startBunServer(config: Config, log: Logger = pino(loggerOptions(config.logLevel))): Promise<BunService> {
    let server: Server<SocketData> | undefined;
    const driver: Driver<Socket, string> = {
        prepare: (message) => message,
        send: (socket, message) => void socket.sendText(message),
        buffered: (socket) => socket.getBufferedAmount(),
        ping: (socket) => void socket.ping(),
        close: (socket, code, reason) => socket.close(code, reason),
        closeNow: (socket, code, reason) => socket.close(code, reason), // Bun lets go of it at once
        terminate: (socket) => socket.terminate(),
        topics: {
            subscribe: (socket, channel) => socket.subscribe(channel),
            unsubscribe: (socket, channel) => socket.unsubscribe(channel),
            publish: (channel, message) => void server?.publish(channel, message),
        },
    };
    const core = new Core(config, driver, log);
    const failed = (err: unknown) => {
        log.error({ err }, "request failed");
        return json(500, { error: "internal server error" });
    };
    const deadlines = new Deadlines(config.requestTimeoutMs, () => log.warn({ timeoutMs: config.requestTimeoutMs }, "request timed out"), failed);
    const logRequests = log.isLevelEnabled("info");

    async function postEvent(request: Request, name: string, query: string | undefined, remote: () => string): Promise<Response> {
        const refused = core.refuseEvent({
            name,
            origin: request.headers.get("origin") ?? undefined,
            fetchSite: request.headers.get("sec-fetch-site") ?? undefined,
            authorization: request.headers.get("authorization") ?? undefined,
            remote,
        });
        if (refused) return respond(refused);
        if (Number(request.headers.get("content-length") ?? 0) > DRAIN_LIMIT) return respond(core.tooLarge());
        let text: string | undefined;
        try {
            text = await readBody(request, config.maxEventBytes);
        } catch (err) {
            if (err instanceof TooLarge) return respond({ ...core.tooLarge(), headers: { connection: "close" } });
            throw err;
        }
        return respond(core.event(name, text, query));
    }

    server = Bun.serve<SocketData>({
        hostname: config.host,
        port: config.port,
        // Bun's own HTTP idle timeout (seconds): a silent keep-alive connection goes after this.
        idleTimeout: Math.max(1, Math.min(255, Math.ceil((config.requestTimeoutMs * 2) / 1000))),
        maxRequestBodySize: Math.max(config.maxEventBytes, DRAIN_LIMIT),
        // Not async: an event POST returns the deadline's promise as it is (one promise fewer per event).
        fetch(request, server) {
            // The peer and client addresses and the query are worked out only by the routes that use them.
            const remote = () => server.requestIP(request)?.address ?? "";
            const clientIp = () => clientAddress(remote(), request.headers.get("x-forwarded-for"), config.trustProxy);
            const { target, path, query } = splitTarget(request.url);
            const method = request.method;
            if (logRequests) log.info({ req: { method, url: target, ip: clientIp() } }, "incoming request");
            try {
                if (method === "POST" && path.startsWith("/events/") && !path.includes("/", 8)) {
                    // The router's parameter limit on Node answers 414 for a longer name: the same here.
                    if (path.length - 8 > MAX_EVENT_NAME_LENGTH) return json(414, { error: "URI too long" });
                    return deadlines.race(postEvent(request, path.slice(8), query, remote));
                }
                if (method === "GET" && path === "/ws" && request.headers.get("upgrade")?.toLowerCase() === "websocket") {
                    const address = clientIp();
                    const refused = core.refuseUpgrade(request.headers.get("origin") ?? undefined, address);
                    if (refused) return respond(refused);
                    const tickets = new URLSearchParams(query ?? "").getAll("ticket");
                    if (server.upgrade(request, { data: { address, tickets } })) return undefined;
                    return json(426, { error: "upgrade required: /ws is a WebSocket endpoint" });
                }
                if (method === "GET" && path === "/health") return respond(core.health(request.headers.get("authorization") ?? undefined));
                if (method === "GET" && path === "/ready") return respond(core.ready());
                log.info({ url: redactTicket(target) }, "route not found");
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
            open: (socket) => {
                const data = socket.data;
                data.conn = core.open(socket, data.address, data.tickets);
                if (data.closed !== undefined) core.hub.gone(data.conn, data.closed);
            },
            message: (socket, message) => core.hub.message(socket.data.conn!, typeof message === "string" ? message : undefined),
            ping: (socket) => void core.hub.inbound(socket.data.conn!),
            pong: (socket) => core.hub.pong(socket.data.conn!),
            close: (socket, code) => {
                if (socket.data.conn) core.hub.gone(socket.data.conn, code);
                else socket.data.closed = code;
            },
        },
    });

    const shutdown = () =>
        core.shutdown(async () => {
            deadlines.stop();
            await server!.stop(true);
        });
    return { core, server, shutdown };
}
