"""`litmus explain`: the axiom and cycle behind a forbidden outcome, the
witness and the missing order behind an allowed one.

Each expected axiom and edge is derived in the test from the model's rules
(device-memory.md D1-D5, the Arm ARM's ob/bob/dob) or from herd's own model
files."""

from __future__ import annotations

from pathlib import Path

import pytest
from expectations import REFERENCE

import litmus
from litmus.cli import main
from litmus.explain import explain, parse_outcome
from litmus.explain.concrete import find_cycle

ROOT = Path(__file__).resolve().parent.parent
MMIO = ROOT / "tests" / "litmus" / "mmio"
CORPUS = ROOT / "tests" / "litmus"
CATALOGUE = REFERENCE / "herd-catalogue"


def labels(steps) -> list[str]:
    return [s.label for s in steps]


def test_doorbell_nGnRE_under_device_names_the_nR_rule():
    """D1: the two writes to one nGnRE peripheral arrive in order; the NIC reads
    the doorbell (rfe), then CFG in order (D5), and reads CFG's old value
    (fre back to the CFG write): a cycle in ob-sys, rejected by external-sys."""
    x = explain(litmus.load(MMIO / "doorbell-nGnRE.lit"), "device")
    assert not x.allowed
    v = x.violations[0]
    assert v.axiom == "external-sys"
    assert labels(v.steps) == ["d1-nR", "rfe", "device-po", "fre"]
    first = v.execution.event(v.steps[0].src)
    assert (first.kind, first.loc) == ("W", "cfg")
    assert "same peripheral" in v.steps[0].details
    assert "D1 nR" in x.text() and "D5" in x.text()
    # the steps form a cycle: each ends where the next begins, the last at the start
    assert all(a.dst == b.src for a, b in zip(v.steps, v.steps[1:]))
    assert v.steps[-1].dst == v.steps[0].src


def test_mp_dmb_st_addr_under_arm_names_the_barrier_and_the_dependency():
    """MP+dmb.st+addr: the writer's DMB ST orders its two writes (bob), the
    reader's address dependency orders its two reads (dob): a cycle in ob."""
    x = explain(litmus.load(CORPUS / "MP+dmb.st+addr.lit"), "arm")
    assert not x.allowed
    (v,) = x.violations
    assert v.axiom == "external"
    assert labels(v.steps) == ["bob", "rfe", "dob", "fre"]
    assert any(d.startswith("DMB.ST") for d in v.steps[0].details)
    assert "address dependency" in v.steps[2].details


def test_sb_under_tso_names_the_store_buffers_missing_order():
    """x86-TSO lets a read pass an earlier write to another location (the store
    buffer): SB's outcome is allowed, and on each thread the write-then-read
    pair is what nothing orders."""
    x = explain(litmus.load(CORPUS / "SB.lit"), "tso")
    assert x.allowed and x.witness is not None
    assert len(x.unordered) == 2
    for u in x.unordered:
        assert (x.witness.event(u.src).kind, x.witness.event(u.dst).kind) == ("W", "R")
    assert "store buffering" in x.text()
    assert x.witness.state.satisfies


@pytest.mark.needs(CATALOGUE / "expected.jsonl")
@pytest.mark.parametrize("file, model, axiom", [
    # herd's aarch64.cat: "irreflexive ob as external"
    ("aarch64/MP+dmb.sys.litmus", "arm", "external"),
    ("aarch64/LB+dmb.sys.litmus", "arm", "external"),
    # herd's x86tso.cat: "acyclic ghb as tso"
    ("x86/SB+mfences.litmus", "tso", "tso"),
    ("x86/MP.litmus", "tso", "tso"),
])
def test_a_forbidden_catalogue_test_names_herds_axiom(file, model, axiom):
    x = explain(litmus.load(CATALOGUE / file), model)
    assert not x.allowed
    assert [v.axiom for v in x.violations] == [axiom]


def test_several_axioms_are_each_named():
    """spinlock-mmio-writel: in an execution where the lock is taken in order
    (each location coherent), both views of ordered-before have a cycle: the
    outcome breaks external-cpu and external-sys, and both are named."""
    x = explain(litmus.load(MMIO / "spinlock-mmio-writel.lit"), "device")
    assert not x.allowed and x.coherent
    assert {v.axiom for v in x.violations} == {"external-cpu", "external-sys"}
    assert "breaks 2 axioms: external-cpu, external-sys" in x.text()
    for v in x.violations:
        assert v.steps and v.steps[-1].dst == v.steps[0].src


def test_sb_with_full_barriers_under_device_names_both_views():
    """SB+dmb.sys under device: DMB SY orders for CPUs (ob-cpu) and for every
    observer (ob-sys, D4: SY is system scope): both axioms forbid the outcome."""
    x = explain(litmus.load(CORPUS / "SB+dmb.sys.lit"), "device")
    assert {v.axiom for v in x.violations} == {"external-cpu", "external-sys"}


def test_an_outcome_the_filter_excludes_says_so():
    """herd's filter keeps only executions with 1:X0=0, so the outcome with
    1:X0=1 is excluded by the filter, not impossible."""
    text = """AArch64 MPf
{ 0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x; }
 P0          | P1          ;
 MOV W0,#1   | LDR W0,[X1] ;
 STR W0,[X1] | LDR W2,[X3] ;
 MOV W2,#1   |             ;
 STR W2,[X3] |             ;
filter (1:X0=0)
exists (1:X0=1 /\\ 1:X2=0)
"""
    x = explain(litmus.parse(text), "arm")
    assert x.impossible and x.filtered
    assert "excluded by the test's filter" in x.text()


def _cases():
    out = []
    for path in sorted(MMIO.glob("*.lit")) + sorted(CORPUS.glob("*.lit")):
        test = litmus.load(path)
        for model in dict.fromkeys(e.model for e in test.expects):
            out.append(pytest.param(path, model, id=f"{path.stem}-{model}"))
    return out


@pytest.mark.parametrize("path, model", _cases())
def test_explanations_agree_with_the_verdict(path, model):
    """The explanation's verdict is the checker's; a witness has the outcome; a
    violation's steps are a chain of the axiom's relation."""
    test = litmus.load(path)
    result = litmus.check(test, model)
    x = explain(test, model)
    q = test.condition.quantifier
    outcome_possible = result.positive > 0 if q != "forall" else result.negative > 0
    assert x.allowed == outcome_possible
    if x.allowed:
        assert x.witness is not None
        assert x.witness.state.satisfies == (q != "forall")
    else:
        assert x.violations or x.impossible
        for v in x.violations:
            assert all(a.dst == b.src for a, b in zip(v.steps, v.steps[1:]))
            if v.cyclic and v.steps:
                assert v.steps[-1].dst == v.steps[0].src


def test_parse_outcome_by_thread_name_or_number():
    test = litmus.load(MMIO / "doorbell-nGnRE.lit")
    p = parse_outcome(test, "NIC:r0=1 /\\ NIC:r1=0")
    assert litmus.program.format_prop(p) == "NIC:r0=1 /\\ NIC:r1=0"
    with pytest.raises(litmus.UsageError, match="unknown thread 'P7'"):
        parse_outcome(test, "P7:r0=1")
    with pytest.raises(litmus.UsageError, match="expected THREAD:REG=VALUE"):
        parse_outcome(test, "NIC:r0 == 1 or so")


def test_a_bad_outcome_names_the_argument_it_was_given_as(tmp_path, capsys):
    from cliutil import MP, run

    r = litmus.check(MP, "arm")
    with pytest.raises(litmus.UsageError) as info:
        r.explain("P7:r0=1")  # Python: the outcome= argument, not a command-line option
    assert str(info.value) == "the outcome= argument: unknown thread 'P7' (threads: P0, P1)"
    p = tmp_path / "mp.lit"
    p.write_text(MP)
    code, _, err = run(capsys, "explain", str(p), "--outcome", "P7:r0=1")
    assert code == 2 and err == "litmus: --outcome: unknown thread 'P7' (threads: P0, P1)\n"
    code, _, err = run(capsys, "graph", str(p), "--outcome", "P1:r0")
    assert code == 2 and err.startswith("litmus: --outcome: expected THREAD:REG=VALUE")


def test_an_outcome_no_execution_has_is_impossible():
    """No store writes 5 to anything: no candidate execution reads it."""
    x = explain(litmus.load(CORPUS / "MP.lit"), "arm", "P1:r0=5")
    assert x.impossible and "impossible" in x.text()


def test_cli_explain_and_the_reason_under_a_failed_check(tmp_path, capsys):
    assert main(["explain", str(MMIO / "doorbell-nGnRE.lit"), "-m", "device"]) == 0
    out = capsys.readouterr().out
    assert "Axiom external-sys" in out and "-[d1-nR" in out
    p = tmp_path / "mp.lit"
    p.write_text((CORPUS / "MP.lit").read_text().split("expect")[0]
                 + "expect arm: never\n")
    assert main(["check", str(p)]) == 1
    out = capsys.readouterr().out
    assert "why: allowed, e.g. " in out and "nothing in the arm model orders" in out
    assert main(["explain", str(p), "--outcome", "P9:r0=1"]) == 2
    assert "unknown thread 'P9'" in capsys.readouterr().err


def test_find_cycle_is_shortest():
    r = frozenset({(1, 2), (2, 3), (3, 1), (2, 1)})
    assert find_cycle(r) in ([1, 2, 1], [2, 1, 2])
