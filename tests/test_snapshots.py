"""What people read, pinned: the default plan (`--dry-run`) and the `--yes` summary on the bundled example,
a single app and a five-app Turborepo, compared with the files in tests/snapshots/.

After a change you mean, regenerate them and read the diff:

    AFC_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_snapshots.py -q

Temp paths read `<project>` and sizes `<size>` (they follow the service template, which changes on its own);
secrets are masked by afc itself (and the random one is never printed)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support import real_projects as shapes
from tests.support.monorepo import FIVE_APPS
from tests.support.projects import make_project

SNAPSHOTS = Path(__file__).parent / "snapshots"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "todo-app"
SIZE = re.compile(r"\b\d+(\.\d)? KB\b|\b\d+ bytes\b")
UPDATE = os.environ.get("AFC_UPDATE_SNAPSHOTS") == "1"


def _project(kind: str, tmp_path: Path) -> Path:
    if kind == "example":
        return Path(shutil.copytree(EXAMPLE, tmp_path / "todo-app"))
    return make_project(tmp_path / kind, {"single": shapes.SINGLE_NPM, "five-apps": FIVE_APPS}[kind])


def _run(project: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["add", "websocket", "-C", str(project), *args], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    return SIZE.sub("<size>", result.output.replace(str(project), "<project>"))


def _compare(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"no snapshot {path.name}: run with AFC_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(), f"{path.name} changed; if you meant it, regenerate (see this module's docstring)"


@pytest.mark.parametrize("kind", ["example", "single", "five-apps"])
def test_the_default_plan_and_the_yes_summary(kind, tmp_path):
    project = _project(kind, tmp_path)
    plan = _run(project, "--dry-run")
    _compare(f"{kind}.plan.txt", plan)
    _compare(f"{kind}.yes.txt", _run(project, "--yes"))
    if kind == "example":  # the plan fits a screen before the question
        assert len(plan.split("Dry run:")[0].splitlines()) < 40
