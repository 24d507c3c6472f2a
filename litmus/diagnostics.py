"""Warnings about conditions that cannot mean what their author meant.

A condition on a register that no instruction of its thread writes, on a
location that no thread accesses, or comparing a location with a value that
no store and no initial value can give it, is almost always a typo; its
verdict would read as an answer about ordering when it is not one. These
checks read the event graph (what each thread's paths write, the values of
the writes to each location), so they know what the program can do.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Pos
from .events import EventGraph
from .program import CodeRef, LocRef, MemAtom, RegAtom, Test, prop_atoms
from .smt.expr import Const


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


def _writes(eg: EventGraph, loc: str) -> list[int]:
    return [e.eid for e in eg.events if e.kind == "W" and e.loc == loc]


__all__ = ["Diagnostic", "condition_warnings"]
