"""Issue 12, "trust under faults and hostile input": each promise with a test that fails when it is broken."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.git import commit_all
from tests.support.projects import fingerprint

runner = CliRunner()
ROUTE = "apps/web/src/app/api/todos/route.ts"


def afc(*args):
    return runner.invoke(app, list(args))


def tree_of(root):
    """The fingerprint without git's own folder (git status refreshes its index)."""
    return {k: v for k, v in fingerprint(root).items() if k != ".git" and not k.startswith(".git/")}


# -- 1. undo any time ------------------------------------------------------------------------------


def test_remove_right_after_add_with_nothing_committed_gives_every_byte_back(afc_project):
    commit_all(afc_project)
    before = tree_of(afc_project)
    added = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert added.exit_code == 0, added.output
    args = ["--route", ROUTE, "-C", str(afc_project), "--yes"]
    event = afc("add", "event", "todo-archived", *args)
    assert event.exit_code == 0, event.output
    removed = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert removed.exit_code == 0, removed.output
    assert tree_of(afc_project) == before


def test_a_users_own_uncommitted_change_is_still_refused_before_the_plan_is_shown(afc_project):
    commit_all(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    env = afc_project / ".env"
    env.write_text("MINE=1\n" + env.read_text())
    before = tree_of(afc_project)
    refused = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert refused.exit_code == 3 and ".env" in refused.output and "--allow-dirty" in refused.output
    assert "DELETE" not in refused.output and "@@" not in refused.output  # no plan printed before refusing
    assert tree_of(afc_project) == before
    preview = afc("remove", "websocket", "-C", str(afc_project), "--dry-run")
    assert preview.exit_code == 0 and "applying would need --allow-dirty" in preview.output
    assert preview.output.index("DELETE") < preview.output.index("applying would need")


# -- 2. no secret leaves its file ------------------------------------------------------------------

SECRET = "s3cr3t-from-the-gitignored-env-file"
DB_PASSWORD = "hunter2-db-password"


def _project_with_secrets(root):
    (root / ".env").write_text(
        f"WS_EVENTS_SECRET={SECRET}\nAPI_TOKEN=tok-123456\nDATABASE_URL=postgres://app:{DB_PASSWORD}@localhost:5432/app\n"
    )
    (root / "apps/web/.env.local").write_text("NEXT_PUBLIC_SITE=http://localhost:3000\n")
    return root


def test_env_insertions_are_recorded_without_values(afc_project):
    _project_with_secrets(afc_project)
    before = fingerprint(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    local = (afc_project / "apps/web/.env.local").read_text()
    assert f"WS_EVENTS_SECRET={SECRET}" in local  # the one secret, shared by the real env files
    example = (afc_project / ".env.example").read_text()
    manifest = (afc_project / ".afc/manifest.toml").read_text()
    assert SECRET not in manifest
    for env_text in (local, example):
        for line in env_text.splitlines():
            key, _, value = line.partition("=")
            if key.startswith(("WS_", "NEXT_PUBLIC_WS")) and value:
                assert f"{key}={value}" not in manifest, f"{key}'s value is in the manifest"
    assert "WS_EVENTS_SECRET=\\n" in manifest or "WS_EVENTS_SECRET=\n" in manifest
    assert afc("remove", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    assert fingerprint(afc_project) == before


def test_previews_and_json_mask_secret_values_and_url_credentials(afc_project):
    _project_with_secrets(afc_project)
    for args in (["--dry-run"], ["--dry-run", "--json"]):
        result = afc("add", "websocket", "-C", str(afc_project), *args)
        assert result.exit_code == 0, result.output
        for secret in (SECRET, DB_PASSWORD, "tok-123456"):
            assert secret not in result.output, (args, secret)
        shown = json.loads(result.stdout) if "--json" in args else None
        text = result.output if shown is None else json.dumps(shown)
        assert "postgres://app:********@localhost" in text and "WS_EVENTS_SECRET=********" in text
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    removed = afc("remove", "websocket", "-C", str(afc_project), "--dry-run", "--json")
    assert SECRET not in removed.output and DB_PASSWORD not in removed.output


def test_masking_rules():
    from afc_realtime.redact import mask_line

    assert mask_line(".env", "GITHUB_TOKEN=abc\n") == "GITHUB_TOKEN=********\n"
    assert mask_line(".env.local", "export DB_PASSWORD='x y'\r\n") == "export DB_PASSWORD=********\r\n"
    assert mask_line(".env", "STRIPE_KEY=\n") == "STRIPE_KEY=\n"
    assert mask_line(".env", "PORT=3000\n") == "PORT=3000\n"
    assert mask_line("compose.yml", "      POSTGRES_PASSWORD: hunter2\n") == "      POSTGRES_PASSWORD: ********\n"
    assert mask_line("compose.yml", "      - POSTGRES_PASSWORD=hunter2\n") == "      - POSTGRES_PASSWORD=********\n"
    kept = "      WS_EVENTS_SECRET: ${WS_EVENTS_SECRET:?set WS_EVENTS_SECRET}\n"
    assert mask_line("compose.prod.yml", kept) == kept
    assert mask_line("src/env.ts", "  WS_EVENTS_SECRET: z.string(),\n") == "  WS_EVENTS_SECRET: z.string(),\n"
    assert (
        mask_line("src/db.ts", 'const url = "redis://:pw@host:6379";\n')
        == 'const url = "redis://:********@host:6379";\n'
    )
