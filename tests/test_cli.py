"""The command line as a user meets it: exit codes, messages, and files on disk."""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.git import commit_all
from tests.support.projects import AFC_PROJECT, fingerprint, make_project
from tests.support.writes import TODO_CREATED

runner = CliRunner()


def afc(*args):
    return runner.invoke(app, list(args))


def test_version_and_help():
    assert afc("--version").output.strip() == "afc 0.1.0"
    result = afc("--help")
    assert result.exit_code == 0 and "add" in result.output and "remove" in result.output and "status" in result.output


def test_help_lists_commands_in_order_of_use_with_examples_and_no_defaults():
    top = afc("--help").output
    commands = top.split("Commands:")[1].split()
    assert [c for c in commands if c in ("add", "status", "remove")] == ["add", "status", "remove"]
    assert "Examples:" in top and "  afc add websocket --dry-run" in top
    for command in (
        ["add", "websocket"],
        ["sync", "websocket"],
        ["remove", "websocket"],
        ["add", "event"],
        ["remove", "event"],
        ["status"],
    ):
        shown = afc(*command, "--help")
        assert shown.exit_code == 0 and "Example" in shown.output and f"afc {' '.join(command)}" in shown.output
        assert "[default:" not in shown.output, (command, shown.output)


def test_add_then_remove_restores_every_byte(afc_project):
    before = fingerprint(afc_project)
    added = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert added.exit_code == 0, added.output
    assert (afc_project / "apps/ws/src/server.ts").is_file()
    assert (afc_project / "apps/web/src/lib/realtime/broadcast.ts").is_file()
    route = (afc_project / "apps/web/src/app/api/todos/route.ts").read_text()
    assert TODO_CREATED in route
    assert "Next steps" in added.output and "bun install" in added.output
    removed = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert removed.exit_code == 0, removed.output
    assert fingerprint(afc_project) == before


def test_add_twice_changes_nothing_the_second_time(afc_project):
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    after_first = fingerprint(afc_project)
    second = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert second.exit_code == 0 and "nothing to do" in second.output
    assert fingerprint(afc_project) == after_first


def test_dry_run_writes_nothing_and_shows_the_diff_with_diff(afc_project):
    before = fingerprint(afc_project)
    short = afc("add", "websocket", "-C", str(afc_project), "--dry-run")
    assert short.exit_code == 0 and "@@" not in short.output and "--diff shows each change" in short.output
    result = afc("add", "websocket", "-C", str(afc_project), "--dry-run", "--diff")
    assert result.exit_code == 0
    assert ("+    " + TODO_CREATED) in result.output and "Dry run: nothing was written." in result.output
    assert fingerprint(afc_project) == before


def test_json_plan_is_data(afc_project):
    result = afc("add", "websocket", "-C", str(afc_project), "--dry-run", "--json")
    data = json.loads(result.stdout)
    actions = {c["path"]: c["action"] for c in data["changes"]}
    assert actions["apps/ws/package.json"] == "create" and actions["turbo.json"] == "update"
    assert data["dry_run"] is True and data["applied"] is False


def test_without_a_terminal_and_without_yes_it_refuses(afc_project):
    before = fingerprint(afc_project)
    result = afc("add", "websocket", "-C", str(afc_project))
    assert result.exit_code == 2 and "--yes" in result.output
    assert fingerprint(afc_project) == before


@pytest.mark.parametrize(
    "rel, content, where",
    [
        ("package.json", '{\n    "name": "x",\n    "workspaces": [\n}\n', "package.json:4"),
        ("turbo.json", '{\n    "tasks": {\n        "dev": ,\n    }\n}\n', "turbo.json:3"),
        ("compose.dev.yml", "services:\n    db:\n        image: [pg\n    x: 1\n", "compose.dev.yml:"),
        (".env", "A=1\nnot an assignment\n", ".env:2"),
        ("apps/web/package.json", "{ nope", "apps/web/package.json:1"),
    ],
)
def test_malformed_input_names_the_file_and_line_and_writes_nothing(afc_project, rel, content, where):
    (afc_project / rel).write_text(content)
    before = fingerprint(afc_project)
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 2 and where in result.output, result.output
    assert fingerprint(afc_project) == before


def test_not_a_project(tmp_path):
    result = afc("add", "websocket", "-C", str(tmp_path), "--yes")
    assert result.exit_code == 2 and "no package.json" in result.output


def test_no_next_app(tmp_path):
    make_project(
        tmp_path,
        {"package.json": '{"workspaces": ["apps/*"]}', "apps/api/package.json": '{"dependencies": {"fastify": "5"}}'},
    )
    result = afc("add", "websocket", "-C", str(tmp_path), "--yes")
    assert result.exit_code == 2 and "no Next.js app found" in result.output


def test_a_users_own_apps_ws_is_never_touched(afc_project):
    (afc_project / "apps/ws").mkdir()
    (afc_project / "apps/ws/index.js").write_text("mine\n")
    before = fingerprint(afc_project)
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 3 and "apps/ws" in result.output
    assert fingerprint(afc_project) == before


def test_a_symlink_out_of_the_project_is_refused(afc_project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, afc_project / "apps/web/src/lib")
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 3 and "link out of the project" in result.output
    assert list(outside.iterdir()) == []


def test_a_route_that_does_not_parse_is_left_untouched_and_reported(afc_project):
    route = afc_project / "apps/web/src/app/api/todos/route.ts"
    broken = route.read_text().replace("const [inserted] =", "const [inserted] = = ")
    route.write_text(broken)
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 0
    assert (
        "apps/web/src/app/api/todos/route.ts:10: does not parse" in result.output.replace("\n", " ").replace("  ", " ")
        or "route.ts:10" in result.output
    )
    assert route.read_text() == broken


def test_a_failure_in_the_middle_of_apply_leaves_the_tree_as_it_was(afc_project, monkeypatch):
    import afc_realtime.apply as apply_mod

    before = fingerprint(afc_project)
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 12:
            raise OSError("disk full (injected)")
        return real_replace(src, dst)

    monkeypatch.setattr(apply_mod.os, "replace", failing_replace)
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 1 and "every file was put back as it was" in result.output and len(calls) >= 12
    monkeypatch.setattr(apply_mod.os, "replace", real_replace)
    assert fingerprint(afc_project) == before


def test_remove_refuses_when_a_generated_file_was_edited_unless_forced(afc_project):
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    server = afc_project / "apps/ws/src/server.ts"
    server.write_text(server.read_text() + "// mine\n")
    edited = fingerprint(afc_project)
    refused = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert refused.exit_code == 3 and "apps/ws/src/server.ts: changed since afc wrote it" in refused.output
    assert fingerprint(afc_project) == edited
    status = afc("status", "-C", str(afc_project))
    assert "drifted" in status.output and "modified  apps/ws/src/server.ts" in status.output
    forced = afc("remove", "websocket", "-C", str(afc_project), "--yes", "--force")
    assert forced.exit_code == 0 and not (afc_project / "apps/ws").exists()


def test_remove_refuses_when_an_inserted_line_was_changed(afc_project):
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    route = afc_project / "apps/web/src/app/api/todos/route.ts"
    route.write_text(
        route.read_text().replace(
            TODO_CREATED,
            TODO_CREATED.replace("row: inserted", "row: { ...inserted }"),
        )
    )
    result = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 3 and "broadcast todo-created" in result.output


@pytest.mark.parametrize("style", ["crlf", "bom", "tabs", "no-final-newline"])
def test_round_trip_keeps_line_endings_bom_tabs_and_missing_newlines(tmp_path, style):
    files = dict(AFC_PROJECT)
    for rel in (
        "apps/web/src/app/api/todos/route.ts",
        "apps/web/src/app/page.tsx",
        ".env",
        "turbo.json",
        "compose.dev.yml",
        "apps/web/src/env.ts",
    ):
        text = files[rel]
        if style == "crlf":
            text = text.replace("\n", "\r\n")
        elif style == "bom":
            text = "\ufeff" + text
        elif style == "tabs" and rel != "compose.dev.yml":
            text = text.replace("    ", "\t")
        elif style == "no-final-newline":
            text = text.rstrip("\n")
        files[rel] = text
    project = make_project(tmp_path / "p", files)
    before = fingerprint(project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    route = (project / "apps/web/src/app/api/todos/route.ts").read_bytes()
    if style == "crlf":
        assert TODO_CREATED.encode() + b"\r\n" in route
    if style == "tabs":
        assert b"\t" + TODO_CREATED.encode() + b"\n" in route
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def test_status_on_a_fresh_project_says_nothing_is_installed(afc_project):
    assert "installed nothing" in afc("status", "-C", str(afc_project)).output


def test_uncommitted_changes_in_touched_files_need_allow_dirty(afc_project):
    import subprocess

    def git(*args):
        subprocess.run(["git", "-C", str(afc_project), *args], check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "init", "--allow-empty")
    git("add", "-A")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "project")
    (afc_project / ".env.example").write_text((afc_project / ".env.example").read_text() + "MINE=1\n")
    before = fingerprint(afc_project)
    refused = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert refused.exit_code == 3 and ".env.example" in refused.output and "--allow-dirty" in refused.output
    assert fingerprint(afc_project) == before
    allowed = afc("add", "websocket", "-C", str(afc_project), "--yes", "--allow-dirty")
    assert allowed.exit_code == 0 and "MINE=1" in (afc_project / ".env.example").read_text()


def _on_a_terminal(project, answer: bytes, *more: tuple[bytes, bytes], cwd=None, args=(), env=None) -> tuple[int, str]:
    """Run afc with a pseudo-terminal as stdin and stdout, answer its questions (`answer` to the first, then
    each (question, answer) of `more` in turn), return (exit code, screen)."""
    import pty
    import select
    import subprocess
    import sys
    import time

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "afc_realtime", "add", "websocket", *(["-C", str(project)] if project else []), *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "100", **(env or {})},
    )
    os.close(follower)
    questions = [(b"Apply these changes?", answer), *more]
    screen, asked, seen, deadline = b"", 0, 0, time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        at = screen.find(questions[asked][0], seen) if asked < len(questions) else -1
        if at >= 0:
            os.write(leader, questions[asked][1])
            seen, asked = at + len(questions[asked][0]), asked + 1
        if proc.poll() is not None and not ready:
            break
    os.close(leader)
    return proc.wait(timeout=30), screen.decode(errors="replace")


def test_on_a_terminal_it_shows_the_plan_and_asks_first(afc_project):
    before = fingerprint(afc_project)
    code, screen = _on_a_terminal(afc_project, b"n\n")
    assert code == 1 and "CREATE" in screen and "Nothing was written." in screen
    assert fingerprint(afc_project) == before
    code, screen = _on_a_terminal(afc_project, b"y\n", (b"now?", b"n\n"))
    assert code == 0 and "Done." in screen and (afc_project / "apps/ws/package.json").is_file()


def test_remove_takes_install_leftovers_with_the_folder_it_made(afc_project):
    before = fingerprint(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    installed = afc_project / "apps/ws/node_modules/fastify"
    installed.mkdir(parents=True)
    (installed / "package.json").write_text("{}")
    preview = afc("remove", "websocket", "-C", str(afc_project), "--dry-run")
    assert "apps/ws/node_modules/: installed dependencies or build output; deleted with the folder" in preview.output
    assert afc("remove", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) == before


def test_env_values_are_the_users_to_change(afc_project):
    before = fingerprint(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    env = afc_project / ".env"
    text = env.read_text()
    env.write_text(
        text.replace("WS_PORT=4001", "WS_PORT=4999").replace("ws://localhost:4001", '"wss://ws.example.com"')
    )
    result = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 0, result.output
    assert fingerprint(afc_project) == before


def test_a_failure_while_writing_temp_files_touches_no_target(afc_project, monkeypatch):
    import afc_realtime.apply as apply_mod

    before = fingerprint(afc_project)
    real_write, calls = apply_mod._write_new, []

    def failing_write(path, data, mode):  # the new contents, written beside their targets before any rename
        calls.append(path)
        if len(calls) == 20:
            raise OSError(28, "No space left on device (injected)")
        return real_write(path, data, mode)

    monkeypatch.setattr(apply_mod, "_write_new", failing_write)
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 1 and "No space left on device" in result.output and len(calls) == 20
    assert fingerprint(afc_project) == before


def test_a_second_afc_on_the_same_project_is_refused(afc_project):
    from afc_realtime.lock import project_lock

    before = fingerprint(afc_project)
    with project_lock(afc_project):
        result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 3 and "another afc is already running" in result.output
    assert fingerprint(afc_project) == before
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0


def test_run_in_a_subfolder_it_works_on_the_project_above(afc_project, monkeypatch):
    before = fingerprint(afc_project)
    monkeypatch.chdir(afc_project / "apps/web/src")
    result = afc("add", "websocket", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"working on the project at {afc_project}" in result.output and "apps/ws/" in result.output
    monkeypatch.chdir(afc_project / "apps/web")
    assert afc("status").exit_code == 0
    # -C still wins: pointed at the app's folder, afc works there (a Next.js app with no workspaces of its own)
    pointed = afc("add", "websocket", "-C", ".", "--dry-run", "--json")
    assert pointed.exit_code == 0 and "realtime/package.json" in pointed.stdout
    assert fingerprint(afc_project) == before


def test_on_a_terminal_diff_shows_a_plan_longer_than_the_screen_in_the_pager_then_asks(afc_project):
    pager = {"PAGER": "sed s/^/paged:/", "MANPAGER": "", "LINES": "30"}
    code, screen = _on_a_terminal(afc_project, b"n\n", args=("--diff",), env=pager)
    screen = ANSI.sub("", screen)
    assert code == 1 and "paged:+++ b/turbo.json" in screen, screen
    assert screen.index("paged:+++ b/turbo.json") < screen.index("Apply these changes?")
    code, screen = _on_a_terminal(afc_project, b"n\n", env=pager)  # without --diff the plan fits: no pager
    assert code == 1 and "paged:" not in screen and "@@" not in screen and "Apply these changes?" in screen


def test_yes_prints_a_short_summary_wrapped_to_the_terminal_and_masks_secrets(afc_project, monkeypatch):
    monkeypatch.setenv("COLUMNS", "70")
    secret = "f" * 64
    (afc_project / ".env").write_text((afc_project / ".env").read_text() + f"WS_EVENTS_SECRET={secret}\n")
    preview = afc("add", "websocket", "-C", str(afc_project), "--dry-run")
    prose = [line for line in preview.output.splitlines() if not line.startswith(("+", "-", " ", "@"))]
    assert max(map(len, prose)) <= 70 and secret not in preview.output
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 0 and secret not in result.output
    lines = result.output.splitlines()
    # (the summary, the no-authentication warning and the next steps: no diff, no file list)
    assert max(map(len, lines)) <= 70 and len(lines) < 50, result.output
    assert (
        "created apps/ws/ (" in result.output and "@@" not in result.output and "Next steps:\n  1.  cd" in result.output
    )
    assert f"cd{afc_project.resolve()}" in re.sub(r"\n\s*|\s", "", result.output)  # a long path folded, not cut
    afc("remove", "websocket", "-C", str(afc_project), "--yes")
    verbose = afc("add", "websocket", "-C", str(afc_project), "--yes", "--verbose")
    assert "@@" not in verbose.output and "CREATE  apps/ws/src/server.ts" in verbose.output
    afc("remove", "websocket", "-C", str(afc_project), "--yes")
    diffs = afc("add", "websocket", "-C", str(afc_project), "--yes", "--diff")
    assert "@@" in diffs.output and "Done." in diffs.output


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def test_a_new_user_on_a_terminal_walks_add_on_the_example(tmp_path):
    """add without --yes, on a pseudo-terminal, on a copy of examples/todo-app under git: the plan, the
    question, the short summary, the offer to install, the next steps, in that order."""
    project = shutil.copytree(EXAMPLES / "todo-app", tmp_path / "todo-app")
    commit_all(project)
    code, screen = _on_a_terminal(None, b"y\n", (b"now?", b"n\n"), cwd=project / "apps/web")
    screen = ANSI.sub("", screen)
    assert code == 0, screen
    order = [
        "working on the project at",  # found upward from apps/web
        "Who receives each event",
        "todo-created -> public",
        "Left alone: 3 places, by reason",  # the sign-out action (app/signout) writes nothing
        "Your files (10); --diff shows each change line by line:",  # lib/notes.ts: the Server Action's helper
        "Files afc generates (",
        "apps/ws/ ",
        "Apply these changes?",
        "files changed:",
        "edited 10 of your files",
        "created apps/ws/ (",
        "Run `bun install` now?",
        "Next steps:",
        "cd ../..",  # to the root, since afc ran in apps/web
        "cp .env.example .env",
        "docker compose -f compose.dev.yml up -d postgres",
        "bun install",
        "bun run dev",
        "in two browser tabs",
        "to see privacy: sign up two users at http://localhost:3000/signup",
        'git add -A && git commit -m "Add realtime with afc"',
        "afc remove websocket",
    ]
    at = 0
    for text in order:  # each after the one before
        found = screen.find(text, at)
        assert found >= 0, f"{text!r} not after position {at} of:\n{screen}"
        at = found + len(text)
    assert max(len(line) for line in screen.split("Next steps:")[1].splitlines()) <= 100
    plan = screen.split("working on the project at")[1].split("Apply these changes?")[0]
    own = plan[plan.index("afc add websocket") :].strip("\n")  # the plan itself: not the preamble's folder
    assert len(own.splitlines()) < 40 and "@@" not in plan  # the plan fits a screen
    assert (project / "apps/ws/package.json").is_file() and not (project / "node_modules").exists()


@pytest.mark.timeout(900)
def test_on_a_terminal_yes_to_the_install_offer_installs(tmp_path):
    from tests.support import real_projects as shapes
    from tests.support.tools import require_tool

    require_tool("npm", "install Node.js 20 with npm")
    project = make_project(tmp_path / "todo", shapes.SINGLE_NPM)
    code, screen = _on_a_terminal(project, b"y\n", (b"Run `cd realtime && npm install` now?", b"\n"))  # default: yes
    screen = ANSI.sub("", screen)
    assert code == 0, screen
    assert "Installed with `cd realtime && npm install`" in screen
    assert (project / "realtime/node_modules/fastify").is_dir()
