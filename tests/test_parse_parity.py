"""The verdicts in tests/support/parse_cases.py are TypeScript's own: its parser (`createSourceFile`, the
parse diagnostics `tsc` reports first) accepts exactly the cases marked as parsing. afc's parse is held to
the same table in tests/unit/test_typescript.py."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.parse_cases import CASES

SCRIPT = """
const ts = require(process.argv[1]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map(([path, text]) =>
  ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true).parseDiagnostics.map(
    (d) => ts.flattenDiagnosticMessageText(d.messageText, "\\n")))));
"""

pytestmark = pytest.mark.node


def test_typescript_parses_exactly_the_cases_marked_so(web_toolchain, node):
    typescript = web_toolchain / "node_modules" / "typescript"
    result = subprocess.run(
        [node, "-e", SCRIPT, str(typescript)],
        input=json.dumps([[path, text] for _, path, text, _ in CASES]),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    diagnostics = json.loads(result.stdout)
    said = {name: found for (name, *_), found in zip(CASES, diagnostics, strict=True)}
    assert {name: not found for name, found in said.items()} == {name: parses for name, _, _, parses in CASES}, said
