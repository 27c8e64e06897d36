// Connection limits: total sockets and sockets per client address. Runtime-agnostic: a server calls
// check() before the upgrade (to refuse with an HTTP status) and acquire()/release() around a socket's life.

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

    release(address: string): void {
        const count = this.perAddress.get(address);
        if (count === undefined) return;
        this.total -= 1;
        if (count <= 1) this.perAddress.delete(address);
        else this.perAddress.set(address, count - 1);
    }
}
