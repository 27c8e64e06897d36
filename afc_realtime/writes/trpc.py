"""tRPC mutations, in any workspace package: `create: protectedProcedure.input(...).mutation(async ({ ctx,
input }) => ...)`. No response carries the row, so the broadcast goes right after the write."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..edits.result import Skip
from ..edits.typescript import TsFile
from ..project import Project
from ..tree import Tree
from .site import Handler, body_of, function_in

if TYPE_CHECKING:
    from ast_grep_py import SgNode

KIND = "tRPC mutation"
SOURCES = (".ts", ".tsx", ".mts")


def files(project: Project, tree: Tree, sources: list[str]) -> list[str]:
    """Source files of every workspace folder that call `.mutation(` (the rest are not parsed)."""
    return [
        path
        for path in sources
        if path.endswith(SOURCES) and not path.endswith(".d.ts") and ".mutation(" in (tree.read_text(path) or "")
    ]


def handlers(file: TsFile) -> list[Handler | Skip]:
    found: list[Handler | Skip] = []
    for call in file.root.find_all(kind="call_expression"):
        fn = call.field("function")
        prop = fn.field("property") if fn is not None and fn.kind() == "member_expression" else None
        if prop is None or prop.text() != "mutation":
            continue
        args = call.field("arguments")
        first = next((c for c in args.children() if c.is_named()), None) if args is not None else None
        function = function_in(first)
        name = f"mutation {procedure_name(call)}"
        body = body_of(function) if function is not None else None
        if body is None:
            found.append(Skip(file.path, "afc cannot find the function behind this mutation", file.line(call), name))
        else:
            found.append(Handler(file.path, name, body, file.line(call), responds=False))
    return found


def procedure_name(call: SgNode) -> str:
    """`post.create` for `export const postRouter = { create: ...mutation(...) }`."""
    key, router = "", ""
    for ancestor in call.ancestors():
        if ancestor.kind() == "pair" and not key:
            named = ancestor.field("key")
            key = named.text().strip("\"'") if named is not None else ""
        if ancestor.kind() == "variable_declarator":
            named = ancestor.field("name")
            router = named.text() if named is not None else ""
            break
    router = router.removesuffix("Router") or router
    return ".".join(p for p in (router, key) if p) or "(mutation)"
