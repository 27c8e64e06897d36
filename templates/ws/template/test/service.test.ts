// Starts the real server in-process on a free port and drives it with a real WebSocket client.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { loadConfig } from "../src/config";
import { buildServer, type Service } from "../src/server";
import { signTicket, ticketKey } from "../src/tickets";

const SECRET = "test-secret";
let service: Service;
let base = "";

function connect(origin?: string, ticket?: string): Promise<{ socket: WebSocket; messages: unknown[]; closed: Promise<number> }> {
    return new Promise((resolve, reject) => {
        const socket = new WebSocket(`${base.replace("http", "ws")}/ws${ticket ? `?ticket=${ticket}` : ""}`, origin ? { headers: { Origin: origin } } : {});
        const messages: unknown[] = [];
        const closed = new Promise<number>((done) => socket.on("close", (code: number) => done(code)));
        socket.on("message", (data: WebSocket.RawData) => messages.push(JSON.parse(String(data))));
        socket.on("open", () => resolve({ socket, messages, closed }));
        socket.on("error", reject);
    });
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
        if (Date.now() > deadline) throw new Error("condition not met in time");
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
}

function post(name: string, body: string, token: string | null = SECRET, to?: string): Promise<Response> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    return fetch(`${base}/events/${name}${to ? `?to=${encodeURIComponent(to)}` : ""}`, { method: "POST", headers, body });
}

describe("service", () => {
    before(async () => {
        const config = loadConfig({
            WS_HOST: "127.0.0.1",
            WS_PORT: "0",
            WS_EVENTS_SECRET: SECRET,
            WS_ALLOWED_ORIGINS: "http://app.test",
            LOG_LEVEL: "silent",
        });
        service = await buildServer(config);
        await service.app.listen({ host: config.host, port: 0 });
        base = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
    });

    after(async () => {
        await service.shutdown();
    });

    test("health and readiness", async () => {
        assert.equal((await fetch(`${base}/health`)).status, 200);
        assert.deepEqual(await (await fetch(`${base}/ready`)).json(), { ready: true, redis: "disabled", degraded: false });
    });

    test("an event reaches every client as {type, payload}", async () => {
        const a = await connect("http://app.test");
        const b = await connect();
        const response = await post("todo-created", JSON.stringify({ id: 7, title: "x" }));
        assert.equal(response.status, 202);
        await until(() => a.messages.length === 1 && b.messages.length === 1);
        assert.deepEqual(a.messages[0], { type: "todo:created", payload: { id: 7, title: "x" } });
        assert.deepEqual(b.messages[0], a.messages[0]);
        a.socket.close();
        b.socket.close();
    });

    test("refused events broadcast nothing", async () => {
        const a = await connect();
        assert.equal((await post("todo-created", "{}", null)).status, 401);
        assert.equal((await post("todo-created", "{}", "wrong")).status, 401);
        assert.equal((await post("Todo", "{}")).status, 400);
        assert.equal((await post("todo-created", "{oops")).status, 400);
        assert.equal((await post("todo-created", JSON.stringify("x".repeat(100_000)))).status, 413);
        assert.equal((await post("todo-deleted", JSON.stringify({ id: 1 }))).status, 202);
        await until(() => a.messages.length === 1);
        assert.deepEqual(a.messages, [{ type: "todo:deleted", payload: { id: 1 } }]);
        a.socket.close();
    });

    test("a ticket joins its channels; anonymous sockets get public events only", async () => {
        const key = ticketKey(undefined, SECRET)!;
        const one = await connect(undefined, signTicket(key, { sub: "1", channels: ["user:1"] }));
        const anonymous = await connect();
        assert.equal((await post("todo-created", JSON.stringify({ id: 1 }), SECRET, "user:1")).status, 202);
        assert.equal((await post("todo-created", JSON.stringify({ id: 2 }))).status, 202);
        await until(() => one.messages.length === 2 && anonymous.messages.length === 1);
        assert.deepEqual(anonymous.messages, [{ type: "todo:created", payload: { id: 2 } }]);
        assert.deepEqual(one.messages[0], { type: "todo:created", payload: { id: 1 } });
        one.socket.close();
        anonymous.socket.close();
    });

    test("a bad ticket closes the socket with 4401", async () => {
        const bad = await connect(undefined, "v1.bad.ticket");
        assert.equal(await bad.closed, 4401);
    });

    test("a foreign origin is refused before the upgrade", async () => {
        const status = await new Promise<number>((resolve, reject) => {
            const socket = new WebSocket(`${base.replace("http", "ws")}/ws`, { headers: { Origin: "http://evil.test" } });
            socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
            socket.on("open", () => reject(new Error("upgrade should have been refused")));
            socket.on("error", () => resolve(-1));
        });
        // Bun's built-in `ws` reports a refused upgrade as an error without the status code.
        assert.ok(status === 403 || status === -1, `status ${status}`);
    });
});
