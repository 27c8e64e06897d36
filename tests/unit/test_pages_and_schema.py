from afc_realtime.edits import envschema, pages
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.insertion import insert_all, remove_all
from tests.support.projects import ENV_SCHEMA, PAGE


def test_a_list_page_subscribes_below_its_state():
    root = ts.parse(PAGE)
    assert pages.is_client_component(root) and pages.fetched_collections(root) == {"/api/todos"}
    sub = pages.subscribe(PAGE, root, "todo", "/api/todos", "todos", "useRealtimeList")
    new, _ = insert_all(PAGE, [sub.insertion])
    assert '    const [todos, setTodos] = useState<Todo[]>([]);\n    useRealtimeList("todo", "/api/todos", setTodos);\n' in new


def test_a_page_without_the_list_state_is_explained():
    text = '"use client";\nexport default function P() { fetch("/api/todos"); return null; }\n'
    assert "no `setTodos` list state" in pages.subscribe(text, ts.parse(text), "todo", "/api/todos", "todos", "useRealtimeList")


def test_zod_env_schema_gets_optional_realtime_variables():
    [ins] = envschema.declare(ENV_SCHEMA, ts.parse(ENV_SCHEMA))
    new, placed = insert_all(ENV_SCHEMA, [ins])
    assert "        DATABASE_URL: z.string().url(),\n        WS_INTERNAL_URL: z.string().url().optional(),\n" in new
    assert "NEXT_PUBLIC_WS_URL: z.string().url().optional()," in new
    assert remove_all(new, placed)[0] == ENV_SCHEMA


def test_a_named_schema_parsed_later_is_found():
    text = 'const schema = z.object({ A: z.string() });\nexport const env = schema.parse(process.env);\n'
    [ins] = envschema.declare(text, ts.parse(text))
    assert insert_all(text, [ins])[0].startswith("const schema = z.object({ A: z.string(),\nWS_INTERNAL_URL")


def test_create_env_sections_each_get_their_variables():
    text = (
        "export const env = createEnv({\n"
        "  server: {\n    DATABASE_URL: z.string(),\n  },\n"
        "  client: {\n    NEXT_PUBLIC_APP: z.string(),\n  },\n"
        "  runtimeEnv: {\n    DATABASE_URL: process.env.DATABASE_URL,\n    NEXT_PUBLIC_APP: process.env.NEXT_PUBLIC_APP,\n  },\n"
        "});\n"
    )
    inserts = envschema.declare(text, ts.parse(text))
    new, placed = insert_all(text, inserts)
    assert "  server: {\n    DATABASE_URL: z.string(),\n    WS_INTERNAL_URL: z.string().url().optional(),\n    WS_EVENTS_SECRET" in new
    assert "  client: {\n    NEXT_PUBLIC_APP: z.string(),\n    NEXT_PUBLIC_WS_URL: z.string().url().optional(),\n  }" in new
    assert "    NEXT_PUBLIC_WS_URL: process.env.NEXT_PUBLIC_WS_URL,\n  },\n});" in new
    assert remove_all(new, placed)[0] == text


def test_no_schema_shape_is_reported():
    assert isinstance(envschema.declare("export const x = 1;\n", ts.parse("export const x = 1;\n")), str)
