"""Time limits that hold in every phase of a check (reading the test, building
its events, encoding them, evaluating the model, enumerating the outcomes),
and time-out messages that name what sets the limit where the check runs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from cliutil import MP
from test_batch import huge_test

import litmus
from litmus import limits
from litmus.api import check_within, events, session
from litmus.errors import Timeout
from litmus.limits import Deadline, limit_name, limit_named
from litmus.smt.relations import Rel

SMALL = "thread P0\n  STR #1, [x]\nexists (x = 1)\n"


def expired() -> Deadline:
    d = Deadline(1.0, "phase")
    d.end = time.monotonic() - 1  # already over
    return d


def test_building_the_events_looks_at_the_deadline():
    test = litmus.parse(SMALL)
    with pytest.raises(Timeout, match=r"^phase: timed out after 1 s"):
        events(test, deadline=expired())


def test_encoding_looks_at_the_deadline_and_keeps_nothing():
    from litmus.enumerate import Session

    test = litmus.parse(SMALL)
    eg = events(test)
    with pytest.raises(Timeout):
        Session(eg, expired())
    with pytest.raises(Timeout):
        session(test, deadline=expired())
    assert session(test).test is test  # the failed attempt was not kept


def test_composing_relations_looks_at_the_deadline():
    ticks: list[int] = []
    r = Rel({(1, 2): True, (2, 3): True})
    assert set(r.seq(r, lambda: ticks.append(1)).m) == {(1, 3)}
    # one tick per pair of the left operand (2), one per pair of the result (1)
    assert len(ticks) == 3


@pytest.fixture
def callers(monkeypatch) -> set[str]:
    """The file names of the modules Deadline.check is called from, as it is."""
    seen: set[str] = set()
    original = Deadline.check

    def check(self: Deadline) -> None:
        seen.add(Path(sys._getframe(1).f_code.co_filename).name)
        original(self)

    monkeypatch.setattr(Deadline, "check", check)
    return seen


def test_a_check_looks_at_the_deadline_in_every_phase(callers):
    """Where Deadline.check is called from during one check: each phase's module."""
    litmus.check(MP, "arm", timeout=600)
    # api: after reading the test; events: building; encode: rf and co;
    # relations: composing; cateval: evaluating; enumerate: each solver call
    assert {"api.py", "events.py", "encode.py", "relations.py", "cateval.py",
            "enumerate.py"} <= callers


def test_check_within_stops_at_once_on_a_deadline_already_over():
    test = litmus.parse(SMALL)
    with pytest.raises(Timeout):
        check_within(test, "sc", expired())


@pytest.mark.parametrize("limit", [0.3, 0.8])
def test_a_huge_check_stops_within_one_and_a_half_times_its_limit(limit):
    text = huge_test()
    litmus.check(SMALL, "arm")  # imports, the grammar and the model: once per process
    t0 = time.monotonic()
    with pytest.raises(Timeout):
        litmus.check(text, "arm", timeout=limit)
    # about the limit when the machine is quiet; the slack is for a busy CI host
    assert time.monotonic() - t0 < 1.5 * limit + 1.0


# --------------------------------------------------------------------------- messages


def test_the_api_names_its_own_argument():
    with pytest.raises(Timeout) as info:
        litmus.check(huge_test(), "arm", timeout=0.001)
    message = str(info.value)
    assert message.endswith("(the time limit: the timeout= argument)")
    assert "--timeout" not in message


def test_a_front_end_names_its_option_within_its_block():
    assert limit_name() == "the timeout= argument"
    with limit_named("--timeout"):
        assert limit_name() == "--timeout"
        assert str(expired().timeout()).endswith("(the time limit: --timeout)")
    assert limit_name() == "the timeout= argument"
    assert limits.Deadline(1.0).named("x").what == "x"


def test_explain_looks_at_the_deadline_while_building_the_events(callers):
    from litmus.explain import explain

    explain(litmus.parse(MP), "arm", timeout=600)  # a fresh test: its events are built here
    assert {"events.py", "encode.py"} <= callers
