"""`litmus fix` and `litmus.fix`: the cheapest minimal edits that forbid an outcome.

Every fix is applied here from its edits (not from the text the search
built), re-checked by the engine, and so is each strict subset of its edits.
The hand-checked cases say what the spec and the Arm ARM lead one to expect:

* two Device-nGnRE peripherals (D1 does not apply): the two writes need an
  order every observer sees. A release does it (D4: "acquire, release and
  dependencies order for everyone"), and so does an outer-shareable or
  full-system barrier: the cheapest barrier is DMB OSHST (Linux's
  dma_wmb()/writel()); DMB ISHST and DMB ISH, inner-shareable, order only
  what CPUs see and are no fix (D4);
* MP under arm: the writer needs W->W order (a release, a store or full
  barrier) and the reader R->R order (acquire, dependency, barrier): two
  edits, one per thread, and no single edit is enough;
* SB under x86-TSO: only MFENCE (or a locked instruction) orders a store
  before a later load, and both threads need it.
"""

from __future__ import annotations

import time
from itertools import combinations
from pathlib import Path

import pytest
from cliutil import run

import litmus
from litmus.explain.fix import COSTS, Fix, _apply, choose_model, fixed_file_text, search

ROOT = Path(__file__).resolve().parent.parent
MMIO = ROOT / "tests" / "litmus" / "mmio"
DEVICE = ROOT / "tests" / "litmus" / "device"
HERD = ROOT / "tests" / "litmus" / "herd"


def apply(original: str, edits) -> str:
    """The test's text with ``edits`` applied, line by line (independently of
    litmus.fix's own code)."""
    lines = original.splitlines()
    before: dict[int, list[str]] = {}
    instead: dict[int, str] = {}
    for e in edits:
        for c in e.changes:
            if c.kind == "insert":
                before.setdefault(c.line, []).append(c.text)
            else:
                assert c.line not in instead, "two edits replace one line"
                instead[c.line] = c.text
    out = []
    for i, line in enumerate(lines, 1):
        out += before.get(i, [])
        out.append(instead.get(i, line))
    return "\n".join(out) + "\n"


def outcome_forbidden(text: str, path: str, model: str) -> bool:
    test = litmus.parse(text, path)
    r = litmus.check(test, model)
    assert r.states, "an edit left no execution at all"
    if test.condition.quantifier == "forall":
        return r.negative == 0
    return r.positive == 0


def assert_minimal_fix(fx: Fix, model: str) -> None:
    text = apply(fx.original, fx.edits)
    assert text.splitlines() == fx.text.splitlines()
    assert outcome_forbidden(text, fx.path, model), fx.describe()
    for k in range(1, len(fx.edits)):
        for sub in combinations(fx.edits, k):
            assert not outcome_forbidden(apply(fx.original, sub), fx.path, model), (
                f"{fx.describe()}: {[str(e) for e in sub]} alone forbids it")
    assert fx.cost == sum(e.cost for e in fx.edits)


def allowed_under_device() -> list[Path]:
    return [p for p in sorted(MMIO.glob("*.lit"))
            if litmus.load(p).arch == "aarch64"
            and litmus.check(litmus.load(p), "device").observation != "never"]


# --------------------------------------------------------------------------- every MMIO fix


def test_the_mmio_patterns_allowed_under_device_are_the_expected_ones():
    names = {p.stem for p in allowed_under_device()}
    assert {"doorbell-two-peripherals", "dma-submit-none", "dma-submit-smp-wmb",
            "dma-complete-relaxed", "mp-no-lock", "status-data-normal"} <= names
    assert "dma-submit-writel" not in names and "doorbell-nGnRE" not in names


@pytest.mark.parametrize("path", allowed_under_device(), ids=lambda p: p.stem)
def test_every_fix_for_an_mmio_pattern_forbids_and_is_minimal(path):
    t0 = time.monotonic()
    s = search(path, "device")
    took = time.monotonic() - t0
    assert not s.forbidden and s.complete
    assert s.fixes, s.note
    assert took < 5, f"the search took {took:.1f} s"
    sizes = {len(f.edits) for f in s.fixes}
    assert len(sizes) == 1  # only the fewest edits
    assert [f.cost for f in s.fixes] == sorted(f.cost for f in s.fixes)
    for fx in s.fixes:
        assert fx.observation == "never"
        assert_minimal_fix(fx, "device")
        # no edit is in a device agent: they are hardware
        agents = {t.name for t in s.test.threads if t.device}
        assert not any(e.thread in agents for e in fx.edits)


# --------------------------------------------------------------------------- hand-checked


def test_doorbell_two_peripherals_under_device():
    s = search(MMIO / "doorbell-two-peripherals.lit", "device", max_fixes=0)
    whats = [e.what for f in s.fixes for e in f.edits]
    assert all(len(f.edits) == 1 for f in s.fixes)
    # the cheapest barrier orders for the device: DMB OSHST, between the writes
    barriers = [f for f in s.fixes if f.edits[0].what.startswith("insert D")]
    assert barriers[0].edits[0].what == "insert DMB OSHST before line 12"
    assert "+  DMB   OSHST\n   STR   W2, [doorbell]" in barriers[0].diff()
    # inner-shareable barriers order only what CPUs see (D4): no fix
    assert not any("ISH" in w for w in whats)
    assert not outcome_forbidden(
        (MMIO / "doorbell-two-peripherals.lit").read_text().replace(
            "  STR   W2, [doorbell]", "  DMB   ISHST\n  STR   W2, [doorbell]"),
        "x.lit", "device")
    # the cheapest fix of all: the doorbell write made a release (D4: a release
    # orders for every observer), cheaper than any barrier in the cost order
    assert s.fixes[0].edits[0].what == "line 12: STR -> STLR"
    assert COSTS["STLR"] < COSTS["DMB OSHST"] < COSTS["DMB SY"] < COSTS["DSB ST"]
    for fx in s.fixes:
        assert_minimal_fix(fx, "device")


def test_doorbell_two_peripherals_with_accessors_is_fixed_with_accessors():
    s = search(DEVICE / "doorbell-two-peripherals-writel-relaxed.lit", "device", max_fixes=0)
    whats = {f.edits[0].what for f in s.fixes}
    assert whats == {"line 11: writel_relaxed -> writel", "insert dma_wmb before line 11",
                     "insert wmb before line 11", "insert mb before line 11"}
    assert [f.cost for f in s.fixes][:2] == [COSTS["dma_wmb"]] * 2


def test_mp_under_arm_needs_the_writer_and_the_reader():
    s = search(MMIO / "mp-no-lock.lit", "arm", max_fixes=0)
    assert s.fixes
    writer = ("STR -> STLR", "DMB ISHST", "DMB ISH ", "DMB OSHST", "DMB OSH ", "DMB ST",
              "DMB SY", "DSB")
    reader = ("dependency", "LDAR", "LDAPR", "ISHLD", "DMB ISH ", "OSHLD", "DMB OSH ",
              "DMB LD", "DMB SY", "DSB")
    for fx in s.fixes:
        assert len(fx.edits) == 2
        p0, p1 = sorted(fx.edits, key=lambda e: e.thread)
        assert (p0.thread, p1.thread) == ("P0", "P1")
        assert any(w in p0.what + " " for w in writer), p0
        assert any(w in p1.what + " " for w in reader), p1
    cheapest = s.fixes[0]
    assert cheapest.cost == COSTS["STLR"] + COSTS["addr"]
    assert [e.what for e in cheapest.edits] == ["line 6: STR -> STLR",
                                                "address dependency from line 9 to line 10"]
    assert "+  EOR   r9, r1, r1" not in cheapest.diff()
    assert "+  EOR   r9, r0, r0\n+  LDR   r1, [data, r9]" in cheapest.diff()
    for fx in s.fixes[:12]:
        assert_minimal_fix(fx, "arm")


def test_sb_under_tso_needs_mfence_on_both_sides():
    s = search(MMIO / "x86-sb.lit", "tso", max_fixes=0)
    first = s.fixes[0]
    assert [e.what for e in first.edits] == ["insert MFENCE before line 7",
                                             "insert MFENCE before line 11"]
    assert {e.thread for e in first.edits} == {"P0", "P1"}
    assert all(len(f.edits) == 2 for f in s.fixes)
    # a locked store is the other way to order a store before a later load
    assert any("XCHG" in e.what for f in s.fixes for e in f.edits)
    assert not any("SFENCE" in e.what for f in s.fixes for e in f.edits)
    for fx in s.fixes:
        assert_minimal_fix(fx, "tso")


def test_an_inner_shareable_barrier_is_strengthened_in_place():
    s = search(MMIO / "dma-submit-dmb-ishst.lit", "device", max_fixes=0)
    whats = [f.edits[0].what for f in s.fixes]
    assert "line 14: DMB ISHST -> DMB OSHST" in whats
    fx = next(f for f in s.fixes if f.edits[0].what == "line 14: DMB ISHST -> DMB OSHST")
    assert "-  DMB   ISHST\n+  DMB   OSHST" in fx.diff()
    s = search(MMIO / "dma-submit-smp-wmb.lit", "device", max_fixes=0)
    whats = [f.edits[0].what for f in s.fixes]
    assert "line 14: smp_wmb -> dma_wmb" in whats
    assert "line 16: writel_relaxed -> writel" in whats
    assert not any("smp_mb" in w for w in whats)  # inner-shareable: no fix (D4)


def test_a_branch_on_a_loaded_value_is_fixed_with_an_isb():
    s = search(MMIO / "dma-complete-ctrl.lit", "device", max_fixes=0)
    whats = [f.edits[0].what for f in s.fixes]
    assert "insert ISB before line 15" in whats
    fx = next(f for f in s.fixes if f.edits[0].what == "insert ISB before line 15")
    assert "   CBZ   r0, out\n+  ISB\n   LDR   r1, [buf]" in fx.diff()


def test_acquire_pc_is_made_rcsc_against_an_earlier_release():
    s = search(ROOT / "tests" / "litmus" / "SB+rel-acqpcs.lit", "arm")
    assert [e.what for e in s.fixes[0].edits] == ["line 8: LDAPR -> LDAR",
                                                  "line 13: LDAPR -> LDAR"]
    assert_minimal_fix(s.fixes[0], "arm")


def test_three_threads_need_three_edits():
    s = search(ROOT / "tests" / "litmus" / "ISA2.lit", "arm", max_fixes=3)
    assert s.fixes and all(len(f.edits) == 3 for f in s.fixes)
    for fx in s.fixes:
        assert_minimal_fix(fx, "arm")
    assert not search(ROOT / "tests" / "litmus" / "ISA2.lit", "arm", max_edits=2).fixes


def test_scratch_registers_are_ones_the_thread_does_not_use():
    text = """\
thread P0
  STR #1, [x]
  STR #1, [y]
thread P1
  LDR r0, [y]
  MOV r9, #7
  LDR r1, [x]
exists (P1:r0 = 1 /\\ P1:r1 = 0 /\\ P1:r10 = 0)
"""
    s = search(text, "arm", max_fixes=0)
    deps = [e for f in s.fixes for e in f.edits if "dependency" in e.what]
    assert deps
    for e in deps:
        body = " ".join(c.text for c in e.changes)
        assert "r9" not in body and "r10" not in body and "r11" in body


# --------------------------------------------------------------------------- no fix, nothing to fix


def test_already_forbidden_has_nothing_to_fix():
    s = search(MMIO / "dma-submit-writel.lit", "device")
    assert s.forbidden and not s.fixes and s.observation == "never"
    assert litmus.fix(MMIO / "dma-submit-writel.lit", "device") == []


def test_an_outcome_sc_allows_has_no_fix():
    text = "thread P0\n  STR #1, [x]\nthread P1\n  LDR r0, [x]\nexists (P1:r0 = 0)\n"
    s = search(text, "arm")
    assert not s.forbidden and not s.fixes and s.complete
    assert s.note.startswith("no fix")


def test_the_model_defaults_to_the_failing_expectation():
    text = (MMIO / "dma-submit-smp-wmb.lit").read_text().replace(
        "device: sometimes", "device: never")
    assert choose_model(litmus.parse(text)) == "device"
    assert choose_model(litmus.load(MMIO / "mp-no-lock.lit")) == "arm"
    assert choose_model(litmus.load(MMIO / "x86-sb.lit")) == "tso"


# --------------------------------------------------------------------------- API


def test_api_is_exported_and_fix_has_a_diff():
    assert litmus.fix is not None and litmus.Fix is Fix
    fixes = litmus.fix(str(MMIO / "doorbell-two-peripherals.lit"), "device", max_fixes=2)
    assert len(fixes) == 2
    d = fixes[0].diff()
    assert d.startswith("--- ") and "+++ " in d and "@@ " in d
    test = litmus.load(MMIO / "doorbell-two-peripherals.lit")
    assert [f.text for f in litmus.fix(test, "device", max_fixes=2)] == [f.text for f in fixes]


def test_herd_tests_are_fixed_in_their_column_table():
    s = search(HERD / "SB.litmus", "tso", max_fixes=0)
    first = s.fixes[0]
    assert [(e.what, e.thread) for e in first.edits] == [
        ("insert MFENCE before line 6", "P0"), ("insert MFENCE before line 6", "P1")]
    # one row holds both fences, each in its thread's column
    assert " MOV [x],$1  | MOV [y],$1  ;\n+ MFENCE      | MFENCE      ;\n" in first.diff()
    for fx in s.fixes:
        assert outcome_forbidden(fx.text, fx.path, "tso"), fx.describe()
        for e in fx.edits:  # either edit alone is not enough
            alone = _apply(fx.original.splitlines(keepends=True), [e])
            assert alone is not None
            assert not outcome_forbidden(alone[0], fx.path, "tso")
    # an AArch64 table: a release and a dependency, written as herd writes them
    text = (HERD / "MP+dmb.sy+addr.litmus").read_text()
    text = text.replace(" DMB SY      |", "             |").replace(
        "LDR W3,[X4,W2,SXTW]", "LDR W3,[X4]        ")
    s = search(text, "arm")
    assert [e.what for e in s.fixes[0].edits] == ["line 13: STR -> STLR",
                                                  "address dependency from line 9 to line 11"]
    assert ("-             | LDR W3,[X4]         ;\n"
            "+             | EOR W9,W0,W0        ;\n"
            "+             | LDR W3,[X4,X9]      ;\n"
            "  MOV W2,#1   |                     ;\n"
            "- STR W2,[X3] |                     ;\n"
            "+ STLR W2,[X3] |                     ;\n") in s.fixes[0].diff()
    for fx in s.fixes:
        assert outcome_forbidden(fx.text, "t.litmus", "arm")


def test_att_syntax_gets_fences_only():
    text = ("X86_64 SB\n{\n}\n P0            | P1            ;\n"
            " movl $1,(x)   | movl $1,(y)   ;\n movl (y),%eax | movl (x),%eax ;\n"
            "exists (0:rax=0 /\\ 1:rax=0)\n")
    s = search(text, "tso", max_fixes=0)
    assert len(s.fixes) == 1
    assert "+ mfence        | mfence        ;" in s.fixes[0].diff()


def test_a_line_inserted_before_a_labelled_instruction_goes_after_the_label():
    text = """\
thread P0
  STR #1, [x]
  DMB SY
  STR #1, [y]
thread P1
  LDR r0, [y]
  CBZ r0, L
  MOV r2, #1
  L: LDR r1, [x]   // the label's load
exists (P1:r0 = 1 /\\ P1:r1 = 0)
"""
    s = search(text, "arm", max_fixes=0)
    fx = next(f for f in s.fixes if f.edits[0].what == "insert DMB ISHLD before line 9")
    assert "-  L: LDR r1, [x]   // the label's load\n+  L:\n+  DMB ISHLD\n" \
           "+  LDR r1, [x]   // the label's load\n" in fx.diff()
    assert outcome_forbidden(fx.text, "t.lit", "arm")


def test_fixed_file_keeps_and_updates_expect_lines():
    fx = search(MMIO / "doorbell-two-peripherals.lit", "device").fixes[0]
    text, notes = fixed_file_text(fx)
    assert "expect sc: never, tso: never, arm: never, device: never" in text
    assert notes == ["expect arm: sometimes -> never", "expect device: sometimes -> never"]


# --------------------------------------------------------------------------- command line


def test_cli_fix_writes_a_runnable_fixed_test(tmp_path, capsys):
    out_file = tmp_path / "fixed.lit"
    src = tmp_path / "t.lit"
    src.write_text((MMIO / "dma-submit-smp-wmb.lit").read_text().replace(
        "device: sometimes", "device: never"))
    code, out, err = run(capsys, "fix", str(src), "-o", str(out_file))
    assert code == 0, err
    assert "under device" in out and "is allowed (sometimes)" in out
    assert "Fix 1: cost 14; re-checked under device: never" in out
    assert f"--- {src}" in out and "+  dma_wmb" in out
    assert "Searched " in out and f"Wrote fix 1 to {out_file}" in out
    fixed = litmus.load(out_file)
    assert litmus.check(fixed, "device").observation == "never"
    assert [(e.model, e.word) for e in fixed.expects] == [
        ("sc", "never"), ("tso", "never"), ("arm", "never"), ("device", "never")]
    code, out, _ = run(capsys, "check", str(out_file))
    assert code == 0, out


def test_cli_fix_needs_force_when_the_test_expects_the_outcome(capsys):
    path = str(MMIO / "doorbell-two-peripherals.lit")
    code, out, _ = run(capsys, "fix", path, "-m", "device")
    assert code == 0 and "use --force" in out and "Fix 1" not in out
    code, out, _ = run(capsys, "fix", path, "-m", "device", "--force", "--max", "1")
    assert code == 0 and "Fix 1: cost 3" in out and "Fix 2" not in out


def test_cli_fix_exit_statuses(tmp_path, capsys):
    code, out, _ = run(capsys, "fix", str(MMIO / "dma-submit-writel.lit"), "-m", "device")
    assert code == 0 and "already forbidden" in out
    p = tmp_path / "sc.lit"
    p.write_text("thread P0\n  STR #1, [x]\nthread P1\n  LDR r0, [x]\n"
                 "~exists (P1:r0 = 0)\n")
    code, out, _ = run(capsys, "fix", str(p))
    assert code == 1 and "no fix" in out
    code, out, _ = run(capsys, "fix", str(HERD / "SB.litmus"), "--force", "--max", "1")
    assert code == 0 and "+ MFENCE      | MFENCE      ;" in out
    code, _, err = run(capsys, "fix", str(MMIO / "mp-no-lock.lit"), "-m", "nosuch")
    assert code == 2 and "unknown model" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "fix", str(tmp_path / "missing.lit"))
    assert code == 2 and "no such file" in err


def test_cli_fix_reads_a_herd_kinds_file(tmp_path, capsys):
    (tmp_path / "SB.litmus").write_text((HERD / "SB.litmus").read_text())
    (tmp_path / "kinds.txt").write_text("SB Forbid\n")
    out_file = tmp_path / "fixed.litmus"
    code, out, err = run(capsys, "fix", str(tmp_path / "SB.litmus"), "-o", str(out_file))
    assert code == 0, err
    assert "use --force" not in out and "Fix 1: cost 20; re-checked under tso: never" in out
    assert f"Wrote fix 1 to {out_file} (re-checked under tso: never)" in out
    assert litmus.check(litmus.load(out_file), "tso").observation == "never"
