from afc_realtime.audience import Audience, Channel, Reach
from afc_realtime.edits.result import Edit, Skip
from afc_realtime.writes import approuter, inserter
from afc_realtime.writes.site import Write
from tests.support.roundtrip import round_trip
from tests.support.writes import edits, sites, wire

OWNED = Audience(Reach.PRIVATE, "owned", (Channel("user", "userId"),))

PATH = "app/api/todos/route.ts"


def test_post_broadcasts_the_inserted_row_just_before_the_response():
    text = (
        "export async function POST(req: Request) {\n"
        "    const [inserted] = await db.insert(todos).values({}).returning();\n"
        "    return NextResponse.json(inserted, { status: 201 });\n"
        "}\n"
    )
    [result] = wire(approuter, PATH, text)
    assert isinstance(result, Edit) and result.subject == "todo-created" and result.line == 3
    new = round_trip(inserter, text, result)
    assert new.splitlines()[2] == (
        '    if (inserted) broadcast("todo-created", { table: "todos", action: "created", keys: { id: inserted.id }, '
        'row: inserted, complete: true }, { to: "public" });'
    )


def test_arrow_handlers_guard_a_row_that_may_be_missing_unless_narrowed():
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
    results = wire(approuter, PATH, text)
    assert [r.subject for r in results] == ["todo-updated", "todo-deleted"]
    new = round_trip(inserter, text, *results)
    assert (
        '\tbroadcast("todo-updated", { table: "todos", action: "updated", keys: { id: updated.id }, row: updated, '
        'complete: true }, { to: "public" });\n\treturn NextResponse.json(updated);' in new
    )
    assert (
        '\tif (gone) broadcast("todo-deleted", { table: "todos", action: "deleted", keys: { id: gone.id }, row: gone, '
        'complete: true }, { to: "public" });\n\treturn NextResponse.json(gone);' in new
    )


def test_wrapped_and_re_exported_handlers_but_not_auth_js_handlers():
    text = (
        "const handler = async (req: Request) => {\n"
        "    const [row] = await db.insert(todos).values({}).returning();\n"
        "    return Response.json({ row });\n"
        "};\n"
        "export const PUT = withAuth(withRateLimit(async (req) => {\n"
        "    const [todo] = await db.update(todos).set({}).returning();\n"
        "    if (!todo) throw new Error('missing');\n"
        "    return Response.json(todo);\n"
        "}));\n"
        "export { handler as GET, handler as POST };\n"
        "export const { GET: AUTH_GET, POST: AUTH_POST } = handlers;\n"
    )
    found = sites(approuter, PATH, text)
    assert [(s.handler, s.row, s.action, s.line) for s in found if isinstance(s, Write)] == [
        ("PUT", "todo", "updated", 6),
        ("POST", "row", "created", 2),
    ]
    new = round_trip(inserter, text, *edits(wire(approuter, PATH, text, OWNED, ("id", "userId"))))
    assert (
        '    if (todo.userId != null) broadcast("todo-updated", { table: "todos", action: "updated", '
        "keys: { id: todo.id }, row: todo, complete: true }, { to: `user:${todo.userId}` });\n"
        "    return Response.json(todo);" in new
    )
    assert (
        '    if (row && row.userId != null) broadcast("todo-created", { table: "todos", action: "created", '
        "keys: { id: row.id }, row, complete: true }, { to: `user:${row.userId}` });\n"
        "    return Response.json({ row });" in new
    )


def test_handlers_that_cannot_be_wired_say_why():
    text = (
        "export async function POST() { await upload(); return new Response(null); }\n"
        "export async function PUT() {\n    const rows = await db.update(t).set({}).returning();\n"
        "    return Response.json(rows);\n}\n"
        "export async function DELETE() {\n    const [x] = await db.delete(t);\n    return Response.json(x);\n}\n"
        "export async function PATCH() {\n    await db.update(t).set({ done: true }).where(eq(t.id, 1));\n"
        "    return new Response(null, { status: 204 });\n}\n"
        "export async function GET() { return Response.json([]); }\n"
    )
    found = sites(approuter, PATH, text)
    assert [(r.handler if isinstance(r, Write) else r.subject, r.reason, r.line) for r in found] == [
        ("POST", "does not write to the database in its own body", 1),
        ("PUT", "", 3),  # rows not destructured: a change with no row, right after the write
        ("DELETE", "", 7),  # no `.returning()`: a change all the same
        ("PATCH", "", 11),
    ]
    new = round_trip(inserter, text, *edits(wire(approuter, PATH, text)))
    assert (
        '    await db.update(t).set({ done: true }).where(eq(t.id, 1));\n    broadcast("t-updated", { table: "t", '
        'action: "updated", keys: { id: 1 }, row: { id: 1, done: true }, complete: false }, { to: "public" });\n' in new
    )
    assert (
        '    const [x] = await db.delete(t);\n    broadcast("t-deleted", { table: "t", action: "deleted", keys: {}, '
        'complete: false }, { to: "public" });\n' in new
    )


def test_a_hmac_update_is_not_a_write_and_a_response_without_the_row_is_named():
    text = (
        "export async function POST(req: Request) {\n"
        "    const digest = createHmac('sha256', key).update(await req.text()).digest('hex');\n"
        "    hash.update(digest);\n"
        "    cache.delete(digest);\n"
        "    return Response.json({ ok: true });\n}\n"
        "export async function PUT() {\n"
        "    const [row] = await db.insert(t).values({}).returning();\n"
        "    return Response.json({ ok: true });\n}\n"
    )
    found = sites(approuter, PATH, text)
    assert [(r.reason, r.line) for r in found] == [
        ("does not write to the database in its own body", 1),
        ("", 8),  # no response sends `row` back: the line goes right after the write
    ]
    new = round_trip(inserter, text, *edits(wire(approuter, PATH, text)))
    assert (
        '.returning();\n    if (row) broadcast("t-created", { table: "t", action: "created", keys: { id: row.id }, '
        in new
    )


def test_indexed_rows_and_transactions():
    text = (
        "export async function POST() {\n"
        "    const rows = await db.insert(schema.todos).values({}).returning();\n"
        "    return Response.json(rows[0]);\n}\n"
        "export async function PUT() {\n"
        "    const todo = await db.transaction(async (tx) => {\n"
        "        const [row] = await tx.update(todos).set({}).returning();\n"
        "        await tx.insert(auditLog).values({ what: 'update' });\n"
        "        if (!row) throw new Error('gone');\n"
        "        return row;\n"
        "    });\n"
        "    return Response.json(todo);\n}\n"
        "export async function DELETE() {\n"
        "    await db.transaction(async (tx) => {\n"
        "        const [row] = await tx.delete(todos).returning();\n"
        "    });\n"
        "    return new Response(null);\n}\n"
    )
    found = sites(approuter, PATH, text)
    summary = [(s.handler, s.table, s.row, s.maybe_undefined, s.reason[:40]) for s in found if isinstance(s, Write)]
    assert summary == [
        ("POST", "todos", "rows[0]", True, ""),
        ("PUT", "todos", "todo", False, ""),
        ("PUT", "auditLog", None, False, ""),  # after the transaction, once it committed
        ("DELETE", "todos", None, False, ""),  # its row stays inside: the change it states, after it
    ]
    new = round_trip(inserter, text, *edits(wire(approuter, PATH, text)))
    assert (
        '    if (rows[0]) broadcast("todo-created", { table: "todos", action: "created", keys: { id: rows[0].id }, '
        'row: rows[0], complete: true }, { to: "public" });\n    return Response.json(rows[0]);' in new
    )
    assert (
        '    });\n    broadcast("todo-updated", { table: "todos", action: "updated", keys: { id: todo.id }, row: todo, '
        'complete: true }, { to: "public" });\n' in new
    )
    assert (
        '    broadcast("audit-log-created", { table: "auditLog", action: "created", keys: {}, '
        "row: { what: 'update' }, complete: false }, { to: \"public\" });\n    return Response.json(todo);" in new
    )


def test_a_change_that_uses_a_name_of_the_transaction_is_sent_after_it_without_that_value():
    text = (
        "export async function POST(req: Request) {\n"
        "    const { title } = (await req.json()) as { title: string };\n"
        "    await db.transaction(async (tx) => {\n"
        "        const owner = await tx.query.users.findFirst();\n"
        "        await tx.insert(todos).values({ title, ownerId: owner.id });\n"
        "        await tx.insert(audit).values({ title });\n"
        "    });\n"
        "    return new Response(null, { status: 204 });\n}\n"
    )
    found = [s for s in sites(approuter, PATH, text) if isinstance(s, Write)]
    # once left unsent ("its change uses `owner`, declared inside it"): `owner` is out of scope after the
    # transaction, so that value is left out, and said; the rest goes out once the transaction committed
    assert [(s.table, s.wirable, s.change.fields, s.change.left_out) for s in found] == [
        ("todos", True, (("title", "title"),), ("`ownerId` (from `owner`, declared inside the transaction)",)),
        ("audit", True, (("title", "title"),), ()),
    ]
    new = round_trip(inserter, text, *edits(wire(approuter, PATH, text)))
    assert (
        '    });\n    broadcast("todo-created", { table: "todos", action: "created", keys: {}, row: { title }, '
        'complete: false }, { to: "public" });\n    broadcast("audit-created", { table: "audit", action: "created", '
        "keys: {}, row: { title }" in new
    )


def test_a_hand_wired_handler_is_left_alone():
    text = (
        "export async function POST() {\n    const [row] = await db.insert(t).values({}).returning();\n"
        "    if (process.env.WS_INTERNAL_URL) { await fetch(process.env.WS_INTERNAL_URL + '/events/todo-created'); }\n"
        "    return Response.json(row);\n}\n"
    )
    [result] = sites(approuter, PATH, text)
    assert isinstance(result, Skip) and result.reason == "already broadcasts"


def test_prisma_in_a_route_returns_the_row_and_many_calls_do_not():
    text = (
        "export async function POST(req: Request) {\n"
        "    const post = await prisma.post.create({ data: await req.json() });\n"
        "    await prisma.auditLog.createMany({ data: [] });\n"
        "    return NextResponse.json(post, { status: 201 });\n}\n"
    )
    found = sites(approuter, PATH, text)
    assert [(s.orm, s.table, s.row, s.reason) for s in found if isinstance(s, Write)] == [
        ("prisma", "post", "post", ""),
        ("prisma", "auditLog", None, ""),
    ]
    new = round_trip(inserter, text, *edits(wire(approuter, PATH, text)))
    assert (
        '    broadcast("post-created", { table: "post", action: "created", keys: { id: post.id }, row: post, '
        'complete: true }, { to: "public" });\n' in new
    )
    assert (
        '    broadcast("audit-log-created", { table: "auditLog", '
        'action: "created", keys: {}, complete: false }, { to: "public" });\n' in new
    )
