// Messages between replicas on the Redis channel are signed by the publishing replica and checked by every
// subscriber before anything reaches a browser. Runtime-agnostic.
//
//   afc2\n<origin>\n<ms>\n<nonce>\n<to>\n<signature>\n<envelope>      an event for the browsers in <to>
//   afc2-revoke\n<origin>\n<ms>\n<nonce>\n<to>\n<signature>\n      close every socket joined to <to>
//   origin    the publishing replica's instance id      ms   Date.now() at publish time
//   nonce     unique per origin ([A-Za-z0-9_-]{1,32})    to   comma-separated channels
//   envelope  {"type": ..., "payload": ...} as browsers get it
//   signature base64url(HMAC-SHA256(key, "<magic>\n<origin>\n<ms>\n<nonce>\n<to>\n<envelope>"))
// Key: HMAC-SHA256(key = WS_EVENTS_SECRET, REDIS_KEY_LABEL from wire.ts). Anyone who can write to Redis but does not
// hold the secret can no longer reach browsers; a signed message is accepted from MAX_MESSAGE_AGE_MS in the
// past to MAX_FUTURE_SKEW_MS in the future, and once only (ReplayGuard remembers each origin + nonce until
// the message could no longer be accepted). Redis still sees every message in the clear: whoever can
// SUBSCRIBE to it reads what the service delivers (see README, "What Redis must be trusted for").

import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { isValidChannel, MAX_EVENT_CHANNELS } from "./channels";
import { isValidWireType, jsonTooDeep } from "./events";

export { REDIS_KEY_LABEL } from "./wire";
export const MAX_MESSAGE_AGE_MS = 30_000;
/** Tolerated clock difference between replicas: a message dated further ahead is refused. */
export const MAX_FUTURE_SKEW_MS = 5_000;
const MAGIC = "afc2";
const REVOKE_MAGIC = "afc2-revoke";
const ORIGIN = /^[A-Za-z0-9-]{1,64}$/;
const NONCE = /^[A-Za-z0-9_-]{1,32}$/;

export interface FanoutMessage {
    /** An event (the default), or a revocation of `to` (its envelope is empty). */
    kind?: "event" | "revoke";
    origin: string;
    nonce: string;
    to: string[];
    envelope: string;
}

function mac(key: Buffer, signed: string): Buffer {
    return createHmac("sha256", key).update(signed, "utf8").digest();
}

/** An envelope sealed with AES-256-GCM (WS_REDIS_ENCRYPT): this prefix, then base64url(iv | ciphertext | tag). */
const SEALED = "aes:";

/** The envelope encrypted with `cipherKey` (AES-256-GCM, a random 96-bit IV per message). */
export function sealEnvelope(cipherKey: Buffer, envelope: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", cipherKey, iv);
    const body = Buffer.concat([cipher.update(envelope, "utf8"), cipher.final()]);
    return `${SEALED}${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")}`;
}

/** The envelope a sealed one holds, or undefined when it is not sealed with `cipherKey` or was altered. */
export function openEnvelope(cipherKey: Buffer, sealed: string): string | undefined {
    if (!sealed.startsWith(SEALED)) return undefined;
    const bytes = Buffer.from(sealed.slice(SEALED.length), "base64url");
    if (bytes.length < 12 + 16) return undefined;
    try {
        const decipher = createDecipheriv("aes-256-gcm", cipherKey, bytes.subarray(0, 12));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString("utf8");
    } catch {
        return undefined;
    }
}

/** The message as published; with `cipherKey` its envelope is sealed first (and the sealed text signed). */
export function encodeMessage(key: Buffer, message: FanoutMessage, now = Date.now(), cipherKey?: Buffer): string {
    if (cipherKey && message.envelope !== "") message = { ...message, envelope: sealEnvelope(cipherKey, message.envelope) };
    const head = `${message.kind === "revoke" ? REVOKE_MAGIC : MAGIC}\n${message.origin}\n${now}\n${message.nonce}\n${message.to.join(",")}`;
    const signature = mac(key, `${head}\n${message.envelope}`).toString("base64url");
    return `${head}\n${signature}\n${message.envelope}`;
}

export type DecodeResult =
    | { ok: true; message: FanoutMessage; ms: number }
    | { ok: false; reason: "size" | "shape" | "signature" | "stale" | "future" | "channels" | "envelope" };

/**
 * Checks size, shape, signature, age, channels and the envelope (JSON {type, payload} with a valid type). With
 * `cipherKey` (WS_REDIS_ENCRYPT) an event's envelope must be sealed with it; without, a sealed one is refused.
 */
export function decodeMessage(key: Buffer, raw: string, maxBytes: number, now = Date.now(), cipherKey?: Buffer): DecodeResult {
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
    let envelope = raw.slice(c5 + 1);
    const revoke = magic === REVOKE_MAGIC;
    if (
        (magic !== MAGIC && !revoke) ||
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
    if (revoke) {
        if (envelope !== "") return { ok: false, reason: "envelope" };
        return { ok: true, message: { kind: "revoke", origin, nonce, to: channels, envelope }, ms: sent };
    }
    const opened = cipherKey ? openEnvelope(cipherKey, envelope) : envelope.startsWith(SEALED) ? undefined : envelope;
    if (opened === undefined) return { ok: false, reason: "envelope" };
    envelope = opened;
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
