"""Relation algebra over the events of one test, with symbolic membership.

A :class:`Rel` maps each pair of events that *may* be related to a term
saying when it is: Python ``True`` for pairs that always are (the static,
*must* part) or a z3 formula over the execution's choices (rf, co, path
conditions). Pairs absent from the map are never related. A :class:`ESet`
is the same for single events. Relations built only from static ones stay
plain Python and never reach z3: this is the may/must analysis that keeps
the encoding small.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping

from .terms import Assertions, Term, bool_var, conj, disj_all, implies, neg

Pair = tuple[int, int]


class ESet:
    """A set of events with membership terms."""

    __slots__ = ("m",)

    def __init__(self, m: Mapping[int, Term] | None = None) -> None:
        self.m: dict[int, Term] = dict(m) if m else {}

    def __iter__(self) -> Iterator[int]:
        return iter(self.m)

    def __len__(self) -> int:
        return len(self.m)

    def items(self):
        return self.m.items()

    def get(self, e: int) -> Term | None:
        return self.m.get(e)

    @property
    def static(self) -> bool:
        return all(t is True for t in self.m.values())

    def union(self, o: ESet) -> ESet:
        out = dict(self.m)
        for e, t in o.m.items():
            out[e] = disj_all((out[e], t)) if e in out else t
        return ESet(out)

    def inter(self, o: ESet) -> ESet:
        small, big = (self, o) if len(self.m) <= len(o.m) else (o, self)
        out = {}
        for e, t in small.m.items():
            u = big.m.get(e)
            if u is not None:
                c = conj(t, u)
                if c is not None:
                    out[e] = c
        return ESet(out)

    def diff(self, o: ESet) -> ESet:
        out = {}
        for e, t in self.m.items():
            u = o.m.get(e)
            if u is None:
                out[e] = t
            elif u is not True:
                c = conj(t, neg(u))
                if c is not None:
                    out[e] = c
        return ESet(out)

    def ident(self) -> Rel:
        return Rel({(e, e): t for e, t in self.m.items()})


class Rel:
    """A binary relation over events with membership terms."""

    __slots__ = ("closure_of", "m")

    def __init__(self, m: Mapping[Pair, Term] | None = None) -> None:
        self.m: dict[Pair, Term] = dict(m) if m else {}
        #: set when this relation is ``r+`` encoded from above (see :func:`closure_upper`)
        self.closure_of: Rel | None = None

    def __iter__(self) -> Iterator[Pair]:
        return iter(self.m)

    def __len__(self) -> int:
        return len(self.m)

    def items(self):
        return self.m.items()

    def get(self, p: Pair) -> Term | None:
        return self.m.get(p)

    @property
    def static(self) -> bool:
        return all(t is True for t in self.m.values())

    def union(self, o: Rel) -> Rel:
        out = dict(self.m)
        for p, t in o.m.items():
            out[p] = disj_all((out[p], t)) if p in out else t
        return Rel(out)

    def inter(self, o: Rel) -> Rel:
        small, big = (self, o) if len(self.m) <= len(o.m) else (o, self)
        out = {}
        for p, t in small.m.items():
            u = big.m.get(p)
            if u is not None:
                c = conj(t, u)
                if c is not None:
                    out[p] = c
        return Rel(out)

    def diff(self, o: Rel) -> Rel:
        out = {}
        for p, t in self.m.items():
            u = o.m.get(p)
            if u is None:
                out[p] = t
            elif u is not True:
                c = conj(t, neg(u))
                if c is not None:
                    out[p] = c
        return Rel(out)

    def inverse(self) -> Rel:
        return Rel({(b, a): t for (a, b), t in self.m.items()})

    def by_source(self) -> dict[int, list[tuple[int, Term]]]:
        idx: dict[int, list[tuple[int, Term]]] = defaultdict(list)
        for (a, b), t in self.m.items():
            idx[a].append((b, t))
        return idx

    def seq(self, o: Rel, tick: Callable[[], None] | None = None) -> Rel:
        """``self ; o``; ``tick`` is called once per pair of ``self`` and per
        pair of the result (a deadline's check, say)."""
        idx = o.by_source()
        acc: dict[Pair, list[Term]] = defaultdict(list)
        for (a, c), t1 in self.m.items():
            if tick is not None:
                tick()
            for b, t2 in idx.get(c, ()):
                acc[(a, b)].append(t1 if t2 is True else (t2 if t1 is True else conj(t1, t2)))
        return _collect(acc, tick)

    def domain(self) -> ESet:
        acc: dict[int, list[Term]] = defaultdict(list)
        for (a, _), t in self.m.items():
            acc[a].append(t)
        return ESet({e: _or(ts) for e, ts in acc.items()})

    def range(self) -> ESet:
        acc: dict[int, list[Term]] = defaultdict(list)
        for (_, b), t in self.m.items():
            acc[b].append(t)
        return ESet({e: _or(ts) for e, ts in acc.items()})


def _or(ts: list[Term]) -> Term:
    t = disj_all(ts)
    assert t is not None
    return t


def _collect(acc: Mapping[Pair, list[Term | None]],
             tick: Callable[[], None] | None = None) -> Rel:
    out = {}
    for p, ts in acc.items():
        if tick is not None:
            tick()
        t = disj_all(ts)
        if t is not None:
            out[p] = t
    return Rel(out)


def cartesian(a: ESet, b: ESet, compatible=None) -> Rel:
    out = {}
    for x, tx in a.m.items():
        for y, ty in b.m.items():
            if compatible is not None and not compatible(x, y):
                continue
            c = conj(tx, ty)
            if c is not None:
                out[(x, y)] = c
    return Rel(out)


def static_closure(pairs: Iterable[Pair]) -> set[Pair]:
    """The transitive closure of a static relation."""
    succ: dict[int, set[int]] = defaultdict(set)
    for a, b in pairs:
        succ[a].add(b)
    out: set[Pair] = set()
    for a in list(succ):
        seen: set[int] = set()
        stack = list(succ[a])
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            stack.extend(succ.get(x, ()))
        out.update((a, x) for x in seen)
    return out


def closure_exact(r: Rel, tick: Callable[[], None] | None = None) -> Rel:
    """``r+`` exactly: Python when static, otherwise Floyd-Warshall over terms.
    ``tick`` is called once per pivot (a deadline's check, say)."""
    if r.static:
        return Rel(dict.fromkeys(static_closure(r.m), True))
    m: dict[Pair, Term] = dict(r.m)
    nodes = sorted({x for p in m for x in p})
    for k in nodes:
        if tick is not None:
            tick()
        into = [(a, t) for (a, b), t in m.items() if b == k]
        outof = [(b, t) for (a, b), t in m.items() if a == k]
        if not into or not outof:
            continue
        for a, t1 in into:
            for b, t2 in outof:
                via = conj(t1, t2)
                if via is None:
                    continue
                old = m.get((a, b))
                m[(a, b)] = via if old is None else disj_all((old, via))
    return Rel(m)


def closure_upper(r: Rel, out: Assertions, name: str) -> Rel:
    """``r+`` encoded from above: fresh variables that contain the closure.

    Sound and complete for consistency checking when the result is only used
    where a larger relation can only forbid more (the acyclic, irreflexive
    and empty axioms, through unions, intersections, sequences): any
    solution's variables contain the true closure, and the true closure is
    itself a solution. The returned relation remembers ``r`` so that
    ``irreflexive r+`` can be checked as ``acyclic r`` directly.
    """
    if r.static:
        res = closure_exact(r)
        res.closure_of = r
        return res
    may = static_closure(r.m)
    vars_: dict[Pair, Term] = {}
    for p in may:
        a, b = p
        vars_[p] = bool_var(f"{name}!{a}!{b}")
    for p, t in r.m.items():
        out.add(implies(t, vars_[p]))
    idx = r.by_source()
    for (a, c), v in list(vars_.items()):
        for b, t in idx.get(c, ()):
            out.add(implies(conj(v, t), vars_[(a, b)]))
    res = Rel(vars_)
    res.closure_of = r
    return res
