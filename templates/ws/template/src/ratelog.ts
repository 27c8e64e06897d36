// A warning that repeats (a Redis outage, a flood of forged messages) is logged at most once per interval
// per key, with the number of repeats it stood for. Runtime-agnostic.

export interface WarnLogger {
    warn(obj: object, msg: string): void;
}

export class RateLimitedLog {
    private readonly last = new Map<string, { at: number; suppressed: number }>();

    constructor(
        private readonly log: WarnLogger,
        private readonly intervalMs = 30_000,
        private readonly now: () => number = Date.now,
    ) {}

    /** Logs `msg` unless `key` was logged less than the interval ago; returns whether it logged. */
    warn(key: string, obj: object, msg: string): boolean {
        const now = this.now();
        const entry = this.last.get(key);
        if (entry && now - entry.at < this.intervalMs) {
            entry.suppressed += 1;
            return false;
        }
        const suppressed = entry?.suppressed ?? 0;
        this.last.set(key, { at: now, suppressed: 0 });
        if (this.last.size > 1000) this.last.delete(this.last.keys().next().value as string);
        this.log.warn(suppressed > 0 ? { ...obj, suppressed } : obj, msg);
        return true;
    }

    /** Forgets `key`, so that its next occurrence is logged at once (e.g. after a recovery). */
    reset(key: string): void {
        this.last.delete(key);
    }
}
