"""What a name means where it is used, inside a module: a parameter of an enclosing function, a local
`const` or function, or (None) something of the module's top level, which the graph answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .site import FUNCTIONS

if TYPE_CHECKING:
    from ast_grep_py import SgNode

CALLABLES = (*FUNCTIONS, "method_definition")
WRAPPERS = (
    "parenthesized_expression",
    "as_expression",
    "satisfies_expression",
    "await_expression",
    "non_null_expression",
)


@dataclass(frozen=True)
class Local:
    kind: str  # "param", "value" (a `const`'s value) or "function"
    node: SgNode  # the function whose parameter it is, the value, or the function
    pattern: SgNode | None = None  # for a parameter: the parameter node (its type annotation with it)


def unwrap(node: SgNode) -> SgNode:
    """Past `await`, parentheses, `as T`, `x!`."""
    while node.kind() in WRAPPERS:
        inner = next((c for c in node.children() if c.is_named() and c.kind() != "type_annotation"), None)
        if inner is None:
            return node
        node = inner
    return node


def declared_locally(at: SgNode, name: str) -> Local | None:
    """The innermost declaration of `name` around `at`, below the module's top level."""
    for ancestor in at.ancestors():
        kind = ancestor.kind()
        if kind == "program":
            return None
        if kind in CALLABLES:
            found = _parameter(ancestor, name)
            if found is not None:
                return Local("param", ancestor, found)
        elif kind == "statement_block":
            found_local = _in_block(ancestor, name)
            if found_local is not None:
                return found_local
    return None


def _parameter(function: SgNode, name: str) -> SgNode | None:
    single = function.field("parameter")  # `tx => ...`
    if single is not None:
        return single if single.text() == name else None
    params = function.field("parameters")
    if params is None or name not in params.text():
        return None
    for param in (p for p in (params.children() if params is not None else []) if p.is_named()):
        pattern = param.field("pattern") or param
        if pattern.kind() == "identifier" and pattern.text() == name:
            return param
        if pattern.kind() == "object_pattern" and _binds(pattern, name):
            return param
    return None


def _binds(pattern: SgNode, name: str) -> bool:
    """`{ ctx }`, `{ ctx: context }`, `{ ctx = x }` bind `ctx` (`context`)."""
    for part in pattern.children():
        if part.kind() == "shorthand_property_identifier_pattern" and part.text() == name:
            return True
        if part.kind() == "pair_pattern":
            value = part.field("value")
            if value is not None and value.kind() == "identifier" and value.text() == name:
                return True
        if part.kind() == "object_assignment_pattern":
            left = part.field("left")
            if left is not None and left.text() == name:
                return True
    return False


def _in_block(block: SgNode, name: str) -> Local | None:
    if not re.search(rf"\b(?:const|let|var|function)\b[^;]*?\b{re.escape(name)}\b", block.text()):
        return None  # most blocks declare no such name: not worth walking their statements
    for statement in block.children():
        kind = statement.kind()
        if kind == "function_declaration":
            ident = statement.field("name")
            if ident is not None and ident.text() == name:
                return Local("function", statement)
        elif kind in ("lexical_declaration", "variable_declaration"):
            for declarator in (d for d in statement.children() if d.kind() == "variable_declarator"):
                ident, value = declarator.field("name"), declarator.field("value")
                if ident is not None and ident.kind() == "identifier" and ident.text() == name:
                    return Local("value", value) if value is not None else None
    return None


def parameter_property(pattern: SgNode, name: str) -> str | None:
    """The property a destructured parameter takes `name` from: `ctx` for `{ ctx }` and `{ ctx: c }`."""
    target = pattern.field("pattern") or pattern
    if target.kind() != "object_pattern":
        return None
    for part in target.children():
        if part.kind() == "shorthand_property_identifier_pattern" and part.text() == name:
            return name
        if part.kind() == "pair_pattern":
            key, value = part.field("key"), part.field("value")
            if key is not None and value is not None and value.text() == name:
                return key.text()
    return None
