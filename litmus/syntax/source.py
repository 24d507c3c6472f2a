"""What every reader shares: reading a file's text, and the bounds on input.

- :func:`read_source` reads a file as UTF-8 and reports a file that is not
  UTF-8 at the line and column of its first bad byte.
- :func:`strip_bom` drops a UTF-8 byte-order mark at the start of a text;
  every reader (mini-DSL, herd tests, cat models, kinds files, herd logs)
  calls it, so a BOM never changes what a file means.
- :data:`MAX_NESTING` bounds how deeply conditions and cat expressions may
  nest, so that nothing downstream (each stage walks them recursively) runs
  out of Python stack; the readers refuse deeper input at its position.
- :func:`check_digits` refuses an integer literal too long to be a 64-bit
  value before anything converts it (Python refuses to convert more than
  4300 decimal digits at all).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import LitmusError, ParseError, Pos

__all__ = ["MAX_DIGITS", "MAX_NESTING", "check_digits", "read_source", "strip_bom"]

#: The deepest nesting a condition or a cat expression may have: parentheses,
#: negations, implications and (in cat) every operator that is not part of a
#: flat chain. Ordinary tests and models stay far below it (herd's aarch64.cat
#: nests about 10 deep).
MAX_NESTING = 100

#: More digits than this (leading zeros aside) cannot be a 64-bit value in any
#: base litmus reads (20 decimal digits: 2**64 - 1 = 18446744073709551615).
MAX_DIGITS = 20

BOM = "\ufeff"


def strip_bom(text: str) -> str:
    """``text`` without a leading UTF-8 byte-order mark (U+FEFF). Raises nothing."""
    return text[1:] if text.startswith(BOM) else text


def read_source(
    path: str | Path,
    error: type[LitmusError] = ParseError,
    display: str | None = None,
) -> str:
    """The text of the file ``path``, decoded as UTF-8 (a byte-order mark is kept:
    the parsers drop it).

    Raises ``error`` (a :class:`~litmus.errors.LitmusError` class, ParseError by
    default) at ``display:line:col`` of the first byte that is not UTF-8, with
    the line and column counted in characters as an editor shows them (a BOM
    at the start is not counted). Raises :class:`OSError` when the file cannot
    be read at all; the caller knows what the file was for."""
    name = str(path) if display is None else display
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(_decode_message(data, exc), _byte_pos(data, exc.start, name)) from None


def _byte_pos(data: bytes, offset: int, name: str) -> Pos:
    """The line and column of byte ``offset`` (everything before it is UTF-8)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode("utf-8", errors="replace")
    if line == 1:
        prefix = strip_bom(prefix)
    return Pos(name, line, len(prefix) + 1)


def _decode_message(data: bytes, exc: UnicodeDecodeError) -> str:
    byte = data[exc.start]
    why = "a truncated UTF-8 sequence" if exc.reason == "unexpected end of data" else exc.reason
    return f"not a UTF-8 text file: byte 0x{byte:02X} cannot be decoded ({why})"


def check_digits(text: str, pos: Pos | None, what: str = "integer") -> None:
    """Raise :class:`ParseError` at ``pos`` if the integer literal ``text``
    (decimal or ``0x`` hex, optional ``-``) has more significant digits than a
    64-bit value can; the message shows the literal shortened. Returns None when
    it is short enough to convert."""
    body = text.lstrip("-+")
    if body[:2] in ("0x", "0X"):
        body = body[2:]
    digits = body.lstrip("0")
    if len(digits) > MAX_DIGITS:
        raise ParseError(f"{what} {shorten(text)} is out of range (64 bits)", pos)


def shorten(text: str, keep: int = 24) -> str:
    """``text`` itself when short, else its start and end around ``...`` and its
    length (for echoing long user text in a message). Raises nothing."""
    if len(text) <= keep + 8:
        return text
    half = keep // 2
    return f"{text[:half]}...{text[-half:]} ({len(text)} characters)"
