from afc_realtime.edits import routes
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.insertion import insert_all


def wire(text, resource="todo"):
    return routes.wire(text, ts.parse(text), resource, "broadcast")


def test_post_broadcasts_the_inserted_row_just_before_the_response():
    text = (
        "export async function POST(req: Request) {\n"
        "    const [inserted] = await db.insert(todos).values({}).returning();\n"
        "    return NextResponse.json(inserted, { status: 201 });\n"
        "}\n"
    )
    [result] = wire(text)
    assert isinstance(result, routes.Wired) and result.event == "todo-created"
    new, _ = insert_all(text, [result.insertion])
    assert new.splitlines()[2] == '    broadcast("todo-created", inserted);'


def test_arrow_handlers_and_not_found_guards():
    text = (
        "export const PATCH = async (req: Request) => {\n"
        "\tconst [updated] = await db.update(todos).set({}).returning();\n"
        "\tif (!updated) {\n"
        "\t\treturn NextResponse.json({ error: 'nope' }, { status: 404 });\n"
        "\t}\n"
        "\treturn NextResponse.json(updated);\n"
        "};\n"
        "export const DELETE = async () => {\n"
        "\tconst [gone] = await db.delete(todos).returning();\n"
        "\treturn NextResponse.json(gone);\n"
        "};\n"
    )
    results = wire(text)
    assert [r.event for r in results] == ["todo-updated", "todo-deleted"]
    new, _ = insert_all(text, [r.insertion for r in results])
    assert "\tbroadcast(\"todo-updated\", updated);\n\treturn NextResponse.json(updated);" in new
    assert new.index("404") < new.index("todo-updated")


def test_handlers_that_cannot_be_wired_say_why():
    text = (
        "export async function POST() { await upload(); return new Response(null); }\n"
        "export async function PUT() {\n    const rows = await db.update(t).set({}).returning();\n    return Response.json(rows);\n}\n"
        "export async function DELETE() {\n    const [x] = await db.delete(t);\n    return Response.json(x);\n}\n"
        "export async function GET() { return Response.json([]); }\n"
    )
    reasons = [(r.method, r.reason) for r in wire(text)]
    assert reasons == [
        ("POST", "does not write to the database"),
        ("PUT", "written row is not available: destructure it, as in `const [row] = ...returning()`"),
        ("DELETE", "written row is not available: the write has no .returning()"),
    ]


def test_a_hand_wired_handler_is_left_alone():
    text = (
        "export async function POST() {\n    const [row] = await db.insert(t).values({}).returning();\n"
        "    if (process.env.WS_INTERNAL_URL) { await fetch(process.env.WS_INTERNAL_URL + '/events/todo-created'); }\n"
        "    return Response.json(row);\n}\n"
    )
    [result] = wire(text)
    assert isinstance(result, routes.Skipped) and result.reason == "already broadcasts"


def test_resource_names_come_from_the_route_path():
    assert routes.resource_of("apps/web/src/app/api/todos/route.ts") == ("todo", "/api/todos")
    assert routes.resource_of("apps/web/src/app/api/todos/[id]/route.ts") == ("todo", "/api/todos")
    assert routes.resource_of("apps/web/app/(admin)/api/userProfiles/route.ts") == ("user-profile", "/api/userProfiles")
    assert routes.resource_of("apps/web/src/app/api/categories/route.ts") == ("category", "/api/categories")
    assert routes.resource_of("apps/web/src/app/api/route.ts") is None


def test_imports_go_below_the_last_import_in_the_files_quotes():
    text = "'use client'\nimport a from 'a'\nimport b from 'b'\n\nconst x = 1\n"
    ins = ts.add_import(text, ts.parse(text), "broadcast", "@/lib/realtime/broadcast", "w")
    new, _ = insert_all(text, [ins])
    assert new == "'use client'\nimport a from 'a'\nimport b from 'b'\nimport { broadcast } from '@/lib/realtime/broadcast'\n\nconst x = 1\n"


def test_syntax_errors_are_found_with_their_line():
    problem = ts.syntax_problem(ts.parse("export async function POST() {\n  const x = ;\n}\n"))
    assert problem is not None and problem.line == 2


def test_cutting_a_block_between_blank_lines_leaves_one_blank_line():
    from afc_realtime.edits.spans import cut_all, whole_lines

    text = "a();\n\n// broadcast it\nif (x) {\n  y();\n}\n\nreturn z;\n"
    start = text.index("if")
    assert cut_all(text, [whole_lines(text, start, text.index("}") + 1, "w")]) == "a();\n\nreturn z;\n"
