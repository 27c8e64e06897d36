"""Next.js route handlers: find the mutating handlers that write a row to the database, and add a
broadcast of that row just before the response that returns it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import typescript as ts
from .insertion import Insertion

ACTIONS = {"POST": "created", "PUT": "updated", "PATCH": "updated", "DELETE": "deleted"}
_WRITE = re.compile(r"\.(insert|update|delete)\s*\(")


@dataclass(frozen=True)
class Wired:
    method: str
    event: str  # kebab, e.g. todo-created
    line: int
    insertion: Insertion


@dataclass(frozen=True)
class Skipped:
    method: str
    line: int
    reason: str


def handlers(root) -> list[tuple[str, object]]:
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


def written_row(body):
    """The `const [row] = await db.insert(...)...returning()` declaration in a handler, and the row's name."""
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
                    return decl, first.text(), None
            return decl, None, "written row is not available: destructure it, as in `const [row] = ...returning()`"
    return None, None, "does not write to the database"


def returning_statement(decl, row: str):
    """The first later statement in the same block that returns a response mentioning `row`."""
    for sibling in decl.next_all():
        if sibling.kind() == "return_statement" and any(i.text() == row for i in sibling.find_all(kind="identifier")):
            return sibling
    return None


def broadcast_in(text: str, root, method: str, body, event: str, helper: str) -> Wired | Skipped:
    """Plan a `helper("event", row)` line just before the response that returns the handler's written row."""
    line = ts.where(text, body) if body is not None else 1
    if body is None or body.kind() != "statement_block":
        return Skipped(method, line, "handler has no block body")
    decl, row, reason = written_row(body)
    if row is None:
        return Skipped(method, ts.where(text, decl) if decl else line, reason)
    ret = returning_statement(decl, row)
    if ret is None:
        return Skipped(method, ts.where(text, decl), f"no return statement sends `{row}` back")
    quote = ts.quote_of(root)
    semi = ";" if ret.text().rstrip().endswith(";") else ""
    statement = f"{helper}({quote}{event}{quote}, {row}){semi}"
    insertion = ts.statement_line_insertion(text, ret, statement, f"broadcast {event}")
    if insertion is None:
        return Skipped(method, ts.where(text, ret), "the return statement shares its line with other code")
    return Wired(method, event, ts.where(text, ret), insertion)


def wire(text: str, root, resource: str, helper: str) -> list[Wired | Skipped]:
    """Plan a `helper("<resource>-<action>", row)` line in each mutating handler."""
    results: list[Wired | Skipped] = []
    for method, body in handlers(root):
        if body is not None and ("WS_INTERNAL_URL" in body.text() or f"{helper}(" in body.text()):
            results.append(Skipped(method, ts.where(text, body), "already broadcasts"))
            continue
        results.append(broadcast_in(text, root, method, body, f"{resource}-{ACTIONS[method]}", helper))
    return results


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
