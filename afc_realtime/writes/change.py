"""The change a write states, read from the write itself: the values it inserts or sets, the equalities of its
`where`, and the fields of the row it returns where that row is kept. No rewrite of the user's code is asked
for: `await db.insert(posts).values({ title, userId: session.user.id })` already says what changed.

Only values that are safe to evaluate again after the write are taken (`stable`): names, member chains
(`session.user.id`, `input.title`), literals, and pure conversions of those (`Number(id)`). A call or a `new`
(`crypto.randomUUID()`, `new Date()`) would give another value the second time: it is left out, and the plan
says so. The payload built from this is in `payload.py`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .site import FUNCTIONS, Change, same

if TYPE_CHECKING:
    from ast_grep_py import SgNode

LITERALS = ("string", "number", "true", "false", "null", "undefined")
WRAPPERS = ("parenthesized_expression", "as_expression", "non_null_expression", "satisfies_expression")
CONVERSIONS = ("Number", "String", "BigInt", "Boolean")  # pure: the same argument gives the same value
DRIZZLE_EQUAL = ("eq",)
DRIZZLE_ALL = ("and",)
# Drizzle's filter operators: a condition made of these over columns and stable values builds the same SQL
# when evaluated again (`filter_of`)
DRIZZLE_FILTERS = (
    *DRIZZLE_EQUAL,
    *DRIZZLE_ALL,
    *("ne", "or", "not", "gt", "gte", "lt", "lte", "inArray", "notInArray", "isNull", "isNotNull"),
    *("like", "ilike", "notLike", "notIlike", "between", "notBetween"),
    *("arrayContains", "arrayContained", "arrayOverlaps"),
)


def _named(node: SgNode | None) -> list[SgNode]:
    return [c for c in node.children() if c.is_named() and c.kind() != "comment"] if node is not None else []


def unwrap(node: SgNode) -> SgNode:
    while node.kind() in WRAPPERS:
        inner = _named(node)
        if not inner:
            return node
        node = inner[0]
    return node


def stable(node: SgNode | None) -> bool:
    """Whether evaluating `node` again right after the write gives the same value: no call (but a pure
    conversion), no `new`, no `await`, no assignment."""
    if node is None:
        return False
    kind = node.kind()
    if kind in ("identifier", "this", "shorthand_property_identifier", *LITERALS):
        return True
    if kind in WRAPPERS:  # `(x)`, `x as T`: the expression is the first named child
        return stable(_named(node)[0])
    if kind == "template_string":
        parts = [s for s in _named(node) if s.kind() == "template_substitution"]
        return all(stable(_named(s)[0]) for s in parts)
    if kind == "member_expression":
        return stable(node.field("object"))
    if kind == "subscript_expression":
        index = node.field("index")
        return stable(node.field("object")) and index is not None and index.kind() in ("string", "number")
    if kind == "unary_expression":  # `-1`
        return node.text().startswith("-") and all(c.kind() == "number" for c in _named(node))
    fn, args = node.field("function"), _named(node.field("arguments"))  # only a call has a function
    return fn is not None and fn.text() in CONVERSIONS and len(args) == 1 and stable(args[0])


def _key_name(key: SgNode | None) -> str | None:
    if key is None:
        return None
    if key.kind() in ("property_identifier", "identifier"):
        return key.text()
    if key.kind() == "string":
        return key.text()[1:-1]
    return None


@dataclass(frozen=True)
class Read:
    """The fields of one object the write states."""

    fields: tuple[tuple[str, str], ...] = ()
    spreads: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    readable: bool = True  # False: afc cannot list what it holds
    masked: tuple[str, ...] = ()  # left out, and a spread before it names it too (with the value it replaced)
    many: bool = False  # an array of rows


def read_object(node: SgNode | None, scope: SgNode | None) -> Read:
    """`{ title, userId: session.user.id, ...input, id: crypto.randomUUID() }`: the stable fields, the
    spread names, and what was left out. An identifier is read through its declaration in `scope`."""
    if node is None:
        return Read(readable=False)
    node = unwrap(node)
    if node.kind() == "identifier":
        return _read_name(node.text(), scope)
    if node.kind() == "array":
        return Read(readable=False, many=True)
    if node.kind() != "object":
        return Read(left_out=(f"the values (`{_short(node.text())}`: afc cannot read them)",), readable=False)
    fields: list[tuple[str, str]] = []
    spreads: list[str] = []
    left: list[str] = []
    masked: list[str] = []
    for member in _named(node):
        kind = member.kind()
        if kind == "shorthand_property_identifier":
            fields.append((member.text(), member.text()))
        elif kind == "pair":
            name, value = _key_name(member.field("key")), member.field("value")
            if name is None or value is None:
                continue
            inner = unwrap(value)
            if stable(value) and inner.kind() not in ("object", "array"):
                fields.append((name, value.text()))
                continue
            if inner.kind() in ("object", "array"):
                left.append(f"`{name}` (a nested write)")
            else:
                left.append(f"`{name}` (`{_short(value.text())}`: evaluated again it could give another value)")
            # what a spread before it gave this field is not what was written (`{ ...input, images: toJson(x) }`)
            fields = [f for f in fields if f[0] != name]
            if spreads:
                masked.append(name)
        elif kind == "spread_element":
            spread = _named(member)
            declared = _read_name(spread[0].text(), scope) if spread and spread[0].kind() == "identifier" else None
            if declared is not None and declared.readable:
                fields += declared.fields  # `...body` of `body: { title: string }`: `title: body.title`
            elif spread and spread[0].kind() == "identifier":
                spreads.append(spread[0].text())
            else:
                left.append(f"`{_short(member.text())}`")
    return Read(tuple(fields), tuple(spreads), tuple(left), masked=tuple(masked))


def _short(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= 40 else one[:37] + "..."


def _read_name(name: str, scope: SgNode | None) -> Read:
    """The fields of a named object: an object literal it is bound to (`const values = {...}`; read as
    `values.title`), or the object type it is declared with (`body = (...) as { title: string }`)."""
    declared = _declaration(name, scope)
    if declared is None:
        return Read(left_out=(f"the fields of `{name}` (afc cannot see what it holds)",), readable=False)
    value, annotation = declared
    names: list[str] = []
    if annotation is not None and annotation.kind() == "object_type":
        names = [n for n in (_key_name(p.field("name")) for p in _named(annotation)) if n]
    elif value is not None and unwrap(value).kind() == "object":
        names = [n for n in (_member_name(m) for m in _named(unwrap(value))) if n]
    elif _is_array(value, annotation):
        return Read(readable=False, many=True)
    if not names:
        return Read(left_out=(f"the fields of `{name}` (afc cannot see what it holds)",), readable=False)
    return Read(tuple((n, f"{name}.{n}") for n in names))


def _is_array(value: SgNode | None, annotation: SgNode | None) -> bool:
    if value is not None and unwrap(value).kind() == "array":
        return True
    return annotation is not None and (annotation.kind() == "array_type" or annotation.text().startswith("Array<"))


def _member_name(member: SgNode) -> str | None:
    if member.kind() == "shorthand_property_identifier":
        return member.text()
    return _key_name(member.field("key")) if member.kind() == "pair" else None


def _declaration(name: str, scope: SgNode | None) -> tuple[SgNode | None, SgNode | None] | None:
    """(value, object type) of the `const`/parameter that declares `name` in the enclosing functions."""
    node = scope
    while node is not None:
        if node.kind() in (*FUNCTIONS, "method_definition"):
            for param in _named(node.field("parameters")):
                pattern = param.field("pattern")
                if pattern is not None and pattern.kind() == "identifier" and pattern.text() == name:
                    return None, _type_of(param.field("type"))
            body = node.field("body")
            for declarator in body.find_all(kind="variable_declarator") if body is not None else []:
                ident = declarator.field("name")
                if ident is None or ident.kind() != "identifier" or ident.text() != name:
                    continue
                value = declarator.field("value")
                annotation = _type_of(declarator.field("type"))
                if (
                    annotation is None
                    and value is not None
                    and value.kind() in ("as_expression", "satisfies_expression")
                ):
                    named = _named(value)
                    annotation = named[-1] if len(named) > 1 else None
                return value, annotation
        node = node.parent()
    return None


def _type_of(annotation: SgNode | None) -> SgNode | None:
    if annotation is None:
        return None
    named = _named(annotation) if annotation.kind() == "type_annotation" else [annotation]
    return named[0] if named else None


def drizzle_where(condition: SgNode | None, table: str | None) -> tuple[tuple[str, str], ...]:
    """`eq(t.id, id)`, also inside `and(...)`: (column, value) for each equality on the written table with a
    stable value. Anything else (`or`, `inArray`, `sql`...) states no single value and adds nothing."""
    if condition is None:
        return ()
    node = unwrap(condition)
    fn, args = node.field("function"), _named(node.field("arguments"))  # only a call has a function
    name = fn.text() if fn is not None else ""
    if name in DRIZZLE_ALL:
        return tuple(pair for arg in args for pair in drizzle_where(arg, table))
    if name not in DRIZZLE_EQUAL or len(args) != 2:
        return ()
    column, value = unwrap(args[0]), args[1]
    owner, prop = column.field("object"), column.field("property")  # only `t.column` has a property
    if owner is None or prop is None or owner.text().split(".")[-1] != table or not stable(value):
        return ()
    return ((prop.text(), value.text()),)


def prisma_where(where: SgNode | None) -> tuple[tuple[str, str], ...]:
    """`where: { id, userId: session.user.id }`: its plain equalities (not `{ in: [...] }`, `AND`, ...), and
    the fields of a compound key (`where: { teamId_userId: { teamId, userId } }`)."""
    found = read_object(where, None)  # no fields from anything but an object literal
    plain = tuple((c, v) for c, v in found.fields if c[:1].islower() or c[:1] == "_")
    return plain + _compound_keys(where)


def _compound_keys(where: SgNode | None) -> tuple[tuple[str, str], ...]:
    """`a_b: { a, b: x }`: a compound unique key is named by its fields joined with `_`; a filter on one field
    (`id: { in: ids }`) is not one."""
    if where is None or unwrap(where).kind() != "object":
        return ()
    found: list[tuple[str, str]] = []
    for member in _named(unwrap(where)):
        name, value = (
            (_key_name(member.field("key")), member.field("value")) if member.kind() == "pair" else (None, None)
        )
        if name is None or value is None or "_" not in name.strip("_") or unwrap(value).kind() != "object":
            continue
        inner = read_object(value, None)
        fields = [c for c, _ in inner.fields]
        named = "_".join(fields) == name or sorted(fields) == sorted(name.split("_"))
        if inner.readable and not inner.spreads and fields and named:
            found += inner.fields
    return tuple(found)


def pair_value(obj: SgNode | None, key: str) -> SgNode | None:
    """The value of `key` in an object literal (`data` in `{ data: {...}, select: {...} }`)."""
    if obj is None or unwrap(obj).kind() != "object":
        return None
    for member in _named(unwrap(obj)):
        if member.kind() == "pair" and _key_name(member.field("key")) == key:
            return member.field("value")
        if member.kind() == "shorthand_property_identifier" and member.text() == key:
            return member
    return None


def selected(select: SgNode | None) -> tuple[str, ...] | None:
    """The fields `select: { id: true }` (or `.returning({ id: t.id })`) keeps; None when afc cannot read it."""
    if select is None or unwrap(select).kind() != "object":
        return None
    names = []
    for member in _named(unwrap(select)):
        name = _member_name(member)
        value = member.field("value")  # a pair's only: `{ id }` keeps `id`
        if name is not None and (value is None or value.text() != "false"):
            names.append(name)
    return tuple(names)


def in_scope(node: SgNode, scope: SgNode) -> bool:
    return any(same(a, scope) for a in node.ancestors())


def chain_calls(call: SgNode) -> list[tuple[str, list[SgNode]]]:
    """The methods called on a call's result with their arguments: `.values({..})`, `.where(eq(..))`."""
    found: list[tuple[str, list[SgNode]]] = []
    node = call
    while True:
        parent = node.parent()
        grand = parent.parent() if parent is not None else None
        if parent is None or parent.kind() != "member_expression" or not same(parent.field("object"), node):
            return found
        if grand is None or grand.kind() != "call_expression" or not same(grand.field("function"), parent):
            return found
        prop = parent.field("property")
        found.append((prop.text() if prop is not None else "", _named(grand.field("arguments"))))
        node = grand


def stated(call: SgNode, orm: str, op: str, table: str | None, scope: SgNode | None) -> Change:
    """What a write call states, before its kept row (if any) is known."""
    if orm == "drizzle":
        return _drizzle(call, op, table, scope)
    return _prisma(call, op, scope)


def _drizzle(call: SgNode, op: str, table: str | None, scope: SgNode | None) -> Change:
    methods = chain_calls(call)
    given = {name: args for name, args in methods}
    condition = given["where"][0] if given.get("where") else None
    where = drizzle_where(condition, table)
    matching, unmatched = filter_of(condition, "drizzle")
    given_values = given.get("values") or given.get("set") or []
    values = given_values[0] if given_values else None
    if op == "insert" and "select" in given:
        return Change(many=True, left_out=("the rows (inserted from a select)",))
    if op == "delete":
        return Change(where=where, matching=matching, unmatched=unmatched)
    read = read_object(values, scope)
    if read.many:
        left = ("the rows (several inserted at once: one change, no row)",)
        return Change(many=True, left_out=left, rows=read_rows(values, scope))
    if op == "insert":
        return _stated(read, where, None, "")
    return _stated(read, where, matching, unmatched)


def _stated(read: Read, where: tuple[tuple[str, str], ...], matching: str | None, unmatched: str) -> Change:
    """The change one object of values states, with the write's own keys and filter."""
    return Change(
        read.fields,
        where,
        read.spreads,
        left_out=read.left_out,
        masked=read.masked,
        matching=matching,
        unmatched=unmatched,
    )


def _prisma(call: SgNode, op: str, scope: SgNode | None) -> Change:
    args = _named(call.field("arguments"))
    arg = args[0] if args else None
    filtered = pair_value(arg, "where")
    matching, unmatched = filter_of(filtered, "prisma")
    if op.endswith(("Many", "ManyAndReturn")):
        left = (f"the rows (`{op}` changes several at once: one change, no row)",)
        if op.startswith("create"):
            return Change(many=True, left_out=left, rows=read_rows(pair_value(arg, "data"), scope))
        where = prisma_where(filtered)
        return Change(where=where, many=True, left_out=left, matching=matching, unmatched=unmatched)
    where = prisma_where(filtered)
    if op == "create":
        matching, unmatched = None, ""
    if op == "upsert":  # its filter finds no row when it creates one: no owner would be read
        matching, unmatched = None, "an upsert may create its row, which no filter finds before the write"
    if op == "upsert":  # the row is what `create` or `update` states: only what both state the same is sure
        created = read_object(pair_value(arg, "create"), scope)
        updated = dict(read_object(pair_value(arg, "update"), scope).fields)
        both = tuple((c, v) for c, v in created.fields if updated.get(c) == v)
        return Change(both, where, left_out=created.left_out, matching=matching, unmatched=unmatched)
    data = pair_value(arg, "data")
    read = read_object(data, scope) if data is not None else Read()
    return _stated(read, where, matching, unmatched)


def read_rows(node: SgNode | None, scope: SgNode | None) -> tuple[tuple[tuple[str, str], ...], ...]:
    """What each row of several inserted at once states: `[{ title: "a", userId }, { ..., userId: other }]`, or
    `items.map((item) => ({ title: item.title, userId }))` as one row of what does not depend on `item` (the
    same for every row). Nothing when afc cannot read every row."""
    if node is None:
        return ()
    node = unwrap(node)
    if node.kind() == "array":
        items = [unwrap(item) for item in _named(node)]
        if not items or any(item.kind() != "object" for item in items):
            return ()
        return tuple(read_object(item, scope).fields for item in items)
    fn, args = node.field("function"), _named(node.field("arguments"))
    prop = fn.field("property") if fn is not None and fn.kind() == "member_expression" else None
    if node.kind() != "call_expression" or prop is None or prop.text() != "map" or len(args) != 1:
        return ()
    callback = args[0]
    body = callback.field("body") if callback.kind() == "arrow_function" else None
    if body is None or unwrap(body).kind() != "object":
        return ()
    own = names_declared(callback)
    fields = read_object(body, scope).fields
    return (tuple((c, v) for c, v in fields if not names_used(Change(fields=((c, v),))) & own),)


def filter_of(node: SgNode | None, orm: str) -> tuple[str | None, str]:
    """(the write's filter as one line of text, ""), where evaluating it again right before the write gives
    the same filter: a Prisma object of names, member chains and literals (nested: `{ in: ids }`), a Drizzle
    condition of its operators (`and(eq(t.userId, id), gt(t.at, since))`) over columns and such values. Else
    (None, why not)."""
    if node is None:
        return None, "it has no `where`"
    bad = _unrepeatable(node, orm)
    if bad is not None:
        return None, f"its filter holds `{_short(bad.text())}`, which afc cannot evaluate again before the write"
    if node.find(kind="comment") is not None:
        return None, "its filter holds a comment, which afc would have to copy onto one line"
    texts = [n.text() for kind in ("string", "template_string") for n in node.find_all(kind=kind)]
    if any("\n" in text or "  " in text or "\t" in text for text in texts):
        return None, "its filter holds a string afc would have to copy onto one line"
    return " ".join(node.text().split()), ""


def _unrepeatable(node: SgNode, orm: str) -> SgNode | None:
    """The part of a filter that could give another value evaluated again (a call, `new`, `await`), or None."""
    if stable(node):
        return None
    kind = node.kind()
    if kind in WRAPPERS or kind == "array":
        return next((bad for c in _named(node) if (bad := _unrepeatable(c, orm)) is not None), None)
    if orm == "prisma" and kind == "object":
        for member in _named(node):
            if member.kind() == "shorthand_property_identifier":
                continue
            if member.kind() == "pair" and _key_name(member.field("key")) is not None:
                value = member.field("value")
                bad = _unrepeatable(value, orm) if value is not None else member
            elif member.kind() == "spread_element":
                bad = next((b for c in _named(member) if (b := _unrepeatable(c, orm)) is not None), None)
            else:
                bad = member
            if bad is not None:
                return bad
        return None
    if orm == "drizzle" and kind == "call_expression":
        fn = node.field("function")
        if fn is None or fn.kind() != "identifier" or fn.text() not in DRIZZLE_FILTERS:
            return node
        return next((bad for c in _named(node.field("arguments")) if (bad := _unrepeatable(c, orm)) is not None), None)
    return node


def prisma_kept(call: SgNode) -> tuple[tuple[str, ...] | None, bool]:
    """(the fields a kept Prisma result has: `select`'s, or None for all; whether `include` adds relations)."""
    args = _named(call.field("arguments"))
    arg = args[0] if args else None
    select = pair_value(arg, "select")
    if select is not None:
        return selected(select) or (), False
    return None, pair_value(arg, "include") is not None


def drizzle_kept(call: SgNode) -> tuple[str, ...] | None:
    """The fields `.returning({ id: t.id })` keeps; None for `.returning()` (the whole row)."""
    for name, args in chain_calls(call):
        if name == "returning":
            return selected(args[0]) or () if args else None
    return None


_NAME = re.compile(r"(?<![.\w$])[A-Za-z_$][\w$]*")
_STRING = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`""")


def names_used(change: Change) -> set[str]:
    """The names the change's expressions start from: `input` of `input.title`, `id` of `Number(id)`."""
    texts = [v for _, v in (*change.fields, *change.where)] + list(change.spreads)
    found = {m.group(0) for text in texts for m in _NAME.finditer(_STRING.sub("", text))}
    return found - {"true", "false", "null", "undefined", "this", *CONVERSIONS}


def names_declared(function: SgNode) -> set[str]:
    """Every name a function declares: its parameters and the variables of its body (`tx`, `const row`)."""
    found = set()
    for holder in (function.field("parameters"), function.field("parameter"), function.field("body")):
        if holder is None:
            continue
        if holder.kind() == "identifier":
            found.add(holder.text())
        for node in holder.find_all(kind="identifier"):
            parent = node.parent()
            if parent is not None and parent.kind() in (
                "variable_declarator",
                "required_parameter",
                "optional_parameter",
            ):
                found.add(node.text())
        for kind in ("shorthand_property_identifier_pattern",):
            found.update(n.text() for n in holder.find_all(kind=kind))
        for pattern in holder.find_all(kind="array_pattern"):
            found.update(n.text() for n in pattern.find_all(kind="identifier"))
    return found
