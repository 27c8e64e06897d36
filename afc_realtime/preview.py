"""A plan as rich renderables for people, or as plain data for machines. Nothing here prints."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from .decisions import events, left_alone, reasons, said_in_full
from .edits.result import Level
from .plan import Broadcast, Note, Plan
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
        return sum(len((c.before if c.kind is Kind.DELETE else c.after) or b"") for c in self.changes)

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


def renderables(plan: Plan, verbose: bool = False, diff: bool = False) -> list[Any]:
    """The plan for people, short enough to read before the question: the summary, what afc wants you to
    know, who receives each event, the places it left alone (grouped by reason), one line per file; each
    write, place and generated file with `verbose`; the diffs of your files with `diff`."""
    from rich.text import Text

    out: list[Any] = [Text(f"afc {plan.command}", style="bold"), Text(plan.summary)]
    out += decisions(plan, verbose)
    out += _files(plan, verbose, diff)
    if diff:
        for change in yours(plan):
            out += [Text(""), Diff(_diff_text(unified_diff(change)))]
    return out


def decisions(plan: Plan, verbose: bool = False) -> list[Any]:
    """Warnings and facts in full, who receives each event, and what afc left alone, grouped by reason."""
    from rich.table import Table
    from rich.text import Text

    out: list[Any] = []
    full = said_in_full(plan)
    if full:
        out.append(Text(""))
        out += [_note_text(n) for n in full]
    found = events(plan)
    if found:
        out += [Text(""), Text("Who receives each event (decided from your schema):", style="bold")]
        rows = []
        for event in found:
            style = {"public": "yellow", "nobody": "cyan"}.get(event.audience, "green")
            single = verbose and len(event.writes) == 1
            where = [_located(event.writes[0]) if single else event.where]
            where += [_located(w) for w in event.writes] if verbose and not single else []
            rows.append((event.name, Text(event.audience, style=style), where))
        table: Any = EventRows(rows)
        out.append(_indented(table))
        for reason in reasons(plan):
            out.append(_indented(Text(f"why: {reason}", style="dim")))
        if any(e.audience == "public" for e in found):
            out.append(_indented(Text("public: every browser that opens the app, signed in or not", style="dim")))
    groups = left_alone(plan)
    if groups:
        count = sum(len(g.notes) for g in groups)
        hint = "" if verbose else "; --verbose lists each"
        out += [Text(""), Text(f"Left alone: {_counted(count, 'place')}, by reason{hint}:", style="bold")]
        table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 0))
        table.add_column("count", justify="right", no_wrap=True)
        table.add_column("reason")
        for group in groups:
            table.add_row(str(len(group.notes)), Text(group.reason, style=LEVEL_STYLE[Level.SKIP]))
            for note in group.notes if verbose else ():
                subject = note.message.removesuffix(note.reason).removesuffix(": ") if note.reason else ""
                detail = note.why.removeprefix(group.reason).removeprefix("; ")  # what it calls, for instance
                text = note.where() + (f" ({subject})" if subject else "") + (f": {detail}" if detail else "")
                table.add_row("", Text(text, style="dim"))
        out.append(_indented(table))
    return out


def _located(write: Broadcast) -> str:
    """`POST apps/web/.../route.ts:27`, and the entry points that reach a write in a called function."""
    others = [
        f"{handler} ({path})" for path, handler in write.entries if (path, handler) != (write.path, write.handler)
    ]
    return f"{write.handler} {write.path}:{write.line}" + (f", reached from {', '.join(others)}" if others else "")


def _files(plan: Plan, verbose: bool, diff: bool = False) -> list[Any]:
    """One line per file of yours afc edits, with its line counts; one per folder afc generates."""
    from rich.table import Table
    from rich.text import Text

    out: list[Any] = []
    mine = yours(plan)
    if mine:
        hint = "" if diff else "; --diff shows each change line by line"
        out += [Text(""), Text(f"Your files ({len(mine)}){hint}:", style="bold")]
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column("action", no_wrap=True)
        table.add_column("path", overflow="fold")
        table.add_column("change", justify="right", no_wrap=True)
        for change in mine:
            table.add_row(_row_text(change.kind), Text(change.path), _counts(change))
        out.append(_indented(table))
    groups = generated(plan)
    if groups:
        count = sum(len(g.changes) for g in groups)
        kinds = {g.kind for g in groups}
        verb = "afc generates" if Kind.CREATE in kinds else "afc deletes" if Kind.DELETE in kinds else "afc updates"
        heading = f"Files {verb} ({_counted(count, 'file')}, {size_text(sum(g.size for g in groups))})"
        hint = "" if verbose or all(g.folder is None for g in groups) else "; --verbose lists each"
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
    return out


def _note_text(note: Note) -> Any:
    from rich.text import Text

    where = f"{note.where()}: " if note.where() else ""
    label = "" if note.level is Level.INFO else f"{note.level.value:<4} "  # a fact needs no label; a warning does
    return _indented(Text(f"{label}{where}{note.message}", style=LEVEL_STYLE[note.level]))


def _indented(renderable: Any) -> Any:
    """Two spaces to the left of every line, wrapped ones included."""
    from rich.padding import Padding

    return Padding(renderable, (0, 0, 0, 2), expand=False)


def summary(plan: Plan, plan_shown: bool = False) -> list[Any]:
    """After applying: what was done in a few lines. After `--yes` (nothing shown before) it leads with the
    command, its summary and its decisions (which app, who receives each event, what was left alone and
    why); after a plan the user has just read, only what changed."""
    from rich.text import Text

    count = len(plan.changes)
    done = Text.assemble(("Done. ", "green"), f"{_counted(count, 'file')} changed:")
    out: list[Any] = [] if plan_shown else [Text(f"afc {plan.command}", style="bold"), Text(plan.summary)]
    if not plan_shown:
        out += decisions(plan)
    out += [Text(""), done]
    mine = yours(plan)
    if mine:
        edited = f"edited {len(mine)} of your files" if len(mine) != 1 else "edited 1 of your files"
        out.append(_indented(Text(f"{edited}: {', '.join(c.path for c in mine)}")))
    for group in generated(plan):
        verb = {Kind.CREATE: "created", Kind.DELETE: "deleted", Kind.UPDATE: "updated"}[group.kind]
        what = _counted(len(group.changes), "file") if group.folder else size_text(group.size)
        out.append(_indented(Text(f"{verb} {group.label} ({what})")))
    return out


def next_steps(plan: Plan, skip_install: bool = False) -> list[Any]:
    """The next steps as a two-column grid, the command and why, wrapped to the terminal (the first a `cd`
    to the project when afc ran elsewhere: `nextsteps.entering`)."""
    from rich.table import Table
    from rich.text import Text

    steps = [s for s in plan.next_steps if not (skip_install and s.install)]
    if not steps:
        return []
    table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1))
    table.add_column("n", no_wrap=True, justify="right")
    table.add_column("step", overflow="fold")  # a command longer than the line is folded, never cut short
    for number, step in enumerate(steps, 1):
        text = Text()
        if step.command:
            text.append(step.command, style="bold")
            text.append("\n")
        text.append(step.why, style="dim" if step.command else "")
        table.add_row(f"{number}.", text)
    return [Text(""), Text("Next steps:", style="bold"), _indented(table)]


class EventRows:
    """Events as `name -> audience  where` rows; where a location does not fit the width, every location
    goes on a line of its own below its event, so no path is broken in two."""

    def __init__(self, rows: list[tuple[str, Any, list[str]]]):
        self.rows = rows

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.table import Table
        from rich.text import Text

        names = max(len(name) for name, _, _ in self.rows)
        tos = max(len(to.plain) for _, to, _ in self.rows)
        fits = all(names + tos + 5 + len(w) <= options.max_width for _, _, where in self.rows for w in where)
        if not fits:
            for name, to, where in self.rows:
                yield Text.assemble(name.ljust(names), " -> ", to)
                for line in where:
                    yield Text(f"    {line}", style="dim", overflow="fold")
            return
        table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1, 0, 0))
        for column in ("event", "arrow", "to", "where"):
            table.add_column(column, no_wrap=True)
        for name, to, where in self.rows:
            table.add_row(name, "->", to, Text(where[0], style="dim"))
            for more in where[1:]:
                table.add_row("", "", "", Text(more, style="dim"))
        yield table


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
                "left": b.left,
            }
            for b in plan.broadcasts
        ],
        "notes": [_note(n) for n in plan.notes],
        "next_steps": [{"command": s.command, "why": s.why} for s in plan.next_steps],
    }


def _note(note: Note) -> dict[str, object]:
    """A note as JSON; an entry point that reaches no write also says why as data (`unreached`): `cause` is
    `no-write` (afc followed `followed` functions of the project and none writes) or `unfollowed` (it calls
    what afc could not follow, listed)."""
    out: dict[str, object] = {"level": note.level.value, "path": note.path, "line": note.line, "message": note.message}
    if note.unreached is not None:
        u = note.unreached
        out["unreached"] = {
            "cause": u.cause,
            "followed": u.followed,
            "unfollowed": list(u.unfollowed),
            "packages": list(u.packages),
        }
    return out
