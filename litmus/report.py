"""Reporting: results as text (herd's words), herd7's exact layout, and JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable

from .enumerate import LOOP_FLAG, Result, State
from .program import Test, format_condition

#: herd names a test's kind after its condition's quantifier
HERD_KIND = {"exists": "Allowed", "~exists": "Forbidden", "forall": "Required"}
OBS_WORD = {"never": "Never", "sometimes": "Sometimes", "always": "Always"}


def state_text(test: Test, st: State, sep: str = "; ") -> str:
    """A state's items in herd's order, each value as its type reads it
    (the one way values are printed: text, herd layout, JSON, API)."""
    return sep.join(f"{k}={v}" for k, v in st.values)


#: What an observation says about the outcome the condition names (its
#: proposition), whatever the quantifier.
VERDICT = {
    "never": "no allowed execution has the outcome",
    "sometimes": "some allowed executions have the outcome",
    "always": "every allowed execution has the outcome",
}


def violates(result: Result, st: State) -> bool:
    """Whether a state breaks the condition as a whole: one with the outcome
    under ``~exists``, one without it under ``forall`` (never under ``exists``)."""
    q = result.test.condition.quantifier
    return (q == "~exists" and st.satisfies) or (q == "forall" and not st.satisfies)


def _mark(quantifier: str, satisfies: bool) -> str:
    """How a state is marked in the text report: for ``exists``, the states
    where the proposition holds; for ``~exists`` and ``forall``, the states
    that violate the condition."""
    if quantifier == "exists":
        return "   <- condition holds" if satisfies else ""
    violates = satisfies if quantifier == "~exists" else not satisfies
    return "   <- violates the condition" if violates else ""


def holds_line(result: Result) -> str:
    """Whether the condition, with its quantifier, holds (herd's Ok/No), in words."""
    q = result.test.condition.quantifier
    if result.validated:
        why = {"exists": "some allowed state satisfies it",
               "~exists": "no allowed state satisfies its proposition",
               "forall": "every allowed state satisfies it"}[q]
        return f"the condition holds: {why}"
    bad = result.negative if q == "forall" else result.positive
    if q == "exists":
        return "the condition does not hold: no allowed state satisfies it"
    verb = "state violates" if bad == 1 else "states violate"
    return f"the condition does not hold: {bad} allowed {verb} it (marked)"


def text(result: Result, show_source: bool = True) -> str:
    """A readable report: the states, which satisfy (or violate) the condition,
    whether it holds, the flags and the observation."""
    t = result.test
    q = t.condition.quantifier
    lines = []
    where = f" ({t.source})" if show_source and t.source != "<string>" else ""
    lines.append(f"Test {t.name}{where} under {result.model}: {OBS_WORD[result.observation]}"
                 f" ({VERDICT[result.observation]})")
    lines.append(f"States {len(result.states)}")
    for st in result.states:
        lines.append(f"  {state_text(t, st)}{_mark(q, st.satisfies)}")
    lines.append(f"Condition {format_condition(t.condition, t)}")
    if q != "exists":
        lines.append(f"Result {holds_line(result)}")
    if result.flags:
        lines.append("Flags " + ", ".join(result.flags))
    for note in result.notes:
        lines.append(f"Note {note}")
    pos, neg = result.witnesses
    lines.append(f"Observation {t.name} {OBS_WORD[result.observation]} {pos} {neg}")
    return "\n".join(lines)


def herd(result: Result) -> str:
    """The result in herd7's own layout, for scripts that read herd logs."""
    t = result.test
    kind = HERD_KIND[t.condition.quantifier]
    lines = [f"Test {t.name} {kind}", f"States {len(result.states)}"]
    for st in result.states:
        lines.append(state_text(t, st, sep="; ") + ";")
    # herd7 prints "Loop" before Ok/No when the unrolling bound cut an allowed execution
    loop = "Loop " if LOOP_FLAG in result.flags else ""
    lines.append(loop + ("Ok" if result.validated else "No"))
    lines.append("Witnesses")
    pos, neg = result.witnesses
    lines.append(f"Positive: {pos} Negative: {neg}")
    for f in result.flags:
        lines.append(f"Flag {f}")
    lines.append(f"Condition {format_condition(t.condition, t)}")
    lines.append(f"Observation {t.name} {OBS_WORD[result.observation]} {pos} {neg}")
    lines.append(f"Time {t.name} {result.seconds:.2f}")
    return "\n".join(lines) + "\n"


def as_dict(result: Result) -> dict:
    t = result.test
    return {
        "test": t.name,
        "file": t.source,
        "model": result.model,
        "condition": format_condition(t.condition, t),
        "states": [st.as_dict() for st in result.states],
        # the states where the condition's proposition (the outcome) holds; for
        # ~exists and forall, "violating" lists the states that break the condition
        "satisfying": [st.as_dict() for st in result.states if st.satisfies],
        "violating": [st.as_dict() for st in result.states if violates(result, st)],
        "observation": OBS_WORD[result.observation],
        "validated": result.validated,
        "flags": list(result.flags),
        "seconds": round(result.seconds, 4),
    }


def json_report(results: Iterable[Result | dict]) -> str:
    """Results (and errors, given as dicts with an ``error`` key) as a JSON list."""
    return json.dumps([r if isinstance(r, dict) else as_dict(r) for r in results], indent=2)
