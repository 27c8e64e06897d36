// Logger options shared by both servers (Fastify's logger on Node, pino directly under Bun.serve).
// Tickets travel in the /ws query string: no log line may carry one, whoever writes it.

import type { LoggerOptions } from "pino";
import { redactTicket, redactTickets } from "./tickets";

/**
 * `LOG_FORMAT`: `json` (one pino JSON object a line, for log collectors) or `pretty` (one short readable line
 * a message, a request in one line). Default: json when NODE_ENV=production, pretty otherwise.
 */
export function logFormat(env: Record<string, string | undefined> = process.env): "json" | "pretty" {
    const chosen = env["LOG_FORMAT"]?.trim().toLowerCase();
    if (chosen === "json" || chosen === "pretty") return chosen;
    return env["NODE_ENV"]?.trim().toLowerCase() === "production" ? "json" : "pretty";
}

const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const PLUMBING = new Set(["level", "time", "pid", "hostname", "msg", "reqId", "req", "res", "responseTime"]);

function shown(value: unknown): string {
    if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
    if (value instanceof Object && "message" in value) return JSON.stringify(String((value as { message: unknown }).message));
    return JSON.stringify(value) ?? String(value);
}

/**
 * One pino JSON line as a short readable one: `12:00:01 WARN  message key=value`; an error by its message
 * (its stack stays in JSON logs). A request is its incoming line alone, `12:00:01 POST /events/todo-created`;
 * Fastify's "request completed" line is left out.
 */
export function readableLine(line: string): string {
    let record: Record<string, unknown>;
    try {
        record = JSON.parse(line) as Record<string, unknown>;
    } catch {
        return line;
    }
    const time = new Date(typeof record["time"] === "number" ? record["time"] : Date.now()).toTimeString().slice(0, 8);
    const msg = typeof record["msg"] === "string" ? record["msg"] : "";
    if (msg === "request completed") return "";
    const req = record["req"] as { method?: unknown; url?: unknown } | undefined;
    if (msg === "incoming request" && req) return `${time} ${String(req.method)} ${String(req.url)}\n`;
    const level = LEVELS[Number(record["level"])] ?? "info";
    const extra = Object.entries(record)
        .filter(([key]) => !PLUMBING.has(key))
        .map(([key, value]) => `${key}=${shown(value)}`);
    return `${time} ${level === "info" ? "" : `${level.padEnd(5)} `}${[msg, ...extra].join(" ")}\n`;
}

export function loggerOptions(level: string): LoggerOptions {
    const pretty = logFormat() === "pretty";
    return {
        level,
        hooks: {
            logMethod(args, method) {
                method.apply(this, args.map((arg) => redactTickets(arg)) as Parameters<typeof method>);
            },
            ...(pretty ? { streamWrite: readableLine } : {}),
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
