"""Every write site afc recognises, as a user sees it: `afc add websocket` wires each write it can (event
from the table, audience from the schema) and lists the others with the reason; the changed app (and
`packages/api`) type-checks under its own compiler options, the strictest included; `afc remove websocket`
gives every byte back."""

import json

from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.projects import fingerprint, make_project
from tests.support.typecheck import assert_typechecks, typecheck
from tests.support.write_projects import (
    ACTIONS_PROJECT,
    CHANGES_PROJECT,
    PRISMA_CHANGES_PROJECT,
    PRISMA_PROJECT,
    ROUTES_PROJECT,
)

runner = CliRunner()


def afc(*args):
    return runner.invoke(app, list(args))


def plan_of(project):
    result = afc("add", "websocket", "-C", str(project), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def broadcasts(plan):
    return {
        (b["path"].split("/src/", 1)[-1], b["handler"], b["event"], b["to"], b["wired"]) for b in plan["broadcasts"]
    }


def add_check_remove(tmp_path, files, web_toolchain, node, also=()):
    project = make_project(tmp_path / "p", files)
    before = fingerprint(project)
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc0", root=project, also=also)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc", root=project, also=also)
    removed = afc("remove", "websocket", "-C", str(project), "--yes")
    assert removed.exit_code == 0, removed.output
    assert fingerprint(project) == before
    return project


def test_route_shapes_are_each_wired_or_listed_with_the_reason(tmp_path):
    plan = plan_of(make_project(tmp_path / "p", ROUTES_PROJECT))
    assert broadcasts(plan) == {
        ("app/api/todos/route.ts", "POST", "todo-created", "public", True),
        ("app/api/todos/[id]/route.ts", "PATCH", "todo-updated", "public", True),
        ("app/api/todos/[id]/route.ts", "DELETE", "todo-deleted", "public", True),  # no `.returning()`: a change
        ("app/api/notes/route.ts", "POST", "note-created", "user:<userId>", True),
        ("app/api/user/new/route.ts", "POST", "user-created", "nobody", False),
        ("app/api/chat/message/new/route.ts", "POST", "message-created", "user:<userId>", True),
        ("app/api/chat/conversation/new/route.ts", "POST", "conversation-created", "user:<userId>", True),
        ("pages/api/legacy-todos.ts", "API handler", "todo-created", "public", True),
    }
    reasons = {b["event"] + " " + b["handler"]: b["reason"] for b in plan["broadcasts"]}
    assert not any(".returning()" in b["reason"] for b in plan["broadcasts"])  # never asked of anyone now
    assert "credentials (passwordHash)" in reasons["user-created POST"]
    notes = {(n["path"].split("/src/", 1)[-1], n["message"]) for n in plan["notes"]}
    assert (
        "app/api/webhook/route.ts",
        "POST: reaches no write to the database; it calls none of the project's functions",
    ) in notes  # an HMAC is no write
    assert not any("nextauth" in n[0] for n in notes)  # `export const { GET, POST } = handlers` is not a write


def test_route_shapes_type_check_under_the_strictest_options(tmp_path, web_toolchain, node):
    project = make_project(tmp_path / "p", ROUTES_PROJECT)
    before = fingerprint(project)
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc0", root=project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    api = project / "apps/web/src/app/api"
    assert (
        '    if (todo) broadcast("todo-created", { table: "todos", action: "created", keys: { id: todo.id }, '
        'row: todo, complete: true }, { to: "public" });\n    return NextResponse.json(todo, { status: 201 });'
        in (api / "todos/route.ts").read_text()
    )
    todo = (api / "todos/[id]/route.ts").read_text()
    assert (
        '    if (rows[0]) broadcast("todo-updated", { table: "todos", action: "updated", keys: { id: rows[0].id }, '
        'row: rows[0], complete: true }, { to: "public" });\n    return Response.json(rows[0] ?? null);' in todo
    )
    assert (  # no `.returning()`: the keys come from the `where`
        "    await db.delete(todos).where(eq(todos.id, Number(id)));\n"
        '    broadcast("todo-deleted", { table: "todos", action: "deleted", keys: { id: Number(id) }, '
        'row: { id: Number(id) }, complete: false }, { to: "public" });\n' in todo
    )
    assert (
        '    });\n    if (note && note.userId != null) broadcast("note-created", { table: "notes", action: "created", '
        "keys: { id: note.id }, row: note, complete: true }, { to: `user:${note.userId}` });\n"
        in (api / "notes/route.ts").read_text()
    )
    assert (
        '    if (message && message.userId != null) broadcast("message-created", { table: "messages", '
        'action: "created", keys: { id: message.id }, row: message, complete: true }, '
        "{ to: `user:${message.userId}` });\n    return NextResponse.json({ message });"
        in (api / "chat/message/new/route.ts").read_text()
    )
    assert (
        '    }\n    if (conversation.userId != null) broadcast("conversation-created", { table: "conversations", '
        'action: "created", keys: { id: conversation.id }, row: conversation, complete: true }, '
        "{ to: `user:${conversation.userId}` });\n" in (api / "chat/conversation/new/route.ts").read_text()
    )
    legacy = (project / "apps/web/src/pages/api/legacy-todos.ts").read_text()
    assert (
        '    if (todo) broadcast("todo-created", { table: "todos", action: "created", keys: { id: todo.id }, '
        'row: todo, complete: true }, { to: "public" });\n    res.status(201).json(todo);' in legacy
    )
    assert 'import { broadcast } from "@/lib/realtime/broadcast";' in legacy
    page = (project / "apps/web/src/app/page.tsx").read_text()
    assert '    useRealtimeList("todo", "/api/todos", setTodos);\n' in page
    assert "broadcast" not in (api / "webhook/route.ts").read_text() + (api / "user/new/route.ts").read_text()
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc", root=project)
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def test_server_actions_through_a_wrapper_and_inside_a_function(tmp_path, web_toolchain, node):
    plan = plan_of(make_project(tmp_path / "dry", ACTIONS_PROJECT))
    assert "page.tsx" not in json.dumps(plan["notes"])  # a Server Component page is not a client page
    assert broadcasts(plan) == {
        ("app/notes/actions.ts", "action createNote", "note-created", "user:<userId>", True),
        ("app/notes/actions.ts", "action renameNote", "note-updated", "user:<userId>", True),
        ("app/notes/actions.ts", "action completeTodo", "todo-updated", "public", True),
        ("app/page.tsx", "action addTodo", "todo-created", "public", True),
    }
    project = add_check_remove(tmp_path, ACTIONS_PROJECT, web_toolchain, node)
    assert project.exists()


def test_the_lines_in_server_actions_go_right_after_the_write(tmp_path):
    project = make_project(tmp_path / "p", ACTIONS_PROJECT)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    actions = (project / "apps/web/src/app/notes/actions.ts").read_text()
    assert (
        '    }\n    if (note.userId != null) broadcast("note-created", { table: "notes", action: "created", '
        "keys: { id: note.id }, row: note, complete: true }, { to: `user:${note.userId}` });\n    revalidatePath"
        in actions
    )
    assert (
        '.returning();\n    if (note && note.userId != null) broadcast("note-updated", { table: "notes", '
        'action: "updated", keys: { id: note.id }, row: note, complete: true }, { to: `user:${note.userId}` });\n'
        in actions
    )
    page = (project / "apps/web/src/app/page.tsx").read_text()
    assert (
        'if (!todo) throw new Error("not saved");\n        broadcast("todo-created", { table: "todos", '
        'action: "created", keys: { id: todo.id }, row: todo, complete: true }, { to: "public" });\n' in page
    )


def test_prisma_in_a_route_and_in_a_trpc_router_of_another_package(tmp_path, web_toolchain, node):
    plan = plan_of(make_project(tmp_path / "dry", PRISMA_PROJECT))
    rows = {(b["path"], b["handler"], b["event"], b["to"], b["wired"]) for b in plan["broadcasts"]}
    assert rows == {
        ("apps/web/src/app/api/posts/route.ts", "POST", "post-created", "user:<authorId>", True),
        ("packages/api/src/router/post.ts", "mutation post.create", "post-created", "user:<authorId>", True),
        ("packages/api/src/router/post.ts", "mutation post.tag", "tag-updated", "public", True),
        # `=> ctx.db.post.delete(..)` (once left: "returns the written row without keeping it"): wrapped
        ("packages/api/src/router/post.ts", "mutation post.remove", "post-deleted", "user:<authorId>", True),
    }
    assert not any(".returning()" in b["reason"] for b in plan["broadcasts"])  # never told to Prisma users
    project = make_project(tmp_path / "p", PRISMA_PROJECT)
    before = fingerprint(project)
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc0", root=project, also=("packages/api",))
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    router = (project / "packages/api/src/router/post.ts").read_text()
    assert 'import { broadcast } from "../../../../apps/web/src/lib/realtime/broadcast";\n' in router
    assert (
        '});\n      if (post.authorId != null) broadcast("post-created", { table: "post", action: "created", '
        "keys: { id: post.id }, row: post, complete: true }, { to: `user:${post.authorId}` });\n      return post;"
        in router
    )
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc", root=project, also=("packages/api",))
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def notes_of(plan):
    return {(n["path"].split("/src/", 1)[-1], n["level"], n["message"]) for n in plan["notes"]}


def test_writes_that_keep_no_row_send_the_change_they_state(tmp_path, web_toolchain, node):
    plan = plan_of(make_project(tmp_path / "dry", CHANGES_PROJECT))
    assert broadcasts(plan) == {
        ("app/api/messages/route.ts", "POST", "message-created", "user:<userId>", True),  # `values(body)`
        ("app/api/todos/route.ts", "POST", "todo-created", "public", True),
        ("app/notes/actions.ts", "action addNote", "note-created", "user:<userId>", True),
        ("app/notes/actions.ts", "action editNote", "note-updated", "user:<userId>", True),  # owner from the where
        # no owner stated: looked up by the key (an owner lookup of `owners.ts`); old behaviour sent it to nobody
        ("app/notes/actions.ts", "action editAnyNote", "note-updated", "user:<userId>", True),
        ("app/notes/actions.ts", "action finishTodo", "todo-updated", "public", True),
        ("app/notes/actions.ts", "action dropTodo", "todo-deleted", "public", True),
        # in callbacks, under a condition, returned at once (issue 18): wired where they are
        ("app/todos/actions.ts", "action addNotes", "note-created", "user:<userId>", True),
        ("app/todos/actions.ts", "action addTodos", "todo-created", "public", True),
        ("app/todos/actions.ts", "action addTodos", "todo-updated", "public", True),
        ("app/todos/actions.ts", "action toggleTodo", "todo-updated", "public", True),
        ("app/todos/actions.ts", "action toggleTodo", "todo-deleted", "public", True),
        ("app/todos/actions.ts", "action copyTodo", "todo-created", "public", True),
        ("app/todos/actions.ts", "action renameTodo", "todo-updated", "public", True),
        ("app/todos/actions.ts", "action resetTodos", "todo-updated", "public", True),  # after the transaction
        ("app/todos/actions.ts", "action resetTodos", "todo-deleted", "public", True),
    }
    notes = notes_of(plan)
    assert (
        "app/notes/actions.ts",
        "info",
        "action addNote: note-created: left out of the change: `body` (`text.trim()`: evaluated again it could "
        "give another value)",
    ) in notes
    project = add_check_remove(tmp_path, CHANGES_PROJECT, web_toolchain, node)
    assert project.exists()


def test_the_change_lines_go_right_after_the_write(tmp_path):
    project = make_project(tmp_path / "p", CHANGES_PROJECT)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    actions = (project / "apps/web/src/app/notes/actions.ts").read_text()
    assert (
        "    await db.insert(notes).values({ userId, body: text.trim() });\n"
        '    if (userId != null) broadcast("note-created", { table: "notes", action: "created", keys: {}, '
        "row: { userId }, complete: false }, { to: `user:${userId}` });\n"
        '    revalidatePath("/notes");' in actions
    )
    assert (
        ".where(and(eq(notes.id, id), eq(notes.userId, userId)));\n"
        '    if (userId != null) broadcast("note-updated", { table: "notes", action: "updated", keys: { id }, '
        "row: { id, userId, body: text }, complete: false }, { to: `user:${userId}` });\n}" in actions
    )
    assert (
        '    broadcast("todo-deleted", { table: "todos", action: "deleted", keys: { id }, row: { id }, '
        'complete: false }, { to: "public" });\n    revalidatePath("/");' in actions
    )
    shapes = (project / "apps/web/src/app/todos/actions.ts").read_text()
    assert (
        "texts.map((text) => broadcastAfter(db.insert(notes).values({ userId, body: text }), () => { "
        'if (userId != null) broadcast("note-created", { table: "notes", action: "created", keys: {}, '
        "row: { userId, body: text }, complete: false }, { to: `user:${userId}` }); })));" in shapes
    )
    assert (
        "        await db.insert(todos).values({ title });\n"
        '        broadcast("todo-created", { table: "todos", action: "created", keys: {}, row: { title }, '
        'complete: false }, { to: "public" });\n    });' in shapes
    )
    assert (
        "    if (done) await broadcastAfter(db.update(todos).set({ done }).where(eq(todos.id, id)), () => {" in shapes
    )
    assert "    else await broadcastAfter(db.delete(todos).where(eq(todos.id, id)), () => {" in shapes
    assert (
        "    return broadcastAfter(db.insert(todos).values({ title }).returning(), (written) => { if (written[0]) "
        'broadcast("todo-created", { table: "todos", action: "created", keys: { id: written[0].id }, row: written[0], '
        'complete: true }, { to: "public" }); });' in shapes
    )
    assert (  # the returned transaction wrapped once per write: both changes go out once it committed
        "    return broadcastAfter(broadcastAfter(db.transaction(async (tx) => {\n" in shapes
        and '    }), () => { broadcast("todo-updated", { table: "todos", action: "updated", keys: {}, '
        'row: { done: false }, complete: false }, { to: "public" }); }), () => { broadcast("todo-deleted", '
        in shapes
    )
    assert 'import { broadcast } from "@/lib/realtime/broadcast";\n' in shapes
    assert 'import { broadcastAfter } from "@/lib/realtime/broadcast";\n' in shapes
    assert (
        "    await db.update(notes).set({ body: text }).where(eq(notes.id, id));\n"
        '    if (id != null) broadcast("note-updated", { table: "notes", action: "updated", keys: { id }, '
        "row: { id, body: text }, complete: false }, { to: ownersOfNotes(id) });\n" in actions
    )
    route = (project / "apps/web/src/app/api/messages/route.ts").read_text()
    assert "broadcastAfter" not in route  # imported only where a write is wrapped
    assert (
        "    await db.insert(messages).values(body);\n"
        '    if (body.userId != null) broadcast("message-created", { table: "messages", action: "created", keys: {}, '
        "row: { userId: body.userId, body: body.body }, complete: false }, { to: `user:${body.userId}` });\n" in route
    )


def test_prisma_select_not_kept_and_many(tmp_path, web_toolchain, node):
    plan = plan_of(make_project(tmp_path / "dry", PRISMA_CHANGES_PROJECT))
    rows = {(b["handler"], b["event"], b["to"], b["wired"]) for b in plan["broadcasts"]}
    assert rows == {
        ("POST", "post-created", "user:<authorId>", True),
        ("mutation post.create", "post-created", "user:<authorId>", True),  # `select: { id: true }`
        ("mutation post.draft", "post-created", "user:<authorId>", True),  # not kept
        ("mutation post.retitle", "post-updated", "user:<authorId>", True),  # owner from the where
        ("mutation post.rename", "post-updated", "user:<authorId>", True),  # no owner stated: looked up by `id`
        ("mutation post.retag", "tag-updated", "public", True),  # updateMany: one change, no row
        ("mutation post.archive", "post-deleted", "user:<authorId>", True),  # returned at once: wrapped
        ("mutation post.label", "tag-updated", "public", True),  # an upsert, returned
        ("mutation post.labels", "tag-created", "public", True),  # in `input.map(...)`
        ("mutation post.flag", "tag-updated", "public", True),  # under a condition: wrapped
        ("mutation post.flag", "tag-deleted", "public", True),  # in a transaction: after it
    }
    project = make_project(tmp_path / "p", PRISMA_CHANGES_PROJECT)
    before = fingerprint(project)
    also = ("packages/api",)
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc0", root=project, also=also)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    router = (project / "packages/api/src/router/post.ts").read_text()
    assert "post.authorId" not in router  # the select leaves it out: reading it would not compile
    assert (
        '    if (ctx.session.userId != null) broadcast("post-created", { table: "post", action: "created", '
        "keys: { id: post.id }, row: { title: input.title, authorId: ctx.session.userId, id: post.id }, "
        "complete: false }, { to: `user:${ctx.session.userId}` });\n    return post.id;" in router
    )
    assert (
        "data: { name: input.toLowerCase() } });\n"
        '    broadcast("tag-updated", { table: "tag", action: "updated", keys: {}, complete: false }, '
        '{ to: "public" });\n' in router
    )
    assert (
        "ctx.db.post.delete({ where: { id: input } }), (written) => { if (written.authorId != null) "
        'broadcast("post-deleted", { table: "post", action: "deleted", keys: { id: written.id }, row: written, '
        "complete: true }, { to: `user:${written.authorId}` }); })" in router
    )
    assert (
        "    return broadcastAfter(ctx.db.tag.upsert({ where: { name: input }, create: { name: input }, update: {} }), "
        '(written) => { broadcast("tag-updated", { table: "tag", action: "updated", keys: { id: written.id }, '
        'row: written, complete: true }, { to: "public" }); });' in router
    )
    assert "    if (input.on) await broadcastAfter(ctx.db.tag.update({ where: { id: input.id }" in router
    assert (
        "    });\n"
        '    broadcast("tag-deleted", { table: "tag", action: "deleted", keys: { id: input.id }, '
        'row: { id: input.id }, complete: false }, { to: "public" });\n  }),' in router
    )
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc", root=project, also=also)
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def test_reading_a_field_the_select_drops_is_a_type_error_under_the_stubs(tmp_path, web_toolchain, node):
    """The other side of the check above: the Prisma stub refuses `post.authorId` after `select: { id: true }`,
    so the typecheck would catch afc reading it."""
    files = dict(PRISMA_CHANGES_PROJECT)
    router = files["packages/api/src/router/post.ts"]
    files["packages/api/src/router/post.ts"] = router.replace("return post.id;", "return post.authorId;")
    project = make_project(tmp_path / "p", files)
    result = typecheck(project / "apps/web", web_toolchain, node, tmp_path / "tc", root=project, also=("packages/api",))
    assert result.returncode != 0 and "authorId" in result.stdout + result.stderr
