"""The one edit primitive: insert text at an offset; its inverse removes exactly that text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Insertion:
    offset: int  # before applying: in the original text; once placed: where the text stands in the result
    text: str
    what: str  # a short human description: "broadcast todo-created", "env NEXT_PUBLIC_WS_URL"
    before: str = ""  # once placed: a few characters just before the text, to tell it from a lookalike
    after: str = ""  # once placed: a few characters just after it


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
    return "".join(pieces), placed


def find_placed(text: str, item: Insertion) -> int | None:
    """Where `item.text` stands now, or None if it is gone. The user may have edited the file since, which
    shifts offsets, and the same text can stand twice (one import line per route file inserted by afc, one
    written by hand): the occurrence nearest to where afc put it is the one afc put there."""
    best, start = None, 0
    while (found := text.find(item.text, start)) >= 0:
        if best is None or abs(found - item.offset) < abs(best - item.offset):
            best = found
        start = found + 1
    return best


def remove_all(text: str, items: list[Insertion]) -> tuple[str, list[Insertion]]:
    """The inverse of `insert_all`: remove each placed insertion, last first; return the new text and the
    ones no longer found."""
    missing = []
    for item in sorted(items, key=lambda i: i.offset, reverse=True):
        at = find_placed(text, item)
        if at is None:
            missing.append(item)
            continue
        text = text[:at] + text[at + len(item.text) :]
    return text, missing


def undo_insertions(path: str, text: str, placed: list[Insertion]) -> tuple[str, list[Insertion]]:
    """`remove_all` with the signature every format's `undo` shares (the path names errors)."""
    return remove_all(text, placed)
