"""Enumeration: every final state a model allows, by AllSAT over the observables.

The solver holds the execution encoding, the model's axioms and the test's
filter; each model it returns gives one allowed final state (projected on
the registers and locations the condition mentions, herd's convention),
which is then blocked until no new state remains.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import z3
from z3 import z3core

from .errors import EncodingError
from .events import EventGraph
from .model import Model
from .program import (
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
    Test,
)
from .smt.cateval import Axiom, Evaluator
from .smt.encode import Encoding
from .smt.terms import CTX, as_bool, conj_all, disj_all, eq, int_val, neg

#: Refuse to list more states than this (a test whose state space explodes).
MAX_STATES = 100_000

StateValue = int | str


@dataclass(frozen=True)
class State:
    """One allowed final state: the observed registers and locations."""

    values: tuple[tuple[str, StateValue], ...]
    satisfies: bool  # whether the condition's proposition holds in it

    def __str__(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.values)

    def as_dict(self) -> dict[str, StateValue]:
        return dict(self.values)

    def herd_key(self) -> str:
        """The state with its items sorted, as in herd reference files."""
        return "; ".join(sorted(f"{k}={v}" for k, v in self.values))


@dataclass(frozen=True)
class Result:
    """What a model allows for a test."""

    test: Test
    model: str
    states: tuple[State, ...]
    observation: Observation
    flags: tuple[str, ...] = ()
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def positive(self) -> int:
        """States satisfying the condition's proposition (herd counts executions)."""
        return sum(1 for s in self.states if s.satisfies)

    @property
    def negative(self) -> int:
        return len(self.states) - self.positive

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


class Session:
    """One test's encoding, shared by every model it is checked under."""

    def __init__(self, eg: EventGraph) -> None:
        self.eg = eg
        self.test = eg.test
        self.enc = Encoding(eg)
        self.observed: tuple[Observable, ...] = self.test.observed
        self.obs_terms = [self._obs_term(o) for o in self.observed]
        self.filter_term = None
        if self.test.filter is not None:
            self.filter_term = self.prop_term(self.test.filter)

    def _obs_term(self, o: Observable):
        if o.loc is not None:
            return self.enc.final_memory(o.loc)
        assert o.thread is not None and o.reg is not None
        return self.enc.final_register(o.thread, o.reg)

    def prop_term(self, p: Prop):
        """The z3 term of a proposition over final values."""
        enc = self.enc
        if isinstance(p, RegAtom):
            return eq(enc.final_register(p.thread, p.reg), int_val(enc.const_of(p.value)))
        if isinstance(p, MemAtom):
            return eq(enc.final_memory(p.loc), int_val(enc.const_of(p.value)))
        if isinstance(p, PAnd):
            return conj_all(self.prop_term(a) for a in p.args)
        if isinstance(p, POr):
            from .smt.terms import disj_all

            return disj_all(self.prop_term(a) for a in p.args)
        if isinstance(p, PNot):
            return neg(self.prop_term(p.arg))
        assert isinstance(p, PConst)
        return True if p.value else None

    def evaluator(self, model: Model, prelude: Model | None, variants=(),
                  symbolic: bool = False) -> Evaluator:
        """``model`` (after ``prelude``) evaluated over this test's encoding;
        ``symbolic``: see :class:`~litmus.smt.cateval.Evaluator`."""
        ev = Evaluator(self.enc, variants, symbolic=symbolic)
        ev.run(model, prelude)
        return ev

    def solver(self, ev: Evaluator, axioms: list[Axiom] | None = None) -> z3.Solver:
        s = z3.SimpleSolver(ctx=CTX)
        self.enc.out.into(s)
        ev.axioms_extra.into(s)
        for ax in ev.axioms if axioms is None else axioms:
            for c in ax.constraints:
                s.add(as_bool(c))
        if self.filter_term is not None:
            s.add(as_bool(self.filter_term))
        return s

    def enumerate(self, ev: Evaluator, model_name: str) -> Result:
        t0 = time.perf_counter()
        s = self.solver(ev)
        states: list[State] = []
        keys = [o.key for o in self.observed]
        terms = self.obs_terms
        ref = CTX.ref()
        while True:
            r = s.check()
            if r == z3.unknown:
                raise EncodingError(f"solver gave up: {s.reason_unknown()}")
            if r != z3.sat:
                break
            m = s.model()
            raw = [m.eval(t, model_completion=True).as_long() for t in terms]
            states.append(self._state(keys, raw))
            if not terms:
                break
            block = disj_all([neg(eq(t, int_val(v))) for t, v in zip(terms, raw)])
            z3core.Z3_solver_assert(ref, s.solver, block.as_ast())
            if len(states) > MAX_STATES:
                raise EncodingError(f"more than {MAX_STATES} final states; narrow the "
                                    "condition or the locations observed")
        flags = self._flags(ev) if ev.flags and states else ()
        states.sort(key=_state_sort_key)
        st = tuple(states)
        return Result(self.test, model_name, st, observation_of(st), flags,
                      time.perf_counter() - t0)

    def _state(self, keys: list[str], raw: list[int]) -> State:
        vals: list[tuple[str, StateValue]] = []
        env: dict[str, int] = {}
        for k, v in zip(keys, raw):
            env[k] = v
            name = self.enc.loc_name(v)
            vals.append((k, name if name is not None else v))
        ok = _eval_prop(self.test.condition.prop, env, self.enc)
        return State(tuple(vals), ok)

    def _flags(self, ev: Evaluator) -> tuple[str, ...]:
        """The flags raised by at least one allowed execution."""
        raised = []
        fresh = None
        for f in ev.flags:
            if f.raised is None:
                continue
            if f.raised is True:  # raised by every execution, and there is one
                raised.append(f.name)
                continue
            if fresh is None:
                fresh = self.solver(ev)
            fresh.push()
            fresh.add(as_bool(f.raised))
            if fresh.check() == z3.sat:
                raised.append(f.name)
            fresh.pop()
        return tuple(raised)


def _eval_prop(p: Prop, env: dict[str, int], enc: Encoding) -> bool:
    if isinstance(p, (RegAtom, MemAtom)):
        want = enc.const_of(p.value) if isinstance(p.value, LocRef) else p.value
        return env[p.key] == want
    if isinstance(p, PAnd):
        return all(_eval_prop(a, env, enc) for a in p.args)
    if isinstance(p, POr):
        return any(_eval_prop(a, env, enc) for a in p.args)
    if isinstance(p, PNot):
        return not _eval_prop(p.arg, env, enc)
    assert isinstance(p, PConst)
    return p.value


def _state_sort_key(s: State):
    return tuple((0, v, "") if isinstance(v, int) else (1, 0, v) for _, v in s.values)


__all__ = ["Result", "Session", "State", "observation_of"]
