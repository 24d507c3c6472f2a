"""Evaluation of a cat model over an :class:`~litmus.smt.encode.Encoding`.

Every expression of the model becomes a :class:`~litmus.smt.relations.Rel` or
:class:`~litmus.smt.relations.ESet` whose membership terms are exact z3 formulas,
except where a cheaper encoding is exact for the question asked:

* A closure ``r+`` (or a ``let rec`` of the form ``x = e | x;x``) used only
  where a bigger relation can only forbid more ("upper" mode: under the
  ``acyclic``/``irreflexive``/``empty`` axioms, through ``|``, ``&``, ``;``)
  is encoded with fresh variables that merely contain the closure; and
  ``irreflexive r+`` / ``acyclic r+`` become ``acyclic r``. The right of
  ``\\``, the argument of ``~``, function arguments, flags and negated
  checks are evaluated exactly.
* ``acyclic r`` is encoded with an integer clock per event (fresh clocks
  for each check).

``0`` and ``_`` are polymorphic, as in herd: the empty set or relation, and
every event or every pair of (compatible) events, whichever the other
operand or the operator needs. A ``let rec`` is solved by iteration from
``0`` while its value is static; otherwise it must be monotone in its names
(checked syntactically, else refused) and is encoded with fresh variables
in upper mode or by exact iteration otherwise.

``Evaluator(..., symbolic=True)`` takes none of these shortcuts (for testing
that they change nothing). Bindings are evaluated lazily: a definition no
axiom depends on costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import networkx as nx
import z3

from ..errors import ModelError, Pos, UnboundName
from ..limits import NO_DEADLINE, Deadline
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
from .terms import (
    CTX,
    Assertions,
    Term,
    as_bool,
    bool_var,
    disj_all,
    implies,
    int_var,
    lt,
    neg,
)

UPPER = "upper"
EXACT = "exact"


class _EmptyVal:
    """``0`` / ``{}``: empty as a set or as a relation, whichever is needed."""

    def __repr__(self) -> str:
        return "EMPTY"


class _UnivVal:
    """``_``: every event, or every pair of events, whichever is needed."""

    def __repr__(self) -> str:
        return "UNIV"


EMPTY = _EmptyVal()
UNIV = _UnivVal()


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


Value = ESet | Rel | _EmptyVal | _UnivVal | ClosureVal | UserFun | Builtin | TupleVal



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
    """Evaluates a model's statements over one test's encoding.

    ``enc`` is an :class:`~litmus.smt.encode.Encoding`, or anything with the
    two things the evaluator uses: ``base(name)``, the base set or relation a
    model calls ``name`` (an :class:`ESet`/:class:`Rel`, or None if there is
    none; ``"_"`` and ``"id"`` must be there), and ``eg.compatible(a, b)``,
    False for two events that never both happen (left out of cartesian
    products and complements).

    With ``symbolic=True`` nothing takes a static shortcut: every base
    membership that is ``True`` becomes a fresh variable asserted true in
    :attr:`axioms_extra`, closures and ``let rec`` are encoded exactly and every
    check as the exact term saying it holds. The allowed executions are the
    same; this mode exists to test that the shortcuts are sound.

    After :meth:`run`, :attr:`axioms` and :attr:`flags` hold the model's checks
    and :attr:`axioms_extra` the definitions of the fresh variables their
    constraints use (to be asserted with them). Model errors raise
    :class:`~litmus.errors.ModelError`.
    """

    def __init__(self, enc: Encoding, variants: Iterable[str] = (),
                 symbolic: bool = False, deadline: Deadline = NO_DEADLINE) -> None:
        self.enc = enc
        self.variants = set(variants)
        self.symbolic = symbolic
        #: checked while evaluating, so that no model runs past the time limit
        self.deadline = deadline
        self.axioms: list[Axiom] = []
        self.flags: list[Flag] = []
        self._fresh = 0
        self._bases: dict[str, ESet | Rel | None] = {}
        self._univ_rel: Rel | None = None
        #: definitional constraints (fresh closure/fixpoint variables); always asserted
        self.axioms_extra = Assertions()
        root = Env()
        for name, fn in _BUILTINS.items():
            root.vars[name] = Builtin(name, fn)
        self.root = root

    # ------------------------------------------------------------------ base names, coercions

    def _base(self, name: str) -> ESet | Rel | None:
        """``enc.base(name)``; in symbolic mode with every ``True`` made a variable."""
        if name in self._bases:
            return self._bases[name]
        v = self.enc.base(name)
        if self.symbolic and v is not None:
            tag = self._next()
            m = {}
            for k, t in v.m.items():
                if t is True:
                    key = "!".join(map(str, k)) if isinstance(k, tuple) else str(k)
                    t = bool_var(f"sym{tag}!{name}!{key}")
                    self.axioms_extra.add(t)
                m[k] = t
            v = ESet(m) if isinstance(v, ESet) else Rel(m)
        self._bases[name] = v
        return v

    def _universe(self) -> ESet:
        u = self._base("_")
        if not isinstance(u, ESet):
            raise ModelError("the encoding has no universe '_'")
        return u

    def _universe_rel(self) -> Rel:
        """``_ * _``: every pair of compatible events."""
        if self._univ_rel is None:
            u = self._universe()
            self._univ_rel = cartesian(u, u, self.enc.eg.compatible)
        return self._univ_rel

    def _ident(self) -> Rel:
        i = self._base("id")
        if not isinstance(i, Rel):
            raise ModelError("the encoding has no relation 'id'")
        return i

    def _as_rel(self, v: object, pos: Pos) -> Rel:
        """``v`` as a relation (``0`` and ``_`` taken as relations)."""
        if isinstance(v, Rel):
            return v
        if v is EMPTY:
            return Rel()
        if v is UNIV:
            return self._universe_rel()
        if isinstance(v, ESet):
            raise ModelError("a relation is expected here, found a set of events", pos)
        raise ModelError("a relation is expected here", pos)

    def _as_set(self, v: object, pos: Pos, what: str = "a set of events is expected here"
                ) -> ESet:
        """``v`` as a set of events (``0`` and ``_`` taken as sets)."""
        if isinstance(v, ESet):
            return v
        if v is EMPTY:
            return ESet()
        if v is UNIV:
            return self._universe()
        if isinstance(v, (Rel, ClosureVal)):
            raise ModelError(f"{what}, found a relation", pos)
        raise ModelError(what, pos)

    def _as_any(self, v: object, pos: Pos) -> Rel | ESet:
        """``v`` as a set or relation (``0`` and ``_`` as sets: as empty as relations)."""
        if isinstance(v, (Rel, ESet)):
            return v
        if v is EMPTY or v is UNIV:
            return self._as_set(v, pos)
        raise ModelError("a set or relation is expected here", pos)

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
            for b in bindings:
                if b.params is not None:
                    raise ModelError(f"recursive function '{b.name}' is not supported", b.pos)
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
        if st.flag or st.negated or self.symbolic:
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
            val = self._as_any(val, st.pos)
            ax.rel = val
            ax.constraints = [c for t in val.m.values() if (c := neg(t)) is not True]
        elif st.kind == "irreflexive" and not isinstance(val, ClosureVal):
            rel = self._as_rel(val, st.pos)
            ax.rel = rel
            ax.constraints = [c for (a, b), t in rel.m.items() if a == b
                              if (c := neg(t)) is not True]
        else:  # acyclic r, and irreflexive r+ (which is acyclic r)
            base = val.base if isinstance(val, ClosureVal) else self._as_rel(val, st.pos)
            ax.rel = base
            ax.cyclic = True
            ax.constraints = self._acyclic(base)
        self.axioms.append(ax)

    def _acyclic(self, r: Rel) -> list[Term | None]:
        """Constraints saying ``r`` is acyclic: an integer clock per event,
        increasing along every edge (fresh clocks for each check)."""
        if r.static:
            g = nx.DiGraph(list(r.m))
            try:
                nx.find_cycle(g)
            except nx.NetworkXNoCycle:
                return []
            return [None]  # statically cyclic: no execution passes
        out: list[Term | None] = []
        # a static cycle through guarded edges is handled by the clocks as well
        clocks: dict[int, object] = {}
        tag = self._next()

        def clk(e: int):
            c = clocks.get(e)
            if c is None:
                c = clocks[e] = int_var(f"clk{tag}!{e}")
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
            val = closure_exact(val.base, self.deadline.check)
        if st.kind == "empty":
            v = self._as_any(val, st.pos)
            nonempty = disj_all(v.m.values())
        else:
            r = self._as_rel(val, st.pos)
            if st.kind == "acyclic":
                r = closure_exact(r, self.deadline.check)
            nonempty = disj_all(t for (a, b), t in r.m.items() if a == b)
        holds = neg(nonempty)
        return neg(holds) if st.negated else holds

    # ------------------------------------------------------------------ expressions

    def eval(self, e: Expr, env: Env, mode: str) -> Value:
        """The value of ``e`` in ``env``; raises ModelError for a bad model and
        Timeout when the deadline passes."""
        self.deadline.check()
        return self._eval(e, env, mode)

    def _eval(self, e: Expr, env: Env, mode: str) -> Value:
        if isinstance(e, Var):
            return self._var(e, env, mode)
        if isinstance(e, Binary):
            return self._binary(e, env, mode)
        if isinstance(e, Unary):
            return self._unary(e, env, mode)
        if isinstance(e, Empty):
            return EMPTY
        if isinstance(e, Universe):
            return UNIV
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
            except UnboundName:
                return self.eval(e.fallback, env, mode)
        if isinstance(e, IfVariant):
            on = (e.variant in self.variants) != e.negated
            return self.eval(e.then if on else e.else_, env, mode)
        raise ModelError(f"unsupported cat expression {type(e).__name__}",
                         getattr(e, "pos", None))

    def _var(self, e: Var, env: Env, mode: str) -> Value:
        v = env.lookup(e.name)
        if v is None:
            b = self._base(e.name)
            if b is None:
                raise UnboundName(f"unbound name '{e.name}'", e.pos)
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
        if op == "++":
            raise ModelError("unsupported cat construct '++'", e.pos)
        right_mode = _flip(mode) if op == "\\" else mode
        a = self._mat(self.eval(e.left, env, mode), mode, e.pos)
        b = self._mat(self.eval(e.right, env, right_mode), right_mode, e.pos)
        if op == "*":
            what = "'*' between relations: cartesian product needs two sets"
            sa, sb = self._as_set(a, e.pos, what), self._as_set(b, e.pos, what)
            return cartesian(sa, sb, self.enc.eg.compatible)
        if op == ";":
            return self._as_rel(a, e.pos).seq(self._as_rel(b, e.pos), self.deadline.check)
        poly_a, poly_b = a is EMPTY or a is UNIV, b is EMPTY or b is UNIV
        if poly_a and poly_b:  # 0 and _ combine into 0 or _, still of either type
            full = {"|": a is UNIV or b is UNIV, "&": a is UNIV and b is UNIV,
                    "\\": a is UNIV and b is EMPTY}[op]
            return UNIV if full else EMPTY
        if poly_a:  # 0 or _ takes the type of the other side
            a = self._like(a, b, e)
        elif poly_b:
            b = self._like(b, a, e)
        if not isinstance(a, (ESet, Rel)) or not isinstance(b, (ESet, Rel)):
            raise ModelError(f"'{op}' needs two sets or two relations", e.pos)
        if type(a) is not type(b):
            raise ModelError(f"'{op}' between a set and a relation", e.pos)
        if op == "|":
            return a.union(b)
        if op == "&":
            return a.inter(b)
        return a.diff(b)

    def _like(self, poly: Value, other: Value, e: Binary) -> ESet | Rel:
        """``0`` or ``_`` at the type of ``other``."""
        if isinstance(other, Rel):
            return self._as_rel(poly, e.pos)
        if isinstance(other, ESet):
            return self._as_set(poly, e.pos)
        raise ModelError(f"'{e.op}' needs two sets or two relations", e.pos)

    def _unary(self, e: Unary, env: Env, mode: str) -> Value:
        op = e.op
        if op == "~":  # the complement is antitone: its argument is needed exactly
            v = self._mat(self.eval(e.arg, env, _flip(mode)), _flip(mode), e.pos)
            if v is EMPTY:
                return UNIV
            if v is UNIV:
                return EMPTY
            if isinstance(v, ESet):
                return self._universe().diff(v)
            return self._universe_rel().diff(self._as_rel(v, e.pos))
        v = self._mat(self.eval(e.arg, env, mode), mode, e.pos)
        if op == "[]":
            return self._as_set(v, e.pos, "[...] needs a set of events").ident()
        r = self._as_rel(v, e.pos)
        if op == "^-1":
            return r.inverse()
        if op == "+":
            if mode == UPPER and not r.static:
                return ClosureVal(r, f"tc{self._next()}")
            return closure_exact(r, self.deadline.check)
        if op == "?":
            return r.union(self._ident())
        if op != "*":
            raise ModelError(f"unsupported cat operator '{op}'", e.pos)
        plus = closure_exact(r, self.deadline.check) if (mode == EXACT or r.static) else self._mat(
            ClosureVal(r, f"tc{self._next()}"), mode, e.pos)
        return plus.union(self._ident())

    def _next(self) -> int:
        self._fresh += 1
        return self._fresh

    def _mat(self, v: Value, mode: str, pos: Pos) -> Value:
        """Turn a pending closure into an explicit relation."""
        if isinstance(v, ClosureVal):
            if mode == EXACT:
                return closure_exact(v.base, self.deadline.check)
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
        """The least solution of a ``let rec`` group.

        When it is static, by iteration from the empty value (herd's way).
        Otherwise the definition must be monotone (checked syntactically);
        then in upper mode, fresh variables closed under it (any solution
        contains the least fixpoint, which is one), and in exact mode
        iteration long enough to reach the fixpoint under every assignment.
        """
        if EXACT in g.memo:
            return g.memo[EXACT]
        if mode in g.memo:
            return g.memo[mode]
        names = [b.name for b in g.bindings]
        if not self.symbolic:
            cur: dict[str, object] = dict.fromkeys(names, EMPTY)
            for _ in range(_REC_LIMIT):
                new = self._rec_step(g, cur, mode)
                if not all(_static_value(v) for v in new.values()):
                    break
                if all(_same_static(new[n], cur[n]) for n in names):
                    g.memo[mode] = new
                    return new
                cur = new
            else:
                raise ModelError("recursive definition does not converge", pos)
        outer = g.env.parent
        assert outer is not None
        for b in g.bindings:
            if not _monotone(b.expr, frozenset(names), True, frozenset(), outer):
                raise ModelError(
                    f"recursive definition of {b.name} over rf/co is not monotone (it uses "
                    f"{', '.join(names)} under '~', on the right of '\\' or in a function); "
                    "this is not supported", b.pos)
        if mode == UPPER:
            res = self._rec_upper(g, pos)
            if res is not None:
                g.memo[UPPER] = res
                return res
        res = self._rec_exact(g, pos)
        g.memo[EXACT] = res
        return res

    def _rec_step(self, g: RecGroup, cur: dict[str, object], mode: str) -> dict[str, object]:
        """The group's definitions evaluated with its names bound to ``cur``."""
        frame = Env(g.env.parent, dict(cur))
        return {b.name: self._mat(self.eval(b.expr, frame, mode), mode, b.pos)
                for b in g.bindings}

    def _rec_upper(self, g: RecGroup, pos: Pos) -> dict[str, object] | None:
        """Fresh variables closed under a monotone definition (None when a value
        is not a set or relation: the exact iteration handles those)."""
        names = [b.name for b in g.bindings]
        vars_: dict[str, dict] = {n: {} for n in names}
        kind: dict[str, type | None] = dict.fromkeys(names)
        tag = self._next()
        for _ in range(_REC_LIMIT):
            cur = {n: EMPTY if kind[n] is None else kind[n](vars_[n]) for n in names}
            new = self._rec_step(g, cur, UPPER)
            grown = False
            for n, v in new.items():
                if v is EMPTY:
                    continue
                if not isinstance(v, (ESet, Rel)) or kind[n] not in (None, type(v)):
                    return None
                kind[n] = type(v)
                for k in v.m:
                    if k not in vars_[n]:
                        key = "!".join(map(str, k)) if isinstance(k, tuple) else str(k)
                        vars_[n][k] = bool_var(f"rec{tag}!{n}!{key}")
                        grown = True
            if not grown:
                for n, v in new.items():
                    if isinstance(v, (ESet, Rel)):
                        for k, t in v.m.items():
                            self.axioms_extra.add(implies(t, vars_[n][k]))
                return cur
        raise ModelError("recursive definition does not converge", pos)

    def _rec_exact(self, g: RecGroup, pos: Pos) -> dict[str, object]:
        """Kleene iteration of a monotone definition, from the empty value.

        Under any assignment the values grow with each step, within the
        elements seen so far; so once the number of steps exceeds the number of
        (name, element) pairs seen, some step changed nothing, and from that
        step on the values are the least fixpoint. Iteration stops earlier
        when a step provably changes nothing under any assignment (the
        solver finds no assignment where the old and new terms differ).
        """
        names = [b.name for b in g.bindings]
        cur: dict[str, object] = dict.fromkeys(names, EMPTY)
        seen: set[tuple] = set()
        steps = 0
        while True:
            new = self._rec_step(g, cur, EXACT)
            steps += 1
            for n, v in new.items():
                seen.update((n, k) for k in self._elements(v, pos))
            if steps > len(seen) or _equivalent(cur, new):
                return new
            cur = new

    def _elements(self, v: object, pos: Pos) -> Iterable[tuple]:
        """What may be in a value: ``("set", e)`` / ``("rel", pair)`` keys."""
        if isinstance(v, ESet):
            return (("set", e) for e in v.m)
        if isinstance(v, Rel):
            return (("rel", p) for p in v.m)
        if v is EMPTY:
            return ()
        if v is UNIV:
            return [("set", e) for e in self._universe().m] + [
                ("rel", p) for p in self._universe_rel().m]
        raise ModelError("a recursive definition must be a set or a relation", pos)


_REC_LIMIT = 256


def _flip(mode: str) -> str:
    return EXACT  # the opposite of "upper" is "lower", which we only have exactly


def _static_value(v: object) -> bool:
    return isinstance(v, (ESet, Rel)) and v.static or v is EMPTY or v is UNIV


def _same_static(a: object, b: object) -> bool:
    if isinstance(a, (ESet, Rel)) and isinstance(b, (ESet, Rel)):
        return type(a) is type(b) and a.m.keys() == b.m.keys()
    return a is b


def _equivalent(a: dict[str, object], b: dict[str, object]) -> bool:
    """Whether two valuations of the same names are equal under every
    assignment (False when unsure: the caller then goes on iterating)."""
    diffs: list[z3.BoolRef] = []
    for n, va in a.items():
        vb = b[n]
        if not isinstance(va, (ESet, Rel)) or not isinstance(vb, (ESet, Rel)):
            if va is not vb:
                return False
            continue
        if type(va) is not type(vb) or va.m.keys() != vb.m.keys():
            return False  # may-sets still changing: not worth asking the solver
        for k, ta in va.m.items():
            tb = vb.m[k]
            if ta is tb or (ta is not True and tb is not True and ta.eq(tb)):
                continue
            diffs.append(as_bool(ta) != as_bool(tb))
    if not diffs:
        return True
    s = z3.SimpleSolver(ctx=CTX)
    s.set("timeout", 2000)
    s.add(z3.Or(diffs))
    return s.check() == z3.unsat


def _monotone(e: object, names: frozenset[str], positive: bool, bound: frozenset[str],
              env: Env) -> bool:
    """Whether ``e`` only uses ``names`` where a bigger value of theirs can only
    give a bigger result (conservative: not under ``~``, on the right of ``\\``
    when positive, in ``let`` bindings, functions or their arguments).
    ``bound`` are names bound on the way (shadowing the builtins); ``env`` the
    environment outside the definition."""
    if not names:
        return True
    if isinstance(e, Var):
        return positive or e.name not in names
    if isinstance(e, Binary):
        return (_monotone(e.left, names, positive, bound, env)
                and _monotone(e.right, names, positive != (e.op == "\\"), bound, env))
    if isinstance(e, Unary):
        return _monotone(e.arg, names, positive != (e.op == "~"), bound, env)
    if isinstance(e, (Empty, Universe)):
        return True
    if isinstance(e, Try):
        return (_monotone(e.expr, names, positive, bound, env)
                and _monotone(e.fallback, names, positive, bound, env))
    if isinstance(e, IfVariant):
        return (_monotone(e.then, names, positive, bound, env)
                and _monotone(e.else_, names, positive, bound, env))
    if isinstance(e, App) and isinstance(e.func, Var) and e.func.name not in names | bound \
            and isinstance(env.lookup(e.func.name), Builtin):  # domain, range: monotone
        return all(_monotone(a, names, positive, bound, env) for a in e.args)
    if isinstance(e, LetIn):
        if any(_mentions(b.expr, n) for b in e.bindings for n in names):
            return False
        rebound = frozenset(b.name for b in e.bindings)
        return _monotone(e.body, names - rebound, positive, bound | rebound, env)
    return not any(_mentions(e, n) for n in names)


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


_BUILTIN_POS = Pos("<builtin>")


def _domain(ev: Evaluator, r: object) -> Value:
    return ev._as_rel(r, _BUILTIN_POS).domain()


def _range(ev: Evaluator, r: object) -> Value:
    return ev._as_rel(r, _BUILTIN_POS).range()


_BUILTINS: dict[str, Callable[..., object]] = {
    "domain": _domain,
    "range": _range,
}

__all__ = ["Axiom", "Evaluator", "Flag"]
