"""Exact results of the TypeScript finders (routes, pages, imports, object members): every Skip with its
file, reason, line and subject, every Edit with its text. Written to kill the mutants that slipped past
looser assertions (TESTING.md)."""

import pytest

from afc_realtime.edits import pages, routes
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.insertion import Insertion
from afc_realtime.edits.result import Edit, Skip
from tests.support.roundtrip import round_trip

ROUTE = "app/api/todos/route.ts"


def load(text, path=ROUTE):
    file = ts.load(path, text)
    assert isinstance(file, ts.TsFile)
    return file


def wire(text):
    return routes.wire(load(text), "todo", "broadcast")


def test_route_skips_name_file_reason_line_and_method():
    text = (
        "export const POST = async () => fetch('x');\n"
        "export async function PUT() {\n"
        "    const [row] = await db.update(t).set({}).returning();\n"
        "    await log(row);\n"
        "}\n"
        "export async function DELETE() {\n"
        "    const [row] = await db.delete(t).returning(); return Response.json(row);\n"
        "}\n"
        "export async function PATCH() {\n"
        "    await broadcast('todo-updated', x);\n"
        "}\n"
    )
    assert wire(text) == [
        Skip(ROUTE, "handler has no block body", 1, "POST"),
        Skip(ROUTE, "no return statement sends `row` back", 3, "PUT"),
        Skip(ROUTE, "the return statement shares its line with other code", 7, "DELETE"),
        Skip(ROUTE, "already broadcasts", 9, "PATCH"),
    ]


def test_handlers_of_every_shape_and_only_mutating_exports():
    text = (
        "export { helper };\n"
        "export const GET = async () => { };\n"
        "export const OPTIONS = 1, PATCH = function () { };\n"
        "export const PUT = 3;\n"
        "export const DELETE = async function named() { };\n"
        "export const POST = async () => { };\n"
        "export async function HEAD() { }\n"
        "export default function page() { }\n"
    )
    found = [(name, body is not None and body.kind()) for name, body in routes.handlers(load(text).root)]
    assert found == [("PATCH", "statement_block"), ("DELETE", "statement_block"), ("POST", "statement_block")]


def test_the_written_row_is_the_first_name_of_the_pattern_and_the_return_must_mention_it():
    text = (
        "export async function POST() {\n"
        "    const note = 'not a write';\n"
        "    const [first, second] = await db.insert(t).values({}).returning();\n"
        "    return Response.json({ other });\n"
        "    return Response.json(first);\n"
        "}\n"
    )
    [edit] = wire(text)
    assert isinstance(edit, Edit) and edit.line == 5 and edit.subject == "todo-created"
    assert edit.insertions == (
        Insertion(
            text.index("    return Response.json(first)"),
            '    broadcast("todo-created", first);\n',
            "broadcast todo-created",
        ),
    )


def test_no_semicolons_in_the_file_means_none_in_the_line():
    text = (
        "export async function POST() {\n"
        "  const [row] = await db.insert(t).values({}).returning()\n"
        "  return Response.json(row)\n"
        "}\n"
    )
    [edit] = wire(text)
    assert round_trip(routes, text, edit).splitlines()[2] == '  broadcast("todo-created", row)'


@pytest.mark.parametrize(
    "head, client",
    [
        ('"use client";\n', True),
        ("'use client'\n", True),
        ("// licence\n/* more */\n'use client';\n", True),
        ('"use strict";\n"use client";\n', True),
        ('const x = 1;\n"use client";\n', False),
        ('"use server";\n', False),
        ("", False),
    ],
)
def test_client_components_are_told_by_their_directive(head, client):
    assert (
        pages.is_client_component(load(head + "export default function P() { return null; }\n", "p.tsx").root) is client
    )


def test_fetched_collections_are_literal_list_urls_of_fetch_calls():
    text = (
        "fetch('/api/todos?page=1');\n"
        "fetch(`/api/users/`);\n"
        'fetch("/api/a/b");\n'
        "fetch(url);\n"
        "notfetch('/api/no');\n"
        "fetch('https://example.com/api/x');\n"
        "fetch('/api/${id}');\n"
        "window.fetch('/api/w');\n"
        "fetch(base, '/api/second');\n"
    )
    assert pages.fetched_collections(load(text, "p.tsx").root) == {
        "/api/todos",
        "/api/users",
        "/api/a/b",
        "/api/second",
    }


def test_the_list_state_is_an_exact_setter_from_use_state():
    text = (
        "const [a, setTodos] = useMemo(() => []);\n"
        "const { todos, setTodos: s } = useState([]);\n"
        "let [x, y, setTodos] = useState([]);\n"
        "const [todos, setTodosX] = useState([]);\n"
        "const [todos, setTodos] = useState<Todo[]>([]), other = 1;\n"
    )
    decl = pages.state_setter(load(text, "p.tsx").root, "setTodos")
    assert decl is not None and decl.text().startswith("const [todos, setTodos] = useState<Todo[]>")
    assert pages.state_setter(load("const [a, b] = useState();\n", "p.tsx").root, "setTodos") is None


def test_subscribe_results_exactly():
    text = '"use client";\nexport default function P() {\n  const [todos, setTodos] = useState([])\n  return null\n}\n'
    file = load(text, "p.tsx")
    edit = pages.subscribe(file, "todo", "/api/todos", "todos", "useRealtimeList")
    assert edit == Edit(
        "p.tsx",
        (
            Insertion(
                text.index("  return"),
                '  useRealtimeList("todo", "/api/todos", setTodos)\n',
                "subscribe to todo events",
            ),
        ),
        line=3,
        subject="todo",
    )
    missing = pages.subscribe(file, "user", "/api/users", "users", "useRealtimeList")
    assert missing == Skip("p.tsx", "fetches /api/users but has no `setUsers` list state to keep in sync")
    again = load(
        text.replace("  return null", '  useRealtimeList("todo", "/api/todos", setTodos)\n  return null'), "p.tsx"
    )
    assert pages.subscribe(again, "todo", "/api/todos", "todos", "useRealtimeList") == Skip(
        "p.tsx", "already subscribes"
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("const a = 1;\n", 'import { broadcast } from "@/lib/realtime/broadcast";\nconst a = 1;\n'),
        ("\ufeffconst a = 1;\n", '\ufeffimport { broadcast } from "@/lib/realtime/broadcast";\nconst a = 1;\n'),
        ("const a = 1\n", 'import { broadcast } from "@/lib/realtime/broadcast"\nconst a = 1\n'),
        ("", 'import { broadcast } from "@/lib/realtime/broadcast";\n'),
        ("import x from 'x'\n", "import x from 'x'\nimport { broadcast } from '@/lib/realtime/broadcast'\n"),
        ("import x from 'x';", "import x from 'x';\nimport { broadcast } from '@/lib/realtime/broadcast';\n"),
        (
            '"use client";\r\nlet a;\r\n',
            '"use client";\r\nimport { broadcast } from "@/lib/realtime/broadcast";\r\nlet a;\r\n',
        ),
        ('import { broadcast } from "@/lib/realtime/broadcast";\n', None),
        (
            'import { broadcast } from "elsewhere";\n',
            'import { broadcast } from "elsewhere";\nimport { broadcast } from "@/lib/realtime/broadcast";\n',
        ),
    ],
)
def test_add_import_exactly(text, expected):
    file = load(text)
    edit = ts.add_import(file, "broadcast", "@/lib/realtime/broadcast")
    if expected is None:
        assert edit == Edit(ROUTE)
        return
    assert round_trip(ts, text, edit) == expected
    assert edit.path == ROUTE and [i.what for i in edit.insertions] == ["import broadcast"]


@pytest.mark.parametrize(
    "obj, expected",
    [
        ("{}", "{\n    A: a,\n    B: b,\n}"),
        ("{\n}", "{\n    A: a,\n    B: b,\n}"),
        ("{ X: 1 }", "{ X: 1,\nA: a,\nB: b }"),
        ("{\n  X: 1,\n}", "{\n  X: 1,\n  A: a,\n  B: b,\n}"),
        ("{\n  X: 1 ,\n}", "{\n  X: 1 ,\n  A: a,\n  B: b,\n}"),
        ("{\n  X: 1\n}", "{\n  X: 1,\n  A: a,\n  B: b\n}"),
        ("{\n  A,\n}", "{\n  A,\n  B: b,\n}"),
        ("{\n  'A': 1,\n  ...rest,\n}", "{\n  'A': 1,\n  ...rest,\n  B: b,\n}"),
        ("{\n  f() {},\n}", "{\n  f() {},\n  A: a,\n  B: b,\n}"),
        ("{\n  A: 1,\n  B: 2,\n}", None),
    ],
)
def test_add_object_members_exactly(obj, expected):
    text = f"const o = {obj};\n"
    file = load(text)
    node = file.root.find(kind="object")
    assert node is not None
    insertion = ts.add_object_members(text, node, [("A", "a"), ("B", "b")], "members")
    if expected is None:
        assert insertion is None
        return
    assert insertion is not None and insertion.what == "members"
    assert text[: insertion.offset] + insertion.text + text[insertion.offset :] == f"const o = {expected};\n"


def test_statement_lines_are_indented_like_their_neighbour_and_keep_line_endings():
    text = "function f() {\r\n\treturn 1;\r\n}\r\n"
    node = load(text).root.find(kind="return_statement")
    assert node is not None
    assert ts.statement_line_insertion(text, node, "go();", "w") == Insertion(
        text.index("\treturn"), "\tgo();\r\n", "w"
    )
    after = ts.line_after_insertion(text, node, "go();", "w")
    assert after == Insertion(text.index("}"), "\tgo();\r\n", "w")
    no_newline = "let a = 1;"
    decl = load(no_newline).root.find(kind="lexical_declaration")
    assert decl is not None
    assert ts.line_after_insertion(no_newline, decl, "go();", "w") == Insertion(10, "\ngo();\n", "w")
