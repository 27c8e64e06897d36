from afc_realtime.edits import routes
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.result import Edit, Skip
from tests.support.roundtrip import round_trip


def wire(text, resource="todo", to='"public"'):
    """Every handler's write site broadcast to `to`, as the recipe does once it knows the audience."""
    file = ts.load("app/api/todos/route.ts", text)
    assert isinstance(file, ts.TsFile)
    return [
        site if isinstance(site, Skip) else routes.broadcast(file, site, f"{resource}-{site.action}", "broadcast", to)
        for site in routes.write_sites(file, "broadcast")
    ]


def test_post_broadcasts_the_inserted_row_just_before_the_response():
    text = (
        "export async function POST(req: Request) {\n"
        "    const [inserted] = await db.insert(todos).values({}).returning();\n"
        "    return NextResponse.json(inserted, { status: 201 });\n"
        "}\n"
    )
    [result] = wire(text)
    assert isinstance(result, Edit) and result.subject == "todo-created" and result.line == 3
    new = round_trip(routes, text, result)
    assert new.splitlines()[2] == '    broadcast("todo-created", inserted, { to: "public" });'


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
    assert [r.subject for r in results] == ["todo-updated", "todo-deleted"]
    new = round_trip(routes, text, *results)
    assert '\tbroadcast("todo-updated", updated, { to: "public" });\n\treturn NextResponse.json(updated);' in new
    assert new.index("404") < new.index("todo-updated")


def test_handlers_that_cannot_be_wired_say_why():
    text = (
        "export async function POST() { await upload(); return new Response(null); }\n"
        "export async function PUT() {\n    const rows = await db.update(t).set({}).returning();\n"
        "    return Response.json(rows);\n}\n"
        "export async function DELETE() {\n    const [x] = await db.delete(t);\n    return Response.json(x);\n}\n"
        "export async function GET() { return Response.json([]); }\n"
    )
    results = wire(text)
    assert all(isinstance(r, Skip) and r.path == "app/api/todos/route.ts" for r in results)
    assert [(r.subject, r.reason, r.line) for r in results] == [
        ("POST", "does not write to the database", 1),
        ("PUT", "written row is not available: destructure it, as in `const [row] = ...returning()`", 3),
        ("DELETE", "written row is not available: the write has no .returning()", 7),
    ]
    assert results[0].message == "POST: does not write to the database"


def test_a_hand_wired_handler_is_left_alone():
    text = (
        "export async function POST() {\n    const [row] = await db.insert(t).values({}).returning();\n"
        "    if (process.env.WS_INTERNAL_URL) { await fetch(process.env.WS_INTERNAL_URL + '/events/todo-created'); }\n"
        "    return Response.json(row);\n}\n"
    )
    [result] = wire(text)
    assert isinstance(result, Skip) and result.reason == "already broadcasts"


def test_resource_names_come_from_the_route_path():
    assert routes.resource_of("apps/web/src/app/api/todos/route.ts") == ("todo", "/api/todos")
    assert routes.resource_of("apps/web/src/app/api/todos/[id]/route.ts") == ("todo", "/api/todos")
    assert routes.resource_of("apps/web/app/(admin)/api/userProfiles/route.ts") == ("user-profile", "/api/userProfiles")
    assert routes.resource_of("apps/web/src/app/api/categories/route.ts") == ("category", "/api/categories")
    assert routes.resource_of("apps/web/src/app/api/route.ts") is None


def test_a_write_site_knows_its_row_and_table():
    text = (
        "export async function POST() {\n"
        "    const [note] = await tx.insert(schema.notes).values({}).returning();\n"
        "    return Response.json(note);\n}\n"
        "export async function DELETE() {\n"
        "    const [gone] = await db.delete(notes).where(eq(notes.id, 1)).returning();\n"
        "    return Response.json(gone);\n}\n"
    )
    file = ts.load("app/api/notes/route.ts", text)
    assert isinstance(file, ts.TsFile)
    sites = routes.write_sites(file, "broadcast")
    assert [(s.method, s.row, s.table, s.action, s.line) for s in sites] == [
        ("POST", "note", "notes", "created", 3),
        ("DELETE", "gone", "notes", "deleted", 7),
    ]


def test_a_private_row_is_sent_to_its_owners_channel():
    text = (
        "export async function POST() {\n    const [note] = await db.insert(notes).values({}).returning();\n"
        "    return Response.json(note);\n}\n"
    )
    [edit] = wire(text, "note", "`user:${note.userId}`")
    new = round_trip(routes, text, edit)
    assert '    broadcast("note-created", note, { to: `user:${note.userId}` });\n    return Response.json(note);' in new
