"""Monorepos other than the bundled example: another app folder, pnpm, createEnv, arrow handlers, update and
delete routes, and a hand-wired project; each added, previewed, checked, type-checked and removed."""

import json

from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.projects import AFC_PROJECT, HANDWIRED_PROJECT, PNPM_PROJECT, fingerprint, make_project
from tests.support.typecheck import assert_typechecks

runner = CliRunner()


def afc(*args):
    return runner.invoke(app, list(args))


def test_pnpm_app_in_another_folder_with_create_env_and_arrow_handlers(tmp_path, web_toolchain, node):
    project = make_project(tmp_path / "shop", PNPM_PROJECT)
    before = fingerprint(project)
    preview = afc("add", "websocket", "-C", str(project), "--dry-run", "--json")
    plan = json.loads(preview.stdout)
    assert {c["path"] for c in plan["changes"] if c["action"] == "create"} >= {
        "apps/ws/package.json",
        "apps/frontend/lib/realtime/broadcast.ts",
    }
    assert "pnpm install" in [step["command"] for step in plan["next_steps"]] and fingerprint(project) == before
    assert not [n for n in plan["notes"] if "service added" in n["message"]]  # the Dockerfile installs with pnpm

    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    web = project / "apps/frontend"
    posts = (web / "app/api/posts/route.ts").read_text()
    assert posts == PNPM_PROJECT["apps/frontend/app/api/posts/route.ts"].replace(
        'import { db, posts } from "@app/db";\n',
        'import { db, posts } from "@app/db";\nimport { broadcast } from "../../../lib/realtime/broadcast";\n',
    ).replace(
        "  return Response.json(post, { status: 201 });",
        '  if (post) broadcast("post-created", { table: "posts", action: "created", keys: { id: post.id }, '
        'row: post, complete: true }, { to: "public" });\n  return Response.json(post, { status: 201 });',
    )
    by_id = (web / "app/api/posts/[id]/route.ts").read_text()
    assert (
        '  }\n  broadcast("post-updated", { table: "posts", action: "updated", keys: { id: post.id }, row: post, '
        'complete: true }, { to: "public" });\n  return Response.json(post);' in by_id
    )
    assert (
        '  if (post) broadcast("post-deleted", { table: "posts", action: "deleted", keys: { id: post.id }, row: post, '
        'complete: true }, { to: "public" });\n  return Response.json(post ?? null);' in by_id
    )
    assert 'import { broadcast } from "../../../../lib/realtime/broadcast";' in by_id
    page = (web / "app/posts/page.tsx").read_text()
    assert "import { useRealtimeList } from '../../lib/realtime/use-realtime'\n" in page
    assert (
        "  const [posts, setPosts] = useState<Post[]>([])\n  useRealtimeList('post', '/api/posts', setPosts)\n" in page
    )
    env = (web / "env.ts").read_text()
    assert (
        "    WS_INTERNAL_URL: z.string().url().optional(),\n" in env
        and "  client: {\n    NEXT_PUBLIC_WS_URL: z.string().url().optional(),\n  }," in env
    )
    assert "    NEXT_PUBLIC_WS_URL: process.env.NEXT_PUBLIC_WS_URL,\n" in env
    assert "WS_EVENTS_SECRET=" in (web / ".env.local").read_text()
    # The service's Dockerfile installs with pnpm from the root pnpm-lock.yaml (it once installed with bun
    # only, and compose then got no service): compose gets one, built from it.
    compose = (project / "docker-compose.yml").read_text()
    assert "  ws:\n    build:\n      context: .\n      dockerfile: apps/ws/Dockerfile\n" in compose
    dockerfile = (project / "apps/ws/Dockerfile").read_text()
    assert "COPY pnpm-lock.yaml ./" in dockerfile and "pnpm install --frozen-lockfile" in dockerfile
    assert_typechecks(web, web_toolchain, node, tmp_path / "tc-added", alias_src=False)

    status = afc("status", "-C", str(project), "--json")
    [report] = json.loads(status.stdout)["features"]
    assert report["events"] == ["post-created", "post-deleted", "post-updated"] and not report["drifted"]

    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def test_the_afc_project_type_checks_after_add(tmp_path, web_toolchain, node):
    project = make_project(tmp_path / "afc", AFC_PROJECT)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc")


def test_a_hand_wired_project_type_checks_before_and_after_removal(tmp_path, web_toolchain, node):
    project = make_project(tmp_path / "wired", HANDWIRED_PROJECT)
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc-before")
    assert afc("status", "-C", str(project)).output.startswith("afc has installed nothing")
    assert afc("remove", "websocket", "-C", str(project), "--dry-run").exit_code == 0
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    page = (project / "apps/web/src/app/page.tsx").read_text()
    assert (
        "WebSocket" not in page
        and "WS_INTERNAL_URL" not in (project / "apps/web/src/app/api/todos/route.ts").read_text()
    )
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc-after")
