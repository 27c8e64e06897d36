"""The projects people actually have (docs/TARGETS.md): a single app at the root, several Next.js apps, a
strict createEnv schema, compose files with a network and container env files, a pnpm workspace that does
not cover the service, the upstream page's socket in a shared effect. Each one through the CLI: add,
checked (compose parsed back, the changed app type-checked under its own compilerOptions), remove,
byte-identical."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from afc_realtime.cli import app
from afc_realtime.edits import compose, envfile
from tests.support import real_projects as shapes
from tests.support.git import commit_all, git
from tests.support.projects import fingerprint, make_project
from tests.support.typecheck import assert_typechecks
from tests.support.writes import TODO_CREATED

runner = CliRunner()


def afc(*args: str):
    return runner.invoke(app, list(args))


def added(tmp_path: Path, name: str, files: dict[str, str], *flags: str) -> tuple[Path, dict[str, str], dict]:
    """The project made, previewed (JSON) and added; returns it, its fingerprint before, and the plan."""
    project = make_project(tmp_path / name, files)
    before = fingerprint(project)
    preview = afc("add", "websocket", "-C", str(project), "--dry-run", "--json", *flags)
    assert preview.exit_code == 0, preview.output
    plan = json.loads(preview.stdout)
    assert fingerprint(project) == before
    result = afc("add", "websocket", "-C", str(project), "--yes", *flags)
    assert result.exit_code == 0, result.output
    return project, before, plan


def removed_byte_for_byte(project: Path, before: dict[str, str], *flags: str) -> None:
    result = afc("remove", "websocket", "-C", str(project), "--yes", *flags)
    assert result.exit_code == 0, result.output
    assert fingerprint(project) == before


def env_of(path: Path) -> dict[str, str]:
    return envfile.keys(path.read_text(), str(path))


# -- single apps ----------------------------------------------------------------------------------


def test_a_single_npm_app_at_the_root(tmp_path, web_toolchain, node):
    project, before, plan = added(tmp_path, "todo", shapes.SINGLE_NPM)
    created = {c["path"] for c in plan["changes"] if c["action"] == "create"}
    assert {"realtime/package.json", "realtime/src/index.ts", "src/lib/realtime/broadcast.ts"} <= created
    assert not any(p.startswith(("apps/", "./")) for p in created)
    commands = [step["command"] for step in plan["next_steps"]]
    assert commands.index("cd realtime && npm install && cd ..") < commands.index("cd realtime && npm run dev")
    # no workspaces appear: the service installs on its own
    assert json.loads((project / "package.json").read_text()).get("workspaces") is None
    tsconfig = (project / "tsconfig.json").read_text()
    assert '"exclude": ["node_modules", "realtime"]' in tsconfig  # `next build` does not type-check the service
    route = (project / "src/app/api/todos/route.ts").read_text()
    assert 'import { broadcast } from "@/lib/realtime/broadcast";' in route
    assert ("  " + TODO_CREATED) in route
    assert env_of(project / ".env.example")["WS_ALLOWED_ORIGINS"] == "http://localhost:3000"
    assert_typechecks(project, web_toolchain, node, tmp_path / "tc")
    removed_byte_for_byte(project, before)


def test_a_tsconfig_without_exclude_gets_one_and_gives_it_back(tmp_path):
    """No `exclude` means tsc's default (node_modules); afc writes that default with the service beside it,
    and `remove` takes its own member out again (it once refused its own manifest here)."""
    tsconfig = '{\n  "compilerOptions": {\n    "strict": true,\n    "jsx": "preserve"\n  }\n}\n'
    project, before, _ = added(tmp_path, "todo", {**shapes.SINGLE_NPM, "tsconfig.json": tsconfig})
    assert '"exclude": ["node_modules", "realtime"]' in (project / "tsconfig.json").read_text()
    removed_byte_for_byte(project, before)


def test_a_single_apps_service_keeps_its_install_out_of_git(tmp_path):
    """create-next-app's .gitignore anchors /node_modules at the root: without the service's own .gitignore,
    `git add -A` after `--install` would take realtime/node_modules (4,142 files on a real app)."""
    files = {**shapes.SINGLE_NPM, ".gitignore": "# dependencies\n/node_modules\n/.next/\n.env*\n"}
    project = commit_all(make_project(tmp_path / "todo", files))
    result = afc("add", "websocket", "-C", str(project), "--yes")
    assert result.exit_code == 0, result.output
    for installed in (
        "realtime/node_modules/fastify/package.json",
        "realtime/node_modules/.bin/tsc",
        "realtime/dist/a.js",
    ):
        (project / installed).parent.mkdir(parents=True, exist_ok=True)
        (project / installed).write_text("{}\n")
    status = git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert [line for line in status if "node_modules" in line or "dist/" in line] == []
    assert "?? realtime/.gitignore" in status and "?? realtime/src/index.ts" in status
    assert (project / "realtime/.gitignore").read_text().splitlines()[2:4] == ["node_modules/", "dist/"]
    removed = afc("remove", "websocket", "-C", str(project), "--yes")
    assert removed.exit_code == 0, removed.output
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""


def test_a_single_pnpm_app_without_src_or_alias_on_its_own_port(tmp_path, web_toolchain, node):
    project, before, plan = added(tmp_path, "todo", shapes.SINGLE_PNPM)
    assert "cd realtime && pnpm install && cd .." in [step["command"] for step in plan["next_steps"]]
    assert (project / "realtime/package.json").is_file() and (project / "lib/realtime/use-realtime.ts").is_file()
    assert "../../../lib/realtime/broadcast" in (project / "app/api/todos/route.ts").read_text()
    assert env_of(project / ".env.local")["WS_ALLOWED_ORIGINS"] == "http://localhost:3005"
    assert "--env-file=../.env.local " in json.loads((project / "realtime/package.json").read_text())["scripts"]["dev"]
    assert not (project / "pnpm-workspace.yaml").exists()
    assert_typechecks(project, web_toolchain, node, tmp_path / "tc", alias_src=False)
    removed_byte_for_byte(project, before)


def test_no_next_anywhere_is_said_as_it_is(tmp_path):
    project = make_project(tmp_path / "lib", {"package.json": '{\n  "name": "lib"\n}\n'})
    result = afc("add", "websocket", "-C", str(project), "--dry-run")
    assert result.exit_code == 2
    assert "neither package.json here nor any folder matching apps/* or packages/* (none exists)" in " ".join(
        result.output.split()
    )


# -- several apps ---------------------------------------------------------------------------------


def test_the_app_that_writes_is_chosen_and_the_plan_says_why(tmp_path, web_toolchain, node):
    project, before, plan = added(tmp_path, "two", shapes.SEVERAL_APPS)
    [note] = [n for n in plan["notes"] if "Next.js apps (" in n["message"]]
    assert note["path"] == "apps/app" and "chosen from 2 Next.js apps (apps/web, apps/app)" in note["message"]
    assert "the only one where afc finds writes to the database" in note["message"]
    assert (project / "apps/app/src/lib/realtime/broadcast.ts").is_file()
    assert not (project / "apps/web/src/lib").exists()
    assert env_of(project / ".env")["WS_ALLOWED_ORIGINS"] == "http://localhost:3001"
    ws = compose.load((project / "compose.dev.yml").read_text(), "compose.dev.yml")["services"]["ws"]
    assert ws["environment"]["WS_ALLOWED_ORIGINS"] == "${WS_ALLOWED_ORIGINS:-http://localhost:3001}"
    assert_typechecks(project / "apps/app", web_toolchain, node, tmp_path / "tc")
    # later commands work on the same app without being told (the manifest says which)
    route = "apps/app/src/app/api/todos/route.ts"
    event = afc("add", "event", "todo-archived", "--route", route, "-C", str(project), "--yes")
    assert event.exit_code == 0, event.output
    assert (project / "apps/app/src/lib/realtime/events/todo-archived.ts").is_file()
    removed_byte_for_byte(project, before)


def test_app_chooses_another_app(tmp_path):
    project, before, plan = added(tmp_path, "two", shapes.SEVERAL_APPS, "--app", "apps/web")
    assert (project / "apps/web/src/lib/realtime/broadcast.ts").is_file()
    assert any("chosen with --app apps/web" in n["message"] for n in plan["notes"])
    assert env_of(project / ".env")["WS_ALLOWED_ORIGINS"] == "http://localhost:3000"
    removed_byte_for_byte(project, before, "--app", "apps/web")


def test_app_that_is_not_a_next_app_is_refused_with_the_ones_there_are(tmp_path):
    project = make_project(tmp_path / "two", shapes.SEVERAL_APPS)
    result = afc("add", "websocket", "-C", str(project), "--dry-run", "--app", "packages/db")
    assert result.exit_code == 2
    assert "not a Next.js app" in result.output and "apps/web, apps/app" in result.output


def test_several_apps_that_write_are_asked_about_on_a_terminal(tmp_path, monkeypatch):
    files = {
        **shapes.SEVERAL_APPS,
        "apps/web/src/app/api/todos/route.ts": shapes.SEVERAL_APPS["apps/app/src/app/api/todos/route.ts"],
    }
    project = make_project(tmp_path / "two", files)
    monkeypatch.setattr("afc_realtime.cli._on_terminal", lambda: True)
    result = runner.invoke(app, ["add", "websocket", "-C", str(project), "--dry-run"], input="2\n")
    assert result.exit_code == 0, result.output
    assert "Several Next.js apps write to the database" in result.output
    assert "apps/app: chosen from 2 Next.js apps (apps/web, apps/app): your choice" in " ".join(result.output.split())
    # without a terminal (or with --yes): apps/web breaks the tie, and the plan says so
    quiet = afc("add", "websocket", "-C", str(project), "--dry-run", "--json")
    notes = [n["message"] for n in json.loads(quiet.stdout)["notes"]]
    assert any("several write to the database" in n and "apps/web breaks the tie" in n for n in notes)


# -- env schema -----------------------------------------------------------------------------------


def test_create_env_with_extends_bracket_access_and_the_strictest_options(tmp_path, web_toolchain, node):
    project, before, _ = added(tmp_path, "strict", shapes.STRICT_PROJECT)
    env = (project / "apps/web/src/env.ts").read_text()
    assert 'import { z } from "zod";' in env
    assert '        WS_INTERNAL_URL: process.env["WS_INTERNAL_URL"],\n' in env
    assert '        NEXT_PUBLIC_WS_URL: process.env["NEXT_PUBLIC_WS_URL"],\n' in env
    assert "process.env.WS" not in env and "process.env.NEXT_PUBLIC" not in env
    # the lines afc inserts in the app's own files type-check under its options; the generated helpers'
    # `process.env.X` (templates/web) is the templates' part of issue 10
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc")
    removed_byte_for_byte(project, before)


# -- compose --------------------------------------------------------------------------------------


def test_compose_with_a_network_container_env_files_and_a_production_file(tmp_path):
    project, before, _ = added(tmp_path, "docker", shapes.COMPOSE_PROJECT)
    dev = compose.load((project / "compose.yml").read_text(), "compose.yml")
    ws = dev["services"]["ws"]
    assert list(ws["networks"]) == ["app"]
    assert ws["environment"]["NODE_ENV"] == "development" and ws["environment"]["WS_HOST"] == "0.0.0.0"
    assert ws["environment"]["WS_EVENTS_SECRET"] == "${WS_EVENTS_SECRET:-}"
    assert list(dev["services"]) == ["postgres", "web", "ws"] and dict(dev["networks"]["app"]) == {"driver": "bridge"}
    prod = compose.load((project / "compose.prod.yml").read_text(), "compose.prod.yml")["services"]["ws"]
    assert prod["environment"]["NODE_ENV"] == "production" and list(prod["networks"]) == ["app"]
    assert prod["environment"]["WS_EVENTS_SECRET"].startswith("${WS_EVENTS_SECRET:?")
    # containers reach the service by its compose name; the host's own env files by localhost
    assert env_of(project / ".env.docker")["WS_INTERNAL_URL"] == "http://ws:4001"
    assert env_of(project / ".env.docker.example")["WS_INTERNAL_URL"] == "http://ws:4001"
    assert env_of(project / ".env")["WS_INTERNAL_URL"] == "http://localhost:4001"
    # the web app's container is told too, in compose itself; a service run from an image is not afc's to edit
    assert dev["services"]["web"]["environment"]["WS_INTERNAL_URL"] == "http://ws:4001"
    assert "environment" not in compose.load((project / "compose.prod.yml").read_text(), "p")["services"]["web"]
    # git would track .env.docker (no ignore rule covers it): the secret stays in the ignored .env (issue 20)
    assert env_of(project / ".env.docker")["WS_EVENTS_SECRET"] == ""
    assert len(env_of(project / ".env")["WS_EVENTS_SECRET"]) == 64
    assert env_of(project / ".env.docker.example")["WS_EVENTS_SECRET"] == "change-me-to-a-long-random-string"
    removed_byte_for_byte(project, before)


def test_a_web_container_reading_the_hosts_env_file_gets_the_services_name_in_compose_only(tmp_path):
    """The env file the host's `next dev` reads keeps localhost; the container that reads it too is given
    the service's compose name under `environment:`, which compose puts over the file's values."""
    web = "services:\n  web:\n    build: .\n    env_file: .env\n    ports:\n      - 3000:3000\n"
    files = {**shapes.SINGLE_NPM, "compose.yml": web, ".env": "DATABASE_URL=postgres://localhost/todo\n"}
    project, before, plan = added(tmp_path, "single-compose", files)
    assert env_of(project / ".env")["WS_INTERNAL_URL"] == "http://localhost:4001"
    services = compose.load((project / "compose.yml").read_text(), "compose.yml")["services"]
    assert dict(services["web"]["environment"]) == {"WS_INTERNAL_URL": "http://ws:4001"}
    assert "ws" in services
    assert not any("host reads it too" in n["message"] for n in plan["notes"])  # nothing left to do by hand
    removed_byte_for_byte(project, before)
    # another container reading that file is named, for the user to give it the same
    worker = web + "  worker:\n    image: acme/worker\n    env_file: .env\n"
    _, _, plan = added(tmp_path, "with-worker", {**files, "compose.yml": worker})
    [note] = [n for n in plan["notes"] if "host reads it too" in n["message"]]
    assert note["path"] == ".env" and "give worker (compose.yml) `WS_INTERNAL_URL: http://ws:4001`" in note["message"]


# -- workspaces -----------------------------------------------------------------------------------


def test_a_pnpm_workspace_that_does_not_cover_the_service_is_edited(tmp_path):
    project, before, plan = added(tmp_path, "pnpm", shapes.PNPM_UNCOVERED)
    assert (project / "pnpm-workspace.yaml").read_text() == shapes.PNPM_WORKSPACE + '  - "apps/ws"\n'
    assert not any("workspace list" in n["message"] for n in plan["notes"])
    assert (project / "package.json").read_text() == shapes.PNPM_UNCOVERED["package.json"]
    removed_byte_for_byte(project, before)


# -- hand-wired: the socket in a shared effect -----------------------------------------------------


def test_the_upstream_socket_in_a_shared_effect_is_taken_out_and_the_effect_kept(tmp_path, web_toolchain, node):
    wired = make_project(tmp_path / "wired", shapes.SHARED_EFFECT_HANDWIRED)
    plain = make_project(tmp_path / "plain", shapes.SHARED_EFFECT_PLAIN)
    assert_typechecks(wired / "apps/web", web_toolchain, node, tmp_path / "tc-before")
    result = afc("remove", "websocket", "-C", str(wired), "--yes")
    assert result.exit_code == 0, result.output
    assert fingerprint(wired) == fingerprint(plain)
    assert_typechecks(wired / "apps/web", web_toolchain, node, tmp_path / "tc-after")


def test_a_socket_that_other_code_uses_is_listed_with_its_line_and_left(tmp_path):
    page = shapes.SOCKET_USED_ELSEWHERE_PAGE
    wired = make_project(tmp_path / "wired", {**shapes.SHARED_EFFECT_HANDWIRED, "apps/web/src/app/page.tsx": page})
    result = afc("remove", "websocket", "-C", str(wired), "--yes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [note] = [n for n in data["notes"] if n["path"] == "apps/web/src/app/page.tsx"]
    assert note["line"] == 9 and "remove its socket code by hand" in note["message"]
    assert (wired / "apps/web/src/app/page.tsx").read_text() == page
