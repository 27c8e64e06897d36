"""The ORM reader: every write a handler makes, through Drizzle or Prisma, as a `Write` record: the table or
model, the action, the change it states (`change.py`) and where its line goes (or why it cannot go anywhere).

Drizzle: `db.insert(t).values(..)`, `db.update(t).set(..)`, `db.delete(t).where(..)`; a row it returns is
kept from `.returning()`, destructured (`const [row] = ...`), indexed (`rows[0]`) or `.then((r) => r[0])`,
also out of `db.transaction(async (tx) => ...)`. Prisma: `prisma.post.create/update/upsert/delete(...)`
(also `ctx.db.post...`, `tx.post...`) return the row; the `...Many` calls change several rows at once. A
write that keeps no row is a change all the same: its line goes right after it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..edits.typescript import TsFile
from . import change
from .anchor import anchored, narrowed_between, statement_of
from .callbacks import Awaited, never
from .site import CREATED, DELETED, FUNCTIONS, UPDATED, Change, Handler, Inside, Write, is_async, same

if TYPE_CHECKING:
    from ast_grep_py import SgNode

DRIZZLE_OPS = {"insert": CREATED, "update": UPDATED, "delete": DELETED}
PRISMA_ROW_OPS = {"create": CREATED, "update": UPDATED, "upsert": UPDATED, "delete": DELETED}
PRISMA_MANY_OPS = {
    "createMany": CREATED,
    "createManyAndReturn": CREATED,
    "updateMany": UPDATED,
    "updateManyAndReturn": UPDATED,
    "deleteMany": DELETED,
}
# Only where `writes.clients` cannot tell where a receiver comes from (an import from outside the project,
# a parameter) does its name decide.
DB_RECEIVER = re.compile(r"(?:^|\.)(\w*db|\w*Db|database|tx|trx|prisma\w*)$", re.IGNORECASE)
Origin = Callable[["SgNode"], "bool | None"]
TRANSACTIONS = ("transaction", "$transaction")


@dataclass(frozen=True)
class Call:
    """A write call: `db.insert(todos)` or `prisma.post.create`, with the whole chain it heads."""

    orm: str
    op: str
    action: str
    table: str | None
    node: SgNode  # the call itself
    top: SgNode  # the outermost call of its chain (`db.insert(t).values(v).returning()`)
    returns_row: bool


def _named(node: SgNode | None) -> list[SgNode]:
    return [c for c in node.children() if c.is_named()] if node is not None else []


def _chain(call: SgNode) -> tuple[list[str], SgNode]:
    """The methods called on a call's result, in order, and the outermost call: `.values(..).returning()`."""
    methods, node = [], call
    while True:
        parent = node.parent()
        grand = parent.parent() if parent is not None else None
        if parent is None or parent.kind() != "member_expression" or not same(parent.field("object"), node):
            break
        if grand is None or grand.kind() != "call_expression" or not same(grand.field("function"), parent):
            break
        prop = parent.field("property")
        methods.append(prop.text() if prop is not None else "")
        node = grand
    return methods, node


def _unknown(node: SgNode) -> bool | None:
    return None


def classify(call: SgNode, origin: Origin = _unknown) -> Call | None:
    """The write a call makes, or None: `hash.update(data)`, `cache.delete(key)` and `stripe.customers.create`
    are not writes to the database. `origin` says whether a receiver is the database client (None: unknown,
    and then its name decides)."""
    fn = call.field("function")
    if fn is None or fn.kind() != "member_expression":
        return None
    prop, receiver = fn.field("property"), fn.field("object")
    if prop is None or receiver is None:
        return None
    op, args = prop.text(), _named(call.field("arguments"))
    if op in DRIZZLE_OPS and len(args) == 1 and args[0].kind() in ("identifier", "member_expression"):
        methods, top = _chain(call)
        needs = {"insert": {"values", "select"}, "update": {"set"}, "delete": set()}[op]
        if needs and not needs & set(methods):
            return None
        known = origin(receiver)
        if known is None and DB_RECEIVER.search(receiver.text()):
            known = True
        if known is False or (op == "delete" and not (known or {"where", "returning"} & set(methods))):
            return None
        named = args[0] if args[0].kind() == "identifier" else args[0].field("property")
        table = named.text() if named is not None else None
        return Call("drizzle", op, DRIZZLE_OPS[op], table, call, top, "returning" in methods)
    if (op in PRISMA_ROW_OPS or op in PRISMA_MANY_OPS) and receiver.kind() == "member_expression":
        model, client = receiver.field("property"), receiver.field("object")
        if model is None or client is None or not model.text()[:1].islower() or model.text().startswith("$"):
            return None
        known = origin(client)
        if not (known or (known is None and DB_RECEIVER.search(client.text()))):
            return None
        _, top = _chain(call)
        action = PRISMA_ROW_OPS.get(op) or PRISMA_MANY_OPS[op]
        return Call("prisma", op, action, model.text(), call, top, op in PRISMA_ROW_OPS)
    return None


_OPS = "|".join(re.escape(op) for op in sorted({*DRIZZLE_OPS, *PRISMA_ROW_OPS, *PRISMA_MANY_OPS}))
_MAYBE_WRITE = re.compile(rf"\.\s*(?:{_OPS})\s*\(")  # most handlers that do not write are skipped on this


def calls_in(node: SgNode, origin: Origin = _unknown) -> list[Call]:
    if not _MAYBE_WRITE.search(node.text()):
        return []
    found = [classify(c, origin) for c in node.find_all(kind="call_expression")]
    return [c for c in found if c is not None]


def writes(file: TsFile, handler: Handler, origin: Origin = _unknown, awaited: Awaited = never) -> list[Write]:
    """Every write in a handler's body, each with its row and anchor or the reason there is none; `awaited`
    tells a callback that what it is given to awaits (`callbacks.py`)."""
    return [_write(file, handler, call, awaited) for call in calls_in(handler.body, origin)]


def _unwrap_up(node: SgNode) -> tuple[SgNode, bool]:
    """Climb from a chain to what holds its value: through `await`, parentheses and `(...)[0]`."""
    indexed = False
    while True:
        parent = node.parent()
        if parent is None:
            return node, indexed
        if parent.kind() in ("await_expression", "parenthesized_expression", "as_expression", "non_null_expression"):
            node = parent
            continue
        index = parent.field("index") if parent.kind() == "subscript_expression" else None
        if index is not None and index.text() == "0" and same(parent.field("object"), node):
            node, indexed = parent, True
            continue
        return node, indexed


def _enclosing_function(node: SgNode, stop: SgNode) -> SgNode | None:
    """The nearest function around `node` that is inside the handler's body (`stop`), if any."""
    if same(node, stop):  # the body of `({ ctx }) => ctx.db.post.delete(...)` is the write itself
        return None
    for ancestor in node.ancestors():
        if same(ancestor, stop):
            return None
        if ancestor.kind() in FUNCTIONS:
            return ancestor
    return None


def _transaction_of(function: SgNode) -> SgNode | None:
    """The `db.transaction(...)` call a callback is given to."""
    args = function.parent()
    call = args.parent() if args is not None and args.kind() == "arguments" else None
    fn = call.field("function") if call is not None and call.kind() == "call_expression" else None
    prop = fn.field("property") if fn is not None and fn.kind() == "member_expression" else None
    return call if prop is not None and prop.text() in TRANSACTIONS else None


def _write(file: TsFile, handler: Handler, call: Call, awaited: Awaited = never) -> Write:
    base = Write(file.path, file.line(call.node), handler.label, call.orm, call.table, call.action, None)
    function = _enclosing_function(call.node, handler.body)
    transaction = _transaction_of(function) if function is not None else None
    around = _transaction_around(call.node, handler.body) if transaction is None else None
    if around is not None:  # in a callback in a transaction, or listed in `$transaction([...])`
        stated = change.stated(call.node, call.orm, call.op, call.table, call.node)
        return _after_transaction(base, stated, _functions_between(call.node, around), around, call.top)
    # a write in a callback (`items.map(...)`, `after(...)`) is sent from the callback, right after it runs
    responds = handler.responds and function is None
    stated = change.stated(call.node, call.orm, call.op, call.table, call.node)
    inside = _inside(call.top, function, transaction, stated) if transaction and function else None
    if transaction is not None and stated.matching is not None and not _first_write(call.top, transaction):
        stated = replace(stated, matching=None, unmatched=IN_TRANSACTION)
    kept_as = _kept_unrun(call.top)
    if kept_as is not None:  # `const p = <write>`: a promise (a builder) that runs only when awaited later
        wrapped = _wrapped(base, call, stated, None, awaited)
        return wrapped or replace(base, reason=_KEPT.format(name=kept_as))
    bound = _binding(call) if call.returns_row else None
    if isinstance(bound, tuple):
        statement, var, maybe = bound
        if transaction is not None and function is not None:
            outer = _out_of_transaction(function, transaction, statement, var, maybe)
            if isinstance(outer, str):  # the row stays inside: the change the write states, after it
                sent = _after_transaction(base, stated, [function], transaction, call.top)
                return replace(sent, inside=inside)
            statement, var, maybe = outer
        kept = _kept(call, stated, var)
        write = replace(base, row=var, maybe_undefined=maybe, change=kept)
        return anchored(write, statement, responds and kept.complete)
    if transaction is not None and function is not None:
        return replace(_after_transaction(base, stated, [function], transaction, call.top), inside=inside)
    own = statement_of(call.top)
    if own is None or own.kind() == "return_statement" or own.kind() in FUNCTIONS:
        wrapped = _wrapped(base, call, stated, handler.body if handler.entry else None, awaited)
        if wrapped is not None:
            return wrapped
        if own is None and _wrap_target(call.top, lazy=False) is None:
            return replace(base, reason=UNDER_CONDITION)
        return replace(base, reason=_RETURNED)  # a branch returned from a plain function too
    return anchored(replace(base, change=stated), own, False)


IN_TRANSACTION = (
    "it runs in a transaction, after other statements of it (which may change the rows its filter matches) or "
    "with names declared inside it"
)


def _first_write(top: SgNode, transaction: SgNode) -> bool:
    """The write runs first whenever the transaction runs: the first statement of its callback's body (not in
    a condition, a loop or another callback), or the first item of `$transaction([...])`."""
    args = _named(transaction.field("arguments"))
    first = args[0] if args else None
    if first is None:
        return False
    if first.kind() == "array":
        items = _named(first)
        return bool(items) and same(items[0], top)
    body = first.field("body") if first.kind() in FUNCTIONS else None
    statements = [c for c in body.children() if c.is_named() and c.kind() != "comment"] if body is not None else []
    own = statement_of(top)
    return bool(statements) and own is not None and same(own, statements[0]) and same(own.parent(), body)


def _inside(top: SgNode, function: SgNode, transaction: SgNode, stated: Change) -> Inside | None:
    """Where a write in a transaction's own callback can have its owners read inside the transaction: its
    statement, when it is one of a block of that `async` callback (a loop's or a condition's too, never a
    nested callback's), and the callback's client parameter (`async (tx) => ...`)."""
    own = statement_of(top)
    parameters = _named(function.field("parameters"))
    client = parameters[0] if parameters else function.field("parameter")
    if client is not None and client.kind() == "required_parameter":
        client = client.field("pattern")
    if own is None or own.kind() not in ("expression_statement", "lexical_declaration") or client is None:
        return None
    if client.kind() != "identifier" or not is_async(function) or not same(_function_around(own), function):
        return None
    return Inside(own, client.text(), stated)


UNDER_CONDITION = "afc cannot place a line beside this write (it runs under a condition)"
WRITTEN = "written"  # the wrapped write's result, in `broadcastAfter(<write>, (written) => ...)`


def _transaction_around(node: SgNode, stop: SgNode) -> SgNode | None:
    """The transaction a write runs in when it is not written in the transaction's own callback body: in a
    callback inside that callback, or listed in `prisma.$transaction([...])` (also through `.map`)."""
    for ancestor in node.ancestors():
        if same(ancestor, stop):
            return None
        if ancestor.kind() == "call_expression" and _callee(ancestor).endswith((".transaction", ".$transaction")):
            return ancestor
    return None


def _functions_between(node: SgNode, transaction: SgNode) -> list[SgNode]:
    found = []
    for ancestor in node.ancestors():
        if same(ancestor, transaction):
            break
        if ancestor.kind() in FUNCTIONS:
            found.append(ancestor)
    return found


PROMISE_ALL = ("Promise.all", "Promise.allSettled")
_BRANCHES = ("&&", "||", "??")


def _wrap_target(
    top: SgNode, lazy: bool = True, entry: SgNode | None = None, awaited: Awaited = never
) -> SgNode | None:
    """What afc wraps to send a write's change once it ran, or None: the write itself where it runs anyway
    (awaited, in a `Promise.all([...])`, returned from an async function or from a `.map` callback whose
    promises `Promise.all` awaits; also a branch of `?:`, `&&`), or the `prisma.$transaction([...])` it is
    listed in. A query builder runs only once awaited and `$transaction([...])` needs Prisma's own promises
    (`lazy`): a write returned from a plain function may be kept, chained or batched by its caller, and is
    not wrapped, unless that function is the entry point (`entry`: its body), whose result the framework
    awaits (a tRPC resolver `({ ctx }) => ctx.db.post.delete(...)`), or a callback that what it is given to
    awaits (`awaited`: `withRetry(() => prisma.post.update(...))`)."""
    node, target, listed = top, top, False
    while True:
        parent = node.parent()
        if parent is None:
            return None
        kind = parent.kind()
        if kind in ("parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression") or (
            _branch(parent, node)
        ):
            node = parent
        elif kind in ("array", "spread_element"):
            node, listed = parent, True
        elif kind == "arguments" and _already_wrapped(parent, node):
            node = parent.parent() or parent  # `broadcastAfter(<write>, ...)`: wrapped again, inside
        elif kind == "arguments":
            call = parent.parent()
            if call is None or not listed:
                return None
            if _callee(call) in PROMISE_ALL:
                return target
            if _callee(call).endswith("$transaction") and same(target, top):  # the batch, sent once it commits
                node, target, listed, lazy = call, call, False, False
            else:
                return None
        elif listed:
            return None
        elif kind == "await_expression":
            return target
        elif kind == "variable_declarator" and same(parent.field("value"), node):
            return target if _awaited_next(parent) else None
        elif kind == "return_statement" or (kind == "arrow_function" and same(parent.field("body"), node)):
            function = parent if kind == "arrow_function" else _function_around(parent)
            runs = function is not None and (
                is_async(function)
                or _into_promise_all(function)
                or same(function.field("body"), entry)
                or awaited(function)
            )
            return target if runs or not lazy else None
        else:
            return None


_KEPT = (
    "kept in `{name}` before it runs (a query runs once awaited), and a statement between may skip it, so afc "
    "does not run it itself (awaited where it is kept, or by the very next statement, it is wired)"
)


def _kept_unrun(top: SgNode) -> str | None:
    """The name a write's unawaited promise is kept in (`const p = <write>`, `const p = ok ? <write> : x`)."""
    node = top
    while True:
        parent = node.parent()
        if parent is None:
            return None
        if parent.kind() in ("parenthesized_expression", "as_expression", "satisfies_expression") or _branch(
            parent, node
        ):
            node = parent
            continue
        if parent.kind() != "variable_declarator" or not same(parent.field("value"), node):
            return None
        name = parent.field("name")
        return name.text() if name is not None and name.kind() == "identifier" else None


def _awaited_next(declarator: SgNode) -> bool:
    """`const p = <write>;` followed at once by `await p;` or `await Promise.all([p, ...])`: kept a moment,
    run by the very next statement, so running it where it is kept changes nothing but the send."""
    name, declaration = declarator.field("name"), declarator.parent()
    if name is None or declaration is None or not declaration.text().startswith("const"):
        return False
    after = next((s for s in declaration.next_all() if s.is_named() and s.kind() != "comment"), None)
    awaited = _named(after)[0] if after is not None and after.kind() == "expression_statement" else None
    if awaited is None or awaited.kind() != "await_expression" or not _named(awaited):
        return False
    value = _named(awaited)[0]
    if value.text() == name.text():
        return True
    args = _named(value.field("arguments")) if value.kind() == "call_expression" else []
    listed = _named(args[0]) if len(args) == 1 and args[0].kind() == "array" else []
    return _callee(value) in PROMISE_ALL and any(item.text() == name.text() for item in listed)


def _already_wrapped(arguments: SgNode, node: SgNode) -> bool:
    """`node` is the write of a `broadcastAfter(<write>, ...)` afc (or `afc add event`) put there."""
    call = arguments.parent()
    first = next((c for c in arguments.children() if c.is_named()), None)
    return call is not None and _callee(call) == "broadcastAfter" and same(first, node)


def _branch(parent: SgNode, node: SgNode) -> bool:
    """`node` runs only on one branch of `parent`: a side of `c ? a : b`, the right of `c && a`."""
    if parent.kind() == "ternary_expression":
        return not same(parent.field("condition"), node)
    return parent.kind() == "binary_expression" and same(parent.field("right"), node) and _operator(parent) in _BRANCHES


def _callee(call: SgNode) -> str:
    fn = call.field("function")
    return fn.text() if fn is not None else ""


def _operator(binary: SgNode) -> str:
    op = binary.field("operator")
    return op.text() if op is not None else ""


def _function_around(node: SgNode) -> SgNode | None:
    return next((a for a in node.ancestors() if a.kind() in (*FUNCTIONS, "method_definition")), None)


def _into_promise_all(function: SgNode) -> bool:
    """`Promise.all(items.map((i) => <write>))`: the callback's results are awaited together."""
    args = function.parent()
    call = args.parent() if args is not None and args.kind() == "arguments" else None
    if call is None or not _callee(call).endswith(".map"):
        return False
    holder = call.parent()
    while holder is not None and holder.kind() in ("parenthesized_expression", "as_expression"):
        holder = holder.parent()
    outer = holder.parent() if holder is not None and holder.kind() == "arguments" else None
    return outer is not None and _callee(outer) in PROMISE_ALL


def _wrapped(base: Write, call: Call, stated: Change, entry: SgNode | None, awaited: Awaited = never) -> Write | None:
    """The write wrapped where no line of its own can go: `broadcastAfter(<write>, (written) => { ... })` runs
    it, then sends the change, and gives its result back unchanged."""
    target = _wrap_target(call.top, entry=entry, awaited=awaited)
    if target is None or WRITTEN in change.names_used(stated):
        return None
    if not call.returns_row or not same(target, call.top):  # no row, or the transaction it is listed in
        return replace(base, change=stated, anchor=target, wrapped=True)
    first = call.orm == "drizzle" and not _then_first(call.top)
    row = f"{WRITTEN}[0]" if first else WRITTEN
    kept = _kept(call, stated, row)
    maybe = call.orm == "drizzle"
    return replace(base, row=row, change=kept, anchor=call.top, wrapped=True, maybe_undefined=maybe)


def _after_transaction(base: Write, stated: Change, inside: list[SgNode], transaction: SgNode, top: SgNode) -> Write:
    """A write inside a transaction (`db.transaction(async (tx) => {...})`, `prisma.$transaction([...])`, or a
    callback in one) keeping no row afc can send: its change goes out right after the transaction, once it
    committed, never from inside it. What it states with names declared inside (`inside`: the functions
    between the write and the transaction) is out of reach there: left out of the change, and said."""
    declared = set().union(*(change.names_declared(f) for f in inside)) if inside else set()
    kept = _without(stated, declared)
    # its own filter is looked up before the transaction only where nothing in it runs before the write (the
    # rows it matches are those before the transaction) and the filter names nothing declared inside
    filtered = change.names_used(Change(where=(("", kept.matching or ""),))) & declared
    if kept.matching is not None and (not _first_write(top, transaction) or filtered):
        kept = replace(kept, matching=None, unmatched=IN_TRANSACTION)  # else its own reason stays: no filter
    own = statement_of(transaction)
    if own is None or own.kind() == "return_statement" or own.kind() in FUNCTIONS:
        _, top = _chain(transaction)
        # `return db.transaction(...)`: the transaction wrapped, its change sent once it commits
        if _wrap_target(top, lazy=False) is not None:
            return replace(base, change=kept, anchor=top, wrapped=True)
        return replace(base, reason="afc cannot place a line after the transaction this write is in")
    return anchored(replace(base, change=kept), own, False)


def _without(stated: Change, declared: set[str]) -> Change:
    """The change less every value that uses a name declared inside the transaction (not in scope after it)."""
    inner = change.names_used(stated) & declared
    if not inner:
        return stated

    def inside(column: str, value: str) -> list[str]:
        return sorted(change.names_used(Change(fields=((column, value),))) & declared)

    def outside(values: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((c, v) for c, v in values if not inside(c, v))

    dropped = {c: inside(c, v) for c, v in (*stated.fields, *stated.where) if inside(c, v)}
    left = tuple(
        f"`{c}` (from {', '.join(f'`{n}`' for n in names)}, declared inside the transaction)"
        for c, names in dropped.items()
    )
    spreads = tuple(x for x in stated.spreads if x not in declared)
    return replace(
        stated,
        fields=outside(stated.fields),
        where=outside(stated.where),
        spreads=spreads,
        left_out=stated.left_out + left,
    )


_RETURNED = (
    "returned at once from a function that is not async: its caller may batch (`$transaction([...])`), chain or "
    "keep the query, so afc does not run it itself (in an async function it is wired)"
)


def _kept(call: Call, stated: Change, var: str) -> Change:
    """The stated change plus the row the write returns: whole, or the fields its `select`/`.returning({..})`
    keeps (never a field they drop)."""
    if call.orm == "prisma":
        fields, scalars = change.prisma_kept(call.node)
        return replace(stated, kept=var, kept_fields=fields, kept_scalars=scalars)
    return replace(stated, kept=var, kept_fields=change.drizzle_kept(call.node))


def _binding(call: Call) -> tuple[SgNode, str, bool] | str:
    """(the statement that keeps the row, the row's expression, whether it may be undefined), or why not."""
    holder, indexed = _unwrap_up(call.top)
    indexed = indexed or _then_first(call.top)
    parent = holder.parent()
    keep = "`const [row] = await ...returning()`" if call.orm == "drizzle" else "`const row = await ...`"
    if parent is None or parent.kind() != "variable_declarator" or not same(parent.field("value"), holder):
        if parent is not None and parent.kind() in ("return_statement", "arrow_function"):
            return f"returns the written row without keeping it: keep it first ({keep}) so afc can send a change"
        return f"writes, but the row it returns is not kept: {keep}"
    pattern, statement = parent.field("name"), parent.parent()
    if pattern is None or statement is None:
        return f"writes, but the row it returns is not kept: {keep}"
    if call.orm == "prisma" or indexed:
        if pattern.kind() == "identifier":
            return statement, pattern.text(), indexed
        return "written row is not available: keep it in one variable (`const row = await ...`)"
    if pattern.kind() == "array_pattern":
        first = next((c for c in pattern.children() if c.is_named()), None)
        if first is not None and first.kind() == "identifier":
            return statement, first.text(), True
    if pattern.kind() == "identifier" and _uses_first(statement, pattern.text()):
        return statement, f"{pattern.text()}[0]", True
    return "written row is not available: destructure it, as in `const [row] = ...returning()`"


def _then_first(top: SgNode) -> bool:
    """`...returning().then((rows) => rows[0])`: the chain ends in taking the first row."""
    fn = top.field("function")
    prop = fn.field("property") if fn is not None and fn.kind() == "member_expression" else None
    arguments = top.field("arguments")
    args = [c for c in arguments.children() if c.is_named()] if arguments is not None else []
    if prop is None or prop.text() != "then" or len(args) != 1 or args[0].kind() != "arrow_function":
        return False
    params, body = args[0].field("parameters") or args[0].field("parameter"), args[0].field("body")
    name = params.text().strip("()").strip() if params is not None else ""
    return body is not None and body.text().replace(" ", "") == f"{name}[0]"


def _uses_first(statement: SgNode, name: str) -> bool:
    """Whether later code reads `name[0]`."""
    for sibling in statement.next_all():
        for sub in sibling.find_all(kind="subscript_expression"):
            obj, index = sub.field("object"), sub.field("index")
            if obj is not None and index is not None and obj.text() == name and index.text() == "0":
                return True
    return False


def _out_of_transaction(
    function: SgNode, transaction: SgNode, statement: SgNode, var: str, maybe: bool
) -> tuple[SgNode, str, bool] | str:
    """A row written in `db.transaction(async (tx) => { ...; return row; })` leaves it as the transaction's
    result: `const row = await db.transaction(...)`. Sent only after the transaction, never inside it."""
    reason = (
        "written inside a transaction, and its row does not leave it: `return` it from the callback and keep "
        "the result (`const row = await db.transaction(...)`)"
    )
    ret = next(
        (s for s in statement.next_all() if s.kind() == "return_statement" and _returned(s) == var),
        None,
    )
    if ret is None:
        return reason
    maybe = maybe and not narrowed_between(statement, ret, var)
    holder, _ = _unwrap_up(transaction)
    parent = holder.parent()
    if parent is None or parent.kind() != "variable_declarator":
        return reason
    pattern, outer = parent.field("name"), parent.parent()
    if pattern is None or outer is None or pattern.kind() != "identifier":
        return reason
    return outer, pattern.text(), maybe


def _returned(statement: SgNode) -> str:
    value = next((c for c in statement.children() if c.is_named()), None)
    return value.text() if value is not None else ""
