"""The device-memory corpus and the runnable examples: every expectation holds.

Covers every ``.lit`` file in ``tests/litmus/device/`` (further MMIO patterns
beyond the required ones in ``tests/litmus/mmio/``) and in ``examples/`` (the
seed scenarios, runnable with ``litmus run``). Each ``expect MODEL: OBS`` item
becomes one test case, with an id like ``device/doorbell-GRE-arm``.

The verdicts were derived by hand from the rules of the device model (D1-D5
in the spec), the ARMv8 ordering rules (bob, dob, aob, obs) and x86-TSO, and
the derivation is written in each test's ``doc``; they were not taken from
the tool. A failure here means the tool and the derivation disagree: read the
doc before touching the expectation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from expectations import cases, check_expectations, load

import litmus

ROOT = Path(__file__).resolve().parent.parent
DEVICE_DIR = ROOT / "tests" / "litmus" / "device"
EXAMPLES_DIR = ROOT / "examples"
DEVICE_FILES = sorted(DEVICE_DIR.glob("*.lit"))
EXAMPLE_FILES = sorted(EXAMPLES_DIR.glob("*.lit"))
FILES = DEVICE_FILES + EXAMPLE_FILES

ARM_MODELS = {"sc", "tso", "arm", "device"}
X86_MODELS = {"sc", "tso"}

# A derivation cites a device-model rule, an ARMv8 ordering rule, or TSO.
RULE = re.compile(r"\b(D[1-5]|bob|dob|aob|TSO)\b")


def _expected_models(test: litmus.Test) -> set[str]:
    return X86_MODELS if test.arch == "x86" else ARM_MODELS


def test_corpus_is_there():
    assert len(DEVICE_FILES) >= 25, f"expected at least 25 .lit files in {DEVICE_DIR}"
    assert EXAMPLE_FILES, f"no .lit files in {EXAMPLES_DIR}"


@pytest.mark.parametrize("path, model", cases(FILES))
def test_expectation(path: Path, model: str | None):
    check_expectations(path, model)


def _require(ok: bool, message: str) -> None:
    if not ok:
        pytest.fail(message, pytrace=False)


@pytest.mark.parametrize("path", DEVICE_FILES, ids=[p.stem for p in DEVICE_FILES])
def test_device_file_is_complete(path: Path):
    test = load(path)
    name = path.relative_to(ROOT)
    _require(test.name == path.stem, f"{name}: test name {test.name!r} is not the file stem")
    _require(
        bool(RULE.search(test.doc)),
        f"{name}: the doc does not cite a rule (D1..D5, bob/dob/aob, or TSO); "
        f"it should give the derivation of the verdicts. doc: {test.doc!r}",
    )
    models = {e.model for e in test.expects}
    wanted = _expected_models(test)
    missing = sorted(wanted - models)
    _require(not missing, f"{name}: no expect line for {', '.join(missing)}")
    if test.arch == "x86":
        extra = sorted(models - wanted)
        _require(
            not extra, f"{name}: arch x86 tests expect only sc and tso, not {', '.join(extra)}"
        )
    # a `never` verdict of the model the file is about is justified by naming its cycle
    key = "tso" if test.arch == "x86" else "device"
    if any(e.model == key and e.word in ("never", "forbidden") for e in test.expects):
        _require("cycle" in test.doc, f"{name}: {key}: never, but the doc names no cycle")


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_example_is_complete(path: Path):
    test = load(path)
    name = path.relative_to(ROOT)
    _require(bool(test.doc.strip()), f"{name}: no doc string")
    models = {e.model for e in test.expects}
    missing = sorted(_expected_models(test) - models)
    _require(not missing, f"{name}: no expect line for {', '.join(missing)}")
