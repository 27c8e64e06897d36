"""`afc add event` / `afc remove event`: the seed guide's custom events, done for the user."""

from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.git import commit_all
from tests.support.projects import fingerprint

runner = CliRunner()

USERS_ROUTE = """import { NextResponse } from "next/server";

export async function PATCH(req: Request) {
    const [updated] = await db.update(users).set(await req.json()).returning();
    return NextResponse.json(updated);
}
"""


def afc(*args):
    return runner.invoke(app, list(args))


def test_refuses_without_websocket(afc_project):
    result = afc(
        "add",
        "event",
        "user-updated",
        "--route",
        "apps/web/src/app/api/todos/route.ts",
        "-C",
        str(afc_project),
        "--yes",
    )
    assert result.exit_code == 2 and "afc add websocket" in result.output


def test_add_and_remove_a_custom_event(afc_project):
    route = afc_project / "apps/web/src/app/api/users/route.ts"
    route.parent.mkdir(parents=True)
    route.write_text(USERS_ROUTE)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    # the users route was wired as user-updated by add websocket; a custom event goes on top of it
    with_ws = fingerprint(afc_project)
    args = ["--route", "apps/web/src/app/api/todos/route.ts", "-C", str(afc_project)]
    added = afc("add", "event", "todo-archived", *args, "--yes")
    assert added.exit_code == 0, added.output
    text = (afc_project / "apps/web/src/app/api/todos/route.ts").read_text()
    assert text.count("import { broadcast }") == 1
    assert (  # the same change payload as every wired write: `RealtimeChange`
        'broadcast("todo-archived", { table: "todos", action: "created", keys: { id: inserted.id }, row: inserted, '
        'complete: true }, { to: "public" });' in text
    )
    hook = (afc_project / "apps/web/src/lib/realtime/events/todo-archived.ts").read_text()
    assert "export function useTodoArchived" in hook and '"todo-archived": handler' in hook  # one name on both sides
    assert 'import type { todos } from "@app/db";' in hook  # typed from the table the route writes
    assert "export type TodoArchivedPayload = RealtimeChange<typeof todos.$inferSelect>;" in hook
    assert afc("add", "event", "todo-archived", *args, "--yes").output.count("nothing to do") == 1
    assert afc("remove", "event", "todo-archived", "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) == with_ws


def test_remove_event_right_after_add_event_in_a_committed_project(afc_project):
    """afc's own uncommitted change is not "dirty": with websocket committed, `remove event` takes back the
    event `add event` just made (as `remove websocket` does right after `add websocket`), and refuses once
    the user has changed that file too."""
    commit_all(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    commit_all(afc_project, "realtime")
    committed = fingerprint(afc_project)
    args = ["--route", "apps/web/src/app/api/todos/route.ts", "-C", str(afc_project), "--yes"]
    assert afc("add", "event", "todo-archived", *args).exit_code == 0
    removed = afc("remove", "event", "todo-archived", "-C", str(afc_project), "--yes")
    assert removed.exit_code == 0, removed.output
    assert fingerprint(afc_project) == committed

    assert afc("add", "event", "todo-archived", *args).exit_code == 0
    route = afc_project / "apps/web/src/app/api/todos/route.ts"
    route.write_text(route.read_text() + "// mine\n")
    refused = afc("remove", "event", "todo-archived", "-C", str(afc_project), "--yes")
    assert refused.exit_code == 3 and "--allow-dirty" in refused.output


def test_bad_names_and_handlers_are_refused(afc_project):
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    before = fingerprint(afc_project)
    bad_name = afc(
        "add", "event", "Archived", "--route", "apps/web/src/app/api/todos/route.ts", "-C", str(afc_project), "--yes"
    )
    assert bad_name.exit_code == 2 and "kebab-case" in bad_name.output
    no_handler = afc(
        "add",
        "event",
        "todo-gone",
        "--route",
        "apps/web/src/app/api/todos/route.ts",
        "--method",
        "DELETE",
        "-C",
        str(afc_project),
        "--yes",
    )
    assert no_handler.exit_code == 2 and "no exported DELETE handler" in no_handler.output
    assert fingerprint(afc_project) == before


def test_remove_websocket_takes_custom_events_with_it(afc_project):
    before = fingerprint(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert (
        afc(
            "add",
            "event",
            "todo-archived",
            "--route",
            "apps/web/src/app/api/todos/route.ts",
            "-C",
            str(afc_project),
            "--yes",
        ).exit_code
        == 0
    )
    assert afc("remove", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) == before


def test_an_event_name_longer_than_the_service_accepts_is_refused(afc_project):
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    before = fingerprint(afc_project)
    name = "todo-" + "a" * 96
    route = "apps/web/src/app/api/todos/route.ts"
    result = afc("add", "event", name, "--route", route, "-C", str(afc_project), "--yes")
    assert result.exit_code == 2 and "at most 100 characters" in result.output
    assert afc("add", "event", name[:-1], "--route", route, "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) != before


def test_a_custom_event_on_a_write_returned_at_once_wraps_it_and_comes_out_byte_for_byte(afc_project):
    route = afc_project / "apps/web/src/app/api/todos/done/route.ts"
    route.parent.mkdir(parents=True)
    route.write_text(
        'import { NextResponse } from "next/server";\n\nexport async function PATCH() {\n'
        "    return db.update(todos).set({ done: true }).returning();\n}\n"
    )
    before = fingerprint(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    with_ws = fingerprint(afc_project)
    args = ["--route", "apps/web/src/app/api/todos/done/route.ts", "--method", "PATCH", "-C", str(afc_project)]
    added = afc("add", "event", "todo-done", *args, "--yes")
    assert added.exit_code == 0, added.output
    text = route.read_text()
    assert text.count("import { broadcastAfter }") == 1 and text.count("import { broadcast }") == 1
    # wrapped twice: the event afc add websocket wired, and the custom one
    assert (
        "    return broadcastAfter(broadcastAfter(db.update(todos).set({ done: true }).returning(), (written) => { "
        in text
    )
    assert 'broadcast("todo-done", { table: "todos", action: "updated", keys: { id: written[0].id }' in text
    assert 'broadcast("todo-updated", { table: "todos", action: "updated", keys: { id: written[0].id }' in text
    assert afc("remove", "event", "todo-done", "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) == with_ws
    assert afc("remove", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) == before


ACTIONS = """"use server";

import { db, todos } from "@app/db";

export async function archiveTodo(title: string) {
    const [row] = await db.insert(todos).values({ title }).returning();
    return row;
}
"""

ROUTER = """import { z } from "zod";
import { db, todos } from "@app/db";
import { createTRPCRouter, publicProcedure } from "../trpc";

export const todoRouter = createTRPCRouter({
    archive: publicProcedure.input(z.string()).mutation(async ({ input }) => {
        const [row] = await db.insert(todos).values({ title: input }).returning();
        return row;
    }),
});
"""


def test_add_event_in_a_server_action_and_a_trpc_procedure(afc_project):
    """`add event` takes a Server Action by its name and a tRPC mutation by its procedure, not only route
    handlers; `remove event` gives the files back byte for byte."""
    root = str(afc_project)
    assert afc("add", "websocket", "-C", root, "--yes").exit_code == 0
    files = {"apps/web/src/app/actions.ts": ACTIONS, "apps/web/src/server/api/routers/todo.ts": ROUTER}
    for rel, text in files.items():  # written since `add websocket`
        (afc_project / rel).parent.mkdir(parents=True, exist_ok=True)
        (afc_project / rel).write_text(text)
    before = fingerprint(afc_project)
    action = afc("add", "event", "todo-archived", "--route", "apps/web/src/app/actions.ts", "-C", root, "--yes")
    assert action.exit_code == 0, action.output  # the file's only action, without --method
    trpc = afc(
        "add", "event", "todo-stored", "--route", "apps/web/src/server/api/routers/todo.ts",
        "--method", "todo.archive", "-C", root, "--yes",
    )  # fmt: skip
    assert trpc.exit_code == 0, trpc.output
    for rel, event in zip(files, ["todo-archived", "todo-stored"], strict=True):
        text = (afc_project / rel).read_text()
        assert f'    if (row) broadcast("{event}", {{ table: "todos", action: "created"' in text, text
        assert text.index(f'broadcast("{event}"') < text.index("return row;")
    wrong = afc("add", "event", "todo-gone", "--route", "apps/web/src/app/actions.ts", "--method", "nope", "-C", root)
    assert wrong.exit_code == 2 and "no action or mutation nope (--method names one of: archiveTodo)" in wrong.output
    for event in ("todo-stored", "todo-archived"):
        assert afc("remove", "event", event, "-C", root, "--yes").exit_code == 0
    assert fingerprint(afc_project) == before
