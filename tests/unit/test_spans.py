from afc_realtime.edits.spans import Cut, cut_all, whole_lines


def test_cutting_a_block_between_blank_lines_leaves_one_blank_line():
    text = "a();\n\n// broadcast it\nif (x) {\n  y();\n}\n\nreturn z;\n"
    start = text.index("if")
    assert cut_all(text, [whole_lines(text, start, text.index("}") + 1, "w")]) == "a();\n\nreturn z;\n"


def test_overlapping_cuts_merge():
    assert cut_all("abcdef", [Cut(1, 3, "x"), Cut(2, 5, "y")]) == "af"


def _cut(text, start_marker, end_marker, take_comments=True):
    start = text.index(start_marker)
    end = text.index(end_marker) + len(end_marker)
    cut = whole_lines(text, start, end, "w", take_comments)
    return text[: cut.start] + text[cut.end :]


def test_whole_lines_takes_realtime_comments_above_but_not_other_comments():
    text = "a();\n// keep me\n// notify the websocket\n// ws too\nsend();\nb();\n"
    assert _cut(text, "send", ");") == "a();\n// keep me\nb();\n"
    assert (
        _cut(text, "send", ");", take_comments=False) == "a();\n// keep me\n// notify the websocket\n// ws too\nb();\n"
    )
    assert _cut("/* realtime */\nsend();\nb();\n", "send", ");") == "/* realtime */\nb();\n"
    assert _cut("x = 1; // realtime\nsend();\n", "send", ");") == "x = 1; // realtime\n"


def test_whole_lines_from_the_first_line_and_comments_at_the_top():
    assert _cut("// realtime\nsend();\nb();\n", "send", ");") == "b();\n"
    assert _cut("send();\nb();\n", "send", ");") == "b();\n"
    assert _cut("\nsend();\nb();\n", "send", ");") == "\nb();\n"


def test_whole_lines_ends_at_the_line_of_the_last_character():
    text = "a();\nsend();\nb();\n"
    cut = whole_lines(text, text.index("send"), text.index("send") + len("send();\n"), "w")
    assert text[: cut.start] + text[cut.end :] == "a();\nb();\n"
    cut = whole_lines(text, text.index("send"), text.index("send") + len("send();"), "w")
    assert (cut.start, cut.end) == (5, 13)


def test_blank_lines_around_a_cut_collapse_to_one_and_a_trailing_blank_goes_at_the_end():
    assert _cut("a();\n\nsend();\n\nb();\n", "send", ");") == "a();\n\nb();\n"
    assert _cut("a();\n\nsend();\nb();\n", "send", ");") == "a();\n\nb();\n"
    assert _cut("a();\nsend();\n\nb();\n", "send", ");") == "a();\n\nb();\n"
    assert _cut("a();\n\nsend();\n", "send", ");") == "a();\n"
    assert _cut("a();\n\nsend();", "send", ");") == "a();\n"
    assert _cut("a();\nsend();\n", "send", ");") == "a();\n"


def test_cut_all_keeps_disjoint_and_touching_cuts_apart_and_keeps_the_first_name():
    assert cut_all("abcdef", [Cut(4, 5, "y"), Cut(0, 1, "x")]) == "bcdf"
    assert cut_all("abcdef", [Cut(0, 2, "x"), Cut(2, 4, "y")]) == "ef"
    assert cut_all("abcdef", [Cut(1, 5, "x"), Cut(2, 3, "y")]) == "af"
    assert cut_all("abcdef", []) == "abcdef"


def test_a_comment_above_a_blank_line_stays_and_first_line_cuts_keep_their_blank():
    assert _cut("// realtime\n\nsend();\nb();\n", "send", ");") == "// realtime\n\nb();\n"
    assert _cut("send();\n\nb();\n", "send", ");") == "\nb();\n"
    assert _cut("\nsend();\n\nb();\n", "send", ");") == "\nb();\n"
    text = "a();\nsend();\n"
    assert whole_lines(text, 5, 12, "the name").what == "the name"


def test_an_indented_closing_brace_below_takes_the_blank_line_above():
    text = "    if (a) {\n        x();\n\n        broadcast(e);\n    }\n"
    at = text.index("        broadcast")
    cut = whole_lines(text, at, at + 5, "b")
    assert cut_all(text, [cut]) == "    if (a) {\n        x();\n    }\n"
    tabbed = text.replace("    }", "\t}")
    assert cut_all(tabbed, [whole_lines(tabbed, at, at + 5, "b")]) == "    if (a) {\n        x();\n\t}\n"
    other = text.replace("    }", "    y();\n    }")
    assert cut_all(other, [whole_lines(other, at, at + 5, "b")]) == "    if (a) {\n        x();\n\n    y();\n    }\n"


def test_the_blank_line_above_stays_unless_the_next_line_starts_with_a_brace_after_spaces_or_tabs():
    text = "{\n  a();\n\n  b();\n \t}\n"
    assert _cut(text, "b()", ";") == "{\n  a();\n \t}\n"
    for odd in ("\u00a0}", "X}"):  # neither is a space or a tab: the line does not start with the brace
        text = "{\n  a();\n\n  b();\n" + odd + "\n"
        assert _cut(text, "b()", ";") == "{\n  a();\n\n" + odd + "\n"
