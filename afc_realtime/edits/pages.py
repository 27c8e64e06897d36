"""Client pages: a page that loads a resource list into state subscribes to that resource's events."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .insertion import undo_insertions
from .result import Edit, Skip
from .typescript import TsFile, directives, line_after_insertion, quote_of

if TYPE_CHECKING:
    from ast_grep_py import SgNode


def is_client_component(root: SgNode) -> bool:
    return any(d.text().strip("'\";") == "use client" for d in directives(root))


def fetched_collections(root: SgNode) -> set[str]:
    """List URLs the page fetches with a literal: fetch("/api/todos")."""
    urls = set()
    for call in root.find_all(kind="call_expression"):
        fn = call.field("function")
        args = call.field("arguments")
        if fn is None or fn.text() != "fetch" or args is None:
            continue
        first = next((c for c in args.children() if c.kind() in ("string", "template_string")), None)
        if first is not None:
            url = first.text()[1:-1].split("?")[0].rstrip("/")
            if re.fullmatch(r"/[\w\-/]+", url):
                urls.add(url)
    return urls


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


undo = undo_insertions  # the inverse: cut exactly the line that was inserted
