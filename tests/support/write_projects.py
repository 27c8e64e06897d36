"""Fixture projects for the write sites afc recognises: wrapped and re-exported App Router handlers,
`db.transaction`, RPC-style paths, a bare update, an HMAC `.update(`, the Pages Router (all under the
strictest tsconfig); Server Actions with a wrapper and function-level "use server"; Prisma in a route and
in a tRPC router in `packages/api`. The database modules are typed stubs (tests/support/typecheck.py)."""

from __future__ import annotations

from tests.support.projects import AFC_PACKAGE, COMPOSE, ENV_EXAMPLE, TURBO

STRICTEST_TSCONFIG = """{
    "compilerOptions": {
        "strict": true,
        "noUncheckedIndexedAccess": true,
        "exactOptionalPropertyTypes": true,
        "noPropertyAccessFromIndexSignature": true,
        "noImplicitReturns": true,
        "noUnusedLocals": true,
        "paths": {
            "@/*": ["./src/*"]
        }
    }
}
"""

DRIZZLE_SCHEMA = """import { boolean, pgTable, serial, text, uuid } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
});

export const todos = pgTable("todos", {
    id: serial("id").primaryKey(),
    title: text("title").notNull(),
    done: boolean("done").notNull().default(false),
});

export const notes = pgTable("notes", {
    id: serial("id").primaryKey(),
    userId: uuid("user_id").notNull().references(() => users.id),
    body: text("body").notNull(),
});

export const conversations = pgTable("conversations", {
    id: serial("id").primaryKey(),
    userId: uuid("user_id").notNull().references(() => users.id),
    title: text("title").notNull(),
});

export const messages = pgTable("messages", {
    id: serial("id").primaryKey(),
    userId: uuid("user_id").notNull().references(() => users.id),
    body: text("body").notNull(),
});
"""

WEB_PACKAGE = """{
    "name": "web",
    "private": true,
    "dependencies": {
        "next": "15.5.0",
        "react": "19.1.0"
    }
}
"""


def _monorepo(web: dict[str, str], tsconfig: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "package.json": AFC_PACKAGE,
        "bun.lock": "{}\n",
        "turbo.json": TURBO,
        "compose.dev.yml": COMPOSE,
        ".env.example": ENV_EXAMPLE,
        "apps/web/package.json": WEB_PACKAGE,
        "apps/web/tsconfig.json": tsconfig,
        **{f"apps/web/{path}": text for path, text in web.items()},
        **(extra or {}),
    }


# -- App Router and Pages Router shapes, under the strictest compiler options -------------------------------

WITH_AUTH = """export function withAuth<A extends unknown[]>(handler: (...args: A) => Promise<Response>) {
    return async (...args: A): Promise<Response> => handler(...args);
}
"""

TODOS_ROUTE = """import { NextResponse } from "next/server";
import { db, todos } from "@typed/db";

import { withAuth } from "@/lib/with-auth";

export async function GET() {
    return NextResponse.json(await db.select().from(todos));
}

export const POST = withAuth(async (req: Request) => {
    const body = (await req.json()) as { title: string };
    const [todo] = await db.insert(todos).values({ title: body.title }).returning();
    return NextResponse.json(todo, { status: 201 });
});
"""

TODO_ROUTE = """import { db, eq, todos } from "@typed/db";

type Params = { params: Promise<{ id: string }> };

const complete = async (_req: Request, { params }: Params) => {
    const { id } = await params;
    const rows = await db.update(todos).set({ done: true }).where(eq(todos.id, Number(id))).returning();
    return Response.json(rows[0] ?? null);
};

export async function DELETE(_req: Request, { params }: Params) {
    const { id } = await params;
    await db.delete(todos).where(eq(todos.id, Number(id)));
    return new Response(null, { status: 204 });
}

export { complete as PATCH };
"""

NOTES_ROUTE = """import { NextResponse } from "next/server";
import { db, notes } from "@typed/db";

export async function POST(req: Request) {
    const body = (await req.json()) as { userId: string; body: string };
    const note = await db.transaction(async (tx) => {
        const [row] = await tx.insert(notes).values({ userId: body.userId, body: body.body }).returning();
        return row;
    });
    return NextResponse.json(note, { status: 201 });
}
"""

NEW_USER_ROUTE = """import { NextResponse } from "next/server";
import { db, users } from "@typed/db";

export async function POST(req: Request) {
    const body = (await req.json()) as { email: string; hash: string };
    const [user] = await db.insert(users).values({ email: body.email, passwordHash: body.hash }).returning();
    return NextResponse.json({ id: user?.id }, { status: 201 });
}
"""

NEW_MESSAGE_ROUTE = """import { NextResponse } from "next/server";
import { db, messages } from "@typed/db";

export async function POST(req: Request) {
    const body = (await req.json()) as { userId: string; body: string };
    const [message] = await db.insert(messages).values(body).returning();
    return NextResponse.json({ message });
}
"""

NEW_CONVERSATION_ROUTE = """import { NextResponse } from "next/server";
import { conversations, db } from "@typed/db";

export async function POST(req: Request) {
    const body = (await req.json()) as { userId: string; title: string };
    const [conversation] = await db.insert(conversations).values(body).returning();
    if (!conversation) {
        return NextResponse.json({ error: "not created" }, { status: 500 });
    }
    return NextResponse.json(conversation);
}
"""

WEBHOOK_ROUTE = """import { createHmac } from "node:crypto";

export async function POST(req: Request) {
    const body = await req.text();
    const digest = createHmac("sha256", "key").update(body).digest("hex");
    return Response.json({ ok: digest === req.headers.get("x-signature") });
}
"""

AUTH_ROUTE = """import { handlers } from "@/auth";

export const { GET, POST } = handlers;
"""

AUTH_MODULE = """import NextAuth from "next-auth";

export const { handlers, auth } = NextAuth({ providers: [] });
"""

PAGES_API = """import type { NextApiRequest, NextApiResponse } from "next";
import { db, todos } from "@typed/db";

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
    if (req.method !== "POST") {
        res.status(405).end();
        return;
    }
    const [todo] = await db.insert(todos).values({ title: String(req.body) }).returning();
    res.status(201).json(todo);
}
"""

TODOS_PAGE = """"use client";

import { useEffect, useState } from "react";

type Todo = { id: number; title: string };

export default function Page() {
    const [todos, setTodos] = useState<Todo[]>([]);
    useEffect(() => {
        fetch("/api/todos").then((r) => r.json()).then(setTodos);
    }, []);
    return <ul>{todos.map((t) => <li key={t.id}>{t.title}</li>)}</ul>;
}
"""

ROUTES_PROJECT = _monorepo(
    {
        "src/lib/with-auth.ts": WITH_AUTH,
        "src/auth.ts": AUTH_MODULE,
        "src/app/page.tsx": TODOS_PAGE,
        "src/app/api/todos/route.ts": TODOS_ROUTE,
        "src/app/api/todos/[id]/route.ts": TODO_ROUTE,
        "src/app/api/notes/route.ts": NOTES_ROUTE,
        "src/app/api/user/new/route.ts": NEW_USER_ROUTE,
        "src/app/api/chat/message/new/route.ts": NEW_MESSAGE_ROUTE,
        "src/app/api/chat/conversation/new/route.ts": NEW_CONVERSATION_ROUTE,
        "src/app/api/webhook/route.ts": WEBHOOK_ROUTE,
        "src/app/api/auth/[...nextauth]/route.ts": AUTH_ROUTE,
        "src/pages/api/legacy-todos.ts": PAGES_API,
    },
    STRICTEST_TSCONFIG,
    {"packages/db/package.json": '{\n    "name": "@typed/db"\n}\n', "packages/db/src/schema.ts": DRIZZLE_SCHEMA},
)
ROUTES_PROJECT["apps/web/package.json"] = WEB_PACKAGE.replace(
    '"next": "15.5.0",', '"next": "15.5.0",\n        "next-auth": "5.0.0-beta.29",'
)


# -- Server Actions: a wrapper, and "use server" inside a function of a Server Component ------------------

VALIDATED = """export function validatedAction<D, R>(
    schema: { parse(value: unknown): D },
    action: (data: D, formData: FormData) => Promise<R>,
) {
    return async (formData: FormData): Promise<R> => action(schema.parse(Object.fromEntries(formData)), formData);
}
"""

ACTIONS = """"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { db, eq, notes, todos } from "@typed/db";

import { validatedAction } from "@/lib/validated";

const noteSchema = z.object({ userId: z.string(), body: z.string() });

export const createNote = validatedAction(noteSchema, async (data, _formData) => {
    const [note] = await db.insert(notes).values(data).returning();
    if (!note) {
        return { error: "not saved" };
    }
    revalidatePath("/notes");
    return { id: note.id };
});

export async function renameNote(id: number, body: string) {
    const [note] = await db.update(notes).set({ body }).where(eq(notes.id, id)).returning();
    revalidatePath("/notes");
    return note?.id;
}

export async function completeTodo(id: number) {
    await db.update(todos).set({ done: true }).where(eq(todos.id, id));
    revalidatePath("/");
}
"""

SERVER_PAGE = """import { revalidatePath } from "next/cache";
import { db, todos } from "@typed/db";

export default async function Page() {
    const list = await db.select().from(todos);
    async function addTodo(formData: FormData) {
        "use server";
        const [todo] = await db.insert(todos).values({ title: String(formData.get("title")) }).returning();
        if (!todo) throw new Error("not saved");
        revalidatePath("/");
    }
    return (
        <form action={addTodo}>
            <ul>{list.map((t) => <li key={t.id}>{t.title}</li>)}</ul>
        </form>
    );
}
"""

ACTIONS_PROJECT = _monorepo(
    {
        "src/lib/validated.ts": VALIDATED,
        "src/app/notes/actions.ts": ACTIONS,
        "src/app/page.tsx": SERVER_PAGE,
    },
    STRICTEST_TSCONFIG,
    {"packages/db/package.json": '{\n    "name": "@typed/db"\n}\n', "packages/db/src/schema.ts": DRIZZLE_SCHEMA},
)


# -- Prisma, in a route and in a tRPC router in packages/api --------------------------------------------

PRISMA_SCHEMA = """generator client {
  provider = "prisma-client-js"
}

model User {
  id           String @id @default(cuid())
  email        String @unique
  passwordHash String
  posts        Post[]
}

model Post {
  id       String @id @default(cuid())
  title    String
  authorId String
  author   User   @relation(fields: [authorId], references: [id])
}

model Tag {
  id   String @id @default(cuid())
  name String @unique
}
"""

PRISMA_CLIENT = """import { PrismaClient } from "@prisma/client";

export const prisma = new PrismaClient();
"""

POSTS_ROUTE = """import { NextResponse } from "next/server";

import { prisma } from "@/lib/prisma";

export async function POST(req: Request) {
  const { title, authorId } = (await req.json()) as { title: string; authorId: string };
  const post = await prisma.post.create({ data: { title, authorId } });
  return NextResponse.json(post, { status: 201 });
}
"""

TRPC_INIT = """import { initTRPC } from "@trpc/server";
import type { PrismaClient } from "@prisma/client";

const t = initTRPC.context<{ db: PrismaClient; session: { userId: string } }>().create();

export const createTRPCRouter = t.router;
export const protectedProcedure = t.procedure;
export const publicProcedure = t.procedure;
"""

POST_ROUTER = """import { z } from "zod";

import { createTRPCRouter, protectedProcedure, publicProcedure } from "../trpc";

export const postRouter = createTRPCRouter({
  tags: publicProcedure.query(({ ctx }) => ctx.db.tag.findMany()),
  create: protectedProcedure
    .input(z.object({ title: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const post = await ctx.db.post.create({ data: { title: input.title, authorId: ctx.session.userId } });
      return post;
    }),
  tag: protectedProcedure.input(z.string()).mutation(async ({ ctx, input }) => {
    const tag = await ctx.db.tag.upsert({ where: { name: input }, create: { name: input }, update: {} });
    return tag.id;
  }),
  remove: protectedProcedure
    .input(z.string())
    .mutation(({ ctx, input }) => ctx.db.post.delete({ where: { id: input } })),
});
"""

PRISMA_TSCONFIG = """{
  "compilerOptions": {
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "paths": { "@/*": ["./src/*"] }
  }
}
"""

PRISMA_PROJECT = _monorepo(
    {"src/lib/prisma.ts": PRISMA_CLIENT, "src/app/api/posts/route.ts": POSTS_ROUTE},
    PRISMA_TSCONFIG,
    {
        "packages/db/package.json": '{\n  "name": "@app/db"\n}\n',
        "packages/db/prisma/schema.prisma": PRISMA_SCHEMA,
        "packages/api/package.json": '{\n  "name": "@app/api"\n}\n',
        "packages/api/src/trpc.ts": TRPC_INIT,
        "packages/api/src/router/post.ts": POST_ROUTER,
    },
)


# -- Writes that keep no row: the change is read from the write itself ------------------------------------

CHANGE_ACTIONS = """"use server";

import { revalidatePath } from "next/cache";
import { and, db, eq, notes, todos } from "@typed/db";

import { currentUserId } from "@/lib/session";

export async function addNote(text: string) {
    const userId = await currentUserId();
    await db.insert(notes).values({ userId, body: text.trim() });
    revalidatePath("/notes");
}

export async function editNote(id: number, text: string) {
    const userId = await currentUserId();
    await db.update(notes).set({ body: text }).where(and(eq(notes.id, id), eq(notes.userId, userId)));
}

export async function editAnyNote(id: number, text: string) {
    await db.update(notes).set({ body: text }).where(eq(notes.id, id));
}

export async function finishTodo(id: number) {
    await db.update(todos).set({ done: true }).where(eq(todos.id, id));
}

export async function dropTodo(id: number) {
    await db.delete(todos).where(eq(todos.id, id));
    revalidatePath("/");
}
"""

CHANGE_MESSAGES_ROUTE = """import { db, messages } from "@typed/db";

export async function POST(req: Request) {
    const body = (await req.json()) as { userId: string; body: string };
    await db.insert(messages).values(body);
    return new Response(null, { status: 201 });
}
"""

# Writes with no statement of their own: in callbacks, returned at once, under a condition (issue 18)
SHAPE_ACTIONS = """"use server";

import { after } from "next/server";
import { db, eq, notes, todos } from "@typed/db";

import { currentUserId } from "@/lib/session";

export async function addNotes(texts: string[]) {
    const userId = await currentUserId();
    await Promise.all(texts.map((text) => db.insert(notes).values({ userId, body: text })));
}

export async function addTodos(titles: string[]) {
    titles.forEach(async (title) => {
        await db.insert(todos).values({ title });
    });
    after(async () => {
        await db.update(todos).set({ done: false }).where(eq(todos.id, 0));
    });
}

export async function toggleTodo(id: number, done: boolean) {
    if (done) await db.update(todos).set({ done }).where(eq(todos.id, id));
    else await db.delete(todos).where(eq(todos.id, id));
}

export async function copyTodo(title: string) {
    return db.insert(todos).values({ title }).returning();
}

export const renameTodo = async (id: number, title: string) => db.update(todos).set({ title }).where(eq(todos.id, id));

export async function resetTodos(ids: number[]) {
    return db.transaction(async (tx) => {
        await Promise.all(ids.map((id) => tx.update(todos).set({ done: false }).where(eq(todos.id, id))));
        await tx.delete(todos).where(eq(todos.id, 0));
    });
}
"""

SESSION = """export async function currentUserId(): Promise<string> {
    return "u1";
}
"""

CHANGES_PROJECT = _monorepo(
    {
        "src/lib/session.ts": SESSION,
        "src/app/notes/actions.ts": CHANGE_ACTIONS,
        "src/app/todos/actions.ts": SHAPE_ACTIONS,
        "src/app/api/messages/route.ts": CHANGE_MESSAGES_ROUTE,
        "src/app/page.tsx": TODOS_PAGE,
        "src/app/api/todos/route.ts": TODOS_ROUTE.replace('import { withAuth } from "@/lib/with-auth";\n\n', "")
        .replace("withAuth(async (req: Request) => {", "async (req: Request) => {")
        .replace(
            "    return NextResponse.json(todo, { status: 201 });\n});",
            "    return NextResponse.json(todo, { status: 201 });\n};",
        ),
    },
    STRICTEST_TSCONFIG,
    {"packages/db/package.json": '{\n    "name": "@typed/db"\n}\n', "packages/db/src/schema.ts": DRIZZLE_SCHEMA},
)

PRISMA_CHANGE_ROUTER = """import { z } from "zod";

import { createTRPCRouter, protectedProcedure, publicProcedure } from "../trpc";

export const postRouter = createTRPCRouter({
  tags: publicProcedure.query(({ ctx }) => ctx.db.tag.findMany()),
  create: protectedProcedure.input(z.object({ title: z.string() })).mutation(async ({ ctx, input }) => {
    const post = await ctx.db.post.create({
      data: { title: input.title, authorId: ctx.session.userId },
      select: { id: true },
    });
    return post.id;
  }),
  draft: protectedProcedure.input(z.string()).mutation(async ({ ctx, input }) => {
    await ctx.db.post.create({ data: { title: input, authorId: ctx.session.userId } });
  }),
  retitle: protectedProcedure.input(z.object({ id: z.string(), title: z.string() }))
    .mutation(async ({ ctx, input }) => {
    await ctx.db.post.update({ where: { id: input.id, authorId: ctx.session.userId }, data: { title: input.title } });
  }),
  rename: protectedProcedure.input(z.object({ id: z.string(), title: z.string() })).mutation(async ({ ctx, input }) => {
    await ctx.db.post.update({ where: { id: input.id }, data: { title: input.title } });
  }),
  retag: protectedProcedure.input(z.string()).mutation(async ({ ctx, input }) => {
    const { count } = await ctx.db.tag.updateMany({ where: { name: input }, data: { name: input.toLowerCase() } });
    return count;
  }),
  archive: protectedProcedure.input(z.string())
    .mutation(({ ctx, input }) => ctx.db.post.delete({ where: { id: input } })),
  label: protectedProcedure.input(z.string()).mutation(({ ctx, input }) => {
    return ctx.db.tag.upsert({ where: { name: input }, create: { name: input }, update: {} });
  }),
  labels: protectedProcedure.input(z.array(z.string())).mutation(async ({ ctx, input }) => {
    await Promise.all(input.map((name) => ctx.db.tag.create({ data: { name } })));
  }),
  flag: protectedProcedure.input(z.object({ id: z.string(), on: z.boolean() })).mutation(async ({ ctx, input }) => {
    if (input.on) await ctx.db.tag.update({ where: { id: input.id }, data: { name: "on" } });
    await ctx.db.$transaction(async (tx) => {
      await Promise.all([tx.tag.delete({ where: { id: input.id } })]);
    });
  }),
});
"""

PRISMA_CHANGES_PROJECT = _monorepo(
    {"src/lib/prisma.ts": PRISMA_CLIENT, "src/app/api/posts/route.ts": POSTS_ROUTE},
    STRICTEST_TSCONFIG,
    {
        "packages/db/package.json": '{\n  "name": "@app/db"\n}\n',
        "packages/db/prisma/schema.prisma": PRISMA_SCHEMA,
        "packages/api/package.json": '{\n  "name": "@app/api"\n}\n',
        "packages/api/src/trpc.ts": TRPC_INIT,
        "packages/api/src/router/post.ts": PRISMA_CHANGE_ROUTER,
    },
)
