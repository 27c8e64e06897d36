"""One wire grammar (issue 21 item 2): the channel pattern, the ticket format and the key-derivation labels are
written in the service (channels.ts, tickets.ts, signing.ts) and again in the web helpers (ticket.ts,
broadcast.ts) that afc renders into the app, and in this tier's own Python implementation (conftest.py). Each
copy is read from the rendered files and must equal the service's: a change to one copy alone fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from . import conftest
from .conftest import render_web, render_ws


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("wire")
    return render_ws(root / "ws") / "src", render_web(root / "web", use_after=False)


def _one(pattern: str, text: str, where: str) -> str:
    found = re.findall(pattern, text, flags=re.MULTILINE)
    assert len(found) == 1, f"{where}: expected one match of {pattern!r}, found {found}"
    return str(found[0])


def test_the_channel_pattern_is_the_same_everywhere(rendered: tuple[Path, Path]):
    service, web = rendered
    copies = {
        "service channels.ts": _one(
            r"^export const CHANNEL_PATTERN = /(.+)/;$", (service / "channels.ts").read_text(), "channels.ts"
        ),
        "web ticket.ts": _one(
            r"^export const CHANNEL_PATTERN = /(.+)/;$", (web / "ticket.ts").read_text(), "ticket.ts"
        ),
        "web broadcast.ts": _one(
            r"^const CHANNEL_PATTERN = /(.+)/;$", (web / "broadcast.ts").read_text(), "broadcast.ts"
        ),
    }
    assert len(set(copies.values())) == 1, copies
    # The longest channel the pattern allows is the length limit the service checks too.
    pattern = re.compile(copies["service channels.ts"])
    longest = "k" + "a" * 31 + ":" + "x" * 64
    assert pattern.fullmatch(longest) and not pattern.fullmatch(longest + "x")
    assert f"value.length <= {len(longest)}" in (service / "channels.ts").read_text()


def test_the_ticket_format_and_keys_are_the_same_everywhere(rendered: tuple[Path, Path]):
    service, web = rendered
    tickets, signing, ticket_ts = (
        (service / "tickets.ts").read_text(),
        (service / "signing.ts").read_text(),
        (web / "ticket.ts").read_text(),
    )
    label = _one(r'^export const TICKET_KEY_LABEL = "([^"]+)";$', tickets, "tickets.ts")
    assert _one(r'\.update\("(afc-ticket-[^"]+)", "utf8"\)', ticket_ts, "web ticket.ts") == label
    assert conftest.ticket_key("s") == __import__("hmac").new(b"s", label.encode(), "sha256").digest()
    version = _one(r'^export const TICKET_VERSION = "([^"]+)";$', tickets, "tickets.ts")
    assert _one(r"return `(v\d+)\.\$\{payload\}\.\$\{signature\}`;", ticket_ts, "web ticket.ts") == version
    assert _one(r"\.update\(`(v\d+)\.\$\{payload\}`", ticket_ts, "web ticket.ts") == version
    assert conftest.mint_ticket("1", []).startswith(f"{version}.")
    for name, web_name in (
        ("MAX_TICKET_TTL_SECONDS", "MAX_TICKET_TTL_SECONDS"),
        ("MAX_SUBJECT_LENGTH", "MAX_SUBJECT_LENGTH"),
    ):
        ours = _one(rf"^(?:export )?const {name} = (\d+);$", tickets, "tickets.ts")
        assert _one(rf"^(?:export )?const {web_name} = (\d+);$", ticket_ts, "web ticket.ts") == ours, name
    channels = (service / "channels.ts").read_text()
    assert _one(r"^export const MAX_TICKET_CHANNELS = (\d+);$", channels, "channels.ts") == _one(
        r"^const MAX_CHANNELS = (\d+);$", ticket_ts, "web ticket.ts"
    )
    redis_label = _one(r'^export const REDIS_KEY_LABEL = "([^"]+)";$', signing, "signing.ts")
    assert conftest.redis_key("s") == __import__("hmac").new(b"s", redis_label.encode(), "sha256").digest()
