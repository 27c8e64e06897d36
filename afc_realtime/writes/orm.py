"""The ORM reader: every write a handler makes, through Drizzle or Prisma, as a `Write` record: the table or
model, the action, and where the written row can be sent from (or why it cannot).

Drizzle: `db.insert(t).values(..)`, `db.update(t).set(..)`, `db.delete(t).where(..)`; the row comes from
`.returning()`, destructured (`const [row] = ...`) or indexed (`rows[0]`), also out of
`db.transaction(async (tx) => ...)`. Prisma: `prisma.post.create/update/upsert/delete(...)` (also
`ctx.db.post...`, `tx.post...`) return the row; the `...Many` calls return a count."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..edits.typescript import TsFile
from .site import CREATED, DELETED, FUNCTIONS, UPDATED, Handler, Write, same

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
RESPONSE_CALLS = ("json", "send", "end", "redirect")
EXITS = ("notFound", "redirect", "permanentRedirect", "unauthorized", "forbidden")


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


def writes(file: TsFile, handler: Handler, origin: Origin = _unknown) -> list[Write]:
    """Every write in a handler's body, each with its row and anchor or the reason there is none."""
    return [_write(file, handler, call) for call in calls_in(handler.body, origin)]


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


def _write(file: TsFile, handler: Handler, call: Call) -> Write:
    base = Write(file.path, file.line(call.node), handler.label, call.orm, call.table, call.action, None)
    function = _enclosing_function(call.node, handler.body)
    transaction = _transaction_of(function) if function is not None else None
    if function is not None and transaction is None:
        return replace(base, reason="written inside a callback; afc wires writes in the handler's own body")
    if not call.returns_row:
        if call.orm == "prisma":
            return replace(base, reason=f"writes several rows at once (`{call.op}`), and no single row to send")
        return replace(
            base,
            reason="writes, but returns no row: add `.returning()` and keep the row "
            "(`const [row] = await ...returning()`)",
        )
    bound = _binding(call)
    if isinstance(bound, str):
        return replace(base, reason=bound)
    statement, var, maybe = bound
    if transaction is not None and function is not None:
        outer = _out_of_transaction(function, transaction, statement, var, maybe)
        if isinstance(outer, str):
            return replace(base, reason=outer)
        statement, var, maybe = outer
    return _anchored(replace(base, row=var, maybe_undefined=maybe), statement, handler.responds)


def _binding(call: Call) -> tuple[SgNode, str, bool] | str:
    """(the statement that keeps the row, the row's expression, whether it may be undefined), or why not."""
    holder, indexed = _unwrap_up(call.top)
    parent = holder.parent()
    keep = "`const [row] = await ...returning()`" if call.orm == "drizzle" else "`const row = await ...`"
    if parent is None or parent.kind() != "variable_declarator" or not same(parent.field("value"), holder):
        if parent is not None and parent.kind() in ("return_statement", "arrow_function"):
            return f"returns the written row without keeping it: keep it first ({keep}) so afc can send it"
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
    maybe = maybe and not _narrowed_between(statement, ret, var)
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


def _narrowed_between(start: SgNode, end: SgNode, row: str) -> bool:
    for sibling in start.next_all():
        if same(sibling, end):
            return False
        if guards(sibling, row):
            return True
    return False


def _anchored(write: Write, statement: SgNode, responds: bool) -> Write:
    """Where the line goes: just before the response that sends the row back, or right after the write
    (past any `if (!row) ...` guard that follows it)."""
    row = write.row or ""
    block = statement.parent()
    if block is None or block.kind() not in ("statement_block", "program"):
        return replace(write, row=None, reason="afc cannot place a line beside this write")
    if responds:
        response = next((s for s in statement.next_all() if _sends_back(s, row)), None)
        if response is None:
            return replace(write, row=None, reason=f"no response sends `{_base_name(row)}` back")
        narrowed = _narrowed_between(statement, response, row)
        return replace(write, anchor=response, maybe_undefined=write.maybe_undefined and not narrowed)
    anchor, narrowed = statement, False
    for sibling in statement.next_all():
        if sibling.kind() == "comment" or not guards(sibling, row):
            break
        anchor, narrowed = sibling, True
    return replace(write, anchor=anchor, after=True, maybe_undefined=write.maybe_undefined and not narrowed)
