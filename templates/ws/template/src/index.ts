// Entrypoint: `bun src/index.ts` or `node --import tsx src/index.ts`. Runs in the foreground so that
// SIGTERM from a container runtime reaches this process directly.

import { ConfigError, loadConfig, type Config } from "./config";
import { buildServer } from "./server";

let config: Config;
try {
    config = loadConfig();
} catch (err) {
    if (err instanceof ConfigError) {
        console.error(`ws: refusing to start: ${err.message}`);
        process.exit(1);
    }
    throw err;
}

const service = await buildServer(config);
const { app } = service;

let stopping = false;
function stop(signal: string): void {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "shutting down");
    // Hard deadline: exit even if something (a client, Redis, a pending request) never lets go.
    const deadline = setTimeout(() => {
        app.log.error({ timeoutMs: config.shutdownTimeoutMs }, "graceful shutdown timed out; exiting");
        process.exit(1);
    }, config.shutdownTimeoutMs);
    service.shutdown().then(
        () => {
            clearTimeout(deadline);
            app.log.info("stopped");
            process.exit(0);
        },
        (err: unknown) => {
            app.log.error({ err }, "error during shutdown");
            process.exit(1);
        },
    );
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

try {
    await app.listen({ host: config.host, port: config.port });
} catch (err) {
    app.log.error({ err }, "could not start listening");
    process.exit(1);
}
