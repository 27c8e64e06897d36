"""Every write site of a project: each recogniser's handlers crossed with the ORM reader. A new framework is
a new module in `RECOGNISERS`, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from types import ModuleType
from typing import TYPE_CHECKING

from ..edits.result import Skip, Unreached
from ..edits.typescript import TsFile
from ..project import SKIP_DIRS, Project
from ..tree import Tree
from . import actions, approuter, callbacks, calls, orm, pagesapi, trpc
from .calls import Function, Reach
from .clients import Clients
from .graph import Graph
from .site import Entry, Handler, Write

if TYPE_CHECKING:
    from ast_grep_py import SgNode

RECOGNISERS: tuple[ModuleType, ...] = (approuter, actions, pagesapi, trpc)
Result = Write | Skip


NO_WRITE = "does not write to the database in its own body"


def in_handler(
    file: TsFile,
    handler: Handler,
    helper: str | None,
    origin: orm.Origin = orm._unknown,
    awaited: callbacks.Awaited = callbacks.never,
) -> list[Result]:
    """The writes of one handler, or why there are none; with `helper`, a handler that already broadcasts
    (through it, or by hand) is left alone."""
    text = handler.body.text()
    if helper is not None and ("WS_INTERNAL_URL" in text or f"{helper}(" in text):
        return [Skip(file.path, "already broadcasts", handler.line, handler.label)]
    entry = (Entry(file.path, handler.label),)
    found: list[Result] = [replace(w, entries=entry) for w in orm.writes(file, handler, origin, awaited)]
    return found or [Skip(file.path, NO_WRITE, handler.line, handler.label)]


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


def _key(result: Result) -> tuple[str, int | None, str]:
    return result.path, result.line, result.handler if isinstance(result, Write) else result.subject


def scan(
    project: Project, tree: Tree, load: Callable[[str], TsFile | None], helper: str = "broadcast"
) -> list[tuple[TsFile, list[Result]]]:
    """(file, its writes and skips) for every file some recogniser reads, and for every function of the
    project an entry point reaches that writes (wired once, whatever reaches it); each file parsed once."""
    sources = source_files(project, tree)
    graph = Graph(tree, sources, load, project.packages)
    clients = Clients(graph)
    out: dict[str, tuple[TsFile, list[Result]]] = {}
    entries: list[tuple[TsFile, Handler]] = []
    for recogniser in RECOGNISERS:
        for path in recogniser.files(project, tree, sources):
            module = graph.module(path)
            if module is None:
                continue
            file, results = out.setdefault(path, (module.file, []))
            seen = {_key(r) for r in results}
            for handler in recogniser.handlers(file):
                if isinstance(handler, Skip):
                    if _key(handler) not in seen:
                        results.append(_unfound(handler))
                    continue
                found = [
                    r
                    for r in in_handler(file, handler, helper, clients.at(path), callbacks.awaited(graph, path))
                    if _key(r) not in seen
                ]
                results += found
                if found and not any(isinstance(r, Skip) and r.message == "already broadcasts" for r in found):
                    entries.append((file, handler))
    _follow(graph, clients, entries, out, helper)
    return [out[path] for path in sorted(out)]


def _follow(
    graph: Graph,
    clients: Clients,
    entries: list[tuple[TsFile, Handler]],
    out: dict[str, tuple[TsFile, list[Result]]],
    helper: str,
) -> None:
    """The writes of the functions the entry points reach, each listed once with every entry that reaches
    it; an entry point that reaches none keeps its note, naming what it calls outside the project."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for f, h in entries:
        spans.setdefault(f.path, []).append((h.body.range().start.index, h.body.range().end.index))
    reached: dict[tuple[str, int], tuple[Function, list[Entry]]] = {}
    silent: list[tuple[TsFile, Handler, Reach]] = []
    for file, handler in entries:
        reach = calls.follow(graph, file.path, handler.body)
        entry = Entry(file.path, handler.label)
        for function in reach.functions:
            body = function.node.field("body")
            start = function.node.range().start.index
            if (
                body is None
                or any(a <= start < b for a, b in spans.get(function.path, []))
                or _is_entry(function, body, spans)
            ):
                continue  # a function inside an entry point, or an entry point itself: listed with it already
            reached.setdefault(function.key, (function, []))[1].append(entry)
        silent.append((file, handler, reach))
    writing: set[str] = set()
    for function, reaching in reached.values():
        module = graph.module(function.path)
        body = function.node.field("body")
        if module is None or body is None:
            continue
        label = f"{function.name} ({function.path})"
        awaited = callbacks.awaited(graph, function.path)
        at = Handler(function.path, label, body, module.file.line(function.node), responds=False, entry=False)
        found = [
            r for r in in_handler(module.file, at, helper, clients.at(function.path), awaited) if isinstance(r, Write)
        ]
        if not found:
            continue
        writing.update(str(e) for e in reaching)
        file, results = out.setdefault(function.path, (module.file, []))
        seen = {_key(r) for r in results}
        entry_points = tuple(sorted(set(reaching), key=lambda e: (e.path, e.handler)))
        results += [replace(w, entries=entry_points) for w in found if _key(w) not in seen]
    for file, handler, reach in silent:
        results = out[file.path][1]
        for i, result in enumerate(results):
            if not (isinstance(result, Skip) and result.subject == handler.label and result.reason == NO_WRITE):
                continue
            if str(Entry(file.path, handler.label)) in writing:
                del results[i]  # its writes are listed where they are, with it among their entry points
            else:
                results[i] = _unreached(result, reach)
            break


def _is_entry(function: Function, body: SgNode, spans: dict[str, list[tuple[int, int]]]) -> bool:
    return (body.range().start.index, body.range().end.index) in spans.get(function.path, [])


UNFOUND = "afc cannot find the function behind"
UNFOLLOWED = "calls what afc could not follow, and reaches no write afc could find"
NO_WRITE_REACHED = "reaches no write to the database"


def _unfound(skip: Skip) -> Skip:
    """An entry point whose function afc cannot find (`export const POST = handle(app)`) calls what afc
    could not follow."""
    if not skip.reason.startswith(UNFOUND):
        return skip
    return replace(skip, unreached=Unreached(0, (f"the function behind{skip.reason.removeprefix(UNFOUND)}",)))


def _unreached(skip: Skip, reach: Reach) -> Skip:
    """Why an entry point reaches no write, in words and as data: afc followed every function of the project
    it calls and none writes, or it calls what afc could not follow (which, and where it leads). What comes
    after "; it calls " is the place's detail: the plan groups by what comes before."""
    count = len(reach.functions)
    unreached = Unreached(count, tuple(reach.outside), tuple(reach.packages))
    functions = f"{count} function(s) of the project" if count else ""
    if reach.outside:
        shown = ", ".join(reach.outside[:3]) + (f" and {len(reach.outside) - 3} more" if len(reach.outside) > 3 else "")
        reason = f"{UNFOLLOWED}; it calls {shown}" + (f", and {functions}, none of which writes" if count else "")
    elif count:
        reason = f"{NO_WRITE_REACHED}; it calls {functions}, and afc followed each"
    else:
        reason = f"{NO_WRITE_REACHED}; it calls none of the project's functions"
    return replace(skip, reason=reason, unreached=unreached)
