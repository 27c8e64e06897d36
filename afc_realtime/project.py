"""Read-only detection of what the project is: where its Next.js app, env files, compose files and route
files are, and which package manager it uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .edits import jsonfile
from .errors import BadInput
from .tree import Tree

SKIP_DIRS = frozenset(
    {"node_modules", ".next", ".turbo", ".git", "dist", "build", "out", ".vercel", "coverage", ".afc"}
)
LOCKFILES = [
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("package-lock.json", "npm"),
]
COMPOSE = re.compile(r"^(docker-)?compose(\.[\w-]+)?\.ya?ml$")
ENV_FILE = re.compile(r"^\.env(\.[\w-]+)*$")
ROUTE_FILES = {"route.ts", "route.tsx", "route.js", "route.jsx"}
PAGE_FILES = {"page.tsx", "page.jsx", "page.ts", "page.js"}
DEFAULT_WORKSPACES = ["apps/*", "packages/*"]
DEV_PORT = 3000
# The service's folder beside an app at the root: `realtime/` says what it is, and unlike `ws/` it cannot
# shadow the `ws` package for a project whose tsconfig has `"baseUrl": "."` (bare imports resolve there first).
ROOT_SERVICE_DIR = "realtime"
ROUTE_DIRS = ("app", "pages", "src/app", "src/pages")  # where a Next.js app keeps its routes
NEXT_CONFIG = re.compile(r"^next\.config\.(js|mjs|cjs|ts|mts)$")
NEXT_SCRIPT = re.compile(r"(^|[\s;&|(])next\s+(dev|build|start)\b")
DEV_PORT_FLAG = re.compile(r"\bnext\s+dev\b[^&|;]*?\s(?:-p|--port)(?:\s+|=)(\d+)")
PORT_VARIABLE = re.compile(r"\bPORT=(\d+)[^&|;]*\bnext\s+dev\b")


@dataclass(frozen=True)
class Project:
    root: Path
    web: str  # the Next.js app folder, e.g. apps/web
    ws: str  # where the service goes, e.g. apps/ws
    package_manager: str
    src: str  # the folder holding app/ (apps/web/src, or apps/web when there is no src/)
    env_files: list[str]
    compose_files: list[str]
    routes: list[str]
    pages: list[str]
    env_schema: str | None
    import_prefix: str | None  # "@/" when tsconfig maps it onto src; else imports are relative
    has_after: bool  # whether the installed Next.js exports after() from next/server
    workspaces: list[str]
    packages: list[str]  # the workspace folders that exist (the web app among them)
    web_dependencies: frozenset[str]  # what the web app's package.json depends on
    workspace_file: str | None = None  # where the workspaces are declared; None: not a workspace project
    apps: tuple[str, ...] = ()  # every Next.js app found (the chosen one among them)
    app_reason: str = ""  # why `web` was chosen among `apps`
    dev_port: int = DEV_PORT  # the port the app's `dev` script runs Next.js on
    has_connection: bool = True  # whether the installed Next.js exports connection() from next/server (15+)

    @property
    def helpers_dir(self) -> str:
        return join(self.src, "lib/realtime")

    @property
    def single_app(self) -> bool:
        """A Next.js app at the repository root with no workspaces: the service installs on its own."""
        return self.web == "." and self.workspace_file is None


def join(*parts: str) -> str:
    """Project paths joined, without the `./` a root app would otherwise give them (`.` + `lib` is `lib`)."""
    return PurePosixPath(*parts).as_posix()


def detect(tree: Tree, app: str | None = None, reason: str = "") -> Project:
    """The project, with `app` as its Next.js app (by default the only one, else `apps/web`, else the first;
    `choice.choose` decides better, from what each app writes)."""
    root = root_package(tree)
    workspaces, workspace_file = _workspaces(tree, root)
    packages = _workspace_dirs(tree, workspaces or DEFAULT_WORKSPACES)
    apps = next_apps(tree, packages, root)
    if not apps:
        raise _no_app(tree, packages, root, workspace_file)
    if app is not None:
        web = _chosen(tree, apps, app)
    else:
        web = default_app(apps)
        reason = reason or ("the only Next.js app" if len(apps) == 1 else _default_reason(web))
    web_dependencies = dependencies(_json(tree, join(web, "package.json")))
    src = join(web, "src") if tree.is_dir(join(web, "src/app")) else web
    files = tree.walk(join(src, "app"), SKIP_DIRS)
    version = _next_version(tree, web)
    return Project(
        root=tree.root,
        web=web,
        ws=ROOT_SERVICE_DIR if web == "." else join(str(PurePosixPath(web).parent), "ws"),
        package_manager=package_manager_of(tree, jsonfile.to_python(root.get("packageManager"))),
        src=src,
        env_files=[f for folder in dict.fromkeys((".", web)) for f in _files_named(tree, folder, ENV_FILE)],
        compose_files=_files_named(tree, ".", COMPOSE),
        routes=[f for f in files if PurePosixPath(f).name in ROUTE_FILES],
        pages=[f for f in files if PurePosixPath(f).name in PAGE_FILES],
        env_schema=next((join(src, n) for n in ("env.ts", "env.mjs", "env.js") if tree.exists(join(src, n))), None),
        import_prefix=_alias_for(tree, web, src),
        has_after=_has_after(version),
        has_connection=_has_connection(version),
        workspaces=workspaces if workspace_file else DEFAULT_WORKSPACES,
        packages=sorted({*packages, web}),
        web_dependencies=web_dependencies,
        workspace_file=workspace_file,
        apps=tuple(apps),
        app_reason=reason or f"--app {web}",
        dev_port=dev_port(tree, web),
    )


def root_package(tree: Tree) -> jsonfile.Node:
    if not tree.is_dir("."):
        raise BadInput(f"no such folder: {tree.root}", code="not_found")
    package_json = _json(tree, "package.json")
    if package_json is None:
        raise BadInput(
            "not a JavaScript project: no package.json here (use -C to point at the project root)",
            path=str(tree.root),
            code="not_found",
        )
    return package_json


def next_apps(tree: Tree, packages: list[str], root: jsonfile.Node | None = None) -> list[str]:
    """Every Next.js app: a folder (the root, or a workspace folder) whose package.json depends on `next`,
    that has an `app/` or `pages/` folder (also under `src/`), and that runs Next.js (a `next dev`/`build`
    script, or a `next.config.*`); `apps/web` first. A package that only depends on `next` (a shared
    config, a component library) is not an app. Where no folder runs Next.js in a way afc can see, the ones
    with an `app/` or `pages/` folder are the apps."""
    routed = [f for f in _next_dependents(tree, packages, root) if has_routes(tree, f)]
    found = [f for f in routed if runs_next(tree, f)] or routed
    return sorted(found, key=lambda f: (f != "apps/web", f))


def _next_dependents(tree: Tree, packages: list[str], root: jsonfile.Node | None = None) -> list[str]:
    root = root if root is not None else root_package(tree)
    found = ["."] if "next" in dependencies(root) else []
    return found + [f for f in packages if f != "." and "next" in dependencies(_json(tree, join(f, "package.json")))]


def has_routes(tree: Tree, folder: str) -> bool:
    return any(tree.is_dir(join(folder, d)) for d in ROUTE_DIRS)


def runs_next(tree: Tree, folder: str) -> bool:
    """A `next dev`, `next build` or `next start` script, or a `next.config.*` beside the package.json."""
    manifest = jsonfile.to_python(_json(tree, join(folder, "package.json")))
    scripts = manifest.get("scripts") if isinstance(manifest, dict) else None
    if isinstance(scripts, dict) and any(isinstance(v, str) and NEXT_SCRIPT.search(v) for v in scripts.values()):
        return True
    return any(e.is_file and NEXT_CONFIG.match(e.name) for e in tree.children(folder))


def _no_app(tree: Tree, packages: list[str], root: jsonfile.Node, workspace_file: str | None) -> BadInput:
    """No Next.js app: where afc looked, and the packages that depend on `next` without being apps."""
    libraries = _next_dependents(tree, packages, root)
    if libraries:
        return BadInput(
            f"no Next.js app found: {', '.join(libraries)} depend{'s' if len(libraries) == 1 else ''} on `next` "
            "but ha" + ("s" if len(libraries) == 1 else "ve") + " no app/ or pages/ folder (also looked in src/); "
            "point -C at the project root, or --app at the app",
            path="package.json",
            code="not_found",
        )
    where = ", ".join(packages[:6]) + (", ..." if len(packages) > 6 else "") or "none exists"
    folders = "any workspace folder" if workspace_file else f"any folder matching {' or '.join(DEFAULT_WORKSPACES)}"
    return BadInput(
        f"no Next.js app found: `next` is in the dependencies of neither package.json here nor {folders} "
        f"({where}); point -C at the project root",
        path="package.json",
        code="not_found",
    )


def default_app(apps: list[str]) -> str:
    return "apps/web" if "apps/web" in apps else apps[0]


def _default_reason(web: str) -> str:
    return "several Next.js apps and no way to tell them apart; " + (
        "apps/web breaks the tie" if web == "apps/web" else "the first by name"
    )


def _chosen(tree: Tree, apps: list[str], app: str) -> str:
    """`--app`: one of the apps found, or a folder that is a Next.js app outside the workspace list; else a
    message that says what the folder is (missing, no package.json, no `next`, no routes)."""
    wanted = PurePosixPath(app.strip().rstrip("/") or ".").as_posix()
    if wanted in apps:
        return wanted
    package = join(wanted, "package.json")
    listed = f"the Next.js apps here: {', '.join(apps)}"
    if not check_app_path(wanted) or not tree.is_dir(wanted):
        raise BadInput(f"--app {app}: no such folder in the project; {listed}", code="not_found")
    # The message names the file; no `path`, which the error would print again before it.
    if not tree.exists(package):
        raise BadInput(f"--app {app}: not a Next.js app (no package.json in {wanted}); {listed}")
    if "next" not in dependencies(_json(tree, package)):
        raise BadInput(f"--app {app}: not a Next.js app (no `next` in {package}); {listed}")
    if not has_routes(tree, wanted):
        raise BadInput(
            f"--app {app}: not a Next.js app ({wanted} depends on `next` but has no app/ or pages/ folder, "
            f"also looked in src/); {listed}"
        )
    return wanted


def check_app_path(rel: str) -> bool:
    pure = PurePosixPath(rel)
    return not pure.is_absolute() and ".." not in pure.parts


def dependencies(package_json: jsonfile.Node | None) -> frozenset[str]:
    if package_json is None or package_json.kind != "object":
        return frozenset()
    deps: dict[str, object] = {}
    for section in ("dependencies", "devDependencies"):
        found = jsonfile.to_python(package_json.get(section))
        deps.update(found if isinstance(found, dict) else {})
    return frozenset(deps)


def dev_port(tree: Tree, web: str) -> int:
    """The port of `next dev` in the app's `dev` script (`next dev -p 3001`, `--port=3001`, `PORT=3001 next
    dev`), else Next.js's own default."""
    manifest = jsonfile.to_python(_json(tree, join(web, "package.json")))
    scripts = manifest.get("scripts") if isinstance(manifest, dict) else None
    script = scripts.get("dev") if isinstance(scripts, dict) else None
    if not isinstance(script, str):
        return DEV_PORT
    found = DEV_PORT_FLAG.search(script) or PORT_VARIABLE.search(script)
    return int(found.group(1)) if found else DEV_PORT


def _json(tree: Tree, rel: str) -> jsonfile.Node | None:
    text = tree.read_text(rel)
    return None if text is None else jsonfile.parse(text, rel)


def _workspaces(tree: Tree, package_json: jsonfile.Node) -> tuple[list[str], str | None]:
    """The workspace patterns and the file that declares them (`package.json` or `pnpm-workspace.yaml`)."""
    value = jsonfile.to_python(package_json.get("workspaces"))
    if isinstance(value, dict):
        value = value.get("packages")
    if isinstance(value, list):
        return [str(v) for v in value], "package.json"
    if tree.exists("pnpm-workspace.yaml"):
        from .edits.compose import load

        data = load(tree.read_text("pnpm-workspace.yaml") or "", "pnpm-workspace.yaml")
        found = data.get("packages") if hasattr(data, "get") else None
        return [str(v) for v in found or []], "pnpm-workspace.yaml"
    return [], None


def _workspace_dirs(tree: Tree, patterns: list[str]) -> list[str]:
    found = set()
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if pattern.startswith("!"):
            continue
        if "*" not in pattern:
            found.add(pattern)
            continue
        found |= {d for d in tree.glob(pattern) if tree.is_dir(d) and PurePosixPath(d).name not in SKIP_DIRS}
    return sorted(found)


def package_manager_of(tree: Tree, declared: str | None) -> str:
    for name, manager in LOCKFILES:
        if tree.exists(name):
            return manager
    if declared:
        return declared.split("@")[0]
    return "npm"


def _files_named(tree: Tree, folder: str, pattern: re.Pattern[str]) -> list[str]:
    return [join(folder, e.name) for e in tree.children(folder) if e.is_file and pattern.match(e.name)]


def _alias_for(tree: Tree, web: str, src: str) -> str | None:
    """The import prefix that tsconfig maps onto the source folder (`@/` for `"@/*": ["./src/*"]`)."""
    rel = join(web, "tsconfig.json")
    if not tree.exists(rel):
        return None
    config = jsonfile.to_python(_json(tree, rel)) or {}
    paths = (config.get("compilerOptions") or {}).get("paths") or {}
    target = PurePosixPath(src).relative_to(web).as_posix() if src != web else "."
    for alias, targets in paths.items():
        if not alias.endswith("/*") or not targets:
            continue
        mapped = str(targets[0]).removeprefix("./").removesuffix("/*").removesuffix("*") or "."
        if mapped.rstrip("/") == target:
            return str(alias[:-1])
    return None


def _next_version(tree: Tree, web: str) -> tuple[int, int | None] | None:
    """The Next.js version the app runs, (major, minor): the installed one, else the declared range's floor
    (minor None for a bare major, `15` or `15.x`, which installs the newest of it); None for "latest", a tag
    or no declaration (a current Next.js)."""
    version = None
    for installed in dict.fromkeys((join(web, "node_modules/next/package.json"), "node_modules/next/package.json")):
        found = jsonfile.to_python(_json(tree, installed))
        if isinstance(found, dict):
            version = found.get("version")
            break
    if version is None:
        manifest = jsonfile.to_python(_json(tree, join(web, "package.json"))) or {}
        version = {**(manifest.get("devDependencies") or {}), **(manifest.get("dependencies") or {})}.get("next", "")
    match = re.search(r"(\d+)(?:\.(\d+|x))?", str(version))
    if not match:
        return None
    minor = match.group(2)
    return int(match.group(1)), int(minor) if minor and minor != "x" else None


def _has_after(version: tuple[int, int | None] | None) -> bool:
    """after() is stable in Next.js 15.1."""
    if version is None:
        return True
    major, minor = version
    return major > 15 or (major == 15 and (minor is None or minor >= 1))


def _has_connection(version: tuple[int, int | None] | None) -> bool:
    """connection() (next/server) is in Next.js 15.0 and later: what keeps the ticket route dynamic there,
    with or without Cache Components (which refuses `export const dynamic`)."""
    return version is None or version[0] >= 15
