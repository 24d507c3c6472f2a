"""One candidate execution, read back from a solver's model.

An :class:`Execution` is what a student draws: the events that happen (on
the path each thread took), the value each reads or writes, which write each
read reads from (``rf``), the coherence order of each location (``co``) and
the final state. It is read from a z3 model of the execution encoding
(:class:`~litmus.smt.encode.Encoding`), so it is exactly an execution the
engine considered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import z3

from ..enumerate import Session, State
from ..events import Event
from ..smt.relations import ESet, Rel
from ..smt.terms import Term

Pair = tuple[int, int]


def holds_in(m: z3.ModelRef, t: Term | None) -> bool:
    """Whether a term (``True``, None for false, or a z3 formula) holds in ``m``."""
    if t is None:
        return False
    if t is True:
        return True
    return z3.is_true(m.eval(t, model_completion=True))


@dataclass(frozen=True)
class Execution:
    """A candidate execution of a test.

    ``events`` are the ids of the events that happen, in id order (initial
    writes first); ``values`` maps each memory event to the 64-bit value it
    reads or writes; ``rf`` pairs each read with the write it reads from;
    ``co`` is the coherence order as (earlier, later) pairs, transitively
    closed, per location; ``state`` is the final state (observed registers
    and locations, printed as in every report)."""

    session: Session = field(repr=False)
    model: z3.ModelRef = field(repr=False)
    events: tuple[int, ...]
    values: Mapping[int, int]
    rf: frozenset[Pair]
    co: frozenset[Pair]
    state: State

    def __str__(self) -> str:
        from .render import execution_lines

        return "\n".join(execution_lines(self, indent=""))

    def event(self, eid: int) -> Event:
        """The event numbered ``eid``. Raises IndexError for no such event."""
        return self.session.eg.events[eid]

    def concrete(self, v: ESet | Rel) -> frozenset:
        """The members of a symbolic set or relation in this execution."""
        return frozenset(k for k, t in v.items() if holds_in(self.model, t))

    def describe(self, eid: int, value: bool = True) -> str:
        """An event as a student reads it: ``W cfg=1 (P0, line 7)``,
        ``R doorbell=0 (NIC, line 12)``, ``DMB.ISHST (P0, line 8)``,
        ``W x=0 (initial)``."""
        e = self.event(eid)
        if e.kind == "F":
            what = e.label()
        else:
            what = f"{e.kind} {e.loc}"
            if value and eid in self.values:
                bits = self.values[eid]
                name = self.session.eg.address_name(bits)
                shown = name if name is not None else \
                    self.session.test.ctype(loc=e.loc).read(bits)
                what += f"={shown}"
        if e.thread is None:
            return f"{what} (initial)"
        line = f", line {e.instr.pos.line}" if e.instr is not None and e.instr.pos.line else ""
        return f"{what} ({e.thread}{line})"


def read_execution(session: Session, m: z3.ModelRef) -> Execution:
    """The execution a z3 model of ``session``'s encoding describes."""
    enc = session.enc
    eg = session.eg
    happen = tuple(e.eid for e in eg.events if holds_in(m, enc.exec_term(e)))
    values: dict[int, int] = {}
    for eid in happen:
        e = eg.events[eid]
        if e.kind == "R":
            values[eid] = m.eval(enc.value[eid], model_completion=True).as_long()
        elif e.kind == "W" and e.value is not None:
            values[eid] = m.eval(enc.val(e.value), model_completion=True).as_long()
    rf = frozenset(p for p, t in enc.rf_vars.items() if holds_in(m, t))
    co = frozenset(p for p in enc.base("co").items() if holds_in(m, p[1]))  # type: ignore
    co_pairs = frozenset(p for p, _ in co)
    raw = [m.eval(t, model_completion=True).as_long() for t in session.obs_terms]
    state = session.state_of(raw, z3.is_true(m.eval(z3_bool(session.cond_term),
                                                    model_completion=True)))
    return Execution(session, m, happen, values, rf, co_pairs, state)


def z3_bool(t: Term | None) -> z3.BoolRef:
    if t is None:
        return z3.BoolVal(False)
    if t is True:
        return z3.BoolVal(True)
    return t


__all__ = ["Execution", "holds_in", "read_execution"]
