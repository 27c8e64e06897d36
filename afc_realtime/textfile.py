"""Decoding and re-encoding a text file without losing a byte: BOM, line endings and indentation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import BadInput

BOM = "\ufeff"


@dataclass(frozen=True)
class TextStyle:
    newline: str  # "\n" or "\r\n": what the file mostly uses
    indent: str  # one level of indentation: a tab or some spaces


def decode(data: bytes, path: str) -> str:
    """Bytes to text, keeping the BOM and every line ending as they are."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadInput("is not UTF-8 text", path=path, line=line) from None


def encode(text: str) -> bytes:
    return text.encode("utf-8")


def style_of(text: str, default_indent: str = "    ") -> TextStyle:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    return TextStyle(
        newline="\r\n" if crlf > lf else "\n",
        indent=detect_indent(text, default_indent),
    )


_LEADING = re.compile(r"^([ \t]+)\S", re.MULTILINE)


def detect_indent(text: str, default: str = "    ") -> str:
    """The file's indentation unit: a tab, or the narrowest run of leading spaces."""
    widths = []
    for match in _LEADING.finditer(text):
        if match.group(1).startswith("\t"):
            return "\t"
        widths.append(len(match.group(1)))
    return " " * min(widths) if widths else default


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    """Offset just past the line ending of the line holding `offset` (or the end of text)."""
    end = text.find("\n", offset)
    return len(text) if end < 0 else end + 1


def indentation_at(text: str, offset: int) -> str:
    start = line_start(text, offset)
    match = re.match(r"[ \t]*", text[start:])
    return match.group(0) if match else ""


def line_number(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
