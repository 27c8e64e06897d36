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
    """The rendered service, path (relative to the service folder) -> bytes."""
    import copier

    with tempfile.TemporaryDirectory(prefix="afc-render-") as tmp:
        out = Path(tmp) / "out"
        copier.run_copy(
            str(templates_dir() / "ws"),
            str(out),
            data=answers,
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=False,
            skip_tasks=True,
        )
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


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
