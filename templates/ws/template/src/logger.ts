// Logger options shared by both servers (Fastify's logger on Node, pino directly under Bun.serve).
// Tickets travel in the /ws query string: no log line may carry one, whoever writes it.

import type { LoggerOptions } from "pino";
import { redactTicket, redactTickets } from "./tickets";

export function loggerOptions(level: string): LoggerOptions {
    return {
        level,
        hooks: {
            logMethod(args, method) {
                method.apply(this, args.map((arg) => redactTickets(arg)) as Parameters<typeof method>);
            },
        },
        formatters: { log: (record) => redactTickets(record) as Record<string, unknown> },
        serializers: {
            req: (req: { method?: string; url?: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
                method: req.method,
                url: redactTicket(req.url ?? ""),
                remoteAddress: req.ip ?? req.socket?.remoteAddress,
            }),
        },
    };
}
