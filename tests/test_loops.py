"""Loops: backward branches unrolled as herd7 unrolls them.

herd7 (herdtools7 ``herd/mem.ml``, ``fetch_addr``): on a path, a backward jump
to an address is taken at most ``-unroll`` times (default 2, ``herd/opts.ml``
and herd's manual); the next one cuts the path. A conditional jump whose
condition is determined (a constant) is not counted. ``herd/top_herd.ml``:
an execution that was cut is not an outcome, and herd prints ``Loop`` before
``Ok``/``No``. The expected answers below are herd7's (its instruction tests
A184, L028, L029) or derived by hand in each test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cliutil import run
from expectations import REFERENCE

import litmus
from litmus.cli import main
from litmus.enumerate import LOOP_FLAG
from litmus.events import DEFAULT_UNROLL, MAX_STEPS_PER_PATH

ROOT = Path(__file__).resolve().parent.parent
DEVICE = ROOT / "tests" / "litmus" / "device"
HERD = REFERENCE / "herd-instructions" / "AArch64"

SPIN = """\
test MP+spin
thread P0
  STR #1, [data]
  STR #1, [flag]
thread P1
loop:
  LDR r0, [flag]
  CBZ r0, loop
  LDR r1, [data]
exists (P1:r1 = 0)
"""


def states(result: litmus.Result) -> list[str]:
    return [str(s) for s in result.states]


def test_herds_default_is_2():
    assert DEFAULT_UNROLL == 2


# --------------------------------------------------------------------------- spin on a flag


def test_spin_on_a_flag_allowed_under_arm_with_the_flag():
    """MP with P1 spinning on the flag: ARMv8 reorders P1's two plain loads
    (no barrier, the loop exit is a control dependency only), so r1=0 is
    allowed; executions that spin more than twice are cut."""
    t = litmus.parse(SPIN)
    r = litmus.check(t, "arm")
    assert r.observation == "sometimes"
    assert states(r) == ["P1:r1=0", "P1:r1=1"]
    assert LOOP_FLAG in r.flags and r.notes and "unrolled 2 times" in r.notes[0]
    sc = litmus.check(t, "sc")
    assert sc.observation == "never" and states(sc) == ["P1:r1=1"] and LOOP_FLAG in sc.flags


def test_spin_with_release_and_acquire_is_forbidden():
    """STLR flag / LDAR flag: bob orders Wdata before Wflag and the read
    that saw the flag before Rdata (cycle Wdata -bob-> Wflag -rfe-> Rflag
    -bob-> Rdata -fre-> Wdata)."""
    t = litmus.parse(SPIN.replace("LDR r0, [flag]", "LDAR r0, [flag]")
                     .replace("STR #1, [flag]", "STLR #1, [flag]"))
    assert litmus.check(t, "arm").observation == "never"


def test_the_bound_is_a_parameter():
    """--unroll N: P1 reads the flag at most N+1 times."""
    t = litmus.parse(SPIN)
    for n in (0, 1, 3):
        eg = litmus.events(t, n)
        reads = [e for e in eg.events if e.kind == "R" and e.loc == "flag"]
        assert len(reads) == n + 1
        assert eg.unroll == n
        assert len(eg.cut_guards()) == 1
    # with no loop taken at all (unroll 0), r1=0 is still allowed under arm
    assert litmus.check(t, "arm", unroll=0).observation == "sometimes"


def test_no_flag_when_no_allowed_execution_is_cut():
    """The flag is herd's: an execution the MODEL allows was cut. Here P0 sets
    the flag before P1 starts spinning only in some executions; but a thread
    whose flag is set in the initial state never loops."""
    t = litmus.parse("memory\n  flag = 1\n" + SPIN.split("\n", 1)[1])
    r = litmus.check(t, "sc")
    assert LOOP_FLAG not in r.flags and not r.notes


def test_bad_unroll_values():
    t = litmus.parse(SPIN)
    for bad in (-1, 1.5, True):
        with pytest.raises(litmus.UsageError):
            litmus.check(t, "arm", unroll=bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- LDXR/STXR retry


RETRY = """\
test retry-increment
thread P0
retry:
  LDXR  W1, [x]
  ADD   W1, W1, #1
  STXR  W2, W1, [x]
  CBNZ  W2, retry
thread P1
again:
  LDXR  W1, [x]
  ADD   W1, W1, #1
  STXR  W2, W1, [x]
  CBNZ  W2, again
forall (x = 2)
"""


@pytest.mark.parametrize("model", ["sc", "tso", "arm"])
def test_ldxr_stxr_retry_loop_always_increments(model):
    """Two atomic increments by LDXR/STXR retry loops: x=2 always (the
    exclusive pair is atomic: rmw; coe and fre; ... excluded by the atomicity
    axiom); executions whose store-exclusives keep failing are cut."""
    r = litmus.check(litmus.parse(RETRY), model)
    assert r.observation == "always" and states(r) == ["[x]=2"]
    assert LOOP_FLAG in r.flags


def test_store_exclusive_status_counts_against_the_bound():
    """herd: the status of a store-exclusive is not a constant, so a retry
    loop on it is unrolled (A184), where our paths know the status."""
    eg = litmus.events(litmus.parse(RETRY), 1)
    p0 = [e for e in eg.events if e.thread == "P0" and e.kind == "R"]
    assert len(p0) == 2  # the first attempt and one retry


# --------------------------------------------------------------------------- herd's tests


@pytest.mark.needs(HERD)
@pytest.mark.parametrize(
    "name, obs, want, flagged",
    [
        ("A184", "always", ["[x]=2"], True),  # LDXR/STXR loop: herd7 Always, "Loop Ok"
        ("L028", "always", ["0:X1=10"], False),  # constant loop: fully unrolled
        ("L029", "never", [], True),  # unconditional backward B: cut every time
    ],
)
def test_herd_loop_tests(name, obs, want, flagged):
    r = litmus.check(litmus.load(HERD / f"{name}.litmus"), "arm")
    assert r.observation == obs and states(r) == want
    assert (LOOP_FLAG in r.flags) == flagged


@pytest.mark.needs(HERD)
def test_herd_layout_prints_loop_ok(capsys):
    code, out, _ = run(capsys, "run", "--format", "herd", str(HERD / "A184.litmus"))
    assert code == 0 and "\nLoop Ok\n" in out


@pytest.mark.needs(HERD)
def test_a_larger_bound_finds_l028s_answer_and_l029_needs_ten():
    """L029's loop takes the backward B nine times: cut under 2, complete
    from --unroll 9."""
    t = litmus.load(HERD / "L029.litmus")
    assert states(litmus.check(t, "arm", unroll=8)) == []
    r = litmus.check(t, "arm", unroll=9)
    assert states(r) == ["0:X1=10"] and LOOP_FLAG not in r.flags


def test_constant_loop_runs_to_its_end_whatever_the_bound():
    text = """\
thread P0
  MOV W0, #10
  MOV W1, #0
L:
  ADD W1, W1, #1
  SUB W0, W0, #1
  CBNZ W0, L
forall (P0:r1 = 10)
"""
    r = litmus.check(litmus.parse(text), "arm", unroll=0)
    assert states(r) == ["P0:r1=10"] and not r.flags


def test_a_constant_loop_that_never_ends_is_one_error():
    text = "thread P0\n  MOV X0, #1\nL:\n  CBNZ X0, L\nexists (P0:r0 = 1)\n"
    with pytest.raises(litmus.EncodingError) as info:
        litmus.check(litmus.parse(text, "t.lit"), "arm")
    msg = str(info.value)
    assert "\n" not in msg
    assert msg == (f"t.lit:4:3: thread P0 runs more than {MAX_STEPS_PER_PATH} instructions on "
                   "one path (limit): a loop whose exit depends on no memory value never ends")


def test_limits_stay_one_line_and_name_the_bound(tmp_path, capsys):
    body = "".join(f"{lb}:\n  LDR r{i}, [{v}]\n  CBZ r{i}, {lb}\n"
                   for i, (lb, v) in enumerate((("a", "x"), ("b", "y"), ("c", "z"))))
    p = tmp_path / "many.lit"
    p.write_text(f"thread P0\n{body}thread P1\n  STR #1, [x]\nexists (P0:r0 = 1)\n")
    code, _, err = run(capsys, "run", str(p), "--unroll", "5")
    assert code == 2
    assert err.strip() == (f"{p}:10:3: thread P0 has more than 64 paths (limit) with loops "
                           "unrolled 5 times (a smaller --unroll gives fewer)")
    code, _, err = run(capsys, "run", str(p))  # the default bound fits
    assert code == 0, err


# --------------------------------------------------------------------------- MMIO polling


@pytest.mark.parametrize("name, device", [
    ("poll-status-loop-dma-rmb", "never"),
    ("poll-status-loop-device-reg", "never"),
    ("poll-status-readl-poll", "never"),
    ("poll-status-readl-relaxed-poll", "sometimes"),
])
def test_polling_mmio_loop_under_device(name, device):
    r = litmus.check(litmus.load(DEVICE / f"{name}.lit"), "device")
    assert r.observation == device and LOOP_FLAG in r.flags


def test_readl_poll_without_mask_waits_for_non_zero(tmp_path, capsys):
    p = tmp_path / "p.lit"
    p.write_text("memory\n  s device-nGnRE\nthread P0\n  readl_poll r0, [s]\n"
                 "thread D device\n  STR #4, [s]\nexists (P0:r0 = 4)\n")
    code, out, _ = run(capsys, "show", str(p))
    assert code == 0
    assert "%poll1:" in out and "-> CBZ W0, %poll1" in out
    r = litmus.check(litmus.load(p), "device")
    assert r.observation == "always" and states(r) == ["P0:r0=4"]


def test_x86_polling_loop(capsys):
    r = litmus.check(litmus.load(DEVICE / "x86-poll-readl-poll.lit"), "tso")
    assert r.observation == "never" and LOOP_FLAG in r.flags


# --------------------------------------------------------------------------- CLI


def test_unroll_option_on_the_commands(tmp_path, capsys):
    p = tmp_path / "spin.lit"
    p.write_text(SPIN + "expect arm: sometimes, sc: never\n")
    code, out, _ = run(capsys, "run", str(p), "--unroll", "1", "-m", "arm")
    assert code == 0 and "loop-bound-reached" in out and "unrolled 1 time:" in out
    code, out, _ = run(capsys, "check", str(p), "--unroll", "3")
    assert code == 0 and "2 passed" in out
    code, out, _ = run(capsys, "compare", str(p), "--unroll", "0")
    assert code == 0 and "flags under arm: loop-bound-reached" in out
    code, out, _ = run(capsys, "explain", str(p), "-m", "arm", "--unroll", "1")
    assert code == 0 and "allowed" in out
    code, out, _ = run(capsys, "show", str(p), "--unroll", "1")
    assert code == 0 and "Paths cut by the unrolling bound (1;" in out
    code, out, _ = run(capsys, "run", str(p), "--format", "json", "-m", "sc")
    assert json.loads(out)[0]["flags"] == ["loop-bound-reached"]


def test_bad_unroll_option(tmp_path, capsys):
    p = tmp_path / "spin.lit"
    p.write_text(SPIN)
    with pytest.raises(SystemExit) as info:
        main(["run", str(p), "--unroll", "-1"])
    assert info.value.code == 2
    assert "--unroll" in capsys.readouterr().err


def test_explain_witness_is_not_a_cut_execution():
    """The witness of an allowed outcome reaches the end of every thread."""
    from litmus.explain import explain
    from litmus.explain.execution import holds_in

    x = explain(litmus.parse(SPIN), "arm")
    w = x.witness
    assert x.allowed and w is not None
    assert not holds_in(w.model, w.session.cut_term)
    assert any(w.event(e).loc == "data" for e in w.events)  # P1 left the loop


def test_a_locked_increment_of_an_immediate_has_the_location_size():
    """``LOCK INC [x]`` names no register: the access has x's size (32 bits for
    a uint32_t), so 0xFFFFFFFF + 1 wraps to 0 (Intel SDM: INC of a doubleword
    operand), rather than being a 64-bit store into a 32-bit location."""
    text = ("arch x86\nmemory\n  x uint32_t = 0xFFFFFFFF\nthread P0\n  LOCK INC [x]\n"
            "exists (x = 0)\n")
    r = litmus.check(litmus.parse(text), "tso")
    assert r.observation == "always" and [str(s) for s in r.states] == ["[x]=0"]
