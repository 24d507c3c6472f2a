"""The cat evaluator against a brute-force reference (tests/cat_reference.py).

Random well-typed expressions and models over base sets ``S``, ``T`` and
relations ``r``, ``s`` of up to four events (tests/cat_harness.py) are
evaluated by :class:`~litmus.smt.cateval.Evaluator` over a fake encoding and
by the reference over plain Python sets:

* static path: every membership is ``True``; the evaluator's value must be
  the reference's, and stay plain Python;
* symbolic path: events and memberships are conditional on base variables;
  for random assignments of them, the evaluator's terms must evaluate to the
  reference's value in the world the assignment describes;
* checks: an axiom's constraints (with the evaluator's side constraints
  ``axioms_extra``, whose fresh variables stay free) are satisfiable with an
  assignment exactly when the reference says the check holds in its world; a
  flag is raised exactly when the reference's check holds.

The default run is derandomized (the same examples every time); the ``slow``
variants draw many more, at random.
"""

from __future__ import annotations

import pytest
import z3
from cat_harness import (
    MASKS,
    FakeEncoding,
    assignments,
    denote,
    expressions,
    fake_encodings,
    models,
    reference_world,
    same_value,
    truth,
    upper_models,
)
from cat_reference import evaluate as ref_eval
from cat_reference import run as ref_run
from hypothesis import HealthCheck, given, settings

from litmus.model import Model
from litmus.smt.cateval import EXACT, Evaluator
from litmus.smt.relations import ESet, Rel
from litmus.smt.terms import as_bool


def _settings(n: int) -> settings:
    """``n`` examples, the same ones every run (the default selection)."""
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


#: the slow selection: many more examples, new ones every run
SLOW = settings(max_examples=10_000, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def _evaluator(fe: FakeEncoding, symbolic: bool = False) -> Evaluator:
    return Evaluator(fe, variants=["on"], symbolic=symbolic)


def _true_vars(ev: Evaluator) -> dict[str, bool]:
    """The fresh variables the fully symbolic mode asserts true (none otherwise)."""
    if not ev.symbolic:
        return {}
    out = {}
    for t in ev.axioms_extra.items:
        if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            out[t.decl().name()] = True
    return out


# --------------------------------------------------------------------------- properties


def static_expression(fe: FakeEncoding, ty_expr) -> None:
    """Static bases: the value is the reference's, and plain Python."""
    _, e = ty_expr
    w = reference_world(fe, {})
    want = ref_eval(e, w)
    ev = _evaluator(fe)
    got = ev.eval(e, ev.root, EXACT)
    if isinstance(got, (ESet, Rel)):
        assert got.static, f"a static value reached z3: {got.m}"
    assert not ev.axioms_extra.items
    assert same_value(denote(got, fe, {}), want, w), (got, want)


def symbolic_expression(fe: FakeEncoding, ty_expr, asgs, symbolic: bool = False) -> None:
    """Conditional bases: under each assignment, the value is the reference's
    in the world the assignment describes."""
    _, e = ty_expr
    ev = _evaluator(fe, symbolic)
    got = ev.eval(e, ev.root, EXACT)
    if symbolic and isinstance(got, (ESet, Rel)):  # no membership is statically known
        assert all(t is not True for t in got.m.values()), got.m
    for asg in asgs:
        w = reference_world(fe, asg)
        full = {**asg, **_true_vars(ev)}
        want = ref_eval(e, w)
        assert same_value(denote(got, fe, full), want, w), (asg, denote(got, fe, full), want)


def checks(fe: FakeEncoding, stmts, asgs, symbolic: bool = False) -> None:
    """Each axiom's constraints, with ``axioms_extra``, are satisfiable with an
    assignment iff the reference says the check holds in that world (and all
    axioms together iff all hold); a flag is raised iff the reference's check
    holds."""
    ev = _evaluator(fe, symbolic)
    ev.run(Model("generated", tuple(stmts), "<generated>"))
    s = z3.SimpleSolver()
    ev.axioms_extra.into(s)
    guards = []  # axiom i is asserted under guards[i]
    for i, ax in enumerate(ev.axioms):
        g = z3.Bool(f"axiom!{i}")
        guards.append(g)
        for c in ax.constraints:
            s.add(z3.Implies(g, as_bool(c)))
    for asg in asgs:
        w = reference_world(fe, asg)
        want = ref_run(stmts, w)
        lits = [v if asg[n] else z3.Not(v) for v, n in zip(fe.variables, fe.names)]
        assert len(ev.axioms) == len(want.axioms)
        for i, (ax, h) in enumerate(zip(ev.axioms, want.axioms)):
            got = s.check(*lits, guards[i])
            assert got != z3.unknown
            assert (got == z3.sat) == h, f"axiom {i} ({ax.name}): reference says {h}"
        assert (s.check(*lits, *guards) == z3.sat) == all(want.axioms), "all axioms together"
        full = {**asg, **_true_vars(ev)}
        assert [truth(f.raised, full) for f in ev.flags] == want.flags


def static_checks(fe: FakeEncoding, stmts) -> None:
    """Static bases: checks are decided without z3, and as the reference says."""
    ev = _evaluator(fe)
    ev.run(Model("generated", tuple(stmts), "<generated>"))
    assert not ev.axioms_extra.items
    for ax in ev.axioms:
        assert all(c is True or c is None for c in ax.constraints), ax.constraints
    for f in ev.flags:
        assert f.raised is True or f.raised is None
    checks(fe, stmts, [{}])


STATIC_EXPR = (fake_encodings(symbolic=False), expressions())
SYMBOLIC_EXPR = (fake_encodings(symbolic=True), expressions(), MASKS)
STATIC_CHECKS = (fake_encodings(symbolic=False), models())
SYMBOLIC_CHECKS = (fake_encodings(symbolic=True), models(), MASKS)
UPPER_CHECKS = (fake_encodings(symbolic=True), upper_models(), MASKS)


def _static_expr(fe, ty_expr):
    static_expression(fe, ty_expr)


def _symbolic_expr(fe, ty_expr, masks):
    symbolic_expression(fe, ty_expr, assignments(fe, masks))


def _fully_symbolic_expr(fe, ty_expr, masks):
    symbolic_expression(fe, ty_expr, assignments(fe, masks), symbolic=True)


def _static_checks(fe, stmts):
    static_checks(fe, stmts)


def _symbolic_checks(fe, stmts, masks):
    checks(fe, stmts, assignments(fe, masks))


def _fully_symbolic_checks(fe, stmts, masks):
    checks(fe, stmts, assignments(fe, masks), symbolic=True)


test_static_expressions_match_reference = _settings(800)(given(*STATIC_EXPR)(_static_expr))
test_symbolic_expressions_match_reference = _settings(400)(
    given(*SYMBOLIC_EXPR)(_symbolic_expr))
test_fully_symbolic_expressions_match_reference = _settings(200)(
    given(*SYMBOLIC_EXPR)(_fully_symbolic_expr))
test_static_checks_match_reference = _settings(400)(given(*STATIC_CHECKS)(_static_checks))
test_symbolic_checks_match_reference = _settings(250)(given(*SYMBOLIC_CHECKS)(_symbolic_checks))
test_fully_symbolic_checks_match_reference = _settings(200)(
    given(*SYMBOLIC_CHECKS)(_fully_symbolic_checks))
test_upper_checks_match_reference = _settings(300)(given(*UPPER_CHECKS)(_symbolic_checks))

test_static_expressions_slow = pytest.mark.slow(SLOW(given(*STATIC_EXPR)(_static_expr)))
test_symbolic_expressions_slow = pytest.mark.slow(SLOW(given(*SYMBOLIC_EXPR)(_symbolic_expr)))
test_fully_symbolic_expressions_slow = pytest.mark.slow(
    SLOW(given(*SYMBOLIC_EXPR)(_fully_symbolic_expr)))
test_static_checks_slow = pytest.mark.slow(SLOW(given(*STATIC_CHECKS)(_static_checks)))
test_symbolic_checks_slow = pytest.mark.slow(SLOW(given(*SYMBOLIC_CHECKS)(_symbolic_checks)))
test_fully_symbolic_checks_slow = pytest.mark.slow(
    SLOW(given(*SYMBOLIC_CHECKS)(_fully_symbolic_checks)))
test_upper_checks_slow = pytest.mark.slow(SLOW(given(*UPPER_CHECKS)(_symbolic_checks)))
