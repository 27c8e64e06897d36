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
    named_args,
)

if TYPE_CHECKING:
    from ast_grep_py import SgNode

NAME = "query"
HOOK, MODULE = "useRealtimeQuery", "use-realtime-query"
FILES = ("use-realtime-events.ts", "use-realtime-query.ts")
CALLS = ("useQuery", "useSuspenseQuery", "useInfiniteQuery", "useSuspenseInfiniteQuery")
OPTIONS_HELPERS = ("queryOptions", "infiniteQueryOptions")
TRPC_OPTIONS = ("queryOptions", "infiniteQueryOptions")
# Keys the line below the query can say again as written: names, member chains, calls of a key factory, lists.
REPEATABLE = ("identifier", "member_expression", "call_expression", "array")


def reads(file: TsFile, client: bool | None = None) -> list[Read | Skip]:
    found: list[Read | Skip] = []
    for call, name, args in hook_calls(file, CALLS, client):
        statement = component_statement(call)
        first = args[0] if args else None
        trpc_read = _trpc_options(file, call, name, first, statement)
        if trpc_read is not None:
            found.append(trpc_read)
            continue
        options, holder = _options(file, first)
        key, query_fn = _member(options, "queryKey"), _member(options, "queryFn")
        shown = key.text() if key is not None else "?"
        what = f"{name}({{ queryKey: {shown if len(shown) <= 40 else shown[:37] + '...'} }})"
        prefix = _key_of(key, holder)
        url = _fetched_url(file, query_fn)
        if prefix is None:
            reason = "afc cannot read its query key (not a list, a name or a call it can repeat below)"
            found.append(Skip(file.path, reason, file.line(call), what))
        elif url is None:
            reason = "afc cannot tell what its `queryFn` reads (no literal `fetch` URL in it)"
            found.append(Skip(file.path, reason, file.line(call), what))
        elif statement is None:
            found.append(Skip(file.path, "not at the top level of a component", file.line(call), what))
        else:
            found.append(Read(file.path, file.line(call), NAME, what, statement, key=prefix, url=url))
    return found


def _trpc_options(
    file: TsFile, call: SgNode, name: str, first: SgNode | None, statement: SgNode | None
) -> Read | Skip | None:
    """tRPC's TanStack Query integration: `useQuery(trpc.post.all.queryOptions())` invalidates under
    `trpc.post.pathKey()` (every query of that router), on the events of what the procedure reads; also
    spread into options of the page's own (`useQuery({ ...trpc.post.all.queryOptions(), enabled })`)."""
    if first is not None and first.kind() == "object":
        spreads = [c for c in first.children() if c.kind() == "spread_element"]
        inner = [n for c in spreads for n in c.children() if n.is_named()]
        first = inner[0] if len(inner) == 1 else None
    fn = first.field("function") if first is not None and first.kind() == "call_expression" else None
    prop = fn.field("property") if fn is not None and fn.kind() == "member_expression" else None
    target = fn.field("object") if fn is not None else None
    if prop is None or target is None or prop.text() not in TRPC_OPTIONS:
        return None
    segments = target.text().split(".")
    if len(segments) < 3 or not all(s.isidentifier() for s in segments):
        return None
    api, router, procedure = segments[0], ".".join(segments[1:-1]), segments[-1]
    what = f"{name}({target.text()}.{prop.text()}())"
    if statement is None:
        return Skip(file.path, "not at the top level of a component", file.line(call), what)
    key = f"{api}.{router}.pathKey()"
    return Read(file.path, file.line(call), NAME, what, statement, key=key, router=router, procedure=procedure)


def _options(file: TsFile, first: SgNode | None) -> tuple[SgNode | None, str | None]:
    """The options object of `useQuery({...})`, `useQuery(queryOptions({...}))` or `useQuery(todosQuery)`
    (a name of this file bound to either), and the name that holds it (its `.queryKey` is the key)."""
    holder = None
    if first is not None and first.kind() == "identifier":
        holder, first = first.text(), local_binding(file.root, first.text())
    if first is not None and first.kind() == "call_expression":
        fn = first.field("function")
        inner = named_args(first)
        if fn is None or fn.text() not in OPTIONS_HELPERS or not inner:
            return None, None
        first = inner[0]
    return (first, holder) if first is not None and first.kind() == "object" else (None, None)


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


def _key_of(key: SgNode | None, holder: str | None) -> str | None:
    """What to invalidate: `["todos"]` for `["todos", page]` (the leading literals, a prefix every such
    query's key starts with: invalidation matches by prefix); else the key as written, which the line below
    the query can repeat (`TODOS_KEY`, `todoKeys.all`, `todoKeys.list(filters)`, `[scope, page]`), or the
    holder's `.queryKey` for options kept in a name (`todosQuery.queryKey`)."""
    if key is None:
        return None
    if holder is not None:
        return f"{holder}.queryKey"
    if key.kind() == "array":
        kept = []
        for element in (c for c in key.children() if c.is_named()):
            if literal(element) is None:
                break
            kept.append(element.text())
        if kept:
            return f"[{', '.join(kept)}]"
    side_effects = ("arrow_function", "function_expression", "await_expression", "update_expression", "new_expression")
    if key.kind() in REPEATABLE and not any(key.find(kind=k) for k in side_effects):
        return key.text()
    return None


def _fetched_url(file: TsFile, query_fn: SgNode | None) -> str | None:
    """The one literal URL the query function fetches (itself, or the local function it names)."""
    if query_fn is not None and query_fn.kind() == "identifier":
        query_fn = local_binding(file.root, query_fn.text())
    if query_fn is None:
        return None
    urls = pages.fetch_calls(query_fn)
    return next(iter(urls)) if len(urls) == 1 else None
