// The client address behind trusted proxies (WS_TRUST_PROXY), for the Bun server; Fastify does the same on
// Node. Runtime-agnostic. `trust` is false, true (every hop), a hop count, or a list of proxy addresses
// (exact IPv4/IPv6 addresses or IPv4 CIDR ranges such as 10.0.0.0/8).

function ipv4(address: string): number | undefined {
    const m = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(address);
    if (!m) return undefined;
    const parts = m.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function matches(address: string, entry: string): boolean {
    const [base, bits] = entry.split("/");
    if (bits === undefined) return address === entry || ipv4(address) === ipv4(entry) && ipv4(entry) !== undefined;
    const a = ipv4(address);
    const b = ipv4(base!);
    const n = Number(bits);
    if (a === undefined || b === undefined || !(n >= 0 && n <= 32)) return false;
    const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
    return (a & mask) === (b & mask);
}

export function clientAddress(
    remote: string,
    forwardedFor: string | null | undefined,
    trust: boolean | number | string[],
): string {
    if (trust === false || !forwardedFor) return remote;
    // Nearest hop first: the socket's peer, then X-Forwarded-For from right to left.
    const chain = [remote, ...forwardedFor.split(",").map((s) => s.trim()).filter(Boolean).reverse()];
    let i = 0;
    while (i + 1 < chain.length) {
        const trusted =
            trust === true ? true : typeof trust === "number" ? i < trust : trust.some((entry) => matches(chain[i]!, entry));
        if (!trusted) break;
        i += 1;
    }
    return chain[i]!;
}
