"""Rendering templates into memory: the service through copier (into a temporary folder, never the
project), the web helpers through Jinja. Returns file contents; the caller stages them."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import AfcError

# The templates source for tests only (`use_templates`): `afc update` is tested against a changed copy of
# the template, as a newer afc would ship it. Nothing in afc sets it.
_override: Path | None = None

# How the answers file names the template: by what it is, never where it was on the machine that rendered it.
SOURCE = "afc-realtime:ws"


@contextmanager
def use_templates(folder: Path) -> Iterator[None]:
    """Render from `folder` (a copy of `templates/`) instead of afc's own templates, for the duration."""
    global _override
    previous, _override = _override, folder
    try:
        yield
    finally:
        _override = previous


def templates_dir() -> Path:
    """Templates ship inside the wheel (afc_realtime/templates); a source checkout has them at the root."""
    if _override is not None:
        return _override
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "ws" / "copier.yml").is_file():
            return candidate
    raise AfcError("afc's templates are missing from this installation; reinstall afc")


def render_service(answers: dict[str, object]) -> dict[str, bytes]:
    """The rendered service, path (relative to the service folder) -> bytes. One render per answers and
    template state in a process: `add`, the manifest's claims and `update` ask for the same one."""
    import json

    folder = templates_dir() / "ws"
    key = (str(folder), json.dumps(answers, sort_keys=True, default=str), _fingerprint(folder))
    if key not in _rendered:
        _rendered.clear()  # one entry is all a run needs; tests render many answers in one process
        _rendered[key] = _copier_render(folder, answers)
    return dict(_rendered[key])


_rendered: dict[tuple[str, str, tuple[tuple[str, int, int], ...]], dict[str, bytes]] = {}


def _fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What the template folder holds now (names, sizes, modification times): a changed template renders anew."""
    return tuple(
        (p.relative_to(folder).as_posix(), (st := p.stat()).st_size, st.st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    )


def _copier_render(folder: Path, answers: dict[str, object]) -> dict[str, bytes]:
    import copier
    import copier._main
    import copier._template

    with tempfile.TemporaryDirectory(prefix="afc-render-") as tmp, _without_git(copier._main, copier._template):
        out = Path(tmp) / "out"
        copier.run_copy(
            str(folder),
            str(out),
            data=answers,
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=False,
            skip_tasks=True,
        )
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@contextmanager
def _without_git(*modules: object) -> Iterator[None]:
    """copier asks git whether afc's own template folder is a repository to clone (it is a folder), then, once
    per rendered file, whether to copy an executable bit into the destination's git index (the destination is
    afc's temporary folder, in no repository): some 30 processes, more than half of a render's time, each
    wasted. Where copier no longer has the hook, nothing changes."""
    saved = [(m, m.is_git_available) for m in modules if hasattr(m, "is_git_available")]
    for module, _ in saved:
        module.is_git_available = lambda: False
    try:
        yield
    finally:
        for module, original in saved:
            module.is_git_available = original


def render_jinja(folder: str, variables: dict[str, object]) -> dict[str, bytes]:
    """Every `*.jinja` template in `templates/<folder>`, file name (without `.jinja`) -> bytes."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    base = templates_dir() / folder
    env = Environment(loader=FileSystemLoader(str(base)), undefined=StrictUndefined, keep_trailing_newline=True)
    out = {}
    for template in sorted(base.glob("*.jinja")):
        out[template.name.removesuffix(".jinja")] = env.get_template(template.name).render(**variables).encode("utf-8")
    return out


def wire_grammar() -> dict[str, object]:
    """The wire grammar the service and the web helpers share (channel pattern, ticket format, key labels,
    close codes), from its one definition: `templates/ws/wire.json`, which copier renders into the service."""
    import json

    data = json.loads((templates_dir() / "ws" / "wire.json").read_text(encoding="utf-8"))
    grammar: dict[str, object] = data["wire"]["default"]
    return grammar


def render_web_helpers(variables: dict[str, object]) -> dict[str, bytes]:
    """The web app's helpers (broadcast, client hook, ticket), file name -> bytes."""
    return render_jinja("web", {"wire": wire_grammar(), **variables})
