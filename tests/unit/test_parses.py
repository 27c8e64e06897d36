"""parses.py: a file afc edits must parse after the edit if it parsed before."""

from __future__ import annotations

import pytest

from afc_realtime.edits.parses import check_still_parses, parses
from afc_realtime.errors import BadInput


@pytest.mark.parametrize(
    "path, good, bad",
    [
        ("package.json", '{"a": 1, "b": 2}\n', '{"a": 1 "b": 2}\n'),
        ("apps/web/tsconfig.json", '{\n  // a comment\n  "a": 1\n}\n', '{\n  "a": 1\n'),
        ("compose.yml", "services:\n  db:\n    image: x\n", "services:\n  db:\n    image: [x\n"),
        (".afc/manifest.toml", "version = 1\n", "version = \n"),
        (".env.local", "A=1\n", "A=1\nnot a line\n"),
        (
            "apps/web/src/app/layout.tsx",
            "export default function L() {\n  return <div />;\n}\n",
            "export default function L() {\n  return <div />;\n",
        ),
    ],
)
def test_each_kind_parses_or_not(path, good, bad):
    assert parses(path, good) is True and parses(path, bad) is False
    check_still_parses(path, good, good)
    check_still_parses(path, bad, bad)  # broken before: not afc's to judge
    with pytest.raises(BadInput) as refused:
        check_still_parses(path, good, bad)
    assert refused.value.path == path and "nothing was written" in refused.value.message


def test_a_kind_afc_does_not_know_always_parses_and_a_missing_side_is_no_edit():
    assert parses("README.md", "}{") is True
    check_still_parses("package.json", None, "{")
    check_still_parses("package.json", "{}", None)
