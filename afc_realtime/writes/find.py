"""Every write site of a project: each recogniser's handlers crossed with the ORM reader. A new framework is
a new module in `RECOGNISERS`, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from ..edits.result import Skip
from ..edits.typescript import TsFile
from ..project import SKIP_DIRS, Project
from ..tree import Tree
from . import actions, approuter, orm, pagesapi, trpc
from .site import Handler, Write

RECOGNISERS: tuple[ModuleType, ...] = (approuter, actions, pagesapi, trpc)
Result = Write | Skip


def in_handler(file: TsFile, handler: Handler, helper: str | None) -> list[Result]:
    """The writes of one handler, or why there are none; with `helper`, a handler that already broadcasts
    (through it, or by hand) is left alone."""
    text = handler.body.text()
    if helper is not None and ("WS_INTERNAL_URL" in text or f"{helper}(" in text):
        return [Skip(file.path, "already broadcasts", handler.line, handler.label)]
    found: list[Result] = list(orm.writes(file, handler))
    return found or [
        Skip(
            file.path,
            "does not write to the database in its own body (afc does not follow calls to other functions)",
            handler.line,
            handler.label,
        )
    ]


def in_file(file: TsFile, recogniser: ModuleType, helper: str) -> list[Result]:
    results: list[Result] = []
    for handler in recogniser.handlers(file):
        results += [handler] if isinstance(handler, Skip) else in_handler(file, handler, helper)
    return results


def source_files(project: Project, tree: Tree) -> list[str]:
    """Every file of the workspace folders (the web app among them), walked once for all recognisers."""
    folders = set(project.packages)
    outermost = [f for f in folders if not any(o != f and (o == "." or f.startswith(f"{o}/")) for o in folders)]
    found: set[str] = set()
    for folder in sorted(outermost):
        found.update(tree.walk(folder, SKIP_DIRS))
    return sorted(found)


def scan(
    project: Project, tree: Tree, load: Callable[[str], TsFile | None], helper: str = "broadcast"
) -> list[tuple[TsFile, list[Result]]]:
    """(file, its writes and skips) for every file some recogniser reads; each file parsed once."""
    out: dict[str, tuple[TsFile, list[Result]]] = {}
    unreadable: set[str] = set()
    sources = source_files(project, tree)
    for recogniser in RECOGNISERS:
        for path in recogniser.files(project, tree, sources):
            if path in unreadable:
                continue
            if path not in out:
                file = load(path)
                if file is None:
                    unreadable.add(path)
                    continue
                out[path] = (file, [])
            file, results = out[path]
            seen = {(r.path, r.line, r.handler if isinstance(r, Write) else r.subject) for r in results}
            results += [
                r
                for r in in_file(file, recogniser, helper)
                if (r.path, r.line, r.handler if isinstance(r, Write) else r.subject) not in seen
            ]
    return [out[path] for path in sorted(out)]
