"""Fixture projects whose writes are in helper modules, not in the entry points: a route calling
`lib/db/queries.ts` through the `@/` alias, which calls a `packages/db` helper by package name (also called
by a Server Action and a tRPC mutation in `packages/api`: three entry points, one helper, one line); a
Server Action calling `features/notes/mutations.ts` through a re-export barrel, writing in a transaction;
a tRPC `ctx.db` built from the client; a cycle; a seed script nobody calls; a page that lists
`/api/todos`. And Prisma: a client exported as `database` (cached on `globalThis`), an extended one, a
transaction `tx`, methods of a service object, beside a `Map` named `db`, a hash `.update` and a cache
`.delete` that are not the database."""

from __future__ import annotations

from tests.support.write_projects import (
    DRIZZLE_SCHEMA,
    PRISMA_SCHEMA,
    PRISMA_TSCONFIG,
    STRICTEST_TSCONFIG,
    TODOS_PAGE,
    _monorepo,
)

# -- Drizzle: an alias, a barrel, workspace packages, tRPC, a cycle, a seed ------------------------------

DB_PACKAGE = """{
    "name": "@acme/db",
    "private": true,
    "exports": {
        ".": "./src/index.ts",
        "./todos": "./src/todos.ts"
    }
}
"""

DB_CLIENT = """import { drizzle } from "drizzle-orm/node-postgres";

export const db = drizzle(process.env["DATABASE_URL"] ?? "");
"""

DB_INDEX = """export * from "./client";
"""

DB_TODOS = """import { todos } from "@typed/db";

import { db } from "./client";

export async function insertTodo(title: string) {
    const [todo] = await db.insert(todos).values({ title }).returning();
    return todo;
}
"""

DB_SEED = """import { todos } from "@typed/db";

import { db } from "./client";

export async function seed() {
    const [todo] = await db.insert(todos).values({ title: "first" }).returning();
    return todo;
}
"""

QUERIES = """import { db } from "@acme/db";
import { insertTodo } from "@acme/db/todos";
import { eq, todos } from "@typed/db";

export async function createTodo(title: string) {
    await touch(2);
    return insertTodo(title);
}

export async function completeTodo(id: number) {
    await db.update(todos).set({ done: true }).where(eq(todos.id, id));
}

export async function touch(n: number): Promise<number> {
    return n > 0 ? again(n - 1) : n;
}

async function again(n: number): Promise<number> {
    return touch(n);
}
"""

TODOS_ROUTE = """import { NextResponse } from "next/server";

import { completeTodo, createTodo } from "@/lib/db/queries";

export async function POST(req: Request) {
    const body = (await req.json()) as { title: string };
    const todo = await createTodo(body.title);
    return NextResponse.json(todo ?? null, { status: 201 });
}

export async function PATCH(req: Request) {
    const body = (await req.json()) as { id: number };
    await completeTodo(body.id);
    return new Response(null, { status: 204 });
}
"""

MUTATIONS = """import { notes } from "@typed/db";
import { db } from "@acme/db";

export async function saveNote(userId: string, body: string) {
    const note = await db.transaction(async (tx) => {
        const [row] = await tx.insert(notes).values({ userId, body }).returning();
        return row;
    });
    return note;
}
"""

BARREL = """export { saveNote as addNote } from "./mutations";
"""

ACTIONS = """"use server";

import { revalidatePath } from "next/cache";

import { createTodo } from "@/lib/db/queries";

import { addNote } from "../../features/notes";

export async function createNote(userId: string, body: string) {
    const note = await addNote(userId, body);
    revalidatePath("/notes");
    return note?.id;
}

export async function quickTodo(title: string) {
    await createTodo(title);
    revalidatePath("/");
}
"""

TRPC = """import { initTRPC } from "@trpc/server";
import { db } from "@acme/db";

export const createTRPCContext = async () => ({ db, session: { userId: "u" } });

const t = initTRPC.context<Awaited<ReturnType<typeof createTRPCContext>>>().create();

export const createTRPCRouter = t.router;
export const protectedProcedure = t.procedure;
"""

TODO_ROUTER = """import { z } from "zod";
import { insertTodo } from "@acme/db/todos";
import { eq, todos } from "@typed/db";

import { createTRPCRouter, protectedProcedure } from "../trpc";

export const todoRouter = createTRPCRouter({
    create: protectedProcedure
        .input(z.object({ title: z.string() }))
        .mutation(async ({ input }) => insertTodo(input.title)),
    rename: protectedProcedure
        .input(z.object({ id: z.number(), title: z.string() }))
        .mutation(async ({ ctx, input }) => {
            const [todo] = await ctx.db
                .update(todos)
                .set({ title: input.title })
                .where(eq(todos.id, input.id))
                .returning();
            return todo;
        }),
});
"""

CALLS_PROJECT = _monorepo(
    {
        "src/lib/db/queries.ts": QUERIES,
        "src/app/api/todos/route.ts": TODOS_ROUTE,
        "src/features/notes/mutations.ts": MUTATIONS,
        "src/features/notes/index.ts": BARREL,
        "src/app/notes/actions.ts": ACTIONS,
        "src/app/page.tsx": TODOS_PAGE,
    },
    STRICTEST_TSCONFIG,
    {
        "packages/schema/package.json": '{\n    "name": "@typed/db"\n}\n',
        "packages/schema/src/schema.ts": DRIZZLE_SCHEMA,
        "packages/db/package.json": DB_PACKAGE,
        "packages/db/src/client.ts": DB_CLIENT,
        "packages/db/src/index.ts": DB_INDEX,
        "packages/db/src/todos.ts": DB_TODOS,
        "packages/db/src/seed.ts": DB_SEED,
        "packages/api/package.json": '{\n    "name": "@acme/api",\n    "private": true\n}\n',
        "packages/api/src/trpc.ts": TRPC,
        "packages/api/src/router/todo.ts": TODO_ROUTER,
    },
)
CALLS_PATHS = {"@acme/db": ["./packages/db/src/index.ts"], "@acme/db/*": ["./packages/db/src/*"]}

# -- Prisma: `database`, an extended client, a transaction, a service object, look-alikes ----------------

DATABASE = """import { PrismaClient } from "@prisma/client";

const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

export const database = globalForPrisma.prisma ?? new PrismaClient();
export const tagged = database.$extends({});
"""

POST_SERVICE = """import { database, tagged } from "../database";

export const postService = {
  async create(title: string, authorId: string) {
    const post = await database.post.create({ data: { title, authorId } });
    return post;
  },
  async tag(name: string) {
    const tag = await tagged.tag.upsert({ where: { name }, create: { name }, update: {} });
    return tag;
  },
  async rename(id: string, title: string) {
    const post = await database.$transaction(async (tx) => {
      const row = await tx.post.update({ where: { id }, data: { title } });
      return row;
    });
    return post;
  },
};
"""

CACHE = """import { createHash } from "node:crypto";

const db = new Map<string, string>();

export function remember(key: string, data: string) {
  const hash = createHash("sha256");
  hash.update(data);
  db.set(key, hash.digest("hex"));
}

export function forget(key: string) {
  db.delete(key);
}
"""

POSTS_ROUTE = """import { NextResponse } from "next/server";

import { forget, remember } from "@/server/cache";
import { postService } from "@/server/services/posts";

export async function POST(req: Request) {
  const { title, authorId } = (await req.json()) as { title: string; authorId: string };
  remember(title, authorId);
  const post = await postService.create(title, authorId);
  return NextResponse.json(post, { status: 201 });
}

export async function PUT(req: Request) {
  const { name } = (await req.json()) as { name: string };
  const tag = await postService.tag(name);
  forget(name);
  return NextResponse.json(tag);
}

export async function PATCH(req: Request) {
  const { id, title } = (await req.json()) as { id: string; title: string };
  const post = await postService.rename(id, title);
  return NextResponse.json(post);
}
"""

PRISMA_CALLS_PROJECT = _monorepo(
    {
        "src/server/database.ts": DATABASE,
        "src/server/services/posts.ts": POST_SERVICE,
        "src/server/cache.ts": CACHE,
        "src/app/api/posts/route.ts": POSTS_ROUTE,
    },
    PRISMA_TSCONFIG,
    {
        "packages/db/package.json": '{\n  "name": "@app/db"\n}\n',
        "packages/db/prisma/schema.prisma": PRISMA_SCHEMA,
    },
)
