"""A plan: the staged changes of one command, with what was skipped and why, ready to preview or apply."""

from __future__ import annotations

from dataclasses import dataclass, field

from .tree import Change, Tree


@dataclass(frozen=True)
class Note:
    level: str  # "skip": a place afc chose not to edit; "warn": needs the user's eye; "info"
    message: str
    path: str | None = None
    line: int | None = None

    def where(self) -> str:
        if not self.path:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass
class Plan:
    command: str  # "add websocket", "remove websocket"
    tree: Tree
    changes: list[Change] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    prune_dirs: list[str] = field(default_factory=list)  # folders afc made; removed when left empty
    summary: str = ""

    @property
    def empty(self) -> bool:
        return not self.changes
