"""App Router route handlers (`app/**/route.ts`): `export async function POST`, `export const PATCH = async
() => {}`, wrapped (`export const POST = withAuth(async (req) => ...)`) and re-exported
(`export { handler as POST }`). `export const { GET, POST } = handlers` (Auth.js) is not the app's write."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..edits.result import Skip
from ..edits.typescript import TsFile
from ..project import Project
from ..tree import Tree
from .site import Handler, body_of, export_clauses, local_binding, resolve_function

if TYPE_CHECKING:
    from ast_grep_py import SgNode

KIND = "App Router route handler"
METHODS = ("POST", "PUT", "PATCH", "DELETE")


def files(project: Project, tree: Tree, sources: list[str]) -> list[str]:
    return list(project.routes)


def handlers(file: TsFile) -> list[Handler | Skip]:
    """The mutating handlers a route file exports, in file order."""
    found: list[Handler | Skip] = []
    for export in file.root.children():
        if export.kind() != "export_statement":
            continue
        decl = export.field("declaration")
        if decl is not None and decl.kind() == "function_declaration":
            name = decl.field("name")
            if name is not None and name.text() in METHODS:
                found.append(_handler(file, name.text(), decl))
        elif decl is not None and decl.kind() == "lexical_declaration":
            for declarator in decl.children():
                name = declarator.field("name") if declarator.kind() == "variable_declarator" else None
                if name is None or name.kind() != "identifier" or name.text() not in METHODS:
                    continue  # `export const { GET, POST } = handlers` destructures someone else's handlers
                function = resolve_function(file.root, declarator.field("value"))
                found.append(_handler(file, name.text(), function, declarator))
    for exported, local, statement in export_clauses(file.root):
        if exported in METHODS:
            bound = local_binding(file.root, local)
            function = bound if bound is not None and bound.kind() == "function_declaration" else None
            found.append(_handler(file, exported, function or resolve_function(file.root, bound), statement))
    return found


def _handler(file: TsFile, method: str, function: SgNode | None, where: SgNode | None = None) -> Handler | Skip:
    body = body_of(function) if function is not None else None
    at = where or function
    line = file.line(at) if at is not None else 1
    if body is None:
        return Skip(file.path, "afc cannot find the function behind this handler", line, method)
    return Handler(file.path, method, body, file.line(body), responds=True)
