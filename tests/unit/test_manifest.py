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
