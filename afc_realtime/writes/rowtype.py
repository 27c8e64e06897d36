"""The TypeScript type of a table's row, from the table itself, and how a generated file imports it: Drizzle's
`typeof todos.$inferSelect` (the table imported the way the write's own file imports it, else from the file
that declares it), Prisma's model type (`Post`, from where the project imports `PrismaClient`). The typed
events (`events.ts`, and `afc add event`'s hooks) are built from it."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..datamodel import SCHEMA_SKIP, Table
from ..edits import typescript as ts
from ..edits.result import Skip
from ..project import Project
from ..tree import Tree

_PRISMA_CLIENT = re.compile(r"""import\s+(?:type\s+)?\{[^}]*\bPrismaClient\b[^}]*\}\s*from\s*["']([^"']+)["']""")
_EXTENSIONS = (".d.ts", ".ts", ".tsx", ".mts", ".cts", ".js", ".mjs")


@dataclass(frozen=True)
class RowType:
    name: str  # the name to import (`todos`, `Post`)
    module: str  # where from, as the generated file writes it
    expression: str  # the row type (`typeof todos.$inferSelect`, `Post`)


def row_type(project: Project, tree: Tree, table: Table, used_in: str, from_file: str) -> RowType | None:
    """The row type of `table` for code in `from_file`; `used_in` is a file that writes to the table (its
    imports say how the project reaches the table). None when afc cannot tell where to import it from."""
    if table.orm == "prisma":
        module = _prisma_module(project, tree, from_file)
        return RowType(table.name, module, table.name) if module is not None else None
    found = _imported_from(project, tree, table.name, used_in, from_file) or _declared_in(table, from_file)
    if found is None:
        return None
    return RowType(table.name, found, f"typeof {table.name}.$inferSelect")


def type_name(resource: str) -> str:
    """`todo` -> `TodoChange`, `user-profile` -> `UserProfileChange`."""
    return "".join(part.capitalize() for part in resource.split("-")) + "Change"


def imports(types: list[RowType]) -> list[str]:
    """One `import type` statement per module, names sorted."""
    by_module: dict[str, set[str]] = {}
    for found in types:
        by_module.setdefault(found.module, set()).add(found.name)
    lines = []
    for module, names in sorted(by_module.items()):
        line = f'import type {{ {", ".join(sorted(names))} }} from "{module}";'
        if len(line) > 100:  # one name a line, as a formatter would
            line = "import type {\n" + "".join(f"    {n},\n" for n in sorted(names)) + f'}} from "{module}";'
        lines.append(line)
    return lines


def _relative(from_file: str, target: str) -> str:
    rel = posixpath.relpath(target, str(PurePosixPath(from_file).parent))
    return rel if rel.startswith(".") else "./" + rel


def _module_of(path: str) -> str:
    for extension in _EXTENSIONS:
        if path.endswith(extension):
            return path[: -len(extension)]
    return path


def _reuse(project: Project, source: str, used_in: str, from_file: str) -> str | None:
    """`source` as imported in `used_in`, written for `from_file`: a relative path is resolved and written
    again (through the app's alias where it has one); a package or alias as it is when `used_in` is in the
    app; from another workspace package, a package the app depends on too (never that package's alias, nor
    a package the app cannot resolve: None, and the caller imports the file that declares the table)."""
    if source.startswith("."):
        target = posixpath.normpath(posixpath.join(str(PurePosixPath(used_in).parent), source))
        if project.import_prefix and PurePosixPath(target).is_relative_to(project.src):
            return project.import_prefix + PurePosixPath(target).relative_to(project.src).as_posix()
        return _relative(from_file, target)
    if PurePosixPath(used_in).is_relative_to(project.web):
        return source
    alias = source.startswith(("@/", "~/", "#"))
    package = "/".join(source.split("/")[: 2 if source.startswith("@") else 1])
    return source if not alias and package in project.web_dependencies else None


def _imported_from(project: Project, tree: Tree, name: str, used_in: str, from_file: str) -> str | None:
    """Where `used_in` imports the table `name` from: `import { todos }`, or `import * as schema` used as
    `schema.todos` (that module exports `todos` too)."""
    loaded = ts.load(used_in, tree.read_text(used_in) or "")
    if isinstance(loaded, Skip):
        return None
    for statement in ts.top_level_imports(loaded.root):
        source = statement.field("source")
        if source is None or statement.text().startswith("import type"):
            continue
        module = source.text()[1:-1]
        for specifier in statement.find_all(kind="import_specifier"):
            local = specifier.field("alias") or specifier.field("name")
            if local is not None and local.text() == name and specifier.field("alias") is None:
                return _reuse(project, module, used_in, from_file)
        for namespace in statement.find_all(kind="namespace_import"):
            binding = next((c for c in namespace.children() if c.kind() == "identifier"), None)
            if binding is not None and f"{binding.text()}.{name}" in loaded.text:
                return _reuse(project, module, used_in, from_file)
    return None


def _declared_in(table: Table, from_file: str) -> str | None:
    path = table.where.rsplit(":", 1)[0]
    return _relative(from_file, _module_of(path)) if path else None


def _prisma_module(project: Project, tree: Tree, from_file: str) -> str | None:
    """Where the project imports `PrismaClient` from: its model types come from there too (a generator's
    `output` folder, or `@prisma/client`). None when the web app could not resolve it (a package it does not
    depend on, another package's alias): the events stay untyped rather than break its build."""
    for folder in project.packages:
        for path in tree.walk(folder, SCHEMA_SKIP):
            if not path.endswith(_EXTENSIONS) or path.endswith(".d.ts"):
                continue
            text = tree.read_text(path) or ""
            found = _PRISMA_CLIENT.search(text) if "PrismaClient" in text else None
            module = _reuse(project, found.group(1), path, from_file) if found else None
            if module is not None:  # else another file may import it in a way the app resolves
                return module
    return "@prisma/client" if "@prisma/client" in project.web_dependencies else None
