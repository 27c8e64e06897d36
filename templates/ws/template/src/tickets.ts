// Connection tickets: short-lived, HMAC-SHA256 signed grants minted by the web app (signTicket in
// lib/realtime/ticket.ts) and checked here when a browser opens /ws. Runtime-agnostic.
//
// Wire format (all base64url without padding):
//   v1.<payload>.<signature>
//   payload   = base64url(JSON {"sub": string | null, "ch": [channel, ...], "iat": seconds, "exp": seconds,
//                               "n": nonce, [A-Za-z0-9_-]{16,64}, random})
//   signature = base64url(HMAC-SHA256(key, "v1." + payload))
// Key: WS_TICKET_SECRET (its UTF-8 bytes) when set, else HMAC-SHA256(key = WS_EVENTS_SECRET, TICKET_KEY_LABEL from wire.ts).
// A ticket lives at most 60 s (exp - iat <= 60) and opens one connection (its nonce is remembered until it
// expires). A browser sends it as its socket's first message, and a fresh one before it expires (refresh).

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { isValidChannel } from "./channels";
import {
    MAX_SUBJECT_LENGTH,
    MAX_TICKET_CHANNELS,
    MAX_TICKET_TTL_SECONDS,
    TICKET_KEY_LABEL,
    TICKET_NONCE,
    TICKET_NONCE_BYTES,
    TICKET_VERSION,
} from "./wire";

export { MAX_TICKET_TTL_SECONDS, TICKET_KEY_LABEL, TICKET_VERSION } from "./wire";
export const MAX_TICKET_LENGTH = 8192;
/** Tolerated clock difference between the web app and this service. */
export const CLOCK_SKEW_SECONDS = 5;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** An HMAC-SHA256 in base64url without padding: exactly 43 characters, nothing shorter or longer. */
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

export interface Grant {
    sub: string | null;
    channels: string[];
}

/** HMAC-SHA256(key = secret, label): a key of its own for each use of one shared secret. */
export function deriveKey(secret: string, label: string): Buffer {
    return createHmac("sha256", secret).update(label, "utf8").digest();
}

/** The ticket key, or undefined when neither secret is configured (then every ticket is refused). */
export function ticketKey(ticketSecret: string | undefined, eventsSecret: string | undefined): Buffer | undefined {
    if (ticketSecret !== undefined) return Buffer.from(ticketSecret, "utf8");
    if (eventsSecret !== undefined) return deriveKey(eventsSecret, TICKET_KEY_LABEL);
    return undefined;
}

function sign(key: Buffer, payload: string): Buffer {
    return createHmac("sha256", key).update(`${TICKET_VERSION}.${payload}`, "utf8").digest();
}

/** Mints a ticket (the service's own copy of the web helper's signTicket, used by its tests). */
export function signTicket(key: Buffer, grant: Grant, ttlSeconds = 30, now = Math.floor(Date.now() / 1000)): string {
    const ttl = Math.max(1, Math.min(MAX_TICKET_TTL_SECONDS, Math.floor(ttlSeconds)));
    const n = randomBytes(TICKET_NONCE_BYTES).toString("base64url");
    const body = JSON.stringify({ sub: grant.sub, ch: grant.channels, iat: now, exp: now + ttl, n });
    const payload = Buffer.from(body, "utf8").toString("base64url");
    return `${TICKET_VERSION}.${payload}.${sign(key, payload).toString("base64url")}`;
}

export type TicketFailure = "malformed" | "signature" | "expired" | "lifetime" | "grant" | "no-key";
export type TicketResult = { ok: true; grant: Grant; exp: number; nonce: string } | { ok: false; reason: TicketFailure };

/** A socket's message that is meant as a ticket (anything else a client sends is ignored). */
export function looksLikeTicket(text: string): boolean {
    return text.startsWith(`${TICKET_VERSION}.`);
}

/** Checks signature (constant time), lifetime and shape. Never throws. */
export function verifyTicket(
    ticket: string,
    key: Buffer | undefined,
    now = Math.floor(Date.now() / 1000),
): TicketResult {
    if (key === undefined) return { ok: false, reason: "no-key" };
    if (ticket.length > MAX_TICKET_LENGTH) return { ok: false, reason: "malformed" };
    const parts = ticket.split(".");
    if (parts.length !== 3 || parts[0] !== TICKET_VERSION) return { ok: false, reason: "malformed" };
    const [, payload = "", signature = ""] = parts;
    if (!BASE64URL.test(payload) || !SIGNATURE.test(signature)) return { ok: false, reason: "malformed" };
    const given = Buffer.from(signature, "base64url");
    const expected = sign(key, payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature" };

    let claims: unknown;
    try {
        claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
        return { ok: false, reason: "malformed" };
    }
    if (typeof claims !== "object" || claims === null || Array.isArray(claims)) return { ok: false, reason: "malformed" };
    const { sub, ch, iat, exp, n } = claims as Record<string, unknown>;
    if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) return { ok: false, reason: "malformed" };
    if (typeof n !== "string" || !TICKET_NONCE.test(n)) return { ok: false, reason: "malformed" };
    const issued = iat as number;
    const expires = exp as number;
    if (expires + CLOCK_SKEW_SECONDS < now) return { ok: false, reason: "expired" };
    if (issued > now + CLOCK_SKEW_SECONDS || expires <= issued || expires - issued > MAX_TICKET_TTL_SECONDS) {
        return { ok: false, reason: "lifetime" };
    }
    if (sub !== null && (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH)) {
        return { ok: false, reason: "grant" };
    }
    if (!Array.isArray(ch) || ch.length > MAX_TICKET_CHANNELS || !ch.every(isValidChannel)) {
        return { ok: false, reason: "grant" };
    }
    return { ok: true, grant: { sub: sub as string | null, channels: [...new Set(ch as string[])] }, exp: expires, nonce: n };
}

/** A query key as a server decodes it (percent-escapes and `+`), up to three times; undefined when undecodable. */
function decodedKey(raw: string): string | undefined {
    let key = raw;
    for (let i = 0; i < 3 && /[%+]/.test(key); i++) {
        try {
            key = decodeURIComponent(key.replace(/\+/g, " "));
        } catch {
            return undefined;
        }
    }
    return key;
}

/**
 * The URL with the value of every query parameter whose name decodes to `ticket` (any case, any encoding:
 * `%74icket=` is `ticket=` to the server) replaced, for logs. An undecodable name is redacted too.
 */
export function redactTicket(url: string): string {
    return url.replace(/([?&;])([^=&#?;\s]*)=([^&#;\s]*)/g, (whole, sep: string, key: string) => {
        const name = decodedKey(key);
        return name === undefined || name.trim().toLowerCase() === "ticket" ? `${sep}${key}=[redacted]` : whole;
    });
}

/** A log record with every `ticket=` value in its strings (nested, errors included) replaced. */
export function redactTickets<T>(value: T, depth = 0): T {
    if (typeof value === "string") return (value.includes("=") ? redactTicket(value) : value) as T;
    if (depth > 4 || typeof value !== "object" || value === null) return value;
    if (value instanceof Error) {
        if (value.message.includes("=")) value.message = redactTicket(value.message);
        if (value.stack?.includes("=")) value.stack = redactTicket(value.stack);
        return value;
    }
    if (Array.isArray(value)) return value.map((item) => redactTickets(item, depth + 1)) as T;
    // Plain records only: requests, responses and the like are left to their serializers (see server.ts).
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactTickets(item, depth + 1);
    return out as T;
}
