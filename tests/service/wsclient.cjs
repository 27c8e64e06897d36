// Real WebSocket clients for the service tests, driven over stdin/stdout with JSON lines.
//   node wsclient.cjs <dir with node_modules/ws>
// stdin commands:  {"cmd":"open","id":"a","url":"ws://...","origin":"http://x","autoPong":true}
//                  {"cmd":"pause","id":"a"} | {"cmd":"resume","id":"a"} | {"cmd":"close","id":"a"}
//                  {"cmd":"send","id":"a","data":"text"}
//                  {"cmd":"burst","url":"http://.../events/x-y","token":"s","count":N,"bytes":B,"concurrency":C}
// stdout events:   {"ev":"open"|"message"|"close"|"unexpected"|"error"|"burst-done", "id":..., ...}
"use strict";
const { createRequire } = require("node:module");
const path = require("node:path");
const readline = require("node:readline");

const requireFrom = createRequire(path.join(process.argv[2], "package.json"));
const WebSocket = requireFrom("ws");
const sockets = new Map();

function emit(event) {
    process.stdout.write(JSON.stringify(event) + "\n");
}

function open({ id, url, origin, autoPong = true }) {
    const headers = origin ? { Origin: origin } : {};
    const socket = new WebSocket(url, { headers, autoPong, perMessageDeflate: false });
    sockets.set(id, socket);
    socket.on("open", () => emit({ ev: "open", id }));
    socket.on("message", (data) => {
        const text = data.toString("utf8");
        emit({ ev: "message", id, len: text.length, data: text.length <= 4096 ? text : undefined });
    });
    socket.on("close", (code, reason) => emit({ ev: "close", id, code, reason: reason.toString() }));
    socket.on("unexpected-response", (_req, res) => {
        emit({ ev: "unexpected", id, status: res.statusCode });
        socket.terminate();
    });
    socket.on("error", (err) => emit({ ev: "error", id, message: err.message }));
}

async function burst({ url, token, count, bytes, concurrency = 8 }) {
    const body = JSON.stringify({ blob: "x".repeat(Math.max(0, bytes - 20)) });
    const statuses = {};
    let next = 0;
    async function worker() {
        while (next < count) {
            next += 1;
            const res = await fetch(url, {
                method: "POST",
                headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
                body,
            });
            await res.arrayBuffer();
            statuses[res.status] = (statuses[res.status] || 0) + 1;
        }
    }
    await Promise.all(Array.from({ length: concurrency }, worker));
    emit({ ev: "burst-done", statuses });
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
    const cmd = JSON.parse(line);
    const socket = sockets.get(cmd.id);
    switch (cmd.cmd) {
        case "open":
            open(cmd);
            break;
        case "pause":
            socket._socket.pause(); // stop reading: the server's writes pile up
            emit({ ev: "paused", id: cmd.id });
            break;
        case "resume":
            socket._socket.resume();
            break;
        case "close":
            socket.close();
            break;
        case "send":
            socket.send(cmd.data);
            break;
        case "burst":
            burst(cmd).catch((err) => emit({ ev: "burst-done", error: err.message }));
            break;
        default:
            emit({ ev: "error", message: `unknown command ${cmd.cmd}` });
    }
}).on("close", () => process.exit(0));
