"""What the service's Dockerfile copies and installs with, from the project's package manager and lockfile:
bun, npm, pnpm or yarn 1, in a workspace (the root lockfile and every workspace's package.json, so a frozen
install matches) or beside a single app (the service installs on its own, from its own lockfile). Where none
of these fits, the reason; compose then gets no service that cannot build."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..edits import jsonfile
from ..errors import AfcError
from ..project import Project, join
from ..tree import Tree

LOCKS = {
    "bun": ("bun.lock", "bun.lockb"),
    "npm": ("package-lock.json",),
    "pnpm": ("pnpm-lock.yaml",),
    "yarn": ("yarn.lock",),
}
# The files a package manager reads beside the lockfile, copied when the project has them.
SETTINGS = {
    "pnpm": ("pnpm-workspace.yaml", ".npmrc"),
    "npm": (".npmrc",),
    "yarn": (".yarnrc",),
    "bun": ("bunfig.toml",),
}
# What a single app's service folder gets when its install (a next step) has run.
OWN_LOCK = {"bun": "bun.lock", "npm": "package-lock.json", "pnpm": "pnpm-lock.yaml", "yarn": "yarn.lock"}
_BERRY = re.compile(r"^yarn@(?:[2-9]|\d{2,})")


@dataclass(frozen=True)
class Layout:
    manager: str  # bun, npm, pnpm, yarn
    copy: tuple[str, ...]  # from the root, before the install: manifests, lockfile, settings
    reason: str | None = None  # why the Dockerfile cannot build here (compose gets no service); None: it builds

    def answers(self) -> dict[str, object]:
        """The template's answers; none for its first layout (bun, the root bun.lock), which renders as before."""
        if self.manager == "bun" and self.copy[:2] == ("package.json", "bun.lock") and len(self.copy) == 3:
            return {}
        return {"docker": self.manager, "docker_copy": " ".join(self.copy)}


def layout(project: Project, tree: Tree) -> Layout:
    manager = project.package_manager if project.package_manager in LOCKS else "npm"
    if manager == "yarn" and _berry(tree):
        reason = "this project uses yarn 2 or newer (Plug'n'Play), which the Dockerfile does not install with"
        return Layout(manager, (), reason)
    service = join(project.ws, "package.json")
    if project.single_app:
        return Layout(manager, (service, join(project.ws, OWN_LOCK[manager])))
    lock = next((name for name in LOCKS[manager] if tree.exists(name)), None)
    if lock is None:
        return Layout(manager, (), f"this project has no {LOCKS[manager][0]} at the root")
    if manager == "bun":  # bun installs one workspace from the lockfile alone
        return Layout(manager, ("package.json", lock, service))
    settings = [name for name in SETTINGS[manager] if tree.exists(name)]
    packages = [join(p, "package.json") for p in project.packages if p != "." and tree.exists(join(p, "package.json"))]
    copied = dict.fromkeys(["package.json", lock, *settings, *packages, service])
    return Layout(manager, tuple(copied))


def _berry(tree: Tree) -> bool:
    if tree.exists(".yarnrc.yml"):
        return True
    try:
        found = jsonfile.to_python(jsonfile.parse(tree.read_text("package.json") or "{}", "package.json"))
    except AfcError:
        return False
    declared = found.get("packageManager") if isinstance(found, dict) else None
    return isinstance(declared, str) and bool(_BERRY.match(declared))
