// Fetch-API requests (Request/Response), for the Bun adapter: JSON answers, bounded body reading and a
// whole-request deadline. Runtime-agnostic code over web standards; Node's HTTP server does the same natively.

import type { Answer } from "./service";
import { deadlineCheckMs, TIMED_OUT } from "./timeouts";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

export function json(status: number, body: unknown, headers?: Record<string, string>): Response {
    return new Response(JSON.stringify(body), { status, headers: headers ? { ...JSON_HEADERS, ...headers } : JSON_HEADERS });
}

export function respond(answer: Answer): Response {
    return json(answer.status, answer.body, answer.headers);
}

/** A request URL's path and query (`target`), path and query string (without `?`), with no URL parsing. */
export function splitTarget(url: string): { target: string; path: string; query: string | undefined } {
    const start = url.indexOf("/", url.indexOf("//") + 2);
    const target = start < 0 ? "/" : url.slice(start);
    const q = target.indexOf("?");
    return q < 0 ? { target, path: target, query: undefined } : { target, path: target.slice(0, q), query: target.slice(q + 1) };
}

export class TooLarge extends Error {}

const DIGITS = /^\d+$/;

/**
 * An oversize body is still read off the wire (and thrown away) up to this many bytes, so that an ordinary
 * HTTP client, which sends its whole body before reading, gets the 413 instead of a broken pipe.
 */
export const DRAIN_LIMIT = 16 * 1024 * 1024;

/** Reads the body as text, refusing it (TooLarge) past `limit` bytes. */
export async function readBody(request: Request, limit: number): Promise<string | undefined> {
    if (!request.body) return undefined;
    // The usual case, a Content-Length within the limit: the runtime reads exactly that many bytes, natively.
    // (text() decodes as UTF-8 and drops a leading BOM, which the JSON parser skips too.)
    const declared = request.headers.get("content-length");
    if (declared !== null && DIGITS.test(declared) && Number(declared) <= limit) return request.text();
    // Otherwise (chunked, or too large): read it piece by piece, counting.
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > DRAIN_LIMIT) {
            reader.cancel().catch(() => {});
            throw new TooLarge();
        }
        if (size <= limit) chunks.push(value);
    }
    if (size > limit) throw new TooLarge();
    return Buffer.concat(chunks).toString("utf8");
}

/**
 * Whole-request deadlines: 408 and the connection closed when one passes (a trickled body). One timer sweeps
 * every request in flight, rather than a timer and a Promise.race per request (which cost more than the rest
 * of a small POST's handling); a deadline is honoured within the sweep interval of passing.
 */
export class Deadlines {
    private readonly inFlight = new Set<{ due: number; expire: () => void }>();
    private readonly sweeper: ReturnType<typeof setInterval>;

    constructor(
        private readonly timeoutMs: number,
        private readonly onTimeout: () => void,
        private readonly onError: (err: unknown) => Response,
    ) {
        this.sweeper = setInterval(() => this.sweep(), deadlineCheckMs(timeoutMs));
        this.sweeper.unref?.();
    }

    private sweep(): void {
        if (this.inFlight.size === 0) return;
        const now = performance.now();
        for (const request of this.inFlight) {
            if (request.due > now) continue;
            this.inFlight.delete(request);
            request.expire();
        }
    }

    /** `work`'s answer, or 408 once the deadline passes, or onError's if it throws. */
    race(work: Promise<Response>): Promise<Response> {
        return new Promise<Response>((resolve) => {
            const request = {
                due: performance.now() + this.timeoutMs,
                expire: () => {
                    this.onTimeout();
                    resolve(json(408, TIMED_OUT, { connection: "close" }));
                },
            };
            this.inFlight.add(request);
            work.then(
                (response) => {
                    this.inFlight.delete(request);
                    resolve(response);
                },
                (err: unknown) => {
                    this.inFlight.delete(request);
                    resolve(this.onError(err));
                },
            );
        });
    }

    stop(): void {
        clearInterval(this.sweeper);
    }
}
