"""Exact results of the TypeScript finders (routes, pages, imports, object members): every Skip with its
file, reason, line and subject, every Edit with its text. Written to kill the mutants that slipped past
looser assertions (TESTING.md)."""

import pytest

from afc_realtime.edits import pages
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.insertion import Insertion
from afc_realtime.edits.result import Edit, Skip
from afc_realtime.writes import naming
from tests.support.roundtrip import round_trip

ROUTE = "app/api/todos/route.ts"


def load(text, path=ROUTE):
    file = ts.load(path, text)
    assert isinstance(file, ts.TsFile)
    return file


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


@pytest.mark.parametrize(
    "word, one",
    [
        ("todos", "todo"),
        ("categories", "category"),
        ("ies", "ie"),
        ("classes", "class"),
        ("dishes", "dish"),
        ("matches", "match"),
        ("boxes", "box"),
        ("glass", "glass"),
        ("status", "status"),
        ("data", "data"),
        ("buses", "buse"),
    ],
)
def test_singular(word, one):
    assert naming.singular(word) == one


@pytest.mark.parametrize(
    "name, kebab",
    [
        ("userProfile", "user-profile"),
        ("ABC", "abc"),
        ("a_b c", "a-b-c"),
        ("9lives", "r-9lives"),
        ("-x-", "x"),
        ("v2Items", "v2-items"),
    ],
)
def test_kebab(name, kebab):
    assert naming.kebab(name) == kebab


@pytest.mark.parametrize(
    "path, expected",
    [
        ("src/app/api/todos/route.ts", ("todo", "/api/todos")),
        ("src/app/(shop)/api/@modal/orders/[id]/items/route.ts", ("item", "/api/orders/[id]/items")),
        ("src/app/api/[id]/route.ts", None),
        ("src/pages/api/todos.ts", None),
        ("src/app/(group)/route.ts", None),
        ("src/app/todos/route.ts", ("todo", "/todos")),
        ("src/app/api/(x)y/route.ts", ("x-y", "/api/(x)y")),
    ],
)
def _declare(text):
    from afc_realtime.edits import envschema

    file = load(text, "src/env.ts")
    return envschema.declare(file)


def test_env_schema_edits_exactly():
    text = "export const env = z.object({ A: z.string() }).safeParse(process.env);\n"
    edit = _declare(text)
    assert isinstance(edit, Edit) and edit.path == "src/env.ts"
    assert [i.what for i in edit.insertions] == ["env schema: realtime variables"]
    assert _declare("export const env = z.object({ A: 1 }).parse(other);\n") == Skip(
        "src/env.ts", "no zod object parsed from process.env and no createEnv call found"
    )
    assert isinstance(_declare("const x = parse(process.env);\nconst y = z.object({}).check(process.env);\n"), Skip)
    named = "const s = makeSchema();\nexport const env = s.parse(process.env);\n"
    assert isinstance(_declare(named), Skip)


def test_create_env_with_only_a_client_section_and_the_experimental_runtime():
    text = (
        "export const env = createEnv({\n"
        "  client: {\n    NEXT_PUBLIC_A: z.string(),\n  },\n"
        "  experimental__runtimeEnv: {\n    NEXT_PUBLIC_A: process.env.NEXT_PUBLIC_A,\n  },\n"
        "});\n"
    )
    edit = _declare(text)
    assert isinstance(edit, Edit) and edit.path == "src/env.ts"
    assert [i.what for i in edit.insertions] == [
        "import z",  # the file uses z without importing it
        "env schema (client): realtime variables",
        "env schema (experimental__runtimeEnv): realtime variables",
    ]
    new = round_trip(ts, text, edit)
    assert "NEXT_PUBLIC_WS_URL: process.env.NEXT_PUBLIC_WS_URL" in new and "WS_INTERNAL_URL" not in new
    server_only = "export const env = createEnv({\n  server: {\n    A: z.string(),\n  },\n  runtimeEnv: {\n  },\n});\n"
    new = round_trip(ts, server_only, _declare(server_only))
    # runtimeEnv gets only the variables of the sections the file has: no client section, no client variable
    assert "WS_INTERNAL_URL: process.env.WS_INTERNAL_URL" in new and "NEXT_PUBLIC_WS_URL" not in new


def test_json_values_keep_their_characters_and_each_insertion_says_what_it_is():
    from afc_realtime.edits import jsonfile

    for text in ('{"w": []}', '{"w": ["a"]}', '{"w": [\n  "a"\n]}', '{"w": ["a", "b"]}'):
        edit = jsonfile.ensure_list("p.json", text, "w", ["é-ü"], "workspace")
        assert [i.what for i in edit.insertions] == ["workspace"] and '"é-ü"' in round_trip(jsonfile, text, edit)
    text = '{"w": [\n    "a",\n      "b"\n]}'
    assert round_trip(jsonfile, text, jsonfile.ensure_list("p.json", text, "w", ["c"], "x")).endswith(
        '"b",\n      "c"\n]}'
    )
    text = '{"w": [\n    "a", // one\n      "b" // two\n]}'
    assert round_trip(jsonfile, text, jsonfile.ensure_list("p.json", text, "w", ["c"], "x")).endswith(
        '"b", // two\n      "c"\n]}'
    )
    text = '{"w": [ "a" ]}'
    assert round_trip(jsonfile, text, jsonfile.ensure_list("p.json", text, "w", ["c"], "x")) == '{"w": [ "a", "c" ]}'


def test_more_list_state_and_fetch_shapes():
    text = "let [todos, setTodos];\nconst a = 1, [items, setItems] = useState([]);\n"
    root = load(text, "p.tsx").root
    assert pages.state_setter(root, "setTodos") is None
    found = pages.state_setter(root, "setItems")
    assert found is not None and found.text().startswith("const a = 1")
    assert pages.fetched_collections(load("fetch('/api/inboX');\n", "p.tsx").root) == {"/api/inboX"}


def test_create_env_without_an_object_is_not_a_schema():
    assert isinstance(_declare("export const env = createEnv(config);\n"), Skip)


def test_a_batch_that_both_inserts_and_cuts_is_a_programming_error_said_exactly():
    from afc_realtime.edits.result import apply_edits
    from afc_realtime.edits.spans import Cut

    both = [Edit("a.ts", (Insertion(0, "x", "x"),)), Edit("a.ts", cuts=(Cut(0, 1, "c"),))]
    with pytest.raises(ValueError) as raised:
        apply_edits("abc", both)
    assert str(raised.value) == "one batch of edits either inserts or cuts, not both"


def test_a_file_that_does_not_parse_is_a_warning_with_its_line():
    from afc_realtime.edits.result import Level

    assert ts.load("a.ts", "const a = 1;\nconst = ;\n") == Skip(
        "a.ts", "does not parse; left untouched", 2, level=Level.WARN
    )
