"""Where a write's line goes: right after the statement that runs the write (past an `if (!row) ...` guard
that follows it), or just before the response that sends the kept row back."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from .site import FUNCTIONS, Write, same

if TYPE_CHECKING:
    from ast_grep_py import SgNode

RESPONSE_CALLS = ("json", "send", "end", "redirect")
EXITS = ("notFound", "redirect", "permanentRedirect", "unauthorized", "forbidden")
_PASSED = frozenset(
    {
        "await_expression",
        "call_expression",
        "member_expression",
        "subscript_expression",
        "arguments",
        "array",
        "parenthesized_expression",
        "as_expression",
        "non_null_expression",
        "satisfies_expression",
        "variable_declarator",
        "lexical_declaration",
        "variable_declaration",
        "expression_statement",
        "assignment_expression",
        "pair",
        "object",
        "spread_element",
    }
)  # what runs the write every time it runs itself: not a condition (`if`, `?:`, `&&`) nor a loop head


def statement_of(node: SgNode) -> SgNode | None:
    """The statement of a block that always runs the write when it runs, or None."""
    current = node
    while True:
        parent = current.parent()
        if parent is None or current.kind() not in _PASSED and current is not node:
            return current if current.kind() in ("return_statement", *FUNCTIONS) else None
        if parent.kind() in ("statement_block", "program"):
            return current
        current = parent


def _base_name(row: str) -> str:
    return row.split("[", 1)[0]


def _mentions(node: SgNode, row: str) -> bool:
    name = _base_name(row)
    kinds = ("identifier", "shorthand_property_identifier")
    return any(i.text() == name for kind in kinds for i in node.find_all(kind=kind)) or node.text() == name


def _sends_back(statement: SgNode, row: str) -> bool:
    """A statement that answers the request with the row: `return NextResponse.json({ row })`,
    `res.status(201).json(row)`."""
    if statement.kind() == "return_statement":
        return _mentions(statement, row)
    if statement.kind() != "expression_statement":
        return False
    for call in statement.find_all(kind="call_expression"):
        fn = call.field("function")
        prop = fn.field("property") if fn is not None and fn.kind() == "member_expression" else None
        args = call.field("arguments")
        if prop is not None and prop.text() in RESPONSE_CALLS and args is not None and _mentions(args, row):
            return True
    return False


def _guard_pattern(row: str) -> re.Pattern[str]:
    v = re.escape(row)
    nothing = r"(?:undefined|null)"
    test = rf"(?:!\s*{v}|{v}\s*===?\s*{nothing}|{nothing}\s*===?\s*{v})"
    return re.compile(rf"^\(\s*{test}\s*(?:\|\|.*)?\)$", re.DOTALL)


def _exits(node: SgNode | None) -> bool:
    if node is None:
        return False
    if node.kind() in ("return_statement", "throw_statement"):
        return True
    if node.kind() == "statement_block":
        named = [c for c in node.children() if c.is_named() and c.kind() != "comment"]
        return bool(named) and _exits(named[-1])
    if node.kind() == "expression_statement":
        call = next((c for c in node.children() if c.is_named()), None)
        while call is not None and call.kind() == "await_expression":
            call = next((c for c in call.children() if c.is_named()), None)
        fn = call.field("function") if call is not None and call.kind() == "call_expression" else None
        return fn is not None and fn.text() in EXITS
    return False


def guards(statement: SgNode, row: str) -> bool:
    """`if (!row) { return ...; }` (or `throw`, `notFound()`): after it, `row` is defined."""
    if statement.kind() != "if_statement" or statement.field("alternative") is not None:
        return False
    condition = statement.field("condition")
    return (
        condition is not None
        and _guard_pattern(row).match(condition.text()) is not None
        and _exits(statement.field("consequence"))
    )


def narrowed_between(start: SgNode, end: SgNode, row: str) -> bool:
    for sibling in start.next_all():
        if same(sibling, end):
            return False
        if guards(sibling, row):
            return True
    return False


def anchored(write: Write, statement: SgNode, responds: bool) -> Write:
    """Where the line goes: just before the response that sends the row back, or right after the write
    (past any `if (!row) ...` guard that follows it)."""
    row = write.row or ""
    block = statement.parent()
    if block is None or block.kind() not in ("statement_block", "program"):
        return replace(write, reason="afc cannot place a line beside this write")
    response = next((s for s in statement.next_all() if _sends_back(s, row)), None) if responds else None
    if response is not None:
        narrowed = narrowed_between(statement, response, row)
        return replace(write, anchor=response, maybe_undefined=write.maybe_undefined and not narrowed)
    anchor, narrowed = statement, False
    for sibling in statement.next_all() if row else []:
        if sibling.kind() == "comment" or not guards(sibling, row):
            break
        anchor, narrowed = sibling, True
    return replace(write, anchor=anchor, after=True, maybe_undefined=write.maybe_undefined and not narrowed)
