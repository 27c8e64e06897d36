"""Rendering templates into memory: the service through copier (into a temporary folder, never the
project), the web helpers through Jinja. Returns file contents; the caller stages them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .errors import AfcError


def templates_dir() -> Path:
    """Templates ship inside the wheel (afc_realtime/templates); a source checkout has them at the root."""
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


def render_web_helpers(variables: dict[str, object]) -> dict[str, bytes]:
    """The web app's helpers (broadcast, client hook, ticket), file name -> bytes."""
    return render_jinja("web", variables)
