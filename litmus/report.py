"""Reporting: results as text (herd's words), herd7's exact layout, and JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable

from .enumerate import Result, State
from .program import Test, format_condition

#: herd names a test's kind after its condition's quantifier
HERD_KIND = {"exists": "Allowed", "~exists": "Forbidden", "forall": "Required"}
OBS_WORD = {"never": "Never", "sometimes": "Sometimes", "always": "Always"}


def _sort_items(test: Test, st: State) -> list[tuple[str, object]]:
    """Registers in thread order, then memory, as herd prints them."""
    order = {th.name: i for i, th in enumerate(test.threads)}

    def key(item: tuple[str, object]):
        k = item[0]
        if k.startswith("["):
            return (1, 0, k)
        thread = next((o.thread for o in test.observed if o.key == k), None)
        return (0, order.get(thread or "", 0), k)

    return sorted(st.values, key=key)


def state_text(test: Test, st: State, sep: str = "; ") -> str:
    """A state's items in herd's order, each value as its type reads it
    (the one way values are printed: text, herd layout, JSON, API)."""
    return sep.join(f"{k}={v}" for k, v in _sort_items(test, st))


VERDICT = {
    "never": "forbidden: no allowed execution satisfies the condition",
    "sometimes": "allowed: some allowed executions satisfy the condition",
    "always": "required: every allowed execution satisfies the condition",
}


def text(result: Result, show_source: bool = True) -> str:
    """A readable report: the states, which satisfy the condition, the observation."""
    t = result.test
    lines = []
    where = f" ({t.source})" if show_source and t.source != "<string>" else ""
    lines.append(f"Test {t.name}{where} under {result.model}: {OBS_WORD[result.observation]}"
                 f" ({VERDICT[result.observation]})")
    lines.append(f"States {len(result.states)}")
    for st in result.states:
        mark = "   <- condition holds" if st.satisfies else ""
        lines.append(f"  {state_text(t, st)}{mark}")
    lines.append(f"Condition {format_condition(t.condition)}")
    if result.flags:
        lines.append("Flags " + ", ".join(result.flags))
    for note in result.notes:
        lines.append(f"Note {note}")
    lines.append(f"Observation {t.name} {OBS_WORD[result.observation]} "
                 f"{result.positive} {result.negative}")
    return "\n".join(lines)


def herd(result: Result) -> str:
    """The result in herd7's own layout, for scripts that read herd logs."""
    t = result.test
    kind = HERD_KIND[t.condition.quantifier]
    lines = [f"Test {t.name} {kind}", f"States {len(result.states)}"]
    for st in result.states:
        lines.append(state_text(t, st, sep="; ") + ";")
    lines.append("Ok" if result.validated else "No")
    lines.append("Witnesses")
    lines.append(f"Positive: {result.positive} Negative: {result.negative}")
    for f in result.flags:
        lines.append(f"Flag {f}")
    lines.append(f"Condition {format_condition(t.condition)}")
    lines.append(f"Observation {t.name} {OBS_WORD[result.observation]} "
                 f"{result.positive} {result.negative}")
    lines.append(f"Time {t.name} {result.seconds:.2f}")
    return "\n".join(lines) + "\n"


def as_dict(result: Result) -> dict:
    t = result.test
    return {
        "test": t.name,
        "file": t.source,
        "model": result.model,
        "condition": format_condition(t.condition),
        "states": [st.as_dict() for st in result.states],
        "satisfying": [st.as_dict() for st in result.states if st.satisfies],
        "observation": OBS_WORD[result.observation],
        "validated": result.validated,
        "flags": list(result.flags),
        "seconds": round(result.seconds, 4),
    }


def json_report(results: Iterable[Result]) -> str:
    return json.dumps([as_dict(r) for r in results], indent=2)
