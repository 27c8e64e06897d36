"""The websocket feature: what `afc add websocket` renders and inserts, and how `remove` undoes it."""

from __future__ import annotations

import fnmatch
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from .. import __version__, access, authcall, datamodel, lookups, nextsteps, reads, render
from .. import manifest as manifest_mod
from ..audience import Audience, Exposure, Reach, decide, names_a_table
from ..auth import HOSTED_USERS, AuthSetup, detect_auth
from ..datamodel import Table
from ..edits import compose, envschema, jsonfile
from ..edits import typescript as ts
from ..edits.result import Edit, Level, Skip
from ..errors import BadInput, Conflict
from ..pages import find as page_finder
from ..pages.components import components
from ..pages.site import ALREADY_SUBSCRIBES, Feed, Read, feeds_of
from ..plan import LIMITATION, POLICY, Broadcast, Plan
from ..project import Project, join
from ..tree import Tree, sha256
from ..writes import find, inserter, naming, payload
from ..writes.graph import Graph
from ..writes.site import Write
from . import docker, envvars, service, typed
from .claims import check_service_claims
from .recipe import ENV_HEADER, PORT, base_path, compose_service, env_entries, render_service
from .service import check_port, package_name
from .toolkit import Draft, check_record, import_path, new_dirs, remove_records

FEATURE = "websocket"
# What a sync does with a page that subscribes already: the edits (or the reasons) that make it follow the
# writes that feed it now (`sync.py`).
Extend = Callable[[ts.TsFile, Read, list[Feed]], tuple[Edit | Skip, ...]]
TURBO_BUILD_ENV = ["NEXT_PUBLIC_WS_URL"]
TURBO_RUNTIME_ENV = [
    "WS_INTERNAL_URL",
    "WS_EVENTS_SECRET",
    "WS_TICKET_SECRET",
    "WS_PORT",
    "WS_ALLOWED_ORIGINS",
    "REDIS_URL",
]


def plan_add(
    project: Project, tree: Tree, public: bool = True, port: int = PORT, public_tables: tuple[str, ...] = ()
) -> Plan:
    """The whole integration; with `public=False`, no row goes to everyone, not even the rows the app serves
    to anyone; `public_tables` (`--public TABLE`) go to everyone as the user says. The service listens on
    `port` and lives in `project.ws` (`--dir`, checked by `service_dir`)."""
    plan = Plan(f"add {FEATURE}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    if FEATURE in existing.features:
        plan.summary = (
            f"{FEATURE} is already installed by afc (the service in {project.ws}); nothing to do "
            f"(see `afc status`; `afc sync {FEATURE}` wires the writes and pages added since; `afc update {FEATURE}` "
            "brings in a newer afc's template)."
        )
        return plan
    check_port(project, tree, port)
    if public_tables and not public:
        raise BadInput("--public and --no-public contradict each other: give one")
    _refuse_foreign(project, tree)
    _say_which_app(project, plan)

    auth = detect_auth(project, tree)
    placement = envvars.place(project, tree)
    files = _stage_generated(project, tree, auth, port, placement.home)
    draft = Draft(tree, plan)
    events, feeds, wired = _wire_writes(project, draft, public, public_tables, files)
    files.update(_type_events(project, draft, wired))
    pages, live = _wire_pages(project, draft, feeds)
    files.update(pages)
    if events and not live:
        message = (
            f"no page or component follows the event{'s' if len(events) != 1 else ''} afc wired, so nothing "
            "shows live yet: each page afc found is listed with the reason"
        )
        plan.note(Level.WARN, message, project.web)
    _declare_env_schema(project, draft)
    _add_env_vars(draft, project, placement, port)
    _add_compose_services(project, draft, port)
    _add_turbo_env(draft)
    _cover_workspace(project, draft)
    _keep_service_out_of_app(project, draft)

    existing.features[FEATURE] = manifest_mod.FeatureRecord(
        FEATURE,
        __version__,
        files={path: sha256(data) for path, data in files.items()},
        insertions=draft.stage(),
        created_dirs=new_dirs(tree, [*files, manifest_mod.PATH]),
        events=events,
        service_dir=project.ws,
        public_tables=sorted(public_tables),
        no_public=not public,
    )
    tree.write(manifest_mod.PATH, manifest_mod.dump(existing))
    if auth.kind == "none":
        plan.note(Level.WARN, _no_auth(), f"{project.helpers_dir}/authorize.ts")
    reached = any(b.wired and b.audience == "public" for b in plan.broadcasts)
    private = tuple(sorted({w.resource for w in wired if _owned(plan, w.event)}))
    plan.next_steps = nextsteps.after_add(
        project,
        tree,
        port,
        live=live,
        wired=bool(events),
        private_only=auth.kind == "none" and not reached,
        private=private if auth.kind != "none" else (),
        signed_in=auth.kind != "none" and bool(events) and not reached,
    )
    plan.install = nextsteps.install_of(project)
    plan.summary = (
        f"Adds the realtime service in {project.ws}/, the web helpers in {project.helpers_dir}/ and "
        f"{auth.ticket_route()}; {_wires(events, plan)}."
    )
    return plan


def _no_auth() -> str:
    return (
        "no authentication found (Auth.js, NextAuth, Clerk, better-auth, Supabase, or a session function the "
        "app's handlers await): this file lets every browser join `public` only, so private events (to `user:` "
        "or `team:` channels) reach nobody until you write in it who is asking"
    )


def _owned(plan: Plan, event: str) -> bool:
    """Whether afc sends an event to its rows' owners only (`user:<userId>`)."""
    return any(b.event == event and b.wired and b.audience.startswith("user:") for b in plan.broadcasts)


def _wires(events: list[str], plan: Plan) -> str:
    if events:  # more than two are listed below, each with who receives it
        named = f": {', '.join(events)}" if len(events) <= 2 else ""
        return f"wires {len(events)} event{'s' if len(events) != 1 else ''}{named}"
    found = len(plan.broadcasts)
    if not found:
        return "wires no event: afc found no write to the database that it recognises"
    return f"wires no event: afc found {found} write{'s' if found != 1 else ''} and broadcasts none of them"


def _refuse_foreign(project: Project, tree: Tree) -> None:
    taken = [p for p in (project.helpers_dir, ticket_route(project)) if tree.occupied(p)]
    taken = ([] if service.free(tree, project.ws) else [project.ws]) + taken
    if taken:
        raise Conflict(
            "afc would create these, but they exist already and afc did not make them",
            details=[
                f"{p} (remove or rename it; if it is a hand-wired integration, `afc remove websocket` takes it out)"
                for p in taken
            ],
        )


def _say_which_app(project: Project, plan: Plan) -> None:
    if len(project.apps) > 1:
        found = ", ".join(project.apps)
        why = project.app_reason
        message = f"chosen from {len(project.apps)} Next.js apps ({found}): {why}; --app chooses another"
        plan.note(Level.INFO, message, project.web)


def ticket_route(project: Project) -> str:
    return join(project.src, "app/api/realtime/ticket/route.ts")


def _stage_generated(
    project: Project, tree: Tree, auth: AuthSetup, port: int, env_home: str | None
) -> dict[str, bytes]:
    # the service's dev script loads the ignored env file that holds the secret
    env_file = os.path.relpath(env_home or ".env", project.ws).replace(os.sep, "/")
    answers: dict[str, object] = {
        "package_name": package_name(project, tree),
        "ws_port": port,
        "env_file": env_file,
        "service_dir": project.ws,
        **docker.layout(project, tree).answers(),
    }
    files = render_service(project, answers)
    # The pristine render, kept for `afc update websocket` (the base of its three-way merge: see BASE_DIR).
    files.update({base_path(path): data for path, data in list(files.items())})
    files.update(render_helpers(project, auth, tree))
    for path, data in files.items():
        tree.write(path, data)
    return files


def render_helpers(project: Project, auth: AuthSetup, tree: Tree | None = None) -> dict[str, bytes]:
    """The web app's generated files: the helpers, `authorize.ts` for the app's auth (with the membership
    queries of the schema in `tree`: `access.py`), the ticket route."""
    helpers = render.render_web_helpers({"use_after": project.has_after})
    files = {f"{project.helpers_dir}/{name}": data for name, data in helpers.items()}
    authorize = f"{project.helpers_dir}/authorize.ts"
    membership = _membership_variables(project, tree, auth, authorize)
    call = authcall.call_of(auth, project, authorize, membership=bool(membership["membership_lines"]))
    rendered = render.render_jinja(
        "auth",
        {
            "auth_label": auth.name,
            "auth_imports": list(call.imports) if call else [],
            "auth_lines": list(call.lines) if call else [],
            "auth_request": call.request if call else False,
            "who": call.who if call else "id",
            "authorize_import": import_path(project, ticket_route(project), "authorize"),
            "ticket_import": import_path(project, ticket_route(project), "ticket"),
            **membership,
            "use_connection": project.has_connection,
        },
    )
    files[authorize] = rendered["authorize.ts"]
    files[ticket_route(project)] = rendered["ticket-route.ts"]
    return files


def _membership_variables(project: Project, tree: Tree | None, auth: AuthSetup, authorize: str) -> dict[str, object]:
    """What `authorize.ts` needs to grant a signed-in user the channel of each team they belong to."""
    found = []
    if tree is not None and auth.kind != "none":
        found = access.queries(project, tree, datamodel.read(tree, project.packages), authorize)
    imports = list(dict.fromkeys(line for query in found for line in query.imports))
    kinds = " and ".join(f"`{q.kind}:<id>`" for q in found)
    tables = ", ".join(f"`{t}`" for t in dict.fromkeys(q.table for q in found))
    return {
        "membership_imports": imports,
        "membership_lines": [line for query in found for line in query.lines],
        "membership_kinds": kinds,
        "membership_tables": tables,
    }


def exposure(
    project: Project,
    tree: Tree,
    model: datamodel.DataModel,
    chosen: tuple[str, ...] | list[str],
    load: Callable[[str], ts.TsFile | None],
) -> Exposure:
    """What makes a table public: the app serving it to anyone (`reads.py`), and `--public`; a `--public`
    table that is not in the schema is an error (a typo would otherwise leave the table unsent, silently)."""
    unknown = [name for name in chosen if not names_a_table(name, model)]
    if unknown:
        known = ", ".join(sorted(model.tables)) or "none"
        raise BadInput(f"--public {unknown[0]}: no such table in the schema afc read (tables: {known})")
    authorize = f"{project.helpers_dir}/authorize.ts"
    auth = detect_auth(project, tree).kind
    granted = access.queries(project, tree, model, authorize) if auth != "none" else []
    tenants = frozenset(query.tenant for query in granted)
    hosted = auth in HOSTED_USERS
    served = reads.served(project, tree, load, model)
    return Exposure(served, frozenset(chosen), tenants, external_users=hosted, signed_in=auth != "none")


@dataclass
class _Owners:
    """The owner lookups one run's lines call (`lookups.py`), through the app's clients."""

    clients: list[lookups.Client]
    found: lookups.Lookups = field(default_factory=lookups.Lookups)
    used: list[str] = field(default_factory=list)  # the functions the file being wired calls

    def reach(self, table: Table | None, file: ts.TsFile, write: Write, tree: Tree) -> tuple[bool, str | None]:
        """Whether a lookup can read `table`, and the client its calls in this file pass, if any: through the
        client the app exports, else the one this write's file imports (the first such for each ORM), else
        a Drizzle client each writing file builds for itself (`const db = drizzle(...)`), passed by each call."""
        if table is None:
            return False, None
        if not any(c.orm == table.orm for c in self.clients):
            found = lookups.client_at(file, write.line, table.orm)
            own = lookups.client_declared(file, write.line) if table.orm == "drizzle" else None
            if found is None and own is not None and lookups.dialect(tree, table) is not None:
                found = lookups.Client(table.orm, own, file.path, local=True)
            if found is not None:
                self.clients.append(found)
        client = next((c for c in self.clients if c.orm == table.orm), None)
        if client is None or not client.local:
            return client is not None, None
        own = lookups.client_declared(file, write.line)
        return own is not None and lookups.dialect(tree, table) is not None, own


def _wire_writes(
    project: Project,
    draft: Draft,
    public: bool,
    public_tables: tuple[str, ...] = (),
    generated: dict[str, bytes] | None = None,
) -> tuple[list[str], list[Feed], list[typed.Wired]]:
    """A broadcast after every write whose row afc can send, to whoever may see that row (`audience.py`);
    every write found lands in the plan, wired or not and why. Returns the events, each wired write as the
    pages it feeds see it, and as its payload type needs it (`typed.py`); the owner lookups the lines call go
    to `owners.ts`, staged and added to `generated`."""
    model = datamodel.read(draft.tree, project.packages)
    clients = [c for orm in ("drizzle", "prisma") if (c := lookups.client(project, draft.tree, orm)) is not None]
    owners = _Owners(clients)
    for problem in model.problems:
        draft.take(problem)
    seen = exposure(project, draft.tree, model, public_tables, draft.typescript)
    audiences: dict[str | None, Audience] = {}
    found = find.scan(project, draft.tree, draft.typescript)
    names = naming.resources({r.table for _, results in found for r in results if isinstance(r, Write) and r.table})
    events: set[str] = set()
    feeds: list[Feed] = []
    wired_writes: list[typed.Wired] = []
    for file, results in found:
        wired = wrapped = False
        for result in results:
            if isinstance(result, Skip):
                draft.take(result)
                continue
            resource = names.get(result.table or "")
            event = naming.event(resource, result.action) if resource else f"?-{result.action}"
            if result.table not in audiences:  # one decision per table, however many writes it has
                audiences[result.table] = decide(result.table, model, seen)
            table = model.table(result.table) if result.table else None
            decided = (audiences[result.table], table)
            if isinstance(_broadcast(draft, file, result, event, decided, public, owners), Edit):
                events.add(event)
                wired = True
                wrapped = wrapped or result.wrapped
                wired_writes.append(typed.Wired(event, resource or "", table, file.path))
                # a write in a helper feeds the pages as each entry point that reaches it would
                for path, handler in dict.fromkeys((e.path, e.handler) for e in result.entries) or [
                    (file.path, result.handler)
                ]:
                    feeds.append(Feed(path, handler, result.table or "", resource or "", event))
        if wired:
            draft.take(ts.add_import(file, "broadcast", _helper_import(project, file.path, "broadcast")))
        if wrapped:
            draft.take(ts.add_import(file, inserter.WRAPPER, _helper_import(project, file.path, "broadcast")))
        for function in dict.fromkeys(owners.used):
            draft.take(ts.add_import(file, function, _helper_import(project, file.path, lookups.MODULE)))
        owners.used.clear()
    if owners.found.found:
        path = f"{project.helpers_dir}/{lookups.MODULE}.ts"
        text = lookups.render(list(owners.found.found.values()), model, project, draft.tree, path, clients)
        draft.tree.write(path, text.encode())
        if generated is not None:
            generated[path] = text.encode()
    return sorted(events), feeds, wired_writes


def _type_events(project: Project, draft: Draft, wired: list[typed.Wired]) -> dict[str, bytes]:
    """`events.ts`: each wired event's payload typed from its table's row (none when nothing is wired)."""
    if not wired:
        return {}
    path = f"{project.helpers_dir}/{typed.EVENTS_FILE}"
    data = typed.events_module(project, draft.tree, wired).encode("utf-8")
    draft.tree.write(path, data)
    return {path: data}


def _helper_import(project: Project, path: str, helper: str) -> str:
    """The app's own alias inside the app; a relative path from a workspace package (a tRPC router in
    `packages/api` cannot see the app's `@/` alias)."""
    if PurePosixPath(path).is_relative_to(project.web):
        return import_path(project, path, helper)
    rel = posixpath.relpath(f"{project.helpers_dir}/{helper}", str(PurePosixPath(path).parent))
    return rel if rel.startswith(".") else f"./{rel}"


def _broadcast(
    draft: Draft,
    file: ts.TsFile,
    write: Write,
    event: str,
    decided: tuple[Audience, Table | None],
    public: bool,
    owners: _Owners | None = None,
) -> Edit | Skip:
    """The broadcast line for one write, or a skip saying why the change is not sent; both land in the plan."""
    audience, table = decided
    no_public = audience.reach is Reach.PUBLIC and not public
    reason = audience.reason
    result: Edit | Skip
    if not write.wirable:
        reason = write.reason
        result = Skip(file.path, reason, write.line, write.handler)
    elif not audience.sent:
        result = Skip(file.path, f"not broadcast: {reason}", write.line, write.handler)
    elif no_public:
        reason = f"{reason.removesuffix(' (--no-public leaves them out)')}; --no-public leaves it out"
        result = Skip(file.path, f"not broadcast: {reason}", write.line, write.handler)
    else:
        reach, through = owners.reach(table, file, write, draft.tree) if owners is not None else (False, None)
        sent = payload.line(write, audience, table, ts.quote_of(file.root), lookups=reach, through=through)
        if isinstance(sent, str):
            result = Skip(file.path, sent, write.line, write.handler)
        elif sent.lookup is not None and owners is not None and not owners.found.can_add(sent.lookup):
            why = f"another owner lookup is named `{sent.lookup.function()}`"
            result = Skip(file.path, f"not broadcast: {why}", write.line, write.handler)
        else:
            result = inserter.broadcast(file, write, event, "broadcast", sent)
            if isinstance(result, Edit) and sent.lookup is not None and owners is not None:
                owners.found.add(sent.lookup)
                owners.used.append(sent.lookup.function())
    wired = isinstance(result, Edit)
    label = audience.label() if wired else "nobody"
    if isinstance(result, Skip) and write.wirable and audience.sent and not no_public:
        reason = result.reason
    # policy: afc decided who may see the row (credentials, nobody, --no-public); limitation: afc could not
    # read the write, tell the audience, or place the line
    policy = write.wirable and (no_public or (not audience.sent and audience.reach is not Reach.UNKNOWN))
    left = None if wired else POLICY if policy else LIMITATION
    entries = tuple((e.path, e.handler) for e in write.entries)
    item = Broadcast(file.path, write.line, write.handler, event, label, reason, wired, entries, left)
    draft.plan.broadcasts.append(item)
    draft.take(result)
    if wired and write.change is not None and write.change.left_out and not payload.complete(write.change, table):
        left = "; ".join(write.change.left_out)
        draft.take(Skip(file.path, f"{event}: left out of the change: {left}", write.line, write.handler, Level.INFO))
    return result


def _wire_pages(
    project: Project, draft: Draft, feeds: list[Feed], extend: Extend | None = None
) -> tuple[dict[str, bytes], list[str]]:
    """Each page, and each component of the app a page imports, follows the events of the writes to the
    tables its data path reads, through the data layer it reads with (`pages/`: a `useState` list, SWR,
    TanStack Query, tRPC, a Server Component); where afc cannot tell, the plan says why. A page that
    subscribes already is given to `extend` with the writes that feed it (a sync adds the new events to the
    list afc wrote). Returns the helper files the strategies in use need (rendered, staged), and the URLs of
    the pages that now show changes live."""
    needed: set[str] = set()
    model = datamodel.read(draft.tree, project.packages)
    graph = Graph(draft.tree, find.source_files(project, draft.tree), draft.typescript, project.packages)
    paths = reads.DataPaths(project, draft.tree, draft.typescript, model, graph)
    feeds = [replace(f, table=paths.table(f.table)) for f in feeds]
    live: list[str] = []
    for component in components(project, graph, project.helpers_dir):
        is_page = component.page == component.path
        if not is_page and not component.client:
            continue  # a server module a page imports: the page's own refresh covers it
        file = draft.typescript(component.path)
        if file is None:
            continue
        hooks: dict[str, str] = {}
        for read in page_finder.reads(file, None if is_page else True):
            if isinstance(read, Skip):
                draft.take(read)
                continue
            read = page_finder.follow(read, paths)
            strategy = page_finder.BY_NAME[read.strategy]
            fed = feeds_of(read, feeds, project.routes)
            result = strategy.subscribe(file, read, fed)
            draft.take(result)
            if extend is not None and isinstance(result, Skip) and result.reason == ALREADY_SUBSCRIBES:
                draft.take(*extend(file, read, fed))
            if isinstance(result, Edit) and not result.empty:
                hooks[strategy.HOOK] = strategy.MODULE
                needed.update(strategy.FILES)
        for hook, module in sorted(hooks.items()):
            draft.take(ts.add_import(file, hook, import_path(project, component.path, module)))
        if hooks and reads.url_of(component.page) not in live:
            live.append(reads.url_of(component.page))
    rendered = render.render_jinja("pages", {}) if needed else {}
    files = {f"{project.helpers_dir}/{name}": rendered[name] for name in sorted(needed)}
    for rel, data in files.items():
        draft.tree.write(rel, data)
    return files, live


def _declare_env_schema(project: Project, draft: Draft) -> None:
    file = draft.typescript(project.env_schema) if project.env_schema else None
    if file is not None:
        draft.take(envschema.declare(file))


def _add_env_vars(draft: Draft, project: Project, placement: envvars.Placement, port: int) -> None:
    """The realtime block in every env file: the secret only where git ignores it (see `envvars`)."""
    dev_port = project.dev_port
    envvars.add(draft, project, placement, ENV_HEADER, lambda value, host: env_entries(value, dev_port, host, port))


def _add_compose_services(project: Project, draft: Draft, port: int) -> None:
    """A `ws` service in every compose file, only where the service's Dockerfile builds (`docker.py`: bun, npm,
    pnpm or yarn 1, from the lockfile), and the web app's service told where it is. Elsewhere the plan says
    why compose got none."""
    if not project.compose_files:
        return
    unbuildable = docker.layout(project, draft.tree).reason
    if unbuildable:
        message = (
            f"no `ws` service added to {', '.join(project.compose_files)}: {project.ws}/Dockerfile cannot build "
            f"here: {unbuildable}; run the service with its dev script"
        )
        draft.plan.note(Level.WARN, message, f"{project.ws}/Dockerfile")
        return
    for path in project.compose_files:
        text = draft.tree.read_text(path) or ""
        networks = compose.shared_networks(text, path, "ws")
        # the web app's container reaches the service by its compose name; the env files the host reads keep
        # localhost (`envvars`), and compose's `environment:` wins over them inside the container. Taken before
        # the new service: where the web app's is the last one, both land at its end, in this order.
        for web in compose.services_building(text, path, project.web):
            draft.take(compose.add_environment(path, text, web, "WS_INTERNAL_URL", f"http://ws:{port}"))
        draft.take(compose.add_service(path, text, "ws", compose_service(project, path, networks, port)))


def _add_turbo_env(draft: Draft) -> None:
    text = draft.tree.read_text("turbo.json")
    if text is None:
        return
    # NEXT_PUBLIC_WS_URL is inlined at build time, so it belongs in the cache key; the rest is runtime-only
    wanted = [
        ("globalEnv", TURBO_BUILD_ENV, "turbo globalEnv"),
        ("globalPassThroughEnv", TURBO_RUNTIME_ENV, "turbo globalPassThroughEnv"),
    ]
    draft.take(jsonfile.ensure_lists("turbo.json", text, wanted))


def _cover_workspace(project: Project, draft: Draft) -> None:
    """The service folder in the workspace list that does not cover it yet (`package.json` or
    `pnpm-workspace.yaml`, whichever declares it). A single app has no list: the service installs on its own."""
    if project.single_app or any(
        fnmatch.fnmatch(project.ws, pattern.removeprefix("./").rstrip("/")) for pattern in project.workspaces
    ):
        return
    where = project.workspace_file or "package.json"
    text = draft.tree.read_text(where) or ""
    if where == "pnpm-workspace.yaml":
        draft.take(compose.add_list_item(where, text, "packages", project.ws, "workspace"))
        return
    workspaces = jsonfile.parse(text, where).get("workspaces")
    if workspaces is not None and workspaces.kind == "array":
        draft.take(jsonfile.ensure_list(where, text, "workspaces", [project.ws], "workspace"))
    else:
        message = f"add {project.ws} to your workspace list so its dependencies install"
        draft.plan.note(Level.WARN, message, where)


def _keep_service_out_of_app(project: Project, draft: Draft) -> None:
    """An app at the root type-checks every `**/*.ts` below it on `next build`: its tsconfig excludes the
    service folder, which has a tsconfig and dependencies of its own."""
    config = join(project.web, "tsconfig.json")
    text = draft.tree.read_text(config)
    if text is None or not PurePosixPath(project.ws).is_relative_to(project.web):
        return
    rel = PurePosixPath(project.ws).relative_to(project.web).as_posix()
    exclude = jsonfile.parse(text, config).get("exclude")
    values = [rel] if exclude is not None else ["node_modules", rel]
    draft.take(jsonfile.ensure_list(config, text, "exclude", values, f"tsconfig exclude {rel}"))


# `afc sync websocket` wires what the app gained since, the same way (`sync.py`)
wire_writes, wire_pages = _wire_writes, _wire_pages


# -- remove ---------------------------------------------------------------------------------------


def installed(tree: Tree) -> bool:
    """Whether afc's manifest records the websocket feature here."""
    return FEATURE in manifest_mod.load(tree.read_text(manifest_mod.PATH)).features


def plan_remove(project: Project, tree: Tree, force: bool) -> Plan:
    """Undo what `plan_add` recorded; custom events hang off the service, so they go with it."""
    plan = Plan(f"remove {FEATURE}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    # what was added on top (events, syncs) first, the latest first; then the service
    names = [n for n in existing.features if n != FEATURE][::-1] + [FEATURE]
    for name in names:  # every record's paths and texts first, links resolved; then the service's claims
        check_record(existing.features[name], project, tree)
    record = existing.features.get(FEATURE)
    if record is not None:
        check_service_claims(project, tree, record)
    remove_records(plan, project, existing, names, force)
    plan.next_steps = nextsteps.after_remove(project)
    return plan
