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


def unordered_sentence(x: Explanation, u) -> str:
    """One sentence: what the model did not order, and what stands between."""
    exe = x.witness
    assert exe is not None
    a, b = exe.describe(u.src), exe.describe(u.dst)
    if u.between:
        between = f"between them: {', '.join(u.between)}, which does not order them here"
    else:
        between = "no barrier, dependency, acquire or release orders them"
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
        lines.append(head + "impossible: no candidate execution has it, whatever the model "
                     "(check the values: which stores could produce them?)")
        return "\n".join(lines)
    if x.allowed:
        assert x.witness is not None
        lines.append(head + "allowed. A witness execution:")
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
    if len(x.violations) > 1:
        lines.append(f"No axiom forbids it alone: every execution with this outcome breaks "
                     f"one of {', '.join(v.axiom for v in x.violations)}. For each, an "
                     "execution that breaks only that one:")
    if not x.violations:
        lines.append("  (every execution with this outcome breaks an axiom; none is shown)")
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
