"""Every sentence true: each shape of message afc prints, against the project that produces it. Counts are
checked against the list they describe; piped output has no trailing blanks."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support import real_projects as shapes
from tests.support.monorepo import FIVE_APPS, LIBRARIES
from tests.support.projects import AFC_PROJECT, HANDWIRED_PROJECT, make_project
from tests.support.write_projects import ROUTES_PROJECT

runner = CliRunner()


def afc(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.output


def plan_of(project, *args: str) -> dict:
    result = runner.invoke(app, ["add", "websocket", "-C", str(project), "--dry-run", "--json", *args])
    return json.loads(result.stdout)


def test_the_ticket_route_says_which_auth_it_asks_or_that_there_is_none(tmp_path):
    with_auth = plan_of(make_project(tmp_path / "auth", ROUTES_PROJECT))["summary"]
    assert "a ticket route that asks Auth.js (`auth()` from apps/web/src/auth.ts) who the browser is" in with_auth
    without = plan_of(make_project(tmp_path / "none", AFC_PROJECT))["summary"]
    assert "a ticket route that lets every browser join `public` only (no authentication found)" in without
    assert "for no authentication" not in without


def test_the_service_folder_reads_as_a_folder_for_a_single_app(tmp_path):
    summary = plan_of(make_project(tmp_path / "single", shapes.SINGLE_NPM))["summary"]
    assert summary.startswith("Adds the realtime service in realtime/, the web helpers in src/lib/realtime/ and ")


def test_the_events_are_counted_from_the_list_and_none_says_why_without_pointing_below(tmp_path):
    wired = plan_of(make_project(tmp_path / "routes", ROUTES_PROJECT))
    events = sorted({b["event"] for b in wired["broadcasts"] if b["wired"]})
    named = f": {', '.join(events)}" if len(events) <= 2 else ""  # more are listed below, with their audience
    assert f"wires {len(events)} events{named}." in wired["summary"]
    no_route = {k: v for k, v in AFC_PROJECT.items() if k != "apps/web/src/app/api/todos/route.ts"}
    nothing = plan_of(make_project(tmp_path / "nothing", no_route))["summary"]
    assert nothing.endswith("wires no event: afc found no write to the database that it recognises.")
    left = plan_of(make_project(tmp_path / "left", AFC_PROJECT), "--no-public")
    assert left["summary"].endswith("wires no event: afc found 1 write and broadcasts none of them.")
    assert "see below" not in nothing + left["summary"]
    # and no step promises a change that shows live
    steps = " ".join(s["why"] for s in left["next_steps"])
    assert "afc wired no event, so nothing shows live yet" in steps and "two browser tabs" not in steps
    assert "two browser tabs" in " ".join(s["why"] for s in wired["next_steps"])


def test_remove_counts_the_files_it_lists(tmp_path):
    project = make_project(tmp_path / "p", AFC_PROJECT)
    afc("add", "websocket", "-C", str(project), "--yes")
    (project / "apps/ws/node_modules/fastify").mkdir(parents=True)
    text = afc("remove", "websocket", "-C", str(project), "--dry-run", "--verbose")
    deleted = len(re.findall(r"^  DELETE  ", text, re.MULTILINE))
    edited = len(re.findall(r"^  UPDATE  ", text, re.MULTILINE))
    assert f"Deletes {deleted} files afc generated and takes out " in text
    assert re.search(rf"insertions it made in {edited} files of yours\.", text)
    assert f"Files afc deletes ({deleted} files" in text
    # the leftover goes with the folder: a fact, not something "left alone"
    assert "apps/ws/node_modules/: installed dependencies or build output; deleted with the folder" in text
    assert "left alone" not in text.lower()
    done = afc("remove", "websocket", "-C", str(project), "--yes")
    assert "deleted with the folder" in done and "left alone" not in done.lower()
    assert f"Done. {deleted + edited} files changed:" in done


def test_a_hand_wired_removal_counts_what_it_found(tmp_path):
    project = make_project(tmp_path / "wired", HANDWIRED_PROJECT)
    text = afc("remove", "websocket", "-C", str(project), "--dry-run", "--verbose")
    deleted = len(re.findall(r"^  DELETE  ", text, re.MULTILINE))
    edited = len(re.findall(r"^  UPDATE  ", text, re.MULTILINE))
    assert f"deletes {deleted} files of its service and takes its lines out of {edited} files of yours." in text


def test_the_app_choice_names_apps_only_and_is_kept_under_yes(tmp_path):
    project = make_project(tmp_path / "five", FIVE_APPS)
    text = afc("add", "websocket", "-C", str(project), "--yes")
    assert (
        "apps/app: chosen from 5 Next.js apps (apps/web, apps/admin, apps/app, apps/docs, apps/studio): "
        "the only one where afc finds writes to the database; --app chooses another"
    ) in text
    assert not any(library in text for library in LIBRARIES)
    assert "todo-created -> public" in text  # who receives each event, under --yes too


def test_app_on_a_missing_folder_says_it_does_not_exist(tmp_path):
    project = make_project(tmp_path / "two", shapes.SEVERAL_APPS)
    result = runner.invoke(app, ["add", "websocket", "-C", str(project), "--dry-run", "--app", "apps/nope"])
    assert result.exit_code == 2
    assert "--app apps/nope: no such folder in the project; the Next.js apps here: apps/web, apps/app" in " ".join(
        result.output.split()
    )
    assert "package.json" not in result.output


def test_places_left_alone_are_grouped_with_a_count_under_yes_and_listed_with_verbose(tmp_path):
    project = make_project(tmp_path / "routes", ROUTES_PROJECT)
    data = plan_of(project)
    decided = {(b["path"], b["line"]) for b in data["broadcasts"] if b["wired"] or b["left"] == "policy"}
    skips = [n for n in data["notes"] if n["level"] == "skip" and (n["path"], n["line"]) not in decided]
    assert len(skips) >= 1  # a handler that writes in no body of its own (a write that keeps no row is a change now)
    text = afc("add", "websocket", "-C", str(project), "--dry-run")
    assert re.search(r"\n  user-created +-> nobody", text)  # the credentials table: a decision, among the events
    places = "1 place" if len(skips) == 1 else f"{len(skips)} places"
    assert f"Left alone: {places}, by reason; --verbose lists each:" in text
    counted = [int(n) for n in re.findall(r"^ +(\d+)  \S", text.split("Left alone")[1], re.MULTILINE)]
    assert sum(counted) == len(skips)
    verbose = afc("add", "websocket", "-C", str(project), "--dry-run", "--verbose")
    assert all(f"{n['path']}:{n['line']}" in verbose for n in skips)


def test_piped_output_has_no_trailing_blanks(tmp_path):
    """Through a real pipe: rich pads tables and indented text to the width; afc strips it off."""
    project = make_project(tmp_path / "p", AFC_PROJECT)

    def piped(*args: str) -> str:
        command = [sys.executable, "-m", "afc_realtime", *args, "-C", str(project)]
        done = subprocess.run(command, capture_output=True, text=True, env={"COLUMNS": "80", "PATH": ""})
        return done.stdout + done.stderr

    outputs = [
        piped("add", "websocket", "--dry-run"),
        piped("add", "websocket", "--dry-run", "--verbose", "--diff"),
        piped("add", "websocket", "--dry-run", "--app", "apps/nope"),
        piped("add", "websocket", "--yes"),
        piped("remove", "websocket", "--dry-run"),
    ]
    assert "Dry run: nothing was written." in outputs[0] and "Done." in outputs[3]
    for output in outputs:
        padded = [line for line in output.splitlines() if line != line.rstrip()]
        assert padded == [], padded


def test_add_event_says_who_receives_it_and_names_no_flag_it_does_not_have(tmp_path):
    project = make_project(tmp_path / "p", AFC_PROJECT)
    afc("add", "websocket", "-C", str(project), "--yes")
    route = "apps/web/src/app/api/todos/route.ts"
    text = afc("add", "event", "todo-archived", "--route", route, "-C", str(project), "--dry-run")
    assert re.search(rf"todo-archived -> public +{re.escape(route)}:\d+", text)
    assert "serves `todos` rows to anyone signed out" in " ".join(text.split()) and "--no-public" not in text
