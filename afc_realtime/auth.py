"""Which authentication the web app uses, found by what its modules build (never by a file's name), so the
ticket route afc generates can ask it who the browser is: Auth.js v5 (`NextAuth(...)` giving `auth`),
NextAuth v4 (`getServerSession(authOptions)`), Clerk, better-auth (`betterAuth(...)`, or a factory of the
project's that returns one), Supabase (`createServerClient(...)` in a function of the project's), a
session function of the project's own (Lucia-style `validateRequest`, an iron-session `getSession`, a
`getCurrentUser`; with no argument or with the handler's request), or iron-session called in the handlers
themselves (`getIronSession<Data>(await cookies(), options)`, the Pages Router's `(req, res, options)`),
found by their use in the app's handlers, Server Actions and pages, with the user id read where they read
it. `authcall.py` writes the call; None of these: `none` (public events only)."""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .edits import typescript as ts
from .edits.result import Skip
from .project import Project
from .tree import Tree
from .writes.find import source_files
from .writes.graph import Graph
from .writes.scope import unwrap
from .writes.site import FUNCTIONS, function_in

if TYPE_CHECKING:
    from ast_grep_py import SgNode

SOURCES = (".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs")
NOT_APP = re.compile(r"(?:^|/)(?:__tests__|tests?|e2e|scripts|seed|fixtures)/|\.(?:test|spec|stories)\.")
# A zero-argument function of the project's whose result names the signed-in user.
SESSION_NAME = re.compile(r"(?i)session|user|auth|validaterequest|viewer|whoami")
NOT_SESSION = re.compile(r"^(?:create|update|delete|set|sign|log|invalidate|remove|send|clear|destroy|use[A-Z])")
ENTRY = re.compile(r"(?:^|/)(?:route|page|layout|actions?)\.[jt]sx?$|(?:^|/)pages/api/")
ID_NAMES = ("id", "userId", "user_id", "uid")  # where a session holds the user's id
# `await f()`, or `await f(req)`: given the handler's request
AWAITED = re.compile(r"await\s+([A-Za-z_$][\w$]*)\(\s*(?:[A-Za-z_$][\w$]*\s*)?\)")
AWAITS = ("await_expression", "call_expression")  # see _iron_session
# Where the users live with a hosted identity provider, not in the app's schema: the session's user id is the
# provider's (Clerk's `auth().userId`, Supabase Auth's `user.id`), which the app stores in its `userId` columns.
HOSTED_USERS = frozenset({"clerk", "supabase"})
USE_SERVER = re.compile(r"""^\s*["']use server["']""", re.MULTILINE)


@dataclass(frozen=True)
class AuthSetup:
    kind: str  # authjs | nextauth | clerk | better-auth | supabase | session | iron-session | none
    module: str | None = None  # the project module that exports what authorize.ts imports
    export: str = "auth"  # the name it exports it under; "default" for a default export
    specifier: str | None = None  # how the app imports that module when not by path (`@acme/auth`, `@/auth`)
    library: str | None = None  # NextAuth v4: where the app imports getServerSession from
    path: tuple[str, ...] = ()  # a session function: the properties from what it returns to the user id
    flavour: str = ""  # a session function: Lucia-style, iron-session, or the project's own
    request: str = ""  # what a session function takes: "" (nothing), "Request" or "NextRequest"
    data: tuple[str, str] | None = None  # iron-session: (module, exported name) of the session's data type

    @property
    def name(self) -> str:
        if self.kind == "session":
            own = f"the app's own `{self.local}({'request' if self.request else ''})`"
            return f"{own} ({self.flavour} sessions)" if self.flavour else own
        names = {
            "authjs": "Auth.js",
            "nextauth": "NextAuth v4",
            "clerk": "Clerk",
            "better-auth": "better-auth",
            "supabase": "Supabase auth",
            "iron-session": "iron-session",
        }
        return names.get(self.kind, "an app without authentication")

    @property
    def local(self) -> str:
        """The name authorize.ts imports it under."""
        return "auth" if self.export == "default" else self.export

    def ticket_route(self) -> str:
        """What the ticket route afc generates does, for the plan's summary."""
        where = self.module
        asks = {
            "authjs": f"Auth.js (`{self.local}()` from {where})",
            "nextauth": f"NextAuth v4 (`getServerSession({self.local})` with `{self.local}` from {where})",
            "clerk": f"Clerk (`auth()` from {self.library or '@clerk/nextjs/server'})",
            "better-auth": f"better-auth (`{self.local}.api.getSession` from {where})",
            "supabase": f"Supabase auth (`{self.local}()` from {where}, then `auth.getUser()`)",
            "session": f"{self.name} from {where}, reading `{'.'.join(self.path)}`,",
            "iron-session": f"iron-session (`getIronSession` with `{self.local}` from {where}, reading "
            f"`{'.'.join(self.path)}`)",
        }.get(self.kind)
        if asks is None:
            return "a ticket route that lets every browser join `public` only (no authentication found)"
        return f"a ticket route that asks {asks} who the browser is"


def detect_auth(project: Project, tree: Tree) -> AuthSetup:
    """Asked more than once a run (the plan, who may join a team's channel): found once per tree and app."""
    found = _FOUND.setdefault(tree, {})
    if project.web not in found:
        found[project.web] = _Finder(project, tree).find()
    return found[project.web]


_FOUND: weakref.WeakKeyDictionary[Tree, dict[str, AuthSetup]] = weakref.WeakKeyDictionary()


class _Finder:
    def __init__(self, project: Project, tree: Tree):
        self.project, self.tree = project, tree
        sources = [p for p in source_files(project, tree) if p.endswith(SOURCES) and not p.endswith(".d.ts")]
        others = tuple(f"{app}/" for app in project.apps if app not in (project.web, "."))
        # the chosen app's and the shared packages' modules: never another app's, a test's or a script's
        self.sources = [p for p in sources if not NOT_APP.search(p) and not p.startswith(others)]
        self._parsed: dict[str, ts.TsFile | None] = {}
        self._texts: dict[str, str] = {}
        self.graph = Graph(tree, sources, self._load, project.packages)

    def _text(self, path: str) -> str:
        if path not in self._texts:
            self._texts[path] = self.tree.read_text(path) or ""
        return self._texts[path]

    def _load(self, path: str) -> ts.TsFile | None:
        if path not in self._parsed:
            loaded = ts.load(path, self._text(path))
            self._parsed[path] = None if isinstance(loaded, Skip) else loaded
        return self._parsed[path]

    def _containing(self, *markers: str) -> Iterator[tuple[str, ts.TsFile]]:
        """The app's files first, then the workspace's, whose text has one of `markers`, parsed."""
        web = [p for p in self.sources if p.startswith(f"{self.project.web}/") or self.project.web == "."]
        for path in dict.fromkeys([*web, *self.sources]):
            text = self._text(path)
            if any(m in text for m in markers):
                file = self._load(path)
                if file is not None:
                    yield path, file

    def find(self) -> AuthSetup:
        finders = (self._authjs, self._nextauth, self._clerk, self._better_auth, self._supabase, self._session)
        for find in (*finders, self._iron_session):
            found = find()
            if found is not None:
                return found
        return AuthSetup("none")

    def _clerk(self) -> AuthSetup | None:
        """Clerk's `auth()` from where the app imports its server helpers (`@clerk/nextjs/server` from v5 on,
        `@clerk/nextjs` in v4's App Router)."""
        if "@clerk/nextjs" not in self.project.web_dependencies:
            return None
        for _, file in self._containing("@clerk/nextjs"):
            for name in ("auth", "currentUser"):
                library = _imported_from(file.root, name)
                if library in ("@clerk/nextjs", "@clerk/nextjs/server"):
                    return AuthSetup("clerk", library=library)
        return AuthSetup("clerk", library="@clerk/nextjs/server")

    def _setup(self, kind: str, module: str, export: str, **more: object) -> AuthSetup:
        return AuthSetup(kind, module, export, self._specifier(module, export), **more)  # type: ignore[arg-type]

    # -- libraries -------------------------------------------------------------------------------------------
    def _authjs(self) -> AuthSetup | None:
        """Auth.js v5: `export const { auth } = NextAuth(...)` (or `{ auth: getSession }`, `export { auth }`)."""
        for path, file in self._containing("NextAuth("):
            for export, (value, prop) in _exports(file.root).items():
                if prop == "auth" and _callee(value) == "NextAuth":
                    return self._setup("authjs", path, export)
        return None

    def _nextauth(self) -> AuthSetup | None:
        """NextAuth v4: the options the app hands `getServerSession(..., authOptions)` or `NextAuth(authOptions)`,
        wherever they are exported from (a `lib/auth.ts`, `pages/api/auth/[...nextauth].ts`)."""
        for path, file in self._containing("getServerSession(", "NextAuth("):
            library = _imported_from(file.root, "getServerSession")
            for call in file.root.find_all(kind="call_expression"):
                if _callee(call) not in ("getServerSession", "NextAuth"):
                    continue
                args = [a for a in (call.field("arguments") or call).children() if a.is_named()]
                options = unwrap(args[-1]) if args else None
                if options is None or options.kind() != "identifier":
                    continue
                found = self._exported_as(path, file, options.text())
                if found is not None:
                    module, export = found
                    return self._setup("nextauth", module, export, library=library or "next-auth")
        return None

    def _better_auth(self) -> AuthSetup | None:
        """An exported binding holding `betterAuth(...)`, or what a factory of the project's that returns one
        gives (`export const auth = initAuth({...})`): named, renamed or default, as exported."""
        factories = {"betterAuth"}
        for _, file in self._containing("betterAuth("):
            for name, function in _functions(file.root):
                if function is not None and "betterAuth(" in function.text():
                    factories.add(name)
        for path, file in self._containing(*(f"{f}(" for f in factories)):
            for export, (value, prop) in _exports(file.root).items():
                if prop is None and _callee(value) in factories:
                    return self._setup("better-auth", path, export)
        return None

    def _supabase(self) -> AuthSetup | None:
        """A function of the project's that returns `createServerClient(...)` (@supabase/ssr's server client)."""
        for path, file in self._containing("createServerClient("):
            exports = _exports(file.root)
            for _, function in _functions(file.root):
                if function is None or "createServerClient(" not in function.text() or _arity(function):
                    continue
                at = function.range().start.index
                export = next((e for e, (v, _) in exports.items() if v is not None and _starts(v) == at), None)
                if export is not None:
                    return self._setup("supabase", path, export)
        return None

    # -- the project's own session function ------------------------------------------------------------------
    def _session(self) -> AuthSetup | None:
        """The function of the project's that the app's handlers, Server Actions and pages await for the
        signed-in user (`const session = await getSession()`, `const { user } = await validateRequest()`,
        or given the handler's request: `await getSession(req)`), with the path to the user id that most of
        them read."""
        votes: Counter[tuple[str, str, tuple[str, ...], str]] = Counter()
        for path, file in self._entries():
            for call in file.root.find_all(kind="call_expression"):
                name = _callee(call)
                args = call.field("arguments")
                if not name or not SESSION_NAME.search(name) or NOT_SESSION.match(name[:1].lower() + name[1:]):
                    continue
                named = [a for a in args.children() if a.is_named()] if args is not None else None
                if named is None or len(named) > 1 or (named and not _is_the_request(call, named[0])):
                    continue
                awaited = call.parent()
                if awaited is None or awaited.kind() != "await_expression":
                    continue
                found = self._exported_as(path, file, name, functions_only=True)
                read = _id_read(awaited)
                if found is None or not read:
                    continue
                request = self._takes(*found) if named else ""
                if request is not None:
                    votes[(*found, read, request)] += 1
        for (module, export, read, request), _ in votes.most_common(1):
            flavour = self._flavour(module, export)
            return self._setup("session", module, export, path=read, flavour=flavour, request=request)
        return None

    def _takes(self, module: str, export: str) -> str | None:
        """What the session function exported as `export` takes as the request: its first parameter's type,
        `NextRequest` or `Request` (untyped: a Request); None for any other (the Pages Router's
        `NextApiRequest`, Node's `IncomingMessage`), which the ticket route cannot give it."""
        binding = self.graph.exported(module, export)
        function = function_in(binding.node) if binding is not None and binding.node is not None else None
        params = function.field("parameters") if function is not None else None
        first = next((p for p in params.children() if p.is_named()), None) if params is not None else None
        if first is None:
            return None
        typed = first.field("type")
        written = typed.text().lstrip(":").strip() if typed is not None else "Request"
        return written if written in ("Request", "NextRequest") else None

    def _iron_session(self) -> AuthSetup | None:
        """iron-session called in the app's own handlers and pages, with options and a data type exported by
        a module of the project's: `getIronSession<SessionData>(await cookies(), sessionOptions)`, or the
        Pages Router's `getIronSession<SessionData>(req, res, sessionOptions)`."""
        for path, file in self._containing("getIronSession"):
            if _imported_from(file.root, "getIronSession") != "iron-session":
                continue
            for call in file.root.find_all(kind="call_expression"):
                function = call.field("function")
                # `await f<T>(x)` parses as a call of `await f`: the call is then what is awaited
                awaited = call if function is not None and function.kind() == "await_expression" else call.parent()
                if _callee(call) != "getIronSession" or awaited is None or awaited.kind() not in AWAITS:
                    continue
                args = [a for a in (call.field("arguments") or call).children() if a.is_named()]
                types = [t for t in (call.field("type_arguments") or call).children() if t.is_named()]
                if not args or args[-1].kind() != "identifier" or not types:
                    continue
                options = self._exported_as(path, file, args[-1].text())
                data = self._exported_as(path, file, types[0].text())
                read = _id_read(awaited)
                if options is not None and data is not None and read:
                    return self._setup("iron-session", *options, path=read, data=data)
        return None

    def _entries(self) -> Iterator[tuple[str, ts.TsFile]]:
        app = self.project.web
        for path in self.sources:
            if not (path.startswith(f"{app}/") or app == "."):
                continue
            text = self._text(path)
            awaited = {m.group(1) for m in AWAITED.finditer(text)}
            if (ENTRY.search(path) or USE_SERVER.search(text)) and any(SESSION_NAME.search(n) for n in awaited):
                file = self._load(path)
                if file is not None:
                    yield path, file

    def _flavour(self, module: str, export: str) -> str:
        text = self._text(module)
        if "getIronSession" in text:
            return "iron-session"
        if export == "validateRequest" or "lucia" in text.lower() or "validateSessionToken" in text:
            return "Lucia-style"
        return ""

    # -- bindings --------------------------------------------------------------------------------------------
    def _exported_as(
        self, path: str, file: ts.TsFile, name: str, functions_only: bool = False
    ) -> tuple[str, str] | None:
        """(module, exported name) of what `name` is in `path`: its own export, or the project module it is
        imported from (None: a package's, or not exported)."""
        module = self.graph.module(path)
        if module is None:
            return None
        imported = module.imports.get(name)
        if imported is not None:
            target = self.graph.target(path, imported.specifier)
            if target is None or imported.name == "*":
                return None
            binding = self.graph.exported(target, imported.name)
            if functions_only and (binding is None or not _is_function(binding.node)):
                return None
            return target, imported.name
        if functions_only:
            return None  # a handler's own helper is no session function of the app's
        exports = _exports(file.root)
        export = next((e for e, (value, _) in exports.items() if _name_of(value) == name), None)
        return (path, export) if export is not None else None

    def _specifier(self, module: str, export: str) -> str | None:
        """The bare specifier (a workspace package or a tsconfig alias) the app's own files import `module`
        by, if any; else authorize.ts imports it by path."""
        app = self.project.web
        stem = module.rsplit(".", 1)[0].removesuffix("/index").rsplit("/", 1)[-1]
        stem = "" if stem in ("src", "lib") else stem  # a package's entry: imported by the package's name
        for path in self.sources:
            if not (path.startswith(f"{app}/") or app == "."):
                continue
            text = self._text(path)
            if stem not in text:
                continue
            for specifier in re.findall(r"""from\s*["']([^"'.][^"']*)["']""", text):
                if self.graph.target(path, specifier) == module:
                    return str(specifier)
        return None


def _callee(node: SgNode | None) -> str | None:
    """The name a call calls: `NextAuth` for `NextAuth(...)`, `getSession` for `auth.getSession(...)`."""
    if node is None:
        return None
    node = unwrap(node)
    if node.kind() != "call_expression":
        return None
    function = node.field("function")
    return function.text().removeprefix("await ").rsplit(".", 1)[-1] if function is not None else None


def _starts(node: SgNode) -> int:
    inner = function_in(node)
    return (inner or node).range().start.index


def _is_the_request(call: SgNode, argument: SgNode) -> bool:
    """Whether `argument` is the request the function around `call` was given (its first parameter)."""
    if argument.kind() != "identifier":
        return False
    function = next((a for a in call.ancestors() if a.kind() in FUNCTIONS), None)
    params = function.field("parameters") if function is not None else None
    first = next((p for p in params.children() if p.is_named()), None) if params is not None else None
    pattern = first.field("pattern") if first is not None else None
    return pattern is not None and pattern.text() == argument.text()


def _name_of(node: SgNode | None) -> str | None:
    return node.text() if node is not None and node.kind() == "identifier" else None


def _arity(function: SgNode) -> int:
    params = function.field("parameters")
    return len([p for p in params.children() if p.is_named()]) if params is not None else 1


def _is_function(node: SgNode | None) -> bool:
    return node is not None and (node.kind() in (*FUNCTIONS, "function_declaration") or function_in(node) is not None)


def _imported_from(root: SgNode, name: str) -> str | None:
    for statement in ts.top_level_imports(root):
        source = statement.field("source")
        if source is not None and re.search(rf"\b{name}\b", statement.text()):
            return source.text().strip("\"'`")
    return None


def _functions(root: SgNode) -> Iterator[tuple[str, SgNode | None]]:
    """The top-level functions of a module, by name (`function f`, `const f = () => ...`, exported or not)."""
    for statement in root.children():
        node = statement.field("declaration") if statement.kind() == "export_statement" else statement
        if node is None:
            continue
        if node.kind() == "function_declaration":
            ident = node.field("name")
            if ident is not None:
                yield ident.text(), node
        elif node.kind() in ("lexical_declaration", "variable_declaration"):
            for declarator in (d for d in node.children() if d.kind() == "variable_declarator"):
                ident, value = declarator.field("name"), declarator.field("value")
                if ident is not None and ident.kind() == "identifier" and value is not None:
                    yield ident.text(), function_in(value)


def _exports(root: SgNode) -> dict[str, tuple[SgNode | None, str | None]]:
    """What a module exports: name -> (the value bound, the property of it when destructured). `export const
    { auth: getSession } = NextAuth(...)` gives `getSession -> (NextAuth(...), "auth")`; `export default
    betterAuth(...)` gives `default -> (betterAuth(...), None)`; `export { x as y }` follows `x`."""
    declared: dict[str, tuple[SgNode | None, str | None]] = {}
    exported: dict[str, str] = {}
    found: dict[str, tuple[SgNode | None, str | None]] = {}
    for statement in root.children():
        is_export = statement.kind() == "export_statement"
        node = statement.field("declaration") if is_export else statement
        if is_export and node is None:
            value = statement.field("value")
            if value is not None:  # `export default <expression>`
                if value.kind() == "identifier":
                    exported["default"] = value.text()
                else:
                    found["default"] = (unwrap(value), None)
            elif statement.field("source") is None:
                for spec in (s for c in statement.children() if c.kind() == "export_clause" for s in c.children()):
                    inner, alias = spec.field("name"), spec.field("alias")
                    if spec.kind() == "export_specifier" and inner is not None:
                        exported[(alias or inner).text()] = inner.text()
            continue
        if node is None:
            continue
        names = list(_declared(node, declared))
        if is_export:
            default = any(c.kind() == "default" for c in statement.children())
            for name in names:
                exported["default" if default else name] = name
    for export, name in exported.items():
        value, prop = declared.get(name, (None, None))
        if _callee(value) == "cache":  # React's `cache(auth)` keeps what it wraps
            args = [a for a in (value.field("arguments") or value).children() if a.is_named()] if value else []
            if args and args[0].kind() == "identifier" and args[0].text() in declared:
                value, prop = declared[args[0].text()]
        if name in declared:
            found[export] = (value, prop)
    return found


def _declared(node: SgNode, into: dict[str, tuple[SgNode | None, str | None]]) -> Iterator[str]:
    if node.kind() in ("function_declaration", "class_declaration"):
        ident = node.field("name")
        if ident is not None:
            into[ident.text()] = (node, None)
            yield ident.text()
        return
    if node.kind() not in ("lexical_declaration", "variable_declaration"):
        return
    for declarator in (d for d in node.children() if d.kind() == "variable_declarator"):
        pattern, value = declarator.field("name"), declarator.field("value")
        if pattern is None or value is None:
            continue
        value = unwrap(value)
        if pattern.kind() == "identifier":
            into[pattern.text()] = (value, None)
            yield pattern.text()
        elif pattern.kind() == "object_pattern":
            for part in pattern.children():
                if part.kind() == "shorthand_property_identifier_pattern":
                    into[part.text()] = (value, part.text())
                    yield part.text()
                elif part.kind() == "pair_pattern":
                    key, bound = part.field("key"), part.field("value")
                    if key is not None and bound is not None and bound.kind() == "identifier":
                        into[bound.text()] = (value, key.text())
                        yield bound.text()


def _id_read(awaited: SgNode) -> tuple[str, ...]:
    """Where the code around `await f()` reads the user id: `session.user.id` after `const session = await
    f()` gives (user, id); `user.id` after `const { user } = await f()` gives (user, id); `(await f())?.id`
    gives (id,). Empty when it reads none."""
    parent = awaited.parent()
    while parent is not None and parent.kind() in ("parenthesized_expression", "as_expression", "non_null_expression"):
        awaited, parent = parent, parent.parent()
    if parent is None:
        return ()
    if parent.kind() == "member_expression":
        chain = _chain_up(parent)
        return chain if chain and chain[-1] in ID_NAMES else ()
    if parent.kind() != "variable_declarator":
        return ()
    pattern = parent.field("name")
    scope = next((a for a in parent.ancestors() if a.kind() in ("statement_block", "program")), None)
    if pattern is None or scope is None:
        return ()
    bound: list[tuple[str, tuple[str, ...]]] = []
    if pattern.kind() == "identifier":
        bound.append((pattern.text(), ()))
    elif pattern.kind() == "object_pattern":
        for part in pattern.children():
            if part.kind() == "shorthand_property_identifier_pattern":
                bound.append((part.text(), (part.text(),)))
            elif part.kind() == "pair_pattern":
                key, value = part.field("key"), part.field("value")
                if key is not None and value is not None and value.kind() == "identifier":
                    bound.append((value.text(), (key.text(),)))
    reads: Counter[tuple[str, ...]] = Counter()
    for name, prefix in bound:
        for match in re.finditer(rf"(?<![\w.$]){re.escape(name)}((?:\??\.[A-Za-z_$][\w$]*)+)", scope.text()):
            props = tuple(p for p in re.split(r"\??\.", match.group(1)) if p)
            ids = [i for i, p in enumerate(props) if p in ID_NAMES]
            if ids:
                reads[prefix + props[: ids[0] + 1]] += 1
    return reads.most_common(1)[0][0] if reads else ()


def _chain_up(member: SgNode) -> tuple[str, ...]:
    props: list[str] = []
    node: SgNode | None = member
    while node is not None and node.kind() == "member_expression":
        prop = node.field("property")
        if prop is None:
            break
        props.append(prop.text())
        if props[-1] in ID_NAMES:
            break
        node = node.parent()
    return tuple(props)
