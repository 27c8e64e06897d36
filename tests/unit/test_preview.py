"""The plan as people read it: the summary, who receives each event, the places left alone grouped by
reason, one line per file (generated ones per new folder), diffs only with --diff; a short summary after
--yes that keeps every decision; prose wrapped between words; secrets masked."""

from __future__ import annotations

import re

from rich.console import Console

from afc_realtime import preview
from afc_realtime.edits.result import Level, Skip
from afc_realtime.features import websocket
from afc_realtime.plan import NextStep, Plan
from afc_realtime.project import detect
from afc_realtime.tree import Kind, Tree
from tests.support.projects import AFC_PROJECT

SECRET = "0123456789abcdef" * 4


def added(files=AFC_PROJECT) -> Plan:
    tree = Tree.in_memory({**files, ".env": files[".env"] + f"WS_EVENTS_SECRET={SECRET}\n"})
    return websocket.plan_add(detect(tree), tree)


def shown(items, width=100) -> str:
    console = Console(width=width, record=True, color_system=None)
    for item in items:
        console.print(item.text if isinstance(item, preview.Diff) else item, soft_wrap=isinstance(item, preview.Diff))
    return "\n".join(line.rstrip() for line in console.export_text().split("\n"))  # as the CLI prints it


def test_the_plan_reads_summary_events_skips_files_and_diffs_only_with_diff():
    plan = added()
    plan.note(Level.SKIP, "does not write to the database", "apps/web/src/app/api/upload/route.ts", 3)
    text = shown(preview.renderables(plan))
    order = ["afc add websocket", "Who receives each event", "Left alone", "Your files", "Files afc generates"]
    assert [text.index(h) for h in order] == sorted(text.index(h) for h in order)
    assert "UPDATE  apps/web/src/app/api/todos/route.ts" in text and "@@" not in text and "--- a/" not in text
    assert "Your files (7); --diff shows each change line by line:" in text
    with_diffs = shown(preview.renderables(plan, diff=True))
    assert text.index("Files afc generates") < with_diffs.index("--- a/turbo.json") and "--diff shows" not in with_diffs


def test_each_event_is_one_line_with_who_receives_it_and_why():
    text = shown(preview.renderables(added()))
    assert re.search(r"\n  todo-created -> public +apps/web/src/app/api/todos/route\.ts:\d+\n", text)
    assert "why: GET /api/todos (apps/web/src/app/api/todos/route.ts:4) serves `todos` rows to anyone" in text
    assert "public: every browser" in text
    verbose = shown(preview.renderables(added(), verbose=True))
    assert re.search(r"todo-created -> public +POST apps/web/src/app/api/todos/route\.ts:\d+\n", verbose)


def test_places_left_alone_are_one_line_per_reason_with_a_count():
    plan = added()
    for n in range(163):
        plan.skipped(Skip(f"apps/web/src/app/api/r{n}/route.ts", "does not write in its own body", 4, "POST"))
    plan.skipped(Skip("apps/web/src/app/login/page.tsx", "does not write in its own body", 9, "action login"))
    plan.skipped(Skip("apps/web/src/app/api/x/route.ts", "does not parse", 1))
    text = shown(preview.renderables(plan))
    assert "Left alone: 165 places, by reason; --verbose lists each:" in text
    assert re.search(r"\n  164  does not write in its own body\n +1  does not parse\n", text)
    assert "r17/route.ts" not in text and len(text.splitlines()) < 40
    verbose = shown(preview.renderables(plan, verbose=True))
    assert "apps/web/src/app/api/r17/route.ts:4 (POST)" in verbose
    assert "apps/web/src/app/login/page.tsx:9 (action login)" in verbose and "--verbose lists" not in verbose


def test_generated_files_are_one_line_per_new_folder_and_each_with_verbose():
    plan = added()
    service = [c for c in plan.changes if c.path.startswith("apps/ws/")]
    size = sum(len(c.after or b"") for c in service)
    text = shown(preview.renderables(plan))
    assert re.search(rf"CREATE  apps/ws/ +{len(service)} files, {preview.size_text(size)}\n", text)
    assert "apps/ws/src/server.ts" not in text and "--verbose lists each" in text
    # a file alone in its new folder is named, not its folder
    assert "apps/web/src/app/api/realtime/ticket/route.ts" in text
    verbose = shown(preview.renderables(plan, verbose=True))
    assert all(c.path in verbose for c in service) and "--verbose" not in verbose


def test_groups_are_the_highest_new_folder():
    groups = {g.label: g for g in preview.generated(added())}
    assert set(groups) == {
        "apps/ws/",
        "apps/web/src/lib/",
        ".afc/",
        "apps/web/src/app/api/realtime/ticket/route.ts",
    }
    assert all(g.kind is Kind.CREATE for g in groups.values())


def test_sizes():
    assert [preview.size_text(n) for n in (0, 1023, 1024, 9 * 1024 + 100, 52 * 1024)] == [
        "0 bytes",
        "1023 bytes",
        "1.0 KB",
        "9.1 KB",
        "52 KB",
    ]


def test_the_summary_after_yes_is_short_and_keeps_every_decision():
    plan = added()
    plan.note(Level.SKIP, "does not write to the database", "apps/web/src/app/api/upload/route.ts", 3)
    plan.note(Level.WARN, "read-only: applying would refuse until it is writable", ".env")
    choice = "chosen from 2 Next.js apps (apps/web, apps/docs): the only one where afc finds writes"
    plan.note(Level.INFO, choice, "apps/web")
    full, short = shown(preview.renderables(plan, diff=True)), shown(preview.summary(plan))
    assert len(short.splitlines()) <= 30 < len(full.splitlines()) // 2
    assert "edited 7 of your files" in short and "created apps/ws/ (" in short
    assert "Left alone: 1 place, by reason" in short and "upload" not in short  # counted, not listed
    assert "warn .env: read-only" in short  # a warning is shown in full
    assert "the only one where afc finds writes" in " ".join(short.split())  # which app, and why
    assert re.search(r"todo-created -> public ", short)  # who receives each event
    after_plan = shown(preview.summary(plan, plan_shown=True))  # the plan was just read: only what changed
    assert f"Done. {len(plan.changes)} files changed:" in after_plan and plan.summary[:30] not in after_plan
    assert "Left alone" not in after_plan and "edited 7 of your files" in after_plan
    assert "@@" not in short


def test_prose_wraps_between_words_at_the_terminals_width():
    plan = added()
    for items in (preview.renderables(plan), preview.summary(plan), preview.next_steps(plan)):
        text = shown([i for i in items if not isinstance(i, preview.Diff)], width=60)
        assert max(len(line) for line in text.splitlines()) <= 60
    words = plan.summary.split()
    text = shown(preview.summary(plan), width=60)
    # every word of the summary is whole on some line: no word broken in two
    lines = text.splitlines()
    assert all(any(w in line.split() for line in lines) for w in words)


def test_next_steps_show_the_command_and_why():
    plan = Plan("add websocket", Tree.in_memory({}))
    plan.next_steps = [NextStep("bun install", "installs", install=True), NextStep(None, "open two tabs")]
    text = shown(preview.next_steps(plan))
    assert "1.  bun install" in text and "installs" in text and "2.  open two tabs" in text
    assert "bun install" not in shown(preview.next_steps(plan, skip_install=True))
    assert preview.next_steps(Plan("x", Tree.in_memory({}))) == []


def test_secrets_are_masked_in_every_view():
    plan = added()
    for items in (preview.renderables(plan, diff=True), preview.renderables(plan, verbose=True), preview.summary(plan)):
        assert SECRET not in shown(items)
    assert SECRET not in str(preview.as_data(plan, dry_run=True, applied=False))
