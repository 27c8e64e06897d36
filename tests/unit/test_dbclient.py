"""The database client `authorize.ts` imports for its membership queries, found by where it comes from
(as the write side finds it), under any name or as the default; and what only looks like one."""

from afc_realtime.dbclient import Client, find_client
from afc_realtime.project import detect
from afc_realtime.tree import Tree
from tests.support.auth_projects import app

GLOBAL_PRISMA = """import { PrismaClient } from "@prisma/client";

const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

export const prisma = globalForPrisma.prisma ?? new PrismaClient();
if (process.env.NODE_ENV !== "production") globalForPrisma.prisma = prisma;

export default prisma;
"""


def client(files: dict[str, str], orm: str = "prisma") -> Client | None:
    tree = Tree.in_memory(app("", files))
    return find_client(detect(tree), tree, orm)


def test_a_global_cache_exported_by_name_before_its_default():
    assert client({"src/lib/prisma.ts": GLOBAL_PRISMA}) == Client("prisma", "src/lib/prisma")


def test_a_default_export_under_the_name_it_is_declared_by():
    text = GLOBAL_PRISMA.replace("export const prisma", "const database").replace("= prisma;", "= database;")
    assert client({"src/lib/db.ts": text.replace("export default prisma;", "export default database;")}) == Client(
        "database", "src/lib/db", default=True
    )


def test_an_extended_client_renamed_on_export():
    text = (
        'import { PrismaClient } from "@prisma/client";\n'
        "const base = new PrismaClient().$extends({});\nexport { base as data };\n"
    )
    assert client({"src/server/data.ts": text}) == Client("data", "src/server/data")


def test_drizzle_built_by_a_factory_in_a_workspace_package():
    files = {
        "package.json": '{ "name": "mono", "private": true, "workspaces": ["apps/*", "packages/*"] }',
        **{f"apps/web/{k}": v for k, v in app("", {}).items() if k != "package-lock.json"},
        "packages/db/package.json": '{ "name": "@acme/db" }',
        "packages/db/src/client.ts": 'import { drizzle } from "drizzle-orm/node-postgres";\n'
        "function connect(url: string) {\n    return drizzle(url);\n}\n"
        "export const store = connect(process.env.DATABASE_URL!);\n",
    }
    tree = Tree.in_memory(files)
    assert find_client(detect(tree), tree, "drizzle") == Client("store", "packages/db/src/client")
    assert find_client(detect(tree), tree, "prisma") is None  # not the ORM asked for


def test_what_only_looks_like_a_client_is_none():
    assert (
        client({"src/lib/db.ts": "export const prisma = new Map<string, string>();\n// new PrismaClient()\n"}) is None
    )
    seed = {
        "prisma/seed.ts": 'import { PrismaClient } from "@prisma/client";\nexport const prisma = new PrismaClient();\n'
    }
    assert client(seed) is None  # a seed script is not the app's client
    unexported = 'import { PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();\nvoid prisma;\n'
    assert client({"src/lib/prisma.ts": unexported}) is None
