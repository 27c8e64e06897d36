"""`--install`: the project's own package manager, run for real after applying, its output kept in a log;
when it fails, exit 4, say what failed and where the log is, and keep the changes applied."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from afc_realtime.install import run
from afc_realtime.plan import Install
from tests.support import real_projects as shapes
from tests.support.contract import schema
from tests.support.projects import fingerprint, make_project
from tests.support.tools import free_port, require_tool

runner = CliRunner()


@pytest.fixture
def npm():
    return require_tool("npm", "install Node.js 20 with npm")


def _log_in(output: str) -> Path:
    found = re.search(r"(/\S*afc-install-\S+\.log)", output)
    assert found, output
    return Path(found.group(1))


@pytest.mark.timeout(900)
def test_install_runs_npm_and_keeps_its_log(tmp_path, npm):
    project = make_project(tmp_path / "todo", shapes.SINGLE_NPM)
    before = fingerprint(project)
    result = runner.invoke(app, ["add", "websocket", "-C", str(project), "--yes", "--install"])
    assert result.exit_code == 0, result.output
    assert (project / "realtime/node_modules/fastify/package.json").is_file()  # installed in the service's folder
    assert "Installed with `cd realtime && npm install`" in result.output
    log = _log_in(result.output)
    assert log.read_text().startswith("$ cd realtime && npm install") and log.parent != project
    # the step it ran is no longer suggested; the rest are
    assert "cd realtime && npm install" not in result.output.split("Next steps")[1]
    assert "cd realtime && npm run dev" in result.output.split("Next steps")[1]
    # what the install wrote beside the service (node_modules, package-lock.json) goes with it on remove
    assert (project / "realtime/package-lock.json").is_file()
    removed = runner.invoke(app, ["remove", "websocket", "-C", str(project), "--yes"])
    assert removed.exit_code == 0, removed.output
    assert fingerprint(project) == before


def test_a_failed_install_exits_4_names_the_log_and_keeps_the_changes(tmp_path, npm, monkeypatch):
    project = make_project(tmp_path / "todo", shapes.SINGLE_NPM)
    # a registry that refuses every connection: npm fails as it would offline
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{free_port()}/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    result = runner.invoke(app, ["add", "websocket", "-C", str(project), "--yes", "--install"])
    assert result.exit_code == 4, result.output
    assert "`cd realtime && npm install` failed" in result.output and "stay applied" in result.output
    assert "Traceback" not in result.output
    log = _log_in(result.output)
    assert "ECONNREFUSED" in log.read_text()
    assert (project / "realtime/package.json").is_file() and (project / ".afc/manifest.toml").is_file()
    # the next steps still say how to install by hand
    assert "cd realtime && npm install" in result.output.split("Next steps")[1]
    # and in JSON: the result (the changes are applied) with the install's exit code and log
    runner.invoke(app, ["remove", "websocket", "-C", str(project), "--yes"])
    again = runner.invoke(app, ["add", "websocket", "-C", str(project), "--yes", "--install", "--json"])
    assert again.exit_code == 4
    data = json.loads(again.stdout)
    jsonschema.validate(data, schema("result"))
    assert data["applied"] and data["install"]["exit_code"] != 0 and Path(data["install"]["log"]).is_file()


def test_a_package_manager_that_is_not_installed_is_a_failed_run(tmp_path):
    ran = run(Install(("afc-no-such-package-manager", "install"), "."), tmp_path)
    assert ran.exit_code == 127 and not ran.ok
    assert "afc-no-such-package-manager: not found" in ran.log.read_text()
