"""Detection: single apps at the root, several apps and which one is chosen, the app's dev port."""

import json

import pytest

from afc_realtime.choice import choose
from afc_realtime.errors import BadInput
from afc_realtime.project import detect
from afc_realtime.tree import Tree
from tests.support import real_projects as shapes
from tests.support.projects import AFC_PROJECT, PNPM_PROJECT


def test_a_single_app_at_the_root_gets_the_service_beside_it():
    project = detect(Tree.in_memory(shapes.SINGLE_NPM))
    assert (project.web, project.ws, project.src, project.helpers_dir) == (".", "realtime", "src", "src/lib/realtime")
    assert project.single_app and project.workspace_file is None and project.package_manager == "npm"
    assert project.routes == ["src/app/api/todos/route.ts"] and project.env_files == [".env.example"]
    pnpm = detect(Tree.in_memory(shapes.SINGLE_PNPM))
    assert (pnpm.src, pnpm.helpers_dir, pnpm.dev_port, pnpm.import_prefix) == (".", "lib/realtime", 3005, None)


def test_a_root_app_in_a_workspace_is_not_a_single_app():
    files = {**shapes.SINGLE_NPM, "pnpm-workspace.yaml": "packages:\n  - packages/*\n"}
    project = detect(Tree.in_memory(files))
    assert project.web == "." and project.workspace_file == "pnpm-workspace.yaml" and not project.single_app


def test_workspaces_come_from_the_file_that_declares_them():
    assert detect(Tree.in_memory(AFC_PROJECT)).workspace_file == "package.json"
    assert detect(Tree.in_memory(PNPM_PROJECT)).workspace_file == "pnpm-workspace.yaml"


@pytest.mark.parametrize(
    ("script", "port"),
    [
        ("next dev", 3000),
        ("next dev -p 3001", 3001),
        ("next dev --turbopack --port 4000", 4000),
        ("next dev --port=3002", 3002),
        ("PORT=3003 next dev", 3003),
        ("next dev & tsc -w -p 5", 3000),
    ],
)
def test_the_dev_port_comes_from_the_apps_dev_script(script, port):
    manifest = json.dumps({"scripts": {"dev": script}, "dependencies": {"next": "15"}})
    files = {**shapes.SINGLE_NPM, "package.json": manifest}
    assert detect(Tree.in_memory(files)).dev_port == port


@pytest.mark.parametrize(
    ("declared", "installed", "after", "connection"),
    [
        ("16.4.3", None, True, True),
        ("^15.1.0", None, True, True),
        ("15", None, True, True),
        ("15.0.3", None, False, True),
        ("14.2.3", None, False, False),
        ("latest", None, True, True),
        ("^15.0.0", "16.0.1", True, True),  # the installed version wins over the range
        ("^16.0.0", "14.2.0", False, False),
    ],
)
def test_what_the_installed_nextjs_has_comes_from_its_version(declared, installed, after, connection):
    manifest = json.dumps({"dependencies": {"next": declared}})
    files = {**shapes.SINGLE_NPM, "package.json": manifest}
    if installed:
        files["node_modules/next/package.json"] = json.dumps({"name": "next", "version": installed})
    project = detect(Tree.in_memory(files))
    assert (project.has_after, project.has_connection) == (after, connection)


def test_every_app_is_listed_and_the_one_that_writes_chosen():
    tree = Tree.in_memory(shapes.SEVERAL_APPS)
    assert detect(tree).apps == ("apps/web", "apps/app")
    chosen = choose(tree)
    assert chosen.web == "apps/app" and chosen.dev_port == 3001 and "writes to the database" in chosen.app_reason
    assert choose(tree, "apps/web/").web == "apps/web"


def test_a_tie_goes_to_apps_web_or_the_answer():
    route = shapes.SEVERAL_APPS["apps/app/src/app/api/todos/route.ts"]
    tree = Tree.in_memory({**shapes.SEVERAL_APPS, "apps/web/src/app/api/todos/route.ts": route})
    assert choose(tree).web == "apps/web"
    asked = {}

    def ask(writers):
        asked.update(writers)
        return "apps/app"

    assert choose(tree, ask=ask).web == "apps/app" and asked == {"apps/web": 1, "apps/app": 1}


def test_an_app_that_is_not_one_is_refused():
    with pytest.raises(BadInput) as info:
        detect(Tree.in_memory(shapes.SEVERAL_APPS), "packages/db")
    assert "not a Next.js app" in info.value.message and "apps/web, apps/app" in info.value.message


def test_no_next_app_names_where_it_looked():
    with pytest.raises(BadInput) as info:
        detect(Tree.in_memory({"package.json": '{"workspaces": ["apps/*"]}', "apps/api/package.json": "{}"}))
    assert "nor any workspace folder (apps/api)" in info.value.message
    with pytest.raises(BadInput) as info:
        detect(Tree.in_memory({"package.json": "{}", "apps/api/package.json": "{}"}))
    assert "nor any folder matching apps/* or packages/* (apps/api)" in info.value.message


def test_in_a_five_app_turborepo_the_libraries_that_depend_on_next_are_not_apps():
    from tests.support.monorepo import APPS, FIVE_APPS, LIBRARIES

    tree = Tree.in_memory(FIVE_APPS)
    assert detect(tree).apps == APPS
    chosen = choose(tree)
    assert chosen.web == "apps/app" and "the only one where afc finds writes" in chosen.app_reason
    assert not any(library in chosen.app_reason for library in LIBRARIES)
    for library in LIBRARIES:
        with pytest.raises(BadInput) as info:
            choose(tree, library)
        assert f"{library} depends on `next` but has no app/ or pages/ folder" in info.value.message


def test_a_folder_with_routes_that_does_not_run_next_is_an_app_only_when_no_folder_runs_next():
    kit = {"packages/kit/package.json": '{"dependencies": {"next": "15"}}', "packages/kit/app/page.tsx": ""}
    both = {**shapes.SEVERAL_APPS, **kit}
    assert detect(Tree.in_memory(both)).apps == ("apps/web", "apps/app")  # both run `next dev`
    alone = {"package.json": '{"workspaces": ["packages/*"]}', **kit}
    assert detect(Tree.in_memory(alone)).apps == ("packages/kit",)


def test_only_libraries_that_depend_on_next_is_no_app_and_says_so():
    files = {
        "package.json": '{"workspaces": ["packages/*"]}',
        "packages/seo/package.json": '{"dependencies": {"next": "15"}}',
    }
    with pytest.raises(BadInput) as info:
        detect(Tree.in_memory(files))
    assert "packages/seo depends on `next` but has no app/ or pages/ folder" in info.value.message


@pytest.mark.parametrize(
    ("app", "says"),
    [
        ("apps/nope", "--app apps/nope: no such folder in the project; the Next.js apps here: apps/web, apps/app"),
        ("packages/db", "--app packages/db: not a Next.js app (no `next` in packages/db/package.json)"),
        ("packages", "--app packages: not a Next.js app (no package.json in packages)"),
        ("../elsewhere", "--app ../elsewhere: no such folder in the project"),
    ],
)
def test_app_names_what_the_folder_is(app, says):
    with pytest.raises(BadInput) as info:
        detect(Tree.in_memory(shapes.SEVERAL_APPS), app)
    assert says in info.value.message
