"""AArch64: registers, instruction syntax, semantics and event tags.

Semantics follow the Arm Architecture Reference Manual (Arm ARM) for the
A64 instructions and herd7's AArch64 model for their events:

* values are 64-bit; a W register reads the low 32 bits of its X register
  and a write to it zero-extends its 32-bit result (Arm ARM, B1.2.1);
* flag-setting instructions set NZCV as ``AddWithCarry()`` does, and the
  condition codes test them as ``ConditionHolds()`` does (C1.2.4);
* event tags are herd's: ``A`` (acquire, RCsc), ``Q`` (acquirePC), ``L``
  (release), ``X`` (exclusive), ``NoRet`` (an atomic whose loaded value is
  discarded), fences ``DMB.<opt>``/``DSB.<opt>`` (and ``DMB``/``DSB``) and
  ``ISB``. Single-instruction atomics pair their read and write in ``rmw``
  with kind ``amo``; a successful store-exclusive pairs with its
  load-exclusive (``lxsx``);
* a pair instruction is two accesses, one per element (herd's events); those
  of LDXP/LDAXP, STXP/STLXP and CASP form one single-copy atomic access
  (:meth:`~litmus.isa.base.Machine.single_copy_atomic`), and each element's
  read and write pair in ``rmw``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..program import Addr, Imm, Instr, Label, LocRef, Reg, Shift, ShiftedImm, Sym
from ..smt.expr import Const, Val, app, band, cmp, const, ite
from .base import (
    EXTEND,
    IMM,
    LABEL,
    LOCREF,
    MEM,
    MEMWB,
    POST,
    REG,
    ROTATE,
    SHIFT,
    SHIMM,
    SV,
    SYM,
    Arch,
    Flags,
    Machine,
    Sig,
    Taint,
    sext,
    sig,
    zext,
)

# --------------------------------------------------------------------------- registers

_REG_RE = re.compile(r"([RXW])(0|[1-9][0-9]*)\Z")
_REGLIKE_RE = re.compile(r"(?:[RXW][0-9]+|[XW]ZR|W?SP)\Z", re.IGNORECASE)
REGISTER_HELP = "registers are r0-r30, X0-X30, W0-W30, XZR, WZR, SP, WSP"


def parse_reg(name: str) -> Reg | None:
    """``rN``/``XN`` -> ``Reg("XN", 64)``, ``WN`` -> ``Reg("XN", 32)`` for N in
    0..30; ``XZR``/``WZR`` -> ``Reg("XZR", 64|32)``; ``SP``/``WSP`` -> ``Reg("SP",
    64|32)`` (the stack pointer, an ordinary register here); None for anything
    else (case-insensitive)."""
    upper = name.upper()
    if upper == "XZR":
        return Reg("XZR", 64)
    if upper == "WZR":
        return Reg("XZR", 32)
    if upper in ("SP", "WSP"):
        return Reg("SP", 64 if upper == "SP" else 32)
    m = _REG_RE.match(upper)
    if m is None or len(m.group(2)) > 2 or int(m.group(2)) > 30:
        return None
    return Reg("X" + m.group(2), 32 if m.group(1) == "W" else 64)


def looks_like_register(name: str) -> bool:
    """Whether ``name`` is written as a register (``X31`` too, though no such
    register exists)."""
    return bool(_REGLIKE_RE.match(name))


# --------------------------------------------------------------------------- symbols

#: Barrier options of DMB/DSB (Arm ARM C6.2, DMB: "<option>").
BARRIER_OPTIONS: tuple[str, ...] = (
    "SY", "ST", "LD",
    "ISH", "ISHST", "ISHLD",
    "OSH", "OSHST", "OSHLD",
    "NSH", "NSHST", "NSHLD",
)  # fmt: skip

#: Condition codes of B.cond, CSEL and friends (Arm ARM C1.2.4).
CONDITION_CODES: tuple[str, ...] = (
    "EQ", "NE", "CS", "HS", "CC", "LO", "MI", "PL",
    "VS", "VC", "HI", "LS", "GE", "LT", "GT", "LE",
)  # fmt: skip

#: The opposite of each condition code (Arm ARM, Invert(cond): its lowest bit flipped).
INVERSE: dict[str, str] = {
    "EQ": "NE", "NE": "EQ", "CS": "CC", "HS": "LO", "CC": "CS", "LO": "HS", "MI": "PL",
    "PL": "MI", "VS": "VC", "VC": "VS", "HI": "LS", "LS": "HI", "GE": "LT", "LT": "GE",
    "GT": "LE", "LE": "GT",
}

#: Shifts and the rotation (need an amount) and extends (amount optional) of a
#: register operand.
SHIFT_OPS: tuple[str, ...] = ("LSL", "LSR", "ASR", "ROR")
EXTEND_OPS: tuple[str, ...] = ("SXTB", "SXTH", "SXTW", "SXTX", "UXTB", "UXTH", "UXTW", "UXTX")

# --------------------------------------------------------------------------- syntax

_R = frozenset({REG})
_I = frozenset({IMM})
_RI = frozenset({REG, IMM})
_RIA = frozenset({REG, IMM, LOCREF})
_M = frozenset({MEM})
_MW = frozenset({MEM, MEMWB})  # a memory operand, pre-indexed or not
_P = frozenset({POST})
_L = frozenset({LABEL})
_S = frozenset({SYM})
#: The second operand of ADD, SUB and friends: register (shifted or extended)
#: or immediate (shifted by LSL #0 or #12); of AND, ORR and friends: register
#: (shifted or rotated) or immediate.
_ARITH2 = frozenset({REG, IMM, SHIMM, SHIFT, EXTEND})
_LOGIC2 = frozenset({REG, IMM, SHIFT, ROTATE})

#: The atomic memory operations (Arm ARM C6.2, LD<OP>/ST<OP>): the op's name
#: in the value table of :mod:`litmus.smt.expr`.
ATOMIC_OPS: dict[str, str] = {
    "ADD": "add", "CLR": "andn", "EOR": "xor", "SET": "or",
    "SMAX": "smax", "SMIN": "smin", "UMAX": "umax", "UMIN": "umin",
}

#: Data-processing instructions with two source operands: the value operation,
#: and the flags they set (None: none).
ARITH: dict[str, tuple[str, str | None]] = {
    "ADD": ("add", None), "SUB": ("sub", None), "ADDS": ("add", "add"),
    "SUBS": ("sub", "sub"), "AND": ("and", None), "ORR": ("or", None),
    "EOR": ("xor", None), "BIC": ("andn", None), "ORN": ("orn", None),
    "EON": ("xorn", None), "ANDS": ("and", "logic"), "BICS": ("andn", "logic"),
}
_ARITH_OPS = ("ADD", "SUB", "ADDS", "SUBS")

#: Multiplies: (the extension of the sources, or "" for none; what is done with
#: the accumulator: "add", "sub", "neg" (no accumulator, negated), "" (none)).
MULTIPLIES: dict[str, tuple[str, str]] = {
    "MADD": ("", "add"), "MSUB": ("", "sub"), "MUL": ("", ""), "MNEG": ("", "neg"),
    "SMADDL": ("s", "add"), "SMSUBL": ("s", "sub"), "SMULL": ("s", ""),
    "SMNEGL": ("s", "neg"), "UMADDL": ("u", "add"), "UMSUBL": ("u", "sub"),
    "UMULL": ("u", ""), "UMNEGL": ("u", "neg"),
}

#: Bitfield moves and their aliases (Arm ARM C6.2, UBFM, SBFM, BFM).
BITFIELDS = ("UBFM", "SBFM", "BFM", "UBFX", "SBFX", "UBFIZ", "SBFIZ", "BFI", "BFXIL")

#: Conditional selects: what the second operand becomes when the condition fails.
CSELS: dict[str, str] = {"CSEL": "", "CSINC": "inc", "CSINV": "inv", "CSNEG": "neg"}
#: Their aliases: (the select, whether the destination is the only register).
CSEL_ALIASES: dict[str, tuple[str, bool]] = {
    "CINC": ("CSINC", False), "CINV": ("CSINV", False), "CNEG": ("CSNEG", False),
    "CSET": ("CSINC", True), "CSETM": ("CSINV", True),
}

#: One-operand bit manipulations.
UNARY = ("REV", "REV16", "REV32", "REV64", "RBIT", "CLZ", "CLS", "ABS")

#: Extends as instructions: (bits kept, signed).
EXTENDS: dict[str, tuple[int, bool]] = {
    "SXTB": (8, True), "SXTH": (16, True), "SXTW": (32, True),
    "UXTB": (8, False), "UXTH": (16, False), "UXTW": (32, False),
}

#: Shifts as instructions (an immediate or a register amount; the ``V`` forms
#: take a register only).
SHIFTS: dict[str, str] = {"LSL": "LSL", "LSR": "LSR", "ASR": "ASR", "ROR": "ROR",
                          "LSLV": "LSL", "LSRV": "LSR", "ASRV": "ASR", "RORV": "ROR"}

INSTRUCTIONS: dict[str, tuple[Sig, ...]] = {}
INSTRUCTIONS["LDR"] = sig(_R, _MW) + sig(_R, _M, _P)
INSTRUCTIONS["STR"] = sig(_RI, _MW) + sig(_RI, _M, _P)
INSTRUCTIONS["LDUR"] = sig(_R, _M)
INSTRUCTIONS["STUR"] = sig(_R, _M)
for _op in ("LDAR", "LDAPR", "LDXR", "LDAXR"):
    INSTRUCTIONS[_op] = sig(_R, _M)
INSTRUCTIONS["STLR"] = sig(_RI, _M)
# The pairs (their forms without write-back are refused by check(), with a
# message that says which forms exist)
for _op in ("LDP", "STP", "LDPSW", "LDNP", "STNP", "LDIAPP", "STILP", "LDXP", "LDAXP"):
    INSTRUCTIONS[_op] = sig(_R, _R, _MW) + sig(_R, _R, _M, _P)
for _op in ("STXR", "STLXR"):
    INSTRUCTIONS[_op] = sig(_R, _RI, _M)
for _op in ("STXP", "STLXP"):
    INSTRUCTIONS[_op] = sig(_R, _R, _R, _MW) + sig(_R, _R, _R, _M, _P)
for _suffix in ("", "A", "L", "AL"):
    INSTRUCTIONS["CASP" + _suffix] = sig(_R, _R, _R, _R, _MW) + sig(_R, _R, _R, _R, _M, _P)
for _base in ["SWP", "CAS"] + [f"LD{o}" for o in ATOMIC_OPS]:
    for _suffix in ("", "A", "L", "AL"):
        INSTRUCTIONS[_base + _suffix] = sig(_R, _R, _M)
for _o in ATOMIC_OPS:
    for _suffix in ("", "L"):
        INSTRUCTIONS[f"ST{_o}{_suffix}"] = sig(_R, _M)

#: Sized accesses (Arm ARM C6.2: LDRB, LDRSH, STLRB, SWPAB, CASLH, LDADDALB,
#: ...): mnemonic -> (the full-width mnemonic whose semantics and tags it has,
#: access width in bits, whether the loaded value is sign-extended).
SIZED: dict[str, tuple[str, int, bool]] = {}
for _sz, _bits in (("B", 8), ("H", 16)):
    for _op in ("LDR", "LDAR", "LDAPR", "LDXR", "LDAXR", "STR", "STLR", "STXR", "STLXR"):
        SIZED[_op + _sz] = (_op, _bits, False)
    SIZED["LDRS" + _sz] = ("LDR", _bits, True)
    for _base in ["SWP", "CAS"] + [f"LD{o}" for o in ATOMIC_OPS]:
        for _suffix in ("", "A", "L", "AL"):
            SIZED[_base + _suffix + _sz] = (_base + _suffix, _bits, False)
    for _o in ATOMIC_OPS:
        for _suffix in ("", "L"):
            SIZED[f"ST{_o}{_suffix}{_sz}"] = (f"ST{_o}{_suffix}", _bits, False)
SIZED["LDRSW"] = ("LDR", 32, True)
for _op, (_full, _, _) in SIZED.items():
    INSTRUCTIONS[_op] = INSTRUCTIONS[_full]
for _op in ("DMB", "DSB"):
    INSTRUCTIONS[_op] = sig(_S, symbols="barrier")
for _op in ("ISB", "NOP"):
    INSTRUCTIONS[_op] = sig()
INSTRUCTIONS["MOV"] = sig(_R, _RIA)
for _op in ("MOVZ", "MOVN", "MOVK"):
    INSTRUCTIONS[_op] = sig(_R, frozenset({IMM, SHIMM}))
INSTRUCTIONS["MVN"] = sig(_R, frozenset({REG, SHIFT, ROTATE}))
for _op in ("NEG", "NEGS"):
    INSTRUCTIONS[_op] = sig(_R, frozenset({REG, SHIFT}))
for _op in ARITH:
    INSTRUCTIONS[_op] = sig(_R, _R, _ARITH2 if _op in _ARITH_OPS else _LOGIC2)
for _op in ("CMP", "CMN"):
    INSTRUCTIONS[_op] = sig(_R, _ARITH2)
INSTRUCTIONS["TST"] = sig(_R, _LOGIC2)
for _op in SHIFTS:
    INSTRUCTIONS[_op] = sig(_R, _R, _R if _op.endswith("V") else _RI)
for _op in EXTENDS:
    INSTRUCTIONS[_op] = sig(_R, _R)
for _op, (_ext, _acc) in MULTIPLIES.items():
    INSTRUCTIONS[_op] = sig(_R, _R, _R, _R) if _acc in ("add", "sub") else sig(_R, _R, _R)
for _op in ("SMULH", "UMULH"):
    INSTRUCTIONS[_op] = sig(_R, _R, _R)
for _op in BITFIELDS:
    INSTRUCTIONS[_op] = sig(_R, _R, _I, _I)
INSTRUCTIONS["BFC"] = sig(_R, _I, _I)
for _op in UNARY:
    INSTRUCTIONS[_op] = sig(_R, _R)
for _op in CSELS:
    INSTRUCTIONS[_op] = sig(_R, _R, _R, _S, symbols="cond")
for _op, (_base, _only) in CSEL_ALIASES.items():
    INSTRUCTIONS[_op] = sig(_R, _S, symbols="cond") if _only else sig(_R, _R, _S,
                                                                       symbols="cond")
for _cc in CONDITION_CODES:
    INSTRUCTIONS["B." + _cc] = sig(_L)
for _op in ("CBZ", "CBNZ"):
    INSTRUCTIONS[_op] = sig(_R, _L)
for _op in ("TBZ", "TBNZ"):
    INSTRUCTIONS[_op] = sig(_R, _I, _L)
INSTRUCTIONS["B"] = sig(_L)
INSTRUCTIONS["ADR"] = sig(_R, _L)
# subroutine calls and branches to a register (code addresses as values)
INSTRUCTIONS["BL"] = sig(_L)
for _op in ("BR", "BLR"):
    INSTRUCTIONS[_op] = sig(_R)
INSTRUCTIONS["RET"] = sig() + sig(_R)

BRANCH_OPS: frozenset[str] = frozenset(
    ["B", "BL", "CBZ", "CBNZ", "TBZ", "TBNZ"] + ["B." + cc for cc in CONDITION_CODES])
#: The link register BL and BLR write and RET reads.
LINK_REGISTER = Reg("X30", 64)

_SYSTEM = "system-level features are out of scope"
#: Instructions that exist but are not modelled, and what they would need.
UNSUPPORTED: dict[str, str] = {
    "UDF": f"exceptions (UDF, the permanently undefined instruction; {_SYSTEM})",
    "SVC": f"exceptions (SVC, a supervisor call; {_SYSTEM})",
    "HVC": f"exceptions (HVC, a hypervisor call; {_SYSTEM})",
    "SMC": f"exceptions (SMC, a secure monitor call; {_SYSTEM})",
    "BRK": f"exceptions (BRK, a breakpoint; {_SYSTEM})",
    "HLT": f"exceptions (HLT, a halting breakpoint; {_SYSTEM})",
    "ERET": f"exceptions (ERET, an exception return; {_SYSTEM})",
    "MRS": f"system registers (MRS; {_SYSTEM})",
    "MSR": f"system registers (MSR; {_SYSTEM})",
    "SYS": f"system instructions (SYS; {_SYSTEM})",
    "DC": f"cache maintenance (DC; {_SYSTEM})",
    "IC": f"cache maintenance (IC; {_SYSTEM})",
    "TLBI": f"page tables (TLBI, TLB maintenance; {_SYSTEM})",
    "AT": f"page tables (AT, address translation; {_SYSTEM})",
}

# --------------------------------------------------------------------------- checks


def _imm_of(op: object) -> int:
    assert isinstance(op, Imm)
    return op.value


def check(ins: Instr) -> tuple[str, int] | None:
    """Operand values the instruction table cannot express (Arm ARM, each
    instruction's encoding): immediates' ranges, shift amounts of immediates,
    bit positions within the register, UNPREDICTABLE register choices."""
    op, args = ins.op, ins.args
    w = args[0].width if args and isinstance(args[0], Reg) else 64
    if op in ("MOVZ", "MOVN", "MOVK"):
        v = args[1]
        value, amount = (v.value, v.amount) if isinstance(v, ShiftedImm) else (_imm_of(v), 0)
        if not 0 <= value <= 0xFFFF:
            return f"{op} takes a 16-bit immediate (0-65535), found {value}", 1
        if amount not in ((0, 16) if w == 32 else (0, 16, 32, 48)):
            allowed = "#0 or #16" if w == 32 else "#0, #16, #32 or #48"
            return f"{op} shifts its immediate by LSL {allowed}, found LSL #{amount}", 1
    if (op in _ARITH_OPS + ("CMP", "CMN") and isinstance(args[-1], ShiftedImm)
            and args[-1].amount not in (0, 12)):
        return (f"{op} shifts its immediate by LSL #0 or #12, found "
                f"LSL #{args[-1].amount}"), len(args) - 1
    if op in ("TBZ", "TBNZ"):
        bit = _imm_of(args[1])
        if not 0 <= bit < w:
            return (f"bit number {bit} is out of range (0-{w - 1} for a "
                    f"{'W' if w == 32 else 'X'} register)"), 1
    if op in SHIFTS and isinstance(args[2], Imm) and not 0 <= args[2].value < w:
        return f"shift amount {args[2].value} is out of range (0-{w - 1})", 2
    if op in BITFIELDS or op == "BFC":
        a, b = _imm_of(args[-2]), _imm_of(args[-1])
        first = len(args) - 2
        if op.endswith("M"):
            for i, v in ((first, a), (first + 1, b)):
                if not 0 <= v < w:
                    return f"{op} takes bit positions 0-{w - 1}, found {v}", i
        else:
            if not 0 <= a < w:
                return f"{op}: bit position {a} is out of range (0-{w - 1})", first
            if not 1 <= b <= w - a:
                return f"{op}: width {b} is out of range (1-{w - a} from bit {a})", first + 1
    if op in ("BR", "BLR", "RET") and args and isinstance(args[0], Reg) and (
            args[0].width != 64 or args[0].is_zero or args[0].name == "SP"):
        return f"{op} takes an X register (X0-X30), found {_reg_text(args[0])}", 0
    if op == "REV32" and w == 32:
        return "REV32 takes X registers", 0
    if op == "REV64" and w == 32:
        return "REV64 takes X registers", 0
    if op in ("LDR", "STR") or op in PAIR_OPS:
        addr = args[-1]
        assert isinstance(addr, Addr)
        regs = [a for a in args[:-1] if isinstance(a, Reg)]
        if addr.index and any(r.name == getattr(addr.base, "name", None) and not r.is_zero
                              for r in regs):
            return (f"{op} with write-back to a register it also transfers is "
                    "UNPREDICTABLE"), len(args) - 1
        if op in PAIR_OPS:
            return _check_pair(ins)
    return None


#: Instructions that access two consecutive elements, each of its registers'
#: size (or of 32 bits for LDPSW), and the index of their first data register.
PAIR_OPS: dict[str, int] = {
    "LDP": 0, "STP": 0, "LDPSW": 0, "LDNP": 0, "STNP": 0, "LDIAPP": 0, "STILP": 0,
    "LDXP": 0, "LDAXP": 0, "STXP": 1, "STLXP": 1,
    "CASP": 0, "CASPA": 0, "CASPL": 0, "CASPAL": 0,
}
_PAIR_LOADS = ("LDP", "LDPSW", "LDNP", "LDIAPP", "LDXP", "LDAXP")


def _regno(r: Reg) -> int | None:
    """The register's number in the data-register space (XZR is 31; SP has none)."""
    if r.is_zero:
        return 31
    return int(r.name[1:]) if r.name[0] == "X" and r.name[1:].isdigit() else None


def _wname(r: Reg) -> str:
    return ("WZR" if r.is_zero else "WSP" if r.name == "SP" else "W" + r.name[1:]) \
        if r.width == 32 else r.name


def _check_pair(ins: Instr) -> tuple[str, int] | None:
    """The register and addressing rules of the pair instructions (Arm ARM
    C6.2, each instruction's encoding and its CONSTRAINED UNPREDICTABLE
    cases): one width for the data registers; a load pair writes two different
    registers; LDPSW fills X registers; a store-exclusive pair's status is a W
    register other than the ones it uses; CASP takes two even-numbered
    consecutive pairs; LDIAPP/STILP write back only by the pair's size (post-
    and pre-indexed); the exclusive, CASP, LDIAPP and STILP forms take no
    offset, LDNP/STNP an immediate one and no write-back."""
    op, args = ins.op, ins.args
    first = PAIR_OPS[op]
    addr = args[-1]
    assert isinstance(addr, Addr)
    data = [a for a in args[first:-1] if isinstance(a, Reg)]
    mem = len(args) - 1
    for i, r in enumerate(data[1:], first + 1):
        if r.width != data[0].width:
            return f"{op} takes {'four' if len(data) == 4 else 'two'} registers of one width", i
    if op in _PAIR_LOADS and data[0].name == data[1].name:
        return f"{op} loading the same register twice is UNPREDICTABLE", first + 1
    if op == "LDPSW" and data[0].width != 64:
        return f"LDPSW takes X registers, found {_wname(data[0])}", 0
    if op in ("STXP", "STLXP"):
        status = args[0]
        assert isinstance(status, Reg)
        if status.width != 32:
            return f"{op} writes its status to a W register, found {status.name}", 0
        used = data + ([addr.base] if isinstance(addr.base, Reg) else [])
        if not status.is_zero and any(r.name == status.name for r in used):
            return (f"{op} writing its status to a register it also uses "
                    f"({_wname(status)}) is UNPREDICTABLE"), 0
    if op.startswith("CASP"):
        names = ("Ws", "W(s+1)", "Wt", "W(t+1)") if data[0].width == 32 else (
            "Xs", "X(s+1)", "Xt", "X(t+1)")
        nums = [_regno(r) for r in data]
        for i, (r, n) in enumerate(zip(data, nums)):
            if n is None:
                return f"{op} takes general-purpose registers, found {_wname(r)}", i
        for i in (0, 2):
            lo, hi = nums[i], nums[i + 1]
            assert lo is not None and hi is not None
            if lo % 2:
                return (f"{op}: {names[i]} must be an even-numbered register, found "
                        f"{_wname(data[i])}"), i
            if hi != lo + 1:
                want = "WZR" if lo == 30 and data[i].width == 32 else "XZR" if lo == 30 \
                    else ("W" if data[i].width == 32 else "X") + str(lo + 1)
                return (f"{op}: {names[i + 1]} must be the register after {names[i]} "
                        f"({want}), found {_wname(data[i + 1])}"), i + 1
    size = 4 if op == "LDPSW" else data[0].width // 8
    if op in ("LDXP", "LDAXP", "STXP", "STLXP") or op.startswith("CASP"):
        if addr.index or (addr.offset is not None and addr.offset != Imm(0)):
            return f"{op} takes [Xn], with no offset and no write-back, found '{addr}'", mem
    elif op in ("LDIAPP", "STILP"):
        # Arm ARM: LDIAPP writes back post-indexed, STILP pre-indexed, by the
        # pair's size
        index, step = ("pre", -2 * size) if op == "STILP" else ("post", 2 * size)
        form = f"[Xn, #{step}]!" if op == "STILP" else f"[Xn], #{step}"
        regs = f"{'W' if size == 4 else 'X'} registers"
        if (addr.index and (addr.index != index or addr.offset != Imm(step))) or (
                not addr.index and addr.offset is not None and addr.offset != Imm(0)):
            return f"{op} takes [Xn] or {form} ({regs}), found '{addr}'", mem
    elif op in ("LDNP", "STNP") and addr.index:
        return f"{op} has no write-back form: it takes [Xn{{, #imm}}], found '{addr}'", mem
    elif addr.offset is not None and not isinstance(addr.offset, Imm):
        return f"{op} takes an immediate offset", mem
    return None


def _reg_text(r: Reg) -> str:
    """A register as written: ``W3``, ``X3``, ``WZR``, ``SP``."""
    if r.is_zero:
        return "WZR" if r.width == 32 else "XZR"
    if r.name == "SP":
        return "WSP" if r.width == 32 else "SP"
    return ("W" if r.width == 32 else "X") + r.name[1:]


def _pair(addr: Addr, size: int) -> tuple[Addr, Addr]:
    """The two memory operands of a pair access of ``size`` bytes each."""
    off = _imm_of(addr.offset) if addr.offset is not None and addr.index != "post" else 0
    return addr, Addr(addr.base, Imm(off + size))


def _pair_size(ins: Instr) -> int:
    """The size in bytes of each of a pair instruction's two accesses."""
    if ins.op == "LDPSW":
        return 4
    rt = ins.args[PAIR_OPS[ins.op]]
    assert isinstance(rt, Reg)
    return rt.width // 8


def memory_operands(ins: Instr) -> tuple[Addr, ...]:
    addrs = tuple(a for a in ins.args if isinstance(a, Addr))
    if ins.op in PAIR_OPS:
        return _pair(addrs[0], _pair_size(ins))
    return addrs


# --------------------------------------------------------------------------- operands


def _ror(x: Val, n: Val, width: int) -> Val:
    """``x`` (its low ``width`` bits, already zero-extended) rotated right by ``n``
    (less than ``width``) within ``width`` bits."""
    if width == 64:
        return app("ror", x, n)
    out = app("or", app("lsr", x, n), app("lsl", x, app("sub", Const(width), n)))
    return zext(out, width)


def shifted(v: SV, op: str, amount: int, width: int) -> SV:
    """A register value ``v`` (already read at its width) shifted, rotated or
    extended as an operand modifier: ``LSL/LSR/ASR/ROR #n`` at the
    instruction's ``width``; ``SXTB`` ... ``UXTX`` extend the low 8, 16, 32 or
    64 bits, then shift left by the amount (Arm ARM, ExtendReg() and
    ShiftReg())."""
    x, n = v.val, Const(amount)
    if op == "LSL":
        out = zext(app("lsl", x, n), width)
    elif op == "LSR":
        out = app("lsr", zext(x, width), n)
    elif op == "ASR":
        out = zext(app("asr", sext(x, width), n), width)
    elif op == "ROR":
        out = _ror(zext(x, width), n, width)
    else:  # SXTB ... UXTX
        bits = {"B": 8, "H": 16, "W": 32, "X": 64}[op[3]]
        ext = sext if op[0] == "S" else zext
        out = app("lsl", ext(x, bits), n)
    return SV(out, v.taint)


def _width(op: object) -> int:
    return op.width if isinstance(op, Reg) else 64


def operand(st: Machine, op: object, width: int = 64) -> SV:
    """The value of a register, immediate (shifted or not), ``&location`` or
    shifted register."""
    if isinstance(op, Shift):
        return shifted(st.get(op.reg), op.op, op.amount, width)
    if isinstance(op, ShiftedImm):
        return SV(const(op.value << op.amount))
    return st.operand(op)


def address_value(st: Machine, addr: Addr) -> SV:
    """The 64-bit address an ``[base, offset]`` operand designates (the base
    alone for a post-indexed one)."""
    base = st.operand(addr.base)
    if addr.offset is None or addr.index == "post":
        return base
    off = operand(st, addr.offset)
    return SV(app("add", base.val, off.val), base.taint | off.taint)


def _writeback(st: Machine, addr: Addr) -> None:
    """After a pre- or post-indexed access, the base register holds base +
    offset; the new value depends on what the old one did (herd: a register
    data flow, not through memory)."""
    if not addr.index:
        return
    assert isinstance(addr.base, Reg) and isinstance(addr.offset, Imm)
    base = st.operand(addr.base)
    st.set(addr.base, SV(app("add", base.val, const(addr.offset.value)), base.taint))


# --------------------------------------------------------------------------- arithmetic


def _mov(st: Machine, ins: Instr):
    dst, src = ins.args
    st.set(dst, operand(st, src, _width(dst)))


def _arith(st: Machine, ins: Instr):
    """``OP Rd, Rn, Op2``: computed on 64 bits, then written at Rd's width (the
    low 32 bits of a 64-bit add, and, ... are the 32-bit result). The result
    depends on every register operand, even when it is a constant (``EOR W1,
    W0, W0``: the classic false dependency). ``ADDS``, ``SUBS``, ``ANDS`` and
    ``BICS`` also set the flags (AddWithCarry(); the logical ones clear C and V)."""
    dst, a, b = ins.args
    w = _width(dst)
    x, y = operand(st, a, w), operand(st, b, w)
    value, flags = ARITH[ins.op]
    result = SV(app(value, x.val, y.val), x.taint | y.taint)
    if flags == "logic":
        st.flags = Flags("logic", result.val, Const(0), w, result.taint)
    elif flags is not None:
        st.flags = Flags(flags, x.val, y.val, w, result.taint)
    st.set(dst, result)


def _compare(st: Machine, ins: Instr):
    """``CMP Rn, Op2`` (flags of Rn - Op2), ``CMN`` (Rn + Op2), ``TST`` (Rn & Op2)."""
    a, b = ins.args
    w = _width(a)
    x, y = operand(st, a, w), operand(st, b, w)
    taint = x.taint | y.taint
    if ins.op == "TST":
        st.flags = Flags("logic", app("and", x.val, y.val), Const(0), w, taint)
    else:
        st.flags = Flags("sub" if ins.op == "CMP" else "add", x.val, y.val, w, taint)


def _neg(st: Machine, ins: Instr):
    """``NEG Rd, Op2`` (``SUB Rd, ZR, Op2``), ``NEGS`` (``SUBS``), ``MVN Rd, Op2``
    (``ORN Rd, ZR, Op2``)."""
    dst, src = ins.args
    w = _width(dst)
    y = operand(st, src, w)
    if ins.op == "MVN":
        st.set(dst, SV(app("not", y.val), y.taint))
        return
    if ins.op == "NEGS":
        st.flags = Flags("sub", Const(0), y.val, w, y.taint)
    st.set(dst, SV(app("neg", y.val), y.taint))


def _movw(st: Machine, ins: Instr):
    """``MOVZ``/``MOVN``/``MOVK Rd, #imm16{, LSL #s}``: the shifted immediate,
    its inverse, or the old register with those 16 bits replaced (MOVK keeps
    the other bits, so its result depends on the register's old value)."""
    dst, src = ins.args
    assert isinstance(dst, Reg)
    value, amount = (src.value, src.amount) if isinstance(src, ShiftedImm) else (
        _imm_of(src), 0)
    imm = Const(value << amount)
    if ins.op == "MOVZ":
        st.set(dst, SV(imm))
    elif ins.op == "MOVN":
        st.set(dst, SV(app("not", imm)))
    else:
        old = st.get(dst)
        kept = app("andn", old.val, Const(0xFFFF << amount))
        st.set(dst, SV(app("or", kept, imm), old.taint))


def _shift(st: Machine, ins: Instr):
    """``LSL/LSR/ASR/ROR Rd, Rn, #n|Rm`` (and the ``V`` forms): a register amount
    counts modulo the register width (Arm ARM, LSLV: ``UInt(X[m]) MOD datasize``)."""
    dst, src, amt = ins.args
    w = _width(dst)
    x = operand(st, src)
    if isinstance(amt, Imm):
        n = SV(Const(amt.value))
    else:
        m = operand(st, amt)
        n = SV(app("and", m.val, Const(w - 1)), m.taint)
    kind = SHIFTS[ins.op]
    xv = zext(x.val, w)
    if kind == "LSL":
        out = app("lsl", xv, n.val)
    elif kind == "LSR":
        out = app("lsr", xv, n.val)
    elif kind == "ASR":
        out = app("asr", sext(x.val, w), n.val)
    else:
        out = _ror(xv, n.val, w)
    st.set(dst, SV(out, x.taint | n.taint))


def _extend(st: Machine, ins: Instr):
    """``SXTB/SXTH/SXTW Rd, Wn`` and ``UXTB/UXTH/UXTW``: the low 8, 16 or 32 bits,
    sign- or zero-extended (then written at Rd's width)."""
    dst, src = ins.args
    bits, signed = EXTENDS[ins.op]
    x = operand(st, src)
    st.set(dst, SV((sext if signed else zext)(x.val, bits), x.taint))


def _multiply(st: Machine, ins: Instr):
    """``MADD Rd, Rn, Rm, Ra`` (Ra + Rn * Rm), ``MSUB`` (Ra - Rn * Rm), ``MUL``,
    ``MNEG`` (-(Rn * Rm)), and the long forms ``SMADDL Xd, Wn, Wm, Xa`` ...
    ``UMNEGL`` whose 32-bit sources are sign- or zero-extended first. The low
    bits of the 64-bit product are the product at any narrower width."""
    ext, acc = MULTIPLIES[ins.op]
    dst, a, b = ins.args[:3]
    x, y = operand(st, a), operand(st, b)
    xv, yv = x.val, y.val
    if ext:
        f = sext if ext == "s" else zext
        xv, yv = f(xv, 32), f(yv, 32)
    prod = app("mul", xv, yv)
    taint = x.taint | y.taint
    if acc in ("add", "sub"):
        z = operand(st, ins.args[3])
        prod = app(acc, z.val, prod)
        taint = taint | z.taint
    elif acc == "neg":
        prod = app("neg", prod)
    st.set(dst, SV(prod, taint))


def _mulh(st: Machine, ins: Instr):
    """``SMULH``/``UMULH Xd, Xn, Xm``: the high 64 bits of the 128-bit product."""
    dst, a, b = ins.args
    x, y = operand(st, a), operand(st, b)
    op = "smulh" if ins.op == "SMULH" else "umulh"
    st.set(dst, SV(app(op, x.val, y.val), x.taint | y.taint))


def bitfield_masks(immr: int, imms: int, width: int) -> tuple[int, int]:
    """``DecodeBitMasks(N, imms, immr, FALSE, width)`` of the Arm ARM (shared
    pseudo-code) for a bitfield instruction: (wmask, tmask)."""
    d = (imms - immr) % width
    welem = (1 << (imms + 1)) - 1
    wmask = ((welem >> immr) | (welem << (width - immr))) & ((1 << width) - 1)
    return wmask, (1 << (d + 1)) - 1


def bitfield_operands(op: str, a: int, b: int, width: int) -> tuple[str, int, int]:
    """An alias's ``#lsb, #width`` as its bitfield move's (op, immr, imms)."""
    if op in ("UBFX", "SBFX", "BFXIL"):
        return {"UBFX": "UBFM", "SBFX": "SBFM", "BFXIL": "BFM"}[op], a, a + b - 1
    if op in ("UBFIZ", "SBFIZ", "BFI", "BFC"):
        base = {"UBFIZ": "UBFM", "SBFIZ": "SBFM", "BFI": "BFM", "BFC": "BFM"}[op]
        return base, -a % width, b - 1
    return op, a, b


def _bitfield(st: Machine, ins: Instr):
    """``UBFM/SBFM/BFM Rd, Rn, #immr, #imms`` and their aliases (``UBFX``,
    ``SBFX``, ``UBFIZ``, ``SBFIZ``, ``BFI``, ``BFXIL``, ``BFC``), as the Arm ARM's
    pseudo-code: the source rotated right by immr, masked; SBFM fills above
    the field with its top bit; BFM keeps the destination's other bits (and
    so depends on its old value)."""
    dst = ins.args[0]
    assert isinstance(dst, Reg)
    w = dst.width
    src = Reg("XZR", w) if ins.op == "BFC" else ins.args[1]
    kind, immr, imms = bitfield_operands(ins.op, _imm_of(ins.args[-2]),
                                         _imm_of(ins.args[-1]), w)
    wmask, tmask = bitfield_masks(immr, imms, w)
    x = operand(st, src)
    rot = _ror(zext(x.val, w), Const(immr), w)
    bot = app("and", rot, Const(wmask))
    taint = x.taint
    if kind == "UBFM":
        out = app("and", bot, Const(tmask))
    elif kind == "SBFM":
        top = app("asr", app("lsl", x.val, Const(63 - imms)), Const(63))  # Replicate(src<S>)
        out = app("or", app("andn", top, Const(tmask)), app("and", bot, Const(tmask)))
    else:
        old = st.get(dst)
        bot = app("or", app("andn", old.val, Const(wmask)), bot)
        out = app("or", app("andn", old.val, Const(tmask)), app("and", bot, Const(tmask)))
        taint = taint | old.taint
    st.set(dst, SV(out, taint))


def _unary(st: Machine, ins: Instr):
    """``REV`` (bytes), ``REV16``/``REV32`` (bytes within halfwords, words),
    ``REV64``, ``RBIT`` (bits), ``CLZ``, ``CLS`` (leading zero, sign bits),
    ``ABS`` (FEAT_CSSC), at the register's width."""
    dst, src = ins.args
    w = _width(dst)
    x = operand(st, src)
    v = zext(x.val, w)
    op = ins.op
    if op in ("REV", "REV64"):
        out = app("rev" if w == 64 else "rev32", v)
    elif op in ("REV16", "REV32"):
        out = app(op.lower(), v)
    elif op == "RBIT":
        out = app("rbit", v) if w == 64 else app("lsr", app("rbit", v), Const(32))
    elif op == "CLZ":
        out = app("clz", v) if w == 64 else app("sub", app("clz", v), Const(32))
    elif op == "CLS":
        s = sext(x.val, w)
        lead = app("clz", app("lsr", app("xor", s, app("lsl", s, Const(1))), Const(1)))
        out = app("sub", lead, Const(1 + 64 - w))
    else:  # ABS
        s = sext(x.val, w)
        out = app("smax", s, app("neg", s))
    st.set(dst, SV(out, x.taint))


def _condition(st: Machine, code: str):
    if st.flags is None:
        raise st.error(f"condition {code} tested before any instruction sets the flags")
    return st.flags.condition(code), st.flags.taint


_CSEL_OPS = {"": None, "inc": ("add", 1), "inv": ("not", None), "neg": ("neg", None)}


def _csel(st: Machine, ins: Instr):
    """``CSEL Rd, Rn, Rm, cond``, ``CSINC`` (Rm + 1 when cond fails), ``CSINV``
    (NOT Rm), ``CSNEG`` (-Rm), and their aliases ``CINC``, ``CINV``, ``CNEG``,
    ``CSET``, ``CSETM`` (Arm ARM: the inverted condition, Rn or ZR twice).

    Rd is the selected operand, which alone is a data source; the flags reach
    Rd through the selection only (a pick dependency, as in herd). A condition
    not known statically splits the path (without any control dependency),
    unless both operands carry the same dependencies (a choice of values then)."""
    op = ins.op
    if op in CSEL_ALIASES:
        op, only = CSEL_ALIASES[op]
        dst, code = ins.args[0], ins.args[-1]
        assert isinstance(dst, Reg) and isinstance(code, Sym)
        src = Reg("XZR", dst.width) if only else ins.args[1]
        a, b, code = src, src, Sym(INVERSE[code.name])
    else:
        dst, a, b, code = ins.args
    assert isinstance(code, Sym) and isinstance(dst, Reg)
    w = dst.width
    cond, ftaint = _condition(st, code.name)
    fn = _CSEL_OPS[CSELS[op]]

    def other(s: Machine) -> SV:
        v = operand(s, b)
        if fn is None:
            return v
        out = app(fn[0], v.val, Const(fn[1])) if fn[1] is not None else app(fn[0], v.val)
        return SV(zext(out, w), v.taint)

    va, vb = operand(st, a), other(st)
    if va.taint == vb.taint:
        st.set(dst, SV(ite(cond, va.val, vb.val), va.taint | ftaint.as_pick()))
        return None
    taken, fail = st.split(cond)
    if taken is not None:
        v = operand(taken, a)
        taken.set(dst, SV(v.val, v.taint | ftaint.as_pick()))
    if fail is not None:
        v = other(fail)
        fail.set(dst, SV(v.val, v.taint | ftaint.as_pick()))
    return [taken, fail]


def _adr(st: Machine, ins: Instr):
    """``ADR Xd, label``: the address of a label of the code (a code address,
    which ``BR``/``BLR`` jump to); ``ADR Xd, loc``: the address of a location."""
    dst, target = ins.args
    assert isinstance(target, Label)
    if st.has_label(target.name):
        st.set(dst, st.code_address(target))
    else:
        st.set(dst, st.operand(LocRef(target.name)))


# --------------------------------------------------------------------------- branches


def _bcond(st: Machine, ins: Instr):
    code = ins.op.split(".", 1)[1]
    cond, taint = _condition(st, code)
    (label,) = ins.args
    return _branch(st, cond, taint, label)


def _branch(st: Machine, cond, taint, label: Label):
    taken, fall = st.split(cond, ctrl_deps=taint)
    if taken is not None:
        taken.goto(label)
    return [taken, fall]


def _cbz(st: Machine, ins: Instr):
    reg, label = ins.args
    v = st.operand(reg)
    cond = cmp("eq" if ins.op == "CBZ" else "ne", v.val, Const(0))
    return _branch(st, cond, v.taint, label)


def _tbz(st: Machine, ins: Instr):
    """``TBZ/TBNZ Rt, #bit, label``: branch on one bit of Rt (control-dependent
    on Rt, as CBZ)."""
    reg, bit, label = ins.args
    v = st.operand(reg)
    b = app("and", app("lsr", v.val, Const(_imm_of(bit))), Const(1))
    cond = cmp("eq" if ins.op == "TBZ" else "ne", b, Const(0))
    return _branch(st, cond, v.taint, label)


def _b(st: Machine, ins: Instr):
    (label,) = ins.args
    st.goto(label)


def _bl(st: Machine, ins: Instr):
    """``BL label``: X30 gets the address of the next instruction (herd: its
    label, when it has one), and the branch is taken (as ``B``: no control
    dependency)."""
    (label,) = ins.args
    st.set(LINK_REGISTER, st.return_address())
    st.goto(label)


def _indirect(st: Machine, ins: Instr):
    """``BR Xn``, ``BLR Xn`` (which also sets X30, as ``BL``), ``RET {Xn}``
    (X30 by default): a branch to the code address in the register (under
    herd's ``Variant=telechat``, a ``RET`` to an address that is no code ends
    the thread, as a compiled thread function returns); what
    follows is control-dependent on the reads that address depends on (herd:
    a branch commit). The target is read before ``BLR`` writes X30."""
    reg = ins.args[0] if ins.args else LINK_REGISTER
    assert isinstance(reg, Reg)
    target = st.get(reg)
    if ins.op == "BLR":
        st.set(LINK_REGISTER, st.return_address())
    # herd7 -variant telechat (tests compiled from C): a thread's final RET,
    # to the X30 it started with, ends it
    exits = ins.op == "RET" and st.variant("telechat")
    return st.jump_to(target, _reg_text(reg), exits=exits)


def _nop(st: Machine, ins: Instr):
    return None


# --------------------------------------------------------------------------- memory

_LOAD_TAGS = {
    "LDR": (), "LDUR": (), "LDAR": ("A",), "LDAPR": ("Q",), "LDXR": ("X",),
    "LDAXR": ("X", "A"),
}
_STORE_TAGS = {"STR": (), "STUR": (), "STLR": ("L",)}


def _sized(st: Machine, ins: Instr, reg: object,
           dest: bool = False) -> tuple[str, int | None, bool]:
    """The full-width mnemonic of ``ins``, its access width and whether it
    sign-extends. A full-width access has its register's width (an immediate
    store, the location's: None); a byte or
    halfword one (``LDRB``, ``STRH``) takes a W register, except that the
    sign-extending loads may fill an X register (``LDRSB X0``), and ``LDRSW``
    takes only X (Arm ARM C6.2)."""
    full, width, signed = SIZED.get(ins.op, (ins.op, 0, False))
    if not width:
        return full, _width(reg) if isinstance(reg, Reg) else None, False
    if isinstance(reg, Reg) and not reg.is_zero:
        want = (64,) if ins.op == "LDRSW" else (32, 64) if signed and dest else (32,)
        if reg.width not in want:
            name = "an X" if want == (64,) else "a W"
            found = "W" + reg.name[1:] if reg.width == 32 else reg.name
            raise st.error(f"{ins.op} takes {name} register, found {found}")
    return full, width, signed


def _load(st: Machine, ins: Instr):
    """A load of ``width`` bits: the read event returns the location's value;
    the destination register gets its low ``width`` bits, zero-extended, or
    sign-extended to the register's width for ``LDRSB``/``LDRSH``/``LDRSW``
    (Arm ARM: ``LDR W0`` reads the low 32 bits, ``LDRSB W0`` of 0x80 gives
    0xFFFFFF80, ``LDRSB X0`` 0xFFFFFFFFFFFFFF80). A pre- or post-indexed load
    then updates its base register."""
    dst, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(dst, Reg)
    full, width, signed = _sized(st, ins, dst, dest=True)
    assert width is not None  # a register's
    loc, ataint = st.address(addr)
    tags = _LOAD_TAGS[full]
    eid, v = st.read(loc, tags, ataint, width=width)
    st.set(dst, SV((sext if signed else zext)(v.val, width), v.taint))
    if "X" in tags:
        st.excl = ((eid, loc),)
    _writeback(st, addr)


def _store(st: Machine, ins: Instr):
    """A store of ``width`` bits: the location gets the low bits of the source
    (``STRB W0`` of 0x1FF stores 0xFF)."""
    src, addr = ins.args
    assert isinstance(addr, Addr)
    full, width, _ = _sized(st, ins, src)
    loc, ataint = st.address(addr)
    st.write(loc, operand(st, src), _STORE_TAGS[full], ataint, width=width)
    _writeback(st, addr)


#: The tags of each access of the plain pairs: LDIAPP's reads are
#: acquirePC and STILP's writes release (herd: ``Q`` and ``L``, FEAT_LRCPC3);
#: the non-temporal hint of LDNP/STNP changes no ordering (herd: its ``NTA``
#: annotation is in no relation of the model).
_PAIR_TAGS: dict[str, tuple[str, ...]] = {
    "LDP": (), "LDPSW": (), "LDNP": (), "LDIAPP": ("Q",),
    "STP": (), "STNP": (), "STILP": ("L",),
}


def _pair_addresses(st: Machine, ins: Instr) -> tuple[int, str, Taint, str, Taint]:
    """A pair instruction's access size in bits, and the two locations it
    accesses (at the address and just after it) with what each address
    depends on."""
    addr = ins.args[-1]
    assert isinstance(addr, Addr)
    size = _pair_size(ins)
    first, second = _pair(addr, size)
    loc1, t1 = st.address(first)
    loc2, t2 = st.address(second)
    return size * 8, loc1, t1, loc2, t2


def _pair_access(st: Machine, ins: Instr):
    """``LDP/STP Rt1, Rt2, [Xn{, #imm}]`` (also pre- and post-indexed), their
    non-temporal forms ``LDNP/STNP``, ``LDPSW`` and FEAT_LRCPC3's
    ``LDIAPP``/``STILP``: two accesses of the register size (32 bits for
    LDPSW, which sign-extends each word into its X register), Rt1's at the
    address and Rt2's just after it, both address-dependent on Xn; each
    register is its own data (herd: two reads or two writes).

    LDIAPP's reads are acquirePC (``Q``), Rt1's first; STILP's writes are
    release (``L``), Rt1's first, except that the pre-indexed STILP writes
    Rt2's first (Arm ARM, STILP; herd's ``stp``). Events of one instruction
    are in program order in the order they are made, so ``[Q]; po`` and
    ``po; [L]`` order the two accesses as herd's ``seq_mem`` does."""
    r1, r2, addr = ins.args
    assert isinstance(r1, Reg) and isinstance(r2, Reg) and isinstance(addr, Addr)
    width, loc1, t1, loc2, t2 = _pair_addresses(st, ins)
    tags = _PAIR_TAGS[ins.op]
    if ins.op.startswith("LD"):
        _, v1 = st.read(loc1, tags, t1, width=width)
        _, v2 = st.read(loc2, tags, t2, width=width)
        if ins.op == "LDPSW":
            v1, v2 = SV(sext(v1.val, width), v1.taint), SV(sext(v2.val, width), v2.taint)
        st.set(r1, v1)
        st.set(r2, v2)
    else:
        v1, v2 = operand(st, r1), operand(st, r2)
        if ins.op == "STILP" and addr.index == "pre":
            st.write(loc2, v2, tags, t2, width=width)
            st.write(loc1, v1, tags, t1, width=width)
        else:
            st.write(loc1, v1, tags, t1, width=width)
            st.write(loc2, v2, tags, t2, width=width)
    _writeback(st, addr)


def _load_excl_pair(st: Machine, ins: Instr):
    """``LDXP/LDAXP Rt1, Rt2, [Xn]``: an exclusive (``X``; ``LDAXP`` also
    acquire, ``A``) read of each element, Rt1's at the address and Rt2's just
    after it; the two reads are one single-copy atomic access (Arm ARM,
    LDXP; herd reads them as one atomic group), so they never see half of a
    single-copy atomic pair written by another instruction. Opens an
    exclusive pair for a later STXP."""
    r1, r2, _ = ins.args
    assert isinstance(r1, Reg) and isinstance(r2, Reg)
    width, loc1, t1, loc2, t2 = _pair_addresses(st, ins)
    tags = ("X", "A") if ins.op == "LDAXP" else ("X",)
    e1, v1 = st.read(loc1, tags, t1, width=width)
    e2, v2 = st.read(loc2, tags, t2, width=width)
    st.single_copy_atomic((e1, e2))
    st.set(r1, v1)
    st.set(r2, v2)
    st.excl = ((e1, loc1), (e2, loc2))


def _store_excl_pair(st: Machine, ins: Instr):
    """``STXP/STLXP Ws, Rt1, Rt2, [Xn]``: as STXR, on a pair. It succeeds or
    fails freely when an LDXP/LDAXP of the same two elements is open on this
    path (and always fails otherwise, after a single load-exclusive too:
    Arm ARM, a Store-Exclusive of another size than its Load-Exclusive is
    CONSTRAINED UNPREDICTABLE); on success it writes both elements as one
    single-copy atomic access (``X``, and ``L`` for STLXP), each write paired
    with the read of its element in ``rmw``. Ws = 0 on success, 1 on
    failure."""
    status, r1, r2, _ = ins.args
    assert isinstance(status, Reg) and isinstance(r1, Reg) and isinstance(r2, Reg)
    width, loc1, t1, loc2, t2 = _pair_addresses(st, ins)
    v1, v2 = operand(st, r1), operand(st, r2)
    excl, st.excl = st.excl, None
    if excl is None or [loc for _, loc in excl] != [loc1, loc2]:
        st.set(status, SV(Const(1)))
        return None
    ok, fail = _exclusive_outcome(st, status)
    tags = ("X", "L") if ins.op == "STLXP" else ("X",)
    w1 = ok.write(loc1, v1, tags, t1, width=width)
    w2 = ok.write(loc2, v2, tags, t2, width=width)
    ok.single_copy_atomic((w1, w2))
    ok.rmw(excl[0][0], w1, "lxsx")
    ok.rmw(excl[1][0], w2, "lxsx")
    return [ok, fail]


def _exclusive_outcome(st: Machine, status: Reg) -> tuple[Machine, Machine]:
    """A store-exclusive's two paths, (success, failure): ``status`` holds
    ``ite(choice, 0, 1)`` on both (Arm ARM: 0 on success, 1 on failure), a
    free choice rather than a constant, as herd's is."""
    choice = st.choice()
    st.set(status, SV(ite(choice, Const(0), Const(1))))
    ok, fail = st.split(choice)
    assert ok is not None and fail is not None
    return ok, fail


def _store_excl(st: Machine, ins: Instr):
    """``STXR Ws, Rt, [Xn]``: succeeds or fails freely when paired with an
    earlier load-exclusive of the same location on this path (and always
    fails without one); Ws = 0 on success, 1 on failure, with no dependency.

    Ws is the choice's value, ``ite(choice, 0, 1)``, on both paths (a branch
    on it is decided by the path's guard): as in herd, it is not a constant,
    so a retry loop on it counts against the unrolling bound."""
    status, src, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(status, Reg)
    full, width, _ = _sized(st, ins, src)
    loc, ataint = st.address(addr)
    value = operand(st, src)
    excl, st.excl = st.excl, None
    if excl is None or len(excl) != 1 or excl[0][1] != loc:
        st.set(status, SV(Const(1)))
        return None
    ok, fail = _exclusive_outcome(st, status)
    tags = ("X", "L") if full == "STLXR" else ("X",)
    w = ok.write(loc, value, tags, ataint, width=width)
    ok.rmw(excl[0][0], w, "lxsx")
    return [ok, fail]


def _suffix(op: str, base: str) -> tuple[bool, bool]:
    sfx = op[len(base):]
    return "A" in sfx, "L" in sfx


def _read_tags(acq: bool, result: Reg) -> tuple[str, ...]:
    """An atomic whose loaded value goes to the zero register is ``NoRet`` and
    loses its acquire semantics (herd; Arm ARM on LD<op>A/SWPA/CASA with XZR)."""
    if result.is_zero:
        return ("NoRet",)
    return ("A",) if acq else ()


def _swp(st: Machine, ins: Instr):
    """``SWP Rs, Rt, [Xn]``: Rt gets the old value, which depends on the read
    only (never on Rs); the write stores Rs."""
    rs, rt, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(rt, Reg)
    full, width, _ = _sized(st, ins, rs)
    _sized(st, ins, rt)
    assert width is not None  # a register's
    acq, rel = _suffix(full, "SWP")
    loc, ataint = st.address(addr)
    new = st.operand(rs)
    r, old = st.read(loc, _read_tags(acq, rt), ataint, width=width)
    w = st.write(loc, new, ("L",) if rel else (), ataint, width=width)
    st.rmw(r, w, "amo")
    st.set(rt, SV(zext(old.val, width), old.taint))


def _cas(st: Machine, ins: Instr):
    """``CAS Rs, Rt, [Xn]``: compare the value read with Rs (at the registers'
    width); on success write Rt. Rs receives the old value either way.

    As herd does, the comparison is an internal "branch" fed by Rs and the
    read, with a control edge to the write: the reads Rs depends on are pick
    dependencies of the write. On success herd has two event structures, in
    which Rs's new value comes from the memory read or from Rs itself (equal
    values, different dependencies); a free choice selects one. A failing CAS
    is a read alone."""
    rs, rt, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(rs, Reg)
    full, width, _ = _sized(st, ins, rs)
    _sized(st, ins, rt)
    assert width is not None  # a register's
    acq, rel = _suffix(full, "CAS")
    loc, ataint = st.address(addr)
    expected = st.operand(rs)
    new = st.operand(rt)
    r, old = st.read(loc, _read_tags(acq, rs), ataint, width=width)
    old = SV(zext(old.val, width), old.taint)
    compare = expected.taint | old.taint  # what the internal branch depends on
    ok, fail = st.split(cmp("eq", old.val, zext(expected.val, width)))
    out: list = []
    if ok is not None:
        w = ok.write(loc, new, ("L",) if rel else (), ataint, intrinsic=compare,
                     width=width)
        ok.rmw(r, w, "amo")
        from_mem, from_rs = ok.split(ok.choice())
        assert from_mem is not None and from_rs is not None
        from_mem.set(rs, old)
        from_rs.set(rs, SV(old.val, expected.taint | compare.as_pick()))
        out += [from_mem, from_rs]
    if fail is not None:
        fail.set(rs, old)
        out.append(fail)
    return out


def _casp(st: Machine, ins: Instr):
    """``CASP{A,L,AL} Rs, R(s+1), Rt, R(t+1), [Xn]``: compare the pair read
    at the address (Rs's element first, R(s+1)'s just after it) with Rs and
    R(s+1); if both are equal write Rt and R(t+1) there. Rs and R(s+1)
    receive the values read either way (Arm ARM, CASP).

    As herd builds it: a read of each element (``A`` for CASPA/CASPAL) and, on
    success, a write of each (``L`` for CASPL/CASPAL), each write paired with
    the read of its element in ``rmw``; the writes depend on the comparison
    (both registers and both reads) and on Rt and R(t+1) together. The two
    reads are one single-copy atomic access, and so are the two writes (Arm
    ARM: the pair is accessed single-copy atomically). On success, as for CAS,
    a free choice says whether Rs and R(s+1) take their new values from the
    reads or from themselves (equal values, other dependencies)."""
    rs1, rs2, rt1, rt2, _ = ins.args
    assert isinstance(rs1, Reg) and isinstance(rs2, Reg)
    width, loc1, t1, loc2, t2 = _pair_addresses(st, ins)
    acq, rel = _suffix(ins.op, "CASP")
    exp1, exp2 = st.operand(rs1), st.operand(rs2)
    new1, new2 = st.operand(rt1), st.operand(rt2)
    rtags = ("A",) if acq else ()
    e1, o1 = st.read(loc1, rtags, t1, width=width)
    e2, o2 = st.read(loc2, rtags, t2, width=width)
    st.single_copy_atomic((e1, e2))
    old1, old2 = zext(o1.val, width), zext(o2.val, width)
    read = o1.taint | o2.taint  # the pair is read as one access
    expected = exp1.taint | exp2.taint
    compare = expected | read  # what the comparison depends on
    ok, fail = st.split(band(cmp("eq", old1, zext(exp1.val, width)),
                             cmp("eq", old2, zext(exp2.val, width))))
    out: list = []
    if ok is not None:
        wtags = ("L",) if rel else ()
        data = new1.taint | new2.taint
        w1 = ok.write(loc1, new1, wtags, t1, data=data, intrinsic=compare, width=width)
        w2 = ok.write(loc2, new2, wtags, t2, data=data, intrinsic=compare, width=width)
        ok.single_copy_atomic((w1, w2))
        ok.rmw(e1, w1, "amo")
        ok.rmw(e2, w2, "amo")
        from_mem, from_rs = ok.split(ok.choice())
        assert from_mem is not None and from_rs is not None
        from_mem.set(rs1, SV(old1, read))
        from_mem.set(rs2, SV(old2, read))
        from_rs.set(rs1, SV(old1, expected | compare.as_pick()))
        from_rs.set(rs2, SV(old2, expected | compare.as_pick()))
        out += [from_mem, from_rs]
    if fail is not None:
        fail.set(rs1, SV(old1, read))
        fail.set(rs2, SV(old2, read))
        out.append(fail)
    return out


def _atomic_base(op: str) -> str:
    return next(b for b in ATOMIC_OPS if op[2:].startswith(b))


def _ldop(st: Machine, ins: Instr):
    """``LD<OP>{A,L,AL} Rs, Rt, [Xn]``: Rt gets the old value (from the read
    only); the write stores ``old <op> Rs`` at Rs's width, data-dependent on Rs."""
    rs, rt, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(rt, Reg) and isinstance(rs, Reg)
    full, width, _ = _sized(st, ins, rs)
    _sized(st, ins, rt)
    assert width is not None  # a register's
    base = _atomic_base(full)
    acq, rel = _suffix(full, "LD" + base)
    _atomic_op(st, base, rs, rt, addr, acq, rel, width)


def _stop(st: Machine, ins: Instr):
    """``ST<OP>{L} Rs, [Xn]``: ``LD<OP>{L} Rs, XZR, [Xn]`` (Arm ARM: an alias)."""
    rs, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(rs, Reg)
    full, width, _ = _sized(st, ins, rs)
    base = _atomic_base(full)
    assert width is not None  # a register's
    rel = full.endswith("L") and full != "ST" + base
    _atomic_op(st, base, rs, Reg("XZR", rs.width), addr, False, rel, width)


def _atomic_op(st: Machine, base: str, rs: Reg, rt: Reg, addr: Addr, acq: bool, rel: bool,
               w_: int):
    """The read and write of an atomic ``LD<op>`` of ``w_`` bits: the write
    stores ``old <op> Rs`` on those bits (the signed ones compare them as
    signed); Rt gets the old value's ``w_`` bits."""
    loc, ataint = st.address(addr)
    operand_ = st.operand(rs)
    r, old = st.read(loc, _read_tags(acq, rt), ataint, width=w_)
    old = SV(zext(old.val, w_), old.taint)
    op = ATOMIC_OPS[base]
    if op in ("smax", "smin"):
        value = zext(app(op, sext(old.val, w_), sext(operand_.val, w_)), w_)
    else:
        value = zext(app(op, old.val, zext(operand_.val, w_)), w_)
    w = st.write(loc, SV(value, operand_.taint), ("L",) if rel else (), ataint,
                 flow=old.taint, width=w_)
    st.rmw(r, w, "amo")
    st.set(rt, old)


# --------------------------------------------------------------------------- barriers


def _barrier(st: Machine, ins: Instr):
    (opt,) = ins.args
    assert isinstance(opt, Sym)
    st.fence((f"{ins.op}.{opt.name}", ins.op))


def _isb(st: Machine, ins: Instr):
    st.fence(("ISB",))


HANDLERS = {
    "MOV": _mov,
    "CMP": _compare,
    "CMN": _compare,
    "TST": _compare,
    "NEG": _neg,
    "NEGS": _neg,
    "MVN": _neg,
    "SMULH": _mulh,
    "UMULH": _mulh,
    "BFC": _bitfield,
    "ADR": _adr,
    "CBZ": _cbz,
    "CBNZ": _cbz,
    "TBZ": _tbz,
    "TBNZ": _tbz,
    "B": _b,
    "BL": _bl,
    "BR": _indirect,
    "BLR": _indirect,
    "RET": _indirect,
    "NOP": _nop,
    "LDXP": _load_excl_pair,
    "LDAXP": _load_excl_pair,
    "STXP": _store_excl_pair,
    "STLXP": _store_excl_pair,
    "STXR": _store_excl,
    "STLXR": _store_excl,
    "DMB": _barrier,
    "DSB": _barrier,
    "ISB": _isb,
}
HANDLERS.update(dict.fromkeys(ARITH, _arith))
HANDLERS.update(dict.fromkeys(("MOVZ", "MOVN", "MOVK"), _movw))
HANDLERS.update(dict.fromkeys(SHIFTS, _shift))
HANDLERS.update(dict.fromkeys(EXTENDS, _extend))
HANDLERS.update(dict.fromkeys(MULTIPLIES, _multiply))
HANDLERS.update(dict.fromkeys(BITFIELDS, _bitfield))
HANDLERS.update(dict.fromkeys(UNARY, _unary))
HANDLERS.update(dict.fromkeys(CSELS, _csel))
HANDLERS.update(dict.fromkeys(CSEL_ALIASES, _csel))
HANDLERS.update({f"B.{c}": _bcond for c in CONDITION_CODES})
HANDLERS.update(dict.fromkeys(_LOAD_TAGS, _load))
HANDLERS.update(dict.fromkeys(_STORE_TAGS, _store))
HANDLERS.update(dict.fromkeys(_PAIR_TAGS, _pair_access))
for _s in ("", "A", "L", "AL"):
    HANDLERS["SWP" + _s] = _swp
    HANDLERS["CAS" + _s] = _cas
    HANDLERS["CASP" + _s] = _casp
    for _o in ATOMIC_OPS:
        HANDLERS[f"LD{_o}{_s}"] = _ldop
for _o in ATOMIC_OPS:
    HANDLERS[f"ST{_o}"] = HANDLERS[f"ST{_o}L"] = _stop
for _op, (_full, _, _) in SIZED.items():
    HANDLERS[_op] = HANDLERS[_full]

assert set(HANDLERS) == set(INSTRUCTIONS), set(HANDLERS) ^ set(INSTRUCTIONS)

# --------------------------------------------------------------------------- instructions as values

#: The instructions whose text as a value (an instruction read from a label's
#: address) is known to be herd's: ``op`` then its operands, comma-separated
#: without spaces (herd's ``AArch64Base.dump_instruction``).
_HERD_TEXT_OPS = frozenset(
    ["NOP", "B", "BL", "BR", "BLR", "RET", "CBZ", "CBNZ", "ADR", "MOV", "ADD", "SUB", "LDR",
     "STR"] + ["B." + cc for cc in CONDITION_CODES])


def herd_text(ins: Instr, offset_of: Callable[[Label], int | None]) -> str | None:
    """How herd prints ``ins`` as a value: ``ADD W0,W0,#1``, ``LDR W2,[X1,#4]``,
    a label operand as its offset from the instruction in bytes (``ADR
    X0,.+4``, ``B .-8``); None for the forms not known to be printed so."""
    if ins.op not in _HERD_TEXT_OPS:
        return None
    parts: list[str] = []
    for a in ins.args:
        if isinstance(a, Reg):
            parts.append(_reg_text(a))
        elif isinstance(a, Imm):
            parts.append(f"#{a.value}")
        elif isinstance(a, Label):
            off = offset_of(a)
            if off is None:
                return None
            parts.append(f".+{off}" if off >= 0 else f".{off}")
        elif isinstance(a, Addr) and isinstance(a.base, Reg) and not a.index:
            base = _reg_text(a.base)
            if a.offset is None or a.offset == Imm(0):
                parts.append(f"[{base}]")
            elif isinstance(a.offset, Imm):
                parts.append(f"[{base},#{a.offset.value}]")
            elif isinstance(a.offset, Reg):
                parts.append(f"[{base},{_reg_text(a.offset)}]")
            else:
                return None
        else:
            return None
    return ins.op + (" " + ",".join(parts) if parts else "")


# --------------------------------------------------------------------------- tags, memory

TAGS: dict[str, str] = {
    "A": "acquire (RCsc): LDAR, LDAXR, LDAXP, and atomics with an A suffix (CASPA too)",
    "Q": "acquirePC (RCpc): LDAPR, LDIAPP",
    "L": "release: STLR, STLXR, STLXP, STILP, and atomics with an L suffix (CASPL too)",
    "X": "exclusive: LDXR, LDAXR, STXR, STLXR and their pairs LDXP, LDAXP, STXP, STLXP",
    "NoRet": "an atomic whose loaded value goes to the zero register",
    "DMB": "any DMB",
    "DSB": "any DSB",
    "ISB": "instruction synchronization barrier",
}
for _b_ in ("DMB", "DSB"):
    for _o_ in BARRIER_OPTIONS:
        TAGS[f"{_b_}.{_o_}"] = f"{_b_} {_o_}"

MEMORY_TYPES: tuple[str, ...] = (
    "normal", "device-nGnRnE", "device-nGnRE", "device-nGRE", "device-GRE",
)  # fmt: skip

#: Set names a model uses for memory types (Arm ARM B2.8: Normal and Device
#: memory; the Device types by their G, R and E attributes).
MEMORY_TYPE_SETS: dict[str, tuple[str, ...]] = {
    "Normal": ("normal",),
    "Device": MEMORY_TYPES[1:],
    "Device.nGnRnE": ("device-nGnRnE",),
    "Device.nGnRE": ("device-nGnRE",),
    "Device.nGRE": ("device-nGRE",),
    "Device.GRE": ("device-GRE",),
}

ARCH = Arch(
    name="aarch64",
    instructions=INSTRUCTIONS,
    handlers=HANDLERS,
    tags=TAGS,
    memory_types=MEMORY_TYPES,
    default_memory_type="normal",
    memory_type_sets=MEMORY_TYPE_SETS,
    parse_reg=parse_reg,
    looks_like_register=looks_like_register,
    register_help=REGISTER_HELP,
    address_value=address_value,
    symbols={"barrier": ("barrier option", BARRIER_OPTIONS),
             "cond": ("condition code", CONDITION_CODES)},
    branch_ops=BRANCH_OPS,
    unsupported=UNSUPPORTED,
    check=check,
    memory_operands=memory_operands,
    instruction_text=herd_text,
)

__all__ = ["ARCH", "BARRIER_OPTIONS", "CONDITION_CODES", "EXTEND_OPS", "SHIFT_OPS",
           "parse_reg"]
