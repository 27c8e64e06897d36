"""What the websocket recipe writes, as data other modules re-derive it from: its env entries, its compose
service, the service rendered from a set of answers and where `add` keeps the pristine copies. A manifest's
claims are checked against these (`toolkit.could_have_inserted`, `claims.py`)."""

from __future__ import annotations

import os
from pathlib import PurePosixPath
from typing import Any

from .. import __version__, render
from ..project import Project

PORT = 4001
ENV_HEADER = "Realtime (afc websocket)"


def env_entries(
    secret: str, dev_port: int = 3000, internal_host: str = "localhost", port: int = PORT
) -> list[tuple[str, str]]:
    """The realtime variables of an env file; a file read by containers reaches the service by its compose
    name (`internal_host="ws"`), since inside a container localhost is the container itself."""
    return [
        ("NEXT_PUBLIC_WS_URL", f"ws://localhost:{port}"),
        ("WS_INTERNAL_URL", f"http://{internal_host}:{port}"),
        ("WS_PORT", str(port)),
        ("WS_EVENTS_SECRET", secret),
        ("WS_ALLOWED_ORIGINS", origin(dev_port)),
    ]


def origin(dev_port: int) -> str:
    """The browser origin of the app in development: its own `next dev` port."""
    return f"http://localhost:{dev_port}"


def compose_service(
    project: Project, compose_file: str, networks: list[str] | None = None, port: int = PORT
) -> dict[str, Any]:
    """The `ws` service of a compose file. The image builds from the repository root (the workspace lockfile
    is there) and runs in production mode; a file that is not a production one runs it in development mode,
    so an unset secret never makes it exit and restart in a loop."""
    context = os.path.relpath(".", str(PurePosixPath(compose_file).parent) or ".").replace(os.sep, "/")
    production = "prod" in compose_file
    secret = "${WS_EVENTS_SECRET:?set WS_EVENTS_SECRET}" if production else "${WS_EVENTS_SECRET:-}"
    environment = {
        "NODE_ENV": "production" if production else "development",
        "WS_HOST": "0.0.0.0",  # inside a container: reachable from the other services, not only loopback
        "WS_PORT": f'"{port}"',
        "WS_EVENTS_SECRET": secret,
        "WS_TICKET_SECRET": "${WS_TICKET_SECRET:-}",
        # production: no development origin to fall back on (issue 19: no localhost value in production)
        "WS_ALLOWED_ORIGINS": "${WS_ALLOWED_ORIGINS:?set WS_ALLOWED_ORIGINS}"
        if production
        else f"${{WS_ALLOWED_ORIGINS:-{origin(project.dev_port)}}}",
        "REDIS_URL": "${REDIS_URL:-}",
    }
    service: dict[str, Any] = {
        "build": {"context": context, "dockerfile": f"{project.ws}/Dockerfile"},
        "ports": [f'"{port}:{port}"'],
        "environment": environment,
    }
    if networks:
        service["networks"] = list(networks)  # the other services' networks: they reach it as `ws`, it reaches them
    service["restart"] = "unless-stopped"
    return service


# Where `add` keeps the service exactly as it rendered it, one `<path>.base` file per file, committed with
# the project: `afc update websocket` merges three ways (base: this; ours: the project's file now; theirs:
# what the running afc renders with the same answers), and the base has to be the very bytes afc wrote. It
# costs a copy of the service (about 120 KB) in the repository; the alternatives cost more: rendering the
# base from an older template needs afc to ship every template version it ever had (and the exact release
# that made the project), and asking git for the blob needs the add to have been committed. The `.base`
# suffix keeps test runners, linters and `tsc` from taking the copies for sources.
BASE_DIR = ".afc/base"


def base_path(path: str) -> str:
    return f"{BASE_DIR}/{path}.base"


def render_service(project: Project, answers: dict[str, object]) -> dict[str, bytes]:
    """The service rendered by this afc into `project.ws` (paths from the root), with its version recorded."""
    rendered = render.render_service({**answers, "afc_version": __version__})
    return {f"{project.ws}/{rel}": data for rel, data in rendered.items()}
