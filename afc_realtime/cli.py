"""The command line: flags, confirmation, printing and exit codes. The work happens elsewhere."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
import typer.core

from . import __version__
from .errors import EXIT_CONFLICT, AfcError, BadInput, Conflict, InstallFailed, Internal

# Everything else is imported inside the command that needs it: `afc --help` and shell completion start
# a Python process on every keystroke, and copier, ruamel.yaml and ast-grep cost most of a second to import.
if TYPE_CHECKING:
    from rich.console import Console

    from .install import Ran
    from .plan import Plan
    from .project import Project
    from .status import FeatureStatus
    from .tree import Tree


class _InOrderOfUse(typer.core.TyperGroup):
    """The top-level help lists commands in the order they are used, not by name or by kind; a usage error
    (`--port abc`, an unknown flag) is an error object on stdout under `--json`, as every other failure is."""

    ORDER = ("add", "sync", "status", "update", "remove")

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(self.commands)
        return sorted(names, key=lambda n: self.ORDER.index(n) if n in self.ORDER else len(self.ORDER))

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        with _usage_errors_as_json(args):
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        args = [*ctx._protected_args, *ctx.args]
        with _usage_errors_as_json(args), _unexpected_errors_reported(args):
            return super().invoke(ctx)


@contextmanager
def _usage_errors_as_json(args: list[str]) -> Iterator[None]:
    """Print a usage error's JSON error object when `--json` is among `args`; the usual message follows on
    stderr, and the exit code stays click's 2."""
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    try:
        yield
    except UsageError as error:
        if "--json" in args and not isinstance(error, NoArgsIsHelpError):
            typer.echo(json.dumps(error_data(BadInput(f"usage: {error.format_message()}"))))
        raise


@contextmanager
def _unexpected_errors_reported(args: list[str]) -> Iterator[None]:
    """An exception afc did not foresee is an error like any other: a message (the JSON error object under
    `--json`), exit 1, never a traceback."""
    from typer.exceptions import Abort, Exit, TyperException

    try:
        yield
    except (TyperException, Exit, Abort):  # click's own: usage errors, exits, ^C at a prompt
        raise
    except Exception as error:
        _fail(Internal(error), "--json" in args)


@contextmanager
def _stdout_may_close() -> Iterator[None]:
    """After a successful apply, a reader that stopped reading (`afc add ... | head -1`) is no error: the rest
    of the output goes nowhere, and the command goes on to its own exit code."""
    try:
        yield
    except BrokenPipeError:
        from .pipes import discard

        discard(sys.stdout)


app = typer.Typer(
    name="afc",
    cls=_InOrderOfUse,
    help=(
        "Add realtime (WebSocket) to a Next.js project or monorepo, preview every change, and take it out again."
        "\n\n\b\nExamples:\n"
        "  afc add websocket --dry-run     # every change it would make, and why\n"
        "  afc add websocket --install     # apply (after asking), then install the dependencies\n"
        "  afc status --check              # exit 3 if anything afc wrote was changed since\n"
        "  afc remove websocket            # take it all out again, byte for byte"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
add_app = typer.Typer(help="Add a feature to the project.", no_args_is_help=True)
remove_app = typer.Typer(help="Remove a feature from the project.", no_args_is_help=True)
update_app = typer.Typer(help="Bring a feature up to this afc's version, keeping your edits.", no_args_is_help=True)
sync_app = typer.Typer(help="Wire what the app gained since a feature was added.", no_args_is_help=True)
app.add_typer(add_app, name="add")
app.add_typer(sync_app, name="sync")
app.add_typer(remove_app, name="remove")
app.add_typer(update_app, name="update")

# Shared flags. Each command names only these and its own arguments; `_run` does the rest. No default is
# shown: a flag is off unless given, and the help says what an option does without it.
ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "-C",
        "--project",
        help="The project root. Without it, found upward from the current folder, as git finds its repository.",
        show_default=False,
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show exactly what would change, and change nothing.", show_default=False)
]
YesOpt = Annotated[
    bool, typer.Option("-y", "--yes", help="Apply without asking (needed when not on a terminal).", show_default=False)
]
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help="Print JSON on stdout: the plan, the result or the error (see the README).", show_default=False
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Go ahead even where files afc made were changed since.", show_default=False)
]
AllowDirtyOpt = Annotated[
    bool, typer.Option("--allow-dirty", help="Edit files that have uncommitted changes in git.", show_default=False)
]
AppOpt = Annotated[
    str | None,
    typer.Option(
        "--app", help="The Next.js app to wire, e.g. apps/app. Without it, the one that writes.", show_default=False
    ),
]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "-v",
        "--verbose",
        help="List each write, place left alone and generated file; the plan after --yes too.",
        show_default=False,
    ),
]
DiffOpt = Annotated[
    bool,
    typer.Option(
        "--diff", help="Show the changes to your files line by line (in a pager when long).", show_default=False
    ),
]


@dataclass(frozen=True)
class Flags:
    project: Path | None  # None: found upward from the current folder
    dry_run: bool
    yes: bool
    json: bool
    allow_dirty: bool
    verbose: bool = False
    install: bool = False  # run the package manager after applying (add websocket)
    diff: bool = False  # the diffs of the user's files in the plan


def _root(project: Path | None) -> Path:
    """`-C` as given; else the project found upward from the current folder, said on stderr when it is not
    the current folder."""
    if project is not None:
        return project
    from .tree import current_folder, find_root

    found = find_root(current_folder())
    if found != current_folder():
        _show(_console(True), [f"afc: working on the project at {found}"])
    return found


def _version(value: bool) -> None:
    if value:
        typer.echo(f"afc {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = None,
) -> None:
    """afc: realtime for a full-stack JavaScript monorepo."""


def _console(json_mode: bool) -> Console:
    from rich.console import Console

    class QuietOnClose(Console):
        def on_broken_pipe(self) -> None:
            """A reader that stopped reading (`| head -1`) ends the output, not afc (rich would exit 1)."""
            from .pipes import discard

            self.quiet = True
            discard(sys.stderr if self.stderr else sys.stdout)

    # Prose wraps at the terminal's width, between words; diffs are printed unwrapped (see _show).
    return QuietOnClose(stderr=json_mode, highlight=False)


def _show(console: Console, items: list[object], page: bool = False) -> None:
    """Print renderables (strings as plain text). Not on a terminal, no line ends in blanks (rich pads
    tables and indented text to the width); on one, `page` shows what is longer than the screen in a pager
    (`$PAGER`, else `less` as git runs it)."""
    from rich.text import Text

    from .preview import Diff

    def emit() -> None:
        for item in items:
            if isinstance(item, Diff):
                console.print(item.text, soft_wrap=True)
            else:
                console.print(Text(item) if isinstance(item, str) else item)

    if not console.is_terminal or page:
        with console.capture() as captured:
            emit()
        text = captured.get()
        if not console.is_terminal:
            console.file.write("\n".join(line.rstrip() for line in text.split("\n")))
            console.file.flush()
            return
        if text.count("\n") > console.height:
            _page(console, emit)
            return
    emit()


def _page(console: Console, emit: Callable[[], None]) -> None:
    import os

    saved = os.environ.get("LESS")
    os.environ.setdefault("LESS", "FRX")  # as git: colours, and no pager at all when it fits after all
    try:
        with console.pager(styles=True):
            emit()
    finally:
        if saved is None:
            os.environ.pop("LESS", None)


def error_data(error: AfcError) -> dict[str, object]:
    """An error as JSON (schemas/error.json): the message, a stable code, where, and what it concerns."""
    from .preview import SCHEMA_VERSION

    return {
        "schema_version": SCHEMA_VERSION,
        "error": error.message,
        "code": error.code,
        "path": error.path,
        "line": error.line,
        "details": list(error.details),
        "exit_code": error.exit_code,
    }


def _fail(error: AfcError, json_mode: bool) -> NoReturn:
    if json_mode:
        typer.echo(json.dumps(error_data(error)))
    from rich.text import Text

    _show(_console(True), [Text.assemble(("error:", "bold red"), " ", str(error))])
    raise typer.Exit(error.exit_code)


def _refuse_dirty(plan: Plan, allow_dirty: bool, dry_run: bool) -> str | None:
    """Refuse to edit files with uncommitted changes, unless those changes are exactly afc's own (so
    `remove` right after `add`, with nothing committed between, is always allowed). On a dry run, the
    note to print below the plan."""
    from .features.toolkit import only_afc_changes
    from .gitstate import committed, dirty_paths
    from .manifest import PATH as MANIFEST_PATH
    from .tree import Kind

    touched = [c.path for c in plan.changes if c.kind is not Kind.CREATE]
    root = plan.tree.root
    manifest = committed(root, MANIFEST_PATH)
    dirty = [p for p in dirty_paths(root, touched) if not only_afc_changes(plan.tree, p, committed(root, p), manifest)]
    if not dirty or allow_dirty:
        return None
    if dry_run:
        return f"\nNote: uncommitted changes in {', '.join(dirty)}; applying would need --allow-dirty."
    raise Conflict(
        "these files have uncommitted changes; commit or stash them first, or pass --allow-dirty",
        details=dirty,
        code="dirty",
    )


def _recover(tree: Tree, console: Console) -> bool:
    """Finish what an interrupted afc left behind (see apply.py), and say so. True if it did anything."""
    from .apply import recover

    message = recover(tree)
    if message:
        _show(_console(True), [f"afc: {message}"])
    return message is not None


def _refuse_read_only(plan: Plan, dry_run: bool) -> None:
    """A read-only file is the user saying "not this one": afc reports it rather than edit it anyway."""
    from .edits.result import Level
    from .tree import Kind

    locked = [c.path for c in plan.changes if c.kind is not Kind.CREATE and plan.tree.read_only(c.path)]
    if locked and dry_run:
        for path in locked:
            plan.note(Level.WARN, "read-only: applying would refuse until it is writable", path)
    elif locked:
        raise Conflict(
            "these files are read-only; make them writable to let afc change them", details=locked, code="read_only"
        )


def _run(flags: Flags, build: Callable[[Tree], Plan]) -> None:
    """Plan, show, confirm, apply: the same steps for every command; only the flush depends on --dry-run."""
    from .apply import apply_changes
    from .lock import project_lock
    from .preview import as_data, next_steps, renderables, summary
    from .tree import Tree, current_folder

    console = _console(flags.json)
    try:
        root = _root(flags.project)
        tree = Tree(root)
        with project_lock(tree.root):
            if _recover(tree, console):
                tree = Tree(root)  # read again: the recovery changed files
            plan = build(tree)
            _enter_first(plan, tree.root, current_folder())
            dirty_note = None if plan.empty else _refuse_dirty(plan, flags.allow_dirty, flags.dry_run)
            _refuse_read_only(plan, flags.dry_run)
            asking = not flags.yes and not flags.dry_run and not plan.empty
            if asking and not _on_terminal():
                raise BadInput(
                    "not on a terminal, so afc cannot ask before changing files: "
                    "pass --yes to apply, or --dry-run to preview",
                    code="no_terminal",
                )
            # With --json the console is stderr: the plan is shown there before asking. With --yes, a short
            # summary after applying takes the place of the plan (--verbose or --diff shows both).
            quiet = flags.yes and not flags.dry_run and not flags.verbose and not flags.diff and not plan.empty
            if (not flags.json or asking) and not quiet:
                _show(console, renderables(plan, flags.verbose, flags.diff), page=flags.diff and _on_terminal())
            if dirty_note:
                _show(console, [dirty_note])
            if plan.empty or flags.dry_run:
                if flags.json:
                    data = {**as_data(plan, dry_run=flags.dry_run, applied=False), **_conflict_data(plan)}
                    typer.echo(json.dumps(data, indent=2))
                elif not plan.empty:
                    _show(console, ["\nDry run: nothing was written."])
                _exit_on_conflicts(plan, flags.dry_run)
                return
            short = summary(plan, plan_shown=not quiet)  # made before applying: it tells new folders from old
            if asking and not typer.confirm("\nApply these changes?", default=False, err=True):
                _show(console, ["Nothing was written."])
                if flags.json:
                    typer.echo(json.dumps(as_data(plan, dry_run=False, applied=False), indent=2))
                raise typer.Exit(1)
            outcome = apply_changes(tree, plan.changes, plan.prune_dirs, plan.command)
    except AfcError as error:
        _fail(error, flags.json)
    for warning in outcome.warnings:
        _show(_console(True), [f"warning: {warning}"])
    if not flags.json:
        with _stdout_may_close():
            _show(console, short)
    ran = _maybe_install(flags, plan, tree.root, asking)
    with _stdout_may_close():
        if flags.json:
            data = {**as_data(plan, dry_run=False, applied=True), "warnings": outcome.warnings, **_conflict_data(plan)}
            if ran is not None:
                data["install"] = {"command": ran.command, "exit_code": ran.exit_code, "log": str(ran.log)}
            typer.echo(json.dumps(data, indent=2))
        else:
            _show(console, next_steps(plan, skip_install=ran is not None and ran.ok))
    if ran is not None and not ran.ok:
        _fail(
            InstallFailed(
                f"`{ran.command}` failed (exit {ran.exit_code}); its output is in {ran.log}. The changes afc made "
                f"stay applied: fix what the log says, then run `{ran.command}` again (or `afc remove` to undo)",
                details=[str(ran.log)],
            ),
            json_mode=False,
        )
    _exit_on_conflicts(plan, False)


def _enter_first(plan: Plan, root: Path, here: Path) -> None:
    """Steps to run in the project start with `cd` there when afc ran elsewhere (`-C`, or found upward)."""
    from .nextsteps import entering

    step = entering(root, here) if any(s.command for s in plan.next_steps) else None
    if step is not None:
        plan.next_steps.insert(0, step)


def _maybe_install(flags: Flags, plan: Plan, root: Path, asked: bool) -> Ran | None:
    """`--install`, or yes to the offer made on a terminal after applying: the package manager, with a
    progress display, its output in a log file."""
    if plan.install is None:
        return None
    if not flags.install:
        offer = asked and not flags.json and _on_terminal()
        if not offer or not typer.confirm(f"\nRun `{plan.install.text}` now?", default=True, err=True):
            return None
    from .install import run

    console = _console(True)
    with console.status(f"Running {plan.install.text} ...", spinner="dots"):
        ran = run(plan.install, root)
    if ran.ok:
        console.print(f"[green]Installed[/] with `{ran.command}` in {ran.seconds:.0f} s (log: {ran.log}).", markup=True)
    return ran


def _conflict_data(plan: Plan) -> dict[str, list[str]]:
    """`update`'s conflicts in its JSON (the other commands have none, and no such key)."""
    return {"conflicts": plan.conflicts} if plan.command.startswith("update") else {}


def _exit_on_conflicts(plan: Plan, dry_run: bool) -> None:
    """`update` writes conflict markers, as git does, then lists the files and exits 3."""
    if not plan.conflicts:
        return
    lead = "applying would leave conflicts in" if dry_run else "conflicts to resolve (marked in the files, as git does)"
    from rich.text import Text

    lines = "".join(f"\n  - {c}" for c in plan.conflicts)
    _show(_console(True), [Text.assemble((f"{lead}:", "bold yellow"), lines)])
    raise typer.Exit(3)


def _detect(tree: Tree, app: str | None = None, flags: Flags | None = None) -> Project:
    """The project with its app: `--app`, else chosen by `choice.choose`, which asks on a terminal (not
    with --yes or --json) when several apps write to the database."""
    from .choice import choose

    ask = _ask_app if flags is not None and not flags.yes and not flags.json and _on_terminal() else None
    return choose(tree, app, ask)


def _on_terminal() -> bool:
    return sys.stdin.isatty()


def _ask_app(writers: dict[str, int]) -> str:
    console = _console(False)
    console.print("Several Next.js apps write to the database:", markup=False)
    names = list(writers)
    for number, (name, count) in enumerate(writers.items(), 1):
        console.print(f"  {number}. {name} ({count} write{'s' if count != 1 else ''})", markup=False)
    while True:
        answer = typer.prompt(f"Which one gets realtime? [1-{len(names)}]", default="1", show_default=False)
        if answer.strip().isdigit() and 1 <= int(answer) <= len(names):
            return names[int(answer) - 1]


@add_app.command("websocket")
def add_websocket(
    project: ProjectOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
    allow_dirty: AllowDirtyOpt = False,
    app_: AppOpt = None,
    no_public: Annotated[
        bool,
        typer.Option(
            "--no-public",
            help="Broadcast no row to everyone, not even rows the app already serves to anyone.",
            show_default=False,
        ),
    ] = False,
    public_tables: Annotated[
        list[str] | None,
        typer.Option(
            "--public",
            metavar="TABLE",
            help="Send this table's rows to everyone (repeatable), even rows that look personal.",
            show_default=False,
        ),
    ] = None,
    install: Annotated[
        bool,
        typer.Option(
            "--install",
            help="After applying, run the project's package manager (bun install, npm install, ...).",
            show_default=False,
        ),
    ] = False,
    verbose: VerboseOpt = False,
    diff: DiffOpt = False,
    port: Annotated[
        int,
        typer.Option(
            "--port",
            help="The port the realtime service listens on (not the web app's); without it, 4001.",
            show_default=False,
        ),
    ] = 4001,
    dir_: Annotated[
        str | None,
        typer.Option(
            "--dir",
            help="The service's folder, e.g. services/realtime. Without it, apps/ws (realtime/ beside a single app).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Render the realtime service into apps/ws and wire the web app, env, compose and turbo to it.

    Each write is broadcast only to whoever may already read its row: the owner's channel, the user's or
    team's own, or `public` for a table the app serves to signed-out visitors (or named with --public). Rows
    with credentials, and rows afc cannot place, are not broadcast; the plan lists every write with who
    receives it and why.

    \b
    Examples:
      afc add websocket --dry-run           # see every change first
      afc add websocket --yes --install     # apply, then install the dependencies
    """
    from .features import websocket
    from .features.service import with_service_dir

    def build(tree: Tree) -> Plan:
        found = _detect(tree, app_, flags)
        if not websocket.installed(tree):  # installed: "nothing to do", wherever --dir points
            found = with_service_dir(found, tree, dir_)
        chosen = tuple(public_tables or ())
        return websocket.plan_add(found, tree, public=not no_public, port=port, public_tables=chosen)

    flags = Flags(project, dry_run, yes, json_, allow_dirty, verbose, install, diff)
    _run(flags, build)


@update_app.command("websocket")
def update_websocket(
    project: ProjectOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
    allow_dirty: AllowDirtyOpt = False,
    verbose: VerboseOpt = False,
    diff: DiffOpt = False,
) -> None:
    """Merge this afc's service template into the service, keeping your edits.

    A three-way merge: what afc wrote at `add` (kept in .afc/base/), your files now, and what this afc renders
    with the same answers.

    Where you and the template changed the same lines, both versions are written between conflict markers,
    as git does, and afc exits with 3 listing those files. The web helpers are updated where they are as afc
    wrote them; where you changed them they are left alone and reported.

    \b
    Examples:
      afc update websocket --dry-run        # the merge, as diffs
      afc update websocket --yes            # apply it; exit 3 lists any conflicts
    """
    from .features import update

    _run(
        Flags(project, dry_run, yes, json_, allow_dirty, verbose, diff=diff),
        lambda tree: update.plan_update(_detect(tree), tree),
    )


@sync_app.command("websocket")
def sync_websocket(
    project: ProjectOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
    allow_dirty: AllowDirtyOpt = False,
    app_: AppOpt = None,
    verbose: VerboseOpt = False,
    diff: DiffOpt = False,
) -> None:
    """Wire the writes and pages added since `afc add websocket`, as `add` wires them.

    Handlers that broadcast already and pages that subscribe already are left as they are. Recorded in the
    manifest: `afc remove websocket` takes it out with the rest.

    \b
    Examples:
      afc sync websocket --dry-run          # what the new writes and pages get
      afc sync websocket --yes
    """
    from .features import sync

    _run(
        Flags(project, dry_run, yes, json_, allow_dirty, verbose, diff=diff),
        lambda tree: sync.plan_sync(_detect(tree, app_), tree),
    )


@remove_app.command("websocket")
def remove_websocket(
    project: ProjectOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
    force: ForceOpt = False,
    allow_dirty: AllowDirtyOpt = False,
    app_: AppOpt = None,
    verbose: VerboseOpt = False,
    diff: DiffOpt = False,
) -> None:
    """Take the realtime integration out again: everything afc added, or a hand-wired one.

    \b
    Examples:
      afc remove websocket --dry-run        # see what goes
      afc remove websocket --yes            # every file as it was before `add`
    """
    from .features import handwired, websocket

    def build(tree: Tree) -> Plan:
        found = _detect(tree, app_)
        return (
            websocket.plan_remove(found, tree, force)
            if websocket.installed(tree)
            else handwired.plan_remove(found, tree, force)
        )

    _run(Flags(project, dry_run, yes, json_, allow_dirty, verbose, diff=diff), build)


@add_app.command("event")
def add_event(
    name: Annotated[
        str, typer.Argument(help="kebab-case <resource>-<action>, e.g. user-updated (browsers get user:updated)")
    ],
    route: Annotated[
        str,
        typer.Option(
            "--route",
            help="the route handler, Server Actions or tRPC router file, relative to the project root",
            show_default=False,
        ),
    ],
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help=(
                "the handler that broadcasts: POST, PUT, PATCH or DELETE; a Server Action's name (createTodo); a "
                "tRPC procedure (post.create). Without it, POST, or the file's only action or mutation"
            ),
            show_default=False,
        ),
    ] = "POST",
    project: ProjectOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
    allow_dirty: AllowDirtyOpt = False,
    app_: AppOpt = None,
    verbose: VerboseOpt = False,
    diff: DiffOpt = False,
) -> None:
    """Wire one more event end to end: a broadcast in a route handler and a typed client hook.

    \b
    Examples:
      afc add event user-updated --route apps/web/src/app/api/users/[id]/route.ts --method PATCH
      afc add event post-archived --route src/server/api/routers/post.ts --method post.archive
    """
    from .features import event

    _run(
        Flags(project, dry_run, yes, json_, allow_dirty, verbose, diff=diff),
        lambda tree: event.plan_add(_detect(tree, app_), tree, name, route, method),
    )


@remove_app.command("event")
def remove_event(
    name: Annotated[str, typer.Argument(help="the event added with `afc add event`")],
    project: ProjectOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json_: JsonOpt = False,
    force: ForceOpt = False,
    allow_dirty: AllowDirtyOpt = False,
    verbose: VerboseOpt = False,
    diff: DiffOpt = False,
) -> None:
    """Take out one custom event: its broadcast line and its client hook.

    \b
    Example:
      afc remove event user-updated --yes
    """
    from .features import event

    _run(
        Flags(project, dry_run, yes, json_, allow_dirty, verbose, diff=diff),
        lambda tree: event.plan_remove(_detect(tree), tree, name, force),
    )


@app.command("status")
def status_command(
    project: ProjectOpt = None,
    json_: JsonOpt = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Exit 3 when anything afc wrote has drifted (0 when not).", show_default=False),
    ] = False,
) -> None:
    """What afc has installed here, and what changed since it wrote it.

    \b
    Examples:
      afc status
      afc status --check --json             # in CI: exit 3 on drift
    """
    from dataclasses import asdict

    from .lock import project_lock
    from .preview import SCHEMA_VERSION
    from .status import status
    from .tree import Tree

    try:
        root = _root(project)
        tree = Tree(root)
        with project_lock(tree.root):
            if _recover(tree, _console(True)):
                tree = Tree(root)
            reports = status(tree)
    except AfcError as error:
        _fail(error, json_)
    drifted = any(r.drifted for r in reports)
    if json_:
        features = [{**asdict(r), "drifted": r.drifted} for r in reports]
        typer.echo(json.dumps({"schema_version": SCHEMA_VERSION, "drifted": drifted, "features": features}, indent=2))
    else:
        _print_status(reports)
    if check and drifted:
        raise typer.Exit(EXIT_CONFLICT)


def _print_status(reports: list[FeatureStatus]) -> None:
    console = _console(False)
    if not reports:
        console.print("afc has installed nothing in this project.")
        return
    for report in reports:
        state = "[yellow]drifted[/]" if report.drifted else "[green]as afc wrote it[/]"
        console.print(f"[bold]{report.name}[/] (afc {report.afc_version}): {state}", markup=True)
        console.print(f"  events: {', '.join(report.events) or 'none'}", markup=False)
        console.print(
            f"  files: {report.files_ok} unchanged, {len(report.modified)} modified, {len(report.missing)} missing",
            markup=False,
        )
        console.print(
            f"  insertions: {report.insertions_ok} in place, {len(report.insertions_gone)} gone", markup=False
        )
        for path in report.modified:
            console.print(f"    modified  {path}", markup=False)
        for path in report.missing:
            console.print(f"    missing   {path}", markup=False)
        for item in report.insertions_gone:
            console.print(f"    gone      {item}", markup=False)
