"""Issue 20 item 4, limits on hostile input: each file a collaborator could commit is read within bounds,
refused with exit 2 naming the file and line (never a traceback, never a hang), and the tree is left as it
was; a reader that stops reading is not a failure; every failure answers in JSON under `--json`."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import jsonschema
import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.contract import schema
from tests.support.git import commit_all
from tests.support.projects import AFC_PROJECT, fingerprint, make_project

runner = CliRunner()


def afc(*args: str):
    return runner.invoke(app, list(args))


def refused(root, path: str, line: int | None, words: str, *command: str) -> dict:
    """`command` under --json: exit 2, one valid error object naming `path` (and `line`), nothing changed."""
    before = fingerprint(root)
    started = time.monotonic()
    result = afc(*(command or ("add", "websocket", "--yes")), "-C", str(root), "--json")
    assert time.monotonic() - started < 20, "took too long: the bound did not hold"
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)
    jsonschema.validate(error, schema("error"))
    assert (error["path"], error["line"], error["code"]) == (path, line, "bad_input"), error
    assert words in error["error"] and "Traceback" not in result.output
    assert fingerprint(root) == before
    return error


def billion_laughs(levels: int = 9) -> str:
    lines = ["x-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        lines.append(f"x-l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\nservices:\n    web:\n        image: web\n        labels: *l{levels - 1}\n"


# -- YAML -------------------------------------------------------------------------------------------------


def test_a_yaml_alias_bomb_in_a_compose_file_is_refused_quickly(tmp_path):
    root = make_project(tmp_path / "p", {**AFC_PROJECT, "compose.dev.yml": billion_laughs()})
    refused(root, "compose.dev.yml", 6, "aliases expand to more than 100,000 nodes")  # where the count ran over


def test_anchors_and_merge_keys_of_a_real_compose_file_are_read(tmp_path):
    compose = (
        "x-common: &common\n    restart: unless-stopped\n    environment: &env\n        TZ: UTC\n"
        "services:\n    postgres:\n        <<: *common\n        image: postgres:16\n"
        "    web:\n        <<: *common\n        image: web\n        environment: *env\n"
    )
    root = make_project(tmp_path / "p", {**AFC_PROJECT, "compose.dev.yml": compose})
    assert afc("add", "websocket", "-C", str(root), "--yes").exit_code == 0
    assert "    ws:\n" in (root / "compose.dev.yml").read_text()


def test_yaml_nested_thousands_deep_is_refused(tmp_path):
    deep = "services:\n    web:\n        image: web\n        labels: " + "[" * 3000 + "]" * 3000 + "\n"
    root = make_project(tmp_path / "p", {**AFC_PROJECT, "compose.dev.yml": deep})
    refused(root, "compose.dev.yml", 4, "nested more than 200 deep")


def test_a_duplicate_key_in_a_compose_file_is_refused_with_its_line_and_without_its_values(tmp_path):
    compose = AFC_PROJECT["compose.dev.yml"].replace(
        "            POSTGRES_PASSWORD: postgres\n",
        "            POSTGRES_PASSWORD: first-s3cret\n            POSTGRES_PASSWORD: second-s3cret\n",
    )
    root = make_project(tmp_path / "p", {**AFC_PROJECT, "compose.dev.yml": compose})
    error = refused(root, "compose.dev.yml", 9, "duplicate key POSTGRES_PASSWORD")
    assert "s3cret" not in json.dumps(error)


# -- JSON and TOML ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nested", ['{"a": ' * 3000 + "1" + "}" * 3000, "[" * 5000 + "]" * 5000])
def test_json_nested_thousands_deep_is_refused(tmp_path, nested):
    root = make_project(tmp_path / "p", {**AFC_PROJECT, "turbo.json": nested})
    refused(root, "turbo.json", 1, "nested more than 200 deep")


def test_a_duplicate_key_in_turbo_json_is_refused_with_its_line(tmp_path):
    # parsers disagree on which copy counts: afc would have edited the one they ignore
    turbo = '{\n    "tasks": {\n        "dev": {}\n    },\n    "tasks": {\n        "build": {}\n    }\n}\n'
    root = make_project(tmp_path / "p", {**AFC_PROJECT, "turbo.json": turbo})
    refused(root, "turbo.json", 5, 'duplicate key "tasks"')


def test_a_manifest_nested_thousands_deep_is_refused(tmp_path):
    root = make_project(tmp_path / "p", AFC_PROJECT)
    (root / ".afc").mkdir()
    (root / ".afc/manifest.toml").write_text("version = 1\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    refused(root, ".afc/manifest.toml", None, "nested too deep", "status")


# -- the command line ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["add", "websocket", "--port", "abc"],
        ["add", "websocket", "--no-such-flag"],
        ["remove", "websocket", "--port", "1"],
        ["add", "event"],  # its NAME and --route are missing
        ["status", "--check", "extra"],
    ],
)
def test_every_usage_error_answers_in_json_under_json(tmp_path, args):
    result = afc(*args, "-C", str(tmp_path), "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    jsonschema.validate(error, schema("error"))
    assert error["code"] == "bad_input" and error["error"].startswith("usage: ")
    assert "Usage:" in result.stderr  # the usual help line stays on stderr


def test_a_usage_error_without_json_prints_no_json(tmp_path):
    result = afc("add", "websocket", "--port", "abc", "-C", str(tmp_path))
    assert result.exit_code == 2 and result.stdout == "" and "Invalid value for '--port'" in result.stderr


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_a_closed_stdout_after_a_successful_apply_exits_0(tmp_path, json_flag):
    root = commit_all(make_project(tmp_path / "p", AFC_PROJECT))
    for command in (["add", "websocket"], ["remove", "websocket"]):
        # the reader is gone before afc writes a byte: `afc add ... | head -0`
        process = subprocess.Popen(
            [sys.executable, "-m", "afc_realtime", *command, "-C", str(root), "--yes", *json_flag],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None
        process.stdout.close()
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr
        assert (root / "apps/ws").exists() is (command[0] == "add")
