"""Next.js route handlers: find the mutating handlers that write a row to the database, and add a
broadcast of that row just before the response that returns it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .insertion import undo_insertions
from .result import Edit, Skip
from .typescript import TsFile, quote_of, statement_line_insertion

if TYPE_CHECKING:
    from ast_grep_py import SgNode

ACTIONS = {"POST": "created", "PUT": "updated", "PATCH": "updated", "DELETE": "deleted"}
_WRITE = re.compile(r"\.(insert|update|delete)\s*\(")


def handlers(root: SgNode) -> list[tuple[str, SgNode | None]]:
    """(method, body) of exported handlers: `export async function POST` and `export const POST = async () => {}`."""
    found = []
    for export in root.find_all(kind="export_statement"):
        decl = export.field("declaration")
        if decl is None:
            continue
        if decl.kind() == "function_declaration":
            name = decl.field("name")
            if name is not None and name.text() in ACTIONS:
                found.append((name.text(), decl.field("body")))
        elif decl.kind() == "lexical_declaration":
            for declarator in decl.find_all(kind="variable_declarator"):
                name, value = declarator.field("name"), declarator.field("value")
                if name is None or name.text() not in ACTIONS or value is None:
                    continue
                if value.kind() in ("arrow_function", "function_expression", "function"):
                    found.append((name.text(), value.field("body")))
    return found


@dataclass(frozen=True)
class WriteSite:
    """A handler that writes a row and sends it back: where a broadcast of that row can go."""

    path: str
    method: str
    row: str  # the variable holding the written row
    table: str | None  # the table written, as the code names it (`todos`)
    response: SgNode  # the return statement that sends the row back
    line: int

    @property
    def action(self) -> str:
        return ACTIONS[self.method]


def written_row(body: SgNode) -> tuple[SgNode | None, str | None, str]:
    """The `const [row] = await db.insert(...)...returning()` declaration in a handler and the row's name,
    or the reason there is none."""
    for decl in body.find_all(kind="lexical_declaration"):
        text = decl.text()
        if not _WRITE.search(text):
            continue
        for declarator in decl.find_all(kind="variable_declarator"):
            pattern = declarator.field("name")
            if pattern is None:
                continue
            if ".returning(" not in text:
                return decl, None, "written row is not available: the write has no .returning()"
            if pattern.kind() == "array_pattern":
                first = next((c for c in pattern.children() if c.kind() == "identifier"), None)
                if first is not None:
                    return decl, first.text(), ""
            return decl, None, "written row is not available: destructure it, as in `const [row] = ...returning()`"
    return None, None, "does not write to the database"


def written_table(decl: SgNode) -> str | None:
    """`todos` in `db.insert(todos)`, `tx.update(schema.todos)` or `db.delete(todos)`."""
    for call in decl.find_all(kind="call_expression"):
        fn, args = call.field("function"), call.field("arguments")
        prop = fn.field("property") if fn is not None and fn.kind() == "member_expression" else None
        if prop is None or prop.text() not in ("insert", "update", "delete") or args is None:
            continue
        first = next((c for c in args.children() if c.is_named()), None)
        if first is not None and first.kind() == "identifier":
            return first.text()
        if first is not None and first.kind() == "member_expression":
            named = first.field("property")
            return named.text() if named is not None else None
    return None


def returning_statement(decl: SgNode, row: str) -> SgNode | None:
    """The first later statement in the same block that returns a response mentioning `row`."""
    for sibling in decl.next_all():
        if sibling.kind() == "return_statement" and any(i.text() == row for i in sibling.find_all(kind="identifier")):
            return sibling
    return None


def write_site(file: TsFile, method: str, body: SgNode | None) -> WriteSite | Skip:
    """The handler's write and the response that returns its row, or why there is none."""
    line = file.line(body) if body is not None else 1
    if body is None or body.kind() != "statement_block":
        return Skip(file.path, "handler has no block body", line, method)
    decl, row, reason = written_row(body)
    if decl is None or row is None:
        return Skip(file.path, reason, file.line(decl) if decl else line, method)
    ret = returning_statement(decl, row)
    if ret is None:
        return Skip(file.path, f"no return statement sends `{row}` back", file.line(decl), method)
    return WriteSite(file.path, method, row, written_table(decl), ret, file.line(ret))


def write_sites(file: TsFile, helper: str) -> list[WriteSite | Skip]:
    """Every mutating handler of a route file, as a write site or a skip with its reason."""
    results: list[WriteSite | Skip] = []
    for method, body in handlers(file.root):
        if body is not None and ("WS_INTERNAL_URL" in body.text() or f"{helper}(" in body.text()):
            results.append(Skip(file.path, "already broadcasts", file.line(body), method))
        else:
            results.append(write_site(file, method, body))
    return results


def broadcast(file: TsFile, site: WriteSite, event: str, helper: str, to: str) -> Edit | Skip:
    """A `helper("event", row, { to })` line just above the response that returns the written row."""
    quote = quote_of(file.root)
    semi = ";" if site.response.text().rstrip().endswith(";") else ""
    statement = f"{helper}({quote}{event}{quote}, {site.row}, {{ to: {to} }}){semi}"
    insertion = statement_line_insertion(file.text, site.response, statement, f"broadcast {event}")
    if insertion is None:
        return Skip(file.path, "the return statement shares its line with other code", site.line, site.method)
    return Edit(file.path, (insertion,), line=site.line, subject=event)


undo = undo_insertions  # the inverse of every edit here: cut exactly the lines that were inserted


def resource_of(route_rel: str) -> tuple[str, str] | None:
    """('todo', '/api/todos') for `app/api/todos/[id]/route.ts`: the last static segment, singular."""
    parts = route_rel.split("/")
    if "app" not in parts:
        return None
    parts = parts[parts.index("app") + 1 : -1]
    url_parts = [p for p in parts if not (p.startswith("(") and p.endswith(")")) and not p.startswith("@")]
    static = [p for p in url_parts if not p.startswith("[")]
    if not static or static == ["api"]:
        return None
    plural = static[-1]
    collection = "/" + "/".join(url_parts[: url_parts.index(plural) + 1])
    return kebab(singular(plural)), collection


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def kebab(name: str) -> str:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name)
    name = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return name if re.match(r"^[a-z]", name) else f"r-{name}"
