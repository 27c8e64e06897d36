// Close codes sent to a socket (documented in README.md). Runtime-agnostic.

export const CLOSE_TICKET_INVALID = 4401; // invalid, expired, forged or altered ticket: fetch a new one
export const CLOSE_TICKET_REQUIRED = 4403; // no ticket (or one that grants nothing) and WS_PUBLIC=false
export const CLOSE_TRY_AGAIN = 1013; // a connection limit was reached while upgrading
export const CLOSE_POLICY = 1008; // the client sent more than WS_MAX_INBOUND_PER_SECOND messages in a second
