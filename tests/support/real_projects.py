"""The shapes of projects people actually have (docs/TARGETS.md), as dicts of path -> text: a single app at
the root (npm, and pnpm without src/), several Next.js apps, a strict createEnv schema, compose files with a
network and container env files, a pnpm workspace that does not cover the service, the upstream page's
socket in a shared effect."""

from __future__ import annotations

from tests.support.projects import AFC_PROJECT, HANDWIRED_PROJECT, PAGE, ROUTE, TODOS_SCHEMA

NEXT_TSCONFIG = """{
  "compilerOptions": {
    "target": "ES2017",
    "lib": ["dom", "dom.iterable", "esnext"],
    "strict": true,
    "noEmit": true,
    "module": "esnext",
    "moduleResolution": "bundler",
    "jsx": "preserve",
    "incremental": true,
    "plugins": [{ "name": "next" }],
    "paths": {
      "@/*": ["./src/*"]
    }
  },
  "include": ["next-env.d.ts", "**/*.ts", "**/*.tsx", ".next/types/**/*.ts"],
  "exclude": ["node_modules"]
}
"""

SINGLE_ROUTE = ROUTE.replace('"@app/db"', '"@typed/db"').replace("    ", "  ")
SINGLE_PAGE = PAGE.replace("    ", "  ")

# create-next-app's layout: one app at the root, no workspaces, npm.
SINGLE_NPM = {
    "package.json": (
        '{\n  "name": "todo",\n  "version": "0.1.0",\n  "private": true,\n  "scripts": {\n'
        '    "dev": "next dev --turbopack",\n    "build": "next build"\n  },\n  "dependencies": {\n'
        '    "drizzle-orm": "^0.44.0",\n    "next": "15.5.0",\n    "react": "19.1.0",\n    "zod": "^3.24.0"\n'
        "  }\n}\n"
    ),
    "package-lock.json": '{\n  "name": "todo",\n  "lockfileVersion": 3\n}\n',
    "tsconfig.json": NEXT_TSCONFIG,
    ".env.example": "DATABASE_URL=postgres://localhost/todo\n",
    ".gitignore": "node_modules\n.next\n.env*.local\n",
    "db/schema.ts": TODOS_SCHEMA,
    "src/app/page.tsx": SINGLE_PAGE,
    "src/app/api/todos/route.ts": SINGLE_ROUTE,
}

# The same app with pnpm, no src/ folder (app/ at the root), no import alias, `next dev -p 3005`.
SINGLE_PNPM = {
    "package.json": (
        '{\n  "name": "todo",\n  "private": true,\n  "packageManager": "pnpm@9.12.0",\n  "scripts": {\n'
        '    "dev": "next dev -p 3005"\n  },\n  "dependencies": {\n    "next": "^15.1.0",\n    "react": "^19.0.0"\n'
        "  }\n}\n"
    ),
    "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    "tsconfig.json": NEXT_TSCONFIG.replace(',\n    "paths": {\n      "@/*": ["./src/*"]\n    }', ""),
    ".env.local": "DATABASE_URL=postgres://localhost/todo\n",
    ".gitignore": "node_modules\n.next\n.env*\n",
    "db/schema.ts": TODOS_SCHEMA,
    "app/page.tsx": SINGLE_PAGE,
    "app/api/todos/route.ts": SINGLE_ROUTE,
}

MARKETING_PAGE = """export default function Home() {
  return <main>Our product, in one sentence.</main>;
}
"""

# Two Next.js apps: the marketing site in apps/web writes nothing; the product in apps/app writes, on port 3001.
SEVERAL_APPS = {
    **{k: v for k, v in AFC_PROJECT.items() if not k.startswith("apps/web/")},
    "apps/web/package.json": (
        '{\n    "name": "web",\n    "private": true,\n    "scripts": {\n        "dev": "next dev"\n    },\n'
        '    "dependencies": {\n        "next": "15.5.0",\n        "react": "19.1.0"\n    }\n}\n'
    ),
    "apps/web/src/app/page.tsx": MARKETING_PAGE,
    "apps/app/package.json": (
        '{\n    "name": "app",\n    "private": true,\n    "scripts": {\n        "dev": "next dev -p 3001"\n    },\n'
        '    "dependencies": {\n        "next": "15.5.0",\n        "react": "19.1.0",\n        "zod": "^3.24.0"\n'
        "    }\n}\n"
    ),
    "apps/app/tsconfig.json": AFC_PROJECT["apps/web/tsconfig.json"],
    "apps/app/src/app/page.tsx": AFC_PROJECT["apps/web/src/app/page.tsx"],
    "apps/app/src/app/api/todos/route.ts": AFC_PROJECT["apps/web/src/app/api/todos/route.ts"],
    "apps/app/src/env.ts": AFC_PROJECT["apps/web/src/env.ts"],
}

# A t3-style schema: createEnv extending a preset, no zod import of its own, bracket access to the
# environment, as the strict tsconfig's `noPropertyAccessFromIndexSignature` requires.
STRICT_ENV = """import { createEnv } from "@t3-oss/env-nextjs";

import { shared } from "./env-shared";

export const env = createEnv({
    extends: [shared],
    server: {
        DATABASE_URL: shared.DATABASE_URL_SCHEMA,
    },
    client: {},
    runtimeEnv: {
        DATABASE_URL: process.env["DATABASE_URL"],
    },
});
"""

STRICT_SHARED = """export const shared = { DATABASE_URL_SCHEMA: "url" } as const;
"""

STRICT_TSCONFIG = """{
    "compilerOptions": {
        "strict": true,
        "noPropertyAccessFromIndexSignature": true,
        "exactOptionalPropertyTypes": true,
        "noUncheckedIndexedAccess": true,
        "noImplicitOverride": true,
        "paths": {
            "@/*": ["./src/*"]
        }
    }
}
"""

STRICT_PROJECT = {
    **AFC_PROJECT,
    "apps/web/tsconfig.json": STRICT_TSCONFIG,
    "apps/web/src/env.ts": STRICT_ENV,
    "apps/web/src/env-shared.ts": STRICT_SHARED,
}

# Every service on a custom network, containers reading .env.docker; a dev file and a production one.
NETWORK_COMPOSE = """services:
  postgres:
    image: postgres:16
    env_file: .env.docker
    networks: [app]
  web:
    build: ./apps/web
    env_file:
      - .env.docker
    ports:
      - "3000:3000"
    networks:
      - app

networks:
  app:
    driver: bridge
"""

PROD_COMPOSE = """services:
  web:
    image: ghcr.io/acme/web:latest
    env_file: .env.docker
    networks:
      - app
networks:
  app: {}
"""

DOCKER_ENV = "DATABASE_URL=postgres://postgres:postgres@postgres:5432/app\n"

COMPOSE_PROJECT = {
    **{k: v for k, v in AFC_PROJECT.items() if k != "compose.dev.yml"},
    "compose.yml": NETWORK_COMPOSE,
    "compose.prod.yml": PROD_COMPOSE,
    ".env.docker": DOCKER_ENV,
    ".env.docker.example": DOCKER_ENV,
}

# pnpm workspace whose patterns name the web app and packages, not the service folder.
PNPM_WORKSPACE = 'packages:\n  - "apps/web"\n  - "packages/*"\n'

PNPM_UNCOVERED = {
    **{k: v for k, v in AFC_PROJECT.items() if k != "bun.lock"},
    "package.json": '{\n    "name": "mini",\n    "private": true,\n    "packageManager": "pnpm@9.12.0"\n}\n',
    "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    "pnpm-workspace.yaml": PNPM_WORKSPACE,
}

# The upstream AFC Stack page: the socket in the same effect as the data fetch.
PLAIN_SHARED_PAGE = PAGE.replace(
    '        fetch("/api/todos").then((r) => r.json()).then(setTodos);\n',
    '        fetch("/api/todos").then((r) => r.json()).then(setTodos);\n        console.log("todos page");\n',
)

SHARED_EFFECT_PAGE = PLAIN_SHARED_PAGE.replace(
    '        console.log("todos page");\n',
    """        console.log("todos page");

        // Connect to WebSocket
        const socket = new WebSocket(process.env.NEXT_PUBLIC_WS_URL + "/ws");
        socket.onmessage = (event) => {
            const msg = JSON.parse(event.data);
            if (msg.type === "todo:created") {
                setTodos((prev) => [msg.payload, ...prev]);
            }
        };
        return () => socket.close();
""",
)

# The same effect, but the socket is also handed to other code: listed, not touched.
SOCKET_USED_ELSEWHERE_PAGE = SHARED_EFFECT_PAGE.replace(
    "        return () => socket.close();\n",
    "        (window as unknown as { socket?: WebSocket }).socket = socket;\n        return () => socket.close();\n",
)

SHARED_EFFECT_HANDWIRED = {**HANDWIRED_PROJECT, "apps/web/src/app/page.tsx": SHARED_EFFECT_PAGE}
SHARED_EFFECT_PLAIN = {**AFC_PROJECT, "apps/web/src/app/page.tsx": PLAIN_SHARED_PAGE}

# create-t3-app's shape (tRPC + Drizzle + Auth.js on the App Router, one app at the root, npm): a protected
# mutation that inserts without `.returning()`, owned through `createdById`, and a client component of `_components/`
# the page renders, reading through `useSuspenseQuery()`; Auth.js's `auth` exported through React's `cache`.
T3_SHAPED = {
    "package.json": (
        '{\n  "name": "t3",\n  "private": true,\n  "type": "module",\n  "scripts": {\n'
        '    "build": "next build",\n    "db:push": "drizzle-kit push",\n    "dev": "next dev --turbo"\n  },\n'
        '  "dependencies": {\n    "@trpc/react-query": "^11.0.0",\n    "@trpc/server": "^11.0.0",\n'
        '    "drizzle-orm": "^0.41.0",\n    "next": "^15.2.3",\n    "next-auth": "5.0.0-beta.25",\n'
        '    "react": "^19.0.0",\n    "zod": "^3.24.2"\n  }\n}\n'
    ),
    "package-lock.json": '{\n  "name": "t3",\n  "lockfileVersion": 3\n}\n',
    "tsconfig.json": NEXT_TSCONFIG.replace('"@/*": ["./src/*"]', '"~/*": ["./src/*"]'),
    ".gitignore": "/node_modules\n/.next/\n.env\n",
    ".env": 'AUTH_SECRET="s"\nDATABASE_URL="postgresql://postgres:password@localhost:5432/t3"\n',
    ".env.example": 'AUTH_SECRET=""\nDATABASE_URL="postgresql://postgres:password@localhost:5432/t3"\n',
    "src/server/db/index.ts": 'import { drizzle } from "drizzle-orm/postgres-js";\nexport const db = drizzle("");\n',
    "src/server/db/schema.ts": (
        'import { pgTableCreator } from "drizzle-orm/pg-core";\n\n'
        "export const createTable = pgTableCreator((name) => `t3_${name}`);\n\n"
        'export const users = createTable("user", (d) => ({\n'
        "  id: d.varchar({ length: 255 }).notNull().primaryKey(),\n  name: d.varchar({ length: 255 }),\n}));\n\n"
        'export const notes = createTable("note", (d) => ({\n'
        "  id: d.integer().primaryKey().generatedByDefaultAsIdentity(),\n  body: d.varchar({ length: 256 }),\n"
        "  createdById: d.varchar({ length: 255 }).notNull().references(() => users.id),\n}));\n"
    ),
    "src/server/auth/index.ts": (
        'import NextAuth from "next-auth";\nimport { cache } from "react";\n\n'
        "const { auth: uncached, handlers } = NextAuth({ providers: [] });\n\n"
        "const auth = cache(uncached);\n\nexport { auth, handlers };\n"
    ),
    "src/server/api/trpc.ts": (
        'import { initTRPC, TRPCError } from "@trpc/server";\n\nimport { auth } from "~/server/auth";\n'
        'import { db } from "~/server/db";\n\n'
        "export const createTRPCContext = async () => ({ db, session: await auth() });\n"
        "const t = initTRPC.context<typeof createTRPCContext>().create();\n\n"
        "export const createTRPCRouter = t.router;\n"
        "export const protectedProcedure = t.procedure.use(({ ctx, next }) => {\n"
        '  if (!ctx.session?.user) throw new TRPCError({ code: "UNAUTHORIZED" });\n'
        "  return next({ ctx: { session: { ...ctx.session, user: ctx.session.user } } });\n});\n"
    ),
    "src/server/api/routers/note.ts": (
        'import { z } from "zod";\n\nimport { createTRPCRouter, protectedProcedure } from "~/server/api/trpc";\n'
        'import { notes } from "~/server/db/schema";\n\n'
        "export const noteRouter = createTRPCRouter({\n"
        "  add: protectedProcedure\n    .input(z.object({ body: z.string().min(1) }))\n"
        "    .mutation(async ({ ctx, input }) => {\n"
        "      await ctx.db.insert(notes).values({ body: input.body, createdById: ctx.session.user.id });\n"
        "    }),\n\n"
        "  newest: protectedProcedure.query(({ ctx }) => ctx.db.query.notes.findFirst()),\n});\n"
    ),
    "src/server/api/root.ts": (
        'import { noteRouter } from "~/server/api/routers/note";\n'
        'import { createTRPCRouter } from "~/server/api/trpc";\n\n'
        "export const appRouter = createTRPCRouter({ note: noteRouter });\nexport type AppRouter = typeof appRouter;\n"
    ),
    "src/trpc/react.tsx": (
        '"use client";\n\nimport { createTRPCReact } from "@trpc/react-query";\n\n'
        'import type { AppRouter } from "~/server/api/root";\n\nexport const api = createTRPCReact<AppRouter>();\n'
    ),
    "src/app/_components/newest.tsx": (
        '"use client";\n\nimport { api } from "~/trpc/react";\n\nexport function Newest() {\n'
        "  const [note] = api.note.newest.useSuspenseQuery();\n"
        '  return <p>{note ? note.body : "No notes yet & none shared."}</p>;\n}\n'
    ),
    "src/app/page.tsx": (
        'import { Newest } from "~/app/_components/newest";\nimport { auth } from "~/server/auth";\n\n'
        "export default async function Home() {\n  const session = await auth();\n"
        "  return <main>{session?.user && <Newest />}</main>;\n}\n"
    ),
}
