"""Private by default, as a user of a project with Auth.js sees it: every write in the plan with who
receives it, rows with credentials never sent, owned rows sent to their owner's channel only, a ticket
route that asks Auth.js who the browser is; type-checked, and removed byte for byte."""

import json
import re

import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.projects import AUTH_PROJECT, BETTER_AUTH_PROJECT, CLERK_PROJECT, fingerprint, make_project
from tests.support.typecheck import assert_typechecks

runner = CliRunner()


def afc(*args):
    return runner.invoke(app, list(args))


def test_the_plan_says_who_receives_each_write(tmp_path):
    project = make_project(tmp_path / "auth", AUTH_PROJECT)
    result = afc("add", "websocket", "-C", str(project), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    by_event = {b["event"]: b for b in plan["broadcasts"]}
    assert by_event["note-created"]["wired"] and by_event["note-created"]["to"] == "user:<userId>"
    assert by_event["todo-created"]["wired"] and by_event["todo-created"]["to"] == "public"
    signup = by_event["user-created"]
    assert not signup["wired"] and signup["to"] == "nobody" and "credentials (passwordHash)" in signup["reason"]
    assert "Auth.js (`auth()` from apps/web/src/auth.ts)" in plan["summary"]

    human = afc("add", "websocket", "-C", str(project), "--dry-run").output
    assert re.search(r"\n  note-created -> user:<userId> apps/web/\S+:\d+\n", human)
    assert re.search(r"\n  todo-created -> public +apps/web/\S+:\d+\n", human)
    assert re.search(r"\n  user-created -> nobody +apps/web/\S+:\d+\n", human)  # a decision, said as one
    assert "why: `notes` rows belong to their owner (`userId`)" in human
    assert "why: rows of `users` hold credentials (passwordHash)" in human
    assert "public: every browser" in human
    assert "Left alone" not in human  # the credentials table is a decision, not a place left alone


def test_no_public_wires_only_the_owned_rows(tmp_path):
    project = make_project(tmp_path / "auth", AUTH_PROJECT)
    plan = json.loads(afc("add", "websocket", "-C", str(project), "--dry-run", "--json", "--no-public").stdout)
    wired = {b["event"]: b["to"] for b in plan["broadcasts"] if b["wired"]}
    assert wired == {"note-created": "user:<userId>"}
    todo = next(b for b in plan["broadcasts"] if b["event"] == "todo-created")
    assert "--no-public leaves it out" in todo["reason"]


def test_added_it_type_checks_and_sends_each_row_only_where_it_may_go(tmp_path, web_toolchain, node):
    project = make_project(tmp_path / "auth", AUTH_PROJECT)
    before = fingerprint(project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    web = project / "apps/web/src"
    assert (
        'note.userId != null) broadcast("note-created", { table: "notes", action: "created", keys: { id: note.id }, '
        "row: note, complete: true }, { to: `user:${note.userId}` });" in (web / "app/api/notes/route.ts").read_text()
    )
    assert "broadcast(" not in (web / "app/api/signup/route.ts").read_text()
    authorize = (web / "lib/realtime/authorize.ts").read_text()
    assert 'import { auth } from "@/auth";' in authorize and "channels: [`user:${id}`]" in authorize
    ticket = (web / "app/api/realtime/ticket/route.ts").read_text()
    assert 'import { authorize } from "@/lib/realtime/authorize";' in ticket
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc")
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def test_a_custom_event_goes_where_its_row_may_go_or_is_refused_with_the_reason(tmp_path):
    project = make_project(tmp_path / "auth", AUTH_PROJECT)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    notes = "apps/web/src/app/api/notes/route.ts"
    added = afc("add", "event", "note-shared", "--route", notes, "-C", str(project), "--yes", "--allow-dirty")
    assert added.exit_code == 0, added.output
    assert (
        'note.userId != null) broadcast("note-shared", { table: "notes", action: "created", keys: { id: note.id }, '
        "row: note, complete: true }, { to: `user:${note.userId}` });" in (project / notes).read_text()
    )

    signup = "apps/web/src/app/api/signup/route.ts"
    before = (project / signup).read_bytes()
    refused = afc("add", "event", "user-joined", "--route", signup, "-C", str(project), "--yes", "--allow-dirty")
    assert refused.exit_code == 2
    assert "not broadcast: rows of `users` hold credentials (passwordHash)" in refused.output
    assert (project / signup).read_bytes() == before


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (CLERK_PROJECT, ('import { auth } from "@clerk/nextjs/server";', "const { userId } = await auth();")),
        (
            BETTER_AUTH_PROJECT,
            ('import { auth } from "@/lib/auth";', "auth.api.getSession({ headers: request.headers })"),
        ),
    ],
    ids=["clerk", "better-auth"],
)
def test_the_ticket_route_asks_clerk_or_better_auth_and_type_checks(tmp_path, web_toolchain, node, files, expected):
    project = make_project(tmp_path / "app", files)
    before = fingerprint(project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    authorize = (project / "apps/web/src/lib/realtime/authorize.ts").read_text()
    assert all(line in authorize for line in expected), authorize
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc")
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before
