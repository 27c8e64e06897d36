"""Server Component pages (no client state): `<RealtimeRefresh events={[...]} />`, a small client component
afc generates, goes in as the first child of the JSX the page returns and calls `router.refresh()` when one of
the events arrives. The events are those of the writes to the tables the page reads through the ORM
(`db.select().from(todos)`, `db.query.todos.findMany()`, `prisma.post.findMany()`) and of the Server Actions
in the page's folder."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from ..edits import pages
from ..edits.result import Edit, Skip
from ..edits.typescript import TsFile
from ..writes.site import local_binding
from .site import ALREADY_SUBSCRIBES, Feed, Read, events_of, is_client, named_args, quote, string_list

if TYPE_CHECKING:
    from ast_grep_py import SgNode

NAME = "refresh"
HOOK, MODULE = "RealtimeRefresh", "realtime-refresh"
FILES = ("use-realtime-events.ts", "realtime-refresh.tsx")
PRISMA_READS = ("findMany", "findFirst", "findFirstOrThrow", "findUnique", "findUniqueOrThrow", "count", "groupBy")
DRIZZLE_QUERY_READS = ("findMany", "findFirst")
JSX = ("jsx_element", "jsx_self_closing_element")


def reads(file: TsFile, client: bool | None = None) -> list[Read | Skip]:
    if is_client(file, client):
        return []
    component = _default_component(file.root)
    if component is None:
        return []
    tables = frozenset(tables_read(component))
    folder = str(PurePosixPath(file.path).parent)
    what = "the page (a Server Component)"
    element = _returned_jsx(component)
    if element is None:
        if not tables:
            return []
        return [Skip(file.path, "returns no JSX element afc can put a component in", file.line(component), what)]
    calls = _called(component)
    return [Read(file.path, file.line(component), NAME, what, element, tables=tables, actions_dir=folder, calls=calls)]


def _called(component: SgNode) -> tuple[str, ...]:
    """The names the component calls (`getTodos()`) or renders (`<TodoList />`): afc follows them, and what
    they call, up to three steps to the tables they read (`reads.DataPaths.called`)."""
    names = [call.field("function") for call in component.find_all(kind="call_expression")]
    for kind in ("jsx_opening_element", "jsx_self_closing_element"):
        names += [e.field("name") for e in component.find_all(kind=kind)]
    found = [n.text() for n in names if n is not None and n.kind() == "identifier"]
    return tuple(dict.fromkeys(found))


def subscribe(file: TsFile, read: Read, feeds: list[Feed]) -> Edit | Skip:
    events = events_of(feeds)
    if not events:
        if not read.tables:
            return Edit(file.path)  # reads nothing afc can see, and no action of its folder broadcasts
        return Skip(file.path, f"no write afc wired changes {read.source()}", read.line, read.what)
    if f"<{HOOK}" in file.text:
        return Skip(file.path, ALREADY_SUBSCRIBES, read.line, read.what)
    element = f"<{HOOK} events={{{string_list(events, quote(file))}}} />"
    if read.anchor.kind() != "jsx_element":
        return Skip(file.path, "returns a JSX element with no children to put a component beside", read.line, read.what)
    insertion = pages.jsx_first_child(file, read.anchor, element, "refresh on " + ", ".join(events))
    if insertion is None:
        reason = "its JSX has no child on a line of its own, where afc could put the component"
        return Skip(file.path, reason, read.line, read.what)
    return Edit(file.path, (insertion,), line=file.line(read.anchor), subject=", ".join(events))


def tables_read(node: SgNode) -> set[str]:
    """The tables (as the code names them) read under `node`: Drizzle's `.from(t)` in a `select` chain and
    `db.query.t.findMany()`, Prisma's `prisma.post.findMany()` (also `db.post...`, `ctx.db.post...`)."""
    found = set()
    for call in node.find_all(kind="call_expression"):
        fn = call.field("function")
        prop, target = (fn.field("property"), fn.field("object")) if fn is not None else (None, None)
        if prop is None or target is None:
            continue  # not a method call: `findMany()`, `loaders[kind]()`
        name, chain = prop.text(), target.text()
        args = named_args(call)
        if name == "from" and ".select" in chain and args:
            found.add(args[0].text().split(".")[-1])
        elif (table := _query_table(name, chain.split("."))) is not None:
            found.add(table)
    return found


def _query_table(method: str, segments: list[str]) -> str | None:
    """`todos` for `db.query.todos.findMany`, `post` for `prisma.post.findMany` (and `ctx.db.post...`)."""
    if len(segments) < 2 or not segments[-1].isidentifier():  # `db.query[name]`: a table chosen at run time
        return None
    drizzle = method in DRIZZLE_QUERY_READS and len(segments) >= 3 and segments[-2] == "query"
    prisma = method in PRISMA_READS and segments[-2] in ("prisma", "db") and segments[-1] != "query"
    return segments[-1] if drizzle or prisma else None


def _default_component(root: SgNode) -> SgNode | None:
    """The function of `export default function Page()` (or of `export default Page`)."""
    for statement in root.children():
        if statement.kind() != "export_statement" or not any(c.text() == "default" for c in statement.children()):
            continue
        decl, value = statement.field("declaration"), statement.field("value")
        if decl is not None and decl.kind() == "function_declaration":
            return decl
        if value is not None and value.kind() in ("function_expression", "arrow_function"):
            return value
        if value is not None and value.kind() == "identifier":
            bound = local_binding(root, value.text())
            if bound is not None and bound.kind() in ("function_declaration", "function_expression", "arrow_function"):
                return bound
    return None


def _returned_jsx(function: SgNode) -> SgNode | None:
    """The JSX element of the component's last top-level `return (...)`, or of an arrow's expression body."""
    body = function.field("body")
    if body is None:
        return None
    value: SgNode | None = body
    if body.kind() == "statement_block":
        returns = [c for c in body.children() if c.kind() == "return_statement"]
        value = next((c for c in returns[-1].children() if c.is_named()), None) if returns else None
    while value is not None and value.kind() == "parenthesized_expression":
        value = next((c for c in value.children() if c.is_named()), None)
    return value if value is not None and value.kind() in JSX else None
