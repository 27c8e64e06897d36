"""Pages Router API handlers (`pages/api/**`): the default export, `(req, res) => ...`, directly, through a
wrapper or a local name. The row goes out just before the response that sends it:
`res.status(201).json(row)`."""

from __future__ import annotations

from ..edits.result import Skip
from ..edits.typescript import TsFile
from ..project import Project
from ..tree import Tree
from .site import Handler, body_of, resolve_function

KIND = "Pages Router API handler"
SOURCES = (".ts", ".js", ".mts", ".mjs")
LABEL = "API handler"


def files(project: Project, tree: Tree, sources: list[str]) -> list[str]:
    inside = "" if project.web == "." else f"{project.web}/"
    bases = (f"{inside}pages/api/", f"{inside}src/pages/api/")
    return [p for p in sources if p.startswith(bases) and p.endswith(SOURCES) and not p.endswith(".d.ts")]


def handlers(file: TsFile) -> list[Handler | Skip]:
    for export in file.root.children():
        if export.kind() != "export_statement" or not any(c.text() == "default" for c in export.children()):
            continue
        function = resolve_function(file.root, export.field("declaration") or export.field("value"))
        body = body_of(function) if function is not None else None
        if function is None or body is None:
            return [Skip(file.path, "afc cannot find the function behind the default export", file.line(export), LABEL)]
        return [Handler(file.path, LABEL, body, file.line(function), responds=True)]
    return []
