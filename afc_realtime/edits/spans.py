"""Cutting spans out of text, whole lines at a time, for code afc did not write itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..textfile import line_end, line_start

_ABOUT_REALTIME = re.compile(r"websocket|realtime|broadcast|\bws\b", re.IGNORECASE)


@dataclass(frozen=True)
class Cut:
    start: int
    end: int
    what: str


def whole_lines(text: str, start: int, end: int, what: str, take_comments: bool = True) -> Cut:
    """The lines holding [start, end), with comment lines about realtime just above, and one blank line
    when the cut would otherwise leave two blank lines together, or a blank line before a closing brace."""
    head, tail = line_start(text, start), line_end(text, max(start, end - 1))
    while take_comments and head > 0:
        above = line_start(text, head - 1)
        line = text[above:head].strip()
        if line.startswith("//") and _ABOUT_REALTIME.search(line):
            head = above
        else:
            break
    blank_above = head > 0 and not text[line_start(text, head - 1) : head].strip()
    blank_below = tail < len(text) and not text[tail : line_end(text, tail)].strip()
    if blank_above and blank_below:
        tail = line_end(text, tail)
    elif blank_above and (tail >= len(text) or text[tail:].lstrip(" \t").startswith("}")):
        head = line_start(text, head - 1)  # nothing follows in its block: the blank line above went with it
    return Cut(head, tail, what)


def cut_all(text: str, cuts: list[Cut]) -> str:
    """Remove non-overlapping spans (overlaps merge)."""
    merged: list[Cut] = []
    for cut in sorted(cuts, key=lambda c: c.start):
        if merged and cut.start < merged[-1].end:
            last = merged.pop()
            cut = Cut(last.start, max(last.end, cut.end), last.what)
        merged.append(cut)
    for cut in reversed(merged):
        text = text[: cut.start] + text[cut.end :]
    return text
