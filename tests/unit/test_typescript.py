import pytest

from afc_realtime.edits import typescript as ts
from afc_realtime.edits.result import Level, Skip
from tests.support.parse_cases import CASES, PAGE
from tests.support.roundtrip import round_trip


def load(text, path="a.ts"):
    file = ts.load(path, text)
    assert isinstance(file, ts.TsFile)
    return file


def test_imports_go_below_the_last_import_in_the_files_quotes():
    text = "'use client'\nimport a from 'a'\nimport b from 'b'\n\nconst x = 1\n"
    round_trip(
        ts,
        text,
        ts.add_import(load(text), "broadcast", "@/lib/realtime/broadcast"),
        after="'use client'\nimport a from 'a'\nimport b from 'b'\n"
        "import { broadcast } from '@/lib/realtime/broadcast'\n\nconst x = 1\n",
    )


def test_an_import_that_is_there_already_is_not_added_again():
    text = 'import { broadcast } from "@/lib/realtime/broadcast";\n'
    assert ts.add_import(load(text), "broadcast", "@/lib/realtime/broadcast").empty


def test_a_file_without_imports_gets_one_at_the_top_after_its_bom():
    text = "\ufeffexport const x = 1;\n"
    round_trip(
        ts, text, ts.add_import(load(text), "a", "b"), after='\ufeffimport { a } from "b";\nexport const x = 1;\n'
    )


def test_syntax_errors_are_a_warning_with_their_line():
    problem = ts.load("app/route.ts", "export async function POST() {\n  const x = ;\n}\n")
    assert isinstance(problem, Skip) and problem.line == 2 and problem.level is Level.WARN
    assert problem.path == "app/route.ts" and "does not parse" in problem.reason


@pytest.mark.parametrize(
    "text, expected",
    [
        ("console.log(1)\n", (0, 'import { z } from "zod"\n')),  # an expression statement without `;` says none
        ('"use client";\nimport x from "y"\n', (32, 'import { z } from "zod";\n')),  # a directive with `;` says so
        ("foo();\nconsole.log(1);\n", (0, 'import { z } from "zod";\n')),  # a call is no directive
        ('import { z } from "zodX";\n', (26, 'import { z } from "zod";\n')),  # only quotes come off the module
    ],
)
def test_add_import_exactly(text, expected):
    from afc_realtime.edits.insertion import Insertion

    assert ts.add_import(load(text), "z", "zod").insertions == (Insertion(*expected, "import z"),)


MEMBERS = [("A", "1"), ("B", "2")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("    const o = {};\n", (15, "\n        A: 1,\n        B: 2,\n    ")),
        ("    const o = {\n    };\n", (15, "\n        A: 1,\n        B: 2,")),
        ("const o = { 'A': 0 };\n", (18, ",\nB: 2")),  # a quoted key counts as there
        ("const o = { A };\n", (13, ",\nB: 2")),  # so does a shorthand one
        ("const o = {\n  x: 1,\n};\n", (19, "\n  A: 1,\n  B: 2,")),
        ("const o = {\n  x: 1\n};\n", (18, ",\n  A: 1,\n  B: 2")),
        ("const o = {\n  x: 1 ,\n};\n", (20, "\n  A: 1,\n  B: 2,")),
        ("const o = {\n\tx: 1\n};\n", (17, ",\n\tA: 1,\n\tB: 2")),
        ("const o = {\r\n  x: 1\r\n};\r\n", (19, ",\r\n  A: 1,\r\n  B: 2")),
        ("const o = { A: 1, B: 2 };\n", None),
        ('const o = { AX: 1, "XB": 2 };\n', (26, ",\nA: 1,\nB: 2")),  # only quotes come off a key
        ("x(\n{});\n", (4, "\n    A: 1,\n    B: 2,\n")),  # the newline before `{` is not inside it
        ("export default {}\n", (16, "\n    A: 1,\n    B: 2,\n")),  # nor the one after `}`
        ("const o = {\n  x: 1\n  ,\n};\n", (18, ",\n  A: 1,\n  B: 2")),  # a comma on the next line is not trailing
    ],
)
def test_add_object_members_exactly(text, expected):
    from afc_realtime.edits.insertion import Insertion

    file = ts.load("a.ts", text)
    assert isinstance(file, ts.TsFile)
    obj = next(iter(file.root.find_all(kind="object")))
    inserted = ts.add_object_members(text, obj, MEMBERS, "w")
    assert inserted == (None if expected is None else Insertion(*expected, "w"))


@pytest.mark.parametrize(("path", "text", "parses"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_afc_parses_what_typescript_parses(path, text, parses):
    """TSX for .tsx/.jsx (a bare `&` in JSX text or an attribute string is valid text), plain TypeScript for
    .ts (where `<T>x` is a cast): the verdicts TypeScript's own parser gives (tests/test_parse_parity.py)."""
    assert isinstance(ts.load(path, text), ts.TsFile) is parses


def test_the_parsed_code_keeps_its_own_text_where_jsx_text_had_an_ampersand():
    file = load(PAGE, "app/page.tsx")
    assert file.root.find(pattern="true && !false") is not None and file.text == PAGE
    assert [n.text() for n in file.root.find_all(kind="template_string")] == ["`c & d`"]
