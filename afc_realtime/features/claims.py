"""A manifest is a claim, checked against what afc would write itself before `remove` or `update` acts on it:
the service folder it names must be afc's own (the folder rules of `--dir`, not another workspace package),
and, for `remove`, every service file and kept copy (`.afc/base/`) it records must be one afc renders from
the recorded answers: the same bytes when this afc rendered them, a file of the template at least otherwise."""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath

from .. import __version__
from .. import manifest as manifest_mod
from ..edits import compose, jsonfile
from ..errors import BadInput
from ..project import Project
from ..tree import LOCK_FILES, REGENERATED, Tree, sha256
from . import docker
from .recipe import BASE_DIR, base_path, render_service
from .service import folder_problem, name_problem

ANSWERS = ".copier-answers.yml"
# The answers afc gives at `add` (the rest are the template's own defaults, so a newer template's pins, such
# as its Bun image, arrive with it), with the type each must have.
AFC_ANSWERS: dict[str, type] = {"package_name": str, "ws_port": int, "env_file": str, "service_dir": str}

# Files an older afc's template rendered that this one no longer does (`update` deletes them): a record may
# name them although this afc's render has none. None so far.
DROPPED_FILES: frozenset[str] = frozenset()


def check_service_claims(
    project: Project, tree: Tree, record: manifest_mod.FeatureRecord, removing: bool = True
) -> None:
    """Refuse (exit 2, naming the manifest) a record whose service is not afc's to delete or merge into.
    Every recorded path must be one afc's template renders (or rendered once, `DROPPED_FILES`), for `update`
    too: a workspace package's own files are never the service's. `remove` compares the bytes recorded with
    this afc's render when this afc wrote them; `update` (`removing=False`) brings a template that may have
    changed since, and `remove` after a newer afc cannot compare them either, so there the folder must hold
    nothing else: a file neither recorded nor rendered (`packages/db/src/schema.ts`) says it is another
    package. Nothing is deleted unless it is exactly as the manifest records."""
    ws = project.ws
    why = folder_problem(project, ws)
    if why:
        message = f"invalid afc manifest: service_dir {ws}: {why}; afc never puts the service there"
        raise BadInput(message, path=manifest_mod.PATH)
    service = _service_files(record, ws)
    if not any(tree.exists(p) for p in service):
        return  # nothing of the service is left for afc to delete or merge into
    answers = read_answers(tree, project, record)  # checked against its schema, naming the file and line
    rendered = render_service(project, answers)
    bad = _not_the_service(tree, ws, str(answers["package_name"]))
    same = record.afc_version == __version__
    for path, digest in sorted(service.items()):
        source = _source_of(path)
        relative = PurePosixPath(source).relative_to(ws).as_posix()
        if source not in rendered:
            kept = f"{BASE_DIR}/{source}.base" in record.files  # a file an update kept for you to resolve
            if not (relative in DROPPED_FILES or kept):
                bad.append(f"{path}: afc renders no such file in the service")
        elif removing and same and digest != sha256(rendered[source]):
            bad.append(f"{path}: recorded as what afc wrote, but afc renders other bytes from the recorded answers")
    if not (removing and same):  # bytes afc cannot compare: the folder must hold afc's files only
        bad += [
            f"{path}: a file neither recorded nor rendered by afc: {ws} is not afc's service folder"
            for path in tree.walk(ws, REGENERATED)
            if path not in service
            and path not in rendered
            and PurePosixPath(path).name not in LOCK_FILES
            and not tree.is_link(path)  # a link is no file of another package: `remove` takes it out as one
        ]
    if bad:
        raise BadInput(
            f"the afc manifest claims a service afc did not write; fix or delete {manifest_mod.PATH} "
            + "(changing nothing):\n  - "
            + "\n  - ".join(bad),
            path=manifest_mod.PATH,
        )


def _service_files(record: manifest_mod.FeatureRecord, ws: str) -> dict[str, str]:
    """The recorded files of the service, and the kept copies of them under `.afc/base/`."""
    return {p: d for p, d in record.files.items() if PurePosixPath(_source_of(p)).is_relative_to(ws)}


def _source_of(path: str) -> str:
    """The service file a kept copy stands for (`.afc/base/apps/ws/x.ts.base` -> `apps/ws/x.ts`)."""
    if path.startswith(BASE_DIR + "/") and path.endswith(".base"):
        return path[len(BASE_DIR) + 1 : -len(".base")]
    return path


def _not_the_service(tree: Tree, ws: str, name: str) -> list[str]:
    """A package.json in the folder that names another package: a workspace package, not afc's service."""
    path = f"{ws}/package.json"
    text = tree.read_text(path)
    if text is None:
        return []
    try:
        found = jsonfile.to_python(jsonfile.parse(text, path).get("name"))
    except BadInput:
        return []
    if found == name:
        return []
    return [f"{ws} is the workspace package {found!r}, not afc's service ({name!r}); afc never touches it"]


def read_answers(tree: Tree, project: Project, record: manifest_mod.FeatureRecord) -> dict[str, object]:
    """The answers `add` rendered the service with: from its answers file (or, when that is gone, the copy
    afc kept), checked, since it is input like any other file."""
    path = f"{project.ws}/{ANSWERS}"
    text = tree.read_text(path)
    if text is None and base_path(path) in record.files:
        path = base_path(path)
        text = tree.read_text(path)
    if text is None:
        raise BadInput(
            f"the service's answers file is gone, so afc cannot tell how it rendered {project.ws}; "
            f"restore {project.ws}/{ANSWERS} (git checkout) and run again",
            path=f"{project.ws}/{ANSWERS}",
        )
    data = compose.load(text, path)
    if not hasattr(data, "get"):
        raise BadInput("should be a YAML mapping of answers (key: value)", path=path, line=1)
    answers: dict[str, object] = {}
    for key, kind in AFC_ANSWERS.items():
        value = data.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            line = _line_of(text, key)
            what = "missing" if value is None else f"should be a {'whole number' if kind is int else 'string'}"
            raise BadInput(f"answer {key}: {what}", path=path, line=line)
        answers[key] = value
    for key in OPTIONAL_ANSWERS:  # the Dockerfile's layout, recorded when it is not the first one
        value = data.get(key)
        if value is None:
            continue
        wrong = "should be a string" if not isinstance(value, str) else _docker_problem(key, value)
        if wrong:
            raise BadInput(f"answer {key}: {wrong}", path=path, line=_line_of(text, key))
        answers[key] = value
    for key, problem in _answer_problems(project, tree, answers):
        raise BadInput(f"answer {key}: {problem}; afc never renders that", path=path, line=_line_of(text, key))
    return answers


OPTIONAL_ANSWERS = ("docker", "docker_copy")
# What the Dockerfile may copy before installing: manifests, lockfiles, a package manager's settings.
_COPIED = frozenset(
    {"package.json", *(n for names in docker.LOCKS.values() for n in names), *docker.OWN_LOCK.values()}
    | {n for names in docker.SETTINGS.values() for n in names}
)


def _docker_problem(key: str, value: str) -> str | None:
    if key == "docker":
        return None if value in docker.LOCKS else f"{value!r} is not bun, npm, pnpm or yarn; afc never renders that"
    for path in value.split():
        parts = path.split("/")
        if parts[-1] not in _COPIED or any(p in ("", ".", "..") or not re.fullmatch(r"[\w@.+-]+", p) for p in parts):
            return f"{path!r} is not a manifest, lockfile or setting inside the project; afc never renders that"
    return None


# An env file a service's `dev` script may load: `--env-file=../../.env`, nothing a shell would read.
_ENV_FILE_ANSWER = re.compile(r"(?:\.\./)*(?:[\w-]+/)*\.env(?:\.[\w-]+)*")


def _answer_problems(project: Project, tree: Tree, answers: dict[str, object]) -> list[tuple[str, str]]:
    """The answers file's schema: what `add` itself would have accepted for each answer."""
    problems = []
    port, name, env_file, folder = (answers[k] for k in ("ws_port", "package_name", "env_file", "service_dir"))
    assert isinstance(port, int) and isinstance(name, str) and isinstance(env_file, str) and isinstance(folder, str)
    if not 1 <= port <= 65535:
        problems.append(("ws_port", f"{port} is not a TCP port (1-65535)"))
    why = name_problem(project, tree, name)
    if why:
        problems.append(("package_name", why))
    loaded = posixpath.normpath(posixpath.join(project.ws, env_file)) if env_file else ""
    if env_file and (not _ENV_FILE_ANSWER.fullmatch(env_file) or loaded.startswith("../") or loaded == ".."):
        problems.append(("env_file", f"{env_file!r} is not an env file inside the project"))
    if folder != project.ws:
        problems.append(("service_dir", f"{folder!r} is not the service's folder ({project.ws})"))
    return problems


def _line_of(text: str, key: str) -> int | None:
    return next((n for n, line in enumerate(text.splitlines(), 1) if line.startswith(f"{key}:")), None)
