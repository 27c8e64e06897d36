// Scale-out across replicas through Redis pub/sub (only when REDIS_URL is set).
//
// Delivery rule, so every client gets each event exactly once:
//   - the replica that receives POST /events delivers to its own clients immediately (this keeps working
//     while Redis is down), then publishes the signed message (see signing.ts) carrying its instance id;
//   - every replica delivers what it hears on the channel, except messages carrying its own instance id.
// Nothing unsigned is trusted: each message is checked for size, shape, signature, age, channels and
// envelope before delivery, and delivered once (a re-published copy is dropped by its origin and nonce);
// anything else is dropped with a rate-limited warning.
// Publisher and subscriber are separate connections (a subscribed Redis connection cannot publish).

import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { RateLimitedLog } from "./ratelog";
import { decodeMessage, encodeMessage, ReplayGuard } from "./signing";
import { CLOCK_SKEW_SECONDS } from "./tickets";

export interface FanoutLogger {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
}

export interface Fanout {
    /** Hands a serialized envelope for `to` to the other replicas (best effort; never throws). */
    publish(envelope: string, to: readonly string[]): void;
    /** Tells the other replicas to close every socket joined to `to` (best effort; never throws). */
    revoke(to: readonly string[]): void;
    /**
     * Whether a ticket's nonce is used for the first time by any replica (remembered in Redis until `exp`,
     * seconds); undefined when Redis cannot answer (then this replica's memory decides).
     */
    firstUse(nonce: string, exp: number): Promise<boolean> | undefined;
    /** "disabled" without REDIS_URL; otherwise whether both Redis connections are ready. */
    status(): "disabled" | "ready" | "unavailable";
    close(): Promise<void>;
}

/** Used when REDIS_URL is not set: a single replica, nothing to fan out. */
export const noFanout: Fanout = {
    publish() {},
    revoke() {},
    firstUse: () => undefined,
    status: () => "disabled",
    close: async () => {},
};

export interface RedisFanoutOptions {
    url: string;
    channel: string;
    /** HMAC key (derived from WS_EVENTS_SECRET) that signs and checks every message. */
    key: Buffer;
    /** AES-256-GCM key for events' envelopes (WS_REDIS_ENCRYPT), derived from WS_EVENTS_SECRET; none: clear text. */
    cipherKey?: Buffer | undefined;
    /** Largest accepted message on the channel, in bytes (header included). */
    maxMessageBytes: number;
    /** Minimum interval between two identical warnings. */
    logIntervalMs?: number;
}

export function createRedisFanout(
    options: RedisFanoutOptions,
    deliver: (envelope: string, to: readonly string[]) => void,
    log: FanoutLogger,
    revoke: (to: readonly string[]) => void = () => {},
): Fanout {
    const { url, channel, key, cipherKey, maxMessageBytes } = options;
    const instanceId = randomUUID();
    const limited = new RateLimitedLog(log, options.logIntervalMs ?? 30_000);
    const replays = new ReplayGuard();
    // Nonces: a counter, unique for this instance id (a new id at every start).
    let sequence = 0;
    const common = {
        // Reconnect forever with a capped delay; a Redis outage must never take the service down.
        retryStrategy: (times: number) => Math.min(100 * times, 2_000),
        maxRetriesPerRequest: null,
        connectionName: `afc-ws-${instanceId}`,
    };
    // Publishes fail fast while Redis is down instead of piling up in memory and replaying stale events.
    const publisher = new Redis(url, { ...common, enableOfflineQueue: false });
    const subscriber = new Redis(url, { ...common, autoResubscribe: true });

    // ioredis emits an error per failed reconnect attempt: one warning per role per interval.
    const onError = (role: string) => (err: Error) => {
        limited.warn(`redis-error:${role}`, { role, err: err.message }, "redis connection error");
    };
    publisher.on("error", onError("publisher"));
    subscriber.on("error", onError("subscriber"));
    publisher.on("ready", () => {
        limited.reset("redis-error:publisher");
        limited.reset("redis-publish");
        log.info({ role: "publisher" }, "redis ready");
    });
    subscriber.on("ready", () => {
        limited.reset("redis-error:subscriber");
        log.info({ role: "subscriber", channel }, "redis ready");
    });

    subscriber.on("message", (_channel: string, raw: string) => {
        const decoded = decodeMessage(key, raw, maxMessageBytes, Date.now(), cipherKey);
        if (!decoded.ok) {
            limited.warn(
                `redis-drop:${decoded.reason}`,
                { reason: decoded.reason, bytes: raw.length },
                "dropped a message on the redis channel that this service did not sign or cannot accept",
            );
            return;
        }
        if (decoded.message.origin === instanceId) return; // our own message: already delivered locally
        if (!replays.first(decoded.message, decoded.ms)) {
            limited.warn("redis-drop:replay", { reason: "replay" }, "dropped a replayed message on the redis channel");
            return;
        }
        if (decoded.message.kind === "revoke") revoke(decoded.message.to);
        else deliver(decoded.message.envelope, decoded.message.to);
    });
    subscriber.subscribe(channel).catch((err: Error) => {
        limited.warn("redis-subscribe", { err: err.message }, "redis subscribe failed; it is retried on reconnect");
    });

    const send = (kind: "event" | "revoke", envelope: string, to: readonly string[]) => {
        if (publisher.status !== "ready") {
            limited.warn(
                "redis-publish",
                { status: publisher.status },
                "redis unavailable: events and revocations reach this replica's clients only",
            );
            return;
        }
        sequence += 1;
        const message = encodeMessage(key, { kind, origin: instanceId, nonce: sequence.toString(36), to: [...to], envelope }, Date.now(), cipherKey);
        publisher.publish(channel, message).catch((err: Error) => {
            limited.warn("redis-publish", { err: err.message }, "redis publish failed: delivered to this replica only");
        });
    };

    return {
        publish: (envelope, to) => send("event", envelope, to),
        revoke: (to) => send("revoke", "", to),
        firstUse(nonce, exp) {
            if (publisher.status !== "ready") return undefined;
            // SET NX: only the first replica to store the nonce is told "OK"; it expires with the ticket.
            return publisher.set(`${channel}:ticket:${nonce}`, "1", "EXAT", exp + CLOCK_SKEW_SECONDS, "NX").then(
                (reply) => reply === "OK",
                (err: Error) => {
                    limited.warn("redis-nonce", { err: err.message }, "redis could not check a ticket's nonce: this replica's memory decides");
                    return true;
                },
            );
        },
        status: () => (publisher.status === "ready" && subscriber.status === "ready" ? "ready" : "unavailable"),
        async close() {
            // disconnect() rather than quit(): quit waits for a reply that never comes while Redis is down.
            publisher.disconnect();
            subscriber.disconnect();
        },
    };
}
