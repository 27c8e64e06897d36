// Whole-request deadlines (WS_REQUEST_TIMEOUT_MS), on both runtimes: how late one may be noticed, and what a
// request that missed it is answered.

/** How often deadlines are checked: a request is cut off within this long of its deadline. */
export function deadlineCheckMs(timeoutMs: number): number {
    return Math.max(10, Math.min(250, Math.floor(timeoutMs / 4)));
}

export const TIMED_OUT = { error: "request timed out" } as const;
