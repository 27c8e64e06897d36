"""The app's database client for code afc generates (`authorize.ts`'s membership queries), found by where it
comes from as the write side finds it (`writes/clients.py`): an export, under any name or as the default, of
a module whose value builds `drizzle(...)` or `new PrismaClient()`, extended, wrapped or cached on
`globalThis` (`globalForPrisma.prisma ?? new PrismaClient()`)."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from .edits import typescript as ts
from .edits.result import Skip
from .project import Project
from .tree import Tree
from .writes.clients import Clients
from .writes.find import source_files
from .writes.graph import Graph

SOURCES = (".ts", ".tsx", ".mts", ".js", ".mjs")
NOT_APP = re.compile(r"(?:^|/)(?:__tests__|tests?|e2e|scripts|seed|prisma/seed|fixtures)(?:/|\.)|\.(?:test|spec)\.")
MARKERS = {"drizzle": re.compile(r"\bdrizzle\s*\("), "prisma": re.compile(r"\bPrismaClient\b")}


@dataclass(frozen=True)
class Client:
    name: str  # the name generated code uses for it
    module: str  # the module that exports it, without extension
    default: bool = False  # exported as the module's default (imported as `name`)

    def binding(self) -> str:
        """What an import statement binds: `{ db }`, or `prisma` for a default export."""
        return self.name if self.default else f"{{ {self.name} }}"


def find_client(project: Project, tree: Tree, orm: str) -> Client | None:
    """The app's `orm` ("drizzle" or "prisma") client: a named export before a default, the web app's own
    module before a workspace package's; None when no module exports one. Asked once per membership table
    and twice a run: found once per tree."""
    found = _FOUND.setdefault(tree, {})
    if (project.web, orm) not in found:
        found[(project.web, orm)] = _find(project, tree, orm)
    return found[(project.web, orm)]


_FOUND: weakref.WeakKeyDictionary[Tree, dict[tuple[str, str], Client | None]] = weakref.WeakKeyDictionary()


def _find(project: Project, tree: Tree, orm: str) -> Client | None:
    sources = [p for p in source_files(project, tree) if p.endswith(SOURCES) and not p.endswith(".d.ts")]
    texts = {p: tree.read_text(p) or "" for p in sources if not NOT_APP.search(p)}
    marker = MARKERS[orm]

    def load(path: str) -> ts.TsFile | None:
        loaded = ts.load(path, texts.get(path) or tree.read_text(path) or "")
        return None if isinstance(loaded, Skip) else loaded

    graph = Graph(tree, sources, load, project.packages)
    clients = Clients(graph)
    found: list[tuple[bool, bool, Client]] = []
    for path, text in texts.items():
        if not marker.search(text) or "export" not in text:
            continue
        module = graph.module(path)
        if module is None:
            continue
        for export in module.exports:
            binding = graph.exported(path, export)
            if binding is None or binding.node is None or not marker.search(texts.get(binding.path, "")):
                continue
            if clients.origin(binding.path, binding.node) is True:
                default = export == "default"
                name = binding.name if default and binding.name.isidentifier() and binding.name != "default" else export
                name = ("prisma" if orm == "prisma" else "db") if name == "default" else name
                client = Client(name, path.rsplit(".", 1)[0], default)
                found.append((default, not path.startswith(f"{project.web}/"), client))
    return min(found, key=lambda f: (f[0], f[1]))[2] if found else None
