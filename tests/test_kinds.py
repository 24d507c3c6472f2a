"""herd's kinds.txt (litmus.syntax.kinds)."""

from __future__ import annotations

import pytest
from expectations import REFERENCE

from litmus.errors import ParseError
from litmus.syntax.kinds import KINDS, parse_kinds

KINDS_TXT = REFERENCE / "herd-catalogue" / "aarch64" / "kinds.txt"


@pytest.mark.needs(KINDS_TXT)
def test_catalogue_kinds() -> None:
    kinds = parse_kinds(KINDS_TXT.read_text(), str(KINDS_TXT))
    assert len(kinds) == 63  # '#MP+rel+CSEL-data' is commented out
    assert kinds["Small"] == "Required"
    assert kinds["CAS+data2"] == "Allowed"  # trailing space
    assert kinds["SB+dmb.sys"] == "Forbidden"
    assert "MP+rel+CSEL-data" not in kinds
    assert set(kinds.values()) <= set(KINDS)


def test_layout() -> None:
    text = "MP  Allowed  \n\n# comment\n  SB\tforbidden # why\n% other comment\nX required\r\n"
    assert parse_kinds(text) == {"MP": "Allowed", "SB": "Forbidden", "X": "Required"}
    assert list(parse_kinds("B Allowed\nA Allowed\n")) == ["B", "A"]
    assert parse_kinds("") == {}
    assert parse_kinds("MP Allowed\nMP Allowed\n") == {"MP": "Allowed"}  # repeated, same kind


@pytest.mark.parametrize(
    "text, message",
    [
        ("MP Allowd\n", "k.txt:1:4: unknown kind 'Allowd' for test 'MP' (did you mean Allowed?)"),
        ("MP Sometimes\n", "k.txt:1:4: unknown kind 'Sometimes' for test 'MP' (expected"),
        ("A Allowed\nMP\n", "k.txt:2:3: expected 'NAME KIND' (KIND is Allowed, Forbidden or"),
        ("MP Allowed extra\n", "k.txt:1:12: unexpected 'extra' after the kind of test 'MP'"),
        ("MP Allowed\n SB Allowed\nMP Forbidden\n", "k.txt:3:1: test 'MP' is Forbidden here"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_kinds(text, "k.txt")
    assert str(info.value).startswith(message)


def test_herds_short_spellings_of_kinds():
    """herd's kinds files also spell the kinds Allow, Forbid and Require."""
    assert parse_kinds("A Allow\nB Forbid\nC Require\nD forbid\n") == {
        "A": "Allowed", "B": "Forbidden", "C": "Required", "D": "Forbidden"}
