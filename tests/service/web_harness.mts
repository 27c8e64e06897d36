// Runs the rendered web helpers for real under Node: a real `ws` server, a real HTTP list endpoint, React 19
// (react-test-renderer) for the hook. Exits non-zero on the first failed check.
//   node --import tsx web_harness.mts <dir holding realtime-core.ts and use-realtime.ts>
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createElement, useState, type Dispatch, type SetStateAction } from "react";
import { act, create, type ReactTestRenderer } from "react-test-renderer";
import WebSocket, { WebSocketServer } from "ws";

const dir = path.resolve(process.argv[2] ?? ".");
const core = await import(pathToFileURL(path.join(dir, "realtime-core.ts")).href);
const hook = await import(pathToFileURL(path.join(dir, "use-realtime.ts")).href);

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class WsServer {
    wss!: WebSocketServer;
    sockets = new Set<WebSocket>();
    connections = 0;
    urls: string[] = [];
    /** Every text message received, as [connection number, text]. */
    received: Array<[number, string]> = [];
    /** The lifetime (seconds) this server acknowledges a ticket with, as the ws service does. */
    ackTtl = 30;
    constructor(public port = 0) {}
    async start(): Promise<void> {
        this.wss = new WebSocketServer({ host: "127.0.0.1", port: this.port, path: "/ws" });
        await new Promise((resolve) => this.wss.once("listening", resolve));
        this.port = (this.wss.address() as AddressInfo).port;
        this.wss.on("connection", (socket, request) => {
            this.connections += 1;
            this.urls.push(request.url ?? "");
            this.sockets.add(socket);
            const connection = this.connections;
            socket.on("message", (data) => {
                const text = String(data);
                this.received.push([connection, text]);
                if (text.startsWith("v1.")) socket.send(JSON.stringify({ ctl: "ticket", ttl: this.ackTtl }));
            });
            socket.on("close", () => this.sockets.delete(socket));
        });
    }
    send(data: unknown): void {
        const text = typeof data === "string" ? data : JSON.stringify(data);
        for (const socket of this.sockets) socket.send(text);
    }
    dropAll(): void {
        for (const socket of this.sockets) socket.terminate();
    }
    async stop(): Promise<void> {
        this.dropAll();
        await new Promise((resolve) => this.wss.close(resolve));
    }
    get url(): string {
        return `ws://127.0.0.1:${this.port}`;
    }
}

const checks: string[] = [];
function passed(name: string): void {
    checks.push(name);
    console.log(`ok - ${name}`);
}

// ---------------------------------------------------------------- pure logic

{
    assert.equal(core.backoffDelay(0, () => 0), 0);
    assert.equal(core.backoffDelay(0, () => 0.999999, 500, 30_000), 499);
    assert.equal(core.backoffDelay(3, () => 0.5, 500, 30_000), 2000);
    assert.equal(core.backoffDelay(40, () => 0.999999, 500, 30_000), 29_999);
    const seen = new Set(Array.from({ length: 200 }, () => core.backoffDelay(4)));
    assert.ok(seen.size > 50, "full jitter spreads delays");
    for (const value of seen) assert.ok(value >= 0 && value < 8000);
    passed("backoff: exponential, full jitter, capped");

    assert.deepEqual(core.parseMessage('{"type":"todo:created","payload":{"id":1}}'), {
        type: "todo:created",
        payload: { id: 1 },
    });
    for (const bad of ["nope", "[1]", "null", '{"type":1}', '{"payload":1}', '{"type":"nocolon"}', 42, undefined]) {
        assert.equal(core.parseMessage(bad), undefined, String(bad));
    }
    passed("parseMessage rejects malformed messages");

    type Item = { id: number; title?: string };
    const items: Item[] = [{ id: 1 }, { id: 2 }];
    assert.deepEqual(core.applyListEvent(items, "created", { id: 3 }), [{ id: 3 }, { id: 1 }, { id: 2 }]);
    assert.deepEqual(core.applyListEvent(items, "created", { id: 2, title: "x" }), [{ id: 1 }, { id: 2, title: "x" }]);
    assert.deepEqual(core.applyListEvent(items, "updated", { id: 1, title: "y" }), [{ id: 1, title: "y" }, { id: 2 }]);
    assert.equal(core.applyListEvent(items, "updated", { id: 5 }), items);
    assert.deepEqual(core.applyListEvent(items, "deleted", { id: 1 }), [{ id: 2 }]);
    assert.equal(core.applyListEvent(items, "deleted", { id: 7 }), items);
    assert.equal(core.applyListEvent(items, "created", "no id"), items);
    passed("applyListEvent: created/updated/deleted by id");

    // afc's RealtimeChange: a complete row, a partial row merged by its keys, keys only, no keys.
    const change = (action: string, keys: object, row: object | undefined, complete: boolean) => ({
        table: "todos", action, keys, ...(row ? { row } : {}), complete,
    });
    const full = change("created", { id: 3 }, { id: 3, title: "new" }, true);
    assert.deepEqual(core.applyListEvent(items, "created", full), [{ id: 3, title: "new" }, { id: 1 }, { id: 2 }]);
    const merged = core.applyListEvent(items, "updated", change("updated", { id: "1" }, { id: "1", title: "set" }, false));
    assert.deepEqual(merged, [{ id: 1, title: "set" }, { id: 2 }], "merged by key, `1` and \"1\" alike, key kept");
    assert.deepEqual(core.applyListEvent(items, "deleted", change("deleted", { id: 2 }, undefined, false)), [{ id: 1 }]);
    assert.equal(core.applyListEvent(items, "updated", change("updated", { id: 9 }, { title: "x" }, false)), items);
    for (const [action, payload] of [
        ["updated", change("updated", {}, undefined, false)], // updateMany: no keys
        ["created", change("created", {}, { title: "t" }, false)], // inserted without .returning(): not whole
        ["created", change("created", { id: 4 }, { id: 4 }, false)],
    ] as const) {
        assert.equal(core.needsRefetch(action, payload), true, JSON.stringify(payload));
        assert.equal(core.applyListEvent(items, action, payload), items);
    }
    assert.equal(core.needsRefetch("created", full), false);
    assert.equal(core.needsRefetch("updated", { id: 1 }), false); // a bare row sent by hand
    assert.equal(core.needsRefetch("updated", "junk"), false);
    passed("applyListEvent and needsRefetch follow the RealtimeChange contract");
}

// ---------------------------------------------------------------- connectRealtime against a real server

{
    const server = new WsServer();
    await server.start();
    const opened: number[] = [];
    const messages: unknown[] = [];
    const attempts: number[] = [];
    class CountingWebSocket extends WebSocket {
        constructor(url: string) {
            attempts.push(Date.now());
            super(url);
        }
    }
    const stop = core.connectRealtime({
        url: `${server.url}/ws`,
        WebSocket: CountingWebSocket,
        onOpen: () => opened.push(Date.now()),
        onMessage: (message: unknown) => messages.push(message),
        random: () => 1,
        baseMs: 40,
        capMs: 200,
        stableMs: 0, // every successful open resets the backoff (the default needs 5 s of uptime)
    });
    await until(() => opened.length === 1 && server.sockets.size === 1, "first open");

    for (const junk of ["not json", "[1,2]", '{"type":5}', '{"payload":{}}', "", '{"type":"x"}']) server.send(junk);
    server.send({ type: "todo:created", payload: { id: 1 } });
    await until(() => messages.length === 1, "the valid message");
    assert.deepEqual(messages, [{ type: "todo:created", payload: { id: 1 } }]);
    assert.equal(server.sockets.size, 1, "malformed messages do not break the connection");
    passed("malformed messages are ignored, valid ones delivered");

    server.dropAll();
    await until(() => opened.length === 2, "reopen after a drop");
    passed("reconnects after a drop and calls onOpen again");

    // Server gone: attempts back off exponentially (random() = 1 -> delays 40, 80, 160, 200, 200 ms).
    const port = server.port;
    await server.stop();
    const before = attempts.length;
    await until(() => attempts.length >= before + 6, "reconnect attempts while the server is down", 4000);
    const gaps = attempts.slice(before).map((t, i, all) => (i === 0 ? 0 : t - all[i - 1]!)).slice(1);
    assert.ok(gaps[0]! >= 60 && gaps[0]! < 160, `second gap ~80ms, got ${gaps}`);
    assert.ok(gaps[1]! >= 140 && gaps[1]! < 260, `third gap ~160ms, got ${gaps}`);
    for (const gap of gaps.slice(2)) assert.ok(gap >= 180 && gap < 300, `capped at ~200ms, got ${gaps}`);
    passed(`backs off while the server is down (gaps ${gaps.join(", ")} ms)`);

    const revived = new WsServer(port);
    await revived.start();
    await until(() => opened.length === 3, "reopen when the server returns", 3000);
    passed("reconnects when the server returns");

    stop();
    await until(() => revived.sockets.size === 0, "socket closed by stop()");
    const connections = revived.connections;
    revived.dropAll();
    await sleep(400);
    assert.equal(revived.connections, connections, "no reconnect after stop()");
    await revived.stop();
    passed("stop() closes the socket and never reconnects");
}

// ---------------------------------------------------------------- the hooks, rendered with React 19

type Todo = { id: number; title?: string };
let list: Todo[] = [{ id: 1 }, { id: 2 }];
let listRequests = 0;
let ticketRequests = 0;
let ticketStatus = 200;
const http: Server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/api/realtime/ticket") {
        ticketRequests += 1;
        res.statusCode = ticketStatus;
        res.end(JSON.stringify({ ticket: ticketStatus === 200 ? `v1.t${ticketRequests}.sig` : null }));
        return;
    }
    listRequests += 1;
    assert.equal(req.url, "/api/todos");
    res.end(JSON.stringify(list));
});
await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
const listUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/todos`;

{
    const server = new WsServer();
    await server.start();
    process.env.NEXT_PUBLIC_WS_URL = server.url + "/";
    // Node 20 has no global WebSocket (browsers do): the hook uses globalThis.WebSocket.
    (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

    let rendered: Todo[] = [];
    let renders = 0;
    function TodoList(props: { label: string }) {
        const [todos, setTodos] = useState<Todo[]>([]);
        hook.useRealtimeList("todo", listUrl, setTodos as Dispatch<SetStateAction<Todo[]>>);
        rendered = todos;
        renders += 1;
        return createElement("ul", { "data-label": props.label }, todos.map((t) => createElement("li", { key: t.id }, String(t.id))));
    }

    let root!: ReactTestRenderer;
    await act(async () => {
        root = create(createElement(TodoList, { label: "a" }));
    });
    await until(() => rendered.length === 2 && listRequests === 1, "initial resync from listUrl");
    passed("useRealtimeList fetches the list on open");

    server.send({ type: "todo:created", payload: { id: 3 } });
    await until(() => rendered.length === 3, "created");
    assert.deepEqual(rendered.map((t) => t.id), [3, 1, 2]);
    server.send({ type: "todo:updated", payload: { id: 1, title: "milk" } });
    await until(() => rendered.some((t) => t.title === "milk"), "updated");
    server.send("garbage");
    server.send({ type: "todo:deleted", payload: { id: 2 } });
    server.send({ type: "note:deleted", payload: { id: 1 } }); // another resource: ignored
    await until(() => rendered.length === 2, "deleted");
    assert.deepEqual(rendered, [{ id: 3 }, { id: 1, title: "milk" }]);
    server.send({ type: "todo:created", payload: { id: 3, title: "again" } });
    await until(() => rendered[0]?.title === "again", "created with a known id replaces");
    assert.equal(rendered.length, 2);
    passed("useRealtimeList applies created/updated/deleted and ignores the rest");

    // The change afc broadcasts: a partial update merges; a change it cannot apply reads the list again.
    server.send({
        type: "todo:updated",
        payload: { table: "todos", action: "updated", keys: { id: 1 }, row: { id: 1, title: "oat milk" }, complete: false },
    });
    await until(() => rendered.some((t) => t.title === "oat milk"), "partial update merged");
    assert.deepEqual(rendered, [{ id: 3, title: "again" }, { id: 1, title: "oat milk" }]);
    const before = listRequests;
    list = [{ id: 5, title: "inserted without returning" }, { id: 3, title: "again" }];
    server.send({
        type: "todo:created",
        payload: { table: "todos", action: "created", keys: {}, row: { title: "inserted without returning" }, complete: false },
    });
    await until(() => listRequests === before + 1 && rendered[0]?.id === 5, "refetch on a change without keys");
    passed("useRealtimeList merges partial changes and refetches the ones it cannot apply");

    // Re-rendering with new handlers does not reconnect.
    await act(async () => {
        root.update(createElement(TodoList, { label: "b" }));
    });
    assert.ok(renders > 3);
    assert.equal(server.connections, 1, "no reconnect on re-render");
    passed("re-rendering does not reconnect");

    // A drop: events are missed while disconnected; the reopen resyncs from listUrl.
    list = [{ id: 9, title: "from the server" }];
    const beforeDrop = listRequests;
    server.dropAll();
    await until(() => server.connections === 2 && rendered.length === 1 && rendered[0]?.id === 9, "resync after drop");
    assert.equal(listRequests, beforeDrop + 1);
    passed("after a drop it reconnects and resyncs from listUrl");

    await act(async () => {
        root.unmount();
    });
    await until(() => server.sockets.size === 0, "socket closed on unmount");
    await sleep(700);
    assert.equal(server.connections, 2, "no reconnect after unmount");
    passed("unmount closes the socket and never reconnects");
    await server.stop();
}

{
    // Tickets: fetched from ticketUrl before every (re)connect, with the user's cookies and no caching, and
    // sent as the socket's first message (never in the URL); a fresh one before it expires, over the same
    // socket; a failed fetch connects without one, and a refresh without one reconnects without one.
    const server = new WsServer();
    server.ackTtl = 0; // refresh as early as the client does: after 1 s
    await server.start();
    process.env.NEXT_PUBLIC_WS_URL = server.url;
    const ticketUrl = listUrl.replace("/api/todos", "/api/realtime/ticket");
    const realFetch = globalThis.fetch;
    const inits: Array<RequestInit | undefined> = [];
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
        if (String(input) === ticketUrl) inits.push(init);
        return realFetch(input, init);
    }) as typeof fetch;
    const seen: unknown[] = [];
    let opens = 0;
    function Private() {
        hook.useRealtime({ "todo:created": (payload: unknown) => seen.push(payload) }, { ticketUrl, onOpen: () => (opens += 1) });
        return null;
    }
    ticketRequests = 0;
    let root!: ReactTestRenderer;
    await act(async () => {
        root = create(createElement(Private));
    });
    await until(() => server.received.length === 1 && opens === 1, "first connect with a ticket");
    assert.deepEqual(server.urls, ["/ws"], "never in the URL");
    assert.deepEqual(server.received, [[1, "v1.t1.sig"]]);
    assert.equal(inits[0]?.credentials, "include");
    assert.equal(inits[0]?.cache, "no-store");
    server.send({ type: "todo:created", payload: { id: 1 } });
    await until(() => seen.length === 1, "a message on the ticketed socket");
    await until(() => server.received.length === 2, "a refresh before the ticket expires", 3000);
    assert.deepEqual(server.received[1], [1, "v1.t2.sig"], "a fresh ticket over the same socket");
    assert.equal(server.connections, 1);
    assert.equal(opens, 1, "a refresh is not a reopen");
    ticketStatus = 500;
    await until(() => server.connections === 2, "a refresh without a ticket reconnects", 3000);
    await until(() => opens === 2, "reopened without a ticket");
    assert.equal(server.urls[1], "/ws");
    assert.equal(server.received.length, 2, "nothing sent without a ticket");
    ticketStatus = 200;
    server.dropAll();
    await until(() => server.connections === 3 && server.received.length === 3, "reconnect with a fresh ticket");
    assert.equal(server.received[2]![0], 3);
    assert.match(server.received[2]![1], /^v1\.t\d+\.sig$/);
    await act(async () => root.unmount());
    globalThis.fetch = realFetch;
    await server.stop();
    passed("sends a fresh ticket as the first message of every (re)connect and before it expires; reconnects without one when there is none");

    assert.equal(core.refreshDelay(30), 20_000);
    assert.equal(core.refreshDelay(0), 1_000);
    assert.equal(core.ticketAcknowledged('{"ctl":"ticket","ttl":12}'), 12);
    for (const other of ['{"type":"ctl:ticket","payload":1}', '{"ctl":"ticket"}', '{"ctl":"other","ttl":1}', "{\"ctl\":", 3]) {
        assert.equal(core.ticketAcknowledged(other), undefined, String(other));
    }
    passed("the service's ticket acknowledgement is told apart from events");
}

{
    // No NEXT_PUBLIC_WS_URL: the hook does nothing (and does not throw).
    delete process.env.NEXT_PUBLIC_WS_URL;
    let seen = 0;
    function Quiet() {
        hook.useRealtime({ "todo:created": () => (seen += 1) }, { onOpen: () => (seen += 1) });
        return null;
    }
    let root!: ReactTestRenderer;
    await act(async () => {
        root = create(createElement(Quiet));
    });
    await sleep(50);
    await act(async () => root.unmount());
    assert.equal(seen, 0);
    passed("no URL: useRealtime does nothing");
}

http.close();
console.log(`all ${checks.length} checks passed`);
process.exit(0);
