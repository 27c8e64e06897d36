"""A virtual file tree over the project: reads come from a source (the disk, or a dict in tests), writes
stay in memory until applied. Detection and recipes read the project through this and nothing else."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import NamedTuple, Protocol

from .errors import BadInput, Conflict
from .textfile import decode

# What installs and builds leave in a folder: afc deletes these with a folder it made, never file by file.
REGENERATED = frozenset({"node_modules", ".turbo", ".next", "dist"})
# What installing a folder's own dependencies writes beside them (a single app's service installs apart).
LOCK_FILES = frozenset(
    {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb"}
)


class Kind(StrEnum):
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


def check_relative(rel: str) -> PurePosixPath:
    """`rel` as a path inside the project, refusing absolute paths and `..`."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise BadInput(f"refusing a path outside the project: {rel}")
    return pure


class Entry(NamedTuple):
    """One name in a folder. A link to a folder is neither a folder (it is not walked) nor a file."""

    name: str
    is_dir: bool
    is_file: bool


class Source(Protocol):
    """Where a tree's original files come from. Paths are relative, POSIX, already checked."""

    def read(self, rel: str) -> bytes | None: ...
    def is_dir(self, rel: str) -> bool: ...
    def children(self, rel: str) -> list[Entry]: ...  # sorted by name


class DiskSource:
    """The project folder on disk. Links that lead out of it are refused; links to folders are not walked."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        if not self.root.is_dir():
            raise BadInput(f"no such folder: {root}", code="not_found")
        self._safe: set[Path] = {self.root}
        self._links: set[Path] = set()  # links inside the project met so far
        self._canonical: dict[str, str] = {}

    def path(self, rel: str) -> Path:
        path = self.root.joinpath(*check_relative(rel).parts)
        probe, checked = path, []
        while probe != self.root and probe not in self._safe:
            if probe.is_symlink():
                self._links.add(probe)
                try:
                    target = probe.resolve()
                except (OSError, RuntimeError):
                    raise Conflict(f"a link that leads back to itself: {rel}") from None
                if not target.is_relative_to(self.root):
                    raise Conflict(f"refusing to follow a link out of the project: {rel} -> {target}")
            checked.append(probe)
            probe = probe.parent
        self._safe.update(checked)
        return path

    def canonical(self, rel: str) -> str:
        """`rel` with every link on the way followed (links inside the project are edited at their target,
        once, and stay links)."""
        known = self._canonical.get(rel)
        if known is not None:
            return known
        path = self.path(rel)
        if not self._links or not any(p in self._links for p in (path, *path.parents)):
            real = rel
        else:
            real = path.resolve().relative_to(self.root).as_posix()
        self._canonical[rel] = real
        return real

    def read_only(self, rel: str) -> bool:
        path = self.path(rel)
        return path.is_file() and not path.stat().st_mode & 0o222

    def read(self, rel: str) -> bytes | None:
        path = self.path(rel)
        if path.is_dir():
            raise Conflict(f"expected a file but found a folder: {rel}")
        return path.read_bytes() if path.is_file() else None

    def is_dir(self, rel: str) -> bool:
        return (self.root if rel == "." else self.path(rel)).is_dir()

    def children(self, rel: str) -> list[Entry]:
        folder = self.root if rel == "." else self.path(rel)
        if not folder.is_dir():
            return []
        with os.scandir(folder) as entries:
            return sorted(Entry(e.name, e.is_dir(follow_symlinks=False), _is_file(e, rel)) for e in entries)


def _is_file(entry: os.DirEntry[str], folder: str) -> bool:
    try:
        return entry.is_file()
    except OSError:  # a link that leads back to itself
        raise Conflict(f"a link that leads back to itself: {_join(folder, entry.name)}") from None


class MemorySource:
    """A project given as a dict of path -> text or bytes: recipes run on it in unit tests."""

    def __init__(self, files: Mapping[str, str | bytes]):
        self.files = {str(check_relative(k)): v.encode("utf-8") if isinstance(v, str) else v for k, v in files.items()}
        self.dirs = {str(p) for rel in self.files for p in PurePosixPath(rel).parents}

    def read(self, rel: str) -> bytes | None:
        if rel in self.dirs:
            raise Conflict(f"expected a file but found a folder: {rel}")
        return self.files.get(rel)

    def is_dir(self, rel: str) -> bool:
        return rel in self.dirs

    def children(self, rel: str) -> list[Entry]:
        found = set()
        for path in (*self.files, *self.dirs):
            if path != rel and str(PurePosixPath(path).parent) == rel:
                found.add(Entry(PurePosixPath(path).name, path in self.dirs, path in self.files))
        return sorted(found)


class Tree:
    """Staged edits over a project. Nothing here writes to disk; `apply.py` does that."""

    def __init__(self, root: Path, source: Source | None = None):
        self.root = root.resolve() if source is None else root
        self.source: Source = source if source is not None else DiskSource(self.root)
        self._disk: dict[str, bytes | None] = {}
        self._staged: dict[str, bytes | None] = {}
        self._changes: list[Change] | None = None

    @classmethod
    def in_memory(cls, files: Mapping[str, str | bytes]) -> Tree:
        return cls(Path("/memory"), MemorySource(files))

    def resolve(self, rel: str) -> Path:
        """The absolute path on disk for `rel`, refusing anything that leaves the root (`..`, absolute, links)."""
        if not isinstance(self.source, DiskSource):
            raise TypeError("an in-memory tree has no paths on disk")
        return self.source.path(rel)

    def canonical(self, rel: str) -> str:
        """The path of the file `rel` really is: links inside the project followed (an in-memory tree has none)."""
        return self.source.canonical(rel) if isinstance(self.source, DiskSource) else rel

    # -- reading -----------------------------------------------------------
    def original(self, rel: str) -> bytes | None:
        """What the source holds now (cached, so a plan sees one consistent snapshot)."""
        rel = self.canonical(rel)
        if rel not in self._disk:
            self._disk[rel] = self.source.read(str(check_relative(rel)))
        return self._disk[rel]

    def original_text(self, rel: str) -> str | None:
        data = self.original(rel)
        return None if data is None else decode(data, rel)

    def read_bytes(self, rel: str) -> bytes | None:
        rel = self.canonical(rel)
        if rel in self._staged:
            return self._staged[rel]
        return self.original(rel)

    def read_text(self, rel: str) -> str | None:
        data = self.read_bytes(rel)
        return None if data is None else decode(data, rel)

    def exists(self, rel: str) -> bool:
        """Whether a file is at `rel` (staged edits included)."""
        return self.read_bytes(rel) is not None

    def read_only(self, rel: str) -> bool:
        """Whether the file at `rel` has no write permission for anyone (an in-memory file never does)."""
        return isinstance(self.source, DiskSource) and self.source.read_only(str(check_relative(rel)))

    def is_dir(self, rel: str) -> bool:
        """Whether a folder is at `rel` in the source (folders are not staged)."""
        return self.source.is_dir(rel if rel == "." else str(check_relative(rel)))

    def occupied(self, rel: str) -> bool:
        """Whether anything, file or folder, stands at `rel` in the source."""
        return self.is_dir(rel) or self.original(rel) is not None

    def children(self, rel: str = ".") -> list[Entry]:
        """What is in folder `rel`, sorted by name (empty when it is not a folder)."""
        return self.source.children(rel if rel == "." else str(check_relative(rel)))

    def walk(self, rel: str, skip_dirs: Iterable[str] = ()) -> list[str]:
        """Every file below folder `rel`, sorted by folder, not descending into `skip_dirs` or linked folders."""
        skip = frozenset(skip_dirs)
        found, folders = [], [rel]
        while folders:
            folder = folders.pop()
            here = self.children(folder)
            found += [_join(folder, e.name) for e in here if e.is_file]
            folders += [_join(folder, e.name) for e in reversed(here) if e.is_dir and e.name not in skip]
        return found

    def glob(self, pattern: str) -> list[str]:
        """Folders and files matching a pattern of `*` segments (`apps/*`), relative to the root, sorted."""
        matches = ["."]
        for segment in PurePosixPath(pattern).parts:
            matches = [
                _join(m, e.name)
                for m in matches
                if self.is_dir(m)
                for e in self.children(m)
                if fnmatch(e.name, segment)
            ]
        return sorted(m for m in matches if m != ".")

    def artefacts(self, rel: str) -> list[str]:
        """The install and build leftovers in `rel`: real folders (`node_modules`, `.next`, ...) and lock files."""
        return [
            _join(rel, e.name)
            for e in self.children(rel)
            if (e.is_dir and e.name in REGENERATED) or (e.is_file and e.name in LOCK_FILES)
        ]

    def is_link(self, rel: str) -> bool:
        """Whether `rel` itself is a link on disk (an in-memory tree has none)."""
        return isinstance(self.source, DiskSource) and os.path.islink(self.resolve(rel))

    def links(self, rel: str) -> list[str]:
        """The links directly in folder `rel` on disk (an in-memory tree has none), never followed."""
        if not isinstance(self.source, DiskSource) or not self.is_dir(rel):
            return []
        folder = self.resolve(rel)
        return sorted(_join(rel, p.name) for p in folder.iterdir() if p.is_symlink())

    # -- staging -----------------------------------------------------------
    def write(self, rel: str, data: bytes | str) -> None:
        rel = self.canonical(rel)
        self.original(rel)
        self._staged[rel] = data.encode("utf-8") if isinstance(data, str) else data
        self._changes = None

    def delete(self, rel: str) -> None:
        rel = self.canonical(rel)
        self.original(rel)
        self._staged[rel] = None
        self._changes = None

    def changes(self) -> list[Change]:
        """Staged edits that differ from the source; writing what is already there is not a change."""
        if self._changes is None:
            out = []
            for rel in sorted(self._staged):
                before, after = self._disk[rel], self._staged[rel]
                if before == after:
                    continue
                kind = Kind.CREATE if before is None else Kind.DELETE if after is None else Kind.UPDATE
                out.append(Change(kind, rel, before, after))
            self._changes = out
        return self._changes


def current_folder() -> Path:
    """The folder afc was run in, links resolved (to compare with a tree's root)."""
    return Path.cwd().resolve()


_NEXT_DEPENDENCY = re.compile(r'"next"\s*:')


def find_root(start: Path) -> Path:
    """The project a command run in `start` without `-C` works on, found upward as git finds its repository:
    the nearest folder that is a workspace root (a package.json with `workspaces`, a pnpm-workspace.yaml or
    a turbo.json beside its package.json) or that afc already works on (`.afc/manifest.toml`), else the
    nearest whose package.json depends on `next`; the search stops at the git root or the filesystem root.
    `start` itself when nothing is found (detection then says what is missing)."""
    start = start.resolve()
    nearest_app: Path | None = None
    for folder in (start, *start.parents):
        package = folder / "package.json"
        if package.is_file():
            try:
                text = package.read_text("utf-8", errors="replace")
            except OSError:
                text = ""
            markers = ("pnpm-workspace.yaml", "turbo.json", ".afc/manifest.toml")
            if '"workspaces"' in text or any((folder / m).is_file() for m in markers):
                return folder
            if nearest_app is None and _NEXT_DEPENDENCY.search(text):
                nearest_app = folder
        if (folder / ".git").exists():
            break
    return nearest_app or start


def _join(folder: str, name: str) -> str:
    return name if folder == "." else f"{folder}/{name}"
