"""Calls followed from an entry point into the project's own functions: same file, imported (relative, alias,
workspace package, through barrels and wrappers), methods of an imported service object
(`postService.create(...)`), of an instance of the project's class (`new PostService()`) or its static ones,
namespace imports (`queries.createPost(...)`). Several levels deep, cycles safe. What a call names outside
the project is kept, to say so when an entry point reaches no write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..edits.typescript import language_of
from .graph import Graph
from .scope import unwrap
from .site import function_in, resolve_function

if TYPE_CHECKING:
    from ast_grep_py import SgNode

DEPTH = 5  # levels of calls below the entry point
# Packages whose calls are never the app's own writes: not worth naming when nothing was reached.
FRAMEWORK = ("next", "react", "zod", "@trpc/", "drizzle-orm", "@prisma/", "node:", "@/lib/realtime")


@dataclass(frozen=True)
class Function:
    """A function of the project that an entry point reaches."""

    path: str
    name: str
    node: SgNode

    @property
    def key(self) -> tuple[str, int]:
        return self.path, self.node.range().start.index


@dataclass
class Reach:
    functions: list[Function] = field(default_factory=list)  # in the order first reached
    # what afc could not follow and may be the project's: an import that resolves to no file of the project
    # nor to a package it depends on (`@acme/billing`), a name its project module does not declare as a function
    outside: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)  # `sendEmail` from `resend`: a dependency, not the project


def follow(
    graph: Graph,
    path: str,
    body: SgNode,
    depth: int = DEPTH,
    rendered: bool = False,
    stop: Callable[[str], bool] | None = None,
) -> Reach:
    """Every project function the code in `body` (of the module at `path`) calls, and theirs, to `depth`
    levels. `rendered`: the components it renders count as called (`<TodoList />`, the read side: a Server
    Component renders what reads). `stop`: a module whose functions are neither counted nor followed (the
    read side leaves client components out: they follow their own reads)."""
    reach = Reach()
    seen: set[tuple[str, int]] = set()
    level = [(path, body)]
    for _ in range(depth):
        following: list[tuple[str, SgNode]] = []
        for where, node in level:
            for target in _targets(node, rendered and language_of(where) == "tsx"):  # a .ts file has no JSX
                found = _callee(graph, where, target, reach)
                if found is None or found.key in seen or (stop is not None and stop(found.path)):
                    continue
                seen.add(found.key)
                reach.functions.append(found)
                inner = found.node.field("body")
                if inner is not None:
                    following.append((found.path, inner))
        level = following
        if not level:
            break
    return reach


def _targets(node: SgNode, rendered: bool) -> list[SgNode]:
    """What the code under `node` calls (`f` of `f(x)`), and with `rendered` the components it renders
    (`TodoList` of `<TodoList />`), in the order they stand."""
    found = [fn for call in node.find_all(kind="call_expression") if (fn := call.field("function")) is not None]
    if not rendered:
        return found
    for kind in ("jsx_opening_element", "jsx_self_closing_element"):
        found += [name for element in node.find_all(kind=kind) if (name := element.field("name")) is not None]
    return sorted(found, key=lambda target: target.range().start.index)


def _callee(graph: Graph, path: str, fn: SgNode, outside: Reach) -> Function | None:
    """The project function `fn` (what a call calls, or a component's name) stands for in the module at `path`."""
    fn = unwrap(fn)
    if fn.kind() == "identifier":
        return _named(graph, path, fn.text(), outside)
    if fn.kind() != "member_expression":
        return None
    obj, prop = fn.field("object"), fn.field("property")
    if obj is None or prop is None or unwrap(obj).kind() != "identifier":
        return None
    obj = unwrap(obj)
    binding = graph.local(path, obj.text())
    if binding is None:
        return None
    if binding.node is None:
        _outside(
            graph, outside, f"{obj.text()}.{prop.text()}", binding.specifier, graph.target(path, binding.specifier)
        )
        return None
    if binding.name == "*":
        found = graph.exported(binding.path, prop.text())
        return _as_function(graph, found.path, prop.text(), found.node) if found and found.node else None
    value = unwrap(binding.node)
    if value.kind() == "new_expression":  # `export const postService = new PostService(db)`
        constructor = value.field("constructor")
        made = graph.local(binding.path, constructor.text()) if constructor is not None else None
        value = unwrap(made.node) if made is not None and made.node is not None else value
        return _class_method(made.path, obj.text(), value, prop.text()) if made is not None else None
    if value.kind() in ("class_declaration", "class"):  # `PostService.create(...)`: a static method
        return _class_method(binding.path, obj.text(), value, prop.text())
    if value.kind() != "object":
        return None
    return _method(graph, binding.path, obj.text(), value, prop.text())


def _class_method(path: str, owner: str, cls: SgNode, name: str) -> Function | None:
    """`create` of `class PostService { async create() {...} }`."""
    if cls.kind() not in ("class_declaration", "class"):
        return None
    body = cls.field("body")
    for member in body.children() if body is not None else []:
        key = member.field("name") if member.kind() == "method_definition" else None
        if key is not None and key.text() == name:
            return Function(path, f"{owner}.{name}", member)
    return None


def _named(graph: Graph, path: str, name: str, outside: Reach) -> Function | None:
    """The module-level function `name` stands for in the module at `path`. A function declared inside
    another is not followed: its writes are that function's own (written inside a callback)."""
    binding = graph.local(path, name)
    if binding is None:
        return None
    if binding.node is None:
        _outside(graph, outside, name, binding.specifier, graph.target(path, binding.specifier))
        return None
    return _as_function(graph, binding.path, name if binding.name in ("default", "*") else binding.name, binding.node)


def _as_function(graph: Graph, path: str, name: str, node: SgNode) -> Function | None:
    if node.kind() in ("function_declaration", "generator_function_declaration"):
        return Function(path, name, node)
    module = graph.module(path)
    function = resolve_function(module.file.root, node) if module is not None else function_in(node)
    return Function(path, name, function) if function is not None else None


def _method(graph: Graph, path: str, owner: str, obj: SgNode, name: str) -> Function | None:
    """`create` of `export const postService = { create: async () => ..., update() {...}, remove }`."""
    for part in obj.children():
        kind = part.kind()
        key = part.field("key") if kind == "pair" else part.field("name") if kind == "method_definition" else None
        if kind == "method_definition" and key is not None and key.text() == name:
            return Function(path, f"{owner}.{name}", part)
        if kind == "pair" and key is not None and key.text().strip("\"'") == name:
            value = part.field("value")
            function = function_in(value) if value is not None else None
            if function is not None:
                return Function(path, f"{owner}.{name}", function)
            if value is not None and value.kind() == "identifier":
                return _named(graph, path, value.text(), Reach())
        if kind == "shorthand_property_identifier" and part.text() == name:
            return _named(graph, path, name, Reach())
    return None


def _outside(graph: Graph, reach: Reach, what: str, specifier: str, module: str | None) -> None:
    """Note a call afc cannot follow: into a package the project depends on (not its code), or into what may
    be the project's: an import that resolves to nothing afc knows, or (`module` found) a name its project
    module does not declare as a function afc reads (`export const { signIn } = NextAuth(...)`)."""
    if specifier.startswith(FRAMEWORK):
        return
    made = graph.made_by_package(module, what.split(".")[0]) if module is not None else None
    if module is None and graph.dependency(specifier):
        found, entry = reach.packages, f"`{what}` from `{specifier}`"
    elif made is not None:
        found, entry = reach.packages, f"`{what}` from `{specifier}` (made by `{made}`)"
    else:
        where = f"not a function afc can read in {module}" if module is not None else "outside the project"
        found, entry = reach.outside, f"`{what}` from `{specifier}` ({where})"
    if entry not in found:
        found.append(entry)
