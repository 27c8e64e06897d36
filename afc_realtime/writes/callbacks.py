"""Callbacks a project function awaits: `withRetry(() => prisma.post.update(...))`, where `withRetry` (the
project's own, followed through imports) calls that parameter only as `await operation()`, or returns its
result from an async body; and a module's own function (not exported) that every use calls as `await f()`.
What the function returns then runs there, as a write returned from an async function does, and afc may wrap
it (`broadcastAfter`) where it is written. A function that keeps the query, hands it back or passes it on is
no such proof: its caller may batch or chain it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .graph import Graph
from .site import FUNCTIONS, function_in, is_async, same

if TYPE_CHECKING:
    from ast_grep_py import SgNode

PROMISE_RETURNED = re.compile(r"=>\s*(?:Promise|PromiseLike)<[^<>]*(?:<[^<>]*>[^<>]*)*>\s*$")
Awaited = Callable[["SgNode"], bool]  # whether a callback (a function node) is awaited by what it is given to


def never(_: SgNode) -> bool:
    return False


def awaited(graph: Graph, path: str) -> Awaited:
    """The predicate for callbacks written in the module at `path`."""
    return lambda callback: _awaited(graph, path, callback)


def _awaited(graph: Graph, path: str, callback: SgNode) -> bool:
    if _every_call_awaited(callback):
        return True
    args = callback.parent()
    call = args.parent() if args is not None and args.kind() == "arguments" else None
    callee = call.field("function") if call is not None and call.kind() == "call_expression" else None
    if args is None or callee is None or callee.kind() != "identifier":
        return False
    given = [c for c in args.children() if c.is_named()]
    index = next((i for i, arg in enumerate(given) if same(arg, callback)), None)
    target = _function(graph, path, callee)
    if index is None or target is None:
        return False
    name = _parameter(target, index)
    body = target.field("body")
    if name is None or body is None or not _takes_a_promise(target, index):
        return False
    uses = [n for n in body.find_all(kind="identifier") if n.text() == name]
    return bool(uses) and all(_run_awaited(use, target) for use in uses)


def _every_call_awaited(function: SgNode) -> bool:
    """A function of the module's own, not exported (`function touch(id) {...}`, `const touch = (id) => ...`),
    that every use in the module calls as `await touch(...)`: what it returns runs where it is called."""
    holder, name = function, function.field("name")
    parent = function.parent()
    if function.kind() != "function_declaration":
        declaration = parent.parent() if parent is not None else None
        if parent is None or parent.kind() != "variable_declarator" or not same(parent.field("value"), function):
            return False
        if declaration is None or not declaration.text().startswith("const"):
            return False
        holder, name = declaration, parent.field("name")
    outer, typed = holder.parent(), function.field("return_type")  # `: PrismaPromise<T>` a wrapped write is not
    if typed is not None and not re.match(r"\s*:\s*(?:Promise|PromiseLike)<", typed.text()):
        return False
    if name is None or name.kind() != "identifier" or outer is None or outer.kind() == "export_statement":
        return False
    root = next((a for a in function.ancestors() if a.kind() == "program"), None)
    uses = [n for n in root.find_all(kind="identifier") if n.text() == name.text()] if root is not None else []
    uses = [n for n in uses if not same(n, name)]
    return bool(uses) and all(_called_awaited(use) for use in uses)


def _call_and_holder(use: SgNode) -> tuple[SgNode, SgNode] | None:
    """`use(...)` and what holds that call, through parentheses; None when `use` is not what is called."""
    call = use.parent()
    if call is None or call.kind() != "call_expression" or not same(call.field("function"), use):
        return None
    holder = call.parent()
    while holder is not None and holder.kind() == "parenthesized_expression":
        holder = holder.parent()
    return (call, holder) if holder is not None else None


def _called_awaited(use: SgNode) -> bool:
    found = _call_and_holder(use)
    return found is not None and found[1].kind() == "await_expression"


def _run_awaited(use: SgNode, function: SgNode) -> bool:
    """`await operation()`, or `return operation()` from the async function itself."""
    found = _call_and_holder(use)
    if found is None:
        return False
    call, holder = found
    if holder.kind() == "await_expression":
        return True
    returned = holder.kind() == "return_statement" or same(function.field("body"), call)
    return returned and is_async(function) and _owner(call) is not None and same(_owner(call), function)


def _owner(node: SgNode) -> SgNode | None:
    return next((a for a in node.ancestors() if a.kind() in FUNCTIONS), None)


def _parameter(function: SgNode, index: int) -> str | None:
    """The plain name of the function's parameter at `index` (None when destructured or absent)."""
    single = function.field("parameter")  # `operation => ...`
    if single is not None:
        return single.text() if index == 0 and single.kind() == "identifier" else None
    params = function.field("parameters")
    named = [c for c in params.children() if c.is_named()] if params is not None else []
    if index >= len(named):
        return None
    pattern = named[index].field("pattern") if named[index].kind().endswith("_parameter") else named[index]
    return pattern.text() if pattern is not None and pattern.kind() == "identifier" else None


def _takes_a_promise(function: SgNode, index: int) -> bool:
    """The parameter is untyped, or typed as a function returning a `Promise`: a wrapped write (a `Promise`,
    no longer the ORM's own) still fits it. `() => PrismaPromise<T>` would not."""
    params = function.field("parameters")
    named = [c for c in params.children() if c.is_named()] if params is not None else []
    typed = named[index].field("type") if index < len(named) and named[index].kind().endswith("_parameter") else None
    return typed is None or PROMISE_RETURNED.search(typed.text()) is not None


def _function(graph: Graph, path: str, ident: SgNode) -> SgNode | None:
    """The project function a callee names: declared in the module, or imported from another."""
    local = graph.declared_locally(path, ident, ident.text())
    if local is not None:
        return local.node if local.kind == "function" else function_in(local.node)
    binding = graph.local(path, ident.text())
    if binding is None or binding.node is None:
        return None
    node = binding.node
    return node if node.kind() in FUNCTIONS else function_in(node)
