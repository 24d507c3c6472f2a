"""AArch64 instruction families, each value derived by hand from the Arm ARM.

Every case runs twice, written in the mini-DSL and in herd's syntax (both go
through the same instruction table), and must give the values derived in its
comment: flags by AddWithCarry() (C6.2 ADDS, SUBS; ANDS clears C and V),
shifts by ShiftReg(), extends by ExtendReg(), bitfields by DecodeBitMasks(),
W destinations zero-extended. Then the dependencies each family carries,
against herd's definitions (aarch64.cat: ``dob = addr | data | ctrl; [W] |
...``, ``pob = pick-dep; [W] | ...``); the operand checks; the refusals.
"""

from __future__ import annotations

import sys

import pytest

import litmus
from litmus.errors import EncodingError, ParseError

MASK = (1 << 64) - 1


def _regs(lines: list[str]) -> list[str]:
    names = set()
    for line in lines:
        for word in line.replace(",", " ").replace("[", " ").replace("]", " ").split():
            if word[:1] in "XW" and word[1:].isdigit():
                names.add(int(word[1:]))
    return [f"X{n}" for n in sorted(names)]


def _values(result) -> dict[str, int | str]:
    """The final state as {register or location: 64-bit value (or address name)}."""
    return {k.split(":")[-1].strip("[]"): v & MASK if isinstance(v, int) else v
            for k, v in result.states[0].values}


def run_dsl(lines: list[str], mem: tuple[str, ...] = ()) -> dict[str, int]:
    regs = _regs(lines)
    text = "memory\n" + "".join(f"  {m} = 0\n" for m in dict.fromkeys(("x", "y", *mem)))
    text += "thread P0\n" + "".join(f"  {line}\n" for line in lines)
    atoms = [f"P0:{r} = 0" for r in regs] + [f"{m} = 0" for m in mem]
    text += "exists (" + r" \/ ".join(atoms) + ")\n"
    result = litmus.check(litmus.parse(text), "sc")
    assert len(result.states) == 1, result.states
    return _values(result)


def run_herd(lines: list[str], mem: tuple[str, ...] = ()) -> dict[str, int]:
    regs = _regs(lines)
    decls = " ".join(f"uint64_t 0:{r};" for r in regs)
    decls += "".join(f" uint64_t {m};" for m in dict.fromkeys(("x", "y", *mem)))
    text = f"AArch64 T\n{{ {decls} }}\n P0 ;\n"
    for line in lines:
        text += f" {line} ;\n"
    atoms = [f"0:{r}=0" for r in regs] + [f"[{m}]=0" for m in mem]
    text += "exists (" + r" \/ ".join(atoms) + ")\n"
    result = litmus.check(litmus.parse(text, path="t.litmus"), "sc")
    assert len(result.states) == 1, result.states
    return _values(result)


def check_both(lines: list[str], want: dict[str, int | str],
               mem: tuple[str, ...] = ()) -> None:
    want = {k: v & MASK if isinstance(v, int) else v for k, v in want.items()}
    for run in (run_dsl, run_herd):
        got = run(lines, mem)
        assert {k: got[k] for k in want} == want, (run.__name__, lines)


def flags(op: str) -> list[str]:
    """``op`` then N, Z, C, V read into X20..X23 by CSET (Arm ARM: CSET Wd, cond is
    CSINC Wd, WZR, WZR, invert(cond))."""
    return [op, "CSET W20, MI", "CSET W21, EQ", "CSET W22, CS", "CSET W23, VS"]


def nzcv(n: int, z: int, c: int, v: int) -> dict[str, int]:
    return {"X20": n, "X21": z, "X22": c, "X23": v}


# --------------------------------------------------------------------------- flags

FLAG_CASES = [
    # 0x7FFF...F + 1 = 0x8000...0: the sign flips (V), no unsigned carry out.
    (["MOV X1, #0x7FFFFFFFFFFFFFFF", "MOV X2, #1", *flags("ADDS X0, X1, X2")],
     {"X0": 1 << 63, **nzcv(1, 0, 0, 1)}),
    # 0xFFFF...F + 1 = 2^64: the result is 0 and the carry out is 1; -1 + 1 = 0, no overflow.
    (["MOV X1, #-1", "MOV X2, #1", *flags("ADDS X0, X1, X2")],
     {"X0": 0, **nzcv(0, 1, 1, 0)}),
    # 32 bits: 0 - 1 = 0xFFFFFFFF (zero-extended into X0); 0 < 1 borrows (C = 0);
    # bit 31 set (N); 0 - 1 = -1 fits (no V).
    (["MOV X1, #0xFFFFFFFF00000000", "MOV W2, #1", *flags("SUBS W0, W1, W2")],
     {"X0": 0xFFFF_FFFF, **nzcv(1, 0, 0, 0)}),
    # INT64_MIN - 1 wraps to INT64_MAX: V; no borrow (C = 1).
    (["MOV X1, #0x8000000000000000", "MOV X2, #1", *flags("SUBS X0, X1, X2")],
     {"X0": (1 << 63) - 1, **nzcv(0, 0, 1, 1)}),
    # CMP X1, X1 sets C; ANDS then clears C and V: N from bit 31 of the 32-bit result.
    (["MOV X1, #0x80000000", "MOV W2, #-1", "CMP X1, X1", *flags("ANDS W0, W1, W2")],
     {"X0": 0x8000_0000, **nzcv(1, 0, 0, 0)}),
    # BICS: X1 AND NOT X2 = 0: Z.
    (["MOV X1, #0xF0", "MOV X2, #0xFF", *flags("BICS X0, X1, X2")],
     {"X0": 0, **nzcv(0, 1, 0, 0)}),
    # NEGS X0, X1 is SUBS X0, XZR, X1: 0 - INT64_MIN = INT64_MIN (V), borrow (C = 0).
    (["MOV X1, #0x8000000000000000", *flags("NEGS X0, X1")],
     {"X0": 1 << 63, **nzcv(1, 0, 0, 1)}),
    # NEGS of 0: 0 - 0 = 0, no borrow (C = 1).
    (["MOV X1, #0", *flags("NEGS X0, X1")], {"X0": 0, **nzcv(0, 1, 1, 0)}),
    # CMN W1, #1: 0xFFFFFFFF + 1 = 2^32: 0 at 32 bits with a carry.
    (["MOV W1, #-1", *flags("CMN W1, #1")], nzcv(0, 1, 1, 0)),
    # TST of the sign bit: N; C and V cleared.
    (["MOV X1, #0x8000000000000001", *flags("TST X1, #0x8000000000000000")],
     nzcv(1, 0, 0, 0)),
    # ADDS with a shifted immediate: 42 + (1 << 12) = 4138.
    (["MOV X1, #42", *flags("ADDS X0, X1, #1, LSL #12")], {"X0": 4138, **nzcv(0, 0, 0, 0)}),
    # SUBS with an extended register: 0 - SignExtend(W2 = 1) = -1, a borrow.
    (["MOV X1, #0", "MOV W2, #1", *flags("SUBS X0, X1, W2, SXTW")],
     {"X0": MASK, **nzcv(1, 0, 0, 0)}),
    # SUBS X0, X1, X2, ASR #1 with X2 = -4: X1 - (-2) = 7 - -2 = 9 (herd's A166 shape).
    (["MOV X1, #7", "MOV X2, #-4", *flags("SUBS X0, X1, X2, ASR #1")],
     {"X0": 9, **nzcv(0, 0, 0, 0)}),
]


@pytest.mark.parametrize("lines,want", FLAG_CASES)
def test_flag_setting_arithmetic(lines, want):
    check_both(lines, want)


# --------------------------------------------------------------------------- moves, logic

MOVE_CASES = [
    # MOVZ places the 16 bits at the shift and clears the rest.
    (["MOV X0, #-1", "MOVZ X0, #0x1234, LSL #48"], {"X0": 0x1234 << 48}),
    (["MOVZ W0, #42, LSL #16"], {"X0": 42 << 16}),
    # MOVN: NOT(imm << shift); at 32 bits the inverse is zero-extended.
    (["MOVN X0, #0"], {"X0": MASK}),
    (["MOVN W0, #1, LSL #16"], {"X0": 0xFFFE_FFFF}),
    # MOVK replaces one halfword and keeps the others...
    (["MOV X0, #0x1111222233334444", "MOVK X0, #0xBEEF, LSL #32"],
     {"X0": 0x1111_BEEF_3333_4444}),
    # ... of the W register: the write zero-extends (bits 63:32 are cleared).
    (["MOV X0, #0x1111222233334444", "MOVK W0, #0xBEEF"], {"X0": 0x3333_BEEF}),
    # MVN is ORN from the zero register: NOT of the (shifted) operand.
    (["MOV X1, #0", "MVN X0, X1"], {"X0": MASK}),
    (["MOV W1, #1", "MVN W0, W1, LSL #4"], {"X0": 0xFFFF_FFEF}),
    # NEG is SUB from the zero register.
    (["MOV W1, #1", "NEG W0, W1"], {"X0": 0xFFFF_FFFF}),
    (["MOV X1, #3", "NEG X0, X1, LSL #1"], {"X0": -6 & MASK}),
    # BIC, ORN, EON: the second operand inverted.
    (["MOV X1, #0xFF", "MOV X2, #0x0F", "BIC X0, X1, X2"], {"X0": 0xF0}),
    (["MOV W1, #0", "MOV W2, #1", "ORN W0, W1, W2"], {"X0": 0xFFFF_FFFE}),
    (["MOV X1, #0xFF", "MOV X2, #0", "EON X0, X1, X2"], {"X0": MASK ^ 0xFF}),
    # ADD with a shifted immediate: 42 + (1 << 12).
    (["MOV X0, #42", "ADD X0, X0, #1, LSL #12"], {"X0": 4138}),
    # MOV from SP (an ordinary register here).
    (["MOV SP, #7", "ADD X0, SP, #1"], {"X0": 8}),
]


@pytest.mark.parametrize("lines,want", MOVE_CASES)
def test_moves_and_logic(lines, want):
    check_both(lines, want)


# --------------------------------------------------------------------------- shifts, extends

SHIFT_CASES = [
    # LSL within 32 bits: 3 << 31 keeps bit 31 only.
    (["MOV W1, #3", "LSL W0, W1, #31"], {"X0": 0x8000_0000}),
    (["MOV X1, #0x8000000000000000", "LSR X0, X1, #63"], {"X0": 1}),
    # ASR of a W register fills with bit 31 and stays within 32 bits.
    (["MOV W1, #0x80000000", "ASR W0, W1, #4"], {"X0": 0xF800_0000}),
    (["MOV X1, #-256", "ASR X0, X1, #2"], {"X0": -64 & MASK}),
    # ROR rotates within the register's width.
    (["MOV W1, #1", "ROR W0, W1, #4"], {"X0": 0x1000_0000}),
    (["MOV X1, #1", "ROR X0, X1, #4"], {"X0": 1 << 60}),
    # Register amounts count modulo the width (LSLV: UInt(X[m]) MOD datasize).
    (["MOV X1, #1", "MOV X2, #65", "LSL X0, X1, X2"], {"X0": 2}),
    (["MOV W1, #1", "MOV W2, #33", "LSL W0, W1, W2"], {"X0": 2}),
    (["MOV X1, #-256", "MOV X2, #2", "ASR X0, X1, X2"], {"X0": -64 & MASK}),
    (["MOV W1, #1", "MOV W2, #36", "ROR W0, W1, W2"], {"X0": 0x1000_0000}),
    # Operand modifiers: 1 + (2 << 3) = 17; 0xFF rotated right by 8 in 64 bits;
    # the sign of W2 replicated by ASR #31 within 32 bits.
    (["MOV X1, #1", "MOV X2, #2", "ADD X0, X1, X2, LSL #3"], {"X0": 17}),
    (["MOV X1, #0", "MOV X2, #0xFF", "EOR X0, X1, X2, ROR #8"], {"X0": 0xFF << 56}),
    (["MOV W1, #0x1234", "MOV W2, #0x80000000", "AND W0, W1, W2, ASR #31"], {"X0": 0x1234}),
    # herd's L089: ORR W4, WZR, W1, ROR 4 with W1 = 0xFF.
    (["MOV W1, #0xFF", "ORR W4, WZR, W1, ROR #4"], {"X4": 0xF000_000F}),
]

EXTEND_CASES = [
    (["MOV W1, #0x80", "SXTB X0, W1"], {"X0": MASK ^ 0x7F}),
    (["MOV W1, #0x80", "SXTB W0, W1"], {"X0": 0xFFFF_FF80}),
    (["MOV W1, #0x8000", "SXTH X0, W1"], {"X0": MASK ^ 0x7FFF}),
    (["MOV W1, #0x80000000", "SXTW X0, W1"], {"X0": 0xFFFF_FFFF_8000_0000}),
    (["MOV W1, #0x1FF", "UXTB W0, W1"], {"X0": 0xFF}),
    (["MOV W1, #0x12345678", "UXTH W0, W1"], {"X0": 0x5678}),
    (["MOV X1, #-1", "UXTW X0, W1"], {"X0": 0xFFFF_FFFF}),
    # ADD (extended register): 2 + SignExtend(0xFF<7:0>) = 2 - 1 = 1; with LSL #2
    # (herd's L088): 2 + (-1 << 2) = -2.
    (["MOV X1, #2", "MOV W2, #0xFF", "ADD X0, X1, W2, SXTB"], {"X0": 1}),
    (["MOV X1, #2", "MOV W2, #255", "ADD X0, X1, W2, SXTB #2"], {"X0": -2 & MASK}),
    # UXTW #2 of 0xFFFFFFFF: 0x3FFFFFFFC (the extension is at 64 bits, then the shift).
    (["MOV X1, #0", "MOV W2, #-1", "ADD X0, X1, W2, UXTW #2"], {"X0": 0x3_FFFF_FFFC}),
    # 0 - (SignExtend(0x8000) << 1) = 0x10000.
    (["MOV X1, #0", "MOV W2, #0x8000", "SUB X0, X1, W2, SXTH #1"], {"X0": 0x10000}),
]


@pytest.mark.parametrize("lines,want", SHIFT_CASES + EXTEND_CASES)
def test_shifts_and_extends(lines, want):
    check_both(lines, want)


# --------------------------------------------------------------------------- multiplies

MUL_CASES = [
    # 0x10000 * 0x10000 = 2^32: 0 at 32 bits.
    (["MOV W1, #0x10000", "MOV W2, #0x10000", "MUL W0, W1, W2"], {"X0": 0}),
    (["MOV X1, #2", "MOV X2, #3", "MOV X3, #5", "MADD X0, X1, X2, X3",
      "MSUB X4, X1, X2, X3", "MNEG X5, X1, X2"], {"X0": 11, "X4": -1 & MASK, "X5": -6 & MASK}),
    # herd's Y005: MNEG W3, W1, W2 with W1 = -3, W2 = 2: -(-6) = 6.
    (["MOV W1, #-3", "MOV W2, #2", "MNEG W3, W1, W2"], {"X3": 6}),
    # SMULL sign-extends the words (-1 * 2), UMULL zero-extends them (0xFFFFFFFF * 2).
    (["MOV W1, #-1", "MOV W2, #2", "SMULL X0, W1, W2", "UMULL X3, W1, W2"],
     {"X0": -2 & MASK, "X3": 0x1_FFFF_FFFE}),
    # SMADDL: 10 + (-1 * 2) = 8; UMSUBL: 10 - 0x1FFFFFFFE; SMNEGL: -(-1 * -1) = -1.
    (["MOV W1, #-1", "MOV W2, #2", "MOV X3, #10", "SMADDL X0, W1, W2, X3",
      "UMSUBL X4, W1, W2, X3", "SMNEGL X5, W1, W1", "UMADDL X6, W1, W1, X3"],
     {"X0": 8, "X4": (10 - 0x1_FFFF_FFFE) & MASK, "X5": MASK,
      "X6": (0xFFFF_FFFF ** 2 + 10) & MASK}),
    # The high halves of 128-bit products: INT64_MIN * 2 = -2^64 (high: -1);
    # (2^64 - 1) * 2 unsigned = 2^65 - 2 (high: 1).
    (["MOV X1, #0x8000000000000000", "MOV X2, #2", "SMULH X0, X1, X2", "MOV X3, #-1",
      "UMULH X4, X3, X2"], {"X0": MASK, "X4": 1}),
]


@pytest.mark.parametrize("lines,want", MUL_CASES)
def test_multiplies(lines, want):
    check_both(lines, want)


# --------------------------------------------------------------------------- bitfields

BITFIELD_CASES = [
    (["MOV X1, #0x1234", "UBFX X0, X1, #4, #8"], {"X0": 0x23}),
    # bits 11:4 of 0xF80 are 0xF8, sign-extended: -8.
    (["MOV X1, #0xF80", "SBFX X0, X1, #4, #8"], {"X0": -8 & MASK}),
    (["MOV X1, #0xFF", "UBFIZ X0, X1, #8, #4"], {"X0": 0xF00}),
    # the field 0b1000 placed at bits 31:28; its top bit fills nothing above bit 31.
    (["MOV W1, #8", "SBFIZ W0, W1, #28, #4"], {"X0": 0x8000_0000}),
    (["MOV X0, #0xFFFFFFFF", "MOV X1, #0x12", "BFI X0, X1, #8, #8"], {"X0": 0xFFFF_12FF}),
    (["MOV W0, #0xAAAAAAAA", "MOV W1, #0x00340000", "BFXIL W0, W1, #16, #8"],
     {"X0": 0xAAAA_AA34}),
    (["MOV X0, #0xFF", "BFC X0, #0, #4"], {"X0": 0xF0}),
    # herd's A234: immr <= imms extracts bits 32:4; immr > imms is SBFIZ (the low
    # 8 bits placed at bit 64 - 56 = 8, their top bit 0 filling above).
    (["MOV X19, #0x1122334455667788", "UBFM X20, X19, #4, #32", "MOV X18, #0xEEDDCCBBAA998878",
      "SBFM X22, X18, #4, #32", "SBFM X23, X18, #56, #7"],
     {"X20": 0x556_6778, "X22": 0xFFFF_FFFF_FAA9_9887, "X23": 0x7800}),
    # herd's A229: a one-bit field at 32 and 64 bits.
    (["MOV W0, #0xF", "UBFM W1, W0, #0, #0", "SBFM W2, W1, #0, #0", "SBFM X5, X1, #0, #0"],
     {"X1": 1, "X2": 0xFFFF_FFFF, "X5": MASK}),
    # BFM with immr > imms inserts at bit 64 - immr: bits 3:0 of X1 at 63:60.
    (["MOV X0, #0", "MOV X1, #0xA", "BFM X0, X1, #4, #3"], {"X0": 0xA << 60}),
]


@pytest.mark.parametrize("lines,want", BITFIELD_CASES)
def test_bitfields(lines, want):
    check_both(lines, want)


# --------------------------------------------------------------------------- bits, bytes

REVERSE_CASES = [
    (["MOV W1, #0x12345678", "REV W0, W1"], {"X0": 0x7856_3412}),
    (["MOV X1, #0x0102030405060708", "REV X0, X1", "REV64 X2, X1", "REV32 X3, X1",
      "REV16 X4, X1"],
     {"X0": 0x0807_0605_0403_0201, "X2": 0x0807_0605_0403_0201, "X3": 0x0403_0201_0807_0605,
      "X4": 0x0201_0403_0605_0807}),
    (["MOV W1, #0x12345678", "REV16 W0, W1"], {"X0": 0x3412_7856}),
    (["MOV W1, #1", "RBIT W0, W1", "RBIT X2, X1"], {"X0": 0x8000_0000, "X2": 1 << 63}),
    (["MOV X1, #0", "MOV W3, #1", "CLZ X0, X1", "CLZ W2, W3", "CLZ W4, WZR"],
     {"X0": 64, "X2": 31, "X4": 32}),
    # CLS counts the bits below the top one that equal it: 63 for -1; 0x0FFFFFFF
    # has bits 30:28 equal to bit 31 (0): 3.
    (["MOV X1, #-1", "CLS X0, X1", "MOV W3, #0x0FFFFFFF", "CLS W2, W3"], {"X0": 63, "X2": 3}),
    # ABS at 32 bits: |-1| = 1; |INT32_MIN| wraps to itself (herd's L091).
    (["MOV W1, #-1", "ABS W0, W1", "MOV W3, #0x80000000", "ABS W2, W3"],
     {"X0": 1, "X2": 0x8000_0000}),
]


@pytest.mark.parametrize("lines,want", REVERSE_CASES)
def test_reversals_and_counts(lines, want):
    check_both(lines, want)


# --------------------------------------------------------------------------- selects, branches

# After CMP X1, X2 with X1 = 1 < X2 = 2: NE, LT, LO hold; EQ, GE, HS do not.
_CMP = ["MOV X1, #1", "MOV X2, #2", "MOV X3, #10", "MOV X4, #20", "CMP X1, X2"]

SELECT_CASES = [
    (_CMP + ["CSINC X0, X3, X4, EQ", "CSINV X5, X3, X4, EQ", "CSNEG X6, X3, X4, NE",
             "CSNEG X7, X3, X4, EQ", "CSEL X8, X3, X4, LT"],
     {"X0": 21, "X5": ~20 & MASK, "X6": 10, "X7": -20 & MASK, "X8": 10}),
    # CSET/CSETM test the condition (Arm ARM: CSINC/CSINV from WZR with the inverse).
    (_CMP + ["CSET W0, LO", "CSETM X5, HS", "CSETM X6, LO", "CSETM W7, LO"],
     {"X0": 1, "X5": 0, "X6": MASK, "X7": 0xFFFF_FFFF}),
    # CINC/CINV/CNEG change the operand when the condition holds.
    (_CMP + ["CINC X0, X3, LT", "CINV X5, X3, GE", "CNEG X6, X3, LT"],
     {"X0": 11, "X5": 10, "X6": -10 & MASK}),
    # The increment wraps at the destination's width.
    (_CMP + ["MOV W4, #-1", "CSINC W0, W3, W4, EQ"], {"X0": 0}),
    # TBZ/TBNZ test one bit: bit 63 of X1 is set (no TBZ branch: MOV X0, #1 runs);
    # bit 31 of W1 is set (the TBNZ branch skips MOV X5, #1).
    (["MOV X1, #0x8000000080000000", "TBZ X1, #63, L1", "MOV X0, #1", "L1:",
      "TBNZ W1, #31, L2", "MOV X5, #1", "L2:", "NOP"], {"X0": 1, "X5": 0}),
]


@pytest.mark.parametrize("lines,want", SELECT_CASES)
def test_conditional_selects_and_bit_branches(lines, want):
    check_both(lines, want)


# --------------------------------------------------------------------------- memory


def test_indexed_and_register_offset_addressing():
    # post-index: the access at X1, then X1 += 8; pre-index: X1 += off, then the
    # access there; W2 = -1 sign-extended and scaled by 8 (SXTW #3) steps back 8.
    lines = ["MOV X1, &x", "MOV X5, #5", "STR X5, [X1], #8", "LDR X0, [X1, #-8]!",
             "ADD X3, X1, #8", "MOV W2, #-1", "LDR X4, [X3, W2, SXTW #3]",
             "MOV X6, #0", "LDR X7, [X1, X6, LSL #3]", "LDUR X8, [X3, #-8]",
             "MOV X9, #9", "STUR X9, [X3, #-8]", "LDR X10, [x]"]
    check_both(lines, {"X0": 5, "X4": 5, "X7": 5, "X8": 5, "X10": 9})
    # the base after write-back: x + 8 - 8, printed as the location
    got = run_herd(["MOV X1, &x", "LDR X0, [X1], #8", "SUB X1, X1, #8"])
    assert got["X0"] == 0
    result = litmus.check(litmus.parse("thread P0\n  MOV X1, &x\n  LDR X0, [X1], #8\n"
                                       "  SUB X1, X1, #8\nexists (P0:X1 = x)\n"), "sc")
    assert result.observation == "always"


@pytest.fixture
def adjacent(monkeypatch):
    """Locations 8 bytes apart, so that a pair access reaches the next one
    (until arrays exist, an offset into a location is refused)."""
    monkeypatch.setattr(sys.modules["litmus.events"], "ADDRESS_STRIDE", 8)


def test_pairs_are_two_accesses(adjacent):
    # STP writes X2 at x and X3 at the next 8 bytes (y), then X1 += 16
    # (post-index); LDP reads them back; a pre-indexed LDP at X1 - 16 too.
    lines = ["MOV X1, &x", "MOV X2, #1", "MOV X3, #2", "STP X2, X3, [X1], #16",
             "LDP X4, X5, [x]", "LDP X6, X7, [X1, #-16]!", "SUB X8, X1, X1"]
    want = {"X4": 1, "X5": 2, "X6": 1, "X7": 2, "X8": 0, "x": 1, "y": 2, "X1": "x"}
    check_both(lines, want, mem=("x", "y"))


def test_pairs_are_not_single_copy_atomic(adjacent):
    # herd: an LDP is two reads; another thread's STP may be seen half done.
    text = """memory
  x = 0
  y = 0
thread P0
  MOV X2, #1
  MOV X3, #2
  STP X2, X3, [x]
thread P1
  LDP X4, X5, [x]
exists (P1:X4 = 0 /\\ P1:X5 = 2)
"""
    assert litmus.check(litmus.parse(text), "arm").observation == "sometimes"
    eg = litmus.events(litmus.parse(text))
    p1 = [e for e in eg.events if e.thread == "P1"]
    assert [(e.kind, e.loc) for e in p1] == [("R", "x"), ("R", "y")]


def test_pairs_as_herd_l058(adjacent):
    """herd's L058 (STP/LDP, post- and pre-indexed, two threads) with its arrays
    a[2] and b[2] written as adjacent locations: herd7's 36 states exactly."""
    import json

    from expectations import REFERENCE

    expected = REFERENCE / "herd-instructions" / "expected.jsonl"
    if not expected.exists():
        pytest.skip("herd's reference answers are not available")
    record = next(r for r in map(json.loads, expected.read_text().splitlines())
                  if r["file"] == "AArch64/L058.litmus")
    text = """AArch64 L058-adjacent
{ int64_t a; int64_t a1; int64_t b; int64_t b1; 0:X0=a; 0:X1=b; 1:X1=a; 1:X0=b; }
  P0                  |  P1                  ;
 MOV X2,#1            | MOV X2,#3            ;
 MOV X3,#2            | MOV X3,#4            ;
 STP X2,X3,[X0],#16   | STP X2,X3,[X0],#16   ;
 LDP X4,X5,[X1],#16   | LDP X4,X5,[X1],#16   ;
 STP X4,X5,[X0,#-16]! | STP X4,X5,[X0,#-16]! ;
exists ([a]=3 /\\ [a1]=4 /\\ [b]=1 /\\ [b1]=2 /\\ 0:X0=a /\\ 1:X0=b)
"""
    result = litmus.check(litmus.parse(text, path="t.litmus"), "arm")
    states = set()
    for state in result.states:
        v = dict(state.values)
        states.add(f"0:X0={v['0:X0']}; 1:X0={v['1:X0']}; a={{{v['[a]']},{v['[a1]']}}}; "
                   f"b={{{v['[b]']},{v['[b1]']}}}")
    assert states == set(record["states"])
    assert result.observation.capitalize() == record["observation"]


def test_pair_beyond_a_location_is_refused():
    text = "thread P0\n  MOV X1, &x\n  LDP X2, X3, [X1]\nexists (P0:X2 = 0)\n"
    with pytest.raises(EncodingError, match=r"address x\+8 is not a location"):
        litmus.check(litmus.parse(text), "sc")


def test_address_before_a_location_is_named_so():
    """``[X1, #-8]`` with X1 = v is 8 bytes before v: named ``v-8``, not by an
    internal number nor as the value of X1 (which is v, a location)."""
    text = "thread P0\n  MOV X1, &v\n  LDR X0, [X1, #-8]\nexists (P0:X0 = 0)\n"
    with pytest.raises(EncodingError,
                       match=r"address v-8 is not a location of the test \(before the start"):
        litmus.check(litmus.parse(text), "sc")


def test_a_shift_the_instruction_does_not_take_is_named():
    """``ADD`` (shifted register) takes LSL, LSR and ASR, not ROR (Arm ARM
    C6.2.5): the error names the shift and points at it (column 19)."""
    with pytest.raises(ParseError, match=r"ADD does not take 'ROR #3' here") as info:
        litmus.parse("thread P0\n  ADD X0, X1, X2, ROR #3\nexists (P0:X0 = 0)\n")
    assert info.value.pos is not None and info.value.pos.col == 19


def test_adr_of_a_location():
    check_both(["ADR X0, x", "MOV X1, &x", "SUB X2, X0, X1"], {"X2": 0})


# --------------------------------------------------------------------------- herd's spellings


def test_herd_spellings():
    """herd writes shift amounts without '#', bare immediates, lower-case modifiers."""
    text = """AArch64 T
{ uint64_t 0:X0; uint64_t 0:X2; uint64_t 0:X3; uint64_t 0:X4; 0:X1=255; }
 P0 ;
 ORR W2,WZR,W1,LSL 4 ;
 ADD X0,X1,W1,sxtb 2 ;
 MOV X3,1 ;
 LSR X4,X1,4 ;
exists (0:X0=0 \\/ 0:X2=0 \\/ 0:X3=0 \\/ 0:X4=0)
"""
    result = litmus.check(litmus.parse(text, path="t.litmus"), "sc")
    assert dict(result.states[0].values) == {"0:X0": 255 - 4, "0:X2": 0xFF0, "0:X3": 1,
                                             "0:X4": 0xF}


def test_herd_branch_targets():
    """herd's branch targets relative to the branch (``.+8``: two instructions on,
    herd's L046) and section-like labels (``.text``, herd's L061)."""
    text = """AArch64 T
{ 0:X0=1; }
 P0 ;
 B .+8 ;
 ADD W0,W0,#1 ;
 B .text ;
 ADD W0,W0,#2 ;
.text: ADD W0,W0,#4 ;
exists (0:X0=0)
"""
    result = litmus.check(litmus.parse(text, path="t.litmus"), "sc")
    assert [dict(s.values) for s in result.states] == [{"0:X0": 1 + 4}]  # both ADDs skipped
    # a backward target is a loop: B .+8 (index 0) -> B .-8 (index 2) -> index 0
    # ... never ends, so every execution is cut at the unrolling bound (herd:
    # an unconditional backward jump always counts) and none has a final state
    looping = litmus.check(litmus.parse(text.replace("B .text", "B .-8"), path="t.litmus"), "sc")
    assert looping.states == () and "loop-bound-reached" in looping.flags
    with pytest.raises(ParseError, match=r"4:4: branch offset \.\+6 is not a multiple of 4"):
        litmus.parse(text.replace("B .+8", "B .+6"), path="t.litmus")
    with pytest.raises(ParseError, match=r"4:4: branch target \.\+40 is outside thread P0"):
        litmus.parse(text.replace("B .+8", "B .+40"), path="t.litmus")


# --------------------------------------------------------------------------- dependencies

P1 = """
thread P1
  LDR W6, [z]
  DMB SY
  MOV W7, #1
  STR W7, [x]
"""

#: Load buffering: P0 reads x, then writes z; forbidden (never) under ``arm``
#: exactly when the read is ordered before the write (ob), here by a
#: dependency: herd's ``dob = addr | data | ctrl; [W] | ...`` or ``pob =
#: pick-dep; [W]`` (a CSEL-like select's condition, iico_ctrl).
DEPENDENCY_CASES = {
    # MOVK keeps bits of the old X0 (herd: read_reg_data rd): data.
    "movk": (["LDR X0, [x]", "MOV X5, X0", "MOVK X5, #1", "STR X5, [z]"], "never"),
    # MOVZ replaces the whole register: no dependency.
    "movz": (["LDR X0, [x]", "MOV X5, X0", "MOVZ X5, #1", "STR X5, [z]"], "sometimes"),
    # BFI keeps the destination's other bits: data from the old X6.
    "bfi-destination": (["LDR X0, [x]", "MOV X6, X0", "MOV X5, #0", "BFI X6, X5, #8, #8",
                         "STR X6, [z]"], "never"),
    "bfi-source": (["LDR X0, [x]", "MOV X5, #0", "BFI X5, X0, #0, #8", "STR X5, [z]"], "never"),
    # a register rotation amount is a source (2 rotated right by 1: 1).
    "shift-amount": (["LDR X0, [x]", "MOV X6, #2", "ROR X5, X6, X0", "STR X5, [z]"], "never"),
    # multiply by zero: still a data dependency (the result depends on every operand).
    "mul-by-zero": (["LDR X0, [x]", "MUL X5, X0, XZR", "ADD X5, X5, #1", "STR X5, [z]"],
                    "never"),
    "madd-accumulator": (["LDR X0, [x]", "MOV X6, #0", "MADD X5, X6, X6, X0", "STR X5, [z]"],
                         "never"),
    "extend": (["LDR W0, [x]", "SXTB X5, W0", "STR X5, [z]"], "never"),
    "rev": (["LDR W0, [x]", "REV W5, W0", "REV W5, W5", "STR W5, [z]"], "never"),
    # the flags of ADDS reach CSET's result through its condition only: pick.
    "adds-cset": (["LDR W0, [x]", "ADDS W5, W0, #0", "CSET W1, NE", "STR W1, [z]"], "never"),
    "csinc-pick": (["LDR W0, [x]", "CMP W0, #1", "MOV W7, #1", "CSINC W1, W7, W7, EQ",
                    "STR W1, [z]"], "never"),
    # TBZ branches on the loaded value: ctrl.
    "tbz": (["LDR W0, [x]", "TBZ W0, #0, L1", "L1:", "MOV W5, #1", "STR W5, [z]"], "never"),
    "tbnz-elsewhere": (["LDR W0, [x]", "MOV W7, #1", "TBNZ W7, #0, L1", "L1:", "MOV W5, #1",
                        "STR W5, [z]"], "sometimes"),
    # a pre-indexed store's address is the base plus the offset: addr.
    "pre-index-address": (["LDR W0, [x]", "EOR X9, X0, X0", "MOV X1, &z", "ADD X1, X1, X9",
                           "SUB X1, X1, #8", "MOV W5, #1", "STR W5, [X1, #8]!"], "never"),
    # the written-back base keeps the old base's dependency (herd: base + k from
    # the register read), so a later address computed from it: addr.
    "write-back-keeps-base": (["LDR W0, [x]", "EOR X9, X0, X0", "MOV X1, &y",
                               "ADD X1, X1, X9", "LDR W2, [X1], #8", "SUB X3, X1, X1",
                               "MOV W5, #1", "STR W5, [z, X3]"], "never"),
    # ... and does not depend on the value loaded: no order from R x.
    "write-back-not-from-memory": (["MOV X1, &x", "LDR W0, [X1], #8", "SUB X3, X1, X1",
                                    "MOV W5, #1", "STR W5, [z, X3]"], "sometimes"),
    # an extended register offset: addr.
    "extended-offset": (["LDR W0, [x]", "EOR W9, W0, W0", "MOV X1, &z", "MOV W5, #1",
                         "STR W5, [X1, W9, SXTW #2]"], "never"),
}


@pytest.mark.parametrize("name", sorted(DEPENDENCY_CASES))
def test_dependencies(name):
    body, want = DEPENDENCY_CASES[name]
    p0 = "thread P0\n" + "".join(f"  {line}\n" for line in body).replace("  L1:", "L1:")
    cond = "exists (P0:X0 = 1 /\\ P1:W6 = 1)\n"
    result = litmus.check(litmus.parse(p0 + P1 + cond), "arm")
    assert result.observation == want, (name, [str(s) for s in result.states])
    # the outcome's values are those the program computes: with P1's write first,
    # even SC has it (so "never" above is the order, not impossible values)
    swapped = "\nthread P1\n  MOV W7, #1\n  STR W7, [x]\n  LDR W6, [z]\n"
    assert litmus.check(litmus.parse(p0 + swapped + cond), "sc").observation == "sometimes"


# --------------------------------------------------------------------------- operand checks


@pytest.mark.parametrize("line,message", [
    ("MOVZ X0, #0x10000", "3:12: MOVZ takes a 16-bit immediate (0-65535), found 65536"),
    ("MOVK W0, #1, LSL #32", "3:12: MOVK shifts its immediate by LSL #0 or #16, found LSL #32"),
    ("ADD X0, X1, #1, LSL #4", "3:15: ADD shifts its immediate by LSL #0 or #12, found LSL #4"),
    ("ADD X0, X1, X2, ROR #3", ("3:19: ADD does not take 'ROR #3' here: it expects 3 "
     "operands: a register; a register; a "
     "register, immediate, shifted immediate, shifted register or extended register, found "
     "'X0, X1, X2, ROR #3'")),
    ("AND X0, X1, W2, SXTW", "3:19: AND expects 3 operands"),
    ("TBZ W0, #32, L1", "3:11: bit number 32 is out of range (0-31 for a W register)"),
    ("UBFX X0, X1, #60, #8", "3:21: UBFX: width 8 is out of range (1-4 from bit 60)"),
    ("UBFM W0, W1, #32, #0", "3:16: UBFM takes bit positions 0-31, found 32"),
    ("LSL W0, W1, #32", "3:15: shift amount 32 is out of range (0-31)"),
    ("LDR X1, [X1], #8", ("3:11: LDR with write-back to a register it also transfers is "
     "UNPREDICTABLE")),
    ("LDP X0, X0, [X1]", "3:11: LDP loading the same register twice is UNPREDICTABLE"),
    ("LDR X0, [X1]!", "3:11: a pre-indexed memory operand is [Xn, #imm]!, found '[X1]!'"),
    ("LDR X0, [X1, X2]!", "3:16: a pre-indexed memory operand is [Xn, #imm]!"),
    ("LDR X0, [X1, #8], #8", "3:11: a post-indexed memory operand is [Xn], #imm"),
    ("LDAR X0, [X1], #8", "3:18: LDAR expects a register and a memory operand, found"),
    ("ADD X0, X1, W2, SXTB #5", "3:15: extend amount 5 is out of range (0-4 after SXTB)"),
    ("LDR X0, [X1, W2, SXTB]", ("3:16: a register offset is shifted by LSL or extended by "
     "UXTW, SXTW or SXTX")),
    ("REV32 W0, W1", "3:9: REV32 takes X registers"),
    ("CSET W0, AL", "3:12: unknown condition code 'AL'"),
])
def test_operand_checks(line, message):
    text = f"thread P0\n  NOP\n  {line}\nL1:\n  NOP\nexists (P0:X0 = 0)\n"
    with pytest.raises(ParseError) as info:
        litmus.parse(text)
    assert str(info.value).startswith(f"<string>:{message}"), str(info.value)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("line,feature", [
    ("UDF #0", "exceptions (UDF"),
    ("SVC #0", "exceptions (SVC"),
    ("HVC #0", "exceptions (HVC"),
    ("ERET", "exceptions (ERET"),
    ("MRS X0, NZCV", "system registers (MRS"),
    ("MSR ELR_EL1, X0", "system registers (MSR"),
    ("DC CIVAC, X0", "cache maintenance (DC"),
    ("IC IVAU, X0", "cache maintenance (IC"),
    ("TLBI VAE1IS, X0", "page tables (TLBI"),
])
def test_system_level_features_are_named(line, feature):
    dsl = f"thread P0\n  {line}\nexists (P0:X0 = 0)\n"
    herd = f"AArch64 T\n{{ }}\n P0 ;\n {line} ;\nexists (0:X0=0)\n"
    for text, path, col in ((dsl, None, "2:3"), (herd, "t.litmus", "4:2")):
        with pytest.raises(ParseError) as info:
            litmus.parse(text, path=path) if path else litmus.parse(text)
        where = path or "<string>"
        assert str(info.value).startswith(f"{where}:{col}: not supported: {feature}"), \
            str(info.value)
