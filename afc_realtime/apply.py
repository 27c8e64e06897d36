"""Writing a plan to disk all-or-nothing: re-check what was read, write each file through a temp file
and a rename, and on any failure put every file and folder back as it was."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .errors import AfcError, Conflict, WriteFailed
from .tree import Change, Kind, Tree


def apply_changes(tree: Tree, changes: list[Change], prune_dirs: Sequence[str] = ()) -> None:
    """Write every change or none; then remove the folders in `prune_dirs` that were left empty.

    Every new content is first written to a temp file beside its target, so a full disk or a permission
    problem shows before any file is touched; then each temp file is renamed over its target (atomic per
    file), and a failure there puts back what was already replaced."""
    _check_unchanged(tree, changes)
    modes = {c.path: tree.resolve(c.path).stat().st_mode for c in changes if c.before is not None}
    made_dirs: list[Path] = []
    temps: dict[str, str] = {}
    done: list[Change] = []
    try:
        for change in changes:
            if change.kind is not Kind.DELETE:
                path = tree.resolve(change.path)
                made_dirs.extend(_make_parents(path.parent))
                temps[change.path] = _temp_copy(path, change.after or b"", modes.get(change.path))
        for change in changes:
            path = tree.resolve(change.path)
            if change.kind is Kind.DELETE:
                path.unlink()
            else:
                os.replace(temps[change.path], path)
                del temps[change.path]
            done.append(change)
    except BaseException as exc:
        for tmp in temps.values():
            if os.path.exists(tmp):
                os.unlink(tmp)
        _rollback(tree, done, made_dirs, modes)
        if isinstance(exc, OSError):
            raise WriteFailed(
                f"could not write ({exc.strerror or exc}); every file was put back as it was", path=exc.filename
            ) from exc
        raise
    _prune(tree, prune_dirs)


def _check_unchanged(tree: Tree, changes: list[Change]) -> None:
    """Refuse if a file changed on disk between planning and applying (Angular's recorder rule)."""
    moved = []
    for change in changes:
        path = tree.resolve(change.path)
        now = path.read_bytes() if path.is_file() else None
        if now != change.before:
            moved.append(change.path)
    if moved:
        raise Conflict("files changed on disk while afc was planning; run again", details=moved)


def _make_parents(folder: Path) -> list[Path]:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir()
    return list(reversed(missing))


def _temp_copy(path: Path, data: bytes, mode: int | None) -> str:
    """A temp file beside `path` holding `data`, with the original's mode (or the umask's for new files)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".afc-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode & 0o7777 if mode is not None else 0o666 & ~_umask())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _prune(tree: Tree, folders: Sequence[str]) -> None:
    """Remove the folders afc made once they hold nothing but install and build leftovers (after the
    files are written: a leftover that cannot be deleted is reported, the rest stands)."""
    for rel in sorted(folders, key=lambda f: f.count("/"), reverse=True):
        folder = tree.resolve(rel)
        if not folder.is_dir():
            continue
        leftovers = [tree.resolve(a) for a in tree.artefacts(rel)]
        if any(p not in leftovers for p in folder.iterdir()):
            continue
        try:
            for leftover in leftovers:
                shutil.rmtree(leftover)
            folder.rmdir()
        except OSError as exc:
            raise AfcError(f"every change was applied, but this folder could not be deleted: {exc}", path=rel) from None


def _rollback(tree: Tree, done: list[Change], made_dirs: list[Path], modes: dict[str, int]) -> None:
    for change in reversed(done):
        path = tree.resolve(change.path)
        if change.before is None:
            if path.exists():
                path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(_temp_copy(path, change.before, modes[change.path]), path)
    for folder in reversed(made_dirs):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
