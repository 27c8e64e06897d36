"""Next steps checked against the project: the dev script it has, the .env it lacks, the database it needs,
two tabs, how to undo, and committing .afc/."""

import re
import subprocess

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
        "createdb app",
        "bun install",
        "bun run dev",
        "curl http://localhost:4001/health",
        None,
        "afc remove websocket",
    ]
    assert [s.install for s in found] == [False, False, True, False, False, False, False]
    assert "realtime service on ws://localhost:4001/ws" in found[3].why
    assert found[5].why.startswith("open http://localhost:3000 in two browser tabs")


def test_no_env_file_says_to_copy_the_example():
    files = {k: v for k, v in AFC_PROJECT.items() if k != ".env"}
    assert commands(files)[0] == "cp .env.example .env"
    assert "broadcast() sends nothing" in why_of(files, "cp ")


def test_the_copy_step_says_where_afc_wrote_the_realtime_settings():
    """The example's shape: afc wrote the secret to an env file of its own, so copying the example is for the
    app's other settings, and broadcast() does not depend on it."""
    tree = Tree.in_memory({k: v for k, v in AFC_PROJECT.items() if k != ".env"})
    tree.write("apps/web/.env.local", "WS_EVENTS_SECRET=0123456789abcdef\n")
    first = nextsteps.after_add(detect(tree), tree, 4001)[0]
    assert first.command == "cp .env.example .env"
    assert "sends nothing" not in first.why
    assert first.why.endswith(
        "the realtime ones, with a secret of their own, are in apps/web/.env.local, which afc wrote"
    )


SIGNUP = 'export default function SignUp() {\n    return <form data-testid="sign-up" />;\n}\n'
NOTES = '"use client";\nexport default function Notes() {\n    useRealtimeList("note", "/api/notes", setNotes);\n}\n'


@pytest.mark.parametrize(
    ("extra", "private", "said"),
    [
        ({"apps/web/src/app/signup/page.tsx": SIGNUP, "apps/web/src/app/notes/page.tsx": NOTES}, ("note",), True),
        ({"apps/web/src/app/notes/page.tsx": NOTES}, ("note",), False),  # no sign-up page: no two users to show
        ({"apps/web/src/app/signup/page.tsx": SIGNUP, "apps/web/src/app/notes/page.tsx": NOTES}, (), False),
        ({"apps/web/src/app/(auth)/signup/page.tsx": SIGNUP}, ("note",), False),  # no page follows the notes
    ],
    ids=["two-users", "no-signup", "nothing-private", "no-page-follows"],
)
def test_privacy_is_shown_with_two_users_where_the_app_signs_them_up(extra, private, said):
    tree = Tree.in_memory({**AFC_PROJECT, **extra})
    found = [s.why for s in nextsteps.after_add(detect(tree), tree, 4001, private=private) if "privacy" in s.why]
    expected = (
        "to see privacy: sign up two users at http://localhost:3000/signup (the second in a private window) and "
        "open http://localhost:3000/notes as each, in two tabs: what one adds there shows live in their own other "
        "tab, never in the other user's"
    )
    assert found == ([expected] if said else [])


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
        ("turbo dev --filter=./apps/*", ["bun run dev"]),
        ("turbo dev --filter=!docs", ["bun run dev"]),  # every package but docs: the service too
        ("turbo dev --filter=!@mini/realtime", ["bun run dev", "cd apps/ws && bun run dev"]),
        ("turbo dev --filter=./apps/* --filter=!./apps/ws", ["bun run dev", "cd apps/ws && bun run dev"]),
        ("pnpm --filter web dev", ["bun run dev", "cd apps/ws && bun run dev"]),
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
    assert found[:3] == ["cp .env.example .env", "createdb todo", "cd realtime && npm install && cd .."]
    assert found.index("cd realtime && npm run dev") < found.index("npm run dev")
    assert nextsteps.install_of(detect(Tree.in_memory(shapes.SINGLE_NPM))) == Install(("npm", "install"), "realtime")


@pytest.mark.parametrize(
    ("shape", "install"),
    [(shapes.SINGLE_NPM, "npm install"), (shapes.SINGLE_PNPM, "pnpm install")],
    ids=["npm", "pnpm"],
)
def test_the_install_step_comes_back_to_the_root(shape, install, tmp_path):
    """A new user types the steps one after another in one terminal: the install goes into the service's
    folder and back, so the next step (the tables, with the project's own scripts) runs at the root."""
    (tmp_path / "realtime").mkdir()
    [step] = [c for c in commands(shape) if c and install in c]
    ran = subprocess.run(
        ["sh", "-ec", step.replace(install, "true") + " && pwd"], cwd=tmp_path, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == str(tmp_path)


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


def test_no_live_demo_is_promised_when_every_event_is_private_and_no_authentication_grants_it():
    tree = Tree.in_memory(AFC_PROJECT)
    promised = nextsteps.after_add(detect(tree), tree, 4001, live=("/",), private_only=False)
    refused = nextsteps.after_add(detect(tree), tree, 4001, live=("/",), private_only=True)
    assert any((s.why or "").startswith("open http://localhost:3000 in two browser tabs") for s in promised)
    assert not any("two browser tabs" in (s.why or "") for s in refused)
    assert any(
        "reach nobody until apps/web/src/lib/realtime/authorize.ts says who is asking" in (s.why or "") for s in refused
    )


# -- the steps issue 19 found untrue: each against the project shape that produces it --------------------


def test_cd_first_when_afc_ran_elsewhere(tmp_path):
    (tmp_path / "my app/apps/web").mkdir(parents=True)
    tmp_path = tmp_path.resolve()
    root = tmp_path / "my app"
    assert nextsteps.entering(root, root) is None
    assert nextsteps.entering(root, root / "apps/web").command == "cd ../.."
    assert nextsteps.entering(root, tmp_path).command == "cd 'my app'"
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    assert nextsteps.entering(root, elsewhere).command == f"cd '{root}'"


MIGRATE_SCRIPTS = (
    '"dev": "turbo run dev --parallel", "prisma:migrate-dev": "prisma migrate dev", '
    '"prisma:migrate-deploy": "prisma migrate deploy", "prisma:generate": "prisma generate"'
)
DB_PACKAGE = '{"name": "@app/db", "scripts": {"db:generate": "drizzle-kit generate", "db:push": "drizzle-kit push"}}'


@pytest.mark.parametrize(
    ("extra", "command", "why"),
    [
        ({"packages/db/package.json": DB_PACKAGE}, "cd packages/db && bun run db:push", "`db:push` script"),
        (
            {"packages/db/drizzle.config.ts": "export default {};\n"},
            "cd packages/db && bunx drizzle-kit push",
            "Drizzle",
        ),
        (
            {"drizzle.config.ts": "export default {};\n", "drizzle/meta/_journal.json": "{}\n"},
            "bunx drizzle-kit migrate",
            "applies the migrations",
        ),
        ({"apps/web/prisma/schema.prisma": "model A { id Int @id }\n"}, "cd apps/web && bunx prisma db push", "Prisma"),
        (
            {"prisma/schema.prisma": "", "prisma/migrations/0_init/migration.sql": ""},
            "bunx prisma migrate deploy",
            "applies the Prisma migrations",
        ),
        (  # documenso's shape: migrate-deploy applies, migrate-dev would ask for a new migration's name
            {"package.json": AFC_PACKAGE.replace('"dev": "turbo run dev --parallel"', MIGRATE_SCRIPTS)},
            "bun run prisma:migrate-deploy",
            "`prisma:migrate-deploy` script",
        ),
        (
            {"prisma/schema/user.prisma": "", "prisma/migrations/0_init/migration.sql": ""},
            "bunx prisma migrate deploy",
            "Prisma",
        ),
        (
            {"packages/prisma/schema.prisma": "", "packages/prisma/package.json": "{}"},
            "cd packages/prisma && bunx prisma db push",
            "Prisma",
        ),
        (  # `packages/**` workspaces: the package is the parent of the folders listed
            {
                "package.json": AFC_PACKAGE.replace('"packages/*"', '"packages/**"'),
                "packages/db/src/drizzle.ts": "",
                "packages/db/drizzle.config.ts": "",
            },
            "cd packages/db && bunx drizzle-kit push",
            "Drizzle",
        ),
        (
            {"packages/db/migrations/0001_more.sql": "", "packages/db/migrations/0000_init.sql": ""},
            'psql "$DATABASE_URL" -f packages/db/migrations/0000_init.sql && '
            'psql "$DATABASE_URL" -f packages/db/migrations/0001_more.sql',
            "SQL files",
        ),
    ],
)
def test_the_tables_are_created_the_way_the_project_does(extra, command, why):
    """Followed literally, the old steps left a fresh database without tables (GET /api/todos: 500)."""
    found = steps({**AFC_PROJECT, **extra})
    step = next(s for s in found if s.command == command)
    assert why in step.why
    # after the install (drizzle-kit and prisma come with it), before the dev servers
    commands = [s.command for s in found]
    assert commands.index("bun install") < commands.index(command) < commands.index("bun run dev")


def test_the_sql_files_run_against_the_url_when_it_holds_no_password():
    sql = {"db/schema.sql": "create table todos ();\n"}
    plain = {**AFC_PROJECT, ".env": "DATABASE_URL=postgres://localhost:5432/app\n", **sql}
    step = next(s for s in steps(plain) if s.command and s.command.startswith("psql"))
    assert step.command == "psql postgres://localhost:5432/app -f db/schema.sql" and "exported" not in step.why
    secret = next(s for s in steps({**AFC_PROJECT, **sql}) if s.command and s.command.startswith("psql"))
    assert secret.command == 'psql "$DATABASE_URL" -f db/schema.sql' and "postgres:postgres" not in secret.why
    assert secret.why.endswith("with DATABASE_URL exported as .env sets it")


def test_no_schema_tool_no_tables_step():
    assert not any("tables" in s.why for s in steps(AFC_PROJECT))


def test_npm_and_pnpm_run_the_tools_their_way():
    npm = {**shapes.SINGLE_NPM, "drizzle.config.ts": "export default {};\n"}
    assert "npx drizzle-kit push" in commands(npm)
    pnpm = {**shapes.SINGLE_PNPM, "prisma/schema.prisma": ""}
    assert "pnpm exec prisma db push" in commands(pnpm)


@pytest.mark.parametrize(
    ("url", "command", "said"),
    [
        (
            "postgres://postgres:postgres@localhost:5432/app",
            "createdb app",
            "(as `postgres`; or as yourself: postgres://localhost:5432/app in .env)",
        ),
        ("postgresql://localhost/todo", "createdb todo", "in a local PostgreSQL: creates `todo`"),
        ("postgres://me@127.0.0.1:5433/shop", "createdb -p 5433 shop", "postgres://localhost:5433/shop"),
        ("postgres://u:p@db.example.com:5432/app", None, None),
        ("mysql://root@localhost:3306/app", None, None),
    ],
)
def test_a_local_postgres_without_docker(url, command, said):
    files = {**AFC_PROJECT, ".env": f"DATABASE_URL={url}\n"}
    found = [s for s in steps(files) if s.command and s.command.startswith("createdb")]
    if command is None:
        assert found == []
        return
    [step] = found
    assert step.command == command and said in step.why
    assert step.why.startswith("or without Docker")  # the compose database is the other way


def test_without_compose_the_local_database_is_the_way():
    files = {k: v for k, v in shapes.SINGLE_NPM.items()}
    step = next(s for s in steps(files) if s.command == "createdb todo")
    assert not step.why.startswith("or ")


@pytest.mark.parametrize(
    ("page", "url"),
    [
        ("apps/web/src/app/page.tsx", "/"),
        ("apps/web/src/app/(shop)/cart/page.tsx", "/cart"),
        ("apps/web/src/app/todos/[id]/page.tsx", None),
        ("apps/web/src/pages/index.tsx", "/"),
        ("apps/web/src/pages/inbox/index.tsx", "/inbox"),
        ("apps/web/src/pages/inbox/[id].tsx", None),
    ],
)
def test_route_of_a_page(page, url):
    from afc_realtime import pageurl

    assert pageurl.route_of(detect(Tree.in_memory(AFC_PROJECT)), page) == url


def test_no_env_file_at_all_gets_a_gitignored_env_local_with_the_secret(tmp_path):
    """With no env file, afc creates `.env.local` (git-ignored) with the shared secret: nothing to create by hand."""
    from afc_realtime.features import websocket

    files = {k: v for k, v in shapes.SINGLE_NPM.items() if not k.startswith(".env")}
    files[".gitignore"] = "node_modules\n"
    tree = Tree.in_memory(files)
    plan = websocket.plan_add(detect(tree), tree)
    created = tree.read_text(".env.local") or ""
    assert re.search(r"^WS_EVENTS_SECRET=[0-9a-f]{64}$", created, re.M)
    assert "/.env.local" in (tree.read_text(".gitignore") or "").splitlines()
    assert not any("create a .env" in s.why for s in plan.next_steps)


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


def test_the_two_tabs_are_one_signed_in_users_when_every_event_goes_to_its_owner():
    """create-t3-app: `post.create` goes to `user:<createdById>` only and the post component shows signed in
    only, so two signed-out tabs (or two users) never see a change: the live step says to sign in as one user.
    With an event to `public` among them, two tabs of anyone do."""
    from afc_realtime.features.websocket import plan_add
    from tests.support.projects import AUTH_PROJECT

    def live(files):
        tree = Tree.in_memory(files)
        return next(s.why for s in plan_add(detect(tree), tree).next_steps if "two browser tabs" in s.why)

    assert live(shapes.T3_SHAPED) == (
        "open http://localhost:3000 in two browser tabs, signed in as the same user: a change made in one shows in "
        "the other without a reload (the events afc wired go to their owner only: a signed-out tab or another user "
        "sees none)"
    )
    assert live(AUTH_PROJECT) == (
        "open http://localhost:3000 in two browser tabs: a change made in one shows in the other without a reload"
    )
