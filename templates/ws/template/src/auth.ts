// Who may POST /events/:name: callers with the bearer secret, or (when no secret is set) loopback callers.

import { timingSafeEqual } from "node:crypto";

/** The expected secret's bytes, encoded once (the secret does not change while the service runs). */
let expectedBytes: { secret: string; bytes: Buffer } | undefined;

/**
 * Constant-time comparison that does not leak the secret's length: a given value of another length is not
 * compared with the secret but the secret with itself, so the time taken is that of one comparison of the
 * secret's length either way. (No hashing: a digest per request cost more than the rest of the check.)
 */
export function secretMatches(given: string, expected: string): boolean {
    if (expectedBytes?.secret !== expected) expectedBytes = { secret: expected, bytes: Buffer.from(expected, "utf8") };
    const secret = expectedBytes.bytes;
    const candidate = Buffer.from(given, "utf8");
    const sameLength = candidate.length === secret.length;
    return timingSafeEqual(sameLength ? candidate : secret, secret) && sameLength;
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

/** GET /health: `ok` for anyone; the live client count only for the bearer of WS_METRICS_TOKEN. */
export function healthBody(
    metricsToken: string | undefined,
    authorization: string | undefined,
    clients: number,
): { status: "ok"; clients?: number } {
    const token = metricsToken === undefined ? undefined : bearerToken(authorization);
    if (token !== undefined && secretMatches(token, metricsToken!)) return { status: "ok", clients };
    return { status: "ok" };
}
