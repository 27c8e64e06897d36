"""The database client by where it comes from: imported (through barrels) from a module that builds
`drizzle(...)` or `new PrismaClient()` (extended, cached on `globalThis`), tRPC's `ctx.<name>` where the
context is built from one, a transaction's callback parameter; and on the other side, whatever is known
not to be one, whatever its name."""

from tests.support.writes import scanned

APP = {
    "package.json": '{ "name": "app", "dependencies": { "next": "15.5.0" } }',
    "tsconfig.json": '{ "compilerOptions": { "paths": { "@/*": ["./src/*"] } } }',
}
DRIZZLE = """import { drizzle } from "drizzle-orm/node-postgres";
export const store = drizzle(process.env.DATABASE_URL!);
"""
PRISMA = """import { PrismaClient } from "@prisma/client";
const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };
const base = globalForPrisma.prisma ?? new PrismaClient();
export const data = base.$extends({});
export { base as database };
"""


def found(route: str, **modules: str) -> list[tuple[str, str | None]]:
    files = {**APP, "src/app/api/x/route.ts": route, **{f"src/lib/{k}.ts": v for k, v in modules.items()}}
    writes, _ = scanned(files)
    return [(w.handler, w.table) for w in writes]


def test_a_drizzle_client_under_any_name_imported_through_a_barrel():
    route = 'import { store } from "@/lib/index";\nexport async function POST() {\n  await store.delete(todos);\n}\n'
    assert found(route, client=DRIZZLE, index='export * from "./client";\n') == [("POST", "todos")]


def test_a_prisma_client_named_database_cached_on_globalthis_and_an_extended_one():
    route = """import { data, database } from "@/lib/prisma";
export async function POST() {
  const post = await database.post.create({ data: {} });
  const tag = await data.tag.upsert({ where: {}, create: {}, update: {} });
  return Response.json({ post, tag });
}
"""
    assert found(route, prisma=PRISMA) == [("POST", "post"), ("POST", "tag")]


def test_a_transaction_parameter_of_a_client_under_any_name():
    route = """import { database } from "@/lib/prisma";
export async function POST() {
  const post = await database.$transaction(async (q) => {
    const row = await q.post.update({ where: { id: "1" }, data: {} });
    return row;
  });
  return Response.json(post);
}
"""
    assert found(route, prisma=PRISMA) == [("POST", "post")]


def test_trpc_ctx_property_built_from_a_client_in_the_context():
    files = {
        **APP,
        "src/app/api/trpc/route.ts": "export {};\n",
        "src/lib/client.ts": DRIZZLE,
        "src/server/trpc.ts": """import { initTRPC } from "@trpc/server";
import { store } from "@/lib/client";
export const createTRPCContext = async () => ({ orm: store, db: new Map<string, string>() });
const t = initTRPC.context<typeof createTRPCContext>().create();
export const procedure = t.procedure;
""",
        "src/server/router.ts": """import { procedure } from "./trpc";
export const todoRouter = {
  clear: procedure.mutation(async ({ ctx }) => {
    await ctx.orm.delete(todos);
  }),
  forget: procedure.mutation(async ({ ctx }) => {
    ctx.db.delete(key);
  }),
};
""",
    }
    writes, _ = scanned(files)
    assert [(w.handler, w.table) for w in writes] == [("mutation todo.clear", "todos")]


def test_what_is_known_not_to_be_a_client_stays_unwired_whatever_its_name():
    route = """import { createHash } from "node:crypto";
import Stripe from "stripe";
const stripe = new Stripe("key");
export async function POST(req: Request) {
  const db = new Map<string, string>();
  const cache = new Map<string, string>();
  const prisma = { post: { create: async (x: unknown) => x } };
  const hash = createHash("sha256");
  hash.update(await req.text());
  cache.delete(key);
  db.delete(key);
  cache.set(key, "1");
  await prisma.post.create({ data: {} });
  await stripe.customers.create({ email: "a" });
  return Response.json({});
}
"""
    assert found(route) == []


def test_a_client_afc_cannot_trace_is_judged_by_its_name_as_before():
    route = 'import { db } from "@acme/outside";\nexport async function DELETE() {\n  await db.delete(todos);\n}\n'
    assert found(route) == [("DELETE", "todos")]


REMEMBERED = """import { PrismaClient } from "@prisma/client";
import { remember } from "./remember";
const store = remember("prisma", () => new PrismaClient());
export { store };
"""
REMEMBER = """export function remember<T>(name: string, make: () => T): T {
  const cache = globalThis as unknown as Record<string, T | undefined>;
  return (cache[name] ??= make());
}
"""
KEPT = """import { remember } from "./remember";
export const prisma = remember("prisma", () => new Map<string, unknown>());
"""


def test_a_client_made_by_a_factory_handed_to_a_project_wrapper():
    """`remember("prisma", () => new PrismaClient())`: the factory says what the wrapper keeps; a wrapper
    keeping a `Map` under the same name is no client."""
    route = """import { CLIENT } from "@/lib/client";
export async function POST() {
  const post = await CLIENT.post.create({ data: {} });
  return Response.json(post);
}
"""
    # under a name afc would not guess, found by origin; under `prisma`, known not to be one
    assert found(route.replace("CLIENT", "store"), client=REMEMBERED, remember=REMEMBER) == [("POST", "post")]
    assert found(route.replace("CLIENT", "prisma"), client=KEPT, remember=REMEMBER) == []


LAZY = """import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
type Database = PostgresJsDatabase<Record<string, never>>;
let instance: Database | undefined;
export const store: Database = new Proxy({} as Database, {
  get(_target, property) {
    instance ??= drizzle(process.env.DATABASE_URL!);
    return Reflect.get(instance, property, instance);
  },
});
"""
CASTED = """import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
export const store = globalThis.lazy as unknown as PostgresJsDatabase;
"""
NOT_A_DATABASE = """export const store: Map<string, unknown> = new Proxy(new Map<string, unknown>(), {});
"""


def test_a_client_declared_by_its_type_behind_a_proxy_or_a_cast():
    """The bundled example's lazy client: a `Proxy` typed as the database; a cast to a database type; and on
    the other side a `Proxy` over a `Map`."""
    route = 'import { store } from "@/lib/client";\nexport async function POST() {\n  await store.delete(todos);\n}\n'
    assert found(route, client=LAZY) == [("POST", "todos")]
    assert found(route, client=CASTED) == [("POST", "todos")]
    assert found(route, client=NOT_A_DATABASE) == []
