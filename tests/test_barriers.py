"""Every barrier form, and which of the four access pairs it orders.

The expected verdicts are derived here from the Arm ARM's definitions of the
barriers (DDI 0487, B2.3 "Definition of the Armv8 memory model" and the DMB /
DSB / ISB instruction descriptions), not taken from the tool:

* ``DMB <full>`` (SY, ISH, OSH) orders every earlier access before every
  later one; ``DMB <ld>`` (LD, ISHLD, OSHLD) orders earlier reads before
  later reads and writes; ``DMB <st>`` (ST, ISHST, OSHST) orders earlier
  writes before later writes only.
* A ``DSB`` does what the DMB of the same kind does, and moreover no
  instruction after it executes until it completes, so the accesses it waits
  for are ordered before *every* later access: ``DSB <st>`` also orders an
  earlier write before a later READ (herd7's ``DSB-ob``; herd's instruction
  test L041, SB with DSB ST on both sides, is Never).
* ``NSH`` barriers order accesses only within the non-shareable domain, the
  issuing PE alone: they order nothing another observer sees (herd7's
  convention, which the ``arm`` model follows).
* ``ISB`` on its own orders no memory access (it orders only together with a
  control or address dependency before it).

So, for the four pairs (earlier -> later access of the barrier's thread)::

    form                    W->W  W->R  R->R  R->W
    DMB SY / ISH / OSH       yes   yes   yes   yes
    DMB LD / ISHLD / OSHLD   -     -     yes   yes
    DMB ST / ISHST / OSHST   yes   -     -     -
    DSB SY / ISH / OSH       yes   yes   yes   yes
    DSB LD / ISHLD / OSHLD   -     -     yes   yes
    DSB ST / ISHST / OSHST   yes   yes   -     -       <- W->R: DSB only
    DMB/DSB NSH, NSHLD, NSHST -    -     -     -
    ISB                      -     -     -     -

Each pair is probed by a two-thread shape whose only possible ordered-before
cycle needs exactly that pair on the barrier's thread(s) (all other edges are
rfe / fre, or are already ordered by construction):

    W->W  MP:  P0: Wx; BAR; Wy       P1: Ry; addr; Rx      exists Ry=1, Rx=0
          cycle Wx -BAR-> Wy -rfe-> Ry -addr-> Rx -fre-> Wx
    W->R  SB:  P0: Wx; BAR; Ry       P1: Wy; BAR; Rx       exists Ry=0, Rx=0
          cycle Wx -BAR-> Ry -fre-> Wy -BAR-> Rx -fre-> Wx
    R->R  MP:  P0: Wx; DMB SY; Wy    P1: Ry; BAR; Rx       exists Ry=1, Rx=0
          cycle Wx -bob-> Wy -rfe-> Ry -BAR-> Rx -fre-> Wx
    R->W  LB:  P0: Rx; BAR; Wy       P1: Ry; BAR; Wx       exists Rx=1, Ry=1
          cycle Rx -BAR-> Wy -rfe-> Ry -BAR-> Wx -rfe-> Rx

Under ``arm`` the outcome is ``never`` when BAR orders the pair and
``sometimes`` otherwise (the unbarriered shapes MP+po+addr, SB, MP+dmb.sy+po
and LB are all allowed by ARMv8). ``arm`` ignores shareability: SY, ISH and
OSH alike.

``device`` on normal memory with CPUs only must equal ``arm`` (device-memory.md:
"on a test where every location is normal and no thread is a device agent it
must give exactly what arm gives"); inner-shareable barriers order as CPUs see
them, and every event of these cycles is a CPU's.

``device`` with a device agent on the other side (D4): the same shapes with
the other thread a device agent (its own program order is kept, D5). The
cycle now passes through an agent outside the inner-shareable domain, so an
ISH-scoped barrier (ISH, ISHST, ISHLD, DMB or DSB) no longer closes it, while
SY/ST/LD/OSH* barriers still do. Locations are normal memory (DMA), so D1
and D2 play no part. ``arm`` ignores this and keeps its own verdict.

``tso`` (device-memory.md): a full DMB/DSB of any scope (SY, ISH, OSH, NSH)
is an MFENCE; LD/ST barriers and ISB add nothing. TSO itself keeps W->W,
R->R and R->W; only W->R needs the MFENCE. ``sc``: every shape is never.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import litmus

ROOT = Path(__file__).resolve().parent.parent

OPTIONS = ("SY", "ST", "LD", "ISH", "ISHST", "ISHLD", "OSH", "OSHST", "OSHLD",
           "NSH", "NSHST", "NSHLD")
FORMS = tuple(f"{kind} {opt}" for kind in ("DMB", "DSB") for opt in OPTIONS) + ("ISB",)

PAIRS = ("W->W", "W->R", "R->R", "R->W")

Y, N = True, False
#: The table of the module docstring, written out by hand (the Arm ARM
#: definitions): does the form order the pair under `arm`?
#:               W->W W->R R->R R->W
ARM_ORDERS: dict[str, tuple[bool, bool, bool, bool]] = {
    "DMB SY":    (Y,   Y,   Y,   Y),
    "DMB ISH":   (Y,   Y,   Y,   Y),
    "DMB OSH":   (Y,   Y,   Y,   Y),
    "DMB LD":    (N,   N,   Y,   Y),
    "DMB ISHLD": (N,   N,   Y,   Y),
    "DMB OSHLD": (N,   N,   Y,   Y),
    "DMB ST":    (Y,   N,   N,   N),
    "DMB ISHST": (Y,   N,   N,   N),
    "DMB OSHST": (Y,   N,   N,   N),
    "DMB NSH":   (N,   N,   N,   N),
    "DMB NSHLD": (N,   N,   N,   N),
    "DMB NSHST": (N,   N,   N,   N),
    "DSB SY":    (Y,   Y,   Y,   Y),
    "DSB ISH":   (Y,   Y,   Y,   Y),
    "DSB OSH":   (Y,   Y,   Y,   Y),
    "DSB LD":    (N,   N,   Y,   Y),
    "DSB ISHLD": (N,   N,   Y,   Y),
    "DSB OSHLD": (N,   N,   Y,   Y),
    "DSB ST":    (Y,   Y,   N,   N),
    "DSB ISHST": (Y,   Y,   N,   N),
    "DSB OSHST": (Y,   Y,   N,   N),
    "DSB NSH":   (N,   N,   N,   N),
    "DSB NSHLD": (N,   N,   N,   N),
    "DSB NSHST": (N,   N,   N,   N),
    "ISB":       (N,   N,   N,   N),
}

#: x86-TSO's full fences among the aarch64 barriers (device-memory.md, "sc,
#: tso and arm on the same files"): full DMB/DSB of any shareability.
TSO_MFENCE = {f"{k} {o}" for k in ("DMB", "DSB") for o in ("SY", "ISH", "OSH", "NSH")}


def arm_orders(form: str, pair: str) -> bool:
    return ARM_ORDERS[form][PAIRS.index(pair)]


def ish_scoped(form: str) -> bool:
    return form.split()[-1].startswith("ISH")


def verdict(ordered: bool) -> str:
    return "never" if ordered else "sometimes"


def shape(form: str, pair: str, agent: bool = False) -> str:
    """The DSL text of the shape probing ``pair`` with ``form`` (see the module
    docstring); with ``agent`` the other thread is a device agent, which needs
    no barrier or dependency of its own (D5)."""
    other = "DEV device" if agent else "P1"
    q = "DEV" if agent else "P1"
    if pair == "W->W":
        reader = ("  LDR   r0, [y]\n  LDR   r1, [x]\n" if agent else
                  "  LDR   r0, [y]\n  EOR   r2, r0, r0\n  LDR   r1, [x, r2]\n")
        body = (f"thread P0\n  STR   #1, [x]\n  {form}\n  STR   #1, [y]\n\n"
                f"thread {other}\n{reader}\n"
                f"exists ({q}:r0 = 1 /\\ {q}:r1 = 0)\n")
    elif pair == "W->R":
        bar = "" if agent else f"  {form}\n"
        body = (f"thread P0\n  STR   #1, [x]\n  {form}\n  LDR   r0, [y]\n\n"
                f"thread {other}\n  STR   #1, [y]\n{bar}  LDR   r1, [x]\n\n"
                f"exists (P0:r0 = 0 /\\ {q}:r1 = 0)\n")
    elif pair == "R->R":
        bar = "" if agent else "  DMB   SY\n"
        body = (f"thread {other}\n  STR   #1, [x]\n{bar}  STR   #1, [y]\n\n"
                f"thread P0\n  LDR   r0, [y]\n  {form}\n  LDR   r1, [x]\n\n"
                f"exists (P0:r0 = 1 /\\ P0:r1 = 0)\n")
    elif pair == "R->W":
        bar = "" if agent else f"  {form}\n"
        body = (f"thread P0\n  LDR   r0, [x]\n  {form}\n  STR   #1, [y]\n\n"
                f"thread {other}\n  LDR   r1, [y]\n{bar}  STR   #1, [x]\n\n"
                f"exists (P0:r0 = 1 /\\ {q}:r1 = 1)\n")
    else:
        raise ValueError(pair)
    name = f"{pair.replace('->', '')}+{form.replace(' ', '.').lower()}" + ("+dev" if agent else "")
    return f"test {name}\nmemory\n  x  normal\n  y  normal\n\n{body}"


CASES = [pytest.param(form, pair, id=f"{form.replace(' ', '.')}-{pair.replace('->', '')}")
         for form in FORMS for pair in PAIRS]


def test_table_covers_every_form():
    assert len(FORMS) == 25
    assert set(ARM_ORDERS) == set(FORMS)


@pytest.mark.parametrize("form, pair", CASES)
def test_barrier_between_cpus(form: str, pair: str):
    """arm, device (normal memory, CPUs only: must equal arm), tso and sc."""
    test = litmus.parse(shape(form, pair))
    want = {
        "arm": verdict(arm_orders(form, pair)),
        "device": verdict(arm_orders(form, pair)),
        "tso": verdict(pair != "W->R" or form in TSO_MFENCE),
        "sc": "never",
    }
    got = {m: litmus.check(test, m).observation for m in want}
    assert got == want, shape(form, pair)
    arm, dev = litmus.check(test, "arm"), litmus.check(test, "device")
    assert {str(s) for s in dev.states} == {str(s) for s in arm.states}


@pytest.mark.parametrize("form, pair", CASES)
def test_barrier_seen_by_a_device_agent(form: str, pair: str):
    """D4: the same pair observed through a device agent. device: ordered only
    by barriers of system or outer-shareable scope; arm: unchanged."""
    test = litmus.parse(shape(form, pair, agent=True))
    want = {
        "arm": verdict(arm_orders(form, pair)),
        "device": verdict(arm_orders(form, pair) and not ish_scoped(form)),
    }
    got = {m: litmus.check(test, m).observation for m in want}
    assert got == want, shape(form, pair, agent=True)


# --- a store, a barrier, then a read of a device register --------------------

STORE_THEN_STATUS = """\
test store-{name}-readl-relaxed
memory
  buf     normal
  status  device-nGnRE @dev

thread P0
  STR   #1, [buf]
  {barrier}
  readl_relaxed r0, [status]

thread DEV device
  STR   #1, [status]
  LDR   r1, [buf]

exists (P0:r0 = 0 /\\ DEV:r1 = 0)
"""

#: STR buf; BARRIER; readl_relaxed(status) against a device that sets STATUS
#: and then DMA-reads buf (in order, D5). The condition is the SB outcome:
#: the CPU read the old status and the device the old buffer. Its only cycle
#:   P0:Wbuf -> P0:Rstatus -fre-> DEV:Wstatus -D5-> DEV:Rbuf -fre-> P0:Wbuf
#: needs Wbuf ordered before Rstatus for the device; buf (normal) and status
#: (device-nGnRE) are at different endpoints, so D1 gives nothing, and
#: readl_relaxed is a bare LDR. So:
#: - wmb() = DSB ST: a DSB waits for the earlier writes to complete before any
#:   later instruction, the read included, and ST is system scope (D4): every
#:   observer sees the order. device: never; arm: never.
#: - mb() = DSB SY: the same. device: never; arm: never.
#: - dma_wmb() = DMB OSHST: a DMB ST orders earlier writes before later
#:   WRITES only; the read may be performed first. device, arm: sometimes.
#: - DSB ISHST: orders W->R (a DSB), but only within the inner-shareable
#:   domain (D4); the cycle passes through the device. device: sometimes;
#:   arm (shareability ignored): never.
#: - smp_mb() = DMB ISH: full, inner-shareable: device sometimes, arm never.
#: tso: only a full barrier is an MFENCE; DSB ST, DMB OSHST and DSB ISHST
#: add nothing, and TSO lets a read pass an earlier write (SB): sometimes;
#: DSB SY and DMB ISH: never. sc: never.
STORE_THEN_STATUS_VERDICTS = {
    #  barrier     (sc,      tso,         arm,         device)
    "wmb":       ("never", "sometimes", "never",     "never"),
    "mb":        ("never", "never",     "never",     "never"),
    "dma_wmb":   ("never", "sometimes", "sometimes", "sometimes"),
    "DSB ISHST": ("never", "sometimes", "never",     "sometimes"),
    "smp_mb":    ("never", "never",     "never",     "sometimes"),
}


@pytest.mark.parametrize("barrier", list(STORE_THEN_STATUS_VERDICTS))
def test_store_barrier_then_device_read(barrier: str):
    text = STORE_THEN_STATUS.format(name=barrier.replace(" ", "-").lower(), barrier=barrier)
    test = litmus.parse(text)
    want = dict(zip(("sc", "tso", "arm", "device"), STORE_THEN_STATUS_VERDICTS[barrier]))
    got = {m: litmus.check(test, m).observation for m in want}
    assert got == want


# --- herd's own instruction test for DSB ST ---------------------------------

HERD_INSTR = ROOT.parent / "shared" / "reference" / "herd-instructions"


@pytest.mark.needs(HERD_INSTR / "expected.jsonl")
def test_herd_L041_sb_dsb_st_is_never():
    """L041 (SB with DSB ST on both sides), read in place: the states and the
    observation are herd7 7.58's (Never)."""
    records = [json.loads(line) for line in
               (HERD_INSTR / "expected.jsonl").read_text().splitlines() if line.strip()]
    (rec,) = [r for r in records if r["file"] == "AArch64/L041.litmus"]
    assert rec["observation"] == "Never"
    result = litmus.check(litmus.load(HERD_INSTR / rec["file"]), "arm")
    assert {s.herd_key() for s in result.states} == set(rec["states"])
    assert result.observation.capitalize() == rec["observation"]
