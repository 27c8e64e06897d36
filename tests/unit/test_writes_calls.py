"""Calls followed from the entry points: a write in a helper module is found there once, with every entry
point that reaches it (through an alias, a barrel, a service object, a namespace import, several levels
deep, cycles included); what no entry point reaches is not listed; an entry point that reaches no write
says what it calls that afc could not follow."""

from afc_realtime.edits.result import Unreached
from tests.support.writes import scanned

APP = {
    "package.json": '{ "name": "app", "dependencies": { "next": "15.5.0" } }',
    "tsconfig.json": '{ "compilerOptions": { "paths": { "@/*": ["./src/*"] } } }',
    "src/lib/db.ts": 'import { drizzle } from "drizzle-orm/node-postgres";\nexport const db = drizzle("");\n',
}
QUERIES = """import { db } from "@/lib/db";

export async function createTodo(title: string) {
  await touch(2);
  const [row] = await db.insert(todos).values({ title }).returning();
  return row;
}

export async function touch(n: number): Promise<number> {
  return n > 0 ? again(n - 1) : n;
}

async function again(n: number): Promise<number> {
  return touch(n);
}
"""


def project(**files: str) -> dict[str, str]:
    return {**APP, "src/lib/queries.ts": QUERIES, **files}


def rows(files):
    writes, skips = scanned(files)
    return [(w.path, w.handler, w.line, [str(e) for e in w.entries], w.row) for w in writes], skips


def test_two_entry_points_reach_one_helper_through_an_alias_and_a_barrel_it_is_found_once():
    files = project(
        **{
            "src/app/api/todos/route.ts": 'import { createTodo } from "@/lib/queries";\n'
            "export async function POST() {\n  const todo = await createTodo('a');\n  return Response.json(todo);\n}\n",
            "src/features/index.ts": 'export { createTodo as addTodo } from "../lib/queries";\n',
            "src/app/actions.ts": '"use server";\nimport { addTodo } from "../features";\n'
            "export async function add(title: string) {\n  await addTodo(title);\n}\n",
            "src/scripts/seed.ts": 'import { db } from "@/lib/db";\nexport async function seed() {\n'
            "  const [row] = await db.insert(todos).values({ title: 'x' }).returning();\n  return row;\n}\n",
        }
    )
    found, skips = rows(files)
    assert found == [
        (
            "src/lib/queries.ts",
            "createTodo (src/lib/queries.ts)",
            5,
            ["action add (src/app/actions.ts)", "POST (src/app/api/todos/route.ts)"],
            "row",
        )
    ]
    assert not any("does not write" in s.reason for s in skips)  # both entries reach the write


def test_a_service_object_method_a_namespace_import_and_three_levels():
    files = project(
        **{
            "src/server/posts.ts": 'import * as queries from "@/lib/queries";\n'
            "export const postService = {\n  async create(title: string) {\n    return level2(title);\n  },\n};\n"
            "const level2 = (title: string) => level3(title);\n"
            "function level3(title: string) {\n  return queries.createTodo(title);\n}\n",
            "src/app/api/posts/route.ts": 'import { postService } from "@/server/posts";\n'
            "export async function POST() {\n  return Response.json(await postService.create('a'));\n}\n",
        }
    )
    found, _ = rows(files)
    assert [(f[1], f[3]) for f in found] == [("createTodo (src/lib/queries.ts)", ["POST (src/app/api/posts/route.ts)"])]


def test_methods_of_a_service_class_instance_and_static_are_followed_and_wired_there():
    files = project(
        **{
            "src/server/todos.ts": 'import { db } from "@/lib/db";\n'
            "export class TodoService {\n  async rename(id: number, title: string) {\n"
            "    return db.update(todos).set({ title }).where(eq(todos.id, id));\n  }\n"
            "  static async drop(id: number) {\n    await db.delete(todos).where(eq(todos.id, id));\n  }\n}\n"
            "export const todoService = new TodoService();\n",
            "src/app/api/todos/route.ts": 'import { TodoService, todoService } from "@/server/todos";\n'
            "export async function PATCH() {\n  await todoService.rename(1, 'a');\n  return new Response(null);\n}\n"
            "export async function DELETE() {\n  await TodoService.drop(1);\n  return new Response(null);\n}\n",
        }
    )
    writes, skips = scanned(files)
    assert [(w.handler, w.action, w.wirable, w.wrapped, [e.handler for e in w.entries]) for w in writes] == [
        ("todoService.rename (src/server/todos.ts)", "updated", True, True, ["PATCH"]),  # returned: wrapped
        ("TodoService.drop (src/server/todos.ts)", "deleted", True, False, ["DELETE"]),
    ]
    assert not skips


def test_a_helper_nobody_calls_is_not_listed_and_an_entry_that_reaches_nothing_says_why():
    files = project(
        **{
            "package.json": '{ "name": "app", "dependencies": { "next": "15.5.0", "resend": "4.0.0" } }',
            "src/app/api/mail/route.ts": 'import { Resend } from "resend";\nimport { touch } from "@/lib/queries";\n'
            'import { randomUUID } from "crypto";\nconst resend = new Resend();\n'
            "export async function POST() {\n  await touch(1);\n  await resend.emails.send({});\n"
            "  return Response.json({ id: randomUUID() });\n}\n",
            "src/app/api/send/route.ts": 'import { send } from "resend";\n'
            "export async function POST() {\n  await send();\n  return Response.json({});\n}\n",
            "src/app/api/pay/route.ts": 'import { charge } from "@acme/billing";\n'
            "export async function POST() {\n  await charge();\n  return Response.json({});\n}\n",
        }
    )
    found, skips = rows(files)
    assert found == []
    by_path = {s.path: s for s in skips}
    # followed everything of the project it calls; a package it depends on and a Node.js built-in are not the
    # project's code
    mail = by_path["src/app/api/mail/route.ts"]
    assert (
        mail.reason == "reaches no write to the database; it calls 2 function(s) of the project, and afc followed each"
    )
    assert mail.unreached == Unreached(2, (), ("`randomUUID` from `crypto`",))
    assert mail.unreached.cause == "no-write"
    send = by_path["src/app/api/send/route.ts"]
    assert send.unreached == Unreached(0, (), ("`send` from `resend`",)) and send.unreached.cause == "no-write"
    assert send.reason == "reaches no write to the database; it calls none of the project's functions"
    # `@acme/billing` is no dependency and no file of the project: it may be the project's, afc could not tell
    pay = by_path["src/app/api/pay/route.ts"]
    assert pay.reason == (
        "calls what afc could not follow, and reaches no write afc could find; "
        "it calls `charge` from `@acme/billing` (outside the project)"
    )
    assert pay.unreached == Unreached(0, ("`charge` from `@acme/billing` (outside the project)",))
    assert pay.unreached.cause == "unfollowed"


def test_a_name_its_project_module_does_not_declare_as_a_function_is_not_called_outside():
    """Auth.js's `export const { auth, signIn } = NextAuth(...)`: the module is the project's, the name is
    not a function afc reads there; the note must not say "outside the project"."""
    files = project(
        **{
            "src/auth.ts": "export const { auth, signIn } = NextAuth({});\n",
            "src/app/api/login/route.ts": 'import { signIn } from "@/auth";\n'
            "export async function POST() {\n  await signIn();\n  return Response.json({});\n}\n",
        }
    )
    _, skips = rows(files)
    assert [(s.reason, s.unreached.cause if s.unreached else None) for s in skips] == [
        (
            "calls what afc could not follow, and reaches no write afc could find; "
            "it calls `signIn` from `@/auth` (not a function afc can read in src/auth.ts)",
            "unfollowed",
        )
    ]


def test_a_name_made_by_a_package_the_project_depends_on_is_the_package_s():
    """`export const { auth, signIn } = NextAuth(config)` with `next-auth` a dependency: Auth.js's code."""
    files = project(
        **{
            "package.json": '{ "name": "app", "dependencies": { "next": "15.5.0", "next-auth": "5.0.0" } }',
            "src/auth.ts": 'import NextAuth from "next-auth";\nexport const { auth, signIn } = NextAuth({});\n',
            "src/app/api/login/route.ts": 'import { signIn } from "@/auth";\n'
            "export async function POST() {\n  await signIn();\n  return Response.json({});\n}\n",
        }
    )
    _, skips = rows(files)
    assert [s.unreached for s in skips] == [Unreached(0, (), ("`signIn` from `@/auth` (made by `next-auth`)",))]
    assert skips[0].reason == "reaches no write to the database; it calls none of the project's functions"


def test_an_entry_point_whose_function_afc_cannot_find_is_unfollowed():
    files = project(
        **{
            "src/app/api/[...route]/route.ts": 'import { handle } from "hono/vercel";\n'
            'import { app } from "@/server";\nexport const POST = handle(app);\n',
        }
    )
    _, skips = rows(files)
    [skip] = skips
    assert skip.reason == "afc cannot find the function behind this handler"
    assert skip.unreached == Unreached(0, ("the function behind this handler",))


def test_a_write_without_its_row_kept_is_found_at_the_helper_with_its_entries():
    files = project(
        **{
            "src/lib/done.ts": 'import { db } from "./db";\n'
            "export async function complete(id: number) {\n"
            "  await db.update(todos).set({ done: true }).where(eq(todos.id, id));\n}\n",
            "src/app/api/done/route.ts": 'import { complete } from "@/lib/done";\n'
            "export async function PATCH() {\n  await complete(1);\n  return new Response(null);\n}\n",
        }
    )
    writes, _ = scanned(files)
    assert [(w.path, w.handler, w.action, [str(e) for e in w.entries]) for w in writes] == [
        ("src/lib/done.ts", "complete (src/lib/done.ts)", "updated", ["PATCH (src/app/api/done/route.ts)"])
    ]


def test_a_function_inside_an_entry_point_is_listed_with_it_not_again_as_a_helper():
    files = project(
        **{
            "src/app/api/x/route.ts": 'import { db } from "@/lib/db";\nexport async function POST() {\n'
            "  async function save() {\n    const [row] = await db.insert(todos).values({}).returning();\n"
            "    return row;\n  }\n  return Response.json(await save());\n}\n",
        }
    )
    writes, _ = scanned(files)
    # listed once, under POST; its line goes right after the write, inside the function that makes it
    assert [(w.handler, w.row, w.wirable, w.line) for w in writes] == [("POST", "row", True, 4)]


RETRY = """export async function withRetry<T>(operation: () => Promise<T>, times = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await operation();
    } catch (err) {
      if (i >= times) throw err;
    }
  }
}

export function kept<T>(operation: () => Promise<T>): () => Promise<T> {
  return operation;  // handed back, not run: its caller may batch or chain the query
}

export async function later<T>(operation: () => Promise<T>): Promise<T> {
  const query = operation();  // kept before it runs
  return query;
}

export async function strict<T>(operation: () => PrismaPromise<T>): Promise<T> {
  return await operation();  // awaited, but typed for the ORM's own promise, which a wrapped write is not
}
"""


def test_a_write_returned_to_a_project_function_that_awaits_it_is_wrapped():
    # Old behaviour: "returned at once from a function that is not async" for `withRetry(() => db.update(...))`,
    # although `withRetry` awaits what its callback returns; now wrapped there. A function that keeps or hands
    # back the callback's query is not proof it runs: still the reason.
    route = """import { db } from "@/lib/db";
import { kept, later, strict, withRetry } from "@/lib/retry";

export async function POST() {
  await withRetry(() => db.update(todos).set({ done: true }).where(eq(todos.id, 1)));
  await later(() => db.update(todos).set({ done: false }).where(eq(todos.id, 2)));
  const queued = kept(() => db.delete(todos).where(eq(todos.id, 3)));
  await queued();
  await fetchLater(() => db.delete(todos).where(eq(todos.id, 4)));
  await strict(() => db.delete(todos).where(eq(todos.id, 5)));
  return Response.json({});
}
"""
    writes, _ = scanned(project(**{"src/lib/retry.ts": RETRY, "src/app/api/todos/route.ts": route}))
    found = {w.line: (w.wirable, w.wrapped, w.reason) for w in writes if w.path.endswith("route.ts")}
    assert found[5][:2] == (True, True)
    returned = "returned at once from a function that is not async"
    for line in (6, 7, 9, 10):  # kept before it runs, handed back, outside the project, typed for the ORM's
        assert not found[line][0] and returned in (found[line][2] or ""), (line, found[line])


def test_a_write_returned_from_a_module_function_every_caller_awaits_is_wrapped():
    # Old behaviour: "returned at once from a function that is not async"; the function is the module's own,
    # and every call of it is awaited, so the write runs. Exported, or called once without `await`: the reason.
    route = """import { db } from "@/lib/db";

function touch(id: number) {
  return db.update(todos).set({ done: true }).where(eq(todos.id, id));
}

export function shared(id: number) {
  return db.update(todos).set({ done: false }).where(eq(todos.id, id));
}

const batched = (id: number) => db.delete(todos).where(eq(todos.id, id));

function typed(id: number): PgQuery<void> {
  return db.delete(todos).where(eq(todos.id, id));
}

export async function POST() {
  await touch(1);
  await touch(2);
  await shared(3);
  await Promise.all([batched(4)]);
  await typed(5);
  return Response.json({});
}
"""
    writes, _ = scanned(project(**{"src/app/api/todos/route.ts": route}))
    found = {w.line: (w.wirable, w.wrapped, w.reason) for w in writes if w.path.endswith("route.ts")}
    assert found[4][:2] == (True, True), found[4]
    returned = "returned at once from a function that is not async"
    for line in (8, 11, 14):  # exported; handed to Promise.all unawaited; typed as the ORM's own query
        assert not found[line][0] and returned in (found[line][2] or ""), (line, found[line])


def _follow(files: dict[str, str], path: str, **options):
    """`calls.follow` from the default export of the module at `path`: the names of the functions reached."""
    from afc_realtime.edits import typescript as ts
    from afc_realtime.edits.result import Skip
    from afc_realtime.tree import Tree
    from afc_realtime.writes import calls
    from afc_realtime.writes.graph import Graph

    tree = Tree.in_memory(files)

    def load(rel):
        loaded = ts.load(rel, tree.read_text(rel) or "")
        return None if isinstance(loaded, Skip) else loaded

    graph = Graph(tree, list(files), load, ["."])
    entry = graph.exported(path, "default")
    assert entry is not None and entry.node is not None
    return [f.name for f in calls.follow(graph, path, entry.node, **options).functions]


CHAINED = {
    **APP,
    "src/app/page.tsx": 'import { one } from "@/lib/one";\nimport { List } from "./list";\n'
    "export default async function Page() {\n  await one();\n  return <main><List /></main>;\n}\n",
    "src/app/list.tsx": "export function List() {\n  return <ul />;\n}\n",
    "src/lib/one.ts": 'import { two } from "./two";\nexport async function one() {\n  return two();\n}\n',
    "src/lib/two.ts": 'import { three } from "./three";\nexport async function two() {\n  return three();\n}\n',
    "src/lib/three.ts": 'import { one } from "./one";\nexport async function three() {\n  return one();\n}\n',
}


def test_follow_stops_at_the_depth_asked_and_a_cycle_once():
    """The read side follows a page three steps (`reads.STEPS`); the write side its default; a cycle
    (one -> two -> three -> one) is followed once whatever the depth."""
    assert _follow(CHAINED, "src/app/page.tsx", depth=1) == ["one"]
    assert _follow(CHAINED, "src/app/page.tsx", depth=2) == ["one", "two"]
    assert _follow(CHAINED, "src/app/page.tsx") == ["one", "two", "three"]


def test_follow_counts_rendered_components_only_when_asked_and_never_in_a_ts_file():
    assert _follow(CHAINED, "src/app/page.tsx", rendered=True, depth=1) == ["one", "List"]
    assert _follow(CHAINED, "src/app/page.tsx", depth=1) == ["one"]
    # one.ts is TypeScript, whose grammar has no JSX: asked for components there, follow asks for none
    assert _follow(CHAINED, "src/app/page.tsx", rendered=True, depth=2) == ["one", "List", "two"]


def test_follow_neither_counts_nor_follows_a_module_it_is_told_to_stop_at():
    stop = "src/lib/two.ts".__eq__
    assert _follow(CHAINED, "src/app/page.tsx", stop=stop) == ["one"]
