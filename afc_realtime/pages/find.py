"""Every page's reads, through every strategy; a new data layer is a new module in `STRATEGIES`, nothing else."""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType
from typing import TYPE_CHECKING

from ..edits.result import Skip
from ..edits.typescript import TsFile
from . import liststate, query, refresh, swr, trpc
from .site import Read

if TYPE_CHECKING:
    from ..reads import DataPaths

STRATEGIES: tuple[ModuleType, ...] = (liststate, swr, query, trpc, refresh)
BY_NAME = {s.NAME: s for s in STRATEGIES}


def reads(file: TsFile, client: bool | None = None) -> list[Read | Skip]:
    """What one page or component reads, each data layer it uses (a file can use several), or why afc cannot
    tell; `client` says whether it runs in the browser when its own directive does not (see `components`). A
    URL that a data layer reads (`queryFn: loadTodos`, which fetches it) is that layer's, not a list's in state."""
    found = [r for strategy in STRATEGIES for r in strategy.reads(file, client)]
    layered = {r.url for r in found if isinstance(r, Read) and r.strategy != liststate.NAME}
    return [r for r in found if not (isinstance(r, Read) and r.strategy == liststate.NAME and r.url in layered)]


def follow(read: Read, paths: DataPaths) -> Read:
    """The read with the tables its data path reads, where afc can follow it there: the tRPC query procedure
    it calls, the GET handler at the URL it fetches; a Server Component's own tables, named as the schema
    names them. Unchanged where afc cannot follow it (then the writes at its URL or router feed it)."""
    if read.calls or read.tables:  # a Server Component: its own reads, and those of what it calls or renders
        tables = {paths.table(t) for t in read.tables} | paths.called(read.path, read.calls)
        return replace(read, tables=frozenset(tables))
    found = None
    if read.router and read.procedure:
        found = paths.procedure(read.router, read.procedure)
    elif read.url:
        found = paths.route(read.url)
    return replace(read, tables=found[0], via=found[1]) if found is not None else read
