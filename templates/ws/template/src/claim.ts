// What a socket may join, from its ticket (or its lack of one). Runtime-agnostic: the hub calls it with the
// query's ticket value(s) or the ticket a socket sent, and acts on the answer (join, or close with the code).

import { PUBLIC_CHANNEL } from "./channels";
import { CLOSE_TICKET_INVALID, CLOSE_TICKET_REQUIRED } from "./close-codes";
import { verifyTicket, type TicketFailure } from "./tickets";

export type Claim =
    | { ok: true; channels: string[]; sub?: string | null; exp?: number; nonce?: string }
    | { ok: false; code: number; reason: string; why: TicketFailure | "required" | "empty" | "reused" };

/**
 * `tickets`: every value given (more than one is malformed). `allowAnonymous` is WS_PUBLIC: when false, a
 * socket must bring a ticket that grants something (a subject or a channel), so that a ticket signed for a
 * signed-out visitor cannot stand in for "no ticket". A ticket's claim carries its subject, its expiry
 * (seconds) and its nonce (each ticket opens one connection: the caller checks the nonce).
 */
export function claimChannels(
    tickets: readonly unknown[],
    key: Buffer | undefined,
    allowAnonymous: boolean,
    now?: number,
): Claim {
    if (tickets.length === 0 || (tickets.length === 1 && tickets[0] === "")) {
        if (allowAnonymous) return { ok: true, channels: [PUBLIC_CHANNEL] };
        return { ok: false, code: CLOSE_TICKET_REQUIRED, reason: "ticket required", why: "required" };
    }
    const ticket = tickets.length === 1 ? tickets[0] : undefined;
    const result = typeof ticket === "string" ? verifyTicket(ticket, key, now) : undefined;
    if (!result?.ok) {
        return { ok: false, code: CLOSE_TICKET_INVALID, reason: "invalid or expired ticket", why: result?.reason ?? "malformed" };
    }
    const { sub, channels } = result.grant;
    if (!allowAnonymous && sub === null && channels.every((c) => c === PUBLIC_CHANNEL)) {
        return { ok: false, code: CLOSE_TICKET_REQUIRED, reason: "ticket required", why: "empty" };
    }
    return {
        ok: true,
        channels: [PUBLIC_CHANNEL, ...channels.filter((c) => c !== PUBLIC_CHANNEL)],
        sub,
        exp: result.exp,
        nonce: result.nonce,
    };
}
