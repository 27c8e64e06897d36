"""Which authentication the web app uses, so the ticket route afc generates can ask it who the browser is:
Auth.js / NextAuth v5 (`auth()` from the app's own module), Clerk, better-auth, or none (public only)."""

from __future__ import annotations

from dataclasses import dataclass

from .project import Project
from .tree import Tree

AUTHJS_MODULES = ("auth.ts", "server/auth.ts", "lib/auth.ts", "auth/index.ts", "server/auth/index.ts")
BETTER_AUTH_MODULES = ("lib/auth.ts", "auth.ts", "server/auth.ts", "lib/auth/index.ts")


@dataclass(frozen=True)
class AuthSetup:
    kind: str  # authjs | clerk | better-auth | none
    module: str | None = None  # the app's own module that exports `auth` (Auth.js, better-auth)

    @property
    def name(self) -> str:
        names = {"authjs": "Auth.js", "clerk": "Clerk", "better-auth": "better-auth"}
        return names.get(self.kind, "an app without authentication")

    def ticket_route(self) -> str:
        """What the ticket route afc generates does, for the plan's summary."""
        asks = {
            "authjs": f"Auth.js (`auth()` from {self.module})",
            "clerk": "Clerk (`auth()` from @clerk/nextjs/server)",
            "better-auth": f"better-auth (`auth.api.getSession` from {self.module})",
        }.get(self.kind)
        if asks is None:
            return "a ticket route that lets every browser join `public` only (no authentication found)"
        return f"a ticket route that asks {asks} who the browser is"


def detect_auth(project: Project, tree: Tree) -> AuthSetup:
    deps = project.web_dependencies
    if "next-auth" in deps:
        module = _module_with(tree, project, AUTHJS_MODULES, "NextAuth(")
        if module is not None:
            return AuthSetup("authjs", module)
    if "@clerk/nextjs" in deps:
        return AuthSetup("clerk")
    if "better-auth" in deps:
        module = _module_with(tree, project, BETTER_AUTH_MODULES, "betterAuth(")
        if module is not None:
            return AuthSetup("better-auth", module)
    return AuthSetup("none")


def _module_with(tree: Tree, project: Project, candidates: tuple[str, ...], marker: str) -> str | None:
    """The first candidate module (under the app's source folder, then the app folder) that calls `marker`
    and exports `auth`."""
    for base in dict.fromkeys((project.src, project.web)):
        for name in candidates:
            path = f"{base}/{name}"
            text = tree.read_text(path) if tree.exists(path) else None
            if text and marker in text and "auth" in text and "export" in text:
                return path
    return None
