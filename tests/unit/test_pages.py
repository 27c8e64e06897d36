import pytest

from afc_realtime.edits import pages
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.insertion import Insertion
from afc_realtime.edits.result import Skip
from tests.support.projects import PAGE
from tests.support.roundtrip import round_trip


def load(text):
    file = ts.load("app/page.tsx", text)
    assert isinstance(file, ts.TsFile)
    return file


def test_a_list_page_subscribes_below_its_state():
    file = load(PAGE)
    assert pages.is_client_component(file.root) and pages.fetched_collections(file.root) == {"/api/todos"}
    new = round_trip(pages, PAGE, pages.subscribe(file, "todo", "/api/todos", "todos", "useRealtimeList"))
    expected = (
        '    const [todos, setTodos] = useState<Todo[]>([]);\n    useRealtimeList("todo", "/api/todos", setTodos);\n'
    )
    assert expected in new


@pytest.mark.parametrize(
    "text, expected",
    [
        ('"use client";\n', True),
        ("'use client'\n", True),
        ('"use clientX";\n', False),  # only quotes and `;` come off the directive
        ("'Xuse client'\n", False),
        ('import a from "a";\n"use client";\n', False),  # a directive stands first
    ],
)
def test_is_client_component_exactly(text, expected):
    assert pages.is_client_component(load(text).root) is expected


def test_a_page_without_the_list_state_is_explained():
    text = '"use client";\nexport default function P() { fetch("/api/todos"); return null; }\n'
    result = pages.subscribe(load(text), "todo", "/api/todos", "todos", "useRealtimeList")
    assert isinstance(result, Skip) and "no `setTodos` list state" in result.reason


def test_a_page_that_subscribes_already_is_left_alone():
    text = PAGE.replace("    useEffect", '    useRealtimeList("todo", "/api/todos", setTodos);\n    useEffect', 1)
    result = pages.subscribe(load(text), "todo", "/api/todos", "todos", "useRealtimeList")
    assert isinstance(result, Skip) and result.reason == "already subscribes"


@pytest.mark.parametrize(
    "text, exclude, expected",
    [
        ('fetch("/api/todos");\n', (), ["/api/todos"]),
        ('fetch("/api/todos");\n', ("useQuery",), ["/api/todos"]),
        ('useQuery({ queryFn: () => fetch("/api/todos") });\n', ("useQuery",), []),
        ('useQuery({ queryFn: () => fetch("/api/todos") });\n', (), ["/api/todos"]),
        ('api.useQuery(() => fetch("/api/todos"));\n', ("useQuery",), []),  # by its last name
        ('useSWR("/k", () => fetch("/api/todos"));\n', ("useQuery", "useSWR"), []),
        ('wrap(() => fetch("/api/todos"));\n', ("useQuery",), ["/api/todos"]),
        ('myuseQuery(() => fetch("/api/todos"));\n', ("useQuery",), ["/api/todos"]),
        ('useQuery.x(() => fetch("/api/todos"));\n', ("useQuery",), ["/api/todos"]),
        ('trpc.todos.useQuery(() => fetch("/api/todos"));\n', ("useQuery",), []),  # the last of several names
        ("fetch(`/api/todos?page=${page}`);\n", (), []),  # a URL built at run time is no literal
        ("fetch(`/api/todos?page=1`);\n", (), ["/api/todos"]),
        ('const q = useQuery;\nq(() => fetch("/api/todos"));\n', ("useQuery",), ["/api/todos"]),
    ],
)
def test_fetch_calls_leave_out_those_inside_the_excluded_calls(text, exclude, expected):
    assert list(pages.fetch_calls(load(text).root, exclude)) == expected


LIVE = Insertion(23, "        <Live />\n", "live")


def _first_child(text):
    file = load(text)
    element = next(iter(file.root.find_all(kind="jsx_element")))
    return pages.jsx_first_child(file, element, "<Live />", "live")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("const a = (\n    <main>\n        <h1>Hi</h1>\n    </main>\n);\n", LIVE),
        ("const a = (\n    <main>\n        text\n    </main>\n);\n", None),  # the text starts after <main>
        ("const a = (\n    <main>\n        {x}\n    </main>\n);\n", LIVE),
        ("const a = (\n    <main>\n\n        <Nav />\n    </main>\n);\n", Insertion(24, "        <Live />\n", "live")),
        ("const a = (\r\n  <main>\r\n    <p />\r\n  </main>\r\n);\r\n", Insertion(23, "    <Live />\r\n", "live")),
        ("const a = <main><h1>Hi</h1></main>;\n", None),  # no child starts a line
        ("const a = (\n    <main>\n    </main>\n);\n", None),  # blank text only
        ("const a = (\n    <main>\n        text\n        <b />\n    </main>\n);\n", None),  # text first: no line
        ("const a = (\n    <main>x <b /></main>\n);\n", None),
    ],
)
def test_jsx_first_child_goes_above_the_first_child_that_starts_a_line(text, expected):
    assert _first_child(text) == expected
