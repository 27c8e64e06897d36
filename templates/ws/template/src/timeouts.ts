// Whole-request deadlines (WS_REQUEST_TIMEOUT_MS), on both runtimes: how late one may be noticed, and what a
// request that missed it is answered (on Node, by the HTTP server's client-error handler, with broken requests).

import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";

/** How often deadlines are checked: a request is cut off within this long of its deadline. */
export function deadlineCheckMs(timeoutMs: number): number {
    return Math.max(10, Math.min(250, Math.floor(timeoutMs / 4)));
}

export const TIMED_OUT = { error: "request timed out" } as const;

/** Fastify's own answer to a broken or late request (its default clientErrorHandler), the 408 as on Bun. */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    const status = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const body = JSON.stringify(status === 408 ? TIMED_OUT : { error: STATUS_CODES[status] });
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
    if (socket.writable) socket.write(`${head}Content-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
    socket.destroy(err);
}
