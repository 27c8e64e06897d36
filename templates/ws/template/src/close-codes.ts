// Close codes sent to a socket right after the upgrade (documented in README.md). Runtime-agnostic.

export const CLOSE_TICKET_INVALID = 4401; // invalid, expired, forged or altered ticket: fetch a new one
export const CLOSE_TICKET_REQUIRED = 4403; // no ticket and WS_PUBLIC=false
export const CLOSE_TRY_AGAIN = 1013; // a connection limit was reached while upgrading
