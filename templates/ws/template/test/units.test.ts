import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authorizeEvent, bearerToken, isLoopback, secretMatches } from "../src/auth";
import { ConfigError, DEFAULT_PORT, loadConfig, parseOrigins } from "../src/config";
import { eventType, isValidEventName, serializeEvent } from "../src/events";
import { checkOrigin } from "../src/origin";

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
        assert.equal(config.host, "0.0.0.0");
        assert.equal(config.eventsSecret, undefined);
        assert.equal(config.redisUrl, undefined);
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
        assert.throws(() => loadConfig({ NODE_ENV: "production", WS_EVENTS_SECRET: "k" }), /WS_ALLOWED_ORIGINS/);
        const config = loadConfig({ NODE_ENV: "production", WS_EVENTS_SECRET: "k", WS_ALLOWED_ORIGINS: "https://a.test" });
        assert.equal(config.production, true);
    });
});
