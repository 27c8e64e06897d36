"""Each page strategy on its own: what it reads, the line it inserts (and its exact inverse), and why it
leaves a page alone. The recipe's matching of reads to writes is in tests/test_pages.py."""

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
    [skip] = query.reads(load(QUERY.replace('["todos", "list", page]', "[scope, page]")))
    assert isinstance(skip, Skip) and "does not start with a literal" in skip.reason


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
