"""Each page strategy on its own: what it reads, the line it inserts (and its exact inverse), and why it
leaves a page alone. The recipe's matching of reads to writes is in tests/test_pages.py."""

from dataclasses import replace

from afc_realtime.edits import pages
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.result import Edit, Skip
from afc_realtime.pages import find, query, refresh, swr, trpc
from afc_realtime.pages.site import Feed, Read, feeds_of
from tests.support.roundtrip import round_trip

PATH = "apps/web/src/app/x/page.tsx"
TODO = Feed("apps/web/src/app/api/todos/route.ts", "POST", "todos", "todo", "todo-created")
TODO_DELETED = Feed("apps/web/src/app/api/todos/[id]/route.ts", "DELETE", "todos", "todo", "todo-deleted")
POST = Feed("packages/api/src/router/post.ts", "mutation post.create", "post", "post", "post-created")
ACTION = Feed("apps/web/src/app/x/actions.ts", "action addNote", "notes", "note", "note-created")
ROUTES = [TODO.path, TODO_DELETED.path]


def load(text: str) -> ts.TsFile:
    file = ts.load(PATH, text)
    assert isinstance(file, ts.TsFile)
    return file


def only_read(file: ts.TsFile) -> Read:
    [read] = [r for r in find.reads(file)]
    assert isinstance(read, Read), read
    return read


def wire(text: str, feeds: list[Feed]) -> str:
    file = load(text)
    read = only_read(file)
    module = find.BY_NAME[read.strategy]
    return round_trip(pages, text, module.subscribe(file, read, feeds_of(read, feeds, ROUTES)))


SWR = """'use client'
import useSWR from 'swr'

export default function Todos() {
  const { data, mutate } = useSWR('/api/todos?page=1', fetcher)
  return <p>{data}</p>
}
"""


def test_swr_revalidates_its_key_on_the_events_of_the_routes_at_its_url():
    new = wire(SWR, [TODO, TODO_DELETED, POST])
    assert "fetcher)\n  useRealtimeSWR('/api/todos?page=1', ['todo-created', 'todo-deleted'])\n  return" in new


def test_swr_with_a_key_built_at_run_time_is_listed():
    [skip] = swr.reads(load(SWR.replace("'/api/todos?page=1'", "`/api/todos/${id}`")))
    assert isinstance(skip, Skip) and "not a literal URL" in skip.reason


QUERY = """"use client";
import { useQuery } from "@tanstack/react-query";

async function loadTodos() {
    const res = await fetch("/api/todos");
    return res.json();
}

export default function Todos({ page }: { page: number }) {
    const todos = useQuery({ queryKey: ["todos", "list", page], queryFn: loadTodos });
    return <p>{todos.data}</p>;
}
"""


def test_tanstack_query_invalidates_the_literal_prefix_of_its_key():
    new = wire(QUERY, [TODO, POST])
    assert '    useRealtimeQuery(["todos", "list"], ["todo-created"]);\n' in new


def test_tanstack_query_whose_function_afc_cannot_read_is_listed():
    [skip] = query.reads(load(QUERY.replace("queryFn: loadTodos", "queryFn: api.todos")))
    assert isinstance(skip, Skip) and "cannot tell what its `queryFn` reads" in skip.reason
    [skip] = query.reads(load(QUERY.replace('["todos", "list", page]', "[page, () => page]")))
    assert isinstance(skip, Skip) and "cannot read its query key" in skip.reason


KEYED = """"use client";
import { queryOptions, useQuery } from "@tanstack/react-query";

const TODOS_KEY = ["todos"] as const;
const todoKeys = { all: ["todos"] as const, list: (page: number) => ["todos", "list", page] as const };
const todosQuery = queryOptions({ queryKey: todoKeys.all, queryFn: () => fetch("/api/todos").then((r) => r.json()) });

export default function Todos({ page }: { page: number }) {
    const todos = useQuery(ARGS);
    return <p>{todos.data}</p>;
}
"""


def test_tanstack_query_keys_that_are_not_literals_are_repeated_as_written():
    fetched = 'queryFn: () => fetch("/api/todos").then((r) => r.json())'
    for key, expected in (
        ("TODOS_KEY", "TODOS_KEY"),
        ("todoKeys.all", "todoKeys.all"),
        ("todoKeys.list(page)", "todoKeys.list(page)"),
        ("[...todoKeys.all, page]", "[...todoKeys.all, page]"),
    ):
        new = wire(KEYED.replace("ARGS", f"{{ queryKey: {key}, {fetched} }}"), [TODO, POST])
        assert f'    useRealtimeQuery({expected}, ["todo-created"]);\n    return' in new, key
    # options kept in a name, or built inline with `queryOptions`
    new = wire(KEYED.replace("ARGS", "todosQuery"), [TODO])
    assert '    useRealtimeQuery(todosQuery.queryKey, ["todo-created"]);\n' in new
    new = wire(KEYED.replace("ARGS", f"queryOptions({{ queryKey: TODOS_KEY, {fetched} }})"), [TODO])
    assert '    useRealtimeQuery(TODOS_KEY, ["todo-created"]);\n' in new


TRPC_OPTIONS = """"use client";
import { useSuspenseQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";

export function Posts() {
    const trpc = useTRPC();
    const { data } = useSuspenseQuery(trpc.post.all.queryOptions());
    return <p>{data.length}</p>;
}
"""


def test_trpc_query_options_invalidate_their_router_through_its_path_key():
    read = only_read(load(TRPC_OPTIONS))
    assert (read.strategy, read.router, read.procedure) == ("query", "post", "all")
    new = wire(TRPC_OPTIONS, [TODO, POST])
    assert '    useRealtimeQuery(trpc.post.pathKey(), ["post-created"]);\n' in new
    spread = TRPC_OPTIONS.replace("trpc.post.all.queryOptions()", "{ ...trpc.post.all.queryOptions(), retry: false }")
    new = wire(spread, [TODO, POST])
    assert '    useRealtimeQuery(trpc.post.pathKey(), ["post-created"]);\n' in new


TRPC = """"use client";
import { api } from "~/trpc/react";

export function Posts() {
    const [posts] = api.post.all.useSuspenseQuery();
    return <p>{posts.length}</p>;
}
"""


def test_trpc_invalidates_the_router_whose_mutations_wrote():
    new = wire(TRPC, [TODO, POST])
    assert '    useRealtimeInvalidate(api.useUtils().post, ["post-created"]);\n' in new


def test_each_component_of_a_file_subscribes_once():
    two = TRPC + TRPC.split("\n", 2)[2].replace("function Posts", "function PostCount")
    file = load(two)
    reads = [r for r in find.reads(file) if isinstance(r, Read)]
    assert len(reads) == 2
    new = round_trip(pages, two, *[trpc.subscribe(file, r, feeds_of(r, [POST], ROUTES)) for r in reads])
    assert new.count("useRealtimeInvalidate(api.useUtils().post") == 2
    again = load(new)
    assert all(isinstance(trpc.subscribe(again, r, [POST]), Skip) for r in find.reads(again) if isinstance(r, Read))


def test_trpc_procedures_of_the_root_router_are_listed():
    [skip] = trpc.reads(load(TRPC.replace("api.post.all.useSuspenseQuery", "api.hello.useQuery")))
    assert isinstance(skip, Skip) and "root router" in skip.reason


SERVER = """import { db, notes, todos } from "@/db";

export default async function Page() {
    const rows = await db.query.todos.findMany();
    return (
        <>
            <h1>Todos</h1>
        </>
    );
}
"""


def test_a_server_component_refreshes_on_its_tables_and_the_actions_of_its_folder():
    new = wire(SERVER, [TODO, POST, ACTION])
    assert (
        '        <>\n            <RealtimeRefresh events={["note-created", "todo-created"]} />\n            <h1>' in new
    )


def test_server_component_reads_through_prisma_and_drizzle_selects():
    text = SERVER.replace("db.query.todos.findMany()", "prisma.post.findMany({ take: 5 })")
    assert only_read(load(text)).tables == frozenset({"post"})
    text = SERVER.replace("db.query.todos.findMany()", "db.select({ id: schema.todos.id }).from(schema.todos)")
    assert only_read(load(text)).tables == frozenset({"todos"})


def test_a_server_component_afc_cannot_wire_is_listed_or_left_quiet():
    file = load(SERVER)
    result = refresh.subscribe(file, only_read(file), [])
    assert isinstance(result, Skip) and "no write afc wired changes the tables `todos`" in result.reason
    quiet = load(
        "export default function About() {\n    return (\n        <p>\n            Hi\n        </p>\n    );\n}\n"
    )
    result = refresh.subscribe(quiet, only_read(quiet), [])
    assert isinstance(result, Edit) and result.empty
    inline = load(SERVER.replace("<>\n            <h1>Todos</h1>\n        </>", "<main><h1>Todos</h1></main>"))
    result = refresh.subscribe(inline, only_read(inline), [TODO])
    assert isinstance(result, Skip) and "no child on a line of its own" in result.reason


def test_a_client_page_fetching_inside_a_query_is_not_taken_for_a_list():
    text = QUERY.replace("queryFn: loadTodos", 'queryFn: () => fetch("/api/todos").then((r) => r.json())')
    reads = find.reads(load(text))
    assert [r.strategy for r in reads if isinstance(r, Read)] == ["query"]


def test_a_page_that_no_wired_write_feeds_is_listed_with_the_reason():
    for text, writes in ((SWR, "write"), (TRPC, "mutation")):
        file = load(text)
        read = only_read(file)
        result = find.BY_NAME[read.strategy].subscribe(file, read, [])
        assert isinstance(result, Skip) and result.path == PATH and result.line == read.line
        assert result.reason == f"no {writes} afc wired changes {read.source()}"


def test_a_read_followed_to_its_tables_refreshes_on_their_events_only():
    """Followed to what it reads (the GET at its URL reads `todos`), a list refreshes on every write to
    `todos`, wherever it is (a Server Action, a tRPC mutation), and not on another table's write at its URL."""
    comments = Feed(
        "apps/web/src/app/api/todos/[id]/comments/route.ts", "POST", "comments", "comment", "comment-created"
    )
    elsewhere = Feed("apps/web/src/app/board/actions.ts", "action addTodo", "todos", "todo", "todo-created")
    read = only_read(load(SWR))
    routes = [*ROUTES, comments.path]
    assert {f.event for f in feeds_of(read, [TODO, comments, elsewhere, POST], routes)} == {
        "todo-created",
        "comment-created",
    }
    assert {f.path for f in feeds_of(read, [elsewhere], routes)} == set()  # unfollowed: by URL only
    followed = replace(read, tables=frozenset({"todos"}), via="GET /api/todos (route.ts:4)")
    found = feeds_of(followed, [TODO, comments, elsewhere, POST], routes)
    assert sorted((f.path, f.event) for f in found) == sorted(
        [(TODO.path, "todo-created"), (elsewhere.path, "todo-created")]
    )
    trpc_read = replace(only_read(load(TRPC)), tables=frozenset({"notes"}), via="query post.all (post.ts:3)")
    assert feeds_of(trpc_read, [POST, ACTION], routes) == [ACTION]
    result = trpc.subscribe(load(TRPC), trpc_read, [])
    assert (
        isinstance(result, Skip)
        and result.reason == "no mutation afc wired changes the tables `notes` (read by query post.all (post.ts:3))"
    )
