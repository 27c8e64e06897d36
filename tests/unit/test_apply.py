"""apply.py on a small folder: all-or-nothing, modes kept, the journal, recovery after a crash at every step."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

import afc_realtime.apply as apply_mod
from afc_realtime.apply import apply_changes, recover
from afc_realtime.errors import Conflict, WriteFailed
from afc_realtime.tree import Tree
from tests.support.projects import fingerprint, make_project

FILES = {
    "keep.txt": "keep\n",
    "edit.txt": "old\n",
    "gone.txt": "bye\n",
    "script.sh": "#!/bin/sh\n",
    ".afc/manifest.toml": "version = 1\n",
}


def _planned(root):
    """A tree with every kind of change staged: a create in new nested folders, updates, a delete, afc's
    manifest updated, and a folder afc made (`made`) to prune."""
    tree = Tree(root)
    tree.write("new/deep/file.txt", "fresh\n")
    tree.write("edit.txt", "new\n")
    tree.write("script.sh", "#!/bin/sh\necho hi\n")
    tree.delete("gone.txt")
    tree.write(".afc/manifest.toml", "version = 1\n# more\n")
    return tree


@pytest.fixture
def project(tmp_path):
    root = make_project(tmp_path / "p", FILES)
    (root / "script.sh").chmod(0o751)
    (root / "made/node_modules/pkg").mkdir(parents=True)
    (root / "made/node_modules/pkg/index.js").write_text("x\n")
    return root


def _expected_after(root):
    return {
        "keep.txt": "keep\n",
        "edit.txt": "new\n",
        "script.sh": "#!/bin/sh\necho hi\n",
        "new/deep/file.txt": "fresh\n",
        ".afc/manifest.toml": "version = 1\n# more\n",
    }


class Crash(BaseException):
    """A kill at a chosen step: not an Exception, so no `except Exception` in afc can swallow it."""


def _crash_after_commit(step):
    if step == "committed":
        raise Crash


def _state(root):
    """Where a run on `root` keeps its journal and backups: this machine's state folder, not the project."""
    return apply_mod.work_folder(Tree(root))


def _texts(root):
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_apply_writes_everything_keeps_modes_prunes_and_leaves_no_temp_files(project):
    tree = _planned(project)
    changes = tree.changes()
    outcome = apply_changes(tree, changes, ["made"], "test")
    assert outcome.warnings == []
    assert _texts(project) == _expected_after(project)
    assert stat.S_IMODE((project / "script.sh").stat().st_mode) == 0o751
    assert not (project / "made").exists() and not _state(project).exists()
    assert stat.S_IMODE((project / "new/deep/file.txt").stat().st_mode) == 0o666 & ~_umask()


def _umask():
    current = os.umask(0)
    os.umask(current)
    return current


def test_the_journal_names_every_operation_before_the_first_rename(project, monkeypatch):
    seen = {}

    def look(step):
        if step == "journal":
            seen["journal"] = json.loads((_state(project) / "journal.json").read_text())
            seen["texts"] = _texts(project)
            seen["backups"] = {p.name: p.read_text() for p in _state(project).iterdir()}

    monkeypatch.setattr(apply_mod, "_step", look)
    tree = _planned(project)
    apply_changes(tree, tree.changes(), ["made"], "add thing")
    journal = seen["journal"]
    assert journal["command"] == "add thing" and journal["state"] == "applying" and journal["afc_dir_made"] is False
    assert journal["dirs"] == ["new", "new/deep"] and journal["prune"] == ["made"]
    paths = [op["path"] for op in journal["ops"]]
    assert paths[-1] == ".afc/manifest.toml" and set(paths) == {c.path for c in tree.changes()}
    kinds = {op["path"]: op["kind"] for op in journal["ops"]}
    assert kinds == {
        "edit.txt": "update",
        "gone.txt": "delete",
        "new/deep/file.txt": "create",
        "script.sh": "update",
        ".afc/manifest.toml": "update",
    }
    for op in journal["ops"]:
        assert ("backup" in op) == (op["kind"] != "create") and ("new" in op) == (op["kind"] != "delete")
    assert journal["root"] == str(project.resolve())
    assert seen["texts"] == {**FILES, "made/node_modules/pkg/index.js": "x\n"}  # nothing touched, nothing added
    backups = {v for k, v in seen["backups"].items() if k.endswith(".bak")}
    assert backups == {"old\n", "bye\n", "#!/bin/sh\n", "version = 1\n"}


def test_a_crash_after_every_step_is_rolled_back_or_forward_by_recover(tmp_path, monkeypatch):
    steps: list[str] = []
    probe = make_project(tmp_path / "probe", FILES)
    monkeypatch.setattr(apply_mod, "_step", steps.append)
    tree = _planned(probe)
    apply_changes(tree, tree.changes(), [], "t")
    monkeypatch.undo()
    commit = steps.index("committed")
    for index, name in enumerate(steps):
        root = make_project(tmp_path / f"at{index}", FILES)
        before = fingerprint(root)

        def crash(step, index=index, seen=[]):  # noqa: B006
            seen.append(step)
            if len(seen) == index + 1:
                raise Crash

        monkeypatch.setattr(apply_mod, "_step", crash)
        monkeypatch.setattr(apply_mod, "_roll_back_now", lambda *a: None)
        monkeypatch.setattr(apply_mod, "_discard_now", lambda *a: None)
        tree = _planned(root)
        with pytest.raises(Crash):
            apply_changes(tree, tree.changes(), [], "t")
        monkeypatch.undo()
        message = recover(Tree(root))
        if index < commit:
            assert fingerprint(root) == before, name
            if name == "work folder":  # only the empty state folder was made: it goes, nothing to say
                assert message is None and not _state(root).exists()
            else:
                assert message and ("rolled back" in message or "changed nothing yet" in message), (name, message)
        else:
            assert _texts(root) == _expected_after(root), name
            assert not _state(root).exists()
            if name in ("drop the journal", "done"):  # nothing left to finish but an empty folder
                assert message is None, (name, message)
            else:
                assert "had written every change" in (message or ""), (name, message)
        assert recover(Tree(root)) is None


def test_a_failure_while_renaming_puts_every_file_back(project, monkeypatch):
    before = fingerprint(project)
    real, calls = os.replace, []

    def failing(src, dst):
        calls.append(dst)
        if str(dst).endswith("script.sh"):
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(apply_mod.os, "replace", failing)
    tree = _planned(project)
    with pytest.raises(WriteFailed, match="every file was put back"):
        apply_changes(tree, tree.changes(), ["made"])
    monkeypatch.undo()
    assert fingerprint(project) == before and stat.S_IMODE((project / "script.sh").stat().st_mode) == 0o751


def test_a_file_changed_since_planning_is_refused(project):
    tree = _planned(project)
    changes = tree.changes()
    (project / "edit.txt").write_text("theirs\n")
    (project / "new").mkdir()
    (project / "new/deep").mkdir()
    (project / "new/deep/file.txt").write_text("theirs\n")
    with pytest.raises(Conflict) as info:
        apply_changes(tree, changes)
    assert info.value.details == ["edit.txt", "new/deep/file.txt"]
    assert (project / "edit.txt").read_text() == "theirs\n"


def test_the_afc_folder_made_by_a_failed_run_goes_again(tmp_path, monkeypatch):
    root = make_project(tmp_path / "p", {"a.txt": "a\n"})
    before = fingerprint(root)
    tree = Tree(root)
    tree.write("b.txt", "b\n")

    def fail(path, data, mode):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(apply_mod, "_write", fail)
    with pytest.raises(WriteFailed):
        apply_changes(tree, tree.changes())
    assert fingerprint(root) == before


def test_recover_with_nothing_to_do_and_with_a_half_written_journal(tmp_path):
    root = make_project(tmp_path / "p", {"a.txt": "a\n"})
    assert recover(Tree(root)) is None
    (root / ".afc").mkdir()
    assert recover(Tree(root)) is None and (root / ".afc").is_dir()  # an empty .afc is not evidence of a run
    _state(root).mkdir(parents=True, mode=0o700)
    (_state(root) / "journal.json").write_text('{"ops": [')
    assert "changed nothing yet" in (recover(Tree(root)) or "") and not _state(root).exists()
    assert _texts(root) == {"a.txt": "a\n"}


def test_recover_names_the_command_and_reports_leftovers_it_cannot_delete(project, monkeypatch):
    tree = _planned(project)

    monkeypatch.setattr(apply_mod, "_step", _crash_after_commit)
    with pytest.raises(Crash):
        apply_changes(tree, tree.changes(), ["made", "made/node_modules"], "remove websocket")
    monkeypatch.undo()
    journal = json.loads((_state(project) / "journal.json").read_text())
    assert journal["state"] == "committed"
    monkeypatch.setattr(apply_mod.shutil, "rmtree", lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, "no")))
    message = recover(Tree(project))
    assert message == (
        "an interrupted `afc remove websocket` had written every change; its clean-up is now done\n"
        "warning: every change was applied, but made could not be deleted (no): delete it by hand"
    )


def test_recover_rolls_back_and_says_which_command(project, monkeypatch):
    before = fingerprint(project)
    tree = _planned(project)

    def crash(step):
        if step.startswith("delete"):
            raise Crash

    monkeypatch.setattr(apply_mod, "_step", crash)
    monkeypatch.setattr(apply_mod, "_roll_back_now", lambda *a: None)
    with pytest.raises(Crash):
        apply_changes(tree, tree.changes(), [], "add websocket")
    monkeypatch.undo()
    assert (
        recover(Tree(project))
        == "an interrupted `afc add websocket` was rolled back: every file is as it was before it"
    )
    assert fingerprint(project) == before


def test_prune_goes_deepest_first_keeps_folders_with_other_files_and_collects_every_warning(tmp_path, monkeypatch):
    root = make_project(tmp_path / "p", {"a.txt": "a\n", "one/x.txt": "x\n", "two/y.txt": "y\n", "keep/z.txt": "z\n"})
    (root / "one/inner/node_modules").mkdir(parents=True)
    (root / "two/.next").mkdir()
    tree = Tree(root)
    tree.delete("one/x.txt")
    tree.delete("two/y.txt")
    assert apply_changes(tree, tree.changes(), ["one", "one/inner", "keep"]).warnings == []
    assert not (root / "one").exists() and (root / "keep/z.txt").exists() and (root / "two/.next").is_dir()

    (root / "b/node_modules").mkdir(parents=True)
    (root / "c/dist").mkdir(parents=True)
    tree = Tree(root)
    tree.delete("two/y.txt") if (root / "two/y.txt").exists() else None
    tree.write("a.txt", "A\n")
    monkeypatch.setattr(apply_mod.shutil, "rmtree", lambda p, *a, **k: (_ for _ in ()).throw(OSError(13, "busy")))
    warnings = apply_changes(tree, tree.changes(), ["b", "c"]).warnings
    assert warnings == [
        "every change was applied, but b could not be deleted (busy): delete it by hand",
        "every change was applied, but c could not be deleted (busy): delete it by hand",
    ]


def test_prune_deletes_a_lock_file_an_install_left_beside_node_modules(tmp_path):
    # A single app's service installs apart: `npm install` in it writes package-lock.json, which goes with it.
    root = make_project(tmp_path / "p", {"a.txt": "a\n", "svc/index.ts": "x\n", "svc/package-lock.json": "{}\n"})
    (root / "svc/node_modules/ws").mkdir(parents=True)
    tree = Tree(root)
    tree.delete("svc/index.ts")
    assert apply_changes(tree, tree.changes(), ["svc"]).warnings == []
    assert not (root / "svc").exists() and (root / "a.txt").read_text() == "a\n"


def test_afc_folder_goes_when_the_run_empties_it_and_stays_otherwise(tmp_path):
    root = make_project(tmp_path / "p", {"a.txt": "a\n", ".afc/manifest.toml": "m\n"})
    tree = Tree(root)
    tree.delete(".afc/manifest.toml")
    apply_changes(tree, tree.changes(), [".afc"])
    assert not (root / ".afc").exists()

    root = make_project(tmp_path / "q", {"a.txt": "a\n", ".afc/manifest.toml": "m\n", ".afc/notes": "mine\n"})
    tree = Tree(root)
    tree.delete(".afc/manifest.toml")
    apply_changes(tree, tree.changes(), [".afc"])
    assert (root / ".afc/notes").exists() and not _state(root).exists()

    root = make_project(tmp_path / "r", {"a.txt": "a\n", ".afc/manifest.toml": "m\n"})
    tree = Tree(root)
    tree.delete(".afc/manifest.toml")
    apply_changes(tree, tree.changes(), [])  # not afc's to prune, and it was there before: it stays
    assert (root / ".afc").is_dir() and list((root / ".afc").iterdir()) == []

    root = make_project(tmp_path / "s", {"a.txt": "a\n"})
    tree = Tree(root)
    tree.write("a.txt", "b\n")
    apply_changes(tree, tree.changes(), [])  # no manifest written: no .afc made
    assert not (root / ".afc").exists()


def test_the_pause_for_kill_tests_is_read_from_the_environment(monkeypatch):
    slept = []
    monkeypatch.setattr(apply_mod.time, "sleep", slept.append)
    monkeypatch.delenv("AFC_TEST_PAUSE", raising=False)
    apply_mod._step("x")
    monkeypatch.setenv("AFC_TEST_PAUSE", "0.25")
    apply_mod._step("x")
    assert slept == [0.25]


def test_rollback_skips_a_path_with_a_link_on_the_way_and_restores_the_others(project, tmp_path, monkeypatch):
    before = (project / "edit.txt").read_text()
    outside = tmp_path / "outside"
    outside.mkdir()
    tree = _planned(project)

    def swap(step):
        if step == "update edit.txt":
            shutil.rmtree(project / "new/deep")  # the new file waiting beside its target goes with it
            os.symlink(outside, project / "new/deep")

    monkeypatch.setattr(apply_mod, "_step", swap)
    with pytest.raises(Conflict, match="a link appeared at new/deep after planning"):
        apply_changes(tree, tree.changes(), [])
    assert (project / "edit.txt").read_text() == before and list(outside.iterdir()) == []
    assert (project / "gone.txt").read_text() == "bye\n"


def test_errors_other_than_the_disks_pass_through_after_rolling_back(project, monkeypatch):
    before = fingerprint(project)

    def boom(step):
        if step.startswith("update"):
            raise KeyboardInterrupt

    monkeypatch.setattr(apply_mod, "_step", boom)
    tree = _planned(project)
    with pytest.raises(KeyboardInterrupt):
        apply_changes(tree, tree.changes(), [])
    assert fingerprint(project) == before


def test_a_disk_error_names_the_file_and_what_the_disk_said(project, monkeypatch):
    def full(path, data, mode):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(apply_mod, "_write", full)
    tree = _planned(project)
    with pytest.raises(WriteFailed) as info:
        apply_changes(tree, tree.changes(), [])
    assert info.value.message == "could not write (No space left on device); every file was put back as it was"
    assert info.value.path and info.value.path.endswith("0.bak")  # the first file written: a backup


def test_the_steps_of_a_run_in_order_and_the_modes_of_what_it_writes(project, monkeypatch):
    steps, modes = [], {}

    def look(step):
        steps.append(step)
        if step == "journal":
            for path in (*_state(project).iterdir(), _state(project), _state(project).parent):
                modes[path.name] = stat.S_IMODE(path.stat().st_mode)
            modes["text"] = (_state(project) / "journal.json").read_text()
        if step.startswith("new "):
            rel = step.removeprefix("new ")
            beside = [p for p in (project / rel).parent.iterdir() if p.name.startswith(f".{(project / rel).name}.afc-")]
            modes[rel] = stat.S_IMODE(beside[0].stat().st_mode)

    monkeypatch.setattr(apply_mod, "_step", look)
    tree = _planned(project)
    apply_changes(tree, tree.changes(), ["made"], "t")
    assert steps == [
        "work folder",
        "backup edit.txt",
        "backup gone.txt",
        "backup script.sh",
        "backup .afc/manifest.toml",
        "journal",
        "mkdir new",
        "mkdir new/deep",
        "new edit.txt",
        "new new/deep/file.txt",
        "new script.sh",
        "new .afc/manifest.toml",
        "update edit.txt",
        "delete gone.txt",
        "create new/deep/file.txt",
        "update script.sh",
        "update .afc/manifest.toml",
        "committed",
        "prune node_modules",
        "prune made",
        "drop the temporary files",
        "drop the journal",
        "done",
    ]
    assert modes["journal.json"] == 0o600 and modes["0.bak"] == 0o600
    assert modes[_state(project).name] == 0o700 and modes["afc"] == 0o700
    assert modes["script.sh"] == 0o751 and modes["new/deep/file.txt"] == 0o666 & ~_umask()
    assert modes["text"].startswith('{\n "command": "t",\n "state": "applying",')


def test_a_stale_empty_work_folder_does_not_stop_a_run(project):
    _state(project).mkdir(parents=True, mode=0o700)
    tree = _planned(project)
    apply_changes(tree, tree.changes(), [])
    assert _texts(project) == {**_expected_after(project), "made/node_modules/pkg/index.js": "x\n"}


def test_exact_messages(project, monkeypatch):
    tree = _planned(project)
    changes = tree.changes()
    (project / "edit.txt").write_text("theirs\n")
    with pytest.raises(Conflict) as info:
        apply_changes(tree, changes)
    assert info.value.message == "files changed on disk while afc was planning; run again"
    _state(project).mkdir(parents=True, mode=0o700)
    (_state(project) / "1.bak").write_text("x")
    assert recover(Tree(project)) == (
        "an interrupted afc run had changed nothing yet; its temporary files were removed"
    )


def test_a_failed_commit_removes_the_afc_folder_it_made(tmp_path, monkeypatch):
    root = make_project(tmp_path / "p", {"a.txt": "a\n"})
    real = os.replace

    def failing(src, dst):
        if str(dst).endswith("a.txt"):
            raise OSError(28, "No space left on device")
        return real(src, dst)

    tree = Tree(root)
    tree.write("a.txt", "b\n")
    monkeypatch.setattr(apply_mod.os, "replace", failing)
    with pytest.raises(WriteFailed):
        apply_changes(tree, tree.changes())
    monkeypatch.undo()
    assert _texts(root) == {"a.txt": "a\n"} and not (root / ".afc").exists()


def test_recover_puts_each_leftover_warning_on_its_own_line(project, monkeypatch):
    (project / "other/.next").mkdir(parents=True)
    tree = _planned(project)

    monkeypatch.setattr(apply_mod, "_step", _crash_after_commit)
    with pytest.raises(Crash):
        apply_changes(tree, tree.changes(), ["made", "other"], "remove websocket")
    monkeypatch.undo()
    monkeypatch.setattr(apply_mod.shutil, "rmtree", lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, "no")))
    assert recover(Tree(project)) == (
        "an interrupted `afc remove websocket` had written every change; its clean-up is now done\n"
        "warning: every change was applied, but made could not be deleted (no): delete it by hand\n"
        "warning: every change was applied, but other could not be deleted (no): delete it by hand"
    )
