// Connection limits: total sockets and sockets per client address, and each socket's inbound messages.
// Runtime-agnostic: a server calls check() before the upgrade (to refuse with an HTTP status) and
// acquire()/release() (or hold()/release() for a socket it refuses) around a socket's life.

export interface ConnectionLimits {
    maxConnections: number;
    maxConnectionsPerAddress: number;
}

export type LimitResult = { ok: true } | { ok: false; status: 503 | 429; message: string };

export class ConnectionLimiter {
    private total = 0;
    private readonly perAddress = new Map<string, number>();

    constructor(private readonly limits: ConnectionLimits) {}

    get size(): number {
        return this.total;
    }

    check(address: string): LimitResult {
        if (this.total >= this.limits.maxConnections) {
            return { ok: false, status: 503, message: "server is at its connection limit (WS_MAX_CONNECTIONS)" };
        }
        if ((this.perAddress.get(address) ?? 0) >= this.limits.maxConnectionsPerAddress) {
            return {
                ok: false,
                status: 429,
                message: "too many connections from this address (WS_MAX_CONNECTIONS_PER_ADDRESS)",
            };
        }
        return { ok: true };
    }

    /** Takes a slot if one is free (the check is repeated: upgrades race). */
    acquire(address: string): boolean {
        if (!this.check(address).ok) return false;
        this.total += 1;
        this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
        return true;
    }

    /**
     * Takes a slot even past the caps, for a socket that is being refused (a close code right after the
     * upgrade): it holds a file until it is gone, so it is counted until then (release() when it closes).
     */
    hold(address: string): void {
        this.total += 1;
        this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    }

    release(address: string): void {
        const count = this.perAddress.get(address);
        if (count === undefined) return;
        this.total -= 1;
        if (count <= 1) this.perAddress.delete(address);
        else this.perAddress.set(address, count - 1);
    }
}

/**
 * Inbound messages per connection: at most `perSecond` in any one-second window (fixed windows). Browsers
 * send next to nothing; a client past the budget is closed with 1008 (policy violation).
 */
export class InboundBudget {
    private windowStart = 0;
    private count = 0;

    constructor(private readonly perSecond: number) {}

    /** Counts one message; false once the budget of the current window is spent. */
    take(now = Date.now()): boolean {
        if (now - this.windowStart >= 1000) {
            this.windowStart = now;
            this.count = 0;
        }
        this.count += 1;
        return this.count <= this.perSecond;
    }
}
