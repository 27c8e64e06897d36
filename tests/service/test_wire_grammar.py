"""One wire grammar (issue 21 item 2): the channel pattern, the ticket format, the key-derivation labels and the
ticket close codes are defined once, in templates/ws/wire.json. afc renders them into the service (src/wire.ts,
through copier) and into the web helpers (ticket.ts, broadcast.ts, realtime-core.ts, through Jinja). Each copy
is read from the rendered files and must equal the definition; no other file holds a copy of its own; a change
to the definition reaches every copy; and this tier's own Python implementation (conftest.py) agrees."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from . import conftest
from .conftest import TEMPLATES, render_web, render_ws


def _definition(templates: Path = TEMPLATES) -> dict[str, Any]:
    grammar: dict[str, Any] = json.loads((templates / "ws" / "wire.json").read_text())["wire"]["default"]
    return grammar


def _render(root: Path) -> tuple[Path, Path]:
    return render_ws(root / "ws") / "src", render_web(root / "web", use_after=False)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _render(tmp_path_factory.mktemp("wire"))


def _one(pattern: str, text: str, where: str) -> str:
    found = re.findall(pattern, text, flags=re.MULTILINE)
    assert len(found) == 1, f"{where}: expected one match of {pattern!r}, found {found}"
    return str(found[0])


def _copies(service: Path, web: Path) -> dict[str, str]:
    """Every rendered copy of each value of the grammar: "<file> <name>" -> the value as written there."""
    wire = (service / "wire.ts").read_text()
    ticket, broadcast, core = ((web / n).read_text() for n in ("ticket.ts", "broadcast.ts", "realtime-core.ts"))
    copies = {
        "service channel_pattern": _one(r"^export const CHANNEL_PATTERN = /(.+)/;$", wire, "wire.ts"),
        "web ticket.ts channel_pattern": _one(r"^export const CHANNEL_PATTERN = /(.+)/;$", ticket, "ticket.ts"),
        "web broadcast.ts channel_pattern": _one(r"^const CHANNEL_PATTERN = /(.+)/;$", broadcast, "broadcast.ts"),
        "service ticket_nonce_pattern": _one(r"^export const TICKET_NONCE = /(.+)/;$", wire, "wire.ts"),
        "web ticket.ts ticket_key_label": _one(r'\.update\("([^"]+)", "utf8"\)', ticket, "ticket.ts"),
        "web ticket.ts ticket_version": _one(r"return `([^.]+)\.\$\{payload\}\.\$\{signature\}`;", ticket, "ticket.ts"),
        "web ticket.ts ticket_version (signed)": _one(r"\.update\(`([^.]+)\.\$\{payload\}`", ticket, "ticket.ts"),
        "web ticket.ts max_ticket_ttl_seconds": _one(r"^export const MAX_TICKET_TTL_SECONDS = (\d+);$", ticket, "t"),
        "web ticket.ts max_subject_length": _one(r"^const MAX_SUBJECT_LENGTH = (\d+);$", ticket, "ticket.ts"),
        "web ticket.ts max_ticket_channels": _one(r"^const MAX_CHANNELS = (\d+);$", ticket, "ticket.ts"),
        "web ticket.ts ticket_nonce_bytes": _one(r"randomBytes\((\d+)\)", ticket, "ticket.ts"),
    }
    for name in ("ticket_version", "ticket_key_label", "redis_key_label", "redis_cipher_key_label"):
        copies[f"service {name}"] = _one(rf'^export const {name.upper()} = "([^"]+)";$', wire, "wire.ts")
    for name in (
        "channel_max_length",
        "max_event_channels",
        "max_ticket_channels",
        "max_ticket_ttl_seconds",
        "max_subject_length",
        "ticket_nonce_bytes",
    ):
        ts_name = "MAX_CHANNEL_LENGTH" if name == "channel_max_length" else name.upper()
        copies[f"service {name}"] = _one(rf"^export const {ts_name} = (\d+);$", wire, "wire.ts")
    for name in ("close_ticket_invalid", "close_ticket_required", "close_ticket_expired", "close_revoked"):
        copies[f"service {name}"] = _one(rf"^export const {name.upper()} = (\d+);", wire, "wire.ts")
        copies[f"web realtime-core.ts {name}"] = _one(rf"^export const {name.upper()} = (\d+);$", core, "core")
    return copies


def _check(copies: dict[str, str], grammar: dict[str, Any]) -> None:
    for where, value in copies.items():
        key = where.split(" ")[-1] if "(" not in where else where.split(" ")[-2]
        assert value == str(grammar[key]), f"{where}: {value!r} differs from wire.json's {grammar[key]!r}"


def test_every_copy_of_the_grammar_equals_its_one_definition(rendered: tuple[Path, Path]):
    grammar = _definition()
    copies = _copies(*rendered)
    _check(copies, grammar)
    # Every value of the definition reaches the service.
    assert {w.split(" ")[-1] for w in copies if w.startswith("service ")} == set(grammar)
    # The longest channel the pattern allows is the length limit the service checks.
    pattern = re.compile(grammar["channel_pattern"])
    longest = "k" + "a" * 31 + ":" + "x" * 64
    assert len(longest) == grammar["channel_max_length"]
    assert pattern.fullmatch(longest) and not pattern.fullmatch(longest + "x")


def test_no_other_file_keeps_a_copy_of_its_own(rendered: tuple[Path, Path]):
    service, web = rendered
    grammar = _definition()
    names = ("channel_pattern", "ticket_key_label", "redis_key_label", "redis_cipher_key_label")
    literals = [grammar[name] for name in names]
    for path in sorted(service.glob("*.ts")):
        if path.name == "wire.ts":
            continue
        text = path.read_text()
        for literal in literals:
            assert literal not in text, f"service {path.name} holds its own copy of {literal!r}"
        for code in ("close_ticket_invalid", "close_ticket_required", "close_ticket_expired", "close_revoked"):
            assert not re.search(rf"= {grammar[code]};", text), f"service {path.name} hard-codes close code {code}"


def test_a_change_to_the_definition_reaches_every_copy(tmp_path: Path):
    from afc_realtime.render import use_templates

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates, ignore=shutil.ignore_patterns("node_modules"))
    data = json.loads((templates / "ws" / "wire.json").read_text())
    changed = {
        **data["wire"]["default"],
        "channel_pattern": "^(?:public|[a-z]{1,8}:[0-9]{1,12})$",
        "ticket_key_label": "afc-ticket-v9",
        "redis_key_label": "afc-redis-v9",
        "max_ticket_ttl_seconds": 45,
        "close_revoked": 4499,
    }
    data["wire"]["default"] = changed
    (templates / "ws" / "wire.json").write_text(json.dumps(data))
    original = conftest.TEMPLATES
    conftest.TEMPLATES = templates
    try:
        with use_templates(templates):
            copies = _copies(*_render(tmp_path / "out"))
    finally:
        conftest.TEMPLATES = original
    _check(copies, changed)


def test_the_test_tiers_own_implementation_agrees(rendered: tuple[Path, Path]):
    grammar = _definition()
    assert conftest.ticket_key("s") == hmac.new(b"s", grammar["ticket_key_label"].encode(), hashlib.sha256).digest()
    assert conftest.redis_key("s") == hmac.new(b"s", grammar["redis_key_label"].encode(), hashlib.sha256).digest()
    ticket = conftest.mint_ticket("1", [])
    assert ticket.startswith(f"{grammar['ticket_version']}.")
    claims = json.loads(conftest.base64.urlsafe_b64decode(ticket.split(".")[1] + "=="))
    assert re.fullmatch(grammar["ticket_nonce_pattern"], claims["n"])
