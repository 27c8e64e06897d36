"""The event lists afc writes into a page (`<RealtimeRefresh events={["todo-created"]} />`,
`useRealtimeSWR("/api/notes", ["note-created"]);`, ...), found again in the page as it stands, and extended:
an event the page should follow now goes into the list as an insertion of its own (`, "todo-deleted"`), at
its sorted place, so its inverse takes exactly it out again. `useRealtimeList` has no list: it applies every
event of its resource."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..edits.insertion import Insertion
from ..edits.result import Edit
from ..edits.typescript import TsFile
from . import query, refresh, swr, trpc
from .site import FUNCTIONS, Read, literal, named_args, quote

if TYPE_CHECKING:
    from ast_grep_py import SgNode

# The strategies whose line carries a list of events, by the strategy's name: the hook (or component) afc writes.
HOOKS = {refresh.NAME: refresh.HOOK, swr.NAME: swr.HOOK, query.NAME: query.HOOK, trpc.NAME: trpc.HOOK}
_EVENT = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+"
# One event afc adds to a list: `, "todo-deleted"` after an element, or `"todo-created", ` before the first.
ITEM = re.compile(rf"""^(?:,\s?(["'`]){_EVENT}\1|(["'`]){_EVENT}\2,\s?)$""")
# A line afc writes that carries a list: the refresh component, or a key hook.
LINE = re.compile(r"<RealtimeRefresh\s+events=\{\[|\buseRealtime(?:SWR|Query|Invalidate)\(")


def found(file: TsFile, read: Read) -> SgNode | None:
    """The list of events of the line afc would have written for `read`, in the file as it stands: the
    refresh component's `events={[...]}` anywhere in the file (one per file), or the second argument of the
    key hook's call for the read's key in the component that reads. None when there is none."""
    hook = HOOKS.get(read.strategy)
    if hook is None:
        return None
    if read.strategy == refresh.NAME:
        for attribute in file.root.find_all(kind="jsx_attribute"):
            element = attribute.parent()
            name = element.field("name") if element is not None else None
            if name is None or name.text() != hook or not attribute.text().startswith("events"):
                continue
            array = attribute.find(kind="array")
            if array is not None:
                return array
        return None
    owner = next((a for a in read.anchor.ancestors() if a.kind() in FUNCTIONS), None)
    for call in (owner or file.root).find_all(kind="call_expression"):
        fn = call.field("function")
        args = named_args(call) if fn is not None and fn.kind() == "identifier" and fn.text() == hook else []
        if len(args) == 2 and args[0].text() == read.key and args[1].kind() == "array":
            return args[1]  # the line for this read's key: another read of the component has a line of its own
    return None


def events_in(array: SgNode) -> list[str] | None:
    """The events a list names, or None when it holds anything but plain strings (a list afc did not write)."""
    events = [literal(element) for element in array.children() if element.is_named()]
    return None if any(e is None for e in events) else [e for e in events if e is not None]


def line_of(array: SgNode) -> str:
    """The text of afc's line around the list: the refresh element, or the hook's call."""
    holder = next((a for a in array.ancestors() if a.kind() in ("jsx_self_closing_element", "call_expression")), None)
    return holder.text() if holder is not None else array.text()


def written(line: str, lines: list[str], items: list[str]) -> bool:
    """Whether `line` (as it stands) is one afc wrote: one of the recorded `lines` once the recorded list
    `items` (an earlier sync's additions) in it are taken out again."""
    for item in items:
        line = line.replace(item, "", 1)
    return any(line in recorded for recorded in lines)


def extend(file: TsFile, array: SgNode, events: list[str], what: str) -> Edit:
    """The insertions that add `events` (not in the list yet) to the list, each at its sorted place among
    the elements; an empty edit when there is none to add."""
    elements = [e for e in array.children() if e.is_named()]
    if not elements:  # afc never writes an empty list
        return Edit(file.path)
    have = {literal(e) for e in elements}
    mark = quote(file)
    insertions = []
    for event in sorted(set(events) - have):
        before = [e for e in elements if (literal(e) or "") < event]
        if before:
            at, text = before[-1].range().end.index, f", {mark}{event}{mark}"
        else:
            at, text = elements[0].range().start.index, f"{mark}{event}{mark}, "
        insertions.append(Insertion(at, text, f"{what} {event}"))
    subject = ", ".join(sorted(set(events) - have))
    return Edit(file.path, tuple(insertions), line=file.line(array), subject=subject)
