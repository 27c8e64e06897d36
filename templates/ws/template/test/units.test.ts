import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authorizeEvent, bearerToken, isLoopback, secretMatches } from "../src/auth";
import { ConfigError, DEFAULT_PORT, loadConfig, parseOrigins } from "../src/config";
import { eventType, isValidEventName, knownEvent, serializeEvent, serializeKnownEvent } from "../src/events";
import { checkOrigin } from "../src/origin";
import { isValidChannel, parseChannelList } from "../src/channels";
import { jsonTooDeep, MAX_EVENT_NAME_LENGTH } from "../src/events";
import { ConnectionLimiter } from "../src/limits";
import { RateLimitedLog } from "../src/ratelog";
import { decodeMessage, encodeMessage } from "../src/signing";
import { deriveKey, redactTicket, signTicket, ticketKey, verifyTicket } from "../src/tickets";

const LONG = "0123456789abcdef0123456789abcdef";

describe("event names", () => {
    test("the last hyphen separates the action", () => {
        assert.equal(eventType("todo-created"), "todo:created");
        assert.equal(eventType("user-profile-updated"), "user-profile:updated");
        assert.equal(eventType("a1-b2"), "a1:b2");
    });
    test("invalid names are refused", () => {
        for (const name of ["todo", "Todo-created", "todo_created", "-todo", "todo-", "todo--created", "1todo-x", "todo-created "]) {
            assert.equal(isValidEventName(name), false, name);
        }
        assert.throws(() => eventType("todo"));
    });
    test("the envelope is {type, payload}", () => {
        assert.deepEqual(JSON.parse(serializeEvent("todo-created", { id: 1 })), { type: "todo:created", payload: { id: 1 } });
    });
    test("a checked name serializes to the very same text", () => {
        for (const payload of [{ id: 1, title: "a \"quoted\" \u2028 title" }, [1, null], "text", 0, null]) {
            const event = knownEvent("user-profile-updated");
            assert.ok(event);
            assert.equal(event.type, "user-profile:updated");
            assert.equal(serializeKnownEvent(event, payload), serializeEvent("user-profile-updated", payload));
        }
        assert.equal(knownEvent("todo"), undefined);
        assert.equal(knownEvent("Todo-created"), undefined);
    });
});

describe("auth", () => {
    test("bearer token parsing", () => {
        assert.equal(bearerToken("Bearer abc"), "abc");
        assert.equal(bearerToken("bearer abc"), "abc");
        assert.equal(bearerToken("Basic abc"), undefined);
        assert.equal(bearerToken(undefined), undefined);
    });
    test("secret comparison", () => {
        assert.equal(secretMatches("s3cret", "s3cret"), true);
        assert.equal(secretMatches("s3cret", "s3cre"), false);
        assert.equal(secretMatches("", "s3cret"), false);
    });
    test("loopback addresses", () => {
        for (const a of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.1.2.3"]) assert.equal(isLoopback(a), true, a);
        for (const a of ["10.0.0.1", "::ffff:10.0.0.1", "", undefined]) assert.equal(isLoopback(a), false, String(a));
    });
    test("with a secret, the bearer token decides", () => {
        assert.deepEqual(authorizeEvent("k", "Bearer k", "10.0.0.1"), { ok: true });
        assert.equal(authorizeEvent("k", "Bearer x", "127.0.0.1").ok, false);
        assert.equal(authorizeEvent("k", undefined, "127.0.0.1").ok, false);
    });
    test("without a secret, only loopback callers", () => {
        assert.deepEqual(authorizeEvent(undefined, undefined, "127.0.0.1"), { ok: true });
        assert.equal(authorizeEvent(undefined, undefined, "10.0.0.1").ok, false);
    });
});

describe("origin", () => {
    test("exact match only", () => {
        const allowed = ["https://app.example.com"];
        assert.equal(checkOrigin("https://app.example.com", allowed).ok, true);
        assert.equal(checkOrigin("https://evil.example.com", allowed).ok, false);
        assert.equal(checkOrigin("https://app.example.com.evil.test", allowed).ok, false);
        assert.equal(checkOrigin(undefined, allowed).ok, true);
        assert.equal(checkOrigin("https://anything.test", []).ok, true);
    });
    test("origins are validated", () => {
        assert.deepEqual(parseOrigins(" https://a.test, http://localhost:3000/ "), ["https://a.test", "http://localhost:3000"]);
        assert.throws(() => parseOrigins("https://*.a.test"), ConfigError);
        assert.throws(() => parseOrigins("https://a.test/path"), ConfigError);
    });
});

describe("config", () => {
    test("defaults", () => {
        const config = loadConfig({});
        assert.equal(config.port, DEFAULT_PORT);
        assert.equal(config.host, "127.0.0.1");
        assert.equal(config.allowAnonymous, true);
        assert.equal(config.eventsSecret, undefined);
        assert.equal(config.redisUrl, undefined);
    });
    test("the default connection cap stays under the open-file limit", () => {
        assert.equal(loadConfig({}).maxConnections, 10_000);
        assert.equal(loadConfig({}, 256).maxConnections, 192);
        assert.equal(loadConfig({}, 1_000_000).maxConnections, 10_000);
        assert.equal(loadConfig({ WS_MAX_CONNECTIONS: "500" }, 256).maxConnections, 500);
    });
    test("WS_PORT wins over PORT", () => {
        assert.equal(loadConfig({ WS_PORT: "5001", PORT: "3000" }).port, 5001);
        assert.equal(loadConfig({ PORT: "3000" }).port, 3000);
    });
    test("bad numbers are refused", () => {
        assert.throws(() => loadConfig({ WS_PORT: "abc" }), ConfigError);
        assert.throws(() => loadConfig({ WS_HEARTBEAT_MS: "1" }), ConfigError);
    });
    test("production requires a secret and allowed origins", () => {
        assert.throws(() => loadConfig({ NODE_ENV: "production", WS_ALLOWED_ORIGINS: "https://a.test" }), /WS_EVENTS_SECRET/);
        assert.throws(() => loadConfig({ NODE_ENV: "production", WS_EVENTS_SECRET: LONG }), /WS_ALLOWED_ORIGINS/);
        const config = loadConfig({ NODE_ENV: "production", WS_EVENTS_SECRET: LONG, WS_ALLOWED_ORIGINS: "https://a.test" });
        assert.equal(config.production, true);
        assert.equal(config.host, "0.0.0.0");
    });
    test("production refuses weak secrets, whatever the case of NODE_ENV", () => {
        const base = { WS_ALLOWED_ORIGINS: "https://a.test" };
        for (const nodeEnv of ["production", "Production", "PRODUCTION"]) {
            assert.throws(() => loadConfig({ ...base, NODE_ENV: nodeEnv, WS_EVENTS_SECRET: "short" }), /shorter than 32 bytes/);
            assert.throws(
                () => loadConfig({ ...base, NODE_ENV: nodeEnv, WS_EVENTS_SECRET: "change-me-to-a-long-random-string" }),
                /placeholder/,
            );
            assert.throws(() => loadConfig({ ...base, NODE_ENV: nodeEnv, WS_EVENTS_SECRET: LONG, WS_TICKET_SECRET: "x" }), /WS_TICKET_SECRET/);
        }
        assert.throws(() => loadConfig({ WS_EVENTS_SECRET: "two words" }), /whitespace/);
        assert.throws(() => loadConfig({ REDIS_URL: "redis://r:6379" }), /REDIS_URL needs WS_EVENTS_SECRET/);
        assert.throws(() => loadConfig({ WS_PUBLIC: "maybe" }), /WS_PUBLIC/);
        assert.equal(loadConfig({ WS_PUBLIC: "false" }).allowAnonymous, false);
    });
});

describe("channels", () => {
    test("grammar", () => {
        for (const ok of ["public", "user:42", "team:7", "org-unit:a_b-C9", "doc:" + "x".repeat(64)]) assert.ok(isValidChannel(ok), ok);
        for (const bad of ["", "Public", "user", "user:", ":1", "user:4 2", "user:1:2", "User:1", "u,v:1", "doc:" + "x".repeat(65), 7]) {
            assert.equal(isValidChannel(bad), false, String(bad));
        }
    });
    test("the to list", () => {
        assert.deepEqual(parseChannelList(undefined), { ok: true, channels: ["public"] });
        assert.deepEqual(parseChannelList("user:42,team:7,user:42"), { ok: true, channels: ["user:42", "team:7"] });
        assert.equal(parseChannelList("user:42,").ok, false);
        assert.equal(parseChannelList(["a:1", "b:2"]).ok, false);
        assert.equal(parseChannelList(Array.from({ length: 33 }, (_, i) => `u:${i}`).join(",")).ok, false);
    });
});

describe("tickets", () => {
    const key = ticketKey(undefined, "events-secret")!;
    const now = 1_800_000_000;
    test("a signed ticket verifies and grants its channels", () => {
        const ticket = signTicket(key, { sub: "1", channels: ["user:1"] }, 30, now);
        assert.deepEqual(verifyTicket(ticket, key, now + 10), { ok: true, grant: { sub: "1", channels: ["user:1"] }, exp: now + 30 });
    });
    test("expired, altered, forged and wrong-key tickets are refused", () => {
        const ticket = signTicket(key, { sub: "1", channels: ["user:1"] }, 30, now);
        assert.deepEqual(verifyTicket(ticket, key, now + 60), { ok: false, reason: "expired" });
        const [v, payload, sig] = ticket.split(".") as [string, string, string];
        const altered = Buffer.from(JSON.stringify({ sub: "1", ch: ["user:2"], iat: now, exp: now + 30 })).toString("base64url");
        assert.equal(verifyTicket(`${v}.${altered}.${sig}`, key, now).ok, false);
        assert.equal(verifyTicket(`${v}.${payload}.${"A".repeat(43)}`, key, now).ok, false);
        assert.equal(verifyTicket(ticket, ticketKey("another-ticket-secret", undefined), now).ok, false);
        assert.equal(verifyTicket(ticket, undefined, now).ok, false);
        for (const junk of ["", "v1", "v1..", "v2.a.b", "v1.a.b.c", "v1.!!.b", "x".repeat(10_000)]) assert.equal(verifyTicket(junk, key, now).ok, false, junk);
    });
    test("a ticket lives at most 60 s", () => {
        assert.equal(verifyTicket(signTicket(key, { sub: null, channels: [] }, 3600, now), key, now + 59).ok, true);
        assert.equal(verifyTicket(signTicket(key, { sub: null, channels: [] }, 3600, now), key, now + 70).ok, false);
    });
    test("the key is derived as HMAC(secret, afc-ticket-v1) unless WS_TICKET_SECRET is set", () => {
        assert.deepEqual(ticketKey(undefined, "s"), deriveKey("s", "afc-ticket-v1"));
        assert.deepEqual(ticketKey("t", "s"), Buffer.from("t"));
    });
    test("tickets are redacted from URLs", () => {
        assert.equal(redactTicket("/ws?a=1&ticket=v1.abc.def&b=2"), "/ws?a=1&ticket=[redacted]&b=2");
        assert.equal(redactTicket("/ws?TICKET=v1.x"), "/ws?TICKET=[redacted]");
    });
});

describe("redis signing", () => {
    const key = deriveKey("events-secret", "afc-redis-v1");
    const envelope = JSON.stringify({ type: "todo:created", payload: { id: 1 } });
    test("round trip", () => {
        const raw = encodeMessage(key, { origin: "abc-1", to: ["user:1", "public"], envelope }, 1000);
        assert.deepEqual(decodeMessage(key, raw, 10_000, 1000), { ok: true, message: { origin: "abc-1", to: ["user:1", "public"], envelope } });
    });
    test("anything unsigned, altered, stale, oversize or malformed is refused", () => {
        const raw = encodeMessage(key, { origin: "abc-1", to: ["user:1"], envelope }, 1000);
        assert.equal(decodeMessage(deriveKey("other", "afc-redis-v1"), raw, 10_000, 1000).ok, false);
        assert.equal(decodeMessage(key, raw.replace("user:1", "user:2"), 10_000, 1000).ok, false);
        assert.equal(decodeMessage(key, raw, 10_000, 1000 + 60_000).ok, false);
        assert.equal(decodeMessage(key, raw, 50, 1000).ok, false);
        assert.equal(decodeMessage(key, envelope, 10_000, 1000).ok, false);
        const bad = encodeMessage(key, { origin: "abc-1", to: ["user:1"], envelope: "not json" }, 1000);
        assert.deepEqual(decodeMessage(key, bad, 10_000, 1000), { ok: false, reason: "envelope" });
        const badType = encodeMessage(key, { origin: "abc-1", to: ["user:1"], envelope: '{"type":"Nope","payload":1}' }, 1000);
        assert.deepEqual(decodeMessage(key, badType, 10_000, 1000), { ok: false, reason: "envelope" });
    });
});

describe("limits and bodies", () => {
    test("connection limiter", () => {
        const limiter = new ConnectionLimiter({ maxConnections: 3, maxConnectionsPerAddress: 2 });
        assert.ok(limiter.acquire("a") && limiter.acquire("a"));
        assert.equal((limiter.check("a") as { status: number }).status, 429);
        assert.ok(limiter.acquire("b"));
        assert.equal(limiter.acquire("c"), false);
        assert.equal((limiter.check("c") as { status: number }).status, 503);
        limiter.release("a");
        assert.ok(limiter.acquire("c"));
        assert.equal(limiter.size, 3);
    });
    test("nesting depth", () => {
        assert.equal(jsonTooDeep("[".repeat(64) + "]".repeat(64)), false);
        assert.equal(jsonTooDeep("[".repeat(65) + "]".repeat(65)), true);
        assert.equal(jsonTooDeep(JSON.stringify({ s: "[[[[[[[[[[".repeat(20) + '\\"' })), false);
        assert.equal(MAX_EVENT_NAME_LENGTH, 100);
    });
    test("rate-limited warnings", () => {
        const logged: object[] = [];
        let clock = 0;
        const log = new RateLimitedLog({ warn: (obj) => logged.push(obj) }, 1000, () => clock);
        for (let i = 0; i < 5; i++) log.warn("k", {}, "m");
        clock = 1500;
        log.warn("k", {}, "m");
        assert.deepEqual(logged, [{}, { suppressed: 4 }]);
    });
});
