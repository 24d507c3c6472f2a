"""Explanations as text: what ``litmus explain`` prints."""

from __future__ import annotations

from pathlib import Path

from ..program import format_prop
from . import Explanation
from .concrete import Step
from .execution import Execution


def edge_label(step: Step, labels: dict[str, str]) -> str:
    """``d1-nR: D1 nR (non-Reordering)``, ``bob: DMB.ISHST (line 8)``."""
    words = labels.get(step.label, "")
    parts = [step.label + (f": {words}" if words and words != step.label else "")]
    if step.details:
        parts.append(", ".join(step.details))
    return "; ".join(parts)


def chain_lines(steps: list[Step], exe: Execution, labels: dict[str, str],
                indent: str = "  ") -> list[str]:
    """A path or cycle: its first event, then one labelled edge per line."""
    if not steps:
        return []
    lines = [indent + exe.describe(steps[0].src)]
    for s in steps:
        lines.append(f"{indent}  -[{edge_label(s, labels)}]-> {exe.describe(s.dst)}")
    return lines


def one_line(steps: list[Step], exe: Execution, labels: dict[str, str]) -> str:
    """The same chain on one line."""
    if not steps:
        return ""
    out = exe.describe(steps[0].src)
    for s in steps:
        out += f" -[{edge_label(s, labels)}]-> {exe.describe(s.dst)}"
    return out


def execution_lines(exe: Execution, indent: str = "  ") -> list[str]:
    """Each thread's events in program order, then the rf and co edges."""
    eg = exe.session.eg
    lines = []
    for th in exe.session.test.threads:
        evs = [e for e in exe.events if eg.events[e].thread == th.name]
        evs.sort(key=lambda e: eg.events[e].seq)
        items = []
        for e in evs:
            ev = eg.events[e]
            line = f"line {ev.instr.pos.line}: " if ev.instr is not None else ""
            what = exe.describe(e).split(" (")[0]
            items.append(f"{line}{what}" + (f" [{ev.instr}]" if ev.instr is not None else ""))
        kind = "device" if th.device else "CPU"
        lines.append(f"{indent}{th.name} ({kind}):")
        lines += [f"{indent}  {it}" for it in items] or [f"{indent}  (no memory event)"]
    rf = sorted(exe.rf, key=lambda p: p[1])
    lines.append(f"{indent}rf: " + "; ".join(
        f"{exe.describe(w)} -> {exe.describe(r, value=False)}" for w, r in rf))
    co = [(a, b) for a, b in sorted(exe.co)
          if not any((a, c) in exe.co and (c, b) in exe.co for c in exe.events)]
    if co:
        lines.append(f"{indent}co: " + "; ".join(
            f"{exe.describe(a)} -> {exe.describe(b)}" for a, b in co))
    return lines


_DEPENDENCY_WORDS = {
    "addr": "an address dependency", "data": "a data dependency",
    "ctrl": "a control dependency (it orders later writes, and later reads only after "
            "an ISB)",
}


def _what_stands_between(x: Explanation, u) -> str:
    """The barriers, dependencies and annotations between two events of one
    thread, and why each does not order them here."""
    exe = x.witness
    assert exe is not None
    eg = exe.session.eg
    ea, eb = exe.event(u.src), exe.event(u.dst)
    parts = []
    for f in u.between:
        option = f.split(" ")[0].partition(".")[2]  # DMB.ISHST (line 8) -> ISHST
        why = ""
        if option.endswith("ST") and not (ea.kind == "W" and eb.kind == "W"):
            why = "a store barrier orders only a write before a later write"
        elif option.endswith("LD") and ea.kind != "R":
            why = "a load barrier orders only a read before later accesses"
        elif option.startswith("ISH") and u.ordered_by:
            why = "inner-shareable: it orders them as CPUs see them, not for every observer"
            if x.model == "device":
                why += " (D4)"
        elif option.startswith("NSH"):
            why = "non-shareable: it orders nothing another observer sees"
        parts.append(f + (f": {why}" if why else ""))
    for key, words in _DEPENDENCY_WORDS.items():
        if (u.src, u.dst) in eg.pairs(key):
            parts.append(words)
    tags = [t for t, w in (("A", "acquire"), ("Q", "acquirePC"), ("L", "release"))
            if t in ea.tags or t in eb.tags]
    if tags:
        parts.append("/".join(tags) + " on them, which does not order this pair")
    if not parts:
        kinds = "barrier, dependency, acquire or release" if exe.session.test.arch == \
            "aarch64" else "fence or locked instruction"
        return f"no {kinds} orders them"
    return "between them: " + "; ".join(parts)


def unordered_sentence(x: Explanation, u) -> str:
    """One sentence: what the model did not order, and what stands between."""
    exe = x.witness
    assert exe is not None
    a, b = exe.describe(u.src), exe.describe(u.dst)
    between = _what_stands_between(x, u)
    sentence = f"nothing in the {x.model} model orders {a} before {b} ({between})"
    if exe.event(u.src).kind == "W" and exe.event(u.dst).kind == "R":
        sentence += ("; a later read may be satisfied before an earlier write is visible to "
                     "others (store buffering)")
    if u.ordered_by:
        sentence += (f"; they are ordered for axiom {', '.join(u.ordered_by)}, but not for "
                     f"axiom {u.axiom}, whose cycle this is")
    ea, eb = exe.event(u.src), exe.event(u.dst)
    if ea.endpoint and eb.endpoint and ea.mtype and eb.mtype and \
            (ea.mtype.startswith("device") or eb.mtype.startswith("device")):
        if ea.endpoint != eb.endpoint:
            sentence += f"; they go to different peripherals ({ea.endpoint}, {eb.endpoint})"
        elif "GRE" in ea.mtype and "nGRE" not in ea.mtype or ea.mtype.endswith("nGRE"):
            sentence += f"; {ea.mtype} has no nR ordering (D1)"
    return sentence + "."


def _flags(flags: list[str], lines: list[str]) -> None:
    """Say what the model does not model, for this execution (its flags)."""
    if flags:
        lines.append("Note: the model flags this execution: " + ", ".join(flags)
                     + " (what it does not model; see the model file)")


def reason_line(x: Explanation) -> str:
    """The verdict's reason in one line: the axiom and its cycle for a
    forbidden outcome; a witness state and the first missing order for an
    allowed one."""
    if x.impossible:
        return "no candidate execution has this outcome, whatever the model"
    if not x.allowed:
        if not x.violations:
            return "forbidden"
        v = x.violations[0]
        more = f" (with {', '.join(w.axiom for w in x.violations[1:])})" \
            if len(x.violations) > 1 else ""
        return f"forbidden by axiom {v.axiom}{more}: " + one_line(v.steps, v.execution, x.labels)
    assert x.witness is not None
    state = str(x.witness.state)
    if not x.unordered:
        return f"allowed, e.g. {state} (sequentially consistent)" if not x.cycle else \
            f"allowed, e.g. {state}"
    return f"allowed, e.g. {state}: " + unordered_sentence(x, x.unordered[0])


def explanation_text(x: Explanation) -> str:
    t = x.test
    what = format_prop(x.outcome, 0, x.test)
    head = f"Test {t.name} under {x.model}: the outcome {what} is "
    lines: list[str] = []
    if x.impossible:
        if x.filtered:
            lines.append(head + "excluded by the test's filter: no candidate execution that "
                         "passes the filter has it, whatever the model")
        else:
            lines.append(head + "impossible: no candidate execution has it, whatever the "
                         "model (check the values: which stores could produce them?)")
        return "\n".join(lines)
    if x.allowed:
        assert x.witness is not None
        lines.append(head + "allowed. A witness execution:")
        _flags(x.flags, lines)
        lines += execution_lines(x.witness)
        if not x.cycle:
            lines.append("It is sequentially consistent: an interleaving of the threads "
                         "produces it, so no ordering is missing.")
            return "\n".join(lines)
        lines.append("Its cycle of program order and communication:")
        lines += chain_lines(x.cycle, x.witness, x.labels)
        for u in x.unordered:
            lines.append("Not ordered: " + unordered_sentence(x, u))
        return "\n".join(lines)
    lines.append(head + "forbidden.")
    executions = {id(v.execution) for v in x.violations}
    if len(x.violations) > 1 and len(executions) == 1:
        which = " (one in which each location stays coherent)" if x.coherent else ""
        lines.append(f"The execution below{which} breaks {len(x.violations)} axioms: "
                     f"{', '.join(v.axiom for v in x.violations)}.")
    elif len(executions) > 1:
        lines.append(f"No single execution shows it: every execution with this outcome breaks "
                     f"one of {', '.join(v.axiom for v in x.violations)}; for each, an "
                     "execution that breaks it:")
    if not x.violations:
        lines.append("  (every execution with this outcome breaks an axiom; none is shown)")
    _flags(sorted({f for v in x.violations for f in v.flags}), lines)
    for v in x.violations:
        where = (f" ({Path(v.pos.file).name}:{v.pos.line})"
                 if v.pos is not None and v.pos.line else "")
        shape = "a cycle" if v.cyclic else "a forbidden pair"
        lines.append(f"Axiom {v.axiom}{where} rules it out: {shape} in an execution with "
                     "this outcome:")
        lines += chain_lines(v.steps, v.execution, x.labels)
        lines.append("  in one line: " + one_line(v.steps, v.execution, x.labels))
    return "\n".join(lines)


__all__ = ["chain_lines", "edge_label", "execution_lines", "explanation_text", "one_line",
           "reason_line"]
