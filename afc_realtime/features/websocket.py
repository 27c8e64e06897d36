"""The websocket feature: what `afc add websocket` renders and inserts, and how `remove` undoes it."""

from __future__ import annotations

import fnmatch
import os
import posixpath
import secrets
from pathlib import PurePosixPath

from .. import __version__, datamodel, nextsteps, render
from .. import manifest as manifest_mod
from ..audience import Audience, Reach, decide
from ..auth import AuthSetup, detect_auth
from ..edits import compose, envfile, envschema, jsonfile
from ..edits import typescript as ts
from ..edits.result import Edit, Level, Skip
from ..errors import Conflict
from ..pages import find as page_finder
from ..pages.site import Feed, feeds_of
from ..plan import Broadcast, NextStep, Plan
from ..project import Project, join
from ..tree import Tree, sha256
from ..writes import find, inserter, naming
from ..writes.site import Write
from . import service
from .claims import check_service_claims
from .recipe import ENV_HEADER, PORT, base_path, compose_service, env_entries, render_service
from .service import check_port, package_name
from .toolkit import Draft, check_record, import_path, module_import, new_dirs, remove_records

FEATURE = "websocket"
TURBO_BUILD_ENV = ["NEXT_PUBLIC_WS_URL"]
TURBO_RUNTIME_ENV = [
    "WS_INTERNAL_URL",
    "WS_EVENTS_SECRET",
    "WS_TICKET_SECRET",
    "WS_PORT",
    "WS_ALLOWED_ORIGINS",
    "REDIS_URL",
]


def plan_add(project: Project, tree: Tree, public: bool = True, port: int = PORT) -> Plan:
    """The whole integration; with `public=False`, rows tied to no one are not broadcast either. The service
    listens on `port` and lives in `project.ws` (`--dir`, checked by `service_dir`)."""
    plan = Plan(f"add {FEATURE}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    if FEATURE in existing.features:
        plan.summary = (
            f"{FEATURE} is already installed by afc (the service in {project.ws}); nothing to do "
            f"(see `afc status`; `afc update {FEATURE}` brings in a newer afc's template)."
        )
        return plan
    check_port(project, tree, port)
    _refuse_foreign(project, tree)
    _say_which_app(project, plan)

    auth = detect_auth(project, tree)
    files = _stage_generated(project, tree, auth, port)
    draft = Draft(tree, plan)
    events, feeds = _wire_writes(project, draft, public)
    files.update(_wire_pages(project, draft, feeds))
    _declare_env_schema(project, draft)
    _add_env_vars(project, draft, port)
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
    )
    tree.write(manifest_mod.PATH, manifest_mod.dump(existing))
    plan.next_steps = _next_steps(project, tree, port)
    plan.install = nextsteps.install_of(project)
    wired = ", ".join(events) or "none (see below)"
    plan.summary = (
        f"Adds the realtime service in {project.ws}, the web helpers in {project.helpers_dir} and a ticket route "
        f"for {auth.describe()}, and wires these events: {wired}."
    )
    return plan


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
        message = f"Next.js apps found: {found}; wiring {project.web}: {why} (--app PATH chooses another)"
        plan.note(Level.INFO, message, project.web)


def ticket_route(project: Project) -> str:
    return join(project.src, "app/api/realtime/ticket/route.ts")


def _stage_generated(project: Project, tree: Tree, auth: AuthSetup, port: int) -> dict[str, bytes]:
    env_file = os.path.relpath(_service_env_file(project), project.ws).replace(os.sep, "/")
    answers: dict[str, object] = {
        "package_name": package_name(project, tree),
        "ws_port": port,
        "env_file": env_file,
        "service_dir": project.ws,
    }
    files = render_service(project, answers)
    # The pristine render, kept for `afc update websocket` (the base of its three-way merge: see BASE_DIR).
    files.update({base_path(path): data for path, data in list(files.items())})
    files.update(render_helpers(project, auth))
    for path, data in files.items():
        tree.write(path, data)
    return files


def render_helpers(project: Project, auth: AuthSetup) -> dict[str, bytes]:
    """The web app's generated files: the helpers, `authorize.ts` for the app's auth, the ticket route."""
    helpers = render.render_web_helpers({"use_after": project.has_after})
    files = {f"{project.helpers_dir}/{name}": data for name, data in helpers.items()}
    authorize = f"{project.helpers_dir}/authorize.ts"
    module = auth.module.removesuffix(".ts") if auth.module else None
    rendered = render.render_jinja(
        "auth",
        {
            "auth_kind": auth.kind,
            "auth_label": auth.name,
            "auth_import": "@clerk/nextjs/server"
            if auth.kind == "clerk"
            else module_import(project, authorize, module),
            "authorize_import": import_path(project, ticket_route(project), "authorize"),
            "ticket_import": import_path(project, ticket_route(project), "ticket"),
        },
    )
    files[authorize] = rendered["authorize.ts"]
    files[ticket_route(project)] = rendered["ticket-route.ts"]
    return files


def _service_env_file(project: Project) -> str:
    """The root env file the service's dev script loads: `.env`, or the one a Next.js project keeps its
    values in (`.env.local`), where afc writes the realtime variables too."""
    real = [p for p in project.env_files if "/" not in p and not envfile.is_example(p)]
    return next((p for p in (".env", ".env.local", ".env.development.local", ".env.development") if p in real), ".env")


def _wire_writes(project: Project, draft: Draft, public: bool) -> tuple[list[str], list[Feed]]:
    """A broadcast after every write whose row afc can send, to whoever may see that row (`audience.py`);
    every write found lands in the plan, wired or not and why. Returns the events, and each wired write (what
    feeds the pages)."""
    model = datamodel.read(draft.tree, project.packages)
    for problem in model.problems:
        draft.take(problem)
    found = find.scan(project, draft.tree, draft.typescript)
    names = naming.resources({r.table for _, results in found for r in results if isinstance(r, Write) and r.table})
    events: set[str] = set()
    feeds: list[Feed] = []
    for file, results in found:
        for result in results:
            if isinstance(result, Skip):
                draft.take(result)
                continue
            resource = names.get(result.table or "")
            event = naming.event(resource, result.action) if resource else f"?-{result.action}"
            if isinstance(_broadcast(draft, file, result, event, decide(result.table, model), public), Edit):
                events.add(event)
                feeds.append(Feed(file.path, result.handler, result.table or "", resource or "", event))
        if any(f.path == file.path for f in feeds):
            draft.take(ts.add_import(file, "broadcast", _helper_import(project, file.path, "broadcast")))
    return sorted(events), feeds


def _helper_import(project: Project, path: str, helper: str) -> str:
    """The app's own alias inside the app; a relative path from a workspace package (a tRPC router in
    `packages/api` cannot see the app's `@/` alias)."""
    if PurePosixPath(path).is_relative_to(project.web):
        return import_path(project, path, helper)
    rel = posixpath.relpath(f"{project.helpers_dir}/{helper}", str(PurePosixPath(path).parent))
    return rel if rel.startswith(".") else f"./{rel}"


def _broadcast(
    draft: Draft, file: ts.TsFile, write: Write, event: str, audience: Audience, public: bool
) -> Edit | Skip:
    """The broadcast line for one write, or a skip saying why the row is not sent; both land in the plan."""
    reason = audience.reason
    result: Edit | Skip
    if not write.wirable:
        reason = write.reason
        result = Skip(file.path, reason, write.line, write.handler)
    elif not audience.sent:
        result = Skip(file.path, f"not broadcast: {reason}", write.line, write.handler)
    elif audience.reach is Reach.PUBLIC and not public:
        reason = f"{reason}; --no-public leaves it out"
        result = Skip(file.path, f"not broadcast: {reason}", write.line, write.handler)
    else:
        to = audience.expression(write.row or "", ts.quote_of(file.root))
        result = inserter.broadcast(file, write, event, "broadcast", to)
    wired = isinstance(result, Edit)
    label = audience.label() if wired else "nobody"
    if isinstance(result, Skip) and write.wirable and audience.sent:
        reason = result.reason
    draft.plan.broadcasts.append(Broadcast(file.path, write.line, write.handler, event, label, reason, wired))
    draft.take(result)
    return result


def _wire_pages(project: Project, draft: Draft, feeds: list[Feed]) -> dict[str, bytes]:
    """Each page follows the events of the writes that feed what it reads, through the data layer it reads
    with (`pages/`: a `useState` list, SWR, TanStack Query, tRPC, a Server Component); where afc cannot tell,
    the plan says why. Returns the helper files the strategies in use need (rendered, staged)."""
    needed: set[str] = set()
    for path in project.pages:
        file = draft.typescript(path)
        if file is None:
            continue
        hooks: dict[str, str] = {}
        for read in page_finder.reads(file):
            if isinstance(read, Skip):
                draft.take(read)
                continue
            strategy = page_finder.BY_NAME[read.strategy]
            result = strategy.subscribe(file, read, feeds_of(read, feeds, project.routes))
            draft.take(result)
            if isinstance(result, Edit) and not result.empty:
                hooks[strategy.HOOK] = strategy.MODULE
                needed.update(strategy.FILES)
        for hook, module in sorted(hooks.items()):
            draft.take(ts.add_import(file, hook, import_path(project, path, module)))
    rendered = render.render_jinja("pages", {}) if needed else {}
    files = {f"{project.helpers_dir}/{name}": rendered[name] for name in sorted(needed)}
    for rel, data in files.items():
        draft.tree.write(rel, data)
    return files


def _declare_env_schema(project: Project, draft: Draft) -> None:
    file = draft.typescript(project.env_schema) if project.env_schema else None
    if file is not None:
        draft.take(envschema.declare(file))


def _add_env_vars(project: Project, draft: Draft, port: int) -> None:
    """One random secret shared by every real env file (or the one they have already); examples get a
    placeholder. Files that compose hands to containers (`env_file:`), and the examples they are made from,
    reach the service by its compose name."""
    containers = _container_env_files(project, draft.tree)
    paths = list(dict.fromkeys([*project.env_files, *(p for p in containers if draft.tree.exists(p))]))
    texts = {path: draft.tree.read_text(path) or "" for path in paths}
    real_files = [p for p in paths if not envfile.is_example(p)]
    found = (envfile.keys(texts[p], p).get("WS_EVENTS_SECRET") for p in real_files)
    secret = next((value for value in found if value), None) or secrets.token_hex(32)
    for path, text in texts.items():
        value = "change-me-to-a-long-random-string" if envfile.is_example(path) else secret
        host = "ws" if path in containers else "localhost"
        draft.take(envfile.add_block(path, text, ENV_HEADER, env_entries(value, project.dev_port, host, port)))


def _container_env_files(project: Project, tree: Tree) -> set[str]:
    """`env_file:` entries of the compose files, with the `.example` each is made from (`.env.docker.example`)."""
    used = {p for path in project.compose_files for p in compose.env_files_used(tree.read_text(path) or "", path)}
    return used | {f"{p}{suffix}" for p in used for suffix in envfile.EXAMPLE_SUFFIXES}


def _add_compose_services(project: Project, draft: Draft, port: int) -> None:
    for path in project.compose_files:
        text = draft.tree.read_text(path) or ""
        networks = compose.shared_networks(text, path, "ws")
        draft.take(compose.add_service(path, text, "ws", compose_service(project, path, networks, port)))
    if project.compose_files and project.single_app:
        message = (
            f"the service's Dockerfile installs from a workspace bun.lock at the root; this project has no workspaces: "
            f"give {project.ws} a lockfile of its own and change the install step of {project.ws}/Dockerfile "
            "before `docker compose build`"
        )
        draft.plan.note(Level.WARN, message, f"{project.ws}/Dockerfile")
    elif project.compose_files and project.package_manager != "bun":
        message = (
            f"the service's Dockerfile installs with bun from bun.lock; this project uses {project.package_manager}: "
            f"change the install step of {project.ws}/Dockerfile before `docker compose build`"
        )
        draft.plan.note(Level.WARN, message, f"{project.ws}/Dockerfile")


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


def _next_steps(project: Project, tree: Tree, port: int = PORT) -> list[NextStep]:
    return nextsteps.after_add(project, tree, port)


# -- remove ---------------------------------------------------------------------------------------


def installed(tree: Tree) -> bool:
    """Whether afc's manifest records the websocket feature here."""
    return FEATURE in manifest_mod.load(tree.read_text(manifest_mod.PATH)).features


def plan_remove(project: Project, tree: Tree, force: bool) -> Plan:
    """Undo what `plan_add` recorded; custom events hang off the service, so they go with it."""
    plan = Plan(f"remove {FEATURE}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    names = [n for n in existing.features if n.startswith("event:")] + [FEATURE]
    for name in names:  # every record's paths and texts first, links resolved; then the service's claims
        check_record(existing.features[name], project, tree)
    record = existing.features.get(FEATURE)
    if record is not None:
        check_service_claims(project, tree, record)
    remove_records(plan, project, existing, names, force)
    plan.next_steps = nextsteps.after_remove(project)
    return plan
