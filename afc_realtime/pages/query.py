"""TanStack Query: `useQuery({ queryKey: ["todos"], queryFn: () => fetch("/api/todos")... })` in a client page
gets `useRealtimeQuery(["todos"], [events]);` below it, which calls `queryClient.invalidateQueries({ queryKey })`
when one of the events arrives. The events are those of the routes at the URL the query function fetches."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..edits import pages
from ..edits.result import Edit, Skip
from ..edits.typescript import TsFile
from ..writes.site import local_binding
from .site import (
    Feed,
    Read,
    component_statement,
    hook_calls,
    key_hook,
    literal,
)

if TYPE_CHECKING:
    from ast_grep_py import SgNode

NAME = "query"
HOOK, MODULE = "useRealtimeQuery", "use-realtime-query"
FILES = ("use-realtime-events.ts", "use-realtime-query.ts")
CALLS = ("useQuery", "useSuspenseQuery", "useInfiniteQuery", "useSuspenseInfiniteQuery")


def reads(file: TsFile, client: bool | None = None) -> list[Read | Skip]:
    found: list[Read | Skip] = []
    for call, name, args in hook_calls(file, CALLS, client):
        options = args[0] if args and args[0].kind() == "object" else None
        key, query_fn = _member(options, "queryKey"), _member(options, "queryFn")
        what = f"{name}({{ queryKey: {key.text() if key is not None else '?'} }})"
        prefix = _literal_prefix(key)
        url = _fetched_url(file, query_fn)
        statement = component_statement(call)
        if prefix is None:
            found.append(Skip(file.path, "its query key does not start with a literal", file.line(call), what))
        elif url is None:
            reason = "afc cannot tell what its `queryFn` reads (no literal `fetch` URL in it)"
            found.append(Skip(file.path, reason, file.line(call), what))
        elif statement is None:
            found.append(Skip(file.path, "not at the top level of a component", file.line(call), what))
        else:
            found.append(Read(file.path, file.line(call), NAME, what, statement, key=prefix, url=url))
    return found


def subscribe(file: TsFile, read: Read, feeds: list[Feed]) -> Edit | Skip:
    return key_hook(file, read, feeds, HOOK)


def _member(obj: SgNode | None, name: str) -> SgNode | None:
    if obj is None:
        return None
    for pair in obj.children():
        key = pair.field("key") if pair.kind() == "pair" else None
        if key is not None and key.text().strip("\"'") == name:
            return pair.field("value")
    return None


def _literal_prefix(key: SgNode | None) -> str | None:
    """`["todos"]` for `["todos", page]`: the leading literals, a prefix every such query's key starts with
    (invalidation matches by prefix)."""
    if key is None or key.kind() != "array":
        return None
    kept = []
    for element in (c for c in key.children() if c.is_named()):
        if literal(element) is None:
            break
        kept.append(element.text())
    return f"[{', '.join(kept)}]" if kept else None


def _fetched_url(file: TsFile, query_fn: SgNode | None) -> str | None:
    """The one literal URL the query function fetches (itself, or the local function it names)."""
    if query_fn is not None and query_fn.kind() == "identifier":
        query_fn = local_binding(file.root, query_fn.text())
    if query_fn is None:
        return None
    urls = pages.fetch_calls(query_fn)
    return next(iter(urls)) if len(urls) == 1 else None
