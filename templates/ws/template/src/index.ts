// Entrypoint: `bun src/index.ts` (Bun.serve, bun-server.ts) or `node --import tsx src/index.ts` (Fastify +
// ws, server.ts). Runs in the foreground so that SIGTERM from a container runtime reaches this process directly.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { ConfigError, FILE_HEADROOM, loadConfig, weakSecret, type Config } from "./config";

/** The soft open-file limit (Linux: /proc; elsewhere the shell's `ulimit -n`), or undefined if unknown. */
function openFileLimit(): number | undefined {
    try {
        const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
        const soft = line?.split(/\s{2,}/)[1];
        if (soft && /^\d+$/.test(soft)) return Number(soft);
    } catch {
        // not Linux
    }
    try {
        const out = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8", timeout: 2_000 }).stdout?.trim();
        if (out && /^\d+$/.test(out)) return Number(out);
    } catch {
        // no shell
    }
    return undefined;
}

const openFiles = openFileLimit();
let config: Config;
try {
    config = loadConfig(process.env, openFiles);
} catch (err) {
    if (err instanceof ConfigError) {
        console.error(`ws: refusing to start: ${err.message}`);
        process.exit(1);
    }
    throw err;
}

interface Running {
    log: {
        info(obj: object | string, msg?: string): void;
        warn(obj: object | string, msg?: string): void;
        error(obj: object | string, msg?: string): void;
    };
    shutdown(): Promise<void>;
    listen(): Promise<void>;
}

async function start(): Promise<Running> {
    if (typeof (globalThis as { Bun?: unknown }).Bun !== "undefined") {
        const { startBunServer } = await import("./bun-server");
        // Bun.serve listens as it starts (inside listen(), so a busy port is reported like on Node).
        let shutdown: () => Promise<void> = async () => {};
        const log = (await import("pino")).default(
            (await import("./logger")).loggerOptions(config.logLevel),
        );
        return {
            log,
            shutdown: () => shutdown(),
            async listen() {
                const service = await startBunServer(config, log);
                shutdown = service.shutdown;
            },
        };
    }
    const { buildServer } = await import("./server");
    const service = await buildServer(config);
    return {
        log: service.app.log,
        shutdown: service.shutdown,
        async listen() {
            await service.app.listen({ host: config.host, port: config.port });
        },
    };
}

const service = await start();
if (openFiles !== undefined && config.maxConnections > openFiles - FILE_HEADROOM) {
    service.log.warn(
        { maxConnections: config.maxConnections, openFiles },
        "WS_MAX_CONNECTIONS is above the open-file limit minus headroom: raise `ulimit -n` or lower it",
    );
}

// Production refuses a placeholder secret (config.ts); in development it is said, once, at start.
for (const [name, value] of [["WS_EVENTS_SECRET", config.eventsSecret], ["WS_TICKET_SECRET", config.ticketSecret]] as const) {
    if (!config.production && value !== undefined && weakSecret(value) === "is still the example placeholder") {
        service.log.warn(
            `${name} is still the example placeholder: fine on this machine, refused when NODE_ENV=production ` +
                "(generate one with: openssl rand -hex 32)",
        );
    }
}

/** Whether listening failed because something else has the port (Node: EADDRINUSE; Bun says "in use"). */
function portTaken(err: unknown): boolean {
    const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
    return code === "EADDRINUSE" || /EADDRINUSE|in use/i.test(String(message ?? ""));
}

let stopping = false;
function stop(signal: string): void {
    if (stopping) return;
    stopping = true;
    service.log.info({ signal }, "shutting down");
    // Hard deadline: exit even if something (a client, Redis, a pending request) never lets go.
    const deadline = setTimeout(() => {
        service.log.error({ timeoutMs: config.shutdownTimeoutMs }, "graceful shutdown timed out; exiting");
        process.exit(1);
    }, config.shutdownTimeoutMs);
    service.shutdown().then(
        () => {
            clearTimeout(deadline);
            service.log.info("stopped");
            process.exit(0);
        },
        (err: unknown) => {
            service.log.error({ err }, "error during shutdown");
            process.exit(1);
        },
    );
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

try {
    await service.listen();
} catch (err) {
    if (portTaken(err)) {
        service.log.error(
            `port ${config.port} is already in use (another service, or this one started twice): stop that, or give ` +
                "this service another port with WS_PORT in its env file, and NEXT_PUBLIC_WS_URL and WS_INTERNAL_URL " +
                "to match (`afc add websocket --port N` writes all three)",
        );
    } else {
        service.log.error({ err }, "could not start listening");
    }
    process.exit(1);
}
