"""herd's ``kinds.txt``: the expected kind of each test of a catalogue.

One test per line, ``NAME KIND``, with KIND ``Allowed``, ``Forbidden`` or
``Required`` (herd also writes ``Allow``, ``Forbid`` and ``Require``)::

    MP             Allowed
    MP+dmb.sys     Forbidden
    # a comment (herd also takes '%' as a comment mark)

:func:`parse_kinds` reads one; :func:`parse_kinds_entries` also gives where
each entry is written.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..errors import ParseError, Pos
from .instructions import did_you_mean
from .source import strip_bom

__all__ = ["KINDS", "KindsEntry", "parse_kinds", "parse_kinds_entries"]

#: The kinds a test may have, as herd spells them.
KINDS: tuple[str, ...] = ("Allowed", "Forbidden", "Required")

_COMMENT = re.compile(r"[#%]")


class KindsEntry(NamedTuple):
    """One test's line of a kinds file: its kind (as herd spells it) and where
    the line names the test (``file:line:col`` of the name)."""

    kind: str
    pos: Pos


def parse_kinds(text: str, path: str = "<string>") -> dict[str, str]:
    """``{test name: kind}`` from a kinds file, in file order (see
    :func:`parse_kinds_entries`, which says where each entry is)."""
    return {name: e.kind for name, e in parse_kinds_entries(text, path).items()}


def parse_kinds_entries(text: str, path: str = "<string>") -> dict[str, KindsEntry]:
    """``{test name: KindsEntry(kind, pos)}`` from a kinds file, in file order;
    a test listed twice keeps its first line's position. Blank lines, comment
    lines (``#`` or ``%``), trailing comments and trailing spaces are allowed; a
    kind is matched case-insensitively and returned as herd spells it
    (``Allowed``). A test listed twice with the same kind is accepted; with two
    different kinds it is an error. Raises :class:`ParseError` at
    ``file:line:col`` for a malformed line or an unknown kind. A byte-order mark
    at the start is ignored; lines end at ``\\n``, ``\\r\\n`` or ``\\r`` only
    (as an editor counts them)."""
    text = strip_bom(text).replace("\r\n", "\n").replace("\r", "\n")
    kinds: dict[str, KindsEntry] = {}
    by_lower = {k.lower(): k for k in KINDS}
    # herd's kinds files also spell them Allow, Forbid and Require
    by_lower.update({"allow": "Allowed", "forbid": "Forbidden", "require": "Required"})
    for lineno, line in enumerate(text.split("\n"), start=1):
        m = _COMMENT.search(line)
        body = line[: m.start()] if m else line
        fields = [(f.group(), f.start() + 1) for f in re.finditer(r"\S+", body)]
        if not fields:
            continue
        (name, name_col), *rest = fields
        if not rest:
            raise ParseError(
                f"expected 'NAME KIND' (KIND is {_one_of()}), found only '{name}'",
                Pos(path, lineno, len(body.rstrip()) + 1),
            )
        word, col = rest[0]
        if len(rest) > 1:
            extra, extra_col = rest[1]
            raise ParseError(
                f"unexpected '{extra}' after the kind of test '{name}'",
                Pos(path, lineno, extra_col),
            )
        kind = by_lower.get(word.lower())
        if kind is None:
            hint = did_you_mean(word, KINDS) or f" (expected {_one_of()})"
            raise ParseError(f"unknown kind '{word}' for test '{name}'{hint}",
                             Pos(path, lineno, col))  # fmt: skip
        if name in kinds and kinds[name].kind != kind:
            raise ParseError(
                f"test '{name}' is {kind} here but {kinds[name].kind} at line "
                f"{kinds[name].pos.line}",
                Pos(path, lineno, 1 + len(line) - len(line.lstrip())),
            )
        kinds.setdefault(name, KindsEntry(kind, Pos(path, lineno, name_col)))
    return kinds


def _one_of() -> str:
    return ", ".join(KINDS[:-1]) + " or " + KINDS[-1]
