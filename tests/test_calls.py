"""Writes in helper modules, as a user sees them: `afc add websocket` follows the calls of each route
handler, Server Action and tRPC procedure into the project's own modules (the `@/` alias, relative imports
through a barrel, workspace packages by name), wires each writing function once, whatever reaches it, and
lists it with the entry points that reach it; a seed script nobody calls is left alone; the database client
is known by where it comes from. The changed project type-checks under its own compiler options, and
`afc remove websocket` gives every byte back."""

import json

from tests.support.call_projects import CALLS_PATHS, CALLS_PROJECT, PRISMA_CALLS_PROJECT
from tests.support.projects import fingerprint, make_project
from tests.support.typecheck import assert_typechecks
from tests.test_writes import afc

# No GET of these fixtures serves their tables to signed-out visitors, so the user vouches for them (the
# audience rules are tested in test_audience.py; here, calls are).
DRIZZLE_PUBLIC = ("--public", "todos")
PRISMA_PUBLIC = ("--public", "Tag")


def plan_of(project, public):
    result = afc("add", "websocket", "-C", str(project), *public, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows(plan):
    return {
        (b["path"], b["handler"], b["event"], b["to"], b["wired"], tuple(e["handler"] for e in b["entries"]))
        for b in plan["broadcasts"]
    }


def test_drizzle_helpers_reached_by_alias_barrel_and_package_name_are_wired_once(tmp_path):
    plan = plan_of(make_project(tmp_path / "p", CALLS_PROJECT), DRIZZLE_PUBLIC)
    wired = {r for r in rows(plan) if r[4]}
    assert wired == {
        (
            "packages/db/src/todos.ts",
            "insertTodo (packages/db/src/todos.ts)",
            "todo-created",
            "public",
            True,
            ("POST", "action quickTodo", "mutation todo.create"),
        ),
        (
            "apps/web/src/features/notes/mutations.ts",
            "saveNote (apps/web/src/features/notes/mutations.ts)",
            "note-created",
            "user:<userId>",
            True,
            ("action createNote",),
        ),
        (
            "packages/api/src/router/todo.ts",
            "mutation todo.rename",
            "todo-updated",
            "public",
            True,
            ("mutation todo.rename",),
        ),
        (  # keeps no row: a change event all the same (issue 18 item 1), at the helper
            "apps/web/src/lib/db/queries.ts",
            "completeTodo (apps/web/src/lib/db/queries.ts)",
            "todo-updated",
            "public",
            True,
            ("PATCH",),
        ),
    }
    entries = {b["handler"]: b["entries"] for b in plan["broadcasts"]}
    assert entries["insertTodo (packages/db/src/todos.ts)"] == [
        {"path": "apps/web/src/app/api/todos/route.ts", "handler": "POST"},
        {"path": "apps/web/src/app/notes/actions.ts", "handler": "action quickTodo"},
        {"path": "packages/api/src/router/todo.ts", "handler": "mutation todo.create"},
    ]
    # a write that keeps no row is found at the helper, with the entry point that reaches it
    assert entries["completeTodo (apps/web/src/lib/db/queries.ts)"] == [
        {"path": "apps/web/src/app/api/todos/route.ts", "handler": "PATCH"}
    ]
    assert "seed" not in json.dumps(plan)  # reached from no entry point: not wired, not listed
    assert not any("does not write" in n["message"] for n in plan["notes"])


def test_drizzle_helpers_type_check_and_come_out_byte_for_byte(tmp_path, web_toolchain, node):
    project = make_project(tmp_path / "p", CALLS_PROJECT)
    before = fingerprint(project)
    check = {"root": project, "also": ("packages/db", "packages/api"), "paths": CALLS_PATHS}
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc0", **check)
    added = afc("add", "websocket", "-C", str(project), *DRIZZLE_PUBLIC, "--yes")
    assert added.exit_code == 0, added.output
    todos = (project / "packages/db/src/todos.ts").read_text()
    assert todos.count("broadcast(") == 1  # three entry points, one line
    assert '.returning();\n    if (todo) broadcast("todo-created", { table: "todos", action: "created", ' in todos
    assert 'row: todo, complete: true }, { to: "public" });\n    return todo;' in todos
    assert 'import { broadcast } from "../../../apps/web/src/lib/realtime/broadcast";\n' in todos
    mutations = (project / "apps/web/src/features/notes/mutations.ts").read_text()
    assert 'broadcast("note-created", {' in mutations
    assert "{ to: `user:${note.userId}` });\n" in mutations
    assert 'import { broadcast } from "@/lib/realtime/broadcast";' in mutations
    # the page that lists /api/todos follows the event the route's helper sends
    assert (
        '    useRealtimeList("todo", "/api/todos", setTodos);\n' in (project / "apps/web/src/app/page.tsx").read_text()
    )
    for untouched in (
        "packages/db/src/seed.ts",
        "apps/web/src/app/api/todos/route.ts",
        "apps/web/src/app/notes/actions.ts",
    ):
        assert (project / untouched).read_bytes() == CALLS_PROJECT[untouched].encode()
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc", **check)
    removed = afc("remove", "websocket", "-C", str(project), "--yes")
    assert removed.exit_code == 0, removed.output
    assert fingerprint(project) == before


def test_prisma_client_named_database_extended_and_in_a_transaction_through_a_service(tmp_path, web_toolchain, node):
    plan = plan_of(make_project(tmp_path / "dry", PRISMA_CALLS_PROJECT), PRISMA_PUBLIC)
    service = "apps/web/src/server/services/posts.ts"
    assert rows(plan) == {
        (service, f"postService.create ({service})", "post-created", "user:<authorId>", True, ("POST",)),
        (service, f"postService.tag ({service})", "tag-updated", "public", True, ("PUT",)),
        (service, f"postService.rename ({service})", "post-updated", "user:<authorId>", True, ("PATCH",)),
    }  # the Map named `db`, the hash's `.update`, the cache's `.delete` are not writes
    project = make_project(tmp_path / "p", PRISMA_CALLS_PROJECT)
    before = fingerprint(project)
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc0", root=project)
    assert afc("add", "websocket", "-C", str(project), *PRISMA_PUBLIC, "--yes").exit_code == 0
    text = (project / service).read_text()
    assert 'broadcast("post-updated", { table: "post", action: "updated", ' in text
    assert "{ to: `user:${post.authorId}` });\n    return post;" in text
    assert "broadcast" not in (project / "apps/web/src/server/cache.ts").read_text()
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc", root=project)
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def test_the_human_plan_says_which_entry_points_reach_a_helper_write(tmp_path):
    project = make_project(tmp_path / "p", CALLS_PROJECT)
    shown = afc("add", "websocket", "-C", str(project), *DRIZZLE_PUBLIC, "--dry-run", "--verbose")
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())  # as the terminal wraps it
    assert "todo-created -> public insertTodo (packages/db/src/todos.ts) packages/db/src/todos.ts:6" in text
    assert (
        "reached from POST (apps/web/src/app/api/todos/route.ts), action quickTodo "
        "(apps/web/src/app/notes/actions.ts), mutation todo.create (packages/api/src/router/todo.ts)" in text
    )
    # helpers only (a write in a handler's own body is reached from it), and only where an event is listed
    assert text.count("reached from") == 3
