"""Compose files: ruamel.yaml reads the structure (and reports errors with a line); the service is added
as lines laid out like the file's own services, and the result is parsed again to prove that nothing
else changed. Splicing lines rather than re-dumping keeps quotes, comments and wrapping byte-exact."""

from __future__ import annotations

import functools
import os
import re
from pathlib import PurePosixPath
from typing import Any

from ..errors import BadInput
from ..textfile import line_number, style_of
from .insertion import Insertion, insert_all, undo_insertions
from .result import Edit, Level, Skip
from .spans import Cut

# Aliases let a few lines stand for billions of nodes ("billion laughs"); afc walks what it loads, so a
# file whose aliases expand past this many nodes is refused. A real compose file, anchors and all, has a few
# hundred.
MAX_NODES = 100_000
MAX_DEPTH = 200
_DUPLICATE = re.compile(r'found duplicate key "(?P<key>[^"]*)"')


def load(text: str, path: str) -> Any:
    """The file's data, for reading only: a run asks for the same file several times (the plan, the check
    after the edit, the claims), so the last few loads are kept, and callers never change what they get."""
    return _load(text, path)


@functools.lru_cache(maxsize=8)
def _load(text: str, path: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    text = text.lstrip("\ufeff")
    _bound_brackets(text, path)
    try:
        _bound_aliases(YAML(typ="rt").parse(text), path)
        return YAML(typ="rt").load(text)
    except DuplicateKeyError as exc:
        # parsers disagree on which copy counts; the message names the key, never its values
        key = _DUPLICATE.search(str(exc.problem))
        mark = exc.problem_mark
        raise BadInput(
            f"duplicate key {key['key'] if key else ''}".rstrip(), path=path, line=mark.line + 1 if mark else None
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise BadInput(
            f"malformed YAML: {exc.problem or exc.context}", path=path, line=mark.line + 1 if mark else None
        ) from None
    except YAMLError as exc:
        raise BadInput(f"malformed YAML: {exc}", path=path) from None
    except RecursionError:  # collections nested thousands deep: the composer recurses once per level
        raise BadInput("nested too deep; afc refuses to read it", path=path) from None


_FLOW = re.compile(r"""[\[\]{}]|"(?:[^"\\]|\\.)*"|'[^']*'|(?:^|(?<=\s))#[^\n]*|\n""")


def _bound_brackets(text: str, path: str) -> None:
    """Flow collections (`[...]`, `{...}`) nested past MAX_DEPTH are refused before parsing: the YAML scanner
    slows down with every open one (3,000 take minutes). Quoted strings and comments are skipped."""
    depth, line = 0, 1
    for match in _FLOW.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
        elif token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise BadInput(f"nested more than {MAX_DEPTH} deep; afc refuses to read it", path=path, line=line)
        elif token in "]}":
            depth = max(depth - 1, 0)
        else:
            line += token.count("\n")


def _bound_aliases(events: Any, path: str) -> None:
    """Count the nodes the document stands for, each alias as the nodes of its anchor, from the parser's
    events (nothing is built); refuse past MAX_NODES, naming the line where the count ran over."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

    sizes: dict[str, int] = {}  # the nodes each anchor stands for
    starts: list[tuple[str | None, int]] = []  # each collection being read: its anchor, the count at its start
    count = 0
    for event in events:
        if isinstance(event, CollectionEndEvent):
            anchor, start = starts.pop()
            if anchor:
                sizes[anchor] = count - start
            continue
        if not isinstance(event, NodeEvent):
            continue
        count += sizes.get(_anchor(event) or "", 1) if isinstance(event, AliasEvent) else 1
        if isinstance(event, CollectionStartEvent):
            starts.append((_anchor(event), count - 1))
            if len(starts) > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise BadInput(f"nested more than {MAX_DEPTH} deep; afc refuses to read it", path=path, line=line)
        elif _anchor(event) and not isinstance(event, AliasEvent):
            sizes[str(_anchor(event))] = 1
        if count > MAX_NODES:
            line = event.start_mark.line + 1 if event.start_mark else None
            raise BadInput(
                f"its aliases expand to more than {MAX_NODES:,} nodes; afc refuses to read it", path=path, line=line
            )


def _anchor(event: Any) -> str | None:
    anchor = getattr(event, "anchor", None)
    return str(anchor) if anchor else None


def services_of(text: str, path: str) -> Any:
    data = load(text, path)
    if data is None:
        return None
    if not hasattr(data, "get"):
        raise BadInput("a compose file should be a mapping at the top", path=path, line=1)
    return data.get("services")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def add_service(path: str, text: str, name: str, body: dict[str, Any]) -> Edit | Skip:
    """Insert service `name` with `body` after the last service (nothing when it is there already)."""
    from ruamel.yaml.comments import CommentedMap

    services = services_of(text, path)
    if services is not None and name in services:
        return Edit(path)
    if not isinstance(services, CommentedMap) or not services or services.fa.flow_style():
        return Skip(path, "no block-style `services:` mapping to add to")
    lines = text.splitlines(keepends=True)
    names = list(services)
    svc_line, svc_col = services.lc.key(names[-1])
    first_line, first_col = services.lc.key(names[0])
    unit = _child_indent(lines, first_line, first_col) or 2
    seq_offset = _sequence_offset(lines)
    last = svc_line
    for index in range(svc_line + 1, len(lines)):
        stripped = lines[index].strip()
        if not stripped:
            continue
        if _indent(lines[index]) <= svc_col:
            break
        last = index
    at = sum(len(line) for line in lines[: last + 1])
    nl = style_of(text).newline
    lead = "" if lines[last].endswith("\n") else nl
    if svc_line > first_line and not lines[svc_line - 1].strip():
        lead += nl  # the file keeps a blank line between services
    block = _render(name, body, svc_col, unit, seq_offset)
    insertion = Insertion(at, lead + nl.join(block) + nl, f"compose service {name}")
    _verify(text, path, name, insertion)
    return Edit(path, (insertion,), line=last + 2, subject=name)


undo = undo_insertions  # the inverse of `add_service`: cut exactly the lines that were inserted


def _child_indent(lines: list[str], key_line: int, key_col: int) -> int | None:
    for line in lines[key_line + 1 :]:
        if line.strip() and not line.strip().startswith("#"):
            return _indent(line) - key_col if _indent(line) > key_col else None
    return None


def _sequence_offset(lines: list[str]) -> int | None:
    """How far a block sequence sits in from its key (0 when `- item` aligns with the key), if any shows."""
    for key, item in zip(lines, lines[1:], strict=False):
        if re.match(r"^\s*[\w.-]+:\s*$", key) and item.lstrip().startswith("- "):
            return _indent(item) - _indent(key)
    return None


def _render(name: str, body: dict[str, Any], col: int, unit: int, seq_offset: int | None) -> list[str]:
    seq = unit if seq_offset is None else seq_offset
    out = [" " * col + f"{name}:"]

    def emit(mapping: dict[str, Any], depth: int) -> None:
        pad = " " * depth
        for key, value in mapping.items():
            if isinstance(value, dict):
                out.append(f"{pad}{key}:")
                emit(value, depth + unit)
            elif isinstance(value, list):
                out.append(f"{pad}{key}:")
                out.extend(" " * (depth + seq) + f"- {item}" for item in value)
            else:
                out.append(f"{pad}{key}: {value}")

    emit(body, col + unit)
    return out


def _verify(text: str, path: str, name: str, insertion: Insertion) -> None:
    """The edited file must hold the same data plus exactly the new service."""
    before = load(text, path)
    after_text, _ = insert_all(text, [insertion])
    after = _plain(load(after_text, path))
    added = after["services"].pop(name, None)
    if added is None or after != _plain(before):
        raise BadInput(f"could not add service {name} without changing other content; add it by hand", path=path)


def _plain(node: Any) -> Any:
    if hasattr(node, "items"):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def remove_service(path: str, text: str, name: str) -> Edit:
    """Cut the lines holding service `name` (hand-wired removal: a service afc did not write)."""
    services = services_of(text, path)
    if services is None or name not in services:
        return Edit(path)
    lines = text.splitlines(keepends=True)
    line, col = services.lc.key(name)
    end = line
    for index in range(line + 1, len(lines)):
        if lines[index].strip() and _indent(lines[index]) <= col:
            break
        if lines[index].strip():
            end = index
    start = sum(len(x) for x in lines[:line])
    cut = Cut(start, start + sum(len(x) for x in lines[line : end + 1]), f"compose service {name}")
    return Edit(path, cuts=(cut,), line=line + 1, subject=name)


def shared_networks(text: str, path: str, exclude: str) -> list[str]:
    """The networks a new service must join to reach the file's other services: every network they name
    (list or mapping form), in order, plus `default` when some service is on none. Empty when none names one."""
    services = services_of(text, path)
    named: list[str] = []
    on_default = False
    for name, body in (services or {}).items():
        if name == exclude or not hasattr(body, "get") or body.get("network_mode") is not None:
            continue
        networks = body.get("networks")
        if not networks:
            on_default = True
            continue
        named += [str(n) for n in networks if str(n) not in named]
    if named and on_default and "default" not in named:
        named.append("default")
    return named


def env_files_used(text: str, path: str) -> list[str]:
    """The env files the file's services read (`env_file: .env.docker`, a list, or `- path: ...`), as paths
    relative to the project root (compose resolves them from the compose file's folder)."""
    found: list[str] = []
    for files in env_files_by_service(text, path).values():
        found += [f for f in files if f not in found]
    return found


def env_files_by_service(text: str, path: str) -> dict[str, list[str]]:
    """Each service's env files, as `env_files_used` resolves them."""
    services = services_of(text, path)
    base = PurePosixPath(path).parent
    by_service: dict[str, list[str]] = {}
    for name, body in (services or {}).items():
        value = body.get("env_file") if hasattr(body, "get") else None
        items = value if isinstance(value, list) else [value] if value is not None else []
        found = by_service.setdefault(str(name), [])
        for item in items:
            rel = item.get("path") if hasattr(item, "get") else item
            if not isinstance(rel, str) or "$" in rel or rel.startswith("/"):
                continue
            joined = PurePosixPath(os.path.normpath((base / rel).as_posix())).as_posix()
            if not joined.startswith("..") and joined not in found:
                found.append(joined)
    return by_service


def add_list_item(path: str, text: str, key: str, value: str, what: str) -> Edit | Skip:
    """`value` appended to the top-level block sequence `key` (a new `key:` block at the end when the file has
    none), laid out and quoted like the items there; a flow-style list is left, with the reason."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    data = load(text, path)
    if data is not None and not isinstance(data, CommentedMap):
        return Skip(path, "not a mapping at the top; add it by hand", 1)
    nl = style_of(text).newline
    items = data.get(key) if data is not None else None
    if data is None or key not in data:  # (a `key:` with nothing after it is there: adding one more would repeat it)
        lead = "" if not text or text.endswith("\n") else nl
        return _checked(path, text, key, value, Insertion(len(text), f"{lead}{key}:{nl}  - {value}{nl}", what))
    if not isinstance(items, CommentedSeq) or items.fa.flow_style() or not items:
        reason = f"`{key}` is not a block list afc can add to; add {value} to it by hand"
        return Skip(path, reason, items_line(data, key), level=Level.WARN)
    lines = text.splitlines(keepends=True)
    end = items.lc.item(len(items) - 1)[0]  # items of a workspace list are one line each
    first_line, first_col = items.lc.item(0)
    first = lines[first_line]
    raw = first[first_col:].strip()
    quote = raw[0] if raw[:1] in ("'", '"') else ""
    at = sum(len(line) for line in lines[: end + 1])
    lead = "" if lines[end].endswith("\n") else nl
    dash = first[:first_col]
    return _checked(path, text, key, value, Insertion(at, f"{lead}{dash}{quote}{value}{quote}{nl}", what))


def items_line(data: Any, key: str) -> int | None:
    return int(data.lc.key(key)[0]) + 1 if hasattr(data, "lc") and key in data else None


def _checked(path: str, text: str, key: str, value: str, insertion: Insertion) -> Edit:
    """The edited file must hold the same data plus `value` at the end of `key`."""
    before = _plain(load(text, path)) or {}
    after_text, _ = insert_all(text, [insertion])
    after = _plain(load(after_text, path))
    expected = {**before, key: [*(before.get(key) or []), value]}
    if after != expected:
        raise BadInput(f"could not add {value} to `{key}` without changing other content; add it by hand", path=path)
    return Edit(path, (insertion,), line=line_number(text, insertion.offset), subject=key)


def services_building(text: str, path: str, folder: str) -> list[str]:
    """The services whose image is built from `folder` (relative to the project root): `build: ./apps/web`,
    or a `dockerfile:` inside it (`context: .` with `dockerfile: apps/web/Dockerfile`)."""
    base = PurePosixPath(path).parent
    found = []
    for name, body in (services_of(text, path) or {}).items():
        build: Any = body.get("build") if hasattr(body, "get") else None
        context = build.get("context", ".") if hasattr(build, "get") else build
        dockerfile = (build.get("dockerfile") if hasattr(build, "get") else None) or "Dockerfile"
        if not isinstance(context, str) or not isinstance(dockerfile, str) or "$" in context + dockerfile:
            continue
        built = os.path.normpath((base / context / dockerfile).as_posix())
        if PurePosixPath(built).parent.as_posix() == os.path.normpath(folder):
            found.append(str(name))
    return found


def add_environment(path: str, text: str, service: str, key: str, value: str) -> Edit | Skip:
    """`key: value` at the end of `service`'s `environment:` (`- key=value` in a list), or a new
    `environment:` at the end of the service; nothing when it names `key` already. Laid out like the file."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    services = services_of(text, path)
    body = services.get(service) if hasattr(services, "get") else None
    if not isinstance(body, CommentedMap) or body.fa.flow_style() or not body:
        return Skip(path, f"service {service} is not a block mapping afc can add `environment:` to", level=Level.WARN)
    env = body.get("environment")
    items = env if isinstance(env, CommentedMap) else [str(i).split("=", 1)[0] for i in env or []]
    if key in items:
        return Edit(path)
    lines = text.splitlines(keepends=True)
    nl = style_of(text).newline
    if "environment" not in body:
        svc_line, svc_col = services.lc.key(service)
        first_col = body.lc.key(next(iter(body)))[1]
        unit = first_col - svc_col
        added = f"{' ' * first_col}environment:{nl}{' ' * (first_col + unit)}{key}: {value}{nl}"
        return _environment(path, text, service, key, value, _end_of(lines, svc_line, svc_col), added, nl)
    if isinstance(env, CommentedMap) and env and not env.fa.flow_style():
        line, col = env.lc.key(list(env)[-1])
        added = f"{' ' * env.lc.key(next(iter(env)))[1]}{key}: {value}{nl}"
        return _environment(path, text, service, key, value, _end_of(lines, line, col), added, nl)
    if isinstance(env, CommentedSeq) and env and not env.fa.flow_style():
        first_line, first_col = env.lc.item(0)
        dash = lines[first_line][:first_col]
        added = f"{dash}{key}={value}{nl}"
        return _environment(path, text, service, key, value, env.lc.item(len(env) - 1)[0], added, nl)
    line = int(body.lc.key("environment")[0]) + 1
    reason = f"the `environment:` of service {service} is not a block afc can add to; add {key}: {value} by hand"
    return Skip(path, reason, line, level=Level.WARN)


def _end_of(lines: list[str], line: int, col: int) -> int:
    """The last line of the entry whose key is at (line, col): the lines after it indented deeper."""
    last = line
    for index in range(line + 1, len(lines)):
        if lines[index].strip() and not lines[index].lstrip().startswith("#"):
            if _indent(lines[index]) <= col:
                break
            last = index
    return last


def _environment(path: str, text: str, service: str, key: str, value: str, last: int, added: str, nl: str) -> Edit:
    """Insert `added` after line `last`, checked: the file then holds the same data plus `key` in the service's
    environment."""
    lines = text.splitlines(keepends=True)
    at = sum(len(x) for x in lines[: last + 1])
    lead = "" if lines[last].endswith(("\n", "\r")) else nl
    insertion = Insertion(at, lead + added, f"{key} for compose service {service}")
    before = _plain(load(text, path))
    after = _plain(load(insert_all(text, [insertion])[0], path))
    env = after["services"][service].get("environment")
    if isinstance(env, dict):
        env.pop(key, None)
        if not env and "environment" not in before["services"][service]:
            del after["services"][service]["environment"]
    elif isinstance(env, list) and f"{key}={value}" in env:
        env.remove(f"{key}={value}")
    if after != before:
        raise BadInput(f"could not add {key} to service {service} without changing other content", path=path)
    return Edit(path, (insertion,), line=last + 2, subject=f"{service} environment")
