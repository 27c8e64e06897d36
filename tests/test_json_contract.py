"""The JSON contract (README, "JSON output"): every JSON output of every command, success and failure, is
valid against the schema committed in afc_realtime/schemas, carries `schema_version`, and an error has the
stable `code` that tells it apart."""

from __future__ import annotations

import json
import stat

import jsonschema
import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from afc_realtime.errors import CODES
from afc_realtime.lock import project_lock
from tests.support.contract import schema
from tests.support.git import commit_all
from tests.support.projects import fingerprint
from tests.support.writes import TODO_CREATED

runner = CliRunner()
ROUTE = "apps/web/src/app/api/todos/route.ts"


def run_json(*args: str, expect: str, exit_code: int = 0) -> dict:
    """Runs afc with --json; checks the exit code and that stdout is one document valid against `expect`."""
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == exit_code, result.output
    data = json.loads(result.stdout)
    jsonschema.validate(data, schema(expect), format_checker=jsonschema.FormatChecker())
    assert data["schema_version"] == 1
    return data


def failure(*args: str, code: str) -> dict:
    data = run_json(*args, expect="error", exit_code=CODES[code])
    assert data["code"] == code and data["exit_code"] == CODES[code], data
    return data


@pytest.mark.parametrize("name", ["plan", "result", "error", "status"])
def test_each_schema_is_a_valid_json_schema(name):
    jsonschema.Draft202012Validator.check_schema(schema(name))


def test_the_error_schema_names_every_code_and_exit_code():
    properties = schema("error")["properties"]
    assert properties["code"]["enum"] == list(CODES)
    assert properties["exit_code"]["enum"] == sorted(set(CODES.values()))


def test_every_command_lifecycle_validates(afc_project):
    root = str(afc_project)
    before = fingerprint(afc_project)
    plan = run_json("add", "websocket", "-C", root, "--dry-run", expect="plan")
    assert plan["dry_run"] and not plan["applied"] and plan["changes"]
    steps = plan["next_steps"]
    assert all(set(s) == {"command", "why"} for s in steps) and "afc remove websocket" in [s["command"] for s in steps]
    result = run_json("add", "websocket", "-C", root, "--yes", expect="result")
    assert result["applied"] and result["warnings"] == []
    again = run_json("add", "websocket", "-C", root, "--yes", expect="plan")
    assert again["changes"] == [] and "nothing to do" in again["summary"]
    update = run_json("update", "websocket", "-C", root, "--dry-run", expect="plan")
    assert update["conflicts"] == [] and "up to date" in update["summary"]
    run_json("update", "websocket", "-C", root, "--yes", expect="plan")  # nothing to do: a plan, not applied
    run_json("add", "event", "todo-archived", "--route", ROUTE, "-C", root, "--dry-run", expect="plan")
    run_json("add", "event", "todo-archived", "--route", ROUTE, "-C", root, "--yes", expect="result")
    status = run_json("status", "-C", root, expect="status")
    assert not status["drifted"] and {f["name"] for f in status["features"]} == {"websocket", "event:todo-archived"}
    run_json("status", "-C", root, "--check", expect="status")  # exit 0: clean
    run_json("remove", "event", "todo-archived", "-C", root, "--yes", expect="result")
    run_json("remove", "websocket", "-C", root, "--dry-run", expect="plan")
    run_json("remove", "websocket", "-C", root, "--yes", expect="result")
    assert fingerprint(afc_project) == before
    assert run_json("status", "-C", root, expect="status") == {"schema_version": 1, "drifted": False, "features": []}


def test_status_check_exits_3_on_drift_and_0_without(afc_project):
    root = str(afc_project)
    assert runner.invoke(app, ["add", "websocket", "-C", root, "--yes"]).exit_code == 0
    assert runner.invoke(app, ["status", "-C", root, "--check"]).exit_code == 0
    route = afc_project / ROUTE
    route.write_text(route.read_text().replace(("    " + TODO_CREATED + "\n"), ""))
    drifted = run_json("status", "-C", root, "--check", expect="status", exit_code=3)
    assert drifted["drifted"] and drifted["features"][0]["insertions_gone"] == [f"{ROUTE}: broadcast todo-created"]
    assert runner.invoke(app, ["status", "-C", root]).exit_code == 0  # without --check: a report, not a verdict
    text = runner.invoke(app, ["status", "-C", root, "--check"])
    assert text.exit_code == 3 and "drifted" in text.output


def test_not_found_and_bad_input(tmp_path, afc_project):
    empty = tmp_path / "empty"
    empty.mkdir()
    data = failure("add", "websocket", "-C", str(empty), "--yes", code="not_found")
    assert "no package.json" in data["error"]
    failure("add", "websocket", "-C", str(tmp_path / "nowhere"), "--yes", code="not_found")
    (afc_project / "turbo.json").write_text('{\n    "tasks": {\n        "dev": ,\n    }\n}\n')
    data = failure("add", "websocket", "-C", str(afc_project), "--yes", code="bad_input")
    assert (data["path"], data["line"]) == ("turbo.json", 3)


def test_no_terminal(afc_project):
    data = failure("add", "websocket", "-C", str(afc_project), code="no_terminal")
    assert "--yes" in data["error"]


def test_conflict_lists_the_paths_in_details(afc_project):
    (afc_project / "apps/ws").mkdir()
    (afc_project / "apps/ws/index.js").write_text("mine\n")
    data = failure("add", "websocket", "-C", str(afc_project), "--yes", code="conflict")
    assert data["details"][0].startswith("apps/ws ")


def test_dirty_lists_the_files_in_details(afc_project):
    commit_all(afc_project)
    (afc_project / ".env.example").write_text((afc_project / ".env.example").read_text() + "MINE=1\n")
    data = failure("add", "websocket", "-C", str(afc_project), "--yes", code="dirty")
    assert data["details"] == [".env.example"]


def test_drift_lists_what_changed_in_details(afc_project):
    assert runner.invoke(app, ["add", "websocket", "-C", str(afc_project), "--yes"]).exit_code == 0
    server = afc_project / "apps/ws/src/server.ts"
    server.write_text(server.read_text() + "// mine\n")
    data = failure("remove", "websocket", "-C", str(afc_project), "--yes", code="drift")
    assert any("apps/ws/src/server.ts" in d for d in data["details"])


def test_locked(afc_project):
    with project_lock(afc_project):
        failure("add", "websocket", "-C", str(afc_project), "--yes", code="locked")
        failure("status", "-C", str(afc_project), code="locked")


def test_read_only(afc_project):
    env = afc_project / ".env"
    env.chmod(stat.S_IRUSR)
    data = failure("add", "websocket", "-C", str(afc_project), "--yes", code="read_only")
    assert data["details"] == [".env"]


def test_a_bad_manifest_in_status_is_an_error_object(afc_project):
    (afc_project / ".afc").mkdir()
    (afc_project / ".afc/manifest.toml").write_text("version = [\n")
    data = failure("status", "-C", str(afc_project), code="bad_input")
    assert data["path"] == ".afc/manifest.toml"


def test_answering_no_is_a_plan_not_applied(afc_project, monkeypatch):
    monkeypatch.setattr("afc_realtime.cli._on_terminal", lambda: True)
    result = runner.invoke(app, ["add", "websocket", "-C", str(afc_project), "--json"], input="n\n")
    assert result.exit_code == 1
    data = json.loads(result.stdout.removeprefix(" n\n"))  # CliRunner echoes the typed answer to stdout
    jsonschema.validate(data, schema("plan"))
    assert data["applied"] is False and data["dry_run"] is False


def test_each_write_not_wired_says_whether_policy_or_a_limitation_left_it(tmp_path):
    """`left` counts a corpus without matching words: policy where afc decided who may see the row,
    limitation where it could not read or place something; null on every wired write."""
    from tests.support.projects import make_project
    from tests.support.write_projects import ROUTES_PROJECT

    project = make_project(tmp_path / "routes", ROUTES_PROJECT)
    archive = project / "apps/web/src/app/api/archive/route.ts"  # a write kept for later: afc cannot place a line
    archive.parent.mkdir(parents=True)
    archive.write_text(
        'import { db, todos } from "@typed/db";\n\nexport async function DELETE(req: Request) {\n'
        "    const later = req.url ? db.delete(todos) : undefined;\n    await req.text();\n    await later;\n}\n"
    )
    # entry points that reach no write: one afc followed to the end, one calling what afc could not follow
    ping = project / "apps/web/src/app/api/ping/route.ts"
    ping.parent.mkdir(parents=True)
    ping.write_text(
        'import { charge } from "@acme/billing";\n\nexport async function POST() {\n    await charge();\n}\n'
        "export async function PUT() {\n    return new Response(null);\n}\n"
    )
    root = str(project)
    plan = run_json("add", "websocket", "-C", root, "--dry-run", expect="plan")  # valid against the schema
    left = {(b["event"], b["wired"]): b["left"] for b in plan["broadcasts"]}
    assert left[("user-created", False)] == "policy"  # rows of `users` hold credentials
    assert left[("todo-deleted", False)] == "limitation"  # under a condition, kept for later
    unreached = {n["message"].split(":", 1)[0]: n["unreached"] for n in plan["notes"] if "ping/" in (n["path"] or "")}
    assert unreached == {
        "POST": {
            "cause": "unfollowed",
            "followed": 0,
            "unfollowed": ["`charge` from `@acme/billing` (outside the project)"],
            "packages": [],
        },
        "PUT": {"cause": "no-write", "followed": 0, "unfollowed": [], "packages": []},
    }
    # the field is on every note of an entry point that reaches no write, and on no other
    says = ("reaches no write", "calls what afc could not follow", "cannot find the function behind")
    assert all(("unreached" in n) == any(w in n["message"] for w in says) for n in plan["notes"])
    assert left[("todo-created", True)] is None and left[("note-created", True)] is None
    private = run_json("add", "websocket", "-C", root, "--dry-run", "--no-public", expect="plan")["broadcasts"]
    assert {b["left"] for b in private if b["event"] == "todo-created"} == {"policy"}  # --no-public: a decision
    assert {b["left"] for b in private if b["event"] == "note-created"} == {None}


SECRET = "s3cr3t-from-a-file-afc-read"


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (["add", "websocket", "--yes"], ValueError(f"bad line: TOKEN={SECRET}")),
        (["add", "websocket", "--dry-run"], RecursionError(SECRET)),
        (["remove", "websocket", "--yes"], KeyError(SECRET)),
        (["update", "websocket", "--yes"], OSError(SECRET)),
        (["status"], UnicodeError(SECRET)),
    ],
    ids=["add", "dry-run", "remove", "update", "status"],
)
def test_an_unexpected_exception_is_an_error_object_never_a_traceback(afc_project, monkeypatch, command, error):
    """Issue 20 item 4: an exception afc did not foresee (a bug) is reported like any error: the JSON error
    object under `--json`, a one-line message otherwise, exit 1, no traceback, no word of its own message
    (which may quote a file's text), and every file as it was."""
    from afc_realtime.tree import Tree

    if command[0] != "add":
        assert runner.invoke(app, ["add", "websocket", "-C", str(afc_project), "--yes"]).exit_code == 0
    before = fingerprint(afc_project)
    real = Tree.read_text

    def unforeseen(self, rel):
        if rel.endswith(("package.json", "manifest.toml")):
            raise error
        return real(self, rel)

    monkeypatch.setattr(Tree, "read_text", unforeseen)
    data = failure(*command, "-C", str(afc_project), code="internal")
    kind = type(error).__name__
    assert data["error"].startswith(f"afc stopped on an unexpected {kind} at afc_realtime/"), data
    assert data["path"] is None and data["details"] == []
    plain = runner.invoke(app, [*command, "-C", str(afc_project)])
    assert plain.exit_code == 1 and isinstance(plain.exception, SystemExit), plain.exception
    assert f"error: afc stopped on an unexpected {kind} at afc_realtime/" in plain.output
    for result_text in (json.dumps(data), plain.output):
        assert SECRET not in result_text and "Traceback" not in result_text
    assert fingerprint(afc_project) == before
