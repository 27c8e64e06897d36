"""Issue 12, "trust under faults and hostile input": each promise with a test that fails when it is broken."""

from __future__ import annotations

import json

import pytest
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


# -- 3. the manifest is untrusted input ------------------------------------------------------------


@pytest.mark.parametrize("files", ["AFC_PROJECT", "PNPM_PROJECT"])
def test_everything_the_recipe_records_passes_the_manifest_checks(tmp_path, files):
    from afc_realtime import manifest as manifest_mod
    from afc_realtime.features import websocket
    from afc_realtime.features.toolkit import check_record
    from afc_realtime.project import detect
    from afc_realtime.tree import Tree
    from tests.support import projects

    tree = Tree.in_memory(getattr(projects, files))
    project = detect(tree)
    websocket.plan_add(project, tree)
    record = manifest_mod.load(tree.read_text(manifest_mod.PATH)).features["websocket"]
    assert record.insertions and record.files
    check_record(record, project)  # raises if any of its own records looked crafted


def _added(root):
    assert afc("add", "websocket", "-C", str(root), "--yes").exit_code == 0
    return root / ".afc/manifest.toml"


def _file_record(path, data):
    import hashlib

    return f'\n[[features.websocket.files]]\npath = "{path}"\nsha256 = "{hashlib.sha256(data).hexdigest()}"\n'


@pytest.mark.parametrize("victim", ["package.json", ".git/HEAD", "apps/ws/.git/config", "apps/web/src/app/page.tsx"])
def test_a_crafted_created_file_record_deletes_nothing(afc_project, victim):
    commit_all(afc_project)
    manifest = _added(afc_project)
    target = afc_project / victim
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_text("[core]\n")
    manifest.write_text(manifest.read_text() + _file_record(victim, target.read_bytes()))
    before = tree_of(afc_project)
    result = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 2 and f"{victim}: afc never creates a file there" in result.output, result.output
    assert "Traceback" not in result.output and tree_of(afc_project) == before and target.exists()


@pytest.mark.parametrize(
    "path, text",
    [
        ("apps/web/src/app/page.tsx", "export default "),
        ("package.json", '"name": '),
        (".git/HEAD", "ref"),
        ("apps/web/src/app/api/todos/route.ts", 'broadcast("x", inserted); export async function GET'),
    ],
)
def test_a_crafted_insertion_cuts_nothing(afc_project, path, text):
    manifest = _added(afc_project)
    record = (
        f'\n[[features.websocket.insertions]]\npath = "{path}"\noffset = 0\nwhat = "x"\ntext = {json.dumps(text)}\n'
    )
    manifest.write_text(manifest.read_text() + record)
    before = fingerprint(afc_project)
    result = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 2 and "not text afc inserts" in result.output or "never edits" in result.output
    assert fingerprint(afc_project) == before


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda t: t.replace("offset = ", "offset = -5 + ", 1).replace("-5 + ", "-"), "should not be negative"),
        (lambda t: t.replace('sha256 = "', 'sha256 = 7 #"', 1), "sha256: should be a string"),
        (lambda t: t.replace("insertions]]\npath", "insertions]]\nxpath", 1), "path: missing"),
    ],
)
def test_a_manifest_of_the_wrong_shape_exits_2_naming_the_line(afc_project, edit, words):
    manifest = _added(afc_project)
    manifest.write_text(edit(manifest.read_text()))
    before = fingerprint(afc_project)
    for command in (["remove", "websocket", "--yes"], ["status"], ["add", "websocket", "--yes"]):
        result = afc(*command, "-C", str(afc_project))
        assert result.exit_code == 2 and words in result.output and ".afc/manifest.toml:" in result.output, (
            result.output
        )
        assert "Traceback" not in result.output
    assert fingerprint(afc_project) == before
