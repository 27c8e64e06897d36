"""A virtual file tree over the project: reads come from disk, writes stay in memory until applied."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath

from .errors import BadInput, Conflict
from .textfile import decode


# What installs and builds leave in a folder: afc deletes these with a folder it made, never file by file.
REGENERATED = frozenset({"node_modules", ".turbo", ".next", "dist"})


def artefacts_in(folder: Path) -> list[Path]:
    """The install/build leftovers in `folder`, if they are all that is left besides files afc deletes."""
    return sorted(p for p in folder.iterdir() if p.name in REGENERATED and p.is_dir() and not p.is_symlink()) if folder.is_dir() else []


class Kind(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class Change:
    kind: Kind
    path: str  # relative to the project root, POSIX separators
    before: bytes | None
    after: bytes | None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Tree:
    """Staged edits over a project root. Nothing here writes to disk."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._disk: dict[str, bytes | None] = {}
        self._staged: dict[str, bytes | None] = {}
        self._safe: set[Path] = {self.root}

    # -- paths -------------------------------------------------------------
    def resolve(self, rel: str) -> Path:
        """The absolute path for `rel`, refusing anything that leaves the root (`..`, absolute, symlinks)."""
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise BadInput(f"refusing a path outside the project: {rel}")
        path = self.root.joinpath(*pure.parts)
        self._check_inside(path, rel)
        return path

    def _check_inside(self, path: Path, rel: str) -> None:
        """No component of `path` may be a link that leads out of the root; folders found safe are remembered."""
        probe, checked = path, []
        while probe != self.root and probe not in self._safe:
            if probe.is_symlink() and not probe.resolve().is_relative_to(self.root):
                raise Conflict(f"refusing to follow a link out of the project: {rel} -> {probe.resolve()}")
            checked.append(probe)
            probe = probe.parent
        self._safe.update(checked)

    # -- reading -----------------------------------------------------------
    def original(self, rel: str) -> bytes | None:
        """What is on disk now (cached, so a plan sees one consistent snapshot)."""
        if rel not in self._disk:
            path = self.resolve(rel)
            if path.is_dir():
                raise Conflict(f"expected a file but found a folder: {rel}")
            self._disk[rel] = path.read_bytes() if path.is_file() else None
        return self._disk[rel]

    def read_bytes(self, rel: str) -> bytes | None:
        if rel in self._staged:
            return self._staged[rel]
        return self.original(rel)

    def read_text(self, rel: str) -> str | None:
        data = self.read_bytes(rel)
        return None if data is None else decode(data, rel)

    def exists(self, rel: str) -> bool:
        return self.read_bytes(rel) is not None

    # -- staging -----------------------------------------------------------
    def write(self, rel: str, data: bytes | str) -> None:
        self.original(rel)
        self._staged[rel] = data.encode("utf-8") if isinstance(data, str) else data

    def delete(self, rel: str) -> None:
        self.original(rel)
        self._staged[rel] = None

    def changes(self) -> list[Change]:
        """Staged edits that differ from disk; writing what is already there is not a change."""
        out = []
        for rel in sorted(self._staged):
            before, after = self._disk[rel], self._staged[rel]
            if before == after:
                continue
            kind = Kind.CREATE if before is None else Kind.DELETE if after is None else Kind.UPDATE
            out.append(Change(kind, rel, before, after))
        return out


def walk_files(root: Path, start: Path, skip_dirs: frozenset[str]) -> list[Path]:
    """Files below `start`, not descending into `skip_dirs` or symlinked folders."""
    found = []
    for dirpath, dirnames, filenames in os.walk(start):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and not os.path.islink(os.path.join(dirpath, d)))
        found.extend(Path(dirpath, f) for f in sorted(filenames))
    return found
