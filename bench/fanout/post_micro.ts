// In-process cost of each piece of contract work in the generated service's event POST, against what the bare
// servers do instead (Bun; 200,000 calls after 20,000 warm-up). Run inside the rendered service:
//   cp bench/fanout/post_micro.ts /tmp/afc-fanout-wt/ws/ && (cd /tmp/afc-fanout-wt/ws && bun post_micro.ts)
import secureJson from "secure-json-parse";
import { authorizeEvent } from "./src/auth";
import { parseChannelList } from "./src/channels";
import { jsonTooDeep, knownEvent, serializeKnownEvent } from "./src/events";
const body = JSON.stringify({ seq: 1, title: "x".repeat(64) });
const N = 200_000;
function time(name: string, f: () => unknown) {
    for (let i = 0; i < 20_000; i++) f();
    const t = performance.now();
    for (let i = 0; i < N; i++) f();
    console.log(`${name.padEnd(48)} ${(((performance.now() - t) * 1000) / N).toFixed(3)} us`);
}
time("authorizeEvent (bearer regex + constant-time)", () => authorizeEvent("bench-secret", "Bearer bench-secret", undefined));
time("string !== (bare servers)", () => "Bearer bench-secret" !== `Bearer ${"bench-secret"}`);
time("jsonTooDeep", () => jsonTooDeep(body));
time("secureJson.parse", () => secureJson.parse(body, undefined, { protoAction: "error", constructorAction: "error" }));
time("JSON.parse (bare servers)", () => JSON.parse(body));
time("parseChannelList('user:1')", () => parseChannelList("user:1"));
time("new URLSearchParams('to=user:1').getAll", () => new URLSearchParams("to=user:1").getAll("to"));
time("knownEvent + serializeKnownEvent", () => serializeKnownEvent(knownEvent("todo-created")!, JSON.parse(body)));
time("new Promise + then (withDeadline shape)", () => new Promise((r) => Promise.resolve(1).then(r)));
time("new Response(JSON) 202", () => new Response(JSON.stringify({ type: "todo:created", clients: 0 }), { status: 202, headers: { "content-type": "application/json; charset=utf-8" } }));
time("Response.json 202 (bare-bunps)", () => Response.json({ clients: 0 }, { status: 202 }));
