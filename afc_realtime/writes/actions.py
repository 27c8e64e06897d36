"""Server Actions: in a module that starts with `"use server"`, every exported async function (also through
wrappers: `export const signUp = validatedAction(schema, async (data, formData) => { ... })`); anywhere in
the app, a function whose body starts with `"use server"`. No response carries the row, so the broadcast
goes right after the write."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..edits.result import Skip
from ..edits.typescript import TsFile, directives
from ..project import Project
from ..tree import Tree
from .site import FUNCTIONS, Handler, body_of, export_clauses, is_async, local_binding, resolve_function, same

if TYPE_CHECKING:
    from ast_grep_py import SgNode

KIND = "Server Action"
SOURCES = (".ts", ".tsx", ".js", ".jsx", ".mts", ".mjs")
MARKER = re.compile(r"""["']use server["']""")


def files(project: Project, tree: Tree, sources: list[str]) -> list[str]:
    """The app's source files that mention `"use server"` (the rest are not parsed)."""
    inside = "" if project.web == "." else f"{project.web}/"
    return [
        path
        for path in sources
        if path.startswith(inside)
        and path.endswith(SOURCES)
        and not path.endswith(".d.ts")
        and MARKER.search(tree.read_text(path) or "")
    ]


def _is_use_server(statement: SgNode) -> bool:
    return statement.text().strip().rstrip(";").strip("'\"") == "use server"


def handlers(file: TsFile) -> list[Handler | Skip]:
    found: list[Handler | Skip] = []
    seen: list[SgNode] = []
    if any(_is_use_server(d) for d in directives(file.root)):
        for name, function, at in _exported(file.root):
            if function is None:
                found.append(Skip(file.path, "afc cannot find the function behind this action", file.line(at), name))
            elif is_async(function):
                found.append(_handler(file, name, function))
                seen.append(function)
    for function in (f for kind in FUNCTIONS for f in file.root.find_all(kind=kind)):
        body = body_of(function)
        first = next((c for c in body.children() if c.is_named()), None) if body is not None else None
        if first is None or not _is_use_server(first) or any(same(function, s) for s in seen):
            continue
        found.append(_handler(file, _name_of(function), function))
        seen.append(function)
    return sorted(found, key=lambda h: h.line or 0)


def _exported(root: SgNode) -> list[tuple[str, SgNode | None, SgNode]]:
    """(name, function, where) of each exported value of a `"use server"` module."""
    out: list[tuple[str, SgNode | None, SgNode]] = []
    for export in root.children():
        if export.kind() != "export_statement":
            continue
        decl, value = export.field("declaration"), export.field("value")
        if decl is not None and decl.kind() == "function_declaration":
            name = decl.field("name")
            out.append((name.text() if name is not None else "default", decl, decl))
        elif decl is not None and decl.kind() == "lexical_declaration":
            for declarator in decl.children():
                name = declarator.field("name") if declarator.kind() == "variable_declarator" else None
                if name is not None and name.kind() == "identifier":
                    out.append((name.text(), resolve_function(root, declarator.field("value")), declarator))
        elif value is not None:
            out.append(("default", resolve_function(root, value), export))
    for exported, local, statement in export_clauses(root):
        bound = local_binding(root, local)
        function = bound if bound is not None and bound.kind() == "function_declaration" else None
        out.append((exported, function or resolve_function(root, bound), statement))
    return out


def _name_of(function: SgNode) -> str:
    name = function.field("name")
    if name is not None:
        return name.text()
    parent = function.parent()
    named = parent.field("name") if parent is not None and parent.kind() == "variable_declarator" else None
    return named.text() if named is not None else "(inline)"


def _handler(file: TsFile, name: str, function: SgNode) -> Handler | Skip:
    body = body_of(function)
    if body is None:
        return Skip(file.path, "action has no body", file.line(function), f"action {name}")
    return Handler(file.path, f"action {name}", body, file.line(function), responds=False)
