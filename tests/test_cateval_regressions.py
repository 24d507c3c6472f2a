"""Pinned regressions for the soundness fixes of the cat evaluator.

Each test names the defect it pins; every expected value is derived by hand
in the test (over a few events with chosen base sets ``S``, ``T`` and
relations ``r``, ``s``: see ``encoding`` in tests/cat_harness.py). Most run
in both the normal and the fully symbolic mode of the evaluator.
"""

from __future__ import annotations

import itertools

import pytest
import z3
from cat_harness import encoding, truth

from litmus.errors import ModelError
from litmus.smt.cateval import EMPTY, EXACT, UNIV, Evaluator
from litmus.smt.relations import ESet, Rel
from litmus.smt.terms import as_bool, bool_var, neg
from litmus.syntax.cat import parse_cat

A, B, C, D = bool_var("a"), bool_var("b"), bool_var("c"), bool_var("d")
MODES = pytest.mark.parametrize("symbolic", [False, True], ids=["normal", "symbolic"])


def _true_vars(ev: Evaluator) -> dict[str, bool]:
    return {t.decl().name(): True for t in ev.axioms_extra.items
            if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED} if ev.symbolic \
        else {}


def value(fe, text: str, symbolic: bool = False, asg: dict[str, bool] | None = None):
    """The members of expression ``text`` under ``asg`` (a set of events or
    pairs), or EMPTY / UNIV for a polymorphic 0 / _."""
    ev = Evaluator(fe, ["on"], symbolic=symbolic)
    v = ev.eval(parse_cat(f"let q = {text}").stmts[0].bindings[0].expr, ev.root, EXACT)
    if v is EMPTY or v is UNIV:
        return v
    assert isinstance(v, (ESet, Rel)), v
    if not symbolic and asg is None:
        assert v.static, "a static value reached z3"
    if symbolic:
        assert all(t is not True for t in v.m.values()), "a membership was decided statically"
    full = {**(asg or {}), **_true_vars(ev)}
    return {k for k, t in v.m.items() if truth(t, full)}


def holds(fe, model: str, asg: dict[str, bool], symbolic: bool = False) -> list[bool]:
    """For each axiom of ``model``, and then for all together: whether the
    constraints are satisfiable with the base variables as ``asg`` says."""
    ev = Evaluator(fe, ["on"], symbolic=symbolic)
    ev.run(parse_cat(model))
    s = z3.SimpleSolver()
    ev.axioms_extra.into(s)
    lits = [z3.Bool(k) if v else z3.Not(z3.Bool(k)) for k, v in asg.items()]
    out = []
    for ax in ev.axioms:
        s.push()
        for c in ax.constraints:
            s.add(as_bool(c))
        out.append(s.check(*lits) == z3.sat)
        s.pop()
    for ax in ev.axioms:
        for c in ax.constraints:
            s.add(as_bool(c))
    return out + [s.check(*lits) == z3.sat]


# --------------------------------------------------------------------------- 0


@MODES
@pytest.mark.parametrize("text, want", [
    ("r & 0", set()), ("0 & r", set()), ("S & 0", set()),  # was: r & 0 = r, S & 0 = S
    ("r \\ 0", {(0, 1)}), ("0 \\ r", set()), ("r | 0", {(0, 1)}), ("0 | S", {0}),
    ("r ; 0", set()), ("0 ; r", set()), ("S * 0", set()), ("0 * S", set()),
    ("domain(0)", set()), ("range(0)", set()), ("[0]", set()), ("0+", set()),
    ("0^-1", set()), ("0?", {(0, 0), (1, 1)}), ("0*", {(0, 0), (1, 1)}),
])
def test_empty_operand_of_each_operator(text, want, symbolic):
    """Events 0, 1; S = {0}; r = {(0, 1)}. Defect: an empty right operand
    returned the left one for every operator."""
    got = value(encoding(2, S=[0], r=[(0, 1)]), text, symbolic)
    assert (set() if got is EMPTY else got) == want


@MODES
def test_and_with_empty_in_an_axiom(symbolic):
    """r = {(0, 1)} is not empty, r & 0 is: the axiom holds."""
    assert holds(encoding(2, r=[(0, 1)]), "empty r & 0\nempty r", {}, symbolic) == [
        True, False, False]


# --------------------------------------------------------------------------- _


@MODES
@pytest.mark.parametrize("text, want", [
    ("r | _", {(0, 0), (0, 1), (1, 0), (1, 1)}),
    ("_ ; r", {(0, 1), (1, 1)}),  # (x, 0) in _ for x = 0, 1; then (0, 1) in r
    ("_ \\ r", {(0, 0), (1, 0), (1, 1)}),
    ("r & _", {(0, 1)}),
    ("_+", {(0, 0), (0, 1), (1, 0), (1, 1)}),
    ("_^-1", {(0, 0), (0, 1), (1, 0), (1, 1)}),
    ("[_]", {(0, 0), (1, 1)}),
    ("domain(_)", {0, 1}),
    ("range(_ \\ r)", {0, 1}),  # (1, 0), (0, 0), (1, 1)
    ("S | _", {0, 1}), ("S & _", {0}), ("_ \\ S", {1}),
    ("_ * S", {(0, 0), (1, 0)}),
    ("~_ | r", {(0, 1)}),
    ("r & ~0", {(0, 1)}),  # ~0 is _, here as a relation
    ("~0 \\ r", {(0, 0), (1, 0), (1, 1)}),
    ("~(_ \\ r)", {(0, 1)}),
])
def test_universe_where_a_relation_is_expected(text, want, symbolic):
    """Events 0, 1; S = {0}; r = {(0, 1)}. Defect: _ was always the set of
    events, so every relation use of it (and of ~0) was a type error."""
    assert value(encoding(2, S=[0], r=[(0, 1)]), text, symbolic) == want


def test_universe_stays_polymorphic():
    fe = encoding(2)
    assert value(fe, "_") is UNIV and value(fe, "~0") is UNIV
    assert value(fe, "~_") is EMPTY and value(fe, "_ \\ _") is EMPTY
    assert value(fe, "_ & ~0") is UNIV and value(fe, "0 | _") is UNIV


def test_universe_relation_respects_compatibility():
    """Event 0 happens when c, event 1 when not c (opposite branches, never
    together): all pairs of events is {(0, 0) if c, (1, 1) if not c}."""
    c = bool_var("c")
    fe = encoding(2, exists={0: c, 1: neg(c)}, branch={0: "then", 1: "else"})
    for cv, want in ((True, {(0, 0)}), (False, {(1, 1)})):
        assert value(fe, "r | _", asg={"c": cv}) == want
        assert value(fe, "~r", asg={"c": cv}) == want


@MODES
def test_checks_of_the_universe(symbolic):
    """Two events: _ is not empty; as a relation it has loops (not
    irreflexive, not acyclic); without them it is irreflexive but not acyclic
    (0 -> 1 -> 0)."""
    model = "empty _\nacyclic _\nirreflexive _\nirreflexive _ \\ id\nacyclic _ \\ id"
    assert holds(encoding(2), model, {}, symbolic) == [False, False, False, True, False, False]


# --------------------------------------------------------------------------- let rec


@MODES
@pytest.mark.parametrize("text, want", [
    ("let rec x = S | range([x]; r) in x", {0, 1, 2}),  # reachable from 0 along r
    ("let rec x = S | (x & T) in x", {0}),
    ("let rec a = S | range([b]; r) and b = a in b", {0, 1, 2}),
    ("let rec x = r | x; r in x", {(0, 1), (1, 2), (0, 2)}),
])
def test_recursive_sets(text, want, symbolic):
    """Events 0..3; S = {0}, T = {1}, r = 0 -> 1 -> 2. Defect: iteration
    started from the empty relation, so a recursive set was a type error."""
    fe = encoding(4, S=[0], T=[1], r=[(0, 1), (1, 2)])
    assert value(fe, text, symbolic) == want


CHAIN = {(0, 1): A, (1, 2): B, (2, 3): C}  # r: 0 -> 1 (if a) -> 2 (if b) -> 3 (if c)


def _reach(a: bool, b: bool, c: bool) -> set[int]:
    return {0} | ({1} if a else set()) | ({2} if a and b else set()) | (
        {3} if a and b and c else set())


@MODES
def test_recursive_definition_over_symbolic_relations_is_exact(symbolic):
    """Reachability from 0 along a chain whose edges are conditional: the
    least fixpoint needs one iteration per event, under every assignment.
    Defect: a let rec over symbolic relations needed exactly was refused."""
    fe = encoding(4, S=[0], r=CHAIN)
    for a, b, c in itertools.product([False, True], repeat=3):
        asg = {"a": a, "b": b, "c": c}
        got = value(fe, "let rec x = S | range([x]; r) in x", symbolic, asg)
        assert got == _reach(a, b, c), asg


@MODES
def test_recursive_definition_whose_may_set_is_known_at_once(symbolic):
    """S = {0, and 1, 2, 3 if d}: every event may be in x from the first
    step, but along the chain x still grows one event per step (when d is
    false). Iteration must not stop when only the may-set has settled."""
    fe = encoding(4, S={0: True, 1: D, 2: D, 3: D}, r=CHAIN)
    for a, b, c, d in itertools.product([False, True], repeat=4):
        asg = {"a": a, "b": b, "c": c, "d": d}
        got = value(fe, "let rec x = S | range([x]; r) in x", symbolic, asg)
        assert got == _reach(a, b, c) | ({1, 2, 3} if d else set()), asg


@MODES
def test_recursive_definition_in_exact_and_upper_checks(symbolic):
    """With T = {3}: 3 is reached iff a and b and c. The plain check (upper
    encoding: fresh variables closed under the definition) holds exactly
    when it is not, the negated one (exact) exactly when it is."""
    fe = encoding(4, S=[0], T=[3], r=CHAIN)
    model = ("let rec x = S | range([x]; r)\n"
             "empty x & T\n"  # first, so that x is not already known exactly
             "~empty x & T\n")
    for a, b, c in itertools.product([False, True], repeat=3):
        reached = a and b and c
        got = holds(fe, model, {"a": a, "b": b, "c": c}, symbolic)
        assert got == [not reached, reached, False], (a, b, c)


def test_non_monotone_recursion_over_symbolic_relations_is_refused():
    """x = r | (s \\ x) has no least fixpoint that iteration reaches (with
    r empty and s = {(0, 1)} it alternates {(0, 1)}, {}, ...). Defect: over
    symbolic relations the upper encoding gave it some arbitrary value."""
    fe = encoding(2, r={(0, 1): A}, s={(0, 1): B})
    for text in ["let rec x = r | (s \\ x) in x", "let rec x = r | ~x in x",
                 "let f(y) = y in let rec x = r | f(x) in x",
                 "let rec x = r | (let y = x in y) in x"]:
        with pytest.raises(ModelError, match="not monotone"):
            value(fe, text)
        with pytest.raises(ModelError, match="not monotone"):
            value(fe, text, symbolic=True)


def test_monotone_recursion_is_accepted():
    """Names used positively are fine: under two differences, in domain/range,
    in a let's body. r = {(0, 1) if a}, s = {(0, 1) if b}, S = {0, 1}."""
    fe = encoding(2, S=[0, 1], r={(0, 1): A}, s={(0, 1): B})
    for a, b in itertools.product([False, True], repeat=2):
        asg = {"a": a, "b": b}
        # x = r | (r \ (s \ x)): least fixpoint r
        want = {(0, 1)} if a else set()
        assert value(fe, "let rec x = r | (r \\ (s \\ x)) in x", asg=asg) == want
        # y = range(r) | domain(s; [y]): range(r) = {1 if a}; then 0 if b
        want_y = ({1} if a else set()) | ({0} if a and b else set())
        assert value(fe, "let rec y = range(r) | domain(s; [y]) in y", asg=asg) == want_y
        assert value(fe, "let rec x = r | (let z = s in x & z) in x", asg=asg) == want


def test_static_non_monotone_recursion_still_iterates():
    """Static: r = s = {(0, 1)}: x1 = r | s = r, x2 = r | (s \\ r) = r: a
    fixpoint. With r empty, x alternates {(0, 1)}, {}: no convergence."""
    assert value(encoding(2, r=[(0, 1)], s=[(0, 1)]), "let rec x = r | (s \\ x) in x") == {
        (0, 1)}
    with pytest.raises(ModelError, match="does not converge"):
        value(encoding(2, s=[(0, 1)]), "let rec x = r | (s \\ x) in x")


def test_recursive_function_is_refused():
    """Defect: let rec f(x) = ... evaluated the body with x unbound."""
    with pytest.raises(ModelError, match="recursive function 'f'"):
        value(encoding(2, r=[(0, 1)]), "let rec f(y) = y | f(y) in f(r)")


# --------------------------------------------------------------------------- acyclic


@MODES
@pytest.mark.parametrize("model", ["acyclic r as x\nacyclic s as x", "acyclic r acyclic s"])
def test_acyclic_checks_do_not_share_clocks(model, symbolic):
    """r = {(0, 1) if a}, s = {(1, 0) if b}: each is acyclic, their union is
    not. Defect: two checks with the same name (given, or by default the
    kind and line) shared their clock variables, so together they required
    r | s acyclic."""
    fe = encoding(2, r={(0, 1): A}, s={(1, 0): B})
    assert holds(fe, model, {"a": True, "b": True}, symbolic) == [True, True, True]
    assert holds(fe, "acyclic r | s", {"a": True, "b": True}, symbolic) == [False, False]
    assert holds(fe, "acyclic r | s", {"a": True, "b": False}, symbolic) == [True, True]


@MODES
def test_closures_in_checks(symbolic):
    """r = {(0, 1) if a, (1, 0) if b}: r+ has the loops (0, 0) and (1, 1)
    exactly when a and b. irreflexive r+ and irreflexive (r+ | s) (an upper
    closure) hold iff not both; empty r+ iff neither; ~acyclic r iff both."""
    fe = encoding(2, r={(0, 1): A, (1, 0): B})
    model = "irreflexive r+\nirreflexive (r+ | s)\nempty r+\n~acyclic r"
    for a, b in itertools.product([False, True], repeat=2):
        got = holds(fe, model, {"a": a, "b": b}, symbolic)
        both = a and b
        assert got[:4] == [not both, not both, not (a or b), both], (a, b)


@MODES
def test_closure_under_difference_and_complement(symbolic):
    """r = {(0, 1) if a}, s = {(0, 1) if b}: s+ = s. r \\ s+ and r & ~(s+)
    are empty iff not (a and not b). The closure there must be exact: an
    over-approximation of s+ would make them look empty."""
    fe = encoding(2, r={(0, 1): A}, s={(0, 1): B})
    for a, b in itertools.product([False, True], repeat=2):
        want = not (a and not b)
        got = holds(fe, "empty r \\ s+\nempty r & ~(s+)", {"a": a, "b": b}, symbolic)
        assert got == [want, want, want], (a, b)


CYCLE = {(0, 1): A, (1, 2): B, (2, 0): C}  # r: 0 -> 1 (if a) -> 2 (if b) -> 0 (if c)


@MODES
def test_exact_closure_of_a_conditional_cycle(symbolic):
    """r+ over the 3-cycle: each edge alone, each path of two edges, and the
    loops when all three edges are there."""
    fe = encoding(3, r=CYCLE)
    for a, b, c in itertools.product([False, True], repeat=3):
        want = {p for p, on in [((0, 1), a), ((1, 2), b), ((2, 0), c),
                                ((0, 2), a and b), ((1, 0), b and c), ((2, 1), c and a),
                                ((0, 0), a and b and c), ((1, 1), a and b and c),
                                ((2, 2), a and b and c)] if on}
        asg = {"a": a, "b": b, "c": c}
        assert value(fe, "r+", symbolic, asg) == want, asg
        assert value(fe, "r*", symbolic, asg) == want | {(0, 0), (1, 1), (2, 2)}, asg
        assert holds(fe, "~acyclic r\nacyclic r", asg, symbolic) == [
            a and b and c, not (a and b and c), False]
