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
    hook_calls,
    key_hook,
    literal,
)

NAME = "swr"
HOOK, MODULE = "useRealtimeSWR", "use-realtime-swr"
FILES = ("use-realtime-events.ts", "use-realtime-swr.ts")
CALLS = ("useSWR", "useSWRImmutable")


def reads(file: TsFile, client: bool | None = None) -> list[Read | Skip]:
    found: list[Read | Skip] = []
    for call, name, args in hook_calls(file, CALLS, client):
        key = args[0] if args else None
        what = f"{name}({key.text() if key is not None else ''})"
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
