"""The cat evaluator on a small test whose relations are derived by hand.

MP (tests/litmus/MP.lit): init writes e0 (x), e1 (y); P0: e2 W x, e3 W y;
P1: e4 R y, e5 R x. Static relations are plain sets of pairs (no z3).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cliutil import MP

import litmus
from litmus.api import session
from litmus.errors import ModelError
from litmus.library import stdlib
from litmus.smt.cateval import EXACT, Evaluator
from litmus.smt.relations import Rel
from litmus.syntax.cat import parse_cat

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def env():
    test = litmus.load(MP)
    s = session(test)
    # the events are numbered as the docstring says
    assert [(e.kind, e.loc, e.thread) for e in s.eg.events] == [
        ("W", "x", None), ("W", "y", None), ("W", "x", "P0"), ("W", "y", "P0"),
        ("R", "y", "P1"), ("R", "x", "P1")]
    ev = Evaluator(s.enc, variants=["on"])
    return ev, ev._stmts(stdlib().stmts, ev.root)


def pairs(env, expr: str) -> set[tuple[int, int]]:
    ev, e = env
    v = ev.eval(parse_cat(f"let q = {expr}").stmts[0].bindings[0].expr, e, EXACT)
    assert isinstance(v, Rel)
    assert v.static, "static relations must not reach z3"
    return set(v.m)


def test_program_order_and_locations(env):
    assert pairs(env, "po") == {(2, 3), (4, 5)}
    assert pairs(env, "po-loc") == set()
    assert pairs(env, "loc & ext") == {(0, 2), (2, 0), (0, 5), (5, 0), (2, 5), (5, 2),
                                      (1, 3), (3, 1), (1, 4), (4, 1), (3, 4), (4, 3),
                                      }


def test_operators(env):
    assert pairs(env, "[W]; po; [W]") == {(2, 3)}
    assert pairs(env, "[R]; po; [R]") == {(4, 5)}
    assert pairs(env, "po^-1") == {(3, 2), (5, 4)}
    assert pairs(env, "(po | po^-1)+") == {(2, 3), (3, 2), (2, 2), (3, 3),
                                           (4, 5), (5, 4), (4, 4), (5, 5)}
    assert pairs(env, "po?") == {(2, 3), (4, 5)} | {(i, i) for i in range(6)}
    assert pairs(env, "(IW * (W \\ IW)) & loc") == {(0, 2), (1, 3)}
    assert pairs(env, "po \\ ([W]; po; [W])") == {(4, 5)}
    assert pairs(env, "[domain(po)]") == {(2, 2), (4, 4)}
    assert pairs(env, "[range(po)]") == {(3, 3), (5, 5)}


def test_functions_let_in_try_and_variants(env):
    assert pairs(env, "fencerel(W)") == set()  # no event between two others is a W
    assert pairs(env, "let f = fun r -> r; r^-1 in f(po)") == {(2, 2), (4, 4)}
    assert pairs(env, "let p = po in p | p^-1") == {(2, 3), (3, 2), (4, 5), (5, 4)}
    assert pairs(env, "try nosuchname with po") == {(2, 3), (4, 5)}
    assert pairs(env, 'if "on" then po else 0') == {(2, 3), (4, 5)}
    assert pairs(env, 'if "off" then po else po^-1') == {(3, 2), (5, 4)}


def test_let_rec_is_least_fixpoint(env):
    ev, e = env
    stmts = parse_cat("let rec r = po | r; r\nlet rec a = po | b and b = a^-1").stmts
    e2 = ev._stmts(stmts, e)
    v = ev.eval(parse_cat("let q = r").stmts[0].bindings[0].expr, e2, EXACT)
    assert set(v.m) == {(2, 3), (4, 5)}
    v = ev.eval(parse_cat("let q = a").stmts[0].bindings[0].expr, e2, EXACT)
    # a = po | a^-1 has least solution po | po^-1 (no identity pairs)
    assert set(v.m) == {(2, 3), (4, 5), (3, 2), (5, 4)}


@pytest.mark.parametrize("model, message", [
    ("acyclic W", "2:1: a relation is expected here, found a set of events"),
    ("acyclic nosuchname", "2:9: unbound name 'nosuchname'"),
    ("acyclic (po | W)", "2:9: '|' between a set and a relation"),
    ("empty domain(W)", "2:7: domain: a relation is expected here"),
    ("acyclic [po]", "2:9: [...] needs a set of events"),
    ("let rec r = rf \\ (r; r)\nacyclic r",
     "2:9: recursive definition of r over rf/co is not monotone"),
    ("let rec f(x) = x | f(x)\nacyclic f(po)", "2:9: recursive function 'f' is not supported"),
])
def test_model_errors_have_positions(model, message):
    with pytest.raises(ModelError) as info:
        litmus.check(litmus.load(MP), _cat(model))
    assert str(info.value).startswith(f"{_cat(model)}:{message.split(':', 2)[0]}:")
    assert message.split(": ", 1)[1] in str(info.value)


_CATS: dict[str, str] = {}


def _cat(body: str) -> str:
    """A model file holding ``body`` (one per distinct body, so messages name it)."""
    import tempfile

    if body not in _CATS:
        path = Path(tempfile.mkdtemp()) / f"m{len(_CATS)}.cat"
        path.write_text(f'"t"\n{body}\n')
        _CATS[body] = str(path)
    return _CATS[body]


def test_let_rec_over_rf_under_difference_is_exact():
    """Once refused ("used where its exact value is needed"). In MP, rf;rf is
    empty (no event is both read and written), so r = rf; po \\ r = po is
    acyclic: the model allows all four combinations of r0 and r1."""
    r = litmus.check(litmus.load(MP), _cat("let rec r = r; rf | rf\nacyclic po \\ r"))
    assert {s.herd_key() for s in r.states} == {
        "P1:r0=0; P1:r1=0", "P1:r0=0; P1:r1=1", "P1:r0=1; P1:r1=0", "P1:r0=1; P1:r1=1"}


def test_flags_are_reported():
    """A flag is raised when its check holds in some allowed execution: MP has
    writes, and under sc never sees r0=1, r1=0."""
    model = _cat('include "sc.cat"\nflag ~empty W as has-writes\n'
                 'flag ~empty (rf & ((W \\ IW) * R)) as reads-a-program-write')
    r = litmus.check(litmus.load(MP), model)
    assert r.flags == ("has-writes", "reads-a-program-write")
