// Scale-out across replicas through Redis pub/sub (only when REDIS_URL is set).
//
// Delivery rule, so every client gets each event exactly once:
//   - the replica that receives POST /events delivers to its own clients immediately (this keeps working
//     while Redis is down), then publishes `<instanceId>\n<message>`;
//   - every replica delivers what it hears on the channel, except messages carrying its own instance id.
// Publisher and subscriber are separate connections (a subscribed Redis connection cannot publish).

import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export interface FanoutLogger {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
}

export interface Fanout {
    /** Hands a serialized message to the other replicas (best effort; never throws). */
    publish(message: string): void;
    /** True when fanout is unused, or both Redis connections are ready. */
    ready(): boolean;
    close(): Promise<void>;
}

/** Used when REDIS_URL is not set: a single replica, nothing to fan out. */
export const noFanout: Fanout = {
    publish() {},
    ready: () => true,
    close: async () => {},
};

export function createRedisFanout(
    url: string,
    channel: string,
    deliver: (message: string) => void,
    log: FanoutLogger,
): Fanout {
    const instanceId = randomUUID();
    const prefix = `${instanceId}\n`;
    const common = {
        // Reconnect forever with a capped delay; a Redis outage must never take the service down.
        retryStrategy: (times: number) => Math.min(100 * times, 2_000),
        maxRetriesPerRequest: null,
        connectionName: `afc-ws-${instanceId}`,
    };
    // Publishes fail fast while Redis is down instead of piling up in memory and replaying stale events.
    const publisher = new Redis(url, { ...common, enableOfflineQueue: false });
    const subscriber = new Redis(url, { ...common, autoResubscribe: true });

    let lastError = "";
    const onError = (role: string) => (err: Error) => {
        // ioredis emits an error per failed reconnect attempt; log each distinct failure once.
        const key = `${role}:${err.message}`;
        if (key !== lastError) log.warn({ role, err: err.message }, "redis connection error");
        lastError = key;
    };
    publisher.on("error", onError("publisher"));
    subscriber.on("error", onError("subscriber"));
    publisher.on("ready", () => log.info({ role: "publisher" }, "redis ready"));
    subscriber.on("ready", () => {
        lastError = "";
        log.info({ role: "subscriber", channel }, "redis ready");
    });

    subscriber.on("message", (_channel: string, raw: string) => {
        const cut = raw.indexOf("\n");
        if (cut < 0) return;
        if (raw.startsWith(prefix)) return; // our own message: already delivered locally
        deliver(raw.slice(cut + 1));
    });
    subscriber.subscribe(channel).catch((err: Error) => {
        log.warn({ err: err.message }, "redis subscribe failed; it is retried on reconnect");
    });

    return {
        publish(message) {
            if (publisher.status !== "ready") {
                log.warn({ status: publisher.status }, "redis unavailable: event delivered to this replica only");
                return;
            }
            publisher.publish(channel, prefix + message).catch((err: Error) => {
                log.warn({ err: err.message }, "redis publish failed: event delivered to this replica only");
            });
        },
        ready: () => publisher.status === "ready" && subscriber.status === "ready",
        async close() {
            // disconnect() rather than quit(): quit waits for a reply that never comes while Redis is down.
            publisher.disconnect();
            subscriber.disconnect();
        },
    };
}
