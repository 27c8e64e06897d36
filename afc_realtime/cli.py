"""The command line: flags, confirmation, printing and exit codes. The work happens elsewhere."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable, Optional

import typer

from . import __version__
from .errors import AfcError, Conflict

app = typer.Typer(
    name="afc",
    help="Add realtime (WebSocket) to an AFC Stack monorepo, preview every change, and take it out again.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
add_app = typer.Typer(help="Add a feature to the project.", no_args_is_help=True)
remove_app = typer.Typer(help="Remove a feature from the project.", no_args_is_help=True)
app.add_typer(add_app, name="add")
app.add_typer(remove_app, name="remove")

ProjectOpt = typer.Option(Path("."), "-C", "--project", help="The monorepo root (default: the current folder).")
DryRunOpt = typer.Option(False, "--dry-run", help="Show exactly what would change, and change nothing.")
YesOpt = typer.Option(False, "-y", "--yes", help="Apply without asking (needed when not on a terminal).")
JsonOpt = typer.Option(False, "--json", help="Print the plan and result as JSON on stdout.")
ForceOpt = typer.Option(False, "--force", help="remove: go ahead even where files afc made were changed since.")
AddForceOpt = typer.Option(False, "--force", help="Accepted for symmetry with remove: add never overwrites a file, so nothing needs forcing.")
AllowDirtyOpt = typer.Option(False, "--allow-dirty", help="Edit files that have uncommitted changes in git.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"afc {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """afc: realtime for a full-stack JavaScript monorepo."""


def _console(json_mode: bool):
    from rich.console import Console

    return Console(stderr=json_mode, highlight=False, soft_wrap=True)


def _fail(error: AfcError, json_mode: bool) -> None:
    if json_mode:
        typer.echo(json.dumps({"error": error.message, "path": error.path, "line": error.line, "exit_code": error.exit_code}))
    from rich.markup import escape

    _console(True).print(f"[bold red]error:[/] {escape(str(error))}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(error.exit_code)


def _refuse_dirty(plan, allow_dirty: bool, dry_run: bool, console) -> None:
    from .gitstate import dirty_paths
    from .tree import Kind

    touched = [c.path for c in plan.changes if c.kind is not Kind.CREATE]
    dirty = dirty_paths(plan.tree.root, touched)
    if not dirty or allow_dirty:
        return
    if dry_run:
        console.print(f"\nNote: uncommitted changes in {', '.join(dirty)}; applying would need --allow-dirty.", markup=False)
        return
    raise Conflict("these files have uncommitted changes; commit or stash them first, or pass --allow-dirty", details=dirty)


def _run(build: Callable, project_dir: Path, dry_run: bool, yes: bool, json_mode: bool, allow_dirty: bool = False) -> None:
    """Plan, show, confirm, apply: the same steps for every command; only the flush depends on --dry-run."""
    from .apply import apply_changes
    from .lock import project_lock
    from .preview import as_data, renderables
    from .tree import Tree

    console = _console(json_mode)
    try:
        tree = Tree(project_dir)
        with project_lock(tree.root):
            plan = build(tree)
            if not json_mode:
                for item in renderables(plan):
                    console.print(item)
            if plan.empty:
                if json_mode:
                    typer.echo(json.dumps(as_data(plan, dry_run=dry_run, applied=False), indent=2))
                return
            _refuse_dirty(plan, allow_dirty, dry_run, console)
            if dry_run:
                if json_mode:
                    typer.echo(json.dumps(as_data(plan, dry_run=True, applied=False), indent=2))
                else:
                    console.print("\nDry run: nothing was written.")
                return
            if not yes:
                if not sys.stdin.isatty():
                    raise AfcError("not on a terminal, so afc cannot ask before changing files: pass --yes to apply, or --dry-run to preview")
                if not typer.confirm("\nApply these changes?", default=False):
                    console.print("Nothing was written.")
                    raise typer.Exit(1)
            apply_changes(tree, plan.changes, plan.prune_dirs)
    except AfcError as error:
        _fail(error, json_mode)
    if json_mode:
        typer.echo(json.dumps(as_data(plan, dry_run=False, applied=True), indent=2))
        return
    count = len(plan.changes)
    console.print(f"\n[green]Done.[/] {count} file{'s' if count != 1 else ''} changed.", markup=True)
    if plan.next_steps:
        console.print("\nNext steps:")
        for step in plan.next_steps:
            console.print(f"  {step}", markup=False)


@add_app.command("websocket")
def add_websocket(
    project: Path = ProjectOpt, dry_run: bool = DryRunOpt, yes: bool = YesOpt, json_: bool = JsonOpt, force: bool = AddForceOpt, allow_dirty: bool = AllowDirtyOpt
) -> None:
    """Render the realtime service into apps/ws and wire the web app, env, compose and turbo to it."""

    def build(tree):
        from .features.websocket import plan_add
        from .project import detect

        return plan_add(detect(tree), tree)

    _run(build, project, dry_run, yes, json_, allow_dirty)


@remove_app.command("websocket")
def remove_websocket(
    project: Path = ProjectOpt, dry_run: bool = DryRunOpt, yes: bool = YesOpt, json_: bool = JsonOpt, force: bool = ForceOpt, allow_dirty: bool = AllowDirtyOpt
) -> None:
    """Take the realtime integration out again: everything afc added, or a hand-wired one."""

    def build(tree):
        from .features.websocket import plan_remove
        from .project import detect

        return plan_remove(detect(tree), tree, force)

    _run(build, project, dry_run, yes, json_, allow_dirty)


@add_app.command("event")
def add_event(
    name: str = typer.Argument(..., help="kebab-case <resource>-<action>, e.g. user-updated (browsers get user:updated)"),
    route: str = typer.Option(..., "--route", help="the route file, relative to the project root"),
    method: str = typer.Option("POST", "--method", help="the handler that broadcasts: POST, PUT, PATCH or DELETE"),
    project: Path = ProjectOpt, dry_run: bool = DryRunOpt, yes: bool = YesOpt, json_: bool = JsonOpt, allow_dirty: bool = AllowDirtyOpt,
) -> None:
    """Wire one more event end to end: a broadcast in a route handler and a typed client hook."""

    def build(tree):
        from .features.event import plan_add
        from .project import detect

        return plan_add(detect(tree), tree, name, route, method)

    _run(build, project, dry_run, yes, json_, allow_dirty)


@remove_app.command("event")
def remove_event(
    name: str = typer.Argument(..., help="the event added with `afc add event`"),
    project: Path = ProjectOpt, dry_run: bool = DryRunOpt, yes: bool = YesOpt, json_: bool = JsonOpt, force: bool = ForceOpt, allow_dirty: bool = AllowDirtyOpt,
) -> None:
    """Take out one custom event: its broadcast line and its client hook."""

    def build(tree):
        from .features.event import plan_remove

        return plan_remove(tree, name, force)

    _run(build, project, dry_run, yes, json_, allow_dirty)


@app.command("status")
def status_command(project: Path = ProjectOpt, json_: bool = JsonOpt) -> None:
    """What afc has installed here, and what changed since it wrote it."""
    from dataclasses import asdict

    from .status import status
    from .tree import Tree

    try:
        reports = status(Tree(project))
    except AfcError as error:
        _fail(error, json_)
    if json_:
        typer.echo(json.dumps([{**asdict(r), "drifted": r.drifted} for r in reports], indent=2))
        return
    console = _console(False)
    if not reports:
        console.print("afc has installed nothing in this project.")
        return
    for report in reports:
        state = "[yellow]drifted[/]" if report.drifted else "[green]as afc wrote it[/]"
        console.print(f"[bold]{report.name}[/] (afc {report.afc_version}): {state}", markup=True)
        console.print(f"  events: {', '.join(report.events) or 'none'}", markup=False)
        console.print(f"  files: {report.files_ok} unchanged, {len(report.modified)} modified, {len(report.missing)} missing", markup=False)
        console.print(f"  insertions: {report.insertions_ok} in place, {len(report.insertions_gone)} gone", markup=False)
        for path in report.modified:
            console.print(f"    modified  {path}", markup=False)
        for path in report.missing:
            console.print(f"    missing   {path}", markup=False)
        for item in report.insertions_gone:
            console.print(f"    gone      {item}", markup=False)
