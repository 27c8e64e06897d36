// Socket.IO broadcast server: "what users would pick instead" for bench/fanout, on the same harness.
//
//   GET  /socket.io/?EIO=4&transport=websocket[&ch=<room>]   Socket.IO over its WebSocket transport only
//   POST /events/<name>[?to=<room>]   Authorization: Bearer <WS_EVENTS_SECRET>, JSON body
//                                     -> io.emit("<resource>:<action>", body), or io.to(room).emit(...)
//   GET  /health
//
// The same work per POST as bare-ws.mjs / bare-bun.mjs (bearer check, JSON.parse of the body), then Socket.IO's
// own broadcast: it encodes the packet once (`42["todo:created",{...}]`) and writes it to each socket of the
// room through engine.io and `ws`. A socket joins the room named by ?ch= in its handshake query (the channels
// benchmark). No origin check, auth middleware or acknowledgements. Node only here (socket.io's default server).
//   WS_PORT=4100 WS_EVENTS_SECRET=s SIO_MODULE_DIR=<dir>/node_modules node bench/fanout/socketio-server.mjs

import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(process.env.SIO_MODULE_DIR ? path.join(process.env.SIO_MODULE_DIR, "x.js") : import.meta.url);
const { Server } = require("socket.io");

const port = Number(process.env.WS_PORT ?? 4100);
const secret = process.env.WS_EVENTS_SECRET ?? "";

const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "GET" && url.pathname === "/health") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", clients: io.engine.clientsCount }));
        return;
    }
    const match = req.method === "POST" && /^\/events\/([a-z0-9-]+)$/.exec(url.pathname);
    if (!match) {
        res.writeHead(404).end(); // socket.io answers /socket.io/ itself before this handler runs
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
        const type = `${name.slice(0, cut)}:${name.slice(cut + 1)}`;
        const room = url.searchParams.get("to");
        if (room) io.to(room).emit(type, payload);
        else io.emit(type, payload);
        res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ type }));
    });
});

const io = new Server(server, {
    transports: ["websocket"], // no long-polling: the load client speaks the WebSocket transport directly
    perMessageDeflate: false,
    serveClient: false,
    cors: undefined,
});
io.on("connection", (socket) => {
    const room = socket.handshake.query.ch;
    if (typeof room === "string" && room !== "") socket.join(room);
});

server.listen(port, "127.0.0.1", () => {
    console.log(`socket.io broadcast server on 127.0.0.1:${port}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
