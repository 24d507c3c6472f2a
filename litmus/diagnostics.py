"""Warnings about conditions that cannot mean what their author meant.

A condition on a register that no instruction of its thread writes, on a
location that no thread accesses, or comparing a location or a register with
a value that no store, instruction or initial value can give it, is almost
always a typo; its
verdict would read as an answer about ordering when it is not one. These
checks read the event graph (what each thread's paths write, the values of
the writes to each location), so they know what the program can do.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Pos
from .events import EventGraph
from .program import CodeRef, LocRef, MemAtom, RegAtom, Test, prop_atoms
from .smt.expr import Const, Ite, ReadVal


@dataclass(frozen=True)
class Diagnostic:
    """A warning about a test, at a position when there is one."""

    message: str
    pos: Pos | None = None

    def __str__(self) -> str:
        return f"{self.pos}: warning: {self.message}" if self.pos else \
            f"warning: {self.message}"


def condition_warnings(test: Test, eg: EventGraph) -> list[Diagnostic]:
    """The warnings about ``test``'s final condition (``eg`` is its event
    graph). Each atom is looked at once, in the order written."""
    out: list[Diagnostic] = []
    seen: set[str] = set()
    accessed = {e.loc for e in eg.events if e.thread is not None and e.loc is not None}
    for atom in prop_atoms(test.condition.prop):
        key = f"{atom.key}={atom.value}"
        if key in seen:
            continue
        seen.add(key)
        if isinstance(atom, RegAtom):
            th = test.thread(atom.thread)
            written = atom.reg in th.init or any(
                atom.reg.name in leaf.regs for leaf in eg.leaves.get(atom.thread, ()))
            if not written and not atom.reg.is_zero:
                out.append(Diagnostic(
                    f"no instruction of thread {atom.thread} writes {atom.key.split(':')[-1]}"
                    f" and it has no initial value: '{atom.key}' is always 0", atom.pos))
            elif isinstance(atom.value, int):
                possible = _register_values(eg, atom)
                ctype = test.ctype(atom.thread, atom.reg)
                if possible is not None and ctype.bits_of(atom.value) not in {
                        ctype.bits_of(b) for b in possible}:
                    shown = ", ".join(str(v) for v in sorted({ctype.read(b) for b in possible}))
                    out.append(Diagnostic(
                        f"no instruction, store or initial value gives '{atom.key}' the value "
                        f"{atom.value} (its possible values: {shown})", atom.pos))
            continue
        assert isinstance(atom, MemAtom)
        cells = test.location(atom.loc).cells()
        if not any(c in accessed for c in cells):
            out.append(Diagnostic(
                f"no execution of any thread accesses location '{atom.loc}': it keeps its "
                "initial value",
                atom.pos))
            continue
        values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
        for cell, value in zip(cells, values):
            if isinstance(value, (LocRef, CodeRef)):
                continue
            writes = [eg.events[w].value for w in _writes(eg, cell)]
            if all(isinstance(v, Const) for v in writes):
                ctype = test.ctype(loc=cell)
                possible = {ctype.bits_of(v.bits) for v in writes}  # type: ignore[union-attr]
                if ctype.bits_of(value) not in possible:
                    shown = ", ".join(str(ctype.read(b)) for b in sorted(possible))
                    out.append(Diagnostic(
                        f"no store and no initial value gives '{cell}' the value "
                        f"{value} (its possible values: {shown})", atom.pos))
    return out


def _register_values(eg: EventGraph, atom: RegAtom) -> set[int] | None:
    """Every 64-bit value the register of ``atom`` may end with, when the
    event graph says so plainly: on each path, a constant, a value loaded from
    a location that only constants are written to (its initial value
    included), or a choice between such values; None when some path computes
    it otherwise (arithmetic on a loaded value, a narrowed load, ...)."""
    if all(leaf.stopped for leaf in eg.leaves.get(atom.thread, ())):
        return None  # no path ends (a loop over the unrolling bound): no final value
    out: set[int] = set()
    for _guard, val in eg.final_register(atom.thread, atom.reg):
        got = _values(eg, val)
        if got is None:
            return None
        out |= got
    return out


def _values(eg: EventGraph, val: object) -> set[int] | None:
    """The values ``val`` may take (see :func:`_register_values`), or None."""
    if isinstance(val, Const):
        return {val.bits}
    if isinstance(val, Ite):
        a, b = _values(eg, val.a), _values(eg, val.b)
        return None if a is None or b is None else a | b
    if isinstance(val, ReadVal):
        loc = eg.events[val.eid].loc
        if loc is None:
            return None
        writes = [eg.events[w].value for w in _writes(eg, loc)]
        if not writes or not all(isinstance(v, Const) for v in writes):
            return None
        return {v.bits for v in writes}  # type: ignore[union-attr]
    return None


def _writes(eg: EventGraph, loc: str) -> list[int]:
    return [e.eid for e in eg.events if e.kind == "W" and e.loc == loc]


__all__ = ["Diagnostic", "condition_warnings"]
