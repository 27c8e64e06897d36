"""`add websocket --port` and `--dir`, and the service's package name, as a user meets them: every file that
names the port or the folder follows, bad values are refused untouched, and remove gives every byte back."""

import json

from typer.testing import CliRunner

from afc_realtime.cli import app
from afc_realtime.edits import compose
from tests.support.git import commit_all, git
from tests.support.projects import fingerprint

runner = CliRunner()


def afc(*args):
    return runner.invoke(app, list(args))


def without_git(found):
    return {k: v for k, v in found.items() if k != ".git" and not k.startswith(".git/")}


def test_port_flows_into_config_env_compose_dockerfile_and_next_steps(afc_project):
    before = fingerprint(afc_project)
    added = afc("add", "websocket", "-C", str(afc_project), "--yes", "--port", "4100")
    assert added.exit_code == 0, added.output
    ws = afc_project / "apps/ws"
    assert "export const DEFAULT_PORT = 4100;" in (ws / "src/config.ts").read_text()
    assert (
        "EXPOSE 4100" in (ws / "Dockerfile").read_text() and "ws_port: 4100" in (ws / ".copier-answers.yml").read_text()
    )
    env = (afc_project / ".env").read_text()
    for line in ("NEXT_PUBLIC_WS_URL=ws://localhost:4100", "WS_INTERNAL_URL=http://localhost:4100", "WS_PORT=4100"):
        assert line in env
    service = compose.load((afc_project / "compose.dev.yml").read_text(), "compose.dev.yml")["services"]["ws"]
    assert list(service["ports"]) == ["4100:4100"] and service["environment"]["WS_PORT"] == "4100"
    assert "ws://localhost:4100/ws" in added.output and "curl http://localhost:4100/health" in added.output
    assert "4001" not in env and "4001" not in (afc_project / "compose.dev.yml").read_text()
    assert afc("remove", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) == before


def test_the_apps_own_port_and_non_ports_are_refused_untouched(afc_project):
    before = fingerprint(afc_project)
    taken = afc("add", "websocket", "-C", str(afc_project), "--yes", "--port", "3000")
    assert (
        taken.exit_code == 2 and "port 3000 for the realtime service: the web app apps/web runs on it" in taken.output
    )
    assert "Traceback" not in taken.output
    for bad in ("0", "65536"):
        result = afc("add", "websocket", "-C", str(afc_project), "--yes", "--port", bad, "--json")
        assert result.exit_code == 2 and "not a TCP port" in json.loads(result.stdout)["error"]
    (afc_project / ".env").write_text((afc_project / ".env").read_text() + "PORT=4001\n")
    before = fingerprint(afc_project)
    default = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert default.exit_code == 2 and ".env:" in default.output and "choose one with --port" in default.output
    assert fingerprint(afc_project) == before
    package = afc_project / "apps/web/package.json"
    package.write_text(
        package.read_text().replace(
            '"private": true,', '"private": true,\n    "scripts": {"dev": "next dev --port 4200"},'
        )
    )
    before = fingerprint(afc_project)
    script = afc("add", "websocket", "-C", str(afc_project), "--yes", "--port", "4200", "--json")
    assert script.exit_code == 2 and "Traceback" not in script.output
    error = json.loads(script.stdout)
    assert error["path"] == "apps/web/package.json" and 'its `dev` script: "next dev --port 4200"' in error["error"]
    assert fingerprint(afc_project) == before


def test_the_package_name_cannot_shadow_the_ws_library(afc_project):
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    package = json.loads((afc_project / "apps/ws/package.json").read_text())
    assert package["name"] == "@app/realtime" and "ws" in package["dependencies"]
    assert "-t app-realtime ." in (afc_project / "apps/ws/Dockerfile").read_text()
    assert (afc_project / "apps/ws/README.md").read_text().startswith("# @app/realtime: realtime WebSocket service")


def test_dir_puts_the_service_there_and_every_later_command_finds_it(afc_project):
    commit_all(afc_project)
    before = fingerprint(afc_project)
    added = afc("add", "websocket", "-C", str(afc_project), "--yes", "--dir", "services/realtime")
    assert added.exit_code == 0, added.output
    service = afc_project / "services/realtime"
    assert (service / "src/server.ts").is_file() and not (afc_project / "apps/ws").exists()
    assert json.loads((afc_project / "package.json").read_text())["workspaces"][-1] == "services/realtime"
    assert '"dev": "bun --watch --env-file=../../.env src/index.ts"' in (service / "package.json").read_text()
    build = compose.load((afc_project / "compose.dev.yml").read_text(), "compose.dev.yml")["services"]["ws"]["build"]
    assert build["dockerfile"] == "services/realtime/Dockerfile"
    assert 'service_dir = "services/realtime"' in (afc_project / ".afc/manifest.toml").read_text()
    status = afc("status", "-C", str(afc_project), "--json")
    assert json.loads(status.stdout)["features"][0]["drifted"] is False
    update = afc("update", "websocket", "-C", str(afc_project), "--yes")
    assert update.exit_code == 0 and "services/realtime is up to date" in update.output
    git(afc_project, "add", "-A")
    git(afc_project, "commit", "-qm", "realtime")
    (service / "src/server.ts").write_text("// mine\n")  # the manifest check only allows deleting in that folder
    refused = afc("remove", "websocket", "-C", str(afc_project), "--yes", "--allow-dirty")
    assert refused.exit_code == 3 and "services/realtime/src/server.ts: changed since afc wrote it" in refused.output
    git(afc_project, "checkout", "--", ".")
    removed = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert removed.exit_code == 0, removed.output
    assert without_git(fingerprint(afc_project)) == without_git(before)
    assert not (afc_project / "services").exists()


def test_bad_dirs_are_refused_untouched(afc_project):
    (afc_project / "services/taken").mkdir(parents=True)
    (afc_project / "services/taken/notes.md").write_text("mine\n")
    before = fingerprint(afc_project)
    for folder, code, words in (
        ("apps/web/realtime", 2, "inside the web app"),
        ("../outside", 2, "outside the project"),
        ("services/taken", 3, "exists and is not empty"),
    ):
        result = afc("add", "websocket", "-C", str(afc_project), "--yes", "--dir", folder)
        assert result.exit_code == code and words in result.output, result.output
        assert "Traceback" not in result.output
    assert fingerprint(afc_project) == before


def test_an_empty_folder_is_used_and_left_as_it_was(afc_project):
    (afc_project / "services/realtime").mkdir(parents=True)
    before = fingerprint(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes", "--dir", "services/realtime").exit_code == 0
    assert afc("remove", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) == before


def test_a_crafted_service_dir_in_the_manifest_is_refused(afc_project):
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    manifest = afc_project / ".afc/manifest.toml"
    manifest.write_text(manifest.read_text().replace('service_dir = "apps/ws"', 'service_dir = "apps/web"'))
    before = fingerprint(afc_project)
    result = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 2 and "service_dir apps/web is the web app's folder" in result.output
    manifest.write_text(manifest.read_text().replace('service_dir = "apps/web"', 'service_dir = "../up"'))
    result = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 2 and "service_dir: should be a folder inside the project" in result.output
    assert fingerprint(afc_project) == {**before, ".afc/manifest.toml": fingerprint(afc_project)[".afc/manifest.toml"]}


def test_a_single_app_takes_dir_and_port_and_gives_every_byte_back(tmp_path):
    from tests.support.projects import make_project
    from tests.support.real_projects import SINGLE_NPM

    project = make_project(tmp_path / "single", SINGLE_NPM)
    before = fingerprint(project)
    added = afc("add", "websocket", "-C", str(project), "--yes", "--dir", "services/realtime", "--port", "4300")
    assert added.exit_code == 0, added.output
    package = json.loads((project / "services/realtime/package.json").read_text())
    assert package["name"] == "realtime-service" and "--env-file=../../.env" in package["scripts"]["dev"]
    assert "services/realtime" in json.loads((project / "tsconfig.json").read_text())["exclude"]
    steps = added.output.split("Next steps")[1]
    assert "cd services/realtime && npm run dev" in steps and "the realtime service on ws://localhost:4300/ws" in steps
    again = afc("add", "websocket", "-C", str(project), "--yes", "--dir", "src/realtime")
    assert again.exit_code == 0 and "already installed by afc (the service in services/realtime)" in again.output
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before
