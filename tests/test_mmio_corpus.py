"""The required MMIO patterns (device-memory.md): all 35 files of the spec's
mmio/ folder are in tests/litmus/mmio unchanged, and every expect line holds
under all four models (the verdicts are the spec's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from expectations import ROOT, cases, check_expectations, load

MMIO = ROOT / "tests" / "litmus" / "mmio"
FILES = sorted(MMIO.glob("*.lit"))
SPEC = ROOT.parent / "shared" / "spec" / "mmio"


def test_all_35_patterns_are_here():
    assert len(FILES) == 35


@pytest.mark.needs(SPEC)
def test_patterns_are_the_specs_unchanged():
    spec = sorted(SPEC.glob("*.lit"))
    assert [p.name for p in spec] == [p.name for p in FILES]
    for ours, theirs in zip(FILES, spec):
        assert ours.read_bytes() == theirs.read_bytes(), ours.name


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_arm_pattern_expects_all_four_models(path: Path):
    test = load(path)
    models = {e.model for e in test.expects}
    assert models == ({"sc", "tso"} if test.arch == "x86" else {"sc", "tso", "arm", "device"})


@pytest.mark.parametrize("path, model", cases(FILES))
def test_expectation(path: Path, model: str | None):
    check_expectations(path, model)
