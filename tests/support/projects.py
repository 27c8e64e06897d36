"""Small monorepos built from a dict of path -> text, and a way to fingerprint a whole tree."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from afc_realtime.tree import Kind, Tree

AFC_PACKAGE = """{
    "name": "mini",
    "private": true,
    "workspaces": ["apps/*", "packages/*"],
    "packageManager": "bun@1.3.0",
    "scripts": {
        "dev": "turbo run dev --parallel"
    }
}
"""

WEB_PACKAGE = """{
    "name": "web",
    "private": true,
    "dependencies": {
        "next": "15.5.0",
        "react": "19.1.0",
        "zod": "^3.24.0"
    }
}
"""

TSCONFIG = """{
    "compilerOptions": {
        "strict": true,
        // the app's alias
        "paths": {
            "@/*": ["./src/*"]
        }
    }
}
"""

TURBO = """{
    "$schema": "https://turbo.build/schema.json",
    "tasks": {
        "dev": {
            "persistent": true,
            "cache": false
        }
    }
}
"""

COMPOSE = """# local services
services:
    postgres:
        image: postgres:16
        ports:
            - "5432:5432"
        environment:
            POSTGRES_PASSWORD: postgres

volumes:
    pgdata:
"""

ENV_EXAMPLE = """# Database
DATABASE_URL=postgres://postgres:postgres@localhost:5432/app
"""

ROUTE = """import { NextResponse } from "next/server";
import { db, todos } from "@app/db";

export async function GET() {
    return NextResponse.json(await db.select().from(todos));
}

export async function POST(req: Request) {
    const body = await req.json();
    const [inserted] = await db.insert(todos).values({ title: body.title }).returning();
    return NextResponse.json(inserted, { status: 201 });
}
"""

PAGE = """"use client";

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

ENV_SCHEMA = """import { z } from "zod";

export const env = z
    .object({
        DATABASE_URL: z.string().url(),
    })
    .parse(process.env);
"""

TODOS_SCHEMA = """import { boolean, pgTable, serial, text } from "drizzle-orm/pg-core";

export const todos = pgTable("todos", {
    id: serial("id").primaryKey(),
    title: text("title").notNull(),
    completed: boolean("completed").notNull().default(false),
});
"""

AFC_PROJECT = {
    "package.json": AFC_PACKAGE,
    ".gitignore": "node_modules/\n.env\n.env*.local\n",
    "bun.lock": "{}\n",
    "turbo.json": TURBO,
    "compose.dev.yml": COMPOSE,
    ".env.example": ENV_EXAMPLE,
    ".env": ENV_EXAMPLE,
    "apps/web/package.json": WEB_PACKAGE,
    "apps/web/tsconfig.json": TSCONFIG,
    "apps/web/src/app/page.tsx": PAGE,
    "apps/web/src/app/api/todos/route.ts": ROUTE,
    "apps/web/src/env.ts": ENV_SCHEMA,
    "packages/db/package.json": '{\n    "name": "@app/db"\n}\n',
    "packages/db/src/schema.ts": TODOS_SCHEMA,
}


# A real env file would get a fresh random secret on every run; give it one so plans can be compared.
AFC_PROJECT_WITH_SECRET = {**AFC_PROJECT, ".env": AFC_PROJECT[".env"] + "WS_EVENTS_SECRET=s3cret\n"}


def applied(files: dict[str, str | bytes], tree: Tree) -> dict[str, bytes]:
    """`files` as they would be once the changes staged in `tree` were written."""
    out = {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}
    for change in tree.changes():
        if change.kind is Kind.DELETE:
            del out[change.path]
        else:
            out[change.path] = change.after or b""
    return out


def make_project(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
    return root


def fingerprint(root: Path) -> dict[str, str]:
    """Every file and folder below root: path -> sha256 (or 'dir'), to prove a tree did not change."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            out[os.path.relpath(os.path.join(dirpath, name), root)] = "dir"
        for name in filenames:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, root)] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return out


# The seed guide's integration, wired by hand into AFC_PROJECT (no manifest). Removing it must give
# AFC_PROJECT back byte for byte.
HANDWIRED_ROUTE = ROUTE.replace(
    "    return NextResponse.json(inserted, { status: 201 });\n",
    """    // Broadcast to WebSocket service
    if (process.env.WS_INTERNAL_URL) {
        await fetch(process.env.WS_INTERNAL_URL + "/events/todo-created", {
            method: "POST",
            body: JSON.stringify(inserted),
        }).catch(() => {});
    }
    return NextResponse.json(inserted, { status: 201 });
""",
)

HANDWIRED_PAGE = PAGE.replace(
    "    }, []);\n",
    """    }, []);
    useEffect(() => {
        const socket = new WebSocket(process.env.NEXT_PUBLIC_WS_URL + "/ws");
        socket.onmessage = (event) => {
            const msg = JSON.parse(event.data);
            switch (msg.type) {
                case "todo:created":
                    setTodos((prev) => [msg.payload, ...prev]);
                    break;
            }
        };
        return () => socket.close();
    }, []);
""",
)

HANDWIRED_ENV = (
    ENV_EXAMPLE
    + """
# WebSocket Realtime
NEXT_PUBLIC_WS_URL=ws://localhost:4001
WS_INTERNAL_URL=http://localhost:4001
PORT=4001
"""
)

HANDWIRED_SCHEMA = ENV_SCHEMA.replace(
    "        DATABASE_URL: z.string().url(),\n",
    "        DATABASE_URL: z.string().url(),\n        NEXT_PUBLIC_WS_URL: z.string().url(),\n"
    "        WS_INTERNAL_URL: z.string().url().optional(),\n",
)

HANDWIRED_COMPOSE = COMPOSE.replace(
    "\nvolumes:",
    """    ws:
        build: ./apps/ws
        ports:
            - "4001:4001"

volumes:""",
)

SEED_SERVER = """import Fastify from "fastify";
import websocket from "@fastify/websocket";

const app = Fastify();
app.register(websocket);
const clients = new Set<any>();

app.get("/ws", { websocket: true }, (conn) => {
    clients.add(conn.socket);
    conn.socket.on("close", () => clients.delete(conn.socket));
});

app.post("/events/todo-created", async (req, reply) => {
    const message = JSON.stringify({ type: "todo:created", payload: req.body });
    for (const client of clients) client.send(message);
    return reply.status(204).send();
});

app.get("/health", async () => ({ ok: true }));
app.listen({ port: Number(process.env.PORT ?? 4001), host: "0.0.0.0" });
"""

HANDWIRED_PROJECT = {
    **AFC_PROJECT,
    "apps/web/src/app/api/todos/route.ts": HANDWIRED_ROUTE,
    "apps/web/src/app/page.tsx": HANDWIRED_PAGE,
    ".env": HANDWIRED_ENV,
    ".env.example": HANDWIRED_ENV,
    "apps/web/src/env.ts": HANDWIRED_SCHEMA,
    "compose.dev.yml": HANDWIRED_COMPOSE,
    "apps/ws/package.json": (
        '{\n    "name": "ws",\n    "dependencies": {\n        "fastify": "^4.0.0",\n'
        '        "@fastify/websocket": "^8.0.0"\n    }\n}\n'
    ),
    "apps/ws/src/server.ts": SEED_SERVER,
    "apps/ws/Dockerfile": 'FROM oven/bun:1\nCOPY . .\nCMD ["bun", "src/server.ts"]\n',
    "apps/ws/tsconfig.json": '{\n    "compilerOptions": { "strict": true }\n}\n',
}


# A pnpm monorepo: the Next.js app in apps/frontend with no src/ folder and no import alias, a createEnv
# schema, arrow-function handlers, update and delete routes, a 2-space docker-compose.yml.
PNPM_PROJECT = {
    "package.json": '{\n  "name": "shop",\n  "private": true,\n  "packageManager": "pnpm@9.12.0"\n}\n',
    "pnpm-workspace.yaml": 'packages:\n  - "apps/*"\n  - "packages/*"\n',
    "packages/db/schema.ts": (
        'import { pgTable, serial, text } from "drizzle-orm/pg-core";\n\n'
        'export const posts = pgTable("posts", (t) => ({\n  id: t.serial().primaryKey(),\n  title: t.text(),\n}));\n'
    ),
    "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    "docker-compose.yml": 'services:\n  db:\n    image: postgres:16\n    ports:\n    - "5432:5432"\n',
    "apps/frontend/package.json": '{\n  "name": "frontend",\n  "dependencies": {\n    "next": "^15.1.0"\n  }\n}\n',
    "apps/frontend/tsconfig.json": '{\n  "compilerOptions": {\n    "strict": true\n  }\n}\n',
    "apps/frontend/.env.local": "DATABASE_URL=postgres://localhost/shop\n",
    ".gitignore": "node_modules\n.env*.local\n",
    "apps/frontend/env.ts": """import { createEnv } from "@t3-oss/env-nextjs";
import { z } from "zod";

export const env = createEnv({
  server: {
    DATABASE_URL: z.string().url(),
  },
  client: {},
  runtimeEnv: {
    DATABASE_URL: process.env.DATABASE_URL,
  },
});
""",
    "apps/frontend/app/api/posts/route.ts": """import { db, posts } from "@app/db";

export const GET = async () => Response.json(await db.select().from(posts));

export const POST = async (req: Request) => {
  const { title } = await req.json();
  const [post] = await db.insert(posts).values({ title }).returning();
  return Response.json(post, { status: 201 });
};
""",
    "apps/frontend/app/api/posts/[id]/route.ts": """import { db, eq, posts } from "@app/db";

type Params = { params: Promise<{ id: string }> };

export async function PUT(req: Request, { params }: Params) {
  const { id } = await params;
  const [post] = await db.update(posts).set(await req.json()).where(eq(posts.id, Number(id))).returning();
  if (!post) {
    return Response.json({ error: "not found" }, { status: 404 });
  }
  return Response.json(post);
}

export async function DELETE(_req: Request, { params }: Params) {
  const { id } = await params;
  const [post] = await db.delete(posts).where(eq(posts.id, Number(id))).returning();
  return Response.json(post ?? null);
}
""",
    "apps/frontend/app/posts/page.tsx": """'use client'

import { useEffect, useState } from 'react'

type Post = { id: number; title: string }

export default function Posts() {
  const [posts, setPosts] = useState<Post[]>([])
  useEffect(() => {
    fetch('/api/posts').then((r) => r.json()).then(setPosts)
  }, [])
  return <ul>{posts.map((p) => <li key={p.id}>{p.title}</li>)}</ul>
}
""",
}


# An AFC-shaped monorepo with Auth.js and rows that belong to users: who may receive what.
AUTH_SCHEMA = """import { pgTable, serial, text, uuid } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull().unique(),
    passwordHash: text("password_hash").notNull(),
});

export const notes = pgTable("notes", {
    id: serial("id").primaryKey(),
    userId: uuid("user_id").notNull().references(() => users.id),
    body: text("body").notNull(),
});
"""

AUTH_MODULE = """import NextAuth from "next-auth";

export const { handlers, auth } = NextAuth({ providers: [] });
"""

NOTES_ROUTE = """import { NextResponse } from "next/server";
import { db, notes } from "@app/db";

import { auth } from "@/auth";

export async function POST(req: Request) {
    const session = await auth();
    if (!session?.user?.id) {
        return NextResponse.json({ error: "sign in" }, { status: 401 });
    }
    const body = await req.json();
    const [note] = await db.insert(notes).values({ userId: session.user.id, body: body.body }).returning();
    return NextResponse.json(note, { status: 201 });
}
"""

SIGNUP_ROUTE = """import { NextResponse } from "next/server";
import { db, users } from "@app/db";

export async function POST(req: Request) {
    const body = await req.json();
    const [user] = await db.insert(users).values({ email: body.email, passwordHash: body.hash }).returning();
    return NextResponse.json({ id: user.id }, { status: 201 });
}
"""

AUTH_PROJECT = {
    **AFC_PROJECT,
    "apps/web/package.json": WEB_PACKAGE.replace(
        '"next": "15.5.0",', '"next": "15.5.0",\n        "next-auth": "5.0.0-beta.29",'
    ),
    "apps/web/src/auth.ts": AUTH_MODULE,
    "apps/web/src/app/api/notes/route.ts": NOTES_ROUTE,
    "apps/web/src/app/api/signup/route.ts": SIGNUP_ROUTE,
    "packages/db/src/schema.ts": TODOS_SCHEMA + "\n" + AUTH_SCHEMA.split("\n", 2)[2],
}


# The same project with Clerk, and with better-auth, instead of Auth.js.
CLERK_PROJECT = {
    **{k: v for k, v in AUTH_PROJECT.items() if k != "apps/web/src/auth.ts"},
    "apps/web/package.json": WEB_PACKAGE.replace(
        '"next": "15.5.0",', '"next": "15.5.0",\n        "@clerk/nextjs": "6.0.0",'
    ),
    "apps/web/src/app/api/notes/route.ts": NOTES_ROUTE.replace(
        'import { auth } from "@/auth";', 'import { auth } from "@clerk/nextjs/server";'
    )
    .replace(
        "const session = await auth();\n    if (!session?.user?.id) {",
        "const { userId } = await auth();\n    if (!userId) {",
    )
    .replace("userId: session.user.id", "userId"),
}

BETTER_AUTH_MODULE = """import { betterAuth } from "better-auth";

export const auth = betterAuth({ emailAndPassword: { enabled: true } });
"""

BETTER_AUTH_PROJECT = {
    **{k: v for k, v in CLERK_PROJECT.items() if k != "apps/web/package.json"},
    "apps/web/package.json": WEB_PACKAGE.replace(
        '"next": "15.5.0",', '"next": "15.5.0",\n        "better-auth": "1.3.0",'
    ),
    "apps/web/src/lib/auth.ts": BETTER_AUTH_MODULE,
}
