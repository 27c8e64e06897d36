import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from afc_realtime import manifest
from afc_realtime.edits.insertion import Insertion
from afc_realtime.errors import BadInput

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
# paths inside the project: one to three names of a, b, c and dots (`.` and `..` are no names)
_paths = st.lists(
    st.text("abc.", min_size=1, max_size=3).filter(lambda name: name not in (".", "..")), min_size=1, max_size=3
).map("/".join)


@given(
    st.dictionaries(
        _paths,
        st.lists(st.tuples(st.integers(0, 10**6), _text, _text), min_size=1, max_size=3),
        max_size=4,
    ),
    st.lists(_text, max_size=3),
)
def test_dump_then_load_gives_back_every_insertion_exactly(insertions, events):
    record = manifest.FeatureRecord(
        "websocket",
        "0.1.0",
        {"apps/ws/a.ts": "ab" * 32},
        {p: [Insertion(o, t, w) for o, t, w in items] for p, items in insertions.items()},
        ["apps/ws"],
        events,
    )
    original = manifest.Manifest(
        {"websocket": record, "event:todo-archived": manifest.FeatureRecord("event:todo-archived", "0.1.0")}
    )
    assert manifest.load(manifest.dump(original)) == original


def test_an_unreadable_manifest_names_its_line():
    with pytest.raises(BadInput) as info:
        manifest.load("version = 1\n[features.websocket\n")
    assert info.value.path == ".afc/manifest.toml" and info.value.line == 2


def test_a_newer_manifest_version_is_refused():
    with pytest.raises(BadInput, match="version 2"):
        manifest.load("version = 2\n")


GOOD = """version = 1

[features.websocket]
afc_version = "0.1.0"
events = ["todo-created"]
created_dirs = ["apps/ws"]

[[features.websocket.files]]
path = "apps/ws/a.ts"
sha256 = "{digest}"

[[features.websocket.insertions]]
path = "apps/web/src/app/api/todos/route.ts"
offset = 10
what = "broadcast todo-created"
text = "x"

[[features.websocket.insertions]]
path = "turbo.json"
offset = {offset}
what = "turbo globalEnv"
text = {text}
"""


def _good(digest="ab" * 32, offset="5", text='"y"'):
    return GOOD.format(digest=digest, offset=offset, text=text)


@pytest.mark.parametrize(
    "text, line, words",
    [
        (_good(offset="-5"), 20, "offset: should not be negative"),
        (_good(offset='"5"'), 20, "offset: should be a whole number"),
        (_good(text="5"), 22, "text: should be a string"),
        (_good(digest="nothex"), 10, "sha256: should be 64 lower-case hex digits"),
        (_good().replace('what = "turbo globalEnv"\n', ""), 18, "insertions[1].what: missing"),
        (_good().replace('text = "x"', 'text = "x"\ncolour = "red"'), 17, "colour: unknown key"),
        (_good().replace('events = ["todo-created"]', "events = 3"), 5, "events: should be a list of strings"),
        (_good().replace("[[features.websocket.files]]", "[features.websocket.files]"), 8, "files: should be an"),
        (_good().replace('afc_version = "0.1.0"', "afc_version = true"), 4, "afc_version: should be a str"),
        ("version = 1\nfeatures = 3\n", 2, "features: should be a table"),
        ("version = 1\nextra = 3\n", 2, "extra: unknown key"),
        # a path outside the project is named where it stands, not as a bare "refusing a path" later
        (_good().replace('"apps/ws/a.ts"', '"../outside.ts"'), 9, "files[0].path: should be a path inside the project"),
        (_good().replace('"apps/ws/a.ts"', '"/etc/passwd"'), 9, "files[0].path: should be a path inside the project"),
        (_good().replace('"apps/ws/a.ts"', '""'), 9, "files[0].path: should be a path inside the project"),
        (_good().replace('"turbo.json"', '"a/../../b.json"'), 19, "insertions[1].path: should be a path inside the"),
        (_good().replace('["apps/ws"]', '["apps/ws", "/tmp"]'), 6, "created_dirs: should be paths inside the project"),
        (_good().replace('["apps/ws"]', '[".."]'), 6, "created_dirs: should be paths inside the project"),
    ],
)
def test_a_manifest_of_the_wrong_shape_is_bad_input_naming_its_line(text, line, words):
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    assert info.value.path == ".afc/manifest.toml" and info.value.line == line and words in info.value.message


def test_the_good_manifest_loads():
    loaded = manifest.load(_good())
    assert loaded.features["websocket"].insertions["turbo.json"] == [Insertion(5, "y", "turbo globalEnv")]


_toml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | _text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_text, children, max_size=3),
    max_leaves=12,
)
_keys = st.sampled_from(
    ["version", "features", "websocket", "files", "insertions", "path", "sha256", "offset", "text", "what"]
    + ["afc_version", "events", "created_dirs", "before", "after", "x"]
)


def _shaped(value):
    """Hypothesis values made TOML-able: None becomes a string, keys stay strings."""
    if value is None:
        return "none"
    if isinstance(value, list):
        return [_shaped(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _shaped(v) for k, v in value.items()}
    return value


@given(st.recursive(_toml_values, lambda c: st.dictionaries(_keys, c, max_size=4), max_leaves=20))
def test_fuzz_any_toml_document_loads_or_is_bad_input(doc):
    import tomlkit

    data = _shaped(doc) if isinstance(doc, dict) else {"features": _shaped(doc)}
    data.setdefault("version", 1)
    try:
        text = tomlkit.dumps(data)
    except Exception:  # not expressible in TOML: nothing to test
        return
    with contextlib.suppress(BadInput):
        manifest.load(text)


@given(st.text(max_size=200))
def test_fuzz_any_text_loads_or_is_bad_input(text):
    with contextlib.suppress(BadInput):
        manifest.load(text)


@given(
    st.sampled_from(["afc_version", "events", "created_dirs", "files", "insertions"]),
    _toml_values,
)
def test_fuzz_each_feature_key_with_any_value(key, value):
    import tomlkit

    data = {"version": 1, "features": {"websocket": {key: _shaped(value)}}}
    try:
        text = tomlkit.dumps(data)
    except Exception:
        return
    try:
        loaded = manifest.load(text)
    except BadInput as error:
        assert error.line is None or error.line >= 1
    else:
        assert "websocket" in loaded.features


def test_defaults_for_missing_keys_and_wrong_types_of_plain_values():
    loaded = manifest.load("version = 1\n[features.websocket]\n")
    record = loaded.features["websocket"]
    assert (record.afc_version, record.events, record.created_dirs, record.files, record.insertions) == (
        "",
        [],
        [],
        {},
        {},
    )
    for bad, words in (
        ("afc_version = 3", "afc_version: should be a str"),
        ("afc_version = true", "afc_version: should be a str"),
        ('events = ["a", 1]', "events: should be a list of strings"),
        ('created_dirs = "apps/ws"', "created_dirs: should be a list of strings"),
        ("insertions = [1]", "insertions: should be an array of tables"),
    ):
        with pytest.raises(BadInput) as info:
            manifest.load(f"version = 1\n[features.websocket]\n{bad}\n")
        assert info.value.message == f"invalid afc manifest: features.websocket.{words}" and info.value.line == 3


def test_an_offset_that_is_a_boolean_is_refused():
    text = _good(offset="true")
    with pytest.raises(BadInput, match=r"insertions\[1\].offset: should be a whole number"):
        manifest.load(text)


def test_line_numbers_for_keys_in_quoted_and_nested_tables():
    text = (
        'version = 1\n\n[features."event:todo-archived"]\nafc_version = "0.1.0"\n\n'
        '[[features."event:todo-archived".files]]\npath = "a"\nsha256 = "x"\n'
    )
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    assert info.value.line == 8 and "features.event:todo-archived.files[0].sha256" in info.value.message
    text = 'version = 1\n[features.websocket]\n"afc_version" = 2\n'
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    assert info.value.line == 3


def test_line_numbers_point_at_the_right_one_of_several_tables():
    files = "".join(f'\n[[features.websocket.files]]\npath = "p{i}"\nsha256 = "{"ab" * 32}"\n' for i in range(3))
    text = "version = 1\n[features.websocket]\n" + files.replace('path = "p2"', "path = 2")
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    assert info.value.line == text.splitlines().index("path = 2") + 1
    missing = "version = 1\n[features.websocket]\n" + files.replace('path = "p1"\n', "")
    with pytest.raises(BadInput) as info:
        manifest.load(missing)
    assert "files[1].path: missing" in info.value.message
    assert info.value.line == [i for i, line in enumerate(missing.splitlines(), 1) if "files]]" in line][1]


def test_a_key_in_an_inline_table_is_named_by_its_table_or_not_at_all():
    text = "version = 1\nfeatures = { websocket = { afc_version = 3 } }\n"
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    assert info.value.line is None and "afc_version: should be a str" in info.value.message
    text = "version = 1\n[features]\nwebsocket = { afc_version = 3 }\n"
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    assert info.value.line == 2
    text = "version = 1\n[features.websocket]\nevents = []\n[other]\nx = 1\n"
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    assert info.value.message == "invalid afc manifest: other: unknown key" and info.value.line == 4


def test_an_invalid_header_line_does_not_stop_the_search():
    text = "version = 1\n# [not a [table\n[features.websocket]\nafc_version = 3\n"
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    assert info.value.line == 4


def test_an_insertion_without_context_is_dumped_without_it():
    record = manifest.FeatureRecord("websocket", "0.1.0", insertions={"a": [Insertion(1, "x", "w")]})
    text = manifest.dump(manifest.Manifest({"websocket": record}))
    assert "before" not in text and "after" not in text
    record.insertions["a"] = [Insertion(1, "x", "w", "b" * 16, "c" * 16)]
    text = manifest.dump(manifest.Manifest({"websocket": record}))
    assert f'before = "{"b" * 16}"' in text and f'after = "{"c" * 16}"' in text


def test_a_header_lookalike_inside_a_string_does_not_stop_the_line_search():
    text = 'version = 1\n[features.websocket]\nafc_version = """\n[not a header!]\n"""\nevents = 3\n'
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    assert info.value.line == 6


def test_an_inline_array_of_tables_is_named_by_its_feature_table():
    text = (
        'version = 1\n[features.websocket]\nfiles = [{ path = "a", sha256 = "'
        + "ab" * 32
        + '" }, { path = "b", sha256 = "x" }]\n'
    )
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    assert "files[1].sha256" in info.value.message and info.value.line == 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("version = 1\n[features]\nwebsocket = 3\n", "invalid afc manifest: features.websocket: should be a table"),
        (
            "version = 1\n[features.websocket]\nzzz = 1\naaa = 2\n",
            "invalid afc manifest: features.websocket.aaa: unknown key",
        ),
    ],
)
def test_feature_tables_exactly(text, message):
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    assert info.value.message == message


def test_a_manifest_without_features_is_empty_and_context_is_read_back():
    assert manifest.load("version = 1\n") == manifest.Manifest()
    text = _good().replace('text = "x"', 'text = "x"\nbefore = "b1"\nafter = "a1"')
    item = manifest.load(text).features["websocket"].insertions["apps/web/src/app/api/todos/route.ts"][0]
    assert (item.before, item.after) == ("b1", "a1")


def test_load_errors_name_the_manifest_exactly():
    with pytest.raises(BadInput) as raised:
        manifest.load("version = 1\n[x\n")
    assert (raised.value.path, raised.value.line) == (".afc/manifest.toml", 2)
    assert raised.value.message.startswith("unreadable afc manifest: ")
    with pytest.raises(BadInput) as raised:
        manifest.load("version = 2\n")
    assert (raised.value.path, raised.value.line) == (".afc/manifest.toml", None)
    assert raised.value.message == "afc manifest version 2 is not one this afc reads (1)"


def _invalid(text: str) -> tuple[str, int | None]:
    with pytest.raises(BadInput) as info:
        manifest.load(text)
    return info.value.message, info.value.line


def test_a_header_like_line_in_a_multiline_string_does_not_stop_the_line_search():
    text = (
        'version = 1\n[features.ws]\nafc_version = "0.1"\n'
        '[[features.ws.insertions]]\npath = "a.ts"\noffset = 0\nwhat = "w"\ntext = """\n[x = 1 #]\n"""\n'
        '[[features.ws.files]]\npath = "b"\nsha256 = "bad"\n'
    )
    assert _invalid(text) == (
        "invalid afc manifest: features.ws.files[0].sha256: should be 64 lower-case hex digits",
        13,
    )


def test_a_key_not_on_its_own_line_is_named_by_its_own_table_not_a_later_one():
    text = 'version = 1\n[features]\nws = { afc_version = 1 }\n[features.b]\nafc_version = "x"\n'
    assert _invalid(text) == ("invalid afc manifest: features.ws.afc_version: should be a str", 2)


def test_a_key_not_on_its_own_line_is_named_by_the_first_of_equal_tables():
    text = 'version = 1\n[features]\nws = { afc_version = 1 }\n[features.b]\nafc_version = """\n[features]\n"""\n'
    assert _invalid(text) == ("invalid afc manifest: features.ws.afc_version: should be a str", 2)


def test_a_key_beginning_or_ending_in_x_is_found_on_its_line():
    text = 'version = 1\n[features.ws]\nafc_version = "0.1"\nXtraX = 1\n'
    assert _invalid(text) == ("invalid afc manifest: features.ws.XtraX: unknown key", 4)
