"""What a page subscribes to (`pages/site.py` `feeds_of`, `pages/refresh.py` `tables_read`, `writes/naming.py`
`serves`), table-driven on both sides of each check (issue 20 item 5): a page hears the writes that change what
it reads, and no other: not a route beside its URL, not another router's mutation, not another folder's
action, not a table it does not read."""

import pytest

from afc_realtime.edits import typescript as ts
from afc_realtime.pages import refresh
from afc_realtime.pages.site import Feed, Read, events_of, feeds_of
from afc_realtime.writes import naming

WEB = "apps/web/src/app"


def read(**what) -> Read:
    return Read(f"{WEB}/x/page.tsx", 3, "list", "a read", None, **what)  # type: ignore[arg-type]


def feed(path: str, handler: str = "POST", table: str = "todos", event: str = "todo-created") -> Feed:
    return Feed(path, handler, table, table.rstrip("s"), event)


@pytest.mark.parametrize(
    ("route", "url"),
    [
        (f"{WEB}/api/todos/route.ts", "/api/todos"),
        ("apps/web/app/(admin)/api/todos/[id]/route.ts", "/api/todos/[id]"),
        ("apps/web/app/@modal/api/todos/route.ts", "/api/todos"),
        ("apps/web/app/route.ts", "/"),
        ("apps/web/src/pages/api/todos.ts", None),
        ("apps/web/src/application/api/todos/route.ts", None),
    ],
)
def test_route_url(route, url):
    assert naming.route_url(route) == url


@pytest.mark.parametrize(
    ("route", "collection", "served"),
    [
        (f"{WEB}/api/todos/route.ts", "/api/todos", True),
        (f"{WEB}/api/todos/route.ts", "/api/todos/", True),
        (f"{WEB}/api/todos/[id]/route.ts", "/api/todos", True),
        (f"{WEB}/api/todos/[id]/route.ts", "/api/todos/", True),
        (f"{WEB}/api/todos-archive/route.ts", "/api/todos", False),
        (f"{WEB}/api/todo/route.ts", "/api/todos", False),
        (f"{WEB}/api/route.ts", "/api/todos", False),
        (f"{WEB}/api/notes/todos/route.ts", "/api/todos", False),
        ("apps/web/src/pages/api/todos.ts", "/api/todos", False),
    ],
)
def test_serves_a_url_or_one_below_it_and_nothing_beside_it(route, collection, served):
    assert naming.serves(route, collection) is served


TODO = feed(f"{WEB}/api/todos/route.ts")
TODO_ITEM = feed(f"{WEB}/api/todos/[id]/route.ts", "DELETE", event="todo-deleted")
ARCHIVE = feed(f"{WEB}/api/todos-archive/route.ts", event="archive-created")
MUTATION = feed("packages/api/src/router/post.ts", "mutation post.create", "post", "post-created")
NESTED = feed("packages/api/src/router/admin.ts", "mutation admin.post.remove", "post", "post-deleted")
ROOT_MUTATION = feed("packages/api/src/root.ts", "mutation create", "post", "post-updated")
ACTION = feed(f"{WEB}/x/actions.ts", "action addNote", "notes", "note-created")
OTHER_ACTION = feed(f"{WEB}/y/actions.ts", "action addNote", "notes", "note-updated")
NOT_AN_ACTION = feed(f"{WEB}/x/handler.ts", "POST", "notes", "note-deleted")
ALL = [TODO, TODO_ITEM, ARCHIVE, MUTATION, NESTED, ROOT_MUTATION, ACTION, OTHER_ACTION, NOT_AN_ACTION]
ROUTES = [TODO.path, TODO_ITEM.path, ARCHIVE.path]


@pytest.mark.parametrize(
    ("page", "heard"),
    [
        (read(url="/api/todos"), [TODO, TODO_ITEM]),
        (read(url="/api/todos/[id]"), [TODO_ITEM]),
        (read(router="post"), [MUTATION]),
        (read(router="admin.post"), [MUTATION]),  # a nested router's name is its last part
        (read(router="admin"), []),
        (read(tables=frozenset({"notes"})), [ACTION, OTHER_ACTION, NOT_AN_ACTION]),
        (read(tables=frozenset({"post", "todos"})), [TODO, TODO_ITEM, ARCHIVE, MUTATION, NESTED, ROOT_MUTATION]),
        (read(actions_dir=f"{WEB}/x"), [ACTION]),
        (read(actions_dir=f"{WEB}/y"), [OTHER_ACTION]),
        (read(actions_dir=f"{WEB}/z"), []),
        (read(), []),
    ],
)
def test_a_page_hears_the_writes_that_change_what_it_reads_and_no_other(page, heard):
    assert feeds_of(page, ALL, ROUTES) == heard


def test_a_route_outside_the_wired_routes_is_not_heard_by_url():
    assert feeds_of(read(url="/api/todos"), ALL, [TODO_ITEM.path]) == [TODO_ITEM]


def test_a_handler_merely_named_like_a_mutation_or_action_is_not_one():
    lookalike = feed("packages/api/src/router/post.ts", "POST mutation post.create", "x", "x-created")
    action_like = feed(f"{WEB}/x/actions.ts", "POST action addNote", "x", "x-updated")
    assert feeds_of(read(router="post"), [lookalike], []) == []
    assert feeds_of(read(actions_dir=f"{WEB}/x"), [action_like], []) == []
    procedure_like = feed("packages/api/src/router/post.ts", "post.create", "x", "x-deleted")
    assert feeds_of(read(router="post"), [procedure_like], []) == []


def test_a_root_procedure_is_no_router_s_mutation():
    """`mutation post` on the root router beside a nested `admin.post` router: the page reading
    `api.admin.post.list` does not hear it."""
    root = feed("packages/api/src/root.ts", "mutation post", "post", "post-created")
    assert feeds_of(read(router="admin.post"), [root], []) == []
    assert feeds_of(read(router="post"), [root], []) == []


def test_events_are_each_named_once_in_order():
    assert events_of([TODO_ITEM, TODO, TODO, ACTION]) == ["note-created", "todo-created", "todo-deleted"]
    assert events_of([]) == []


def tables(code: str) -> set[str]:
    file = ts.load("page.tsx", code)
    assert isinstance(file, ts.TsFile)
    return refresh.tables_read(file.root)


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ("await db.select().from(todos)", {"todos"}),
        ("await db.select({ id: t.id }).from(schema.todos)", {"todos"}),
        ("await db.from(todos)", set()),  # no `select` in the chain
        ("await db.select().from()", set()),
        ("await db.select().from(todos).where(eq(todos.done, false))", {"todos"}),  # what `where` reads is no table
        ("await db.select().from(todos /* every row */)", {"todos"}),
        ("await db.select().from(/* every row */ todos)", {"todos"}),
        ("await db.query.todos.findMany()", {"todos"}),
        ("await db.query.todos.findFirst()", {"todos"}),
        ("await db.query.todos.findUnique()", set()),  # not a Drizzle query read
        ("await query.todos.findMany()", set()),
        ("await redis.cache.todos.findMany()", set()),  # three parts, but not `query`
        ("await (await getDb()).query.todos.findMany()", {"todos"}),  # a client from a call
        ("await tenant(id).db.post.findMany()", {"post"}),
        ("await db.query[table].findMany()", set()),  # a table chosen at run time
        ("await prisma[model].findMany()", set()),
        ("await loaders[kind]()", set()),
        ("await prisma.post.findMany()", {"post"}),
        ("await prisma.post.count()", {"post"}),
        ("await prisma.post.groupBy({})", {"post"}),
        ("await prisma.post.findUniqueOrThrow({})", {"post"}),
        ("await ctx.db.post.findFirst()", {"post"}),
        ("await db.post.findFirstOrThrow()", {"post"}),
        ("await prisma.post.create({})", set()),  # a write
        ("await cache.post.findMany()", set()),  # not a database client
        ("await prisma.query.findMany()", set()),
        ("await post.findMany()", set()),
        ("await db[name].findMany()", set()),
        ("await findMany()", set()),
    ],
)
def test_the_tables_a_server_component_reads(code, found):
    assert tables(f"export default async function Page() {{\n  const rows = {code};\n}}\n") == found
