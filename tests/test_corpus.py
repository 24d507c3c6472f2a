"""The classic-shape litmus corpus: every expectation in tests/litmus/*.lit holds.

Only the top level of tests/litmus/ is covered here (the MMIO patterns in
tests/litmus/mmio/ have their own test file). Each ``expect MODEL: OBS`` item
of each file becomes one test case, with an id like ``MP+dmb.sys-arm``.

The verdicts in the corpus were derived independently of the tool (herd7's
reference results or an ordering argument written in each test's ``doc``);
a failure here means the tool and the derivation disagree.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from expectations import cases, check_expectations, load

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


def _cases():
    return cases(FILES, name=lambda p: p.stem)


def _shape_of(stem: str) -> str:
    return stem.split("+", 1)[0] if not stem.startswith("2+2W") else "2+2W"


def test_corpus_is_there():
    assert FILES, f"no .lit files in {CORPUS}"


@pytest.mark.parametrize("path, model", _cases())
def test_expectation(path: Path, model: str | None):
    check_expectations(path, model)


def test_covers_required_shapes():
    shapes = {_shape_of(p.stem) for p in FILES}
    missing = [s for s in REQUIRED_SHAPES if s not in shapes]
    assert not missing, f"corpus lacks tests of shape(s): {', '.join(missing)}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_file_is_complete(path: Path):
    test = load(path)
    assert test.name == path.stem, f"{path.name}: test name {test.name!r} is not the file stem"
    assert test.doc.strip(), f"{path.name}: no doc string (the verdicts' derivation goes there)"
    models = {e.model for e in test.expects}
    missing = [m for m in REQUIRED_MODELS if m not in models]
    assert not missing, f"{path.name}: no expect line for {', '.join(missing)}"
