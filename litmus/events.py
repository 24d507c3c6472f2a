"""Events: a lowered :class:`~litmus.program.Test` becomes an :class:`EventGraph`.

Each thread is executed symbolically along every path of its control flow,
by the semantics of its architecture (an
:class:`~litmus.isa.base.Arch`, given by the caller: this module knows no
architecture). A branch forks the path; the events after the fork exist only
when the path's condition holds (their *guard*). This is herd's semantics:
every candidate execution follows one path per thread, with the address,
data and control dependencies of that path.

Loops are unrolled as herd unrolls them (herd's ``mem.ml``, option
``-unroll``, default 2): a backward jump to an instruction is taken at most
``unroll`` times on a path; the next one *cuts* the path there. A
conditional backward branch whose condition is known without reading memory
(a loop over constants) is not counted, as in herd, so such a loop runs to
its end. As in herd (``top_herd.ml``), an execution in which some thread's
path was cut has no final state; the result says that such executions exist
(the flag ``loop-bound-reached``).

Values are the 64-bit expressions of :mod:`litmus.smt.expr`; every location
gets a 64-bit address (a base from :data:`ADDRESS_BASES` + ``i`` *
:data:`ADDRESS_STRIDE`).
An address computed from loaded values forks the path once per location it
may designate, plus one *faulting* path where it designates none: as in
herd, an execution in which some thread faults has no final state (the
result says that such executions exist).

Code addresses are values too (herd's ``P1:L0``, ``ADR X0, L0``, the return
address ``BL`` leaves in X30): 64-bit constants of their own
(:class:`CodeMap`), printed ``label:"P1:L0"``. A branch to a register
(``BR``, ``BLR``, ``RET``) holding one jumps there, into another thread's
code too (the thread keeps its registers and events); on a value loaded from
memory it forks, as herd does, once per *exported* label (the labels of the
initial values and of ``ADR``), and an execution whose value is none of them
has no final state. Reading a label's address reads the instruction there
(herd without ``-variant self``): a 32-bit value printed ``instr:"..."``.

The graph is a :class:`networkx.MultiDiGraph` whose nodes are event ids (the
node attribute ``event`` holds the :class:`Event`) and whose edges carry the
static relations as keys: ``po``, ``addr``, ``data``, ``ctrl``, ``rmw``, ``sca``
(the accesses of one single-copy atomic pair) and the pick dependencies ``pick-addr``, ``pick-data``, ``pick-ctrl``,
``pick-intr``, ``pick-basic``. Everything after this stage (encoding,
explanations, pictures) reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx

from .errors import EncodingError, Pos
from .isa.base import NOTAINT, SV, Arch, Flags, Taint, taint_of
from .limits import DEFAULT_UNROLL
from .program import (
    INS_T,
    Addr,
    CodeRef,
    CType,
    Imm,
    Instr,
    Label,
    Location,
    LocRef,
    MemAtom,
    Reg,
    ShiftedImm,
    Test,
    Thread,
    prop_atoms,
    split_element,
)
from .smt.expr import (
    FALSE,
    TRUE,
    ZERO,
    App,
    BAnd,
    BNot,
    BoolExpr,
    BOr,
    Choice,
    Cmp,
    Const,
    Ite,
    ReadVal,
    Val,
    app,
    band,
    bnot,
    bor,
    cmp,
    const,
    ite,
    show_bool,
    show_val,
)

#: Limits that keep a test within what the engine handles quickly.
MAX_EVENTS = 400
MAX_PATHS_PER_THREAD = 64
#: Instructions one path may execute: a loop over constants is not bounded by
#: the unrolling (as in herd), this bound stops one that never ends.
MAX_STEPS_PER_PATH = 10_000

#: Addresses of locations: far from the small integers tests compute with, and
#: with low 32 bits that no small integer has either (herd compares ``int``
#: values on 32 bits). A test that writes one of these numbers itself gets its
#: locations at another base (:func:`address_base`), so that no constant of a
#: test is ever mistaken for an address.
ADDRESS_BASES = tuple(((0x7AD0 + 0x101 * k) << 32) | ((0xC0DE_0000 + k * 0x0F37_0000) & 0xFFFF_0000)
                      for k in range(64))
ADDRESS_STRIDE = 0x1_0000
#: Code addresses (see :class:`CodeMap`): a range of their own, far from
#: locations' addresses (other high bits) and, as those, chosen so that no
#: integer of the test falls in it (:func:`_free_base`).
CODE_BASES = tuple(((0x5C0D + 0x0107 * k) << 32) | ((0x3A1E_0000 + k * 0x0D91_0000) & 0xFFFF_0000)
                   for k in range(64))
CODE_STRIDE = 0x10
CODE_SPAN = 0x1_0000
#: Instructions read from code as values: 32-bit words (``LDR W`` loads them).
INSTR_BASES = tuple((0x1D5E_0000 + k * 0x0B3D_0000) & 0xFFFF_0000 for k in range(64))
INSTR_STRIDE = 0x4
INSTR_SPAN = 0x1_0000

EventKind = Literal["R", "W", "F"]


@dataclass(frozen=True)
class Event:
    """One event of a candidate execution.

    ``guard`` is the conjunction of conditions under which the event happens
    (empty: always). ``path`` identifies the event's path through its thread:
    two events of one thread can happen together only if one's path is a
    prefix of the other's. ``tags`` are the annotations models refer to by
    name (``A``, ``L``, ``X``, ``DMB.SY``, ``MFENCE``, ``IW``, memory-type
    sets such as ``Device.nGnRE``, ``CPU``/``DeviceAgent``, ...).
    """

    eid: int
    kind: EventKind
    thread: str | None
    tindex: int
    seq: int
    loc: str | None
    tags: frozenset[str]
    guard: tuple[BoolExpr, ...] = ()
    path: tuple[tuple[int, int], ...] = ()
    value: Val | None = None
    instr: Instr | None = None
    mtype: str | None = None
    endpoint: str | None = None
    device: bool = False

    @property
    def is_init(self) -> bool:
        return self.thread is None

    @property
    def pos(self) -> Pos | None:
        return self.instr.pos if self.instr is not None else None

    def label(self) -> str:
        """A short herd-like name: ``Wx``, ``Ry``, or a fence's tags."""
        if self.kind == "F":
            named = sorted(t for t in self.tags if t not in ("F", "DMB", "DSB", "CPU",
                                                              "DeviceAgent"))
            return "+".join(named) or "F"
        return f"{self.kind}{self.loc}"


@dataclass
class Leaf:
    """The end of one path through a thread: its guard and final registers.
    ``fault`` marks a path that stopped at an address that designates no
    location; ``cut`` one that stopped at a backward jump over the unrolling
    bound; ``dead`` one whose branch to a loaded value found no label there
    (herd has no such execution). None has a final state."""

    guard: tuple[BoolExpr, ...]
    regs: dict[str, SV]
    fault: bool = False
    cut: bool = False
    dead: bool = False

    @property
    def stopped(self) -> bool:
        """Whether the path ended before the end of its thread's code."""
        return self.fault or self.cut or self.dead


class CodeMap:
    """Code addresses as values, and the instructions at exported labels.

    Each label's address is a 64-bit constant of its own (two labels of one
    instruction are two values, as in herd, where they are two symbols), and
    so is each return address that has no label (herd's internal number,
    which is not printed here: :meth:`printable`). ``exported`` are the
    labels herd considers as targets of a branch on a loaded value: those of
    the initial values and those an instruction puts in a register (``ADR``);
    for each such label of an instruction, ``cells`` holds a code location
    (``P1:L0``, 32 bits) whose initial value is that instruction as a 32-bit
    value, printed as herd prints it (``instr:"ADD W0,W0,#1"``)."""

    def __init__(self, test: Test, arch: Arch, base: int, instr_base: int) -> None:
        self.threads = {th.name: th for th in test.threads}
        self.base = base
        self.instr_base = instr_base
        self._keys: dict[tuple, int] = {}  # what an address is -> the address
        self.targets: dict[int, tuple[Thread, int]] = {}
        self.names: dict[int, str] = {}
        self.unnamed: set[int] = set()
        self._instrs: dict[str, int] = {}
        self.exported: list[int] = []
        #: code location -> (its address, the instruction value it holds)
        self.cells: dict[str, tuple[int, int]] = {}
        for th, label in _exported_labels(test, arch):
            addr = self.label(th, label)
            self.exported.append(addr)
            pc = th.labels[label]
            if pc < len(th.code) and arch.instruction_text is not None:
                self.cells[f"{th.name}:{label}"] = (addr, self._instruction(th, pc, arch))

    def _new(self, key: tuple, target: tuple[Thread, int], name: str | None) -> int:
        bits = self._keys.get(key)
        if bits is None:
            if len(self._keys) >= CODE_SPAN // CODE_STRIDE:
                raise EncodingError("the test has more code addresses than the tool handles "
                                    f"({CODE_SPAN // CODE_STRIDE})")
            bits = self._keys[key] = self.base + len(self._keys) * CODE_STRIDE
            self.targets[bits] = target
            if name is None:
                self.unnamed.add(bits)
            else:
                self.names[bits] = name
        return bits

    def label(self, code: Thread, label: str, shown: str | None = None) -> int:
        """The address of ``label`` of ``code``'s code, printed
        ``label:"SHOWN:label"`` (``shown``: the thread's own name by default;
        herd names it after the thread that computed it)."""
        who = shown or code.name
        return self._new(("label", who, label, code.name), (code, code.labels[label]),
                         f'label:"{who}:{label}"')

    def ref(self, ref: CodeRef) -> int:
        """The value of ``P1:L0`` in an initial state or a condition."""
        th = self.threads.get(ref.thread)
        if th is None or ref.label not in th.labels:
            raise EncodingError(f"'{ref.label}' is not a label of thread {ref.thread}")
        return self.label(th, ref.label)

    def after(self, running: Thread, code: Thread, pc: int) -> int:
        """The return address ``BL``/``BLR`` at ``pc - 1`` of ``code`` leaves
        (``running`` runs it): as herd, the first of the labels of instruction
        ``pc`` in alphabetical order, or an address without a label."""
        labels = sorted(n for n, i in code.labels.items() if i == pc and "@" not in n)
        if labels:
            return self.label(code, labels[0], running.name)
        return self._new(("after", code.name, pc), (code, pc), None)

    def _instruction(self, th: Thread, pc: int, arch: Arch) -> int:
        """The 32-bit value of instruction ``pc`` of ``th``: one per text as herd
        prints it (two instructions that print alike are equal, as in herd:
        ``ADR X0,L1`` and ``ADR X0,L2`` one instruction before each label are
        both ``ADR X0,.+4``), one per instruction when the text is unknown."""
        ins = th.code[pc]

        def offset(label: Label) -> int | None:
            target = th.labels.get(label.name)
            return None if target is None else 4 * (target - pc)

        assert arch.instruction_text is not None
        text = arch.instruction_text(ins, offset)
        key = f'instr:"{text}"' if text is not None else f"\0{th.name}:{pc}"
        bits = self._instrs.get(key)
        if bits is None:
            bits = self._instrs[key] = self.instr_base + len(self._instrs) * INSTR_STRIDE
            if text is not None:
                self.names[bits] = key
            else:
                self.unnamed.add(bits)
        return bits

    def target(self, bits: int) -> tuple[Thread, int] | None:
        """The code (thread, instruction index) at a code address, if it is one."""
        return self.targets.get(bits)

    def printable(self, bits: int) -> bool:
        """Whether a value that is code prints as herd prints it (False for a
        return address without a label, or an instruction of unknown text)."""
        return bits not in self.unnamed


def _exported_labels(test: Test, arch: Arch) -> list[tuple[Thread, str]]:
    """herd's exported labels: those in initial values (of registers and
    memory) and those an instruction that is not a branch names (``ADR X0,
    L0``), in herd's order (thread, then name)."""
    by_name = {th.name: th for th in test.threads}
    out: dict[tuple[int, str], tuple[Thread, str]] = {}

    def add(th: Thread, label: str) -> None:
        out.setdefault((th.index, label), (th, label))

    inits: list[object] = [v for th in test.threads for v in th.init.values()]
    for loc in test.locations.values():
        inits.extend(loc.init if isinstance(loc.init, tuple) else (loc.init,))
    for v in inits:
        if isinstance(v, CodeRef):
            th = by_name.get(v.thread)
            if th is None or v.label not in th.labels:
                raise EncodingError(f"'{v.label}' is not a label of thread {v.thread}")
            add(th, v.label)
    for th in test.threads:
        for ins in th.code:
            if arch.branch_target(ins) is None:
                for a in ins.args:
                    if isinstance(a, Label) and a.name in th.labels:
                        add(th, a.name)
    return [out[k] for k in sorted(out)]


@dataclass
class EventGraph:
    """The events of a test and its static relations (po, addr, data, ctrl, rmw).

    ``addresses`` gives the 64-bit address of each location with a value of its
    own (a scalar, or an array element ``v[1]``): the locations events access;
    ``symbols`` the address of every name a value may denote (those, and each
    array's name, the address of its first element). ``tag_universe`` is every
    tag name a model may use as a set (those absent from the events are empty).
    """

    test: Test
    graph: nx.MultiDiGraph
    events: list[Event]
    locations: dict[str, Location]
    init: dict[str, int]  # location -> eid of its initial write
    leaves: dict[str, list[Leaf]]  # thread -> its paths' ends
    addresses: dict[str, int]
    symbols: dict[str, int] = field(default_factory=dict)
    #: accesses refused on paths that may not be taken (their guard, the error):
    #: those paths end there, as faulting ones do; an execution that takes one
    #: makes the test refused (see :meth:`Session`)
    refusals: list[tuple[tuple[BoolExpr, ...], EncodingError]] = field(default_factory=list)
    tag_universe: frozenset[str] = frozenset()
    memory_type_tags: frozenset[str] = frozenset()  # the memory-type set names among them
    choices: int = 0
    unroll: int = DEFAULT_UNROLL  # the bound loops were unrolled to
    code: CodeMap | None = None  # code addresses and instructions as values
    _pairs: dict[str, frozenset[tuple[int, int]]] = field(default_factory=dict)
    _cells: dict[int, str] = field(default_factory=dict)  # address -> location

    def pairs(self, rel: str) -> frozenset[tuple[int, int]]:
        """The pairs of a static relation stored as edges (``po``, ``addr``, ...)."""
        cached = self._pairs.get(rel)
        if cached is None:
            cached = frozenset(
                (a, b) for a, b, k in self.graph.edges(keys=True) if k == rel
            )
            self._pairs[rel] = cached
        return cached

    def compatible(self, a: int, b: int) -> bool:
        """Whether events ``a`` and ``b`` can both happen in one execution."""
        ea, eb = self.events[a], self.events[b]
        if ea.thread is None or eb.thread is None or ea.thread != eb.thread:
            return True
        pa, pb = ea.path, eb.path
        n = min(len(pa), len(pb))
        return pa[:n] == pb[:n]

    def location_at(self, bits: int) -> str | None:
        """The location (scalar or array element) whose address is ``bits`` (a
        64-bit value), if any."""
        if len(self._cells) != len(self.addresses):
            self._cells = {a: n for n, a in self.addresses.items()}
        return self._cells.get(bits)

    def address_name(self, bits: int) -> str | None:
        """How a value that is an address prints: ``x`` for the address of
        location x (or of array x's first element), ``x+8`` for an address
        inside its slot (``v+8``: v's element at byte 8), ``label:"P0:L0"``
        for a label's address, ``instr:"NOP"`` for an instruction read from
        code; None otherwise."""
        if self.code is not None:
            name = self.code.names.get(bits)
            if name is not None:
                return name
        symbols = self.symbols or self.addresses
        slots = [a for _, a in _slots(symbols)]
        base = min(slots, default=0)
        if not base <= bits < base + len(slots) * ADDRESS_STRIDE:
            return None
        return _address_name(symbols, bits)

    def guard_name(self, bits: int) -> str | None:
        """How a constant prints in a path's condition (``litmus show``): a
        location's address as ``&x``, code as ``label:"P0:L0"``."""
        if self.code is not None and bits in self.code.names:
            return self.code.names[bits]
        n = self.location_at(bits)
        return f"&{n}" if n is not None else None

    def unprintable(self, bits: int) -> bool:
        """Whether ``bits`` is code that herd prints as a number of its own
        (a return address without a label), which this tool does not know."""
        return self.code is not None and not self.code.printable(bits)

    def show(self, v: Val, ctype: CType | None = None) -> str:
        """A value as ``litmus show`` writes it: as states print it (addresses
        by name, a constant as ``ctype`` reads it), or an expression."""
        if isinstance(v, Const) and self.address_name(v.bits) is None and ctype is not None:
            return str(ctype.read(v.bits))
        return show_val(v, self.address_name)

    def final_register(self, thread: str, reg: Reg) -> list[tuple[tuple[BoolExpr, ...], Val]]:
        """The final value of a register (all 64 bits) on each path of its
        thread that reaches its end (neither faulting nor cut). When none
        does, every execution is excluded and the value is the initial one."""
        out = []
        th = self.test.thread(thread)
        for leaf in self.leaves[thread]:
            if leaf.stopped:
                continue
            sv = leaf.regs.get(reg.name)
            val = sv.val if sv is not None else _init_reg(th, reg, self.symbols or self.addresses,
                                                          self.code)
            out.append((leaf.guard, val))
        return out or [((), _init_reg(th, reg, self.symbols or self.addresses, self.code))]

    def fault_guards(self) -> list[tuple[BoolExpr, ...]]:
        """The guards of every faulting path, of every thread."""
        return [leaf.guard for leaves in self.leaves.values() for leaf in leaves if leaf.fault]

    def cut_guards(self) -> list[tuple[BoolExpr, ...]]:
        """The guards of every path the unrolling bound cut, of every thread."""
        return [leaf.guard for leaves in self.leaves.values() for leaf in leaves if leaf.cut]

    def dead_guards(self) -> list[tuple[BoolExpr, ...]]:
        """The guards of every path whose branch to a loaded value found no
        label (no such execution exists), of every thread."""
        return [leaf.guard for leaves in self.leaves.values() for leaf in leaves if leaf.dead]


def _slots(symbols: Mapping[str, int]) -> list[tuple[str, int]]:
    """The scalars and arrays of a test with their addresses (elements left out)."""
    return [(n, a) for n, a in symbols.items() if split_element(n) is None]


def _address_name(symbols: Mapping[str, int], bits: int) -> str | None:
    for name, a in _slots(symbols):
        if a <= bits < a + ADDRESS_STRIDE:
            return name if bits == a else f"{name}+{bits - a}"
    return None


def _address_before(symbols: Mapping[str, int], bits: int) -> str | None:
    """``name-k`` for an address ``k`` bytes before location ``name``'s (less
    than a location's slot before it, in no location's slot), else None."""
    for name, a in _slots(symbols):
        if a - ADDRESS_STRIDE < bits < a:
            return f"{name}-{a - bits}"
    return None


def _init_value(v: int | LocRef | CodeRef, addresses: Mapping[str, int], bits: int = 64,
                code: CodeMap | None = None) -> Val:
    """An initial value: a location's address, a label's address, or the
    integer's low ``bits`` (the location's size: ``int8_t x = 257`` holds 1)."""
    if isinstance(v, LocRef):
        return Const(addresses[v.name])
    if isinstance(v, CodeRef):
        assert code is not None, "code addresses are laid out before they are read"
        return Const(code.ref(v))
    return const(v & ((1 << bits) - 1))


def _init_reg(th: Thread, reg: Reg, addresses: Mapping[str, int],
              code: CodeMap | None = None) -> Val:
    v = th.init.get(reg)
    return ZERO if v is None else _init_value(v, addresses, 64, code)


def _check_sizes(b: _Builder) -> None:
    """Refuse the mixed-size writes this tool cannot represent exactly: a write
    narrower than its location (an 8-bit ``STRB`` into a 64-bit location, a
    32-bit ``STR W`` into an undeclared one) while another write to it, or its
    initial value, may set bits above that width. This tool keeps one value per
    location, so such a write would clear bits that the machine's narrower store
    leaves unchanged. (A narrow load reads the low bits, which is exact; a
    narrow write to a location whose other values never go above its width is
    exact too.) Writes that happen only on some paths are refused only if some
    execution takes those paths (see :attr:`EventGraph.refusals`)."""
    writes: dict[str, list[Event]] = {}
    for e in b.events:
        if e.kind == "W":
            writes.setdefault(e.loc, []).append(e)  # type: ignore[arg-type]
    for loc, ws in writes.items():
        size = b.sizes.get(loc, 64)
        for e in ws:
            width = b.widths.get(e.eid, size)
            if width >= size:
                continue
            for other in ws:
                if other is e or _fits(b, other, width, size):
                    continue
                what = "its initial value" if other.is_init else \
                    f"the {b.widths.get(other.eid, size)}-bit write at line " \
                    f"{other.pos.line if other.pos else '?'}"
                err = EncodingError(
                    f"not supported: mixed-size accesses to '{loc}': this {width}-bit write "
                    f"would leave the upper {size - width} bits of this {size}-bit location that {what} may "
                    "set (mixed-size accesses are not supported; access this location at one "
                    "size throughout)", e.pos)
                guard = e.guard + other.guard
                if not guard:
                    raise err
                # writes that may never both happen (on paths of computed
                # addresses, say): refused only if some execution has both
                b.refusals.append((guard, err))


def _a(bits: int) -> str:
    """``a 16``, ``an 8``: the article and the number of bits."""
    return f"an {bits}" if str(bits).startswith("8") else f"a {bits}"


def _fits(b: _Builder, e: Event, width: int, size: int) -> bool:
    """Whether write ``e`` certainly leaves the bits of its location above
    ``width`` zero: it is at most that wide, or a constant that fits."""
    if b.widths.get(e.eid, size) <= width:
        return True
    return isinstance(e.value, Const) and e.value.bits >> width == 0


def _zext(v: Val, width: int) -> Val:
    return v if width >= 64 else app(f"zext{width}", v)


# --------------------------------------------------------------------------- the builder


class PathState:
    """The state of one path through a thread; what ISA semantics operate on
    (it implements :class:`litmus.isa.base.Machine`).

    ISA handlers read and write registers, create events and split the path;
    they never touch the graph directly.
    """

    def __init__(self, builder: _Builder, thread: Thread) -> None:
        self.b = builder
        self.thread = thread
        self.code = thread  # whose code runs (another thread's after a branch there)
        self.pc = 0
        self.next_pc: int | None = None
        self.regs: dict[str, SV] = {}
        self.flags: Flags | None = None
        self.guard: tuple[BoolExpr, ...] = ()
        self.path: tuple[tuple[int, int], ...] = ()
        self.ctrl: Taint = NOTAINT  # reads the branches so far depend on
        self.excl: tuple[tuple[int, str], ...] | None = None  # open exclusive: (eid, loc)s
        self.last: int | None = None  # last event on this path (po predecessor)
        self.last_write: dict[str, int] = {}  # location -> last write on this path
        self.pinned: dict[tuple[int, Addr], str] = {}  # computed addresses, per path
        self.instr: Instr | None = None
        self.fault = False
        self.cut = False  # stopped by the unrolling bound
        self.dead = False  # a branch to a loaded value found no label: no such execution
        self.seen: dict[int, int] = {}  # target -> backward jumps to it counted so far
        self.steps = 0  # instructions executed on this path
        # whether the jump this instruction makes counts against the unrolling
        # bound (herd: not a conditional branch whose condition is a constant)
        self.counted = True

    def clone(self) -> PathState:
        c = PathState.__new__(PathState)
        c.__dict__.update(self.__dict__)
        c.regs = dict(self.regs)
        c.last_write = dict(self.last_write)
        c.pinned = dict(self.pinned)
        c.seen = dict(self.seen)
        return c

    def pin_addresses(self, instr: Instr) -> list[PathState]:
        """Split the path on each address computed from loaded values: one path
        per location of the test it may designate (herd enumerates them too),
        and one faulting path where it designates none."""
        states = [self]
        for a in self.b.arch.addresses(instr):
            out = []
            for st in states:
                if st.fault or (st.pc, a) in st.pinned:
                    out.append(st)
                    continue
                val = self.b.arch.address_value(st, a).val
                if isinstance(val, Const):
                    out.append(st)  # resolved (or refused) by address()
                    continue
                fork = self.b.new_fork()
                misses: list[BoolExpr] = []
                for i, loc in enumerate(self.b.locations):
                    c = cmp("eq", val, Const(self.b.addresses[loc]))
                    misses.append(bnot(c))
                    if c == FALSE:
                        continue
                    s = st.clone()
                    if c != TRUE:
                        s.guard = st.guard + (c,)
                        s.path = st.path + ((fork, i),)
                    s.pinned[(st.pc, a)] = loc
                    out.append(s)
                miss = band(*misses)
                if miss != FALSE:
                    s = st.clone()
                    s.guard = st.guard + (miss,) if miss != TRUE else st.guard
                    s.path = st.path + ((fork, -1),)
                    s.fault = True
                    out.append(s)
            states = out
        return states

    # -- registers
    def error(self, message: str) -> EncodingError:
        pos = self.instr.pos if self.instr is not None else self.thread.pos
        return EncodingError(message, pos)

    def get(self, reg: Reg) -> SV:
        """The register's value at its width (``W3``: the low 32 bits of X3)."""
        if reg.is_zero:
            return SV(ZERO)
        sv = self.regs.get(reg.name)
        if sv is None:
            sv = SV(_init_reg(self.thread, reg, self.b.symbols, self.b.code))
        return SV(_zext(sv.val, reg.width), sv.taint)

    def set(self, reg: Reg, sv: SV) -> None:
        """Write the register; a 32-bit register write zero-extends."""
        if reg.is_zero:
            return
        self.regs[reg.name] = SV(_zext(sv.val, reg.width), sv.taint)

    def operand(self, op: object) -> SV:
        """The value of a register, immediate or location's address."""
        if isinstance(op, Reg):
            return self.get(op)
        if isinstance(op, Imm):
            return SV(const(op.value))
        if isinstance(op, LocRef):
            addr = self.b.symbols.get(op.name)
            if addr is None:
                raise self.error(f"'{op.name}' is not a location of the test")
            return SV(Const(addr))
        raise self.error(f"unexpected operand '{op}'")

    # -- memory
    def address(self, addr: Addr) -> tuple[str, Taint]:
        """The location an address operand designates, and what the address depends on."""
        sv = self.b.arch.address_value(self, addr)
        val = sv.val
        if not isinstance(val, Const):
            pinned = self.pinned.get((self.pc, addr))
            assert pinned is not None, "computed addresses are pinned before execution"
            return pinned, sv.taint
        loc = self.b.location_at(val.bits)
        if loc is not None:
            return loc, sv.taint
        inside = self.b.cell_containing(val.bits)
        if inside is not None:
            cell, offset = inside
            raise self.error(
                "not supported: mixed-size access at "
                f"{_address_name(self.b.symbols, val.bits)}: byte {offset} of the "
                f"{self.b.sizes[cell]}-bit location '{cell}' (accesses at an offset into a "
                "location are mixed-size, which is not supported)")
        name = _address_name(self.b.symbols, val.bits)
        if name is not None:
            raise self.error(f"address {name} is not a location of the test "
                             "(past the end of the location or array)")
        if val.bits in self.b.code.targets:
            shown = self.b.code.names.get(val.bits, "a return address")
            raise self.error(f"not supported: an access to code at {shown} (herd reads code "
                             "only at the labels of initial values and of ADR, and writes it "
                             "only with -variant self)")
        before = _address_before(self.b.symbols, val.bits)
        if before is not None:
            raise self.error(f"address {before} is not a location of the test (before the "
                             "start of the location or array)")
        via = f" (the value of {addr.base})" if isinstance(addr.base, Reg) else ""
        raise self.error(f"address {val.bits:#x}{via} is not a location of the test")

    def size(self, loc: str) -> int:
        """The size of location ``loc`` in bits (its C type's; 64 untyped)."""
        return self.b.sizes.get(loc, 64)

    def read(self, loc: str, tags: Iterable[str], addr: Taint = NOTAINT,
             width: int | None = 64) -> tuple[int, SV]:
        """A read event of the location's value, by an access of ``width`` bits
        (which reads the location's low bits when it is narrower than the
        location, and is refused as mixed-size when wider); returns the event
        and the location's whole value (the caller keeps the bits it loads).
        A ``width`` of None is the location's size.

        The loaded value depends on the read, on its address, and on what the
        last write to the same location on this path depended on (herd's
        ``lrs``: a store forwarded to a later load in program order); through
        that forwarding, the reads the write depended on are also pick
        dependencies of this read event (herd's ``pick-basic-dep``, which
        follows ``lrs``)."""
        if width is None:
            width = self.b.sizes.get(loc, 64)
        self.check_width(loc, width, "load")
        w = self.last_write.get(loc)
        forwarded = self.b.flow[w] if w is not None else NOTAINT
        eid = self.b.event(self, "R", loc, tags, value=None, addr=addr, basic=forwarded)
        taint = taint_of(eid) | addr | forwarded
        return eid, SV(ReadVal(eid), taint)

    def write(
        self,
        loc: str,
        value: SV,
        tags: Iterable[str],
        addr: Taint = NOTAINT,
        *,
        data: Taint | None = None,
        intrinsic: Taint = NOTAINT,
        flow: Taint = NOTAINT,
        width: int | None = 64,
    ) -> int:
        """A write event of ``value`` (all 64 bits), by an access of ``width``
        bits. ``data`` overrides the value's own dependencies (an atomic's
        write does not data-depend on its own read); ``intrinsic`` are pick
        dependencies through the instruction's internal control (a CAS's
        comparison); ``flow`` is extra data flow into the write that later loads
        forwarded from it inherit (an LDADD's read). The location gets the
        value's low ``width`` bits (a ``STRB`` stores its register's low byte);
        a write wider than its location is refused as mixed-size. A ``width``
        of None is the location's size (an immediate store: ``STR #1, [x]``)."""
        if width is None:
            width = self.b.sizes.get(loc, 64)
        if loc in self.b.code.cells:
            self.refuse(self.error(
                f"not supported: a store to code ({loc}): self-modifying code needs herd's "
                "-variant self"))
        self.check_width(loc, width, "store")
        d = value.taint if data is None else data
        eid = self.b.event(self, "W", loc, tags, value=_zext(value.val, width), addr=addr,
                           data=d, intrinsic=intrinsic)
        self.b.widths[eid] = width
        self.b.flow[eid] = addr | d | intrinsic.as_pick() | flow
        self.last_write[loc] = eid
        return eid

    def check_width(self, loc: str, width: int, what: str) -> None:
        """Refuse an access wider than its location: it would also access the
        bytes after it (mixed-size, not supported)."""
        size = self.b.sizes.get(loc, 64)
        if width > size:
            ctype = self.b.test.location(loc).ctype
            declared = f" ({ctype.name})" if ctype is not None else ""
            err = self.error(
                f"not supported: mixed-size access to '{loc}': {_a(width)}-bit {what} of {_a(size)}-bit "
                f"location{declared} would also access the bytes after it (mixed-size "
                f"accesses are not supported; access '{loc}' with {size}-bit loads and "
                "stores, or declare it with a wider type)")
            if not self.guard:
                raise err
            # a path that may never be taken (one location a computed address may
            # designate, say): refused only if some execution takes it
            self.b.refusals.append((self.guard, err))
            self.fault = True

    def fence(self, tags: Iterable[str]) -> int:
        return self.b.event(self, "F", None, tags, value=None)

    def rmw(self, read: int, write: int, kind: str) -> None:
        self.b.graph.add_edge(read, write, key="rmw", kind=kind)

    def single_copy_atomic(self, events: tuple[int, ...]) -> None:
        """The reads (or writes) ``events``, of distinct locations, are one
        single-copy atomic access (an edge ``sca`` from the first to each
        other): no read group sees part of a write group only."""
        for e in events[1:]:
            self.b.graph.add_edge(events[0], e, key="sca")

    # -- control flow
    def goto(self, label: Label) -> None:
        """Jump to ``label`` (of the code being run). A backward jump (to this
        instruction or an earlier one) is counted per target on this path,
        unless it is a conditional branch on a constant; over the unrolling
        bound the path is cut instead (herd's ``fetch_addr`` in ``mem.ml``)."""
        target = self.code.labels.get(label.name)
        if target is None:
            raise self.error(f"unknown label '{label.name}'")
        self._jump(self.code, target)

    def _jump(self, code: Thread, target: int) -> None:
        """Go on at instruction ``target`` of ``code``'s code. As in herd, where
        each thread's code has addresses of its own, after the previous
        thread's: the jump is backward when ``(code, target)`` is not after
        the jump's own place, and it counts only when the code is the running
        thread's own (a loop in another thread's code is not bounded so; a
        return into one's own code from another's is a backward jump)."""
        back = (code.index, target) <= (self.code.index, self.pc)
        if back and self.counted and code.name == self.thread.name:
            n = self.seen.get(target, 0) + 1
            self.seen[target] = n
            if n > self.b.unroll:
                self.cut = True
                return
        self.code = code
        self.next_pc = target

    def halt(self) -> None:
        """End the thread here (x86 ``RET``)."""
        self.next_pc = len(self.code.code)

    def has_label(self, name: str) -> bool:
        """Whether ``name`` is a label of the code being run."""
        return name in self.code.labels

    def code_address(self, label: Label) -> SV:
        """The address of a label of the code being run (``ADR X0, L0``)."""
        self._own_code("the address of a label")
        return SV(Const(self.b.code.label(self.code, label.name)))

    def return_address(self) -> SV:
        """The address of the instruction after this one (what ``BL`` leaves in
        X30): its label's, as in herd, when it has one."""
        after = self.b.code.after(self.thread, self.code, self.pc + 1)
        if self.b.code.names.get(after) is not None:
            self._own_code("a return address with a label")
        return SV(Const(after))

    def _own_code(self, what: str) -> None:
        """Refuse ``what`` computed in another thread's code: which thread herd
        names it after is not known."""
        if self.code.name != self.thread.name:
            self.refuse(self.error(
                f"not supported: {what} computed in thread {self.code.name}'s code run by "
                f"thread {self.thread.name} (which thread herd names it after is not known)"))

    def variant(self, name: str) -> bool:
        """Whether the test's ``Variant`` info line names ``name`` (herd7 reads
        a test's ``Variant=a,b`` as its ``-variant a,b`` options)."""
        given = self.b.test.meta.get("Variant", "")
        return name.lower() in {v.strip().lower() for v in re.split(r"[,\s]+", given)}

    def jump_to(self, target: SV, via: str = "", exits: bool = False
                ) -> list[PathState | None]:
        """Branch to the code address ``target`` (``BR``, ``BLR``, ``RET``), the
        value of register ``via``; the events after it are control-dependent
        on what ``target`` depends on.

        A constant that is code is a jump there (counted as any jump); any
        other constant is refused, as herd refuses it (an integer is "not
        code", a location's address "must be a label"). A value loaded from
        memory forks, as herd's ``indirectBranchT`` does, once per exported
        label (:class:`CodeMap`), the path's guard saying that the value is
        that label's address; an execution in which it is none of them does
        not exist in herd (its constraint fails): that path is ``dead``. One
        in which it is another code address (a return address reloaded from
        memory) is refused, as herd's answer there is not known. With
        ``exits``, a constant that is not code ends the thread instead (a
        compiled function's final ``RET`` under herd's ``-variant telechat``,
        where herd assumes "a ret/branch is an exit")."""
        code = self.b.code
        val = target.val
        if isinstance(val, Const):
            s = self.clone()
            s.ctrl = self.ctrl | target.taint
            dest = code.target(val.bits)
            if dest is None and exits:
                s.halt()
            elif dest is None:
                s.refuse(self._not_code(val.bits, via))
            else:
                s._jump(*dest)
            return [s]
        if not code.exported:
            s = self.clone()
            s.refuse(self.error(
                f"{self.instr}: the target is a value read from memory and the test has no "
                "label it may be (herd: potential targets are the labels of initial values "
                "and of ADR)"))
            return [s]
        fork = self.b.new_fork()
        out: list[PathState | None] = []
        misses: list[BoolExpr] = []
        for i, bits in enumerate(code.exported):
            c = _assume(cmp("eq", val, Const(bits)), self.guard)
            if c == FALSE:
                continue
            misses.append(bnot(c))
            s = self.clone()
            s.ctrl = self.ctrl | target.taint
            if c != TRUE:
                s.guard = self.guard + (c,)
                s.path = self.path + ((fork, i),)
            s._jump(*code.target(bits))  # type: ignore[misc]
            out.append(s)
            if c == TRUE:
                return out
        miss = band(*misses)
        exported = set(code.exported)
        others = bor(*(cmp("eq", val, Const(b)) for b in code.targets if b not in exported))
        for k, (cond, kind) in enumerate(((band(miss, others), "refused"),
                                          (band(miss, bnot(others)), "dead"))):
            if cond == FALSE:
                continue
            s = self.clone()
            s.guard = self.guard + (cond,) if cond != TRUE else self.guard
            s.path = self.path + ((fork, -1 - k),)
            if kind == "dead":
                s.dead = True
            else:
                s.refuse(self.error(
                    f"not supported: {self.instr} may branch to a code address that is "
                    "not a label of an initial value or of ADR (a return address "
                    "reloaded from memory, say), where herd's answer is not known"))
            out.append(s)
        return out

    def _not_code(self, bits: int, via: str) -> EncodingError:
        """The refusal of a branch to the constant ``bits`` (the value of
        register ``via``), which is no code."""
        what = f"{via} = " if via else ""
        name = _address_name(self.b.symbols, bits)
        if name is not None:
            return self.error(
                f"{self.instr}: the target, {what}{name}, is the address of a location, not "
                "of code (herd: the target of a branch to a register must be a label)")
        shown = self.b.code.names.get(bits)
        if shown is not None:  # an instruction read from code
            return self.error(f"{self.instr}: the target, {what}{shown}, is an instruction, "
                              "not a code address")
        return self.error(
            f"{self.instr}: the target, {what}{bits:#x}, is not a code address (herd: "
            "segmentation fault); a branch to a register needs a label's address (ADR, BL, "
            "or an initial value such as P0:L0)")

    def refuse(self, err: EncodingError) -> None:
        """Stop this path with ``err``: raised now when every execution takes
        it, else raised only if some candidate execution does (see
        :attr:`EventGraph.refusals`)."""
        if not self.guard:
            raise err
        self.b.refusals.append((self.guard, err))
        self.fault = True

    def split(
        self, cond: BoolExpr, ctrl_deps: Taint | None = None
    ) -> tuple[PathState | None, PathState | None]:
        """Fork into the path where ``cond`` holds and the one where it does not.

        With ``ctrl_deps`` the fork is a conditional branch: every later event
        on both paths is control-dependent on those reads. A side whose
        condition is statically false is returned as None.
        """
        # a branch on a constant condition does not count against the unrolling
        # bound (herd: a jump whose condition is determined); one on a value a
        # free choice of this path decided (a store-exclusive's status) does
        constant = cond == TRUE or cond == FALSE
        if not constant:
            cond = _assume(cond, self.guard)
        if cond in self.guard:  # already decided on this path (CSELs on one CMP)
            cond = TRUE
        elif bnot(cond) in self.guard:
            cond = FALSE
        if cond == TRUE or cond == FALSE:
            s = self.clone()
            s.counted = not constant
            if ctrl_deps is not None:
                s.ctrl = self.ctrl | ctrl_deps
            return (s, None) if cond == TRUE else (None, s)
        fork = self.b.new_fork()
        out: list[PathState] = []
        for taken, c in ((1, cond), (0, bnot(cond))):
            s = self.clone()
            s.guard = self.guard + (c,)
            s.path = self.path + ((fork, taken),)
            s.counted = True
            if ctrl_deps is not None:
                s.ctrl = self.ctrl | ctrl_deps
            out.append(s)
        return out[0], out[1]

    def choice(self) -> BoolExpr:
        """A fresh free boolean (a store-exclusive's success, say)."""
        return Choice(self.b.new_choice())


class _Builder:
    def __init__(self, test: Test, arch: Arch, tag_universe: Collection[str],
                 memory_type_sets: Mapping[str, Collection[str]],
                 unroll: int = DEFAULT_UNROLL, tick: Callable[[], None] | None = None) -> None:
        self.test = test
        self.tick = tick or _no_tick
        self.arch = arch
        self.unroll = unroll
        self.tag_universe = frozenset(tag_universe)
        self.mtype_sets = memory_type_sets
        self.graph = nx.MultiDiGraph()
        self.events: list[Event] = []
        self.forks = 0
        self.choices = 0
        self.seq: dict[str, int] = {}
        self.flow: dict[int, Taint] = {}  # write -> what flows into it (for lrs)
        self.widths: dict[int, int] = {}  # write -> its access width in bits
        self.locations: list[str] = []  # every cell: scalars and array elements
        self.addresses: dict[str, int] = {}  # cell -> address
        self.by_address: dict[int, str] = {}
        self.symbols: dict[str, int] = {}  # every name a value may denote -> address
        self.sizes: dict[str, int] = {}  # cell -> its size in bits
        self.refusals: list[tuple[tuple[BoolExpr, ...], EncodingError]] = []
        self.base = ADDRESS_BASES[0]
        self.code: CodeMap = None  # type: ignore[assignment]  # set by build_events

    def layout(self, names: list[str]) -> None:
        """Give each scalar and array of ``names`` a slot of
        :data:`ADDRESS_STRIDE` bytes, and each array's elements consecutive
        addresses in its slot (``v[1]`` at ``v`` + the element's size)."""
        for i, name in enumerate(names):
            loc = self.test.location(name)
            slot = self.base + i * ADDRESS_STRIDE
            self.symbols[name] = slot
            step = loc.bits // 8
            if loc.length is not None and loc.length * step > ADDRESS_STRIDE:
                raise EncodingError(
                    f"array '{name}' is larger than {ADDRESS_STRIDE} bytes (limit)",
                    loc.pos or Pos(self.test.source))
            for k, cell in enumerate(loc.cells()):
                self.locations.append(cell)
                self.addresses[cell] = self.symbols[cell] = slot + k * step
                self.by_address[slot + k * step] = cell
                self.sizes[cell] = loc.bits

    def layout_code(self) -> None:
        """The code locations (:attr:`CodeMap.cells`): 32-bit cells at their
        labels' addresses, which loads from those addresses read."""
        for cell, (addr, _) in self.code.cells.items():
            self.locations.append(cell)
            self.addresses[cell] = addr
            self.by_address[addr] = cell
            self.sizes[cell] = INS_T.bits

    def location_at(self, bits: int) -> str | None:
        return self.by_address.get(bits)

    def cell_containing(self, bits: int) -> tuple[str, int] | None:
        """The cell whose bytes include address ``bits`` (not at its start), and
        the offset into it."""
        for cell, a in self.addresses.items():
            if a < bits < a + self.sizes[cell] // 8:
                return cell, bits - a
        return None

    def new_fork(self) -> int:
        self.forks += 1
        return self.forks

    def new_choice(self) -> int:
        self.choices += 1
        return self.choices

    def _tags(self, kind: EventKind, tags: Iterable[str], location: Location | None,
              device: bool | None) -> frozenset[str]:
        tagset = set(tags)
        tagset.add(kind)
        if kind != "F":
            tagset.add("M")
        if location is not None:
            tagset.update(n for n, types in self.mtype_sets.items() if location.mtype in types)
        if device is not None:
            tagset.add("DeviceAgent" if device else "CPU")
        return frozenset(tagset)

    def event(
        self,
        st: PathState | None,
        kind: EventKind,
        loc: str | None,
        tags: Iterable[str],
        value: Val | None,
        addr: Taint = NOTAINT,
        data: Taint = NOTAINT,
        intrinsic: Taint = NOTAINT,
        basic: Taint = NOTAINT,
    ) -> int:
        eid = len(self.events)
        if eid >= MAX_EVENTS:
            where = st.instr.pos if st is not None and st.instr is not None else None
            raise EncodingError(
                f"test has more than {MAX_EVENTS} events (limit){self._loop_hint()}; "
                "split it or remove branches", where or Pos(self.test.source),
            )
        location = self.test.location(loc) if loc is not None else None
        if kind == "R":
            value = ReadVal(eid)
        mtype = location.mtype if location else None
        endpoint = location.endpoint if location else None
        if st is None:
            ev = Event(
                eid=eid, kind=kind, thread=None, tindex=-1, seq=eid, loc=loc,
                tags=self._tags(kind, tags, location, None), value=value,
                mtype=mtype, endpoint=endpoint,
            )
        else:
            th = st.thread
            seq = self.seq.get(th.name, 0)
            self.seq[th.name] = seq + 1
            ev = Event(
                eid=eid, kind=kind, thread=th.name, tindex=th.index, seq=seq, loc=loc,
                tags=self._tags(kind, tags, location, th.device), guard=st.guard,
                path=st.path, value=value, instr=st.instr, mtype=mtype, endpoint=endpoint,
                device=th.device,
            )
        unknown = ev.tags - self.tag_universe - {"R", "W", "F", "M", "IW"}
        assert not unknown, f"tags {sorted(unknown)} are not declared by any architecture"
        self.events.append(ev)
        self.graph.add_node(eid, event=ev)
        if st is not None:
            # program order: every event before this one on the path
            prev = st.last
            if prev is not None:
                self.graph.add_edge(prev, eid, key="po")
                for a, _, k in list(self.graph.in_edges(prev, keys=True)):
                    if k == "po":
                        self.graph.add_edge(a, eid, key="po")
            st.last = eid
            g = self.graph
            for key, taint in (("addr", addr), ("data", data), ("ctrl", st.ctrl)):
                for r in taint.real:
                    g.add_edge(r, eid, key=key)
                for r in taint.pick:
                    g.add_edge(r, eid, key=f"pick-{key}")
            for r in intrinsic.pick:
                if self.events[r].instr is not st.instr:  # not within one instruction
                    g.add_edge(r, eid, key="pick-intr")
            for r in basic.pick:
                g.add_edge(r, eid, key="pick-basic")
        return eid

    def _loop_hint(self, th: Thread | None = None) -> str:
        """Why a limit may be reached: loops unrolled ``unroll`` times."""
        threads = [th] if th is not None else self.test.threads
        if not any(_has_loop(t) for t in threads):
            return ""
        n = self.unroll
        times = "time" if n == 1 else "times"
        return f" with loops unrolled {n} {times} (a smaller --unroll gives fewer)"

    def run_thread(self, th: Thread) -> list[Leaf]:
        leaves: list[Leaf] = []
        work = [PathState(self, th)]
        paths = 1
        while work:
            st = work.pop()
            while st.pc < len(st.code.code) and not (st.fault or st.cut or st.dead):
                self.tick()  # a time limit is looked at on every step of every path
                instr = st.code.code[st.pc]
                st.instr = instr
                st.next_pc = None
                st.counted = True
                st.steps += 1
                if st.steps > MAX_STEPS_PER_PATH:
                    raise EncodingError(
                        f"thread {th.name} runs more than {MAX_STEPS_PER_PATH} instructions on "
                        "one path (limit): a loop whose exit depends on no memory value "
                        "never ends", instr.pos)
                pinned = st.pin_addresses(instr)
                assert pinned, "pinning an address leaves at least the faulting path"
                if len(pinned) > 1:
                    paths = self._more(paths, len(pinned) - 1, th, instr)
                    work.extend(reversed(pinned[1:]))
                st = pinned[0]
                if st.fault:
                    break
                result = self.arch.execute(st, instr)
                nexts = [st] if result is None else [s for s in result if s is not None]
                assert nexts, f"{instr.op} left no path to continue"
                for s in nexts:
                    s.pinned = {}  # a loop may run this instruction again, on other values
                    if not s.cut:
                        s.pc = s.next_pc if s.next_pc is not None else s.pc + 1
                    s.next_pc = None
                st = nexts[0]  # type: ignore[assignment]
                if len(nexts) > 1:
                    paths = self._more(paths, len(nexts) - 1, th, instr)
                    # depth-first: finish this path, then the others in order
                    work.extend(reversed(nexts[1:]))  # type: ignore[arg-type]
            leaves.append(Leaf(guard=st.guard, regs=st.regs, fault=st.fault, cut=st.cut,
                               dead=st.dead))
        return leaves

    def _more(self, paths: int, extra: int, th: Thread, instr: Instr) -> int:
        paths += extra
        if paths > MAX_PATHS_PER_THREAD:
            raise EncodingError(
                f"thread {th.name} has more than {MAX_PATHS_PER_THREAD} paths (limit)"
                f"{self._loop_hint(th)}", instr.pos)
        return paths


def _assume(cond: BoolExpr, guard: tuple[BoolExpr, ...]) -> BoolExpr:
    """``cond`` with the free choices a path's guard decides replaced by their
    values (a store-exclusive's status, ``ite(choice, 0, 1)``, is 0 on the
    path where it succeeded)."""
    facts = {g.ident: TRUE for g in guard if isinstance(g, Choice)}
    facts.update((g.arg.ident, FALSE) for g in guard
                 if isinstance(g, BNot) and isinstance(g.arg, Choice))
    if not facts:
        return cond

    def b(c: BoolExpr) -> BoolExpr:
        if isinstance(c, Choice):
            return facts.get(c.ident, c)
        if isinstance(c, Cmp):
            return cmp(c.op, v(c.a), v(c.b))
        if isinstance(c, BAnd):
            return band(*(b(a) for a in c.args))
        if isinstance(c, BOr):
            return bor(*(b(a) for a in c.args))
        if isinstance(c, BNot):
            return bnot(b(c.arg))
        return c

    def v(x: Val) -> Val:
        if isinstance(x, App):
            return app(x.op, *(v(a) for a in x.args))
        if isinstance(x, Ite):
            return ite(b(x.cond), v(x.a), v(x.b))
        return x

    return b(cond)


def _has_loop(th: Thread) -> bool:
    """Whether a thread has a backward branch (a loop)."""
    for i, ins in enumerate(th.code):
        target = None
        for a in ins.args:
            if isinstance(a, Label):
                target = a
        if target is not None and th.labels.get(target.name, len(th.code)) <= i:
            return True
    return False


def _referenced_locations(test: Test, arch: Arch) -> list[str]:
    """The scalars and arrays of a test (an element named anywhere stands for
    its array), in order of declaration, then of first mention: in initial
    values, instructions (a label operand of an instruction that is not a
    branch, and not a label of its thread, names a location: ``ADR X0, x``),
    the condition and the observed locations."""
    names: dict[str, None] = dict.fromkeys(test.locations)

    def add(name: str) -> None:
        elem = split_element(name)
        names.setdefault(elem[0] if elem is not None else name, None)

    def visit(op: object) -> None:
        if isinstance(op, LocRef):
            add(op.name)
        elif isinstance(op, Addr):
            visit(op.base)
            visit(op.offset)
        elif isinstance(op, tuple):
            for v in op:
                visit(v)

    for th in test.threads:
        for v in th.init.values():
            visit(v)
        for ins in th.code:
            for a in ins.args:
                visit(a)
                if (isinstance(a, Label) and a.name not in th.labels
                        and arch.branch_target(ins) is None):
                    add(a.name)
    for loc in list(test.locations.values()):
        visit(loc.init)
    props = [test.condition.prop] + ([test.filter] if test.filter is not None else [])
    for p in props:
        for atom in prop_atoms(p):
            if isinstance(atom, MemAtom):
                add(atom.loc)
            visit(atom.value)
    for obs in test.extra_observed:
        if obs.loc is not None:
            add(obs.loc)
    return list(names)


def _constants(test: Test) -> set[int]:
    """Every integer a test writes (immediates, initial values, condition values),
    as 64-bit values."""
    out: set[int] = set()
    for th in test.threads:
        out.update(v for v in th.init.values() if isinstance(v, int))
        for ins in th.code:
            for a in ins.args:
                if isinstance(a, Imm):
                    out.add(a.value)
                elif isinstance(a, ShiftedImm):
                    out.add(a.value << a.amount)
                elif isinstance(a, Addr) and isinstance(a.offset, Imm):
                    out.add(a.offset.value)
    for loc in test.locations.values():
        inits = loc.init if isinstance(loc.init, tuple) else (loc.init,)
        out.update(v for v in inits if isinstance(v, int))
    for p in [test.condition.prop] + ([test.filter] if test.filter is not None else []):
        for a in prop_atoms(p):
            vals = a.value if isinstance(a.value, tuple) else (a.value,)
            out.update(v for v in vals if isinstance(v, int))
    return {v & ((1 << 64) - 1) for v in out}


def address_base(test: Test, n: int, consts: Collection[int] | None = None) -> int:
    """The address of a test's first location: the first of
    :data:`ADDRESS_BASES` such that no integer the test writes (``consts``, by
    default :func:`_constants`) falls among its ``n`` locations' addresses, in
    all 64 bits or in the low 32."""
    if consts is None:
        consts = _constants(test)
    base = _free_base(ADDRESS_BASES, max(n, 1) * ADDRESS_STRIDE, consts, ())
    if base is None:
        raise EncodingError("the test's constants cover every address range the tool uses "
                            "for locations", Pos(test.source))
    return base


def _free_base(bases: Iterable[int], span: int, consts: Collection[int],
               taken: Iterable[tuple[int, int]]) -> int | None:
    """The first of ``bases`` whose ``span`` bytes hold none of ``consts``, in all
    64 bits or in the low 32, and whose low 32 bits meet none of the ``taken``
    ranges (start, span) of the low 32 bits of other values."""
    low = {c & 0xFFFF_FFFF for c in consts}
    taken = list(taken)
    for base in bases:
        b32 = base & 0xFFFF_FFFF
        if any(base <= c < base + span for c in consts) or any(
                b32 <= c < b32 + span for c in low):
            continue
        if any(b32 < t + n and t < b32 + span for t, n in taken):
            continue
        return base
    return None


def _code_map(test: Test, arch: Arch, data_base: int, n: int,
              consts: Collection[int]) -> CodeMap:
    """The code addresses and instruction values of a test, in ranges of their
    own (see :func:`_free_base`) that hold none of ``consts``."""
    data = (data_base & 0xFFFF_FFFF, max(n, 1) * ADDRESS_STRIDE)
    code = _free_base(CODE_BASES, CODE_SPAN, consts, [data])
    instr = None if code is None else _free_base(
        INSTR_BASES, INSTR_SPAN, consts, [data, (code & 0xFFFF_FFFF, CODE_SPAN)])
    if code is None or instr is None:
        raise EncodingError("the test's constants cover every address range the tool uses "
                            "for code", Pos(test.source))
    return CodeMap(test, arch, code, instr)


def build_events(test: Test, arch: Arch, tag_universe: Collection[str] = (),
                 memory_type_sets: Mapping[str, Collection[str]] | None = None,
                 unroll: int = DEFAULT_UNROLL,
                 tick: Callable[[], None] | None = None) -> EventGraph:
    """The event graph of a lowered test (Linux accessors already expanded),
    executed by the semantics of ``arch``.

    ``tag_universe`` is every tag name models may use as a set (by default the
    tags ``arch`` declares); ``memory_type_sets`` maps memory-type set names to
    memory types (by default ``arch``'s); ``unroll`` how many times a backward
    jump is taken on a path (herd's ``-unroll``); ``tick`` is called at every
    step of every path (a deadline's check, which may raise
    :class:`~litmus.errors.Timeout`). Raises :class:`EncodingError` for a test
    over the limits or an instruction the architecture cannot run."""
    if memory_type_sets is None:
        memory_type_sets = arch.memory_type_sets
    universe = set(tag_universe) | set(arch.tags) | set(memory_type_sets) | {"CPU",
                                                                               "DeviceAgent"}
    b = _Builder(test, arch, universe, memory_type_sets, unroll, tick)
    locations: dict[str, Location] = {}
    init: dict[str, int] = {}
    names = _referenced_locations(test, arch)
    consts = _constants(test)
    b.base = address_base(test, len(names), consts)
    b.layout(names)
    b.code = _code_map(test, arch, b.base, len(names), consts)
    b.layout_code()
    for name in b.locations:
        cell = b.code.cells.get(name)
        if cell is not None:  # code: the instruction at a label
            locations[name] = Location(name, ctype=INS_T)
            init[name] = b.event(None, "W", name, ("IW",), value=Const(cell[1]))
            continue
        loc = test.location(name)
        locations[name] = loc
        assert not isinstance(loc.init, tuple)
        value = _init_value(loc.init, b.symbols, loc.bits, b.code)
        init[name] = b.event(None, "W", name, ("IW",), value=value)
    leaves = {th.name: b.run_thread(th) for th in test.threads}
    _check_sizes(b)
    return EventGraph(
        test=test, graph=b.graph, events=b.events, locations=locations, init=init,
        leaves=leaves, addresses=b.addresses, symbols=b.symbols, refusals=b.refusals,
        tag_universe=b.tag_universe,
        memory_type_tags=frozenset(memory_type_sets), choices=b.choices, unroll=unroll,
        code=b.code,
    )


def _no_tick() -> None:
    pass


def describe(eg: EventGraph) -> Mapping[int, str]:
    """A one-line description of every event (for ``litmus show``)."""
    out = {}
    hidden = {"R", "W", "M", "IW", "CPU", "DeviceAgent"} | eg.memory_type_tags
    for e in eg.events:
        who = "init" if e.thread is None else e.thread
        what = e.label()
        if e.kind == "W" and e.value is not None:
            what += f" := {eg.show(e.value, eg.test.ctype(loc=e.loc))}"
        tags = [] if e.kind == "F" else sorted(e.tags - hidden)
        extra = f" [{', '.join(tags)}]" if tags else ""
        guard = f" if {show_bool(band(*e.guard), eg.guard_name)}" if e.guard else ""
        src = f"  ({e.instr.pos.line}: {e.instr})" if e.instr is not None else ""
        out[e.eid] = f"e{e.eid} {who}: {what}{extra}{guard}{src}"
    return out
