"""Issue 20 item 3 and issue 19 item 5, as an attacker or a careless commit would find them: a secret goes
only into env files git ignores, never into a tracked or production one, never into afc's output; `remove`
on a project afc never touched deletes nothing of the user's. Each test runs in a git project, greps every
file a commit would take and every output stream for the secret, and checks add then remove byte for byte."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from afc_realtime.edits import envfile
from tests.support.git import commit_all, git
from tests.support.projects import AFC_PROJECT, HANDWIRED_PROJECT, fingerprint, make_project

runner = CliRunner()
SECRET = "s3cr3t-from-the-ignored-env-file"
HEX_SECRET = re.compile(r"^[0-9a-f]{64}$")


def afc(*args: str):
    return runner.invoke(app, list(args))


def tree_of(root):
    return {k: v for k, v in fingerprint(root).items() if k != ".git" and not k.startswith(".git/")}


def committable(root) -> dict[str, str]:
    """Every file `git add -A && git commit` would take (tracked, or untracked and not ignored)."""
    listed = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    return {p: (root / p).read_text(errors="replace") for p in listed if p and (root / p).is_file()}


def ignored_by_git(root, path: str) -> bool:
    found = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", path], capture_output=True)
    return found.returncode == 0


def env_of(path) -> dict[str, str]:
    return envfile.keys(path.read_text(), str(path))


def outputs(root, *extra: str) -> list[str]:
    """Every stream of a dry run, in text and JSON, and of applying with --json."""
    streams = []
    for args in (["--dry-run"], ["--dry-run", "--json"], ["--dry-run", "--verbose"], ["--yes", "--json", *extra]):
        result = afc("add", "websocket", "-C", str(root), *args)
        assert result.exit_code == 0, result.output
        streams += [result.stdout, result.stderr]
    return streams


def assert_nowhere_but_ignored(root, secret: str, streams: list[str]) -> None:
    leaked = [p for p, text in committable(root).items() if secret in text]
    assert leaked == [], f"the secret is in files a commit would take: {leaked}"
    assert not any(secret in stream for stream in streams), "the secret is in afc's output"


def removed_byte_for_byte(root, before) -> None:
    removed = afc("remove", "websocket", "-C", str(root), "--yes")
    assert removed.exit_code == 0, removed.output
    assert tree_of(root) == before


# -- the real secret and a tracked production file ---------------------------------------------------


def test_the_real_secret_stays_in_the_ignored_env_and_a_tracked_production_file_gets_nothing(tmp_path):
    production = "NEXT_PUBLIC_SITE=https://example.com\n"
    files = {
        **AFC_PROJECT,
        ".env": AFC_PROJECT[".env"] + f"WS_EVENTS_SECRET={SECRET}\n",
        ".env.production": production,
        "apps/web/.env.production": production,
    }
    root = commit_all(make_project(tmp_path / "proj", files))
    assert ignored_by_git(root, ".env") and not ignored_by_git(root, ".env.production")
    before = tree_of(root)
    streams = outputs(root)
    assert_nowhere_but_ignored(root, SECRET, streams)
    # no development URL and no secret in a production file, not even a masked one: nothing at all
    assert (root / ".env.production").read_text() == production
    assert (root / "apps/web/.env.production").read_text() == production
    assert env_of(root / ".env")["WS_EVENTS_SECRET"] == SECRET  # the user's own, kept and shared
    result = json.loads(streams[-2])
    warned = {n["path"] for n in result["notes"] if n["level"] == "warn" and "production env file" in n["message"]}
    assert warned == {".env.production", "apps/web/.env.production"}
    assert not any(c["path"].endswith(".env.production") for c in result["changes"])
    removed_byte_for_byte(root, before)


# -- a new secret and tracked env files ---------------------------------------------------------------


def test_a_new_secret_goes_into_an_ignored_file_and_tracked_ones_get_an_empty_placeholder(tmp_path):
    files = {**AFC_PROJECT, ".gitignore": "node_modules/\n", ".env.test": "DATABASE_URL=postgres://localhost/t\n"}
    root = commit_all(make_project(tmp_path / "proj", files))
    assert not ignored_by_git(root, ".env")  # tracked: committed with the rest
    before = tree_of(root)
    streams = outputs(root)
    home = root / "apps/web/.env.local"
    secret = env_of(home)["WS_EVENTS_SECRET"]
    assert HEX_SECRET.match(secret) and ignored_by_git(root, "apps/web/.env.local")
    assert_nowhere_but_ignored(root, secret, streams)
    for tracked in (".env", ".env.test"):
        assert env_of(root / tracked)["WS_EVENTS_SECRET"] == ""
        assert env_of(root / tracked)["WS_INTERNAL_URL"] == "http://localhost:4001"
    assert env_of(root / ".env.example")["WS_EVENTS_SECRET"] == "change-me-to-a-long-random-string"
    notes = json.loads(streams[-2])["notes"]
    placeholder = {n["path"] for n in notes if "its value is in apps/web/.env.local" in n["message"]}
    assert placeholder == {".env", ".env.test"}
    # git ignores the new file by one exact line afc adds, and the service's dev script loads it
    assert (root / ".gitignore").read_text().endswith("/apps/web/.env.local\n")
    assert "--env-file=../web/.env.local " in json.loads((root / "apps/ws/package.json").read_text())["scripts"]["dev"]
    removed_byte_for_byte(root, before)


@pytest.mark.parametrize("gitignore", [None, "node_modules/\n", "node_modules/\n.env*.local\n"])
def test_with_no_env_file_afc_creates_an_ignored_one_and_remove_takes_it_out(tmp_path, gitignore):
    files = {k: v for k, v in AFC_PROJECT.items() if not k.startswith(".env") and k != ".gitignore"}
    if gitignore is not None:
        files[".gitignore"] = gitignore
    root = commit_all(make_project(tmp_path / "proj", files))
    before = tree_of(root)
    streams = outputs(root)
    home = root / "apps/web/.env.local"
    secret = env_of(home)["WS_EVENTS_SECRET"]
    assert HEX_SECRET.match(secret) and ignored_by_git(root, "apps/web/.env.local")
    assert env_of(home)["WS_INTERNAL_URL"] == "http://localhost:4001"
    assert_nowhere_but_ignored(root, secret, streams)
    added_line = gitignore is None or ".env*.local" not in gitignore
    assert ((root / ".gitignore").read_text() != (gitignore or "")) is added_line
    steps = json.loads(streams[-2])["next_steps"]
    assert not any("create a .env" in step["why"] for step in steps)  # afc made it
    removed_byte_for_byte(root, before)
    assert (root / ".gitignore").exists() is (gitignore is not None)


def test_without_git_a_file_counts_as_ignored_only_when_a_gitignore_rule_covers_it(tmp_path):
    covered = make_project(tmp_path / "covered", AFC_PROJECT)  # .gitignore names .env; no git here
    assert afc("add", "websocket", "-C", str(covered), "--yes").exit_code == 0
    assert HEX_SECRET.match(env_of(covered / ".env")["WS_EVENTS_SECRET"])
    assert not (covered / "apps/web/.env.local").exists()
    bare = make_project(tmp_path / "bare", {**AFC_PROJECT, ".gitignore": "node_modules/\n"})
    before = fingerprint(bare)
    assert afc("add", "websocket", "-C", str(bare), "--yes").exit_code == 0
    assert env_of(bare / ".env")["WS_EVENTS_SECRET"] == ""
    assert HEX_SECRET.match(env_of(bare / "apps/web/.env.local")["WS_EVENTS_SECRET"])
    assert afc("remove", "websocket", "-C", str(bare), "--yes").exit_code == 0
    assert fingerprint(bare) == before


# -- host and container URLs ----------------------------------------------------------------------------

SHARED_ENV_COMPOSE = """services:
    postgres:
        image: postgres:16
    web:
        build: .
        env_file: .env
    worker:
        build: .
        env_file: .env.docker
"""


def test_an_env_file_the_host_reads_gets_host_urls_even_when_compose_hands_it_to_containers(tmp_path):
    files = {**AFC_PROJECT, "compose.dev.yml": SHARED_ENV_COMPOSE, ".env.docker": "A=1\n"}
    root = commit_all(make_project(tmp_path / "proj", files))
    before = tree_of(root)
    result = afc("add", "websocket", "-C", str(root), "--yes", "--json")
    assert result.exit_code == 0, result.output
    assert env_of(root / ".env")["WS_INTERNAL_URL"] == "http://localhost:4001"  # the host dev server reads it
    assert env_of(root / ".env.docker")["WS_INTERNAL_URL"] == "http://ws:4001"  # only containers read it
    notes = json.loads(result.stdout)["notes"]
    assert any(n["path"] == ".env" and "WS_INTERNAL_URL: http://ws:4001" in n["message"] for n in notes)
    assert not any(n["path"] == ".env.docker" and "environment" in n["message"] for n in notes)
    removed_byte_for_byte(root, before)


# -- remove on a project afc never touched ----------------------------------------------------------------


def test_remove_on_a_project_afc_never_touched_leaves_the_users_own_secret(tmp_path):
    files = {**AFC_PROJECT, ".env": AFC_PROJECT[".env"] + f"WS_EVENTS_SECRET={SECRET}\nWS_PORT=4001\n"}
    root = commit_all(make_project(tmp_path / "proj", files))
    before = tree_of(root)
    for args in (["--yes"], ["--yes", "--force"]):
        result = afc("remove", "websocket", "-C", str(root), *args)
        assert result.exit_code == 0, result.output
        assert "nothing to remove" in result.output
        assert tree_of(root) == before


@pytest.mark.parametrize("force", [False, True])
def test_the_handwired_remover_keeps_a_secret_in_an_ignored_file_unless_forced(tmp_path, force):
    env = HANDWIRED_PROJECT[".env"] + f"WS_EVENTS_SECRET={SECRET}\n"
    root = commit_all(make_project(tmp_path / "proj", {**HANDWIRED_PROJECT, ".env": env}))
    assert ignored_by_git(root, ".env")
    result = afc("remove", "websocket", "-C", str(root), "--yes", "--json", *(["--force"] if force else []))
    assert result.exit_code == 0, result.output
    left = env_of(root / ".env")
    assert "WS_INTERNAL_URL" not in left and "NEXT_PUBLIC_WS_URL" not in left and "DATABASE_URL" in left
    assert (left.get("WS_EVENTS_SECRET") == SECRET) is not force
    notes = json.loads(result.stdout)["notes"]
    said = any(n["path"] == ".env" and n["message"].startswith("WS_EVENTS_SECRET kept") for n in notes)
    assert said is not force
    assert SECRET not in result.stdout + result.stderr


def test_the_handwired_remover_takes_the_secret_from_a_tracked_file(tmp_path):
    env = HANDWIRED_PROJECT[".env"] + f"WS_EVENTS_SECRET={SECRET}\n"
    files = {**HANDWIRED_PROJECT, ".env": env, ".gitignore": "node_modules/\n"}
    root = commit_all(make_project(tmp_path / "proj", files))
    result = afc("remove", "websocket", "-C", str(root), "--yes")
    assert result.exit_code == 0, result.output
    assert "WS_EVENTS_SECRET" not in (root / ".env").read_text()  # git keeps it: nothing is lost


# -- errors name the file, the line and the key, never the value -------------------------------------------


@pytest.mark.parametrize("line", [f"WS_EVENTS_SECRET {SECRET}", f"WS_EVENTS_SECRET: {SECRET}", SECRET])
def test_a_malformed_env_line_is_reported_without_its_value(tmp_path, line):
    files = {**AFC_PROJECT, ".env": AFC_PROJECT[".env"] + line + "\n"}
    root = commit_all(make_project(tmp_path / "proj", files))
    before = tree_of(root)
    for args in (["--dry-run"], ["--yes", "--json"]):
        result = afc("add", "websocket", "-C", str(root), *args)
        assert result.exit_code == 2, result.output
        assert SECRET not in result.stdout + result.stderr
        assert ".env:3: not a KEY=VALUE line" in result.stderr
    error = json.loads(result.stdout)
    assert (error["path"], error["line"], error["code"]) == (".env", 3, "bad_input")
    assert ("WS_EVENTS_SECRET" in error["error"]) is line.startswith("WS_")
    assert tree_of(root) == before


def test_a_production_compose_file_gets_no_localhost_value_and_no_secret(tmp_path):
    from afc_realtime.edits import compose

    files = {**AFC_PROJECT, "compose.prod.yml": "services:\n    web:\n        image: web\n"}
    root = commit_all(make_project(tmp_path / "proj", files))
    assert afc("add", "websocket", "-C", str(root), "--yes").exit_code == 0
    production = compose.load((root / "compose.prod.yml").read_text(), "compose.prod.yml")["services"]["ws"]
    values = [str(v) for v in production["environment"].values()]
    assert not any("localhost" in v for v in values), values
    assert production["environment"]["WS_ALLOWED_ORIGINS"] == "${WS_ALLOWED_ORIGINS:?set WS_ALLOWED_ORIGINS}"
    development = compose.load((root / "compose.dev.yml").read_text(), "compose.dev.yml")["services"]["ws"]
    assert development["environment"]["WS_ALLOWED_ORIGINS"] == "${WS_ALLOWED_ORIGINS:-http://localhost:3000}"
