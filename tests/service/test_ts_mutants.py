"""Single-point bugs in the service's security predicates (issue 20 item 5, the TypeScript side): each mutant
removes or weakens one check in tickets/signing/auth/channels/limits/claim/config and in the runtime-agnostic
core (hub, nonces, service: issue 21), and the service's own unit tests (test/units.test.ts and
test/hub.test.ts, under Bun) must fail with it. A mutant that survives is a check no test holds."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.node

# (file in src/, exact text, its mutant): each text occurs once in its file.
MUTANTS: list[tuple[str, str, str]] = [
    # tickets
    ("tickets.ts", 'if (key === undefined) return { ok: false, reason: "no-key" };', ""),
    ("tickets.ts", "if (ticket.length > MAX_TICKET_LENGTH)", "if (false)"),
    ("tickets.ts", "parts.length !== 3 || ", ""),
    ("tickets.ts", "!SIGNATURE.test(signature)", "!BASE64URL.test(signature)"),
    ("tickets.ts", "!BASE64URL.test(payload) || ", ""),
    ("tickets.ts", "expires + CLOCK_SKEW_SECONDS < now", "expires + CLOCK_SKEW_SECONDS + 1 < now"),
    ("tickets.ts", "expires + CLOCK_SKEW_SECONDS < now", "false"),
    ("tickets.ts", "issued > now + CLOCK_SKEW_SECONDS ||", "issued > now + CLOCK_SKEW_SECONDS + 1 ||"),
    ("tickets.ts", "issued > now + CLOCK_SKEW_SECONDS ||", ""),
    ("tickets.ts", "expires <= issued || ", ""),
    ("tickets.ts", "expires - issued > MAX_TICKET_TTL_SECONDS", "expires - issued > MAX_TICKET_TTL_SECONDS + 1"),
    ("tickets.ts", "!Number.isSafeInteger(iat) || ", ""),
    ("tickets.ts", "sub.length === 0 || ", ""),
    ("tickets.ts", "sub.length > MAX_SUBJECT_LENGTH", "sub.length > MAX_SUBJECT_LENGTH + 1"),
    ("tickets.ts", "ch.length > MAX_TICKET_CHANNELS || ", ""),
    ("tickets.ts", "!ch.every(isValidChannel)", "false"),
    ("tickets.ts", 'name.trim().toLowerCase() === "ticket"', 'name === "ticket"'),
    ("tickets.ts", "name === undefined || ", ""),
    ("tickets.ts", "!TICKET_NONCE.test(n)", "false"),
    ("tickets.ts", 'typeof n !== "string" || ', ""),
    # hub: a connection's life
    ("hub.ts", 'if (conn.state === "waiting") this.end(', "if (false) this.end("),
    ("hub.ts", "} else if (this.options.allowAnonymous) {", "} else if (true) {"),
    ("hub.ts", "(exp + CLOCK_SKEW_SECONDS) * 1000 - Date.now()", "(exp + CLOCK_SKEW_SECONDS + 60) * 1000 - Date.now()"),
    ("hub.ts", "this.apply(conn, first ? claim : reused, ack);", "this.apply(conn, claim, ack);"),
    ("hub.ts", "(yes) => this.apply(conn, yes ? claim : reused, ack),", "(yes) => this.apply(conn, claim, ack),"),
    ("hub.ts", "            if (after.has(channel)) continue;\n", ""),
    ("hub.ts", 'for (const conn of targets) this.end(conn, CLOSE_REVOKED, "revoked");', ""),
    ("hub.ts", "if (conn.inbound.take() || ", "if (true || "),
    ("hub.ts", "if (buffered > maxBufferedBytes) {", "if (false) {"),
    ("hub.ts", "if (earlier) continue;", ""),
    ("hub.ts", "if (conn.released) return;", ""),
    # service core
    ("service.ts", "if (query === undefined) return { status: 400", "if (false) return { status: 400"),
    # nonces
    ("nonces.ts", "if (this.seen.has(nonce)) return false;", ""),
    ("nonces.ts", "this.seen.set(nonce, exp + CLOCK_SKEW_SECONDS);", "this.seen.set(nonce, exp);"),
    # claim
    ("claim.ts", "!allowAnonymous && sub === null && channels.every((c) => c === PUBLIC_CHANNEL)", "false"),
    ("claim.ts", "tickets.length === 1 ? tickets[0] : undefined", "tickets[0]"),
    ("claim.ts", "if (allowAnonymous) return", "if (true) return"),
    # signing
    ("signing.ts", "if (now - sent > MAX_MESSAGE_AGE_MS)", "if (now - sent > MAX_MESSAGE_AGE_MS + 1)"),
    ("signing.ts", 'if (sent - now > MAX_FUTURE_SKEW_MS) return { ok: false, reason: "future" };', ""),
    ("signing.ts", "if (sent - now > MAX_FUTURE_SKEW_MS)", "if (sent - now > MAX_FUTURE_SKEW_MS + 1)"),
    ("signing.ts", "!NONCE.test(nonce) ||", ""),
    ("signing.ts", "channels.length > MAX_EVENT_CHANNELS || ", ""),
    ("signing.ts", "!channels.every(isValidChannel)", "false"),
    ("signing.ts", 'if (jsonTooDeep(envelope)) return { ok: false, reason: "envelope" };', ""),
    ("signing.ts", "keys.length !== 2 || ", ""),
    ("signing.ts", 'Buffer.byteLength(raw, "utf8") > maxBytes', "false"),
    ("signing.ts", "if (this.seen.has(id)) return false;", ""),
    ("signing.ts", 'if (envelope !== "") return { ok: false, reason: "envelope" };', ""),
    ("signing.ts", "(magic !== MAGIC && !revoke) ||", "false ||"),
    ("signing.ts", 'if (cipherKey && message.envelope !== "")', "if (false)"),
    ("signing.ts", "this.seen.set(id, ms + MAX_MESSAGE_AGE_MS);", "this.seen.set(id, ms);"),
    # channels
    ("channels.ts", 'if (raw === "") return', "if (false) return"),
    ("channels.ts", "if (channels.length > MAX_EVENT_CHANNELS) {", "if (channels.length > MAX_EVENT_CHANNELS + 1) {"),
    ("channels.ts", 'if (key !== "to") return', "if (false) return"),
    ("channels.ts", "if (to !== undefined) return", "if (false) return"),
    # auth
    (
        "auth.ts",
        "return timingSafeEqual(sameLength ? candidate : secret, secret) && sameLength;",
        "return timingSafeEqual(sameLength ? candidate : secret, secret);",
    ),
    ("auth.ts", "if (isLoopback(remoteAddress)) return { ok: true };", "return { ok: true };"),
    ("auth.ts", "if (token !== undefined && secretMatches(token, metricsToken!))", "if (token !== undefined)"),
    # requests
    ("requests.ts", "origin !== undefined || ", ""),
    ("requests.ts", 'fetchSite !== "none"', "true"),
    ("requests.ts", "(fetchSite !== undefined && ", "(true && "),
    ("requests.ts", "if (!auth.ok) return", "if (false) return"),
    ("requests.ts", "secret === undefined ? head.remote() : undefined", "head.remote()"),
    # limits
    ("limits.ts", "if (this.total >= this.limits.maxConnections) {", "if (this.total > this.limits.maxConnections) {"),
    ("limits.ts", ">= this.limits.maxConnectionsPerAddress", "> this.limits.maxConnectionsPerAddress"),
    ("limits.ts", "return this.count <= this.perSecond;", "return this.count <= this.perSecond + 1;"),
    ("limits.ts", "if (now - this.windowStart >= 1000) {", "if (now - this.windowStart >= 999) {"),
    ("limits.ts", "    hold(address: string): void {\n        this.total += 1;", "    hold(address: string): void {"),
    # config
    ("config.ts", 'lower.includes("change-me") || ', ""),
    (
        "config.ts",
        'if (Buffer.byteLength(value, "utf8") < MIN_PRODUCTION_SECRET_BYTES) {',
        'if (Buffer.byteLength(value, "utf8") < MIN_PRODUCTION_SECRET_BYTES - 1) {',
    ),
    ("config.ts", "new Set(value).size < MIN_SECRET_DISTINCT_CHARACTERS || ", ""),
    ("config.ts", " || estimatedBits(value) < MIN_SECRET_BITS", ""),
    ("config.ts", "if (!(NODE_ENVS as readonly string[]).includes(nodeEnv.toLowerCase())) {", "if (false) {"),
]


def _units(root: Path, bun: str) -> subprocess.CompletedProcess[str]:
    # --bail: a mutant is caught at its first failing test; the rest of the run would tell nothing more
    return subprocess.run(
        [bun, "test", "--bail", "test/units.test.ts", "test/hub.test.ts"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _sandbox(ws_dir: Path, root: Path) -> Path:
    """A copy of the rendered service's sources and tests, sharing its node_modules."""
    root.mkdir(parents=True)
    for name in ("src", "test"):
        shutil.copytree(ws_dir / name, root / name)
    for name in ("package.json", "tsconfig.json"):
        shutil.copy(ws_dir / name, root / name)
    os.symlink(ws_dir / "node_modules", root / "node_modules")
    return root


def _run_mutant(ws_dir: Path, root: Path, bun: str, mutant: tuple[str, str, str]) -> str:
    """Why the mutant is not caught ("" when the units fail with it, as they must)."""
    file, original, replacement = mutant
    path = _sandbox(ws_dir, root) / "src" / file
    text = path.read_text()
    if text.count(original) != 1:
        return f"{file}: the mutated text must occur once: {original!r}"
    path.write_text(text.replace(original, replacement))
    result = _units(root, bun)
    return "" if result.returncode != 0 else f"survived: {file}: {original!r} -> {replacement!r}"


@pytest.fixture(scope="module")
def verdicts(ws_dir: Path, bun: str, tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    """Every mutant run at once, a few at a time (the units wait on timers more than they compute), each in a
    sandbox of its own; the tests below read the verdicts, one test per mutant."""
    base = tmp_path_factory.mktemp("mutants")
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {i: pool.submit(_run_mutant, ws_dir, base / str(i), bun, m) for i, m in enumerate(MUTANTS)}
        return {i: future.result() for i, future in futures.items()}


def test_the_units_pass_unmutated(ws_dir: Path, bun: str, tmp_path: Path):
    result = _units(_sandbox(ws_dir, tmp_path / "plain"), bun)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("index", range(len(MUTANTS)), ids=[f"{f}:{i}" for i, (f, _, _) in enumerate(MUTANTS)])
def test_each_single_point_bug_is_caught(verdicts: dict[int, str], index: int):
    assert verdicts[index] == ""
