"""Glue between the cat evaluator and the reference semantics (tests/cat_reference.py).

* :class:`FakeEncoding`: the two things :class:`~litmus.smt.cateval.Evaluator`
  asks of an encoding, ``base(name)`` and ``eg.compatible(a, b)``, over a few
  events with chosen base sets ``S``, ``T`` and relations ``r``, ``s``.
  Memberships are Python ``True`` (static) or z3 formulas over *base
  variables*; each says the event, or both events of the pair, exist.
* :func:`reference_world`: the concrete world those memberships describe
  under an assignment of the base variables.
* :func:`denote`: what an evaluator value is under an assignment.
* Hypothesis strategies: :func:`fake_encodings` and :func:`expressions` /
  :func:`models`, which build well-typed cat ASTs over those names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import z3
from cat_reference import EMPTY as R_EMPTY
from cat_reference import UNIV as R_UNIV
from cat_reference import RPoly, RRel, RSet, World, to_rel, to_set
from hypothesis import strategies as st
from z3 import z3core

from litmus.errors import Pos
from litmus.model import (
    App,
    Binary,
    Binding,
    Check,
    Empty,
    Expr,
    IfVariant,
    IfVariantStmt,
    Let,
    LetIn,
    Stmt,
    Try,
    Unary,
    Universe,
    Var,
)
from litmus.smt import cateval
from litmus.smt.relations import ESet, Rel
from litmus.smt.terms import bool_var, conj, neg

P = Pos("<generated>")
SETS = ("S", "T")
RELS = ("r", "s")
VARIANTS = frozenset({"on"})

# --------------------------------------------------------------------------- encodings


@dataclass
class FakeEncoding:
    """A stand-in for :class:`~litmus.smt.encode.Encoding` over events ``0..n-1``.

    ``exists[e]`` says when event ``e`` happens; ``members[name]`` maps each
    event (sets) or pair (relations) that may be in base ``name`` to its
    term. ``branch[e]`` is ``"then"``/``"else"`` for an event on one side of a
    conditional (guarded by the variable ``c`` or its negation): events on
    opposite sides are not ``compatible`` (never both happen), as in the
    real event graph. ``variables`` are every base variable, for assignments.
    """

    n: int
    exists: dict[int, object]
    branch: dict[int, str | None]
    members: dict[str, dict]
    variables: list[z3.BoolRef] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # of the variables

    def __post_init__(self) -> None:
        self.eg = SimpleNamespace(compatible=self.compatible)

    def compatible(self, a: int, b: int) -> bool:
        return {self.branch[a], self.branch[b]} != {"then", "else"}

    def base(self, name: str) -> ESet | Rel | None:
        """The base set or relation ``name`` (None when there is none)."""
        if name == "_":
            return ESet(self.exists)
        if name == "id":
            return Rel({(e, e): t for e, t in self.exists.items()})
        if name in SETS:
            return ESet(self.members[name])
        if name in RELS:
            return Rel(self.members[name])
        return None


def encoding(n: int, exists: dict | None = None, branch: dict | None = None,
             **bases) -> FakeEncoding:
    """A hand-built :class:`FakeEncoding` of events ``0..n-1``: ``S``, ``T``
    (sets) and ``r``, ``s`` (relations) given as dicts element -> term, or as
    iterables of elements that are always there; absent bases are empty.
    Events always exist unless ``exists`` says otherwise."""
    members = {}
    for name in SETS + RELS:
        b = bases.get(name, ())
        members[name] = dict(b) if isinstance(b, dict) else dict.fromkeys(b, True)
    fe = FakeEncoding(n, exists if exists is not None else dict.fromkeys(range(n), True),
                      branch if branch is not None else dict.fromkeys(range(n)), members)
    return fe


class _Valuation:
    """Evaluates boolean z3 terms under an assignment of their variables (a
    direct walk of the term DAG, memoised: much faster than substitute and
    simplify, and just as literal). A variable not assigned is an error."""

    def __init__(self, asg: dict[str, bool]) -> None:
        self.asg = asg
        self.memo: dict[int, bool] = {}

    def __call__(self, t: z3.BoolRef) -> bool:
        return self._ast(t.ctx.ref(), t.as_ast())

    def _ast(self, ctx, a) -> bool:
        key = z3core.Z3_get_ast_id(ctx, a)
        v = self.memo.get(key)
        if v is not None:
            return v
        if z3core.Z3_get_ast_kind(ctx, a) != z3.Z3_APP_AST:
            raise AssertionError("not a boolean formula")
        app = z3core.Z3_to_app(ctx, a)
        decl = z3core.Z3_get_app_decl(ctx, app)
        kind = z3core.Z3_get_decl_kind(ctx, decl)
        args = [z3core.Z3_get_app_arg(ctx, app, i)
                for i in range(z3core.Z3_get_app_num_args(ctx, app))]
        if kind == z3.Z3_OP_TRUE:
            v = True
        elif kind == z3.Z3_OP_FALSE:
            v = False
        elif kind == z3.Z3_OP_UNINTERPRETED and not args:
            name = z3core.Z3_get_symbol_string(ctx, z3core.Z3_get_decl_name(ctx, decl))
            if name not in self.asg:
                raise AssertionError(f"variable {name} is not a base variable")
            v = self.asg[name]
        elif kind == z3.Z3_OP_NOT:
            v = not self._ast(ctx, args[0])
        elif kind == z3.Z3_OP_AND:
            v = all(self._ast(ctx, x) for x in args)
        elif kind == z3.Z3_OP_OR:
            v = any(self._ast(ctx, x) for x in args)
        elif kind == z3.Z3_OP_IMPLIES:
            v = not self._ast(ctx, args[0]) or self._ast(ctx, args[1])
        elif kind == z3.Z3_OP_EQ:
            v = self._ast(ctx, args[0]) == self._ast(ctx, args[1])
        else:
            raise AssertionError(f"unexpected operator in a membership term (kind {kind})")
        self.memo[key] = v
        return v


def truth(t: object, asg: dict[str, bool] | _Valuation) -> bool:
    """The value of a membership term under an assignment of the base variables."""
    if t is True:
        return True
    if t is None:
        return False
    val = asg if isinstance(asg, _Valuation) else _Valuation(asg)
    return val(t)


def reference_world(fe: FakeEncoding, asg: dict[str, bool]) -> World:
    """The concrete world ``fe`` describes when the base variables are ``asg``."""
    asg = _Valuation(asg)
    events = frozenset(e for e, t in fe.exists.items() if truth(t, asg))
    base: dict[str, RSet | RRel] = {}
    for name in SETS:
        base[name] = RSet(frozenset(e for e, t in fe.members[name].items() if truth(t, asg)))
    for name in RELS:
        base[name] = RRel(frozenset(p for p, t in fe.members[name].items() if truth(t, asg)))
    return World(events, base, VARIANTS)


def denote(v: object, fe: FakeEncoding, asg: dict[str, bool]) -> object:
    """An evaluator value as a reference value, under ``asg``."""
    asg = _Valuation(asg)
    if isinstance(v, ESet):
        return RSet(frozenset(e for e, t in v.m.items() if truth(t, asg)))
    if isinstance(v, Rel):
        return RRel(frozenset(p for p, t in v.m.items() if truth(t, asg)))
    if v is cateval.EMPTY:
        return R_EMPTY
    univ = getattr(cateval, "UNIV", None)
    if univ is not None and v is univ:
        return R_UNIV
    raise AssertionError(f"unexpected evaluator value {v!r}")


def same_value(got: object, want: object, w: World) -> bool:
    """Equal contents, where a polymorphic value is read at the other's type."""
    if isinstance(got, RPoly) and isinstance(want, RPoly):
        if got == want:
            return True
        return not w.events  # with no event, 0 and _ coincide
    kind = "set" if isinstance(got, RSet) or isinstance(want, RSet) else "rel"
    if isinstance(got, RSet) and isinstance(want, RRel) or (
            isinstance(got, RRel) and isinstance(want, RSet)):
        return False
    conv = to_set if kind == "set" else to_rel
    return conv(got, w) == conv(want, w)


class _Choices:
    """Choices read from a byte string drawn once (one hypothesis draw per
    expression instead of dozens: generation is most of these tests' time).
    Past the end every choice is 0, the simplest option, so shrinking the
    bytes towards zeros and shortness shrinks the expression."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.i = 0

    def __call__(self, k: int) -> int:
        """An integer in ``range(k)``."""
        if self.i >= len(self.data):
            return 0
        b = self.data[self.i]
        self.i += 1
        return b % k

    def pick(self, options):
        options = list(options)
        return options[self(len(options))]

    def flag(self) -> bool:
        return self(2) == 1


CHOICES = st.binary(min_size=256, max_size=256).map(_Choices)


@st.composite
def fake_encodings(draw, symbolic: bool) -> FakeEncoding:
    """A :class:`FakeEncoding` of 0..4 events. Static: every membership is
    ``True``. Symbolic: each event, and each base membership, is ``True`` or
    conditional on a fresh variable; some events sit on the branches of one
    condition ``c`` (and are then mutually incompatible)."""
    c = draw(st.binary(min_size=48, max_size=48).map(_Choices))  # one draw: cheap
    n = c.pick([0, 1, 2, 3, 3, 4, 4, 4])
    variables: dict[str, z3.BoolRef] = {}

    def var(name: str) -> z3.BoolRef:
        if name not in variables:
            variables[name] = bool_var(name)
        return variables[name]

    exists: dict[int, object] = {}
    branch: dict[int, str | None] = {}
    for e in range(n):
        how = c.pick(["always", "var", "then", "else"]) if symbolic else "always"
        branch[e] = how if how in ("then", "else") else None
        if how == "always":
            exists[e] = True
        elif how == "var":
            exists[e] = var(f"ex!{e}")
        else:
            exists[e] = var("c") if how == "then" else neg(var("c"))
    fe = FakeEncoding(n, exists, branch, {})
    # each candidate element of a base: 0 absent, 1 always, 2 if a variable
    radix = 3 if symbolic else 2
    for name in SETS:
        m = {}
        for e in range(n):
            how = c(radix)
            if how:
                m[e] = conj(exists[e], True if how == 1 else var(f"{name}!{e}"))
        fe.members[name] = m
    for name in RELS:
        m = {}
        for a in range(n):
            for b in range(n):
                if not fe.compatible(a, b):
                    continue
                how = c(radix)
                if how:
                    m[(a, b)] = conj(exists[a], exists[b],
                                     True if how == 1 else var(f"{name}!{a}!{b}"))
        fe.members[name] = m
    fe.names = sorted(variables)
    fe.variables = [variables[k] for k in fe.names]
    return fe


#: raw material for assignments: four 64-bit masks (see :func:`assignments`)
MASKS = st.lists(st.integers(0, (1 << 64) - 1), min_size=4, max_size=4)


def assignments(fe: FakeEncoding, masks: list[int]) -> list[dict[str, bool]]:
    """One assignment of ``fe``'s base variables per mask (bit i: the i-th
    variable in name order; at most 64 variables, which 0..4 events never
    exceed)."""
    assert len(fe.names) <= 64
    return [{n: bool(m >> i & 1) for i, n in enumerate(fe.names)} for m in masks]


# --------------------------------------------------------------------------- expressions


class _Gen:
    """Draws well-typed expressions. ``scope`` maps bound names to
    ``(type, recursive)``; a name of a ``let rec`` being defined is only used
    in positive positions (not under ``~`` or the right of ``\\``) and not
    inside ``let`` bindings or functions, so every recursive definition is
    monotone and its least fixpoint is reached by iteration."""

    #: forms left out when generating for the upper encoding (they are all
    #: exact there: bindings, functions, variants; the rest is kept)
    NOT_UPPER = frozenset({"let", "fun", "if", "try"})

    def __init__(self, c: _Choices, upper: bool = False) -> None:
        self.c = c
        self.fresh = 0
        self.upper = upper

    def name(self, prefix: str) -> str:
        self.fresh += 1
        return f"{prefix}{self.fresh}"

    def leaf(self, ty: str, scope: dict, pos: bool) -> Expr:
        opts: list[Expr] = [Empty(P), Universe(P)]
        base = SETS if ty == "set" else RELS + ("id",)
        opts += [Var(n, P) for n in base if n not in scope]
        opts += [Var(n, P) for n, (t, rec) in scope.items() if t == ty and (pos or not rec)]
        # the bound names first: shrinking prefers them over base names
        return self.c.pick(opts[2:] + opts[:2])

    def rec_step(self, ty: str, names: dict[str, str], depth: int, outer: dict) -> Expr:
        """The recursive part of a ``let rec`` definition of type ``ty``, over
        the group's ``names`` (name -> type): mostly a step that uses one of
        them (``x; e``, ``range([x]; e)``, ...), else any expression."""
        inner = {**outer, **{n: (t, True) for n, t in names.items()}}
        x, tx = self.c.pick(list(names.items()))
        e = self.expr
        k = self.c(4)
        if k == 0:
            return e(ty, depth, inner, True)
        xv = Var(x, P)
        if ty == "rel" and tx == "rel":
            other = e("rel", depth, inner, True)
            return Binary(";", xv, other, P) if k == 1 else (
                Binary(";", other, xv, P) if k == 2 else Binary("&", xv, other, P))
        if ty == "rel":  # a set x
            return Binary(";", Unary("[]", xv, P), e("rel", depth, inner, True), P)
        if tx == "set":
            if k == 3:
                return Binary("&", xv, e("set", depth, inner, True), P)
            step = Binary(";", Unary("[]", xv, P), e("rel", depth, inner, True), P)
            return App(Var("range", P), (step,), P)
        return App(Var("domain", P), (Binary(";", xv, e("rel", depth, inner, True), P),), P)

    def body(self, ty: str, depth: int, scope: dict, pos: bool, name: str, nty: str) -> Expr:
        """The body of a ``let ... in``: often the name just bound, if it fits."""
        if nty == ty and self.c(2) == 0:
            return Var(name, P)
        return self.expr(ty, depth, scope, pos)

    def expr(self, ty: str, depth: int, scope: dict, pos: bool = True,
             force: bool = False) -> Expr:
        """An expression of type ``ty`` (``force``: not a leaf, if depth allows)."""
        if depth <= 0 or (not force and self.c(4) == 0):
            return self.leaf(ty, scope, pos)
        d = depth - 1
        forms = ["|", "&", "\\", "~", "let", "fun", "if", "try", "rec", "rec"]
        forms += ["domain", "range"] if ty == "set" else [
            ";", ";", "cart", "+", "+", "+", "*", "*", "?", "^-1", "[]", "closure", "mutual"]
        if self.upper:
            forms = [f for f in forms if f not in self.NOT_UPPER] + (
                ["+", "+", "rec", "closure"] if ty == "rel" else ["rec"])
        f = self.c.pick(forms)
        e = self.expr
        if f in ("|", "&", ";"):
            return Binary(f, e(ty, d, scope, pos), e(ty, d, scope, pos), P)
        if f == "\\":
            return Binary(f, e(ty, d, scope, pos), e(ty, d, scope, not pos), P)
        if f == "~":
            return Unary("~", e(ty, d, scope, not pos), P)
        if f in ("domain", "range"):
            return App(Var(f, P), (e("rel", d, scope, pos),), P)
        if f == "cart":
            return Binary("*", e("set", d, scope, pos), e("set", d, scope, pos), P)
        if f in ("+", "*", "?", "^-1"):
            return Unary(f, e("rel", d, scope, pos), P)
        if f == "[]":
            return Unary("[]", e("set", d, scope, pos), P)
        if f == "if":
            return IfVariant(self.c.pick(["on", "off"]), e(ty, d, scope, pos),
                             e(ty, d, scope, pos), P, negated=self.c.flag())
        if f == "try":
            if self.c.flag():
                return Try(Var("nosuchname", P), e(ty, d, scope, pos), P)
            return Try(e(ty, d, scope, pos), e(ty, d, scope, pos), P)
        outer = {k: v for k, v in scope.items() if not v[1]}  # no recursive names
        if f == "let":
            name = self.c.pick([self.name("v"), "S", "r"])
            bty = self.c.pick(["set", "rel"])
            bound = e(bty, d, outer, True)
            return LetIn((Binding(name, bound, P),),
                         self.body(ty, d, {**scope, name: (bty, False)}, pos, name, bty), False, P)
        if f == "fun":
            fname = self.name("f")
            ptys = [self.c.pick(["set", "rel"]) for _ in range(1 + self.c(2))]
            params = tuple(self.name("p") for _ in ptys)
            inner = {**outer, **{p: (t, False) for p, t in zip(params, ptys)}}
            body = e(ty, d, inner, True)
            args = tuple(e(t, d, outer, True) for t in ptys)
            return LetIn((Binding(fname, body, P, params=params),),
                         App(Var(fname, P), args, P), False, P)
        if f == "rec":
            x = self.name("x")
            body = Binary("|", e(ty, d, outer, True), self.rec_step(ty, {x: ty}, d, outer), P)
            return LetIn((Binding(x, body, P),),
                         self.body(ty, d, {**scope, x: (ty, False)}, pos, x, ty), True, P)
        if f == "closure":  # x = e | x;x, which the evaluator reads as e+
            x = self.name("x")
            xx = Binary(";", Var(x, P), Var(x, P), P)
            body = e("rel", d, outer, True)
            parts = (body, xx) if self.c.flag() else (xx, body)
            return LetIn((Binding(x, Binary("|", *parts, P), P),),
                         self.body(ty, d, {**scope, x: ("rel", False)}, pos, x, "rel"), True, P)
        assert f == "mutual"
        a, b = self.name("x"), self.name("x")
        ta, tb = "rel", self.c.pick(["set", "rel"])
        both = {a: ta, b: tb}
        ba = Binary("|", e(ta, d, outer, True), self.rec_step(ta, both, d, outer), P)
        bb = Binary("|", e(tb, d, outer, True), self.rec_step(tb, both, d, outer), P)
        return LetIn((Binding(a, ba, P), Binding(b, bb, P)),
                     self.body(ty, d, {**scope, a: (ta, False), b: (tb, False)}, pos, a, ta),
                     True, P)


@st.composite
def expressions(draw, ty: str | None = None, max_depth: int = 4) -> tuple[str, Expr]:
    """A well-typed expression over S, T (sets) and r, s, id (relations), with its type."""
    c = draw(CHOICES)
    if ty is None:
        ty = c.pick(["set", "rel"])
    depth = 1 + c(max_depth)
    return ty, _Gen(c).expr(ty, depth, {})


@st.composite
def models(draw, max_depth: int = 3) -> list[Stmt]:
    """A few top-level ``let``/``let rec`` then 1-3 checks (axioms, negated
    axioms, flags; names possibly repeated), some under ``if "variant"``."""
    c = draw(CHOICES)
    g = _Gen(c)
    scope: dict = {}
    stmts: list[Stmt] = []
    for _ in range(c(3)):
        rec = c.flag()
        # a recursive name is always fresh, so a base name in its body is the base
        name = g.name("t") if rec else c.pick([g.name("t"), "r", "S"])
        ty = c.pick(["set", "rel"])
        if rec:
            body = Binary("|", g.expr(ty, max_depth - 1, scope),
                          g.rec_step(ty, {name: ty}, max_depth - 1, scope), P)
        else:
            body = g.expr(ty, max_depth, scope)
        stmts.append(Let((Binding(name, body, P),), rec, P))
        scope = {**scope, name: (ty, False)}
    for _ in range(1 + c(3)):
        kind = c.pick(["acyclic", "irreflexive", "empty"])
        ty = "rel" if kind != "empty" else c.pick(["set", "rel"])
        check = Check(kind, g.expr(ty, max_depth, scope, force=True), P,
                      name=c.pick([None, "a", "b"]), negated=c(3) == 1, flag=c(4) == 1)
        if c(6) == 1:
            stmts.append(IfVariantStmt(c.pick(["on", "off"]), (check,), (), P))
        else:
            stmts.append(check)
    return stmts


@st.composite
def upper_models(draw, max_depth: int = 4) -> list[Stmt]:
    """1-3 axioms (neither negated nor flags, so checked in the upper
    encoding) over closures, recursive definitions and the operators around
    them, some with the same name."""
    c = draw(CHOICES)
    g = _Gen(c, upper=True)
    stmts: list[Stmt] = []
    for _ in range(1 + c(3)):
        kind = c.pick(["irreflexive", "acyclic", "empty"])
        ty = "rel" if kind != "empty" else c.pick(["rel", "set"])
        stmts.append(Check(kind, g.expr(ty, max_depth, {}, force=True), P,
                           name=c.pick([None, "a"])))
    return stmts
