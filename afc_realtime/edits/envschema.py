"""The web app's env schema (a zod object over process.env, or t3's createEnv): declare the realtime
variables, all optional, so the app starts with or without them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .insertion import undo_insertions
from .result import Edit, Skip
from .typescript import TsFile, add_object_members

if TYPE_CHECKING:
    from ast_grep_py import SgNode

SERVER = [("WS_INTERNAL_URL", "z.string().url().optional()"), ("WS_EVENTS_SECRET", "z.string().min(1).optional()")]
CLIENT = [("NEXT_PUBLIC_WS_URL", "z.string().url().optional()")]
ALL_KEYS = [k for k, _ in SERVER + CLIENT]


def _object_arg(call: SgNode) -> SgNode | None:
    args = call.field("arguments")
    return next((c for c in args.children() if c.kind() == "object"), None) if args is not None else None


def _zod_object_parsed_from_env(root: SgNode) -> SgNode | None:
    """The object literal in `z.object({...})` that is parsed from process.env (directly or via a name)."""
    for call in root.find_all(kind="call_expression"):
        fn = call.field("function")
        args = call.field("arguments")
        if fn is None or fn.kind() != "member_expression" or args is None or "process.env" not in args.text():
            continue
        prop = fn.field("property")
        if prop is None or prop.text() not in ("parse", "safeParse"):
            continue
        target = fn.field("object")
        if target is not None and target.kind() == "identifier":
            target = _declared_value(root, target.text())
        callee = target.field("function") if target is not None and target.kind() == "call_expression" else None
        if target is not None and callee is not None and callee.text().endswith(".object"):
            return _object_arg(target)
    return None


def _declared_value(root: SgNode, name: str) -> SgNode | None:
    for declarator in root.find_all(kind="variable_declarator"):
        declared = declarator.field("name")
        if declared is not None and declared.text() == name:
            return declarator.field("value")
    return None


def _create_env_sections(root: SgNode) -> dict[str, SgNode]:
    for call in root.find_all(kind="call_expression"):
        fn = call.field("function")
        if fn is None or fn.text() != "createEnv":
            continue
        options = _object_arg(call)
        if options is None:
            continue
        sections = {}
        for pair in options.children():
            key, value = pair.field("key"), pair.field("value")
            if pair.kind() == "pair" and key is not None and value is not None and value.kind() == "object":
                sections[key.text()] = value
        return sections
    return {}


def declare(file: TsFile) -> Edit | Skip:
    """Insertions declaring the realtime variables, or the reason the file was left alone."""
    zod = _zod_object_parsed_from_env(file.root)
    if zod is not None:
        ins = add_object_members(file.text, zod, SERVER + CLIENT, "env schema: realtime variables")
        return Edit(file.path, (ins,) if ins else ())
    sections = _create_env_sections(file.root)
    if "server" in sections or "client" in sections:
        runtime_key = "runtimeEnv" if "runtimeEnv" in sections else "experimental__runtimeEnv"
        runtime_vars = ALL_KEYS if runtime_key == "runtimeEnv" else [k for k, _ in CLIENT]
        runtime = [(k, f"process.env.{k}") for k in runtime_vars]
        wanted = [("server", SERVER), ("client", CLIENT), (runtime_key, runtime)]
        found = [
            add_object_members(file.text, sections[section], members, f"env schema ({section}): realtime variables")
            for section, members in wanted
            if section in sections
        ]
        return Edit(file.path, tuple(i for i in found if i is not None))
    return Skip(file.path, "no zod object parsed from process.env and no createEnv call found")


undo = undo_insertions  # the inverse: cut exactly the members that were inserted
