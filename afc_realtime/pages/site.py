"""The records of the page side: a `Read` (what a page reads, through which data layer, and where a line can
follow it) and a `Feed` (a wired write, with the event it sends): the recipe matches the two."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from ..edits import pages
from ..edits.insertion import Insertion
from ..edits.result import Edit, Skip
from ..edits.typescript import TsFile, line_after_insertion, quote_of
from ..writes import naming

if TYPE_CHECKING:
    from ast_grep_py import SgNode

FUNCTIONS = ("arrow_function", "function_expression", "function_declaration")
ALREADY_SUBSCRIBES = "already subscribes"  # a page afc wired before: `sync` may extend its list (`lists.py`)


@dataclass(frozen=True)
class Read:
    """One thing a page reads, and what feeds it: a URL (its route files), a tRPC router, tables read through
    the ORM, or the Server Actions of a folder."""

    path: str
    line: int
    strategy: str  # the module's NAME: "list", "swr", "query", "trpc", "refresh"
    what: str  # how the plan names it: `useSWR("/api/team")`, `api.post.all.useQuery()`
    anchor: SgNode  # the statement the line goes below, or the JSX element it goes into
    key: str = ""  # strategy-specific source text: the SWR key, the query key, the tRPC router's utils path
    url: str | None = None
    router: str | None = None  # `post` for `api.post.all.useQuery()` (`admin.post` for a nested router)
    procedure: str | None = None  # `all` for `api.post.all.useQuery()`: followed to the tables it reads
    tables: frozenset[str] = field(default_factory=frozenset)  # what its data path reads, where afc followed it
    actions_dir: str | None = None
    calls: tuple[str, ...] = ()  # a Server Component's: the functions it calls and components it renders
    via: str = ""  # how afc found the tables: `GET /api/todos (path:line)`, `query post.all (path:line)`

    def source(self) -> str:
        if self.via and self.tables:
            return f"the tables {_names(self.tables)} (read by {self.via})"
        parts = []
        if self.url:
            parts.append(f"the routes at {self.url}")
        if self.router:
            parts.append(f"the tRPC router `{self.router}`")
        if self.tables:
            parts.append(f"the tables {_names(self.tables)}")
        if self.actions_dir:
            parts.append(f"the Server Actions in {self.actions_dir}/")
        return " and ".join(parts) or "nothing afc can see"


def _names(tables: frozenset[str]) -> str:
    return ", ".join(f"`{t}`" for t in sorted(tables))


@dataclass(frozen=True)
class Feed:
    """A write afc wired: where, in which handler, to what table, and the event it sends."""

    path: str
    handler: str  # `POST`, `action createTodo`, `mutation post.create`
    table: str
    resource: str
    event: str


def feeds_of(read: Read, wired: list[Feed], routes: list[str]) -> list[Feed]:
    """The wired writes that change what `read` reads."""
    return [f for f in wired if _feeds(read, f, routes)]


def _feeds(read: Read, feed: Feed, routes: list[str]) -> bool:
    """By table where afc knows what the read's data path reads (the ORM calls of a Server Component, the GET
    handler at the URL, the tRPC procedure): a component that reads `todos` does not refresh on `notes`.
    Else, by where the write is: the routes at the URL, the mutations of the router. The Server Actions of a
    page's folder always count (what they change is what the page shows)."""
    folder = str(PurePosixPath(feed.path).parent)
    if feed.handler.startswith("action ") and folder == read.actions_dir:  # a file's folder is never empty
        return True
    if read.tables:
        return feed.table in read.tables
    if read.url and feed.path in routes and naming.serves(feed.path, read.url):
        return True
    if not read.router or not feed.handler.startswith("mutation "):
        return False
    return _router_of(feed.handler) == _last(read.router)


def _router_of(label: str) -> str:
    procedure = label.removeprefix("mutation ")
    return procedure.rsplit(".", 1)[0] if "." in procedure else ""


def _last(router: str) -> str:
    return router.split(".")[-1]


def events_of(feeds: list[Feed]) -> list[str]:
    return sorted({f.event for f in feeds})


def string_list(events: list[str], quote: str) -> str:
    return "[" + ", ".join(f"{quote}{e}{quote}" for e in events) + "]"


def component_statement(node: SgNode) -> SgNode | None:
    """The statement of a component's body that holds `node` (a hook call): the line goes below it. None when
    the call is not at the top level of a function body (a hook must be)."""
    current: SgNode | None = node
    while current is not None:
        parent = current.parent()
        if parent is not None and parent.kind() == "statement_block":
            owner = parent.parent()
            return current if owner is not None and owner.kind() in FUNCTIONS else None
        current = parent
    return None


def hook_line(file: TsFile, read: Read, hook: str, args: str, subject: str) -> Edit | Skip:
    """`hook(args);` on a line of its own below the statement holding the read; once per component (a file
    can hold several, each reading on its own)."""
    owner = next((a for a in read.anchor.ancestors() if a.kind() in FUNCTIONS), None)
    if f"{hook}(" in (owner.text() if owner is not None else file.text):
        return Skip(file.path, ALREADY_SUBSCRIBES, read.line, read.what)
    semi = ";" if read.anchor.text().rstrip().endswith(";") else ""
    insertion: Insertion = line_after_insertion(file.text, read.anchor, f"{hook}({args}){semi}", f"subscribe {subject}")
    return Edit(file.path, (insertion,), line=file.line(read.anchor), subject=subject)


def quote(file: TsFile) -> str:
    return quote_of(file.root)


def literal(node: SgNode | None) -> str | None:
    """The value of a plain string literal (`"/api/team"`, `'x'`, a template without `${}`), else None."""
    if node is None:
        return None
    if node.kind() == "string" or (node.kind() == "template_string" and "${" not in node.text()):
        return node.text()[1:-1]
    return None


def is_client(file: TsFile, client: bool | None = None) -> bool:
    """Whether the file runs in the browser: `client` when the caller knows (a file a client component imports
    is client code, "use client" or not), else its own directive."""
    return pages.is_client_component(file.root) if client is None else client


def hook_calls(
    file: TsFile, names: tuple[str, ...], client: bool | None = None
) -> list[tuple[SgNode, str, list[SgNode]]]:
    """Each call of a hook named in `names` (`useSWR(...)`, not `x.useSWR(...)`) in a client component, with
    its name and arguments; nothing in a server component, where no hook runs."""
    if not is_client(file, client):
        return []
    found: list[tuple[SgNode, str, list[SgNode]]] = []
    for call in file.root.find_all(kind="call_expression"):
        fn = call.field("function")
        if fn is not None and fn.kind() == "identifier" and fn.text() in names:
            found.append((call, fn.text(), named_args(call)))
    return found


def named_args(call: SgNode) -> list[SgNode]:
    args = call.field("arguments")
    return [c for c in args.children() if c.is_named() and c.kind() != "comment"] if args is not None else []


def key_hook(file: TsFile, read: Read, feeds: list[Feed], hook: str, writes: str = "write") -> Edit | Skip:
    """`hook(<the page's key>, [<events>])` below what the page reads, for the strategies that refetch by key
    (SWR, TanStack Query, tRPC); a skip when no wired write feeds it."""
    events = events_of(feeds)
    if not events:
        return Skip(file.path, f"no {writes} afc wired changes {read.source()}", read.line, read.what)
    return hook_line(file, read, hook, f"{read.key}, {string_list(events, quote(file))}", read.what)
