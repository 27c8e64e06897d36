// Each ticket opens one connection: its nonce is remembered until the ticket expires. Runtime-agnostic; with
// Redis the replicas share what they remember (fanout.ts, SET NX), this memory answers first and when Redis
// cannot.

import { CLOCK_SKEW_SECONDS } from "./tickets";

/** Most nonces remembered; past it the oldest are forgotten first. */
export const MAX_REMEMBERED_TICKETS = 200_000;

export class NonceMemory {
    /** nonce -> the second after which its ticket is refused anyway (expired). */
    private readonly seen = new Map<string, number>();

    constructor(private readonly max = MAX_REMEMBERED_TICKETS) {}

    get size(): number {
        return this.seen.size;
    }

    /** True the first time `nonce` is presented (then remembered until `exp`), false after. */
    first(nonce: string, exp: number, now = Math.floor(Date.now() / 1000)): boolean {
        // Forget what has expired, oldest first (tickets live 1-60 s, so the front is roughly the oldest).
        for (const [id, until] of this.seen) {
            if (until >= now && this.seen.size < this.max) break;
            this.seen.delete(id);
        }
        if (this.seen.has(nonce)) return false;
        this.seen.set(nonce, exp + CLOCK_SKEW_SECONDS);
        return true;
    }
}
