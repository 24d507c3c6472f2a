"""D4 of the device model, "Cumulativity through a CPU" (device-memory.md).

The rule, in the spec's words: if a write reached CPU P (an ``ob-cpu`` chain
ending in an rfe into a read r of P), and P orders r before a later write w of
its own *for every observer* (acquire, dependency, control, or a full
system-scope barrier: ``lob-sys``) with a system-scope store or full barrier
(DMB/DSB ST, SY, OSHST, OSH) between r and w in program order, then the write
is ordered before w for every observer.

The ring hand-off probes it: CPU P0 writes a descriptor, ``smp_wmb()`` (DMB
ISHST: by D4 it orders only as CPUs see it), then tail; CPU P1 reads tail and
writes the doorbell (Device-nGnRE of the NIC) in one of the ways below; the
NIC reads the doorbell, then DMA-reads the descriptor (in order, D5). The
question: doorbell=1 and the old descriptor? The only cycle is

    P0:Wdesc -> P0:Wtail -rfe-> P1:Rtail -> P1:Wdoorbell -rfe-> NIC:Rdoorbell
             -D5-> NIC:Rdesc -fre-> P0:Wdesc

It runs through the NIC, so under ``device`` its first edge exists only by
the cumulativity rule (desc and tail are normal memory: no D1), and the rule
needs both of its conditions on P1. Under ``arm`` (shareability ignored) the
first edge is bob (DMB ST) and the cycle closes when P1 orders Rtail before
Wdoorbell at all (acquire, dependency, a DMB/DSB full or LD barrier).

    P1 between Rtail and Wdoorbell  lob-sys?  SysSt    device     arm
    LDAR; STR                       yes (A)   no       sometimes  never
    LDAR; writel                    yes (A)   OSHST    never      never
    LDAR; smp_wmb; STR              yes (A)   no(ISH)  sometimes  never
    LDAR; dma_wmb; STR              yes (A)   OSHST    never      never
    LDAR; wmb; STR                  yes (A)   DSB ST   never      never
    LDAR; DSB ISHST; STR            yes (A)   no(ISH)  sometimes  never
    LDR; mb; STR                    yes (SY)  DSB SY   never      never
    LDR; smp_mb; writel             no (ISH)  OSHST    sometimes  never
    LDR; rmb; writel                yes (LD)  OSHST    never      never
    LDR; dma_rmb; writel            yes (LD)  OSHST    never      never
    LDR; rmb; STR                   yes (LD)  no (LD)  sometimes  never
    LDR; smp_rmb; writel            no (ISH)  OSHST    sometimes  never
    LDR; writel                     no        OSHST    sometimes  sometimes
    LDR; CBZ; writel                yes ctrl  OSHST    never      never
    LDR; CBZ; writel_relaxed        yes ctrl  no       sometimes  never
    LDR; writel r0 (data)           yes data  OSHST    never      never

(``lob-sys``: DMB OSHST orders writes before writes only, so it does not
order Rtail before Wdoorbell; DSB LD orders reads before everything, with
system scope; an LD barrier is not a store or full barrier, hence ``rmb(); STR``
is sometimes although Rtail is ordered before Wdoorbell for everyone.)

``sc`` and ``tso`` are never throughout (TSO keeps W->W on P0 and R->W on P1,
and D5 the NIC's reads).
"""

from __future__ import annotations

import pytest

import litmus

HANDOFF = """\
test handoff
memory
  desc      normal
  tail      normal
  doorbell  device-nGnRE @nic

thread P0
  STR   #1, [desc]
  smp_wmb
  STR   #1, [tail]

thread P1
{p1}

thread NIC device
  LDR   r1, [doorbell]
  LDR   r2, [desc]

exists (P1:r0 = 1 /\\ NIC:r1 = 1 /\\ NIC:r2 = 0)
"""

#: P1's code -> (device, arm), from the table of the module docstring
P1_VARIANTS: dict[str, tuple[str, str]] = {
    "LDAR r0, [tail]; STR #1, [doorbell]": ("sometimes", "never"),
    "LDAR r0, [tail]; writel #1, [doorbell]": ("never", "never"),
    "LDAR r0, [tail]; smp_wmb; STR #1, [doorbell]": ("sometimes", "never"),
    "LDAR r0, [tail]; dma_wmb; STR #1, [doorbell]": ("never", "never"),
    "LDAR r0, [tail]; wmb; STR #1, [doorbell]": ("never", "never"),
    "LDAR r0, [tail]; DSB ISHST; STR #1, [doorbell]": ("sometimes", "never"),
    "LDR r0, [tail]; mb; STR #1, [doorbell]": ("never", "never"),
    "LDR r0, [tail]; smp_mb; writel #1, [doorbell]": ("sometimes", "never"),
    "LDR r0, [tail]; rmb; writel #1, [doorbell]": ("never", "never"),
    "LDR r0, [tail]; dma_rmb; writel #1, [doorbell]": ("never", "never"),
    "LDR r0, [tail]; rmb; STR #1, [doorbell]": ("sometimes", "never"),
    "LDR r0, [tail]; smp_rmb; writel #1, [doorbell]": ("sometimes", "never"),
    "LDR r0, [tail]; writel #1, [doorbell]": ("sometimes", "sometimes"),
    "LDR r0, [tail]; CBZ r0, out; writel #1, [doorbell]; out:": ("never", "never"),
    "LDR r0, [tail]; CBZ r0, out; writel_relaxed #1, [doorbell]; out:": ("sometimes", "never"),
    "LDR r0, [tail]; writel r0, [doorbell]": ("never", "never"),
}


def _code(line: str) -> str:
    return "\n".join(f"  {part.strip()}" for part in line.split(";"))


@pytest.mark.parametrize("p1", list(P1_VARIANTS))
def test_handoff(p1: str):
    test = litmus.parse(HANDOFF.format(p1=_code(p1)))
    device, arm = P1_VARIANTS[p1]
    want = {"sc": "never", "tso": "never", "arm": arm, "device": device}
    got = {m: litmus.check(test, m).observation for m in want}
    assert got == want


WRC_HANDOFF = """\
test handoff-through-two-cpus
memory
  desc      normal
  tail      normal
  doorbell  device-nGnRE @nic

thread P0
  STR   #1, [desc]

thread P1
  LDR   r0, [desc]
  {barrier}
  STR   #1, [tail]

thread P2
  smp_load_acquire r0, [tail]
  writel #1, [doorbell]

thread NIC device
  LDR   r1, [doorbell]
  LDR   r2, [desc]

exists (P1:r0 = 1 /\\ P2:r0 = 1 /\\ NIC:r1 = 1 /\\ NIC:r2 = 0)
"""


@pytest.mark.parametrize("barrier, device", [("smp_mb", "never"), ("smp_wmb", "sometimes")])
def test_chain_through_two_cpus(barrier: str, device: str):
    """A longer ob-cpu chain: P0 writes desc, P1 reads it and, after smp_mb()
    (DMB ISH: orders its read before its write as CPUs see it), writes tail;
    P2 reads tail with acquire and writel()s the doorbell. The chain
    P0:Wdesc -rfe-> P1:Rdesc -bob(ISH)-> P1:Wtail is ob-cpu and ends in
    Wtail -rfe-> P2:Rtail, which P2 orders before Wdoorbell for everyone
    (acquire) across writel's DMB OSHST: by the rule Wdesc is before Wdoorbell
    for the NIC, and the cycle ... -rfe-> NIC:Rdoorbell -D5-> NIC:Rdesc -fre->
    P0:Wdesc closes. device: never. With smp_wmb() (DMB ISHST) on P1 instead,
    P1's read is ordered before nothing (a store barrier), so no ob-cpu chain
    links Wdesc to Wtail: device sometimes, and arm sometimes too (WRC with
    DMB ST in the middle thread is allowed). sc, tso: never (TSO: WRC is
    forbidden, R->W and W->W kept, D5)."""
    test = litmus.parse(WRC_HANDOFF.format(barrier=barrier))
    want = {"sc": "never", "tso": "never",
            "arm": "never" if barrier == "smp_mb" else "sometimes", "device": device}
    got = {m: litmus.check(test, m).observation for m in want}
    assert got == want
