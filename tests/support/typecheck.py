"""Type-checking a web app's sources with the real TypeScript compiler, against real next/react types and
small stubs for whatever the fixture imports but cannot install (its database package, t3-env)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

PACKAGES = [
    "typescript@^5",
    "next@15",
    "react@19",
    "react-dom@19",
    "@types/react@19",
    "@types/react-dom@19",
    "@types/node@20",
    "zod@^3",
]

STUBS = {
    "db.d.ts": (
        "export declare const db: any;\nexport declare const todos: any;\nexport declare const posts: any;\n"
        "export declare const users: any;\nexport declare const notes: any;\n"
        "export declare function eq(a: unknown, b: unknown): unknown;\n"
    ),
    "next-auth.d.ts": (
        "export type Session = { user?: { id?: string; name?: string | null; email?: string | null } };\n"
        "export default function NextAuth(config: unknown): {\n"
        "  auth: () => Promise<Session | null>;\n  handlers: { GET: unknown; POST: unknown };\n};\n"
    ),
    "t3-env.d.ts": "export declare function createEnv<T>(options: T): Record<string, string | undefined>;\n",
}


def install_toolchain(folder: Path, npm: str) -> Path:
    (folder / "package.json").write_text(json.dumps({"name": "typecheck", "private": True}))
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *PACKAGES],
        cwd=folder,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )
    return folder


def typecheck(
    app_dir: Path, toolchain: Path, node: str, work: Path, alias_src: bool = True
) -> subprocess.CompletedProcess:
    """Copy the app's sources next to the toolchain's node_modules and run `tsc --noEmit` under strict."""
    if work.exists():
        shutil.rmtree(work)
    src_root = "src" if (app_dir / "src").is_dir() else "."
    for entry in ("src", "app", "lib"):
        if (app_dir / entry).is_dir():
            shutil.copytree(app_dir / entry, work / entry)
    (work / "node_modules").symlink_to(toolchain / "node_modules")
    stubs = work / "stubs"
    stubs.mkdir()
    for name, text in STUBS.items():
        (stubs / name).write_text(text)
    paths = {
        "@app/db": ["./stubs/db.d.ts"],
        "@t3-oss/env-nextjs": ["./stubs/t3-env.d.ts"],
        "next-auth": ["./stubs/next-auth.d.ts"],
    }
    if alias_src:
        paths["@/*"] = [f"./{src_root}/*".replace("/./", "/")]
    config = {
        "compilerOptions": {
            "target": "ES2022",
            "lib": ["dom", "dom.iterable", "esnext"],
            "strict": True,
            "noEmit": True,
            "module": "esnext",
            "moduleResolution": "bundler",
            "jsx": "preserve",
            "isolatedModules": True,
            "esModuleInterop": True,
            "skipLibCheck": True,
            "paths": paths,
        },
        "include": ["**/*.ts", "**/*.tsx"],
        "exclude": ["node_modules"],
    }
    (work / "tsconfig.json").write_text(json.dumps(config, indent=2))
    tsc = toolchain / "node_modules/typescript/bin/tsc"
    return subprocess.run(
        [node, str(tsc), "--noEmit", "-p", "."], cwd=work, capture_output=True, text=True, timeout=300
    )


def assert_typechecks(app_dir: Path, toolchain: Path, node: str, work: Path, alias_src: bool = True) -> None:
    result = typecheck(app_dir, toolchain, node, work, alias_src)
    assert result.returncode == 0, result.stdout + result.stderr
