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
