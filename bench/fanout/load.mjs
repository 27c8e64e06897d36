// Load harness for broadcast fan-out (its own process; loopback only). Prints one JSON line.
//
//   node bench/fanout/load.mjs --base http://127.0.0.1:4100 --clients 1000 --events 200 [--rate 0]
//        [--concurrency 4] [--pid <server pid>] [--secret s] [--origin http://app.test] [--slow 0]
//        [--ws-module-dir <dir with node_modules/ws>] [--payload-bytes 64] [--drain-timeout 60]
//        [--channels K] [--members M] [--protocol ws|socketio] [--ticket none|url|message]
//
// Opens --clients WebSocket clients to <base>/ws, then POSTs --events events to <base>/events/todo-created,
// either at --rate events/s (fixed rate) or, with --rate 0, as fast as the server answers with
// --concurrency POSTs in flight. Each event carries a sequence number; every client counts what it receives.
// Measures:
//   deliveries/s  = messages received by all clients / (first POST sent -> last message received)
//   latency       = per event, POST sent -> receipt by the LAST client that gets it (p50, p99, max)
//   server RSS    = sampled every 50 ms from /proc/<pid>/status (VmRSS), plus VmHWM at the end
// --slow K adds K clients that stop reading their socket (TCP) right after opening: the slow-consumer case.
// Their deliveries are not counted; the report says whether the server still lists them at the end.
// --channels K: client j joins channel user:<j mod K> and event i goes to user:<i mod K> only (POST ?to=), so
// each event is expected by C/K clients. The generated service needs a ticket for a private channel: each
// client gets one, signed as the web app signs it (HMAC-SHA256, key derived from --secret, see tickets.ts);
// the bare servers read ?ch= instead (each server ignores what is not its own).
// --members M (with --channels K): only the first K*M clients join a channel (M each); the others join none
// (public only), so that K can change with the sockets and each event's recipients held constant.
// --ticket: how a client shows its ticket (the generated service): none; url (`?ticket=`, the deprecated form,
// and the only one services before issue 21 read); message (the socket's first message, as the web helpers
// send it: the client counts as open once the service acknowledges it). Without --channels, a ticket grants
// the client a `user:<j>` channel of its own (a signed-in user), and events still go to everyone.
// --protocol socketio speaks Socket.IO's WebSocket transport (engine.io v4) to /socket.io/: "40" to join the
// default namespace, "3" to each ping "2"; its events arrive as 42["todo:created",{...}].

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { createHmac, randomBytes } from "node:crypto";

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : fallback;
};
const base = opt("base", "http://127.0.0.1:4100");
const nClients = Number(opt("clients", 100));
const nEvents = Number(opt("events", 100));
const rate = Number(opt("rate", 0));
const concurrency = Number(opt("concurrency", 4));
const pid = opt("pid");
const secret = opt("secret", "bench-secret");
const origin = opt("origin", "http://app.test");
const nSlow = Number(opt("slow", 0));
const payloadBytes = Number(opt("payload-bytes", 64));
const drainTimeoutMs = Number(opt("drain-timeout", 60)) * 1000;
const wsDir = opt("ws-module-dir", process.env.WS_MODULE_DIR);
const nChannels = Number(opt("channels", 0));
const protocol = opt("protocol", "ws");
const nMembers = Number(opt("members", 0)); // 0: every client joins a channel
const ticketMode = opt("ticket", nChannels > 0 ? "url" : "none");
// --own-topic (bare servers, broadcast runs with --tickets): each client also joins a `user:<j>` channel of its
// own through `?ch=`, as the generated service's ticketed clients do, so both keep two subscriptions a socket.
const ownTopic = argv.includes("--own-topic");
if (!["none", "url", "message"].includes(ticketMode)) throw new Error(`--ticket ${ticketMode}: none, url or message`);
const require = createRequire(wsDir ? path.join(wsDir, "x.js") : import.meta.url);
const WebSocket = require("ws");

const wsUrl = base.replace(/^http/, "ws") + (protocol === "socketio" ? "/socket.io/?EIO=4&transport=websocket" : "/ws");

// Tickets as the web app mints them (lib/realtime/ticket.ts; the service's tickets.ts): v1.<payload>.<sig>.
const ticketKey = createHmac("sha256", secret).update("afc-ticket-v1", "utf8").digest();
function ticket(channels) {
    const now = Math.floor(Date.now() / 1000);
    // `n`: the nonce that makes each ticket open one connection (ignored by services from before it).
    const n = randomBytes(16).toString("base64url");
    const payload = Buffer.from(JSON.stringify({ sub: null, ch: channels, iat: now, exp: now + 60, n }), "utf8").toString("base64url");
    const signature = createHmac("sha256", ticketKey).update(`v1.${payload}`, "utf8").digest("base64url");
    return `v1.${payload}.${signature}`;
}
const channelOf = (i) => `user:${i % nChannels}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(concurrency, 1) });

function readStatus(field) {
    if (!pid) return undefined;
    try {
        const line = fs.readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(field + ":"));
        return line ? Number(line.split(/\s+/)[1]) : undefined;
    } catch {
        return undefined;
    }
}

/** CPU time (user + system, ms) the server process has used so far, from /proc/<pid>/stat. */
function serverCpuMs() {
    if (!pid) return undefined;
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // fields[11], fields[12] are utime and stime (the 14th and 15th of the whole line), in clock ticks.
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    } catch {
        return undefined;
    }
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

function getJson(url) {
    return new Promise((resolve, reject) => {
        // The service tells /health's client count only to WS_METRICS_TOKEN's bearer (run.py sets it to --secret).
        http.get(url, { agent, headers: { authorization: `Bearer ${secret}` } }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve(JSON.parse(body || "null")));
        }).on("error", reject);
    });
}

// ------------------------------------------------------------------ clients
const received = new Uint32Array(nEvents); // how many clients got event i
const expectedFor = new Uint32Array(nEvents); // how many clients should get event i
const lastAt = new Float64Array(nEvents); // when the last of them got it
const sentAt = new Float64Array(nEvents);
let deliveries = 0;
let lastReceipt = 0;
let errors = 0;
const SEQ = Buffer.from('"seq":');

function onMessage(data) {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const at = buf.indexOf(SEQ);
    if (at < 0) return;
    let i = at + SEQ.length;
    let seq = 0;
    for (; i < buf.length; i++) {
        const c = buf[i];
        if (c < 48 || c > 57) break;
        seq = seq * 10 + (c - 48);
    }
    const now = performance.now();
    received[seq] += 1;
    lastAt[seq] = now;
    lastReceipt = now;
    deliveries += 1;
}

let opening = 0;
const members = new Uint32Array(Math.max(nChannels, 1)); // healthy clients open in each channel
const ACK = Buffer.from('{"ctl":"ticket"');
function openOne(slow) {
    let url = wsUrl;
    const index = opening++;
    const inChannel = nChannels > 0 && (nMembers === 0 || index < nChannels * nMembers);
    const ch = inChannel ? channelOf(index) : undefined;
    const granted = nChannels > 0 ? (ch ? [ch] : []) : [`user:${index}`];
    const shown = ticketMode === "none" ? undefined : ticket(granted);
    const query = [];
    if (ch) query.push(`ch=${encodeURIComponent(ch)}`);
    else if (ownTopic) query.push(`ch=${encodeURIComponent(`user:${index}`)}`);
    if (ticketMode === "url") query.push(`ticket=${shown}`);
    if (query.length) url += `${url.includes("?") ? "&" : "?"}${query.join("&")}`;
    return new Promise((resolve) => {
        const ws = new WebSocket(url, { headers: { origin }, perMessageDeflate: false });
        let waiting = ticketMode === "message"; // for the service's acknowledgement of the ticket
        let settled = false;
        const ready = () => {
            if (settled) return;
            settled = true;
            if (slow) ws._socket.pause();
            else if (ch) members[index % nChannels] += 1;
            resolve(ws);
        };
        const failed = () => {
            if (settled) return;
            settled = true;
            errors += 1;
            resolve(undefined);
        };
        ws.on("open", () => {
            if (protocol === "socketio") ws.send("40"); // join the default namespace
            if (waiting) ws.send(shown);
            else ready();
        });
        ws.on("message", (data) => {
            if (waiting) {
                const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
                if (buf.subarray(0, ACK.length).equals(ACK)) {
                    waiting = false;
                    ready();
                }
            } else if (slow) {
                // stops reading once ready
            } else if (protocol === "socketio") {
                const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
                if (buf.length === 1 && buf[0] === 0x32) ws.send("3"); // engine.io ping -> pong
                else onMessage(buf);
            } else onMessage(data);
        });
        ws.on("close", failed); // refused (a bad ticket), or closed before it was ready
        ws.on("error", failed);
    });
}

async function openAll(count, slow) {
    const out = [];
    const batch = 200;
    for (let i = 0; i < count; i += batch) {
        const opened = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => openOne(slow)));
        out.push(...opened.filter(Boolean));
    }
    return out;
}

// ------------------------------------------------------------------ events
const filler = "x".repeat(payloadBytes);
function post(seq) {
    const body = JSON.stringify({ seq, title: filler });
    const to = nChannels > 0 ? `?to=${encodeURIComponent(channelOf(seq))}` : "";
    return new Promise((resolve) => {
        sentAt[seq] = performance.now();
        const req = http.request(
            `${base}/events/todo-created${to}`,
            {
                method: "POST",
                agent,
                headers: { "content-type": "application/json", authorization: `Bearer ${secret}`, "content-length": Buffer.byteLength(body) },
            },
            (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode));
            },
        );
        req.on("error", () => resolve(0));
        req.end(body);
    });
}

async function fullSpeed() {
    let next = 0;
    const statuses = {};
    const worker = async () => {
        while (next < nEvents) {
            const seq = next++;
            const status = await post(seq);
            statuses[status] = (statuses[status] ?? 0) + 1;
        }
    };
    await Promise.all(Array.from({ length: Math.max(concurrency, 1) }, worker));
    return statuses;
}

async function fixedRate() {
    const statuses = {};
    const pending = [];
    const start = performance.now();
    for (let seq = 0; seq < nEvents; seq++) {
        const due = start + (seq * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        pending.push(post(seq).then((s) => (statuses[s] = (statuses[s] ?? 0) + 1)));
    }
    await Promise.all(pending);
    return statuses;
}

function pct(sorted, p) {
    if (sorted.length === 0) return null;
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ------------------------------------------------------------------ run
const healthy = await openAll(nClients, false);
// Who should get event i: everyone, or the members of its channel (client j is in channel j mod K).
for (let i = 0; i < nEvents; i++) {
    expectedFor[i] = nChannels > 0 ? members[i % nChannels] : healthy.length;
}
const slow = await openAll(nSlow, true);
await new Promise((r) => setTimeout(r, 300));
const before = await getJson(`${base}/health`);
const rssBefore = readStatus("VmRSS");
let rssPeak = rssBefore ?? 0;
const sampler = setInterval(() => {
    const v = readStatus("VmRSS");
    if (v !== undefined && v > rssPeak) rssPeak = v;
}, 50);

const cpuBefore = serverCpuMs();
const ownCpuBefore = process.cpuUsage();
const t0 = performance.now();
const statuses = rate > 0 ? await fixedRate() : await fullSpeed();
const tPosted = performance.now();
const deadline = tPosted + drainTimeoutMs;
while (performance.now() < deadline) {
    let done = true;
    for (let i = 0; i < nEvents; i++) if (received[i] < expectedFor[i]) { done = false; break; }
    if (done) break;
    await new Promise((r) => setTimeout(r, 20));
}
clearInterval(sampler);
const cpuAfter = serverCpuMs();
const ownCpu = process.cpuUsage(ownCpuBefore);
const after = await getJson(`${base}/health`);
const rssEnd = readStatus("VmRSS");
const hwm = readStatus("VmHWM");

const lat = [];
let incomplete = 0;
for (let i = 0; i < nEvents; i++) {
    if (received[i] < expectedFor[i]) incomplete += 1;
    if (received[i] > 0) lat.push(lastAt[i] - sentAt[i]);
}
lat.sort((a, b) => a - b);
const span = (lastReceipt - t0) / 1000;
const result = {
    base,
    clients: nClients,
    opened: healthy.length,
    slow_opened: slow.length,
    connect_errors: errors,
    events: nEvents,
    rate: rate || "full",
    concurrency,
    statuses,
    server_clients_before: before?.clients,
    server_clients_after: after?.clients,
    deliveries,
    expected_deliveries: expectedFor.reduce((a, b) => a + b, 0),
    channels: nChannels,
    members: nMembers,
    ticket: ticketMode,
    protocol,
    server_cpu_ms_per_event: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / nEvents : null,
    incomplete_events: incomplete,
    post_seconds: (tPosted - t0) / 1000,
    posts_per_s: nEvents / ((tPosted - t0) / 1000),
    span_seconds: span,
    deliveries_per_s: span > 0 ? deliveries / span : 0,
    latency_ms: { p50: pct(lat, 50), p99: pct(lat, 99), max: lat[lat.length - 1] ?? null },
    // CPU the server used from the first POST to the last receipt, and per 1,000 deliveries: less sensitive to
    // other load on the machine than deliveries/s (which is wall-clock).
    server_cpu_ms: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : null,
    server_cpu_ms_per_1k_deliveries:
        cpuBefore !== undefined && cpuAfter !== undefined && deliveries > 0 ? ((cpuAfter - cpuBefore) * 1000) / deliveries : null,
    load_client_cpu_ms: (ownCpu.user + ownCpu.system) / 1000,
    rss_kib: { before_events: rssBefore, peak_sampled: rssPeak, end: rssEnd, hwm },
};
console.log(JSON.stringify(result));
for (const ws of [...healthy, ...slow]) ws.terminate();
agent.destroy();
process.exit(0);
