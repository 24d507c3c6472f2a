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

import z3
from cat_harness import (
    FakeEncoding,
    assignments,
    denote,
    expressions,
    fake_encodings,
    models,
    reference_world,
    same_value,
    truth,
)
from cat_reference import evaluate as ref_eval
from cat_reference import run as ref_run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litmus.model import Model
from litmus.smt.cateval import EXACT, Evaluator
from litmus.smt.relations import ESet, Rel
from litmus.smt.terms import as_bool

FAST = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=20_000, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def _evaluator(fe: FakeEncoding, symbolic: bool = False) -> Evaluator:
    kw = {"symbolic": True} if symbolic else {}
    return Evaluator(fe, variants=["on"], **kw)


# --------------------------------------------------------------------------- expressions


def _static_expr(fe: FakeEncoding, ty_expr) -> None:
    _, e = ty_expr
    w = reference_world(fe, {})
    want = ref_eval(e, w)
    got = _evaluator(fe).eval(e, _evaluator(fe).root, EXACT)
    if isinstance(got, (ESet, Rel)):
        assert got.static, f"a static value reached z3: {got.m}"
    assert same_value(denote(got, fe, {}), want, w), (got, want)


def _symbolic_expr(fe: FakeEncoding, ty_expr, asgs, symbolic: bool) -> None:
    _, e = ty_expr
    ev = _evaluator(fe, symbolic)
    got = ev.eval(e, ev.root, EXACT)
    for asg in asgs:
        w = reference_world(fe, asg)
        full = dict(asg)
        full.update(_true_vars(ev))
        want = ref_eval(e, w)
        assert same_value(denote(got, fe, full), want, w), (asg, denote(got, fe, full), want)


def _true_vars(ev: Evaluator) -> dict[str, bool]:
    """The fresh variables the fully symbolic mode asserts true (none otherwise)."""
    if not getattr(ev, 'symbolic', False):
        return {}
    out = {}
    for t in ev.axioms_extra.items:
        if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            out[t.decl().name()] = True
    return out


@FAST
@given(fake_encodings(symbolic=False), expressions())
def test_static_expressions_match_reference(fe, ty_expr):
    _static_expr(fe, ty_expr)


@FAST
@given(st.data())
def test_symbolic_expressions_match_reference(data):
    fe = data.draw(fake_encodings(symbolic=True))
    ty_expr = data.draw(expressions())
    asgs = data.draw(assignments(fe, 4))
    _symbolic_expr(fe, ty_expr, asgs, symbolic=False)


# --------------------------------------------------------------------------- checks


def _checks(fe: FakeEncoding, stmts, asgs, symbolic: bool = False) -> None:
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
        full = dict(asg)
        full.update(_true_vars(ev))
        got_flags = [truth(f.raised, full) for f in ev.flags]
        assert got_flags == want.flags


@FAST
@given(fake_encodings(symbolic=False), models())
def test_static_checks_match_reference(fe, stmts):
    ev = _evaluator(fe)
    ev.run(Model("generated", tuple(stmts), "<generated>"))
    # static relations never reach z3: every constraint is decided
    assert not ev.axioms_extra.items
    for ax in ev.axioms:
        assert all(c is True or c is None for c in ax.constraints), ax.constraints
    for f in ev.flags:
        assert f.raised is True or f.raised is None
    _checks(fe, stmts, [{}])


@FAST
@given(st.data())
def test_symbolic_checks_match_reference(data):
    fe = data.draw(fake_encodings(symbolic=True))
    stmts = data.draw(models())
    asgs = data.draw(assignments(fe, 3))
    _checks(fe, stmts, asgs)
