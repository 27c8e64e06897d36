"""A plan: the staged changes of one command, with what was skipped and why, ready to preview or apply."""

from __future__ import annotations

from dataclasses import dataclass, field

from .edits.result import Level, Skip, Unreached
from .tree import Change, Tree


@dataclass(frozen=True)
class Note:
    level: Level
    message: str
    path: str | None = None
    line: int | None = None
    # a skip's reason without its subject (`POST: ...`): what the plan groups skips by. Not compared: two
    # notes that say the same are the same note.
    reason: str = field(default="", compare=False)
    unreached: Unreached | None = field(default=None, compare=False)  # an entry point that reaches no write

    @property
    def why(self) -> str:
        return self.reason or self.message

    def where(self) -> str:
        if not self.path:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class NextStep:
    """One thing for the user to do next: a command to run (None when it is not one, like "import this
    hook") and why. `install` marks the package manager's install, which `--install` runs itself."""

    command: str | None
    why: str
    install: bool = False


@dataclass(frozen=True)
class Install:
    """The package manager's install as `--install` runs it: the command and the folder to run it in."""

    argv: tuple[str, ...]
    folder: str  # relative to the project root

    @property
    def text(self) -> str:
        command = " ".join(self.argv)
        return command if self.folder == "." else f"cd {self.folder} && {command}"


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
    entries: tuple[tuple[str, str], ...] = ()  # (path, handler) of each entry point that reaches the write
    # Why a write that is not wired was left: POLICY (afc decided who may see it: nobody may, credentials,
    # --no-public) or LIMITATION (afc could not read or place something). None when it is wired.
    left: str | None = None


POLICY, LIMITATION = "policy", "limitation"


@dataclass
class Plan:
    """What one command will do. The changes are the tree's staged edits, read when shown or applied."""

    command: str  # "add websocket", "remove websocket"
    tree: Tree
    notes: list[Note] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)
    prune_dirs: list[str] = field(default_factory=list)  # folders afc made; removed when left empty
    broadcasts: list[Broadcast] = field(default_factory=list)
    summary: str = ""
    install: Install | None = None  # the package manager's install, for `--install`
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
        self.notes.append(Note(skip.level, skip.message, skip.path, skip.line, skip.reason, skip.unreached))
