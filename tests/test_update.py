"""`afc update websocket` against a template changed as a newer afc would ship it (a patched copy of afc's
templates, through `render.use_templates`), in a git project whose owner edited the service since `add`."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from afc_realtime import manifest, render
from afc_realtime.cli import app
from tests.support.git import commit_all
from tests.support.projects import fingerprint

runner = CliRunner()
SERVER = "apps/ws/src/server.ts"
HUB_IMPORT = 'import websocket from "@fastify/websocket";\n'


def afc(*args):
    return runner.invoke(app, list(args))


def without_git(found):
    return {k: v for k, v in found.items() if k != ".git" and not k.startswith(".git/")}


@pytest.fixture
def added(afc_project):
    """The project committed, then `add websocket` committed: (project, the first commit's fingerprint)."""
    commit_all(afc_project, "the project")
    first = without_git(fingerprint(afc_project))
    result = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert result.exit_code == 0, result.output
    commit_all(afc_project, "afc add websocket")
    return afc_project, first


@pytest.fixture
def templates(tmp_path):
    """A copy of afc's templates to change: what the next afc would render."""
    copy = tmp_path / "next-afc" / "templates"
    shutil.copytree(render.templates_dir(), copy)
    return copy


def patch(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def edit(project: Path, rel: str, old: str, new: str, message: str = "my edit") -> None:
    patch(project / rel, old, new)
    commit_all(project, message)


def remove_with(templates: Path, project: Path, *args: str):
    """`afc remove` by the afc that updated (its templates): remove compares the service's records with
    what it renders itself, so an older afc's remove would refuse the newer template's files."""
    with render.use_templates(templates):
        return afc("remove", "websocket", "-C", str(project), *args)


def update(project: Path, templates: Path, *args: str):
    with render.use_templates(templates):
        # --verbose: these tests read the notes, which --yes alone counts rather than lists
        return afc("update", "websocket", "-C", str(project), *args, *(["--verbose"] if "--yes" in args else []))


def test_the_owners_edit_stays_the_template_change_arrives_and_remove_restores_the_first_commit(added, templates):
    project, first = added
    edit(project, SERVER, HUB_IMPORT, HUB_IMPORT + "// my own line\n")
    server = templates / "ws/template/src/server.ts"
    patch(server, "// runtime-agnostic modules", "// (from the next afc)\n// runtime-agnostic modules")
    (templates / "ws/template/src/extra").mkdir()
    (templates / "ws/template/src/extra/added.ts").write_text("export const added = true;\n")
    result = update(project, templates, "--yes")
    assert result.exit_code == 0, result.output
    text = (project / SERVER).read_text()
    assert "// my own line\n" in text and "// (from the next afc)\n" in text
    assert (project / "apps/ws/src/extra/added.ts").read_text() == "export const added = true;\n"
    assert "apps/ws/src/server.ts: your edits and the template's changes, merged" in result.output
    assert "<<<<<<<" not in text
    # the manifest knows the new file and the template's version: remove is exact (the owner's edit is drift)
    commit_all(project, "afc update websocket")
    refused = remove_with(templates, project, "--yes")
    assert refused.exit_code == 3 and f"{SERVER}: changed since afc wrote it" in refused.output
    assert "apps/ws/src/extra" not in refused.output
    removed = remove_with(templates, project, "--yes", "--force")
    assert removed.exit_code == 0, removed.output
    assert without_git(fingerprint(project)) == first


def test_a_conflicting_edit_gets_markers_exit_3_and_its_list(added, templates):
    project, first = added
    edit(project, SERVER, HUB_IMPORT, 'import websocket from "@fastify/websocket"; // mine\n')
    patch(templates / "ws/template/src/server.ts", HUB_IMPORT, 'import websocket from "@fastify/websocket/index.js";\n')
    result = update(project, templates, "--yes", "--json")
    assert result.exit_code == 3, result.output
    data = json.loads(result.stdout)
    assert data["applied"] is True and data["conflicts"] == [f"{SERVER}: 1 conflict(s), marked in the file"]
    text = (project / SERVER).read_text()
    assert (
        f"<<<<<<< yours ({SERVER})\n"
        'import websocket from "@fastify/websocket"; // mine\n'
        "||||||| afc 0.1.0 (what afc wrote)\n"
        f"{HUB_IMPORT}"
        "=======\n"
        'import websocket from "@fastify/websocket/index.js";\n'
        ">>>>>>> afc 0.1.0 (its template now)\n"
    ) in text
    commit_all(project, "conflicted update")
    assert remove_with(templates, project, "--yes", "--force").exit_code == 0
    assert without_git(fingerprint(project)) == first


def test_human_output_lists_the_conflicts_and_exits_3(added, templates):
    project, _ = added
    edit(project, SERVER, HUB_IMPORT, 'import websocket from "@fastify/websocket"; // mine\n')
    patch(templates / "ws/template/src/server.ts", HUB_IMPORT, 'import websocket from "@fastify/websocket/index.js";\n')
    dry = update(project, templates, "--dry-run")
    assert dry.exit_code == 3 and "applying would leave conflicts in:" in dry.output
    result = update(project, templates, "--yes")
    assert result.exit_code == 3
    assert f"conflicts to resolve (marked in the files, as git does):\n  - {SERVER}: 1 conflict(s)" in result.output


def test_dry_run_shows_the_diff_and_writes_nothing(added, templates):
    project, _ = added
    patch(
        templates / "ws/template/src/server.ts",
        "// runtime-agnostic modules",
        "// NEW LINE\n// runtime-agnostic modules",
    )
    before = fingerprint(project)
    short = update(project, templates, "--dry-run")
    assert short.exit_code == 0 and "+// NEW LINE" not in short.output and f"UPDATE  {SERVER}" in short.output
    result = update(project, templates, "--dry-run", "--diff")
    assert result.exit_code == 0, result.output
    assert "+// NEW LINE" in result.output and "Dry run: nothing was written." in result.output
    assert "+++ b/.afc/" not in result.output  # afc's own records (the base, the manifest): in the table only
    assert fingerprint(project) == before
    data = json.loads(update(project, templates, "--dry-run", "--json").stdout)
    assert {c["path"] for c in data["changes"]} == {SERVER, f".afc/base/{SERVER}.base", ".afc/manifest.toml"}
    assert data["conflicts"] == [] and data["dry_run"] is True


def test_the_same_template_is_nothing_to_do(added):
    project, _ = added
    before = fingerprint(project)
    result = afc("update", "websocket", "-C", str(project), "--yes")
    assert result.exit_code == 0 and "apps/ws is up to date with afc 0.1.0's template" in result.output
    assert fingerprint(project) == before


def test_web_helpers_are_updated_where_unchanged_and_reported_where_edited(added, templates):
    project, first = added
    helpers = project / "apps/web/src/lib/realtime"
    edit(
        project,
        "apps/web/src/lib/realtime/use-realtime.ts",
        "export function useRealtime(",
        "// mine\nexport function useRealtime(",
    )
    patch(templates / "web/broadcast.ts.jinja", "export function broadcast<", "// next afc\nexport function broadcast<")
    patch(
        templates / "web/use-realtime.ts.jinja",
        "export function useRealtime(",
        "// next afc\nexport function useRealtime(",
    )
    result = update(project, templates, "--yes")
    assert result.exit_code == 0, result.output
    assert "// next afc\nexport function broadcast<" in (helpers / "broadcast.ts").read_text()
    assert "1 web helper(s) updated" in result.output
    mine = (helpers / "use-realtime.ts").read_text()
    assert "// mine\n" in mine and "// next afc" not in mine
    assert "apps/web/src/lib/realtime/use-realtime.ts: changed since afc wrote it: left as you have it" in result.output
    commit_all(project, "update")
    status = json.loads(afc("status", "-C", str(project), "--json").stdout)["features"][0]
    assert status["modified"] == ["apps/web/src/lib/realtime/use-realtime.ts"]  # broadcast.ts: as afc wrote it
    assert remove_with(templates, project, "--yes", "--force").exit_code == 0
    assert without_git(fingerprint(project)) == first


def test_a_file_the_template_drops_goes_unless_you_changed_it(added, templates):
    project, first = added
    edit(project, "apps/ws/src/ratelog.ts", "\n", "\n// mine\n")
    (templates / "ws/template/src/ratelog.ts").unlink()
    (templates / "ws/template/src/proxy.ts").unlink()
    result = update(project, templates, "--yes")
    assert result.exit_code == 3
    assert (
        not (project / "apps/ws/src/proxy.ts").exists()
        and not (project / ".afc/base/apps/ws/src/proxy.ts.base").exists()
    )
    assert "// mine" in (project / "apps/ws/src/ratelog.ts").read_text()
    assert (
        "apps/ws/src/ratelog.ts: the template no longer has this file, and you changed it; kept yours" in result.output
    )
    commit_all(project, "update")
    assert remove_with(templates, project, "--yes", "--force").exit_code == 0
    assert without_git(fingerprint(project)) == first


def test_a_project_added_before_base_copies_updates_what_it_can(added, templates):
    """An afc that kept no base copy: unchanged files take the template's version; an edited one that the
    template changed too is kept and listed, since there is nothing to merge from."""
    project, first = added
    path = project / ".afc/manifest.toml"
    old = manifest.load(path.read_text())
    record = old.features["websocket"]
    record.files = {k: v for k, v in record.files.items() if not k.startswith(".afc/base/")}
    record.created_dirs = [d for d in record.created_dirs if not d.startswith(".afc/base")]
    record.service_dir = ""
    path.write_text(manifest.dump(old))
    shutil.rmtree(project / ".afc/base")
    edit(project, SERVER, HUB_IMPORT, HUB_IMPORT + "// mine\n", "old-style project, edited")
    patch(templates / "ws/template/src/server.ts", "// runtime-agnostic", "// next\n// runtime-agnostic")
    patch(templates / "ws/template/src/hub.ts", "\n", "\n// next\n")
    result = update(project, templates, "--yes")
    assert result.exit_code == 3
    assert (
        f"{SERVER}: you changed it and the template changed it, with no intact copy of what afc wrote" in result.output
    )
    assert "// next\n" in (project / "apps/ws/src/hub.ts").read_text()
    assert (project / ".afc/base/apps/ws/src/hub.ts.base").is_file()  # the next update has a base
    commit_all(project, "update")
    status = json.loads(afc("status", "-C", str(project), "--json").stdout)["features"][0]
    assert status["modified"] == [SERVER] and status["missing"] == []  # hub.ts: the template's, as recorded
    assert remove_with(templates, project, "--yes", "--force").exit_code == 0
    assert without_git(fingerprint(project)) == first


@pytest.mark.parametrize(
    ("old", "new", "words", "line"),
    [
        ("ws_port: 4001", "ws_port: four", "answer ws_port: should be a whole number", 9),
        ("package_name: '@app/realtime'\n", "", "answer package_name: missing", None),
        ("ws_port: 4001", "ws_port: [4001", "apps/ws/.copier-answers.yml", None),
    ],
)
def test_a_broken_answers_file_is_bad_input_naming_it(added, old, new, words, line):
    project, _ = added
    edit(project, "apps/ws/.copier-answers.yml", old, new)
    before = fingerprint(project)
    result = afc("update", "websocket", "-C", str(project), "--yes", "--json")
    assert result.exit_code == 2 and "Traceback" not in result.output
    error = json.loads(result.stdout)
    assert words in f"{error['path']}: {error['error']}" and error["path"] == "apps/ws/.copier-answers.yml"
    if line:
        assert error["line"] == line
    assert fingerprint(project) == before


def test_update_without_add_is_bad_input(afc_project):
    result = afc("update", "websocket", "-C", str(afc_project))
    assert result.exit_code == 2 and "afc has not added websocket to this project" in result.output


def test_uncommitted_edits_in_the_service_are_refused_like_any_other(added, templates):
    project, _ = added
    patch(project / SERVER, HUB_IMPORT, HUB_IMPORT + "// not committed\n")
    patch(templates / "ws/template/src/server.ts", "// runtime-agnostic", "// next\n// runtime-agnostic")
    before = fingerprint(project)
    result = update(project, templates, "--yes")
    assert result.exit_code == 3 and "uncommitted changes" in result.output and SERVER in result.output
    assert fingerprint(project) == before


def test_a_base_copy_that_was_changed_is_not_merged_from(added, templates):
    project, _ = added
    edit(project, SERVER, HUB_IMPORT, HUB_IMPORT + "// mine\n")
    base = project / f".afc/base/{SERVER}.base"
    base.write_text(base.read_text().replace("// runtime-agnostic", "// tampered"))
    commit_all(project, "a changed base")
    patch(templates / "ws/template/src/server.ts", "// runtime-agnostic", "// next\n// runtime-agnostic")
    result = update(project, templates, "--yes")
    assert result.exit_code == 3 and "no intact copy of what afc wrote" in result.output
    assert "// next" not in (project / SERVER).read_text()


def test_a_file_you_deleted_stays_deleted_and_is_listed_when_the_template_changed_it(added, templates):
    project, first = added
    (project / "apps/ws/src/ratelog.ts").unlink()
    commit_all(project, "I do not want it")
    patch(templates / "ws/template/src/ratelog.ts", "\n", "\n// next\n")
    result = update(project, templates, "--yes")
    assert result.exit_code == 3, result.output
    assert "apps/ws/src/ratelog.ts: you deleted it, and the template changed it; left deleted" in result.output
    assert not (project / "apps/ws/src/ratelog.ts").exists()
    commit_all(project, "update")
    assert remove_with(templates, project, "--yes", "--force").exit_code == 0
    assert without_git(fingerprint(project)) == first
