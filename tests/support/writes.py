"""Running one recogniser and the ORM reader over a file given as text, as the recipe does."""

from __future__ import annotations

from types import ModuleType

from afc_realtime.audience import Audience, Reach
from afc_realtime.datamodel import Table
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.result import Edit, Skip
from afc_realtime.writes import find, inserter, naming, payload
from afc_realtime.writes.site import Write

PUBLIC = Audience(Reach.PUBLIC, "tied to no one")


def sites(recogniser: ModuleType, path: str, text: str) -> list[Write | Skip]:
    file = ts.load(path, text)
    assert isinstance(file, ts.TsFile), file
    return find.in_file(file, recogniser, "broadcast")


def wire(
    recogniser: ModuleType,
    path: str,
    text: str,
    audience: Audience = PUBLIC,
    columns: tuple[str, ...] = ("id",),
) -> list[Edit | Skip]:
    """Each write broadcast to its audience, under its table's event; every table has `columns`, the first
    of them its primary key."""
    file = ts.load(path, text)
    assert isinstance(file, ts.TsFile)
    out: list[Edit | Skip] = []
    for site in find.in_file(file, recogniser, "broadcast"):
        if isinstance(site, Skip):
            out.append(site)
            continue
        event = naming.event(naming.resources({site.table or "x"})[site.table or "x"], site.action)
        table = Table(site.table or "x", columns, keys=columns[:1])
        sent = payload.line(site, audience, table, ts.quote_of(file.root))
        if isinstance(sent, str):
            out.append(Skip(path, sent, site.line, site.handler))
            continue
        out.append(inserter.broadcast(file, site, event, "broadcast", sent))
    return out


def edits(results: list[Edit | Skip]) -> list[Edit]:
    found = [r for r in results if isinstance(r, Edit)]
    assert found, results
    return found


def scanned(files: dict[str, str]) -> tuple[list[Write], list[Skip]]:
    """Every write and skip `find.scan` reports on a project given as path -> text (calls followed)."""
    from afc_realtime.project import detect
    from afc_realtime.tree import Tree

    tree = Tree.in_memory(files)
    parsed: dict[str, ts.TsFile | None] = {}

    def load(path: str) -> ts.TsFile | None:
        assert path not in parsed, f"{path} parsed twice"
        loaded = ts.load(path, tree.read_text(path) or "")
        parsed[path] = loaded if isinstance(loaded, ts.TsFile) else None
        return parsed[path]

    results = [r for _, found in find.scan(detect(tree), tree, load) for r in found]
    return [r for r in results if isinstance(r, Write)], [r for r in results if isinstance(r, Skip)]


# The line `add websocket` inserts in the AFC project's todos route (tests/support/projects.py)
TODO_CREATED = (
    'if (inserted) broadcast("todo-created", { table: "todos", action: "created", keys: { id: inserted.id }, '
    'row: inserted, complete: true }, { to: "public" });'
)
