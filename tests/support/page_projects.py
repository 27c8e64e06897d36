"""A fixture project whose pages read through every data layer afc follows: a `useState` list, SWR, TanStack
Query, tRPC's React Query hooks and a Server Component (with Server Actions in its folder); plus a page afc
cannot tell about (an SWR key built at run time). The database module is the typed Drizzle stub."""

from __future__ import annotations

from tests.support.write_projects import DRIZZLE_SCHEMA, _monorepo

TSCONFIG = """{
    "compilerOptions": {
        "strict": true,
        "noUncheckedIndexedAccess": true,
        "exactOptionalPropertyTypes": true,
        "paths": {
            "@/*": ["./src/*"]
        }
    }
}
"""

TODOS_ROUTE = """import { NextResponse } from "next/server";
import { db, todos } from "@typed/db";

export async function GET() {
    return NextResponse.json(await db.select().from(todos));
}

export async function POST(req: Request) {
    const body = (await req.json()) as { title: string };
    const [todo] = await db.insert(todos).values({ title: body.title }).returning();
    return NextResponse.json(todo, { status: 201 });
}
"""

OWNED_ROUTE = """import { NextResponse } from "next/server";
import { db, TABLE } from "@typed/db";

export async function POST(req: Request) {
    const body = (await req.json()) as { userId: string; body: string };
    const [ROW] = await db.insert(TABLE).values(body).returning();
    return NextResponse.json(ROW, { status: 201 });
}
"""

LIST_PAGE = """"use client";

import { useEffect, useState } from "react";

type Todo = { id: number; title: string; done: boolean };

export default function TodosPage() {
    const [todos, setTodos] = useState<Todo[]>([]);
    useEffect(() => {
        fetch("/api/todos")
            .then((res) => res.json())
            .then((data: Todo[]) => setTodos(data));
    }, []);
    return <ul>{todos.map((todo) => <li key={todo.id}>{todo.title}</li>)}</ul>;
}
"""

SWR_PAGE = """"use client";

import useSWR from "swr";

type Note = { id: number; body: string };

const fetcher = (url: string) => fetch(url).then((res) => res.json() as Promise<Note[]>);

export default function NotesPage() {
    const { data } = useSWR("/api/notes", fetcher);
    return <ul>{(data ?? []).map((note) => <li key={note.id}>{note.body}</li>)}</ul>;
}
"""

QUERY_PAGE = """"use client";

import { useQuery } from "@tanstack/react-query";

type Message = { id: number; body: string };

export default function MessagesPage({ page = 1 }: { page?: number }) {
    const { data } = useQuery({
        queryKey: ["messages", page],
        queryFn: () => fetch("/api/messages?all=1").then((res) => res.json() as Promise<Message[]>),
    });
    return <ul>{(data ?? []).map((message) => <li key={message.id}>{message.body}</li>)}</ul>;
}
"""

TRPC_SERVER = """import { initTRPC } from "@trpc/server";

const t = initTRPC.create();

export const router = t.router;
export const publicProcedure = t.procedure;
"""

TRPC_ROUTER = """import { z } from "zod";
import { conversations, db, messages } from "@typed/db";

import { publicProcedure, router } from "../trpc";

export const conversationRouter = router({
    all: publicProcedure.query(() => db.select().from(conversations)),
    create: publicProcedure
        .input(z.object({ userId: z.string(), title: z.string() }))
        .mutation(async ({ input }) => {
            const [conversation] = await db.insert(conversations).values(input).returning();
            return conversation;
        }),
    reply: publicProcedure
        .input(z.object({ userId: z.string(), body: z.string() }))
        .mutation(async ({ input }) => {
            const [message] = await db.insert(messages).values(input).returning();
            return message;
        }),
});
"""

TRPC_ROOT = """import { conversationRouter } from "./routers/conversation";
import { router } from "./trpc";

export const appRouter = router({ conversation: conversationRouter });

export type AppRouter = typeof appRouter;
"""

TRPC_REACT = """import { createTRPCReact } from "@trpc/react-query";

import type { AppRouter } from "@/server/root";

export const api = createTRPCReact<AppRouter>();
"""

TRPC_PAGE = """"use client";

import { api } from "@/trpc/react";

export default function ConversationsPage() {
    const { data } = api.conversation.all.useQuery();
    return <ul>{(data ?? []).map((c) => <li key={c.id}>{c.title}</li>)}</ul>;
}
"""

BOARD_PAGE = """import { db, todos } from "@typed/db";

import { addTodo } from "./actions";

export default async function BoardPage() {
    const rows = await db.select().from(todos);
    return (
        <main>
            <h1>Board</h1>
            <form action={addTodo}>
                <input name="title" />
            </form>
            <ul>
                {rows.map((row) => (
                    <li key={row.id}>{row.title}</li>
                ))}
            </ul>
        </main>
    );
}
"""

BOARD_ACTIONS = """"use server";

import { db, todos } from "@typed/db";

export async function addTodo(formData: FormData) {
    const [todo] = await db.insert(todos).values({ title: String(formData.get("title")) }).returning();
    if (!todo) {
        throw new Error("not saved");
    }
}
"""

DYNAMIC_SWR_PAGE = """"use client";

import useSWR from "swr";

export default function TeamPage({ id }: { id: string }) {
    const load = (url: string) => fetch(url).then((res) => res.json() as Promise<string[]>);
    const { data } = useSWR(`/api/teams/${id}`, load);
    return <p>{(data ?? []).join(", ")}</p>;
}
"""


# create-t3-app's shape: the page is a Server Component that reads nothing itself; the data is read in the
# client components it imports (`_components/`), and in a hook one of them imports (no "use client" of its
# own: client code because a client component imports it), through tRPC's two React integrations and
# TanStack Query with a key factory.
INBOX_PAGE = """import { LatestConversation } from "./_components/latest";

export default function InboxPage() {
    return (
        <main>
            <LatestConversation />
        </main>
    );
}
"""

INBOX_LATEST = """"use client";

import { api } from "@/trpc/react";

import { TodoCount } from "./todo-count";
import { useConversations } from "@/hooks/use-conversations";

export function LatestConversation() {
    const [latest] = api.conversation.all.useSuspenseQuery();
    const all = useConversations();
    return (
        <section>
            <p>{latest[0]?.title ?? "none yet"} of {all.length}</p>
            <TodoCount />
        </section>
    );
}
"""

INBOX_TODO_COUNT = """"use client";

import { useQuery } from "@tanstack/react-query";

type Todo = { id: number; title: string };

const todoKeys = { all: ["todos"] as const };

export function TodoCount() {
    const { data } = useQuery({
        queryKey: todoKeys.all,
        queryFn: () => fetch("/api/todos").then((res) => res.json() as Promise<Todo[]>),
    });
    return <p>{(data ?? []).length} todos</p>;
}
"""

CONVERSATIONS_HOOK = """import { useQuery } from "@tanstack/react-query";

import { useTRPC } from "@/trpc/query";

export function useConversations() {
    const trpc = useTRPC();
    const { data } = useQuery(trpc.conversation.all.queryOptions());
    return data ?? [];
}
"""

TRPC_QUERY = """import { createTRPCContext } from "@trpc/tanstack-react-query";

import type { AppRouter } from "@/server/root";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();
"""


# A Server Component page that reads nothing itself: it calls a query function of the project and renders
# a server component that reads; each is followed (one step here; up to three) to its table.
DIGEST_PAGE = """import { countMessages } from "@/server/queries";

import { TodoList } from "./todo-list";

export default async function DigestPage() {
    const count = await countMessages();
    return (
        <main>
            <p>{count} messages</p>
            <TodoList />
        </main>
    );
}
"""

DIGEST_TODO_LIST = """import { db, todos } from "@typed/db";

export async function TodoList() {
    const rows = await db.select().from(todos);
    return <ul>{rows.map((row) => <li key={row.id}>{row.title}</li>)}</ul>;
}
"""

QUERIES = """import { db, messages } from "@typed/db";

export async function countMessages() {
    const rows = await db.select().from(messages);
    return rows.length;
}
"""


def _owned(table: str, row: str) -> str:
    return OWNED_ROUTE.replace("TABLE", table).replace("ROW", row)


PAGES_PROJECT = _monorepo(
    {
        "src/app/api/todos/route.ts": TODOS_ROUTE,
        "src/app/api/notes/route.ts": _owned("notes", "note"),
        "src/app/api/messages/route.ts": _owned("messages", "message"),
        "src/app/page.tsx": LIST_PAGE,
        "src/app/notes/page.tsx": SWR_PAGE,
        "src/app/messages/page.tsx": QUERY_PAGE,
        "src/app/conversations/page.tsx": TRPC_PAGE,
        "src/app/board/page.tsx": BOARD_PAGE,
        "src/app/board/actions.ts": BOARD_ACTIONS,
        "src/app/team/page.tsx": DYNAMIC_SWR_PAGE,
        "src/server/trpc.ts": TRPC_SERVER,
        "src/server/root.ts": TRPC_ROOT,
        "src/server/routers/conversation.ts": TRPC_ROUTER,
        "src/trpc/react.ts": TRPC_REACT,
        "src/trpc/query.ts": TRPC_QUERY,
        "src/app/inbox/page.tsx": INBOX_PAGE,
        "src/app/inbox/_components/latest.tsx": INBOX_LATEST,
        "src/app/inbox/_components/todo-count.tsx": INBOX_TODO_COUNT,
        "src/hooks/use-conversations.ts": CONVERSATIONS_HOOK,
        "src/app/digest/page.tsx": DIGEST_PAGE,
        "src/app/digest/todo-list.tsx": DIGEST_TODO_LIST,
        "src/server/queries.ts": QUERIES,
    },
    TSCONFIG,
    {"packages/db/package.json": '{\n    "name": "@typed/db"\n}\n', "packages/db/src/schema.ts": DRIZZLE_SCHEMA},
)
