"""Writing a plan to disk all-or-nothing: re-check what was read, write each file through a temp file
and a rename, and on any failure put every file and folder back as it was."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import AfcError, Conflict
from .tree import Change, Kind, Tree, artefacts_in


def apply_changes(tree: Tree, changes: list[Change], prune_dirs: list[str] = ()) -> None:
    """Write every change or none; then remove the folders in `prune_dirs` that were left empty."""
    _check_unchanged(tree, changes)
    modes = {c.path: tree.resolve(c.path).stat().st_mode for c in changes if c.before is not None}
    done: list[Change] = []
    made_dirs: list[Path] = []
    try:
        for change in changes:
            path = tree.resolve(change.path)
            if change.kind is Kind.DELETE:
                path.unlink()
            else:
                made_dirs.extend(_make_parents(path.parent))
                _atomic_write(path, change.after or b"", like=path if change.before is not None else None)
            done.append(change)
    except BaseException:
        _rollback(tree, done, made_dirs, modes)
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


def _atomic_write(path: Path, data: bytes, like: Path | None) -> None:
    mode = like.stat().st_mode & 0o7777 if like is not None else None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".afc-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _prune(tree: Tree, folders: list[str]) -> None:
    """Remove the folders afc made once they hold nothing but install and build leftovers (after the
    files are written: a leftover that cannot be deleted is reported, the rest stands)."""
    for rel in sorted(folders, key=lambda f: f.count("/"), reverse=True):
        folder = tree.resolve(rel)
        if not folder.is_dir():
            continue
        leftovers = artefacts_in(folder)
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
            _atomic_write(path, change.before, like=None)
            os.chmod(path, modes[change.path] & 0o7777)
    for folder in reversed(made_dirs):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
