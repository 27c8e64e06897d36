// Close codes sent to a socket (documented in README.md). Runtime-agnostic. The ticket codes are part of the
// wire grammar (wire.ts), which the browser client shares.

export { CLOSE_REVOKED, CLOSE_TICKET_EXPIRED, CLOSE_TICKET_INVALID, CLOSE_TICKET_REQUIRED } from "./wire";
export const CLOSE_TRY_AGAIN = 1013; // a connection limit was reached while upgrading
export const CLOSE_POLICY = 1008; // the client sent more than WS_MAX_INBOUND_PER_SECOND messages in a second
