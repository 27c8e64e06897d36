"""tRPC's React Query hooks: `api.post.all.useQuery()` in a client page gets
`useRealtimeInvalidate(api.useUtils().post, [events]);` below it, which calls `utils.post.invalidate()` when one
of the events arrives. The events are those of the mutations of that router (`mutation post.create`)."""

from __future__ import annotations

from ..edits.result import Edit, Skip
from ..edits.typescript import TsFile
from .site import Feed, Read, component_statement, is_client, key_hook

NAME = "trpc"
HOOK, MODULE = "useRealtimeInvalidate", "use-realtime-events"
FILES = ("use-realtime-events.ts",)
CALLS = ("useQuery", "useSuspenseQuery", "useInfiniteQuery", "useSuspenseInfiniteQuery")


def reads(file: TsFile, client: bool | None = None) -> list[Read | Skip]:
    if not is_client(file, client):
        return []
    found: list[Read | Skip] = []
    for call in file.root.find_all(kind="call_expression"):
        fn = call.field("function")
        prop = fn.field("property") if fn is not None and fn.kind() == "member_expression" else None
        target = fn.field("object") if fn is not None and fn.kind() == "member_expression" else None
        if prop is None or target is None or prop.text() not in CALLS:
            continue
        segments = target.text().split(".")
        if not all(s.isidentifier() for s in segments) or len(segments) < 2:
            continue
        api, router, procedure = segments[0], ".".join(segments[1:-1]), segments[-1]
        what = f"{target.text()}.{prop.text()}()"
        statement = component_statement(call)
        if not router:
            reason = "a procedure of the root router: afc cannot tell which mutations change it"
            found.append(Skip(file.path, reason, file.line(call), what))
        elif statement is None:
            found.append(Skip(file.path, "not at the top level of a component", file.line(call), what))
        else:
            key = f"{api}.useUtils().{router}"
            read = Read(file.path, file.line(call), NAME, what, statement, key=key, router=router, procedure=procedure)
            found.append(read)
    return found


def subscribe(file: TsFile, read: Read, feeds: list[Feed]) -> Edit | Skip:
    return key_hook(file, read, feeds, HOOK, "mutation")
