"""The row type of a table, for the generated events: imported the way the write's own file imports the
table, where the web app can resolve that; else from the file that declares the table."""

import pytest

from afc_realtime.datamodel import Table
from afc_realtime.project import detect
from afc_realtime.tree import Tree
from afc_realtime.writes.rowtype import row_type
from tests.support.projects import AFC_PROJECT

TODOS = Table("todos", ("id", "title"), where="packages/db/src/schema.ts:3")
EVENTS = "apps/web/src/lib/realtime/events.ts"
HELPER = (
    'import { db, todos } from "@app/db";\n\n'
    "export async function add(title: string) {\n    await db.insert(todos).values({ title });\n}\n"
)


def _row(files, used_in):
    tree = Tree.in_memory({**AFC_PROJECT, **files})
    found = row_type(detect(tree), tree, TODOS, used_in, EVENTS)
    assert found is not None and found.expression == "typeof todos.$inferSelect"
    return found.module


@pytest.mark.parametrize(
    ("files", "used_in", "module"),
    [
        ({"apps/web/src/lib/todos.ts": HELPER}, "apps/web/src/lib/todos.ts", "@app/db"),  # as the app imports it
        (
            {"apps/web/src/lib/todos.ts": HELPER.replace('"@app/db"', '"../db/schema"')},
            "apps/web/src/lib/todos.ts",
            "@/db/schema",  # a relative import, written again from events.ts, through the app's alias
        ),
        (
            {"packages/api/src/todos.ts": HELPER, "packages/api/package.json": '{"name": "@app/api"}'},
            "packages/api/src/todos.ts",
            "../../../../../packages/db/src/schema",  # a package the app does not depend on: the declaring file
        ),
        (
            {"packages/api/src/todos.ts": HELPER.replace('"@app/db"', '"~/db"')},
            "packages/api/src/todos.ts",
            "../../../../../packages/db/src/schema",  # another package's alias means nothing in the app
        ),
    ],
    ids=["app-package", "app-relative", "foreign-package", "foreign-alias"],
)
def test_the_table_is_imported_where_the_app_can_resolve_it(files, used_in, module):
    assert _row(files, used_in) == module


def test_a_package_the_app_depends_on_is_imported_from_another_workspace_package_too():
    web = AFC_PROJECT["apps/web/package.json"].replace(
        '"dependencies": {', '"dependencies": {\n        "@app/db": "*",'
    )
    files = {"apps/web/package.json": web, "packages/api/src/todos.ts": HELPER}
    assert '"@app/db"' in web
    assert _row(files, "packages/api/src/todos.ts") == "@app/db"


POST = Table("Post", ("id", "title"), where="packages/db/prisma/schema.prisma:3", orm="prisma")
CLIENT = 'import { PrismaClient } from "SOURCE";\n\nexport const prisma = new PrismaClient();\n'


@pytest.mark.parametrize(
    ("files", "module"),
    [
        ({"apps/web/src/lib/prisma.ts": CLIENT.replace("SOURCE", "@prisma/client")}, "@prisma/client"),
        (  # a generator's output folder, imported by the app through a relative path
            {"apps/web/src/lib/prisma.ts": CLIENT.replace("SOURCE", "../generated/prisma/client")},
            "@/generated/prisma/client",
        ),
        ({"packages/db/src/client.ts": CLIENT.replace("SOURCE", "@prisma/client")}, None),  # the app cannot resolve it
    ],
    ids=["app-client", "generated-output", "foreign-client"],
)
def test_a_prisma_model_type_comes_from_where_the_app_can_import_the_client(files, module):
    tree = Tree.in_memory({**AFC_PROJECT, **files})
    found = row_type(detect(tree), tree, POST, "apps/web/src/app/api/todos/route.ts", EVENTS)
    assert (found.module if found is not None else None) == module
    assert found is None or found.expression == "Post"
