"""Writing a plan to disk all-or-nothing, and surviving a crash while doing it.

Every new content and a backup of every file to be replaced or deleted are first written under
`.afc/tmp/` (a folder that ignores itself in git), so a full disk or a permission problem shows before any
file is touched. Then a journal naming every operation and backup is written there and fsynced, and only
then are the files renamed into place, afc's manifest last. If afc dies anywhere in between, the next afc
command finds the journal and rolls the run back (before the last rename) or forward (after it), and says
so. A failure afc sees itself is rolled back at once."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import Conflict, WriteFailed
from .tree import Change, Kind, Tree, sha256

AFC_DIR = ".afc"
WORK_DIR = ".afc/tmp"
JOURNAL = "journal.json"
MANIFEST = ".afc/manifest.toml"
GITIGNORE = "*\n"  # the work folder ignores everything in it, itself included


@dataclass
class Outcome:
    """What applying left to say: leftovers that could not be deleted after every change was made."""

    warnings: list[str]


def apply_changes(tree: Tree, changes: list[Change], prune_dirs: Sequence[str] = (), command: str = "") -> Outcome:
    """Write every change or none; then remove the folders in `prune_dirs` that were left empty."""
    _check_unchanged(tree, changes)
    ordered = sorted(changes, key=lambda c: c.path == MANIFEST)  # the manifest goes last, so it says the truth
    for change in ordered:
        _refuse_links(tree, change.path)
    modes = {c.path: tree.resolve(c.path).stat().st_mode & 0o7777 for c in ordered if c.before is not None}
    work = tree.resolve(WORK_DIR)
    afc_dir_made = not tree.resolve(AFC_DIR).is_dir()
    try:
        journal = _prepare(tree, work, ordered, modes, afc_dir_made, list(prune_dirs), command)
    except BaseException as exc:
        _discard_now(tree, work, afc_dir_made)
        raise _as_write_failed(exc) from exc
    try:
        _commit(tree, work, journal)
    except BaseException as exc:
        _roll_back_now(tree, work, journal)
        raise _as_write_failed(exc) from exc
    _step("committed")  # the commit point: from here on, the run is finished, never undone
    return Outcome(_finish(tree, work, journal))


def recover(tree: Tree) -> str | None:
    """Finish what an interrupted afc left: roll its changes back, or forward when every file had been
    written. Returns what was done, for the user, or None when there was nothing to do."""
    afc_dir = tree.resolve(AFC_DIR)
    work = tree.resolve(WORK_DIR)
    if work.is_dir() and not any(work.iterdir()):
        work.rmdir()  # a finished run died just before removing its empty work folder
    if not work.is_dir():
        if afc_dir.is_dir() and not any(afc_dir.iterdir()):
            afc_dir.rmdir()  # left by a run that died between its last two steps
        return None
    path = work / JOURNAL
    journal: dict[str, Any] | None = None
    if path.is_file():
        try:
            journal = json.loads(path.read_bytes())
        except ValueError:
            journal = None  # never written whole: the renames had not started
    if journal is None:
        _discard(tree, work, afc_dir_made=True)
        return "an interrupted afc run had changed nothing yet; its temporary files were removed"
    what = f"`afc {journal['command']}`"
    if journal["state"] == "committed":
        warnings = _finish(tree, work, journal)
        return f"an interrupted {what} had written every change; its clean-up is now done" + "".join(
            f"\nwarning: {w}" for w in warnings
        )
    _roll_back(tree, work, journal)
    return f"an interrupted {what} was rolled back: every file is as it was before it"


# -- the steps ------------------------------------------------------------------------------------------


def _step(name: str) -> None:
    """Called after every operation that changes the disk: where tests inject faults. A pause asked for
    with AFC_TEST_PAUSE (seconds) gives the kill tests time to land between operations."""
    pause = os.environ.get("AFC_TEST_PAUSE")
    if pause:
        time.sleep(float(pause))


def _prepare(
    tree: Tree,
    work: Path,
    changes: list[Change],
    modes: dict[str, int],
    afc_dir_made: bool,
    prune_dirs: list[str],
    command: str,
) -> dict[str, Any]:
    """Write the new contents and the backups under the work folder, then the journal (fsynced)."""
    work.mkdir(parents=True, exist_ok=True)
    _write(work / ".gitignore", GITIGNORE.encode(), 0o644)
    _step("work folder")
    ops = []
    for index, change in enumerate(changes):
        op: dict[str, Any] = {"path": change.path, "kind": change.kind.value, "mode": modes.get(change.path)}
        if change.after is not None:
            op["new"], op["after"] = f"{index}.new", sha256(change.after)
            _write(work / op["new"], change.after, modes.get(change.path, 0o666 & ~_umask()))
            _step(f"new {change.path}")
        if change.before is not None:
            op["backup"], op["before"] = f"{index}.bak", sha256(change.before)
            _write(work / op["backup"], change.before, 0o600)
            _step(f"backup {change.path}")
        ops.append(op)
    journal = {
        "command": command,
        "state": "applying",
        "afc_dir_made": afc_dir_made,
        "dirs": _missing_dirs(tree, changes),
        "ops": ops,
        "prune": prune_dirs,
    }
    _write_journal(work, journal)
    _step("journal")
    return journal


def _commit(tree: Tree, work: Path, journal: dict[str, Any]) -> None:
    for rel in journal["dirs"]:
        tree.resolve(rel).mkdir()
        _step(f"mkdir {rel}")
    for op in journal["ops"]:
        _refuse_links(tree, op["path"])  # again, right before writing: a link may have been swapped in
        path = tree.resolve(op["path"])
        if op["kind"] == Kind.DELETE:
            path.unlink()
        else:
            os.replace(work / op["new"], path)
        _step(f"{op['kind']} {op['path']}")
    journal["state"] = "committed"
    _write_journal(work, journal)


def _finish(tree: Tree, work: Path, journal: dict[str, Any]) -> list[str]:
    """After the commit point: prune the folders afc made, then empty the work folder (journal last: an
    empty work folder is a finished run's, a work folder without a journal holds only temp files).
    Nothing here can make the run fail: a leftover that cannot be deleted is a warning."""
    warnings = []
    for rel in sorted(journal["prune"], key=lambda f: f.count("/"), reverse=True):
        if rel != AFC_DIR:
            warnings += _prune(tree, rel)
    for name in os.listdir(work):
        if name != JOURNAL:
            (work / name).unlink()
    _step("drop the temporary files")
    (work / JOURNAL).unlink()
    _step("drop the journal")
    work.rmdir()
    afc_dir = tree.resolve(AFC_DIR)
    ours = AFC_DIR in journal["prune"] or journal["afc_dir_made"]
    if ours and afc_dir.is_dir() and not any(afc_dir.iterdir()):
        afc_dir.rmdir()
    _step("done")
    return warnings


def _discard_now(tree: Tree, work: Path, afc_dir_made: bool) -> None:
    """Drop the work folder of a run that failed in this process before its first rename."""
    _discard(tree, work, afc_dir_made)


def _roll_back_now(tree: Tree, work: Path, journal: dict[str, Any]) -> None:
    """Roll back a run that failed in this process (a crash skips this; the journal does it next time)."""
    _roll_back(tree, work, journal)


def _roll_back(tree: Tree, work: Path, journal: dict[str, Any]) -> None:
    """Put every file back from its backup, delete what was created, remove the folders made."""
    for op in reversed(journal["ops"]):
        try:
            _refuse_links(tree, op["path"])  # never write through a link put there since
        except Conflict:
            continue
        path = tree.resolve(op["path"])
        current = path.read_bytes() if path.is_file() else None
        if "backup" in op:
            if current is None or sha256(current) != op["before"]:
                restored = work / f"{op['backup']}.restore"
                shutil.copyfile(work / op["backup"], restored)
                os.chmod(restored, op["mode"])
                os.replace(restored, path)
        elif current is not None and sha256(current) == op["after"]:
            path.unlink()
    for rel in reversed(journal["dirs"]):
        folder = tree.root.joinpath(*PurePosixPath(rel).parts)  # not followed: a link put here is left alone
        if not folder.is_symlink() and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    _discard(tree, work, journal["afc_dir_made"])


def _discard(tree: Tree, work: Path, afc_dir_made: bool) -> None:
    """Drop the work folder, and afc's folder too when this run made it and it is empty."""
    if work.is_dir():
        shutil.rmtree(work)
    afc_dir = tree.resolve(AFC_DIR)
    if afc_dir_made and afc_dir.is_dir() and not any(afc_dir.iterdir()):
        afc_dir.rmdir()


# -- helpers --------------------------------------------------------------------------------------------


def _as_write_failed(exc: BaseException) -> BaseException:
    if isinstance(exc, OSError):
        return WriteFailed(
            f"could not write ({exc.strerror or exc}); every file was put back as it was", path=exc.filename
        )
    return exc


def _check_unchanged(tree: Tree, changes: list[Change]) -> None:
    """Refuse if a file changed on disk between planning and applying (Angular's recorder rule)."""
    moved = []
    for change in changes:
        path = tree.resolve(change.path)
        now = path.read_bytes() if path.is_file() else None
        if now != change.before:
            moved.append(change.path)
    if moved:
        raise Conflict("files changed on disk while afc was planning; run again", details=moved, code="changed")


def _refuse_links(tree: Tree, rel: str) -> None:
    """A plan names real paths (links were followed when planning), so a link on the way now was put there
    since: refuse rather than write through it."""
    probe = tree.root
    for part in PurePosixPath(rel).parts:
        probe = probe / part
        if probe.is_symlink():
            raise Conflict(
                f"a link appeared at {probe.relative_to(tree.root)} after planning; run again", code="changed"
            )
        if not probe.exists():
            return


def _missing_dirs(tree: Tree, changes: list[Change]) -> list[str]:
    """The folders that writing the changes needs made, parents first."""
    missing: set[str] = set()
    for change in changes:
        if change.after is None:
            continue
        for parent in PurePosixPath(change.path).parents:
            if str(parent) == "." or tree.resolve(str(parent)).is_dir():
                break
            missing.add(str(parent))
    return sorted(missing)  # a parent sorts before its children


def _write(path: Path, data: bytes, mode: int) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, mode)


def _write_journal(work: Path, journal: dict[str, Any]) -> None:
    """Write the journal whole or not at all: a temp file, fsynced, renamed over, the folder fsynced."""
    tmp = work / f"{JOURNAL}.tmp"
    _write(tmp, json.dumps(journal, indent=1).encode(), 0o600)
    os.replace(tmp, work / JOURNAL)
    fd = os.open(work, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _prune(tree: Tree, rel: str) -> list[str]:
    """Remove a folder afc made once it holds nothing but install and build leftovers; a leftover that
    cannot be deleted is reported, the rest stands."""
    folder = tree.resolve(rel)
    if not folder.is_dir():
        return []
    leftovers = [tree.resolve(a) for a in tree.artefacts(rel)]
    if any(p not in leftovers for p in folder.iterdir()):
        return []
    try:
        for leftover in leftovers:
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
            _step(f"prune {leftover.name}")
        folder.rmdir()
        _step(f"prune {rel}")
    except OSError as exc:
        return [f"every change was applied, but {rel} could not be deleted ({exc.strerror or exc}): delete it by hand"]
    return []
