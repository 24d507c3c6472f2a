"""herd7 output logs (litmus.syntax.herdlog)."""

from __future__ import annotations

import json

import pytest
from expectations import REFERENCE

from litmus.errors import ParseError, Pos
from litmus.syntax.herdlog import HerdRecord, normalise_state, parse_herd_log

EXPECTED = REFERENCE / "herd-catalogue" / "expected.jsonl"

# Two records as herd7 prints them (the first in the style of older versions,
# memory as "y=2"), with a warning before and blank lines between.
LOG = """\
Warning: File "MP.litmus": something herd said on stderr
Test MP Allowed
States 4
1:X0=0; 1:X2=0;
1:X0=0; 1:X2=1;
1:X0=1; 1:X2=0;
1:X2=1; y=2; 1:X0=1;
Ok
Witnesses
Positive: 1 Negative: 3
Flag mixed-size
Condition exists (1:X0=1 /\\ 1:X2=0)
Observation MP Sometimes 1 3
Time MP 0.01
Hash=211d5b298572efa3ab1ba6ab6f7ac7b7

Test SB+dmb.sys Forbidden
States 3
0:X2=0; 1:X2=1; [x]=1;
0:X2=1; 1:X2=0; [x]=1;
0:X2=1; 1:X2=1; [x]=1;
No
Witnesses
Positive: 0 Negative: 3
Condition ~exists (0:X2=0 /\\ 1:X2=0)
Observation SB+dmb.sys Never 0 3
Time SB+dmb.sys 0.02

"""


def test_records() -> None:
    mp, sb = parse_herd_log(LOG, "log.txt")
    assert mp == HerdRecord(
        name="MP",
        kind="Allowed",
        states=["1:X0=0; 1:X2=0", "1:X0=0; 1:X2=1", "1:X0=1; 1:X2=0", "1:X0=1; 1:X2=1; [y]=2"],
        validated=True,
        positive=1,
        negative=3,
        condition="exists (1:X0=1 /\\ 1:X2=0)",
        observation="Sometimes",
        flags=["mixed-size"],
        time=0.01,
        hash="211d5b298572efa3ab1ba6ab6f7ac7b7",
    )
    assert mp.pos == Pos("log.txt", 2)
    assert sb.name == "SB+dmb.sys" and sb.kind == "Forbidden"
    assert sb.validated is False and sb.result == "No"
    assert sb.states[0] == "0:X2=0; 1:X2=1; [x]=1"
    assert (sb.positive, sb.negative, sb.observation) == (0, 3, "Never")
    assert sb.condition == "~exists (0:X2=0 /\\ 1:X2=0)"
    assert sb.hash is None and sb.time == 0.02


def test_variants() -> None:
    text = "Test A Required\r\nStates 0\r\nLoop Undef\r\nObservation A Always 2 0\r\n"
    (a,) = parse_herd_log(text)
    assert a.states == [] and a.loop and a.result == "Undef" and not a.validated
    assert (a.positive, a.negative) == (2, 0)  # from the Observation line
    assert parse_herd_log("") == [] and parse_herd_log("no test here\n") == []
    # litmus7 (hardware) logs
    text = """\
Test SB Allowed
Histogram (2 states)
1     *>0:X2=0; 1:X2=0;
499999:>0:X2=1; 1:X2=0;
Ok

Witnesses
Positive: 1, Negative: 499999
Condition exists (0:X2=0 /\\ 1:X2=0) is validated
Hash=abc
Observation SB Sometimes 1 499999
"""
    (sb,) = parse_herd_log(text)
    assert sb.states == ["0:X2=0; 1:X2=0", "0:X2=1; 1:X2=0"]
    assert sb.condition == "exists (0:X2=0 /\\ 1:X2=0)"
    assert (sb.positive, sb.negative, sb.hash) == (1, 499999, "abc")


def test_normalise_state() -> None:
    assert normalise_state("[y]=0; 0:X2=1;") == "0:X2=1; [y]=0"
    assert normalise_state(" y = 0 ;0:X2=1 ") == "0:X2=1; [y]=0"
    assert normalise_state("1:rax=1; 0:EAX=0; x=-1;") == "0:EAX=0; 1:rax=1; [x]=-1"
    assert normalise_state("") == ""
    with pytest.raises(ValueError):
        normalise_state("0:X0;")


@pytest.mark.needs(EXPECTED)
def test_round_trip_of_the_reference_results() -> None:
    records = [json.loads(line) for line in EXPECTED.read_text().splitlines()]
    chunks = []
    for rec in records:
        lines = [f"Test {rec['name']} {rec['kind']}", f"States {len(rec['states'])}"]
        for state in rec["states"]:  # herd's order of items, memory unbracketed, ';' ended
            items = [i.replace("[", "").replace("]", "") for i in reversed(state.split("; "))]
            lines.append("; ".join(items) + ";")
        lines += [
            "Ok" if rec["validated"] else "No",
            "Witnesses",
            f"Positive: {rec['positive']} Negative: {rec['negative']}",
            f"Condition {rec['condition']}",
            f"Observation {rec['name']} {rec['observation']} {rec['positive']} {rec['negative']}",
            f"Time {rec['name']} 0.00",
            "",
        ]
        chunks.append("\n".join(lines))
    parsed = parse_herd_log("\n".join(chunks), "all.log")
    assert len(parsed) == len(records) == 121
    for rec, got in zip(records, parsed):
        assert got.name == rec["name"] and got.kind == rec["kind"]
        assert got.states == rec["states"]
        assert got.validated == rec["validated"]
        assert (got.positive, got.negative) == (rec["positive"], rec["negative"])
        assert got.condition == rec["condition"] and got.observation == rec["observation"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("Test A Allowed\nStates x\n", "l:2:1: test A: expected 'States N' after 'Test A'"),
        ("Test A Allowed\n", "l:2:1: test A: expected 'States N' after 'Test A', found end"),
        ("Test A Allowed\nStates 2\n0:X0=1;\nOk\n", "l:4:1: test A: expected 2 state lines, found"),
        ("Test A Allowed\nStates 1\n0:X0;\nOk\n", "l:3:1: test A: bad state line: expected"),
        ("Test A Allowed\nStates 1\n0:X0=1;\nMaybe\n", "l:4:1: test A: expected 'Ok', 'No' or"),
        ("Test A Allowed\nStates 0\nOk\nWitnesses\n", "l:1:1: test A: no 'Observation' line"),
        ("Test A Allowed\nStates 0\nOk\nPositive: x\n", "l:4:1: test A: expected 'Positive: P"),
        ("Test A Allowed\nStates 0\nOk\nObservation A Often 1 2\n", "l:4:1: test A: expected"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_herd_log(text, "l")
    assert str(info.value).startswith(message)
