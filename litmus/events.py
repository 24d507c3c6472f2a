"""Events: a lowered :class:`~litmus.program.Test` becomes an :class:`EventGraph`.

Each thread is executed symbolically along every path of its (forward-only)
control flow. A branch forks the path; the events after the fork exist only
when the path's condition holds (their *guard*). This is herd's semantics:
every candidate execution follows one path per thread, with the address,
data and control dependencies of that path.

The graph is a :class:`networkx.MultiDiGraph` whose nodes are event ids (the
node attribute ``event`` holds the :class:`Event`) and whose edges carry the
static relations as keys: ``po``, ``addr``, ``data``, ``ctrl``, ``rmw``.
Everything after this stage (encoding, explanations, pictures) reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import networkx as nx

from .errors import EncodingError, Pos
from .program import (
    Addr,
    Imm,
    Instr,
    Label,
    Location,
    LocRef,
    MemAtom,
    Reg,
    Shift,
    Test,
    Thread,
    prop_atoms,
)
from .symbolic import (
    FALSE,
    TRUE,
    ZERO,
    BoolExpr,
    Choice,
    Const,
    LocAddr,
    ReadVal,
    Val,
    band,
    binop,
    bnot,
    cmp,
)

#: Limits that keep a test within what the engine handles quickly.
MAX_EVENTS = 400
MAX_PATHS_PER_THREAD = 64

EventKind = Literal["R", "W", "F"]


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
        """The same reads, reached through a control edge: pick only."""
        return Taint(NODEPS, self.pick)


NOTAINT = Taint()


def taint_of(eid: int) -> Taint:
    s = frozenset((eid,))
    return Taint(s, s)


class SV(NamedTuple):
    """A symbolic register value with the reads it depends on."""

    val: Val
    taint: Taint = NOTAINT

    @property
    def deps(self) -> frozenset[int]:
        return self.taint.real


@dataclass(frozen=True)
class Event:
    """One event of a candidate execution.

    ``guard`` is the conjunction of conditions under which the event happens
    (empty: always). ``path`` identifies the event's path through its thread:
    two events of one thread can happen together only if one's path is a
    prefix of the other's. ``tags`` are the annotations models refer to by
    name (``A``, ``L``, ``X``, ``DMB.SY``, ``MFENCE``, ``IW``, ...).
    """

    eid: int
    kind: EventKind
    thread: str | None
    tindex: int
    seq: int
    loc: str | None
    tags: frozenset[str]
    guard: tuple[BoolExpr, ...] = ()
    path: tuple[tuple[int, bool], ...] = ()
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
        """A short herd-like name: ``a: W[x]=1`` style is done by the reporters."""
        if self.kind == "F":
            named = sorted(t for t in self.tags if t not in ("F", "DMB", "DSB"))
            return "+".join(named) or "F"
        return f"{self.kind}{self.loc}"


@dataclass
class Leaf:
    """The end of one path through a thread: its guard and final registers."""

    guard: tuple[BoolExpr, ...]
    regs: dict[str, SV]


@dataclass
class EventGraph:
    """The events of a test and its static relations (po, addr, data, ctrl, rmw)."""

    test: Test
    graph: nx.MultiDiGraph
    events: list[Event]
    locations: dict[str, Location]
    init: dict[str, int]  # location -> eid of its initial write
    leaves: dict[str, list[Leaf]]  # thread -> its paths' ends
    choices: int = 0
    _pairs: dict[str, frozenset[tuple[int, int]]] = field(default_factory=dict)

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

    def final_register(self, thread: str, reg: Reg) -> list[tuple[tuple[BoolExpr, ...], Val]]:
        """The final value of a register on each path of its thread."""
        out = []
        th = self.test.thread(thread)
        for leaf in self.leaves[thread]:
            sv = leaf.regs.get(reg.name)
            val = sv.val if sv is not None else _init_reg(th, reg)
            out.append((leaf.guard, val))
        return out


def _init_value(v: int | LocRef) -> Val:
    return LocAddr(v.name) if isinstance(v, LocRef) else Const(v)


def _init_reg(th: Thread, reg: Reg) -> Val:
    v = th.init.get(reg)
    if v is None:
        return ZERO
    return _mask(_init_value(v), reg)


def _mask(v: Val, reg: Reg) -> Val:
    if reg.width == 32 and isinstance(v, Const):
        return Const(v.value & 0xFFFFFFFF)
    return v


# --------------------------------------------------------------------------- the builder


class PathState:
    """The state of one path through a thread; what ISA semantics operate on.

    ISA handlers (:mod:`litmus.isa`) read and write registers, create events
    and split the path; they never touch the graph directly.
    """

    def __init__(self, builder: _Builder, thread: Thread) -> None:
        self.b = builder
        self.thread = thread
        self.pc = 0
        self.next_pc: int | None = None
        self.regs: dict[str, SV] = {}
        self.flags: tuple[Val, Val, Taint] | None = None
        self.guard: tuple[BoolExpr, ...] = ()
        self.path: tuple[tuple[int, bool], ...] = ()
        self.ctrl: Taint = NOTAINT  # reads the branches so far depend on
        self.excl: tuple[int, str] | None = None  # (eid, loc) of the open exclusive load
        self.last: int | None = None  # last event on this path (po predecessor)
        self.last_write: dict[str, int] = {}  # location -> last write on this path
        self.pinned: dict[tuple[int, Addr], str] = {}  # computed addresses, per path
        self.instr: Instr | None = None

    def clone(self) -> PathState:
        c = PathState.__new__(PathState)
        c.__dict__.update(self.__dict__)
        c.regs = dict(self.regs)
        c.last_write = dict(self.last_write)
        c.pinned = dict(self.pinned)
        return c

    def pin_addresses(self, instr: Instr) -> list[PathState]:
        """Split the path on each address computed from loaded values: one path
        per location of the test it may designate (herd enumerates them too).
        Values that designate no location leave no path."""
        states = [self]
        for a in instr.args:
            if not isinstance(a, Addr):
                continue
            out = []
            for st in states:
                if (st.pc, a) in st.pinned:
                    out.append(st)
                    continue
                base = st.operand(a.base).val
                val = base if a.offset is None else binop("add", base, st.operand(a.offset).val)
                if isinstance(val, (LocAddr, Const)):
                    out.append(st)
                    continue
                fork = self.b.new_fork()
                for i, loc in enumerate(self.b.locations):
                    c = cmp("eq", val, LocAddr(loc))
                    if c == FALSE:
                        continue
                    s = st.clone()
                    if c != TRUE:
                        s.guard = st.guard + (c,)
                        s.path = st.path + ((fork, i),)
                    s.pinned[(st.pc, a)] = loc
                    out.append(s)
            states = out
        return states

    # -- registers
    def error(self, message: str) -> EncodingError:
        pos = self.instr.pos if self.instr is not None else self.thread.pos
        return EncodingError(message, pos)

    def get(self, reg: Reg) -> SV:
        if reg.is_zero:
            return SV(ZERO)
        sv = self.regs.get(reg.name)
        if sv is None:
            sv = SV(_init_reg(self.thread, reg))
        elif reg.width == 32:
            sv = SV(_mask(sv.val, reg), sv.taint)
        return sv

    def set(self, reg: Reg, sv: SV) -> None:
        if reg.is_zero:
            return
        self.regs[reg.name] = SV(_mask(sv.val, reg), sv.taint)

    def operand(self, op: object) -> SV:
        """The value of a register, immediate, location or shifted register."""
        if isinstance(op, Reg):
            return self.get(op)
        if isinstance(op, Imm):
            return SV(Const(op.value))
        if isinstance(op, LocRef):
            return SV(LocAddr(op.name))
        if isinstance(op, Shift):
            sv = self.get(op.reg)
            return SV(_shift(sv.val, op), sv.taint)
        raise self.error(f"unexpected operand '{op}'")

    # -- memory
    def address(self, addr: Addr) -> tuple[str, Taint]:
        """The location an address operand designates, and what the address depends on."""
        base = self.operand(addr.base)
        deps = base.taint
        val = base.val
        if addr.offset is not None:
            off = self.operand(addr.offset)
            deps = deps | off.taint
            val = binop("add", val, off.val)
        if not isinstance(val, (LocAddr, Const)):
            pinned = self.pinned.get((self.pc, addr))
            if pinned is not None:
                return pinned, deps
        if isinstance(val, LocAddr) and val.offset == 0:
            return val.loc, deps
        if isinstance(val, LocAddr):
            raise self.error(
                f"address {val.loc}+{val.offset} is not a location of the test "
                "(offsets into locations are not supported)"
            )
        if isinstance(val, Const):
            raise self.error(f"address {val.value:#x} is not a location of the test")
        raise self.error(
            "address depends on a value loaded from memory; pointers loaded at run time "
            "are not supported yet"
        )

    def read(self, loc: str, tags: Iterable[str], addr: Taint = NOTAINT) -> tuple[int, SV]:
        """A read event; returns it and the value it loads.

        The loaded value depends on the read, on its address, and on what the
        last write to the same location on this path depended on (herd's
        ``lrs``: a store forwarded to a later load in program order)."""
        eid = self.b.event(self, "R", loc, tags, value=None, addr=addr)
        taint = taint_of(eid) | addr
        w = self.last_write.get(loc)
        if w is not None:
            taint = taint | self.b.flow[w]
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
    ) -> int:
        """A write event of ``value``. ``data`` overrides the value's own
        dependencies (an atomic's write does not data-depend on its own read);
        ``intrinsic`` are pick dependencies through the instruction's internal
        control (a CAS's comparison); ``flow`` is extra data flow into the write
        that later loads forwarded from it inherit (an LDADD's read)."""
        d = value.taint if data is None else data
        eid = self.b.event(self, "W", loc, tags, value=value.val, addr=addr, data=d,
                           intrinsic=intrinsic)
        self.b.flow[eid] = addr | d | intrinsic.as_pick() | flow
        self.last_write[loc] = eid
        return eid

    def fence(self, tags: Iterable[str]) -> int:
        return self.b.event(self, "F", None, tags, value=None)

    def rmw(self, read: int, write: int, kind: str) -> None:
        self.b.graph.add_edge(read, write, key="rmw", kind=kind)

    # -- control flow
    def goto(self, label: Label) -> None:
        target = self.thread.labels.get(label.name)
        if target is None:
            raise self.error(f"unknown label '{label.name}'")
        if target <= self.pc:
            raise self.error(f"backward branch to '{label.name}' (loops are not supported)")
        self.next_pc = target

    def split(
        self, cond: BoolExpr, ctrl_deps: Taint | None = None
    ) -> tuple[PathState | None, PathState | None]:
        """Fork into the path where ``cond`` holds and the one where it does not.

        With ``ctrl_deps`` the fork is a conditional branch: every later event
        on both paths is control-dependent on those reads. A side whose
        condition is statically false is returned as None.
        """
        if cond == TRUE or cond == FALSE:
            s = self.clone()
            if ctrl_deps is not None:
                s.ctrl = self.ctrl | ctrl_deps
            return (s, None) if cond == TRUE else (None, s)
        fork = self.b.new_fork()
        out: list[PathState] = []
        for taken, c in ((True, cond), (False, bnot(cond))):
            s = self.clone()
            s.guard = self.guard + (c,)
            s.path = self.path + ((fork, taken),)
            if ctrl_deps is not None:
                s.ctrl = self.ctrl | ctrl_deps
            out.append(s)
        return out[0], out[1]

    def choice(self) -> BoolExpr:
        """A fresh free boolean (a store-exclusive's success, say)."""
        return Choice(self.b.new_choice())


def _shift(v: Val, sh: Shift) -> Val:
    op = sh.op.upper()
    if op in ("LSL",) and sh.amount:
        return binop("mul", v, Const(1 << sh.amount))
    if op in ("SXTW", "UXTW", "SXTX", "UXTX", "LSL") and not sh.amount:
        return v
    if op in ("SXTW", "UXTW", "SXTX", "UXTX"):
        return binop("mul", v, Const(1 << sh.amount))
    if isinstance(v, Const):
        if op == "LSR":
            return Const((v.value & ((1 << 64) - 1)) >> sh.amount)
        if op == "ASR":
            return Const(v.value >> sh.amount)
    raise EncodingError(f"unsupported shift '{sh}' of a symbolic value")


class _Builder:
    def __init__(self, test: Test) -> None:
        self.test = test
        self.graph = nx.MultiDiGraph()
        self.events: list[Event] = []
        self.forks = 0
        self.choices = 0
        self.seq: dict[str, int] = {}
        self.flow: dict[int, Taint] = {}  # write -> what flows into it (for lrs)
        self.locations: list[str] = []

    def new_fork(self) -> int:
        self.forks += 1
        return self.forks

    def new_choice(self) -> int:
        self.choices += 1
        return self.choices

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
    ) -> int:
        eid = len(self.events)
        if eid >= MAX_EVENTS:
            where = st.instr.pos if st is not None and st.instr is not None else None
            raise EncodingError(
                f"test has more than {MAX_EVENTS} events (limit); split it or remove branches",
                where or Pos(self.test.source),
            )
        tagset = set(tags)
        tagset.add(kind)
        if kind != "F":
            tagset.add("M")
        location = self.test.location(loc) if loc is not None else None
        if kind == "R":
            value = ReadVal(eid)
        if st is None:
            ev = Event(
                eid=eid, kind=kind, thread=None, tindex=-1, seq=eid, loc=loc,
                tags=frozenset(tagset), value=value,
                mtype=location.mtype if location else None,
                endpoint=location.endpoint if location else None,
            )
        else:
            th = st.thread
            seq = self.seq.get(th.name, 0)
            self.seq[th.name] = seq + 1
            ev = Event(
                eid=eid, kind=kind, thread=th.name, tindex=th.index, seq=seq, loc=loc,
                tags=frozenset(tagset), guard=st.guard, path=st.path, value=value,
                instr=st.instr,
                mtype=location.mtype if location else None,
                endpoint=location.endpoint if location else None,
                device=th.device,
            )
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
        return eid

    def run_thread(self, th: Thread) -> list[Leaf]:
        from .isa import semantics

        sem = semantics(self.test.arch)
        leaves: list[Leaf] = []
        start = PathState(self, th)
        work = [start]
        paths = 1
        while work:
            st = work.pop()
            while st.pc < len(th.code):
                instr = th.code[st.pc]
                st.instr = instr
                st.next_pc = None
                pinned = st.pin_addresses(instr)
                if not pinned:
                    break
                if len(pinned) > 1:
                    paths += len(pinned) - 1
                    work.extend(reversed(pinned[1:]))
                st = pinned[0]
                result = sem.execute(st, instr)
                nexts = [st] if result is None else [s for s in result if s is not None]
                for s in nexts:
                    s.pc = s.next_pc if s.next_pc is not None else s.pc + 1
                    s.next_pc = None
                if not nexts:
                    break
                st = nexts[0]
                if len(nexts) > 1:
                    paths += len(nexts) - 1
                    if paths > MAX_PATHS_PER_THREAD:
                        raise EncodingError(
                            f"thread {th.name} has more than {MAX_PATHS_PER_THREAD} paths "
                            "(limit)", instr.pos
                        )
                    # depth-first: finish this path, then the others in order
                    work.extend(reversed(nexts[1:]))
            else:
                leaves.append(Leaf(guard=st.guard, regs=st.regs))
        return leaves


def _referenced_locations(test: Test) -> list[str]:
    names: dict[str, None] = dict.fromkeys(test.locations)

    def visit(op: object) -> None:
        if isinstance(op, LocRef):
            names.setdefault(op.name, None)
        elif isinstance(op, Addr):
            visit(op.base)
            visit(op.offset)

    for th in test.threads:
        for v in th.init.values():
            visit(v)
        for ins in th.code:
            for a in ins.args:
                visit(a)
    for loc in list(test.locations.values()):
        visit(loc.init)
    props = [test.condition.prop] + ([test.filter] if test.filter is not None else [])
    for p in props:
        for atom in prop_atoms(p):
            if isinstance(atom, MemAtom):
                names.setdefault(atom.loc, None)
            visit(atom.value)
    return list(names)


def build_events(test: Test) -> EventGraph:
    """The event graph of a lowered test (Linux accessors already expanded)."""
    b = _Builder(test)
    locations: dict[str, Location] = {}
    init: dict[str, int] = {}
    b.locations = _referenced_locations(test)
    for name in b.locations:
        loc = test.location(name)
        locations[name] = loc
        init[name] = b.event(None, "W", name, ("IW",), value=_init_value(loc.init))
    leaves = {th.name: b.run_thread(th) for th in test.threads}
    return EventGraph(
        test=test, graph=b.graph, events=b.events, locations=locations, init=init,
        leaves=leaves, choices=b.choices,
    )


def describe(eg: EventGraph) -> Mapping[int, str]:
    """A one-line description of every event (for ``litmus show``)."""
    from .symbolic import show_bool, show_val

    out = {}
    for e in eg.events:
        who = "init" if e.thread is None else e.thread
        what = e.label()
        if e.kind == "W" and e.value is not None:
            what += f" := {show_val(e.value)}"
        tags = [] if e.kind == "F" else sorted(e.tags - {"R", "W", "M", "IW"})
        extra = f" [{', '.join(tags)}]" if tags else ""
        guard = f" if {show_bool(band(*e.guard))}" if e.guard else ""
        src = f"  ({e.instr.pos.line}: {e.instr})" if e.instr is not None else ""
        out[e.eid] = f"e{e.eid} {who}: {what}{extra}{guard}{src}"
    return out
