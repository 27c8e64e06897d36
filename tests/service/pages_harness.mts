// Runs the page-side strategies afc inserts, for real under Node: each data layer's own library (SWR 2,
// TanStack Query 5, tRPC 11's React Query hooks against a real tRPC HTTP server, Next.js's app router
// context for RealtimeRefresh), React 19 through react-test-renderer, and a real `ws` server sending the
// service's messages. Exits non-zero on the first failed check.
//   node --import tsx pages_harness.mts <dir holding the rendered helpers>
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createElement, type ReactNode } from "react";
import { act, create, type ReactTestRenderer } from "react-test-renderer";
import WebSocket, { WebSocketServer } from "ws";
import useSWR, { SWRConfig } from "swr";
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { initTRPC } from "@trpc/server";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import { httpBatchLink } from "@trpc/client";
import { createTRPCReact } from "@trpc/react-query";
import { AppRouterContext } from "next/dist/shared/lib/app-router-context.shared-runtime";

const dir = path.resolve(process.argv[2] ?? ".");
const load = (name: string) => import(pathToFileURL(path.join(dir, name)).href);
const events = await load("use-realtime-events.ts");
const { useRealtimeSWR } = await load("use-realtime-swr.ts");
const { useRealtimeQuery } = await load("use-realtime-query.ts");
const { RealtimeRefresh } = await load("realtime-refresh.tsx");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await act(async () => sleep(5));
    }
}
const checks: string[] = [];
function passed(name: string): void {
    checks.push(name);
    console.log(`ok - ${name}`);
}

// ---------------------------------------------------------------- a ws server speaking the service's messages

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/ws" });
await new Promise((resolve) => wss.once("listening", resolve));
const sockets = new Set<WebSocket>();
let connections = 0;
wss.on("connection", (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
});
const send = (type: string, payload: unknown = { id: 1 }) => {
    for (const socket of sockets) socket.send(JSON.stringify({ type, payload }));
};
process.env.NEXT_PUBLIC_WS_URL = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

// ---------------------------------------------------------------- a JSON API the pages read

const hits: Record<string, number> = {};
const api = createServer((req, res) => {
    const url = req.url ?? "/";
    hits[url] = (hits[url] ?? 0) + 1;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify([{ id: hits[url] }]));
});
await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
const getJson = (url: string) => fetch(origin + url).then((r) => r.json());

async function mounted(element: ReactNode, ready: () => boolean, what: string): Promise<ReactTestRenderer> {
    const before = connections;
    let root!: ReactTestRenderer;
    await act(async () => {
        root = create(element as Parameters<typeof create>[0]);
    });
    await until(() => ready() && connections > before && sockets.size > 0, what);
    await act(async () => sleep(30));
    return root;
}

// ---------------------------------------------------------------- pure logic

assert.equal(events.messageType("todo-created"), "todo:created");
assert.equal(events.messageType("user-profile-updated"), "user-profile:updated");
passed("event names map to the service's message types (`user-profile-updated` -> `user-profile:updated`)");

// ---------------------------------------------------------------- SWR: mutate(key) revalidates the key

{
    let shown: unknown;
    function Team() {
        const { data } = useSWR<Array<{ id: number }>>("/api/team", getJson);
        useRealtimeSWR("/api/team", ["team-created", "team-deleted"]);
        shown = data;
        return null;
    }
    const page = createElement(SWRConfig, { value: { provider: () => new Map(), dedupingInterval: 0 } }, createElement(Team));
    const root = await mounted(page, () => hits["/api/team"] === 1 && shown !== undefined, "SWR's first fetch");
    send("note:created");
    await act(async () => sleep(150));
    assert.equal(hits["/api/team"], 1, "an event the page does not follow refetches nothing");
    send("team:created");
    await until(() => hits["/api/team"] === 2, "SWR to revalidate /api/team on team:created");
    await until(() => JSON.stringify(shown) === JSON.stringify([{ id: 2 }]), "the page to show the new data");
    for (let i = 0; i < 10; i += 1) send("team:deleted");
    await act(async () => sleep(300));
    assert.equal(hits["/api/team"], 3, "a burst of events revalidates once");
    for (const socket of sockets) socket.terminate();
    await until(() => hits["/api/team"] === 4, "a revalidation after the reconnect", 10_000);
    await act(async () => root.unmount());
    passed("SWR: useRealtimeSWR revalidates the key on its events (once a burst, again after a reconnect), not on others");
}

// ---------------------------------------------------------------- TanStack Query: invalidateQueries by prefix

{
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    let shown: unknown;
    function Messages() {
        const { data } = useQuery({ queryKey: ["messages", 1], queryFn: () => getJson("/api/messages?page=1") });
        useRealtimeQuery(["messages"], ["message-created"]);
        shown = data;
        return null;
    }
    const page = createElement(QueryClientProvider, { client }, createElement(Messages));
    const url = "/api/messages?page=1";
    const root = await mounted(page, () => hits[url] === 1 && shown !== undefined, "the query's first fetch");
    send("todo:created");
    await act(async () => sleep(150));
    assert.equal(hits[url], 1);
    send("message:created");
    await until(() => hits[url] === 2, "TanStack Query to refetch ['messages', 1] on message:created");
    await until(() => JSON.stringify(shown) === JSON.stringify([{ id: 2 }]), "the page to show the new data");
    await act(async () => root.unmount());
    client.clear();
    passed("TanStack Query: useRealtimeQuery invalidates every query under the key prefix on its events");
}

// ---------------------------------------------------------------- tRPC: utils.<router>.invalidate()

{
    const t = initTRPC.create();
    let served = 0;
    const appRouter = t.router({
        conversation: t.router({ all: t.procedure.query(() => [{ id: ++served }]) }),
        hello: t.procedure.query(() => "hi"),
    });
    const trpcServer = createHTTPServer({ router: appRouter });
    await new Promise<void>((resolve) => trpcServer.listen(0, "127.0.0.1", () => resolve()));
    const url = `http://127.0.0.1:${(trpcServer.address() as AddressInfo).port}`;
    const apiClient = createTRPCReact<typeof appRouter>();
    const trpcClient = apiClient.createClient({ links: [httpBatchLink({ url })] });
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    let shown: unknown;
    function Conversations() {
        const { data } = apiClient.conversation.all.useQuery();
        events.useRealtimeInvalidate(apiClient.useUtils().conversation, ["conversation-created"]);
        shown = data;
        return null;
    }
    const page = createElement(
        apiClient.Provider,
        { client: trpcClient, queryClient },
        createElement(QueryClientProvider, { client: queryClient }, createElement(Conversations)),
    );
    const root = await mounted(page, () => served === 1 && shown !== undefined, "the tRPC query's first fetch");
    send("post:created");
    await act(async () => sleep(150));
    assert.equal(served, 1);
    send("conversation:created");
    await until(() => served === 2, "tRPC to refetch conversation.all on conversation:created");
    await until(() => JSON.stringify(shown) === JSON.stringify([{ id: 2 }]), "the page to show the new data");
    await act(async () => root.unmount());
    trpcServer.close();
    passed("tRPC: useRealtimeInvalidate(api.useUtils().conversation) refetches that router's queries on its events");
}

// ---------------------------------------------------------------- Server Components: router.refresh()

{
    let refreshes = 0;
    const router = {
        refresh: () => (refreshes += 1),
        back: () => {},
        forward: () => {},
        push: () => {},
        replace: () => {},
        prefetch: () => {},
        hmrRefresh: () => {},
    };
    const page = createElement(
        AppRouterContext.Provider,
        { value: router as never },
        createElement(RealtimeRefresh, { events: ["todo-created", "todo-deleted"] }),
    );
    const root = await mounted(page, () => true, "RealtimeRefresh to connect");
    assert.equal(refreshes, 0, "no refresh on the first open: the page was just rendered");
    assert.equal(root.toJSON(), null, "renders nothing");
    send("note:created");
    await act(async () => sleep(150));
    assert.equal(refreshes, 0);
    send("todo:deleted");
    await until(() => refreshes === 1, "router.refresh() on todo:deleted");
    await act(async () => root.unmount());
    const open = sockets.size;
    await until(() => sockets.size === 0 || open === 0, "the socket to close on unmount");
    send("todo:created");
    await act(async () => sleep(150));
    assert.equal(refreshes, 1, "nothing after unmount");
    passed("Server Components: RealtimeRefresh calls the Next.js router's refresh() on its events, renders nothing, stops on unmount");
}

api.close();
wss.close();
console.log(`all ${checks.length} checks passed`);
process.exit(0);
