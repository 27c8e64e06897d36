"""The records: a `Handler` (a function a recogniser found where the app may write), a `Write` (one write
in it, with where its broadcast can go) and the `Change` it states (read by `change.py`). Plus the few
syntax helpers the recognisers share: the function inside a wrapper call, and what a local name is bound to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ast_grep_py import SgNode

CREATED, UPDATED, DELETED = "created", "updated", "deleted"
FUNCTIONS = ("arrow_function", "function_expression", "function_declaration", "generator_function")


@dataclass(frozen=True)
class Handler:
    """A function where the app may write: an App Router handler, a Server Action, a tRPC mutation, a Pages
    Router API handler."""

    path: str
    label: str  # how the plan names it: `POST`, `action createTodo`, `mutation post.create`, `API handler`
    body: SgNode  # the function's body: a statement block, or the expression of an arrow function
    line: int
    responds: bool  # True: the row goes out just before the response that sends it back; False: right after the write
    entry: bool = True  # an entry point, whose result the framework awaits; False: a function of the project it calls


@dataclass(frozen=True)
class Entry:
    """An entry point a write is reached from: its file and its handler's label."""

    path: str
    handler: str

    def __str__(self) -> str:
        return f"{self.handler} ({self.path})"


@dataclass(frozen=True)
class Change:
    """What one write states about the row it changed, as expressions valid right after the write."""

    fields: tuple[tuple[str, str], ...] = ()  # (column, expression): inserted or set values
    where: tuple[tuple[str, str], ...] = ()  # (column, expression): the equalities of the `where`
    spreads: tuple[str, ...] = ()  # `...input`: an object spread into the values, fields unknown
    kept: str | None = None  # the expression holding the row the write returns, where it is kept
    kept_fields: tuple[str, ...] | None = None  # what that row has (`select`, `.returning({..})`); None: all
    kept_scalars: bool = False  # Prisma `include`: the row plus related rows, so only its own columns are sent
    many: bool = False  # several rows (`createMany`, `.values([..])`), or rows afc cannot name: no row
    left_out: tuple[str, ...] = ()  # what the write states but afc does not send, and why
    # left out after a spread that names them too: sent as `undefined`, never with the value the write replaced
    masked: tuple[str, ...] = ()
    # several rows inserted at once: the (column, expression) each of them states, where afc can read them (a
    # `.map((x) => ({ ..., userId }))` states, as one row, what does not depend on its parameter)
    rows: tuple[tuple[tuple[str, str], ...], ...] = ()
    # the write's own filter (its `where`), where afc can evaluate it again before the write: the text of a
    # Prisma object or a Drizzle condition; else None and `unmatched` says why
    matching: str | None = None
    unmatched: str = ""

    def value(self, column: str) -> str | None:
        """The expression of a column's value after the write: the kept row's, else the stated one."""
        if self.kept is not None and (
            (self.kept_fields is None and not self.kept_scalars) or column in (self.kept_fields or ())
        ):
            return f"{self.kept}.{column}"
        stated = dict(self.where) | dict(self.fields)
        return stated.get(column)

    @property
    def complete(self) -> bool:
        """The kept row is the whole stored row (a `.returning()` or a Prisma result without `select`)."""
        return self.kept is not None and self.kept_fields is None and not self.kept_scalars and not self.many


@dataclass(frozen=True)
class Inside:
    """A write in the body of a transaction's callback (`db.transaction(async (tx) => { ... })`), whose change
    is sent after the transaction: its own statement there, the transaction's client (`tx`), and the change as
    the write states it, names declared inside the transaction included (an owner lookup placed right before
    the write, through `tx`, can read them and the rows the transaction changed first)."""

    statement: SgNode
    client: str
    change: Change


@dataclass(frozen=True)
class Write:
    """One write to the database, as data: the recipe decides its event and audience from this alone."""

    path: str
    line: int  # of the write itself
    handler: str  # the handler's label
    orm: str  # "drizzle" or "prisma"
    table: str | None  # as the code names it: `todos`, `schema.todos` -> `todos`, `post` (Prisma's client)
    action: str  # created / updated / deleted
    row: str | None  # the expression holding the row the write returns, where it is kept; else None
    reason: str = ""  # why the write cannot be wired (when `change` or `anchor` is None)
    anchor: SgNode | None = None  # the statement the broadcast goes before (or after, when `after`)
    after: bool = False
    # the anchor is the write's own expression, wrapped: `broadcastAfter(<write>, (written) => { ... })`, where no
    # line of its own can go (a callback's expression body, `return <write>`, a condition, a ternary)
    wrapped: bool = False
    maybe_undefined: bool = False  # the row's type still includes `undefined` at the anchor
    entries: tuple[Entry, ...] = ()  # the entry points that reach it (itself, for a write in its own body)
    change: Change | None = None  # what the write states changed (`change.py`)
    inside: Inside | None = None  # a write in a transaction's callback: where its owners can be read in it

    @property
    def wirable(self) -> bool:
        return self.change is not None and self.anchor is not None


def same(a: SgNode | None, b: SgNode | None) -> bool:
    """The same node of the same tree (ast-grep compares nodes by identity in the tree)."""
    return a is not None and b is not None and a == b


def function_in(value: SgNode | None, depth: int = 0) -> SgNode | None:
    """The function a value is, or the one a wrapper call is given, innermost first:
    `withAuth(async (req) => ...)`, `validatedAction(schema, async (data) => ...)`, `a(b(async () => ...))`."""
    if value is None or depth > 4:
        return None
    while value.kind() in ("parenthesized_expression", "as_expression", "satisfies_expression", "await_expression"):
        inner = next((c for c in value.children() if c.is_named()), None)
        if inner is None:
            return None
        value = inner
    if value.kind() in FUNCTIONS:
        return value
    if value.kind() == "call_expression":
        args = value.field("arguments")
        for arg in reversed([c for c in args.children() if c.is_named()] if args is not None else []):
            found = function_in(arg, depth + 1)
            if found is not None:
                return found
    return None


def local_binding(root: SgNode, name: str) -> SgNode | None:
    """What a top-level name is bound to: its function declaration, or the value of its `const`."""
    for statement in root.children():
        node = statement.field("declaration") if statement.kind() == "export_statement" else statement
        if node is None:
            continue
        if node.kind() in ("function_declaration", "generator_function_declaration"):
            ident = node.field("name")
            if ident is not None and ident.text() == name:
                return node
        elif node.kind() in ("lexical_declaration", "variable_declaration"):
            for declarator in node.children():
                ident = declarator.field("name") if declarator.kind() == "variable_declarator" else None
                if ident is not None and ident.kind() == "identifier" and ident.text() == name:
                    return declarator.field("value")
    return None


def resolve_function(root: SgNode, value: SgNode | None) -> SgNode | None:
    """The function behind an exported value: itself, through wrappers, or through a local name
    (`export default handler`, `withAuth(handler)`)."""
    found = function_in(value)
    if found is not None or value is None:
        return found
    target = value
    if value.kind() == "call_expression":
        args = value.field("arguments")
        named = [c for c in args.children() if c.is_named()] if args is not None else []
        target = next((a for a in reversed(named) if a.kind() == "identifier"), value)
    if target.kind() == "identifier":
        bound = local_binding(root, target.text())
        return function_in(bound) if bound is not None and bound is not value else None
    return None


def body_of(function: SgNode) -> SgNode | None:
    return function.field("body")


def is_async(function: SgNode) -> bool:
    return any(c.text() == "async" for c in function.children() if not c.is_named())


def export_clauses(root: SgNode) -> list[tuple[str, str, SgNode]]:
    """(exported name, local name, the export statement) of `export { handler as POST }` without a source."""
    found = []
    for statement in root.children():
        if statement.kind() != "export_statement" or statement.field("source") is not None:
            continue
        for clause in statement.children():
            if clause.kind() != "export_clause":
                continue
            for spec in clause.children():
                if spec.kind() != "export_specifier":
                    continue
                local, alias = spec.field("name"), spec.field("alias")
                if local is not None:
                    found.append(((alias or local).text(), local.text(), statement))
    return found
