import pytest

from afc_realtime.edits import envschema
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.result import Skip
from tests.support.projects import ENV_SCHEMA
from tests.support.roundtrip import round_trip


def declare(text):
    file = ts.load("src/env.ts", text)
    assert isinstance(file, ts.TsFile)
    return envschema.declare(file)


def test_zod_env_schema_gets_optional_realtime_variables():
    new = round_trip(envschema, ENV_SCHEMA, declare(ENV_SCHEMA))
    assert "        DATABASE_URL: z.string().url(),\n        WS_INTERNAL_URL: z.string().url().optional(),\n" in new
    assert "NEXT_PUBLIC_WS_URL: z.string().url().optional()," in new


def test_a_named_schema_parsed_later_is_found():
    text = "const schema = z.object({ A: z.string() });\nexport const env = schema.parse(process.env);\n"
    new = round_trip(envschema, text, declare(text))
    assert new.startswith("const schema = z.object({ A: z.string(),\nWS_INTERNAL_URL")


def test_create_env_sections_each_get_their_variables():
    text = (
        "export const env = createEnv({\n"
        "  server: {\n    DATABASE_URL: z.string(),\n  },\n"
        "  client: {\n    NEXT_PUBLIC_APP: z.string(),\n  },\n"
        "  runtimeEnv: {\n    DATABASE_URL: process.env.DATABASE_URL,\n"
        "    NEXT_PUBLIC_APP: process.env.NEXT_PUBLIC_APP,\n  },\n"
        "});\n"
    )
    new = round_trip(envschema, text, declare(text))
    server = "  server: {\n    DATABASE_URL: z.string(),\n    WS_INTERNAL_URL: z.string().url().optional(),\n"
    assert server + "    WS_EVENTS_SECRET" in new
    assert (
        "  client: {\n    NEXT_PUBLIC_APP: z.string(),\n    NEXT_PUBLIC_WS_URL: z.string().url().optional(),\n  }"
        in new
    )
    assert "    NEXT_PUBLIC_WS_URL: process.env.NEXT_PUBLIC_WS_URL,\n  },\n});" in new


def test_a_schema_that_declares_them_already_needs_nothing():
    declared = "WS_INTERNAL_URL: a, WS_EVENTS_SECRET: b, NEXT_PUBLIC_WS_URL: c"
    text = f"export const env = z.object({{ {declared} }}).parse(process.env);\n"
    assert declare(text).empty


def test_no_schema_shape_is_reported():
    result = declare("export const x = 1;\n")
    assert isinstance(result, Skip) and result.path == "src/env.ts" and "no zod object" in result.reason


T3_EXTENDS = """import { createEnv } from "@t3-oss/env-nextjs";
import { vercel } from "@t3-oss/env-nextjs/presets-zod";

export const env = createEnv({
  extends: [vercel()],
  server: {
    DATABASE_URL: vercel().DATABASE_URL,
  },
  client: {},
  runtimeEnv: {
    DATABASE_URL: process.env["DATABASE_URL"],
  },
});
"""


def test_create_env_without_zod_gets_the_import_and_loses_it_again():
    new = round_trip(envschema, T3_EXTENDS, declare(T3_EXTENDS))
    assert new.startswith(
        'import { createEnv } from "@t3-oss/env-nextjs";\nimport { vercel } from "@t3-oss/env-nextjs/presets-zod";\n'
        'import { z } from "zod";\n\nexport const env'
    )
    assert "    WS_INTERNAL_URL: z.string().url().optional(),\n" in new


def test_runtime_entries_follow_the_files_bracket_access():
    new = round_trip(envschema, T3_EXTENDS, declare(T3_EXTENDS))
    assert '    WS_EVENTS_SECRET: process.env["WS_EVENTS_SECRET"],\n' in new
    dotted = T3_EXTENDS.replace('process.env["DATABASE_URL"]', "process.env.DATABASE_URL")
    assert "    WS_EVENTS_SECRET: process.env.WS_EVENTS_SECRET,\n" in round_trip(envschema, dotted, declare(dotted))
    single = T3_EXTENDS.replace('"', "'")
    assert "    WS_EVENTS_SECRET: process.env['WS_EVENTS_SECRET'],\n" in round_trip(envschema, single, declare(single))


def test_zod_imported_under_another_name_is_used_by_that_name():
    text = T3_EXTENDS.replace(
        'import { vercel } from "@t3-oss/env-nextjs/presets-zod";\n', 'import { z as zod } from "zod";\n'
    )
    new = round_trip(envschema, text, declare(text))
    assert "WS_INTERNAL_URL: zod.string().url().optional()" in new and 'import { z } from "zod"' not in new
    namespaced = text.replace("import { z as zod }", "import * as v")
    assert "WS_INTERNAL_URL: v.string().url().optional()" in round_trip(envschema, namespaced, declare(namespaced))


def test_a_z_bound_elsewhere_is_not_imported_again():
    text = T3_EXTENDS.replace(
        'import { vercel } from "@t3-oss/env-nextjs/presets-zod";\n', 'import { z } from "@/lib/zod";\n'
    )
    assert 'from "zod"' not in round_trip(envschema, text, declare(text))


def test_runtime_entries_only_for_the_sections_there_are():
    text = T3_EXTENDS.replace("  client: {},\n", "")
    new = round_trip(envschema, text, declare(text))
    assert "NEXT_PUBLIC_WS_URL" not in new and 'WS_INTERNAL_URL: process.env["WS_INTERNAL_URL"]' in new


def test_create_env_is_found_after_other_calls_and_only_object_sections_count():
    text = (
        "import { createEnv } from '@t3-oss/env-nextjs';\n"
        "const helper = makeHelper({ server: {} });\n"
        "const other = createEnv;\n"
        "export const env2 = createEnv({\n"
        "  server: {\n    A: z.string(),\n  },\n"
        "  shared: sharedSection,\n"
        "  experimental__runtimeEnv: {\n  },\n"
        "  client: {\n    NEXT_PUBLIC_A: z.string(),\n  },\n"
        "});\n"
    )
    new = round_trip(envschema, text, declare(text))
    assert "const helper = makeHelper({ server: {} });" in new
    assert "    A: z.string(),\n    WS_INTERNAL_URL: z.string().url().optional()," in new
    assert "NEXT_PUBLIC_WS_URL: process.env.NEXT_PUBLIC_WS_URL" in new and "WS_INTERNAL_URL: process.env" not in new


def test_a_schema_named_elsewhere_is_found_by_its_exact_name():
    text = (
        "const schemaX = z.object({ B: z.string() });\n"
        "const schema = z.object({ A: z.string() });\n"
        "export const env = schema.parse(process.env);\n"
    )
    new = round_trip(envschema, text, declare(text))
    assert "const schemaX = z.object({ B: z.string() });" in new and "A: z.string(),\nWS_INTERNAL_URL" in new


def _root(text):
    file = ts.load("src/env.ts", text)
    assert isinstance(file, ts.TsFile)
    return file.root


@pytest.mark.parametrize(
    "text, name, expected",
    [
        ('import z from "zod";\n', "z", True),  # a default import
        ('import * as z from "zod";\n', "z", True),
        ('import { z } from "zod";\n', "z", True),
        ('import { a, z } from "zod";\n', "z", True),
        ('import { x as z } from "y";\n', "z", True),
        ('import d, { a as z } from "m";\n', "z", True),
        ('import d, * as z from "m";\n', "z", True),
        ('import { z as zod } from "zod";\n', "z", False),
        ('import { z as zod } from "zod";\n', "zod", True),
        ('import zz from "m";\nimport * as zed from "n";\n', "z", False),
        ('import "zod";\nimport { y } from "zod";\n', "z", False),
        ('import "side-effect";\nconst z = 1;\n', "z", True),
        ('import "./styles.css";\nimport { z } from "zod";\n', "z", True),  # a bare import does not end the search
        ('import z, { a } from "m";\n', "z", True),  # the default import counts beside the named ones
        ('import { z, a } from "m";\n', "z", True),
        ("const z = 1;\n", "z", True),
        ("export const z = 1;\n", "z", True),
        ("let a = 1, z = 2;\n", "z", True),
        ("var z;\n", "z", True),
        ("export var q = 1, z = 2;\n", "z", True),
        ("function z() {}\n", "z", False),
        ("export function f() {\n    const z = 1;\n}\n", "z", False),
        ("export default 1;\nexport { y };\n", "z", False),
        ("const zz = 1;\nlet y = z;\n", "z", False),
        ("", "z", False),
    ],
)
def test_binds_exactly(text, name, expected):
    assert envschema.binds(_root(text), name) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ('import { z } from "zod";\n', "z"),
        ('import { z as zod } from "zod";\n', "zod"),
        ('import * as v from "zod/v4";\n', "v"),
        ("import * as v from 'zod';\n", "v"),
        ('import { string, z as q } from "zod";\n', "q"),
        ('import { string } from "zod";\nimport { z as y } from "zod";\n', "y"),
        ('import { z as x } from "zodiac";\n', "z"),
        ('import { z as x } from "not-zod";\n', "z"),
        ('import * as v from "zodX";\n', "z"),  # only the quotes are taken off the module name
        ('import * as v from "Xzod";\n', "z"),
        ('import "zod";\n', "z"),
        ("const x = 1;\n", "z"),
    ],
)
def test_zod_name_exactly(text, expected):
    assert envschema.zod_name(_root(text)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("const a = process.env.A;\n", "process.env.WS_PORT"),
        ("", "process.env.WS_PORT"),
        ('const a = process.env["A"];\n', 'process.env["WS_PORT"]'),
        ("import x from 'y';\nconst a = process.env['A'];\n", "process.env['WS_PORT']"),  # the imports' quote
        ('const a = process.env["A"];\nconst b = process.env.B;\n', "process.env.WS_PORT"),  # a tie: dotted
        ('const a = process.env["A"], b = process.env["B"];\nconst c = process.env.C;\n', 'process.env["WS_PORT"]'),
        ('const a = process . env["A"];\n', 'process.env["WS_PORT"]'),
        ('const a = other.env["A"];\nconst b = env["B"];\n', "process.env.WS_PORT"),
    ],
)
def test_env_access_follows_the_files_majority_style(text, expected):
    assert envschema.env_access(_root(text), "WS_PORT") == expected


def _members(edit):
    assert not isinstance(edit, Skip)
    return "".join(i.text for i in edit.insertions)


@pytest.mark.parametrize(
    "text, zod",
    [
        ('import * as v from "zod";\nexport const env = v.object({ A: v.string() }).parse(process.env);\n', "v"),
        ("export const env = myz.object({ A: myz.string() }).parse(process.env);\n", "myz"),  # the call's own name
        # `(q)` is no name: the name the import gives zod
        ('import { z as q } from "zod";\nexport const env = (q).object({ A: q.string() }).parse(process.env);\n', "q"),
    ],
)
def test_the_schemas_own_zod_name_is_used_and_nothing_imported(text, zod):
    edit = declare(text)
    assert _members(edit) == (
        f",\nWS_INTERNAL_URL: {zod}.string().url().optional(),\nWS_EVENTS_SECRET: {zod}.string().min(1).optional(),"
        f"\nNEXT_PUBLIC_WS_URL: {zod}.string().url().optional()"
    )


@pytest.mark.parametrize(
    "prefix",
    [
        "log.info(process.env);\n",  # a call with process.env that is not a parse
        "const other = 1;\nexport const a = other.parse(process.env);\n",  # parses something that is no schema
        "export const b = unknown.parse(process.env);\n",  # a name declared nowhere
        "export const c = z.string().parse(process.env.A);\n",  # a parse of one variable
    ],
)
def test_the_schema_is_found_after_calls_that_are_not_it(prefix):
    text = prefix + "export const env = z.object({ A: z.string() }).parse(process.env);\n"
    assert "WS_INTERNAL_URL: z.string().url().optional()" in _members(declare(text))


def test_a_parse_of_no_object_schema_is_a_skip():
    text = "const other = make();\nexport const a = other.parse(process.env);\n"
    text += "export const b = unknown.parse(process.env);\n"
    assert isinstance(declare(text), Skip)


def test_create_env_imports_zod_only_when_a_schema_section_gets_members():
    runtime_only = (
        "export const env = createEnv({\n"
        "  server: {\n    WS_INTERNAL_URL: y.string(),\n    WS_EVENTS_SECRET: y.string(),\n  },\n"
        "  runtimeEnv: {\n    A: process.env.A,\n  },\n"
        "});\n"
    )
    edit = declare(runtime_only)
    assert [i.what for i in edit.insertions] == ["env schema (runtimeEnv): realtime variables"]
    server_too = runtime_only.replace("    WS_EVENTS_SECRET: y.string(),\n", "")
    edit = declare(server_too)
    assert [i.what for i in edit.insertions] == [
        "import z",
        "env schema (server): realtime variables",
        "env schema (runtimeEnv): realtime variables",
    ]
    client_only = (
        "export const env = createEnv({\n  client: {\n    NEXT_PUBLIC_A: y.string(),\n  },\n"
        "  runtimeEnv: {\n    NEXT_PUBLIC_WS_URL: process.env.NEXT_PUBLIC_WS_URL,\n  },\n});\n"
    )
    assert [i.what for i in declare(client_only).insertions] == ["import z", "env schema (client): realtime variables"]


def test_a_section_given_by_name_is_not_one_afc_edits():
    text = (
        "export const env = createEnv({\n  server: shared,\n  client: {\n    NEXT_PUBLIC_A: z.string(),\n  },\n"
        "  runtimeEnv: {\n    NEXT_PUBLIC_A: process.env.NEXT_PUBLIC_A,\n  },\n});\n"
    )
    edit = declare(text)
    assert [i.what for i in edit.insertions] == [
        "import z",
        "env schema (client): realtime variables",
        "env schema (runtimeEnv): realtime variables",
    ]
    assert edit.insertions[2].text == "\n    NEXT_PUBLIC_WS_URL: process.env.NEXT_PUBLIC_WS_URL,"


def test_a_create_env_call_without_options_is_passed_over():
    text = (
        "export const a = createEnv();\nexport const env = createEnv({\n  server: {\n    A: z.string(),\n  },\n"
        "  runtimeEnv: {\n    A: process.env.A,\n  },\n});\n"
    )
    assert [i.what for i in declare(text).insertions] == [
        "import z",
        "env schema (server): realtime variables",
        "env schema (runtimeEnv): realtime variables",
    ]
