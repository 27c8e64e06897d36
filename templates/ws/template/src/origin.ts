// Origin check for the WebSocket upgrade (browsers always send Origin; other clients may omit it).

export type OriginResult = { ok: true } | { ok: false; message: string };

export function checkOrigin(origin: string | undefined, allowed: readonly string[]): OriginResult {
    // An empty list means "any origin": the development default, refused at startup in production.
    if (allowed.length === 0) return { ok: true };
    // Non-browser clients (curl, server-side code) send no Origin; they could forge any value anyway,
    // so the check only protects browsers, which always send it.
    if (origin === undefined) return { ok: true };
    if (allowed.includes(origin)) return { ok: true };
    return { ok: false, message: `origin ${origin} is not in WS_ALLOWED_ORIGINS` };
}
