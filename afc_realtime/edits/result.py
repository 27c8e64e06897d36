"""What every finder returns: an edit to make (insertions, or cuts of code afc did not write) or a skip
that says why a place was left alone, with its file and line. Results are values, never exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .insertion import Insertion, insert_all
from .spans import Cut, cut_all


class Level(StrEnum):
    SKIP = "skip"  # a place afc chose not to edit
    WARN = "warn"  # needs the user's eye
    INFO = "info"


@dataclass(frozen=True)
class Edit:
    path: str
    insertions: tuple[Insertion, ...] = ()
    cuts: tuple[Cut, ...] = ()
    line: int | None = None  # where it lands, for the plan
    subject: str = ""  # what it is about: an event name, a handler

    @property
    def empty(self) -> bool:
        return not self.insertions and not self.cuts


@dataclass(frozen=True)
class Unreached:
    """Why an entry point broadcasts nothing, as data (`--json`, the corpus): it reaches no write of the
    project (`followed` functions read), or it calls what afc could not follow (`unfollowed`, each naming
    what and where). `packages`: what it calls from the packages it depends on, not the project's code."""

    followed: int
    unfollowed: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()

    @property
    def cause(self) -> str:
        return "unfollowed" if self.unfollowed else "no-write"


@dataclass(frozen=True)
class Skip:
    path: str
    reason: str
    line: int | None = None
    subject: str = ""
    level: Level = Level.SKIP
    unreached: Unreached | None = None  # an entry point that reaches no write: why, as data

    @property
    def message(self) -> str:
        return f"{self.subject}: {self.reason}" if self.subject else self.reason


Result = Edit | Skip


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, list[Insertion]]:
    """The text with every edit made (all against the same original text), and where each insertion landed.
    A batch either inserts or cuts: mixing both would make the recorded offsets of one depend on the other."""
    insertions = [i for e in edits for i in e.insertions]
    cuts = [c for e in edits for c in e.cuts]
    if insertions and cuts:
        raise ValueError("one batch of edits either inserts or cuts, not both")
    if cuts:
        return cut_all(text, cuts), []
    return insert_all(text, insertions)
