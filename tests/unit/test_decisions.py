"""A plan's decisions from its records alone: events by name and recipients, reasons once each, places left
alone grouped by reason (the most common first), a write sent to nobody by policy listed once."""

from __future__ import annotations

from afc_realtime import decisions
from afc_realtime.edits.result import Level, Skip
from afc_realtime.plan import LIMITATION, POLICY, Broadcast, Plan
from afc_realtime.tree import Tree


def plan_with(*broadcasts: Broadcast, skips: tuple[Skip, ...] = ()) -> Plan:
    plan = Plan("add websocket", Tree.in_memory({}))
    plan.broadcasts = list(broadcasts)
    for skip in skips:
        plan.skipped(skip)
    return plan


def test_events_group_writes_by_name_and_recipients():
    plan = plan_with(
        Broadcast("a.ts", 3, "POST", "todo-created", "public", "tied to no one", True),
        Broadcast("b.ts", 9, "action add", "todo-created", "public", "tied to no one", True),
        Broadcast("c.ts", 4, "POST", "note-created", "user:<userId>", "owned", True),
        Broadcast("d.ts", 5, "POST", "user-created", "nobody", "credentials", False, left=POLICY),
        Broadcast("e.ts", 6, "PATCH", "todo-updated", "nobody", "returns no row", False, left=LIMITATION),
    )
    found = decisions.events(plan)
    assert [(e.name, e.audience, e.where) for e in found] == [
        ("note-created", "user:<userId>", "c.ts:4"),
        ("todo-created", "public", "2 writes"),
        ("user-created", "nobody", "d.ts:5"),
    ]
    assert decisions.reasons(plan) == ["owned", "tied to no one", "credentials"]


def test_places_left_alone_group_by_reason_without_the_subject_and_skip_decided_writes():
    plan = plan_with(
        Broadcast("d.ts", 5, "POST", "user-created", "nobody", "credentials", False, left=POLICY),
        skips=(
            Skip("d.ts", "not broadcast: credentials", 5, "POST"),
            Skip("x.ts", "no write in its own body", 1, "POST"),
            Skip("y.ts", "no write in its own body", 2, "action save"),
            Skip("z.ts", "does not parse", 1),
        ),
    )
    plan.note(Level.WARN, "read-only", ".env")
    groups = decisions.left_alone(plan)
    assert [(g.reason, len(g.notes)) for g in groups] == [("no write in its own body", 2), ("does not parse", 1)]
    assert [n.message for n in decisions.said_in_full(plan)] == ["read-only"]
