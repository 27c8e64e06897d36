// Minimal broadcast server written directly on `ws`: the baseline for bench/fanout.
//
//   GET  /ws                      WebSocket upgrade (no origin check, no heartbeat, no backpressure guard)
//   POST /events/<name>           Authorization: Bearer <WS_EVENTS_SECRET>, JSON body
//                                 -> every open client gets {"type":"<resource>:<action>","payload":<body>}
//   GET  /health
//
// The broadcast is the loop from the `ws` README: serialize once, then client.send(string) per client
// (so `ws` frames the message once per client). Run with node or bun:
//   WS_PORT=4100 WS_EVENTS_SECRET=s node bench/fanout/bare-ws.mjs   (needs `ws` resolvable: see run.py)
//
// `ws` is resolved from WS_MODULE_DIR (the rendered service's node_modules) when set.
// Channels (for the channels benchmark): a socket opened with ?ch=<name> also joins that channel, and
// POST /events/<name>?to=<channel> goes to that channel's sockets only.

import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(process.env.WS_MODULE_DIR ? path.join(process.env.WS_MODULE_DIR, "x.js") : import.meta.url);
const { WebSocketServer, WebSocket } = require("ws");

const port = Number(process.env.WS_PORT ?? 4100);
const secret = process.env.WS_EVENTS_SECRET ?? "";
const clients = new Set();
const channels = new Map(); // channel -> Set of sockets

const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/health") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", clients: clients.size }));
        return;
    }
    const [pathname, search = ""] = (req.url ?? "").split("?");
    const match = req.method === "POST" && /^\/events\/([a-z0-9-]+)$/.exec(pathname);
    if (!match) {
        res.writeHead(404).end();
        return;
    }
    if (req.headers.authorization !== `Bearer ${secret}`) {
        res.writeHead(401).end();
        return;
    }
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
        let payload;
        try {
            payload = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
            res.writeHead(400).end();
            return;
        }
        const name = match[1];
        const cut = name.lastIndexOf("-");
        const message = JSON.stringify({ type: `${name.slice(0, cut)}:${name.slice(cut + 1)}`, payload });
        let sent = 0;
        const to = new URLSearchParams(search).get("to");
        for (const client of to ? (channels.get(to) ?? []) : clients) {
            if (client.readyState === WebSocket.OPEN) {
                client.send(message);
                sent += 1;
            }
        }
        res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ clients: sent }));
    });
});

const wss = new WebSocketServer({ server, path: "/ws", perMessageDeflate: false, clientTracking: false });
wss.on("connection", (socket, req) => {
    clients.add(socket);
    const ch = new URL(req.url ?? "/", "http://x").searchParams.get("ch");
    if (ch) {
        if (!channels.has(ch)) channels.set(ch, new Set());
        channels.get(ch).add(socket);
    }
    const gone = () => {
        clients.delete(socket);
        if (ch) channels.get(ch)?.delete(socket);
    };
    socket.on("close", gone);
    socket.on("error", gone);
});

server.listen(port, "127.0.0.1", () => {
    console.log(`bare ws broadcast server on 127.0.0.1:${port}`);
});
// Exit on a signal (so `node --cpu-prof` writes its profile).
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
