"""Running one recogniser and the ORM reader over a file given as text, as the recipe does."""

from __future__ import annotations

from types import ModuleType

from afc_realtime.edits import typescript as ts
from afc_realtime.edits.result import Edit, Skip
from afc_realtime.writes import find, inserter, naming
from afc_realtime.writes.site import Write


def sites(recogniser: ModuleType, path: str, text: str) -> list[Write | Skip]:
    file = ts.load(path, text)
    assert isinstance(file, ts.TsFile), file
    return find.in_file(file, recogniser, "broadcast")


def wire(recogniser: ModuleType, path: str, text: str, to: str = '"public"') -> list[Edit | Skip]:
    """Each write broadcast to `to` (`{row}` stands for the row's expression), under its table's event."""
    file = ts.load(path, text)
    assert isinstance(file, ts.TsFile)
    out: list[Edit | Skip] = []
    for site in find.in_file(file, recogniser, "broadcast"):
        if isinstance(site, Skip):
            out.append(site)
            continue
        event = naming.event(naming.resources({site.table or "x"})[site.table or "x"], site.action)
        out.append(inserter.broadcast(file, site, event, "broadcast", to.replace("{row}", site.row or "")))
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
