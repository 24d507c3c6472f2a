"""The program model: what every front end produces and the event builder reads.

A :class:`Test` is a litmus test independent of the syntax it was written in:
the mini-DSL (``.lit``) and herd's ``.litmus`` format both load into it.
Instructions are kept close to their source (mnemonic plus operands); their
meaning lives in :mod:`litmus.isa`. Everything here is a frozen dataclass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from .errors import Pos

Arch = Literal["aarch64", "x86"]
ARCHES: tuple[str, ...] = ("aarch64", "x86")

#: Memory types a location may have. ``normal`` is AArch64's default, ``wb`` x86's.
ARM_MEMORY_TYPES: tuple[str, ...] = (
    "normal",
    "device-nGnRnE",
    "device-nGnRE",
    "device-nGRE",
    "device-GRE",
)
X86_MEMORY_TYPES: tuple[str, ...] = ("wb", "uc", "wc")

#: The endpoint shared by every normal-memory location.
MEMORY_ENDPOINT = "memory"


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class CType:
    """How a register or location's value is read in conditions and printed.

    Values are 64-bit bit patterns; a type keeps the low ``bits`` of them and
    reads those as signed or unsigned (herd's convention: a condition compares,
    and a state prints, values as the declared C type; an undeclared one is
    ``int``, 32-bit signed, in herd's format). ``pointer`` types print a
    location's address as its name.
    """

    name: str
    bits: int
    signed: bool
    pointer: bool = False

    def bits_of(self, value: int) -> int:
        """The low ``bits`` of ``value`` (any Python int) as an unsigned int."""
        return value & ((1 << self.bits) - 1)

    def read(self, value: int) -> int:
        """The integer ``value``'s low ``bits`` stand for in this type."""
        b = self.bits_of(value)
        if self.signed and b >> (self.bits - 1):
            return b - (1 << self.bits)
        return b


def _ctypes() -> dict[str, CType]:
    out: dict[str, CType] = {}
    for bits in (8, 16, 32, 64):
        out[f"int{bits}_t"] = CType(f"int{bits}_t", bits, True)
        out[f"uint{bits}_t"] = CType(f"uint{bits}_t", bits, False)
    for name, bits, signed in (
        ("char", 8, True), ("signed char", 8, True), ("unsigned char", 8, False),
        ("short", 16, True), ("unsigned short", 16, False),
        ("int", 32, True), ("signed", 32, True), ("signed int", 32, True),
        ("unsigned", 32, False), ("unsigned int", 32, False),
        ("long", 64, True), ("unsigned long", 64, False),
        ("long long", 64, True), ("unsigned long long", 64, False),
        ("intptr_t", 64, True), ("uintptr_t", 64, False), ("size_t", 64, False),
    ):
        out[name] = CType(name, bits, signed)
    return out


#: The C types tests may declare, by name (herd's ``uint64_t x;``, ``int *p;``).
CTYPES: dict[str, CType] = _ctypes()
INT = CTYPES["int"]
INT64 = CTYPES["int64_t"]
INT32 = CTYPES["int32_t"]
POINTER = CType("pointer", 64, False, pointer=True)
#: herd's ``ins_t``: an instruction word (a register or location declared with
#: it holds, say, an instruction loaded from a label: ``instr:"NOP"``).
INS_T = CType("ins_t", 32, False)


# --------------------------------------------------------------------------- operands


@dataclass(frozen=True)
class Reg:
    """A register. ``name`` is canonical (``X3`` for r3/W3/X3, ``RAX`` for EAX/RAX);
    ``width`` is the access width in bits (32 for W and E registers)."""

    name: str
    width: int = field(default=64, compare=False)

    def __str__(self) -> str:
        return self.name

    @property
    def is_zero(self) -> bool:
        return self.name == "XZR"


@dataclass(frozen=True)
class Imm:
    """An immediate integer."""

    value: int

    def __str__(self) -> str:
        return f"#{self.value}"


@dataclass(frozen=True)
class LocRef:
    """A location used as a value or an address (``&x``, ``[x]``)."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class CodeRef:
    """The address of a label of a thread's code used as a value: herd's
    ``P1:L0`` and ``label:"P1:L0"`` (``thread`` is the thread's canonical
    name). It prints as herd prints it, ``label:"P1:L0"``."""

    thread: str
    label: str

    def __str__(self) -> str:
        return f'label:"{self.thread}:{self.label}"'


@dataclass(frozen=True)
class Shift:
    """A shifted, rotated or extended register operand (``W3, SXTW``,
    ``X2, LSL #3``, ``X2, ROR #8``, ``W2, SXTB #2``)."""

    reg: Reg
    op: str  # LSL, LSR, ASR, ROR, SXTB, SXTH, SXTW, SXTX, UXTB, UXTH, UXTW, UXTX
    amount: int = 0

    def __str__(self) -> str:
        return f"{self.reg}, {self.op}" + (f" #{self.amount}" if self.amount else "")


@dataclass(frozen=True)
class ShiftedImm:
    """An immediate shifted left (``#1, LSL #12``; ``MOVK``'s ``#0xBEEF, LSL #16``)."""

    value: int
    amount: int = 0

    def __str__(self) -> str:
        return f"#{self.value}, LSL #{self.amount}"


@dataclass(frozen=True)
class Addr:
    """A memory operand: a base (location or register) plus an optional offset.

    ``index`` is ``""`` (the address is base + offset), ``"pre"`` (``[X1, #8]!``:
    the same address, and the base register is then set to it) or ``"post"``
    (``[X1], #8``: the address is the base, which is then increased by the
    offset). ``disp`` is a constant added to the address, x86's displacement
    (AT&T ``8(%rax,%rbx,4)`` is base RAX, offset RBX shifted left by 2,
    displacement 8); it is 0 in AArch64 operands."""

    base: Reg | LocRef
    offset: Reg | Imm | Shift | None = None
    index: Literal["", "pre", "post"] = ""
    disp: int = 0

    def __str__(self) -> str:
        if self.index == "post":
            return f"[{self.base}], {self.offset}"
        parts = [str(self.base)] + ([str(self.offset)] if self.offset is not None else []) \
            + ([f"#{self.disp}"] if self.disp else [])
        return f"[{', '.join(parts)}]" + ("!" if self.index == "pre" else "")


@dataclass(frozen=True)
class Sym:
    """A symbolic operand: a condition code (``EQ``), a barrier option (``SY``)."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Label:
    """A branch target."""

    name: str

    def __str__(self) -> str:
        return self.name


Operand = Reg | Imm | LocRef | Shift | ShiftedImm | Addr | Sym | Label


@dataclass(frozen=True)
class Instr:
    """One instruction as written (or as produced by lowering).

    ``op`` is the canonical upper-case mnemonic (``LDR``, ``DMB``, ``B.EQ``,
    ``LOCK XADD``); Linux accessors keep their lower-case names (``writel``)
    until :mod:`litmus.lowering` replaces them. ``origin`` is the
    pseudo-instruction an instruction was lowered from.
    """

    op: str
    args: tuple[Operand, ...]
    pos: Pos
    text: str = ""
    origin: Instr | None = None

    def __str__(self) -> str:
        if self.text:
            return self.text
        return self.op + (" " + ", ".join(str(a) for a in self.args) if self.args else "")


# --------------------------------------------------------------------------- threads, memory


InitValue = int | LocRef | CodeRef


def element_name(array: str, index: int) -> str:
    """The name of element ``index`` of array ``array``: ``v[1]``."""
    return f"{array}[{index}]"


def split_element(name: str) -> tuple[str, int] | None:
    """``("v", 1)`` for an element name ``v[1]``; None for any other name."""
    if not name.endswith("]") or "[" not in name:
        return None
    base, _, index = name[:-1].partition("[")
    return (base, int(index)) if index.isdigit() else None


@dataclass(frozen=True)
class Thread:
    """A thread: a CPU, or a device agent (``device=True``)."""

    name: str
    index: int
    code: tuple[Instr, ...]
    labels: Mapping[str, int] = field(default_factory=dict)
    device: bool = False
    init: Mapping[Reg, InitValue] = field(default_factory=dict)
    pos: Pos | None = None
    #: declared types of registers, by canonical name (herd's ``int64_t 0:X4;``)
    types: Mapping[str, CType] = field(default_factory=dict)


@dataclass(frozen=True)
class Location:
    """A memory location with its memory type, endpoint and initial value.

    An array (``length`` set: herd's ``int64_t v[2] = {22,44}``) is ``length``
    locations of its C type laid out contiguously, each with its own value:
    its *cells* ``v[0]``, ``v[1]``, ... (:meth:`cells`, :meth:`element`). Its
    ``init`` is then a tuple of initial values (missing ones are 0, as in C).
    A location's size (:attr:`bits`) is its C type's, or 64 bits without one.
    """

    name: str
    mtype: str = "normal"
    endpoint: str = MEMORY_ENDPOINT
    init: InitValue | tuple[InitValue, ...] = 0
    pos: Pos | None = None
    ctype: CType | None = None  # declared C type (of each element), if any
    length: int | None = None  # number of elements of an array; None for a scalar

    @property
    def is_device(self) -> bool:
        return self.mtype.startswith("device-")

    @property
    def is_array(self) -> bool:
        return self.length is not None

    @property
    def bits(self) -> int:
        """The size of the location (of each element of an array), in bits."""
        return self.ctype.bits if self.ctype is not None else 64

    def cells(self) -> list[str]:
        """The names of the locations with a value of their own: the scalar's
        name, or every element of an array."""
        if self.length is None:
            return [self.name]
        return [element_name(self.name, i) for i in range(self.length)]

    def element(self, index: int) -> Location:
        """Element ``index`` of an array, as a location of its own."""
        assert self.length is not None and 0 <= index < self.length
        inits = self.init if isinstance(self.init, tuple) else ()
        init = inits[index] if index < len(inits) else 0
        return Location(element_name(self.name, index), self.mtype, self.endpoint, init,
                        self.pos, self.ctype)


# --------------------------------------------------------------------------- conditions

#: A value in a condition: an integer, a location's address, a label's address
#: (``label:"P0:L0"``), or (for a whole array, herd's ``x={1,0}``) one value per
#: element.
Value = int | LocRef | CodeRef | tuple[int | LocRef | CodeRef, ...]


@dataclass(frozen=True)
class RegAtom:
    """``THREAD:REG = VALUE``. ``key`` is how the register is spelled in output
    (``0:X2``, ``NIC:r0``); ``thread`` is the thread's canonical name."""

    thread: str
    reg: Reg
    value: Value
    key: str
    pos: Pos | None = field(default=None, compare=False)


@dataclass(frozen=True)
class MemAtom:
    """``LOC = VALUE`` or ``[LOC] = VALUE`` on final memory. Its key is ``[LOC]``;
    an array element's (``v[1]``) and a whole array's (``x={1,0}``, whose
    ``value`` is a tuple) is the name itself, as herd writes them."""

    loc: str
    value: Value
    pos: Pos | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return memory_key(self.loc, isinstance(self.value, tuple))


def memory_key(loc: str, array: bool = False) -> str:
    """How a location is keyed in states: ``[x]`` for a scalar, ``v[1]`` for an
    array element, ``v`` for a whole array (``array``)."""
    return loc if array or split_element(loc) is not None else f"[{loc}]"


@dataclass(frozen=True)
class PAnd:
    args: tuple[Prop, ...]


@dataclass(frozen=True)
class POr:
    args: tuple[Prop, ...]


@dataclass(frozen=True)
class PNot:
    arg: Prop


@dataclass(frozen=True)
class PConst:
    value: bool


Prop = RegAtom | MemAtom | PAnd | POr | PNot | PConst

Quantifier = Literal["exists", "~exists", "forall"]


@dataclass(frozen=True)
class Condition:
    """The final condition: a quantifier over a proposition on final states."""

    quantifier: Quantifier
    prop: Prop
    pos: Pos | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Observable:
    """Something whose final value appears in a state: a register or a location.

    ``ctype`` says how its value is compared and printed (see :class:`CType`)."""

    key: str
    thread: str | None = None
    reg: Reg | None = None
    loc: str | None = None
    ctype: CType = field(default=INT64, compare=False)


Observation = Literal["never", "sometimes", "always"]
ExpectWord = Literal["never", "sometimes", "always", "forbidden", "allowed"]


@dataclass(frozen=True)
class Expect:
    """An ``expect MODEL: OBS`` item."""

    model: str
    word: ExpectWord
    pos: Pos | None = field(default=None, compare=False)

    def holds(self, observation: Observation) -> bool:
        if self.word == "forbidden":
            return observation == "never"
        if self.word == "allowed":
            return observation in ("sometimes", "always")
        return self.word == observation


@dataclass(frozen=True)
class Test:
    """A litmus test: threads, memory, final condition and expectations."""

    name: str
    arch: Arch
    threads: tuple[Thread, ...]
    condition: Condition
    locations: Mapping[str, Location] = field(default_factory=dict)
    doc: str = ""
    filter: Prop | None = None
    extra_observed: tuple[Observable, ...] = ()
    expects: tuple[Expect, ...] = ()
    source: str = "<string>"
    format: Literal["dsl", "herd"] = "dsl"
    meta: Mapping[str, str] = field(default_factory=dict)
    #: what reading the test ignored as herd7 does (a stray line before the
    #: initial state, an unknown type on a register): ``(message, position)``
    #: pairs, reported by :func:`litmus.diagnose` as ``file:line:col: warning: ...``
    warnings: tuple[tuple[str, Pos], ...] = ()
    #: the filter as written, before the ``spin_lock`` acquisitions lowering
    #: adds to :attr:`filter` (None: no lock, so :attr:`filter` is it)
    written_filter: Prop | None = None
    #: whether :attr:`filter` holds ``spin_lock`` acquisitions (lowering)
    takes_locks: bool = False

    def thread(self, name: str) -> Thread:
        """The thread named ``name``. Raises KeyError for no such thread."""
        for t in self.threads:
            if t.name == name:
                return t
        raise KeyError(name)

    def ctype(self, thread: str | None = None, reg: Reg | None = None,
              loc: str | None = None) -> CType:
        """The type of a register (``thread``, ``reg``) or location ``loc``: the
        declared one, else herd's ``int`` (32-bit signed) in herd's format, else
        (mini-DSL) ``int64_t`` for X registers and memory, ``int32_t`` for W."""
        declared: CType | None
        if loc is not None:
            declared = self.location(loc).ctype
        else:
            assert thread is not None and reg is not None
            declared = self.thread(thread).types.get(reg.name)
        if declared is not None:
            return declared
        if self.format == "herd":
            return INT
        return INT32 if reg is not None and reg.width == 32 else INT64

    def location(self, name: str) -> Location:
        """The declared location, or a normal one initialised to 0. An element
        name (``v[1]``) gives that element of a declared array."""
        loc = self.locations.get(name)
        if loc is not None:
            return loc
        elem = split_element(name)
        if elem is not None:
            array = self.locations.get(elem[0])
            if array is not None and array.length is not None and elem[1] < array.length:
                return array.element(elem[1])
        default = "wb" if self.arch == "x86" else "normal"
        return Location(name=name, mtype=default)

    @property
    def observed(self) -> tuple[Observable, ...]:
        """What a state shows: the condition's registers and locations in order
        of first mention, then the extra ``locations [...]`` items."""
        seen: dict[str, Observable] = {}
        for atom in prop_atoms(self.condition.prop):
            if isinstance(atom, RegAtom):
                obs = Observable(key=atom.key, thread=atom.thread, reg=atom.reg,
                                 ctype=self.ctype(atom.thread, atom.reg))
            else:
                key = memory_key(atom.loc, self.location(atom.loc).is_array)
                obs = Observable(key=key, loc=atom.loc, ctype=self.ctype(loc=atom.loc))
            seen.setdefault(obs.key, obs)
        for obs in self.extra_observed:
            if obs.key not in seen:
                ct = self.ctype(loc=obs.loc) if obs.loc is not None else \
                    self.ctype(obs.thread, obs.reg)
                seen[obs.key] = replace(obs, ctype=ct)
        return tuple(seen.values())


def prop_atoms(prop: Prop) -> list[RegAtom | MemAtom]:
    """The atoms of a proposition, left to right."""
    if isinstance(prop, (RegAtom, MemAtom)):
        return [prop]
    if isinstance(prop, (PAnd, POr)):
        out: list[RegAtom | MemAtom] = []
        for a in prop.args:
            out.extend(prop_atoms(a))
        return out
    if isinstance(prop, PNot):
        return prop_atoms(prop.arg)
    return []


def format_value(value: Value, ctype: CType | None = None) -> str:
    """A value as states print it: a location's name, or the integer as
    ``ctype`` reads it (default: its 64 bits read as signed, so
    ``0xFFFFFFFFFFFFFFFF`` prints ``-1``); an array's as ``{1,0}``."""
    if isinstance(value, tuple):
        return "{" + ",".join(format_value(v, ctype) for v in value) + "}"
    if isinstance(value, LocRef):
        return value.name
    if isinstance(value, CodeRef):
        return str(value)
    return str((ctype or INT64).read(value))


def format_prop(prop: Prop, context: int = 0, test: Test | None = None) -> str:
    """A proposition as herd prints it: ``0:X2=1 /\\ [y]=0``, ``not (...)``,
    parentheses only where precedence needs them (``/\\`` binds tighter than
    ``\\/``). ``context`` is 0 at the top, 1 inside ``\\/``, 2 inside ``/\\``.
    With ``test``, values print as the states of that test do (by the type of
    the register or location they are compared with)."""
    if isinstance(prop, (RegAtom, MemAtom)):
        ctype = None
        if test is not None:
            ctype = test.ctype(prop.thread, prop.reg) if isinstance(prop, RegAtom) else \
                test.ctype(loc=prop.loc)
        return f"{prop.key}={format_value(prop.value, ctype)}"
    if isinstance(prop, PConst):
        return "true" if prop.value else "false"
    if isinstance(prop, PNot):
        return f"not ({format_prop(prop.arg, 0, test)})"
    if isinstance(prop, PAnd):
        return r" /\ ".join(format_prop(a, 2, test) for a in prop.args)
    body = r" \/ ".join(format_prop(a, 1, test) for a in prop.args)
    return f"({body})" if context == 2 else body


def format_condition(cond: Condition, test: Test | None = None) -> str:
    """The condition as herd prints it: ``exists (0:X2=1 /\\ [y]=0)``; with
    ``test``, its values as that test's states print them."""
    return f"{cond.quantifier} ({format_prop(cond.prop, 0, test)})"


#: A value in a state: an integer (as the type reads it), a location's name
#: (an address), or for a whole array one of those per element.
StateValue = int | str | tuple[int | str, ...]


def format_state_value(v: StateValue) -> str:
    """A state's value as herd prints it: ``1``, ``x``, ``{1,0}``."""
    if isinstance(v, tuple):
        return "{" + ",".join(str(x) for x in v) + "}"
    return str(v)
