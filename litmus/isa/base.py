"""The contract between the generic event builder and an architecture.

Following herd's split of a generic engine over per-architecture semantics
(herd's ``sem.mli``), an architecture is one :class:`Arch` value that
declares

* its **syntax**: which mnemonics exist and which operands each takes
  (:class:`Sig`), its registers, its barrier options and condition codes;
* its **semantics**: a handler per mnemonic that runs the instruction on a
  path of a thread through the :class:`Machine` interface (read and write
  registers, create read/write/fence events, split the path);
* its **event tags**: the annotations its events carry (``A``, ``DMB.SY``,
  ``MFENCE``, ...), which models name as sets, and its memory types.

The event builder (:mod:`litmus.events`) receives an :class:`Arch` and knows
no architecture; values are the bit-vector expressions of
:mod:`litmus.smt.expr`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Protocol

from ..errors import EncodingError
from ..program import Addr, Instr, Label, Reg, Thread
from ..smt.expr import (
    TRUE,
    ZERO,
    BoolExpr,
    Val,
    app,
    band,
    biff,
    bnot,
    bor,
    cmp,
)

# --------------------------------------------------------------------------- dependencies

NODEPS: frozenset[int] = frozenset()


class Taint(NamedTuple):
    """The read events a value depends on.

    ``real``: through data flow (registers, intra-instruction data, a store
    forwarded to a later load of the same location: herd's ``dtrm``);
    ``pick``: also through intra-instruction control (a CAS's comparison, a
    CSEL's condition: herd's "pick" dependencies). ``pick`` contains ``real``.
    """

    real: frozenset[int] = NODEPS
    pick: frozenset[int] = NODEPS

    def __or__(self, other: Taint) -> Taint:  # type: ignore[override]
        if not other.pick:
            return self
        if not self.pick:
            return other
        return Taint(self.real | other.real, self.pick | other.pick)

    def as_pick(self) -> Taint:
        """The same reads, reached through an instruction's internal control: pick only."""
        return Taint(NODEPS, self.pick)


NOTAINT = Taint()


def taint_of(eid: int) -> Taint:
    """The taint of the value read by read event ``eid``."""
    s = frozenset((eid,))
    return Taint(s, s)


class SV(NamedTuple):
    """A symbolic value (a 64-bit expression) with the reads it depends on."""

    val: Val
    taint: Taint = NOTAINT


# --------------------------------------------------------------------------- flags


def zext(v: Val, width: int) -> Val:
    """The low ``width`` bits of ``v``, zero-extended (``v`` itself for 64)."""
    return v if width == 64 else app(f"zext{width}", v)


def sext(v: Val, width: int) -> Val:
    """The low ``width`` bits of ``v``, sign-extended (``v`` itself for 64)."""
    return v if width == 64 else app(f"sext{width}", v)


#: Condition codes and what they test (Arm ARM, C1.2.4 "Condition code",
#: ConditionHolds()); CS/HS and CC/LO are synonyms.
CONDITION_TESTS: dict[str, str] = {
    "EQ": "Z", "NE": "!Z", "CS": "C", "HS": "C", "CC": "!C", "LO": "!C", "MI": "N",
    "PL": "!N", "VS": "V", "VC": "!V", "HI": "C && !Z", "LS": "!C || Z", "GE": "N == V",
    "LT": "N != V", "GT": "!Z && N == V", "LE": "Z || N != V", "AL": "true", "NV": "true",
}

#: After a subtraction a - b, each code is one comparison of a and b
#: (the same truth table as the NZCV test; the property tests check it).
_SUB_COMPARE = {"EQ": "eq", "NE": "ne", "CS": "uge", "HS": "uge", "CC": "ult", "LO": "ult",
                "HI": "ugt", "LS": "ule", "GE": "sge", "LT": "slt", "GT": "sgt", "LE": "sle"}


@dataclass(frozen=True)
class Flags:
    """The condition flags NZCV as a flag-setting instruction leaves them.

    ``kind`` is ``"sub"`` (``CMP``, ``SUBS``: ``a - b``), ``"add"`` (``CMN``,
    ``ADDS``: ``a + b``) or ``"logic"`` (``TST``, ``ANDS``: the result is ``a``,
    C and V are cleared), at ``width`` bits (32 for W registers).
    ``taint`` is what the flags depend on. Arm ARM C6.2 (ADDS, SUBS, ANDS) and
    the AddWithCarry() pseudo-code.
    """

    kind: Literal["sub", "add", "logic"]
    a: Val
    b: Val
    width: int
    taint: Taint = NOTAINT

    @property
    def result(self) -> Val:
        if self.kind == "logic":
            return zext(self.a, self.width)
        return zext(app(self.kind, self.a, self.b), self.width)

    def n(self) -> BoolExpr:
        return cmp("slt", sext(self.result, self.width), ZERO)

    def z(self) -> BoolExpr:
        return cmp("eq", self.result, ZERO)

    def c(self) -> BoolExpr:
        a, b = zext(self.a, self.width), zext(self.b, self.width)
        if self.kind == "sub":
            return cmp("uge", a, b)  # no borrow
        if self.kind == "add":
            return cmp("ult", self.result, a)  # the sum wrapped around
        return bnot(TRUE)

    def v(self) -> BoolExpr:
        if self.kind == "logic":
            return bnot(TRUE)
        sa = cmp("slt", sext(self.a, self.width), ZERO)
        sb = cmp("slt", sext(self.b, self.width), ZERO)
        sr = self.n()
        if self.kind == "add":  # same signs in, another sign out
            return band(biff(sa, sb), bnot(biff(sr, sa)))
        return band(bnot(biff(sa, sb)), bnot(biff(sr, sa)))

    def nzcv(self, code: str) -> BoolExpr:
        """The condition ``code`` evaluated from N, Z, C and V (ConditionHolds)."""
        n, z, c, v = self.n(), self.z(), self.c(), self.v()
        table = {
            "EQ": z, "NE": bnot(z), "CS": c, "HS": c, "CC": bnot(c), "LO": bnot(c),
            "MI": n, "PL": bnot(n), "VS": v, "VC": bnot(v), "HI": band(c, bnot(z)),
            "LS": bor(bnot(c), z), "GE": biff(n, v), "LT": bnot(biff(n, v)),
            "GT": band(bnot(z), biff(n, v)), "LE": bor(z, bnot(biff(n, v))),
            "AL": TRUE, "NV": TRUE,
        }
        return table[code]

    def condition(self, code: str) -> BoolExpr:
        """The condition ``code`` (``EQ``, ``HS``, ...); raises KeyError for an
        unknown code. After a subtraction, a single comparison of the operands."""
        if self.kind == "sub" and code in _SUB_COMPARE:
            op = _SUB_COMPARE[code]
            ext = sext if op[0] == "s" else zext
            return cmp(op, ext(self.a, self.width), ext(self.b, self.width))
        return self.nzcv(code)


# --------------------------------------------------------------------------- the machine


class Machine(Protocol):
    """What an instruction's semantics may do to one path through a thread.

    Implemented by :class:`litmus.events.PathState`. Registers are 64 bits; a
    register operand of width 32 (``W3``, ``EAX``) reads the low 32 bits and a
    write to it zero-extends (both AArch64 and x86-64 do so).
    """

    instr: Instr | None
    flags: Flags | None
    #: The open load-exclusive: (read event, location) of each element it read.
    excl: tuple[tuple[int, str], ...] | None
    thread: Thread

    def get(self, reg: Reg) -> SV: ...
    def set(self, reg: Reg, sv: SV) -> None: ...
    def operand(self, op: object) -> SV: ...
    def address(self, addr: Addr) -> tuple[str, Taint]: ...
    def size(self, loc: str) -> int: ...  # the location's size in bits (64 untyped)
    def read(self, loc: str, tags: Iterable[str], addr: Taint = NOTAINT,
             width: int | None = 64) -> tuple[int, SV]: ...
    def write(self, loc: str, value: SV, tags: Iterable[str], addr: Taint = NOTAINT, *,
              data: Taint | None = None, intrinsic: Taint = NOTAINT,
              flow: Taint = NOTAINT, width: int | None = 64) -> int: ...
    def fence(self, tags: Iterable[str]) -> int: ...
    def rmw(self, read: int, write: int, kind: str) -> None: ...
    def single_copy_atomic(self, events: tuple[int, ...]) -> None: ...
    def split(self, cond: BoolExpr, ctrl_deps: Taint | None = None
              ) -> tuple[Machine | None, Machine | None]: ...
    def choice(self) -> BoolExpr: ...
    def goto(self, label: Label) -> None: ...
    def halt(self) -> None: ...
    def error(self, message: str) -> EncodingError: ...
    # code addresses as values
    def has_label(self, name: str) -> bool: ...  # a label of the code being run
    def code_address(self, label: Label) -> SV: ...  # ADR of such a label
    def return_address(self) -> SV: ...  # the address after this instruction (BL)
    def variant(self, name: str) -> bool: ...  # the test names herd variant `name`
    def jump_to(self, target: SV, via: str = "", exits: bool = False
                ) -> list[Machine | None]: ...  # BR, RET


#: A handler runs one instruction: it returns None to fall through, or the
#: successor paths (after a branch or a conditional store; None for a side
#: that cannot happen).
Handler = Callable[[Machine, Instr], "list[Machine | None] | None"]


# --------------------------------------------------------------------------- syntax

# Operand kinds a slot of an instruction may accept: a register, an immediate,
# a memory operand ``[...]``, ``&loc``, a label, a symbol (barrier option,
# condition code), a register shifted by ``LSL``/``LSR``/``ASR #n``, rotated by
# ``ROR #n``, extended by ``SXTB`` ... ``UXTX {#n}``, an immediate shifted by
# ``LSL #n``, a pre-indexed memory operand ``[Xn, #imm]!`` and the immediate of
# a post-indexed one (``[Xn], #imm``: it follows the memory operand).
REG, IMM, MEM, LOCREF, LABEL, SYM, SHIFT = (
    "reg", "imm", "mem", "locref", "label", "sym", "shift",
)  # fmt: skip
ROTATE, EXTEND, SHIMM, MEMWB, POST = "rotate", "extend", "shimm", "memwb", "post"

#: The kinds written as two operands folded into one (``X2, LSL #3``).
MODIFIED = frozenset({SHIFT, ROTATE, EXTEND, SHIMM})


@dataclass(frozen=True)
class Sig:
    """One operand form of an instruction: the operand kinds each slot
    accepts (a frozenset of the kinds above), the symbol table a ``SYM`` slot
    reads (``"barrier"``, ``"cond"``, ...), and an optional permutation applied
    to the operands after conversion."""

    slots: tuple[frozenset[str], ...]
    order: tuple[int, ...] | None = None
    symbols: str = ""

    @property
    def has_shift(self) -> bool:
        return any(s & MODIFIED for s in self.slots)


def sig(*slots: frozenset[str], order: tuple[int, ...] | None = None,
        symbols: str = "") -> tuple[Sig, ...]:
    """A one-form signature."""
    return (Sig(tuple(slots), order, symbols),)


# --------------------------------------------------------------------------- the architecture


@dataclass(frozen=True)
class Arch:
    """Everything the tool knows about one architecture (see the module doc).

    ``symbols`` maps a symbol table name (``"barrier"``, ``"cond"``) to what
    its names are called in messages and the names it accepts; ``tags`` maps each event tag this architecture's
    semantics may give an event to what it means; ``memory_type_sets`` maps
    each set name a model may use for memory types (``Device.nGnRE``) to the
    memory types (``device-nGnRE``) whose accesses are in it.
    """

    name: str
    instructions: Mapping[str, tuple[Sig, ...]]
    handlers: Mapping[str, Handler]
    tags: Mapping[str, str]
    memory_types: tuple[str, ...]
    default_memory_type: str
    memory_type_sets: Mapping[str, tuple[str, ...]]
    parse_reg: Callable[[str], Reg | None]
    looks_like_register: Callable[[str], bool]
    register_help: str
    address_value: Callable[[Machine, Addr], SV]
    symbols: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    branch_ops: frozenset[str] = frozenset()
    #: Mnemonics the tool knows but does not model, and the feature each needs
    #: (``"UDF": "exceptions (UDF)"``): refused as ``not supported: ...``.
    unsupported: Mapping[str, str] = field(default_factory=dict)
    #: Checks the operands of an instruction the table accepted (value ranges,
    #: register widths): returns None, or a message and the index of the
    #: offending operand in ``instr.args``.
    check: Callable[[Instr], tuple[str, int] | None] | None = None
    #: The memory operands whose addresses an instruction uses (default: its
    #: ``Addr`` operands; a load pair also uses the address after the first).
    memory_operands: Callable[[Instr], tuple[Addr, ...]] | None = None
    #: How herd prints an instruction read from memory as a value (a load from a
    #: label's address gives the instruction there: ``instr:"ADD W0,W0,#1"``),
    #: given the byte offset from the instruction to each label operand (herd
    #: prints ``ADR X0,L1`` as ``ADR X0,.+4``); None when it cannot say.
    instruction_text: Callable[[Instr, Callable[[Label], int | None]], str | None] | None = None

    def execute(self, st: Machine, instr: Instr) -> list[Machine | None] | None:
        """Run ``instr`` on path ``st``; raises :class:`EncodingError` for an
        instruction without semantics here."""
        h = self.handlers.get(instr.op)
        if h is None:
            if instr.op.islower():
                raise EncodingError(
                    f"'{instr.op}' is a Linux accessor; it must be lowered before "
                    "events are built", instr.pos)
            raise EncodingError(f"instruction '{instr.op}' has no semantics for "
                                f"{self.name}", instr.pos)
        return h(st, instr)

    def addresses(self, instr: Instr) -> tuple[Addr, ...]:
        """The memory operands whose addresses ``instr`` uses."""
        if self.memory_operands is not None:
            return self.memory_operands(instr)
        return tuple(a for a in instr.args if isinstance(a, Addr))

    def branch_target(self, instr: Instr) -> Label | None:
        """The label a branch instruction jumps to, or None."""
        if instr.op in self.branch_ops and instr.args and isinstance(instr.args[-1], Label):
            return instr.args[-1]
        return None
