"""SWR: `useSWR("/api/team", fetcher)` in a client page gets `useRealtimeSWR("/api/team", [events]);` below it,
which calls SWR's `mutate` for that key (a revalidation) when one of the events arrives."""

from __future__ import annotations

from ..edits import pages
from ..edits.result import Edit, Skip
from ..edits.typescript import TsFile
from .site import (
    Feed,
    Read,
    component_statement,
    key_hook,
    literal,
    named_args,
)

NAME = "swr"
HOOK, MODULE = "useRealtimeSWR", "use-realtime-swr"
FILES = ("use-realtime-events.ts", "use-realtime-swr.ts")
CALLS = ("useSWR", "useSWRImmutable")


def reads(file: TsFile) -> list[Read | Skip]:
    if not pages.is_client_component(file.root):
        return []
    found: list[Read | Skip] = []
    for call in file.root.find_all(kind="call_expression"):
        fn = call.field("function")
        if fn is None or fn.kind() != "identifier" or fn.text() not in CALLS:
            continue
        args = named_args(call)
        key = args[0] if args else None
        what = f"{fn.text()}({key.text() if key is not None else ''})"
        value = literal(key)
        url = pages.collection_url(value) if value is not None else None
        statement = component_statement(call)
        if key is None or value is None or url is None:
            found.append(
                Skip(file.path, "its key is not a literal URL: afc cannot tell what it reads", file.line(call), what)
            )
        elif statement is None:
            found.append(Skip(file.path, "not at the top level of a component", file.line(call), what))
        else:
            found.append(Read(file.path, file.line(call), NAME, what, statement, key=key.text(), url=url))
    return found


def subscribe(file: TsFile, read: Read, feeds: list[Feed]) -> Edit | Skip:
    return key_hook(file, read, feeds, HOOK)
