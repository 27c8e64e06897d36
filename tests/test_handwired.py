"""`afc remove websocket` on a project wired by hand the seed guide's way, with no afc manifest."""

from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.projects import AFC_PROJECT, HANDWIRED_PROJECT, PAGE, fingerprint, make_project

runner = CliRunner()


def test_removes_the_seed_integration_and_gives_back_the_plain_project(tmp_path):
    wired = make_project(tmp_path / "wired", HANDWIRED_PROJECT)
    plain = make_project(tmp_path / "plain", AFC_PROJECT)
    result = runner.invoke(app, ["remove", "websocket", "-C", str(wired), "--yes"])
    assert result.exit_code == 0, result.output
    assert fingerprint(wired) == fingerprint(plain)


def test_dry_run_lists_what_it_found_and_writes_nothing(tmp_path):
    wired = make_project(tmp_path / "wired", HANDWIRED_PROJECT)
    before = fingerprint(wired)
    result = runner.invoke(app, ["remove", "websocket", "-C", str(wired), "--dry-run"])
    assert result.exit_code == 0
    assert "hand-wired" in result.output and "DELETE  apps/ws/ " in result.output
    assert "apps/ws/src/server.ts" not in result.output  # one line for the folder
    verbose = runner.invoke(app, ["remove", "websocket", "-C", str(wired), "--dry-run", "--verbose"])
    assert "DELETE  apps/ws/src/server.ts" in verbose.output
    assert fingerprint(wired) == before


def test_a_broadcast_tangled_with_other_code_is_reported_not_touched(tmp_path):
    tangled = HANDWIRED_PROJECT["apps/web/src/app/api/todos/route.ts"].replace(
        "if (process.env.WS_INTERNAL_URL) {\n", "if (process.env.WS_INTERNAL_URL) {\n        audit(inserted);\n"
    )
    wired = make_project(tmp_path / "wired", {**HANDWIRED_PROJECT, "apps/web/src/app/api/todos/route.ts": tangled})
    result = runner.invoke(app, ["remove", "websocket", "-C", str(wired), "--yes"])
    assert result.exit_code == 0
    assert "could not separate" in result.output
    assert (wired / "apps/web/src/app/api/todos/route.ts").read_text() == tangled
    assert (wired / "apps/web/src/app/page.tsx").read_text() == PAGE


def test_nothing_wired_means_nothing_to_do(afc_project):
    result = runner.invoke(app, ["remove", "websocket", "-C", str(afc_project), "--yes"])
    assert result.exit_code == 0 and "nothing to remove" in result.output


def test_turbo_tasks_env_lists_and_an_explicit_workspace_are_cleaned(tmp_path):
    turbo = (
        '{\n    "globalEnv": ["DATABASE_URL", "WS_INTERNAL_URL", "NEXT_PUBLIC_WS_URL"],\n'
        '    "tasks": {\n        "build": {\n            "env": ["WS_INTERNAL_URL"]\n        },\n'
        '        "ws#dev": {\n            "persistent": true\n        }\n    }\n}\n'
    )
    package = '{\n    "name": "mini",\n    "workspaces": ["apps/web", "apps/ws", "packages/*"]\n}\n'
    wired = make_project(tmp_path / "wired", {**HANDWIRED_PROJECT, "turbo.json": turbo, "package.json": package})
    result = runner.invoke(app, ["remove", "websocket", "-C", str(wired), "--yes"])
    assert result.exit_code == 0, result.output
    assert (wired / "turbo.json").read_text() == (
        '{\n    "globalEnv": ["DATABASE_URL"],\n    "tasks": {\n        "build": {\n'
        '            "env": []\n        }\n    }\n}\n'
    )
    assert (
        wired / "package.json"
    ).read_text() == '{\n    "name": "mini",\n    "workspaces": ["apps/web", "packages/*"]\n}\n'


def test_the_url_constant_goes_only_when_nothing_else_uses_it(tmp_path):
    from tests.support.projects import ROUTE

    header = 'import { NextResponse } from "next/server";\n'
    const = "const WS_INTERNAL_URL = process.env.WS_INTERNAL_URL;\n"
    block = (
        "    if (process.env.WS_INTERNAL_URL) {\n"
        '        await fetch(WS_INTERNAL_URL + "/events/todo-created", '
        '{ method: "POST", body: JSON.stringify(inserted) });\n'
        "    }\n"
    )
    wired = ROUTE.replace(header, header + const).replace(
        "    return NextResponse.json(inserted", block + "    return NextResponse.json(inserted"
    )
    still_used = wired + "export const config = { ws: WS_INTERNAL_URL };\n"
    for route, expected in (
        (wired, ROUTE),
        (still_used, ROUTE.replace(header, header + const) + "export const config = { ws: WS_INTERNAL_URL };\n"),
    ):
        project = make_project(
            tmp_path / str(len(route)), {**HANDWIRED_PROJECT, "apps/web/src/app/api/todos/route.ts": route}
        )
        assert runner.invoke(app, ["remove", "websocket", "-C", str(project), "--yes"]).exit_code == 0
        assert (project / "apps/web/src/app/api/todos/route.ts").read_text() == expected
