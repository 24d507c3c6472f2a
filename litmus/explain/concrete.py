"""A cat model evaluated over one execution, and why a pair is in a relation.

The symbolic evaluator (:mod:`litmus.smt.cateval`) decides *whether* some
execution is allowed; to explain a verdict we need, for one execution, the
actual relations and the reason each edge is in them. :class:`Concrete`
evaluates the model's statements over plain Python sets (the base sets and
relations of the execution, read from the encoding under the solver's
model), lazily and memoised, with cat's usual meaning of every operator.

:meth:`Concrete.why` walks an expression down to the named definitions of
the model and the base relations, and returns the chain of :class:`Step`
that puts a pair in it: a union names the alternative that holds, a sequence
its intermediate event, a closure the shortest path. A named definition
whose own expression is more than a union or closure of other names (``bob``,
``d1-nR``, ``rfe``) is one step, labelled with its name and the details met
inside it (the barrier it goes through, the dependency, the annotations).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from ..errors import ModelError, UnboundName
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
from ..smt.relations import static_closure

Pair = tuple[int, int]
Set = frozenset[int]
Rel = frozenset[Pair]


class _Poly:
    """``0`` or ``_`` before a context gives them a type."""

    def __init__(self, full: bool) -> None:
        self.full = full


EMPTY = _Poly(False)
UNIV = _Poly(True)


@dataclass(frozen=True)
class _Set:
    v: Set


@dataclass(frozen=True)
class _Rel:
    v: Rel


@dataclass(eq=False)
class _Fun:
    params: tuple[str, ...]
    body: Expr
    env: Env


@dataclass(frozen=True)
class _Builtin:
    name: str


@dataclass(frozen=True)
class _Tuple:
    items: tuple[object, ...]



@dataclass(eq=False)
class _Thunk:
    expr: Expr
    env: Env
    name: str
    value: object = None
    busy: bool = False


@dataclass(eq=False)
class _Rec:
    bindings: tuple[Binding, ...]
    env: Env
    values: dict[str, object] | None = None


class Env:
    """Names bound by ``let`` (lazily), ``let rec`` and function parameters."""

    def __init__(self, parent: Env | None = None) -> None:
        self.parent = parent
        self.vars: dict[str, object] = {}

    def find(self, name: str) -> object | None:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            env = env.parent
        return None


@dataclass(frozen=True)
class Step:
    """One edge of an explanation: ``src`` to ``dst`` through the relation
    ``label`` (a named definition of the model, or a base relation), with
    ``details``: what was met inside it (barrier events, dependency kinds,
    annotations such as ``A``/``L``)."""

    src: int
    dst: int
    label: str
    details: tuple[str, ...] = ()


@dataclass
class CheckValue:
    """A check of the model on this execution: whether it holds, and the
    expression and environment to explain it from."""

    check: Check
    name: str
    holds: bool
    env: Env
    value: object = field(repr=False, default=None)


class Concrete:
    """Evaluates a model over one execution.

    ``events`` are the events that happen; ``base(name)`` gives a base set
    as ``("set", frozenset of events)`` or relation as ``("rel", frozenset of
    pairs)``, or None for a name the encoding does not know;
    ``fence_label(eid)`` names a fence event in details (None for others).
    Raises :class:`ModelError` as the symbolic evaluator would."""

    def __init__(self, events: Iterable[int],
                 base: Callable[[str], tuple[str, frozenset] | None],
                 variants: Iterable[str] = (),
                 fence_label: Callable[[int], str | None] = lambda eid: None,
                 event_loc: Callable[[int], str | None] = lambda eid: None) -> None:
        self.events: Set = frozenset(events)
        self._base_fn = base
        self._bases: dict[str, object] = {}
        self.variants = set(variants)
        self.fence_label = fence_label
        #: the location an event accesses (None for a fence)
        self.event_loc = event_loc
        self.root = Env()
        self.root.vars["domain"] = _Builtin("domain")
        self.root.vars["range"] = _Builtin("range")
        self.checks: list[CheckValue] = []
        #: names whose definition is a union or closure of other names: an
        #: explanation looks through them (``ob``, ``lob``, ``obs``)
        self.transparent: set[str] = set()

    # ------------------------------------------------------------------ statements

    def run(self, model: Model, prelude: Model | None = None) -> list[CheckValue]:
        """Evaluate every statement; returns every axiom and flag with its value."""
        env = self.root
        if prelude is not None:
            env = self._stmts(prelude.stmts, env)
        self._stmts(model.stmts, env)
        return self.checks

    def _stmts(self, stmts: Iterable[Stmt], env: Env) -> Env:
        for st in stmts:
            if isinstance(st, Let):
                env = self._bind(st.bindings, st.rec, env)
            elif isinstance(st, Check):
                v = self.eval(st.expr, env)
                holds = self._holds(st.kind, v) != st.negated
                self.checks.append(CheckValue(st, st.name or f"{st.kind}@{st.pos.line}", holds,
                                              env, v))
            elif isinstance(st, IfVariantStmt):
                on = (st.variant in self.variants) != st.negated
                env = self._stmts(st.then if on else st.else_, env)
        return env

    def _bind(self, bindings: tuple[Binding, ...], rec: bool, env: Env) -> Env:
        frame = Env(env)
        if rec:
            group = _Rec(bindings, frame)
            for b in bindings:
                frame.vars[b.name] = group
            return frame
        for b in bindings:
            expr = b.expr if b.params is None else Fun(b.params, b.expr, b.pos)
            frame.vars[b.name] = _Thunk(expr, env, b.name)
            if b.params is None and _only_names(b.expr):
                self.transparent.add(b.name)
        return frame

    def _holds(self, kind: str, v: object) -> bool:
        if kind == "empty":
            return not self._members(v)
        r = self.rel(v)
        if kind == "acyclic":
            return find_cycle(r) is None
        return not any(a == b for a, b in r)

    # ------------------------------------------------------------------ values

    def rel(self, v: object) -> Rel:
        """``v`` as a relation (``0``/``_`` included)."""
        if isinstance(v, _Rel):
            return v.v
        if isinstance(v, _Poly):
            return frozenset((a, b) for a in self.events for b in self.events) if v.full \
                else frozenset()
        raise ModelError("a relation is expected here")

    def set(self, v: object) -> Set:
        """``v`` as a set of events."""
        if isinstance(v, _Set):
            return v.v
        if isinstance(v, _Poly):
            return self.events if v.full else frozenset()
        raise ModelError("a set of events is expected here")

    def _members(self, v: object) -> frozenset:
        return v.v if isinstance(v, (_Set, _Rel)) else (self.rel(v) if v is UNIV else
                                                         frozenset())

    def base(self, name: str) -> object | None:
        if name not in self._bases:
            got = self._base_fn(name)
            self._bases[name] = None if got is None else (
                _Rel(got[1]) if got[0] == "rel" else _Set(got[1]))
        return self._bases[name]

    def lookup(self, name: str, env: Env) -> object:
        v = env.find(name)
        if v is None:
            b = self.base(name)
            if b is None:
                raise UnboundName(f"unbound name '{name}'")
            return b
        if isinstance(v, _Thunk):
            if v.value is None:
                if v.busy:
                    raise ModelError(f"'{name}' is defined in terms of itself")
                v.busy = True
                try:
                    v.value = self.eval(v.expr, v.env)
                finally:
                    v.busy = False
            return v.value
        if isinstance(v, _Rec):
            return self._solve(v)[name]
        return v

    def _solve(self, g: _Rec) -> dict[str, object]:
        if g.values is None:
            cur: dict[str, object] = {b.name: EMPTY for b in g.bindings}
            for _ in range(10_000):
                frame = Env(g.env.parent)
                frame.vars.update(cur)
                new = {b.name: self.eval(b.expr, frame) for b in g.bindings}
                if all(self._members(new[n]) == self._members(cur[n]) for n in cur):
                    g.values = new
                    break
                cur = new
            else:
                raise ModelError("recursive definition does not converge")
        return g.values

    def eval(self, e: Expr, env: Env) -> object:
        """The value of ``e`` in ``env`` on this execution."""
        if isinstance(e, Var):
            return self.lookup(e.name, env)
        if isinstance(e, Empty):
            return EMPTY
        if isinstance(e, Universe):
            return UNIV
        if isinstance(e, Binary):
            return self._binary(e, env)
        if isinstance(e, Unary):
            return self._unary(e.op, self.eval(e.arg, env))
        if isinstance(e, App):
            f = self.eval(e.func, env)
            args = [self.eval(a, env) for a in e.args]
            if len(args) == 1 and isinstance(args[0], _Tuple):
                args = list(args[0].items)
            return self._apply(f, args)
        if isinstance(e, Fun):
            return _Fun(e.params, e.body, env)
        if isinstance(e, Tuple):
            return _Tuple(tuple(self.eval(x, env) for x in e.items))
        if isinstance(e, LetIn):
            return self.eval(e.body, self._bind(e.bindings, e.rec, env))
        if isinstance(e, Try):
            try:
                return self.eval(e.expr, env)
            except UnboundName:
                return self.eval(e.fallback, env)
        if isinstance(e, IfVariant):
            on = (e.variant in self.variants) != e.negated
            return self.eval(e.then if on else e.else_, env)
        raise ModelError(f"unsupported cat expression {type(e).__name__}")

    def _apply(self, f: object, args: list[object]) -> object:
        if isinstance(f, _Builtin):
            r = self.rel(args[0])
            return _Set(frozenset(a for a, _ in r) if f.name == "domain" else
                        frozenset(b for _, b in r))
        if isinstance(f, _Fun):
            frame = Env(f.env)
            frame.vars.update(zip(f.params, args))
            return self.eval(f.body, frame)
        raise ModelError("applying something that is not a function")

    def _binary(self, e: Binary, env: Env) -> object:
        a, b = self.eval(e.left, env), self.eval(e.right, env)
        if e.op == "*":
            return _Rel(frozenset((x, y) for x in self.set(a) for y in self.set(b)))
        if e.op == ";":
            return _Rel(compose(self.rel(a), self.rel(b)))
        if isinstance(a, _Poly) and isinstance(b, _Poly):
            full = {"|": a.full or b.full, "&": a.full and b.full,
                    "\\": a.full and not b.full}[e.op]
            return UNIV if full else EMPTY
        is_rel = isinstance(a, _Rel) or isinstance(b, _Rel)
        conv = self.rel if is_rel else self.set
        x, y = conv(a), conv(b)
        out = x | y if e.op == "|" else x & y if e.op == "&" else x - y
        return _Rel(out) if is_rel else _Set(out)  # type: ignore[arg-type]

    def _unary(self, op: str, v: object) -> object:
        if op == "~":
            if isinstance(v, _Poly):
                return EMPTY if v.full else UNIV
            if isinstance(v, _Set):
                return _Set(self.events - v.v)
            return _Rel(self.rel(UNIV) - self.rel(v))
        if op == "[]":
            return _Rel(frozenset((x, x) for x in self.set(v)))
        r = self.rel(v)
        if op == "^-1":
            return _Rel(frozenset((b, a) for a, b in r))
        ident = frozenset((x, x) for x in self.events)
        if op == "+":
            return _Rel(closure(r))
        if op == "*":
            return _Rel(closure(r) | ident)
        return _Rel(r | ident)  # "?"

    # ------------------------------------------------------------------ why

    def why(self, e: Expr, env: Env, pair: Pair) -> list[Step]:
        """The steps, from ``pair[0]`` to ``pair[1]``, that put ``pair`` in the
        value of ``e``; raises ValueError if it is not in it."""
        return [s for s in self._why(e, env, pair, stop=True) if s.label != "[]"]

    def _why(self, e: Expr, env: Env, pair: Pair, stop: bool) -> list[Step]:
        a, b = pair
        if isinstance(e, Var):
            return self._why_var(e.name, env, pair, stop)
        if isinstance(e, Binary):
            if e.op == "&" and self._is_base(e.left, env) and not isinstance(e.right, Var):
                # r & (fr; co): the right side is the path that says why
                left = e.left.name  # type: ignore[union-attr]
                return [Step(x.src, x.dst, x.label, (*x.details, left)) if x.label != "[]"
                        else x for x in self._why(e.right, env, pair, stop)]
            if e.op in ("|", "&", "\\"):
                for side in ((e.left, e.right) if e.op == "|" else (e.left,)):
                    if pair in self._members(self.eval(side, env)):
                        steps = self._why(side, env, pair, stop)
                        if e.op == "&":
                            # the restriction says something too: a name (same-endpoint,
                            # ext) or the barriers it requires between the two events
                            extra = self._restriction(e.right, env, pair)
                            steps = [Step(x.src, x.dst, x.label, x.details + extra)
                                     for x in steps]
                        return steps
                raise ValueError(f"{pair} not in {e}")
            if e.op == ";":
                left, right = self.rel(self.eval(e.left, env)), self.rel(self.eval(e.right, env))
                for (x, y) in sorted(p for p in left if p[0] == a):
                    if (y, b) in right:
                        return (self._why(e.left, env, (x, y), stop)
                                + self._why(e.right, env, (y, b), stop))
                raise ValueError(f"{pair} not in {e}")
            if e.op == "*":
                return [Step(a, b, "*")]
        if isinstance(e, Unary):
            if e.op == "[]":
                # the identity on a set: no edge, only a condition, kept as a marker
                # (for the details of the definition it is in; why() drops it)
                names = [n for n in _set_names(e.arg) if self._has(n, env, a)]
                return [Step(a, b, "[]", tuple(names))]
            if e.op == "^-1":
                return [Step(s.dst, s.src, s.label + "^-1", s.details)
                        for s in reversed(self._why(e.arg, env, (b, a), stop))]
            if a == b and e.op in ("*", "?"):
                return []
            r = self.rel(self.eval(e.arg, env))
            if e.op == "?":
                return self._why(e.arg, env, pair, stop)
            path = shortest_path(r, a, b)
            if path is None:
                raise ValueError(f"{pair} not in {e}")
            out: list[Step] = []
            for x, y in pairwise(path):
                out += self._why(e.arg, env, (x, y), stop)
            return out
        if isinstance(e, App):
            f = self.eval(e.func, env)
            if isinstance(f, _Fun):
                args = [self.eval(x, env) for x in e.args]
                if len(args) == 1 and isinstance(args[0], _Tuple):
                    args = list(args[0].items)
                frame = Env(f.env)
                frame.vars.update(zip(f.params, args))
                return self._why(f.body, frame, pair, stop)
            return [Step(a, b, getattr(f, "name", "?"))]
        if isinstance(e, LetIn):
            return self._why(e.body, self._bind(e.bindings, e.rec, env), pair, stop)
        if isinstance(e, Try):
            try:
                self.eval(e.expr, env)
                return self._why(e.expr, env, pair, stop)
            except UnboundName:
                return self._why(e.fallback, env, pair, stop)
        if isinstance(e, IfVariant):
            on = (e.variant in self.variants) != e.negated
            return self._why(e.then if on else e.else_, env, pair, stop)
        return [Step(a, b, "_")]

    def _why_var(self, name: str, env: Env, pair: Pair, stop: bool) -> list[Step]:
        v = env.find(name)
        a, b = pair
        if v is None or isinstance(v, _Rec) or not isinstance(v, _Thunk):
            return [Step(a, b, name)]  # a base relation, a parameter, a recursive name
        if stop and name not in self.transparent:
            inner = self._why(v.expr, v.env, pair, stop=False)
            if name in _COMMUNICATION or not any(s.label in _COMMUNICATION for s in inner):
                return [Step(a, b, name, self._details(inner, v.expr, v.env, pair))]
            # a definition that spans threads (through rf, co or fr) is shown as
            # its parts, so that every edge of the explanation stays in one place;
            # each part says which definition it belongs to
            return [Step(x.src, x.dst, x.label, (*x.details, f"part of {name}"))
                    if x.label != "[]" else x
                    for x in self._why(v.expr, v.env, pair, stop)]
        return self._why(v.expr, v.env, pair, stop)

    def _is_base(self, e: Expr, env: Env) -> bool:
        return isinstance(e, Var) and env.find(e.name) is None

    def _restriction(self, e: Expr, env: Env, pair: Pair) -> tuple[str, ...]:
        """What the right side of an intersection contributes to a pair's
        explanation: its name, or the fences on its own path between them."""
        if isinstance(e, Var):
            return (e.name,)
        try:
            inner = [s for s in self._why(e, env, pair, stop=False) if s.label != "[]"]
        except ValueError:
            return ()
        return tuple(lab for s in inner[:-1] if (lab := self.fence_label(s.dst)))

    def base_names(self, e: object, env: Env, seen: set | None = None) -> set[str]:
        """The base relations and sets an expression is built from, through the
        definitions it names (for telling coherence-like checks, which speak of
        one location at a time, from ordering ones)."""
        seen = set() if seen is None else seen
        out: set[str] = set()
        if isinstance(e, Var):
            if (e.name, id(env)) in seen:
                return out
            seen.add((e.name, id(env)))
            v = env.find(e.name)
            if isinstance(v, _Thunk):
                return self.base_names(v.expr, v.env, seen)
            if isinstance(v, _Rec):
                for b in v.bindings:
                    out |= self.base_names(b.expr, v.env, seen)
                return out
            if isinstance(v, _Fun):
                return self.base_names(v.body, v.env, seen)
            return {e.name}
        if isinstance(e, App):
            f = e.func
            out |= self.base_names(f, env, seen)
            for a in e.args:
                out |= self.base_names(a, env, seen)
            return out
        for name in ("left", "right", "arg", "expr", "fallback", "body", "then", "else_"):
            if hasattr(e, name):
                out |= self.base_names(getattr(e, name), env, seen)
        for x in getattr(e, "items", ()) or ():
            out |= self.base_names(x, env, seen)
        return out

    def _has(self, name: str, env: Env, eid: int) -> bool:
        """Whether the set ``name`` (bound or base) holds event ``eid``."""
        try:
            v = self.lookup(name, env)
        except ModelError:
            return False
        return isinstance(v, _Set) and eid in v.v

    def _details(self, inner: list[Step], expr: Expr, env: Env, pair: Pair) -> tuple[str, ...]:
        """What an explanation met inside a named definition: the fences it went
        through, the dependencies and other telling base relations, the
        annotations (acquire, release, ...) it required of its events."""
        out: list[str] = []
        edges = [s for s in inner if s.label != "[]"]
        for s in edges[:-1]:
            lab = self.fence_label(s.dst)
            if lab:
                out.append(lab)
        for s in inner:
            words = [_ANNOTATIONS.get(n) for n in s.details] if s.label == "[]" else \
                [_TELLING.get(n, n if n.startswith(("DMB", "DSB", "ISB", "MFENCE", "SFENCE",
                                                     "LFENCE")) else None)
                 for n in (s.label, *s.details)]
            for word in words:
                if word and word not in out:
                    out.append(word)
        return tuple(out)


_COMMUNICATION = frozenset({"rf", "co", "fr", "rfe", "rfi", "coe", "coi", "fre", "fri", "com",
                            "obs", "ca"})

#: Base relations worth naming inside a definition, and how.
_TELLING = {
    "addr": "address dependency", "data": "data dependency", "ctrl": "control dependency",
    "pick-addr-dep": "address dependency through a pick", "pick-data-dep":
    "data dependency through a pick", "pick-ctrl-dep": "control dependency through a pick",
    "pick-basic-dep": "dependency through a pick", "pick-dep": "dependency through a pick",
    "rmw": "read-modify-write", "amo": "atomic instruction", "lxsx": "exclusive pair",
    "same-endpoint": "same peripheral",
}
#: Annotation sets worth naming, and how.
_ANNOTATIONS = {"A": "acquire", "Q": "acquirePC", "L": "release", "X": "exclusive",
                "NoRet": "result discarded", "LOCK": "locked"}


def _only_names(e: Expr) -> bool:
    """Whether ``e`` is names joined by ``|`` under an optional ``+``."""
    if isinstance(e, Unary) and e.op == "+":
        e = e.arg
    if isinstance(e, Binary) and e.op == "|":
        return _only_names(e.left) and _only_names(e.right)
    return isinstance(e, Var)


def _set_names(e: object) -> list[str]:
    """The names a set expression is built from with ``|`` and ``&`` (``A | Q``)."""
    if isinstance(e, Var):
        return [e.name]
    if isinstance(e, Binary) and e.op in ("|", "&"):
        return _set_names(e.left) + _set_names(e.right)
    if isinstance(e, Binary) and e.op == "\\":
        return _set_names(e.left)
    return []


def compose(a: Rel, b: Rel) -> Rel:
    """``a ; b``."""
    by_src: dict[int, list[int]] = {}
    for x, y in b:
        by_src.setdefault(x, []).append(y)
    return frozenset((x, z) for x, y in a for z in by_src.get(y, ()))


def closure(r: Rel) -> Rel:
    """``r+``."""
    return frozenset(static_closure(r))


def shortest_path(r: Rel, a: int, b: int) -> list[int] | None:
    """The shortest path of at least one edge from ``a`` to ``b`` in ``r``."""
    succ: dict[int, list[int]] = {}
    for x, y in sorted(r):
        succ.setdefault(x, []).append(y)
    prev: dict[int, int] = {}
    todo = deque([a])
    seen = set()
    while todo:
        x = todo.popleft()
        for y in succ.get(x, ()):
            if y == b:
                path = [b, x]
                while path[-1] != a:
                    path.append(prev[path[-1]])
                return path[::-1]
            if y not in seen:
                seen.add(y)
                prev[y] = x
                todo.append(y)
    return None


def find_cycle(r: Rel) -> list[int] | None:
    """A shortest cycle of ``r`` as a list of events (first = last), or None."""
    best: list[int] | None = None
    for a in sorted({x for x, _ in r}):
        p = shortest_path(r, a, a)
        if p is not None and (best is None or len(p) < len(best)):
            best = p
    return best


__all__ = ["CheckValue", "Concrete", "Env", "Step", "closure", "compose", "find_cycle",
           "shortest_path"]
