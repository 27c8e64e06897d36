// What a socket opening /ws may join, from its ticket (or its lack of one). Runtime-agnostic: both servers
// call it with the query's ticket value(s) and act on the answer (join, or close with the code given).

import { PUBLIC_CHANNEL } from "./channels";
import { CLOSE_TICKET_INVALID, CLOSE_TICKET_REQUIRED } from "./close-codes";
import { verifyTicket, type TicketFailure } from "./tickets";

export type Claim =
    | { ok: true; channels: string[] }
    | { ok: false; code: number; reason: string; why: TicketFailure | "required" | "empty" };

/**
 * `tickets`: every value of the `ticket` query parameter (more than one is malformed). `allowAnonymous` is
 * WS_PUBLIC: when false, a socket must bring a ticket that grants something (a subject or a channel), so
 * that a ticket signed for a signed-out visitor cannot stand in for "no ticket".
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
    return { ok: true, channels: [PUBLIC_CHANNEL, ...channels.filter((c) => c !== PUBLIC_CHANNEL)] };
}
