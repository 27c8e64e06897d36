from afc_realtime.edits import pages
from afc_realtime.edits import typescript as ts
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


def test_a_page_without_the_list_state_is_explained():
    text = '"use client";\nexport default function P() { fetch("/api/todos"); return null; }\n'
    result = pages.subscribe(load(text), "todo", "/api/todos", "todos", "useRealtimeList")
    assert isinstance(result, Skip) and "no `setTodos` list state" in result.reason


def test_a_page_that_subscribes_already_is_left_alone():
    text = PAGE.replace("    useEffect", '    useRealtimeList("todo", "/api/todos", setTodos);\n    useEffect', 1)
    result = pages.subscribe(load(text), "todo", "/api/todos", "todos", "useRealtimeList")
    assert isinstance(result, Skip) and result.reason == "already subscribes"
