"""The database client by where it comes from, not by its name: a binding is a client when it holds
`drizzle(...)` or `new PrismaClient(...)` (also `.$extends(...)`, a `globalThis` cache `g.prisma ?? new
PrismaClient()`), when it is imported (through the graph, re-exports included) from a module that builds
one, when it is the callback parameter of a client's `transaction`/`$transaction`, or tRPC's `ctx.db` where
the context is built from a client. `origin` answers True (a client), False (known, and not a client:
`const db = new Map()`, a hash, an SDK) or None (afc cannot tell: an import from outside the project, a
parameter), and the ORM reader falls back to the name only on None."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .graph import Graph
from .scope import parameter_property, unwrap
from .site import FUNCTIONS, function_in

if TYPE_CHECKING:
    from ast_grep_py import SgNode

Origin = Callable[["SgNode"], "bool | None"]
TRANSACTIONS = ("transaction", "$transaction")
CLIENT_TYPES = re.compile(r"\b(?:PrismaClient|TransactionClient|\w*Database|NodePgDatabase|PgTransaction)\b")
CONCRETE = ("object", "array", "string", "template_string", "number", "true", "false", "null", "class", *FUNCTIONS)
MAX_DEPTH = 12


class Clients:
    def __init__(self, graph: Graph):
        self.graph = graph
        self._top: dict[tuple[str, str], bool | None] = {}

    def at(self, path: str) -> Origin:
        """The predicate for receivers of the module at `path`."""
        return lambda node: self.origin(path, node)

    def origin(self, path: str, node: SgNode, depth: int = 0) -> bool | None:
        if depth > MAX_DEPTH:
            return None
        if _typed_as_client(node):  # `export const db: Database = ...`, `x as PostgresJsDatabase`
            return True
        node = unwrap(node)
        kind = node.kind()
        if kind in ("identifier", "shorthand_property_identifier"):
            return self._name(path, node, node.text(), depth)
        if kind == "member_expression":
            return self._member(path, node, depth)
        if kind == "new_expression":
            constructor = node.field("constructor")
            args = [a for a in (node.field("arguments") or node).children() if a.is_named()]
            if constructor is not None and constructor.text() == "Proxy" and args:  # a lazy client behind a Proxy
                return self.origin(path, args[0], depth + 1)
            return constructor is not None and constructor.text().split(".")[-1].endswith("PrismaClient")
        if kind == "call_expression":
            return self._call(path, node, depth)
        if kind in ("binary_expression", "ternary_expression"):  # `g.prisma ?? new PrismaClient()`
            fields = ("left", "right") if kind == "binary_expression" else ("consequence", "alternative")
            sides = [self.origin(path, s, depth + 1) for s in (node.field(f) for f in fields) if s is not None]
            return True if True in sides else None if None in sides else False
        return False if kind in CONCRETE else None

    def _call(self, path: str, call: SgNode, depth: int) -> bool | None:
        callee = call.field("function")
        if callee is None:
            return None
        if callee.text().split(".")[-1] == "drizzle":
            return True
        if callee.kind() == "member_expression":
            prop, obj = callee.field("property"), callee.field("object")
            if prop is not None and obj is not None and prop.text() in ("$extends", "withReplicas", "$replica"):
                return self.origin(path, obj, depth + 1)
            return False
        if callee.kind() != "identifier":
            return None
        # a factory handed to a wrapper says what the wrapper keeps: `remember("db", () => new PrismaClient())`
        args = call.field("arguments")
        made = [
            self._returns(path, a, depth)
            for a in (args.children() if args is not None else [])
            if a.kind() in ("arrow_function", "function_expression")
        ]
        if True in made:
            return True
        # a project function that builds the client: `export const db = getDb()`
        target = self._function(path, callee, depth)
        built = self._returns(*target, depth) if target is not None else None
        return False if built is None and False in made and None not in made else built

    def _returns(self, path: str, function: SgNode, depth: int) -> bool | None:
        """Whether what a function returns is a client."""
        body = function.field("body")
        if body is None:
            return False
        if body.kind() != "statement_block":
            return self.origin(path, body, depth + 1)
        returns = [unwrap(r) for s in body.find_all(kind="return_statement") for r in s.children() if r.is_named()]
        found = [self.origin(path, r, depth + 1) for r in returns]
        return True if True in found else None if None in found else False

    def _function(self, path: str, ident: SgNode, depth: int) -> tuple[str, SgNode] | None:
        local = self.graph.declared_locally(path, ident, ident.text())
        if local is not None:
            function = local.node if local.kind == "function" else function_in(local.node)
            return (path, function) if function is not None else None
        binding = self.graph.local(path, ident.text())
        if binding is None or binding.node is None:
            return None
        node = binding.node
        function = node if node.kind() in ("function_declaration", *FUNCTIONS) else function_in(node)
        return (binding.path, function) if function is not None else None

    def _name(self, path: str, at: SgNode, name: str, depth: int) -> bool | None:
        local = self.graph.declared_locally(path, at, name)
        if local is None:
            key = (path, name)
            if key not in self._top:
                self._top[key] = None  # cycles: unknown while being answered
                self._top[key] = self._top_level(path, name, depth)
            return self._top[key]
        if local.kind == "function":
            return False
        if local.kind == "value":
            return self.origin(path, local.node, depth + 1)
        return self._parameter(path, local.node, local.pattern, name, depth)

    def _top_level(self, path: str, name: str, depth: int) -> bool | None:
        binding = self.graph.local(path, name)
        if binding is None or binding.node is None:
            return None  # a global, or imported from outside the project
        node = binding.node
        if node.kind() in ("function_declaration", "generator_function_declaration", "class_declaration"):
            return False
        if binding.name == "*":
            return False  # a namespace import is a module, not a client
        return self.origin(binding.path, node, depth + 1)

    def _parameter(self, path: str, function: SgNode, param: SgNode | None, name: str, depth: int) -> bool | None:
        args = function.parent()
        call = args.parent() if args is not None and args.kind() == "arguments" else None
        callee = call.field("function") if call is not None and call.kind() == "call_expression" else None
        prop = callee.field("property") if callee is not None and callee.kind() == "member_expression" else None
        if callee is not None and prop is not None and prop.text() in TRANSACTIONS:
            receiver = callee.field("object")
            return self.origin(path, receiver, depth + 1) if receiver is not None else None
        annotation = param.field("type") if param is not None else None
        if annotation is not None and CLIENT_TYPES.search(annotation.text()):
            return True
        return None

    def _member(self, path: str, node: SgNode, depth: int) -> bool | None:
        obj, prop = node.field("object"), node.field("property")
        if obj is None or prop is None:
            return None
        obj = unwrap(obj)
        if obj.kind() == "identifier":
            local = self.graph.declared_locally(path, obj, obj.text())
            param = local.pattern if local is not None and local.kind == "param" else None
            if local is not None and param is not None and "ctx" in (parameter_property(param, obj.text()), obj.text()):
                return self._context(path, local.node, prop.text(), depth)
            if local is None:
                binding = self.graph.local(path, obj.text())
                if binding is not None and binding.name == "*" and binding.node is not None:
                    found = self.graph.exported(binding.path, prop.text())
                    if found is not None and found.node is not None:
                        return self.origin(found.path, found.node, depth + 1)
        return None

    def _context(self, path: str, callback: SgNode, prop: str, depth: int) -> bool | None:
        """`ctx.db` in a tRPC procedure: what the context builder of the router's tRPC module puts there."""
        args = callback.parent()
        call = args.parent() if args is not None and args.kind() == "arguments" else None
        root = call
        while root is not None and root.kind() in ("call_expression", "member_expression"):
            root = root.field("function") if root.kind() == "call_expression" else root.field("object")
        if root is None or root.kind() != "identifier":
            return None
        binding = self.graph.local(path, root.text())
        module = self.graph.module(binding.path) if binding is not None else None
        if binding is None or module is None:
            return None
        for name in [*module.declared, *module.imports]:
            if "context" not in name.lower():
                continue
            built = self.graph.local(binding.path, name)
            function = function_in(built.node) if built is not None and built.node is not None else None
            if built is None or function is None:
                continue
            value = _returned_property(function, prop)
            if value is not None:
                return self.origin(built.path, value, depth + 1)
        return None


def _returned_property(function: SgNode, prop: str) -> SgNode | None:
    """The value a context builder gives `prop`: `return { db, session }`, `({ db: prisma, ...opts })`."""
    body = function.field("body")
    if body is None:
        return None
    objects = [unwrap(body)] if body.kind() != "statement_block" else []
    for statement in body.find_all(kind="return_statement") if body.kind() == "statement_block" else []:
        objects += [unwrap(c) for c in statement.children() if c.is_named()]
    for obj in (o for o in objects if o.kind() == "object"):
        for part in obj.children():
            if part.kind() == "shorthand_property_identifier" and part.text() == prop:
                return part
            key = part.field("key") if part.kind() == "pair" else None
            if key is not None and key.text().strip("\"'") == prop:
                return part.field("value")
    return None


def _typed_as_client(node: SgNode) -> bool:
    """A value the code itself types as a database client: the annotation of the binding it is the value
    of, or the type of an `as` cast around it."""
    parent = node.parent()
    declared = parent.field("type") if parent is not None and parent.kind() == "variable_declarator" else None
    casts = [node] if node.kind() in ("as_expression", "satisfies_expression") else []
    types = [declared] if declared is not None else []
    types += [c for cast in casts for c in cast.children() if c.is_named() and c.kind() not in ("identifier",)][-1:]
    return any(CLIENT_TYPES.search(t.text()) for t in types)
