"""Page edits: a client page that loads a resource list into state subscribes to that resource's events; a
Server Component page gets a client component as the first child of the JSX it returns. Each is a line of its
own, and `undo` cuts exactly that line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .insertion import Insertion, undo_insertions
from .result import Edit, Skip
from .typescript import TsFile, directives, line_after_insertion, quote_of, statement_line_insertion

if TYPE_CHECKING:
    from ast_grep_py import SgNode


def is_client_component(root: SgNode) -> bool:
    return any(d.text().strip("'\";") == "use client" for d in directives(root))


def fetched_collections(root: SgNode) -> set[str]:
    """List URLs the page fetches with a literal: fetch("/api/todos")."""
    return set(fetch_calls(root))


def fetch_calls(root: SgNode, exclude: tuple[str, ...] = ()) -> dict[str, SgNode]:
    """Each URL the code under `root` fetches with a literal, and its first `fetch(...)` call; calls inside the
    arguments of the functions named in `exclude` (`useQuery({ queryFn: () => fetch(...) })`) do not count."""
    urls: dict[str, SgNode] = {}
    for call in root.find_all(kind="call_expression"):
        fn = call.field("function")
        args = call.field("arguments")
        if fn is None or fn.text() != "fetch" or args is None or _inside_call_to(call, exclude):
            continue
        first = next((c for c in args.children() if c.kind() in ("string", "template_string")), None)
        if first is not None and "${" not in first.text():
            url = collection_url(first.text()[1:-1])
            if url is not None:
                urls.setdefault(url, call)
    return urls


def collection_url(text: str) -> str | None:
    """`/api/todos` for `/api/todos/?all=1`; None for anything but a plain same-origin path."""
    url = text.split("?")[0].rstrip("/")
    return url if re.fullmatch(r"/[\w\-/]+", url) else None


def _inside_call_to(node: SgNode, names: tuple[str, ...]) -> bool:
    if not names:
        return False
    for ancestor in node.ancestors():
        fn = ancestor.field("function") if ancestor.kind() == "call_expression" else None
        if fn is not None and fn.text().rsplit(".", 1)[-1] in names:
            return True
    return False


def state_setter(root: SgNode, setter: str) -> SgNode | None:
    """The `const [items, setItems] = useState...` declaration whose setter is `setter`."""
    for decl in root.find_all(kind="lexical_declaration"):
        for declarator in decl.find_all(kind="variable_declarator"):
            pattern, value = declarator.field("name"), declarator.field("value")
            if pattern is None or value is None or pattern.kind() != "array_pattern":
                continue
            names = [c.text() for c in pattern.children() if c.kind() == "identifier"]
            if len(names) == 2 and names[1] == setter and "useState" in value.text():
                return decl
    return None


def subscribe(file: TsFile, resource: str, collection: str, plural: str, hook: str) -> Edit | Skip:
    """Plan `hook("todo", "/api/todos", setTodos);` below the page's list state, or say why not."""
    setter = "set" + plural[:1].upper() + plural[1:]
    decl = state_setter(file.root, setter)
    if decl is None:
        return Skip(file.path, f"fetches {collection} but has no `{setter}` list state to keep in sync")
    if f"{hook}(" in file.text:
        return Skip(file.path, "already subscribes")
    quote = quote_of(file.root)
    semi = ";" if decl.text().rstrip().endswith(";") else ""
    statement = f"{hook}({quote}{resource}{quote}, {quote}{collection}{quote}, {setter}){semi}"
    insertion = line_after_insertion(file.text, decl, statement, f"subscribe to {resource} events")
    return Edit(file.path, (insertion,), line=file.line(decl), subject=resource)


def jsx_first_child(file: TsFile, element: SgNode, line: str, what: str) -> Insertion | None:
    """`line` on a line of its own just above the first child of a JSX element, indented like that child; None
    when the element has no child that starts a line."""
    for child in element.children():
        if child.kind() in ("jsx_opening_element", "jsx_closing_element") or not child.is_named():
            continue
        if child.kind() == "jsx_text" and not child.text().strip():
            continue
        return statement_line_insertion(file.text, child, line, what)
    return None


undo = undo_insertions  # the inverse: cut exactly the line that was inserted
