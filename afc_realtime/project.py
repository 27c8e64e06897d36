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

    @property
    def helpers_dir(self) -> str:
        return f"{self.src}/lib/realtime"


def detect(tree: Tree) -> Project:
    if not tree.is_dir("."):
        raise BadInput(f"no such folder: {tree.root}")
    package_json = _json(tree, "package.json")
    if package_json is None:
        raise BadInput(
            "not a JavaScript project: no package.json here (use -C to point at the monorepo root)", path=str(tree.root)
        )
    workspaces = _workspaces(tree, package_json)
    packages = _workspace_dirs(tree, workspaces)
    web, web_dependencies = _find_next_app(tree, packages)
    src = f"{web}/src" if tree.is_dir(f"{web}/src/app") else web
    files = tree.walk(f"{src}/app", SKIP_DIRS)
    return Project(
        root=tree.root,
        web=web,
        ws=str(PurePosixPath(web).parent / "ws") if "/" in web else "ws",
        package_manager=package_manager_of(tree, jsonfile.to_python(package_json.get("packageManager"))),
        src=src,
        env_files=[f for folder in (".", web) for f in _files_named(tree, folder, ENV_FILE)],
        compose_files=_files_named(tree, ".", COMPOSE),
        routes=[f for f in files if PurePosixPath(f).name in ROUTE_FILES],
        pages=[f for f in files if PurePosixPath(f).name in PAGE_FILES],
        env_schema=next((f"{src}/{n}" for n in ("env.ts", "env.mjs", "env.js") if tree.exists(f"{src}/{n}")), None),
        import_prefix=_alias_for(tree, web, src),
        has_after=_has_after(tree, web),
        workspaces=workspaces,
        packages=sorted({*packages, web}),
        web_dependencies=web_dependencies,
    )


def _json(tree: Tree, rel: str) -> jsonfile.Node | None:
    text = tree.read_text(rel)
    return None if text is None else jsonfile.parse(text, rel)


def _workspaces(tree: Tree, package_json: jsonfile.Node) -> list[str]:
    value = jsonfile.to_python(package_json.get("workspaces"))
    if isinstance(value, dict):
        value = value.get("packages")
    if not value and tree.exists("pnpm-workspace.yaml"):
        from .edits.compose import load

        data = load(tree.read_text("pnpm-workspace.yaml") or "", "pnpm-workspace.yaml") or {}
        value = list(data.get("packages") or [])
    return [str(v) for v in value] if isinstance(value, list) else ["apps/*", "packages/*"]


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


def _find_next_app(tree: Tree, packages: list[str]) -> tuple[str, frozenset[str]]:
    candidates: dict[str, frozenset[str]] = {}
    for folder in packages:
        package_json = _json(tree, f"{folder}/package.json")
        if package_json is None or package_json.kind != "object":
            continue
        deps: dict[str, object] = {}
        for section in ("dependencies", "devDependencies"):
            deps.update(jsonfile.to_python(package_json.get(section)) or {})
        if "next" in deps:
            candidates[folder] = frozenset(deps)
    if not candidates:
        raise BadInput(
            "no Next.js app found: no workspace folder has `next` in its package.json dependencies", path="package.json"
        )
    web = "apps/web" if "apps/web" in candidates else next(iter(candidates))
    return web, candidates[web]


def package_manager_of(tree: Tree, declared: str | None) -> str:
    for name, manager in LOCKFILES:
        if tree.exists(name):
            return manager
    if declared:
        return declared.split("@")[0]
    return "npm"


def _files_named(tree: Tree, folder: str, pattern: re.Pattern[str]) -> list[str]:
    prefix = "" if folder == "." else f"{folder}/"
    return [prefix + e.name for e in tree.children(folder) if e.is_file and pattern.match(e.name)]


def _alias_for(tree: Tree, web: str, src: str) -> str | None:
    """The import prefix that tsconfig maps onto the source folder (`@/` for `"@/*": ["./src/*"]`)."""
    rel = f"{web}/tsconfig.json"
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


def _has_after(tree: Tree, web: str) -> bool:
    """after() is stable in Next.js 15.1; judge by the installed version, else by the declared range."""
    version = None
    for installed in (f"{web}/node_modules/next/package.json", "node_modules/next/package.json"):
        found = jsonfile.to_python(_json(tree, installed))
        if isinstance(found, dict):
            version = found.get("version")
            break
    if version is None:
        manifest = jsonfile.to_python(_json(tree, f"{web}/package.json")) or {}
        version = {**(manifest.get("devDependencies") or {}), **(manifest.get("dependencies") or {})}.get("next", "")
    match = re.search(r"(\d+)(?:\.(\d+|x))?", str(version))
    if not match:
        return True  # "latest" or a tag: a current Next.js
    major, minor = int(match.group(1)), match.group(2)
    return major > 15 or (major == 15 and (minor in (None, "x") or int(minor) >= 1))
