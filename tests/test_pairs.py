"""AArch64 pair instructions: CASP, LDXP/STXP, LDPSW, LDNP/STNP, LDIAPP/STILP.

Every expected value and verdict below is worked out by hand, in the
comment beside it, from the Arm ARM (C6.2, each instruction's description;
B2.3 for the ordering) and herd7's events for these instructions (one read or
write per element; the exclusive and CASP pairs single-copy atomic; LDIAPP's
reads acquirePC ``Q`` and in order, STILP's writes release ``L``). A pair
accesses two consecutive elements of its registers' size, the first register
at the lower address (little-endian).
"""

from __future__ import annotations

import pytest

import litmus
from litmus.api import events
from litmus.cli import main
from litmus.errors import ParseError


def _states(text: str, model: str) -> set[str]:
    return {s.herd_key() for s in litmus.check(litmus.parse(text), model).states}


def _observation(text: str, model: str = "arm") -> str:
    return litmus.check(litmus.parse(text), model).observation


def _tags(text: str) -> list[tuple[str, frozenset[str]]]:
    eg = events(litmus.parse(text))
    keep = {"A", "Q", "L", "X", "NoRet"}
    return [(e.kind, e.tags & keep) for e in eg.events if e.thread is not None and e.kind != "F"]


# --------------------------------------------------------------------------- CASP

CASP_ONE = """
memory
  x[2] = {5, 6}
thread P0
  MOV X0, #%d
  MOV X1, #%d
  MOV X2, #7
  MOV X3, #8
  %s X0, X1, X2, X3, [x]
exists (P0:X0 = 0 /\\ P0:X1 = 0 /\\ x = {0, 0})
"""


@pytest.mark.parametrize("op", ["CASP", "CASPA", "CASPL", "CASPAL"])
def test_casp_succeeds_when_both_elements_match(op):
    # memory {5, 6} equals (X0, X1) = (5, 6): the pair (X2, X3) = (7, 8) is
    # written, X2 at x[0]; X0 and X1 receive the values read, 5 and 6
    assert _states(CASP_ONE % (5, 6, op), "sc") == {"P0:X0=5; P0:X1=6; x={7,8}"}


@pytest.mark.parametrize("expected", [(4, 6), (5, 9)])
def test_casp_fails_when_either_element_differs(expected):
    # (4, 6) differs from {5, 6} in the first element, (5, 9) in the second: no
    # write, memory keeps {5, 6}; X0 and X1 still receive the values read
    assert _states(CASP_ONE % (*expected, "CASP"), "sc") == {"P0:X0=5; P0:X1=6; x={5,6}"}


def test_casp_of_w_registers_compares_32_bits():
    # int32_t elements {-1, 2}; W0 = -1 is 0xFFFFFFFF, the element's 32 bits:
    # equal, so (7, 8) is written; W0 receives -1 (its 32 bits, printed as the
    # int32_t a W register is)
    text = """
memory
  x[2] int32_t = {-1, 2}
thread P0
  MOV W0, #-1
  MOV W1, #2
  MOV W2, #7
  MOV W3, #8
  CASP W0, W1, W2, W3, [x]
exists (P0:W0 = 0 /\\ P0:W1 = 0 /\\ x = {0, 0})
"""
    assert _states(text, "sc") == {"P0:W0=-1; P0:W1=2; x={7,8}"}


TWO_CASPS = """
memory
  x[2] = {0, 0}
thread P0
  MOV X2, #1
  MOV X3, #1
  CASP X0, X1, X2, X3, [x]
thread P1
  MOV X2, #2
  MOV X3, #2
  CASP X0, X1, X2, X3, [x]
exists (P0:X0 = 0 /\\ P0:X1 = 0 /\\ P1:X0 = 0 /\\ P1:X1 = 0 /\\ x = {0, 0})
"""


@pytest.mark.parametrize("model", ["sc", "arm"])
def test_two_casps_on_one_pair(model):
    # Both expect {0, 0}. Both cannot read {0, 0}: each would succeed, and the
    # other's write would come between its read and its write (atomicity). The
    # one that reads {0, 0} succeeds; the other reads the winner's pair as one
    # single-copy atomic access -- {1, 1} or {2, 2}, never a mixture -- and
    # fails, keeping the winner's pair in memory and in its registers.
    assert _states(TWO_CASPS, model) == {
        "P0:X0=0; P0:X1=0; P1:X0=1; P1:X1=1; x={1,1}",
        "P0:X0=2; P0:X1=2; P1:X0=0; P1:X1=0; x={2,2}",
    }


def test_casp_reads_the_pair_single_copy_atomically():
    # P0's CASP writes {1, 1} over {0, 0} (it always succeeds: nobody else
    # writes). P1's CASP expects {7, 7}, so it only reads: {0, 0} or {1, 1}, never
    # one element of each, as the pair is one single-copy atomic access (Arm
    # ARM, CASP). An LDP reads two elements separately: all four mixtures.
    text = """
memory
  x[2] = {0, 0}
thread P0
  MOV X2, #1
  MOV X3, #1
  CASP X0, X1, X2, X3, [x]
thread P1
  MOV X0, #7
  MOV X1, #7
  %s
exists (P1:X0 = 1 /\\ P1:X1 = 0)
"""
    casp = _states(text % "CASP X0, X1, X2, X3, [x]", "arm")
    assert casp == {"P1:X0=0; P1:X1=0", "P1:X0=1; P1:X1=1"}
    ldp = _states(text % "LDP X0, X1, [x]", "arm")
    assert ldp == {f"P1:X0={a}; P1:X1={b}" for a in (0, 1) for b in (0, 1)}


MP_CASP = """
memory
  data = 0
  flag[2] = {0, 0}
thread P0
  MOV X5, #1
  STR X5, [data]
  MOV X2, #1
  MOV X3, #1
  %s X0, X1, X2, X3, [flag]
thread P1
  MOV X0, #1
  MOV X1, #1
  MOV X2, #2
  MOV X3, #2
  %s X0, X1, X2, X3, [flag]
  LDR X4, [data]
exists (P1:X0 = 1 /\\ P1:X4 = 0)
"""


@pytest.mark.parametrize("writer, reader, verdict", [
    # P1:X0 = 1: P1's CAS read flag[0] from P0's write (P1 writes 2). With CASPL
    # the write is a release (L): po; [L] orders W data before W flag[0]; with
    # CASPA the read is an acquire (A): [A]; po orders it before R data. R data
    # = 0 is fr before W data: W data -> W flag[0] -rfe-> R flag[0] -> R data
    # -fre-> W data is a cycle in ob, forbidden.
    ("CASPL", "CASPA", "never"),
    ("CASPAL", "CASPAL", "never"),
    # without the acquire nothing orders P1's CAS read before its LDR, without
    # the release nothing orders P0's STR before its CAS write: allowed
    ("CASPL", "CASP", "sometimes"),
    ("CASP", "CASPA", "sometimes"),
])
def test_casp_acquire_and_release(writer, reader, verdict):
    assert _observation(MP_CASP % (writer, reader)) == verdict


# --------------------------------------------------------------------------- LDXP, STXP

def test_ldxp_stxp_values():
    # LDXP reads x[0] = 3 into X0 and x[1] = 4 into X1. The STXP may succeed
    # (W9 = 0, x = {13, 14}) or fail (W9 = 1, x unchanged): a store-exclusive
    # may fail without any other access (Arm ARM, the exclusive monitor may
    # be cleared at any time).
    text = """
memory
  x[2] = {3, 4}
thread P0
  LDXP X0, X1, [x]
  ADD X2, X0, #10
  ADD X3, X1, #10
  STXP W9, X2, X3, [x]
exists (P0:X0 = 0 /\\ P0:X1 = 0 /\\ P0:W9 = 0 /\\ x = {0, 0})
"""
    assert _states(text, "sc") == {
        "P0:W9=0; P0:X0=3; P0:X1=4; x={13,14}",
        "P0:W9=1; P0:X0=3; P0:X1=4; x={3,4}",
    }


@pytest.mark.parametrize("first", ["", "LDXR X0, [x]", "LDXP X0, X1, [y]"])
def test_stxp_fails_without_its_ldxp(first):
    # no load-exclusive open, a single one (a Store-Exclusive of another size
    # than its Load-Exclusive is CONSTRAINED UNPREDICTABLE in the Arm ARM: the
    # tool takes the failure), or a pair of other elements: the store-exclusive
    # fails, W9 = 1, and x keeps {3, 4}
    text = f"""
memory
  x[2] = {{3, 4}}
  y[2] = {{0, 0}}
thread P0
  {first or "NOP"}
  MOV X2, #9
  STXP W9, X2, X2, [x]
exists (P0:W9 = 0 /\\ x = {{0, 0}})
"""
    assert _states(text, "arm") == {"P0:W9=1; x={3,4}"}


INCREMENTS = """
memory
  x[2] = {0, 0}
thread P0
  LDXP X0, X1, [x]
  ADD X0, X0, #1
  ADD X1, X1, #1
  STXP W9, X0, X1, [x]
thread P1
  LDXP X0, X1, [x]
  ADD X0, X0, #1
  ADD X1, X1, #1
  STXP W9, X0, X1, [x]
exists (P0:W9 = 0 /\\ P1:W9 = 0 /\\ P0:X0 = 1 /\\ P0:X1 = 1 /\\ P1:X0 = 1 /\\ P1:X1 = 1
        /\\ x = {0, 0})
"""


@pytest.mark.parametrize("model", ["sc", "arm"])
def test_two_exclusive_pair_increments(model):
    # Each thread reads the pair as one single-copy atomic access: {0, 0}, or
    # the other's whole pair {1, 1} (which needs the other's STXP to have
    # succeeded); both cannot read each other's (each write would precede the
    # other's read and follow it in coherence). X0, X1 below are the values
    # written back (read + 1), W9 the status.
    #   both read {0, 0}: at most one succeeds (a success after the other's
    #     would break atomicity): P0 only, P1 only (x = {1, 1}), or neither
    #     (x = {0, 0});
    #   one reads {0, 0} and succeeds, the other reads {1, 1}: it succeeds
    #     (x = {2, 2}) or fails (x = {1, 1}).
    assert _states(INCREMENTS, model) == {
        "P0:W9=0; P0:X0=1; P0:X1=1; P1:W9=1; P1:X0=1; P1:X1=1; x={1,1}",
        "P0:W9=1; P0:X0=1; P0:X1=1; P1:W9=0; P1:X0=1; P1:X1=1; x={1,1}",
        "P0:W9=1; P0:X0=1; P0:X1=1; P1:W9=1; P1:X0=1; P1:X1=1; x={0,0}",
        "P0:W9=0; P0:X0=1; P0:X1=1; P1:W9=0; P1:X0=2; P1:X1=2; x={2,2}",
        "P0:W9=0; P0:X0=1; P0:X1=1; P1:W9=1; P1:X0=2; P1:X1=2; x={1,1}",
        "P0:W9=0; P0:X0=2; P0:X1=2; P1:W9=0; P1:X0=1; P1:X1=1; x={2,2}",
        "P0:W9=1; P0:X0=2; P0:X1=2; P1:W9=0; P1:X0=1; P1:X1=1; x={1,1}",
    }


MP_EXCL = """
memory
  data = 0
  flag[2] = {0, 0}
thread P0
  MOV X1, #1
  STR X1, [data]
  LDXP X2, X3, [flag]
  %s W9, X1, X1, [flag]
thread P1
  %s
  LDR X4, [data]
exists (P0:W9 = 0 /\\ %s)
"""


@pytest.mark.parametrize("store, load, outcome, verdict", [
    # P1 reads flag[0] = 1 from P0's successful STLXP (release: po; [L] orders W
    # data before it); LDAXP's read is an acquire ([A]; po orders it before R
    # data); R data = 0 is fr before W data: a cycle in ob, forbidden.
    ("STLXP", "LDAXP X2, X3, [flag]", "P1:X2 = 1 /\\ P1:X4 = 0", "never"),
    # no release, or no acquire: nothing orders the two halves of the cycle
    ("STXP", "LDAXP X2, X3, [flag]", "P1:X2 = 1 /\\ P1:X4 = 0", "sometimes"),
    ("STLXP", "LDXP X2, X3, [flag]", "P1:X2 = 1 /\\ P1:X4 = 0", "sometimes"),
    # LDAXP reads the pair P0's STLXP writes as one single-copy atomic access:
    # never half of it; an LDP reads each element on its own and may
    ("STLXP", "LDAXP X2, X3, [flag]", "P1:X2 = 1 /\\ P1:X3 = 0", "never"),
    ("STLXP", "LDP X2, X3, [flag]", "P1:X2 = 1 /\\ P1:X3 = 0", "sometimes"),
])
def test_exclusive_pair_acquire_release_and_atomicity(store, load, outcome, verdict):
    assert _observation(MP_EXCL % (store, load, outcome)) == verdict


# --------------------------------------------------------------------------- LDPSW

def test_ldpsw_sign_extends_each_word():
    # int32_t v = {-1, -2, 7}. LDPSW X5, X6, [X3]: two 32-bit reads, each
    # sign-extended to 64 bits: -1 and -2. The pre-indexed LDPSW X0, X1, [X2,
    # #4]! reads v[1] and v[2] (-2 and 7) and leaves X2 = v + 4 (X4 = X2 - v =
    # 4). LDP W7, W8 zero-extends instead: X7 = 0xFFFFFFFF = 4294967295.
    text = """
memory
  v[3] int32_t = {-1, -2, 7}
thread P0
  MOV X2, &v
  MOV X3, &v
  LDPSW X5, X6, [X3]
  LDPSW X0, X1, [X2, #4]!
  SUB X4, X2, X3
  LDP W7, W8, [X3]
exists (P0:X0 = 0 /\\ P0:X1 = 0 /\\ P0:X4 = 0 /\\ P0:X5 = 0 /\\ P0:X6 = 0 /\\ P0:X7 = 0)
"""
    assert _states(text, "sc") == {
        "P0:X0=-2; P0:X1=7; P0:X4=4; P0:X5=-1; P0:X6=-2; P0:X7=4294967295"}


# --------------------------------------------------------------------------- LDNP, STNP

def test_ldnp_stnp_values():
    # STNP X0, X1, [X2, #8] writes 5 at x[1] and 6 at x[2]; LDNP X3, X4, [X2]
    # then reads x[0] = 0 and x[1] = 5
    text = """
memory
  x[3] = {0, 0, 0}
thread P0
  MOV X0, #5
  MOV X1, #6
  MOV X2, &x
  STNP X0, X1, [X2, #8]
  LDNP X3, X4, [X2]
exists (P0:X3 = 1 /\\ P0:X4 = 0 /\\ x = {0, 0, 0})
"""
    assert _states(text, "sc") == {"P0:X3=0; P0:X4=5; x={0,5,6}"}


READ_PAIR_IN_ORDER = """
memory
  x[2] = {0, 0}
thread P0
  MOV X1, #1
  MOV X2, &x
  STR X1, [X2, #8]
  STLR X1, [X2]
thread P1
  MOV X2, &x
  %s X0, X1, [X2]
exists (P1:X0 = 1 /\\ P1:X1 = 0)
"""


@pytest.mark.parametrize("load, verdict", [
    # P0 writes x[1] then x[0], ordered (po; [L]). P1 reads x[0] = 1 (new) and
    # x[1] = 0 (old). LDIAPP reads x[0] first, acquirePC: [Q]; po orders it
    # before the read of x[1]: W x[1] -> W x[0] -rfe-> R x[0] -> R x[1] -fre->
    # W x[1] is a cycle, forbidden (herd's L084).
    ("LDIAPP", "never"),
    # LDNP, like LDP, makes two reads nothing orders: allowed
    ("LDNP", "sometimes"),
    ("LDP", "sometimes"),
])
def test_which_pair_loads_read_in_order(load, verdict):
    assert _observation(READ_PAIR_IN_ORDER % load) == verdict


# --------------------------------------------------------------------------- LDIAPP, STILP

def test_ldiapp_stilp_values_and_write_back():
    # X2 = x + 16; STILP X0, X1, [X2, #-16]! writes 1 at x[0] and 2 at x[1] and
    # sets X2 = x. STILP X3, X4, [X5] (X5 = x + 16) writes 3 at x[2], 4 at
    # x[3]. LDIAPP X6, X7, [X2], #16 reads x[0], x[1] (1, 2), then X2 = x + 16;
    # LDIAPP X8, X9, [X2] reads x[2], x[3] (3, 4).
    text = """
memory
  x[4] = {0, 0, 0, 0}
thread P0
  MOV X0, #1
  MOV X1, #2
  MOV X2, &x
  ADD X2, X2, #16
  STILP X0, X1, [X2, #-16]!
  MOV X3, #3
  MOV X4, #4
  ADD X5, X2, #16
  STILP X3, X4, [X5]
  LDIAPP X6, X7, [X2], #16
  LDIAPP X8, X9, [X2]
exists (P0:X6 = 0 /\\ P0:X7 = 0 /\\ P0:X8 = 0 /\\ P0:X9 = 0 /\\ x = {0, 0, 0, 0})
"""
    assert _states(text, "sc") == {"P0:X6=1; P0:X7=2; P0:X8=3; P0:X9=4; x={1,2,3,4}"}


def test_ldiapp_stilp_w_registers_step_by_eight():
    # W pairs: 32-bit elements, and the write-back steps are 8 bytes. STILP
    # W0, W1, [X2, #-8]! with X2 = v + 8 writes v[0] = 1, v[1] = 2 and sets X2 =
    # v; LDIAPP W3, W4, [X2], #8 reads them back and sets X2 = v + 8 (X5 = 8).
    text = """
memory
  v[2] int32_t = {0, 0}
thread P0
  MOV W0, #1
  MOV W1, #2
  MOV X6, &v
  ADD X2, X6, #8
  STILP W0, W1, [X2, #-8]!
  LDIAPP W3, W4, [X2], #8
  SUB X5, X2, X6
exists (P0:W3 = 0 /\\ P0:W4 = 0 /\\ P0:X5 = 0 /\\ v = {0, 0})
"""
    assert _states(text, "sc") == {"P0:W3=1; P0:W4=2; P0:X5=8; v={1,2}"}


MP_LDIAPP = """
memory
  data = 0
  flag[2] = {0, 0}
thread P0
  MOV X1, #1
  STR X1, [data]
  DMB ST
  STP X1, X1, [flag]
thread P1
  %s X2, X3, [flag]
  LDR X4, [data]
exists (P1:X2 = 1 /\\ P1:X4 = 0)
"""


@pytest.mark.parametrize("load, verdict", [
    # P1:X2 = 1 reads flag[0] from P0's STP, which DMB ST orders after W data
    # ([W]; po; [dmb.st]; po; [W]). LDIAPP's read is acquirePC: [Q]; po orders
    # it before R data, and R data = 0 is fr before W data: W data -> W flag[0]
    # -rfe-> R flag[0] -> R data -fre-> W data, a cycle: forbidden.
    ("LDIAPP", "never"),
    # an LDP's read orders nothing after it: allowed
    ("LDP", "sometimes"),
])
def test_ldiapp_orders_later_accesses(load, verdict):
    assert _observation(MP_LDIAPP % load) == verdict


STILP_ORDER = """
memory
  x[2] = {0, 0}
thread P0
  MOV X0, #1
  MOV X1, #2
  MOV X2, &x
  %s
thread P1
  MOV X2, &x
  LDR X3, [X2, #%d]
  DMB LD
  LDR X4, [X2, #%d]
exists (P1:X3 = %d /\\ P1:X4 = 0)
"""


@pytest.mark.parametrize("store, first, verdict", [
    # STILP X0, X1, [X2] writes x[0] = 1, then x[1] = 2, both releases: po;
    # [L] orders the first before the second. P1 reads x[1] = 2 then (DMB LD)
    # x[0] = 0: W x[0] -> W x[1] -rfe-> R x[1] -> R x[0] -fre-> W x[0], a cycle:
    # forbidden (herd's L082). Reading x[0] = 1 then x[1] = 0 goes against no
    # order: allowed.
    ("STILP X0, X1, [X2]", 1, "never"),
    ("STILP X0, X1, [X2]", 0, "sometimes"),
    # the pre-indexed STILP writes the second register's element first (Arm
    # ARM, STILP; herd's L083): reading x[0] = 1 then x[1] = 0 is forbidden,
    # the other way round allowed
    ("ADD X2, X2, #16\n  STILP X0, X1, [X2, #-16]!", 0, "never"),
    ("ADD X2, X2, #16\n  STILP X0, X1, [X2, #-16]!", 1, "sometimes"),
    # STNP's writes are ordered neither way
    ("STNP X0, X1, [X2]", 1, "sometimes"),
    ("STNP X0, X1, [X2]", 0, "sometimes"),
])
def test_stilp_writes_in_order(store, first, verdict):
    # first: the element P1 reads first (its byte offset is 8 * first); the
    # outcome is "that element new, the other old"
    other = 1 - first
    text = STILP_ORDER % (store, 8 * first, 8 * other, first + 1)
    assert _observation(text) == verdict


# --------------------------------------------------------------------------- tags

@pytest.mark.parametrize("instr, tags", [
    ("CASP X0, X1, X2, X3, [x]", [("R", set()), ("R", set())]),
    ("CASPA X0, X1, X2, X3, [x]", [("R", {"A"}), ("R", {"A"})]),
    ("CASPAL X0, X1, X2, X3, [x]", [("R", {"A"}), ("R", {"A"})]),
    ("LDXP X0, X1, [x]", [("R", {"X"}), ("R", {"X"})]),
    ("LDAXP X0, X1, [x]", [("R", {"X", "A"}), ("R", {"X", "A"})]),
    ("LDIAPP X0, X1, [x]", [("R", {"Q"}), ("R", {"Q"})]),
    ("STILP X0, X1, [x]", [("W", {"L"}), ("W", {"L"})]),
    ("LDNP X0, X1, [x]", [("R", set()), ("R", set())]),
    ("STNP X0, X1, [x]", [("W", set()), ("W", set())]),
])
def test_tags(instr, tags):
    # the first events of each: a CASP's reads come before its writes (the
    # writes of CASPL/CASPAL are releases, checked below); acquire A, acquirePC
    # Q, release L, exclusive X as herd tags them
    text = f"memory\n  x[2] = {{0, 0}}\nthread P0\n  {instr}\nexists (x = {{0, 0}})\n"
    got = _tags(text)[:2]
    assert [(k, set(t)) for k, t in got] == tags


def test_release_writes_of_casp_and_stlxp():
    text = """
memory
  x[2] = {0, 0}
thread P0
  CASPL X0, X1, X2, X3, [x]
  LDXP X4, X5, [x]
  STLXP W9, X4, X5, [x]
exists (x = {0, 0})
"""
    writes = [t for k, t in _tags(text) if k == "W"]
    assert writes and all(t in ({"L"}, {"L", "X"}) for t in map(set, writes))
    assert {"L", "X"} in map(set, writes)


# --------------------------------------------------------------------------- operands

@pytest.mark.parametrize("line, message", [
    ("CASP X1, X2, X4, X5, [X6]", "3:8: CASP: Xs must be an even-numbered register, found X1"),
    ("CASP X0, X2, X4, X5, [X6]",
     "3:12: CASP: X(s+1) must be the register after Xs (X1), found X2"),
    ("CASPA W0, W1, W3, W4, [X6]",
     "3:17: CASPA: Wt must be an even-numbered register, found W3"),
    ("CASPL X0, X1, W2, W3, [X6]", "3:17: CASPL takes four registers of one width"),
    ("CASP SP, X1, X2, X3, [X6]", "3:8: CASP takes general-purpose registers, found SP"),
    ("CASP X0, X1, X2, X3, [X6, #16]",
     "3:24: CASP takes [Xn], with no offset and no write-back, found '[X6, #16]'"),
    ("LDXP X1, X1, [X6]", "3:12: LDXP loading the same register twice is UNPREDICTABLE"),
    ("LDAXP X1, W2, [X6]", "3:13: LDAXP takes two registers of one width"),
    ("STXP X9, X1, X2, [X6]", "3:8: STXP writes its status to a W register, found X9"),
    ("STLXP W1, X1, X2, [X6]",
     "3:9: STLXP writing its status to a register it also uses (W1) is UNPREDICTABLE"),
    ("STXP W6, X1, X2, [X6]",
     "3:8: STXP writing its status to a register it also uses (W6) is UNPREDICTABLE"),
    ("LDPSW W0, W1, [X6]", "3:9: LDPSW takes X registers, found W0"),
    ("LDPSW X6, X1, [X6], #8",
     "3:17: LDPSW with write-back to a register it also transfers is UNPREDICTABLE"),
    ("LDNP X0, X1, [X6], #16",
     "3:16: LDNP has no write-back form: it takes [Xn{, #imm}], found '[X6], #16'"),
    ("STNP X0, X1, [X6, X2]", "3:16: STNP takes an immediate offset"),
    ("LDIAPP X0, X1, [X6], #8",
     "3:18: LDIAPP takes [Xn] or [Xn], #16 (X registers), found '[X6], #8'"),
    ("LDIAPP W0, W1, [X6, #-8]!",
     "3:18: LDIAPP takes [Xn] or [Xn], #8 (W registers), found '[X6, #-8]!'"),
    ("STILP X0, X1, [X6], #16",
     "3:17: STILP takes [Xn] or [Xn, #-16]! (X registers), found '[X6], #16'"),
    ("STILP X0, X1, [X6, #16]",
     "3:17: STILP takes [Xn] or [Xn, #-16]! (X registers), found '[X6, #16]'"),
])
def test_bad_operands_are_refused_where_they_are(line, message):
    # columns: the instruction starts at column 3 of line 3; each count is
    # that of the offending operand in the line as written
    text = f"thread P0\n  NOP\n  {line}\nexists (P0:X0 = 0)\n"
    with pytest.raises(ParseError) as info:
        litmus.parse(text)
    assert str(info.value) == f"<string>:{message}"


def test_a_bad_pair_is_one_line_and_exit_2(tmp_path, capsys):
    p = tmp_path / "odd.lit"
    p.write_text("memory\n  x[2] = {0, 0}\nthread P0\n  CASP X1, X2, X3, X4, [x]\n"
                 "exists (x = {0, 0})\n")
    assert main(["run", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"{p}:4:8: CASP: Xs must be an even-numbered register, found X1"


def test_herd_format_reads_the_same_pairs():
    # herd's spelling of test_casp_succeeds_when_both_elements_match (the
    # registers are declared int64_t so that they print as the DSL's do)
    text = """AArch64 CASP-values
{
int64_t x[2] = {5,6};
0:X4=x;
int64_t 0:X0; int64_t 0:X1;
}
 P0                       ;
 MOV X0,#5                ;
 MOV X1,#6                ;
 MOV X2,#7                ;
 MOV X3,#8                ;
 CASPAL X0,X1,X2,X3,[X4]  ;
exists (0:X0=0 /\\ 0:X1=0 /\\ x={0,0})
"""
    result = litmus.check(litmus.parse(text, path="t.litmus"), "arm")
    assert {s.herd_key() for s in result.states} == {"0:X0=5; 0:X1=6; x={7,8}"}
