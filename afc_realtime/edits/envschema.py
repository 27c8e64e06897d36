"""The web app's env schema (a zod object over process.env, or t3's createEnv): declare the realtime
variables, all optional, so the app starts with or without them."""

from __future__ import annotations

from . import typescript as ts
from .insertion import Insertion

SERVER = [("WS_INTERNAL_URL", "z.string().url().optional()"), ("WS_EVENTS_SECRET", "z.string().min(1).optional()")]
CLIENT = [("NEXT_PUBLIC_WS_URL", "z.string().url().optional()")]
ALL_KEYS = [k for k, _ in SERVER + CLIENT]


def _object_arg(call):
    args = call.field("arguments")
    return next((c for c in args.children() if c.kind() == "object"), None) if args is not None else None


def _zod_object_parsed_from_env(root):
    """The object literal in `z.object({...})` that is parsed from process.env (directly or via a name)."""
    for call in root.find_all(kind="call_expression"):
        fn = call.field("function")
        args = call.field("arguments")
        if fn is None or fn.kind() != "member_expression" or args is None or "process.env" not in args.text():
            continue
        if fn.field("property") is None or fn.field("property").text() not in ("parse", "safeParse"):
            continue
        target = fn.field("object")
        if target.kind() == "identifier":
            target = _declared_value(root, target.text())
        if target is not None and target.kind() == "call_expression" and target.field("function").text().endswith(".object"):
            return _object_arg(target)
    return None


def _declared_value(root, name: str):
    for declarator in root.find_all(kind="variable_declarator"):
        if declarator.field("name") is not None and declarator.field("name").text() == name:
            return declarator.field("value")
    return None


def _create_env_sections(root) -> dict[str, object]:
    for call in root.find_all(kind="call_expression"):
        fn = call.field("function")
        if fn is None or fn.text() != "createEnv":
            continue
        options = _object_arg(call)
        if options is None:
            continue
        sections = {}
        for pair in options.children():
            if pair.kind() == "pair" and pair.field("value").kind() == "object":
                sections[pair.field("key").text()] = pair.field("value")
        return sections
    return {}


def declare(text: str, root) -> list[Insertion] | str:
    """Insertions declaring the realtime variables, or the reason the file was left alone."""
    zod = _zod_object_parsed_from_env(root)
    if zod is not None:
        ins = ts.add_object_members(text, zod, SERVER + CLIENT, "env schema: realtime variables")
        return [ins] if ins else []
    sections = _create_env_sections(root)
    if "server" in sections or "client" in sections:
        runtime_key = "runtimeEnv" if "runtimeEnv" in sections else "experimental__runtimeEnv"
        runtime_vars = ALL_KEYS if runtime_key == "runtimeEnv" else [k for k, _ in CLIENT]
        wanted = [("server", SERVER), ("client", CLIENT), (runtime_key, [(k, f"process.env.{k}") for k in runtime_vars])]
        out = []
        for section, members in wanted:
            if section in sections:
                ins = ts.add_object_members(text, sections[section], members, f"env schema ({section}): realtime variables")
                if ins:
                    out.append(ins)
        return out
    return "no zod object parsed from process.env and no createEnv call found"
