// Messages between replicas on the Redis channel are signed by the publishing replica and checked by every
// subscriber before anything reaches a browser. Runtime-agnostic.
//
//   afc2\n<origin>\n<ms>\n<nonce>\n<to>\n<signature>\n<envelope>
//   origin    the publishing replica's instance id      ms   Date.now() at publish time
//   nonce     unique per origin ([A-Za-z0-9_-]{1,32})    to   comma-separated channels
//   envelope  {"type": ..., "payload": ...} as browsers get it
//   signature base64url(HMAC-SHA256(key, "afc2\n<origin>\n<ms>\n<nonce>\n<to>\n<envelope>"))
// Key: HMAC-SHA256(key = WS_EVENTS_SECRET, "afc-redis-v1"). Anyone who can write to Redis but does not
// hold the secret can no longer reach browsers; a signed message is accepted from MAX_MESSAGE_AGE_MS in the
// past to MAX_FUTURE_SKEW_MS in the future, and once only (ReplayGuard remembers each origin + nonce until
// the message could no longer be accepted). Redis still sees every message in the clear: whoever can
// SUBSCRIBE to it reads what the service delivers (see README, "What Redis must be trusted for").

import { createHmac, timingSafeEqual } from "node:crypto";
import { isValidChannel, MAX_EVENT_CHANNELS } from "./channels";
import { isValidWireType, jsonTooDeep } from "./events";

export const REDIS_KEY_LABEL = "afc-redis-v1";
export const MAX_MESSAGE_AGE_MS = 30_000;
/** Tolerated clock difference between replicas: a message dated further ahead is refused. */
export const MAX_FUTURE_SKEW_MS = 5_000;
const MAGIC = "afc2";
const ORIGIN = /^[A-Za-z0-9-]{1,64}$/;
const NONCE = /^[A-Za-z0-9_-]{1,32}$/;

export interface FanoutMessage {
    origin: string;
    nonce: string;
    to: string[];
    envelope: string;
}

function mac(key: Buffer, signed: string): Buffer {
    return createHmac("sha256", key).update(signed, "utf8").digest();
}

export function encodeMessage(key: Buffer, message: FanoutMessage, now = Date.now()): string {
    const head = `${MAGIC}\n${message.origin}\n${now}\n${message.nonce}\n${message.to.join(",")}`;
    const signature = mac(key, `${head}\n${message.envelope}`).toString("base64url");
    return `${head}\n${signature}\n${message.envelope}`;
}

export type DecodeResult =
    | { ok: true; message: FanoutMessage; ms: number }
    | { ok: false; reason: "size" | "shape" | "signature" | "stale" | "future" | "channels" | "envelope" };

/** Checks size, shape, signature, age, channels and the envelope (JSON {type, payload} with a valid type). */
export function decodeMessage(key: Buffer, raw: string, maxBytes: number, now = Date.now()): DecodeResult {
    // Cheap bound first (a UTF-16 length is at most the UTF-8 length), then the exact one.
    if (raw.length > maxBytes || Buffer.byteLength(raw, "utf8") > maxBytes) return { ok: false, reason: "size" };
    const cuts: number[] = [];
    for (let at = -1, i = 0; i < 6; i++) {
        at = raw.indexOf("\n", at + 1);
        if (at < 0) return { ok: false, reason: "shape" };
        cuts.push(at);
    }
    const [c0, c1, c2, c3, c4, c5] = cuts as [number, number, number, number, number, number];
    const magic = raw.slice(0, c0);
    const origin = raw.slice(c0 + 1, c1);
    const ms = raw.slice(c1 + 1, c2);
    const nonce = raw.slice(c2 + 1, c3);
    const to = raw.slice(c3 + 1, c4);
    const signature = raw.slice(c4 + 1, c5);
    const envelope = raw.slice(c5 + 1);
    if (
        magic !== MAGIC ||
        !ORIGIN.test(origin) ||
        !/^\d{1,16}$/.test(ms) ||
        !NONCE.test(nonce) ||
        !/^[A-Za-z0-9_-]{43}$/.test(signature)
    ) {
        return { ok: false, reason: "shape" };
    }
    const expected = mac(key, `${raw.slice(0, c4)}\n${envelope}`);
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature" };
    const sent = Number(ms);
    if (now - sent > MAX_MESSAGE_AGE_MS) return { ok: false, reason: "stale" };
    if (sent - now > MAX_FUTURE_SKEW_MS) return { ok: false, reason: "future" };
    const channels = to.split(",");
    if (channels.length > MAX_EVENT_CHANNELS || !channels.every(isValidChannel)) return { ok: false, reason: "channels" };
    if (jsonTooDeep(envelope)) return { ok: false, reason: "envelope" };
    let value: unknown;
    try {
        value = JSON.parse(envelope);
    } catch {
        return { ok: false, reason: "envelope" };
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "envelope" };
    const keys = Object.keys(value);
    if (keys.length !== 2 || !("payload" in value) || !isValidWireType((value as { type?: unknown }).type)) {
        return { ok: false, reason: "envelope" };
    }
    return { ok: true, message: { origin, nonce, to: channels, envelope }, ms: sent };
}

/** Most (origin, nonce) pairs remembered; past it the oldest are forgotten first. */
export const MAX_REMEMBERED_NONCES = 200_000;

/**
 * Remembers each accepted message's origin and nonce until it could no longer be accepted (its time plus
 * MAX_MESSAGE_AGE_MS), so that a signed message re-published to Redis is delivered once. Runtime-agnostic.
 */
export class ReplayGuard {
    /** "origin nonce" -> the time after which decodeMessage refuses the message anyway (stale). */
    private readonly seen = new Map<string, number>();

    constructor(private readonly max = MAX_REMEMBERED_NONCES) {}

    get size(): number {
        return this.seen.size;
    }

    /** True the first time a message is seen (then remembered), false for a replay. */
    first(message: FanoutMessage, ms: number, now = Date.now()): boolean {
        // Forget what has expired: entries arrive roughly in time order, so the oldest are at the front.
        for (const [id, until] of this.seen) {
            if (until >= now && this.seen.size < this.max) break;
            this.seen.delete(id);
        }
        const id = `${message.origin} ${message.nonce}`;
        if (this.seen.has(id)) return false;
        this.seen.set(id, ms + MAX_MESSAGE_AGE_MS);
        return true;
    }
}
