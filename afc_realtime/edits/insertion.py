"""The one edit primitive: insert text at an offset; its inverse removes exactly that text."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

CONTEXT = 32  # characters either side of a placed insertion that tell it from a lookalike


@dataclass(frozen=True)
class Insertion:
    offset: int  # before applying: in the original text; once placed: where the text stands in the result
    text: str
    what: str  # a short human description: "broadcast todo-created", "env NEXT_PUBLIC_WS_URL"
    before: str = ""  # once placed: a digest of the CONTEXT characters just before the text ("" unknown)
    after: str = ""  # once placed: a digest of the CONTEXT characters just after it, before any later insertion


def insert_all(text: str, insertions: list[Insertion]) -> tuple[str, list[Insertion]]:
    """Apply insertions made against the same original text; return the new text and where each landed."""
    ordered = sorted(enumerate(insertions), key=lambda pair: (pair[1].offset, pair[0]))
    pieces, placed, cursor, shift = [], [], 0, 0
    for _, ins in ordered:
        pieces.append(text[cursor : ins.offset])
        pieces.append(ins.text)
        placed.append(Insertion(ins.offset + shift, ins.text, ins.what))
        shift += len(ins.text)
        cursor = ins.offset
    pieces.append(text[cursor:])
    result = "".join(pieces)
    # the context a removal will see: the text before as it stands (earlier insertions are removed later),
    # the text after as it was (later insertions are removed first); digests, so no secret nearby is copied
    return result, [
        Insertion(
            i.offset,
            i.text,
            i.what,
            _digest(result[max(0, i.offset - CONTEXT) : i.offset]),
            _digest(text[o.offset : o.offset + CONTEXT]),
        )
        for i, (_, o) in zip(placed, ordered, strict=True)
    ]


def _digest(context: str) -> str:
    return hashlib.sha256(context.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def context_matches(text: str, at: int, item: Insertion) -> int:
    """How many sides (0, 1 or 2) of the text standing at `at` look as they did when afc placed `item`."""
    end = at + len(item.text)
    before = _digest(text[max(0, at - CONTEXT) : at]) == item.before
    after = _digest(text[end : end + CONTEXT]) == item.after
    return int(before) + int(after)


def find_placed(text: str, item: Insertion, twins: int = 1) -> int | None:
    """Where `item.text` stands now, or None if it is gone. The user may have edited the file since, which
    shifts offsets, and the same text can stand twice (one import line per route file inserted by afc, one
    written by hand): the one afc put there still has the surroundings it recorded (on both sides, or on one
    when the user edited the other), and among those, the one nearest to where afc put it. When more places
    than afc's `twins` (insertions identical to this one, surroundings included) look like afc's and cutting
    one or the other gives different files (a user's copy of a wired handler), none is afc's for sure: None."""
    found_at = look_alikes(text, item)
    if (item.before or item.after) and len(found_at) > twins and not _same_cut(text, found_at, len(item.text)):
        return None
    return min(found_at, key=lambda at: abs(at - item.offset), default=None)


def look_alikes(text: str, item: Insertion) -> list[int]:
    """Every place `item.text` stands with the most of its recorded surroundings (one side at least), in order;
    every place it stands when nothing was recorded."""
    found_at, start = [], 0
    while (found := text.find(item.text, start)) >= 0:
        found_at.append(found)
        start = found + 1
    if item.before or item.after:
        scored = [(context_matches(text, at, item), at) for at in found_at]
        best = max((score for score, _ in scored), default=0)
        found_at = [at for score, at in scored if score == best and score > 0]
    return found_at


def _same_cut(text: str, offsets: list[int], length: int) -> bool:
    """Whether cutting `length` characters at any of `offsets` (ascending) leaves the same text."""
    first = offsets[0]
    return all(text[first + length : at + length] == text[first:at] for at in offsets[1:])


def remove_all(text: str, items: list[Insertion]) -> tuple[str, list[Insertion]]:
    """The inverse of `insert_all`: remove each placed insertion, last first; return the new text and the
    ones no longer found (or not told apart from a copy)."""
    missing = []
    twins = Counter((i.text, i.before, i.after) for i in items)
    for item in sorted(items, key=lambda i: i.offset, reverse=True):
        key = (item.text, item.before, item.after)
        at = find_placed(text, item, twins[key])
        twins[key] -= 1
        if at is None:
            missing.append(item)
            continue
        text = text[:at] + text[at + len(item.text) :]
    return text, missing


def undo_insertions(path: str, text: str, placed: list[Insertion]) -> tuple[str, list[Insertion]]:
    """`remove_all` with the signature every format's `undo` shares (the path names errors)."""
    return remove_all(text, placed)
