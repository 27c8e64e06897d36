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


def _ensured(text, key="globalEnv", values=("NEW",)):
    edit = jsonfile.ensure_list("turbo.json", text, key, list(values), "w")
    return round_trip(jsonfile, text, edit)


@pytest.mark.parametrize(
    "text, after",
    [
        ('{"globalEnv": []}', '{"globalEnv": ["NEW"]}'),
        ('{"globalEnv": ["A"]}', '{"globalEnv": ["A", "NEW"]}'),
        ('{"globalEnv": ["A","B"]}', '{"globalEnv": ["A","B","NEW"]}'),
        ('{"globalEnv": ["A" , "B"]}', '{"globalEnv": ["A" , "B" , "NEW"]}'),
        ('{"globalEnv": ["A", "B",]}', '{"globalEnv": ["A", "B", "NEW",]}'),
        ('{"globalEnv": [\n  "A",\n  "B"\n]}', '{"globalEnv": [\n  "A",\n  "B",\n  "NEW"\n]}'),
        ('{"globalEnv": [\n  "A"\n]}', '{"globalEnv": [\n  "A",\n  "NEW"\n]}'),
        ('{"globalEnv": [\n  "A",\n]}', '{"globalEnv": [\n  "A",\n  "NEW",\n]}'),
        ('{"globalEnv": [\n  "A", // a\n  "B" // b\n]}', '{"globalEnv": [\n  "A", // a\n  "B", // b\n  "NEW"\n]}'),
        ('{"globalEnv": [\n  "A", // a\n  "B", // b\n]}', '{"globalEnv": [\n  "A", // a\n  "B", // b\n  "NEW",\n]}'),
        ('{"globalEnv": [\n  "A" // a\n]}', '{"globalEnv": [\n  "A", // a\n  "NEW"\n]}'),
        ('{"globalEnv": [\r\n  "A" // a\r\n]}', '{"globalEnv": [\r\n  "A", // a\r\n  "NEW"\r\n]}'),
        ('{"globalEnv": ["A" /* a */, "B"]}', '{"globalEnv": ["A" /* a */, "B", "NEW"]}'),
        ('{"globalEnv": ["A"] // end\n}', '{"globalEnv": ["A", "NEW"] // end\n}'),
    ],
)
def test_items_are_appended_in_the_lists_own_layout(text, after):
    assert _ensured(text) == after


@pytest.mark.parametrize(
    "text, after",
    [
        ("{}", '{"globalEnv": ["NEW"]}'),
        ("{ }", '{"globalEnv": ["NEW"] }'),
        ('{"a": 1}', '{"a": 1, "globalEnv": ["NEW"]}'),
        ('{"a": 1,}', '{"a": 1, "globalEnv": ["NEW"],}'),
        ('{\n  "a": 1\n}', '{\n  "a": 1,\n  "globalEnv": ["NEW"]\n}'),
        ('{\n  "a": 1,\n}', '{\n  "a": 1,\n  "globalEnv": ["NEW"],\n}'),
        ('{\n  "a": 1 // one\n}', '{\n  "a": 1, // one\n  "globalEnv": ["NEW"]\n}'),
        ('{\n  "a": 1, // one\n}', '{\n  "a": 1, // one\n  "globalEnv": ["NEW"],\n}'),
        ("{\n  // nothing yet\n}", '{\n  "globalEnv": ["NEW"]\n  // nothing yet\n}'),
        ("{\n\t// tabs\n}", '{\n\t"globalEnv": ["NEW"]\n\t// tabs\n}'),
    ],
)
def test_members_are_added_in_the_objects_own_layout(text, after):
    assert _ensured(text) == after


def test_several_keys_added_to_an_empty_object_are_separated():
    for text, after in [
        ("{}", '{"globalEnv": ["A"], "globalPassThroughEnv": ["B"]}'),
        ("{\n}", '{\n    "globalEnv": ["A"],\n    "globalPassThroughEnv": ["B"]\n}'),
        ('{"x": 1}', '{"x": 1, "globalEnv": ["A"], "globalPassThroughEnv": ["B"]}'),
    ]:
        edit = jsonfile.ensure_lists(
            "turbo.json", text, [("globalEnv", ["A"], "env"), ("globalPassThroughEnv", ["B"], "pass")]
        )
        assert round_trip(jsonfile, text, edit) == after
        assert {i.what for i in edit.insertions} <= {"env", "pass", "env and pass"}


def test_ensure_lists_adds_only_what_is_missing_and_refuses_non_lists():
    text = '{"globalEnv": ["A"], "other": 1}'
    edit = jsonfile.ensure_lists("t.json", text, [("globalEnv", ["A", "B"], "w"), ("other2", ["C"], "v")])
    assert round_trip(jsonfile, text, edit) == '{"globalEnv": ["A", "B"], "other": 1, "other2": ["C"]}'
    assert jsonfile.ensure_lists("t.json", text, [("globalEnv", ["A"], "w")]).insertions == ()
    with pytest.raises(BadInput, match='"other" should be a list'):
        jsonfile.ensure_lists("t.json", text, [("other", ["A"], "w")])
    with pytest.raises(BadInput, match="expected a JSON object at the top") as info:
        jsonfile.ensure_list("t.json", "\n[1]", "x", ["A"], "w")
    assert info.value.line == 2 and info.value.path == "t.json"


@pytest.mark.parametrize(
    "text, message, line",
    [
        ('{\n  "a": 1,\n', "malformed JSON: missing '}'", 3),
        ('{\n  "a": 1\n', "malformed JSON: expected ',' or '}'", 3),
        ('{\n  "a" 1\n}', "malformed JSON: expected ':' after a key", 2),
        ("{\n  a: 1\n}", "malformed JSON: expected a quoted key", 2),
        ('{\n  "a": 1 "b": 2\n}', "malformed JSON: expected ',' or '}'", 2),
        ('{"a": "x\n"}', "malformed JSON: string never closes", 1),
        ('{"a": nope}', "malformed JSON: unexpected 'nope'", 1),
        ('{"a": 1} x', "malformed JSON: unexpected text after the end", 1),
        ("/* never closed", "malformed JSON: comment never closes", 1),
        ("", "malformed JSON: unexpected end of file", 1),
        ("[1,\n2,", "malformed JSON: missing ']'", 2),
    ],
)
def test_malformed_json_says_what_and_where(text, message, line):
    with pytest.raises(BadInput) as info:
        jsonfile.parse(text, "f.json")
    assert info.value.message == message and info.value.line == line and info.value.path == "f.json"


def test_parse_keeps_spans_values_and_key_positions():
    text = '{ "a": [1, "x", true, null], "b": {"c": -2.5} }'
    root = jsonfile.parse(text, "f.json")
    assert (root.kind, root.start, root.end) == ("object", 0, len(text))
    assert [name for name, _ in root.members] == ["a", "b"] and root.key_starts == [2, 29]
    array = root.get("a")
    assert array is not None and array.kind == "array" and text[array.start : array.end] == '[1, "x", true, null]'
    assert [(i.kind, i.value) for i in array.items] == [
        ("number", 1),
        ("string", "x"),
        ("literal", True),
        ("literal", None),
    ]
    assert root.get("nope") is None
    assert (
        jsonfile.to_python(root) == {"a": [1, "x", True, None], "b": {"c": -2.5}} and jsonfile.to_python(None) is None
    )
    assert jsonfile.element_spans(root) == [(2, 27), (29, 45)]
    assert jsonfile.element_spans(array) == [(8, 9), (11, 14), (16, 20), (22, 26)]


@pytest.mark.parametrize(
    "doomed, after",
    [
        ({0}, '["b", "c", "d"]'),
        ({3}, '["a", "b", "c"]'),
        ({1, 2}, '["a", "d"]'),
        ({0, 1, 2, 3}, "[]"),
        ({2, 3}, '["a", "b"]'),
        ({0, 3}, '["b", "c"]'),
        (set(), '["a", "b", "c", "d"]'),
    ],
)
def test_remove_elements_cuts_with_the_commas(doomed, after):
    from afc_realtime.edits.spans import Cut, cut_all

    text = '["a", "b", "c", "d"]'
    root = jsonfile.parse(text, "f.json")
    cuts = [Cut(a, b, "w") for a, b in jsonfile.remove_elements(root, doomed)]
    assert cut_all(text, cuts) == after


@pytest.mark.parametrize(
    "text, value",
    [
        ('{"a": "x\\\\"}', "x\\"),
        ('{"a": "q\\"q"}', 'q"q'),
        ('{"a": "\\u00e9"}', "é"),
        ('{"a": 1 /* c */ , "b": 2 // d\n}', 1),
        ('{"a": 1 /* c */ /* e */}', 1),
        ('\ufeff{"a": 1}', 1),
        ('{"a": 1}\n// end', 1),
        ('{"a":-1}', -1),
        ('{"a":1e3}', 1000.0),
        ('{"a":true}', True),
        ('{"a":[1/* x */]}', [1]),
        ('{"a": "*/"} /* "} */', "*/"),
        ('{"a": 1 /**/}', 1),
    ],
)
def test_the_scanner_reads_strings_numbers_and_comments(text, value):
    assert jsonfile.to_python(jsonfile.parse(text, "f.json"))["a"] == value


def test_scalar_errors_name_the_line_of_the_token():
    with pytest.raises(BadInput) as info:
        jsonfile.parse('{\n"a":\n  nopenopenopenopenopenope\n}', "f.json")
    assert info.value.line == 3 and info.value.message == "malformed JSON: unexpected 'nopenopenopenopenope'"


def test_new_members_use_the_files_characters_and_spacing():
    text = "{}"
    edit = jsonfile.ensure_list("f.json", text, "é", ["ü", "x"], "w")
    assert round_trip(jsonfile, text, edit) == '{"\\u00e9": ["ü", "x"]}'
    assert edit.insertions[0].what == "w"


def test_ensure_lists_names_each_insertion_and_keeps_every_list():
    text = '{"a": ["x"], "b": ["y"]}'
    edit = jsonfile.ensure_lists(
        "f.json", text, [("a", ["x2"], "first"), ("b", ["y2"], "second"), ("c", ["z"], "third")]
    )
    assert [i.what for i in edit.insertions] == ["first", "second", "third"]
    assert round_trip(jsonfile, text, edit) == '{"a": ["x", "x2"], "b": ["y", "y2"], "c": ["z"]}'
    with pytest.raises(BadInput) as info:
        jsonfile.ensure_lists("f.json", '{\n"a": 1}', [("a", ["x"], "w")])
    assert info.value.path == "f.json" and info.value.line == 2
    with pytest.raises(BadInput) as info:
        jsonfile.ensure_lists("f.json", "\n\n[]", [("a", ["x"], "w")])
    assert info.value.message == "expected a JSON object at the top" and info.value.line == 3
    with pytest.raises(BadInput) as info:
        jsonfile.ensure_lists("g.json", "{", [("a", ["x"], "w")])
    assert info.value.path == "g.json"


def test_comment_aware_appends_name_both_insertions():
    text = '{\n  "a": 1 // one\n}'
    edit = jsonfile.ensure_list("f.json", text, "b", ["x"], "what")
    assert [(i.text, i.what) for i in edit.insertions] == [(",", "what"), ('\n  "b": ["x"]', "what")]
    text = '{\n  "a": 1, // one\n}'
    edit = jsonfile.ensure_list("f.json", text, "b", ["x", "y"], "what")
    assert [(i.text, i.what) for i in edit.insertions] == [('\n  "b": ["x", "y"],', "what")]
    text = '{\n  "a": [\n    "p", // one\n    "q", // two\n  ]\n}'
    edit = jsonfile.ensure_list("f.json", text, "a", ["r", "s"], "what")
    assert round_trip(jsonfile, text, edit).endswith('"q", // two\n    "r",\n    "s",\n  ]\n}')
    text = '{"a": 1} // one'
    assert round_trip(jsonfile, text, jsonfile.ensure_list("f.json", text, "b", ["x"], "w")) == (
        '{"a": 1, "b": ["x"]} // one'
    )
    text = '{\n  "a": 1 //'
    assert jsonfile._line_comment_end(text, text.index("1") + 1) == len(text)
    assert jsonfile._line_comment_end("1 ,\t// c\nx", 1) == 8
    assert jsonfile._line_comment_end("1 , x // c\n", 1) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"a": []}', '{"a": ["N", "é"]}'),
        ('{"a": [\n    "x",\n    "y",\n    "z"\n]}', '{"a": [\n    "x",\n    "y",\n    "z",\n    "N",\n    "é"\n]}'),
        ('{"a": ["x",   "y", "z"]}', '{"a": ["x",   "y", "z", "N", "é"]}'),
        (
            '{"a": [\n    "x", // one\n    "y", // two\n      "z" // three\n]}',
            '{"a": [\n    "x", // one\n    "y", // two\n      "z", // three\n      "N",\n      "é"\n]}',
        ),
        ('{"a": [\n  "x"\n]}', '{"a": [\n  "x",\n  "N",\n  "é"\n]}'),
        ('{"a": ["x"]}', '{"a": ["x", "N", "é"]}'),
        ('{"a": ["x" /* c */, "y"]}', '{"a": ["x" /* c */, "y", "N", "é"]}'),
    ],
)
def test_add_items_separates_like_the_array_exactly(text, expected):
    from afc_realtime.edits.insertion import insert_all

    array = jsonfile.parse(text, "t.json").get("a")
    assert insert_all(text, list(jsonfile.add_items(text, array, ["N", "é"], "w")))[0] == expected


def _added(text, values=("C",)):
    from afc_realtime.edits.insertion import insert_all

    return insert_all(text, list(jsonfile.ensure_list("f.json", text, "k", list(values), "w").insertions))[0]


def test_a_comment_after_the_last_item_of_a_one_line_array_stays_after_the_new_items():
    assert _added('{"k": ["A", "B" // note\n]}') == '{"k": ["A", "B", "C" // note\n]}'


def test_a_block_comment_between_items_on_one_line_is_not_copied():
    assert _added('{"k": ["A", /* c */ "B"]}') == '{"k": ["A", /* c */ "B", "C"]}'
    assert _added('{"k": ["A", /* XX/XX */ "B"]}') == '{"k": ["A", /* XX/XX */ "B", "C"]}'


def test_a_line_break_before_a_one_item_array_is_not_inside_it():
    assert _added('{"k":\n["A"]}') == '{"k":\n["A", "C"]}'


def test_an_empty_root_object_on_one_line_gets_its_member_on_that_line():
    assert _added("{}\n") == '{"k": ["C"]}\n'


def test_an_empty_multiline_root_object_indents_from_its_own_line():
    assert _added("{\n  }") == '{\n  "k": ["C"]\n  }'


def test_a_root_that_is_not_an_object_is_refused_on_its_own_line():
    with pytest.raises(BadInput) as info:
        jsonfile.ensure_list("f.json", "\n[1]\n", "k", ["C"], "w")
    assert str(info.value) == "f.json:2: expected a JSON object at the top"


def test_a_scalar_at_the_very_end_of_the_file_is_read():
    assert jsonfile.to_python(jsonfile.parse("7", "f.json")) == 7


@pytest.mark.parametrize(
    "text, message, line",
    [
        ("[\ntXrue]", "malformed JSON: unexpected 'tXrue'", 2),
        ("[1]\nX", "malformed JSON: unexpected text after the end", 2),
        ('[\n"abc', "malformed JSON: string never closes", 2),
    ],
)
def test_malformed_json_exact_messages(text, message, line):
    with pytest.raises(BadInput) as info:
        jsonfile.parse(text, "f.json")
    assert str(info.value) == f"f.json:{line}: {message}"


def test_block_comments_end_at_their_own_first_close():
    assert jsonfile.to_python(jsonfile.parse("/* a */ [1] /* b */", "f.json")) == [1]
    assert jsonfile.to_python(jsonfile.parse("/*/ [2] */ [1]", "f.json")) == [1]


def test_nesting_is_bounded_on_both_sides_of_the_limit():
    from afc_realtime.edits.jsonfile import MAX_DEPTH

    deepest = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert jsonfile.parse(deepest, "a.json").kind == "array"
    with pytest.raises(BadInput) as info:
        jsonfile.parse("[" + deepest + "]", "a.json")
    assert info.value.message == f"malformed JSON: nested more than {MAX_DEPTH} deep; afc reads no deeper"
    # depth is the nesting, not the count: many containers side by side are fine
    assert len(jsonfile.parse("[" + ", ".join(["[[]]"] * 5000) + "]", "a.json").items) == 5000


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{"a": 1, "a": 2}', 1),
        ('{\n  "tasks": {},\n  "x": 1,\n  "tasks": {}\n}', 4),
        ('{"o": {\n"k": 1,\n"k": 1}}', 3),
        ('{"a\\u0062": 1, "ab": 2}', 1),  # the same key, spelled two ways
    ],
)
def test_a_duplicate_key_is_refused_with_its_line(text, line):
    with pytest.raises(BadInput) as info:
        jsonfile.parse(text, "turbo.json")
    assert info.value.line == line and info.value.message.startswith("malformed JSON: duplicate key ")


def test_the_same_key_in_different_objects_is_no_duplicate():
    root = jsonfile.parse('{"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 3}, {"k": 4}]}', "x.json")
    assert jsonfile.to_python(root) == {"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 3}, {"k": 4}]}
