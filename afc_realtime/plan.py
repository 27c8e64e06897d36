"""A plan: the staged changes of one command, with what was skipped and why, ready to preview or apply."""

from __future__ import annotations

from dataclasses import dataclass, field

from .edits.result import Level, Skip
from .tree import Change, Tree


@dataclass(frozen=True)
class Note:
    level: Level
    message: str
    path: str | None = None
    line: int | None = None

    def where(self) -> str:
        if not self.path:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Broadcast:
    """A write afc found, the event it sends and who receives it (or why it sends nothing)."""

    path: str
    line: int
    handler: str  # POST, PATCH, ...
    event: str
    audience: str  # "public", "user:<userId>", or "nobody"
    reason: str
    wired: bool


@dataclass
class Plan:
    """What one command will do. The changes are the tree's staged edits, read when shown or applied."""

    command: str  # "add websocket", "remove websocket"
    tree: Tree
    notes: list[Note] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    prune_dirs: list[str] = field(default_factory=list)  # folders afc made; removed when left empty
    broadcasts: list[Broadcast] = field(default_factory=list)
    summary: str = ""
    conflicts: list[str] = field(default_factory=list)  # `update`: files left with conflict markers (exit 3)

    @property
    def changes(self) -> list[Change]:
        return self.tree.changes()

    @property
    def empty(self) -> bool:
        return not self.changes

    def note(self, level: Level, message: str, path: str | None = None, line: int | None = None) -> None:
        self.notes.append(Note(level, message, path, line))

    def skipped(self, skip: Skip) -> None:
        self.note(skip.level, skip.message, skip.path, skip.line)
