"""Issue 12, "trust under faults and hostile input": each promise with a test that fails when it is broken."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.git import commit_all
from tests.support.projects import fingerprint
from tests.support.writes import TODO_CREATED

runner = CliRunner()
ROUTE = "apps/web/src/app/api/todos/route.ts"


def afc(*args):
    return runner.invoke(app, list(args))


def tree_of(root):
    """The fingerprint without git's own folder (git status refreshes its index)."""
    return {k: v for k, v in fingerprint(root).items() if k != ".git" and not k.startswith(".git/")}


# -- 1. undo any time ------------------------------------------------------------------------------


def test_remove_right_after_add_with_nothing_committed_gives_every_byte_back(afc_project):
    commit_all(afc_project)
    before = tree_of(afc_project)
    added = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert added.exit_code == 0, added.output
    args = ["--route", ROUTE, "-C", str(afc_project), "--yes"]
    event = afc("add", "event", "todo-archived", *args)
    assert event.exit_code == 0, event.output
    removed = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert removed.exit_code == 0, removed.output
    assert tree_of(afc_project) == before


def test_a_users_own_uncommitted_change_is_still_refused_before_the_plan_is_shown(afc_project):
    commit_all(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    env = afc_project / ".env.example"
    env.write_text("MINE=1\n" + env.read_text())
    before = tree_of(afc_project)
    refused = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert refused.exit_code == 3 and ".env.example" in refused.output and "--allow-dirty" in refused.output
    assert "DELETE" not in refused.output and "@@" not in refused.output  # no plan printed before refusing
    assert tree_of(afc_project) == before
    preview = afc("remove", "websocket", "-C", str(afc_project), "--dry-run")
    assert preview.exit_code == 0 and "applying would need --allow-dirty" in preview.output
    assert preview.output.index("DELETE") < preview.output.index("applying would need")


# -- 2. no secret leaves its file ------------------------------------------------------------------

SECRET = "s3cr3t-from-the-gitignored-env-file"
DB_PASSWORD = "hunter2-db-password"


def _project_with_secrets(root):
    (root / ".env").write_text(
        f"WS_EVENTS_SECRET={SECRET}\nAPI_TOKEN=tok-123456\nDATABASE_URL=postgres://app:{DB_PASSWORD}@localhost:5432/app\n"
    )
    (root / "apps/web/.env.local").write_text("NEXT_PUBLIC_SITE=http://localhost:3000\n")
    return root


def test_env_insertions_are_recorded_without_values(afc_project):
    _project_with_secrets(afc_project)
    before = fingerprint(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    local = (afc_project / "apps/web/.env.local").read_text()
    assert f"WS_EVENTS_SECRET={SECRET}" in local  # the one secret, shared by the real env files
    example = (afc_project / ".env.example").read_text()
    manifest = (afc_project / ".afc/manifest.toml").read_text()
    assert SECRET not in manifest
    for env_text in (local, example):
        for line in env_text.splitlines():
            key, _, value = line.partition("=")
            if key.startswith(("WS_", "NEXT_PUBLIC_WS")) and value:
                assert f"{key}={value}" not in manifest, f"{key}'s value is in the manifest"
    assert "WS_EVENTS_SECRET=\\n" in manifest or "WS_EVENTS_SECRET=\n" in manifest
    assert afc("remove", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) == before


def test_previews_and_json_mask_secret_values_and_url_credentials(afc_project):
    _project_with_secrets(afc_project)
    for args in (["--dry-run", "--diff"], ["--dry-run", "--json"]):
        result = afc("add", "websocket", "-C", str(afc_project), *args)
        assert result.exit_code == 0, result.output
        for secret in (SECRET, DB_PASSWORD, "tok-123456"):
            assert secret not in result.output, (args, secret)
        shown = json.loads(result.stdout) if "--json" in args else None
        text = result.output if shown is None else json.dumps(shown)
        assert "postgres://app:********@localhost" in text and "WS_EVENTS_SECRET=********" in text
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    removed = afc("remove", "websocket", "-C", str(afc_project), "--dry-run", "--json")
    assert SECRET not in removed.output and DB_PASSWORD not in removed.output


def test_masking_rules():
    from afc_realtime.redact import mask_line

    assert mask_line(".env", "GITHUB_TOKEN=abc\n") == "GITHUB_TOKEN=********\n"
    assert mask_line(".env.local", "export DB_PASSWORD='x y'\r\n") == "export DB_PASSWORD=********\r\n"
    assert mask_line(".env", "STRIPE_KEY=\n") == "STRIPE_KEY=\n"
    assert mask_line(".env", "PORT=3000\n") == "PORT=3000\n"
    assert mask_line("compose.yml", "      POSTGRES_PASSWORD: hunter2\n") == "      POSTGRES_PASSWORD: ********\n"
    assert mask_line("compose.yml", "      - POSTGRES_PASSWORD=hunter2\n") == "      - POSTGRES_PASSWORD=********\n"
    kept = "      WS_EVENTS_SECRET: ${WS_EVENTS_SECRET:?set WS_EVENTS_SECRET}\n"
    assert mask_line("compose.prod.yml", kept) == kept
    assert mask_line("src/env.ts", "  WS_EVENTS_SECRET: z.string(),\n") == "  WS_EVENTS_SECRET: z.string(),\n"
    assert (
        mask_line("src/db.ts", 'const url = "redis://:pw@host:6379";\n')
        == 'const url = "redis://:********@host:6379";\n'
    )


# -- 3. the manifest is untrusted input ------------------------------------------------------------


@pytest.mark.parametrize("files", ["AFC_PROJECT", "PNPM_PROJECT"])
def test_everything_the_recipe_records_passes_the_manifest_checks(tmp_path, files):
    from afc_realtime import manifest as manifest_mod
    from afc_realtime.features import websocket
    from afc_realtime.features.toolkit import check_record
    from afc_realtime.project import detect
    from afc_realtime.tree import Tree
    from tests.support import projects

    tree = Tree.in_memory(getattr(projects, files))
    project = detect(tree)
    websocket.plan_add(project, tree)
    record = manifest_mod.load(tree.read_text(manifest_mod.PATH)).features["websocket"]
    assert record.insertions and record.files
    check_record(record, project)  # raises if any of its own records looked crafted


def _added(root):
    assert afc("add", "websocket", "-C", str(root), "--yes").exit_code == 0
    return root / ".afc/manifest.toml"


def _file_record(path, data):
    import hashlib

    return f'\n[[features.websocket.files]]\npath = "{path}"\nsha256 = "{hashlib.sha256(data).hexdigest()}"\n'


@pytest.mark.parametrize("victim", ["package.json", ".git/HEAD", "apps/ws/.git/config", "apps/web/src/app/page.tsx"])
def test_a_crafted_created_file_record_deletes_nothing(afc_project, victim):
    commit_all(afc_project)
    manifest = _added(afc_project)
    target = afc_project / victim
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_text("[core]\n")
    manifest.write_text(manifest.read_text() + _file_record(victim, target.read_bytes()))
    before = tree_of(afc_project)
    result = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 2 and f"{victim}: afc never creates a file there" in result.output, result.output
    assert "Traceback" not in result.output and tree_of(afc_project) == before and target.exists()


@pytest.mark.parametrize(
    "path, text",
    [
        ("apps/web/src/app/page.tsx", "export default "),
        ("package.json", '"name": '),
        (".git/HEAD", "ref"),
        ("apps/web/src/app/api/todos/route.ts", 'broadcast("x", inserted); export async function GET'),
    ],
)
def test_a_crafted_insertion_cuts_nothing(afc_project, path, text):
    manifest = _added(afc_project)
    record = (
        f'\n[[features.websocket.insertions]]\npath = "{path}"\noffset = 0\nwhat = "x"\ntext = {json.dumps(text)}\n'
    )
    manifest.write_text(manifest.read_text() + record)
    before = fingerprint(afc_project)
    result = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 2 and ("not text afc inserts" in result.output or "never edits" in result.output)
    assert fingerprint(afc_project) == before


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda t: t.replace("offset = ", "offset = -5 + ", 1).replace("-5 + ", "-"), "should not be negative"),
        (lambda t: t.replace('sha256 = "', 'sha256 = 7 #"', 1), "sha256: should be a string"),
        (lambda t: t.replace("insertions]]\npath", "insertions]]\nxpath", 1), "path: missing"),
        (lambda t: t.replace('path = "', 'path = "../', 1), "path: should be a path inside the project"),
    ],
)
def test_a_manifest_of_the_wrong_shape_exits_2_naming_the_line(afc_project, edit, words):
    manifest = _added(afc_project)
    manifest.write_text(edit(manifest.read_text()))
    before = fingerprint(afc_project)
    for command in (["remove", "websocket", "--yes"], ["status"], ["add", "websocket", "--yes"]):
        result = afc(*command, "-C", str(afc_project))
        assert result.exit_code == 2 and words in result.output and ".afc/manifest.toml:" in result.output, (
            result.output
        )
        assert "Traceback" not in result.output
    assert fingerprint(afc_project) == before


# -- 8. the smaller cases --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "turbo",
    ["{}", "{}\n", "{\n    // nothing yet\n}\n", "// turbo\n{ /* empty */ }\n", '{\n    "tasks": {} // the tasks\n}\n'],
)
def test_turbo_json_empty_or_comment_only_stays_valid_and_comments_stay_put(afc_project, turbo):
    from afc_realtime.edits import jsonfile

    (afc_project / "turbo.json").write_text(turbo)
    before = fingerprint(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    text = (afc_project / "turbo.json").read_text()
    data = jsonfile.to_python(jsonfile.parse(text, "turbo.json"))
    assert data["globalEnv"] == ["NEXT_PUBLIC_WS_URL"] and "WS_EVENTS_SECRET" in data["globalPassThroughEnv"]
    for comment in ("// nothing yet", "// turbo", "// the tasks"):
        if comment in turbo:
            line = next(line for line in turbo.splitlines() if comment in line)
            assert _same_line(line, text), f"{comment!r} moved:\n{text}"
    assert ("/* empty */" in text) == ("/* empty */" in turbo)
    assert afc("remove", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) == before


def _same_line(line: str, text: str) -> bool:
    """`line` (code, then a `//` comment) still stands in `text`, perhaps with a comma added before the comment."""
    return line in text.splitlines() or line.replace(" //", ", //", 1) in text.splitlines()


@pytest.mark.parametrize(
    "original, key",
    [
        ('{\n    "globalEnv": [\n        "A" // build-time\n    ]\n}\n', "globalEnv"),
        ('{\n    "globalEnv": [\n        "A", // build-time\n    ]\n}\n', "globalEnv"),
        ('{\n    "globalEnv": [\n        "A", // first\n        "B" // second\n    ]\n}\n', "globalEnv"),
        ('{\n    "tasks": {}, // tasks\n}\n', "globalEnv"),
    ],
)
def test_jsonc_comments_stay_on_their_line(original, key):
    from afc_realtime.edits import jsonfile
    from afc_realtime.edits.insertion import insert_all, remove_all

    edit = jsonfile.ensure_list("turbo.json", original, key, ["NEW"], "x")
    text, placed = insert_all(original, list(edit.insertions))
    assert "NEW" in jsonfile.to_python(jsonfile.parse(text, "turbo.json"))[key]
    for line in original.splitlines():
        if "//" in line:
            assert _same_line(line, text), text
    assert remove_all(text, placed) == (original, [])


def test_json_on_a_terminal_asks_on_stderr_and_still_answers_in_json(afc_project):
    code, out, err = _on_a_terminal_json(afc_project, b"n\n")
    assert code == 1
    data = json.loads(out)
    assert data["applied"] is False and data["changes"]
    assert "Apply these changes?" in err and "CREATE" in err and "Apply these" not in out
    code, out, err = _on_a_terminal_json(afc_project, b"y\n")
    assert code == 0 and json.loads(out)["applied"] is True


def _on_a_terminal_json(project, answer: bytes) -> tuple[int, str, str]:
    """afc --json with a pseudo-terminal as stdin and stderr (stdout to a pipe): (exit code, stdout, stderr)."""
    import pty
    import select
    import subprocess
    import sys
    import time

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "afc_realtime", "add", "websocket", "--json", "-C", str(project)],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    screen, answered, deadline = b"", False, time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                screen += os.read(leader, 65536)
            except OSError:
                break
        if not answered and b"Apply these changes?" in screen:
            os.write(leader, answer)
            answered = True
    out = proc.stdout.read().decode() if proc.stdout else ""
    code = proc.wait(timeout=30)
    os.close(leader)
    return code, out, screen.decode(errors="replace")


def test_error_objects_carry_their_list_of_paths(afc_project):
    (afc_project / "apps/ws").mkdir()
    (afc_project / "apps/ws/index.js").write_text("mine\n")
    result = afc("add", "websocket", "-C", str(afc_project), "--yes", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 3 and data["exit_code"] == 3
    assert any(d.startswith("apps/ws") for d in data["details"])


def test_the_handwired_remover_leaves_a_ws_service_that_is_not_the_realtime_one(tmp_path):
    from tests.support.projects import HANDWIRED_PROJECT, make_project

    files = dict(HANDWIRED_PROJECT)
    files["compose.dev.yml"] = files["compose.dev.yml"].replace("build: ./apps/ws", "image: nginx:1.27")
    project = make_project(tmp_path / "p", files)
    result = afc("remove", "websocket", "-C", str(project), "--yes")
    assert result.exit_code == 0, result.output
    compose = (project / "compose.dev.yml").read_text()
    assert "    ws:\n        image: nginx:1.27\n" in compose
    assert "compose service ws is not built from apps/ws" in result.output


def test_status_of_a_folder_that_does_not_exist_is_bad_input(tmp_path):
    for args in (["status"], ["status", "--json"], ["remove", "websocket", "--yes"]):
        result = afc(*args, "-C", str(tmp_path / "nonexistent"))
        assert result.exit_code == 2 and "no such folder" in result.output


def test_the_lock_is_in_this_users_state_folder_and_nothing_is_left_in_the_temp_folder(
    afc_project, private_state, tmp_path, monkeypatch
):
    """A lock in /tmp is a file other users can plant (a link, a file of theirs) and one more file left per
    project; afc's lock lives in its own 0700 state folder."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    result = afc("add", "websocket", "-C", str(afc_project), "--dry-run")
    assert result.exit_code == 0, result.output
    assert [p.name for p in private_state.iterdir() if p.name.endswith(".lock")], list(private_state.iterdir())
    assert list(temp.iterdir()) == []


def test_a_lock_file_that_is_a_link_is_a_clean_error(afc_project, private_state, tmp_path):
    from afc_realtime.lock import project_lock
    from afc_realtime.statedir import project_key

    with project_lock(afc_project):  # makes the state folder
        pass
    lock = private_state / f"{project_key(afc_project)}.lock"
    lock.unlink()
    target = tmp_path / "elsewhere"
    target.write_text("not afc's")
    lock.symlink_to(target)
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 3 and "cannot open the lock file" in result.output and "delete it" in result.output
    assert target.read_text() == "not afc's"


def test_a_state_folder_other_users_can_write_is_refused_before_the_lock_is_taken(afc_project, private_state):
    private_state.mkdir(mode=0o700, parents=True)
    private_state.chmod(0o777)
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code != 0 and "writable by other users" in result.output
    assert not list(private_state.iterdir())


def test_a_route_that_links_to_itself_is_a_clean_error(afc_project):
    loop = afc_project / "apps/web/src/app/api/loop/route.ts"
    loop.parent.mkdir(parents=True)
    os.symlink(loop, loop)
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 3 and "a link that leads back to itself" in result.output, result.output
    assert isinstance(result.exception, SystemExit)


def test_a_licence_comment_above_use_client_does_not_hide_a_page(afc_project):
    page = afc_project / "apps/web/src/app/page.tsx"
    page.write_text("// SPDX-License-Identifier: MIT\n/* (c) us */\n" + page.read_text())
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert 'useRealtimeList("todo", "/api/todos", setTodos)' in page.read_text()


def test_adding_an_event_that_is_already_wired_adds_no_duplicate(afc_project):
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    wired = fingerprint(afc_project)
    result = afc("add", "event", "todo-created", "--route", ROUTE, "-C", str(afc_project), "--yes")
    assert result.exit_code == 0 and "already broadcasts todo-created; nothing to do" in result.output
    assert fingerprint(afc_project) == wired


@pytest.mark.parametrize("quote", ["'", "`", '"'])
def test_quoted_multi_line_env_values_are_read(afc_project, quote):
    env = afc_project / ".env"
    env.write_text(f"PRIVATE_PEM={quote}-----BEGIN-----\nabc\n-----END-----{quote}\nPORT=3000\n")
    before = fingerprint(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert afc("remove", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) == before


def test_a_read_only_file_is_reported_not_edited(afc_project):
    env = afc_project / ".env"
    env.chmod(0o444)
    before = fingerprint(afc_project)
    preview = afc("add", "websocket", "-C", str(afc_project), "--dry-run")
    assert preview.exit_code == 0 and ".env: read-only" in preview.output
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 3 and "read-only" in result.output and ".env" in result.output
    assert fingerprint(afc_project) == before and env.stat().st_mode & 0o777 == 0o444


# -- 4. (the rest is in test_crash.py) temp files ---------------------------------------------------


def test_the_journal_and_backups_live_outside_the_project_in_a_private_state_folder(afc_project, monkeypatch):
    import afc_realtime.apply as apply_mod
    from afc_realtime.tree import Tree

    state = apply_mod.work_folder(Tree(afc_project))
    seen: dict[str, object] = {}

    def look(step):
        if step == "journal":  # the journal and every backup are written; nothing in the project is touched yet
            seen["project"] = {str(p.relative_to(afc_project)) for p in afc_project.rglob("*") if p.is_file()}
            seen["state"] = {p.name for p in state.iterdir()}
            seen["mode"] = state.stat().st_mode & 0o777

    monkeypatch.setattr(apply_mod, "_step", look)
    before = {p for p, kind in fingerprint(afc_project).items() if kind != "dir"}
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert seen["project"] == before  # no journal, backup or temp file in the project, no copy of an env file
    assert "journal.json" in seen["state"] and any(n.endswith(".bak") for n in seen["state"])
    assert seen["mode"] == 0o700 and not state.exists()
    assert not (afc_project / ".afc/tmp").exists()


# -- 5. exit codes that mean what the README says -------------------------------------------------


def test_a_leftover_that_cannot_be_deleted_after_the_commit_point_is_a_warning_with_exit_0(afc_project, monkeypatch):
    import afc_realtime.apply as apply_mod

    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    stuck = afc_project / "apps/ws/node_modules/.cache/root-owned"
    stuck.parent.mkdir(parents=True)
    stuck.write_text("left by docker\n")

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    # apply's own rmtree only: `remove` renders the service (to check the manifest's claims) in a temp folder
    monkeypatch.setattr(apply_mod, "shutil", SimpleNamespace(rmtree=refuse))
    result = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 0, result.output
    assert "warning: every change was applied, but apps/ws could not be deleted" in result.output
    assert not (afc_project / ".afc").exists() and not (afc_project / "apps/ws/package.json").exists()
    assert 'broadcast("todo-created"' not in (afc_project / ROUTE).read_text()


def test_json_result_carries_the_warnings(afc_project, monkeypatch):
    import afc_realtime.apply as apply_mod

    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    (afc_project / "apps/ws/node_modules/x").mkdir(parents=True)
    refuse = lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, "no"))  # noqa: E731
    monkeypatch.setattr(apply_mod, "shutil", SimpleNamespace(rmtree=refuse))  # apply's own, not the render's
    result = afc("remove", "websocket", "-C", str(afc_project), "--yes", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["warnings"][0].startswith("every change was applied")


# -- 6. links stay links ---------------------------------------------------------------------------


def test_a_linked_env_file_is_edited_once_at_its_target_and_stays_a_link(afc_project):
    link = afc_project / "apps/web/.env"
    os.symlink("../../.env", link)
    before = fingerprint(afc_project)
    added = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert added.exit_code == 0, added.output
    assert link.is_symlink() and os.readlink(link) == "../../.env"
    assert (afc_project / ".env").read_text().count("# Realtime (afc websocket)") == 1
    assert "apps/web/.env" not in (afc_project / ".afc/manifest.toml").read_text()
    assert afc("remove", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert link.is_symlink() and fingerprint(afc_project) == before


def test_a_link_swapped_in_after_planning_is_refused(afc_project, tmp_path, monkeypatch):
    import afc_realtime.apply as apply_mod

    outside = tmp_path / "outside"
    outside.mkdir()
    real_check = apply_mod._check_unchanged

    def swap_then_check(tree, changes):  # what a user (or attacker) does while afc waits at the prompt
        os.symlink(outside, afc_project / "apps/ws")
        return real_check(tree, changes)

    monkeypatch.setattr(apply_mod, "_check_unchanged", swap_then_check)
    before = fingerprint(afc_project)
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 3 and "a link appeared at apps/ws after planning" in result.output, result.output
    assert list(outside.iterdir()) == []
    os.unlink(afc_project / "apps/ws")
    assert fingerprint(afc_project) == before


def test_a_link_swapped_in_between_two_writes_is_refused_and_rolled_back(afc_project, tmp_path, monkeypatch):
    import afc_realtime.apply as apply_mod

    outside = tmp_path / "outside"
    outside.mkdir()
    folder = afc_project / "apps/web/src/app/api/todos"
    moved = tmp_path / "todos-moved"

    def swap(step):
        if step.startswith("update") and not moved.exists():
            shutil.move(folder, moved)
            os.symlink(outside, folder)

    import shutil

    monkeypatch.setattr(apply_mod, "_step", swap)
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 3 and "a link appeared at" in result.output, result.output
    assert list(outside.iterdir()) == []
    os.unlink(folder)
    shutil.move(moved, folder)
    assert not (afc_project / "apps/ws").exists() and not (afc_project / ".afc").exists()


# -- 7. drift is drift ------------------------------------------------------------------------------


def test_a_wired_file_that_moved_stops_remove_and_force_lists_it(afc_project):
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    route = afc_project / ROUTE
    moved = afc_project / "apps/web/src/app/api/tasks/route.ts"
    moved.parent.mkdir(parents=True)
    route.rename(moved)
    before = fingerprint(afc_project)
    refused = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert refused.exit_code == 3 and f"{ROUTE}: the file afc edited is gone" in refused.output, refused.output
    assert fingerprint(afc_project) == before
    status = afc("status", "-C", str(afc_project))
    assert "drifted" in status.output and f"gone      {ROUTE}: broadcast todo-created" in status.output
    forced = afc("remove", "websocket", "-C", str(afc_project), "--yes", "--force")
    assert forced.exit_code == 0 and f"{ROUTE}: the file afc edited is gone" in forced.output
    assert not (afc_project / "apps/ws").exists() and not (afc_project / ".afc").exists()
    assert TODO_CREATED in moved.read_text()  # listed, left for the user


def test_the_inserted_line_is_found_by_its_context_not_by_the_nearest_lookalike(afc_project):
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    route = afc_project / ROUTE
    line = "    " + TODO_CREATED + "\n"
    text = route.read_text()
    mine = "    // audit trail, written by hand\n" + line
    route.write_text(text.replace(line, mine + line))  # a copy right where afc's line was
    removed = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert removed.exit_code == 0, removed.output
    assert mine in route.read_text() and route.read_text().count("broadcast(") == 1


def test_a_users_copy_of_a_wired_handler_is_not_cut_and_remove_says_so(afc_project):
    # The wired POST handler copied as PUT, above it: both broadcast lines have the surroundings afc recorded.
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    route = afc_project / ROUTE
    text = route.read_text()
    post = text[text.index("export async function POST") :]
    route.write_text(text.replace(post, post.replace("POST", "PUT") + "\n" + post))
    before = fingerprint(afc_project)
    refused = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    message = "broadcast todo-created: the text afc inserted stands in more than one place as afc left it"
    assert refused.exit_code == 3 and f"{ROUTE}: {message}" in refused.output, refused.output
    assert fingerprint(afc_project) == before
    status = afc("status", "-C", str(afc_project), "--json")
    assert json.loads(status.stdout)["features"][0]["insertions_gone"] == [f"{ROUTE}: broadcast todo-created"]
    forced = afc("remove", "websocket", "-C", str(afc_project), "--yes", "--force")
    assert forced.exit_code == 0 and message in forced.output
    assert route.read_text().count(TODO_CREATED) == 2  # for the user


TWIN_BODY = """(req: Request, { params }: { params: Promise<{ id: string }> }) {
    const { id } = await params;
    const body = await req.json();
    const [updated] = await db.update(todos).set({ title: body.title }).where(eq(todos.id, Number(id))).returning();
    return NextResponse.json(updated);
}
"""


def test_identical_lines_afc_inserted_in_identical_handlers_are_not_drift(afc_project):
    # PUT and PATCH with the same body: afc inserts the same line with the same surroundings in each.
    twins = afc_project / "apps/web/src/app/api/todos/[id]/route.ts"
    twins.parent.mkdir(parents=True)
    imports = 'import { NextResponse } from "next/server";\nimport { eq } from "drizzle-orm";\n'
    head = imports + 'import { db, todos } from "@app/db";\n\n'
    twins.write_text(f"{head}export async function PUT{TWIN_BODY}\nexport async function PATCH{TWIN_BODY}")
    before = fingerprint(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert (
        twins.read_text().count(
            'broadcast("todo-updated", { table: "todos", action: "updated", keys: { id: updated.id }'
        )
        == 2
    )
    [report] = json.loads(afc("status", "-C", str(afc_project), "--json").stdout)["features"]
    assert not report["drifted"] and report["insertions_gone"] == []
    removed = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert removed.exit_code == 0, removed.output
    assert fingerprint(afc_project) == before


def test_find_placed_prefers_the_recorded_surroundings():
    from afc_realtime.edits.insertion import Insertion, find_placed, insert_all, remove_all

    original = "a = 1;\nb = 2;\n"
    text, [placed] = insert_all(original, [Insertion(7, "X;\n", "x")])
    assert text == "a = 1;\nX;\nb = 2;\n"
    lookalike = "X;\n" + text  # a copy nearer to nothing in particular, before afc's
    assert find_placed(lookalike, placed) == 3 + 7
    copy_after = "a = 1;\nX;\nX;\nhand;\nb = 2;\n"  # afc's keeps what stood before it; the copy has neither side
    assert find_placed(copy_after, placed) == 7
    assert find_placed("a = 1;\nc = 3;\n", placed) is None
    moved_both_sides = "zzz\nX;\nyyy\n"
    assert find_placed(moved_both_sides, placed) is None  # neither side as recorded: not afc's
    assert remove_all(text, [placed]) == (original, [])
    assert find_placed("X;\n", Insertion(0, "X;\n", "x")) == 0  # nothing recorded (older manifests): nearest


# -- 9. promises the deliberate bugs of the issue slipped past -------------------------------------


def test_every_real_env_file_gets_the_same_new_secret_and_examples_a_placeholder(afc_project):
    (afc_project / "apps/web/.env.local").write_text("A=1\n")
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0

    def secret(rel):
        lines = (afc_project / rel).read_text().splitlines()
        return next(line.split("=", 1)[1] for line in lines if line.startswith("WS_EVENTS_SECRET="))

    assert secret(".env") == secret("apps/web/.env.local") and len(secret(".env")) == 64
    assert secret(".env.example") == "change-me-to-a-long-random-string"


def test_a_production_compose_file_requires_the_secret(afc_project):
    (afc_project / "compose.prod.yml").write_text("services:\n    web:\n        image: web\n")
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    prod = (afc_project / "compose.prod.yml").read_text()
    dev = (afc_project / "compose.dev.yml").read_text()
    assert "WS_EVENTS_SECRET: ${WS_EVENTS_SECRET:?set WS_EVENTS_SECRET}" in prod and "NODE_ENV: production" in prod
    # a development file runs the service in development mode: an unset secret never makes it exit and loop
    assert "WS_EVENTS_SECRET: ${WS_EVENTS_SECRET:-}" in dev and "NODE_ENV: development" in dev


def test_status_reports_an_inserted_line_that_is_gone(afc_project):
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    route = afc_project / ROUTE
    route.write_text(route.read_text().replace(("    " + TODO_CREATED + "\n"), ""))
    status = afc("status", "-C", str(afc_project), "--json")
    [report] = json.loads(status.stdout)["features"]
    assert report["drifted"] and report["insertions_gone"] == [f"{ROUTE}: broadcast todo-created"]


def test_the_handwired_remover_drops_a_use_effect_import_nothing_else_uses(tmp_path):
    from tests.support.projects import HANDWIRED_PROJECT, PAGE, make_project

    files = dict(HANDWIRED_PROJECT)
    fetch_effect = (
        '    useEffect(() => {\n        fetch("/api/todos").then((r) => r.json()).then(setTodos);\n    }, []);\n'
    )
    assert fetch_effect in files["apps/web/src/app/page.tsx"]
    files["apps/web/src/app/page.tsx"] = files["apps/web/src/app/page.tsx"].replace(fetch_effect, "")
    project = make_project(tmp_path / "p", files)
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    page = (project / "apps/web/src/app/page.tsx").read_text()
    assert page == PAGE.replace(fetch_effect, "").replace("import { useEffect, useState }", "import { useState }")


def test_compose_refuses_an_insertion_that_would_change_other_content():
    from afc_realtime.edits import compose
    from afc_realtime.edits.insertion import Insertion
    from afc_realtime.errors import BadInput

    text = "services:\n    db:\n        image: pg\n"
    with pytest.raises(BadInput, match="without changing other content"):
        compose._verify(
            text, "compose.yml", "ws", Insertion(len(text), "        command: x\n    ws:\n        image: ws\n", "x")
        )
    compose._verify(text, "compose.yml", "ws", Insertion(len(text), "    ws:\n        image: ws\n", "x"))
