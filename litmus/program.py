"""The program model: what every front end produces and the event builder reads.

A :class:`Test` is a litmus test independent of the syntax it was written in:
the mini-DSL (``.lit``) and herd's ``.litmus`` format both load into it.
Instructions are kept close to their source (mnemonic plus operands); their
meaning lives in :mod:`litmus.isa`. Everything here is a frozen dataclass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
class Shift:
    """A shifted or extended register operand (``W3, SXTW``, ``X2, LSL #3``)."""

    reg: Reg
    op: str  # LSL, LSR, ASR, SXTW, UXTW, SXTX, UXTX
    amount: int = 0

    def __str__(self) -> str:
        return f"{self.reg}, {self.op}" + (f" #{self.amount}" if self.amount else "")


@dataclass(frozen=True)
class Addr:
    """A memory operand: a base (location or register) plus an optional offset."""

    base: Reg | LocRef
    offset: Reg | Imm | Shift | None = None

    def __str__(self) -> str:
        if self.offset is None:
            return f"[{self.base}]"
        return f"[{self.base}, {self.offset}]"


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


Operand = Reg | Imm | LocRef | Shift | Addr | Sym | Label


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


InitValue = int | LocRef


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


@dataclass(frozen=True)
class Location:
    """A memory location with its memory type, endpoint and initial value."""

    name: str
    mtype: str = "normal"
    endpoint: str = MEMORY_ENDPOINT
    init: InitValue = 0
    pos: Pos | None = None

    @property
    def is_device(self) -> bool:
        return self.mtype.startswith("device-")


# --------------------------------------------------------------------------- conditions

Value = int | LocRef


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
    """``LOC = VALUE`` or ``[LOC] = VALUE`` on final memory. Its key is ``[LOC]``."""

    loc: str
    value: Value
    pos: Pos | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return f"[{self.loc}]"


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
    """Something whose final value appears in a state: a register or a location."""

    key: str
    thread: str | None = None
    reg: Reg | None = None
    loc: str | None = None


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

    def thread(self, name: str) -> Thread:
        for t in self.threads:
            if t.name == name:
                return t
        raise KeyError(name)

    def location(self, name: str) -> Location:
        """The declared location, or a normal one initialised to 0."""
        loc = self.locations.get(name)
        if loc is not None:
            return loc
        default = "wb" if self.arch == "x86" else "normal"
        return Location(name=name, mtype=default)

    @property
    def observed(self) -> tuple[Observable, ...]:
        """What a state shows: the condition's registers and locations in order
        of first mention, then the extra ``locations [...]`` items."""
        seen: dict[str, Observable] = {}
        for atom in prop_atoms(self.condition.prop):
            if isinstance(atom, RegAtom):
                obs = Observable(key=atom.key, thread=atom.thread, reg=atom.reg)
            else:
                obs = Observable(key=atom.key, loc=atom.loc)
            seen.setdefault(obs.key, obs)
        for obs in self.extra_observed:
            seen.setdefault(obs.key, obs)
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


def format_value(value: Value) -> str:
    return value.name if isinstance(value, LocRef) else str(value)


def format_prop(prop: Prop, top: bool = True) -> str:
    """A proposition in herd's notation (``0:X2=1 /\\ [y]=0``)."""
    if isinstance(prop, RegAtom):
        return f"{prop.key}={format_value(prop.value)}"
    if isinstance(prop, MemAtom):
        return f"{prop.key}={format_value(prop.value)}"
    if isinstance(prop, PConst):
        return "true" if prop.value else "false"
    if isinstance(prop, PNot):
        return "~" + format_prop(prop.arg, top=False)
    sep = r" /\ " if isinstance(prop, PAnd) else r" \/ "
    inner = sep.join(format_prop(a, top=False) for a in prop.args)
    return f"({inner})"


def format_condition(cond: Condition) -> str:
    """The condition as herd prints it: ``exists (0:X2=1 /\\ [y]=0)``."""
    body = format_prop(cond.prop)
    if not body.startswith("("):
        body = f"({body})"
    return f"{cond.quantifier} {body}"
