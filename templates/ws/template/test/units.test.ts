import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { authorizeEvent, bearerToken, healthBody, isLoopback, secretMatches } from "../src/auth";
import { claimChannels } from "../src/claim";
import { ConfigError, DEFAULT_PORT, estimatedBits, loadConfig, parseOrigins, weakSecret } from "../src/config";
import { eventType, isValidEventName, knownEvent, serializeEvent, serializeKnownEvent } from "../src/events";
import { checkOrigin } from "../src/origin";
import { isValidChannel, parseChannelList, parseEventQuery } from "../src/channels";
import { jsonTooDeep, MAX_EVENT_NAME_LENGTH } from "../src/events";
import { ConnectionLimiter, InboundBudget } from "../src/limits";
import { RateLimitedLog } from "../src/ratelog";
import { checkEventHead, fromBrowserPage } from "../src/requests";
import { decodeMessage, encodeMessage, MAX_FUTURE_SKEW_MS, MAX_MESSAGE_AGE_MS, openEnvelope, ReplayGuard, sealEnvelope } from "../src/signing";
import { deriveKey, redactTicket, redactTickets, signTicket, ticketKey, verifyTicket } from "../src/tickets";

// 32 random bytes as `openssl rand -hex 32` prints them: what the README tells users to generate.
const LONG = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

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
    test("/health gives the client count only to the metrics token's bearer", () => {
        assert.deepEqual(healthBody(LONG, `Bearer ${LONG}`, 7), { status: "ok", clients: 7 });
        for (const header of [undefined, "", "Bearer", `Bearer ${LONG.slice(1)}`, `Bearer ${LONG}x`, `Basic ${LONG}`]) {
            assert.deepEqual(healthBody(LONG, header, 7), { status: "ok" }, String(header));
        }
        assert.deepEqual(healthBody(undefined, `Bearer ${LONG}`, 7), { status: "ok" });
        assert.deepEqual(healthBody(undefined, "Bearer undefined", 7), { status: "ok" });
    });
});

describe("event requests, before the body", () => {
    const head = (over: Partial<Parameters<typeof checkEventHead>[1]> = {}) => ({
        name: "todo-created",
        origin: undefined,
        fetchSite: undefined,
        authorization: "Bearer k",
        remote: () => "10.0.0.1",
        ...over,
    });
    test("a browser page is told apart by Origin or Sec-Fetch-Site", () => {
        for (const [origin, site] of [["https://evil.test", undefined], ["null", undefined], [undefined, "cross-site"], [undefined, "same-origin"], [undefined, "same-site"]] as const) {
            assert.equal(fromBrowserPage(origin, site), true, `${origin} ${site}`);
        }
        assert.equal(fromBrowserPage(undefined, "none"), false); // typed in the address bar: no page
        assert.equal(fromBrowserPage(undefined, undefined), false); // a server's fetch
    });
    test("browser page first, then the secret, then the name", () => {
        assert.equal(checkEventHead("k", head()).ok, true);
        assert.equal((checkEventHead("k", head({ origin: "https://a.test" })) as { status: number }).status, 403);
        assert.equal((checkEventHead("k", head({ origin: "https://a.test", name: "Nope" })) as { status: number }).status, 403);
        assert.equal((checkEventHead("k", head({ authorization: "Bearer x", name: "Nope" })) as { status: number }).status, 401);
        assert.equal((checkEventHead("k", head({ name: "Nope" })) as { status: number }).status, 400);
        assert.equal((checkEventHead("k", head({ name: "a-" + "b".repeat(98) })) as { ok: boolean }).ok, true);
        assert.equal((checkEventHead("k", head({ name: "a-" + "b".repeat(99) })) as { status: number }).status, 400);
    });
    test("without a secret the peer address decides, and is looked up only then", () => {
        let asked = 0;
        const remote = (address: string) => () => {
            asked += 1;
            return address;
        };
        assert.equal(checkEventHead(undefined, head({ authorization: undefined, remote: remote("127.0.0.1") })).ok, true);
        assert.equal((checkEventHead(undefined, head({ remote: remote("10.0.0.1") })) as { status: number }).status, 403);
        assert.equal(asked, 2);
        assert.equal(checkEventHead("k", head({ remote: remote("10.0.0.1") })).ok, true);
        assert.equal(asked, 2);
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
        assert.equal(config.metricsToken, undefined);
        assert.equal(config.maxInboundPerSecond, 20);
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
        assert.throws(() => loadConfig({ WS_MAX_INBOUND_PER_SECOND: "0" }), ConfigError);
        assert.equal(loadConfig({ WS_MAX_INBOUND_PER_SECOND: "1" }).maxInboundPerSecond, 1);
    });
    test("production requires a secret and allowed origins", () => {
        assert.throws(() => loadConfig({ NODE_ENV: "production", WS_ALLOWED_ORIGINS: "https://a.test" }), /WS_EVENTS_SECRET/);
        assert.throws(() => loadConfig({ NODE_ENV: "production", WS_EVENTS_SECRET: LONG }), /WS_ALLOWED_ORIGINS/);
        const config = loadConfig({ NODE_ENV: "production", WS_EVENTS_SECRET: LONG, WS_ALLOWED_ORIGINS: "https://a.test" });
        assert.equal(config.production, true);
        assert.equal(config.host, "0.0.0.0");
    });
    test("an unknown NODE_ENV is refused, not run as development", () => {
        for (const nodeEnv of ["prod", "staging", "Prod", "productio", "production1", "dev"]) {
            assert.throws(() => loadConfig({ NODE_ENV: nodeEnv }), /NODE_ENV must be one of/, nodeEnv);
        }
        for (const nodeEnv of ["development", "test", "Test", "DEVELOPMENT"]) assert.equal(loadConfig({ NODE_ENV: nodeEnv }).production, false);
        const base = { WS_EVENTS_SECRET: LONG, WS_ALLOWED_ORIGINS: "https://a.test" };
        for (const nodeEnv of ["production", "Production", "PRODUCTION"]) assert.equal(loadConfig({ ...base, NODE_ENV: nodeEnv }).production, true);
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
            assert.throws(() => loadConfig({ ...base, NODE_ENV: nodeEnv, WS_EVENTS_SECRET: LONG, WS_METRICS_TOKEN: "a".repeat(40) }), /WS_METRICS_TOKEN/);
        }
        // Development takes any single-token secret.
        assert.equal(loadConfig({ WS_EVENTS_SECRET: "a".repeat(32) }).eventsSecret, "a".repeat(32));
        assert.throws(() => loadConfig({ WS_EVENTS_SECRET: "two words" }), /whitespace/);
        assert.throws(() => loadConfig({ REDIS_URL: "redis://r:6379" }), /REDIS_URL needs WS_EVENTS_SECRET/);
        assert.throws(() => loadConfig({ WS_PUBLIC: "maybe" }), /WS_PUBLIC/);
        assert.equal(loadConfig({ WS_PUBLIC: "false" }).allowAnonymous, false);
    });
    test("a production secret must be long, not the placeholder, and look random", () => {
        const weak: [string, RegExp][] = [
            ["a".repeat(32), /does not look random/],
            ["a".repeat(200), /does not look random/],
            ["ab".repeat(32), /does not look random/],
            ["abcdefghi".repeat(8), /does not look random/], // 9 distinct characters
            ["CHANGE-ME-TO-A-LONG-RANDOM-STRING", /placeholder/],
            ["Change-Me-To-A-Long-Random-String", /placeholder/],
            [`${LONG}-changeme`, /placeholder/],
            [`${LONG}-Change-Me`, /placeholder/],
            ["a".repeat(100) + "bcdefghijk", /does not look random/], // 11 distinct characters, about 82 bits
            [LONG.slice(0, 31), /shorter than 32 bytes/],
        ];
        for (const [value, why] of weak) assert.match(weakSecret(value) ?? "(accepted)", why, value);
        // Just past each bound: 32 bytes; 10 distinct characters with enough bits.
        for (const strong of [LONG, LONG.slice(0, 32), "abcdefghij".repeat(4), "Zq3-Kp9_xW2mT7vR4nB8cY1uL6hJ5gF0dS"]) {
            assert.equal(weakSecret(strong), undefined, strong);
        }
        assert.equal(estimatedBits("a".repeat(32)), 0);
        assert.equal(estimatedBits("ab".repeat(16)), 32);
        assert.ok(estimatedBits(LONG) > 200);
    });
});

describe("channels", () => {
    test("grammar, on both sides of each length limit", () => {
        const kind32 = "k" + "a".repeat(31);
        const id64 = "x".repeat(64);
        for (const ok of ["public", "user:42", "team:7", "org-unit:a_b-C9", `doc:${id64}`, "a:b", `${kind32}:${id64}`, "k9-:_"]) {
            assert.ok(isValidChannel(ok), ok);
        }
        const bad = [
            "", "Public", "public ", "user", "user:", ":1", "user:4 2", "user:1:2", "User:1", "u,v:1", "9a:1", "-a:1",
            `doc:${id64}x`, `${kind32}a:1`, `${kind32}:${id64}x`, "user:é", "user:1\n", 7, null, undefined, ["user:1"],
        ];
        for (const value of bad) assert.equal(isValidChannel(value), false, JSON.stringify(value));
    });
    test("the to list", () => {
        assert.deepEqual(parseChannelList(undefined), { ok: true, channels: ["public"] });
        assert.deepEqual(parseChannelList("user:42,team:7,user:42"), { ok: true, channels: ["user:42", "team:7"] });
        assert.deepEqual(parseChannelList(""), { ok: false, message: "`to` is empty: leave it out to send to public" });
        assert.equal(parseChannelList("user:42,").ok, false);
        assert.equal(parseChannelList(["a:1", "b:2"]).ok, false);
        const list = (n: number) => Array.from({ length: n }, (_, i) => `u:${i}`).join(",");
        assert.equal(parseChannelList(list(32)).ok, true);
        assert.equal(parseChannelList(list(33)).ok, false);
    });
    test("the event query is parsed strictly: exactly one `to`, nothing else", () => {
        assert.deepEqual(parseEventQuery(undefined), { ok: true, channels: ["public"] });
        assert.deepEqual(parseEventQuery(""), { ok: true, channels: ["public"] });
        assert.deepEqual(parseEventQuery("to=user%3A1"), { ok: true, channels: ["user:1"] });
        assert.deepEqual(parseEventQuery("to=user:1,team:7"), { ok: true, channels: ["user:1", "team:7"] });
        assert.deepEqual(parseEventQuery("to=user%3A1%2Cteam%3A7"), { ok: true, channels: ["user:1", "team:7"] });
        assert.deepEqual(parseEventQuery("%74o=user:1"), { ok: true, channels: ["user:1"] }); // decoded as the server decodes it
        for (const query of ["to=%ZZ", "to=a+b", "to=%2C", "to=user:1%26x=1"]) assert.equal(parseEventQuery(query).ok, false, query);
        for (const query of ["to=", "to", "to[]=user:1", "To=user:1", "TO=user:1", "to=user:1&to=user:2", "to=user:1&x=1", "x=1", "&", "to=public&to="]) {
            assert.equal(parseEventQuery(query).ok, false, query);
        }
    });
});

describe("tickets", () => {
    const key = ticketKey(undefined, "events-secret")!;
    const now = 1_800_000_000;
    const nonce = "N".repeat(22);
    const claims = (c: Record<string, unknown>) => Buffer.from(JSON.stringify({ n: nonce, ...c })).toString("base64url");
    const signed = (payload: string, k: Buffer = key) =>
        `v1.${payload}.${createHmac("sha256", k).update(`v1.${payload}`).digest("base64url")}`;
    test("a signed ticket verifies and grants its channels", () => {
        const ticket = signTicket(key, { sub: "1", channels: ["user:1"] }, 30, now);
        const result = verifyTicket(ticket, key, now + 10);
        assert.ok(result.ok);
        assert.deepEqual(result, { ok: true, grant: { sub: "1", channels: ["user:1"] }, exp: now + 30, nonce: result.nonce });
        // Each ticket has a nonce of its own (22 random base64url characters): the same grant twice is two tickets.
        assert.match(result.nonce, /^[A-Za-z0-9_-]{22}$/);
        const again = verifyTicket(signTicket(key, { sub: "1", channels: ["user:1"] }, 30, now), key, now);
        assert.ok(again.ok && again.nonce !== result.nonce);
    });
    test("a ticket's nonce: a string of 16 to 64 base64url characters, nothing else", () => {
        const at = (n: unknown) => verifyTicket(signed(claims({ sub: "1", ch: [], iat: now, exp: now + 30, n })), key, now);
        for (const n of ["a".repeat(16), "a".repeat(64), "aZ09_-".repeat(3)]) assert.equal(at(n).ok, true, String(n));
        for (const n of [undefined, null, 1, 1234567890123456789, ["a".repeat(16)], "a".repeat(15), "a".repeat(65), "a".repeat(20) + "=", "a".repeat(20) + "."]) {
            assert.deepEqual(at(n), { ok: false, reason: "malformed" }, String(n));
        }
    });
    test("expired, altered, forged and wrong-key tickets are refused", () => {
        const ticket = signTicket(key, { sub: "1", channels: ["user:1"] }, 30, now);
        assert.deepEqual(verifyTicket(ticket, key, now + 60), { ok: false, reason: "expired" });
        const [v, payload, sig] = ticket.split(".") as [string, string, string];
        const altered = claims({ sub: "1", ch: ["user:2"], iat: now, exp: now + 30 });
        assert.equal(verifyTicket(`${v}.${altered}.${sig}`, key, now).ok, false);
        assert.equal(verifyTicket(`${v}.${payload}.${"A".repeat(43)}`, key, now).ok, false);
        assert.equal(verifyTicket(ticket, ticketKey("another-ticket-secret", undefined), now).ok, false);
        assert.equal(verifyTicket(ticket, undefined, now).ok, false);
        for (const junk of ["", "v1", "v1..", "v2.a.b", "v1.a.b.c", "v1.!!.b", "x".repeat(10_000)]) assert.equal(verifyTicket(junk, key, now).ok, false, junk);
        // A correctly signed ticket with anything after it is not that ticket.
        for (const tail of [".x", ".", `.${sig}`]) assert.deepEqual(verifyTicket(ticket + tail, key, now), { ok: false, reason: "malformed" }, tail);
    });
    test("the payload is base64url only: a correctly signed payload in standard base64 is malformed", () => {
        let payload = "";
        for (let pad = 0; !/[+/=]/.test(payload); pad++) {
            payload = Buffer.from(JSON.stringify({ n: nonce, sub: "1", ch: ["user:1"], iat: now, exp: now + 30, pad: "?".repeat(pad) })).toString("base64");
        }
        assert.deepEqual(verifyTicket(signed(payload), key, now), { ok: false, reason: "malformed" });
        // The same claims in base64url verify: only the encoding is refused.
        const url = Buffer.from(payload, "base64").toString("base64url");
        assert.equal(verifyTicket(signed(url), key, now).ok, true);
    });
    test("only a full-length signature is ever compared: empty, short, long ones are malformed", () => {
        const ticket = signTicket(key, { sub: "1", channels: ["user:1"] }, 30, now);
        const [, payload, sig] = ticket.split(".") as [string, string, string];
        assert.equal(sig.length, 43);
        for (const forged of ["", "A", "AA", "AAAA", sig.slice(0, 1), sig.slice(0, 42), sig.slice(0, 42) + "=", `${sig}A`, `${sig}AAAA`, sig + sig]) {
            const label = `${forged.length} characters`;
            assert.deepEqual(verifyTicket(`v1.${payload}.${forged}`, key, now), { ok: false, reason: "malformed" }, label);
            assert.deepEqual(verifyTicket(`v1.${payload}.${forged}`, undefined, now), { ok: false, reason: "no-key" }, label);
        }
        // The real 43 characters still pass, and one flipped character does not.
        assert.equal(verifyTicket(`v1.${payload}.${sig}`, key, now).ok, true);
        const flipped = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
        assert.deepEqual(verifyTicket(`v1.${payload}.${flipped}`, key, now), { ok: false, reason: "signature" });
    });
    test("dates on both sides of each bound: expiry, the future, the lifetime", () => {
        const at = (iat: number, exp: number) => verifyTicket(signed(claims({ sub: "1", ch: [], iat, exp })), key, now);
        const table: [number, number, boolean | string][] = [
            [now - 30, now, true], // just expired, within the 5 s skew
            [now - 30, now - 5, true], // expired exactly the skew ago
            [now - 30, now - 6, "expired"], // one second more
            [now + 5, now + 35, true], // issued the skew ahead (the web app's clock is fast)
            [now + 6, now + 36, "lifetime"], // issued from further in the future
            [now + 3600, now + 3630, "lifetime"], // far future
            [now, now + 60, true], // the longest lifetime
            [now, now + 61, "lifetime"], // one second longer
            [now, now, "lifetime"], // no lifetime
            [now, now - 1, "lifetime"], // expires before it is issued
        ];
        for (const [iat, exp, expected] of table) {
            const result = at(iat, exp);
            if (expected === true) assert.equal(result.ok, true, `${iat - now}..${exp - now}`);
            else assert.deepEqual(result, { ok: false, reason: expected }, `${iat - now}..${exp - now}`);
        }
    });
    test("claims of the wrong shape are refused, each on its own", () => {
        const good = { sub: "1", ch: ["user:1"], iat: now, exp: now + 30 };
        assert.equal(verifyTicket(signed(claims(good)), key, now).ok, true);
        const bad: [Record<string, unknown>, string][] = [
            [{ ...good, iat: "1" }, "malformed"],
            [{ ...good, exp: now + 30.5 }, "malformed"],
            [{ ...good, sub: "" }, "grant"],
            [{ ...good, sub: 1 }, "grant"],
            [{ ...good, sub: "s".repeat(257) }, "grant"],
            [{ ...good, ch: "user:1" }, "grant"],
            [{ ...good, ch: ["User:1"] }, "grant"],
            [{ ...good, ch: Array.from({ length: 65 }, (_, i) => `u:${i}`) }, "grant"],
        ];
        for (const [c, reason] of bad) assert.deepEqual(verifyTicket(signed(claims(c)), key, now), { ok: false, reason }, JSON.stringify(c).slice(0, 80));
        for (const c of [{ ...good, sub: "s".repeat(256) }, { ...good, sub: null }, { ...good, ch: Array.from({ length: 64 }, (_, i) => `u:${i}`) }]) {
            assert.equal(verifyTicket(signed(claims(c)), key, now).ok, true, JSON.stringify(c).slice(0, 80));
        }
        assert.deepEqual(verifyTicket(signed(Buffer.from("[1]").toString("base64url")), key, now), { ok: false, reason: "malformed" });
        assert.deepEqual(verifyTicket(signed(Buffer.from("{nope").toString("base64url")), key, now), { ok: false, reason: "malformed" });
    });
    test("a ticket is at most 8 KiB: a correctly signed one just over it is refused unread", () => {
        const sized = (length: number) => {
            // The payload's JSON grows with `pad` until the whole ticket has exactly `length` characters.
            for (let pad = 0; pad < 8_000; pad++) {
                const ticket = signed(claims({ sub: "1", ch: [], iat: now, exp: now + 30, pad: "p".repeat(pad) }));
                if (ticket.length === length) return ticket;
            }
            throw new Error(`no ticket of ${length} characters`);
        };
        assert.equal(verifyTicket(sized(8191), key, now).ok, true);
        assert.deepEqual(verifyTicket(sized(8193), key, now), { ok: false, reason: "malformed" });
    });
    test("a ticket lives at most 60 s", () => {
        assert.equal(verifyTicket(signTicket(key, { sub: null, channels: [] }, 3600, now), key, now + 59).ok, true);
        assert.equal(verifyTicket(signTicket(key, { sub: null, channels: [] }, 3600, now), key, now + 70).ok, false);
    });
    test("the key is derived as HMAC(secret, afc-ticket-v1) unless WS_TICKET_SECRET is set", () => {
        assert.deepEqual(ticketKey(undefined, "s"), deriveKey("s", "afc-ticket-v1"));
        assert.deepEqual(ticketKey("t", "s"), Buffer.from("t"));
        assert.equal(ticketKey(undefined, undefined), undefined);
    });
    test("tickets are redacted from URLs, however the parameter name is encoded", () => {
        assert.equal(redactTicket("/ws?a=1&ticket=v1.abc.def&b=2"), "/ws?a=1&ticket=[redacted]&b=2");
        assert.equal(redactTicket("/ws?TICKET=v1.x"), "/ws?TICKET=[redacted]");
        for (const name of ["%74icket", "%54ICKET", "ti%63ket", "%74%69%63%6b%65%74", "%2574icket", "ticket%20", "ti%ZZcket"]) {
            assert.equal(redactTicket(`/ws?${name}=v1.secret.sig&b=2`), `/ws?${name}=[redacted]&b=2`, name);
        }
        assert.equal(redactTicket("/ws?tickets=1&xticket=2"), "/ws?tickets=1&xticket=2");
        assert.deepEqual(redactTickets({ msg: "GET /ws?%74icket=v1.a.b", err: new Error("bad /ws?ti%63ket=v1.a.b") }).msg, "GET /ws?%74icket=[redacted]");
    });
});

describe("claiming channels at /ws", () => {
    const key = ticketKey(undefined, "events-secret")!;
    const now = 1_800_000_000;
    const ticket = (sub: string | null, channels: string[]) => signTicket(key, { sub, channels }, 30, now);
    test("a ticket's channels, public first", () => {
        const one = ticket("1", ["user:1", "public"]);
        const claimed = claimChannels([one], key, true, now);
        assert.deepEqual(claimed, { ok: true, channels: ["public", "user:1"], sub: "1", exp: now + 30, nonce: (verifyTicket(one, key, now) as { nonce: string }).nonce });
        assert.deepEqual(claimChannels([], key, true, now), { ok: true, channels: ["public"] });
        assert.deepEqual(claimChannels([""], key, true, now), { ok: true, channels: ["public"] });
    });
    test("refusals carry their close code", () => {
        assert.equal((claimChannels(["v1.x.y"], key, true, now) as { code: number }).code, 4401);
        assert.equal((claimChannels([ticket("1", []), ticket("1", [])], key, true, now) as { code: number }).code, 4401);
        assert.equal((claimChannels([["x"]], key, true, now) as { code: number }).code, 4401);
        assert.equal((claimChannels([], key, false, now) as { code: number }).code, 4403);
    });
    test("WS_PUBLIC=false: a ticket that grants nothing (no subject, no channel) is no ticket", () => {
        for (const grant of [ticket(null, []), ticket(null, ["public"])]) {
            assert.deepEqual(claimChannels([grant], key, false, now), { ok: false, code: 4403, reason: "ticket required", why: "empty" });
            assert.equal(claimChannels([grant], key, true, now).ok, true);
        }
        assert.deepEqual((claimChannels([ticket("1", [])], key, false, now) as { channels: string[] }).channels, ["public"]);
        assert.deepEqual((claimChannels([ticket(null, ["doc:1"])], key, false, now) as { channels: string[] }).channels, ["public", "doc:1"]);
    });
});

describe("redis signing", () => {
    const key = deriveKey("events-secret", "afc-redis-v1");
    const envelope = JSON.stringify({ type: "todo:created", payload: { id: 1 } });
    const message = (to: string[], env = envelope, nonce = "n1") => ({ origin: "abc-1", nonce, to, envelope: env });
    test("round trip", () => {
        const raw = encodeMessage(key, message(["user:1", "public"]), 1000);
        assert.deepEqual(decodeMessage(key, raw, 10_000, 1000), { ok: true, message: message(["user:1", "public"]), ms: 1000 });
    });
    test("WS_REDIS_ENCRYPT: an event's envelope is sealed with AES-256-GCM; plain, altered or foreign ones are refused", () => {
        const cipherKey = deriveKey("events-secret", "afc-redis-aes-v1");
        const plain = message(["user:1"]);
        const sealed = encodeMessage(key, plain, 1000, cipherKey);
        // Redis sees neither the payload nor the type, only the channels; two seals of one envelope differ (IV).
        assert.ok(!sealed.includes("payload") && !sealed.includes(plain.envelope) && sealed.includes("\nuser:1\n"));
        assert.notEqual(encodeMessage(key, plain, 1000, cipherKey), sealed);
        assert.deepEqual(decodeMessage(key, sealed, 10_000, 1000, cipherKey), { ok: true, message: plain, ms: 1000 });
        // A replica without the cipher key cannot read it, and one with it refuses clear text (no downgrade).
        assert.deepEqual(decodeMessage(key, sealed, 10_000, 1000), { ok: false, reason: "envelope" });
        assert.deepEqual(decodeMessage(key, encodeMessage(key, plain, 1000), 10_000, 1000, cipherKey), { ok: false, reason: "envelope" });
        // Altered ciphertext, re-signed by someone holding the signing key only: GCM refuses it.
        const cut = sealed.lastIndexOf("\n") + 1;
        const body = Buffer.from(sealed.slice(cut + 4), "base64url");
        body[14] = body[14]! ^ 1;
        const forged = encodeMessage(key, { ...plain, envelope: `aes:${body.toString("base64url")}` }, 1000);
        assert.deepEqual(decodeMessage(key, forged, 10_000, 1000, cipherKey), { ok: false, reason: "envelope" });
        const wrongKey = encodeMessage(key, plain, 1000, deriveKey("another", "afc-redis-aes-v1"));
        assert.deepEqual(decodeMessage(key, wrongKey, 10_000, 1000, cipherKey), { ok: false, reason: "envelope" });
        assert.equal(openEnvelope(cipherKey, "aes:AAAA"), undefined);
        assert.equal(openEnvelope(cipherKey, sealEnvelope(cipherKey, "x")), "x");
        // Revocations carry no envelope: nothing to seal.
        const revoke = { kind: "revoke" as const, origin: "o1", nonce: "r2", to: ["user:42"], envelope: "" };
        assert.deepEqual(decodeMessage(key, encodeMessage(key, revoke, 1000, cipherKey), 10_000, 1000, cipherKey), { ok: true, message: revoke, ms: 1000 });
    });
    test("a revocation is signed as one: it cannot be turned into an event or the other way round, and carries no envelope", () => {
        const revoke = { kind: "revoke" as const, origin: "o1", nonce: "r1", to: ["user:42"], envelope: "" };
        const raw = encodeMessage(key, revoke, 1000);
        assert.ok(raw.startsWith("afc2-revoke\n"));
        assert.deepEqual(decodeMessage(key, raw, 10_000, 1000), { ok: true, message: revoke, ms: 1000 });
        // The magic is signed: switching it fails the signature, either way.
        assert.deepEqual(decodeMessage(key, raw.replace("afc2-revoke\n", "afc2\n"), 10_000, 1000), { ok: false, reason: "signature" });
        const event = encodeMessage(key, message(["user:42"]), 1000);
        assert.deepEqual(decodeMessage(key, event.replace("afc2\n", "afc2-revoke\n"), 10_000, 1000), { ok: false, reason: "signature" });
        // A revocation with an envelope is refused, even signed.
        const stuffed = encodeMessage(key, { ...revoke, envelope: '{"type":"a:b","payload":1}' }, 1000);
        assert.deepEqual(decodeMessage(key, stuffed, 10_000, 1000), { ok: false, reason: "envelope" });
        assert.deepEqual(decodeMessage(key, raw.replace("afc2-revoke", "afc2-other"), 10_000, 1000), { ok: false, reason: "shape" });
    });
    test("anything unsigned, altered, stale, oversize or malformed is refused", () => {
        const raw = encodeMessage(key, message(["user:1"]), 1000);
        assert.equal(decodeMessage(deriveKey("other", "afc-redis-v1"), raw, 10_000, 1000).ok, false);
        assert.equal(decodeMessage(key, raw.replace("user:1", "user:2"), 10_000, 1000).ok, false);
        assert.equal(decodeMessage(key, raw.replace("\nn1\n", "\nn2\n"), 10_000, 1000).ok, false);
        assert.equal(decodeMessage(key, raw, 10_000, 1000 + 60_000).ok, false);
        assert.equal(decodeMessage(key, raw, 50, 1000).ok, false);
        assert.equal(decodeMessage(key, envelope, 10_000, 1000).ok, false);
        const bad = encodeMessage(key, message(["user:1"], "not json"), 1000);
        assert.deepEqual(decodeMessage(key, bad, 10_000, 1000), { ok: false, reason: "envelope" });
        const badType = encodeMessage(key, message(["user:1"], '{"type":"Nope","payload":1}'), 1000);
        assert.deepEqual(decodeMessage(key, badType, 10_000, 1000), { ok: false, reason: "envelope" });
        for (const nonce of ["", "a b", "x".repeat(33)]) {
            assert.deepEqual(decodeMessage(key, encodeMessage(key, message(["user:1"], envelope, nonce), 1000), 10_000, 1000), { ok: false, reason: "shape" }, nonce);
        }
        assert.equal(decodeMessage(key, encodeMessage(key, message(["user:1"], envelope, "x".repeat(32)), 1000), 10_000, 1000).ok, true);
    });
    test("dates on both sides of the freshness window and of the future skew", () => {
        const sent = 1_000_000;
        const raw = encodeMessage(key, message(["user:1"]), sent);
        const table: [number, boolean | string][] = [
            [sent, true],
            [sent + MAX_MESSAGE_AGE_MS, true],
            [sent + MAX_MESSAGE_AGE_MS + 1, "stale"],
            [sent - MAX_FUTURE_SKEW_MS, true], // dated the skew ahead of this replica's clock
            [sent - MAX_FUTURE_SKEW_MS - 1, "future"],
            [sent - MAX_MESSAGE_AGE_MS, "future"], // was accepted before: 30 s from the future
        ];
        for (const [now, expected] of table) {
            const result = decodeMessage(key, raw, 10_000, now);
            if (expected === true) assert.equal(result.ok, true, String(now - sent));
            else assert.deepEqual(result, { ok: false, reason: expected }, String(now - sent));
        }
    });
    test("channels and envelopes are checked after the signature", () => {
        const sign = (to: string[], env = envelope) => encodeMessage(key, message(to, env), 1000);
        const channels = (n: number) => Array.from({ length: n }, (_, i) => `u:${i}`);
        assert.equal(decodeMessage(key, sign(channels(32)), 100_000, 1000).ok, true);
        assert.deepEqual(decodeMessage(key, sign(channels(33)), 100_000, 1000), { ok: false, reason: "channels" });
        assert.deepEqual(decodeMessage(key, sign(["Admin"]), 10_000, 1000), { ok: false, reason: "channels" });
        assert.deepEqual(decodeMessage(key, sign(["user:1", ""]), 10_000, 1000), { ok: false, reason: "channels" });
        const deep = (n: number) => JSON.stringify({ type: "a:b", payload: JSON.parse("[".repeat(n) + "]".repeat(n)) });
        assert.equal(decodeMessage(key, sign(["user:1"], deep(63)), 10_000, 1000).ok, true);
        assert.deepEqual(decodeMessage(key, sign(["user:1"], deep(64)), 10_000, 1000), { ok: false, reason: "envelope" });
        for (const env of ['{"type":"a:b","payload":1,"x":2}', '{"type":"a:b","x":1}', '{"type":"a:b"}', "[1,2]", "null", '"s"']) {
            assert.deepEqual(decodeMessage(key, sign(["user:1"], env), 10_000, 1000), { ok: false, reason: "envelope" }, env);
        }
        assert.equal(decodeMessage(key, sign(["user:1"], '{"payload":null,"type":"a:b"}'), 10_000, 1000).ok, true);
        // Size: the exact byte count, multi-byte characters included.
        const raw = sign(["user:1"], JSON.stringify({ type: "a:b", payload: "é" }));
        const bytes = Buffer.byteLength(raw, "utf8");
        assert.equal(decodeMessage(key, raw, bytes, 1000).ok, true);
        assert.deepEqual(decodeMessage(key, raw, bytes - 1, 1000), { ok: false, reason: "size" });
    });
    test("signatures of every wrong length are refused as malformed", () => {
        const raw = encodeMessage(key, message(["user:1"]), 1000);
        const lines = raw.split("\n");
        const sig = lines[5]!;
        for (const forged of ["", "A", sig.slice(0, 42), `${sig}A`]) {
            const altered = [...lines.slice(0, 5), forged, ...lines.slice(6)].join("\n");
            assert.deepEqual(decodeMessage(key, altered, 10_000, 1000), { ok: false, reason: "shape" }, String(forged.length));
        }
    });
    test("a message is delivered once: a re-published copy is a replay until it could no longer be accepted", () => {
        const guard = new ReplayGuard();
        const m = message(["user:1"]);
        assert.equal(guard.first(m, 1000, 1000), true);
        assert.equal(guard.first(m, 1000, 1000), false);
        assert.equal(guard.first(m, 1000, 1000 + MAX_MESSAGE_AGE_MS), false);
        assert.equal(guard.first({ ...m, nonce: "n2" }, 1000, 1000), true);
        assert.equal(guard.first({ ...m, origin: "abc-2" }, 1000, 1000), true);
        // Forgotten only once decodeMessage refuses the message as stale anyway.
        assert.equal(guard.first(message(["user:2"], envelope, "n3"), 1000 + MAX_MESSAGE_AGE_MS + 1, 1000 + MAX_MESSAGE_AGE_MS + 1), true);
        assert.equal(guard.size, 1);
        const small = new ReplayGuard(2);
        for (const nonce of ["a", "b", "c"]) assert.equal(small.first(message([], envelope, nonce), 1000, 1000), true);
        assert.equal(small.size, 2);
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
    test("a refused socket is counted, past the caps, until it is gone", () => {
        const limiter = new ConnectionLimiter({ maxConnections: 2, maxConnectionsPerAddress: 1 });
        limiter.hold("a");
        assert.equal((limiter.check("a") as { status: number }).status, 429);
        limiter.hold("a");
        limiter.hold("b");
        assert.equal(limiter.size, 3);
        assert.equal((limiter.check("c") as { status: number }).status, 503);
        for (const address of ["a", "a", "b"]) limiter.release(address);
        assert.equal(limiter.size, 0);
        assert.deepEqual(limiter.check("a"), { ok: true });
    });
    test("inbound budget: on both sides of the limit, per one-second window", () => {
        const budget = new InboundBudget(3);
        assert.deepEqual([1, 2, 3, 4].map(() => budget.take(10_000)), [true, true, true, false]);
        assert.equal(budget.take(10_999), false);
        assert.equal(budget.take(11_000), true);
        const one = new InboundBudget(1);
        assert.equal(one.take(5_000), true);
        assert.equal(one.take(5_000), false);
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
