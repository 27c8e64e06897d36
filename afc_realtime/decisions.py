"""A plan's decisions in a few lines: who receives each event, and the places afc left alone grouped by
reason with a count. Built from the `Broadcast` and `Note` records alone, whatever reasons they carry."""

from __future__ import annotations

from dataclasses import dataclass

from .edits.result import Level
from .plan import POLICY, Broadcast, Note, Plan

CALLS_DETAIL = "; it calls "  # `writes/find.py`: what an entry point calls that afc cannot follow


@dataclass(frozen=True)
class Event:
    """One event and who receives it, with the writes that send it."""

    name: str
    audience: str  # "public", "user:<userId>", ...
    writes: tuple[Broadcast, ...]

    @property
    def where(self) -> str:
        """The write that sends it (`apps/web/.../route.ts:27`), or how many do."""
        if len(self.writes) == 1:
            return f"{self.writes[0].path}:{self.writes[0].line}"
        return f"{len(self.writes)} writes"


def decided(item: Broadcast) -> bool:
    """A write whose audience afc decided: wired, or sent to nobody by policy (credentials, --no-public)."""
    return item.wired or item.left == POLICY


def events(plan: Plan) -> list[Event]:
    """The events afc decided on by name, one per event and audience (an event sent from two places to two
    audiences is two lines; one that nobody may receive says `nobody`)."""
    found: dict[tuple[str, str], list[Broadcast]] = {}
    for item in plan.broadcasts:
        if decided(item):
            found.setdefault((item.event, item.audience), []).append(item)
    return [Event(name, to, tuple(writes)) for (name, to), writes in sorted(found.items())]


def reasons(plan: Plan) -> list[str]:
    """Why the events go where they go: each distinct reason once, in the order of the events."""
    found: dict[str, str] = {}
    for item in plan.broadcasts:
        if decided(item) and item.reason:
            found[item.reason] = min(found.get(item.reason, item.event), item.event)
    return sorted(found, key=lambda reason: (found[reason], reason))


@dataclass(frozen=True)
class Group:
    """The places afc left alone for one reason."""

    reason: str
    notes: tuple[Note, ...]


def left_alone(plan: Plan) -> list[Group]:
    """Skipped places grouped by their reason, the most common first; a write sent to nobody by policy is
    in `events` already, not here again."""
    listed = {(b.path, b.line) for b in plan.broadcasts if decided(b)}
    found: dict[str, list[Note]] = {}
    for note in plan.notes:
        if note.level is Level.SKIP and (note.path, note.line) not in listed:
            # what an entry point calls that afc cannot follow is the place's detail, not another reason
            found.setdefault(note.why.split(CALLS_DETAIL)[0], []).append(note)
    groups = [Group(reason, tuple(notes)) for reason, notes in found.items()]
    return sorted(groups, key=lambda g: (-len(g.notes), g.reason))


def said_in_full(plan: Plan) -> list[Note]:
    """Warnings and facts (which app afc chose, what goes with a folder): few, and each worth reading."""
    return [n for n in plan.notes if n.level is not Level.SKIP]
