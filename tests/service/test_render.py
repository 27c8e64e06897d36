"""templates/ws renders without prompting, deterministically, from a plain (non-git) copy of the template."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .conftest import TEMPLATES, render_ws


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_renders_deterministically_from_a_non_git_copy(tmp_path: Path):
    plain = tmp_path / "template-copy"
    shutil.copytree(TEMPLATES / "ws", plain)
    assert not (plain / ".git").exists()
    import copier

    outputs = []
    for name in ("one", "two"):
        dst = tmp_path / name
        dst.mkdir()  # empty destination, as afc provides
        copier.run_copy(
            str(plain),
            str(dst),
            data={"ws_port": 4100, "package_name": "realtime"},
            defaults=True,
            unsafe=False,
            quiet=True,
        )
        outputs.append(_tree(dst))
    assert outputs[0] == outputs[1]
    files = outputs[0]
    for expected in (
        "package.json",
        "tsconfig.json",
        "Dockerfile",
        "Dockerfile.dockerignore",
        "README.md",
        ".copier-answers.yml",
        "src/index.ts",
        "src/server.ts",
        "src/config.ts",
        "src/hub.ts",
        "src/fanout.ts",
        "src/auth.ts",
        "src/origin.ts",
        "src/events.ts",
        "test/units.test.ts",
        "test/service.test.ts",
    ):
        assert expected in files, expected
    assert not any(name.endswith(".jinja") for name in files)
    package = json.loads(files["package.json"])
    assert package["name"] == "realtime"
    assert set(package["scripts"]) >= {"dev", "start", "start:node", "test", "typecheck"}
    assert package["scripts"]["dev"] == "bun --watch --env-file=../../.env src/index.ts"
    assert b"export const DEFAULT_PORT = 4100;" in files["src/config.ts"]
    assert b"EXPOSE 4100" in files["Dockerfile"]


def test_dockerfile_builds_from_the_workspace_lockfile_on_pinned_images(tmp_path: Path):
    dst = render_ws(tmp_path / "ws", service_dir="apps/realtime")
    dockerfile = (dst / "Dockerfile").read_text()
    froms = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert froms == ["oven/bun:1.4.5-slim", "oven/bun:1.4.5-slim"]  # exact versions, never a floating tag
    assert "COPY package.json bun.lock ./" in dockerfile
    assert "COPY apps/realtime/package.json apps/realtime/" in dockerfile
    assert "bun install --frozen-lockfile --production --ignore-scripts" in dockerfile
    ignore = (dst / "Dockerfile.dockerignore").read_text().splitlines()
    assert ignore[ignore.index("*") :] == [
        "*",
        "!package.json",
        "!bun.lock",
        "!apps/realtime/package.json",
        "!apps/realtime/tsconfig.json",
        "!apps/realtime/src",
        "**/node_modules",
    ]
    package = json.loads((dst / "package.json").read_text())
    assert package["engines"] == {"node": ">=22"}
    assert package["devDependencies"]["@types/node"] == "^22.0.0"


def test_defaults_only(tmp_path: Path):
    dst = render_ws(tmp_path / "ws")
    answers = (dst / ".copier-answers.yml").read_text()
    for line in (
        "package_name: realtime-service",
        "_src_path: afc-realtime:ws",
        "ws_port: 4001",
        "env_file: ../../.env",
        "node_version: '22'",
    ):
        assert line in answers
    assert json.loads((dst / "package.json").read_text())["engines"] == {"node": ">=22"}


def test_every_variable_the_service_reads_is_documented_with_its_default(tmp_path: Path):
    import re

    dst = render_ws(tmp_path / "ws")
    config = (dst / "src/config.ts").read_text()
    read = set(re.findall(r'"((?:WS_|REDIS_|NODE_|LOG_)[A-Z_]+|PORT)"', config))
    assert {"WS_TICKET_SECRET", "WS_PUBLIC", "WS_MAX_CONNECTIONS", "WS_REQUEST_TIMEOUT_MS"} <= read
    readme = (dst / "README.md").read_text()
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \|", readme, flags=re.MULTILINE))
    missing = read - set(rows) - {"PORT"}
    assert not missing, f"not in README.md: {sorted(missing)}"
    assert all(rows[name].strip() for name in read - {"PORT"})
