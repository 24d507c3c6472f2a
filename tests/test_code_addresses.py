"""Code addresses as values: labels' addresses, subroutine calls, branches to
a register.

What herd7 does (herdtools7, read in its sources; herd's default, without
``-variant self``):

* ``P1:L0`` in an initial state and ``label:"P1:L0"`` in a condition are the
  address of label L0 of thread P1; a state prints one as ``label:"P1:L0"``.
* ``ADR Xd, L`` puts the address of label L in Xd (``AArch64Sem.ml``).
* ``BL L`` and ``BLR Xn`` put the return address in X30 (``get_link_addr``):
  the label of the next instruction when it has labels (the first in
  alphabetical order: ``Label.norm``), else a number internal to herd.
* ``BR``, ``BLR`` and ``RET`` jump to the code address in the register
  (``do_indirect_jump``), into another thread's code too, which then runs with
  the calling thread's registers; a constant that is no code is an error
  ("Segmentation fault", "must be a label"); a value read from memory forks
  over the *exported* labels (those of initial values and of ``ADR``), and an
  execution in which it is none of them does not exist (its constraint
  fails).
* A backward jump counts against ``-unroll`` per target (``mem.ml``,
  ``fetch_addr``), returns included (a ``RET`` goes back to an earlier
  instruction).
* Reading a label's address reads the instruction there (an exported label's
  initial value): a value herd prints ``instr:"ADD W0,W0,#1"``, its label
  operands as offsets (``ADR X0,.+4``); a store there needs ``-variant self``.

Every expected value below is derived by hand in its test's docstring.
"""

from __future__ import annotations

import re

import pytest

import litmus
from litmus.enumerate import LOOP_FLAG, NO_LABEL_FLAG
from litmus.errors import EncodingError, ParseError


def herd(text: str) -> litmus.Test:
    return litmus.parse(text, path="t.litmus")


def states(result: litmus.Result) -> list[str]:
    return sorted(s.herd_key() for s in result.states)


# --------------------------------------------------------------------------- BL, RET, X30

CALL = """\
AArch64 CALL
{ }
 P0             ;
 MOV W0,#1      ;
 BL Lf          ;
Lret:           ;
 ADD W0,W0,#10  ;
 B Lend         ;
Lf:             ;
 ADD W0,W0,#100 ;
 RET            ;
Lend:           ;
forall (0:X0=111 /\\ 0:X30=label:"P0:Lret")
"""


def test_bl_returns_after_itself_and_x30_holds_the_next_label():
    """X0 = 1; BL jumps to Lf with X30 = the address of the instruction after
    it, which has the label Lret; Lf adds 100 (101) and RET returns to Lret,
    which adds 10 (111), then B skips Lf. X30 keeps Lret's address, printed as
    herd prints a label: one state, 0:X0=111 and 0:X30=label:"P0:Lret"."""
    r = litmus.check(herd(CALL), "arm")
    assert states(r) == ['0:X0=111; 0:X30=label:"P0:Lret"']
    assert r.observation == "always"


def test_the_return_label_is_the_first_in_alphabetical_order():
    """Two labels on the instruction after BL (Lz first, then La): herd's
    return address is the label Label.norm picks, the smallest name, La."""
    text = CALL.replace("Lret:           ;", "Lz:             ;\nLa:             ;").replace(
        'label:"P0:Lret"', 'label:"P0:La"')
    r = litmus.check(herd(text), "arm")
    assert states(r) == ['0:X0=111; 0:X30=label:"P0:La"']


def test_a_return_address_without_a_label_is_not_printed():
    """Without a label after BL, herd's X30 is a number of its own making,
    which this tool does not print: observing it is refused, in one line."""
    text = CALL.replace("Lret:           ;\n", "").replace(
        'forall (0:X0=111 /\\ 0:X30=label:"P0:Lret")', "locations [0:X30;]\nforall (0:X0=111)")
    with pytest.raises(EncodingError, match="code address without a label") as info:
        litmus.check(herd(text), "arm")
    assert "\n" not in str(info.value)


def test_bl_ret_and_an_indirect_branch_in_the_mini_language():
    """X0 = 1; BL inc adds 1 (2) and returns to ADR; X2 = the address of done,
    and BR X2 jumps over inc: X0 = 2 in every execution."""
    text = """\
thread P0
  MOV  X0, #1
  BL   inc
  ADR  X2, done
  BR   X2
inc:
  ADD  X0, X0, #1
  RET
done:
  NOP
exists (P0:X0 = 2)
"""
    r = litmus.check(litmus.parse(text), "sc")
    assert [str(s) for s in r.states] == ["P0:X0=2"] and r.observation == "always"


def test_blr_jumps_to_the_old_value_of_its_register():
    """BLR X30 reads X30 before writing the return address into it: X30 holds
    Lf's address (ADR), so Lf runs (X0 = 7) and its RET returns after the BLR,
    whose next instruction has the label Lback."""
    text = """\
AArch64 BLRX30
{ }
 P0          ;
 ADR X30,Lf  ;
 BLR X30     ;
Lback:       ;
 B Lend      ;
Lf:          ;
 MOV W0,#7   ;
 RET         ;
Lend:        ;
forall (0:X0=7 /\\ 0:X30=label:"P0:Lback")
"""
    r = litmus.check(herd(text), "arm")
    assert states(r) == ['0:X0=7; 0:X30=label:"P0:Lback"'] and r.observation == "always"


# --------------------------------------------------------------------------- another thread's code


def test_a_call_into_another_threads_code_runs_with_the_callers_registers():
    """P0 calls P1's Ldouble with BLR X8 (X8 = P1:Ldouble): P0's X9 = 3 is
    doubled (6) and stored through P0's X5, the address of x; P1 jumps over
    Ldouble, so y, P1's X5, is never written. One state: X0=6, x=6, y=0."""
    text = """\
AArch64 FOREIGN
{ 0:X8=P1:Ldouble; 0:X5=x; 1:X5=y; }
 P0           | P1             ;
 MOV X9,#3    | B Lend         ;
 BLR X8       |Ldouble:        ;
 MOV X0,X9    | ADD X9,X9,X9   ;
              | STR X9,[X5]    ;
              | RET            ;
              |Lend:           ;
forall (0:X0=6 /\\ x=6 /\\ y=0)
"""
    r = litmus.check(herd(text), "arm")
    assert states(r) == ["0:X0=6; [x]=6; [y]=0"] and r.observation == "always"


# --------------------------------------------------------------------------- a branch on a loaded value

SELECT = """\
AArch64 SELECT
{ y=P1:Lb; 0:X1=P1:La; 0:X2=y; 0:X3=x; 1:X2=y; 1:X3=x; }
 P0          | P1          ;
 MOV W0,#1   | LDR X4,[X2] ;
 STR W0,[X3] | BR X4       ;
 DMB SY      |La:          ;
 STR X1,[X2] | MOV W5,#1   ;
             | LDR W6,[X3] ;
             | B Lend      ;
             |Lb:          ;
             | MOV W5,#2   ;
             |Lend:        ;
exists (1:X5=1 /\\ 1:X6=0)
"""


def test_an_indirect_branch_chooses_its_label_by_the_value_loaded():
    """y holds Lb's address, then P0's store gives it La's (after x = 1 and a
    DMB). P1 branches to what it reads: Lb (W5 = 2, X6 never written: 0), or
    La (W5 = 1, then it reads x). Under sc, reading La means reading x after
    P0's store: x = 1. Under arm, the read of x after the branch is only
    control-dependent on the read of y (no ISB), so it may read 0 too."""
    t = herd(SELECT)
    sc = litmus.check(t, "sc")
    assert states(sc) == ["1:X5=1; 1:X6=1", "1:X5=2; 1:X6=0"]
    assert sc.observation == "never"
    arm = litmus.check(t, "arm")
    assert states(arm) == ["1:X5=1; 1:X6=0", "1:X5=1; 1:X6=1", "1:X5=2; 1:X6=0"]
    assert arm.observation == "sometimes"
    assert NO_LABEL_FLAG not in arm.flags


def test_an_isb_after_the_indirect_branch_orders_the_read():
    """The same with an ISB at La: a control dependency and an ISB order the
    read of x after the read of y (AArch64's ctrl;isb), and y = La's address
    comes from P0's store, after x = 1 (DMB): La reads x = 1."""
    t = herd(SELECT.replace(" MOV W5,#1   ;", " ISB         ;\n             | MOV W5,#1   ;"))
    arm = litmus.check(t, "arm")
    assert states(arm) == ["1:X5=1; 1:X6=1", "1:X5=2; 1:X6=0"]
    assert arm.observation == "never"


def test_a_loaded_value_that_is_no_label_has_no_execution():
    """With y = 0 initially, P1 may read 0, which is no label: in herd the
    constraint "the value is one of the labels" fails, so that execution does
    not exist. The states left are La's; the result says that such
    executions were dropped."""
    t = herd(SELECT.replace("y=P1:Lb; ", ""))
    sc = litmus.check(t, "sc")
    assert states(sc) == ["1:X5=1; 1:X6=1"]
    assert NO_LABEL_FLAG in sc.flags


# --------------------------------------------------------------------------- unrolling


def test_a_loop_through_br_counts_against_unroll():
    """P0 adds 1 to X0, reads flag, leaves when it is 1, else BR X1 back to
    loop: a backward jump, taken at most N times with --unroll N (the next one
    cuts the path). So X0 ends in 1..N+1, and the executions that read flag =
    0 N+1 times are cut (loop-bound-reached)."""
    text = """\
thread P0
  ADR  X1, loop
loop:
  ADD  X0, X0, #1
  LDR  X2, [flag]
  CBNZ X2, out
  BR   X1
out:
  NOP
thread P1
  STR  #1, [flag]
exists (P0:X0 = 1)
"""
    t = litmus.parse(text)
    for n, want in ((0, ["P0:X0=1"]), (1, ["P0:X0=1", "P0:X0=2"]),
                    (2, ["P0:X0=1", "P0:X0=2", "P0:X0=3"])):
        r = litmus.check(t, "sc", unroll=n)
        assert [str(s) for s in r.states] == want, n
        assert LOOP_FLAG in r.flags


def test_each_return_counts_for_its_own_target():
    """Two calls to f: the first RET goes back to the second BL, the second
    RET to B end, each an earlier instruction, so each a backward jump, but to
    two targets, each taken once: --unroll 1 leaves X0 = 2; --unroll 0 cuts
    the first return, and no execution has a final state."""
    text = """\
thread P0
  BL   f
  BL   f
  B    end
f:
  ADD  X0, X0, #1
  RET
end:
  NOP
exists (P0:X0 = 2)
"""
    t = litmus.parse(text)
    one = litmus.check(t, "sc", unroll=1)
    assert [str(s) for s in one.states] == ["P0:X0=2"] and LOOP_FLAG not in one.flags
    zero = litmus.check(t, "sc", unroll=0)
    assert zero.states == () and LOOP_FLAG in zero.flags


# --------------------------------------------------------------------------- instructions read from code


def test_a_load_from_a_label_reads_the_instruction_there():
    """ADR makes L0 an exported label, so (herd without -variant self) its
    address holds the instruction at L0 as its initial value: LDR W2 reads
    ADD W0,W0,#1, printed as herd prints instructions."""
    text = """\
AArch64 FETCH
{ ins_t 0:X2; }
 P0            ;
 ADR X1,L0     ;
 LDR W2,[X1]   ;
 B Lend        ;
L0:            ;
 ADD W0,W0,#1  ;
Lend:          ;
locations [0:X2;]
forall (0:X0=0)
"""
    r = litmus.check(herd(text), "arm")
    assert states(r) == ['0:X0=0; 0:X2=instr:"ADD W0,W0,#1"']


def test_a_store_to_code_is_refused():
    """herd refuses a store to a label's address without -variant self
    ("requires instruction fetch functionality")."""
    text = """\
AArch64 SMC
{ 0:X1=P0:L0; }
 P0          ;
 MOV W0,#1   ;
 STR W0,[X1] ;
L0:          ;
 NOP         ;
exists (0:X0=1)
"""
    with pytest.raises(EncodingError, match=r"not supported: a store to code \(P0:L0\)"):
        litmus.check(herd(text), "arm")


def test_instructions_as_values_stay_refused():
    text = 'AArch64 T\n{ 0:X0=instr:"NOP"; }\n P0 ;\n NOP ;\nexists (0:X0=0)\n'
    with pytest.raises(ParseError, match=r'not supported: instructions as values '
                       r'\(instr:"\.\.\."; self-modifying code'):
        herd(text)


# --------------------------------------------------------------------------- label values in the text


def test_both_spellings_of_a_label_value_are_one_value():
    """herd writes a label's address P0:L0 in initial states, label:"P0:L0"
    (or label:"0:L0") in conditions: the three are one value."""
    text = """\
AArch64 SPELL
{ 0:X1=P0:L0; }
 P0         ;
L0:         ;
 ADR X2,L0  ;
forall (0:X1=label:"0:L0" /\\ 0:X2=label:"P0:L0" /\\ 0:X1=label:"P0:L0")
"""
    r = litmus.check(herd(text), "arm")
    assert r.observation == "always"
    assert states(r) == ['0:X1=label:"P0:L0"; 0:X2=label:"P0:L0"']


@pytest.mark.parametrize("value,message", [
    ("P1:L9", "'L9' is not a label of thread P1 (its labels: L0)"),
    ("P1:L", "'L' is not a label of thread P1 (did you mean L0?)"),
    ("P5:L0", "unknown thread 'P5' in the label value P5:L0 (the test has threads P0..P1)"),
    ('label:"P1 L0"', "expected a label as label:\"P0:L0\", found label:\"P1 L0\""),
])
def test_bad_label_values(value, message):
    text = f"AArch64 T\n{{ 0:X1={value}; }}\n P0 | P1 ;\n NOP | L0: ;\nexists (0:X0=0)\n"
    with pytest.raises(ParseError, match=re.escape(message)) as info:
        herd(text)
    assert str(info.value).startswith("t.litmus:2:")


# --------------------------------------------------------------------------- bad targets


@pytest.mark.parametrize("init,line,message", [
    ("0:X1=x;", "BR X1", (r"BR X1: the target, X1 = x, is the address of a location, not "
                          r"of code \(herd: the target of a branch to a register must be a "
                          r"label\)")),
    ("", "RET", (r"RET: the target, X30 = 0x0, is not a code address \(herd: segmentation "
                 r"fault\)")),
    ("0:X1=5;", "BLR X1", r"BLR X1: the target, X1 = 0x5, is not a code address"),
])
def test_a_branch_to_a_register_that_holds_no_code_is_refused(init, line, message):
    """herd stops with an error on a branch to a constant that is no code:
    "Segmentation fault (kidding, address 0x0 does not point to code)" for a
    number, "must be a label" for a location's address. Refused here too, in
    one line at the instruction, never a traceback."""
    text = f"AArch64 T\n{{ {init} }}\n P0 ;\n MOV W0,#1 ;\n {line} ;\nexists (0:X0=1)\n"
    with pytest.raises(EncodingError, match=message) as info:
        litmus.check(herd(text), "arm")
    assert str(info.value).startswith("t.litmus:5:2: ") and "\n" not in str(info.value)


def test_a_branch_on_a_loaded_value_without_any_label_is_refused():
    """herd: "Could find no potential target for indirect branch" when the
    test has no exported label."""
    text = "AArch64 T\n{ 0:X2=y; }\n P0 ;\n LDR X1,[X2] ;\n BR X1 ;\nexists (0:X1=0)\n"
    with pytest.raises(EncodingError, match="has no label it may be"):
        litmus.check(herd(text), "arm")


def test_a_return_address_reloaded_from_memory_is_refused():
    """X30 = after's address (BL), stored to x and loaded back: RET branches on
    a loaded value, which herd forks over the exported labels only (here:
    end, of the ADR); the value after's address is not one of them, and what
    herd answers then is not known: refused, not guessed."""
    text = """\
thread P0
  ADR  X5, end
  BL   f
after:
  B    end
f:
  STR  X30, [x]
  LDR  X30, [x]
  RET
end:
  NOP
exists (P0:X5 = 0)
"""
    with pytest.raises(EncodingError, match="not supported: RET may branch to a code address"):
        litmus.check(litmus.parse(text), "sc")


def test_br_takes_an_x_register():
    with pytest.raises(ParseError, match="BR takes an X register"):
        litmus.parse("thread P0\n  BR W1\nexists (P0:X0 = 0)\n")


def test_code_herd_names_unknowably_is_refused():
    """P0 runs P1's code (BLR X8), where BL Lg leaves the address of Lr: herd
    names that label after one of the two threads, which its sources do not
    settle; refused rather than guessed."""
    text = """\
AArch64 T
{ 0:X8=P1:Lf; }
 P0       | P1       ;
 BLR X8   | B Lend   ;
          |Lf:       ;
          | BL Lg    ;
          |Lr:       ;
          | RET      ;
          |Lg:       ;
          | RET      ;
          |Lend:     ;
exists (0:X0=0)
"""
    with pytest.raises(EncodingError, match="not supported: a return address with a label "
                       "computed in thread P1's code run by thread P0"):
        litmus.check(herd(text), "arm")


def test_reading_code_at_a_label_herd_does_not_initialise_is_refused():
    """herd gives the instruction at a label as an initial value only for the
    labels of initial values and of ADR: a load from a return label is
    refused."""
    text = """\
thread P0
  BL   f
ret:
  B    end
f:
  LDR  W0, [X30]
  RET
end:
  NOP
exists (P0:X0 = 0)
"""
    with pytest.raises(EncodingError, match='not supported: an access to code at '
                       'label:"P0:ret"'):
        litmus.check(litmus.parse(text), "sc")


# --------------------------------------------------------------------------- telechat

TELECHAT = """\
AArch64 TC
{VARIANT}
{{ 0:X1=x; }}
 P0          ;
 MOV X0,#1   ;
 STR X0,[X1] ;
 RET         ;
 MOV X0,#2   ;
 STR X0,[X1] ;
exists (x=2)
"""


def test_telechat_final_ret_ends_the_thread():
    """Under herd's ``Variant=telechat`` (tests compiled from C, whose thread
    functions end in ``RET`` to the X30 they started with, 0), herd assumes
    "a ret/branch is an exit" (its ``do_indirect_jump``): the thread stops at
    the RET, so the store of 2 never runs: x ends 1 and ``x=2`` is never
    reached. herd7 gives A253 so (../shared/reference/herd-instructions)."""
    res = litmus.check(herd(TELECHAT.format(VARIANT="Variant=telechat")), "arm")
    assert states(res) == ["[x]=1"]
    assert res.observation == "never"


def test_ret_to_no_code_without_telechat_is_refused():
    """Without the variant, a RET to X30 = 0 is a jump to an address that is no
    code: herd faults ("Segmentation fault"); refused, naming the register."""
    with pytest.raises(litmus.LitmusError, match=r"X30 = 0x0, is not a code address"):
        litmus.check(herd(TELECHAT.format(VARIANT="")), "arm")


def test_telechat_ret_after_bl_returns():
    """Under telechat a RET whose X30 is code is still a return: P0 calls Lf
    (BL sets X30 to Lret's address), Lf stores 1 and returns to Lret, which
    stores 2 and branches to the end. x ends 2, the last store in program
    order to it (coherence follows po on one thread)."""
    text = """\
AArch64 TC2
Variant=telechat
{ 0:X1=x; }
 P0            ;
 BL Lf         ;
Lret:          ;
 MOV X0,#2     ;
 STR X0,[X1]   ;
 B Lend        ;
Lf:            ;
 MOV X0,#1     ;
 STR X0,[X1]   ;
 RET           ;
Lend:          ;
exists (x=1)
"""
    res = litmus.check(herd(text), "arm")
    assert states(res) == ["[x]=2"]
    assert res.observation == "never"


@pytest.mark.parametrize("text", [
    "AArch64 S\n{ 0:VNCR_EL2=x; }\n P0 ;\n MOV X0,#1 ;\nexists (0:X0=1)\n",
    "thread P0\n  MOV VNCR_EL2, #1\nexists (P0:X0 = 1)\n",
])
def test_system_registers_are_named_as_out_of_scope(text):
    """A system register (``VNCR_EL2``, Arm ARM D19) is a system-level feature:
    refused as not supported, naming it, not as a misspelt register."""
    with pytest.raises(litmus.LitmusError,
                       match=r"not supported: system registers \(VNCR_EL2; system-level"):
        litmus.check(litmus.parse(text, path="t.litmus" if "AArch64" in text else "t.lit"),
                     "arm")
