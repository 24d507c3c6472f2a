"""Enumeration: every final state a model allows, by AllSAT over the observables.

The solver holds the execution encoding, the model's axioms and the test's
filter; each model it returns gives one allowed final state (projected on
the registers and locations the condition mentions, herd's convention),
which is then blocked until no new state remains. Whether a state satisfies
the condition is read from the same z3 model (the condition is encoded once,
by :meth:`Session.prop_term`). Executions in which a thread faults (an
address that designates no location), and those the loop unrolling bound
cut short, have no final state; the result's flags say when such executions
exist.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import z3
from z3 import z3core

from .errors import EncodingError
from .events import EventGraph
from .limits import NO_DEADLINE, Deadline
from .model import Model
from .program import (
    CodeRef,
    CType,
    LocRef,
    MemAtom,
    Observable,
    Observation,
    PAnd,
    PConst,
    PNot,
    POr,
    Prop,
    RegAtom,
    StateValue,
    Test,
    Value,
    format_state_value,
)
from .smt.cateval import Axiom, Evaluator
from .smt.encode import Encoding
from .smt.terms import CTX, Term, as_bool, conj_all, disj_all, eq, neg

if TYPE_CHECKING:
    from .explain import Explanation
    from .explain.execution import Execution

#: Refuse to list more states than this (a test whose state space explodes).
MAX_STATES = 100_000

#: The flag raised when some executions allowed by the model fault.
FAULT_FLAG = "some-executions-fault"

#: The flag raised when the model allows some execution that the loop
#: unrolling bound cut short (herd7 prints "Loop" before Ok/No and warns
#: "unrolling limit exceeded, legal outcomes may be missing").
LOOP_FLAG = "loop-bound-reached"

#: The flag raised when the model allows some execution in which a branch to a
#: register (``BR``, ``BLR``, ``RET``) holding a value read from memory finds
#: no label there: herd has no such execution (the constraint that the value
#: is a label fails), so it has no final state here either.
NO_LABEL_FLAG = "some-executions-branch-to-no-label"

#: The flag raised when a test has no final state because every execution the
#: model allows has a ``spin_lock`` find its lock held: the lock is taken only
#: in executions where it is free (a filter, as herd's), and one that would
#: spin has no final state (a lock nobody releases, a deadlock).
LOCK_FLAG = "every-execution-spins-on-a-held-lock"

@dataclass(frozen=True)
class State:
    """One allowed final state: the observed registers and locations.

    Each value is printed as the observable's type reads it (a signed or
    unsigned integer of the type's width, see :class:`litmus.program.CType`),
    or as a location's name when it is that location's address."""

    values: tuple[tuple[str, StateValue], ...]
    satisfies: bool  # whether the condition's proposition holds in it

    def __str__(self) -> str:
        return "; ".join(f"{k}={format_state_value(v)}" for k, v in self.values)

    def as_dict(self) -> dict[str, StateValue]:
        """``{observable: value}``, e.g. ``{"P1:r0": 1, "x": 2}``."""
        return dict(self.values)

    def herd_key(self) -> str:
        """The state with its items sorted, as in herd reference files."""
        return "; ".join(sorted(f"{k}={format_state_value(v)}" for k, v in self.values))


@dataclass(frozen=True)
class Result:
    """What a model allows for a test: ``model`` names the model (``arm``, a
    ``.cat`` path, a :class:`~litmus.model.Model`'s label), ``states`` are
    every allowed final state, ``observation`` is ``never``, ``sometimes`` or
    ``always`` (of the condition's proposition), ``flags`` the model's flags
    some allowed execution raises, ``seconds`` the time the check took."""

    test: Test
    model: str
    states: tuple[State, ...]
    observation: Observation
    flags: tuple[str, ...] = ()
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
    #: the :class:`Model` checked, when it was given as one rather than by a
    #: name or path (what :meth:`explain` explains under)
    model_def: Model | None = field(default=None, compare=False, repr=False)

    @property
    def positive(self) -> int:
        """States satisfying the condition's proposition (herd counts executions)."""
        return sum(1 for s in self.states if s.satisfies)

    @property
    def negative(self) -> int:
        """States not satisfying the condition's proposition."""
        return len(self.states) - self.positive

    def explain(self, outcome: Prop | str | None = None) -> Explanation:
        """Why ``outcome`` (default: the condition's; a proposition or its
        text, ``"P1:r0=1 /\\ x=2"``) is allowed or forbidden under this
        result's model: a :class:`litmus.explain.Explanation`. Raises what
        :func:`litmus.check` raises, and :class:`~litmus.errors.UsageError`
        for an outcome text that does not parse."""
        from .explain import explain

        return explain(self.test, self.model_def or self.model, outcome)

    def witness(self, outcome: Prop | str | None = None) -> Execution | None:
        """An execution this model allows with ``outcome`` (default: the
        condition's): a :class:`litmus.explain.execution.Execution` (events,
        values, rf, co, final state), or None when no allowed execution has it.
        Raises what :meth:`explain` raises."""
        return self.explain(outcome).witness

    def to_dot(self, outcome: Prop | str | None = None) -> str:
        """The explanation of ``outcome`` (default: the condition's) drawn as
        herd7 draws an execution, as Graphviz DOT text: the witness with its
        cycle for an allowed outcome, the first violated axiom's cycle for a
        forbidden one (see :meth:`litmus.explain.Explanation.to_dot`). Raises
        what :meth:`explain` raises."""
        return self.explain(outcome).to_dot()

    @property
    def witnesses(self) -> tuple[int, int]:
        """herd's Positive and Negative (counted over states, not executions):
        the states satisfying the condition's proposition and the others, except
        under ``~exists``, where herd counts the states satisfying its negation
        as positive."""
        if self.test.condition.quantifier == "~exists":
            return self.negative, self.positive
        return self.positive, self.negative

    @property
    def validated(self) -> bool:
        """herd's ``Ok``: the condition, with its quantifier, holds."""
        q = self.test.condition.quantifier
        if q == "exists":
            return self.positive > 0
        if q == "~exists":
            return self.positive == 0
        return self.negative == 0


def observation_of(states: tuple[State, ...] | list[State]) -> Observation:
    pos = sum(1 for s in states if s.satisfies)
    if pos == 0:
        return "never"
    if pos == len(states):
        return "always"
    return "sometimes"


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def observable_order(test: Test, o: Observable) -> tuple:
    """The order of a state's items, the same in every report: registers by
    thread (in the test's order) and register number (``X8`` before ``X10``,
    ``r9`` as ``X9``), then locations by name."""
    if o.loc is not None:
        return (1, 0, _natural(o.loc), o.key)
    index = next((t.index for t in test.threads if t.name == o.thread), 0)
    return (0, index, _natural(o.reg.name if o.reg else o.key), o.key)


class Session:
    """One test's encoding, shared by every model it is checked under."""

    def __init__(self, eg: EventGraph, deadline: Deadline = NO_DEADLINE) -> None:
        """Encode ``eg`` (raises :class:`~litmus.errors.Timeout` when
        ``deadline`` passes meanwhile, :class:`~litmus.errors.EncodingError`
        for what the engine cannot encode)."""
        self.eg = eg
        self.test = eg.test
        self.enc = Encoding(eg, deadline.check)
        deadline.check()
        self.observed: tuple[Observable, ...] = tuple(
            sorted(self.test.observed, key=lambda o: observable_order(self.test, o)))
        #: the 64-bit terms of the observables, in order: one each, and one per
        #: element for a whole array (``x={1,0}``)
        self.obs_terms = [t for o in self.observed for t in self._obs_terms(o)]
        self.cond_term = self.prop_term(self.test.condition.prop)
        self.filter_term = None
        if self.test.filter is not None:
            self.filter_term = self.prop_term(self.test.filter)
        self.fault_term = self.enc.fault_term()
        self._check_refusals(deadline)
        self.cut_term = self.enc.cut_term()
        self.dead_term = self.enc.dead_term()
        #: executions without a final state: a thread faulted, was cut short, or
        #: branched to a loaded value that is no label
        self.stop_term = disj_all([t for t in (self.fault_term, self.cut_term, self.dead_term)
                                   if t is not None])

    def _check_refusals(self, deadline: Deadline) -> None:
        """Raise the error of an access refused on a path that some candidate
        execution takes (see :attr:`EventGraph.refusals`), or Timeout when
        ``deadline`` passes."""
        if not self.eg.refusals:
            return
        s = z3.SimpleSolver(ctx=CTX)
        self.enc.out.into(s)
        if self.filter_term is not None:
            s.add(as_bool(self.filter_term))
        for guard, err in self.eg.refusals:
            s.push()
            s.add(as_bool(self.enc.guard_term(guard)))
            if _check(s, deadline):
                raise err
            s.pop()

    def _obs_terms(self, o: Observable) -> list[z3.BitVecRef]:
        if o.loc is not None:
            return [self.enc.final_memory(c) for c in self.test.location(o.loc).cells()]
        assert o.thread is not None and o.reg is not None
        return [self.enc.final_register(o.thread, o.reg)]

    def _equals(self, term: z3.BitVecRef, value: Value, ctype: CType) -> Term:
        """``term = value`` as the type compares: a location's address on all 64
        bits, an integer on the type's width (herd masks both sides)."""
        assert not isinstance(value, tuple)
        if isinstance(value, LocRef):
            addr = self.eg.symbols.get(value.name)
            if addr is None:
                raise EncodingError(f"'{value.name}' is not a location of the test")
            return eq(term, self.enc.z3.const(addr))
        if isinstance(value, CodeRef):  # a label's address, on all 64 bits
            assert self.eg.code is not None
            return eq(term, self.enc.z3.const(self.eg.code.ref(value)))
        if ctype.bits >= 64:
            return eq(term, self.enc.z3.const(value))
        return eq(z3.Extract(ctype.bits - 1, 0, term),
                  z3.BitVecVal(ctype.bits_of(value), ctype.bits))

    def prop_term(self, p: Prop) -> Term | None:
        """The z3 term of a proposition over final values."""
        test = self.test
        if isinstance(p, RegAtom):
            return self._equals(self.enc.final_register(p.thread, p.reg), p.value,
                                test.ctype(p.thread, p.reg))
        if isinstance(p, MemAtom):
            ctype = test.ctype(loc=p.loc)
            cells = test.location(p.loc).cells()
            values = p.value if isinstance(p.value, tuple) else (p.value,)
            if len(values) != len(cells):
                raise EncodingError(f"'{p.key}' is compared with {len(values)} value(s) but "
                                    f"has {len(cells)}", p.pos)
            return conj_all(self._equals(self.enc.final_memory(c), v, ctype)
                            for c, v in zip(cells, values))
        if isinstance(p, PAnd):
            return conj_all(self.prop_term(a) for a in p.args)
        if isinstance(p, POr):
            return disj_all(self.prop_term(a) for a in p.args)
        if isinstance(p, PNot):
            return neg(self.prop_term(p.arg))
        assert isinstance(p, PConst)
        return True if p.value else None

    def evaluator(self, model: Model, prelude: Model | None, variants=(),
                  symbolic: bool = False, deadline: Deadline = NO_DEADLINE) -> Evaluator:
        """``model`` (after ``prelude``) evaluated over this test's encoding;
        ``symbolic``: see :class:`~litmus.smt.cateval.Evaluator`; raises
        Timeout when ``deadline`` passes."""
        ev = Evaluator(self.enc, variants, symbolic=symbolic, deadline=deadline)
        ev.run(model, prelude)
        return ev

    def solver(self, ev: Evaluator, axioms: list[Axiom] | None = None,
               filtered: bool = True) -> z3.Solver:
        """A solver holding the executions ``ev``'s model allows (all of them,
        faulting ones included) and, when ``filtered``, the test's filter."""
        s = z3.SimpleSolver(ctx=CTX)
        # Ctrl-C: Python sees it (see limits.catch_interrupts), not z3, which would
        # swallow it into an "unknown" result
        s.set("ctrl_c", False)
        self.enc.out.into(s)
        ev.axioms_extra.into(s)
        for ax in ev.axioms if axioms is None else axioms:
            for c in ax.constraints:
                s.add(as_bool(c))
        if filtered and self.filter_term is not None:
            s.add(as_bool(self.filter_term))
        return s

    def enumerate(self, ev: Evaluator, model_name: str,
                  deadline: Deadline = NO_DEADLINE) -> Result:
        """Every final state of a non-faulting execution ``ev``'s model allows.
        Raises :class:`~litmus.errors.Timeout` when ``deadline`` passes."""
        t0 = time.perf_counter()
        s = self.solver(ev)
        if self.stop_term is not None:
            s.add(as_bool(neg(self.stop_term)))
        states: list[State] = []
        terms = self.obs_terms
        cond = as_bool(self.cond_term)
        ref = CTX.ref()
        while True:
            if not _check(s, deadline):
                break
            m = s.model()
            raw = [m.eval(t, model_completion=True).as_long() for t in terms]
            holds = z3.is_true(m.eval(cond, model_completion=True))
            states.append(self.state_of(raw, holds))
            if not terms:
                break
            block = disj_all([neg(eq(t, self.enc.z3.const(v))) for t, v in zip(terms, raw)])
            z3core.Z3_solver_assert(ref, s.solver, block.as_ast())  # type: ignore[union-attr]
            if len(states) > MAX_STATES:
                raise EncodingError(f"more than {MAX_STATES} final states; narrow the "
                                    "condition or the locations observed")
        flags = self._flags(ev, bool(states), deadline)
        states.sort(key=_state_sort_key)
        st = tuple(states)
        notes: tuple[str, ...] = ()
        if LOOP_FLAG in flags:
            n = self.eg.unroll
            note = (f"loops were unrolled {n} time{'s' if n != 1 else ''}: executions that "
                    "take a backward jump more often are not outcomes, so some outcomes may "
                    f"be missing (--unroll {n + 1} or more to look further)")
            notes = (note,)
        if LOCK_FLAG in flags:
            notes += (("no final state: in every allowed execution a spin_lock finds its lock "
                      "held and would spin forever (no thread releases it), so the verdict "
                      "says nothing about the code after it"),)
        return Result(self.test, model_name, st, observation_of(st), flags,
                      time.perf_counter() - t0, notes)

    def state_of(self, raw: list[int], holds: bool) -> State:
        """The state with these raw 64-bit values of the observables, printed as
        their types read them."""
        vals: list[tuple[str, StateValue]] = []
        i = 0
        for o in self.observed:
            if o.loc is not None and self.test.location(o.loc).is_array:
                n = len(self.test.location(o.loc).cells())
                items = tuple(self._show(b, o.ctype) for b in raw[i:i + n])
                vals.append((o.key, items))  # type: ignore[arg-type]
                i += n
            else:
                vals.append((o.key, self._show(raw[i], o.ctype)))
                i += 1
        return State(tuple(vals), holds)

    def _show(self, bits: int, ctype: CType) -> int | str:
        name = self.eg.address_name(bits)
        if name is None and self.eg.unprintable(bits):
            raise EncodingError(
                "not supported: a final state holds a code address without a label (a "
                "return address BL or BLR left, where the next instruction has no label), "
                "which herd prints as a number internal to it; label the instruction after "
                "the call to see it as label:\"P0:L\"")
        return name if name is not None else ctype.read(bits)

    def _flags(self, ev: Evaluator, allowed: bool, deadline: Deadline) -> tuple[str, ...]:
        """The flags raised by at least one allowed execution, and whether some
        allowed executions fault or were cut short by the loop unrolling bound."""
        raised = []
        fresh = None
        for f in ev.flags if allowed else ():
            if f.raised is None:
                continue
            if f.raised is True:  # raised by every execution, and there is one
                raised.append(f.name)
                continue
            if fresh is None:
                fresh = self.solver(ev)
            fresh.push()
            fresh.add(as_bool(f.raised))
            if _check(fresh, deadline):
                raised.append(f.name)
            fresh.pop()
        for term, flag in ((self.fault_term, FAULT_FLAG), (self.cut_term, LOOP_FLAG),
                           (self.dead_term, NO_LABEL_FLAG)):
            if term is not None:
                s = self.solver(ev)
                s.add(as_bool(term))
                if _check(s, deadline):
                    raised.append(flag)
        if not allowed and self.test.takes_locks and self.filter_term is not None:
            # no outcome, but an allowed execution of the written filter that a
            # lock's filter drops: every execution spins on a held lock
            s = self.solver(ev, filtered=False)
            if self.test.written_filter is not None:
                s.add(as_bool(self.prop_term(self.test.written_filter)))
            if self.stop_term is not None:
                s.add(as_bool(neg(self.stop_term)))
            s.add(as_bool(neg(self.filter_term)))
            if _check(s, deadline):
                raised.append(LOCK_FLAG)
        return tuple(raised)


def _check(s: z3.Solver, deadline: Deadline) -> bool:
    """``s.check()`` within what remains of ``deadline``: True for sat, False
    for unsat; raises Timeout when the time is up."""
    deadline.check()
    left = deadline.remaining()
    if left is not None:
        s.set("timeout", max(1, int(left * 1000)))
    r = s.check()
    if r == z3.unknown:
        reason = s.reason_unknown()
        # z3 leaves Ctrl-C to Python (ctrl_c is off): "timeout"/"canceled" is ours
        if deadline.expired() or reason in ("timeout", "canceled"):
            raise deadline.timeout()
        raise EncodingError(f"solver gave up: {reason}")
    return r == z3.sat


def _state_sort_key(s: State):
    return tuple((0, v, "") if isinstance(v, int) else (1, 0, format_state_value(v))
                 for _, v in s.values)


__all__ = ["FAULT_FLAG", "LOCK_FLAG", "LOOP_FLAG", "NO_LABEL_FLAG", "Result", "Session", "State",
           "format_state_value", "observation_of"]
