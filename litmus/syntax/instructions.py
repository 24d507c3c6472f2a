"""Reading instructions: raw operands checked against an architecture's table.

Front ends (the mini-DSL, herd's format) reduce an instruction to a mnemonic
plus *raw operands* (:class:`RawName`, :class:`RawImm`, :class:`RawAddrOf`,
:class:`RawMem`, :class:`RawShift`) and call :func:`make_instr`, which checks
the mnemonic and operands against the architecture's instruction table (its
home is :mod:`litmus.isa`; the Linux accessors are :data:`ACCESSORS`) and
returns the canonical :class:`~litmus.program.Instr` the engine interprets:

- ``op`` is the canonical upper-case mnemonic (``LDR``, ``B.EQ``,
  ``LOCK XADD``); Linux accessors keep their lower-case name (``writel``).
- registers are canonical (:func:`parse_reg`): ``r3``/``X3`` -> ``Reg("X3", 64)``,
  ``W3`` -> ``Reg("X3", 32)``, ``EAX``/``%eax`` -> ``Reg("RAX", 32)``.
- memory operands become :class:`~litmus.program.Addr`; barrier options and
  condition codes :class:`~litmus.program.Sym`; branch targets
  :class:`~litmus.program.Label`.

Nothing here depends on a grammar. Every error is a :class:`ParseError` at the
position of the offending mnemonic or operand.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

from .. import isa
from ..errors import ParseError, Pos
from ..isa.base import (
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
    SYM,
    Sig,
    sig,
)
from ..isa.x86 import (
    ATT_FENCES,
    ATT_LOCKED,
    ATT_MNEMONICS,
    ATT_NOPS,
    ATT_REGISTER_ALU,
    ATT_SIZES,
)
from ..program import Addr, Imm, Instr, Label, LocRef, Operand, Reg, Shift, ShiftedImm, Sym
from .source import check_digits, shorten

__all__ = [
    "ACCESSORS",
    "INT_MAX",
    "INT_MIN",
    "RawAddrOf",
    "RawAttMem",
    "RawImm",
    "RawMem",
    "RawName",
    "RawOperand",
    "RawShift",
    "att_to_intel",
    "branch_target",
    "check_int",
    "did_you_mean",
    "is_accessor",
    "make_instr",
    "mnemonics",
    "parse_int",
    "parse_reg",
    "reg_or_error",
]

# --------------------------------------------------------------------------- integers

#: Integers are 64-bit two's complement: anything in [INT_MIN, INT_MAX] is accepted
#: (negative values and values >= 2**63 both, as written; the engine reduces mod 2**64).
INT_MIN = -(1 << 63)
INT_MAX = (1 << 64) - 1

_INT_RE = re.compile(r"-?(?:0[xX][0-9a-fA-F]+|[0-9]+)\Z")


def check_int(value: int, pos: Pos | None, text: str | None = None) -> int:
    """``value`` if it fits in 64 bits (signed or unsigned), else a ParseError."""
    if not INT_MIN <= value <= INT_MAX:
        raise ParseError(f"integer {text or value} is out of range (64 bits)", pos)
    return value


def parse_int(text: str, pos: Pos | None) -> int:
    """A decimal or ``0x`` hex integer with an optional leading ``-``, range-checked.

    Returns its value. Raises :class:`ParseError` at ``pos`` for text that is not
    such an integer and for a value outside 64 bits (checked on the digits
    before converting, so a literal of thousands of digits is refused, not
    converted)."""
    if not _INT_RE.match(text):
        raise ParseError(f"expected an integer, found '{shorten(text)}'", pos)
    check_digits(text, pos)
    neg = text.startswith("-")
    body = text[1:] if neg else text
    value = int(body, 16) if body[:2] in ("0x", "0X") else int(body, 10)
    return check_int(-value if neg else value, pos, text)


# --------------------------------------------------------------------------- raw operands


@dataclass(frozen=True)
class RawName:
    """A bare name: a register, label, barrier option, condition code or location."""

    name: str
    pos: Pos
    text: str = ""

    def __str__(self) -> str:
        return self.text or self.name


@dataclass(frozen=True)
class RawImm:
    """An immediate. ``prefix`` is ``#``, ``$`` or ``""`` (a bare integer, refused)."""

    value: int
    pos: Pos
    text: str = ""
    prefix: str = "#"

    def __str__(self) -> str:
        return self.text or f"{self.prefix}{self.value}"


@dataclass(frozen=True)
class RawAddrOf:
    """``&loc``: the address of a location, as a value."""

    name: str
    pos: Pos
    text: str = ""

    def __str__(self) -> str:
        return self.text or f"&{self.name}"


@dataclass(frozen=True)
class RawShift:
    """A shift or extend with an amount (``LSL #3``), following a register."""

    op: str
    amount: int
    pos: Pos
    text: str = ""

    def __str__(self) -> str:
        return self.text or f"{self.op} #{self.amount}"


@dataclass(frozen=True)
class RawMem:
    """A bracketed memory operand ``[item, item, ...]``; ``writeback`` marks the
    pre-indexed form ``[item, item]!``."""

    items: tuple[RawOperand, ...]
    pos: Pos
    text: str = ""
    writeback: bool = False

    def __str__(self) -> str:
        return self.text or ("[" + ", ".join(str(i) for i in self.items) + "]"
                             + ("!" if self.writeback else ""))


@dataclass(frozen=True)
class RawAttMem(RawMem):
    """An AT&T memory operand ``disp(base,index,scale)`` (GNU as; Intel SDM
    vol. 1, 3.7.5: the address is base + index * scale + disp). ``symbol`` is
    a location named in it: the displacement (``x(%rax)``) or, alone in the
    parentheses, herd's absolute location (``(x)``); ``disp`` an integer
    displacement; ``base`` and ``index`` registers; ``scale`` 1, 2, 4 or 8.
    Its ``items`` are empty."""

    symbol: RawName | None = None
    base: RawName | None = None
    index: RawName | None = None
    scale: int = 1
    disp: int = 0


RawOperand = RawName | RawImm | RawAddrOf | RawShift | RawMem


@dataclass(frozen=True)
class _RawShifted:
    """Internal: a register followed by a shift/extend (or an immediate followed
    by ``LSL #n``), folded into one operand."""

    reg: RawName | RawImm
    op: str
    amount: int
    pos: Pos
    text: str

    def __str__(self) -> str:
        return self.text


# --------------------------------------------------------------------------- registers

#: No register of any architecture has a longer name (``%r15d`` is 5): longer
#: names are not registers, and are not handed to the architectures' readers
#: (which convert their digits).
_MAX_REG_NAME = 16


def parse_reg(arch: str, name: str) -> Reg | None:
    """The canonical register ``name`` denotes on ``arch`` (case-insensitive), or
    None (see each architecture's ``parse_reg`` in :mod:`litmus.isa`)."""
    if len(name) > _MAX_REG_NAME:
        return None
    return isa.get(arch).parse_reg(name)


def reg_or_error(arch: str, name: str, pos: Pos | None) -> Reg:
    """:func:`parse_reg`, or ``ParseError("bad register 'NAME' (...)")`` at ``pos``."""
    reg = parse_reg(arch, name)
    if reg is None:
        if arch == "aarch64" and _SYSTEM_REGISTER.fullmatch(name):
            raise ParseError(f"not supported: system registers ({name.upper()}; system-level "
                             "features are out of scope)", pos)
        raise ParseError(f"bad register '{shorten(name)}' ({isa.get(arch).register_help})", pos)
    return reg


#: An AArch64 system register's name (Arm ARM D19: ``VNCR_EL2``, ``ELR_EL1``).
_SYSTEM_REGISTER = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*_EL[0-3]", re.IGNORECASE)


def _looks_like_register(arch: str, name: str) -> bool:
    return isa.get(arch).looks_like_register(name[: _MAX_REG_NAME + 1])


# --------------------------------------------------------------------------- the table

_NAME_KINDS = (REG, LABEL, SYM)  # kinds written as a bare name
_NOUNS = {
    REG: "register",
    IMM: "immediate",
    SHIMM: "shifted immediate",
    SHIFT: "shifted register",
    ROTATE: "rotated register",
    EXTEND: "extended register",
    LOCREF: "&location",
    MEM: "memory operand",
    MEMWB: "pre-indexed memory operand",
    POST: "post-index immediate",
    LABEL: "label",
}
_NOUN_ORDER = (REG, IMM, SHIMM, SHIFT, ROTATE, EXTEND, LOCREF, MEM, MEMWB, POST, LABEL, SYM)
#: Operand modifiers: shifts, the rotation, extends (Arm ARM, "shifted register"
#: and "extended register" forms). An extend may omit its amount.
_SHIFTS = ("LSL", "LSR", "ASR")
_EXTEND_WORDS = ("SXTB", "SXTH", "SXTW", "SXTX", "UXTB", "UXTH", "UXTW", "UXTX")
_SHIFT_WORDS = (*_SHIFTS, "ROR", *_EXTEND_WORDS)
#: Register offsets of a memory operand may be shifted left or extended from a word.
_MEM_MODIFIERS = ("LSL", "UXTW", "SXTW", "SXTX", "UXTX")

_RI = frozenset({REG, IMM})
_R = frozenset({REG})
_M = frozenset({MEM})

#: Linux accessors: pseudo-instructions of both arches, lowered later
#: (:mod:`litmus.lowering`, which says what each becomes). Operands are in
#: the order of the architecture's own loads and stores: the register or
#: value first, the memory operand last.
ACCESSORS: dict[str, tuple[Sig, ...]] = {}
for _w, _n in (("b", "8"), ("w", "16"), ("l", "32"), ("q", "64")):
    for _op in (f"write{_w}", f"write{_w}_relaxed", f"__raw_write{_w}", f"iowrite{_n}"):
        ACCESSORS[_op] = sig(_RI, _M)  # writel Rt|#imm, [ADDR]
    for _op in (f"read{_w}", f"read{_w}_relaxed", f"__raw_read{_w}", f"ioread{_n}"):
        ACCESSORS[_op] = sig(_R, _M)  # readl Rt, [ADDR]
ACCESSORS["smp_store_release"] = sig(_RI, _M)
ACCESSORS["smp_load_acquire"] = sig(_R, _M)
for _op in ("wmb", "rmb", "mb", "dma_wmb", "dma_rmb", "dma_mb", "smp_wmb", "smp_rmb", "smp_mb",
            "smp_mb__before_atomic", "smp_mb__after_atomic", "mmiowb"):
    ACCESSORS[_op] = sig()
for _op in ("spin_lock", "spin_unlock"):
    ACCESSORS[_op] = sig(_M)
# readl_poll Rt, [ADDR], #MASK: until Rt & MASK != 0 (no mask: until Rt != 0)
for _op in ("readl_poll", "readl_relaxed_poll"):
    ACCESSORS[_op] = sig(_R, _M) + sig(_R, _M, frozenset({IMM}))
ACCESSORS["atomic_read"] = sig(_R, _M)  # atomic_read Rt, [v]
ACCESSORS["atomic_set"] = sig(_RI, _M)  # atomic_set Rt|#imm, [v]
ACCESSORS["atomic_add"] = sig(_RI, _M)  # atomic_add Rt|#imm, [v]
for _op in ("atomic_inc", "atomic_dec"):
    ACCESSORS[_op] = sig(_M)  # atomic_inc [v]
for _o in ("", "_relaxed", "_acquire", "_release"):
    ACCESSORS[f"atomic_add_return{_o}"] = sig(_R, _RI, _M)  # Rd := the new value
    ACCESSORS[f"atomic_inc_return{_o}"] = sig(_R, _M)
    ACCESSORS[f"atomic_dec_return{_o}"] = sig(_R, _M)
    ACCESSORS[f"xchg{_o}"] = sig(_R, _RI, _M)  # xchg Rd, Rs|#imm, [x]: Rd := the old value
    ACCESSORS[f"cmpxchg{_o}"] = sig(_R, _RI, _RI, _M)  # cmpxchg Rd, old, new, [x]


def mnemonics(arch: str) -> tuple[str, ...]:
    """Every canonical op ``arch`` accepts, accessors included."""
    return tuple(isa.get(arch).instructions) + tuple(ACCESSORS)


def is_accessor(op: str) -> bool:
    """Whether ``op`` is a Linux accessor (a pseudo-instruction lowered later)."""
    return op in ACCESSORS


def branch_target(arch: str, instr: Instr) -> Label | None:
    """The label a branch instruction of ``arch`` jumps to, or None."""
    return isa.get(arch).branch_target(instr)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the closest candidate (case-insensitive), or ``""``."""
    by_upper = {c.upper(): c for c in candidates}
    hits = difflib.get_close_matches(word.upper(), list(by_upper), n=1, cutoff=0.6)
    return f" (did you mean {by_upper[hits[0]]}?)" if hits else ""


def _lookup(arch: str, mnemonic: str, pos: Pos) -> tuple[str, tuple[Sig, ...]]:
    if arch not in isa.NAMES:
        raise ParseError(f"unknown architecture '{arch}'", pos)
    words = mnemonic.split()
    upper = " ".join(words).upper()
    lower = " ".join(words).lower()
    if lower in ACCESSORS:
        return lower, ACCESSORS[lower]
    table = isa.get(arch).instructions
    if upper in table:
        return upper, table[upper]
    feature = isa.get(arch).unsupported.get(upper)
    if feature is not None:
        raise ParseError(f"not supported: {feature}", pos)
    for other in isa.NAMES:
        if other != arch and upper in isa.get(other).instructions:
            raise ParseError(f"'{upper}' is an {other} instruction; this test is arch {arch}", pos)
    # an instruction written in capitals is compared with instructions only, not
    # with the (lower-case) Linux accessors: REV64 is not ioread64
    written = " ".join(words)
    pool = table if written == upper else mnemonics(arch)
    hint = did_you_mean(upper, pool)
    raise ParseError(f"unknown instruction '{written}'{hint}", pos)


# --------------------------------------------------------------------------- matching


def _kind(raw: RawOperand | _RawShifted) -> str | None:
    if isinstance(raw, RawName):
        return "name"
    if isinstance(raw, RawImm):
        return IMM
    if isinstance(raw, RawMem):
        return MEMWB if raw.writeback else MEM
    if isinstance(raw, RawAddrOf):
        return LOCREF
    if isinstance(raw, _RawShifted):
        if isinstance(raw.reg, RawImm):
            return SHIMM
        if raw.op == "ROR":
            return ROTATE
        return SHIFT if raw.op in _SHIFTS else EXTEND
    return None  # a stray RawShift


def _fits(slot: frozenset[str], raw: RawOperand | _RawShifted) -> bool:
    kind = _kind(raw)
    if kind == "name":
        return any(k in slot for k in _NAME_KINDS)
    if kind == IMM and POST in slot:
        return True
    return kind in slot


def _fold_shifts(items: Sequence[RawOperand]) -> list[RawOperand | _RawShifted]:
    """Fold ``Rm, LSL #n``, ``Rm, ROR #n``, ``Rm, SXTW`` and ``#imm, LSL #n``
    into single shifted-register (or shifted-immediate) operands."""
    out: list[RawOperand | _RawShifted] = []
    i = 0
    while i < len(items):
        cur = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if (isinstance(cur, RawImm) and isinstance(nxt, RawShift)
                and nxt.op.upper() == "LSL"):
            text = f"{cur}, {nxt}"
            out.append(_RawShifted(cur, "LSL", nxt.amount, cur.pos, text))
            i += 2
            continue
        if isinstance(cur, RawName) and nxt is not None:
            if isinstance(nxt, RawShift) and nxt.op.upper() in _SHIFT_WORDS:
                text = f"{cur}, {nxt}"
                out.append(_RawShifted(cur, nxt.op.upper(), nxt.amount, cur.pos, text))
                i += 2
                continue
            if isinstance(nxt, RawName) and nxt.name.upper() in _EXTEND_WORDS:
                text = f"{cur}, {nxt}"
                out.append(_RawShifted(cur, nxt.name.upper(), 0, cur.pos, text))
                i += 2
                continue
        out.append(cur)
        i += 1
    return out


def _describe_slot(slot: frozenset[str], symbol_noun: str = "symbol") -> str:
    if MEM in slot:
        slot = slot - {MEMWB}  # a pre-indexed memory operand is a memory operand
    nouns = [_NOUNS.get(k, symbol_noun) for k in _NOUN_ORDER if k in slot]
    text = nouns[0] if len(nouns) == 1 else ", ".join(nouns[:-1]) + " or " + nouns[-1]
    return ("an " if text[0] in "aeiou" else "a ") + text


def _describe_sig(arch: str, sig: Sig) -> str:
    noun = isa.get(arch).symbols[sig.symbols][0] if sig.symbols else "symbol"
    slots = [_describe_slot(s, noun) for s in sig.slots]
    if not slots:
        return "no operands"
    if len(slots) <= 2:
        return " and ".join(slots)
    return f"{len(slots)} operands: " + "; ".join(slots)


def _describe_sigs(arch: str, sigs: tuple[Sig, ...]) -> str:
    return ", or ".join(_describe_sig(arch, sig) for sig in sigs)


#: Labels herd reads besides identifiers: section-like names (``.text``) and
#: targets relative to the branch (``.+8``).
_HERD_LABEL = re.compile(r"\.(?:[A-Za-z_][A-Za-z0-9_.\-]*|[+-][0-9]+)\Z")


def _identifier(name: str) -> bool:
    return bool(re.match(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z", name))


def _imm(arch: str, op: str, raw: RawImm) -> Imm:
    if raw.prefix == "":
        mark = "$" if arch == "x86" and not is_accessor(op) else "#"
        raise ParseError(
            f"expected an immediate, found '{raw}' (write immediates as {mark}{raw})", raw.pos
        )
    return Imm(check_int(raw.value, raw.pos, raw.text or None))


def _reg(arch: str, raw: RawName, slot: frozenset[str]) -> Reg:
    reg = parse_reg(arch, raw.name)
    if reg is not None:
        return reg
    if LOCREF in slot and _identifier(raw.name) and not _looks_like_register(arch, raw.name):
        raise ParseError(
            f"bad register '{raw.name}' (for the address of location {raw.name}, "
            f"write &{raw.name})",
            raw.pos,
        )
    return reg_or_error(arch, raw.name, raw.pos)


def _shift(arch: str, raw: _RawShifted) -> Shift | ShiftedImm:
    if isinstance(raw.reg, RawImm):
        imm = _imm(arch, "", raw.reg)
        if not 0 <= raw.amount <= 63:
            raise ParseError(f"shift amount {raw.amount} is out of range (0-63)", raw.pos)
        return ShiftedImm(imm.value, raw.amount)
    reg = reg_or_error(arch, raw.reg.name, raw.reg.pos)
    if raw.op in _EXTEND_WORDS:
        if not 0 <= raw.amount <= 4:
            raise ParseError(f"extend amount {raw.amount} is out of range (0-4 after "
                             f"{raw.op})", raw.pos)
        return Shift(reg, raw.op, raw.amount)
    top = reg.width - 1  # a W register shifts by 0-31, an X register by 0-63
    if not 0 <= raw.amount <= top:
        raise ParseError(f"shift amount {raw.amount} is out of range (0-{top} for "
                         f"{raw.reg.name})", raw.pos)
    return Shift(reg, raw.op, raw.amount)


def _name_sym(raw: RawName, choices: tuple[str, ...], what: str) -> Sym:
    upper = raw.name.upper()
    if upper in choices:
        return Sym(upper)
    hint = did_you_mean(upper, choices) or f" (expected one of {', '.join(choices)})"
    raise ParseError(f"unknown {what} '{raw.name}'{hint}", raw.pos)


def _att_mem(raw: RawAttMem) -> Addr:
    """The :class:`Addr` of an AT&T memory operand (x86): a location or base
    register, plus an index register scaled by a shift, plus the displacement."""

    def reg(r: RawName, what: str) -> Reg:
        found = reg_or_error("x86", r.name, r.pos)
        if found.width != 64:
            raise ParseError(f"the {what} register of '{raw}' is {found.width}-bit, "
                             f"'{r.name}': addresses are computed on 64-bit registers",
                             r.pos)
        return found

    base = reg(raw.base, "base") if raw.base is not None else None
    index: Reg | Shift | None = None
    if raw.index is not None:
        ireg = reg(raw.index, "index")
        if ireg.name == "RSP":
            raise ParseError(f"'{raw.index.name}' cannot be an index register (Intel SDM "
                             "vol. 2, 2.1.5)", raw.index.pos)
        shift = raw.scale.bit_length() - 1
        index = ireg if shift == 0 else Shift(ireg, "LSL", shift)
    if raw.symbol is not None:
        if base is not None and index is not None:
            raise ParseError(f"unsupported memory operand '{raw}': a location plus a base "
                             "and an index register (herd reads an integer displacement "
                             "with them, as in 8(%rax,%rbx,4))", raw.pos)
        return Addr(LocRef(raw.symbol.name), base if base is not None else index)
    if base is None:
        raise ParseError(f"unsupported memory operand '{raw}': an index without a base "
                         "register (herd reads disp(base,index,scale))", raw.pos)
    return Addr(base, index, disp=raw.disp)


def _mem(arch: str, raw: RawMem, locations: Container[str]) -> Addr:
    if isinstance(raw, RawAttMem):
        return _att_mem(raw)
    items = raw.items
    if not items:
        raise ParseError("expected a location or register inside '[]', found nothing", raw.pos)
    base_raw = items[0]
    if not isinstance(base_raw, RawName):
        raise ParseError(
            f"expected a location or register inside '[...]', found '{base_raw}'", base_raw.pos
        )
    name = base_raw.name
    base: Reg | LocRef
    if name in locations:
        base = LocRef(name)
    elif arch == "x86":
        if _looks_like_register(arch, name):
            raise ParseError(
                f"x86 memory operands name a location, found register '{name}' in '{raw}'",
                base_raw.pos,
            )
        base = LocRef(name)
    elif _looks_like_register(arch, name) or name.startswith("%"):
        base = reg_or_error(arch, name, base_raw.pos)
    elif _identifier(name):
        base = LocRef(name)
    else:
        raise ParseError(f"expected a location or register, found '{name}'", base_raw.pos)
    rest = _fold_shifts(items[1:])
    if not rest:
        if raw.writeback:
            raise ParseError(f"a pre-indexed memory operand is [Xn, #imm]!, found '{raw}'",
                             raw.pos)
        return Addr(base)
    if arch == "x86":
        raise ParseError(f"x86 memory operands are [loc], found '{raw}'", rest[0].pos)
    off_raw = rest[-1] if len(rest) > 1 else rest[0]
    offset: Reg | Imm | Shift | None = None
    if len(rest) == 1:
        if isinstance(off_raw, RawName):
            offset = reg_or_error(arch, off_raw.name, off_raw.pos)
        elif isinstance(off_raw, _RawShifted) and isinstance(off_raw.reg, RawName):
            if off_raw.op not in _MEM_MODIFIERS:
                raise ParseError(
                    f"a register offset is shifted by LSL or extended by UXTW, SXTW or SXTX, "
                    f"found '{off_raw}'", off_raw.pos)
            offset = _shift(arch, off_raw)  # type: ignore[assignment]
        elif isinstance(off_raw, RawImm):
            if not isinstance(base, Reg):
                raise ParseError(
                    f"an immediate offset needs a register base, found '{raw}'", off_raw.pos
                )
            offset = _imm(arch, "", off_raw)
    if offset is None:
        raise ParseError(
            f"expected a register, shifted register or immediate offset in '{raw}', "
            f"found '{off_raw}'",
            off_raw.pos,
        )
    if raw.writeback:
        if not isinstance(offset, Imm):
            raise ParseError(f"a pre-indexed memory operand is [Xn, #imm]!, found '{raw}'",
                             off_raw.pos)
        return Addr(base, offset, "pre")
    return Addr(base, offset)


def _convert(
    arch: str,
    op: str,
    slot: frozenset[str],
    raw: RawOperand | _RawShifted,
    locations: Container[str],
    symbols: str = "",
) -> Operand:
    if isinstance(raw, RawName):
        if REG in slot:
            return _reg(arch, raw, slot)
        if LABEL in slot:
            if not _identifier(raw.name) and not _HERD_LABEL.match(raw.name):
                raise ParseError(f"expected a label, found '{raw.name}'", raw.pos)
            return Label(raw.name)
        noun, names = isa.get(arch).symbols[symbols]
        return _name_sym(raw, names, noun)
    if isinstance(raw, RawImm):
        return _imm(arch, op, raw)
    if isinstance(raw, RawMem):
        return _mem(arch, raw, locations)
    if isinstance(raw, RawAddrOf):
        return LocRef(raw.name)
    if isinstance(raw, _RawShifted):
        return _shift(arch, raw)
    raise AssertionError(raw)  # pragma: no cover - excluded by _fits


def _post_index(form: Sig, args: list[Operand], where: list[Pos],
                items: Sequence[RawOperand | _RawShifted]) -> None:
    """Fold the immediate of a post-indexed access (``[X1], #8``) into the
    memory operand before it (in place)."""
    for i in reversed(range(len(form.slots))):
        if form.slots[i] != frozenset({POST}):
            continue
        addr, imm = args[i - 1], args[i]
        assert isinstance(addr, Addr) and isinstance(imm, Imm)
        if not isinstance(addr.base, Reg) or addr.offset is not None or addr.index:
            raise ParseError(f"a post-indexed memory operand is [Xn], #imm, found "
                             f"'{items[i - 1]}, {items[i]}'", where[i - 1])
        args[i - 1] = Addr(addr.base, imm, "post")
        del args[i]
        del where[i]


def named_locations(instr: Instr) -> list[str]:
    """The locations ``instr`` names: as an operand (``&x``, ``ADR X0, x``)
    or as the base of an address (``[x]``), in operand order."""
    out: list[str] = []
    for arg in instr.args:
        if isinstance(arg, Addr) and isinstance(arg.base, LocRef):
            out.append(arg.base.name)
        elif isinstance(arg, LocRef):
            out.append(arg.name)
    return out


def make_instr(
    arch: str,
    mnemonic: str,
    operands: Sequence[RawOperand],
    pos: Pos,
    text: str = "",
    *,
    locations: Container[str] = (),
) -> Instr:
    """The canonical instruction for ``mnemonic operands`` on ``arch``.

    ``mnemonic`` is case-insensitive (``"lock  add"`` is ``LOCK ADD``); ``pos`` is
    the mnemonic's position; ``text`` the instruction's source text. A bare name
    inside brackets is a register if it looks like one (``[X1]``) unless it is in
    ``locations``, else a location. Raises :class:`ParseError` for an unknown
    mnemonic (with a "did you mean" suggestion), an instruction of the other
    architecture, operands that match no form of the instruction, a bad
    register, barrier option, condition code or memory operand.
    """
    op, sigs = _lookup(arch, mnemonic, pos)
    ops = list(operands)
    candidates = [(op, sigs)]
    native = " ".join(mnemonic.split()).upper()
    if is_accessor(op) and native in isa.get(arch).instructions:
        # x86's XCHG and Linux's xchg: the form of the operands decides
        candidates.append((native, isa.get(arch).instructions[native]))
    for cop, csigs in candidates:
        for form in csigs:
            items = _fold_shifts(ops) if form.has_shift else ops
            if len(items) == len(form.slots) and all(map(_fits, form.slots, items)):
                args = [_convert(arch, cop, s, r, locations, form.symbols)
                        for s, r in zip(form.slots, items)]
                where = [r.pos for r in items]
                _post_index(form, args, where, items)
                if form.order is not None:
                    args = [args[i] for i in form.order]
                    where = [where[i] for i in form.order]
                instr = Instr(cop, tuple(args), pos, text)
                check = isa.get(arch).check
                problem = check(instr) if check is not None else None
                if problem is not None:
                    message, index = problem
                    raise ParseError(message, where[index] if 0 <= index < len(where) else pos)
                return instr
    found = f"'{', '.join(str(o) for o in ops)}'" if ops else "no operands"
    err_pos = pos
    same_arity = [s for s in sigs if len(s.slots) == len(ops)]
    if same_arity:
        bad = next((r for s, r in zip(same_arity[0].slots, ops) if not _fits(s, r)), None)
        err_pos = bad.pos if bad is not None else pos
    elif ops and len(ops) > max(len(s.slots) for s in sigs):
        err_pos = ops[max(len(s.slots) for s in sigs)].pos
    # the post-indexed forms are described only to who writes as many operands
    shown = tuple(s for s in sigs if frozenset({POST}) not in s.slots
                  or len(s.slots) == len(ops)) or sigs
    plain = [o for o in ops if not isinstance(o, RawShift)]
    if len(plain) < len(ops) and any(
            len(s.slots) == len(plain) and all(map(_fits, s.slots, plain)) for s in sigs):
        # the operands fit but for the shift: name the shift
        bad_shift = next(o for o in ops if isinstance(o, RawShift))
        raise ParseError(f"{op} does not take '{bad_shift}' here: it expects "
                         f"{_describe_sigs(arch, shown)}, found {found}", bad_shift.pos)
    raise ParseError(f"{op} expects {_describe_sigs(arch, shown)}, found {found}", err_pos)


# --------------------------------------------------------------------------- AT&T syntax
# (the AT&T spellings of x86 instructions are declared in litmus.isa.x86)


def _att_spellings() -> list[str]:
    """Every AT&T spelling :func:`att_to_intel` accepts (for suggestions)."""
    out: list[str] = []
    for base in ATT_MNEMONICS:
        forms = [base] if base in ATT_FENCES else [base, base + "l", base + "q"]
        out += ["lock " + f for f in forms] if base in ATT_LOCKED else forms
    return out


def att_to_intel(
    mnemonic: str, operands: Sequence[RawOperand], pos: Pos
) -> tuple[str, list[RawOperand]]:
    """An AT&T-syntax x86 instruction (``movl $1,(x)``, ``lock xaddq %rax,(x)``) as
    the Intel-order mnemonic and operands :func:`make_instr` reads for arch x86
    (``MOV``, ``[x]``, ``$1``): the size suffix (``l``, ``q``) is dropped and the
    operands reversed, destination first. A memory operand ``(x)`` must already be
    a :class:`RawMem`. ``cmpxchg`` keeps herd's order ``(x),%reg`` and accepts
    the GNU order ``%reg,(x)`` too; ``lock xchg`` is ``XCHG``. Raises
    :class:`ParseError` for an unknown mnemonic (with a suggestion), for 8- and
    16-bit forms (``movb``) and for ``xadd``/``cmpxchg`` without ``lock``, and
    ``add``/``sub``/``and``/``or``/``xor``/``inc``/``dec`` on memory without
    ``lock`` (on a register they are plain arithmetic). herd's NOPs (``nop``,
    ``nopl``, ``nopw``, ``endbr64``) are ``NOP``, their operands ignored.
    """
    words = mnemonic.split()
    if len(words) == 1 and words[0].lower() in ATT_NOPS:
        return "NOP", []
    lock = len(words) == 2 and words[0].lower() == "lock"
    if len(words) != (2 if lock else 1):
        hint = did_you_mean(mnemonic, _att_spellings())
        raise ParseError(f"unknown instruction '{' '.join(words)}'{hint}", pos)
    word = words[-1].lower()
    base, size = word, ""
    if base not in ATT_MNEMONICS and word[-1:] in ATT_SIZES and word[:-1] in ATT_MNEMONICS:
        base, size = word[:-1], word[-1]
    if base not in ATT_MNEMONICS or (size and base in ATT_FENCES):
        hint = did_you_mean(" ".join(words), _att_spellings())
        raise ParseError(f"unknown instruction '{' '.join(words)}'{hint}", pos)
    if size in ("b", "w"):
        raise ParseError(
            f"'{words[-1]}': {ATT_SIZES[size]}-bit accesses are not supported "
            f"(use the 32- or 64-bit form, {base}l or {base}q)",
            pos,
        )
    on_memory = any(isinstance(o, RawMem) for o in operands)
    if base in ATT_LOCKED and not lock and (on_memory or base not in ATT_REGISTER_ALU):
        where = " on memory" if base in ATT_REGISTER_ALU else ""
        raise ParseError(
            f"'{words[-1]}'{where} is supported only as a locked instruction "
            f"(lock {words[-1]})", pos
        )
    ops = list(operands)
    if base == "xchg":
        lock = False  # xchg with memory is locked anyway
    if base == "cmpxchg" and len(ops) == 2 and isinstance(ops[0], RawMem):
        pass  # herd's order: the memory operand first
    else:
        ops.reverse()
    return ("LOCK " if lock else "") + ATT_MNEMONICS[base], ops
