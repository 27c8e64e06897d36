"""Rendering: the service's answers file names its template portably, and output is the same on any machine."""

import shutil
from pathlib import Path

from afc_realtime import render

ANSWERS = {"package_name": "@acme/realtime", "ws_port": 4100, "env_file": "../../.env", "service_dir": "apps/ws"}


def test_output_is_identical_from_two_install_locations(tmp_path: Path):
    """Two copies of afc's templates in different folders (two machines, two virtualenvs) render the same
    bytes, and no file names the folder the template came from."""
    outputs = []
    for where in ("machine-one/venv/lib/afc", "elsewhere/site-packages/afc_realtime"):
        copy = tmp_path / where / "templates"
        shutil.copytree(render.templates_dir(), copy)
        with render.use_templates(copy):
            outputs.append(render.render_service({**ANSWERS, "afc_version": "9.9.9"}))
    assert outputs[0] == outputs[1]
    assert not [name for name, data in outputs[0].items() if str(tmp_path).encode() in data]
    assert outputs[0] == render.render_service({**ANSWERS, "afc_version": "9.9.9"})  # afc's own copy too


def test_the_answers_file_records_a_portable_source_and_the_afc_version():
    answers = render.render_service({**ANSWERS, "afc_version": "1.2.3"})[".copier-answers.yml"].decode()
    assert "_src_path: afc-realtime:ws\n" in answers and "afc_version: 1.2.3\n" in answers
    assert "_commit" not in answers and "/" not in answers.split("_src_path: ")[1].splitlines()[0]
    assert "package_name: '@acme/realtime'\n" in answers and "ws_port: 4100\n" in answers


def test_use_templates_is_undone_on_leaving(tmp_path: Path):
    own = render.templates_dir()
    with render.use_templates(tmp_path):
        assert render.templates_dir() == tmp_path
    assert render.templates_dir() == own


def test_a_scoped_package_name_gives_a_valid_docker_tag():
    dockerfile = render.render_service(ANSWERS)["Dockerfile"].decode()
    assert "docker build -f apps/ws/Dockerfile -t acme-realtime ." in dockerfile  # `@` and `/` are not tag characters


def _ticket_route(next_version: str) -> str:
    import json

    from afc_realtime.auth import AuthSetup
    from afc_realtime.features.websocket import render_helpers, ticket_route
    from afc_realtime.project import detect
    from afc_realtime.tree import Tree
    from tests.support import real_projects as shapes

    files = {**shapes.SINGLE_NPM, "package.json": json.dumps({"dependencies": {"next": next_version}})}
    project = detect(Tree.in_memory(files))
    return render_helpers(project, AuthSetup("none"))[ticket_route(project)].decode()


def test_the_ticket_route_is_dynamic_through_connection_on_next_15_and_16():
    """Next.js 16 under Cache Components refuses `export const dynamic` (the build fails), and without it a
    handler that reads no request data is prerendered: connection() keeps it per request on 15 and 16 alike
    (tests/fresh builds it in a real create-next-app)."""
    for version in ("16.0.0", "15.0.0", "^15.5.0"):
        route = _ticket_route(version)
        assert 'import { connection, NextResponse } from "next/server";' in route
        assert "    await connection();\n    const grant = await authorize(request);" in route
        assert "export const dynamic" not in route


def test_the_ticket_route_is_force_dynamic_before_next_15():
    route = _ticket_route("14.2.3")
    assert 'import { NextResponse } from "next/server";' in route and "connection()" not in route
    assert '\nexport const dynamic = "force-dynamic";\n' in route


def test_a_render_runs_no_git(monkeypatch):
    """copier would ask git whether the template folder is a repository, then once per file about an
    executable bit in the destination's index (afc's own temporary folder): afc runs none of those processes,
    and leaves copier as it found it."""
    import subprocess

    import copier._main
    import copier._template

    started: list[str] = []
    real_popen = subprocess.Popen.__init__

    def spy(self, args, *rest, **kwargs):
        started.append(" ".join(map(str, args)) if isinstance(args, (list, tuple)) else str(args))
        real_popen(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", spy)
    hooks = (copier._main.is_git_available, copier._template.is_git_available)
    files = render.render_service({**ANSWERS, "ws_port": 4987})
    assert "package.json" in files and b"4987" in b"".join(files.values())
    assert not [cmd for cmd in started if "git" in cmd], started
    assert (copier._main.is_git_available, copier._template.is_git_available) == hooks


def test_a_changed_template_renders_anew_and_an_unchanged_one_from_memory(tmp_path: Path, monkeypatch):
    renders = []
    real = render._copier_render
    monkeypatch.setattr(render, "_copier_render", lambda *a: renders.append(a) or real(*a))
    copy = tmp_path / "templates"
    shutil.copytree(render.templates_dir(), copy)
    with render.use_templates(copy):
        first = render.render_service(ANSWERS)
        assert render.render_service(ANSWERS) == first and len(renders) == 1
        readme = next(p for p in (copy / "ws").rglob("README*") if p.is_file())
        readme.write_text(readme.read_text() + "\nA line a newer afc adds.\n")
        second = render.render_service(ANSWERS)
        assert len(renders) == 2
        assert render.render_service({**ANSWERS, "ws_port": 4101}) != second and len(renders) == 3
    changed = [name for name in first if first[name] != second[name]]
    assert len(changed) == 1 and b"A line a newer afc adds." in second[changed[0]]
