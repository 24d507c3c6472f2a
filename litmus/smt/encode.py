"""The model-independent part of the encoding: an execution of an event graph.

An :class:`Encoding` owns the z3 variables of one test's candidate
executions: the 64-bit value each read returns, which write it reads from
(``rf``), the coherence order of each location (``co``, as integer
positions), the free choices (store-exclusive success) and the path
conditions under which events happen. Values and conditions are turned into
z3 by :class:`~litmus.smt.expr.Z3Encoder`, the one place that does so. It
exposes the execution to the cat evaluator as base sets and relations
(:meth:`Encoding.base`), and the final value of every register and location
a condition can mention.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import z3

from ..errors import EncodingError
from ..events import Event, EventGraph
from ..program import Reg
from .expr import BAnd, BConst, BNot, BoolExpr, BOr, Const, Val, Z3Encoder
from .relations import ESet, Rel
from .terms import (
    Assertions,
    Term,
    bool_var,
    conj,
    conj_all,
    disj_all,
    eq,
    implies,
    int_val,
    int_var,
    lt,
    neg,
)

#: Base relations taken from the event graph's edges, by the name models use.
_EDGE_RELATIONS: dict[str, tuple[str, ...]] = {
    "po": ("po",),
    "addr": ("addr",),
    "data": ("data",),
    "ctrl": ("ctrl",),
    "pick-addr-dep": ("pick-addr",),
    "pick-data-dep": ("pick-data",),
    "pick-ctrl-dep": ("pick-ctrl",),
    # herd's pick-basic-dep: a read's value reaching a memory event through
    # registers, an instruction's internal control, or a store forwarded to a
    # later load of the same location
    "pick-basic-dep": ("pick-addr", "pick-data", "pick-intr", "pick-basic"),
    "pick-dep": ("pick-addr", "pick-data", "pick-ctrl", "pick-intr", "pick-basic"),
}


class Encoding:
    """z3 variables and constraints describing every candidate execution of a test."""

    def __init__(self, eg: EventGraph, tick: Callable[[], None] | None = None) -> None:
        """Encode ``eg``; ``tick`` is called as each read and each write is
        encoded (a deadline's check, which may raise
        :class:`~litmus.errors.Timeout`)."""
        self.tick = tick or (lambda: None)
        self.eg = eg
        self.events = eg.events
        self.out = Assertions()
        self._exec: dict[tuple[BoolExpr, ...], Term | None] = {(): True}
        self._choices: dict[int, z3.BoolRef] = {}
        self.value: dict[int, z3.BitVecRef] = {}
        self.rf_vars: dict[tuple[int, int], Term] = {}
        self.cpos: dict[int, z3.ArithRef] = {}
        self.rpos: dict[int, z3.ArithRef] = {}
        self._fin: dict[str, z3.BitVecRef] = {}
        self._last: dict[int, Term | None] = {}
        self._base: dict[str, ESet | Rel] = {}
        self.writes_to: dict[str, list[int]] = defaultdict(list)
        self.reads_of: dict[str, list[int]] = defaultdict(list)
        self.z3 = Z3Encoder(self.value.__getitem__, self._choice)
        for e in self.events:
            if e.kind == "W":
                self.writes_to[e.loc].append(e.eid)  # type: ignore[index]
            elif e.kind == "R":
                self.reads_of[e.loc].append(e.eid)  # type: ignore[index]
                self.value[e.eid] = z3.BitVec(f"v!{e.eid}", 64)
        self._encode_rf()
        self._encode_co()
        self._encode_sca()

    # ------------------------------------------------------------------ values

    def _choice(self, ident: int) -> z3.BoolRef:
        v = self._choices.get(ident)
        if v is None:
            v = self._choices[ident] = bool_var(f"choice!{ident}")
        return v

    def val(self, v: Val) -> z3.BitVecRef:
        """The z3 bit-vector of a value."""
        return self.z3.val(v)

    def cond(self, c: BoolExpr) -> Term | None:
        """The term of a condition (True, None for false, or a z3 formula)."""
        if isinstance(c, BConst):
            return True if c.value else None
        if isinstance(c, BNot):
            return neg(self.cond(c.arg))
        if isinstance(c, BAnd):
            return conj_all(self.cond(a) for a in c.args)
        if isinstance(c, BOr):
            return disj_all(self.cond(a) for a in c.args)
        return self.z3.cond(c)

    def guard_term(self, guard: tuple[BoolExpr, ...]) -> Term | None:
        """When a path with this guard is taken: True, None (never) or a formula."""
        t = self._exec.get(guard, False)
        if t is False:
            t = conj_all(self.cond(c) for c in guard)
            self._exec[guard] = t
        return t

    def exec_term(self, e: Event | int) -> Term | None:
        """When event ``e`` happens: True, or its path condition."""
        if isinstance(e, int):
            e = self.events[e]
        return self.guard_term(e.guard)

    # ------------------------------------------------------------------ rf, co

    def _encode_rf(self) -> None:
        """Each executed read reads from exactly one compatible write of its
        location and returns that write's value. When every candidate write
        stores a constant, the read's value is the choice among those
        constants (a term over the rf variables) rather than a variable of its
        own: the same values, fewer constraints."""
        out = self.out
        eg = self.eg
        cands = {r: [w for w in self.writes_to[loc] if eg.compatible(w, r)]
                 for loc, reads in self.reads_of.items() for r in reads}
        for r, ws in cands.items():
            for w in ws:
                self.rf_vars[(w, r)] = bool_var(f"rf!{w}!{r}")
        constant = {r for r, ws in cands.items()
                    if all(isinstance(self.events[w].value, Const) for w in ws)}
        for r in constant:  # before any value is encoded, so every use sees the term
            ws = cands[r]
            value = self.val(self.events[ws[-1]].value)  # type: ignore[arg-type]
            for w in reversed(ws[:-1]):
                value = z3.If(self.rf_vars[(w, r)], self.val(self.events[w].value),  # type: ignore
                              value)
            self.value[r] = value
        for r, ws in cands.items():
            self.tick()
            ex_r = self.exec_term(r)
            vs: list[Term] = []
            rpos = self.rpos[r] = int_var(f"rpos!{r}")
            for w in ws:
                v = self.rf_vars[(w, r)]
                vs.append(v)
                out.add(implies(v, conj(self.exec_term(w), ex_r)))
                if r not in constant:
                    out.add(implies(v, eq(self.value[r], self.val(self.events[w].value))))
                out.add(implies(v, eq(rpos, self._pos(w))))
            out.add(implies(ex_r, disj_all(vs)))
            if len(vs) > 1:
                out.add(_at_most_one(vs))

    def _pos(self, w: int) -> z3.ArithRef:
        p = self.cpos.get(w)
        if p is None:
            p = int_val(0) if self.events[w].is_init else int_var(f"co!{w}")
            self.cpos[w] = p
        return p

    def _encode_co(self) -> None:
        out = self.out
        eg = self.eg
        zero = int_val(0)
        for writes in self.writes_to.values():
            for w in writes:
                if not self.events[w].is_init:
                    out.add(lt(zero, self._pos(w)))
            for i, a in enumerate(writes):
                self.tick()
                for b in writes[i + 1:]:
                    if self.events[a].is_init or self.events[b].is_init:
                        continue
                    if eg.compatible(a, b):
                        both = conj(self.exec_term(a), self.exec_term(b))
                        out.add(implies(both, neg(eq(self._pos(a), self._pos(b)))))

    def _encode_sca(self) -> None:
        """Single-copy atomicity of multi-element accesses (an exclusive or
        compare-and-swap pair; herd's engine enforces it, not its models):
        a group of reads made as one access sees a group of writes made as
        one access entirely or not at all. For each location both groups
        access, the read "sees" the write when it reads from it or from a
        write coherence-after it; that must hold for all or for none."""
        out = self.out
        eg = self.eg
        groups: dict[int, list[int]] = defaultdict(list)
        for a, b in eg.pairs("sca"):
            groups[a].append(b)
        reads = [[a, *bs] for a, bs in groups.items() if self.events[a].kind == "R"]
        writes = [[a, *bs] for a, bs in groups.items() if self.events[a].kind == "W"]
        for rg in reads:
            for wg in writes:
                pairs = [(r, w) for r in rg for w in wg
                         if self.events[r].loc == self.events[w].loc and eg.compatible(r, w)]
                if len(pairs) < 2:
                    continue
                both = conj_all(self.exec_term(e) for e in rg + wg)
                if both is None:
                    continue
                sees = [neg(lt(self.rpos[r], self._pos(w))) for r, w in pairs]
                for s in sees[1:]:
                    out.add(implies(both, eq(sees[0], s)))

    def co_term(self, a: int, b: int) -> Term | None:
        if a == b or not self.eg.compatible(a, b):
            return None
        ea, eb = self.events[a], self.events[b]
        if eb.is_init:
            return None
        if ea.is_init:
            return self.exec_term(b)
        return conj(self.exec_term(a), self.exec_term(b), lt(self._pos(a), self._pos(b)))

    def fr_term(self, r: int, w: int) -> Term | None:
        if not self.eg.compatible(r, w) or self.events[w].is_init:
            return None
        return conj(self.exec_term(r), self.exec_term(w), lt(self.rpos[r], self._pos(w)))

    def last_term(self, w: int) -> Term | None:
        """When write ``w`` is the last in coherence order of its location."""
        t = self._last.get(w, False)
        if t is False:
            e = self.events[w]
            # co is total on the writes that happen: "no later write" suffices
            t = conj_all([self.exec_term(w)] + [
                neg(self.co_term(w, v)) for v in self.writes_to[e.loc] if v != w  # type: ignore[index]
            ])
            self._last[w] = t
        return t

    # ------------------------------------------------------------------ final state

    def _ite_chain(self, cases: list[tuple[Term | None, Val]]) -> z3.BitVecRef:
        """The value of the case whose term holds; the cases must be exhaustive
        (the last one is taken when no earlier one holds, so the result is never
        unconstrained)."""
        live = [(t, v) for t, v in cases if t is not None]
        if not live:
            raise EncodingError("internal error: a final value with no possible case")
        out = self.val(live[-1][1])
        for t, v in reversed(live[:-1]):
            out = self.val(v) if t is True else z3.If(t, self.val(v), out)
        return out

    def final_memory(self, loc: str) -> z3.BitVecRef:
        """The final 64-bit value of ``loc``: the value of its last write."""
        v = self._fin.get(f"[{loc}]")
        if v is None:
            if loc not in self.writes_to:
                raise EncodingError(f"'{loc}' is not a location of the test")
            cases = [(self.last_term(w), self.events[w].value) for w in self.writes_to[loc]]
            v = self._fin[f"[{loc}]"] = self._ite_chain(cases)  # type: ignore[arg-type]
        return v

    def final_register(self, thread: str, reg: Reg) -> z3.BitVecRef:
        """The final 64-bit value of a register: its value at the end of the
        path its thread took (one that neither faults nor is cut)."""
        key = f"{thread}:{reg.name}"
        v = self._fin.get(key)
        if v is None:
            cases = [(self.guard_term(g), val) for g, val in self.eg.final_register(thread, reg)]
            v = self._fin[key] = self._ite_chain(cases)
        return v

    def fault_term(self) -> Term | None:
        """When some thread's path faults (an address that names no location)."""
        return disj_all(self.guard_term(g) for g in self.eg.fault_guards())

    def cut_term(self) -> Term | None:
        """When some thread's path was cut by the loop unrolling bound."""
        return disj_all(self.guard_term(g) for g in self.eg.cut_guards())

    def dead_term(self) -> Term | None:
        """When some thread's branch to a loaded value found no label there."""
        return disj_all(self.guard_term(g) for g in self.eg.dead_guards())

    # ------------------------------------------------------------------ cat vocabulary

    def _set(self, pred) -> ESet:
        return ESet({e.eid: t for e in self.events if pred(e)
                     if (t := self.exec_term(e)) is not None})

    def _static_rel(self, pairs: Iterable[tuple[int, int]]) -> Rel:
        out = {}
        for a, b in pairs:
            t = conj(self.exec_term(a), self.exec_term(b))
            if t is not None:
                out[(a, b)] = t
        return Rel(out)

    def base(self, name: str) -> ESet | Rel | None:
        """The base set or relation a model calls ``name`` (None if there is none)."""
        v = self._base.get(name)
        if v is None:
            v = self._make_base(name)
            if v is not None:
                self._base[name] = v
        return v

    def _make_base(self, name: str) -> ESet | Rel | None:
        ev = self.events
        eg = self.eg
        if name in ("_", "EV"):
            return self._set(lambda e: True)
        if name in ("R", "W", "F", "M", "IW") or name in eg.tag_universe:
            return self._set(lambda e: name in e.tags)
        if name == "FW":
            return ESet({w: t for w in (e.eid for e in ev if e.kind == "W")
                         if (t := self.last_term(w)) is not None})
        if name == "id":
            return self._static_rel((e.eid, e.eid) for e in ev)
        if name in _EDGE_RELATIONS:
            pairs: set[tuple[int, int]] = set()
            for key in _EDGE_RELATIONS[name]:
                pairs |= eg.pairs(key)
            return self._static_rel(pairs)
        if name in ("rmw", "amo", "lxsx"):
            pairs_ = [(a, b) for a, b, k, kind in eg.graph.edges(keys=True, data="kind")
                      if k == "rmw" and (name == "rmw" or kind == name)]
            return self._static_rel(pairs_)
        if name == "loc":
            return self._static_rel(
                (a.eid, b.eid) for a in ev for b in ev
                if a.loc is not None and a.loc == b.loc and eg.compatible(a.eid, b.eid))
        if name == "same-endpoint":
            return self._static_rel(
                (a.eid, b.eid) for a in ev for b in ev
                if a.endpoint is not None and a.endpoint == b.endpoint
                and eg.compatible(a.eid, b.eid))
        if name == "int":
            return self._static_rel(
                (a.eid, b.eid) for a in ev for b in ev
                if (a.thread is not None and a.thread == b.thread and eg.compatible(a.eid, b.eid))
                or a.eid == b.eid)
        if name == "ext":
            return self._static_rel(
                (a.eid, b.eid) for a in ev for b in ev
                if a.eid != b.eid and (a.thread is None or a.thread != b.thread))
        if name in ("iico_data", "iico_ctrl", "iico_order"):
            return Rel()
        if name == "rf":
            return Rel(dict(self.rf_vars))
        if name == "co":
            out = {}
            for writes in self.writes_to.values():
                for a in writes:
                    for b in writes:
                        t = self.co_term(a, b)
                        if t is not None:
                            out[(a, b)] = t
            return Rel(out)
        if name == "fr":
            out = {}
            for loc, reads in self.reads_of.items():
                for r in reads:
                    for w in self.writes_to[loc]:
                        t = self.fr_term(r, w)
                        if t is not None:
                            out[(r, w)] = t
            return Rel(out)
        return None


def _at_most_one(vs: list[Term]) -> Term | None:
    if len(vs) <= 4:
        return conj_all(neg(conj(a, b)) for i, a in enumerate(vs) for b in vs[i + 1:])
    return z3.AtMost(*vs, 1)
