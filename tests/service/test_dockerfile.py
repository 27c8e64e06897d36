"""The Dockerfile's steps, replayed without a Docker engine (none runs here): the frozen install from the
workspace lockfile, with only the files Dockerfile.dockerignore lets through, then the service started from
the final stage's layout."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.tools import free_port

from .conftest import STRONG_SECRET, http_request, render_ws, wait_until

pytestmark = pytest.mark.node


def _run_steps(dockerfile: str) -> list[str]:
    """The RUN commands of the deps stage, continuation lines joined."""
    text = dockerfile.replace("\\\n", " ")
    return [line[4:].strip() for line in text.splitlines() if line.startswith("RUN ")]


def _monorepo(root: Path, bun: str) -> Path:
    (root / "apps/web").mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({"name": "mono", "private": True, "workspaces": ["apps/*"]}))
    (root / "apps/web/package.json").write_text(json.dumps({"name": "web", "private": True}))
    render_ws(root / "apps/ws")
    subprocess.run([bun, "install", "--silent"], cwd=root, check=True, timeout=300)
    assert (root / "bun.lock").is_file()
    return root


def _context(repo: Path, dst: Path, ignore: list[str]) -> Path:
    """What BuildKit would send: the `!path` entries of an ignore file that starts with `*`."""
    assert ignore[0] == "*"
    for entry in ignore[1:]:
        if not entry.startswith("!"):
            continue
        source = repo / entry[1:]
        target = dst / entry[1:]
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("node_modules"))
        else:
            shutil.copy2(source, target)
    return dst


def test_dockerfile_steps_install_frozen_from_the_workspace_lockfile(tmp_path: Path, bun: str):
    repo = _monorepo(tmp_path / "repo", bun)
    dockerfile = (repo / "apps/ws/Dockerfile").read_text()
    ignore = [
        line
        for line in (repo / "apps/ws/Dockerfile.dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    context = _context(repo, tmp_path / "context", ignore)
    assert not (context / "apps/web").exists()

    # deps stage: COPY package.json bun.lock ./ ; COPY apps/ws/package.json apps/ws/ ; RUN ...
    deps = tmp_path / "deps"
    (deps / "apps/ws").mkdir(parents=True)
    for name in ("package.json", "bun.lock", "apps/ws/package.json"):
        shutil.copy2(context / name, deps / name)
    env_path = f"{Path(bun).parent}:/usr/bin:/bin"
    for command in _run_steps(dockerfile):
        subprocess.run(["bash", "-c", command], cwd=deps, check=True, timeout=300, env={"PATH": env_path})

    # final stage: both node_modules, then the service's own files; run it as the image's CMD would.
    final = tmp_path / "final"
    shutil.copytree(deps / "node_modules", final / "node_modules", symlinks=True)
    service = final / "apps/ws"
    shutil.copytree(deps / "apps/ws/node_modules", service / "node_modules", symlinks=True)
    for name in ("package.json", "tsconfig.json", "src"):
        source = context / "apps/ws" / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, service / name)
    port = free_port()
    proc = subprocess.Popen(
        [bun, "src/index.ts"],
        cwd=service,
        env={
            "PATH": env_path,
            "NODE_ENV": "production",
            "WS_HOST": "127.0.0.1",
            "WS_PORT": str(port),
            "WS_EVENTS_SECRET": STRONG_SECRET,
            "WS_ALLOWED_ORIGINS": "https://app.test",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:

        def healthy() -> bool:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                return http_request("GET", f"http://127.0.0.1:{port}/health")[0] == 200
            except OSError:
                return False

        wait_until(healthy, timeout=20, what="the service from the final stage's layout")
    finally:
        proc.kill()
        proc.wait(timeout=10)

    # Frozen: a dependency the lockfile does not pin fails the install instead of being resolved.
    package = json.loads((deps / "apps/ws/package.json").read_text())
    package["dependencies"]["left-pad"] = "^1.3.0"
    (deps / "apps/ws/package.json").write_text(json.dumps(package))
    result = subprocess.run(
        ["bash", "-c", _run_steps(dockerfile)[0]],
        cwd=deps,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": env_path},
    )
    assert result.returncode != 0, result.stdout + result.stderr
    assert "lockfile" in (result.stdout + result.stderr).lower()
