"""A chat app whose writes name their owner only through other rows (`audience.py`, `lookups.py`): messages
that point at a chat (`chat.userId` owns them), votes two references away from it, invitations updated and
deleted by their id alone (`invitedBy` owns them), viewer groups that belong to a team and the views that
point at a group. With Drizzle (`@chat/db`) and with Prisma, each typed by a declaration file of its own
(`TYPES`, handed to tests/support/typecheck.py): a lookup that selects a column a table lacks, compares a
key with the wrong type or reads a field it did not select fails."""

from __future__ import annotations

from tests.support.projects import AFC_PROJECT, AUTH_MODULE, WEB_PACKAGE
from tests.support.write_projects import STRICTEST_TSCONFIG

SCHEMA = """import { boolean, integer, pgTable, serial, text, uuid } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
    id: uuid("id").primaryKey(),
    name: text("name"),
});

export const chat = pgTable("chat", {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id").notNull().references(() => users.id),
    title: text("title").notNull(),
});

export const message = pgTable("message", {
    id: uuid("id").primaryKey(),
    chatId: uuid("chat_id").notNull().references(() => chat.id),
    body: text("body").notNull(),
});

export const vote = pgTable("vote", {
    id: serial("id").primaryKey(),
    messageId: uuid("message_id").notNull().references(() => message.id),
    up: boolean("up").notNull(),
});

export const invitations = pgTable("invitations", {
    id: serial("id").primaryKey(),
    invitedBy: uuid("invited_by").notNull().references(() => users.id),
    role: text("role").notNull(),
});

export const teams = pgTable("teams", {
    id: serial("id").primaryKey(),
    title: text("title").notNull(),
});

export const members = pgTable("members", {
    id: serial("id").primaryKey(),
    userId: uuid("user_id").notNull().references(() => users.id),
    teamId: integer("team_id").notNull().references(() => teams.id),
});

export const viewerGroups = pgTable("viewer_groups", {
    id: serial("id").primaryKey(),
    teamId: integer("team_id").notNull().references(() => teams.id),
    title: text("title").notNull(),
});

export const groupViews = pgTable("group_views", {
    id: serial("id").primaryKey(),
    groupId: integer("group_id").notNull().references(() => viewerGroups.id),
    seconds: integer("seconds").notNull(),
});
"""

CLIENT = """import { drizzle } from "drizzle-orm/node-postgres";

export const db = drizzle(process.env.DATABASE_URL!);
"""

# Typed as Drizzle's query builder is where it matters to the lookups: `$inferSelect`, columns typed by their
# data, `eq` comparing a column with its own type or another column of it, `innerJoin`, `select` giving only
# the fields it names.
TYPES = """import type { Column, SQL } from "drizzle-orm";
export interface User { id: string; name: string | null }
export interface Chat { id: string; userId: string; title: string }
export interface Message { id: string; chatId: string; body: string }
export interface Vote { id: number; messageId: string; up: boolean }
export interface Invitation { id: number; invitedBy: string; role: string }
export interface Team { id: number; title: string }
export interface Member { id: number; userId: string; teamId: number }
export interface ViewerGroup { id: number; teamId: number; title: string }
export interface GroupView { id: number; groupId: number; seconds: number }
export type Table<R> = { readonly $inferSelect: R } & { readonly [K in keyof R]: Column<R[K]> };
type Selected<S> = { [K in keyof S]: S[K] extends Column<infer T> ? T : never };
interface Joined<S> {
  innerJoin<R>(table: Table<R>, on: SQL): Joined<S>;
  where(condition: SQL): Promise<Selected<S>[]>;
}
interface Written<R> extends Promise<void> { returning(): Promise<R[]> }
export interface Db {
  insert<R>(table: Table<R>): { values(values: Partial<R>): Written<R> };
  update<R>(table: Table<R>): { set(values: Partial<R>): { where(condition: SQL): Written<R> } };
  delete<R>(table: Table<R>): { where(condition: SQL): Written<R> };
  select<S extends Record<string, Column<unknown>>>(fields: S): { from<R>(table: Table<R>): Joined<S> };
  // a transaction's client lacks what only the app's has (as Drizzle's `PgTransaction` lacks `batch`, `$client`)
  transaction<T>(run: (tx: Omit<Db, "transaction">) => Promise<T>): Promise<T>;
}
export declare const db: Db;
export declare const users: Table<User>;
export declare const chat: Table<Chat>;
export declare const message: Table<Message>;
export declare const vote: Table<Vote>;
export declare const invitations: Table<Invitation>;
export declare const teams: Table<Team>;
export declare const members: Table<Member>;
export declare const viewerGroups: Table<ViewerGroup>;
export declare const groupViews: Table<GroupView>;
"""
DRIZZLE_ORM = """export interface Column<T> { readonly _: { data: T } }
export interface SQL { readonly sql: true }
export declare function eq<T>(column: Column<T>, value: T | Column<T>): SQL;
"""


def _route(imports: str, body: str) -> str:
    return f'import {{ NextResponse }} from "next/server";\nimport {{ {imports} }} from "@chat/db";\n\n{body}'


MESSAGES = _route(
    "db, message",
    """export async function POST(req: Request) {
    const body = (await req.json()) as { id: string; chatId: string; body: string };
    await db.insert(message).values({ id: body.id, chatId: body.chatId, body: body.body });
    return NextResponse.json({ ok: true }, { status: 201 });
}
""",
)
VOTES = _route(
    "db, vote",
    """export async function POST(req: Request) {
    const { messageId, up } = (await req.json()) as { messageId: string; up: boolean };
    await db.insert(vote).values({ messageId, up });
    return NextResponse.json({ ok: true }, { status: 201 });
}
""",
)
INVITATIONS = _route(
    "db, invitations",
    """import { eq } from "drizzle-orm";

export async function PATCH(req: Request) {
    const { id, role } = (await req.json()) as { id: number; role: string };
    await db.update(invitations).set({ role }).where(eq(invitations.id, id));
    return NextResponse.json({ ok: true });
}

export async function DELETE(req: Request) {
    const { id } = (await req.json()) as { id: number };
    await db.delete(invitations).where(eq(invitations.id, id));
    return NextResponse.json({ ok: true });
}
""",
).replace(
    'import { db, invitations } from "@chat/db";\n\nimport', 'import { db, invitations } from "@chat/db";\nimport'
)
GROUPS = _route(
    "db, viewerGroups, groupViews",
    """export async function POST(req: Request) {
    const { teamId, title } = (await req.json()) as { teamId: number; title: string };
    await db.insert(viewerGroups).values({ teamId, title });
    return NextResponse.json({ ok: true }, { status: 201 });
}

export async function PUT(req: Request) {
    const { groupId, seconds } = (await req.json()) as { groupId: number; seconds: number };
    await db.insert(groupViews).values({ groupId, seconds });
    return NextResponse.json({ ok: true }, { status: 201 });
}
""",
)

# A chat and its first message written in one transaction: the message names its chat by the id the
# transaction just wrote, so its owner can be read only inside the transaction, through `tx`.
CHATS = _route(
    "db, chat, message",
    """export async function POST(req: Request) {
    const { title, userId, body } = (await req.json()) as { title: string; userId: string; body: string };
    await db.transaction(async (tx) => {
        const [made] = await tx.insert(chat).values({ title, userId }).returning();
        if (!made) throw new Error("no chat");
        await tx.insert(message).values({ chatId: made.id, body });
    });
    return NextResponse.json({ ok: true }, { status: 201 });
}
""",
)
PRISMA_CHATS = """import { NextResponse } from "next/server";

import prisma from "@/lib/prisma";

export async function POST(req: Request) {
    const { title, userId, body } = (await req.json()) as { title: string; userId: string; body: string };
    await prisma.$transaction(async (tx) => {
        const made = await tx.chat.create({ data: { title, userId } });
        await tx.message.create({ data: { chatId: made.id, body } });
    });
    return NextResponse.json({ ok: true }, { status: 201 });
}
"""

BASE = {
    **{k: v for k, v in AFC_PROJECT.items() if not k.endswith("api/todos/route.ts")},
    "apps/web/package.json": WEB_PACKAGE.replace(
        '"next": "15.5.0",', '"next": "15.5.0",\n        "next-auth": "5.0.0-beta.29",'
    ),
    "apps/web/tsconfig.json": STRICTEST_TSCONFIG,
    "apps/web/src/auth.ts": AUTH_MODULE,
}

DRIZZLE_CHAT = {
    **BASE,
    "apps/web/src/app/api/messages/route.ts": MESSAGES,
    "apps/web/src/app/api/votes/route.ts": VOTES,
    "apps/web/src/app/api/invitations/route.ts": INVITATIONS,
    "apps/web/src/app/api/groups/route.ts": GROUPS,
    "apps/web/src/app/api/chats/route.ts": CHATS,
    "packages/db/package.json": '{\n    "name": "@chat/db"\n}\n',
    "packages/db/src/index.ts": 'export * from "./schema";\nexport * from "./client";\n',
    "packages/db/src/client.ts": CLIENT,
    "packages/db/src/schema.ts": SCHEMA,
    "packages/db/types/index.d.ts": TYPES,
    "packages/db/types/drizzle-orm.d.ts": DRIZZLE_ORM,
}
DRIZZLE_PATHS = {
    "@chat/db": ["./packages/db/types/index.d.ts"],
    "drizzle-orm": ["./packages/db/types/drizzle-orm.d.ts"],
}


PRISMA_SCHEMA = """generator client {
  provider = "prisma-client-js"
}

model User {
  id   String  @id @default(cuid())
  name String?
}

model Chat {
  id     String @id @default(cuid())
  title  String
  userId String
  user   User   @relation(fields: [userId], references: [id])
}

model Message {
  id     String @id @default(cuid())
  body   String
  chatId String
  chat   Chat   @relation(fields: [chatId], references: [id])
}

model Vote {
  id        Int     @id @default(autoincrement())
  up        Boolean
  messageId String
  message   Message @relation(fields: [messageId], references: [id])
}

model Invitation {
  id        Int    @id @default(autoincrement())
  role      String
  invitedBy String
  inviter   User   @relation(fields: [invitedBy], references: [id])
}

model Team {
  id    Int    @id @default(autoincrement())
  title String
}

model Member {
  id     Int    @id @default(autoincrement())
  userId String
  user   User   @relation(fields: [userId], references: [id])
  teamId Int
  team   Team   @relation(fields: [teamId], references: [id])
}

model ViewerGroup {
  id     Int    @id @default(autoincrement())
  title  String
  teamId Int
  team   Team   @relation(fields: [teamId], references: [id])
}

model GroupView {
  id      Int         @id @default(autoincrement())
  seconds Int
  groupId Int
  group   ViewerGroup @relation(fields: [groupId], references: [id])
}
"""

# As most apps build it: cached on `globalThis` and exported as the module's default (the lookups import it
# as the writes do, since no module exports it by name).
PRISMA_CLIENT = """import { PrismaClient } from "@prisma/client";

const cached = globalThis as unknown as { prisma?: PrismaClient };
const prisma = cached.prisma ?? new PrismaClient();
if (process.env["NODE_ENV"] !== "production") cached.prisma = prisma;

export default prisma;
"""

# Prisma's client as the lookups use it: `findFirst` with a `where` typed by the model and a `select` giving
# only the fields it names (or null).
PRISMA_TYPES = """export interface User { id: string; name: string | null }
export interface Chat { id: string; title: string; userId: string }
export interface Message { id: string; body: string; chatId: string }
export interface Vote { id: number; up: boolean; messageId: string }
export interface Invitation { id: number; role: string; invitedBy: string }
export interface Team { id: number; title: string }
export interface Member { id: number; userId: string; teamId: number }
export interface ViewerGroup { id: number; title: string; teamId: number }
export interface GroupView { id: number; seconds: number; groupId: number }
type Select<R> = { [K in keyof R]?: true };
type Picked<R, S> = { [K in keyof S & keyof R]: R[K] };
interface Delegate<R> {
  create(args: { data: Partial<R> }): Promise<R>;
  update(args: { where: Partial<R>; data: Partial<R> }): Promise<R>;
  delete(args: { where: Partial<R> }): Promise<R>;
  findFirst<S extends Select<R>>(args: { where: Partial<R>; select: S }): Promise<Picked<R, S> | null>;
  findMany<S extends Select<R>>(args: { where: Partial<R>; select: S }): Promise<Picked<R, S>[]>;
}
export declare class PrismaClient {
  user: Delegate<User>;
  chat: Delegate<Chat>;
  message: Delegate<Message>;
  vote: Delegate<Vote>;
  invitation: Delegate<Invitation>;
  team: Delegate<Team>;
  member: Delegate<Member>;
  viewerGroup: Delegate<ViewerGroup>;
  groupView: Delegate<GroupView>;
  // as Prisma's `TransactionClient`: the client less `$transaction` and the like
  $transaction<T>(run: (tx: Omit<PrismaClient, "$transaction">) => Promise<T>): Promise<T>;
}
"""

PRISMA_ROUTES = {
    "apps/web/src/app/api/messages/route.ts": """import { NextResponse } from "next/server";

import prisma from "@/lib/prisma";

export async function POST(req: Request) {
    const { chatId, body } = (await req.json()) as { chatId: string; body: string };
    await prisma.message.create({ data: { chatId, body } });
    return NextResponse.json({ ok: true }, { status: 201 });
}
""",
    "apps/web/src/app/api/votes/route.ts": """import { NextResponse } from "next/server";

import prisma from "@/lib/prisma";

export async function POST(req: Request) {
    const { messageId, up } = (await req.json()) as { messageId: string; up: boolean };
    await prisma.vote.create({ data: { messageId, up } });
    return NextResponse.json({ ok: true }, { status: 201 });
}
""",
    "apps/web/src/app/api/invitations/route.ts": """import { NextResponse } from "next/server";

import prisma from "@/lib/prisma";

export async function PATCH(req: Request) {
    const { id, role } = (await req.json()) as { id: number; role: string };
    await prisma.invitation.update({ where: { id }, data: { role } });
    return NextResponse.json({ ok: true });
}

export async function DELETE(req: Request) {
    const { id } = (await req.json()) as { id: number };
    await prisma.invitation.delete({ where: { id } });
    return NextResponse.json({ ok: true });
}
""",
    "apps/web/src/app/api/groups/route.ts": """import { NextResponse } from "next/server";

import prisma from "@/lib/prisma";

export async function POST(req: Request) {
    const { groupId, seconds } = (await req.json()) as { groupId: number; seconds: number };
    await prisma.groupView.create({ data: { groupId, seconds } });
    return NextResponse.json({ ok: true }, { status: 201 });
}
""",
}

PRISMA_CHAT = {
    **BASE,
    **PRISMA_ROUTES,
    "apps/web/src/app/api/chats/route.ts": PRISMA_CHATS,
    "apps/web/src/lib/prisma.ts": PRISMA_CLIENT,
    "packages/db/package.json": '{\n    "name": "@chat/db"\n}\n',
    "packages/db/prisma/schema.prisma": PRISMA_SCHEMA,
    "packages/db/types/prisma.d.ts": PRISMA_TYPES,
}
PRISMA_PATHS = {"@prisma/client": ["./packages/db/types/prisma.d.ts"]}

# A store app whose users live with Clerk: no users table, `stores.userId` holds Clerk's user id (what the
# session names), and orders belong to the store they point at; orders deleted in a batch (`Promise.all`) are
# wrapped, their owners looked up before; an order updated through the app's retry helper is wrapped there,
# one kept in a promise the next statement awaits where it is kept, and one a module function every caller
# awaits returns.
CLERK_SCHEMA = """import { integer, pgTable, serial, text } from "drizzle-orm/pg-core";

export const stores = pgTable("stores", {
    id: serial("id").primaryKey(),
    userId: text("user_id").notNull(),
    name: text("name").notNull(),
});

export const orders = pgTable("orders", {
    id: serial("id").primaryKey(),
    storeId: integer("store_id").notNull().references(() => stores.id),
    amount: integer("amount").notNull(),
});
"""
_BUILDER = TYPES[TYPES.index("export type Table<R>") : TYPES.index("export declare const db: Db;")]
CLERK_TYPES = (
    """import type { Column, SQL } from "drizzle-orm";
export interface Store { id: number; userId: string; name: string }
export interface Order { id: number; storeId: number; amount: number }
"""
    + _BUILDER
    + """export declare const db: Db;
export declare const stores: Table<Store>;
export declare const orders: Table<Order>;
"""
)
# the app's own retry helper, which awaits what its callback returns
RETRY = """export async function withRetry<T>(operation: () => Promise<T>, times = 3): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await operation();
        } catch (err) {
            if (attempt >= times) throw err;
        }
    }
}
"""
CLERK_STORE = {
    **{k: v for k, v in BASE.items() if k != "apps/web/src/auth.ts"},
    "apps/web/package.json": WEB_PACKAGE.replace(
        '"next": "15.5.0",', '"next": "15.5.0",\n        "@clerk/nextjs": "6.0.0",'
    ),
    "apps/web/src/app/api/stores/route.ts": _route(
        "db, stores",
        """import { auth } from "@clerk/nextjs/server";

export async function POST(req: Request) {
    const { userId } = await auth();
    if (!userId) return NextResponse.json({ error: "signed out" }, { status: 401 });
    const { name } = (await req.json()) as { name: string };
    await db.insert(stores).values({ userId, name });
    return NextResponse.json({ ok: true }, { status: 201 });
}
""",
    ).replace('"@chat/db";\n\nimport', '"@chat/db";\nimport'),
    "apps/web/src/app/api/orders/route.ts": _route(
        "db, orders",
        """export async function POST(req: Request) {
    const { storeId, amount } = (await req.json()) as { storeId: number; amount: number };
    await db.insert(orders).values({ storeId, amount });
    return NextResponse.json({ ok: true }, { status: 201 });
}

export async function PATCH(req: Request) {
    const { id, amount } = (await req.json()) as { id: number; amount: number };
    await withRetry(() => db.update(orders).set({ amount }).where(eq(orders.id, id)));
    return NextResponse.json({ ok: true });
}

function settle(id: number) {
    return db.update(orders).set({ amount: 1 }).where(eq(orders.id, id));
}

export async function PUT(req: Request) {
    const { id, paid } = (await req.json()) as { id: number; paid: boolean };
    await settle(id);
    const cleared = paid ? db.update(orders).set({ amount: 0 }).where(eq(orders.id, id)) : Promise.resolve();
    await Promise.all([cleared, Promise.resolve()]);
    return NextResponse.json({ ok: true });
}

export async function DELETE(req: Request) {
    const { ids } = (await req.json()) as { ids: number[] };
    await Promise.all(ids.map((id) => db.delete(orders).where(eq(orders.id, id))));
    return NextResponse.json({ ok: true });
}
""",
    ).replace(
        '"@chat/db";\n', '"@chat/db";\nimport { eq } from "drizzle-orm";\nimport { withRetry } from "@/lib/retry";\n'
    ),
    "apps/web/src/lib/retry.ts": RETRY,
    "packages/db/package.json": '{\n    "name": "@chat/db"\n}\n',
    "packages/db/src/index.ts": 'export * from "./schema";\nexport * from "./client";\n',
    "packages/db/src/client.ts": CLIENT,
    "packages/db/src/schema.ts": CLERK_SCHEMA,
    "packages/db/types/index.d.ts": CLERK_TYPES,
    "packages/db/types/drizzle-orm.d.ts": DRIZZLE_ORM,
}

# The chat app with no client exported: the module that writes builds its own (`const db = drizzle(...)` in
# `lib/db/queries.ts`, as many apps do), so every lookup its writes call is given it. `PgDatabase` stands in
# for drizzle-orm's class of that name: what the app's client and a transaction's both are (they have
# `select`).
QUERIES = """import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { chat, invitations, message } from "@chat/db";

const db = drizzle(process.env["DATABASE_URL"]!);

export async function renameChat(id: string, title: string) {
    await db.update(chat).set({ title }).where(eq(chat.id, id));
}

export async function saveMessage(chatId: string, body: string) {
    await db.insert(message).values({ chatId, body });
}

export async function dropInvitation(id: number) {
    await db.delete(invitations).where(eq(invitations.id, id));
}
"""
LOCAL_ROUTE = """import { NextResponse } from "next/server";

import { dropInvitation, renameChat, saveMessage } from "@/lib/db/queries";

export async function PATCH(req: Request) {
    const { id, title } = (await req.json()) as { id: string; title: string };
    await renameChat(id, title);
    return NextResponse.json({ ok: true });
}

export async function POST(req: Request) {
    const { chatId, body } = (await req.json()) as { chatId: string; body: string };
    await saveMessage(chatId, body);
    return NextResponse.json({ ok: true }, { status: 201 });
}

export async function DELETE(req: Request) {
    const { id } = (await req.json()) as { id: number };
    await dropInvitation(id);
    return NextResponse.json({ ok: true });
}
"""
DRIZZLE_OWN_CLIENT = {
    **BASE,
    "apps/web/src/lib/db/queries.ts": QUERIES,
    "apps/web/src/app/api/messages/route.ts": LOCAL_ROUTE,
    "packages/db/package.json": '{\n    "name": "@chat/db"\n}\n',
    "packages/db/src/index.ts": 'export * from "./schema";\n',
    "packages/db/src/schema.ts": SCHEMA,
    "packages/db/types/index.d.ts": TYPES,
    "packages/db/types/drizzle-orm.d.ts": DRIZZLE_ORM,
    "packages/db/types/node-postgres.d.ts": (
        'import type { Db } from "@chat/db";\nexport declare function drizzle(url: string): Db;\n'
    ),
    "packages/db/types/pg-core.d.ts": (
        'import type { Db } from "@chat/db";\nexport interface PgDatabase<A, B, C> { select: Db["select"] }\n'
    ),
}
OWN_CLIENT_PATHS = {
    **DRIZZLE_PATHS,
    "drizzle-orm/node-postgres": ["./packages/db/types/node-postgres.d.ts"],
    "drizzle-orm/pg-core": ["./packages/db/types/pg-core.d.ts"],
}
