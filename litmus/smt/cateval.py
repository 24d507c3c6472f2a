"""Evaluation of a cat model over an :class:`~litmus.smt.encode.Encoding`.

Every expression of the model becomes a :class:`~litmus.smt.relations.Rel` or
:class:`~litmus.smt.relations.ESet` whose membership terms are exact z3 formulas,
except where a cheaper encoding is exact for the question asked:

* A closure ``r+`` (or a ``let rec`` of the form ``x = e | x;x``) used only
  where a bigger relation can only forbid more ("upper" mode: under the
  ``acyclic``/``irreflexive``/``empty`` axioms, through ``|``, ``&``, ``;``)
  is encoded with fresh variables that merely contain the closure; and
  ``irreflexive r+`` / ``acyclic r+`` become ``acyclic r``.
* ``acyclic r`` is encoded with an integer clock per event.

Bindings are evaluated lazily: a definition no axiom depends on costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import networkx as nx

from ..errors import ModelError, Pos
from ..model import (
    App,
    Binary,
    Binding,
    Check,
    Empty,
    Expr,
    Fun,
    IfVariant,
    IfVariantStmt,
    Let,
    LetIn,
    Model,
    Stmt,
    Try,
    Tuple,
    Unary,
    Universe,
    Var,
)
from .encode import Encoding
from .relations import ESet, Rel, cartesian, closure_exact, closure_upper
from .terms import Assertions, Term, bool_var, disj_all, implies, int_var, lt, neg

UPPER = "upper"
EXACT = "exact"


class _EmptyVal:
    """``0`` / ``{}``: empty as a set or as a relation, whichever is needed."""


EMPTY = _EmptyVal()


@dataclass
class ClosureVal:
    """``r+`` not yet materialised (so ``acyclic``/``irreflexive`` can use ``r``)."""

    base: Rel
    name: str
    _upper: Rel | None = None


@dataclass
class UserFun:
    params: tuple[str, ...]
    body: Expr
    env: Env
    name: str = "fun"


@dataclass
class Builtin:
    name: str
    fn: Callable[..., object]
    arity: int = 1


@dataclass
class TupleVal:
    items: tuple[object, ...]


Value = ESet | Rel | _EmptyVal | ClosureVal | UserFun | Builtin | TupleVal


class _Unbound(ModelError):
    pass


class Env:
    __slots__ = ("parent", "vars")

    def __init__(self, parent: Env | None = None, vars: dict[str, object] | None = None):
        self.parent = parent
        self.vars: dict[str, object] = vars if vars is not None else {}

    def lookup(self, name: str) -> object | None:
        env: Env | None = self
        while env is not None:
            v = env.vars.get(name)
            if v is not None:
                return v
            env = env.parent
        return None


class Thunk:
    """A ``let`` binding, evaluated on first use in each mode."""

    __slots__ = ("busy", "env", "expr", "memo", "name", "pos")

    def __init__(self, expr: Expr, env: Env, name: str, pos: Pos) -> None:
        self.expr = expr
        self.env = env
        self.name = name
        self.pos = pos
        self.memo: dict[str, object] = {}
        self.busy = False


class RecGroup:
    """The bindings of one ``let rec ... and ...``, solved together."""

    def __init__(self, bindings: tuple[Binding, ...], env: Env) -> None:
        self.bindings = bindings
        self.env = env  # includes the group's own names
        self.memo: dict[str, dict[str, object]] = {}


@dataclass
class RecRef:
    group: RecGroup
    name: str


@dataclass
class Axiom:
    """One checked property of the model, with the constraints that enforce it."""

    check: Check
    name: str
    constraints: list[Term] = field(default_factory=list)
    rel: Rel | ESet | None = None  # what the check is about, for explanations
    cyclic: bool = False  # checked for acyclicity (rel is the relation whose cycles count)


@dataclass
class Flag:
    check: Check
    name: str
    raised: Term | None


class Evaluator:
    """Evaluates a model's statements over one test's encoding."""

    def __init__(self, enc: Encoding, variants: Iterable[str] = ()) -> None:
        self.enc = enc
        self.variants = set(variants)
        self.axioms: list[Axiom] = []
        self.flags: list[Flag] = []
        self._fresh = 0
        #: definitional constraints (fresh closure/fixpoint variables); always asserted
        self.axioms_extra = Assertions()
        root = Env()
        for name, fn in _BUILTINS.items():
            root.vars[name] = Builtin(name, fn)
        self.root = root

    # ------------------------------------------------------------------ statements

    def run(self, model: Model, prelude: Model | None = None) -> None:
        env = self.root
        if prelude is not None:
            env = self._stmts(prelude.stmts, env)
        self._stmts(model.stmts, env)

    def _stmts(self, stmts: Iterable[Stmt], env: Env) -> Env:
        for st in stmts:
            if isinstance(st, Let):
                env = self._bind(st.bindings, st.rec, env)
            elif isinstance(st, Check):
                self._check(st, env)
            elif isinstance(st, IfVariantStmt):
                on = (st.variant in self.variants) != st.negated
                branch = st.then if on else st.else_
                env = self._stmts(branch, env)
        return env

    def _bind(self, bindings: tuple[Binding, ...], rec: bool, env: Env) -> Env:
        frame = Env(env)
        if rec:
            simple = [self._as_closure(b) for b in bindings] if len(bindings) == 1 else [None]
            if simple[0] is not None:
                b = bindings[0]
                frame.vars[b.name] = Thunk(simple[0], env, b.name, b.pos)
                return frame
            group = RecGroup(bindings, frame)
            for b in bindings:
                frame.vars[b.name] = RecRef(group, b.name)
            return frame
        for b in bindings:
            expr = b.expr if b.params is None else Fun(b.params, b.expr, b.pos)
            frame.vars[b.name] = Thunk(expr, env, b.name, b.pos)
        return frame

    @staticmethod
    def _as_closure(b: Binding) -> Expr | None:
        """``x = e1 | ... | x;x`` (x not in the e_i) is ``x = (e1 | ...)+``."""
        if b.params is not None:
            return None
        parts = _union_parts(b.expr)
        rec = [p for p in parts if _mentions(p, b.name)]
        rest = [p for p in parts if not _mentions(p, b.name)]
        if not rec:
            return b.expr
        xx = Binary(";", Var(b.name, b.pos), Var(b.name, b.pos), b.pos)
        if not rest or any(p != xx for p in rec):
            return None
        body = rest[0]
        for p in rest[1:]:
            body = Binary("|", body, p, b.pos)
        return Unary("+", body, b.pos)

    # ------------------------------------------------------------------ checks

    def _check(self, st: Check, env: Env) -> None:
        name = st.name or f"{st.kind}@{st.pos.line}"
        if st.flag or st.negated:
            val = self.eval(st.expr, env, EXACT)
            holds = self._holds_exact(st, val)
            if st.flag:
                self.flags.append(Flag(st, name, holds))
            else:
                self.axioms.append(Axiom(st, name, [holds] if holds is not True else [],
                                         rel=_as_relation_or_set(val)))
            return
        val = self.eval(st.expr, env, UPPER)
        ax = Axiom(st, name)
        if st.kind == "empty":
            if isinstance(val, ClosureVal):
                val = val.base  # r+ is empty iff r is
            val = _coerce_any(val, st.pos)
            ax.rel = val
            ax.constraints = [c for t in val.m.values() if (c := neg(t)) is not True]
        elif st.kind == "irreflexive" and not isinstance(val, ClosureVal):
            rel = _rel(val, st.pos)
            ax.rel = rel
            ax.constraints = [c for (a, b), t in rel.m.items() if a == b
                              if (c := neg(t)) is not True]
        else:
            base = val.base if isinstance(val, ClosureVal) else _rel(val, st.pos)
            ax.rel = base
            ax.cyclic = True
            ax.constraints = self._acyclic(base, name)
        self.axioms.append(ax)

    def _acyclic(self, r: Rel, name: str) -> list[Term]:
        if r.static:
            g = nx.DiGraph(list(r.m))
            try:
                nx.find_cycle(g)
            except nx.NetworkXNoCycle:
                return []
            return [None]  # statically cyclic: no execution passes
        out: list[Term] = []
        # a static cycle through guarded edges is handled by the clocks as well
        clocks: dict[int, object] = {}

        def clk(e: int):
            c = clocks.get(e)
            if c is None:
                c = clocks[e] = int_var(f"clk!{name}!{e}")
            return c

        for (a, b), t in r.m.items():
            if a == b:
                out.append(neg(t))
            else:
                out.append(implies(t, lt(clk(a), clk(b))))
        return [c for c in out if c is not True]

    def _holds_exact(self, st: Check, val: object) -> Term | None:
        """The term saying when the (possibly negated) check holds, exactly."""
        if isinstance(val, ClosureVal):
            val = closure_exact(val.base)
        if st.kind == "empty":
            v = _coerce_any(val, st.pos)
            nonempty = disj_all(v.m.values())
        else:
            r = _rel(val, st.pos)
            if st.kind == "acyclic":
                r = closure_exact(r)
            nonempty = disj_all(t for (a, b), t in r.m.items() if a == b)
        holds = neg(nonempty)
        return neg(holds) if st.negated else holds

    # ------------------------------------------------------------------ expressions

    def eval(self, e: Expr, env: Env, mode: str) -> Value:
        if isinstance(e, Var):
            return self._var(e, env, mode)
        if isinstance(e, Binary):
            return self._binary(e, env, mode)
        if isinstance(e, Unary):
            return self._unary(e, env, mode)
        if isinstance(e, Empty):
            return EMPTY
        if isinstance(e, Universe):
            return self.enc.base("_")
        if isinstance(e, App):
            return self._app(e, env, mode)
        if isinstance(e, Fun):
            return UserFun(e.params, e.body, env)
        if isinstance(e, Tuple):
            return TupleVal(tuple(self.eval(x, env, EXACT) for x in e.items))
        if isinstance(e, LetIn):
            return self.eval(e.body, self._bind(e.bindings, e.rec, env), mode)
        if isinstance(e, Try):
            try:
                return self.eval(e.expr, env, mode)
            except _Unbound:
                return self.eval(e.fallback, env, mode)
        if isinstance(e, IfVariant):
            on = (e.variant in self.variants) != e.negated
            return self.eval(e.then if on else e.else_, env, mode)
        raise ModelError(f"unsupported cat expression {type(e).__name__}",
                         getattr(e, "pos", None))

    def _var(self, e: Var, env: Env, mode: str) -> Value:
        v = env.lookup(e.name)
        if v is None:
            b = self.enc.base(e.name)
            if b is None:
                raise _Unbound(f"unbound name '{e.name}'", e.pos)
            return b
        if isinstance(v, Thunk):
            return self._force(v, mode)
        if isinstance(v, RecRef):
            return self._solve_rec(v.group, mode, e.pos)[v.name]
        return v  # a value bound by a function call or a fixpoint iteration

    def _force(self, th: Thunk, mode: str) -> Value:
        memo = th.memo
        if EXACT in memo:
            return memo[EXACT]
        if mode in memo:
            return memo[mode]
        if th.busy:
            raise ModelError(f"'{th.name}' is defined in terms of itself; use 'let rec'",
                             th.pos)
        th.busy = True
        try:
            v = self.eval(th.expr, th.env, mode)
        finally:
            th.busy = False
        memo[mode] = v
        return v

    def _binary(self, e: Binary, env: Env, mode: str) -> Value:
        op = e.op
        if op == "*":
            a = self.eval(e.left, env, mode)
            b = self.eval(e.right, env, mode)
            if a is EMPTY or b is EMPTY:
                return Rel()
            if not isinstance(a, ESet) or not isinstance(b, ESet):
                raise ModelError("'*' between relations: cartesian product needs two sets",
                                 e.pos)
            return cartesian(a, b, self.enc.eg.compatible)
        if op == "++":
            raise ModelError("unsupported cat construct '++'", e.pos)
        a = self.eval(e.left, env, mode)
        b = self.eval(e.right, env, _flip(mode) if op == "\\" else mode)
        if op == ";":
            ra, rb = self._mat(a, mode, e.pos), self._mat(b, mode, e.pos)
            if ra is EMPTY or rb is EMPTY:
                return Rel()
            return _rel(ra, e.pos).seq(_rel(rb, e.pos))
        a = self._mat(a, mode, e.pos)
        b = self._mat(b, _flip(mode) if op == "\\" else mode, e.pos)
        if a is EMPTY:
            if op == "|":
                return b
            return EMPTY
        if b is EMPTY:
            return a
        if type(a) is not type(b):
            raise ModelError(f"'{op}' between a set and a relation", e.pos)
        if op == "|":
            return a.union(b)
        if op == "&":
            return a.inter(b)
        return a.diff(b)

    def _unary(self, e: Unary, env: Env, mode: str) -> Value:
        op = e.op
        if op == "~":
            v = self._mat(self.eval(e.arg, env, _flip(mode)), _flip(mode), e.pos)
            univ = self.enc.base("_")
            if v is EMPTY:
                return univ
            if isinstance(v, ESet):
                return univ.diff(v)
            return cartesian(univ, univ, self.enc.eg.compatible).diff(_rel(v, e.pos))
        v = self.eval(e.arg, env, mode)
        if op == "[]":
            v = self._mat(v, mode, e.pos)
            if v is EMPTY:
                return Rel()
            if not isinstance(v, ESet):
                raise ModelError("[...] needs a set of events", e.pos)
            return v.ident()
        v = self._mat(v, mode, e.pos)
        if v is EMPTY:
            return Rel() if op in ("+", "^-1") else self.enc.base("id")
        r = _rel(v, e.pos)
        if op == "^-1":
            return r.inverse()
        if op == "+":
            if mode == UPPER and not r.static:
                self._fresh += 1
                return ClosureVal(r, f"tc{self._fresh}")
            return closure_exact(r)
        ident = self.enc.base("id")
        if op == "?":
            return r.union(ident)
        # "*"
        plus = closure_exact(r) if (mode == EXACT or r.static) else self._mat(
            ClosureVal(r, f"tc{self._next()}"), mode, e.pos)
        return plus.union(ident)

    def _next(self) -> int:
        self._fresh += 1
        return self._fresh

    def _mat(self, v: Value, mode: str, pos: Pos) -> Value:
        """Turn a pending closure into an explicit relation."""
        if isinstance(v, ClosureVal):
            if mode == EXACT:
                return closure_exact(v.base)
            if v._upper is None:
                v._upper = closure_upper(v.base, self.axioms_extra, v.name)
            return v._upper
        return v

    def _app(self, e: App, env: Env, mode: str) -> Value:
        f = self.eval(e.func, env, mode)
        args = [self._mat(self.eval(a, env, EXACT), EXACT, e.pos) for a in e.args]
        if len(args) == 1 and isinstance(args[0], TupleVal):
            args = list(args[0].items)
        if isinstance(f, Builtin):
            try:
                return f.fn(self, *args)
            except TypeError:
                raise ModelError(f"wrong arguments to '{f.name}'", e.pos) from None
            except ModelError as exc:
                raise ModelError(f"{f.name}: {exc.message}", e.pos) from None
        if isinstance(f, UserFun):
            if len(args) != len(f.params):
                raise ModelError(f"function expects {len(f.params)} argument(s), "
                                 f"got {len(args)}", e.pos)
            frame = Env(f.env, dict(zip(f.params, args)))
            return self.eval(f.body, frame, mode)
        raise ModelError("applying something that is not a function", e.pos)

    # ------------------------------------------------------------------ let rec

    def _solve_rec(self, g: RecGroup, mode: str, pos: Pos) -> dict[str, object]:
        if EXACT in g.memo:
            return g.memo[EXACT]
        if mode in g.memo:
            return g.memo[mode]
        names = [b.name for b in g.bindings]
        outer = g.env.parent
        cur: dict[str, object] = {n: Rel() for n in names}
        for _ in range(64):
            frame = Env(outer, dict(cur))
            new = {b.name: self._mat(self.eval(b.expr, frame, mode), mode, b.pos)
                   for b in g.bindings}
            if all(_static_value(v) for v in new.values()):
                if all(_keys(new[n]) == _keys(cur[n]) for n in names):
                    g.memo[mode] = new
                    return new
                cur = new
                continue
            break
        else:
            raise ModelError("recursive definition does not converge", pos)
        if mode == EXACT:
            raise ModelError(
                f"recursive definition of {', '.join(names)} over rf/co is used where its "
                "exact value is needed (under '\\', '~' or in a flag); this is not supported",
                g.bindings[0].pos)
        # upper mode: fresh variables closed under the definition
        vars_: dict[str, dict] = {n: {} for n in names}
        self._fresh += 1
        tag = self._fresh
        for _ in range(256):
            frame = Env(outer, {n: Rel(vars_[n]) for n in names})
            new = {b.name: _rel(self._mat(self.eval(b.expr, frame, mode), mode, b.pos), b.pos)
                   for b in g.bindings}
            grown = False
            for n in names:
                for p in new[n].m:
                    if p not in vars_[n]:
                        vars_[n][p] = bool_var(f"rec{tag}!{n}!{p[0]}!{p[1]}")
                        grown = True
            if not grown:
                for n in names:
                    for p, t in new[n].m.items():
                        self.axioms_extra.add(implies(t, vars_[n][p]))
                result = {n: Rel(vars_[n]) for n in names}
                g.memo[mode] = result
                return result
        raise ModelError("recursive definition does not converge", pos)


def _flip(mode: str) -> str:
    return EXACT  # the opposite of "upper" is "lower", which we only have exactly


def _static_value(v: object) -> bool:
    return isinstance(v, (ESet, Rel)) and v.static or v is EMPTY


def _keys(v: object) -> frozenset:
    if isinstance(v, (ESet, Rel)):
        return frozenset(v.m)
    return frozenset()


def _rel(v: object, pos: Pos) -> Rel:
    if isinstance(v, Rel):
        return v
    if v is EMPTY:
        return Rel()
    if isinstance(v, ESet):
        raise ModelError("a relation is expected here, found a set of events", pos)
    raise ModelError("a relation is expected here", pos)


def _coerce_any(v: object, pos: Pos) -> Rel | ESet:
    if isinstance(v, (Rel, ESet)):
        return v
    if v is EMPTY:
        return Rel()
    raise ModelError("a set or relation is expected here", pos)


def _as_relation_or_set(v: object) -> Rel | ESet | None:
    if isinstance(v, ClosureVal):
        return v.base
    if isinstance(v, (Rel, ESet)):
        return v
    return None


def _union_parts(e: Expr) -> list[Expr]:
    if isinstance(e, Binary) and e.op == "|":
        return _union_parts(e.left) + _union_parts(e.right)
    return [e]


def _mentions(e: object, name: str) -> bool:
    if isinstance(e, Var):
        return e.name == name
    if isinstance(e, (list, tuple)):
        return any(_mentions(x, name) for x in e)
    if hasattr(e, "__dataclass_fields__"):
        return any(_mentions(getattr(e, f), name) for f in e.__dataclass_fields__
                   if f != "pos")
    return False


# --------------------------------------------------------------------------- builtins


def _domain(ev: Evaluator, r: object) -> Value:
    if r is EMPTY:
        return EMPTY
    return _rel(r, Pos("<builtin>")).domain()


def _range(ev: Evaluator, r: object) -> Value:
    if r is EMPTY:
        return EMPTY
    return _rel(r, Pos("<builtin>")).range()


_BUILTINS: dict[str, Callable[..., object]] = {
    "domain": _domain,
    "range": _range,
}

__all__ = ["Axiom", "Evaluator", "Flag"]
