"""The one payload every wired write broadcasts, `RealtimeChange` in the web helper `broadcast.ts`:

    { table, action, keys, row?, complete }

`keys` names the changed row (its primary key, or a unique column; `{}` when the write names none afc can
read), `row` holds every column value the write states or returns (absent when it states none), and
`complete` is true only when `row` is the whole stored row (a kept `.returning()`, a Prisma result without
`select`). Also the channel (`to`) of each owner, from the value the change carries for its column, or, where
the write names the owner's row only by a reference or by its own key, from an owner lookup afc generates
(`lookups.py`: `to: ownersOfChat(chatId)`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..audience import Audience, Channel, Reach
from ..datamodel import Table
from ..lookups import Lookup
from .site import DELETED, Change, Write


@dataclass(frozen=True)
class Line:
    payload: str  # the change object, as TypeScript
    to: str  # the channel expression
    checks: tuple[str, ...] = ()  # what must hold before sending: each owner value is defined
    lookup: Lookup | None = None  # the owner lookup `to` calls, where the write does not state the owner
    before: str | None = None  # the variable holding the owners, looked up before the write (a delete)
    # in a transaction: the owners read inside it, on a line just before the write, into `before`'s variable
    inside: str | None = None


def key_columns(table: Table | None) -> tuple[str, ...]:
    if table is None:
        return ()
    return table.keys or (("id",) if "id" in table.columns else ())


def value(change: Change, column: str, table: Table | None) -> str | None:
    """The expression of a column's value right after the write, never a field the kept row lacks."""
    if change.kept is not None and change.kept_scalars and table is not None and column in table.columns:
        return f"{change.kept}.{column}"
    return change.value(column)


def row_fields(change: Change, table: Table | None) -> tuple[list[str], list[tuple[str, str]]]:
    """(spread names, (column, expression)) of the row a change states, later entries winning."""
    if change.kept is not None and change.kept_scalars and table is not None:
        return [], [(c, f"{change.kept}.{c}") for c in table.columns]
    merged = dict(change.where) | dict(change.fields)
    if change.kept is not None and change.kept_fields is not None:
        merged |= {f: f"{change.kept}.{f}" for f in change.kept_fields}
    merged |= {f: "undefined" for f in change.masked if f not in merged}  # (a spread before each named it)
    return list(change.spreads), list(merged.items())


def complete(change: Change, table: Table | None) -> bool:
    return change.complete or (change.kept is not None and change.kept_scalars and table is not None)


def _object(spreads: list[str], fields: list[tuple[str, str]]) -> str:
    items = [f"...{s}" for s in spreads] + [name if name == value else f"{name}: {value}" for name, value in fields]
    return "{ " + ", ".join(items) + " }" if items else "{}"


def payload(write: Write, table: Table | None, quote: str) -> str:
    change = write.change or Change(many=True)
    q = quote
    head = f"table: {q}{write.table or ''}{q}, action: {q}{write.action}{q}"
    if change.many:
        return f"{{ {head}, keys: {{}}, complete: false }}"
    keys = []
    for column in key_columns(table):
        found = value(change, column, table)
        if found is not None:
            keys.append((column, found))
            break
    whole = complete(change, table)
    if whole and change.kept is not None and not change.kept_scalars:
        row = change.kept
    else:
        spreads, fields = row_fields(change, table)
        row = _object(spreads, fields) if spreads or fields else ""
    body = f"{head}, keys: {_object([], keys)}"
    if row:
        body += ", row" if row == "row" else f", row: {row}"
    return f"{{ {body}, complete: {'true' if whole else 'false'} }}"


def _checkable(value: str) -> bool:
    """A value `!= null` may test: not a literal, which TypeScript calls always defined (or never)."""
    return value[:1] not in "\"'`0123456789-" and value not in ("true", "false", "null", "undefined")


def line(
    write: Write, audience: Audience, table: Table | None, quote: str, lookups: bool = False, through: str | None = None
) -> Line | str:
    """The payload and channels of a write's broadcast, or why nobody can receive it. With `lookups`, a write
    that names its owner's row only by a reference (`chatId`) or by its own key (an update by `id`) sends to
    what an owner lookup returns, and one that names neither, to the owners of the rows its own filter
    matches, read before the write (`ownersOfNotesMatching(...)`); each lookup is given the client
    `through`, where one is (`ownersOfChat(chatId, db)`: a client the writing module builds for itself)."""
    text = payload(write, table, quote)
    if audience.reach is Reach.PUBLIC:
        return Line(text, f"{quote}public{quote}")
    change = write.change or Change(many=True)
    direct = _direct(write, audience.channels, change, table)
    if isinstance(direct, tuple):
        channels, checks = direct
        to = channels[0] if len(channels) == 1 else "[" + ", ".join(channels) + "]"
        return Line(text, to, tuple(dict.fromkeys(checks)))
    if not lookups or table is None or direct.startswith("not broadcast: the write sets its owner"):
        return direct
    found = _looked_up(write, audience.channels, change, table, text, through) or _in_transaction(
        write, audience, table, text
    )
    return found or _unmatched(direct, change)


def stated_values(change: Change, column: str, table: Table | None) -> list[str] | None:
    """Every value a column has in the rows the write changes: one for a single row; for several rows, the one
    their filter's equality names (`where: { userId }`), or the distinct ones each row inserted states; None
    when some row states none afc can read."""
    if not change.many:
        found = value(change, column, table)
        return None if found is None else [found]
    if column in dict(change.where):
        return [dict(change.where)[column]]
    each = [stated for row in change.rows if (stated := dict(row).get(column)) is not None]
    if not each or len(each) < len(change.rows):  # a row that states none: whose it is, nobody can say
        return None
    return list(dict.fromkeys(each))


def _direct(
    write: Write, channels: tuple[Channel, ...], change: Change, table: Table | None
) -> tuple[list[str], list[str]] | str:
    """The channels from the owner values the change states, or why it states none."""
    found, checks = [], []
    for channel in channels:
        column = channel.via[0].column if channel.via else channel.column
        owners = stated_values(change, column, table)
        if owners is None:
            stated = "changes several rows at once" if change.many else f"does not state `{column}`"
            return (
                f"not broadcast: `{write.table}` rows go to their owner ({channel.path()}), and this write "
                f"{stated}, so afc cannot tell whose row it is (afc reads only what the write itself says)"
            )
        for owner in owners:
            if owner in ("null", "undefined"):
                return f"not broadcast: the write sets its owner `{column}` to `{owner}`: nobody owns the row"
        if channel.via:  # the owner is on another row: only a lookup names it
            return (
                f"not broadcast: `{write.table}` rows go to the owner of the row they point at ({channel.path()}), "
                "and afc looks owners up only through the app's own database client (one exported as "
                "`drizzle(...)` or `new PrismaClient()`)"
            )
        for owner in owners:
            found.append(f"`{channel.kind}:${{{owner}}}`")
            if _checkable(owner):
                checks.append(f"{owner} != null")
    return found, checks


def _unmatched(reason: str, change: Change) -> str:
    """The reason, and why the owners of the rows the write's filter matches cannot be read either."""
    if change.unmatched and not change.rows and "(afc reads only what the write itself says)" in reason:
        cut = reason.removesuffix(" (afc reads only what the write itself says)")
        return f"{cut}, and afc cannot look its rows' owners up: {change.unmatched}"
    return reason


def _looked_up(
    write: Write, channels: tuple[Channel, ...], change: Change, table: Table, text: str, through: str | None = None
) -> Line | None:
    """The line that sends to an owner lookup: by the reference the write states (`chatId`, on every channel's
    first hop; for several rows, the one their filter or every inserted row names), else by the written row's
    own key (after an update; before a delete, while the row is there), else by the write's own filter."""
    firsts = {c.via[0] if c.via else None for c in channels}
    first = next(iter(firsts)) if len(firsts) == 1 else None
    stated = stated_values(change, first.column, table) if first is not None else None
    if first is not None and stated is not None and len(stated) == 1 and stated[0] not in ("null", "undefined"):
        rest = tuple(Channel(c.kind, c.column, c.via[1:]) for c in channels)
        lookup = Lookup(first.table, first.key, rest)
        key_value = stated[0]
    else:
        keyed = next(((k, v) for k in key_columns(table) if (v := value(change, k, table)) is not None), None)
        if keyed is None:
            return _matched(write, channels, change, table, text, through)
        lookup = Lookup(table.name, keyed[0], channels)
        key_value = keyed[1]
    checks = (f"{key_value} != null",) if _checkable(key_value) else ()
    call = f"{lookup.function()}({key_value}{_given(through)})"
    if write.action == DELETED and lookup.table == table.name:
        held = f"realtimeOwners{write.line}"
        return Line(text, held, checks, lookup, before=f"const {held} = await {call}")
    return Line(text, call, checks, lookup)


def _given(through: str | None) -> str:
    return f", {through}" if through else ""


def _matched(
    write: Write, channels: tuple[Channel, ...], change: Change, table: Table, text: str, through: str | None = None
) -> Line | None:
    """The owners of the rows the write's own filter matches, read just before the write (after it they may
    be gone or changed): `const realtimeOwners12 = await ownersOfNotesMatching({ read: false })`."""
    if change.matching is None:
        return None
    lookup = Lookup(table.name, "", channels, matching=True)
    held = f"realtimeOwners{write.line}"
    call = f"{lookup.function()}({change.matching}{_given(through)})"
    return Line(text, held, (), lookup, before=f"const {held} = await {call}")


def _in_transaction(write: Write, audience: Audience, table: Table, text: str) -> Line | None:
    """A write in a transaction's callback whose owners cannot be read outside it (its filter runs after other
    statements of the transaction, or names what is declared inside): read inside, through the transaction's
    client, right before the write (`realtimeOwners12.push(...(await ownersOfNoteMatching({ read }, tx)))`),
    into a list declared before the transaction; the change is sent to it once the transaction committed."""
    inside = write.inside
    if inside is None or write.wrapped:  # a wrapped transaction has no line of its own before it
        return None
    found = _looked_up(write, audience.channels, inside.change, table, text)
    if found is None:
        return None
    call = found.before.removeprefix(f"const {found.to} = await ") if found.before else found.to
    held = f"realtimeOwners{write.line}"
    push = f"{held}.push(...(await {call[:-1]}, {inside.client})))"
    guarded = f"if ({' && '.join(found.checks)}) {push}" if found.checks else push
    return Line(text, held, (), found.lookup, before=f"const {held}: string[] = []", inside=guarded)
