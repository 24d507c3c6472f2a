"""The model-independent part of the encoding: an execution of an event graph.

An :class:`Encoding` owns the z3 variables of one test's candidate
executions: the value each read returns, which write it reads from (``rf``),
the coherence order of each location (``co``, as integer positions), the
free choices (store-exclusive success) and the path conditions under which
events happen. It exposes them to the cat evaluator as base sets and
relations (:meth:`Encoding.base`), and the final value of every register and
location a condition can mention.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import z3

from ..errors import EncodingError
from ..events import Event, EventGraph
from ..program import LocRef, Reg
from .relations import ESet, Rel
from ..symbolic import (
    BAnd,
    BConst,
    BinOp,
    BNot,
    BoolExpr,
    BOr,
    Choice,
    Cmp,
    Const,
    Ite,
    LocAddr,
    ReadVal,
    Val,
)
from .terms import (
    Assertions,
    Term,
    as_bool,
    bool_var,
    conj,
    conj_all,
    disj_all,
    eq,
    implies,
    int_val,
    int_var,
    le,
    lt,
    neg,
)

#: Location addresses are encoded as integers far from the values tests use.
LOC_BASE = 1 << 48
LOC_STRIDE = 1 << 16

FENCE_OPTIONS = ("SY", "ST", "LD", "ISH", "ISHST", "ISHLD", "OSH", "OSHST", "OSHLD",
                 "NSH", "NSHST", "NSHLD")

#: Every tag a model may name, present in a test or not (absent = empty set).
TAG_SETS: tuple[str, ...] = (
    ("A", "Q", "L", "X", "NoRet", "ISB", "DMB", "DSB", "MFENCE", "SFENCE", "LFENCE", "LOCK")
    + tuple(f"DMB.{o}" for o in FENCE_OPTIONS)
    + tuple(f"DSB.{o}" for o in FENCE_OPTIONS)
)

MEMORY_TYPE_SETS: dict[str, tuple[str, ...]] = {
    "Normal": ("normal", "wb"),
    "Device": ("device-nGnRnE", "device-nGnRE", "device-nGRE", "device-GRE"),
    "Device.nGnRnE": ("device-nGnRnE",),
    "Device.nGnRE": ("device-nGnRE",),
    "Device.nGRE": ("device-nGRE",),
    "Device.GRE": ("device-GRE",),
    "WB": ("wb", "normal"),
    "UC": ("uc",),
    "WC": ("wc",),
}


class Encoding:
    """z3 variables and constraints describing every candidate execution of a test."""

    def __init__(self, eg: EventGraph) -> None:
        self.eg = eg
        self.events = eg.events
        self.out = Assertions()
        self._exec: dict[tuple[BoolExpr, ...], Term] = {(): True}
        self._choices: dict[int, z3.BoolRef] = {}
        self.loc_ids = {name: i for i, name in enumerate(eg.locations)}
        self.value: dict[int, z3.ArithRef] = {}
        self.rf_vars: dict[tuple[int, int], Term] = {}
        self.cpos: dict[int, z3.ArithRef] = {}
        self.rpos: dict[int, z3.ArithRef] = {}
        self._fin: dict[str, z3.ArithRef] = {}
        self._last: dict[int, Term] = {}
        self._base: dict[str, ESet | Rel] = {}
        self.writes_to: dict[str, list[int]] = defaultdict(list)
        self.reads_of: dict[str, list[int]] = defaultdict(list)
        for e in self.events:
            if e.kind == "W":
                self.writes_to[e.loc].append(e.eid)
            elif e.kind == "R":
                self.reads_of[e.loc].append(e.eid)
                self.value[e.eid] = int_var(f"v!{e.eid}")
        self._encode_rf()
        self._encode_co()

    # ------------------------------------------------------------------ values

    def loc_value(self, name: str) -> int:
        return LOC_BASE + self.loc_ids[name] * LOC_STRIDE

    def loc_name(self, value: int) -> str | None:
        """The location whose address is ``value``, if any."""
        if value < LOC_BASE or (value - LOC_BASE) % LOC_STRIDE:
            return None
        names = list(self.loc_ids)
        i = (value - LOC_BASE) // LOC_STRIDE
        return names[i] if 0 <= i < len(names) else None

    def const_of(self, v: int | LocRef) -> int:
        if isinstance(v, LocRef):
            if v.name not in self.loc_ids:
                raise EncodingError(f"'{v.name}' is not a location of the test")
            return self.loc_value(v.name)
        return v

    def val(self, v: Val) -> z3.ArithRef:
        """The z3 integer term of a symbolic value."""
        if isinstance(v, Const):
            return int_val(v.value)
        if isinstance(v, ReadVal):
            return self.value[v.eid]
        if isinstance(v, LocAddr):
            if v.loc not in self.loc_ids:
                raise EncodingError(f"'{v.loc}' is not a location of the test")
            return int_val(self.loc_value(v.loc) + v.offset)
        if isinstance(v, Ite):
            return z3.If(as_bool(self.cond(v.cond)), self.val(v.a), self.val(v.b))
        if isinstance(v, BinOp):
            a, b = self.val(v.a), self.val(v.b)
            if v.op == "add":
                return a + b
            if v.op == "sub":
                return a - b
            if v.op == "mul":
                return a * b
            ba, bb = z3.Int2BV(a, 64), z3.Int2BV(b, 64)
            r = {"xor": ba ^ bb, "and": ba & bb, "or": ba | bb}[v.op]
            return z3.BV2Int(r)
        raise EncodingError(f"cannot encode value {v!r}")

    def cond(self, c: BoolExpr) -> Term | None:
        """The term of a condition (True, None for false, or a z3 formula)."""
        if isinstance(c, BConst):
            return True if c.value else None
        if isinstance(c, Choice):
            v = self._choices.get(c.ident)
            if v is None:
                v = self._choices[c.ident] = bool_var(f"choice!{c.ident}")
            return v
        if isinstance(c, BNot):
            return neg(self.cond(c.arg))
        if isinstance(c, BAnd):
            return conj_all(self.cond(a) for a in c.args)
        if isinstance(c, BOr):
            return disj_all(self.cond(a) for a in c.args)
        if isinstance(c, Cmp):
            a, b = self.val(c.a), self.val(c.b)
            op = c.op.lstrip("u") if c.op.startswith("u") else c.op
            if op == "eq":
                return eq(a, b)
            if op == "ne":
                return neg(eq(a, b))
            if op == "lt":
                return lt(a, b)
            if op == "le":
                return le(a, b)
            if op == "gt":
                return lt(b, a)
            if op == "ge":
                return le(b, a)
        raise EncodingError(f"cannot encode condition {c!r}")

    def exec_term(self, e: Event | int) -> Term | None:
        """When event ``e`` happens: True, or its path condition."""
        if isinstance(e, int):
            e = self.events[e]
        g = e.guard
        t = self._exec.get(g, False)
        if t is False:
            t = conj_all(self.cond(c) for c in g)
            self._exec[g] = t
        return t

    # ------------------------------------------------------------------ rf, co

    def _encode_rf(self) -> None:
        out = self.out
        eg = self.eg
        for loc, reads in self.reads_of.items():
            writes = self.writes_to[loc]
            for r in reads:
                ex_r = self.exec_term(r)
                cands = [w for w in writes if eg.compatible(w, r)]
                vs: list[Term] = []
                rpos = self.rpos[r] = int_var(f"rpos!{r}")
                for w in cands:
                    ex_w = self.exec_term(w)
                    v = bool_var(f"rf!{w}!{r}")
                    self.rf_vars[(w, r)] = v
                    vs.append(v)
                    out.add(implies(v, conj(ex_w, ex_r)))
                    out.add(implies(v, eq(self.value[r], self.val(self.events[w].value))))
                    out.add(implies(v, eq(rpos, self._pos(w))))
                out.add(implies(ex_r, disj_all(vs)))
                if len(vs) > 1:
                    out.add(_at_most_one(vs))

    def _pos(self, w: int) -> z3.ArithRef:
        p = self.cpos.get(w)
        if p is None:
            if self.events[w].is_init:
                p = int_val(0)
            else:
                p = int_var(f"co!{w}")
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
                for b in writes[i + 1:]:
                    if self.events[a].is_init or self.events[b].is_init:
                        continue
                    if eg.compatible(a, b):
                        both = conj(self.exec_term(a), self.exec_term(b))
                        out.add(implies(both, neg(eq(self._pos(a), self._pos(b)))))

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
                neg(self.co_term(w, v)) for v in self.writes_to[e.loc] if v != w
            ])
            self._last[w] = t
        return t

    # ------------------------------------------------------------------ final state

    def final_memory(self, loc: str) -> z3.ArithRef:
        v = self._fin.get(loc)
        if v is None:
            if loc not in self.writes_to:
                raise EncodingError(f"'{loc}' is not a location of the test")
            v = self._fin[loc] = int_var(f"final!{loc}")
            for w in self.writes_to[loc]:
                self.out.add(implies(self.last_term(w), eq(v, self.val(self.events[w].value))))
        return v

    def final_register(self, thread: str, reg: Reg) -> z3.ArithRef:
        key = f"{thread}:{reg.name}"
        v = self._fin.get(key)
        if v is None:
            v = self._fin[key] = int_var(f"final!{key}")
            for guard, val in self.eg.final_register(thread, reg):
                g = conj_all(self.cond(c) for c in guard)
                self.out.add(implies(g, eq(v, self.val(val))))
        return v

    # ------------------------------------------------------------------ cat vocabulary

    def _set(self, pred) -> ESet:
        return ESet({e.eid: self.exec_term(e) for e in self.events if pred(e)})

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
        if name in ("R", "W", "F", "M", "IW") or name in TAG_SETS:
            return self._set(lambda e: name in e.tags)
        if name == "FW":
            return ESet({w: t for w in (e.eid for e in ev if e.kind == "W")
                         if (t := self.last_term(w)) is not None})
        if name in MEMORY_TYPE_SETS:
            kinds = MEMORY_TYPE_SETS[name]
            return self._set(lambda e: e.kind != "F" and e.mtype in kinds)
        if name == "CPU":
            return self._set(lambda e: e.thread is not None and not e.device)
        if name == "DeviceAgent":
            return self._set(lambda e: e.thread is not None and e.device)
        if name == "id":
            return self._static_rel((e.eid, e.eid) for e in ev)
        if name in ("po", "addr", "data", "ctrl"):
            return self._static_rel(eg.pairs(name))
        if name in ("pick-addr-dep", "pick-data-dep", "pick-ctrl-dep"):
            return self._static_rel(eg.pairs(name[:-4]))
        if name == "pick-dep":
            return self._static_rel(
                eg.pairs("pick-addr") | eg.pairs("pick-data") | eg.pairs("pick-ctrl")
                | eg.pairs("pick-intr"))
        if name in ("rmw", "amo", "lxsx"):
            pairs = [(a, b) for a, b, k, kind in eg.graph.edges(keys=True, data="kind")
                     if k == "rmw" and (name == "rmw" or kind == name)]
            return self._static_rel(pairs)
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
            return Rel({p: v for p, v in self.rf_vars.items()})
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
