import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from afc_realtime.edits import jsonfile
from afc_realtime.errors import BadInput
from tests.support.roundtrip import round_trip


def test_new_member_follows_the_files_layout():
    text = '{\n    "tasks": {}\n}\n'
    edit = jsonfile.ensure_list("turbo.json", text, "globalEnv", ["A"], "w")
    round_trip(jsonfile, text, edit, after='{\n    "tasks": {},\n    "globalEnv": ["A"]\n}\n')


def test_existing_multiline_list_gets_items_in_its_style():
    text = '{\n\t"globalEnv": [\n\t\t"X"\n\t]\n}'
    edit = jsonfile.ensure_list("turbo.json", text, "globalEnv", ["X", "Y"], "w")
    round_trip(jsonfile, text, edit, after='{\n\t"globalEnv": [\n\t\t"X",\n\t\t"Y"\n\t]\n}')


def test_comments_and_trailing_commas_are_allowed_as_in_turbo_json():
    text = '{\n  // cache key\n  "globalEnv": ["A",],\n}\n'
    new = round_trip(jsonfile, text, jsonfile.ensure_list("turbo.json", text, "globalEnv", ["B"], "w"))
    assert '"globalEnv": ["A", "B",]' in new


def test_malformed_json_names_the_line():
    with pytest.raises(BadInput) as info:
        jsonfile.parse('{\n  "a": 1,\n  "b": \n}\n', "package.json")
    assert info.value.path == "package.json" and info.value.line == 4


def test_a_non_list_value_is_refused_with_its_line():
    with pytest.raises(BadInput) as info:
        jsonfile.ensure_list("turbo.json", '{\n  "globalEnv": "A"\n}', "globalEnv", ["B"], "w")
    assert info.value.line == 2


_scalar = st.one_of(st.integers(-5, 5), st.booleans(), st.none(), st.text("abc é", max_size=4))
_json = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text("xyz", min_size=1, max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(
    st.dictionaries(st.text("abcdef", min_size=1, max_size=5), _json, max_size=5),
    st.sampled_from([None, 2, 4, "\t"]),
    st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3, unique=True),
    st.booleans(),
)
def test_ensure_list_round_trips_and_parses(data, indent, values, has_list):
    if has_list:
        data = {**data, "globalEnv": ["A"]}
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    edit = jsonfile.ensure_list("turbo.json", text, "globalEnv", values, "w")
    if edit.empty:
        return
    parsed = json.loads(round_trip(jsonfile, text, edit))
    assert set(values) <= set(parsed["globalEnv"])
    assert {k: v for k, v in parsed.items() if k != "globalEnv"} == {k: v for k, v in data.items() if k != "globalEnv"}


@given(
    st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=6),
    st.sets(st.integers(0, 5)),
    st.sampled_from([None, 2, "\t"]),
)
def test_removing_elements_keeps_the_rest_valid_and_in_order(items, doomed, indent):
    text = json.dumps({"k": items, "z": 1}, indent=indent)
    array = jsonfile.parse(text, "x").get("k")
    doomed = {i for i in doomed if i < len(items)}
    for start, end in sorted(jsonfile.remove_elements(array, doomed), reverse=True):
        text = text[:start] + text[end:]
    assert json.loads(text) == {"k": [v for i, v in enumerate(items) if i not in doomed], "z": 1}
