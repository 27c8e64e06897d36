"""A plan as rich renderables for people, or as plain data for machines. Nothing here prints."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from .edits.result import Level
from .plan import Note, Plan
from .redact import mask_diff
from .tree import Change, Kind

STYLE = {Kind.CREATE: "green", Kind.UPDATE: "yellow", Kind.DELETE: "red"}
SCHEMA_VERSION = 1  # of every JSON output (schemas/*.json); raised when a field changes meaning or goes
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
        return size_text(len(change.after or b""))
    if change.kind is Kind.DELETE:
        return size_text(len(change.before or b""))
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


@dataclass(frozen=True)
class Group:
    """Files afc generates or deletes, shown as one line per folder it makes or takes away."""

    kind: Kind
    folder: str | None  # None: a file on its own
    changes: tuple[Change, ...]

    @property
    def size(self) -> int:
        return sum(len((c.after if c.kind is Kind.CREATE else c.before) or b"") for c in self.changes)

    @property
    def label(self) -> str:
        return f"{self.folder}/" if self.folder else self.changes[0].path


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.0f} KB" if size >= 10 * 1024 else f"{size / 1024:.1f} KB"


AFC_DIR = ".afc/"  # afc's own records (the manifest, update's base copies): listed, never diffed


def yours(plan: Plan) -> list[Change]:
    """The user's own files that afc edits: shown first, with their diffs."""
    return [c for c in plan.changes if c.kind is Kind.UPDATE and not c.path.startswith(AFC_DIR)]


def generated(plan: Plan) -> list[Group]:
    """Files afc creates (or deletes on remove), grouped by the highest folder that is new with them (or that
    goes with them): `apps/ws/  22 files, 160 KB`."""
    gone = set(plan.prune_dirs)
    groups: dict[tuple[Kind, str], list[Change]] = {}
    mine = {c.path for c in yours(plan)}
    for change in plan.changes:
        if change.path in mine:
            continue
        folder = ".afc" if change.kind is Kind.UPDATE else _new_folder(plan, change, gone)
        groups.setdefault((change.kind, folder or change.path), []).append(change)
    out = []
    for (kind, key), changes in groups.items():
        folder = key if changes[0].path != key and len(changes) > 1 else None
        out.append(Group(kind, folder, tuple(changes)))
    return sorted(out, key=lambda g: (g.folder is None, -len(g.changes), g.label))


def _new_folder(plan: Plan, change: Change, gone: set[str]) -> str | None:
    parents = list(reversed(PurePosixPath(change.path).parents))[1:]  # shallowest first, "." left out
    for parent in parents:
        folder = parent.as_posix()
        if change.kind is Kind.CREATE and not plan.tree.is_dir(folder):
            return folder
        if change.kind is Kind.DELETE and folder in gone:
            return folder
    return None


def _counted(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def _row_text(kind: Kind) -> Any:
    from rich.text import Text

    return Text(kind.value.upper(), style=STYLE[kind])


def renderables(plan: Plan, verbose: bool = False) -> list[Any]:
    """The plan for people: the user's own files and their diffs first, then what afc generates (one line per
    new folder; every file with `verbose`), then who receives each write and what was left alone."""
    from rich.table import Table
    from rich.text import Text

    out: list[Any] = [Text(f"afc {plan.command}", style="bold"), Text(plan.summary)]
    mine = yours(plan)
    if mine:
        out += [Text(""), Text(f"Your files ({len(mine)}), and what changes in each:", style="bold")]
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column("action", no_wrap=True)
        table.add_column("path", overflow="fold")
        table.add_column("change", justify="right", no_wrap=True)
        for change in mine:
            table.add_row(_row_text(change.kind), Text(change.path), _counts(change))
        out.append(_indented(table))
        for change in mine:
            out += [Text(""), Diff(_diff_text(unified_diff(change)))]
    groups = generated(plan)
    if groups:
        count = sum(len(g.changes) for g in groups)
        kinds = {g.kind for g in groups}
        verb = "afc generates" if Kind.CREATE in kinds else "afc deletes" if Kind.DELETE in kinds else "afc updates"
        heading = f"Files {verb} ({_counted(count, 'file')}, {size_text(sum(g.size for g in groups))})"
        hint = "" if verbose else "; --verbose lists each"
        out += [Text(""), Text(heading + hint + ":", style="bold")]
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column("action", no_wrap=True)
        table.add_column("path", overflow="fold")
        table.add_column("size", justify="right", no_wrap=True)
        for group in groups:
            if verbose or group.folder is None:
                for change in group.changes:
                    table.add_row(_row_text(change.kind), Text(change.path), _counts(change))
            else:
                table.add_row(
                    _row_text(group.kind),
                    Text(group.label),
                    f"{_counted(len(group.changes), 'file')}, {size_text(group.size)}",
                )
        out.append(_indented(table))
    if plan.broadcasts:
        out.append(Text("\nWho receives each write (from your schema; nothing is sent where afc cannot tell):"))
        for item in plan.broadcasts:
            where = f"{item.path}:{item.line}"
            public = item.wired and item.audience == "public"
            to = "public (every browser)" if public else item.audience
            style = "yellow" if public else "green" if item.wired else "cyan"
            out.append(_indented(Text(f"{item.handler} {where}: {item.event} -> {to}: {item.reason}", style=style)))
            if any((path, handler) != (item.path, item.handler) for path, handler in item.entries):
                reached = ", ".join(f"{handler} ({path})" for path, handler in item.entries)
                out.append(_indented(Text(f"  reached from {reached}", style="dim")))
    if plan.notes:
        out.append(
            Text("\nLeft alone, with the reason:" if any(n.level is Level.SKIP for n in plan.notes) else "\nNotes:")
        )
        for note in plan.notes:
            out.append(_note_text(note))
    return out


def _note_text(note: Note) -> Any:
    from rich.text import Text

    where = f"{note.where()}: " if note.where() else ""
    return _indented(Text(f"{note.level.value:<4} {where}{note.message}", style=LEVEL_STYLE[note.level]))


def _indented(renderable: Any) -> Any:
    """Two spaces to the left of every line, wrapped ones included."""
    from rich.padding import Padding

    return Padding(renderable, (0, 0, 0, 2), expand=False)


def summary(plan: Plan, plan_shown: bool = False) -> list[Any]:
    """After applying: what was done in a few lines. After `--yes` (nothing shown before) it leads with the
    command and its summary, shows warnings in full and counts the notes; after a plan the user has just
    read, only what changed."""
    from rich.text import Text

    count = len(plan.changes)
    done = Text.assemble(("Done. ", "green"), f"{_counted(count, 'file')} changed:")
    out: list[Any] = [] if plan_shown else [Text(f"afc {plan.command}", style="bold"), Text(plan.summary)]
    out += [Text(""), done]
    mine = yours(plan)
    if mine:
        edited = f"edited {len(mine)} of your files" if len(mine) != 1 else "edited 1 of your files"
        out.append(_indented(Text(f"{edited}: {', '.join(c.path for c in mine)}")))
    for group in generated(plan):
        verb = {Kind.CREATE: "created", Kind.DELETE: "deleted", Kind.UPDATE: "updated"}[group.kind]
        what = _counted(len(group.changes), "file") if group.folder else size_text(group.size)
        out.append(_indented(Text(f"{verb} {group.label} ({what})")))
    if plan_shown:
        return out
    warnings = [n for n in plan.notes if n.level is Level.WARN]
    others = len(plan.notes) - len(warnings)
    out += [_note_text(n) for n in warnings]
    if others:
        out.append(_indented(Text(f"{_counted(others, 'note')} on what afc left alone, and why: --verbose shows them")))
    return out


def next_steps(plan: Plan, skip_install: bool = False, root: str | None = None) -> list[Any]:
    """The next steps as a two-column grid, the command and why, wrapped to the terminal; `root` names the
    folder to run them in, when afc was run elsewhere (the root found upward)."""
    from rich.table import Table
    from rich.text import Text

    steps = [s for s in plan.next_steps if not (skip_install and s.install)]
    if not steps:
        return []
    table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1))
    table.add_column("n", no_wrap=True, justify="right")
    table.add_column("step")
    for number, step in enumerate(steps, 1):
        text = Text()
        if step.command:
            text.append(step.command, style="bold")
            text.append("\n")
        text.append(step.why, style="dim" if step.command else "")
        table.add_row(f"{number}.", text)
    heading = f"Next steps, in {root}:" if root else "Next steps:"
    return [Text(""), Text(heading, style="bold"), _indented(table)]


class Diff:
    """A diff: printed as it is, never wrapped or cropped, so it can be copied."""

    def __init__(self, text: Any):
        self.text = text


def as_data(plan: Plan, *, dry_run: bool, applied: bool) -> dict[str, Any]:
    """The plan (or, applied, the result) as JSON data: the contract in schemas/plan.json and result.json."""
    return {
        "schema_version": SCHEMA_VERSION,
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
                "entries": [{"path": path, "handler": handler} for path, handler in b.entries],
            }
            for b in plan.broadcasts
        ],
        "notes": [{"level": n.level.value, "path": n.path, "line": n.line, "message": n.message} for n in plan.notes],
        "next_steps": [{"command": s.command, "why": s.why} for s in plan.next_steps],
    }
