"""Typed events end to end, as a developer using them sees it: each event's payload is typed from its table's
own row type (Drizzle's `$inferSelect`, Prisma's model), once, in `lib/realtime/events.ts` (and in each
`afc add event` hook); `broadcast()` checks what it sends and `useRealtime()` types what each handler gets,
under the one event name. Type-checked under the strictest tsconfig with typed database stubs: the right
fields compile, a wrong field fails on the server side and on the browser side."""

from pathlib import Path

from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.projects import make_project
from tests.support.typecheck import typecheck
from tests.support.write_projects import CHANGES_PROJECT, PRISMA_CHANGES_PROJECT

runner = CliRunner()

DRIZZLE_PROBE = """"use client";

import { useState } from "react";

import { broadcast } from "@/lib/realtime/broadcast";
import type { NoteChange } from "@/lib/realtime/events";
import { useMessageFlagged } from "@/lib/realtime/events/message-flagged";
import { useRealtime } from "@/lib/realtime/use-realtime";

export function send(change: NoteChange): void {
    const keys = { id: 1 };
    broadcast("note-created", { table: "notes", action: "created", keys, row: { SERVER: "hi" }, complete: false });
    broadcast("note-created", change);
    broadcast("cart-emptied", { anything: true }); // an event nobody typed carries anything
}

export default function Probe() {
    const [body, setBody] = useState("");
    useRealtime({
        "note-created": (change) => setBody(change.row?.CLIENT ?? ""),
        "todo-updated": (change) => setBody(String(change.row?.done)),
    });
    useMessageFlagged((change) => setBody(change.row?.body ?? ""));
    return body;
}
"""

PRISMA_PROBE = """"use client";

import { useState } from "react";

import { broadcast } from "@/lib/realtime/broadcast";
import { useRealtime } from "@/lib/realtime/use-realtime";

export function send(): void {
    const keys = { id: "p1" };
    broadcast("post-updated", { table: "post", action: "updated", keys, row: { SERVER: "" }, complete: false });
}

export default function Probe() {
    const [title, setTitle] = useState("");
    useRealtime({ "post-created": (change) => setTitle(change.row?.CLIENT ?? "") });
    return title;
}
"""


def _add(tmp_path: Path, files: dict[str, str]) -> Path:
    project = make_project(tmp_path / "p", files)
    added = runner.invoke(app, ["add", "websocket", "-C", str(project), "--yes"])
    assert added.exit_code == 0, added.output
    return project


def _check(project: Path, probe: str, fields: tuple[str, str], toolchain: Path, node: str, work: Path, also=()):
    server, client = fields
    (project / "apps/web/src/app/probe.tsx").write_text(probe.replace("SERVER", server).replace("CLIENT", client))
    return typecheck(project / "apps/web", toolchain, node, work, root=project, also=also)


def test_drizzle_events_are_typed_from_the_table_on_both_sides(tmp_path, web_toolchain, node):
    project = _add(tmp_path, CHANGES_PROJECT)
    events = (project / "apps/web/src/lib/realtime/events.ts").read_text()
    assert 'import type { messages, notes, todos } from "@typed/db";' in events  # as the writes import them
    assert "export type NoteChange = RealtimeChange<typeof notes.$inferSelect>;" in events
    assert '        "note-created": NoteChange;\n' in events and '        "todo-deleted": TodoChange;\n' in events
    route = "apps/web/src/app/api/messages/route.ts"
    flagged = runner.invoke(
        app, ["add", "event", "message-flagged", "--route", route, "-C", str(project), "--yes", "--allow-dirty"]
    )
    assert flagged.exit_code == 0, flagged.output
    hook = (project / "apps/web/src/lib/realtime/events/message-flagged.ts").read_text()
    assert "export type MessageFlaggedPayload = RealtimeChange<typeof messages.$inferSelect>;" in hook

    right = _check(project, DRIZZLE_PROBE, ("body", "body"), web_toolchain, node, tmp_path / "tc")
    assert right.returncode == 0, right.stdout + right.stderr
    wrong = _check(project, DRIZZLE_PROBE, ("bodyy", "bodyy"), web_toolchain, node, tmp_path / "tc-wrong")
    out = wrong.stdout + wrong.stderr
    assert "probe.tsx(12," in out and "'bodyy' does not exist in type 'RealtimeFields<Note>'" in out  # server
    assert "probe.tsx(20," in out and "Property 'bodyy' does not exist" in out  # browser


def test_prisma_events_are_typed_from_the_model_on_both_sides(tmp_path, web_toolchain, node):
    project = _add(tmp_path, PRISMA_CHANGES_PROJECT)
    events = (project / "apps/web/src/lib/realtime/events.ts").read_text()
    assert 'import type { Post, Tag } from "@prisma/client";' in events
    assert "export type PostChange = RealtimeChange<Post>;" in events
    also = ("packages/api",)  # its wired mutations are checked against the same types
    right = _check(project, PRISMA_PROBE, ("title", "title"), web_toolchain, node, tmp_path / "tc", also)
    assert right.returncode == 0, right.stdout + right.stderr
    wrong = _check(project, PRISMA_PROBE, ("titel", "titel"), web_toolchain, node, tmp_path / "tc-wrong", also)
    out = wrong.stdout + wrong.stderr
    assert "probe.tsx(10," in out and "'titel' does not exist in type 'RealtimeFields<Post>'" in out  # server
    assert "probe.tsx(15," in out and "Property 'titel' does not exist" in out  # browser
