"""The instruction table: known mnemonics per architecture and their operands.

Front ends (the mini-DSL, herd's format) reduce an instruction to a mnemonic
plus *raw operands* (:class:`RawName`, :class:`RawImm`, :class:`RawAddrOf`,
:class:`RawMem`, :class:`RawShift`) and call :func:`make_instr`, which checks
the mnemonic and operands against this table and returns the canonical
:class:`~litmus.program.Instr` the engine interprets:

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

from ..errors import ParseError, Pos
from ..program import Addr, Imm, Instr, Label, LocRef, Operand, Reg, Shift, Sym

__all__ = [
    "AARCH64_INSTRUCTIONS",
    "ACCESSORS",
    "ATT_MNEMONICS",
    "BARRIER_OPTIONS",
    "BRANCH_OPS",
    "CONDITION_CODES",
    "EXTEND_OPS",
    "INT_MAX",
    "INT_MIN",
    "SHIFT_OPS",
    "X86_INSTRUCTIONS",
    "RawAddrOf",
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
    """A decimal or ``0x`` hex integer with an optional leading ``-``, range-checked."""
    if not _INT_RE.match(text):
        raise ParseError(f"expected an integer, found '{text}'", pos)
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
    """A bracketed memory operand ``[item, item, ...]``."""

    items: tuple[RawOperand, ...]
    pos: Pos
    text: str = ""

    def __str__(self) -> str:
        return self.text or "[" + ", ".join(str(i) for i in self.items) + "]"


RawOperand = RawName | RawImm | RawAddrOf | RawShift | RawMem


@dataclass(frozen=True)
class _RawShifted:
    """Internal: a register followed by a shift/extend, folded into one operand."""

    reg: RawName
    op: str
    amount: int
    pos: Pos
    text: str

    def __str__(self) -> str:
        return self.text


# --------------------------------------------------------------------------- registers

_X86_REGS: dict[str, tuple[str, int]] = {}
for _r in ("AX", "BX", "CX", "DX", "SI", "DI"):
    _X86_REGS["E" + _r] = ("R" + _r, 32)
    _X86_REGS["R" + _r] = ("R" + _r, 64)
for _n in range(8, 16):
    _X86_REGS[f"R{_n}"] = (f"R{_n}", 64)
    _X86_REGS[f"R{_n}D"] = (f"R{_n}", 32)

_ARM_REG_RE = re.compile(r"([RXW])(0|[1-9][0-9]*)\Z")
_ARM_REGLIKE_RE = re.compile(r"(?:[RXW][0-9]+|[XW]ZR)\Z", re.IGNORECASE)

_REG_HELP = {
    "aarch64": "registers are r0-r30, X0-X30, W0-W30, XZR, WZR",
    "x86": "registers are EAX, EBX, ECX, EDX, ESI, EDI, their R forms and R8-R15",
}


def parse_reg(arch: str, name: str) -> Reg | None:
    """The canonical register ``name`` denotes on ``arch`` (case-insensitive), or None.

    AArch64: ``rN``/``XN`` -> ``Reg("XN", 64)``, ``WN`` -> ``Reg("XN", 32)`` for N in
    0..30; ``XZR``/``WZR`` -> ``Reg("XZR", 64|32)``. x86: ``EAX``.. ``EDI`` ->
    ``Reg("RAX".., 32)``, ``RAX``.. ``RDI`` and ``R8``.. ``R15`` -> width 64,
    ``R8D``.. ``R15D`` -> width 32; AT&T spellings (``%eax``) are accepted too.
    """
    upper = name.upper()
    if arch == "x86":
        upper = upper.removeprefix("%")
        hit = _X86_REGS.get(upper)
        return Reg(hit[0], hit[1]) if hit else None
    if upper == "XZR":
        return Reg("XZR", 64)
    if upper == "WZR":
        return Reg("XZR", 32)
    m = _ARM_REG_RE.match(upper)
    if m is None or int(m.group(2)) > 30:
        return None
    return Reg("X" + m.group(2), 32 if m.group(1) == "W" else 64)


def reg_or_error(arch: str, name: str, pos: Pos | None) -> Reg:
    """:func:`parse_reg`, or ``ParseError("bad register 'NAME' (...)")`` at ``pos``."""
    reg = parse_reg(arch, name)
    if reg is None:
        raise ParseError(f"bad register '{name}' ({_REG_HELP.get(arch, arch)})", pos)
    return reg


def _looks_like_register(arch: str, name: str) -> bool:
    if arch == "x86":
        return name.startswith("%") or parse_reg(arch, name) is not None
    return bool(_ARM_REGLIKE_RE.match(name))


# --------------------------------------------------------------------------- the table

#: Barrier options of DMB/DSB.
BARRIER_OPTIONS: tuple[str, ...] = (
    "SY", "ST", "LD",
    "ISH", "ISHST", "ISHLD",
    "OSH", "OSHST", "OSHLD",
    "NSH", "NSHST", "NSHLD",
)  # fmt: skip
#: Condition codes of B.cond and CSEL.
CONDITION_CODES: tuple[str, ...] = (
    "EQ", "NE", "GE", "LT", "GT", "LE", "HS", "LO",
    "HI", "LS", "MI", "PL", "CS", "CC", "VS", "VC",
)  # fmt: skip
#: Shifts (need an amount) and extends (amount optional) of a register operand.
SHIFT_OPS: tuple[str, ...] = ("LSL", "LSR", "ASR")
EXTEND_OPS: tuple[str, ...] = ("SXTW", "UXTW", "SXTX", "UXTX")

# Operand kinds a slot may accept.
_REG, _IMM, _MEM, _LOCREF, _LABEL, _BARRIER, _COND, _SHIFT = (
    "reg", "imm", "mem", "locref", "label", "barrier", "cond", "shift",
)  # fmt: skip
_NAME_KINDS = (_REG, _LABEL, _BARRIER, _COND)  # kinds written as a bare name
_NOUNS = {
    _REG: "register",
    _IMM: "immediate",
    _SHIFT: "shifted register",
    _LOCREF: "&location",
    _MEM: "memory operand",
    _LABEL: "label",
    _BARRIER: "barrier option",
    _COND: "condition code",
}
_NOUN_ORDER = (_REG, _IMM, _SHIFT, _LOCREF, _MEM, _LABEL, _BARRIER, _COND)


@dataclass(frozen=True)
class _Sig:
    slots: tuple[frozenset[str], ...]
    order: tuple[int, ...] | None = None  # permutation applied to the converted args

    @property
    def has_shift(self) -> bool:
        return any(_SHIFT in s for s in self.slots)


def _sig(*slots: frozenset[str], order: tuple[int, ...] | None = None) -> tuple[_Sig, ...]:
    return (_Sig(tuple(slots), order),)


R = frozenset({_REG})
RI = frozenset({_REG, _IMM})
RIS = frozenset({_REG, _IMM, _SHIFT})
RIA = frozenset({_REG, _IMM, _LOCREF})
RIM = frozenset({_REG, _IMM, _MEM})
M = frozenset({_MEM})
L = frozenset({_LABEL})
B = frozenset({_BARRIER})
C = frozenset({_COND})

_Table = dict[str, tuple[_Sig, ...]]

AARCH64_INSTRUCTIONS: _Table = {}
for _op in ("LDR", "LDAR", "LDAPR", "LDXR", "LDAXR"):
    AARCH64_INSTRUCTIONS[_op] = _sig(R, M)
for _op in ("STR", "STLR"):
    AARCH64_INSTRUCTIONS[_op] = _sig(RI, M)
for _op in ("STXR", "STLXR"):
    AARCH64_INSTRUCTIONS[_op] = _sig(R, RI, M)
for _base in ("SWP", "CAS", "LDADD"):
    for _suffix in ("", "A", "L", "AL"):
        AARCH64_INSTRUCTIONS[_base + _suffix] = _sig(R, R, M)
for _op in ("STADD", "STADDL"):
    AARCH64_INSTRUCTIONS[_op] = _sig(R, M)
for _op in ("DMB", "DSB"):
    AARCH64_INSTRUCTIONS[_op] = _sig(B)
for _op in ("ISB", "NOP"):
    AARCH64_INSTRUCTIONS[_op] = _sig()
AARCH64_INSTRUCTIONS["MOV"] = _sig(R, RIA)
for _op in ("ADD", "SUB", "EOR", "AND", "ORR"):
    AARCH64_INSTRUCTIONS[_op] = _sig(R, R, RIS)
AARCH64_INSTRUCTIONS["CMP"] = _sig(R, RI)
AARCH64_INSTRUCTIONS["CSEL"] = _sig(R, R, R, C)
for _cc in CONDITION_CODES:
    AARCH64_INSTRUCTIONS["B." + _cc] = _sig(L)
for _op in ("CBZ", "CBNZ"):
    AARCH64_INSTRUCTIONS[_op] = _sig(R, L)
AARCH64_INSTRUCTIONS["B"] = _sig(L)

X86_INSTRUCTIONS: _Table = {
    # store / load-or-move (Intel order, destination first)
    "MOV": (_Sig((M, RI)), _Sig((R, RIM))),
    "MFENCE": _sig(),
    "SFENCE": _sig(),
    "LFENCE": _sig(),
    # XCHG reg, [loc] is normalised to XCHG [loc], reg
    "XCHG": (_Sig((M, R)), _Sig((R, M), order=(1, 0))),
    "LOCK ADD": _sig(M, RI),
    "LOCK INC": _sig(M),
    "LOCK XADD": _sig(M, R),
    "LOCK CMPXCHG": _sig(M, R),
}

#: Linux accessors: pseudo-instructions of both arches, lowered later.
ACCESSORS: _Table = {}
for _op in ("writel", "writel_relaxed", "smp_store_release"):
    ACCESSORS[_op] = _sig(RI, M)
for _op in ("readl", "readl_relaxed", "smp_load_acquire"):
    ACCESSORS[_op] = _sig(R, M)
for _op in ("wmb", "rmb", "mb", "dma_wmb", "dma_rmb", "smp_wmb", "smp_rmb", "smp_mb"):
    ACCESSORS[_op] = _sig()
for _op in ("spin_lock", "spin_unlock"):
    ACCESSORS[_op] = _sig(M)

_TABLES: dict[str, _Table] = {"aarch64": AARCH64_INSTRUCTIONS, "x86": X86_INSTRUCTIONS}

#: Ops whose last operand is a branch target.
BRANCH_OPS: frozenset[str] = frozenset(["B", "CBZ", "CBNZ"] + ["B." + cc for cc in CONDITION_CODES])


def mnemonics(arch: str) -> tuple[str, ...]:
    """Every canonical op ``arch`` accepts, accessors included."""
    return tuple(_TABLES[arch]) + tuple(ACCESSORS)


def is_accessor(op: str) -> bool:
    """Whether ``op`` is a Linux accessor (a pseudo-instruction lowered later)."""
    return op in ACCESSORS


def branch_target(instr: Instr) -> Label | None:
    """The label a branch instruction jumps to, or None."""
    if instr.op in BRANCH_OPS and instr.args and isinstance(instr.args[-1], Label):
        return instr.args[-1]
    return None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the closest candidate (case-insensitive), or ``""``."""
    by_upper = {c.upper(): c for c in candidates}
    hits = difflib.get_close_matches(word.upper(), list(by_upper), n=1, cutoff=0.6)
    return f" (did you mean {by_upper[hits[0]]}?)" if hits else ""


def _lookup(arch: str, mnemonic: str, pos: Pos) -> tuple[str, tuple[_Sig, ...]]:
    if arch not in _TABLES:
        raise ParseError(f"unknown architecture '{arch}'", pos)
    words = mnemonic.split()
    upper = " ".join(words).upper()
    lower = " ".join(words).lower()
    if lower in ACCESSORS:
        return lower, ACCESSORS[lower]
    table = _TABLES[arch]
    if upper in table:
        return upper, table[upper]
    for other, other_table in _TABLES.items():
        if other != arch and upper in other_table:
            raise ParseError(f"'{upper}' is an {other} instruction; this test is arch {arch}", pos)
    hint = did_you_mean(upper, mnemonics(arch))
    raise ParseError(f"unknown instruction '{' '.join(words)}'{hint}", pos)


# --------------------------------------------------------------------------- matching


def _kind(raw: RawOperand | _RawShifted) -> str | None:
    if isinstance(raw, RawName):
        return "name"
    if isinstance(raw, RawImm):
        return _IMM
    if isinstance(raw, RawMem):
        return _MEM
    if isinstance(raw, RawAddrOf):
        return _LOCREF
    if isinstance(raw, _RawShifted):
        return _SHIFT
    return None  # a stray RawShift


def _fits(slot: frozenset[str], raw: RawOperand | _RawShifted) -> bool:
    kind = _kind(raw)
    if kind == "name":
        return any(k in slot for k in _NAME_KINDS)
    return kind in slot


def _fold_shifts(items: Sequence[RawOperand]) -> list[RawOperand | _RawShifted]:
    """Fold ``Rm, LSL #n`` and ``Rm, SXTW`` into single shifted-register operands."""
    out: list[RawOperand | _RawShifted] = []
    i = 0
    while i < len(items):
        cur = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if isinstance(cur, RawName) and nxt is not None:
            if isinstance(nxt, RawShift) and nxt.op.upper() in SHIFT_OPS + EXTEND_OPS:
                text = f"{cur}, {nxt}"
                out.append(_RawShifted(cur, nxt.op.upper(), nxt.amount, cur.pos, text))
                i += 2
                continue
            if isinstance(nxt, RawName) and nxt.name.upper() in EXTEND_OPS:
                text = f"{cur}, {nxt}"
                out.append(_RawShifted(cur, nxt.name.upper(), 0, cur.pos, text))
                i += 2
                continue
        out.append(cur)
        i += 1
    return out


def _describe_slot(slot: frozenset[str]) -> str:
    nouns = [_NOUNS[k] for k in _NOUN_ORDER if k in slot]
    text = nouns[0] if len(nouns) == 1 else ", ".join(nouns[:-1]) + " or " + nouns[-1]
    return ("an " if text[0] in "aeiou" else "a ") + text


def _describe_sig(sig: _Sig) -> str:
    slots = [_describe_slot(s) for s in sig.slots]
    if not slots:
        return "no operands"
    if len(slots) <= 2:
        return " and ".join(slots)
    return f"{len(slots)} operands: " + "; ".join(slots)


def _describe_sigs(sigs: tuple[_Sig, ...]) -> str:
    return ", or ".join(_describe_sig(sig) for sig in sigs)


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
    if _LOCREF in slot and _identifier(raw.name) and not _looks_like_register(arch, raw.name):
        raise ParseError(
            f"bad register '{raw.name}' (for the address of location {raw.name}, "
            f"write &{raw.name})",
            raw.pos,
        )
    return reg_or_error(arch, raw.name, raw.pos)


def _shift(arch: str, raw: _RawShifted) -> Shift:
    reg = reg_or_error(arch, raw.reg.name, raw.reg.pos)
    if not 0 <= raw.amount <= 63:
        raise ParseError(f"shift amount {raw.amount} is out of range (0-63)", raw.pos)
    return Shift(reg, raw.op, raw.amount)


def _name_sym(raw: RawName, choices: tuple[str, ...], what: str) -> Sym:
    upper = raw.name.upper()
    if upper in choices:
        return Sym(upper)
    hint = did_you_mean(upper, choices) or f" (expected one of {', '.join(choices)})"
    raise ParseError(f"unknown {what} '{raw.name}'{hint}", raw.pos)


def _mem(arch: str, raw: RawMem, locations: Container[str]) -> Addr:
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
        return Addr(base)
    if arch == "x86":
        raise ParseError(f"x86 memory operands are [loc], found '{raw}'", rest[0].pos)
    off_raw = rest[-1] if len(rest) > 1 else rest[0]
    offset: Reg | Imm | Shift | None = None
    if len(rest) == 1:
        if isinstance(off_raw, RawName):
            offset = reg_or_error(arch, off_raw.name, off_raw.pos)
        elif isinstance(off_raw, _RawShifted):
            offset = _shift(arch, off_raw)
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
    return Addr(base, offset)


def _convert(
    arch: str,
    op: str,
    slot: frozenset[str],
    raw: RawOperand | _RawShifted,
    locations: Container[str],
) -> Operand:
    if isinstance(raw, RawName):
        if _REG in slot:
            return _reg(arch, raw, slot)
        if _LABEL in slot:
            if not _identifier(raw.name):
                raise ParseError(f"expected a label, found '{raw.name}'", raw.pos)
            return Label(raw.name)
        if _BARRIER in slot:
            return _name_sym(raw, BARRIER_OPTIONS, "barrier option")
        return _name_sym(raw, CONDITION_CODES, "condition code")
    if isinstance(raw, RawImm):
        return _imm(arch, op, raw)
    if isinstance(raw, RawMem):
        return _mem(arch, raw, locations)
    if isinstance(raw, RawAddrOf):
        return LocRef(raw.name)
    if isinstance(raw, _RawShifted):
        return _shift(arch, raw)
    raise AssertionError(raw)  # pragma: no cover - excluded by _fits


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
    for sig in sigs:
        items = _fold_shifts(ops) if sig.has_shift else ops
        if len(items) == len(sig.slots) and all(map(_fits, sig.slots, items)):
            args = tuple(_convert(arch, op, s, r, locations) for s, r in zip(sig.slots, items))
            if sig.order is not None:
                args = tuple(args[i] for i in sig.order)
            return Instr(op, args, pos, text)
    found = f"'{', '.join(str(o) for o in ops)}'" if ops else "no operands"
    err_pos = pos
    same_arity = [s for s in sigs if len(s.slots) == len(ops)]
    if same_arity:
        bad = next((r for s, r in zip(same_arity[0].slots, ops) if not _fits(s, r)), None)
        err_pos = bad.pos if bad is not None else pos
    elif ops and len(ops) > max(len(s.slots) for s in sigs):
        err_pos = ops[max(len(s.slots) for s in sigs)].pos
    raise ParseError(f"{op} expects {_describe_sigs(sigs)}, found {found}", err_pos)


# --------------------------------------------------------------------------- AT&T syntax

#: x86 mnemonics in AT&T (GNU as) syntax, as herd's ``X86_64`` tests write them
#: (without their size suffix), and the canonical Intel op each stands for.
ATT_MNEMONICS: dict[str, str] = {
    "mov": "MOV",
    "xchg": "XCHG",
    "cmpxchg": "CMPXCHG",
    "xadd": "XADD",
    "add": "ADD",
    "inc": "INC",
    "mfence": "MFENCE",
    "lfence": "LFENCE",
    "sfence": "SFENCE",
}
_ATT_FENCES = frozenset({"mfence", "lfence", "sfence"})
_ATT_SIZES = {"l": 32, "q": 64, "b": 8, "w": 16}
_ATT_LOCKED = frozenset({"add", "inc", "xadd", "cmpxchg"})  # only with a lock prefix


def _att_spellings() -> list[str]:
    """Every AT&T spelling :func:`att_to_intel` accepts (for suggestions)."""
    out: list[str] = []
    for base in ATT_MNEMONICS:
        forms = [base] if base in _ATT_FENCES else [base, base + "l", base + "q"]
        out += ["lock " + f for f in forms] if base in _ATT_LOCKED else forms
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
    16-bit forms (``movb``) and for ``add``/``inc``/``xadd``/``cmpxchg`` without
    ``lock``.
    """
    words = mnemonic.split()
    lock = len(words) == 2 and words[0].lower() == "lock"
    if len(words) != (2 if lock else 1):
        hint = did_you_mean(mnemonic, _att_spellings())
        raise ParseError(f"unknown instruction '{' '.join(words)}'{hint}", pos)
    word = words[-1].lower()
    base, size = word, ""
    if base not in ATT_MNEMONICS and word[-1:] in _ATT_SIZES and word[:-1] in ATT_MNEMONICS:
        base, size = word[:-1], word[-1]
    if base not in ATT_MNEMONICS or (size and base in _ATT_FENCES):
        hint = did_you_mean(" ".join(words), _att_spellings())
        raise ParseError(f"unknown instruction '{' '.join(words)}'{hint}", pos)
    if size in ("b", "w"):
        raise ParseError(
            f"'{words[-1]}': {_ATT_SIZES[size]}-bit accesses are not supported "
            f"(use the 32- or 64-bit form, {base}l or {base}q)",
            pos,
        )
    if base in _ATT_LOCKED and not lock:
        raise ParseError(
            f"'{words[-1]}' is supported only as a locked instruction (lock {words[-1]})", pos
        )
    ops = list(operands)
    if base == "xchg":
        lock = False  # xchg with memory is locked anyway
    if base == "cmpxchg" and len(ops) == 2 and isinstance(ops[0], RawMem):
        pass  # herd's order: the memory operand first
    else:
        ops.reverse()
    return ("LOCK " if lock else "") + ATT_MNEMONICS[base], ops
