"""The README's quick start, followed literally: its first command, read from README.md (so this test breaks
when the README changes), run with bash in a fresh copy of the repository, installs afc into a new virtual
environment from the package as it would be published and adds realtime to a copy of the bundled example."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOT_SHIPPED = (".git", ".venv", "node_modules", "artifacts", "mutants", "__pycache__", ".*_cache", "*.egg-info")


def quick_start() -> list[str]:
    """The commands of the README's "Quick start" code block, one per line."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the quick start has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_quick_start_is_two_commands_the_second_runs_the_tests():
    first, second = quick_start()
    assert "afc add websocket" in first and "examples/todo-app" in first
    assert second == "scripts/test"


@pytest.mark.timeout(900)
def test_the_first_command_installs_afc_and_adds_realtime_to_a_copy_of_the_example(tmp_path):
    first = quick_start()[0]
    repo = shutil.copytree(REPO, tmp_path / "afc", ignore=shutil.ignore_patterns(*NOT_SHIPPED))
    temp = tmp_path / "tmp"  # where `mktemp -d` makes the copy of the example
    temp.mkdir()
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(temp), "LANG": "C.UTF-8"}
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE", "PYENV_ROOT"):
        if name in os.environ:
            env[name] = os.environ[name]
    python = shutil.which("python3")
    assert python, "python3 is not on PATH"
    env["PATH"] = f"{Path(python).parent}:{env['PATH']}"
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", first], cwd=repo, env=env, capture_output=True, text=True, timeout=840
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [project] = temp.glob("*/todo-app")
    assert (project / "apps/ws/package.json").is_file() and (project / ".afc/manifest.toml").is_file()
    route = (project / "apps/web/src/app/api/todos/route.ts").read_text()
    assert 'broadcast("todo-created"' in route
    assert "Done." in result.stdout and "Next steps" in result.stdout
    # installed from the package, not from the source tree: the templates and JSON Schemas came with it
    venv_python = repo / ".venv/bin/python"
    shipped = subprocess.run(
        [
            str(venv_python),
            "-c",
            "import afc_realtime, importlib.resources as r; f = r.files('afc_realtime'); "
            "print(afc_realtime.__file__); print(f.joinpath('schemas/plan.json').is_file(), "
            "f.joinpath('templates/ws/copier.yml').is_file())",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.split("\n")
    assert "site-packages" in shipped[0] and shipped[1] == "True True", shipped
