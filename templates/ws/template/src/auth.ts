// Who may POST /events/:name: callers with the bearer secret, or (when no secret is set) loopback callers.

import { createHash, timingSafeEqual } from "node:crypto";

function digest(value: string): Buffer {
    return createHash("sha256").update(value, "utf8").digest();
}

/** Constant-time comparison that does not leak the secret's length (both sides are hashed first). */
export function secretMatches(given: string, expected: string): boolean {
    return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
    if (!header) return undefined;
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    return match?.[1];
}

export function isLoopback(address: string | undefined): boolean {
    if (!address) return false;
    if (address === "::1") return true;
    const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
    return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export type AuthResult = { ok: true } | { ok: false; status: 401 | 403; message: string };

export function authorizeEvent(
    secret: string | undefined,
    authorization: string | undefined,
    remoteAddress: string | undefined,
): AuthResult {
    if (secret === undefined) {
        if (isLoopback(remoteAddress)) return { ok: true };
        return { ok: false, status: 403, message: "WS_EVENTS_SECRET is not set: events are accepted from loopback only" };
    }
    const token = bearerToken(authorization);
    if (token === undefined || !secretMatches(token, secret)) {
        return { ok: false, status: 401, message: "missing or wrong bearer token" };
    }
    return { ok: true };
}
