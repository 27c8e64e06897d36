"""Small monorepos built from a dict of path -> text, and a way to fingerprint a whole tree."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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

AFC_PROJECT = {
    "package.json": AFC_PACKAGE,
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
}


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
