"""Every dependency kind, through memory, against herd's AArch64 definitions.

Each case is a load-buffering cycle: P0 reads x then writes z; P1 reads z,
has a DMB SY, then writes x = 1. The outcome P0:W0 = 1 /\\ P1:W6 = 1 needs
P1's write to overtake P1's read (forbidden by the DMB) or P0's write to
overtake P0's read. So, under ``arm``, it is forbidden exactly when P0's read
of x is ordered before its write of z (ordered-before, ob).

What orders them, in herd7 7.58's aarch64 model (aarch64deps.cat,
aarch64hwreqs.cat), through a store to y and a later load of y:

* ``dob = ... | (addr | data); lrs`` -- a real address or data dependency
  into the store, then the local read successor (lrs: the load reads the
  store it follows);
* ``pick-basic-dep = [R]; pick-dtrm`` where ``pick-dtrm`` follows register
  data, an instruction's internal control (CSEL's condition, CAS's
  comparison: ``iico_ctrl``) and ``lmrs`` (= lrs); and
  ``pick-lob = pick-basic-dep; lob; [W]``, ``pob = pick-dep; [W] | ...``;
* ``bob = ... | [A | Q]; po`` (an acquire orders what follows it).

Each expectation below is derived from those definitions in its comment.
"""

from __future__ import annotations

import pytest

import litmus

P1 = """
thread P1
  LDR W6, [z]
  DMB SY
  MOV W7, #1
  STR W7, [x]
"""

CASES = {
    # R x -data-> W y -lrs-> R y: dob; R y -data-> W z: dob. ob: forbidden.
    "data-lrs-data": ("""
  STR W0, [y]
  LDR W2, [y]
  STR W2, [z]
""", "never"),
    # R x -addr-> W y (offset W0^W0) -lrs-> R y: dob; then data into W z. Forbidden.
    "addr-lrs-data": ("""
  EOR W9, W0, W0
  MOV W4, #1
  STR W4, [y, r9]
  LDR W2, [y]
  STR W2, [z]
""", "never"),
    # R x -data-> W y -lrs-> LDAR y: dob; LDAR -[A];po-> W z: bob. Forbidden.
    "data-lrs-acquire": ("""
  STR W0, [y]
  LDAR W2, [y]
  MOV W5, #1
  STR W5, [z]
""", "never"),
    # R x -addr-> W y -lrs-> LDAR y: dob; then bob. Forbidden.
    "addr-lrs-acquire": ("""
  EOR W9, W0, W0
  MOV W4, #1
  STR W4, [y, r9]
  LDAR W2, [y]
  MOV W5, #1
  STR W5, [z]
""", "never"),
    # CSEL's condition reads the flags of CMP W0: W1 pick-depends on R x (iico_ctrl);
    # R x -pick-basic-dep-> LDAR y (through the store's data and lmrs);
    # pick-lob: pick-basic-dep; lob (LDAR -bob-> W z); [W]. Forbidden.
    "pick-data-lrs-acquire": ("""
  CMP W0, #1
  MOV W4, #1
  CSEL W1, W4, W4, EQ
  STR W1, [y]
  LDAR W2, [y]
  MOV W5, #1
  STR W5, [z]
""", "never"),
    # the same pick dependency reaching W z's data through y: pob (pick-dep; [W]).
    "pick-data-lrs-data": ("""
  CMP W0, #1
  MOV W4, #1
  CSEL W1, W4, W4, EQ
  STR W1, [y]
  LDR W2, [y]
  STR W2, [z]
""", "never"),
    # a pick dependency into the store's address (CSEL of zeros as the offset),
    # then lmrs into LDAR y: pick-basic-dep; bob (and directly, pob's
    # pick-addr-dep; [M]; po; [W]). Forbidden.
    "pick-addr-lrs-acquire": ("""
  CMP W0, #1
  CSEL W1, WZR, WZR, EQ
  MOV W4, #1
  STR W4, [y, r1]
  LDAR W2, [y]
  MOV W5, #1
  STR W5, [z]
""", "never"),
    # a branch on a CSEL result: W z is pick-ctrl-dependent on R x; pob. Forbidden.
    "pick-ctrl": ("""
  CMP W0, #1
  MOV W4, #1
  CSEL W1, W4, W4, EQ
  CBZ W1, over
over:
  MOV W5, #1
  STR W5, [z]
""", "never"),
    # CAS's comparison: the write of y pick-depends on R x through W3 (the
    # expected value); lmrs into LDAR y; bob. Forbidden.
    "cas-compare-lrs-acquire": ("""
  EOR W3, W0, W0
  MOV W4, #1
  CAS W3, W4, [y]
  LDAR W2, [y]
  MOV W5, #1
  STR W5, [z]
""", "never"),
    # Controls. The acquire reads another location: no lrs from the store, so
    # nothing orders R x before LDAR w. Allowed.
    "pick-data-then-acquire-elsewhere": ("""
  CMP W0, #1
  MOV W4, #1
  CSEL W1, W4, W4, EQ
  STR W1, [y]
  LDAR W2, [w]
  MOV W5, #1
  STR W5, [z]
""", "sometimes"),
    # No dependency into the store at all. Allowed.
    "no-dependency-lrs-acquire": ("""
  MOV W4, #1
  STR W4, [y]
  LDAR W2, [y]
  MOV W5, #1
  STR W5, [z]
""", "sometimes"),
    # A second store to y comes between: lrs relates only the last one (which
    # carries no dependency) to the load, and the load must read it (CoWR). Allowed.
    "data-then-overwritten": ("""
  STR W0, [y]
  MOV W4, #1
  STR W4, [y]
  LDR W2, [y]
  STR W2, [z]
""", "sometimes"),
}


def program(body: str) -> str:
    return ("thread P0\n  LDR W0, [x]\n" + body.strip("\n") + "\n" + P1
            + "exists (P0:W0 = 1 /\\ P1:W6 = 1)\n")


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("model", ["arm", "device"])
def test_dependency_through_memory(name, model):
    body, want = CASES[name]
    result = litmus.check(litmus.parse(program(body)), model)
    assert result.observation == want, (name, [str(s) for s in result.states])


@pytest.mark.parametrize("name", sorted(CASES))
def test_sc_forbids_every_cycle(name):
    """Under SC the cycle is always forbidden: a sanity check of the shape."""
    body, _ = CASES[name]
    assert litmus.check(litmus.parse(program(body)), "sc").observation == "never"
