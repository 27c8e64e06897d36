"""Where the app already serves a table's rows to signed-out visitors: a GET route handler, a Pages Router API
handler, a Server Component page, or a tRPC `publicProcedure` query that reads the table with no session
check, itself or through the functions of the project it calls (and theirs, to STEPS steps: page ->
`lib/queries.ts` -> `lib/db/todos.ts`). That, and the user's `--public`, is what makes a table `public`
(`audience.py`): a realtime event then shows nobody anything the app does not show them already.

Failing closed: a handler counts as a check when it calls anything named like a session, a user or an admin
(`auth()`, `getServerSession`, `currentUser`, `getUser`, `auth.api.getSession`, `cookies()`), reads
`ctx.session`, redirects to a sign-in page, or sits under a layout that does, at any step of the way; a read
deeper than STEPS is not seen, so it serves nothing; a `middleware.ts` that looks at sessions may guard any
path, so with one nothing counts as served to anyone."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from .datamodel import DataModel
from .edits.typescript import TsFile
from .project import Project
from .tree import Tree
from .writes import calls, pagesapi
from .writes.find import source_files
from .writes.graph import Graph
from .writes.site import Handler, body_of, export_clauses, local_binding, resolve_function
from .writes.trpc import procedure_name

if TYPE_CHECKING:
    from ast_grep_py import SgNode

# Drizzle `.from(todos)`, `.leftJoin(schema.users, ...)`, `db.query.todos.findMany(`; Prisma `prisma.post.findMany(`.
READS = (
    re.compile(r"\.(?:from|innerJoin|leftJoin|rightJoin|fullJoin)\(\s*(?:\w+\.)?(\w+)\s*[,)]"),
    re.compile(r"\.(\w+)\.(?:findMany|findFirst|findUnique|findFirstOrThrow|findUniqueOrThrow)\("),
)
SESSION_CHECK = re.compile(
    r"\b\w*(?:[Aa]uth|[Ss]ession|[Uu]ser|[Ss]igned[Ii]n|[Ll]ogged[Ii]n|[Pp]rotect|[Aa]dmin)\w*\s*\("
    r"|\bctx\.(?:session|user|auth)\b|\bprotectedProcedure\b|\bauth\.api\.|\bcookies\(\s*\)"
    r"|redirect\(\s*[\"'`][^\"'`]*(?:sign-?in|log-?in|auth)"
)
LOCALES = frozenset({"locale", "lang", "lng", "language"})  # next-intl's `[locale]`: a URL segment naming no row
MIDDLEWARE = ("middleware.ts", "middleware.js", "src/middleware.ts", "src/middleware.js")

STEPS = 3  # a page's reads are followed this many calls deep: page -> lib/queries.ts -> lib/db/todos.ts -> ...
Served = dict[str, tuple[str, ...]]  # table (as the schema names it) -> "GET /api/todos (path:line)", ...


def served(project: Project, tree: Tree, load: Callable[[str], TsFile | None], model: DataModel) -> Served:
    """Every table some entry point serves to signed-out visitors, with the places that do."""
    for name in MIDDLEWARE:
        text = tree.read_text(_in_app(project, name)) or ""
        if SESSION_CHECK.search(text) or re.search(r"\bauth\b|clerk|session", text, re.IGNORECASE):
            return {}
    found: dict[str, list[str]] = {}
    for place, text in _entry_points(project, tree, load):
        if SESSION_CHECK.search(text):
            continue
        for table in _tables_read(text, model):
            found.setdefault(table, [])
            if place not in found[table]:
                found[table].append(place)
    return {table: tuple(places) for table, places in found.items()}


def _in_app(project: Project, name: str) -> str:
    return name if project.web == "." else f"{project.web}/{name}"


def _tables_read(text: str, model: DataModel) -> list[str]:
    tables = []
    for pattern in READS:
        for match in pattern.finditer(text):
            table = model.table(match.group(1))
            if table is not None and table.name not in tables:
                tables.append(table.name)
    return tables


def _entry_points(project: Project, tree: Tree, load: Callable[[str], TsFile | None]) -> list[tuple[str, str]]:
    """(how the plan names it, the text a session check would be in) for each public entry point."""
    points: list[tuple[str, str]] = []
    sources = source_files(project, tree)
    graph = Graph(tree, sources, load, project.packages)  # modules are read as the helpers are followed
    for path in project.routes:  # each GET, and what it reads through the helpers it calls, to STEPS
        file = load(path) if "GET" in (tree.read_text(path) or "") and not _keyed(path) else None
        for line, text, nodes in _route_get(file) if file is not None else []:
            text += _followed_text(tree, graph, path, nodes)
            points.append((f"GET {_url(path)} ({path}:{line})", text))
    for path in project.pages:
        text = tree.read_text(path) or ""
        if _is_client(text) or _keyed(path):
            continue
        text += _called_text(tree, load, graph, path)  # what its helpers read and check, to STEPS
        if _reads(text):
            guards = "".join(tree.read_text(layout) or "" for layout in _layouts(project, path))
            points.append((f"page {_url(path)} ({path}:1)", text + guards))
    for path in pagesapi.files(project, tree, sources):
        file = None if _keyed(path) else load(path)
        for handler in pagesapi.handlers(file) if file is not None else []:
            if isinstance(handler, Handler) and file is not None:
                text = file.root.text() + _followed_text(tree, graph, path, (file.root,))
                points.append((f"API {_url(path)} ({path}:{handler.line})", text))
    for path in sources:
        if path.endswith((".ts", ".tsx")) and not path.endswith(".d.ts"):
            text = tree.read_text(path) or ""
            if "publicProcedure" in text and ".query(" in text:
                file = load(path)
                for place, text, node in _public_queries(file) if file is not None else []:
                    points.append((place, text + _followed_text(tree, graph, path, (node,))))
    return points


def _called_text(tree: Tree, load: Callable[[str], TsFile | None], graph: Graph, path: str) -> str:
    """The text of the functions and components of the project the page at `path` calls or renders, and
    theirs, up to STEPS steps (`listPosts()` of `@/lib/queries`, which calls `selectPosts()` of
    `@/lib/db/posts`), client components left out: their reads and checks count as its own, a session check
    at any step on the way as much as one in the page."""
    file = load(path)
    if file is None:
        return ""
    names = [call.field("function") for call in file.root.find_all(kind="call_expression")]
    for kind in ("jsx_opening_element", "jsx_self_closing_element"):
        names += [element.field("name") for element in file.root.find_all(kind=kind)]
    found = dict.fromkeys(n.text() for n in names if n is not None and n.kind() == "identifier")
    return "".join("\n" + text for text in reached(tree, graph, path, tuple(found)))


def _followed_text(tree: Tree, graph: Graph, path: str, nodes: tuple[SgNode, ...]) -> str:
    """The text of the project functions the code of `nodes` (in the module at `path`: a route's GET) calls,
    and what those call, to STEPS steps; client modules left out."""
    texts: dict[tuple[str, int], str] = {}
    for node in nodes:
        for function in calls.follow(graph, path, node, depth=STEPS, stop=lambda m: _client(tree, m)).functions:
            texts.setdefault(function.key, function.node.text())
    return "".join("\n" + text for text in texts.values())


def _client(tree: Tree, module: str) -> bool:
    return _is_client(tree.read_text(module) or "")


def reached(tree: Tree, graph: Graph, path: str, names: tuple[str, ...]) -> list[str]:
    """The text of each function and component of the project that the module at `path` reaches through
    these names (step 1: what it calls or renders by them, a function of its own file too), and what those
    call or render, to STEPS steps in all (`calls.follow`, cycles safe). Client components are left out, and
    not followed: they follow their own reads. Deeper than STEPS nothing counts: a table read there is no
    table the page reads (it does not refresh on it; it is not served to anyone)."""
    texts: dict[tuple[str, int], str] = {}

    def client(module: str) -> bool:
        return _client(tree, module)

    for name in names:
        binding = graph.local(path, name)
        if binding is None or binding.node is None or client(binding.path):
            continue
        texts.setdefault((binding.path, binding.node.range().start.index), binding.node.text())
        deeper = calls.follow(graph, binding.path, binding.node, depth=STEPS - 1, rendered=True, stop=client)
        for function in deeper.functions:
            texts.setdefault(function.key, function.node.text())
    return list(texts.values())


def _keyed(path: str) -> bool:
    """A URL with a key in it (`/api/share/[slug]`, `/posts/[id]`): it serves the rows its key names to whoever
    holds the URL (a share link, an invitation), not the table to everyone; a list at a URL that names no row
    does. A locale (`/[locale]/counter`) names no row."""
    return any(segment not in LOCALES for segment in re.findall(r"\[+(?:\.\.\.)?([^\]]+)\]+", _url(path)))


def _reads(text: str) -> bool:
    return any(pattern.search(text) for pattern in READS)


def _is_client(text: str) -> bool:
    return re.match(r"""\s*(?:(?://[^\n]*|/\*.*?\*/)\s*)*["']use client["']""", text, re.DOTALL) is not None


def _route_get(file: TsFile) -> list[tuple[int, str, tuple[SgNode, ...]]]:
    """The exported GET of a route file: (its line, its text with any wrapper around it, the nodes of that
    text, whose calls are followed)."""
    found: list[tuple[int, str, tuple[SgNode, ...]]] = []
    for statement in file.root.children():
        if statement.kind() != "export_statement":
            continue
        decl = statement.field("declaration")
        if decl is None:
            continue
        name = decl.field("name")
        if decl.kind() == "function_declaration" and name is not None and name.text() == "GET":
            found.append((file.line(statement), statement.text(), (statement,)))
        elif decl.kind() == "lexical_declaration":
            for declarator in decl.children():
                ident = declarator.field("name") if declarator.kind() == "variable_declarator" else None
                if ident is not None and ident.kind() == "identifier" and ident.text() == "GET":
                    function = resolve_function(file.root, declarator.field("value"))
                    body = body_of(function) if function is not None else None
                    text = statement.text() + (body.text() if body else "")
                    found.append((file.line(statement), text, (statement, *([body] if body else []))))
    for exported, local, statement in export_clauses(file.root):
        bound = local_binding(file.root, local) if exported == "GET" else None
        if bound is not None:
            function = bound if bound.kind() == "function_declaration" else resolve_function(file.root, bound)
            text = bound.text() + (function.text() if function is not None else "")
            found.append((file.line(statement), text, (bound, *([function] if function is not None else []))))
    return found


def _public_queries(file: TsFile) -> list[tuple[str, str, SgNode]]:
    """`list: publicProcedure.query(({ ctx }) => ctx.db.post.findMany())`: (its place, its text, its node)."""
    found: list[tuple[str, str, SgNode]] = []
    for call in file.root.find_all(kind="call_expression"):
        fn = call.field("function")
        prop = fn.field("property") if fn is not None and fn.kind() == "member_expression" else None
        if prop is None or prop.text() != "query" or fn is None:
            continue
        chain = fn.field("object")
        if chain is None or not re.match(r"publicProcedure\b", chain.text()):
            continue
        if re.search(r"\.input\(", chain.text()):  # `.input(z.object({ id }))`: the rows its input names (`_keyed`)
            continue
        key = next((a.field("key") for a in call.ancestors() if a.kind() == "pair"), None)
        name = key.text().strip("\"'") if key is not None else "(query)"
        found.append((f"publicProcedure query {name} ({file.path}:{file.line(call)})", call.text(), call))
    return found


def _layouts(project: Project, page: str) -> list[str]:
    """The layouts a page renders inside: its own folder's and every parent's, up to `app/`."""
    app = PurePosixPath(project.src) / "app"
    folder = PurePosixPath(page).parent
    found = []
    while folder.is_relative_to(app):
        for name in ("layout.tsx", "layout.jsx", "layout.ts", "layout.js"):
            found.append(str(folder / name))
        if folder == app:
            break
        folder = folder.parent
    return found


def url_of(path: str) -> str:
    """The URL a page or route file serves (see `_url`)."""
    return _url(path)


def _url(path: str) -> str:
    """`apps/web/src/app/(shop)/api/todos/route.ts` -> /api/todos; `pages/api/x.ts` -> /api/x."""
    parts = PurePosixPath(path).parts
    for base in ("app", "pages"):
        if base in parts:
            rest = parts[len(parts) - parts[::-1].index(base) :]
            break
    else:
        rest = parts
    segments = [p for p in rest if not (p.startswith("(") and p.endswith(")"))]
    if segments and PurePosixPath(segments[-1]).stem in ("route", "page", "index"):
        segments = segments[:-1]
    elif segments:
        segments[-1] = PurePosixPath(segments[-1]).stem
    return "/" + "/".join(segments)


class DataPaths:
    """What a component's data path reads, followed from the client to the tables: the GET handler at the URL
    it fetches, or the tRPC query procedure it calls (`api.post.getLatest` -> `getLatest` of `postRouter`).
    Built once per run; the tables as the schema names them, as the writes' events do."""

    def __init__(
        self,
        project: Project,
        tree: Tree,
        load: Callable[[str], TsFile | None],
        model: DataModel,
        graph: Graph | None = None,
    ):
        self.project, self.tree, self.load, self.model, self.graph = project, tree, load, model, graph
        self._queries: dict[str, list[tuple[str, frozenset[str]]]] | None = None

    def called(self, path: str, names: tuple[str, ...]) -> set[str]:
        """The tables read by the functions and components of the project that the Server Component at
        `path` calls or renders by these names, and by theirs, up to STEPS steps (`getTodos()` of
        `@/lib/queries`, which calls `selectTodos()` of `@/lib/db/todos`; `<TodoList />` of `./todo-list`;
        a function of its own file). Client components are left out: they follow their own reads."""
        found: set[str] = set()
        if self.graph is not None:
            for text in reached(self.tree, self.graph, path, names):
                found.update(_tables_read(text, self.model))
        return found

    def table(self, name: str) -> str:
        """`todos` for the code's `todos` (or Prisma's `post` for `Post`): the schema's name, else as given."""
        found = self.model.table(name)
        return found.name if found is not None else name

    def route(self, url: str) -> tuple[frozenset[str], str] | None:
        """The tables the GET handlers at exactly `url` read, themselves or through the helpers they call (to
        STEPS), and where the first is; None when there is no such handler or afc sees no table it reads."""
        tables: set[str] = set()
        places = []
        for path in self.project.routes:
            file = self.load(path) if _url(path) == url else None
            for line, text, nodes in _route_get(file) if file is not None else []:
                if self.graph is not None:
                    text += _followed_text(self.tree, self.graph, path, nodes)
                found = _tables_read(text, self.model)
                if found:
                    tables.update(found)
                    places.append(f"GET {url} ({path}:{line})")
        return (frozenset(tables), places[0]) if tables else None

    def procedure(self, router: str, name: str) -> tuple[frozenset[str], str] | None:
        """The tables the tRPC query `name` of `router` reads (`post`, `getLatest`), and where it is."""
        if self._queries is None:
            self._queries = self._index_queries()
        for place, tables in self._queries.get(f"{router.rsplit('.', 1)[-1]}.{name}", []):
            if tables:
                return tables, place
        return None

    def _index_queries(self) -> dict[str, list[tuple[str, frozenset[str]]]]:
        found: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for path in source_files(self.project, self.tree):
            if not path.endswith((".ts", ".tsx", ".mts")) or path.endswith(".d.ts"):
                continue
            if ".query(" not in (self.tree.read_text(path) or ""):
                continue
            file = self.load(path)
            for call in _query_calls(file) if file is not None else []:
                label = procedure_name(call)
                text = call.text()  # the resolver, and the helpers it calls (to STEPS)
                text += _followed_text(self.tree, self.graph, path, (call,)) if self.graph is not None else ""
                tables = frozenset(_tables_read(text, self.model))
                place = f"query {label} ({path}:{file.line(call) if file is not None else 0})"
                found.setdefault(label, []).append((place, tables))
        return found


def _query_calls(file: TsFile) -> list[SgNode]:
    """Each `<procedure>.query(resolver)` call: a member call named `query` whose object is a chain."""
    calls = []
    for call in file.root.find_all(kind="call_expression"):
        fn = call.field("function")
        prop = fn.field("property") if fn is not None and fn.kind() == "member_expression" else None
        if prop is not None and prop.text() == "query" and fn is not None and "rocedure" in (fn.text()):
            calls.append(call)
    return calls
