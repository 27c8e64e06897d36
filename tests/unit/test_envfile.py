import pytest
from hypothesis import given
from hypothesis import strategies as st

from afc_realtime.edits import envfile
from afc_realtime.edits.result import apply_edits
from afc_realtime.errors import BadInput
from tests.support.roundtrip import round_trip

ENTRIES = [("NEXT_PUBLIC_WS_URL", "ws://localhost:4001"), ("WS_PORT", "4001")]


def test_adds_missing_keys_under_a_header_and_keeps_the_rest():
    text = "# Database\nDATABASE_URL=x\nWS_PORT=5000\n"
    edit = envfile.add_block(".env", text, "Realtime", ENTRIES)
    after = "# Database\nDATABASE_URL=x\nWS_PORT=5000\n\n# Realtime\nNEXT_PUBLIC_WS_URL=ws://localhost:4001\n"
    round_trip(envfile, text, edit, after=after)


def test_nothing_to_add_when_every_key_is_there():
    assert envfile.add_block(".env", "WS_PORT=1\nNEXT_PUBLIC_WS_URL=y\n", "R", ENTRIES).empty


def test_crlf_and_missing_final_newline_are_kept():
    text = "A=1\r\nB=2"
    after = "A=1\r\nB=2\r\n\r\n# R\r\nNEXT_PUBLIC_WS_URL=ws://localhost:4001\r\nWS_PORT=4001\r\n"
    round_trip(envfile, text, envfile.add_block(".env", text, "R", ENTRIES), after=after)


def test_undo_matches_the_block_by_key_when_the_user_changed_a_value():
    text = "A=1\n"
    new, placed = apply_edits(text, [envfile.add_block(".env", text, "R", ENTRIES)])
    changed = new.replace("WS_PORT=4001", "WS_PORT=5000")
    assert envfile.undo(".env", changed, placed) == (text, [])


def test_undo_reports_a_block_whose_keys_are_gone():
    text = "A=1\n"
    new, placed = apply_edits(text, [envfile.add_block(".env", text, "R", ENTRIES)])
    gutted = new.replace("WS_PORT=4001\n", "")
    restored, missing = envfile.undo(".env", gutted, placed)
    assert restored == gutted and [m.what for m in missing] == ["env NEXT_PUBLIC_WS_URL, WS_PORT"]


def test_a_malformed_line_is_named_with_its_number():
    with pytest.raises(BadInput) as info:
        envfile.parse("A=1\n# ok\nthis is not an assignment\n", "apps/web/.env")
    assert info.value.line == 3 and info.value.path == "apps/web/.env"


def test_multiline_quoted_values_and_export_prefix():
    keys = envfile.keys("export A=1\nKEY=\"line one\nline two\"\nB='q' \n", ".env")
    assert keys == {"A": "1", "KEY": "line one\nline two", "B": "q"}


def test_examples_are_told_apart_from_real_files():
    assert envfile.is_example(".env.example") and not envfile.is_example(".env.local")


_key = st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True)
_value = st.from_regex(r"[a-zA-Z0-9:/._-]{0,12}", fullmatch=True)
_line = st.one_of(
    st.tuples(_key, _value).map(lambda kv: f"{kv[0]}={kv[1]}"),
    st.just(""),
    st.from_regex(r"# [a-z ]{0,10}", fullmatch=True),
)


@given(st.lists(_line, max_size=12), st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans())
def test_add_then_remove_is_byte_exact(lines, newline, final_newline, bom):
    text = ("\ufeff" if bom else "") + newline.join(lines) + (newline if final_newline and lines else "")
    edit = envfile.add_block(".env", text, "Realtime (afc websocket)", ENTRIES)
    if edit.empty:
        return
    parsed = envfile.keys(round_trip(envfile, text, edit), ".env")
    assert all(parsed[k] == envfile.keys(text, ".env").get(k, v) for k, v in ENTRIES)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("K='a\nb'\nX=1\n", {"K": "a\nb", "X": "1"}),
        ("K=`a\nb\nc`\nX=1\n", {"K": "a\nb\nc", "X": "1"}),
        ('K="a \\" still\nb"\nX=1\n', {"K": 'a \\" still\nb', "X": "1"}),
        ("K='it''s'\nX=1\n", {"K": "it''s", "X": "1"}),
        ('K="done"\nX=1\n', {"K": "done", "X": "1"}),
        ("K='done'\nX=1\n", {"K": "done", "X": "1"}),
        ("K=plain # comment\nX='#not' # c\n", {"K": "plain", "X": "'#not' # c"}),
        ('K=\nX=""\n', {"K": "", "X": ""}),
    ],
)
def test_quoted_values_in_every_quote_style(text, expected):
    assert envfile.keys(text, ".env") == expected


@pytest.mark.parametrize("quote", ["'", '"', "`"])
def test_a_quoted_value_that_never_closes_names_its_first_line(quote):
    with pytest.raises(BadInput) as info:
        envfile.parse(f"A=1\nK={quote}open\nmore\n", ".env")
    assert info.value.line == 2 and info.value.message == "quoted value of K never closes"


def test_parse_reports_each_line_with_its_span():
    text = "# head\n\nA=1\r\nK='x\ny'\n"
    lines = envfile.parse(text, ".env")
    assert [(line.number, line.key, line.value, line.comment) for line in lines] == [
        (1, None, None, "head"),
        (2, None, None, None),
        (3, "A", "1", None),
        (4, "K", "x\ny", None),
    ]
    assert [(line.start, line.end) for line in lines] == [(0, 7), (7, 8), (8, 13), (13, 21)]


def test_line_numbers_count_every_line_of_a_multi_line_value_and_comments_keep_their_text():
    text = '\ufeff# Header one\r\nK="a\r\nb\r\nc"\r\n#x\r\nBAD LINE\r\n'
    with pytest.raises(BadInput) as info:
        envfile.parse(text, "e/.env")
    assert info.value.line == 6 and info.value.path == "e/.env"
    assert info.value.message == (
        "not a KEY=VALUE line (key BAD, with no '='); its text is not shown, as it may hold a secret"
    )
    lines = envfile.parse(text.replace("BAD LINE\r\n", "Z=1\r\n"), ".env")
    assert [(line.number, line.key, line.value, line.comment) for line in lines] == [
        (1, None, None, "Header one"),
        (2, "K", "a\nb\nc", None),
        (5, None, None, "x"),
        (6, "Z", "1", None),
    ]
    with pytest.raises(BadInput) as info:
        envfile.parse("A=1\nK='x\n", "p/.env")
    assert info.value.path == "p/.env"
    long = "x" * 80
    with pytest.raises(BadInput) as info:
        envfile.parse(long + "\n", ".env")
    assert info.value.message == "not a KEY=VALUE line; its text is not shown, as it may hold a secret"


def test_without_values_keeps_keys_line_endings_and_comments_exactly():
    from afc_realtime.edits.insertion import Insertion

    item = Insertion(5, "\n# Realtime\nA=secret\r\nexport B = x \nC=\nnot an assignment\n", "env A, B, C", "b", "a")
    assert envfile.without_values(item) == Insertion(
        5, "\n# Realtime\nA=\r\nB=\nC=\nnot an assignment\n", "env A, B, C"
    )


def test_undo_matches_a_changed_value_with_its_trailing_blanks_by_key():
    original = "DATABASE_URL=x\n"
    edit = envfile.add_block(".env", original, "Realtime", [("WS_PORT", "4001"), ("WS_HOST", "h")])
    text, placed = apply_edits(original, [edit])
    placed = [envfile.without_values(item) for item in placed]
    changed = text.replace("WS_PORT=4001", "WS_PORT=5000  \t").replace("WS_HOST=h", "WS_HOST = 'h h'")
    assert envfile.undo(".env", changed, placed) == (original, [])


@pytest.mark.parametrize(
    "text, lead",
    [("", ""), ("A=1\n", "\n"), ("A=1\n\n", ""), ("A=1", "\n\n"), ("A=1\r\n", "\r\n"), ("\ufeff\n", "\n")],
)
def test_add_block_leaves_exactly_one_blank_line_before_its_block(text, lead):
    nl = "\r\n" if "\r\n" in text else "\n"
    edit = envfile.add_block(".env", text, "Realtime", ENTRIES)
    block = f"{lead}# Realtime{nl}NEXT_PUBLIC_WS_URL=ws://localhost:4001{nl}WS_PORT=4001{nl}"
    assert edit.path == ".env" and [(i.offset, i.text, i.what) for i in edit.insertions] == [
        (len(text), block, "env NEXT_PUBLIC_WS_URL, WS_PORT")
    ]


def test_add_block_with_every_key_present_is_an_empty_edit_of_that_file():
    from afc_realtime.edits.result import Edit

    text = "NEXT_PUBLIC_WS_URL=a\nWS_PORT=b\n"
    assert envfile.add_block("apps/web/.env.local", text, "Realtime", ENTRIES) == Edit("apps/web/.env.local")


def test_quoted_multi_line_values_keep_their_inner_blanks():
    assert envfile.keys('PEM="a\r\n  b  \r\nc"\nX=1\n', ".env") == {"PEM": "a\n  b  \nc", "X": "1"}
    with pytest.raises(BadInput) as raised:
        envfile.keys("A=1\nPEM='never\n", "apps/.env")
    assert (raised.value.path, raised.value.line) == ("apps/.env", 2)


def test_an_escaped_quote_closes_only_a_double_quoted_value():
    # in '...' and `...` a backslash escapes nothing: the quote after it closes the value
    assert envfile.keys("A='x\\'\nB=`y\\`\nC=1\n", ".env") == {"A": "x\\", "B": "y\\", "C": "1"}
    assert envfile.keys('A="x\\"\ny"\nC=1\n', ".env") == {"A": 'x\\"\ny', "C": "1"}


def test_a_value_ending_in_x_keeps_its_x():
    # the line ending is stripped, and only it: an X before it is the value's
    assert envfile.keys('A=XX\nB="one\ntwoX\nthree"\n', ".env") == {"A": "XX", "B": "one\ntwoX\nthree"}


def test_a_recorded_block_keeps_each_line_ending_and_drops_the_value_whole():
    item = envfile.Insertion(3, "# R\nA=valX\nB=v \r\n", "env A, B")
    assert envfile.without_values(item).text == "# R\nA=\nB=\r\n"


def test_the_current_value_replaces_the_line_up_to_its_ending_only():
    fragment = "# R\nA=vX\nB=v \n"
    assert envfile._with_current_values(fragment, "A=wX\nB=w\n", ".env") == "# R\nA=wX\nB=w\n"


def test_adding_to_a_file_with_a_bad_line_names_the_file_and_line():
    with pytest.raises(BadInput) as info:
        envfile.add_block(".env.local", "A=1\nnot a pair\n", "Realtime", ENTRIES)
    assert (info.value.path, info.value.line, info.value.message) == (
        ".env.local",
        2,
        "not a KEY=VALUE line; its text is not shown, as it may hold a secret",
    )


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("WS_EVENTS_SECRET s3cr3t-value", "WS_EVENTS_SECRET"),
        ("export STRIPE_API_KEY: sk_live_s3cr3t-value", "STRIPE_API_KEY"),
        ("s3cr3t-value", None),  # a bare value: nothing of it is named
        ("lowercase s3cr3t-value", None),  # not a key by the convention env files follow
        ("TOKEN", None),  # one word and nothing after: it may be the value itself
        ('"s3cr3t-value"', None),
    ],
)
def test_a_malformed_line_is_named_by_file_line_and_key_never_by_its_value(line, key):
    with pytest.raises(BadInput) as info:
        envfile.parse(f"A=1\n{line}\n", "apps/web/.env.local")
    assert (info.value.path, info.value.line) == ("apps/web/.env.local", 2)
    assert "s3cr3t-value" not in str(info.value)
    assert (f"(key {key}, with no '=')" in info.value.message) is (key is not None)
