#!/usr/bin/env python3
"""Generate a synthetic AFC-shaped monorepo for the scale benchmark.

    python bench/make_monorepo.py N [--ignored K] [--helpers H] [--out DIR]

The base is tests/support/projects.AFC_PROJECT (root package.json with workspaces, bun.lock, turbo.json,
compose.dev.yml, .env/.env.example, apps/web with src/app, tsconfig "@/*" alias, env.ts, packages/db).
On top of it:

  * N mutating route files, apps/web/src/app/api/<name>s/route.ts, each with an exported POST that does
        const [inserted] = await db.insert(<name>s).values({}).returning();
        return NextResponse.json(inserted);
    so `afc add websocket` wires every one of them;
  * with H helper modules (default 0), the first H routes write through one each instead:
    apps/web/src/lib/db/<name>s.ts exports `create<Name>()` doing the insert above and returning the row,
    and the route's POST does `const row = await create<Name>(); return NextResponse.json(row);` (imported
    through the `@/` alias), so afc follows the call and wires the helper;
  * K ignored files (default 0) spread over node_modules (root and apps/web), apps/web/.next and .turbo,
    in nested folders of 100 files each, the way a real install lays them out. One of them is
    apps/web/node_modules/next/package.json (afc reads that file to learn the installed Next.js version).

Prints the output folder. Deterministic: the same N and K give the same bytes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.projects import AFC_PROJECT  # noqa: E402

ROUTE = """import {{ NextResponse }} from "next/server";
import {{ db, {table} }} from "@app/db";

export async function POST() {{
    const [inserted] = await db.insert({table}).values({{}}).returning();
    return NextResponse.json(inserted);
}}
"""

HELPER = """import {{ db, {table} }} from "@app/db";

export async function {function}() {{
    const [row] = await db.insert({table}).values({{}}).returning();
    return row;
}}
"""

CALLING_ROUTE = """import {{ NextResponse }} from "next/server";

import {{ {function} }} from "@/lib/db/{table}";

export async function POST() {{
    const row = await {function}();
    return NextResponse.json(row);
}}
"""

# Where ignored files go, as shares of K (they add up to 1).
IGNORED_LAYOUT = [
    ("node_modules", 0.55),
    ("apps/web/node_modules", 0.20),
    ("apps/web/.next", 0.20),
    (".turbo", 0.05),
]
PER_DIR = 100


def route_name(i: int) -> str:
    return f"res{i:05d}"


def write(path: str, data: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(data)


def make(out: Path, n: int, ignored: int = 0, helpers: int = 0) -> Path:
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    root = str(out)
    for rel, text in AFC_PROJECT.items():
        write(os.path.join(root, rel), text)
    for i in range(n):
        table = route_name(i) + "s"
        route = os.path.join(root, "apps/web/src/app/api", table, "route.ts")
        if i < helpers:
            function = f"create{route_name(i).capitalize()}"
            helper = os.path.join(root, "apps/web/src/lib/db", f"{table}.ts")
            write(helper, HELPER.format(table=table, function=function))
            write(route, CALLING_ROUTE.format(table=table, function=function))
        else:
            write(route, ROUTE.format(table=table))
    if ignored:
        write(
            os.path.join(root, "apps/web/node_modules/next/package.json"),
            '{\n    "name": "next",\n    "version": "15.5.0"\n}\n',
        )
        remaining = ignored - 1
        for index, (base, share) in enumerate(IGNORED_LAYOUT):
            count = remaining if index == len(IGNORED_LAYOUT) - 1 else int(round((ignored - 1) * share))
            remaining -= count
            for j in range(count):
                pkg, file_no = divmod(j, PER_DIR)
                write(
                    os.path.join(root, base, f"pkg{pkg:04d}", "lib", f"f{file_no:03d}.js"), f"module.exports = {j};\n"
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate a synthetic AFC-shaped monorepo.")
    parser.add_argument("n", type=int, help="number of mutating route files")
    parser.add_argument("--ignored", type=int, default=0, help="files under node_modules/.next/.turbo")
    parser.add_argument("--helpers", type=int, default=0, help="routes (of the N) that write through a helper module")
    parser.add_argument("--out", help="output folder (default: a new temp folder); replaced if it exists")
    args = parser.parse_args()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix=f"afc-mono-{args.n}-"))
    print(make(out, args.n, args.ignored, args.helpers))


if __name__ == "__main__":
    main()
