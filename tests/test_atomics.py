"""AArch64 single-copy atomic read-modify-writes: LD<op>, ST<op>, SWP, CAS.

Values by the Arm ARM (C6.2, LDADD ... LDUMIN: "loads a word or doubleword
from memory, performs <op> with the value held in a register, and stores
the result back"; the register Rt receives the original value; the 32-bit
forms operate on the low 32 bits; ST<op> is LD<op> with the zero register as
Rt). Each expected value below is worked out by hand.
"""

from __future__ import annotations

import pytest

import litmus
from litmus.api import events

# memory x = 5, Rs = -3, at 64 bits: -3 is ...11111101
SIXTY_FOUR = {
    "ADD": 2,                 # 5 + -3
    "CLR": 0,                 # 0101 & ~(...1101) = 0101 & 0010
    "EOR": -8,                # 0101 ^ ...1101 = ...1000
    "SET": -3,                # 0101 | ...1101 = ...1101
    "SMAX": 5,                # max(5, -3)
    "SMIN": -3,
    "UMAX": -3,               # 2^64 - 3 is the larger unsigned value
    "UMIN": 5,
}
# the same at 32 bits: Ws = 0xFFFFFFFD; results are zero-extended (printed as a
# 64-bit location value)
THIRTY_TWO = {
    "ADD": 2,                 # (5 + 0xFFFFFFFD) mod 2^32
    "CLR": 0,
    "EOR": 0xFFFFFFF8,
    "SET": 0xFFFFFFFD,
    "SMAX": 5,                # -3 < 5 as signed 32-bit values
    "SMIN": 0xFFFFFFFD,
    "UMAX": 0xFFFFFFFD,
    "UMIN": 5,
}


def _run(text: str) -> dict:
    result = litmus.check(litmus.parse(text), "sc")
    assert len(result.states) == 1, [str(s) for s in result.states]
    return result.states[0].as_dict()


@pytest.mark.parametrize("op", sorted(SIXTY_FOUR))
@pytest.mark.parametrize("suffix", ["", "A", "L", "AL"])
def test_ld_op_64(op, suffix):
    got = _run(f"""
memory
  x = 5
thread P0
  MOV X1, #-3
  LD{op}{suffix} X1, X2, [x]
exists (x = 0 /\\ P0:X2 = 0)
""")
    assert got == {"[x]": SIXTY_FOUR[op], "P0:X2": 5}


@pytest.mark.parametrize("op", sorted(THIRTY_TWO))
def test_ld_op_32(op):
    got = _run(f"""
memory
  x = 5
thread P0
  MOV W1, #-3
  LD{op} W1, W2, [x]
exists (x = 0 /\\ P0:X2 = 0)
""")
    assert got == {"[x]": THIRTY_TWO[op], "P0:X2": 5}


@pytest.mark.parametrize("op", sorted(SIXTY_FOUR))
@pytest.mark.parametrize("suffix", ["", "L"])
def test_st_op_is_ld_op_into_the_zero_register(op, suffix):
    got = _run(f"""
memory
  x = 5
thread P0
  MOV X1, #-3
  MOV X2, #9
  ST{op}{suffix} X1, [x]
exists (x = 0 /\\ P0:X2 = 0)
""")
    assert got == {"[x]": SIXTY_FOUR[op], "P0:X2": 9}  # X2 untouched


def _tags(text: str) -> list[frozenset[str]]:
    eg = events(litmus.parse(text))
    return [e.tags for e in eg.events if e.thread is not None and e.kind != "F"]


@pytest.mark.parametrize("instr, read, write", [
    ("LDADD X1, X2, [x]", set(), set()),
    ("LDADDA X1, X2, [x]", {"A"}, set()),
    ("LDADDL X1, X2, [x]", set(), {"L"}),
    ("LDEORAL X1, X2, [x]", {"A"}, {"L"}),
    # the result goes to the zero register: NoRet, and the acquire is dropped
    ("LDSETA X1, XZR, [x]", {"NoRet"}, set()),
    ("STSMAX X1, [x]", {"NoRet"}, set()),
    ("STUMINL X1, [x]", {"NoRet"}, {"L"}),
])
def test_annotations(instr, read, write):
    r, w = _tags(f"thread P0\n  {instr}\nexists (x = 0)\n")
    assert {"R"} <= r and {"W"} <= w
    assert r & {"A", "NoRet", "L"} == read
    assert w & {"A", "NoRet", "L"} == write


@pytest.mark.parametrize("model", ["sc", "tso", "arm", "device"])
def test_two_increments_never_lose_one(model):
    """Two concurrent LDADDs of 1: the read-modify-writes are atomic, so x
    always ends 2 and exactly one of them read 0."""
    text = """
thread P0
  MOV W1, #1
  LDADD W1, W2, [x]
thread P1
  MOV W1, #1
  LDADD W1, W2, [x]
exists (x = 2 /\\ ((P0:W2 = 0 /\\ P1:W2 = 1) \\/ (P0:W2 = 1 /\\ P1:W2 = 0)))
"""
    assert litmus.check(litmus.parse(text), model).observation == "always"
