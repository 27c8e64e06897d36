"""A plan as rich renderables for people, or as plain data for machines. Nothing here prints."""

from __future__ import annotations

import difflib
from typing import Any

from .edits.result import Level
from .plan import Plan
from .redact import mask_diff
from .tree import Change, Kind

STYLE = {Kind.CREATE: "green", Kind.UPDATE: "yellow", Kind.DELETE: "red"}
LEVEL_STYLE = {Level.SKIP: "cyan", Level.WARN: "bold yellow", Level.INFO: "dim"}


def _text(data: bytes | None) -> str:
    return "" if data is None else data.decode("utf-8", errors="replace")


def unified_diff(change: Change) -> str:
    before = _text(change.before).replace("\r\n", "\n").splitlines(keepends=True)
    after = _text(change.after).replace("\r\n", "\n").splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, f"a/{change.path}", f"b/{change.path}", n=2)
    diff = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return mask_diff(change.path, diff)


def _counts(change: Change) -> str:
    if change.kind is Kind.CREATE:
        return f"{len(change.after or b'')} bytes"
    if change.kind is Kind.DELETE:
        return f"{len(change.before or b'')} bytes"
    added = removed = 0
    for line in unified_diff(change).splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return f"+{added} -{removed}"


def _diff_text(diff: str) -> Any:
    """A unified diff as rich Text, one colour per kind of line, never cropped."""
    from rich.text import Text

    out = Text()
    for line in diff.splitlines(keepends=True):
        style = (
            "bold"
            if line.startswith(("+++", "---"))
            else "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@@")
            else ""
        )
        out.append(line, style=style)
    return out


def renderables(plan: Plan) -> list[Any]:
    from rich.table import Table
    from rich.text import Text

    out: list[Any] = [Text(f"afc {plan.command}", style="bold"), Text(plan.summary)]
    if plan.changes:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("action")
        table.add_column("path")
        table.add_column("change", justify="right")
        for change in plan.changes:
            table.add_row(Text(change.kind.value.upper(), style=STYLE[change.kind]), Text(change.path), _counts(change))
        out += [Text(""), table]
    for change in plan.changes:
        if change.kind is Kind.UPDATE and not change.path.startswith(".afc/"):  # afc's own records: table only
            out += [Text(""), _diff_text(unified_diff(change))]
    if plan.broadcasts:
        out.append(Text("\nWho receives each write (from your schema; nothing is sent where afc cannot tell):"))
        for item in plan.broadcasts:
            where = f"{item.path}:{item.line}"
            public = item.wired and item.audience == "public"
            to = "public (every browser)" if public else item.audience
            style = "yellow" if public else "green" if item.wired else "cyan"
            out.append(Text(f"  {item.handler} {where}: {item.event} -> {to}: {item.reason}", style=style))
    if plan.notes:
        out.append(
            Text("\nLeft alone, with the reason:" if any(n.level is Level.SKIP for n in plan.notes) else "\nNotes:")
        )
        for note in plan.notes:
            where = f"{note.where()}: " if note.where() else ""
            out.append(Text(f"  {note.level.value:<4} {where}{note.message}", style=LEVEL_STYLE[note.level]))
    return out


def as_data(plan: Plan, *, dry_run: bool, applied: bool) -> dict[str, Any]:
    return {
        "command": plan.command,
        "summary": plan.summary,
        "dry_run": dry_run,
        "applied": applied,
        "changes": [
            {
                "action": c.kind.value,
                "path": c.path,
                "bytes_before": None if c.before is None else len(c.before),
                "bytes_after": None if c.after is None else len(c.after),
                **({"diff": unified_diff(c)} if c.kind is Kind.UPDATE else {}),
            }
            for c in plan.changes
        ],
        "broadcasts": [
            {
                "path": b.path,
                "line": b.line,
                "handler": b.handler,
                "event": b.event,
                "wired": b.wired,
                "to": b.audience,
                "reason": b.reason,
            }
            for b in plan.broadcasts
        ],
        "notes": [{"level": n.level.value, "path": n.path, "line": n.line, "message": n.message} for n in plan.notes],
        "next_steps": plan.next_steps,
    }
