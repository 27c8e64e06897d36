"""The page side on a project that reads through every data layer: each page gets the one line its layer needs
(or is listed with the reason), the changed app type-checks under `strict` against the real `swr`,
`@tanstack/react-query` and `@trpc/*` types, and remove gives back every byte. (The strategies run for real in
tests/service/test_page_strategies.py and, for Server Components, in the browser tier.)"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.page_projects import PAGES_PROJECT
from tests.support.projects import AFC_PROJECT, ROUTE, fingerprint, make_project
from tests.support.typecheck import STUBS

runner = CliRunner()
WEB = "apps/web/src"
OPTIONAL_HELPERS = {"use-realtime-events.ts", "use-realtime-swr.ts", "use-realtime-query.ts", "realtime-refresh.tsx"}
PAGE_PACKAGES = (
    "swr@^2",
    "@tanstack/react-query@^5",
    # one version for every @trpc package: each names the others' exact version as its peer
    "@trpc/server@11.19.0",
    "@trpc/client@11.19.0",
    "@trpc/react-query@11.19.0",
    "@trpc/tanstack-react-query@11.19.0",
)


def afc(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def page_toolchain(web_toolchain: Path) -> Path:
    """The session's type-checking toolchain, plus the data layers' own libraries (their real types)."""
    from tests.support.tools import require_tool

    npm = require_tool("npm", "install Node.js 20 with npm")
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *PAGE_PACKAGES],
        cwd=web_toolchain,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )
    return web_toolchain


def typecheck(app_src: Path, toolchain: Path, node: str, work: Path) -> subprocess.CompletedProcess[str]:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(app_src, work / "src")
    (work / "node_modules").symlink_to(toolchain / "node_modules")
    (work / "stubs").mkdir()
    (work / "stubs/drizzle.d.ts").write_text(STUBS["drizzle.d.ts"])
    options = {
        "target": "ES2022",
        "lib": ["dom", "dom.iterable", "esnext"],
        "strict": True,
        "noUncheckedIndexedAccess": True,
        "exactOptionalPropertyTypes": True,
        "noEmit": True,
        "module": "esnext",
        "moduleResolution": "bundler",
        "jsx": "preserve",
        "isolatedModules": True,
        "esModuleInterop": True,
        "skipLibCheck": True,
        "paths": {"@/*": ["./src/*"], "@typed/db": ["./stubs/drizzle.d.ts"]},
    }
    config = {"compilerOptions": options, "include": ["src/**/*.ts", "src/**/*.tsx"]}
    (work / "tsconfig.json").write_text(json.dumps(config, indent=2))
    tsc = toolchain / "node_modules/typescript/bin/tsc"
    return subprocess.run(
        [node, str(tsc), "--noEmit", "-p", "."], cwd=work, capture_output=True, text=True, timeout=300
    )


def test_each_data_layer_gets_its_line_or_its_reason(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", PAGES_PROJECT)
    before = fingerprint(project)
    preview = afc("add", "websocket", "-C", str(project), "--dry-run", "--json")
    notes = [n for n in json.loads(preview.stdout)["notes"] if n.get("path") == f"{WEB}/app/team/page.tsx"]
    assert notes and "its key is not a literal URL" in notes[0]["message"], notes

    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    web = project / WEB
    expected = {
        "app/page.tsx": (
            "    const [todos, setTodos] = useState<Todo[]>([]);\n"
            '    useRealtimeList("todo", "/api/todos", setTodos);\n',
            'import { useRealtimeList } from "@/lib/realtime/use-realtime";\n',
        ),
        "app/notes/page.tsx": (
            '    const { data } = useSWR("/api/notes", fetcher);\n'
            '    useRealtimeSWR("/api/notes", ["note-created"]);\n',
            'import { useRealtimeSWR } from "@/lib/realtime/use-realtime-swr";\n',
        ),
        "app/messages/page.tsx": (
            '    });\n    useRealtimeQuery(["messages"], ["message-created"]);\n    return',
            'import { useRealtimeQuery } from "@/lib/realtime/use-realtime-query";\n',
        ),
        "app/conversations/page.tsx": (
            "    const { data } = api.conversation.all.useQuery();\n"
            '    useRealtimeInvalidate(api.useUtils().conversation, ["conversation-created"]);\n',
            'import { useRealtimeInvalidate } from "@/lib/realtime/use-realtime-events";\n',
        ),
        "app/board/page.tsx": (
            '        <main>\n            <RealtimeRefresh events={["todo-created"]} />\n            <h1>Board</h1>\n',
            'import { RealtimeRefresh } from "@/lib/realtime/realtime-refresh";\n',
        ),
        # a Server Component page that reads through a query function and a server component it renders
        "app/digest/page.tsx": (
            '        <main>\n            <RealtimeRefresh events={["message-created", "todo-created"]} />\n',
            'import { RealtimeRefresh } from "@/lib/realtime/realtime-refresh";\n',
        ),
        # create-t3-app's shape: the components a Server Component page imports read the data
        "app/inbox/_components/latest.tsx": (
            "    const [latest] = api.conversation.all.useSuspenseQuery();\n"
            '    useRealtimeInvalidate(api.useUtils().conversation, ["conversation-created"]);\n',
            'import { useRealtimeInvalidate } from "@/lib/realtime/use-realtime-events";\n',
        ),
        "app/inbox/_components/todo-count.tsx": (
            '    });\n    useRealtimeQuery(todoKeys.all, ["todo-created"]);\n    return',
            'import { useRealtimeQuery } from "@/lib/realtime/use-realtime-query";\n',
        ),
        "hooks/use-conversations.ts": (
            "    const { data } = useQuery(trpc.conversation.all.queryOptions());\n"
            '    useRealtimeQuery(trpc.conversation.pathKey(), ["conversation-created"]);\n',
            'import { useRealtimeQuery } from "@/lib/realtime/use-realtime-query";\n',
        ),
    }
    for rel, (line, imported) in expected.items():
        text = (web / rel).read_text()
        assert line in text and imported in text, f"{rel}:\n{text}"
    assert (web / "app/team/page.tsx").read_text() == PAGES_PROJECT[f"{WEB}/app/team/page.tsx"]
    # the page that only imports them reads nothing itself, so it is left as it is
    assert (web / "app/inbox/page.tsx").read_text() == PAGES_PROJECT[f"{WEB}/app/inbox/page.tsx"]
    helpers = {p.name for p in (web / "lib/realtime").iterdir()}
    assert helpers >= OPTIONAL_HELPERS

    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def test_a_component_refreshes_on_the_tables_its_procedure_reads_not_on_its_routers_other_writes(
    tmp_path: Path,
) -> None:
    """`conversation.all` reads `conversations`; `conversation.reply` writes `messages`: the components that
    read `all` follow `conversation-created` only, while `message-created` is wired (and followed by the
    page that reads messages)."""
    project = make_project(tmp_path / "p", PAGES_PROJECT)
    plan = json.loads(afc("add", "websocket", "-C", str(project), "--dry-run", "--json").stdout)
    reply = [b for b in plan["broadcasts"] if b["handler"] == "mutation conversation.reply"]
    assert [(b["event"], b["wired"]) for b in reply] == [("message-created", True)]
    changed = {c["path"]: c.get("diff") or "" for c in plan["changes"]}
    for rel in ("app/conversations/page.tsx", "app/inbox/_components/latest.tsx", "hooks/use-conversations.ts"):
        diff = changed[f"{WEB}/{rel}"]
        assert '["conversation-created"]' in diff and "message-created" not in diff, diff
    assert "message-created" in changed[f"{WEB}/app/messages/page.tsx"]


def test_only_the_helpers_a_page_needs_are_generated(tmp_path: Path) -> None:
    files = {k: v for k, v in PAGES_PROJECT.items() if "/app/" not in k or "/api/" in k or k.endswith("/app/page.tsx")}
    project = make_project(tmp_path / "p", files)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    helpers = {p.name for p in (project / WEB / "lib/realtime").iterdir()}
    assert not helpers & {
        "use-realtime-events.ts",
        "use-realtime-swr.ts",
        "use-realtime-query.ts",
        "realtime-refresh.tsx",
    }


def test_the_pages_type_check_against_each_librarys_own_types(tmp_path: Path, page_toolchain: Path, node: str) -> None:
    project = make_project(tmp_path / "p", PAGES_PROJECT)
    result = typecheck(project / WEB, page_toolchain, node, tmp_path / "tc0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    result = typecheck(project / WEB, page_toolchain, node, tmp_path / "tc")
    assert result.returncode == 0, result.stdout + result.stderr


def test_with_events_wired_and_no_page_following_them_nothing_promises_a_live_page(tmp_path: Path) -> None:
    files = {k: v for k, v in AFC_PROJECT.items() if not k.endswith("/app/page.tsx")}
    for name, expected_live in (("none", False), ("one", True)):
        project = make_project(tmp_path / name, files if not expected_live else AFC_PROJECT)
        plan = json.loads(afc("add", "websocket", "-C", str(project), "--dry-run", "--json").stdout)
        assert any(b["wired"] for b in plan["broadcasts"])
        steps = " ".join(s["why"] for s in plan["next_steps"])
        warned = [n for n in plan["notes"] if "no page or component follows" in n["message"]]
        assert ("two browser tabs" in steps) is expected_live and bool(warned) is not expected_live, steps


WALL = f"{WEB}/app/wall/page.tsx"
WALL_PAGE = """import { step1 } from "@/lib/step1";

export default async function WallPage() {
    const todos = await step1();
    return (
        <main>
            <p>{todos.length} todos</p>
        </main>
    );
}
"""
POST_ONLY = (
    ROUTE.split("export async function GET")[0]
    + "export async function POST"
    + ROUTE.split("export async function POST")[1]
)


def _wall(steps: int, check_at: int | None = None) -> dict[str, str]:
    """The quick-start project with no GET of its todos, and a Server Component page that reads `todos`
    through `steps` helper modules (page -> lib/step1.ts -> lib/step2.ts -> ...): the only place that
    serves them; `check_at`: the step whose helper checks the session first."""
    files = {**AFC_PROJECT, f"{WEB}/app/api/todos/route.ts": POST_ONLY, WALL: WALL_PAGE}
    for step in range(1, steps + 1):
        check = "    await auth();\n" if step == check_at else ""
        if step < steps:
            head, body = f'import {{ step{step + 1} }} from "@/lib/step{step + 1}";\n', f"return step{step + 1}();"
        else:
            head, body = 'import { db, todos } from "@app/db";\n', "return db.select().from(todos);"
        head = 'import { auth } from "@/auth";\n' + head if check else head
        files[f"{WEB}/lib/step{step}.ts"] = f"{head}\nexport async function step{step}() {{\n{check}    {body}\n}}\n"
    return files


@pytest.mark.parametrize(
    ("steps", "check_at", "follows", "public"),
    [
        (1, None, True, True),
        (2, None, True, True),  # page -> lib/queries.ts -> lib/db/todos.ts
        (3, None, True, True),
        (3, 2, True, False),  # a session check on the way: the page still refreshes, the todos are not served
        (4, None, False, False),  # deeper than three steps: not the page's read (nothing said, as before)
    ],
)
def test_a_server_component_pages_reads_are_followed_three_steps(
    tmp_path: Path, steps: int, check_at: int | None, follows: bool, public: bool
) -> None:
    project = make_project(tmp_path / "p", _wall(steps, check_at))
    # the refresh side, with the todos sent to everyone as the user says
    plan = json.loads(afc("add", "websocket", "-C", str(project), "--public", "todos", "--dry-run", "--json").stdout)
    diff = next((c.get("diff") or "" for c in plan["changes"] if c["path"] == WALL), "")
    assert ('+            <RealtimeRefresh events={["todo-created"]} />' in diff) is follows, diff
    assert not any(n.get("path") == WALL for n in plan["notes"])
    # the public side: the page is the only place that could serve the todos to anyone signed out
    plan = json.loads(afc("add", "websocket", "-C", str(project), "--dry-run", "--json").stdout)
    [created] = [b for b in plan["broadcasts"] if b["event"] == "todo-created"]
    assert (created["to"] == "public" and "page /wall" in created["reason"]) is public, created
