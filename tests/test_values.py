"""Values as the machine has them: edge cases derived by hand, the spellings
of one value, how values print, and what happens at addresses that name no
location (herd: the execution faults)."""

from __future__ import annotations

import json

import pytest

import litmus
from litmus import report
from litmus.cli import main

# Each case: a program (mini-DSL), the condition it checks, and the observation
# under sc, with the derivation of the value in brackets in the issue.
EDGE_CASES = {
    # x = 0xFFFFFFFFFFFFFFFF; X0 = x; CMP X0, #-1: -1 is the same 64 bits, so Z = 1,
    # B.NE is not taken and r2 = 1 in the only execution.
    "cmp-loaded-all-ones-with-minus-one": ("""
memory
  x = 0xFFFFFFFFFFFFFFFF
thread P1
  LDR r0, [x]
  CMP r0, #-1
  B.NE skip
  MOV r2, #1
skip:
exists (P1:r2 = 1)
""", "always"),
    # x = -1: r0 = 2^64-1; CMP r0, #0 computes r0 - 0 with no borrow, C = 1: HS holds,
    # the branch is taken and r1 stays 0.
    "hs-on-loaded-minus-one": ("""
memory
  x = -1
thread P0
  LDR r0, [x]
  CMP r0, #0
  B.HS out
  MOV r1, #1
out:
exists (P0:r1 = 1)
""", "never"),
    # the same with the value as a constant: the folder must agree
    "hs-on-constant-minus-one": ("""
thread P0
  MOV r0, #-1
  CMP r0, #0
  B.HS out
  MOV r1, #1
out:
exists (P0:r1 = 1)
""", "never"),
    # (2^64 - 1) + 1 wraps to 0 in a 64-bit register
    "add-wraps-at-64-bits": ("""
thread P0
  MOV X0, #0xFFFFFFFFFFFFFFFF
  ADD X0, X0, #1
exists (P0:X0 = 0)
""", "always"),
    # 0 - 1 is all ones: both spellings name it
    "sub-gives-all-ones-hex": ("""
thread P0
  MOV X0, #0
  SUB X0, X0, #1
exists (P0:X0 = 0xFFFFFFFFFFFFFFFF)
""", "always"),
    "sub-gives-all-ones-minus-one": ("""
thread P0
  MOV X0, #0
  SUB X0, X0, #1
exists (P0:X0 = -1)
""", "always"),
    # W0 = 0xFFFFFFFF (a 32-bit load); W1 = W0 + 1 = 2^32 wraps to 0 in 32 bits
    "w-add-wraps-at-32-bits": ("""
memory
  x = 0xFFFFFFFF
thread P0
  LDR W0, [x]
  ADD W1, W0, #1
exists (P0:X1 = 0)
""", "always"),
    # a W load of a stored -1 reads its low 32 bits, zero-extended: 0xFFFFFFFF
    "w-load-of-minus-one": ("""
thread P0
  MOV X2, #-1
  STR X2, [y]
  LDR W0, [y]
exists (P0:X0 = 0xFFFFFFFF)
""", "always"),
    # ... which is not the 64-bit value -1
    "w-load-is-not-minus-one": ("""
thread P0
  MOV X2, #-1
  STR X2, [y]
  LDR W0, [y]
exists (P0:X0 = -1)
""", "never"),
    # a W load of a 64-bit value reads its low 32 bits (herd's A176)
    "w-load-of-a-64-bit-value": ("""
memory
  x = 0x0000000100000002
thread P0
  LDR W0, [x]
exists (P0:X0 = 2)
""", "always"),
    # a 32-bit CMP compares the low 32 bits: 0x1_0000_0005 and 5 are equal in W
    "w-compare": ("""
thread P0
  MOV X0, #0x100000005
  MOV X1, #5
  CMP W0, W1
  B.NE out
  MOV X2, #1
out:
exists (P0:X2 = 1)
""", "always"),
    # signed GE after a 32-bit CMP: 0 >= 0x80000000 (= -2^31 in 32 bits)
    "w-signed-ge": ("""
memory
  m = 0x80000000
thread P0
  LDR X3, [m]
  CMP W1, W3
  CSEL W1, W1, W3, GE
exists (P0:X1 = 0)
""", "always"),
    # MI tests N, the sign of the result: 0 - 1 is negative
    "mi-is-the-sign-of-the-result": ("""
thread P0
  MOV X0, #0
  CMP X0, #1
  B.MI neg
  MOV X1, #7
neg:
exists (P0:X1 = 0)
""", "always"),
    # MI is not LT: 0x8000000000000000 - 1 overflows (V = 1) and is positive (N = 0),
    # so MI fails while LT (N != V) holds
    "mi-is-not-lt": ("""
memory
  m = 0x8000000000000000
thread P0
  LDR X0, [m]
  CMP X0, #1
  B.MI out
  MOV X1, #1
out:
  B.LT lt
  MOV X2, #1
lt:
exists (P0:X1 = 1 /\\ P0:X2 = 0)
""", "always"),
    # EOR of a loaded -1 with 0xFF: one instruction, bounded (it once ran forever)
    "eor-of-loaded-minus-one": ("""
memory
  x = -1
thread P0
  LDR X0, [x]
  EOR X1, X0, #0xFF
exists (P0:X1 = 0xFFFFFFFFFFFFFF00)
""", "always"),
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_case(name):
    text, want = EDGE_CASES[name]
    result = litmus.check(litmus.parse(text), "sc", timeout=20)
    assert result.observation == want, [str(s) for s in result.states]


def test_states_print_one_way_everywhere(tmp_path, capsys):
    """-1 prints as -1 in the text report, herd's layout, JSON, the API and
    `show` alike (herd prints signed values); 0xFFFFFFFF in a 64-bit register
    prints as 4294967295 everywhere."""
    p = tmp_path / "v.lit"
    p.write_text("""
thread P0
  MOV X0, #-1
  MOV W1, #-1
exists (P0:X0 = 0xFFFFFFFFFFFFFFFF /\\ P0:X1 = 4294967295)
""")
    result = litmus.check(litmus.load(p), "sc")
    assert result.states[0].as_dict() == {"P0:X0": -1, "P0:X1": 4294967295}
    assert result.observation == "always"
    assert "P0:X0=-1; P0:X1=4294967295" in report.text(result)
    assert "P0:X0=-1; P0:X1=4294967295;" in report.herd(result)
    assert json.loads(report.json_report([result]))[0]["states"] == [
        {"P0:X0": -1, "P0:X1": 4294967295}]
    assert main(["run", str(p), "-m", "sc", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert '"P0:X0": -1' in out and '"P0:X1": 4294967295' in out
    assert main(["show", str(p)]) == 0
    shown = capsys.readouterr().out
    assert "0xffffffff" not in shown.lower()


def test_herd_types_print_and_compare_as_declared():
    """herd's convention (A26, L014, A229): an undeclared register is an `int`,
    printed and compared on 32 bits; declared ones by their type."""
    text = """AArch64 types
{
  uint64_t 0:X5; int64_t 0:X4; 0:X1=x;
  uint8_t x = -1;
}
P0;
  MOV X0, #-1;
  MOV X4, #-1;
  MOV X5, #-1;
  LDRSB X6, [X1];
locations [0:X6;]
exists (0:X0=4294967295 /\\ 0:X4=-1 /\\ 0:X5=18446744073709551615 /\\ [x]=255)
"""
    result = litmus.check(litmus.parse(text), "arm")
    (state,) = result.states
    # X0 is an int: its low 32 bits read as signed; X6 too (the sign-extended byte)
    assert state.as_dict() == {"0:X0": -1, "0:X4": -1, "0:X5": 18446744073709551615,
                               "[x]": 255, "0:X6": -1}
    assert result.observation == "always"


def test_unknown_type_is_an_error_with_a_suggestion():
    # herd sizes a register's type only to compare or print its value
    # (herd/archExtra_herd.ml, size_of_t): on a register no condition names,
    # an unknown type is ignored, with a warning (herd's AArch64/A73); where
    # the condition names the register, and on a location, it is an error
    text = "AArch64 t\n{ unit64_t 0:X1=1; }\nP0;\nMOV X0,#1;\nexists (0:X0=1)\n"
    (warning,) = litmus.parse(text).warnings
    assert warning[0].startswith("unknown type 'unit64_t' (did you mean uint64_t?) of register "
                                 "0:X1 ignored")
    with pytest.raises(litmus.ParseError, match="unknown type 'unit64_t' .did you mean uint64_t"):
        litmus.parse(text.replace("(0:X0=1)", "(0:X1=1)"))
    with pytest.raises(litmus.ParseError, match="unknown type 'unit64_t' .did you mean uint64_t"):
        litmus.parse(text.replace("0:X1=1", "x=1"))


# --------------------------------------------------------------------------- faults


FAULTING = """
memory
  x = 1
thread P0
  LDR r0, [x]
  LDR r1, [x, r0]
exists (P0:r1 = 0)
"""


def test_an_address_that_names_no_location_faults(capsys):
    """x holds 1, so [x, r0] is x+1, no location: herd faults the execution,
    which has no final state; the result says that executions fault, and the
    run is quick (it used to list unconstrained values for minutes)."""
    result = litmus.check(litmus.parse(FAULTING), "sc", timeout=20)
    assert result.states == ()
    assert "some-executions-fault" in result.flags
    assert result.observation == "never"


def test_only_the_faulting_executions_are_dropped():
    """r0 is 0 or 1 (P1 may or may not have written x): with 0 the address is
    x itself and r1 is x's value; with 1 it names no location and faults."""
    text = """
thread P0
  LDR r0, [x]
  LDR r1, [x, r0]
thread P1
  STR #1, [x]
exists (P0:r0 = 0 /\\ P0:r1 = 0)
"""
    result = litmus.check(litmus.parse(text), "sc", timeout=20)
    assert {str(s) for s in result.states} == {"P0:r0=0; P0:r1=0", "P0:r0=0; P0:r1=1"}
    assert "some-executions-fault" in result.flags


def test_no_flag_when_no_execution_faults():
    text = """
thread P0
  LDR r0, [x]
  EOR r2, r0, r0
  LDR r1, [x, r2]
exists (P0:r1 = 0)
"""
    result = litmus.check(litmus.parse(text), "sc")
    assert result.flags == ()


# --------------------------------------------------------------------------- time limits


def runaway() -> str:
    """Six threads each writing and reading three locations, every register
    observed: hundreds of thousands of final states, far more than a second's
    enumeration."""
    threads = "\n".join(
        f"thread P{i}\n  STR #{i + 1}, [a]\n  LDR r0, [b]\n  STR #{i + 1}, [b]\n"
        f"  LDR r1, [c]\n  STR #{i + 1}, [c]\n  LDR r2, [a]\n" for i in range(6))
    cond = " /\\ ".join(f"P{i}:r{k} = 0" for i in range(6) for k in range(3))
    return f"{threads}\nexists ({cond})\n"


def test_a_runaway_check_times_out_with_exit_2(tmp_path, capsys):
    """A test whose enumeration cannot finish in the time given ends with one
    'timed out' line and exit status 2, not a hang."""
    p = tmp_path / "big.lit"
    p.write_text(runaway())
    assert main(["run", str(p), "-m", "arm", "--timeout", "1"]) == 2
    err = capsys.readouterr().err
    assert "timed out after 1 s" in err and err.count("\n") == 1


def test_timeout_in_the_api():
    with pytest.raises(litmus.Timeout, match="timed out after 0.5 s"):
        litmus.check(litmus.parse(runaway()), "arm", timeout=0.5)


@pytest.mark.slow
def test_the_default_limit_stops_a_runaway_check(tmp_path, capsys):
    """Without --timeout the default limit applies: the run ends with exit 2."""
    from litmus.limits import DEFAULT_TIMEOUT

    p = tmp_path / "big.lit"
    p.write_text(runaway())
    assert main(["run", str(p), "-m", "arm"]) == 2
    assert f"timed out after {DEFAULT_TIMEOUT:g} s" in capsys.readouterr().err
