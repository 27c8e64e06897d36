"""The CI blind spots: CI is detected the way runners spell it, .ci/run says so itself, every test has a deadline."""

import tomllib
from pathlib import Path

import pytest

from tests.support.tools import in_ci, require_tool

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, False),
        ("", False),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("true", True),
        ("1", True),
        ("yes", True),
    ],
)
def test_ci_is_what_the_variable_says(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert in_ci() is expected


def test_a_missing_tool_fails_in_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        require_tool("afc-no-such-tool", "nothing to install")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        require_tool("afc-no-such-tool", "nothing to install")


def test_ci_script_sets_ci_itself():
    lines = (ROOT / ".ci/run").read_text().splitlines()
    assert "export CI=true" in lines
    assert lines.index("export CI=true") < next(i for i, line in enumerate(lines) if line.startswith("exec "))


def test_every_test_has_a_timeout():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert 0 < int(options["timeout"]) <= 900


def test_no_test_reads_ci_on_its_own():
    # `os.environ.get("CI")` counts CI=false as CI; every check goes through in_ci().
    readers = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path.name not in ("tools.py", "test_ci.py")
        and any(form in path.read_text() for form in ('environ.get("CI"', 'environ["CI"]', 'getenv("CI"'))
    ]
    assert readers == []
