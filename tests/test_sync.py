"""`afc sync websocket`: the writes and pages the app gained since `add websocket` get wired, shown first
as `add` shows its plan, and `remove websocket` takes them out with the rest, byte for byte."""

import json

import jsonschema
from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.contract import schema
from tests.support.projects import AFC_PROJECT, PAGE, fingerprint, make_project

runner = CliRunner()

# The user's new write, after `add websocket`: a DELETE of one todo.
DELETE_ROUTE = """import { NextResponse } from "next/server";
import { eq } from "drizzle-orm";
import { db, todos } from "@app/db";

export async function DELETE(_req: Request, { params }: { params: Promise<{ id: string }> }) {
    const { id } = await params;
    const [deleted] = await db.delete(todos).where(eq(todos.id, Number(id))).returning();
    return NextResponse.json(deleted);
}
"""
NEW_FILES = {
    "apps/web/src/app/api/todos/[id]/route.ts": DELETE_ROUTE,
    "apps/web/src/app/board/page.tsx": PAGE,  # and a new page that reads the todos
}


def afc(*args):
    return runner.invoke(app, list(args))


def test_sync_wires_a_write_added_since_and_remove_takes_it_out(tmp_path):
    project = make_project(tmp_path / "proj", AFC_PROJECT)
    root = str(project)
    assert afc("add", "websocket", "-C", root, "--yes").exit_code == 0
    for rel, text in NEW_FILES.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    with_users_write = fingerprint(project)

    preview = afc("sync", "websocket", "-C", root, "--dry-run", "--json")
    assert preview.exit_code == 0, preview.output
    plan = json.loads(preview.stdout)
    jsonschema.validate(plan, schema("plan"))
    assert fingerprint(project) == with_users_write  # a dry run changes nothing
    [wired] = [b for b in plan["broadcasts"] if b["wired"]]
    assert (wired["path"], wired["handler"], wired["event"]) == (
        "apps/web/src/app/api/todos/[id]/route.ts",
        "DELETE",
        "todo-deleted",
    )
    assert not any("already" in n["message"] for n in plan["notes"])  # what add wired is not news
    diffs = "".join(c.get("diff") or "" for c in plan["changes"])
    assert '+    if (deleted) broadcast("todo-deleted", ' in diffs and "+    useRealtimeList(" in diffs

    synced = afc("sync", "websocket", "-C", root, "--yes")
    assert synced.exit_code == 0, synced.output
    route = (project / "apps/web/src/app/api/todos/[id]/route.ts").read_text()
    assert 'broadcast("todo-deleted"' in route and 'import { broadcast } from "@/lib/realtime/broadcast";' in route
    board = (project / "apps/web/src/app/board/page.tsx").read_text()
    assert 'useRealtimeList("todo", "/api/todos", setTodos);' in board
    manifest = (project / ".afc/manifest.toml").read_text()
    assert '[features."sync:1"]' in manifest and "todo-deleted" in manifest

    assert afc("status", "-C", root, "--check").exit_code == 0  # the sync's record holds: no drift
    again = afc("sync", "websocket", "-C", root, "--yes")
    assert again.exit_code == 0 and "Nothing new to wire" in again.output

    removed = afc("remove", "websocket", "-C", root, "--yes")
    assert removed.exit_code == 0, removed.output
    expected = make_project(tmp_path / "expected", {**AFC_PROJECT, **NEW_FILES})
    assert fingerprint(project) == fingerprint(expected)


def test_sync_needs_websocket(afc_project):
    result = afc("sync", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 2 and "afc add websocket" in result.output


def test_a_page_added_since_follows_the_events_add_wired(afc_project):
    """A new page that reads /api/todos follows todo-created, which `add` wired before the page existed."""
    root = str(afc_project)
    assert afc("add", "websocket", "-C", root, "--yes").exit_code == 0
    (afc_project / "apps/web/src/app/board").mkdir()
    (afc_project / "apps/web/src/app/board/page.tsx").write_text(PAGE)
    synced = afc("sync", "websocket", "-C", root, "--yes")
    assert synced.exit_code == 0, synced.output
    assert "wires no new event; 1 more page updates live." in synced.output
    board = (afc_project / "apps/web/src/app/board/page.tsx").read_text()
    assert 'useRealtimeList("todo", "/api/todos", setTodos);' in board


def test_sync_keeps_the_owner_lookups_add_made_and_refuses_to_change_them(tmp_path):
    """`owners.ts` is add's file: a sync with nothing new leaves it alone; a write added since that needs a
    lookup add did not make is refused plainly (exit 2, the file named, nothing written), not half-wired."""
    from tests.support.owner_projects import DRIZZLE_CHAT, MESSAGES, VOTES

    files = {k: v for k, v in DRIZZLE_CHAT.items() if not k.endswith(("votes/route.ts", "messages/route.ts"))}
    files["apps/web/src/app/api/messages/route.ts"] = MESSAGES
    project = make_project(tmp_path / "chat", files)
    root = str(project)
    assert afc("add", "websocket", "-C", root, "--yes").exit_code == 0
    assert (project / "apps/web/src/lib/realtime/owners.ts").is_file()
    quiet = afc("sync", "websocket", "-C", root, "--yes")
    assert quiet.exit_code == 0 and "Nothing new to wire" in quiet.output, quiet.output
    (project / "apps/web/src/app/api/votes").mkdir(parents=True)
    (project / "apps/web/src/app/api/votes/route.ts").write_text(VOTES)  # a vote's owner: two rows away
    before = fingerprint(project)
    refused = afc("sync", "websocket", "-C", root, "--yes")
    assert refused.exit_code == 2, refused.output
    assert "apps/web/src/lib/realtime/owners.ts" in refused.output and "owner lookup" in refused.output
    assert fingerprint(project) == before


# The pages fixture without its notes route, and with a Server Component page that reads `todos` and `notes`
# (the wall): `add` wires no write of `notes`, so the wall and the board (it reads `todos`) refresh on
# `todo-created`; the user then adds a write to a new table (the notes route) and a new action on a table
# they read (a DELETE of todos).
WEB = "apps/web/src"
NOTES_ROUTE = f"{WEB}/app/api/notes/route.ts"
TODOS_ROUTE = f"{WEB}/app/api/todos/route.ts"
BOARD, WALL = f"{WEB}/app/board/page.tsx", f"{WEB}/app/wall/page.tsx"
WALL_PAGE = """import { db, notes, todos } from "@typed/db";

export default async function WallPage() {
    const rows = await db.select().from(todos);
    const pinned = await db.select().from(notes);
    return (
        <main>
            <p>{rows.length} todos, {pinned.length} notes</p>
        </main>
    );
}
"""
TODO_DELETE = """
export async function DELETE(req: Request) {
    const body = (await req.json()) as { id: number };
    const [todo] = await db.delete(todos).where(eq(todos.id, body.id)).returning();
    return NextResponse.json(todo);
}
"""
TODO_PATCH = """
export async function PATCH(req: Request) {
    const body = (await req.json()) as { id: number; done: boolean };
    const [todo] = await db.update(todos).set({ done: body.done }).where(eq(todos.id, body.id)).returning();
    return NextResponse.json(todo);
}
"""


def _pages_before_notes():
    from tests.support.page_projects import PAGES_PROJECT

    files = {k: v for k, v in PAGES_PROJECT.items() if k != NOTES_ROUTE}
    return {**files, WALL: WALL_PAGE}, PAGES_PROJECT[NOTES_ROUTE]


def _add_todo_write(project, write):
    route = project / TODOS_ROUTE
    text = route.read_text()
    if "drizzle-orm" not in text:
        text = 'import { eq } from "drizzle-orm";\n' + text
    route.write_text(text + write)


def test_a_page_that_subscribes_already_follows_the_new_writes_to_what_it_reads(tmp_path):
    files, notes_route = _pages_before_notes()
    project = make_project(tmp_path / "p", files)
    root = str(project)
    assert afc("add", "websocket", "-C", root, "--yes").exit_code == 0
    assert '<RealtimeRefresh events={["todo-created"]} />' in (project / BOARD).read_text()
    assert '<RealtimeRefresh events={["todo-created"]} />' in (project / WALL).read_text()
    (project / NOTES_ROUTE).parent.mkdir(parents=True)
    (project / NOTES_ROUTE).write_text(notes_route)  # a write to a new table the wall reads
    _add_todo_write(project, TODO_DELETE)  # a new action on the table both read
    users_route = 'import { eq } from "drizzle-orm";\n' + files[TODOS_ROUTE] + TODO_DELETE
    users_tree = {**files, NOTES_ROUTE: notes_route, TODOS_ROUTE: users_route}

    preview = afc("sync", "websocket", "-C", root, "--dry-run", "--json")
    assert preview.exit_code == 0, preview.output
    plan = json.loads(preview.stdout)
    jsonschema.validate(plan, schema("plan"))
    assert f"{BOARD} also follows todo-deleted" in plan["summary"]
    assert f"{WALL} also follows note-created, todo-deleted" in plan["summary"]
    assert "1 more page updates live" in plan["summary"]  # the notes page, which nothing fed before
    diffs = "".join(c.get("diff") or "" for c in plan["changes"])
    assert '+            <RealtimeRefresh events={["todo-created", "todo-deleted"]} />' in diffs
    assert not any("already" in n["message"] or "by hand" in n["message"] for n in plan["notes"])

    assert afc("sync", "websocket", "-C", root, "--yes").exit_code == 0
    board, wall = (project / BOARD).read_text(), (project / WALL).read_text()
    assert '<RealtimeRefresh events={["todo-created", "todo-deleted"]} />' in board
    assert '<RealtimeRefresh events={["note-created", "todo-created", "todo-deleted"]} />' in wall
    assert board.count("RealtimeRefresh") == 2  # the import and the element: nothing added twice
    manifest = (project / ".afc/manifest.toml").read_text()
    assert 'text = ", \\"todo-deleted\\""' in manifest and "follow todo-deleted" in manifest
    assert afc("status", "-C", root, "--check").exit_code == 0  # add's line, extended, still counts as afc's

    _add_todo_write(project, TODO_PATCH)  # a second sync extends the list the first one extended
    users_tree[TODOS_ROUTE] = users_route + TODO_PATCH
    second = afc("sync", "websocket", "-C", root, "--yes")
    assert second.exit_code == 0, second.output
    assert (
        '<RealtimeRefresh events={["todo-created", "todo-deleted", "todo-updated"]} />' in (project / BOARD).read_text()
    )
    assert afc("status", "-C", root, "--check").exit_code == 0
    quiet = afc("sync", "websocket", "-C", root, "--yes")
    assert quiet.exit_code == 0 and "Nothing new to wire" in quiet.output, quiet.output

    removed = afc("remove", "websocket", "-C", root, "--yes")
    assert removed.exit_code == 0, removed.output
    assert fingerprint(project) == fingerprint(make_project(tmp_path / "expected", users_tree))


def test_a_list_edited_by_hand_is_left_as_it_is_and_the_plan_says_so(tmp_path):
    files, _ = _pages_before_notes()
    project = make_project(tmp_path / "p", files)
    root = str(project)
    assert afc("add", "websocket", "-C", root, "--yes").exit_code == 0
    board = project / BOARD
    edited = board.read_text().replace('events={["todo-created"]}', 'events={["todo-created", "note-created"]}')
    board.write_text(edited)
    _add_todo_write(project, TODO_DELETE)

    plan = json.loads(afc("sync", "websocket", "-C", root, "--dry-run", "--json").stdout)
    [note] = [n for n in plan["notes"] if n.get("path") == BOARD]
    assert "not as afc wrote it" in note["message"] and "add todo-deleted to it yourself" in note["message"]
    assert BOARD not in plan["summary"] and f"{WALL} also follows todo-deleted" in plan["summary"]
    assert afc("sync", "websocket", "-C", root, "--yes").exit_code == 0
    assert board.read_text() == edited
    assert '<RealtimeRefresh events={["todo-created", "todo-deleted"]} />' in (project / WALL).read_text()


NOTE_DELETE = """
export async function DELETE(req: Request) {
    const body = (await req.json()) as { id: number };
    const [note] = await db.delete(notes).where(eq(notes.id, body.id)).returning();
    return NextResponse.json(note);
}
"""


def test_a_key_hooks_list_gains_the_new_event_too(tmp_path):
    """SWR's line (`useRealtimeSWR(key, [events])`), as the refresh component's: a DELETE of notes added
    since, and the notes page follows `note-deleted` as well; remove gives every byte back."""
    from tests.support.page_projects import PAGES_PROJECT

    project = make_project(tmp_path / "p", PAGES_PROJECT)
    root = str(project)
    assert afc("add", "websocket", "-C", root, "--yes").exit_code == 0
    route = project / NOTES_ROUTE
    route.write_text('import { eq } from "drizzle-orm";\n' + route.read_text() + NOTE_DELETE)
    synced = afc("sync", "websocket", "-C", root, "--yes")
    assert synced.exit_code == 0, synced.output
    notes_page = (project / f"{WEB}/app/notes/page.tsx").read_text()
    assert '    useRealtimeSWR("/api/notes", ["note-created", "note-deleted"]);\n' in notes_page
    assert afc("remove", "websocket", "-C", root, "--yes").exit_code == 0
    users_route = 'import { eq } from "drizzle-orm";\n' + PAGES_PROJECT[NOTES_ROUTE] + NOTE_DELETE
    expected = make_project(tmp_path / "expected", {**PAGES_PROJECT, NOTES_ROUTE: users_route})
    assert fingerprint(project) == fingerprint(expected)
