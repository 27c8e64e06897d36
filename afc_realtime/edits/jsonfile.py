"""JSON (and JSONC, as turbo.json allows) edited in place: a scanner that keeps every value's span, so an
edit inserts text between existing bytes and never re-serialises the file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import BadInput
from ..textfile import indentation_at, line_number, style_of
from .insertion import Insertion, undo_insertions
from .result import Edit

MAX_DEPTH = 200  # nesting a real package.json, tsconfig or turbo.json never comes near; a hostile one may


@dataclass
class Node:
    kind: str  # object | array | string | number | literal
    start: int
    end: int
    value: object = None  # for scalars: the Python value
    members: list[tuple[str, Node]] = field(default_factory=list)  # objects
    items: list[Node] = field(default_factory=list)  # arrays
    key_starts: list[int] = field(default_factory=list)  # objects: where each member's key begins

    def get(self, key: str) -> Node | None:
        for name, node in self.members:
            if name == key:
                return node
        return None


class _Scanner:
    def __init__(self, text: str, path: str):
        self.text, self.path, self.pos = text, path, 0
        self.depth = 0  # of the containers open at `pos`

    def fail(self, message: str, at: int | None = None) -> BadInput:
        return BadInput(
            f"malformed JSON: {message}", path=self.path, line=line_number(self.text, self.pos if at is None else at)
        )

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in " \t\r\n\ufeff":
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.fail("comment never closes")
                self.pos = end + 2
            else:
                return

    def value(self) -> Node:
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of file")
        ch = self.text[self.pos]
        if ch == "{":
            return self.container("object", "}")
        if ch == "[":
            return self.container("array", "]")
        if ch == '"':
            start = self.pos
            return Node("string", start, self.string_end(), value=json.loads(self.text[start : self.pos]))
        return self.scalar()

    def string_end(self) -> int:
        pos = self.pos + 1
        while pos < len(self.text):
            ch = self.text[pos]
            if ch == "\\":
                pos += 2
                continue
            if ch == '"':
                self.pos = pos + 1
                return self.pos
            if ch == "\n":
                break
            pos += 1
        raise self.fail("string never closes")

    def scalar(self) -> Node:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ",}] \t\r\n/":
            self.pos += 1
        raw = self.text[start : self.pos]
        try:
            value = json.loads(raw)
        except ValueError:
            raise self.fail(f"unexpected {raw[:20]!r}", at=start) from None
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return Node("number" if number else "literal", start, self.pos, value=value)

    def container(self, kind: str, close: str) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} deep; afc reads no deeper")
        node = Node(kind, self.pos, -1)
        seen: set[str] = set()
        self.pos += 1
        while True:
            self.skip()
            if self.pos >= len(self.text):
                raise self.fail(f"missing {close!r}")
            if self.text[self.pos] == close:
                self.pos += 1
                node.end = self.pos
                self.depth -= 1
                return node
            if kind == "object":
                if self.text[self.pos] != '"':
                    raise self.fail("expected a quoted key")
                key_start = self.pos
                key = json.loads(self.text[key_start : self.string_end()])
                if key in seen:
                    # parsers disagree on which copy counts (most take the last): afc would edit one of them
                    raise self.fail(f"duplicate key {json.dumps(key)}", at=key_start)
                seen.add(key)
                node.key_starts.append(key_start)
                self.skip()
                if self.text[self.pos : self.pos + 1] != ":":
                    raise self.fail("expected ':' after a key")
                self.pos += 1
                node.members.append((key, self.value()))
            else:
                node.items.append(self.value())
            self.skip()
            if self.text[self.pos : self.pos + 1] == ",":
                self.pos += 1
            elif self.text[self.pos : self.pos + 1] != close:
                raise self.fail(f"expected ',' or {close!r}")


def parse(text: str, path: str) -> Node:
    scanner = _Scanner(text, path)
    root = scanner.value()
    scanner.skip()
    if scanner.pos != len(text):
        raise scanner.fail("unexpected text after the end")
    return root


def to_python(node: Node | None) -> Any:
    """A node as plain Python values (None for a missing node)."""
    if node is None:
        return None
    if node.kind == "object":
        return {k: to_python(v) for k, v in node.members}
    if node.kind == "array":
        return [to_python(v) for v in node.items]
    return node.value


def _member_text(key: str, value: object) -> str:
    return json.dumps(key) + ": " + json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _after_last(text: str, last_end: int) -> tuple[int, bool]:
    """Position just after the last element, and whether a trailing comma follows it."""
    scanner = _Scanner(text, "")
    scanner.pos = last_end
    scanner.skip()
    if text[scanner.pos] == ",":
        return scanner.pos + 1, True
    return last_end, False


def _line_comment_end(text: str, at: int) -> int | None:
    """Where the line ends (before its line break) when a `//` comment follows `at` on the same line."""
    pos = at
    while pos < len(text) and text[pos] in " \t,":
        pos += 1
    if not text.startswith("//", pos):
        return None
    end = text.find("\n", pos)
    end = len(text) if end < 0 else end
    return end - 1 if text[end - 1 : end] == "\r" else end


def _append(text: str, last_end: int, pieces: list[str], sep: str, what: str) -> tuple[Insertion, ...]:
    """Insertions appending `pieces` after the element ending at `last_end`, each after `sep` (which
    starts with a comma). A comment that ends the last element's line stays on that line."""
    at, trailing = _after_last(text, last_end)
    comment_end = _line_comment_end(text, last_end) if "\n" in sep else None
    if trailing:
        body = "".join(sep[1:] + p + "," for p in pieces)
        return (Insertion(comment_end if comment_end is not None else at, body, what),)
    if comment_end is not None:
        return Insertion(last_end, ",", what), Insertion(comment_end, "".join(sep + p for p in pieces)[1:], what)
    return (Insertion(at, "".join(sep + p for p in pieces), what),)


def add_members(text: str, obj: Node, members: Sequence[tuple[str, object]], what: str) -> tuple[Insertion, ...]:
    """Append `"key": value` members to an object, laid out like its existing members."""
    rendered = [_member_text(key, value) for key, value in members]
    if not obj.members:
        inside = text[obj.start + 1 : obj.end - 1]
        if "\n" not in inside:
            return (Insertion(obj.start + 1, ", ".join(rendered), what),)
        nl, indent = style_of(text).newline, style_of(text).indent
        body = "".join(f"{nl}{indentation_at(text, obj.start)}{indent}{m}," for m in rendered).rstrip(",")
        return (Insertion(obj.start + 1, body, what),)
    key_start = obj.key_starts[0]
    one_a_line = "\n" in text[obj.start : key_start]
    sep = "," + style_of(text).newline + indentation_at(text, key_start) if one_a_line else ", "
    return _append(text, obj.members[-1][1].end, rendered, sep, what)


def add_items(text: str, array: Node, values: Sequence[object], what: str) -> tuple[Insertion, ...]:
    """Append values to an array, separated like its existing items."""
    rendered = [json.dumps(v, ensure_ascii=False) for v in values]
    if not array.items:
        return (Insertion(array.start + 1, ", ".join(rendered), what),)
    if len(array.items) >= 2:
        sep_text = text[array.items[-2].end : array.items[-1].start]
        if "/" in sep_text and "\n" in sep_text:  # items one a line, with comments
            sep = "," + style_of(text).newline + indentation_at(text, array.items[-1].start)
        else:
            sep = sep_text if sep_text.lstrip().startswith(",") and "/" not in sep_text else ", "
    else:
        between = text[array.start + 1 : array.items[0].start]
        sep = "," + style_of(text).newline + indentation_at(text, array.items[0].start) if "\n" in between else ", "
    return _append(text, array.items[-1].end, rendered, sep, what)


def ensure_list(path: str, text: str, key: str, values: list[str], what: str) -> Edit:
    """Make the root object's `key` an array holding `values`, adding only what is missing."""
    return ensure_lists(path, text, [(key, values, what)])


def ensure_lists(path: str, text: str, wanted: list[tuple[str, list[str], str]]) -> Edit:
    """`ensure_list` for several keys of the root object at once (so that keys added to an empty object
    `{}` are separated by their commas)."""
    root = parse(text, path)
    if root.kind != "object":
        raise BadInput("expected a JSON object at the top", path=path, line=line_number(text, root.start))
    insertions: list[Insertion] = []
    new_members: list[tuple[str, object]] = []
    for key, values, what in wanted:
        existing = root.get(key)
        if existing is None:
            new_members.append((key, values))
            continue
        if existing.kind != "array":
            raise BadInput(f'"{key}" should be a list', path=path, line=line_number(text, existing.start))
        have = {item.value for item in existing.items}
        missing = [v for v in values if v not in have]
        if missing:
            insertions += add_items(text, existing, missing, what)
    if new_members:
        whats = [what for key, _, what in wanted if any(key == k for k, _ in new_members)]
        insertions += add_members(text, root, new_members, " and ".join(whats))
    return Edit(path, tuple(insertions))


undo = undo_insertions  # the inverse of `ensure_list`: cut exactly the text that was inserted


def element_spans(container: Node) -> list[tuple[int, int]]:
    """Where each member (from its key) or item of a container starts and ends."""
    if container.kind == "object":
        return [(start, node.end) for start, (_, node) in zip(container.key_starts, container.members, strict=True)]
    return [(node.start, node.end) for node in container.items]


def remove_elements(container: Node, indices: set[int]) -> list[tuple[int, int]]:
    """Spans to cut so that the elements at `indices` go, with their commas, and the rest stays as written."""
    spans = element_spans(container)
    last = len(spans) - 1
    cuts, index = [], 0
    while index <= last:
        if index not in indices:
            index += 1
            continue
        first = index
        while index + 1 in indices:
            index += 1
        if first == 0 and index == last:
            cuts.append((container.start + 1, container.end - 1))
        elif index < last:
            cuts.append((spans[first][0], spans[index + 1][0]))
        else:
            cuts.append((spans[first - 1][1], spans[index][1]))
        index += 1
    return cuts
