"""A store with Auth.js and Drizzle, for who receives what (`audience.py`, `reads.py`, `access.py`): orders that
belong to users and point at addresses with no owner, a contact form, posts served to anyone, drafts served
only behind `auth()`, and team projects with (or without) a `members` table. Typed against `@store/db`
(tests/support/typecheck.py)."""

from __future__ import annotations

from tests.support.projects import AFC_PROJECT, AUTH_MODULE, WEB_PACKAGE
from tests.support.write_projects import STRICTEST_TSCONFIG

SCHEMA = """import { integer, pgTable, serial, text, uuid } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name"),
});

export const addresses = pgTable("addresses", {
    id: serial("id").primaryKey(),
    street: text("street").notNull(),
    city: text("city").notNull(),
});

export const orders = pgTable("orders", {
    id: serial("id").primaryKey(),
    userId: uuid("user_id").notNull().references(() => users.id),
    addressId: integer("address_id").notNull().references(() => addresses.id),
});

export const contactMessages = pgTable("contact_messages", {
    id: serial("id").primaryKey(),
    email: text("email").notNull(),
    message: text("message").notNull(),
});

export const posts = pgTable("posts", {
    id: serial("id").primaryKey(),
    title: text("title").notNull(),
});

export const drafts = pgTable("drafts", {
    id: serial("id").primaryKey(),
    title: text("title").notNull(),
});

export const teams = pgTable("teams", {
    id: serial("id").primaryKey(),
    title: text("title").notNull(),
});

export const projects = pgTable("projects", {
    id: serial("id").primaryKey(),
    teamId: integer("team_id").notNull().references(() => teams.id),
    title: text("title").notNull(),
});
"""

MEMBERS = """
export const members = pgTable("members", {
    id: serial("id").primaryKey(),
    userId: uuid("user_id").notNull().references(() => users.id),
    teamId: integer("team_id").notNull().references(() => teams.id),
});
"""

CLIENT = """import { drizzle } from "drizzle-orm/node-postgres";

export const db = drizzle(process.env.DATABASE_URL!);
"""


def _insert(table: str, values: str, var: str) -> str:
    return f"""export async function POST(req: Request) {{
    const body = await req.json();
    const [{var}] = await db.insert({table}).values({values}).returning();
    return NextResponse.json({var}, {{ status: 201 }});
}}
"""


def _route(table: str, values: str, var: str, get: str = "") -> str:
    head = f'import {{ NextResponse }} from "next/server";\nimport {{ db, {table} }} from "@store/db";\n'
    if "auth()" in get:
        head += '\nimport { auth } from "@/auth";\n'
    return head + "\n" + (get + "\n" if get else "") + _insert(table, values, var)


PUBLIC_GET = """export async function GET() {
    return NextResponse.json(await db.select().from(posts));
}
"""
SIGNED_IN_GET = """export async function GET() {
    const session = await auth();
    if (!session?.user?.id) {
        return NextResponse.json({ error: "sign in" }, { status: 401 });
    }
    return NextResponse.json(await db.select().from(drafts));
}
"""

STORE_PROJECT = {
    **{k: v for k, v in AFC_PROJECT.items() if not k.endswith("api/todos/route.ts")},
    "apps/web/package.json": WEB_PACKAGE.replace(
        '"next": "15.5.0",', '"next": "15.5.0",\n        "next-auth": "5.0.0-beta.29",'
    ),
    "apps/web/tsconfig.json": STRICTEST_TSCONFIG,
    "apps/web/src/auth.ts": AUTH_MODULE,
    "apps/web/src/app/api/orders/route.ts": _route(
        "orders", "{ userId: body.userId, addressId: body.addressId }", "order"
    ),
    "apps/web/src/app/api/addresses/route.ts": _route(
        "addresses", "{ street: body.street, city: body.city }", "address"
    ),
    "apps/web/src/app/api/contact/route.ts": _route(
        "contactMessages", "{ email: body.email, message: body.message }", "sent"
    ),
    "apps/web/src/app/api/posts/route.ts": _route("posts", "{ title: body.title }", "post", PUBLIC_GET),
    "apps/web/src/app/api/drafts/route.ts": _route("drafts", "{ title: body.title }", "draft", SIGNED_IN_GET),
    "apps/web/src/app/api/projects/route.ts": _route(
        "projects", "{ teamId: body.teamId, title: body.title }", "project"
    ),
    "packages/db/package.json": '{\n    "name": "@store/db"\n}\n',
    "packages/db/src/index.ts": 'export * from "./schema";\nexport * from "./client";\n',
    "packages/db/src/client.ts": CLIENT,
    "packages/db/src/schema.ts": SCHEMA,
}
STORE_WITH_MEMBERS = {**STORE_PROJECT, "packages/db/src/schema.ts": SCHEMA + MEMBERS}


# The same teams with Prisma: the membership query is a `findMany` through the app's own client.
PRISMA_SCHEMA = """generator client {
  provider = "prisma-client-js"
}

model User {
  id    String @id @default(cuid())
  name  String?
}

model Team {
  id    String @id @default(cuid())
  title String
}

model Member {
  id     String @id @default(cuid())
  userId String
  user   User   @relation(fields: [userId], references: [id])
  teamId String
  team   Team   @relation(fields: [teamId], references: [id])
}

model Project {
  id     String @id @default(cuid())
  title  String
  teamId String
  team   Team   @relation(fields: [teamId], references: [id])
}
"""

PRISMA_ROUTE = """import { NextResponse } from "next/server";

import { prisma } from "@/lib/prisma";

export async function POST(req: Request) {
    const { title, teamId } = (await req.json()) as { title: string; teamId: string };
    const project = await prisma.project.create({ data: { title, teamId } });
    return NextResponse.json(project, { status: 201 });
}
"""

PRISMA_CLIENT = """import { PrismaClient } from "@prisma/client";

export const prisma = new PrismaClient();
"""

PRISMA_TEAMS = {
    **{k: v for k, v in STORE_PROJECT.items() if not k.startswith(("packages/db/src/", "apps/web/src/app/api/"))},
    "apps/web/src/lib/prisma.ts": PRISMA_CLIENT,
    "apps/web/src/app/api/projects/route.ts": PRISMA_ROUTE,
    "packages/db/prisma/schema.prisma": PRISMA_SCHEMA,
}
