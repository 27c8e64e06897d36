"""Removing a realtime integration that was wired by hand the seed guide's way (no afc manifest)."""

from __future__ import annotations

from ..plan import Plan
from ..project import Project
from ..tree import Tree


def plan_remove(project: Project | None, tree: Tree, plan: Plan, force: bool) -> Plan:
    plan.summary = "websocket is not installed by afc here (no .afc/manifest.toml); nothing to remove."
    return plan
