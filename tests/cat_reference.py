"""A brute-force reference semantics of cat, for testing the evaluator.

Evaluates a :mod:`litmus.model` AST over concrete Python sets: a *world*
gives the events that exist (the universe ``_``), the base sets and
relations by name and the enabled variants. Every operator is its plain
mathematical definition, computed by enumeration over a handful of events;
nothing here knows about z3, terms or :mod:`litmus.smt`, so it can serve as an
independent oracle for :class:`litmus.smt.cateval.Evaluator`.

Values:

* :class:`RSet` (a frozenset of events) and :class:`RRel` (a frozenset of
  pairs);
* :data:`EMPTY` and :data:`UNIV`, the polymorphic ``0`` and ``_``: the empty
  set or relation, and all events or all pairs of events, whichever the
  context needs (herd's ``Empty``/``Unv``). When one operand of an operator
  is polymorphic and the other is not, the polymorphic one takes the other's
  type;
* :class:`RFun` (a user function with its environment), :class:`RBuiltin`
  (``domain``, ``range``) and :class:`RTuple` (arguments).

``let`` binds eagerly; ``let rec`` is the least fixpoint computed by Kleene
iteration from the empty value (and fails if that does not converge).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from litmus.model import (
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
    Stmt,
    Try,
    Tuple,
    Unary,
    Universe,
    Var,
)

Pair = tuple[int, int]


class RefError(Exception):
    """The expression has no meaning (a type error, an unbound name, ...)."""


class RefUnbound(RefError):
    """An unbound name (what ``try ... with`` catches)."""


@dataclass(frozen=True)
class RSet:
    elems: frozenset[int]


@dataclass(frozen=True)
class RRel:
    pairs: frozenset[Pair]


@dataclass(frozen=True)
class RPoly:
    """``0`` (``which == "empty"``) or ``_`` (``which == "univ"``), not yet typed."""

    which: str


EMPTY = RPoly("empty")
UNIV = RPoly("univ")


@dataclass(frozen=True, eq=False)
class RFun:
    params: tuple[str, ...]
    body: Expr
    env: RefEnv


@dataclass(frozen=True)
class RBuiltin:
    name: str


@dataclass(frozen=True)
class RTuple:
    items: tuple[object, ...]


@dataclass
class World:
    """The concrete setting: existing events, base sets/relations, variants."""

    events: frozenset[int]
    base: Mapping[str, RSet | RRel]
    variants: frozenset[str] = frozenset()

    def pairs(self) -> frozenset[Pair]:
        return frozenset((a, b) for a in self.events for b in self.events)


@dataclass
class RefEnv:
    vars: dict[str, object] = field(default_factory=dict)
    parent: RefEnv | None = None

    def lookup(self, name: str) -> object | None:
        env: RefEnv | None = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            env = env.parent
        return None


# --------------------------------------------------------------------------- helpers


def to_set(v: object, w: World) -> frozenset[int]:
    if isinstance(v, RSet):
        return v.elems
    if v == EMPTY:
        return frozenset()
    if v == UNIV:
        return w.events
    raise RefError(f"a set is expected, found {v!r}")


def to_rel(v: object, w: World) -> frozenset[Pair]:
    if isinstance(v, RRel):
        return v.pairs
    if v == EMPTY:
        return frozenset()
    if v == UNIV:
        return w.pairs()
    raise RefError(f"a relation is expected, found {v!r}")


def compose(a: Iterable[Pair], b: Iterable[Pair]) -> frozenset[Pair]:
    """``a ; b``: (x, z) with (x, y) in a and (y, z) in b."""
    b = list(b)
    return frozenset((x, z) for (x, y) in a for (y2, z) in b if y == y2)


def transitive_closure(r: Iterable[Pair]) -> frozenset[Pair]:
    """``r+``: the union of r, r;r, r;r;r, ... (iterated until nothing is added)."""
    out = frozenset(r)
    while True:
        more = out | compose(out, out)
        if more == out:
            return out
        out = more


def identity(s: Iterable[int]) -> frozenset[Pair]:
    return frozenset((e, e) for e in s)


def _typed(v: object) -> str | None:
    if isinstance(v, RSet):
        return "set"
    if isinstance(v, RRel):
        return "rel"
    if isinstance(v, RPoly):
        return None
    raise RefError(f"a set or relation is expected, found {v!r}")


# --------------------------------------------------------------------------- evaluation


def evaluate(e: Expr, w: World, env: RefEnv | None = None) -> object:
    """The value of ``e`` in world ``w`` (raises :class:`RefError` if it has none)."""
    if env is None:
        env = RefEnv({"domain": RBuiltin("domain"), "range": RBuiltin("range")})
    if isinstance(e, Var):
        v = env.lookup(e.name)
        if v is not None:
            return v
        if e.name == "id":
            return RRel(identity(w.events))
        if e.name in w.base:
            return w.base[e.name]
        raise RefUnbound(e.name)
    if isinstance(e, Empty):
        return EMPTY
    if isinstance(e, Universe):
        return UNIV
    if isinstance(e, Binary):
        return _binary(e.op, evaluate(e.left, w, env), evaluate(e.right, w, env), w)
    if isinstance(e, Unary):
        return _unary(e.op, evaluate(e.arg, w, env), w)
    if isinstance(e, App):
        f = evaluate(e.func, w, env)
        args = [evaluate(a, w, env) for a in e.args]
        if len(args) == 1 and isinstance(args[0], RTuple):
            args = list(args[0].items)
        return apply(f, args, w)
    if isinstance(e, Fun):
        return RFun(e.params, e.body, env)
    if isinstance(e, Tuple):
        return RTuple(tuple(evaluate(x, w, env) for x in e.items))
    if isinstance(e, LetIn):
        return evaluate(e.body, w, bind(e.bindings, e.rec, w, env))
    if isinstance(e, Try):
        try:
            return evaluate(e.expr, w, env)
        except RefUnbound:
            return evaluate(e.fallback, w, env)
    if isinstance(e, IfVariant):
        on = (e.variant in w.variants) != e.negated
        return evaluate(e.then if on else e.else_, w, env)
    raise RefError(f"unsupported {type(e).__name__}")


def apply(f: object, args: list[object], w: World) -> object:
    if isinstance(f, RBuiltin):
        if len(args) != 1:
            raise RefError(f"{f.name} takes one argument")
        r = to_rel(args[0], w)
        if f.name == "domain":
            return RSet(frozenset(a for a, _ in r))
        return RSet(frozenset(b for _, b in r))
    if isinstance(f, RFun):
        if len(args) != len(f.params):
            raise RefError("arity")
        return evaluate(f.body, w, RefEnv(dict(zip(f.params, args)), f.env))
    raise RefError("not a function")


def bind(bindings: tuple[Binding, ...], rec: bool, w: World, env: RefEnv) -> RefEnv:
    """The environment ``env`` extended with ``bindings`` (``let`` or ``let rec``)."""
    if not rec:
        frame = RefEnv({}, env)
        for b in bindings:
            expr = b.expr if b.params is None else Fun(b.params, b.expr, b.pos)
            frame.vars[b.name] = evaluate(expr, w, env)
        return frame
    if any(b.params is not None for b in bindings):
        raise RefError("recursive function")
    cur: dict[str, object] = {b.name: EMPTY for b in bindings}
    for _ in range(1000):
        frame = RefEnv(dict(cur), env)
        new = {b.name: evaluate(b.expr, w, frame) for b in bindings}
        if all(_same(new[n], cur[n], w) for n in cur):
            return RefEnv(new, env)
        cur = new
    raise RefError("let rec does not converge")


def _same(a: object, b: object, w: World) -> bool:
    t = _typed(a) or _typed(b)
    if t is None:
        return a == b
    conv = to_set if t == "set" else to_rel
    return conv(a, w) == conv(b, w)


def _binary(op: str, a: object, b: object, w: World) -> object:
    if op == "*":
        return RRel(frozenset((x, y) for x in to_set(a, w) for y in to_set(b, w)))
    if op == ";":
        return RRel(compose(to_rel(a, w), to_rel(b, w)))
    if op not in ("|", "&", "\\"):
        raise RefError(f"unsupported operator {op}")
    ta, tb = _typed(a), _typed(b)
    if ta is None and tb is None:  # both polymorphic: so is the result
        ua, ub = a == UNIV, b == UNIV
        full = {"|": ua or ub, "&": ua and ub, "\\": ua and not ub}[op]
        return UNIV if full else EMPTY
    if ta is not None and tb is not None and ta != tb:
        raise RefError(f"'{op}' between a set and a relation")
    t = ta or tb
    conv = to_set if t == "set" else to_rel
    x, y = conv(a, w), conv(b, w)
    out = x | y if op == "|" else x & y if op == "&" else x - y
    return RSet(out) if t == "set" else RRel(out)


def _unary(op: str, v: object, w: World) -> object:
    if op == "~":
        if v == EMPTY:
            return UNIV
        if v == UNIV:
            return EMPTY
        if isinstance(v, RSet):
            return RSet(w.events - v.elems)
        return RRel(w.pairs() - to_rel(v, w))
    if op == "[]":
        return RRel(identity(to_set(v, w)))
    r = to_rel(v, w)
    if op == "^-1":
        return RRel(frozenset((b, a) for a, b in r))
    if op == "+":
        return RRel(transitive_closure(r))
    if op == "*":
        return RRel(transitive_closure(r) | identity(w.events))
    if op == "?":
        return RRel(r | identity(w.events))
    raise RefError(f"unsupported operator {op}")


# --------------------------------------------------------------------------- checks


def holds(kind: str, v: object, w: World) -> bool:
    """Whether ``acyclic``/``irreflexive``/``empty`` (not negated) holds of ``v``."""
    if kind == "empty":
        t = _typed(v)
        return not (to_rel(v, w) if t == "rel" else to_set(v, w))
    r = to_rel(v, w)
    if kind == "acyclic":
        r = transitive_closure(r)
    return not any(a == b for a, b in r)


@dataclass
class Outcome:
    """What a model says in one world: each axiom's and each flag's truth."""

    axioms: list[bool] = field(default_factory=list)
    flags: list[bool] = field(default_factory=list)  # raised?


def run(stmts: Iterable[Stmt], w: World, env: RefEnv | None = None) -> Outcome:
    """Evaluate statements: an axiom is its check (negated if ``~``); a flag is
    raised when its check, negated if ``~``, holds."""
    if env is None:
        env = RefEnv({"domain": RBuiltin("domain"), "range": RBuiltin("range")})
    out = Outcome()
    _run(stmts, w, env, out)
    return out


def _run(stmts: Iterable[Stmt], w: World, env: RefEnv, out: Outcome) -> RefEnv:
    for st in stmts:
        if isinstance(st, Let):
            env = bind(st.bindings, st.rec, w, env)
        elif isinstance(st, Check):
            h = holds(st.kind, evaluate(st.expr, w, env), w) != st.negated
            (out.flags if st.flag else out.axioms).append(h)
        elif isinstance(st, IfVariantStmt):
            on = (st.variant in w.variants) != st.negated
            env = _run(st.then if on else st.else_, w, env, out)
    return env
