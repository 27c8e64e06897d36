"""Type-checking a web app's sources with the real TypeScript compiler, against real next/react types and
small stubs for whatever the fixture imports but cannot install (its database package, t3-env). The
authentication libraries are installed for real once (`auth_toolchain`), cached outside the repository."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
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

# The authentication libraries as users have them today, for `tests/test_auth_shapes.py`: NextAuth v4 (under
# the alias `next-auth-v4`, linked as `next-auth` into the one app that uses it) beside Auth.js v5's beta,
# better-auth, Clerk, Supabase's server client, iron-session, and the @oslojs helpers Lucia-style sessions
# are written with. Peers are left to the packages above (`--legacy-peer-deps`): better-auth names a dozen
# frameworks and ORMs as optional peers.
AUTH_PACKAGES = [
    "next-auth-v4@npm:next-auth@^4",
    "next-auth@^5.0.0-beta.29",
    "better-auth@^1",
    "@clerk/nextjs@^7",
    "@supabase/ssr@^0",
    "@supabase/supabase-js@^2",
    "iron-session@^9",
    "@oslojs/crypto@^1",
    "@oslojs/encoding@^1",
]

STUBS = {
    # Clerk's and better-auth's server APIs as afc's generated authorize() uses them.
    "clerk.d.ts": "export declare function auth(): Promise<{ userId: string | null }>;\n",
    "better-auth.d.ts": (
        "export type Session = { user: { id: string; email: string } } | null;\n"
        "export declare function betterAuth(options: unknown): {\n"
        "  api: { getSession(input: { headers: Headers }): Promise<Session> };\n};\n"
    ),
    "db.d.ts": (
        "export declare const db: any;\nexport declare const todos: any;\nexport declare const posts: any;\n"
        "export declare const users: any;\nexport declare const notes: any;\n"
        "export declare function eq(a: unknown, b: unknown): unknown;\n"
    ),
    "next-auth.d.ts": (
        "export type Session = { user?: { id?: string; name?: string | null; email?: string | null } };\n"
        "export default function NextAuth(config: unknown): {\n"
        "  auth: () => Promise<Session | null>;\n  handlers: { GET: unknown; POST: unknown };\n};\n"
        # NextAuth v4: its Session names no user id unless the app declares one
        "export interface DefaultSession {\n"
        "  user?: { name?: string | null; email?: string | null; image?: string | null };\n  expires: string;\n}\n"
        "export interface NextAuthOptions {\n  providers: unknown[];\n"
        "  callbacks?: { session?: (p: { session: DefaultSession; token: { sub?: string } }) => unknown };\n}\n"
        "export declare function getServerSession(options: NextAuthOptions): Promise<DefaultSession | null>;\n"
    ),
    # iron-session's and @supabase/ssr's server APIs as the apps of tests/support/auth_projects.py use them.
    "iron-session.d.ts": (
        "export type IronSession<T> = T & { save(): Promise<void>; destroy(): void };\n"
        "export declare function getIronSession<T extends object>(\n"
        "  cookies: unknown, options: { password: string; cookieName: string }\n): Promise<IronSession<T>>;\n"
    ),
    "supabase-ssr.d.ts": (
        "export interface User { id: string; email?: string }\n"
        "type UserResponse = { data: { user: User }; error: null } | { data: { user: null }; error: Error };\n"
        "export interface SupabaseClient { auth: { getUser(): Promise<UserResponse> } }\n"
        "export declare function createServerClient(\n"
        "  url: string, key: string, options: { cookies: { getAll(): unknown } }\n): SupabaseClient;\n"
    ),
    "t3-env.d.ts": "export declare function createEnv<T>(options: T): Record<string, string | undefined>;\n",
    # Typed like the real libraries where it matters to the lines afc inserts: `.returning()` gives an array
    # (so `const [row] = ...` may be undefined under noUncheckedIndexedAccess), Prisma gives the row.
    "drizzle.d.ts": """export interface Todo { id: number; title: string; done: boolean }
export interface Note { id: number; body: string; userId: string }
export interface Message { id: number; body: string; userId: string }
export interface Conversation { id: number; title: string; userId: string }
export interface User { id: string; email: string; passwordHash: string }
// Columns typed by their data where the row has them (so a generated `eq(notes.id, key)` is checked), any
// other `id`/`userId` left untyped for the fixtures that compare them.
export type Table<R> = { readonly $inferSelect: R; readonly id: unknown; readonly userId: unknown } & {
  readonly [K in keyof R]: import("drizzle-orm").Column<R[K]>;
};
type Query<R> = Promise<void> & { returning(): Promise<R[]>; where(condition: unknown): Query<R> };
type Joined<S> = {
  innerJoin<R>(table: Table<R>, on: unknown): Joined<S>;
  where(condition: unknown): Promise<{ [K in keyof S]: unknown }[]>;
};
export interface Db {
  insert<R>(table: Table<R>): { values(values: Partial<R> | Partial<R>[]): Query<R> };
  update<R>(table: Table<R>): { set(values: Partial<R>): Query<R> };
  delete<R>(table: Table<R>): Query<R>;
  select(): { from<R>(table: Table<R>): Promise<R[]> };
  select<S extends Record<string, unknown>>(fields: S): { from<R>(table: Table<R>): Joined<S> };
  transaction<T>(run: (tx: Db) => Promise<T>): Promise<T>;
}
export declare const db: Db;
export declare const todos: Table<Todo>;
export declare const notes: Table<Note>;
export declare const messages: Table<Message>;
export declare const conversations: Table<Conversation>;
export declare const users: Table<User>;
export declare function eq(a: unknown, b: unknown): unknown;
export declare function and(...conditions: unknown[]): unknown;
""",
    # `select` gives only the fields it names, as Prisma's client does: reading another one is a type error.
    "prisma.d.ts": """export interface Post { id: string; title: string; authorId: string }
export interface Tag { id: string; name: string }
export interface Member { id: string; userId: string; teamId: string }
export interface Project { id: string; teamId: string; title: string }
interface MemberDelegate {
  findMany<S extends { [K in keyof Member]?: true }>(args: {
    where: Partial<Member>;
    select: S;
  }): Promise<{ [K in keyof S & keyof Member]: Member[K] }[]>;
}
type Select<R> = { [K in keyof R]?: boolean };
type Selected<R, S> = [S] extends [never] ? R : { [K in keyof S & keyof R as S[K] extends true ? K : never]: R[K] };
interface Delegate<R> {
  create<S extends Select<R> = never>(args: { data: Partial<R>; select?: S }): Promise<Selected<R, S>>;
  update<S extends Select<R> = never>(args: {
    where: Partial<R>; data: Partial<R>; select?: S;
  }): Promise<Selected<R, S>>;
  updateMany(args: { where?: Partial<R>; data: Partial<R> }): Promise<{ count: number }>;
  upsert(args: { where: Partial<R>; create: Partial<R>; update: Partial<R> }): Promise<R>;
  delete(args: { where: Partial<R> }): Promise<R>;
  findFirst<S extends Select<R>>(args: { where: Partial<R>; select: S }): Promise<Selected<R, S> | null>;
  createMany(args: { data: Partial<R>[] }): Promise<{ count: number }>;
  findMany(args?: unknown): Promise<R[]>;
}
export declare class PrismaClient {
  post: Delegate<Post>;
  tag: Delegate<Tag>;
  member: MemberDelegate;
  project: Delegate<Project>;
  $transaction<T>(run: (tx: PrismaClient) => Promise<T>): Promise<T>;
  $extends(extension: unknown): PrismaClient;
}
""",
    "drizzle-node.d.ts": 'import type { Db } from "./drizzle";\nexport declare function drizzle(url: string): Db;\n',
    # The store of tests/support/store_project.py: columns typed, so a membership query comparing a user id
    # column with a number (or selecting from the wrong table) fails.
    "drizzle-orm.d.ts": """export interface Column<T> { readonly _: { data: T } }
export interface SQL { readonly sql: true }
export declare function eq<T>(column: Column<T>, value: T): SQL;
""",
    "store-db.d.ts": """import type { Column, SQL } from "drizzle-orm";
export interface User { id: string; name: string | null }
export interface Address { id: number; street: string; city: string }
export interface Order { id: number; userId: string; addressId: number }
export interface ContactMessage { id: number; email: string; message: string }
export interface Post { id: number; title: string }
export interface Draft { id: number; title: string }
export interface Team { id: number; title: string }
export interface Project { id: number; teamId: number; title: string }
export interface Member { id: number; userId: string; teamId: number }
export type Table<R> = { readonly $inferSelect: R } & { readonly [K in keyof R]: Column<R[K]> };
type Selected<S> = { [K in keyof S]: S[K] extends Column<infer T> ? T : never };
export interface Db {
  insert<R>(table: Table<R>): { values(values: Partial<R>): { returning(): Promise<R[]> } };
  select(): { from<R>(table: Table<R>): Promise<R[]> };
  select<S extends Record<string, Column<unknown>>>(fields: S): {
    from<R>(table: Table<R>): { where(condition: SQL): Promise<Selected<S>[]> };
  };
}
export declare const db: Db;
export declare const users: Table<User>;
export declare const addresses: Table<Address>;
export declare const orders: Table<Order>;
export declare const contactMessages: Table<ContactMessage>;
export declare const posts: Table<Post>;
export declare const drafts: Table<Draft>;
export declare const teams: Table<Team>;
export declare const projects: Table<Project>;
export declare const members: Table<Member>;
""",
    "trpc.d.ts": """type Resolver<C, I, O> = (options: { ctx: C; input: I }) => O;
export interface Procedure<C, I> {
  input<J>(schema: { parse(value: unknown): J }): Procedure<C, J>;
  use(middleware: unknown): Procedure<C, I>;
  mutation<O>(resolver: Resolver<C, I, O>): { _mutation: O };
  query<O>(resolver: Resolver<C, I, O>): { _query: O };
}
export declare const initTRPC: {
  context<C>(): { create(): { procedure: Procedure<C, undefined>; router<T>(routes: T): T } };
};
export declare class TRPCError extends Error { constructor(options: { code: string; message?: string }) }
""",
}

# Options that describe the fixture's layout or build, not how strictly its code is checked: ours win.
LAYOUT_OPTIONS = {"paths", "baseUrl", "plugins", "incremental", "rootDir", "outDir", "composite", "types"}


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


def cache_root() -> Path:
    """Where installs shared across test sessions live (AFC_TEST_CACHE, else ~/.cache/afc-tests)."""
    base = os.environ.get("AFC_TEST_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "afc-tests"
    )
    return Path(base)


def cached_toolchain(label: str, packages: list[str], npm: str) -> Path:
    """`packages` installed once per machine into the cache, keyed by the list itself: a changed list installs
    anew, an unchanged one is reused (its versions as resolved on the first install). Installed into a
    temporary folder and renamed into place, so an interrupted install is never taken for a finished one."""
    key = hashlib.sha256("\n".join(packages).encode()).hexdigest()[:12]
    folder = cache_root() / f"{label}-{key}"
    if (folder / "node_modules" / ".package-lock.json").is_file():
        return folder
    cache_root().mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{label}-", dir=cache_root()))
    (work / "package.json").write_text(json.dumps({"name": "typecheck", "private": True}))
    flags = ["--no-audit", "--no-fund", "--loglevel=error", "--legacy-peer-deps"]
    subprocess.run([npm, "install", *flags, *packages], cwd=work, check=True, timeout=900, stdout=subprocess.DEVNULL)
    try:
        work.rename(folder)
    except OSError:  # another session finished the same install first
        shutil.rmtree(work, ignore_errors=True)
    return folder


def own_options(app_dir: Path) -> dict:
    """The app's own `compilerOptions` (tsconfig.json, comments allowed), less the layout ones."""
    from afc_realtime.edits import jsonfile

    path = app_dir / "tsconfig.json"
    if not path.is_file():
        return {}
    config = jsonfile.to_python(jsonfile.parse(path.read_text(), str(path))) or {}
    options = config.get("compilerOptions") or {}
    return {k: v for k, v in options.items() if k not in LAYOUT_OPTIONS}


def typecheck(
    app_dir: Path,
    toolchain: Path,
    node: str,
    work: Path,
    alias_src: bool = True,
    root: Path | None = None,
    also: tuple[str, ...] = (),
    paths: dict[str, list[str]] | None = None,
    real: tuple[str, ...] = (),
    links: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Copy the app's sources (and the project folders in `also`, from `root`, where they stand relative to
    the app) next to the toolchain's node_modules and run `tsc --noEmit` under strict, with the app's own
    `compilerOptions` merged over it (`noUncheckedIndexedAccess`, `exactOptionalPropertyTypes`, ...).
    `paths` maps the fixture's own workspace packages (`@acme/db`) onto the folders copied with `also`.
    The packages in `real` are resolved from the toolchain, not stubbed; `links` puts a package of the
    toolchain where one app resolves it first (`src/v4/node_modules/next-auth` -> `next-auth-v4`)."""
    if work.exists():
        shutil.rmtree(work)
    app_rel = app_dir.relative_to(root).as_posix() if root is not None else "."
    app_work = work / app_rel
    src_root = f"{app_rel}/src" if (app_dir / "src").is_dir() else app_rel
    for entry in ("src", "app", "lib", "pages"):
        if (app_dir / entry).is_dir():
            shutil.copytree(app_dir / entry, app_work / entry)
    for rel in also:
        assert root is not None, "`also` names folders of the project at `root`"
        shutil.copytree(root / rel, work / rel, ignore=shutil.ignore_patterns("node_modules", "package.json"))
    (work / "node_modules").symlink_to(toolchain / "node_modules")
    for where, package in (links or {}).items():
        (work / where).parent.mkdir(parents=True, exist_ok=True)
        (work / where).symlink_to(toolchain / "node_modules" / package)
    stubs = work / "stubs"
    stubs.mkdir()
    for name, text in STUBS.items():
        (stubs / name).write_text(text)
    paths = {  # the caller's own mappings (a fixture's typed database package) win
        "drizzle-orm/node-postgres": ["./stubs/drizzle-node.d.ts"],
        "@app/db": ["./stubs/db.d.ts"],
        "@typed/db": ["./stubs/drizzle.d.ts"],
        "@store/db": ["./stubs/store-db.d.ts"],
        "drizzle-orm": ["./stubs/drizzle-orm.d.ts"],
        "@prisma/client": ["./stubs/prisma.d.ts"],
        "@trpc/server": ["./stubs/trpc.d.ts"],
        "@t3-oss/env-nextjs": ["./stubs/t3-env.d.ts"],
        "next-auth": ["./stubs/next-auth.d.ts"],
        "next-auth/next": ["./stubs/next-auth.d.ts"],
        "iron-session": ["./stubs/iron-session.d.ts"],
        "@supabase/ssr": ["./stubs/supabase-ssr.d.ts"],
        "@clerk/nextjs/server": ["./stubs/clerk.d.ts"],
        "better-auth": ["./stubs/better-auth.d.ts"],
        **(paths or {}),
    }
    paths = {k: v for k, v in paths.items() if not any(k == r or k.startswith(f"{r}/") for r in real)}
    if alias_src:
        paths["@/*"] = [f"./{src_root}/*".replace("/./", "/").replace("/./", "/")]
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
            **own_options(app_dir),
        },
        "include": ["**/*.ts", "**/*.tsx"],
        "exclude": ["node_modules"],
    }
    (work / "tsconfig.json").write_text(json.dumps(config, indent=2))
    tsc = toolchain / "node_modules/typescript/bin/tsc"
    return subprocess.run(
        [node, str(tsc), "--noEmit", "-p", "."], cwd=work, capture_output=True, text=True, timeout=300
    )


def assert_typechecks(
    app_dir: Path,
    toolchain: Path,
    node: str,
    work: Path,
    alias_src: bool = True,
    root: Path | None = None,
    also: tuple[str, ...] = (),
    paths: dict[str, list[str]] | None = None,
    real: tuple[str, ...] = (),
    links: dict[str, str] | None = None,
) -> None:
    """tsc passes on the app, afc's generated helpers included, under the app's own compiler options."""
    result = typecheck(app_dir, toolchain, node, work, alias_src, root, also, paths, real, links)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
