import json

import pytest
from hypothesis import given, strategies as st

from afc_realtime.edits import jsonfile
from afc_realtime.edits.insertion import insert_all, remove_all
from afc_realtime.errors import BadInput


def test_new_member_follows_the_files_layout():
    text = '{\n    "tasks": {}\n}\n'
    new, _ = insert_all(text, [jsonfile.ensure_list(text, "turbo.json", "globalEnv", ["A"], "w")])
    assert new == '{\n    "tasks": {},\n    "globalEnv": ["A"]\n}\n'


def test_existing_multiline_list_gets_items_in_its_style():
    text = '{\n\t"globalEnv": [\n\t\t"X"\n\t]\n}'
    new, _ = insert_all(text, [jsonfile.ensure_list(text, "turbo.json", "globalEnv", ["X", "Y"], "w")])
    assert new == '{\n\t"globalEnv": [\n\t\t"X",\n\t\t"Y"\n\t]\n}'


def test_comments_and_trailing_commas_are_allowed_as_in_turbo_json():
    text = '{\n  // cache key\n  "globalEnv": ["A",],\n}\n'
    new, placed = insert_all(text, [jsonfile.ensure_list(text, "turbo.json", "globalEnv", ["B"], "w")])
    assert "\"globalEnv\": [\"A\", \"B\",]" in new
    assert remove_all(new, placed)[0] == text


def test_malformed_json_names_the_line():
    with pytest.raises(BadInput) as info:
        jsonfile.parse('{\n  "a": 1,\n  "b": \n}\n', "package.json")
    assert info.value.path == "package.json" and info.value.line == 4


def test_a_non_list_value_is_refused_with_its_line():
    with pytest.raises(BadInput) as info:
        jsonfile.ensure_list('{\n  "globalEnv": "A"\n}', "turbo.json", "globalEnv", ["B"], "w")
    assert info.value.line == 2


_scalar = st.one_of(st.integers(-5, 5), st.booleans(), st.none(), st.text("abc é", max_size=4))
_json = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text("xyz", min_size=1, max_size=3), inner, max_size=3)), max_leaves=8)


@given(st.dictionaries(st.text("abcdef", min_size=1, max_size=5), _json, max_size=5), st.sampled_from([None, 2, 4, "\t"]), st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3, unique=True), st.booleans())
def test_ensure_list_round_trips_and_parses(data, indent, values, has_list):
    if has_list:
        data = {**data, "globalEnv": ["A"]}
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    ins = jsonfile.ensure_list(text, "turbo.json", "globalEnv", values, "w")
    if ins is None:
        return
    new, placed = insert_all(text, [ins])
    parsed = json.loads(new)
    assert set(values) <= set(parsed["globalEnv"])
    assert {k: v for k, v in parsed.items() if k != "globalEnv"} == {k: v for k, v in data.items() if k != "globalEnv"}
    assert remove_all(new, placed) == (text, [])


@given(st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=6), st.sets(st.integers(0, 5)), st.sampled_from([None, 2, "\t"]))
def test_removing_elements_keeps_the_rest_valid_and_in_order(items, doomed, indent):
    text = json.dumps({"k": items, "z": 1}, indent=indent)
    array = jsonfile.parse(text, "x").get("k")
    doomed = {i for i in doomed if i < len(items)}
    for start, end in sorted(jsonfile.remove_elements(array, doomed), reverse=True):
        text = text[:start] + text[end:]
    assert json.loads(text) == {"k": [v for i, v in enumerate(items) if i not in doomed], "z": 1}
