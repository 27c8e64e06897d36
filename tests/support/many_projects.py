"""The chat app of `owner_projects.py`, writing several rows at once and naming rows by other columns (issue 18):
an owner stated in a many-row write's filter (`updateMany({ where: { userId } })`, `.where(eq(chat.userId, ..))`)
or in every row it inserts (`.values([...])`, `createMany({ data: titles.map(...) })`), a parent reference
stated in the filter (`deleteMany({ where: { chatId } })`), a filter on other columns whose rows' owners afc
reads before the write (`ownersOfInvitationsMatching(...)`; before the transaction, for its first write; in
it, through `tx`, for a later one), and, on the other side, filters afc cannot evaluate again (a call of the
app's own) and a write in a callback nested in a transaction's. With Drizzle and with Prisma, typed by
declaration files of their own that accept exactly what the generated lookups and the writes use."""

from __future__ import annotations

from tests.support.owner_projects import BASE, CLIENT, PRISMA_CLIENT, PRISMA_SCHEMA, SCHEMA
from tests.support.owner_projects import TYPES as OWNER_TYPES

# Drizzle's builder as these writes use it: arrays of rows, conditions that may be `undefined` (`and`)
DRIZZLE_TYPES = OWNER_TYPES[: OWNER_TYPES.index("interface Joined<S>")] + (
    """interface Joined<S> {
  innerJoin<R>(table: Table<R>, on: SQL): Joined<S>;
  where(condition: SQL | undefined): Promise<Selected<S>[]>;
}
interface Written<R> extends Promise<void> { returning(): Promise<R[]> }
export interface Db {
  insert<R>(table: Table<R>): { values(values: Partial<R> | Partial<R>[]): Written<R> };
  update<R>(table: Table<R>): { set(values: Partial<R>): { where(condition: SQL | undefined): Written<R> } };
  delete<R>(table: Table<R>): { where(condition: SQL | undefined): Written<R> };
  select<S extends Record<string, Column<unknown>>>(fields: S): { from<R>(table: Table<R>): Joined<S> };
  transaction<T>(run: (tx: Db) => Promise<T>): Promise<T>;
}
"""
    + OWNER_TYPES[OWNER_TYPES.index("export declare const db: Db;") :]
)
DRIZZLE_ORM = """export interface Column<T> { readonly _: { data: T } }
export interface SQL { readonly sql: true }
export declare function eq<T>(column: Column<T>, value: T | Column<T>): SQL;
export declare function and(...conditions: (SQL | undefined)[]): SQL | undefined;
"""

DRIZZLE_ROUTE = """import { and, eq } from "drizzle-orm";
import { NextResponse } from "next/server";
import { chat, db, invitations, message } from "@chat/db";

type Edited = { userId: string; title: string; old: string; body: string };

function pick(role: string): string {
    return role.trim();
}

export async function POST(req: Request) {
    const { userId, a, b } = (await req.json()) as { userId: string; a: string; b: string };
    await db.insert(chat).values([{ id: a, userId, title: "first" }, { id: b, userId, title: "second" }]);
    return NextResponse.json({ ok: true }, { status: 201 });
}

export async function PATCH(req: Request) {
    const { userId, title, old, body } = (await req.json()) as Edited;
    await db.update(chat).set({ title }).where(eq(chat.userId, userId));
    await db.update(message).set({ body }).where(eq(message.body, old));
    return NextResponse.json({ ok: true });
}

export async function DELETE(req: Request) {
    const { chatId, body, role } = (await req.json()) as { chatId: string; body: string; role: string };
    await db.delete(message).where(and(eq(message.chatId, chatId), eq(message.body, body)));
    await db.delete(invitations).where(eq(invitations.role, role));
    await db.delete(invitations).where(eq(invitations.role, pick(role)));
    await db.transaction(async (tx) => {
        await tx.delete(invitations).where(eq(invitations.role, body));
        await tx.delete(message).where(eq(message.body, role));
        await Promise.all([body, role].map(async (gone) => tx.delete(message).where(eq(message.body, gone))));
    });
    return NextResponse.json({ ok: true });
}
"""

DRIZZLE_MANY = {
    **BASE,
    "apps/web/src/app/api/bulk/route.ts": DRIZZLE_ROUTE,
    "packages/db/package.json": '{\n    "name": "@chat/db"\n}\n',
    "packages/db/src/index.ts": 'export * from "./schema";\nexport * from "./client";\n',
    "packages/db/src/client.ts": CLIENT,
    "packages/db/src/schema.ts": SCHEMA,
    "packages/db/types/index.d.ts": DRIZZLE_TYPES,
    "packages/db/types/drizzle-orm.d.ts": DRIZZLE_ORM,
}
DRIZZLE_PATHS = {
    "@chat/db": ["./packages/db/types/index.d.ts"],
    "drizzle-orm": ["./packages/db/types/drizzle-orm.d.ts"],
}

# Prisma's client as these writes and the lookups use it: filters with `in`, the `...Many` writes, and
# `findMany` giving only the fields its `select` names
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
type Where<R> = { [K in keyof R]?: R[K] | { in: R[K][] } };
interface Delegate<R> {
  createMany(args: { data: Partial<R>[] }): Promise<{ count: number }>;
  updateMany(args: { where?: Where<R>; data: Partial<R> }): Promise<{ count: number }>;
  deleteMany(args: { where?: Where<R> }): Promise<{ count: number }>;
  findMany<S extends Select<R>>(args: { where?: Where<R>; select: S }): Promise<Picked<R, S>[]>;
  findFirst<S extends Select<R>>(args: { where: Partial<R>; select: S }): Promise<Picked<R, S> | null>;
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
}
"""

PRISMA_ROUTE = """import { NextResponse } from "next/server";

import prisma from "@/lib/prisma";

type Edited = { userId: string; title: string; old: string; body: string };

function pick(role: string): string {
    return role.trim();
}

export async function POST(req: Request) {
    const { userId, titles } = (await req.json()) as { userId: string; titles: string[] };
    await prisma.chat.createMany({ data: titles.map((title) => ({ title, userId })) });
    return NextResponse.json({ ok: true }, { status: 201 });
}

export async function PATCH(req: Request) {
    const { userId, title, old, body } = (await req.json()) as Edited;
    await prisma.chat.updateMany({ where: { userId, title: old }, data: { title } });
    await prisma.message.updateMany({
        where: { body: old },
        data: { body },
    });
    return NextResponse.json({ ok: true });
}

export async function DELETE(req: Request) {
    const { chatId, role, roles } = (await req.json()) as { chatId: string; role: string; roles: string[] };
    await prisma.message.deleteMany({ where: { chatId } });
    await prisma.invitation.deleteMany({ where: { role: { in: roles } } });
    await prisma.invitation.deleteMany({ where: { role: pick(role) } });
    return NextResponse.json({ ok: true });
}
"""

PRISMA_MANY = {
    **BASE,
    "apps/web/src/app/api/bulk/route.ts": PRISMA_ROUTE,
    "apps/web/src/lib/prisma.ts": PRISMA_CLIENT,
    "packages/db/package.json": '{\n    "name": "@chat/db"\n}\n',
    "packages/db/prisma/schema.prisma": PRISMA_SCHEMA,
    "packages/db/types/prisma.d.ts": PRISMA_TYPES,
}
PRISMA_PATHS = {"@prisma/client": ["./packages/db/types/prisma.d.ts"]}
