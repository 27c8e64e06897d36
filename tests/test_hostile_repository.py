"""Issue 20, items 1 and 2: nothing a repository holds (a collaborator's commit, a clone) turns afc against its
owner. Each scenario is reproduced in a committed project, then every file's bytes (git's hooks included) are
compared with what they were, and the exit code with what the README says."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from typer.testing import CliRunner

import afc_realtime.apply as apply_mod
from afc_realtime.cli import app
from afc_realtime.tree import Tree
from tests.support.git import commit_all, git
from tests.support.projects import fingerprint

runner = CliRunner()
HOOK = "#!/bin/sh\necho pwned > /tmp/afc-pwned\n"


def afc(*args):
    return runner.invoke(app, list(args))


def snapshot(root):
    """Every file's bytes below root, `.git/` included (hooks above all); only git's index, which any git
    command may refresh, is left out."""
    return {k: v for k, v in fingerprint(root).items() if k != ".git/index"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _added(afc_project):
    """The small project after `afc add websocket`, committed: as a user has it."""
    commit_all(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    return commit_all(afc_project, "afc add")


def _old_style_journal(root, folder):
    """A journal as afc once kept it in `.afc/tmp/`, crafted to roll back into a git hook, delete a package's
    manifest and overwrite the gitignored `.env`."""
    env = (root / ".env").read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0.bak").write_text(HOOK)
    (folder / "1.bak").write_text("STOLEN=1\n")
    package = (root / "packages/db/package.json").read_bytes()
    journal = {
        "command": "add websocket",
        "state": "applying",
        "afc_dir_made": False,
        "dirs": [],
        "ops": [
            {"path": ".git/hooks/pre-commit", "kind": "update", "mode": 0o755, "backup": "0.bak", "before": "0" * 64},
            {"path": ".env", "kind": "update", "mode": 0o644, "backup": "1.bak", "before": _sha(env + b"x")},
            {"path": "packages/db/package.json", "kind": "create", "new": "2.new", "after": _sha(package)},
        ],
        "prune": [],
    }
    (folder / "journal.json").write_text(json.dumps(journal))
    return journal


# -- item 1: the journal is this machine's, never the repository's -----------------------------------------


@pytest.mark.parametrize("command", ["status", "remove"])
def test_a_committed_journal_is_reported_and_never_obeyed(afc_project, command):
    root = _added(afc_project)
    _old_style_journal(root, root / ".afc/tmp")
    git(root, "add", "-f", ".afc/tmp")
    commit_all(root, "a collaborator's commit")
    before = snapshot(root)
    args = [command] if command == "status" else [command, "websocket", "--dry-run"]
    result = afc(*args, "-C", str(root))
    assert result.exit_code == 0, result.output
    assert ".afc/tmp/journal.json" in result.output and "not obeyed" in result.output
    assert snapshot(root) == before  # no hook written, no package deleted, .env as it was
    assert not (root / ".git/hooks/pre-commit").exists()


def test_a_committed_link_at_the_old_work_folder_is_not_followed(afc_project):
    root = _added(afc_project)
    (root / "packages/db/src/uncommitted.ts").write_text("export const mine = 1;\n")
    os.symlink("../packages/db/src", root / ".afc/tmp")
    git(root, "add", "-f", ".afc/tmp")
    commit_all(root, "a link")
    before = snapshot(root)
    result = afc("status", "-C", str(root))
    assert result.exit_code == 0, result.output
    assert ".afc/tmp" in result.output and "link" in result.output and "Traceback" not in result.output
    assert snapshot(root) == before and (root / "packages/db/src/uncommitted.ts").exists()


def _state(root):
    return apply_mod.work_folder(Tree(root))


def _state_journal(project, **changes):
    """A journal in the project's own state folder, shaped as afc writes it, then changed by `changes`."""
    root = project
    folder = _state(root)
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(folder.parent, 0o700)
    (folder / "0.bak").write_text(HOOK)
    journal = {
        "command": "add websocket",
        "state": "applying",
        "root": str(root.resolve()),
        "token": "0123456789abcdef",
        "afc_dir_made": False,
        "dirs": [],
        "ops": [{"path": "apps/ws/x.ts", "kind": "update", "mode": 0o755, "backup": "0.bak", "before": "0" * 64}],
        "prune": [],
        **changes,
    }
    (folder / "journal.json").write_text(json.dumps(journal))
    return folder


def _op(path, kind="update", backup="0.bak"):
    return {"path": path, "kind": kind, "mode": 0o644, "backup": backup, "before": "0" * 64}


HOSTILE_OPS = {
    "git hook": _op(".git/hooks/pre-commit"),
    "git hook, other case": _op(".GIT/hooks/pre-commit"),
    "outside": _op("../elsewhere"),
    "absolute": _op("/tmp/x"),
    "backup elsewhere": _op("x.txt", backup="../../x"),
    "through a link": _op("linked/package.json", kind="delete"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_OPS))
def test_a_journal_in_the_state_folder_naming_what_no_run_plans_is_not_obeyed(afc_project, case):
    root = _added(afc_project)
    os.symlink("packages/db", root / "linked")
    commit_all(root, "a link")
    folder = _state_journal(root, ops=[HOSTILE_OPS[case]])
    before = snapshot(root)
    result = afc("status", "-C", str(root))
    assert result.exit_code == 0, result.output
    assert "not obeyed" in result.output and "journal.json" in result.output
    assert snapshot(root) == before and (folder / "journal.json").exists()  # reported, left alone
    refused = afc("remove", "websocket", "-C", str(root), "--yes")
    assert refused.exit_code == 3 and "would not obey" in refused.output
    assert snapshot(root) == before


def test_a_journal_of_another_project_is_not_obeyed(afc_project, tmp_path):
    root = _added(afc_project)
    _state_journal(root, root=str(tmp_path / "other"))
    before = snapshot(root)
    result = afc("status", "-C", str(root))
    assert result.exit_code == 0 and "another project" in result.output
    assert snapshot(root) == before


def test_a_link_at_the_state_folder_is_refused_and_its_target_left_alone(afc_project, tmp_path):
    root = _added(afc_project)
    target = tmp_path / "target"
    target.mkdir()
    (target / "journal.json").write_text("{}")
    _state(root).parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    os.symlink(target, _state(root))
    before, kept = snapshot(root), fingerprint(target)
    for args in (["status"], ["remove", "websocket", "--yes"]):
        result = afc(*args, "-C", str(root))
        assert result.exit_code == 3 and "is a link" in result.output, result.output
    assert snapshot(root) == before and fingerprint(target) == kept


def test_a_state_folder_others_may_write_is_refused(afc_project):
    root = _added(afc_project)
    _state(root).mkdir(parents=True, mode=0o700)
    os.chmod(_state(root), 0o777)
    result = afc("status", "-C", str(root))
    assert result.exit_code == 3 and "writable by other users" in result.output


def test_two_projects_with_the_same_name_never_share_a_state_folder(tmp_path):
    one, two = tmp_path / "a/app", tmp_path / "b/app"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    assert _state(one) != _state(two) and _state(one).parent == _state(two).parent
    os.symlink(one, tmp_path / "alias")
    assert _state(tmp_path / "alias") == _state(one)  # the real path is the key


def test_the_state_folder_follows_xdg_and_falls_back_to_local_state(monkeypatch, tmp_path):
    from afc_realtime.statedir import state_home

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert state_home() == tmp_path / "afc"
    for unset in ("", "relative/path"):
        monkeypatch.setenv("XDG_STATE_HOME", unset)
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        assert state_home() == tmp_path / "home/.local/state/afc"


def test_a_crashed_run_is_still_recovered_from_the_state_folder(afc_project, monkeypatch):
    root = commit_all(afc_project)
    before = snapshot(root)

    class Crash(BaseException):
        pass

    def crash(step):
        if step.startswith("create apps/ws/"):
            raise Crash

    monkeypatch.setattr(apply_mod, "_step", crash)
    monkeypatch.setattr(apply_mod, "_roll_back_now", lambda *a: None)
    with pytest.raises(Crash):
        runner.invoke(app, ["add", "websocket", "-C", str(root), "--yes"])
    monkeypatch.undo()
    assert (_state(root) / "journal.json").exists() and (root / "apps/ws").exists()
    result = afc("status", "-C", str(root))
    assert result.exit_code == 0 and "was rolled back" in result.output
    assert snapshot(root) == before and not _state(root).exists()
