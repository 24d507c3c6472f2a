"""Properties of the bundled models that must hold on whole corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

import litmus

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "litmus").glob("*.lit"))


def _normal_only(test: litmus.Test) -> bool:
    return not any(th.device for th in test.threads) and all(
        not loc.is_device for loc in test.locations.values())


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_device_equals_arm_on_normal_memory(path):
    """device-memory.md: with only normal memory and no device agents, the
    device model gives exactly what arm gives (same states, same observation)."""
    test = litmus.load(path)
    assert _normal_only(test)
    arm = litmus.check(test, "arm")
    dev = litmus.check(test, "device")
    assert {str(s) for s in dev.states} == {str(s) for s in arm.states}
    assert dev.observation == arm.observation


def test_corpus_is_not_empty():
    assert len(CORPUS) >= 50


def test_models_resolve_by_name_and_alias():
    from litmus.library import model_path

    assert model_path("arm").name == "aarch64.cat"
    assert model_path("aarch64").name == "aarch64.cat"
    assert model_path("x86-tso").name == "tso.cat"
    assert model_path("device").name == "device.cat"


def test_user_cat_file_gives_its_own_answer(tmp_path):
    """A model written by a user is read by the same parser: a model with no
    axioms allows every candidate execution, so MP's weak outcome appears and
    all four combinations of the two reads are states (hand derivation)."""
    cat = tmp_path / "anything.cat"
    cat.write_text('"anything goes"\nlet nothing = 0\n')
    test = litmus.load(ROOT / "tests" / "litmus" / "MP.lit")
    r = litmus.check(test, str(cat))
    assert len(r.states) == 4
    assert r.observation == "sometimes"
    assert r.model == str(cat)


HERD_AARCH64 = ROOT.parent / "shared" / "reference" / "herd-catalogue" / "aarch64"


@pytest.mark.needs(HERD_AARCH64)
def test_device_equals_arm_on_herd_aarch64_catalogue():
    """The same property on every AArch64 test of herd's catalogue (read in place)."""
    files = sorted(HERD_AARCH64.glob("*.litmus"))
    assert len(files) == 70
    for path in files:
        test = litmus.load(path)
        arm = litmus.check(test, "arm")
        dev = litmus.check(test, "device")
        assert {str(s) for s in dev.states} == {str(s) for s in arm.states}, path.name
        assert dev.observation == arm.observation, path.name
