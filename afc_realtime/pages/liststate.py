"""A client page that keeps a fetched list in `useState` (`fetch("/api/todos")` into `setTodos`):
`useRealtimeList("todo", "/api/todos", setTodos);` below that state applies each event to the list."""

from __future__ import annotations

from pathlib import PurePosixPath

from ..edits import pages
from ..edits.result import Edit, Skip
from ..edits.typescript import TsFile
from ..writes import naming
from .site import Feed, Read, is_client

NAME = "list"
HOOK, MODULE = "useRealtimeList", "use-realtime"
FILES: tuple[str, ...] = ()
# Hooks whose arguments fetch for a data layer of their own (SWR, TanStack Query): not a list in state.
DATA_HOOKS = ("useSWR", "useSWRImmutable", "useQuery", "useSuspenseQuery", "useInfiniteQuery", "queryOptions")


def reads(file: TsFile, client: bool | None = None) -> list[Read | Skip]:
    if not is_client(file, client):
        return []
    found: list[Read | Skip] = []
    for url, call in sorted(pages.fetch_calls(file.root, exclude=DATA_HOOKS).items()):
        found.append(Read(file.path, file.line(call), NAME, f"fetch({url!r})", call, url=url))
    return found


def subscribe(file: TsFile, read: Read, feeds: list[Feed]) -> Edit | Skip:
    """The list holds one table: the one named like the URL, or the only one its routes write."""
    url = read.url or ""
    resources = sorted({f.resource for f in feeds})
    if not resources:
        return Edit(file.path)
    plural = camel(PurePosixPath(url).name)
    preferred = naming.kebab(naming.singular(plural))
    if len(resources) > 1 and preferred not in resources:
        return Skip(
            file.path,
            f"fetches {url}, whose routes write several tables ({', '.join(resources)}): "
            "afc cannot tell which one the list holds",
        )
    resource = preferred if preferred in resources else resources[0]
    return pages.subscribe(file, resource, url, plural, HOOK)


def camel(name: str) -> str:
    head, *rest = name.replace("_", "-").split("-")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)
