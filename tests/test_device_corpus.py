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

import functools
import re
from pathlib import Path

import pytest

import litmus
from litmus.program import format_condition

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


def _label(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


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
            cases.append(pytest.param(path, None, id=f"{_label(path)}-load"))
            continue
        for model in dict.fromkeys(e.model for e in expects):
            cases.append(pytest.param(path, model, id=f"{_label(path)}-{model}"))
    return cases


def _expected_models(test: litmus.Test) -> set[str]:
    return X86_MODELS if test.arch == "x86" else ARM_MODELS


def test_corpus_is_there():
    assert len(DEVICE_FILES) >= 25, f"expected at least 25 .lit files in {DEVICE_DIR}"
    assert EXAMPLE_FILES, f"no .lit files in {EXAMPLES_DIR}"


@pytest.mark.parametrize("path, model", _cases())
def test_expectation(path: Path, model: str | None):
    test = _load(path)  # a parse error fails here, with its message
    assert model is not None
    result = litmus.check(test, model)
    for exp in (e for e in test.expects if e.model == model):
        if exp.holds(result.observation):
            continue
        states = (
            "\n    ".join(
                f"{s}{'   <- condition holds' if s.satisfies else ''}" for s in result.states
            )
            or "(no allowed state)"
        )
        line = f":{exp.pos.line}" if exp.pos is not None else ""
        pytest.fail(
            f"{path.relative_to(ROOT)}{line}: {test.name} under {model}: "
            f"expected {exp.word}, got {result.observation}\n"
            f"  condition: {format_condition(test.condition)}\n"
            f"  allowed states:\n    {states}\n"
            f"  derivation (doc): {test.doc}",
            pytrace=False,
        )


def _require(ok: bool, message: str) -> None:
    if not ok:
        pytest.fail(message, pytrace=False)


@pytest.mark.parametrize("path", DEVICE_FILES, ids=[p.stem for p in DEVICE_FILES])
def test_device_file_is_complete(path: Path):
    test = _load(path)
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
    test = _load(path)
    name = path.relative_to(ROOT)
    _require(bool(test.doc.strip()), f"{name}: no doc string")
    models = {e.model for e in test.expects}
    missing = sorted(_expected_models(test) - models)
    _require(not missing, f"{name}: no expect line for {', '.join(missing)}")
