"""Next steps checked against the project: the dev script it has, the .env it lacks, the database it needs,
two tabs, how to undo, and committing .afc/."""

import pytest

from afc_realtime import nextsteps
from afc_realtime.plan import Install
from afc_realtime.project import detect
from afc_realtime.tree import Tree
from tests.support import real_projects as shapes
from tests.support.projects import AFC_PACKAGE, AFC_PROJECT


def steps(files, port=4001):
    tree = Tree.in_memory(files)
    return nextsteps.after_add(detect(tree), tree, port)


def commands(files):
    return [s.command for s in steps(files)]


def why_of(files, start):
    return next(s.why for s in steps(files) if (s.command or s.why).startswith(start))


def test_a_monorepo_with_env_and_a_turbo_dev_script():
    found = steps(AFC_PROJECT)
    assert [s.command for s in found] == [
        "docker compose -f compose.dev.yml up -d postgres",
        "bun install",
        "bun run dev",
        "curl http://localhost:4001/health",
        None,
        "afc remove websocket",
    ]
    assert [s.install for s in found] == [False, True, False, False, False, False]
    assert "realtime service on ws://localhost:4001/ws" in found[2].why
    assert found[4].why.startswith("open http://localhost:3000 in two browser tabs")


def test_no_env_file_says_to_copy_the_example():
    files = {k: v for k, v in AFC_PROJECT.items() if k != ".env"}
    assert commands(files)[0] == "cp .env.example .env"
    assert "broadcast() sends nothing" in why_of(files, "cp ")


def test_no_env_file_at_all_says_what_to_set():
    files = {k: v for k, v in AFC_PROJECT.items() if not k.startswith(".env")}
    first = steps(files)[0]
    assert first.command is None and first.why.startswith("create a .env") and "WS_INTERNAL_URL" in first.why


def test_an_env_without_database_url_gets_a_hint():
    files = {**AFC_PROJECT, ".env": "# nothing yet\n"}
    assert "set DATABASE_URL in .env" in why_of(files, "set DATABASE_URL")


def test_a_database_elsewhere_needs_no_compose_step():
    files = {**AFC_PROJECT, ".env": "DATABASE_URL=postgres://u:p@db.example.com:5432/app\n"}
    assert not any(c and c.startswith("docker compose") for c in commands(files))
    assert not any(s.why.startswith("set DATABASE_URL") for s in steps(files))


def test_no_database_no_database_step():
    files = {**AFC_PROJECT, ".env": "A=1\n", ".env.example": "A=1\n", "apps/web/src/env.ts": "export {};\n"}
    assert not any("DATABASE_URL" in s.why for s in steps(files))


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("turbo run dev --parallel", ["bun run dev"]),
        ("bun --filter '*' --parallel dev", ["bun run dev"]),
        ("turbo dev --filter=web", ["bun run dev", "cd apps/ws && bun run dev"]),
        ("turbo run dev -F web -F docs", ["bun run dev", "cd apps/ws && bun run dev"]),
        ("turbo dev --filter=web --filter=@mini/realtime", ["bun run dev"]),
        ("turbo dev --filter ./apps/ws --filter web", ["bun run dev"]),
        ("cd apps/web && next dev", ["bun run dev", "cd apps/ws && bun run dev"]),
        (None, ["cd apps/web && bun run dev", "cd apps/ws && bun run dev"]),
    ],
)
def test_dev_is_suggested_only_where_a_dev_script_runs_it(script, expected):
    package = (
        AFC_PACKAGE.replace('"turbo run dev --parallel"', f'"{script}"')
        if script
        else AFC_PACKAGE.replace(',\n    "scripts": {\n        "dev": "turbo run dev --parallel"\n    }', "")
    )
    web = AFC_PROJECT["apps/web/package.json"].replace(
        '"private": true,', '"private": true, "scripts": {"dev": "next dev"},'
    )
    files = {**AFC_PROJECT, "package.json": package, "apps/web/package.json": web}
    found = [c for c in commands(files) if c and c.endswith(" dev")]
    assert found == expected


def test_neither_root_nor_app_has_a_dev_script():
    package = AFC_PACKAGE.replace(',\n    "scripts": {\n        "dev": "turbo run dev --parallel"\n    }', "")
    found = steps({**AFC_PROJECT, "package.json": package})  # and apps/web/package.json has no scripts
    assert any(s.command is None and "as you usually do" in s.why for s in found)
    assert "cd apps/ws && bun run dev" in [s.command for s in found]


def test_a_single_app_installs_and_runs_the_service_in_its_folder():
    found = commands(shapes.SINGLE_NPM)
    assert found[:2] == ["cp .env.example .env", "cd realtime && npm install"]
    assert found.index("cd realtime && npm run dev") < found.index("npm run dev")
    assert nextsteps.install_of(detect(Tree.in_memory(shapes.SINGLE_NPM))) == Install(("npm", "install"), "realtime")


def test_the_port_given_is_the_one_named():
    assert "curl http://localhost:4100/health" in [s.command for s in steps(AFC_PROJECT, port=4100)]


def test_a_git_project_is_told_to_commit_afc():
    tree = Tree.in_memory({**AFC_PROJECT, ".git/HEAD": "ref: refs/heads/main\n"})
    found = nextsteps.after_add(detect(tree), tree, 4001)
    commit = next(s for s in found if s.command and s.command.startswith("git add"))
    assert ".afc/" in commit.why
    assert found[-1].command == "afc remove websocket"


def test_remove_suggests_the_install_that_drops_the_dependencies():
    [step] = nextsteps.after_remove(detect(Tree.in_memory(AFC_PROJECT)))
    assert step.command == "bun install" and step.install


def test_the_node_start_loads_the_env_file_and_names_the_node_floor():
    """Without bun, `npm run start:node` started the service without its env file (no secret: private events
    never arrive) and under any Node: the step names `node --env-file` and the service's `engines` floor."""
    service = '{"scripts": {"dev": "bun --watch --env-file=../.env.local src/index.ts"}, "engines": {"node": ">=22"}}'
    files = {**shapes.SINGLE_NPM, "realtime/package.json": service}
    why = why_of(files, "cd realtime && npm run dev")
    assert why.endswith(
        "(its dev script runs on bun; without bun: node --env-file=../.env.local --import tsx src/index.ts in "
        "realtime/, on Node 22 or newer as its engines field says)"
    )
    assert "start:node" not in why
    bun = {**files, "bun.lock": "", "package-lock.json": None}
    assert "without bun" not in why_of({k: v for k, v in bun.items() if v is not None}, "cd realtime && bun run dev")


def test_the_live_step_names_a_page_afc_wired_and_promises_none_when_no_page_follows():
    tree = Tree.in_memory(AFC_PROJECT)
    project = detect(tree)

    def live_step(live, wired=True):
        return nextsteps.after_add(project, tree, 4001, live=live, wired=wired)[-2].why

    assert live_step(["/todos/[id]", "/messages"]).startswith("open http://localhost:3000/messages in two browser tabs")
    assert live_step(["/messages", "/"]).startswith("open http://localhost:3000 in two browser tabs")
    assert live_step(["/t/[id]"]).startswith("open http://localhost:3000/t/[id] in two")
    assert live_step(["/[locale]/t/[id]", "/[locale]/dashboard"]).startswith(
        "open http://localhost:3000/[locale]/dashboard in"
    )
    for nothing in (live_step([]), live_step([], wired=False)):
        assert "two browser tabs" not in nothing and "nothing shows live yet" in nothing
    assert "no page follows an event afc wired" in live_step([])
    assert "afc wired no event" in live_step(["/"], wired=False)
