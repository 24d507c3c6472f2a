"""The classic-shape litmus corpus: every expectation in tests/litmus/*.lit holds.

Only the top level of tests/litmus/ is covered here (the MMIO patterns in
tests/litmus/mmio/ have their own test file). Each ``expect MODEL: OBS`` item
of each file becomes one test case, with an id like ``MP+dmb.sys-arm``.

The verdicts in the corpus were derived independently of the tool (herd7's
reference results or an ordering argument written in each test's ``doc``);
a failure here means the tool and the derivation disagree.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

import litmus
from litmus.program import format_condition

CORPUS = Path(__file__).resolve().parent / "litmus"
FILES = sorted(CORPUS.glob("*.lit"))

REQUIRED_MODELS = ("sc", "tso", "arm")
REQUIRED_SHAPES = (
    "MP",
    "SB",
    "LB",
    "S",
    "R",
    "2+2W",
    "WRC",
    "IRIW",
    "ISA2",
    "RWC",
    "CoRR",
    "CoRW1",
    "CoRW2",
    "CoWR",
    "CoWW",
)


@functools.cache
def _load(path: Path) -> litmus.Test:
    # one Test object per file, so litmus.check shares its encoding across models
    return litmus.load(path)


def _cases():
    cases = []
    for path in FILES:
        try:
            expects = _load(path).expects
        except litmus.LitmusError:
            # one case that fails in the test body, with the parse error's message
            cases.append(pytest.param(path, None, id=f"{path.stem}-load"))
            continue
        seen = set()
        for exp in expects:
            if exp.model in seen:
                continue
            seen.add(exp.model)
            cases.append(pytest.param(path, exp.model, id=f"{path.stem}-{exp.model}"))
    return cases


def _shape_of(stem: str) -> str:
    return stem.split("+", 1)[0] if not stem.startswith("2+2W") else "2+2W"


def test_corpus_is_there():
    assert FILES, f"no .lit files in {CORPUS}"


@pytest.mark.parametrize("path, model", _cases())
def test_expectation(path: Path, model: str | None):
    test = _load(path)  # a parse error fails here, with its message
    assert model is not None
    result = litmus.check(test, model)
    for exp in (e for e in test.expects if e.model == model):
        states = (
            "\n    ".join(
                f"{s}{'   <- condition holds' if s.satisfies else ''}" for s in result.states
            )
            or "(no allowed state)"
        )
        if not exp.holds(result.observation):
            pytest.fail(
                f"{test.name} ({path.name}) under {model}: expected {exp.word}, "
                f"got {result.observation}\n  condition: {format_condition(test.condition)}\n"
                f"  allowed states:\n    {states}\n  doc: {test.doc}",
                pytrace=False,
            )


def test_covers_required_shapes():
    shapes = {_shape_of(p.stem) for p in FILES}
    missing = [s for s in REQUIRED_SHAPES if s not in shapes]
    assert not missing, f"corpus lacks tests of shape(s): {', '.join(missing)}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_file_is_complete(path: Path):
    test = _load(path)
    assert test.name == path.stem, f"{path.name}: test name {test.name!r} is not the file stem"
    assert test.doc.strip(), f"{path.name}: no doc string (the verdicts' derivation goes there)"
    models = {e.model for e in test.expects}
    missing = [m for m in REQUIRED_MODELS if m not in models]
    assert not missing, f"{path.name}: no expect line for {', '.join(missing)}"
