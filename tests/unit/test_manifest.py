import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from afc_realtime import manifest
from afc_realtime.edits.insertion import Insertion
from afc_realtime.errors import BadInput

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(
    st.dictionaries(
        st.text("abc/.", min_size=1, max_size=8),
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
