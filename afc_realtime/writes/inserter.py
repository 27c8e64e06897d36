"""The one inserter: `broadcast("todo-created", { table, action, keys, row, complete }, { to })` on a line of
its own, just before the response that sends the row back or right after the write, guarded by `if (row)`
where the kept row's type may still be `undefined` (`const [row] = ...` under `noUncheckedIndexedAccess`) and
the line needs a real row, and by `owner != null` so that no channel is ever `user:undefined`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..edits.insertion import Insertion, undo_insertions
from ..edits.result import Edit, Skip
from ..edits.typescript import TsFile, line_after_insertion, quote_of, statement_line_insertion
from ..textfile import line_end
from .payload import Line
from .site import CREATED, FUNCTIONS, Write, is_async

if TYPE_CHECKING:
    from ast_grep_py import SgNode


def needs_guard(write: Write, sent: Line) -> bool:
    """Whether the line must check the kept row first: its type may include `undefined` there, and the line
    reads a property of it or the write may have matched no row (an update or a delete)."""
    row = write.row or ""
    return bool(row) and write.maybe_undefined and (f"{row}." in sent.payload + sent.to or write.action != CREATED)


def line_for(write: Write, event: str, helper: str, sent: Line, quote: str, semi: str) -> str:
    call = f"{helper}({quote}{event}{quote}, {sent.payload}, {{ to: {sent.to} }}){semi}"
    checks = ([write.row or ""] if needs_guard(write, sent) else []) + list(sent.checks)
    return f"if ({' && '.join(checks)}) {call}" if checks else call


def broadcast(file: TsFile, write: Write, event: str, helper: str, sent: Line) -> Edit | Skip:
    """The broadcast line for a write afc can read, or why it cannot be placed."""
    anchor = write.anchor
    if not write.wirable or anchor is None:
        return Skip(file.path, write.reason or "afc cannot read this write", write.line, write.handler)
    if write.wrapped:
        if sent.lookup is not None and sent.lookup.matching:  # the filter's owners need a line of their own
            return Skip(file.path, f"not broadcast: {_NO_MATCHING}", write.line, write.handler)
        return _wrap(file, write, event, helper, sent, anchor)
    semi = ";" if anchor.text().rstrip().endswith(";") else ""
    if write.after and anchor.kind() == "if_statement":
        semi = ";" if _uses_semicolons(file) else ""
    statement = line_for(write, event, helper, sent, quote_of(file.root), semi)
    what = f"broadcast {event}"
    if write.after:
        end = anchor.range().end.index
        rest = file.text[end : line_end(file.text, end)].strip()
        if rest and not rest.startswith("//"):
            return Skip(file.path, "the write shares its line with other code", write.line, write.handler)
        insertion = line_after_insertion(file.text, anchor, statement, what)
    else:
        found = statement_line_insertion(file.text, anchor, statement, what)
        if found is None:
            return Skip(file.path, "the response shares its line with other code", write.line, write.handler)
        insertion = found
    line = file.line(anchor) + (1 if write.after else 0)
    if sent.before is None:
        return Edit(file.path, (insertion,), line=line, subject=event)
    lookup = _before(file, write, sent.before + semi, _no_lookup(sent))
    if isinstance(lookup, Skip):
        return lookup
    if sent.inside is None:
        return Edit(file.path, (lookup, insertion), line=line, subject=event)
    own = write.inside.statement if write.inside is not None else None
    found = statement_line_insertion(file.text, own, sent.inside + semi, "owner lookup") if own else None
    if found is None:
        return Skip(file.path, f"not broadcast: {_NO_INSIDE}", write.line, write.handler)
    return Edit(file.path, (lookup, found, insertion), line=line, subject=event)


_NO_LOOKUP = "afc cannot place the lookup of the deleted row's owner on a line of its own before the write"
_NO_MATCHING = (
    "afc cannot place the lookup of the owners of the rows this write matches on a line of its own before the "
    "write (it must run right before it, in an `async` function)"
)

_NO_INSIDE = "afc cannot place the lookup of its owners on a line of its own before the write, in the transaction"


def _no_lookup(sent: Line) -> str:
    return _NO_MATCHING if sent.lookup is not None and sent.lookup.matching else _NO_LOOKUP


def _before(file: TsFile, write: Write, statement: str, why: str) -> Insertion | Skip:
    """The owner lookup a delete (or a write by its filter) needs, on a line of its own just above the write
    (the rows are gone or changed after): only where the write is a statement of an `async` function's body,
    so the `await` is valid and runs exactly when the write does."""
    anchor = write.anchor
    ancestors = anchor.ancestors() if anchor is not None else []
    function = next((a for a in ancestors if a.kind() in (*FUNCTIONS, "method_definition")), None)
    placed = (
        anchor is not None
        and write.after
        and anchor.kind() != "if_statement"
        and function is not None
        and is_async(function)
    )
    found = statement_line_insertion(file.text, anchor, statement, "owner lookup") if placed and anchor else None
    if found is None:
        return Skip(file.path, f"not broadcast: {why}", write.line, write.handler)
    return found


WRAPPER = "broadcastAfter"  # `broadcast.ts`: runs a write, sends its change, gives its result back


def _wrap(file: TsFile, write: Write, event: str, helper: str, sent: Line, anchor: SgNode) -> Edit:
    """`broadcastAfter(<write>, (written) => { <line> })`: two insertions around the write's own expression,
    where no line of its own can go; `remove` cuts both."""
    statement = line_for(write, event, helper, sent, quote_of(file.root), ";" if _ends_with_semicolon(anchor) else "")
    param = write.row.split("[", 1)[0] if write.row else ""
    start, end = anchor.range().start.index, anchor.range().end.index
    what = f"broadcast {event}"
    opening, closing = f"{WRAPPER}(", f", ({param}) => {{ {statement} }})"
    if sent.before is not None:  # a delete: its owners are read first, and only then the write runs
        lookup = sent.before.removeprefix(f"const {sent.to} = await ")
        opening, closing = f"{lookup}.then(({sent.to}) => {opening}", closing + ")"
    return Edit(
        file.path,
        (Insertion(start, opening, what), Insertion(end, closing, what)),
        line=file.line(anchor),
        subject=event,
    )


def _ends_with_semicolon(node: SgNode) -> bool:
    """Whether the statement around `node` ends with `;`: the line inside a wrapper follows the file's style."""
    for ancestor in node.ancestors():
        if ancestor.kind().endswith(("statement", "declaration")):
            return ancestor.text().rstrip().endswith(";")
    return True


def _uses_semicolons(file: TsFile) -> bool:
    return any(s.text().rstrip().endswith(";") for s in file.root.find_all(kind="lexical_declaration"))


undo = undo_insertions  # the inverse of every edit here: cut exactly the lines that were inserted
