"""The page-side strategies afc inserts (templates/pages), run for real: SWR 2, TanStack Query 5, tRPC 11's
React Query hooks and Next.js's app router, each with its own library, under React 19 against a real `ws`
server (tests/service/pages_harness.mts); and type-checked under `strict` against those libraries' own types."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from afc_realtime import render

from .conftest import HERE, WEB_PACKAGES, render_web

pytestmark = pytest.mark.node

PAGE_PACKAGES = ("swr@^2", "@tanstack/react-query@^5", "@trpc/server@^11", "@trpc/client@^11", "@trpc/react-query@^11")


@pytest.fixture(scope="module")
def pages_dir(tmp_path_factory: pytest.TempPathFactory, npm: str) -> Path:
    """A temp project with the web packages, the data layers' own libraries, and every helper rendered."""
    root = tmp_path_factory.mktemp("pages")
    (root / "package.json").write_text(json.dumps({"name": "pages", "private": True, "type": "module"}))
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *WEB_PACKAGES, *PAGE_PACKAGES],
        cwd=root,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )
    helpers = render_web(root / "src/lib/realtime", use_after=True)
    for name, data in render.render_jinja("pages", {}).items():
        (helpers / name).write_bytes(data)
    (root / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "target": "ES2022",
                    "lib": ["dom", "dom.iterable", "esnext"],
                    "strict": True,
                    "noUncheckedIndexedAccess": True,
                    "exactOptionalPropertyTypes": True,
                    "noEmit": True,
                    "module": "esnext",
                    "moduleResolution": "bundler",
                    "jsx": "preserve",
                    "isolatedModules": True,
                    "esModuleInterop": True,
                    "skipLibCheck": True,
                    "paths": {"@/*": ["./src/*"]},
                },
                "include": ["src"],
            }
        )
    )
    return root


def test_each_strategy_runs_with_its_own_library(pages_dir: Path, node: str) -> None:
    harness = pages_dir / "pages_harness.mts"
    harness.write_text((HERE / "pages_harness.mts").read_text())
    result = subprocess.run(
        [node, "--import", "tsx", str(harness), str(pages_dir / "src/lib/realtime")],
        cwd=pages_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all 5 checks passed" in result.stdout, result.stdout


def test_the_helpers_typecheck_against_the_libraries_types(pages_dir: Path, node: str) -> None:
    tsc = pages_dir / "node_modules/typescript/bin/tsc"
    result = subprocess.run(
        [node, str(tsc), "--noEmit", "-p", "."], cwd=pages_dir, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
