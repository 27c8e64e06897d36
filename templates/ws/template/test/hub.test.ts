// The hub, once for both runtimes: driven through a fake Driver, with native topics (as on Bun) and without
// (as on Node). Every contract of a connection's life: admission, first-message tickets, refresh, expiry,
// one connection per ticket, revocation, fan-out, backlog caps, inbound budget, heartbeat, shutdown.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Hub, ticketAck, type Driver, type HubOptions, type NonceCheck } from "../src/hub";
import { NonceMemory } from "../src/nonces";
import { loadConfig } from "../src/config";
import type { EventHead } from "../src/requests";
import { Core, URL_TICKET_DEPRECATED } from "../src/service";
import { signTicket, ticketKey } from "../src/tickets";

const key = ticketKey(undefined, "events-secret")!;
const nowSec = () => Math.floor(Date.now() / 1000);

class Sock {
    sent: string[] = [];
    buffered = 0;
    pings = 0;
    closed: [number, string] | undefined;
    politely = false;
    terminated = false;
    topics = new Set<string>();
    constructor(readonly name: string) {}
}

function driver(topics: boolean): Driver<Sock, string> & { all: Set<Sock> } {
    const all = new Set<Sock>();
    return {
        all,
        prepare: (m) => m,
        send: (s, m) => void s.sent.push(m),
        buffered: (s) => s.buffered,
        ping: (s) => void (s.pings += 1),
        close: (s, code, reason) => {
            s.closed = [code, reason];
            s.politely = true;
        },
        closeNow: (s, code, reason) => {
            s.closed = [code, reason];
        },
        terminate: (s) => void (s.terminated = true),
        topics: topics
            ? {
                  subscribe: (s, c) => {
                      all.add(s);
                      s.topics.add(c);
                  },
                  unsubscribe: (s, c) => void s.topics.delete(c),
                  publish: (c, m) => {
                      for (const s of all) if (s.topics.has(c) && !s.closed && !s.terminated) s.sent.push(m);
                  },
              }
            : undefined,
    };
}

const OPTIONS: HubOptions = {
    maxBufferedBytes: 1000,
    maxTotalBufferedBytes: 1_000_000,
    heartbeatMs: 60_000,
    maxInboundPerSecond: 20,
    allowAnonymous: true,
    ticketTimeoutMs: 40,
};
const silent = { info() {}, warn() {} };

function hub(topics: boolean, options: Partial<HubOptions> = {}, firstUse?: NonceCheck) {
    const memory = new NonceMemory();
    const d = driver(topics);
    const h = new Hub(d, { ...OPTIONS, ...options }, key, firstUse ?? ((n, exp) => memory.first(n, exp)), silent);
    let released = 0;
    const open = (name: string, urlTickets: string[] = []) => {
        const socket = new Sock(name);
        const conn = h.open(socket, urlTickets, () => (released += 1));
        return { socket, conn };
    };
    return { h, open, released: () => released };
}

const ticket = (sub: string | null, channels: string[], ttl = 30, now = nowSec()) => signTicket(key, { sub, channels }, ttl, now);
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const EVENT = '{"type":"todo:created","payload":1}';

for (const topics of [false, true]) {
    describe(`hub (${topics ? "native topics, as on Bun" : "a write per socket, as on Node"})`, () => {
        test("a socket without a ticket joins public; its first message's ticket adds its channels and is acknowledged", () => {
            const { h, open } = hub(topics);
            const a = open("a");
            assert.equal(h.broadcast(EVENT, ["public"]), 1);
            assert.equal(h.broadcast(EVENT, ["user:1"]), 0);
            h.message(a.conn, ticket("1", ["user:1"]));
            assert.equal(a.socket.sent[1], ticketAck(30));
            assert.deepEqual(JSON.parse(a.socket.sent[1]!), { ctl: "ticket", ttl: 30 });
            assert.equal(h.broadcast(EVENT, ["user:1"]), 1);
            assert.equal(h.broadcast(EVENT, ["public"]), 1);
            assert.equal(a.socket.sent.length, 4);
            // Anything else a client sends is ignored (but counted).
            h.message(a.conn, "hello");
            h.message(a.conn, undefined);
            assert.equal(a.conn.state, "open");
        });

        test("WS_PUBLIC=false: nothing reaches a socket before its ticket, and one that sends none in time is closed 4403", async () => {
            const { h, open, released } = hub(topics, { allowAnonymous: false });
            const waiting = open("waiting");
            const late = open("late");
            assert.equal(h.broadcast(EVENT, ["public"]), 0);
            h.message(late.conn, ticket("2", ["user:2"]));
            assert.equal(h.broadcast(EVENT, ["public"]), 1);
            await wait(80);
            assert.deepEqual(waiting.socket.closed, [4403, "no ticket in time"]);
            assert.equal(late.socket.closed, undefined);
            // Its slot is released when the runtime reports it gone, not before.
            assert.equal(released(), 0);
            h.gone(waiting.conn, 4403);
            h.gone(waiting.conn, 4403);
            assert.equal(released(), 1);
            // A ticket that grants nothing is no ticket.
            const empty = open("empty");
            h.message(empty.conn, ticket(null, []));
            assert.deepEqual(empty.socket.closed, [4403, "ticket required"]);
        });

        test("a refresh over the open socket applies its channels at once, without reconnecting", () => {
            const { h, open } = hub(topics);
            const a = open("a", [ticket("1", ["user:1", "team:7"])]);
            assert.equal(h.members("team:7"), 1);
            h.message(a.conn, ticket("1", ["user:1", "doc:3"]));
            assert.equal(a.conn.state, "open");
            assert.equal(h.broadcast(EVENT, ["team:7"]), 0);
            assert.equal(h.members("team:7"), 0);
            assert.equal(h.broadcast(EVENT, ["doc:3"]), 1);
            assert.equal(h.broadcast(EVENT, ["user:1"]), 1);
            assert.deepEqual(a.socket.sent.filter((m) => m === EVENT).length, 2);
            if (topics) assert.deepEqual([...a.socket.topics].sort(), ["doc:3", "public", "user:1"]);
            // A refresh that is refused closes the socket (a forged or altered ticket).
            h.message(a.conn, "v1.forged.ticket");
            assert.deepEqual(a.socket.closed, [4401, "invalid or expired ticket"]);
        });

        test("a connection lives as long as its ticket: unrefreshed, it is closed with 4408", async () => {
            const { h, open } = hub(topics);
            // Expired exactly the clock skew ago: accepted, and due to close at once.
            const stale = () => ticket("1", ["user:1"], 30, nowSec() - 35);
            const expiring = open("expiring", [stale()]);
            const refreshed = open("refreshed", [stale()]);
            h.message(refreshed.conn, ticket("1", ["user:1"]));
            await wait(30);
            assert.deepEqual(expiring.socket.closed, [4408, "ticket expired"]);
            assert.equal(refreshed.socket.closed, undefined);
            assert.equal(h.broadcast(EVENT, ["user:1"]), 1);
            // A socket without a ticket (public only) does not expire.
            const anonymous = open("anonymous");
            await wait(10);
            assert.equal(anonymous.socket.closed, undefined);
        });

        test("each ticket opens one connection: a second use is refused with 4401, also when another replica saw it", async () => {
            const { open } = hub(topics);
            const once = ticket("1", ["user:1"]);
            const first = open("first", [once]);
            const second = open("second", [once]);
            assert.equal(first.conn.state, "open");
            assert.deepEqual(second.socket.closed, [4401, "ticket already used"]);
            // Sent as a refresh on another socket: the same.
            const again = hub(topics);
            const x = again.open("x");
            const y = again.open("y");
            const t = ticket("1", ["user:1"]);
            again.h.message(x.conn, t);
            again.h.message(y.conn, t);
            assert.equal(x.conn.state, "open");
            assert.deepEqual(y.socket.closed, [4401, "ticket already used"]);
            // The shared answer (Redis) may come later; a socket that went meanwhile is left alone.
            let answer: (yes: boolean) => void = () => {};
            const shared = hub(topics, {}, () => new Promise<boolean>((resolve) => (answer = resolve)));
            const z = shared.open("z", [ticket("1", ["user:1"])]);
            assert.equal(z.conn.state, "waiting");
            answer(false);
            await wait(1);
            assert.deepEqual(z.socket.closed, [4401, "ticket already used"]);
            const w = shared.open("w", [ticket("1", ["user:1"])]);
            answer(true);
            await wait(1);
            assert.equal(w.conn.state, "open");
            assert.equal(shared.h.broadcast(EVENT, ["user:1"]), 1);
        });

        test("revoke closes every socket joined to a channel (4409), and only those", () => {
            const { h, open } = hub(topics);
            const a = open("a", [ticket("42", ["user:42"])]);
            const b = open("b", [ticket("42", ["user:42", "team:7"])]);
            const c = open("c", [ticket("7", ["user:7", "team:7"])]);
            const d = open("d");
            assert.equal(h.revoke(["user:42"]), 2);
            assert.deepEqual(a.socket.closed, [4409, "revoked"]);
            assert.deepEqual(b.socket.closed, [4409, "revoked"]);
            assert.equal(c.socket.closed, undefined);
            assert.equal(d.socket.closed, undefined);
            assert.equal(h.broadcast(EVENT, ["team:7"]), 1);
            assert.equal(h.revoke(["user:42"]), 0);
        });

        test("an event for several channels reaches each member once", () => {
            const { h, open } = hub(topics);
            const both = open("both", [ticket("1", ["user:1", "team:7"])]);
            const team = open("team", [ticket("2", ["user:2", "team:7"])]);
            const other = open("other", [ticket("3", ["user:3"])]);
            assert.equal(h.broadcast(EVENT, ["user:1", "team:7", "user:9"]), 2);
            assert.deepEqual([both.socket.sent, team.socket.sent, other.socket.sent].map((s) => s.length), [1, 1, 0]);
            assert.equal(h.broadcast(EVENT, ["user:1", "user:2", "user:3"]), 3);
            assert.equal(h.broadcast(EVENT, ["nobody:1", "nobody:2"]), 0);
        });

        test("a client past its inbound budget is closed with 1008", () => {
            const { open, h } = hub(topics, { maxInboundPerSecond: 3 });
            const a = open("a");
            for (let i = 0; i < 3; i++) assert.equal(h.inbound(a.conn), true);
            assert.equal(a.socket.closed, undefined);
            h.message(a.conn, "x");
            assert.deepEqual(a.socket.closed, [1008, "too many messages"]);
            assert.equal(h.inbound(a.conn), false);
        });

        test("refused URL tickets and full servers close at once; the slot is freed only when the socket is gone", () => {
            const { h, open, released } = hub(topics, { allowAnonymous: false });
            const bad = open("bad", ["not-a-ticket"]);
            assert.deepEqual(bad.socket.closed, [4401, "invalid or expired ticket"]);
            assert.equal(bad.socket.politely, false);
            const full = new Sock("full");
            const conn = h.open(full, [], () => {}, [1013, "connection limit reached"]);
            assert.deepEqual(full.closed, [1013, "connection limit reached"]);
            assert.equal(conn.state, "gone");
            assert.equal(h.size, 0);
            assert.equal(released(), 0);
            h.gone(bad.conn, 1006);
            assert.equal(released(), 1);
        });

        test("heartbeat: a client that missed a pong is terminated; one that answered is pinged again", () => {
            const { h, open } = hub(topics);
            const beat = () => (h as unknown as { beat(): void }).beat();
            const silentOne = open("silent");
            const answering = open("answering");
            beat();
            assert.deepEqual([silentOne.socket.pings, answering.socket.pings], [1, 1]);
            h.pong(answering.conn);
            beat();
            assert.equal(silentOne.socket.terminated, true);
            assert.equal(answering.socket.terminated, false);
            assert.equal(answering.socket.pings, 2);
        });

        test("backlogs: over the total cap the largest are dropped", () => {
            const { h, open } = hub(topics, { maxBufferedBytes: 1000, maxTotalBufferedBytes: 1500 });
            const big = open("big");
            const mid = open("mid");
            const small = open("small");
            big.socket.buffered = 900;
            mid.socket.buffered = 500;
            small.socket.buffered = 200;
            assert.equal(h.bufferedBytes(), 1600);
            h.broadcast(EVENT, ["public"]);
            // Per socket, the total is summed while writing; on native topics at most every 250 ms, and by the
            // heartbeat.
            assert.equal(big.socket.terminated, !topics);
            if (topics) (h as unknown as { beat(): void }).beat();
            assert.deepEqual([big, mid, small].map((c) => c.socket.terminated), [true, false, false]);
        });

        if (!topics) {
            test("a write per socket: a socket past its own backlog cap is dropped instead of written to", () => {
                const { h, open } = hub(false);
                const slow = open("slow");
                const fast = open("fast");
                slow.socket.buffered = 1001;
                assert.equal(h.broadcast(EVENT, ["public"]), 1);
                assert.equal(slow.socket.terminated, true);
                assert.deepEqual(fast.socket.sent, [EVENT]);
            });
        }

        test("shutdown closes every client with 1001 and refuses new ones", async () => {
            const { h, open } = hub(topics);
            const a = open("a");
            const closing = h.closeAll(30);
            assert.deepEqual(a.socket.closed, [1001, "server shutting down"]);
            assert.equal(a.socket.politely, true);
            const late = open("late");
            assert.deepEqual(late.socket.closed, [1001, "server shutting down"]);
            await closing;
            assert.equal(a.socket.terminated, true); // it never answered
            assert.equal(h.size, 0);
        });
    });
}

describe("nonce memory", () => {
    test("a nonce is accepted once until its ticket expires, then forgotten", () => {
        const memory = new NonceMemory(3);
        assert.equal(memory.first("a", 100, 90), true);
        assert.equal(memory.first("a", 100, 104), false);
        assert.equal(memory.first("a", 100, 105), false); // remembered while the ticket is accepted (skew 5 s)
        assert.equal(memory.first("b", 200, 106), true); // "a" forgotten: expired
        assert.equal(memory.size, 1);
        for (const n of ["c", "d", "e"]) memory.first(n, 200, 106);
        assert.equal(memory.size, 3); // past the cap the oldest goes
        assert.equal(memory.first("e", 200, 106), false);
    });
});

describe("service core (what each route answers, for both runtimes)", () => {
    const config = loadConfig({ WS_EVENTS_SECRET: "events-secret", WS_ALLOWED_ORIGINS: "http://app.test", WS_METRICS_TOKEN: "mt", WS_SHUTDOWN_TIMEOUT_MS: "100" });
    // (a short grace: the test sockets never answer a close, and each shutdown would wait its full grace)
    const make = () => new Core<Sock, string>(config, driver(false), { ...silent, error() {} });
    const head = (name: string, extra: Partial<EventHead> = {}): EventHead => ({
        name,
        origin: undefined,
        fetchSite: undefined,
        authorization: "Bearer events-secret",
        remote: () => "10.0.0.1",
        ...extra,
    });
    test("an event: checked before its body, then parsed, then delivered to `to`", async () => {
        const core = make();
        const a = new Sock("a");
        core.open(a, "10.0.0.2", [ticket("1", ["user:1"])]);
        assert.equal(core.refuseEvent(head("todo-created")), undefined);
        assert.equal(core.refuseEvent(head("todo-created", { authorization: undefined }))?.status, 401);
        assert.equal(core.refuseEvent(head("todo-created", { origin: "http://app.test" }))?.status, 403);
        assert.equal(core.refuseEvent(head("Todo"))?.status, 400);
        assert.equal(core.refuseEvent(head("todo-created"), 70_000)?.status, 413);
        assert.deepEqual(core.event("todo-created", '{"id":1}', "to=user:1"), { status: 202, body: { type: "todo:created", clients: 1 } });
        assert.deepEqual(a.sent, ['{"type":"todo:created","payload":{"id":1}}']);
        for (const [text, query] of [[undefined, undefined], [" ", undefined], ["[".repeat(65), undefined], ['{"__proto__":{}}', undefined], ["{}", "to="]] as const) {
            assert.equal(core.event("todo-created", text, query).status, 400, `${text} ${query}`);
        }
        assert.equal(a.sent.length, 1);
        await core.shutdown(async () => {});
    });
    test("revoke: `to` required; closes the channel's sockets with 4409 and answers how many", async () => {
        const core = make();
        const a = new Sock("a");
        const b = new Sock("b");
        core.open(a, "10.0.0.2", [ticket("42", ["user:42"])]);
        core.open(b, "10.0.0.2", [ticket("7", ["user:7"])]);
        assert.equal(core.refuseEvent(head("revoke")), undefined);
        assert.equal(core.event("revoke", "{}", undefined).status, 400);
        assert.equal(a.closed, undefined);
        assert.deepEqual(core.event("revoke", "{}", "to=user:42"), { status: 202, body: { revoked: 1 } });
        assert.deepEqual(a.closed, [4409, "revoked"]);
        assert.equal(b.closed, undefined);
        await core.shutdown(async () => {});
    });
    test("a ticket in the URL still works for one release, and is logged as deprecated once", async () => {
        const warned: string[] = [];
        const core = new Core<Sock, string>(config, driver(false), { ...silent, error() {}, warn: (_o, m) => void warned.push(m) });
        core.open(new Sock("a"), "10.0.0.2", []); // the first-message form: nothing to say
        assert.deepEqual(warned, []);
        const b = new Sock("b");
        core.open(b, "10.0.0.2", [ticket("1", ["user:1"])]);
        core.open(new Sock("c"), "10.0.0.2", [ticket("2", ["user:2"])]);
        assert.deepEqual(warned, [URL_TICKET_DEPRECATED]);
        assert.deepEqual(core.event("todo-created", "{}", "to=user:1"), { status: 202, body: { type: "todo:created", clients: 1 } });
        assert.deepEqual(b.sent, ['{"type":"todo:created","payload":{}}']);
        await core.shutdown(async () => {});
    });
    test("health tells the client count to the metrics token only; upgrades refused for a foreign origin", async () => {
        const core = make();
        core.open(new Sock("a"), "10.0.0.2", []);
        assert.deepEqual(core.health(undefined).body, { status: "ok" });
        assert.deepEqual(core.health("Bearer mt").body, { status: "ok", clients: 1 });
        assert.equal(core.refuseUpgrade("http://evil.test", "10.0.0.3")?.status, 403);
        assert.equal(core.refuseUpgrade("http://app.test", "10.0.0.3"), undefined);
        await core.shutdown(async () => {});
        assert.equal(core.refuseUpgrade("http://app.test", "10.0.0.3")?.status, 503);
    });
});
