"""The service's package name, port and folder (features/service.py), on projects given as dicts."""

import pytest

from afc_realtime.errors import BadInput, Conflict
from afc_realtime.features.service import check_port, package_name, with_service_dir
from afc_realtime.project import detect
from afc_realtime.tree import Tree
from tests.support.projects import AFC_PROJECT, WEB_PACKAGE


def project_of(files):
    tree = Tree.in_memory(files)
    return detect(tree), tree


def test_the_workspace_scope_plus_realtime():
    project, tree = project_of(AFC_PROJECT)  # packages/db is @app/db
    assert package_name(project, tree) == "@app/realtime"


def test_the_most_used_scope_wins():
    files = {
        **AFC_PROJECT,
        "apps/web/package.json": WEB_PACKAGE.replace('"name": "web"', '"name": "@acme/web"'),
        "packages/ui/package.json": '{"name": "@acme/ui"}',
    }
    assert package_name(*project_of(files)) == "@acme/realtime"


def test_no_scope_gives_realtime_service():
    files = {**AFC_PROJECT, "packages/db/package.json": '{"name": "db"}'}
    assert package_name(*project_of(files)) == "realtime-service"


def test_never_a_name_a_package_has_or_depends_on():
    taken = {
        **AFC_PROJECT,
        "packages/realtime/package.json": '{"name": "@app/realtime"}',
        "apps/web/package.json": WEB_PACKAGE.replace('"zod"', '"@app/realtime-service": "1.0.0",\n        "zod"'),
    }
    assert package_name(*project_of(taken)) == "realtime-service"
    unscoped = {**AFC_PROJECT, "packages/db/package.json": '{"name": "db", "dependencies": {"realtime-service": "1"}}'}
    assert package_name(*project_of(unscoped)) == "realtime-ws-service"


def test_a_port_must_be_one():
    project, tree = project_of(AFC_PROJECT)
    for bad in (0, 65536, -1):
        with pytest.raises(BadInput, match=f"--port {bad}: not a TCP port"):
            check_port(project, tree, bad)
    check_port(project, tree, 1)
    check_port(project, tree, 65535)


def test_the_app_port_is_refused_from_its_dev_script_env_or_default():
    project, tree = project_of(AFC_PROJECT)
    with pytest.raises(BadInput, match="runs on it \\(Next.js's default\\)"):
        check_port(project, tree, 3000)
    script = {
        **AFC_PROJECT,
        "apps/web/package.json": WEB_PACKAGE.replace(
            '"private": true,', '"private": true,\n    "scripts": {"dev": "next dev -p 4001"},'
        ),
    }
    with pytest.raises(BadInput, match='its `dev` script: "next dev -p 4001"') as raised:
        check_port(*project_of(script), 4001)
    assert raised.value.path == "apps/web/package.json"
    check_port(*project_of(script), 3000)  # the app is not on 3000 any more
    env = {**AFC_PROJECT, ".env": AFC_PROJECT[".env"] + "PORT=4100\n"}
    with pytest.raises(BadInput) as raised:
        check_port(*project_of(env), 4100)
    assert raised.value.path == ".env" and raised.value.line == len(env[".env"].splitlines())
    example_only = {**AFC_PROJECT, ".env.example": AFC_PROJECT[".env.example"] + "PORT=4100\n"}
    check_port(*project_of(example_only), 4100)  # an example is not what runs


@pytest.mark.parametrize(
    ("folder", "error", "message"),
    [
        ("../realtime", BadInput, "outside the project"),
        ("/elsewhere/realtime", BadInput, "outside the project"),
        (".", BadInput, "outside the project"),
        ("apps/web/realtime", BadInput, "inside the web app"),
        ("apps/web", BadInput, "inside the web app"),
        (".git/x", BadInput, "a folder afc or your tools own"),
        ("packages/db", Conflict, "exists and is not empty"),
        ("apps/web/src/env.ts", BadInput, "inside the web app"),
        (".env", Conflict, "exists and is not empty"),
    ],
)
def test_a_service_folder_is_refused(folder, error, message):
    project, tree = project_of(AFC_PROJECT)
    with pytest.raises(error, match=message):
        with_service_dir(project, tree, folder)


def test_a_new_or_empty_folder_is_taken():
    project, tree = project_of(AFC_PROJECT)
    assert with_service_dir(project, tree, "services/realtime/").ws == "services/realtime"
    assert with_service_dir(project, tree, None).ws == "apps/ws"
    absolute = with_service_dir(project, tree, f"{project.root}/services/rt")
    assert absolute.ws == "services/rt"


def test_a_root_app_keeps_the_service_out_of_its_own_folders():
    files = {"package.json": WEB_PACKAGE, "src/app/page.tsx": "export default 1;\n"}
    project, tree = project_of(files)
    for inside in ("src/realtime", "app/ws", "public/ws"):
        with pytest.raises(BadInput, match="inside the web app"):
            with_service_dir(project, tree, inside)
    assert with_service_dir(project, tree, "services/realtime").ws == "services/realtime"


# -- the folder and name rules a manifest's or answers file's claims are held to (issue 20) -----------


def _small():
    from afc_realtime.project import detect
    from afc_realtime.tree import Tree
    from tests.support.projects import AFC_PROJECT

    files = {**AFC_PROJECT}
    files["apps/web/package.json"] = files["apps/web/package.json"].replace(
        '"dependencies": {', '"dependencies": {\n        "@app/db": "workspace:*",', 1
    )
    tree = Tree.in_memory(files)
    return detect(tree), tree


@pytest.mark.parametrize(
    "folder, ok",
    [
        ("apps/ws", True),
        ("realtime", True),
        (".", False),
        ("..", False),
        ("apps/../x", False),
        ("/abs", False),
        ("", False),
        ("apps/web", False),
        ("apps/web/src/ws", False),
        ("apps", False),  # the web app is inside it
        (".git/hooks", False),
        ("x/.GIT", False),
        (".afc/base", False),
        ("apps/ws/node_modules", False),
    ],
)
def test_folder_problem(folder, ok):
    from afc_realtime.features.service import folder_problem

    project, _ = _small()
    assert (folder_problem(project, folder) is None) is ok


@pytest.mark.parametrize(
    "name, ok",
    [
        ("@app/realtime", True),
        ("realtime-service", True),
        ("a" * 214, True),
        ("a" * 215, False),
        ('x", "postinstall": "sh', False),
        ("Upper", False),
        ("", False),
        ("@app/db", False),  # another package of the workspace, and the web app depends on it
        ("web", False),
        ("next", False),  # a dependency of the web app
        ("ws", False),  # a dependency of the service
    ],
)
def test_name_problem(name, ok):
    from afc_realtime.features.service import name_problem

    project, tree = _small()
    assert (name_problem(project, tree, name) is None) is ok
