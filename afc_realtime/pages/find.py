"""Every page's reads, through every strategy; a new data layer is a new module in `STRATEGIES`, nothing else."""

from __future__ import annotations

from types import ModuleType

from ..edits.result import Skip
from ..edits.typescript import TsFile
from . import liststate, query, refresh, swr, trpc
from .site import Read

STRATEGIES: tuple[ModuleType, ...] = (liststate, swr, query, trpc, refresh)
BY_NAME = {s.NAME: s for s in STRATEGIES}


def reads(file: TsFile) -> list[Read | Skip]:
    """What one page reads, each data layer it uses (a page can use several), or why afc cannot tell. A URL that
    a data layer reads (`queryFn: loadTodos`, which fetches it) is that layer's, not a list's in state."""
    found = [r for strategy in STRATEGIES for r in strategy.reads(file)]
    layered = {r.url for r in found if isinstance(r, Read) and r.strategy != liststate.NAME}
    return [r for r in found if not (isinstance(r, Read) and r.strategy == liststate.NAME and r.url in layered)]
