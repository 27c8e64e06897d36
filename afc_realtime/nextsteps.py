"""What to do after `afc add websocket` to see it work, checked against the project: the steps name the
scripts it has, the env file it lacks, the database it needs, and end in two browser tabs."""

from __future__ import annotations

import os
import re
import shlex
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from . import migrate, pageurl
from .edits import compose, envfile, jsonfile
from .errors import AfcError
from .plan import Install, NextStep
from .project import ENV_FILE, Project, join
from .tree import Kind, Tree

RUN = {"bun": "bun run", "pnpm": "pnpm", "yarn": "yarn", "npm": "npm run"}
INSTALL = {"bun": "bun install", "pnpm": "pnpm install", "yarn": "yarn install", "npm": "npm install"}
# A root `dev` script that runs every workspace's `dev` (so the service's too), not only the web app's.
WORKSPACE_WIDE = re.compile(
    r"\bturbo\b|--parallel|\s-r\b|--recursive|--workspaces|\s-ws\b|\bnx\b|\blerna\b|concurrently"
)
DATABASE = "DATABASE_URL"
# The package filters of such a script (`turbo dev --filter=web`, `-F web`, `bun --filter '*' dev`).
FILTER = re.compile(r"""(?:--filter|\s-F)(?:=|\s+)["']?([^\s"']+)""")


def install_of(project: Project) -> Install:
    """The install that fetches the service's dependencies: at the root of a workspace project, in the
    service's own folder when the app has no workspaces."""
    argv = tuple(INSTALL[_manager(project)].split())
    return Install(argv, "." if not project.single_app else project.ws)


def _manager(project: Project) -> str:
    return project.package_manager if project.package_manager in INSTALL else "npm"


def after_add(
    project: Project,
    tree: Tree,
    port: int,
    live: tuple[str, ...] | list[str] = ("/",),
    wired: bool = True,
    private_only: bool = False,
    private: tuple[str, ...] = (),
    signed_in: bool = False,
) -> list[NextStep]:
    """The steps after `add websocket`; `live` holds the URLs of the pages afc wired to follow an event (none:
    no page shows a change live yet, and the steps do not promise one); `wired` is False when afc wired no
    event at all; `private_only` when every event it wired goes to a private channel and afc found no
    authentication to grant one (then nothing shows live until the user writes authorize.ts); `private` names
    the resources whose events go to their owner only (`note`), to show with two users; `signed_in` when
    every event goes to its owner only and the app's authentication grants that: the two tabs must be one
    signed-in user's (T3's post component is not even shown signed out)."""
    pm = _manager(project)
    run, ws = RUN[pm], project.ws
    steps = [*_env_steps(project, tree), *_database_steps(project, tree)]
    install = install_of(project)
    if project.single_app:
        own = f"cd {ws} && touch yarn.lock && yarn install" if pm == "yarn" else install.text
        # ... and back: the steps after it (the tables, the app) run at the root, in the same terminal
        own += " && cd " + "/".join([".."] * len(ws.strip("/").split("/")))
        why = f"the service's dependencies: this project has no workspaces, so {ws}/ installs on its own"
        steps.append(NextStep(own, why, install=True))
    else:
        steps.append(NextStep(install.text, f"installs the service's dependencies ({ws})", install=True))
    steps += _tables_steps(project, tree)
    steps += _dev_steps(project, tree, run, port)
    steps += [
        NextStep(f"curl http://localhost:{port}/health", "the service answers once it is up"),
        NextStep(None, _live_step(project, live, wired, private_only, signed_in)),
        *_privacy_steps(project, tree, private),
    ]
    if tree.is_dir(".git"):
        steps.append(
            NextStep(
                'git add -A && git commit -m "Add realtime with afc"',
                "commit .afc/ with the rest: `afc status` and `afc remove` read the record kept there",
            )
        )
    steps.append(NextStep("afc remove websocket", "to undo: takes every change out again, byte for byte"))
    return steps


SIGN_UP = ("signup", "sign-up", "register")


def _privacy_steps(project: Project, tree: Tree, private: tuple[str, ...]) -> list[NextStep]:
    """Where the app has a sign-up page and afc sends some rows to their owner only: how to see that with
    two users, on the pages afc made follow those rows (found by the resource in their realtime hook)."""
    signup = next((p for p in project.pages if PurePosixPath(p).parent.name in SIGN_UP and "/app/" in f"/{p}"), None)
    if not private or signup is None:
        return []
    pages = sorted(
        url
        for page in project.pages
        if (url := pageurl.route_of(project, page)) is not None
        and any(_follows(tree.read_text(page) or "", resource) for resource in private)
    )
    if not pages:
        return []
    base = f"http://localhost:{project.dev_port}"
    where = " and ".join(f"{base}{url}" for url in pages)
    sign_up = f"{base}{pageurl.route_of(project, signup)}"
    return [
        NextStep(
            None,
            f"to see privacy: sign up two users at {sign_up} (the second in a private window) and "
            f"open {where} as each, in two tabs: what one adds there shows live in their own other tab, "
            "never in the other user's",
        )
    ]


def _follows(text: str, resource: str) -> bool:
    """Whether a page's realtime hook follows a resource's events (`useRealtimeList("note", ...)`)."""
    named = (f'"{resource}"', f'"{resource}-')  # `useRealtimeList("note", ..)`, `events={["note-created"]}`
    return any("Realtime" in line and any(n in line for n in named) for line in text.splitlines())


def entering(root: Path, here: Path) -> NextStep | None:
    """`cd` to the project first, when afc ran from another folder (`-C`, or the root found upward)."""
    if root == here:  # both resolved (`Tree.root`, `tree.current_folder`)
        return None
    rel = os.path.relpath(root, here)
    upward = set(PurePosixPath(rel).parts) == {".."}  # afc ran below the root (found upward)
    where = rel if upward or not rel.startswith("..") else str(root)
    return NextStep(f"cd {shlex.quote(where)}", "the project's folder: the steps below run there")


def _tables_steps(project: Project, tree: Tree) -> list[NextStep]:
    """The project's own way to create its tables (see `migrate.py`): without it, the pages answer 500."""
    real = _real_env(project)
    sources = real or [p for p in project.env_files if DATABASE in _values(tree, p)]
    url = next((v for p in sources if (v := _values(tree, p).get(DATABASE))), "")
    step = migrate.tables_step(project, tree, url, real[0] if real else ".env")
    return [NextStep(step.command, step.why)] if step else []


def _live_step(
    project: Project, live: tuple[str, ...] | list[str], wired: bool, private_only: bool, signed_in: bool
) -> str:
    if not wired:
        return "afc wired no event, so nothing shows live yet: `afc add event NAME --route FILE` wires one"
    if private_only:
        return (
            "afc found no authentication, so the events it wired (to `user:` or `team:` channels) reach nobody "
            f"until {project.helpers_dir}/authorize.ts says who is asking: nothing shows live until then"
        )
    if not live:
        return (
            "no page follows an event afc wired, so nothing shows live yet (the plan says why for each page it "
            "found); a page that reads through `useRealtime` from lib/realtime/ does"
        )
    # a URL to open as it is first (`/`, not `/t/[id]`), else the one with the fewest segments to fill in
    live = sorted(live, key=lambda u: (u.count("["), u != "/", len(u), u))
    url = f"http://localhost:{project.dev_port}{'' if live[0] == '/' else live[0]}"
    if signed_in:
        return (
            f"open {url} in two browser tabs, signed in as the same user: a change made in one shows in the other "
            "without a reload (the events afc wired go to their owner only: a signed-out tab or another user "
            "sees none)"
        )
    return f"open {url} in two browser tabs: a change made in one shows in the other without a reload"


def after_remove(project: Project) -> list[NextStep]:
    install = install_of(project)
    if project.single_app:
        return []
    return [NextStep(install.text, "drops the service's dependencies from your lock file", install=True)]


def _scripts(tree: Tree, folder: str) -> dict[str, str]:
    try:
        text = tree.read_text(join(folder, "package.json"))
        found = jsonfile.to_python(jsonfile.parse(text, join(folder, "package.json"))) if text else None
    except AfcError:
        return {}
    scripts = found.get("scripts") if isinstance(found, dict) else None
    return {k: v for k, v in scripts.items() if isinstance(v, str)} if isinstance(scripts, dict) else {}


def _dev_steps(project: Project, tree: Tree, run: str, port: int) -> list[NextStep]:
    service = f"the realtime service on ws://localhost:{port}/ws"
    app = f"your Next.js app on http://localhost:{project.dev_port}"
    root_dev = _scripts(tree, ".").get("dev")
    if project.single_app:
        runtime = _without_bun(project, tree)
        first = NextStep(f"cd {project.ws} && {run} dev", service + runtime)
        if root_dev:
            return [first, NextStep(f"{run} dev", f"in another terminal, at the root: {app}, as before")]
        return [first, NextStep(None, f"in another terminal, start {app} as you usually do (no `dev` script here)")]
    if root_dev and WORKSPACE_WIDE.search(f" {root_dev}") and _starts_the_service(root_dev, project.ws):
        return [NextStep(f"{run} dev", f"starts {app} and {service}")]
    service_step = NextStep(
        f"cd {project.ws} && {run} dev", f"in another terminal: {service}{_without_bun(project, tree)}"
    )
    if root_dev:
        return [
            NextStep(f"{run} dev", f"starts {app}, as before (this `dev` script does not start the service)"),
            service_step,
        ]
    if "dev" in _scripts(tree, project.web):
        return [
            NextStep(f"cd {project.web} && {run} dev", f"starts {app} (the root has no `dev` script)"),
            service_step,
        ]
    return [
        NextStep(None, f"start {app} as you usually do (neither the root nor {project.web} has a `dev` script)"),
        service_step,
    ]


def _without_bun(project: Project, tree: Tree) -> str:
    """How to start the service on Node when bun is not there: with the env file its dev script loads (else
    no secret, and private events never arrive) and the Node floor its `engines` names."""
    if _manager(project) == "bun":
        return ""
    path = join(project.ws, "package.json")
    try:
        found = jsonfile.to_python(jsonfile.parse(tree.read_text(path) or "{}", path))
    except AfcError:
        found = None
    package = found if isinstance(found, dict) else {}
    scripts, engines = package.get("scripts") or {}, package.get("engines") or {}
    env = re.search(r"--env-file=(\S+)", str(scripts.get("dev", "") if isinstance(scripts, dict) else ""))
    floor = re.search(r"\d+(?:\.\d+)*", str(engines.get("node", "") if isinstance(engines, dict) else ""))
    load = f"--env-file={env.group(1)} " if env else ""
    needs = f", on Node {floor.group(0)} or newer as its engines field says" if floor else ""
    return f" (its dev script runs on bun; without bun: node {load}--import tsx src/index.ts in {project.ws}/{needs})"


def _starts_the_service(script: str, ws: str) -> bool:
    """Whether a workspace-wide `dev` script reaches the service: no package filter, or one that takes every
    package (`*`, `./apps/*`) or names the service (its folder, or a name with `realtime`, as afc names it),
    and no `!` filter that leaves it out (`--filter=!docs` runs all the others). `turbo dev --filter=web`
    starts the web app alone."""
    filters = FILTER.findall(f" {script}")
    folder = ws.rstrip("/").rsplit("/", 1)[-1]

    def names(pattern: str) -> bool:
        pattern = pattern.removeprefix("./")
        return pattern in ("*", "**") or "realtime" in pattern or folder in pattern.split("/") or fnmatch(ws, pattern)

    kept = [f for f in filters if not f.startswith("!")]
    if any(names(f[1:]) for f in filters if f.startswith("!")):
        return False
    return not kept or any(names(f) for f in kept)


def _real_env(project: Project) -> list[str]:
    return [p for p in project.env_files if not envfile.is_example(p)]


def _values(tree: Tree, path: str) -> dict[str, str]:
    try:
        return envfile.keys(tree.read_text(path) or "", path)
    except AfcError:
        return {}


def _env_steps(project: Project, tree: Tree) -> list[NextStep]:
    if _real_env(project):
        return []
    examples = [p for p in project.env_files if envfile.is_example(p)]
    made = [c.path for c in tree.changes() if c.kind is Kind.CREATE and ENV_FILE.match(PurePosixPath(c.path).name)]
    if not examples and made:
        return []  # afc created an env file, git-ignored, with the realtime settings (features/envvars.py)
    if not examples:
        return [
            NextStep(
                None,
                "create a .env: this project has none, so broadcast() sends nothing until WS_INTERNAL_URL and "
                f"WS_EVENTS_SECRET are set (every variable is in {project.ws}/README.md)",
            )
        ]
    example = examples[0]
    target = (
        example[: -len(".example")] if example.endswith(".example") else join(str(example).rsplit("/", 1)[0], ".env")
    )
    if made:  # the realtime settings, the secret among them, are in the env file afc created already
        why = (
            f"there is no {target} yet: it holds the app's own settings, as {example} lists them; the realtime "
            f"ones, with a secret of their own, are in {made[0]}, which afc wrote"
        )
    else:
        why = (
            f"there is no {target} yet; afc added the realtime settings to {example} (without them broadcast() "
            "sends nothing)"
        )
    return [NextStep(f"cp {example} {target}", why)]


def _database_steps(project: Project, tree: Tree) -> list[NextStep]:
    """A hint when the app needs DATABASE_URL and it is not set, and the compose service that provides it."""
    real = _real_env(project)
    mentioned = [p for p in project.env_files if DATABASE in _values(tree, p)]
    if not mentioned and not (project.env_schema and DATABASE in (tree.read_text(project.env_schema) or "")):
        return []
    steps = []
    sources = real or mentioned
    url = next((v for p in sources if (v := _values(tree, p).get(DATABASE))), "")
    if not url:
        where = real[0] if real else ".env"
        steps.append(
            NextStep(
                None, f"set {DATABASE} in {where}: the app's routes that read or write the database fail without it"
            )
        )
    database = _compose_database(project, tree)
    if database and (not url or "localhost" in url or "127.0.0.1" in url):
        file, service = database
        steps.append(NextStep(f"docker compose -f {file} up -d {service}", f"starts the database {DATABASE} points at"))
    local = migrate.createdb_step(url, (real or [".env"])[0]) if url else None
    if local:
        why = local.why if database else local.why.replace("or without Docker, ", "", 1)
        steps.append(NextStep(local.command, why))
    return steps


def _compose_database(project: Project, tree: Tree) -> tuple[str, str] | None:
    for path in project.compose_files:
        try:
            services = compose.services_of(tree.read_text(path) or "", path)
        except AfcError:
            continue
        for name, body in (services or {}).items():
            image = str(body.get("image", "")) if hasattr(body, "get") else ""
            if re.match(r"(?:[\w.-]+/)?(postgres|postgis|mysql|mariadb|mongo)\b", image.rsplit("/", 1)[-1]):
                return path, str(name)
    return None
