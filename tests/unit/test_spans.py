from afc_realtime.edits.spans import Cut, cut_all, whole_lines


def test_cutting_a_block_between_blank_lines_leaves_one_blank_line():
    text = "a();\n\n// broadcast it\nif (x) {\n  y();\n}\n\nreturn z;\n"
    start = text.index("if")
    assert cut_all(text, [whole_lines(text, start, text.index("}") + 1, "w")]) == "a();\n\nreturn z;\n"


def test_overlapping_cuts_merge():
    assert cut_all("abcdef", [Cut(1, 3, "x"), Cut(2, 5, "y")]) == "af"
