"""Writing a plan to disk all-or-nothing, and surviving a crash while doing it.

The journal of a run and a backup of every file it replaces or deletes live in this machine's state folder
for the project (`statedir.py`: `$XDG_STATE_HOME/afc/<digest of the project's real path>/`, 0700), never in
the project: nothing a commit or a cloned repository holds is ever obeyed as a journal. The journal, naming
every operation, is written and fsynced first; then each new content is written beside its target (a
hidden name carrying the run's random token, so a rename puts it in place atomically on any file system),
and only then are the files renamed into place, afc's manifest last. If afc dies anywhere in between, the
next afc command finds the journal and rolls the run back (before the last rename) or forward (after it),
and says so; a journal that names anything but plain paths inside the project (never `.git/`, never
through a link) is reported and not obeyed. A failure afc sees itself is rolled back at once."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import Conflict, WriteFailed
from .statedir import make_private, state_folder
from .tree import Change, Kind, Tree, sha256

AFC_DIR = ".afc"
LEGACY_WORK_DIR = ".afc/tmp"  # where afc kept its journal once: one found there is reported, never obeyed
JOURNAL = "journal.json"
MANIFEST = ".afc/manifest.toml"


@dataclass
class Outcome:
    """What applying left to say: leftovers that could not be deleted after every change was made."""

    warnings: list[str]


def work_folder(tree: Tree) -> Path:
    """Where this project's journal and backups go on this machine."""
    return state_folder(tree.root)


def apply_changes(tree: Tree, changes: list[Change], prune_dirs: Sequence[str] = (), command: str = "") -> Outcome:
    """Write every change or none; then remove the folders in `prune_dirs` that were left empty."""
    _check_unchanged(tree, changes)
    ordered = sorted(changes, key=lambda c: c.path == MANIFEST)  # the manifest goes last, so it says the truth
    for change in ordered:
        _refuse_git(change.path)
        _refuse_links(tree, change.path)
    modes = {c.path: tree.resolve(c.path).stat().st_mode & 0o7777 for c in ordered if c.before is not None}
    work = work_folder(tree)
    if os.path.lexists(work / JOURNAL):
        raise Conflict(
            f"an afc journal afc would not obey is in {work}; check your files, then delete that folder",
            path=str(work / JOURNAL),
        )
    afc_dir_made = not tree.resolve(AFC_DIR).is_dir()
    make_private(work)  # refused, and left alone, when it is a link or not this user's own
    try:
        journal = _prepare(tree, work, ordered, modes, afc_dir_made, list(prune_dirs), command)
    except BaseException as exc:
        _discard_now(tree, work, afc_dir_made)
        raise _as_write_failed(exc) from exc
    try:
        _commit(tree, work, journal, {c.path: c.after for c in ordered if c.after is not None})
    except BaseException as exc:
        _roll_back_now(tree, work, journal)
        raise _as_write_failed(exc) from exc
    _step("committed")  # the commit point: from here on, the run is finished, never undone
    return Outcome(_finish(tree, work, journal))


def recover(tree: Tree) -> str | None:
    """Finish what an interrupted afc left: roll its changes back, or forward when every file had been
    written. Returns what was done (and warnings about journals not obeyed), for the user, or None when there
    was nothing to say."""
    said = [_legacy_journal(tree)]
    work = work_folder(tree)
    if os.path.lexists(work):
        make_private(work)  # refuses a link or a folder that is not this user's own
        said.append(_recover_from(tree, work))
    text = "\n".join(s for s in said if s)
    return text or None


def _legacy_journal(tree: Tree) -> str | None:
    """A journal in the project came with it (a commit, a clone): afc never wrote one there on this machine's
    behalf, so it is named and left alone, whatever it says."""
    tmp = tree.root / LEGACY_WORK_DIR
    if tmp.is_symlink():
        return f"warning: {LEGACY_WORK_DIR} in the project is a link; afc keeps no journal there and did not follow it"
    if os.path.lexists(tmp / JOURNAL):
        return (
            f"warning: {LEGACY_WORK_DIR}/{JOURNAL} is in the project, where afc keeps no journal (it came with the "
            "files, a commit or a copy); it was not obeyed and was left as it is: delete it"
        )
    return None


def _recover_from(tree: Tree, work: Path) -> str | None:
    path = work / JOURNAL
    journal: Any = None
    if path.is_file() and not path.is_symlink():
        try:
            journal = json.loads(path.read_bytes())
        except ValueError:
            journal = None  # never written whole: nothing in the project had been touched
    if journal is None:
        if not any(work.iterdir()):
            work.rmdir()  # a finished run died just before removing its empty folder
            return None
        _discard(tree, work, afc_dir_made=False)
        return "an interrupted afc run had changed nothing yet; its temporary files were removed"
    problem = journal_problem(tree, work, journal)
    if problem:
        return (
            f"warning: the afc journal {path} {problem}; it was not obeyed and was left as it is "
            "(check your files, then delete that folder)"
        )
    what = f"`afc {journal['command']}`"
    if journal["state"] == "committed":
        warnings = _finish(tree, work, journal)
        return f"an interrupted {what} had written every change; its clean-up is now done" + "".join(
            f"\nwarning: {w}" for w in warnings
        )
    _roll_back(tree, work, journal)
    return f"an interrupted {what} was rolled back: every file is as it was before it"


_HEX64 = re.compile(r"[0-9a-f]{64}")
_TOKEN = re.compile(r"[0-9a-f]{16}")


def journal_problem(tree: Tree, work: Path, journal: Any) -> str | None:
    """What makes `journal` one afc will not obey, or None. A journal names only what its run planned: plain
    relative paths inside this project, none under `.git/`, none reached through a link, backups in its own
    folder by the names afc gives them."""
    if not isinstance(journal, dict):
        return "is not a journal afc writes"
    shape = {"command": str, "state": str, "afc_dir_made": bool, "dirs": list, "ops": list, "prune": list, "root": str}
    for key, kind in shape.items():
        if not isinstance(journal.get(key), kind):
            return f"has no valid {key!r}"
    if journal["root"] != str(tree.root) or journal["state"] not in ("applying", "committed"):
        return "belongs to another project or run"
    if not isinstance(journal.get("token"), str) or not _TOKEN.fullmatch(journal["token"]):
        return "has no valid 'token'"
    paths = [*journal["dirs"], *journal["prune"]]
    for index, op in enumerate(journal["ops"]):
        if not isinstance(op, dict) or op.get("kind") not in {k.value for k in Kind}:
            return f"has an operation afc does not write (#{index})"
        paths.append(op.get("path"))
        for key, name in (("new", f"{index}.new"), ("backup", f"{index}.bak")):
            if key in op and op[key] != name:
                return f"names a file afc never writes: {op[key]!r}"
        for key in ("after", "before"):
            if key in op and not (isinstance(op[key], str) and _HEX64.fullmatch(op[key])):
                return f"has no valid {key!r} in operation #{index}"
        if ("backup" in op) != ("before" in op) or ("new" in op) != ("after" in op):
            return f"has an incomplete operation (#{index})"
        if op["kind"] != Kind.DELETE and "new" not in op:
            return f"has an incomplete operation (#{index})"
        if not (op.get("mode") is None or (isinstance(op["mode"], int) and 0 <= op["mode"] <= 0o7777)):
            return f"has no valid mode in operation #{index}"
        rolling_back = journal["state"] == "applying"  # a finished run's backups may be dropped already
        if rolling_back and "backup" in op and not _plain_file(work / op["backup"]):
            return f"is missing the backup of {op['path']!r}"
    for rel in paths:
        why = _unsafe(tree, rel)
        if why:
            return f"names {rel!r}, {why}"
    return None


def _plain_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _unsafe(tree: Tree, rel: object) -> str | None:
    """Why `rel` is not a path a journal may name, or None."""
    if not isinstance(rel, str) or not rel:
        return "not a path"
    pure = PurePosixPath(rel)
    if pure.is_absolute() or any(p in ("..", ".", "") for p in rel.split("/")):
        return "not a plain path inside the project"
    if any(p.lower() == ".git" for p in pure.parts):
        return "inside git's own folder"
    probe = tree.root
    for part in pure.parts:
        probe = probe / part
        if probe.is_symlink():
            return "reached through a link"
        if not os.path.lexists(probe):
            break
    return None


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
    """Write the backups in the work folder, then the journal (fsynced)."""
    _step("work folder")
    ops = []
    for index, change in enumerate(changes):
        op: dict[str, Any] = {"path": change.path, "kind": change.kind.value, "mode": modes.get(change.path)}
        if change.after is not None:
            op["new"], op["after"] = f"{index}.new", sha256(change.after)
        if change.before is not None:
            op["backup"], op["before"] = f"{index}.bak", sha256(change.before)
            _write(work / op["backup"], change.before, 0o600)
            _step(f"backup {change.path}")
        ops.append(op)
    journal = {
        "command": command,
        "state": "applying",
        "root": str(tree.root),
        "token": secrets.token_hex(8),
        "afc_dir_made": afc_dir_made,
        "dirs": _missing_dirs(tree, changes),
        "ops": ops,
        "prune": prune_dirs,
    }
    _write_journal(work, journal)
    _step("journal")
    return journal


def _commit(tree: Tree, work: Path, journal: dict[str, Any], contents: dict[str, bytes]) -> None:
    """Make the folders, write every new content beside its target, then rename each into place."""
    for rel in journal["dirs"]:
        tree.resolve(rel).mkdir()
        _step(f"mkdir {rel}")
    for op in journal["ops"]:
        if "new" in op:
            _refuse_links(tree, op["path"])
            mode = op["mode"] if op["mode"] is not None else 0o666 & ~_umask()
            _write_new(_beside(tree, op["path"], journal["token"], "new"), contents[op["path"]], mode)
            _step(f"new {op['path']}")
    for op in journal["ops"]:
        _refuse_links(tree, op["path"])  # again, right before writing: a link may have been swapped in
        path = tree.resolve(op["path"])
        if op["kind"] == Kind.DELETE:
            path.unlink()
        else:
            os.replace(_beside(tree, op["path"], journal["token"], "new"), path)
        _step(f"{op['kind']} {op['path']}")
    journal["state"] = "committed"
    _write_journal(work, journal)


def _finish(tree: Tree, work: Path, journal: dict[str, Any]) -> list[str]:
    """After the commit point: prune the folders afc made, remove afc's folder if the run emptied it, then
    empty the work folder (journal last: a work folder without a journal holds only temp files).
    Nothing here can make the run fail: a leftover that cannot be deleted is a warning."""
    warnings = []
    for rel in sorted(journal["prune"], key=lambda f: f.count("/"), reverse=True):
        if rel != AFC_DIR:
            warnings += _prune(tree, rel)
    afc_dir = tree.root / AFC_DIR
    ours = AFC_DIR in journal["prune"] or journal["afc_dir_made"]
    if ours and not afc_dir.is_symlink() and afc_dir.is_dir() and not any(afc_dir.iterdir()):
        afc_dir.rmdir()
    for name in os.listdir(work):
        if name != JOURNAL:
            (work / name).unlink()
    _step("drop the temporary files")
    (work / JOURNAL).unlink()
    _step("drop the journal")
    work.rmdir()
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
        for kind in ("new", "old"):
            _drop_beside(tree, op["path"], journal["token"], kind)
        path = tree.resolve(op["path"])
        current = path.read_bytes() if path.is_file() else None
        if "backup" in op:
            if current is None or sha256(current) != op["before"]:
                restored = _beside(tree, op["path"], journal["token"], "old")
                _write_new(restored, (work / op["backup"]).read_bytes(), op["mode"])
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
    if work.is_dir() and not work.is_symlink():
        shutil.rmtree(work)
    afc_dir = tree.root / AFC_DIR
    if afc_dir_made and not afc_dir.is_symlink() and afc_dir.is_dir() and not any(afc_dir.iterdir()):
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


def _refuse_git(rel: str) -> None:
    """No plan writes in git's own folder (hooks there run code): refused whatever asked for it."""
    if any(part.lower() == ".git" for part in PurePosixPath(rel).parts):
        raise Conflict(f"refusing to write in git's own folder: {rel}")


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


def _beside(tree: Tree, rel: str, token: str, kind: str) -> Path:
    """The hidden file beside `rel` that a new or restored content is written to before its rename: in the
    same folder, so the rename is atomic, and named with the run's token, so no file of yours is taken."""
    path = tree.resolve(rel)
    return path.parent / f".{path.name}.afc-{token}.{kind}"


def _drop_beside(tree: Tree, rel: str, token: str, kind: str) -> None:
    path = _beside(tree, rel, token, kind)
    if os.path.lexists(path):
        path.unlink()  # a link is removed as a link


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """A new file, never through a link or over anything that stands there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
        os.fchmod(handle.fileno(), mode)


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
    if folder.is_symlink() or not folder.is_dir():
        return []
    leftovers = [tree.resolve(a) for a in tree.artefacts(rel)]
    links = [p for p in folder.iterdir() if p.is_symlink()]  # removed as links: never followed
    if any(p not in leftovers and p not in links for p in folder.iterdir()):
        return []
    try:
        for leftover in [*links, *leftovers]:
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)  # which unlinks the links inside, never following them
            else:
                leftover.unlink()
            _step(f"prune {leftover.name}")
        folder.rmdir()
        _step(f"prune {rel}")
    except OSError as exc:
        return [f"every change was applied, but {rel} could not be deleted ({exc.strerror or exc}): delete it by hand"]
    return []
