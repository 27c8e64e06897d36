// Minimal broadcast server on Bun.serve's native WebSocket pub/sub: the Bun baseline for bench/fanout.
//
//   GET  /ws                      WebSocket upgrade; every socket subscribes to topic "public"
//   POST /events/<name>           Authorization: Bearer <WS_EVENTS_SECRET>, JSON body
//                                 -> server.publish("public", {"type":"<resource>:<action>","payload":<body>})
//   GET  /health
//
// No origin check, tickets, limits, heartbeat or logging: only what Bun does natively.
//   WS_PORT=4100 WS_EVENTS_SECRET=s bun bench/fanout/bare-bun.mjs
// A socket opened with ?ch=<name> also joins that channel, and POST ?to=<channel> publishes there.

const port = Number(process.env.WS_PORT ?? 4100);
const secret = process.env.WS_EVENTS_SECRET ?? "";
let clients = 0;

const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    async fetch(req, server) {
        const url = new URL(req.url);
        if (url.pathname === "/ws") {
            const ch = url.searchParams.get("ch");
            if (server.upgrade(req, { data: { ch } })) return undefined;
            return new Response("upgrade failed", { status: 400 });
        }
        if (req.method === "GET" && url.pathname === "/health") {
            return Response.json({ status: "ok", clients });
        }
        const match = req.method === "POST" && /^\/events\/([a-z0-9-]+)$/.exec(url.pathname);
        if (!match) return new Response(null, { status: 404 });
        if (req.headers.get("authorization") !== `Bearer ${secret}`) return new Response(null, { status: 401 });
        let payload;
        try {
            payload = JSON.parse(await req.text());
        } catch {
            return new Response(null, { status: 400 });
        }
        const name = match[1];
        const cut = name.lastIndexOf("-");
        const message = JSON.stringify({ type: `${name.slice(0, cut)}:${name.slice(cut + 1)}`, payload });
        const topic = url.searchParams.get("to") ?? "public";
        server.publish(topic, message);
        return Response.json({ clients: server.subscriberCount(topic) }, { status: 202 });
    },
    websocket: {
        perMessageDeflate: false,
        // BARE_SERVICE_OPTIONS=1: the generated service's socket options (its cap, no idle timeout, no pings),
        // to tell what those options cost from what the service's code costs.
        ...(process.env.BARE_SERVICE_OPTIONS === "1"
            ? {
                  backpressureLimit: 1024 * 1024,
                  closeOnBackpressureLimit: true,
                  idleTimeout: 0,
                  sendPings: false,
                  publishToSelf: false,
                  maxPayloadLength: 4096,
              }
            : {}),
        open(ws) {
            clients += 1;
            ws.subscribe("public");
            if (ws.data?.ch) ws.subscribe(ws.data.ch);
        },
        message() {},
        close() {
            clients -= 1;
        },
    },
});
console.log(`bare Bun.serve pub/sub server on 127.0.0.1:${server.port}`);
// Exit on a signal (so `bun --cpu-prof` writes its profile).
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
