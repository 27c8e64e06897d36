"""Every write site afc recognises, as a user sees it: `afc add websocket` wires each write it can (event
from the table, audience from the schema) and lists the others with the reason; the changed app (and
`packages/api`) type-checks under its own compiler options, the strictest included; `afc remove websocket`
gives every byte back."""

import json

from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.projects import fingerprint, make_project
from tests.support.typecheck import assert_typechecks
from tests.support.write_projects import ACTIONS_PROJECT, PRISMA_PROJECT, ROUTES_PROJECT

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
        ("app/api/todos/[id]/route.ts", "DELETE", "todo-deleted", "nobody", False),
        ("app/api/notes/route.ts", "POST", "note-created", "user:<userId>", True),
        ("app/api/user/new/route.ts", "POST", "user-created", "nobody", False),
        ("app/api/chat/message/new/route.ts", "POST", "message-created", "user:<userId>", True),
        ("app/api/chat/conversation/new/route.ts", "POST", "conversation-created", "user:<userId>", True),
        ("pages/api/legacy-todos.ts", "API handler", "todo-created", "public", True),
    }
    reasons = {b["event"] + " " + b["handler"]: b["reason"] for b in plan["broadcasts"]}
    assert reasons["todo-deleted DELETE"].startswith("writes, but returns no row: add `.returning()`")
    assert "credentials (passwordHash)" in reasons["user-created POST"]
    notes = {(n["path"].split("/src/", 1)[-1], n["message"]) for n in plan["notes"]}
    assert (
        "app/api/webhook/route.ts",
        "POST: does not write to the database in its own body, and calls none of the project's functions",
    ) in notes  # an HMAC is no write
    assert not any("nextauth" in n[0] for n in notes)  # `export const { GET, POST } = handlers` is not a write


def test_route_shapes_type_check_under_the_strictest_options(tmp_path, web_toolchain, node):
    project = make_project(tmp_path / "p", ROUTES_PROJECT)
    before = fingerprint(project)
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc0", root=project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    api = project / "apps/web/src/app/api"
    assert (
        '    broadcast("todo-created", todo, { to: "public" });\n    return NextResponse.json(todo, { status: 201 });'
        in (api / "todos/route.ts").read_text()
    )
    assert (
        '    if (rows[0]) broadcast("todo-updated", rows[0], { to: "public" });\n'
        "    return Response.json(rows[0] ?? null);" in (api / "todos/[id]/route.ts").read_text()
    )
    assert (
        '    });\n    if (note) broadcast("note-created", note, { to: `user:${note.userId}` });\n'
        in (api / "notes/route.ts").read_text()
    )
    assert (
        '    if (message) broadcast("message-created", message, { to: `user:${message.userId}` });\n'
        "    return NextResponse.json({ message });" in (api / "chat/message/new/route.ts").read_text()
    )
    assert (
        '    }\n    broadcast("conversation-created", conversation, { to: `user:${conversation.userId}` });\n'
        in (api / "chat/conversation/new/route.ts").read_text()
    )
    legacy = (project / "apps/web/src/pages/api/legacy-todos.ts").read_text()
    assert '    broadcast("todo-created", todo, { to: "public" });\n    res.status(201).json(todo);' in legacy
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
        ("app/notes/actions.ts", "action completeTodo", "todo-updated", "nobody", False),
        ("app/page.tsx", "action addTodo", "todo-created", "public", True),
    }
    project = add_check_remove(tmp_path, ACTIONS_PROJECT, web_toolchain, node)
    assert project.exists()


def test_the_lines_in_server_actions_go_right_after_the_write(tmp_path):
    project = make_project(tmp_path / "p", ACTIONS_PROJECT)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    actions = (project / "apps/web/src/app/notes/actions.ts").read_text()
    assert '    }\n    broadcast("note-created", note, { to: `user:${note.userId}` });\n    revalidatePath' in actions
    assert '.returning();\n    if (note) broadcast("note-updated", note, { to: `user:${note.userId}` });\n' in actions
    page = (project / "apps/web/src/app/page.tsx").read_text()
    assert (
        'if (!todo) throw new Error("not saved");\n        broadcast("todo-created", todo, { to: "public" });\n' in page
    )


def test_prisma_in_a_route_and_in_a_trpc_router_of_another_package(tmp_path, web_toolchain, node):
    plan = plan_of(make_project(tmp_path / "dry", PRISMA_PROJECT))
    rows = {(b["path"], b["handler"], b["event"], b["to"], b["wired"]) for b in plan["broadcasts"]}
    assert rows == {
        ("apps/web/src/app/api/posts/route.ts", "POST", "post-created", "user:<authorId>", True),
        ("packages/api/src/router/post.ts", "mutation post.create", "post-created", "user:<authorId>", True),
        ("packages/api/src/router/post.ts", "mutation post.tag", "tag-updated", "public", True),
        ("packages/api/src/router/post.ts", "mutation post.remove", "post-deleted", "nobody", False),
    }
    assert not any(".returning()" in b["reason"] for b in plan["broadcasts"])  # never told to Prisma users
    project = make_project(tmp_path / "p", PRISMA_PROJECT)
    before = fingerprint(project)
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc0", root=project, also=("packages/api",))
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    router = (project / "packages/api/src/router/post.ts").read_text()
    assert 'import { broadcast } from "../../../../apps/web/src/lib/realtime/broadcast";\n' in router
    assert '});\n      broadcast("post-created", post, { to: `user:${post.authorId}` });\n      return post;' in router
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc", root=project, also=("packages/api",))
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before
