"""Lowering: Linux accessors become each architecture's own instructions.

The kernel's I/O accessors (``readl``, ``writew_relaxed``, ``ioread32``,
``__raw_writeq``, ...), barriers (``dma_wmb``, ``smp_mb``, ``mmiowb``,
``smp_mb__before_atomic``, ...), atomics (``atomic_add_return_acquire``,
``xchg``, ``cmpxchg_relaxed``, ...), ``spin_lock`` and the polling loop
``readl_poll`` are replaced by the sequences Linux uses on arm64 (with the
LSE atomics) and on x86-64, so models only ever see architecture
instructions. The sequences, and where they come from:

* arm64 ``asm/io.h``: ``__raw_read{b,w,l,q}`` is one ``LDR{B,H}``/``LDR``,
  ``__raw_write*`` one ``STR{B,H}``/``STR``; ``read*_relaxed``/
  ``write*_relaxed`` are the raw accessors; ``read*`` adds ``__io_ar()``
  (``dma_rmb()``, ``DMB OSHLD``) after the load, ``write*`` adds
  ``__io_bw()`` (``dma_wmb()``, ``DMB OSHST``) before the store; ``ioreadN``/
  ``iowriteN`` are ``readX``/``writeX`` (``asm-generic/io.h``). x86
  ``asm/io.h``: every one of them is one ``MOV``.
* arm64 ``asm/barrier.h``: ``mb``/``rmb``/``wmb`` are ``DSB SY/LD/ST``,
  ``dma_mb``/``dma_rmb``/``dma_wmb`` ``DMB OSH/OSHLD/OSHST``, ``smp_*``
  ``DMB ISH/ISHLD/ISHST``; ``smp_mb__before_atomic``/``__after_atomic`` are
  ``smp_mb()`` (``asm-generic/barrier.h``). x86: ``mb``/``rmb``/``wmb`` are
  ``MFENCE``/``LFENCE``/``SFENCE``, ``dma_mb`` is ``mb()``, ``dma_rmb``/
  ``dma_wmb``/``smp_rmb``/``smp_wmb`` and ``smp_mb__before/after_atomic``
  compiler barriers only. ``mmiowb`` is a no-op on both (no
  ``CONFIG_MMIOWB``).
* arm64 ``asm/atomic_lse.h``/``asm/cmpxchg.h``: ``atomic_add``/``inc``/``dec``
  are ``STADD``; ``atomic_*_return{,_relaxed,_acquire,_release}`` are
  ``LDADD{AL,,A,L}`` then an ``ADD`` of the operand to the old value;
  ``xchg*`` is ``SWP{AL,,A,L}``, ``cmpxchg*`` ``CAS{AL,,A,L}`` (the fully
  ordered forms are the ``AL`` instructions, with no extra barrier).
  x86 ``asm/atomic.h``/``asm/cmpxchg.h``: ``LOCK ADD``/``INC``/``DEC``,
  ``LOCK XADD`` then ``ADD`` for ``_return`` (every ordering variant is the
  fully ordered one), ``XCHG``, ``LOCK CMPXCHG``. ``atomic_read``/
  ``atomic_set`` are plain loads and stores. ``atomic_t`` is 32 bits.

``spin_lock`` is an acquisition that succeeded: executions in which it would
have had to spin are filtered out, as herd's ``filter`` does.
``readl_poll Rt, [ADDR], #MASK`` is Linux's ``readl_poll_timeout()`` without
the timeout: a loop of ``readl`` until ``Rt & MASK != 0`` (without a mask,
until ``Rt != 0``); ``readl_relaxed_poll`` polls with ``readl_relaxed``. The
loop is unrolled like any other (see :mod:`litmus.events`).

Accesses have the accessor's width (``writew`` is 16 bits, ``readq`` 64):
the register is used at that width (``readl r0`` is ``LDR W0``), an
immediate is cut to it. 8- and 16-bit accesses need ``LDRB``/``STRH``...
from the architecture; where it has none they are refused with one message.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import isa
from .errors import EncodingError, ParseError
from .program import Addr, Imm, Instr, Label, PAnd, Prop, Reg, RegAtom, Sym, Test, Thread

# --------------------------------------------------------------------------- the table

#: access widths by suffix: readb/readw/readl/readq, ioread8/16/32/64
_WIDTHS = {"b": 8, "w": 16, "l": 32, "q": 64}
_IO_WIDTHS = {"8": 8, "16": 16, "32": 32, "64": 64}


@dataclass(frozen=True)
class IOAccess:
    """An I/O accessor: a read or a write of ``width`` bits, with Linux's I/O
    barrier (``DMB OSHLD`` after a read, ``DMB OSHST`` before a write, on
    arm64) when ``ordered``."""

    kind: str  # "read" or "write"
    width: int
    ordered: bool


IO_ACCESSORS: dict[str, IOAccess] = {}
for _sfx, _w in _WIDTHS.items():
    IO_ACCESSORS[f"read{_sfx}"] = IOAccess("read", _w, True)
    IO_ACCESSORS[f"read{_sfx}_relaxed"] = IOAccess("read", _w, False)
    IO_ACCESSORS[f"__raw_read{_sfx}"] = IOAccess("read", _w, False)
    IO_ACCESSORS[f"write{_sfx}"] = IOAccess("write", _w, True)
    IO_ACCESSORS[f"write{_sfx}_relaxed"] = IOAccess("write", _w, False)
    IO_ACCESSORS[f"__raw_write{_sfx}"] = IOAccess("write", _w, False)
for _sfx, _w in _IO_WIDTHS.items():
    IO_ACCESSORS[f"ioread{_sfx}"] = IOAccess("read", _w, True)
    IO_ACCESSORS[f"iowrite{_sfx}"] = IOAccess("write", _w, True)

#: barrier -> (arm64 fences, x86 fences, what an empty x86 lowering is)
FENCES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "wmb": (("DSB ST",), ("SFENCE",)),
    "rmb": (("DSB LD",), ("LFENCE",)),
    "mb": (("DSB SY",), ("MFENCE",)),
    "dma_wmb": (("DMB OSHST",), ()),
    "dma_rmb": (("DMB OSHLD",), ()),
    "dma_mb": (("DMB OSH",), ("MFENCE",)),
    "smp_wmb": (("DMB ISHST",), ()),
    "smp_rmb": (("DMB ISHLD",), ()),
    "smp_mb": (("DMB ISH",), ("MFENCE",)),
    "smp_mb__before_atomic": (("DMB ISH",), ()),
    "smp_mb__after_atomic": (("DMB ISH",), ()),
    "mmiowb": ((), ()),
}

#: What an accessor that lowers to nothing is, for `litmus show`.
EMPTY_NOTE = {
    "dma_wmb": "compiler barrier only", "dma_rmb": "compiler barrier only",
    "smp_wmb": "no instruction (TSO keeps stores in order)",
    "smp_rmb": "no instruction (TSO keeps loads in order)",
    "smp_mb__before_atomic": "compiler barrier only (locked instructions are full barriers)",
    "smp_mb__after_atomic": "compiler barrier only (locked instructions are full barriers)",
    "mmiowb": "no instruction (a no-op on arm64 and x86)",
}

#: ordering suffix -> the arm64 LSE instruction suffix (Linux: the fully
#: ordered form is the AL instruction)
ORDERINGS = {"": "AL", "_relaxed": "", "_acquire": "A", "_release": "L"}

#: atomic accessors: name -> (operation, ordering suffix)
ATOMICS: dict[str, tuple[str, str]] = {
    "atomic_read": ("read", ""), "atomic_set": ("set", ""),
    "atomic_add": ("add", ""), "atomic_inc": ("inc", ""), "atomic_dec": ("dec", ""),
}
for _o in ORDERINGS:
    for _op in ("add", "inc", "dec"):
        ATOMICS[f"atomic_{_op}_return{_o}"] = (f"{_op}_return", _o)
    ATOMICS[f"xchg{_o}"] = ("xchg", _o)
    ATOMICS[f"cmpxchg{_o}"] = ("cmpxchg", _o)

#: the other accessors: (arm64 access, x86 access) or a special sequence
OTHERS = ("smp_store_release", "smp_load_acquire", "spin_lock", "spin_unlock",
          "readl_poll", "readl_relaxed_poll")

#: Every Linux accessor (the mini-language's pseudo-instructions).
ACCESSORS = frozenset(IO_ACCESSORS) | frozenset(FENCES) | frozenset(ATOMICS) | frozenset(OTHERS)


@dataclass(frozen=True)
class Lowered:
    """One source instruction and what it became; ``labels`` are the labels
    the lowering put before some of its instructions (index, name)."""

    source: Instr
    result: tuple[Instr, ...]
    note: str = ""
    labels: tuple[tuple[int, str], ...] = field(default=())


# --------------------------------------------------------------------------- text


def _reg_text(r: Reg, arch: str) -> str:
    """A register as the architecture writes it at its width (``W0``, ``EAX``)."""
    if r.name.startswith("%"):
        return r.name
    if arch == "aarch64":
        if r.is_zero:
            return "WZR" if r.width <= 32 else "XZR"
        return ("W" if r.width <= 32 else "X") + r.name[1:]
    if r.width == 32:
        return r.name + "D" if r.name[1:].isdigit() else "E" + r.name[1:]
    return r.name


def _imm_text(value: int, arch: str) -> str:
    return f"{'$' if arch == 'x86' else '#'}{value}"


def _op_text(op: object, arch: str) -> str:
    if isinstance(op, Reg):
        return _reg_text(op, arch)
    if isinstance(op, Imm):
        return _imm_text(op.value, arch)
    return str(op)


def _addr_text(ins: Instr) -> str:
    """The memory operand as written in the source (``[status]``)."""
    text = ins.text
    i = text.rfind("[")
    j = text.find("]", i)
    return text[i:j + 1] if 0 <= i < j else str(next(a for a in ins.args if isinstance(a, Addr)))


class _Emit:
    """Builds the instructions of one accessor's lowering."""

    def __init__(self, ins: Instr, arch: str, counter: list[int]) -> None:
        self.ins = ins
        self.arch = arch
        self.counter = counter
        self.out: list[Instr] = []
        self.labels: list[tuple[int, str]] = []
        self.addr = next(a for a in ins.args if isinstance(a, Addr)) if any(
            isinstance(a, Addr) for a in ins.args) else None
        self.addr_text = _addr_text(ins) if self.addr is not None else ""

    def temp(self, kind: str, width: int) -> Reg:
        self.counter[0] += 1
        return Reg(f"%{kind}{self.counter[0]}", width)

    def emit(self, op: str, args: tuple, text: str | None = None) -> None:
        if text is None:
            parts = [self.addr_text if isinstance(a, Addr) else _op_text(a, self.arch)
                     for a in args]
            text = op + (" " + ", ".join(parts) if parts else "")
        self.out.append(Instr(op, args, self.ins.pos, text, origin=self.ins))

    def label(self, name: str) -> Label:
        self.labels.append((len(self.out), name))
        return Label(name)

    def fence(self, template: str) -> None:
        if self.arch == "x86":
            self.emit(template, ())
        else:
            op, opt = template.split()
            self.emit(op, (Sym(opt),), template)

    def value(self, src: object, width: int, cut: bool = False) -> Reg | Imm:
        """``src`` at ``width`` bits: a register narrowed or widened; an
        immediate as is, or (``cut``: the value a store writes) cut to the width."""
        if isinstance(src, Reg):
            return Reg(src.name, width)
        assert isinstance(src, Imm)
        return Imm(src.value & ((1 << width) - 1)) if cut and width < 64 else src

    def in_reg(self, src: object, width: int, kind: str = "t") -> Reg:
        """``src`` in a register: a register as is (at ``width``), an
        immediate moved into a fresh temporary first."""
        v = self.value(src, width)
        if isinstance(v, Reg):
            return v
        t = self.temp(kind, width)
        self.emit("MOV", (t, v))
        return t


def _need(op: str, arch: str, ins: Instr, width: int) -> None:
    """Refuse an access the architecture cannot express here (8/16 bits)."""
    if arch == "x86" and width < 32:
        raise EncodingError(f"not supported: '{ins.op}' is a {width}-bit access, and x86 "
                            "accesses narrower than 32 bits are not supported yet", ins.pos)
    assert op in isa.get(arch).instructions, op  # every arm64 width has its instruction


# --------------------------------------------------------------------------- accessors


_ARM_LOAD = {8: "LDRB", 16: "LDRH", 32: "LDR", 64: "LDR"}
_ARM_STORE = {8: "STRB", 16: "STRH", 32: "STR", 64: "STR"}


def _io(e: _Emit, spec: IOAccess) -> None:
    ins, arch, w = e.ins, e.arch, spec.width
    if spec.kind == "read":
        dst, addr = ins.args
        assert isinstance(dst, Reg)
        reg = Reg(dst.name, max(w, 32))  # a narrow load writes a W register
        op = _ARM_LOAD[w] if arch == "aarch64" else "MOV"
        _need(op, arch, ins, w)
        e.emit(op, (reg, addr))
        if spec.ordered and arch == "aarch64":
            e.fence("DMB OSHLD")
        return
    src, addr = ins.args
    v = e.value(src, max(w, 32) if isinstance(src, Reg) else w, cut=True)
    if arch == "aarch64":
        op = _ARM_STORE[w]
        _need(op, arch, ins, w)
        if spec.ordered:
            e.fence("DMB OSHST")
        e.emit(op, (v, addr))
    else:
        _need("MOV", arch, ins, w)
        e.emit("MOV", (addr, v))


def _barrier(e: _Emit) -> None:
    arm, x86 = FENCES[e.ins.op]
    for template in arm if e.arch == "aarch64" else x86:
        e.fence(template)


def _atomic(e: _Emit, op: str, order: str) -> None:
    ins, arch = e.ins, e.arch
    x86 = arch == "x86"
    args = ins.args
    addr = args[-1]
    if op == "read":
        (dst, _) = args
        e.emit("LDR" if not x86 else "MOV", (Reg(dst.name, 32), addr))  # type: ignore[union-attr]
        return
    if op == "set":
        v = e.value(args[0], 32, cut=True)
        if x86:
            e.emit("MOV", (addr, v))
        else:
            e.emit("STR", (v, addr))
        return
    if op in ("add", "inc", "dec"):
        src = args[0] if op == "add" else Imm(1 if op == "inc" else -1)
        if x86:
            v = e.value(src, 32)
            if op != "add":
                word = "INC" if op == "inc" else "DEC"
                e.emit(f"LOCK {word}", (addr, Sym("DWORD")),
                       f"LOCK {word} DWORD PTR {e.addr_text}")
            elif isinstance(v, Imm):
                e.emit("LOCK ADD", (addr, v, Sym("DWORD")),
                       f"LOCK ADD DWORD PTR {e.addr_text}, {_imm_text(v.value, arch)}")
            else:
                e.emit("LOCK ADD", (addr, v))
        else:
            e.emit("STADD", (e.in_reg(src, 32), addr))
        return
    if op.endswith("_return"):
        base = op[: -len("_return")]
        dst = args[0]
        assert isinstance(dst, Reg)
        src = args[1] if base == "add" else Imm(1 if base == "inc" else -1)
        d = Reg(dst.name, 32)
        if x86:
            v = e.value(src, 32)
            t = e.temp("t", 32)
            e.emit("MOV", (t, v))
            e.emit("LOCK XADD", (addr, t))
            e.emit("ADD", (t, v))
            e.emit("MOV", (d, t))
        else:
            v = e.in_reg(src, 32)
            old = e.temp("old", 32)
            e.emit("LDADD" + ORDERINGS[order], (v, old, addr))
            e.emit("ADD", (d, old, v))
        return
    dst = args[0]
    assert isinstance(dst, Reg)
    w = dst.width
    if op == "xchg":
        if x86:
            t = e.temp("t", w)
            e.emit("MOV", (t, e.value(args[1], w)))
            e.emit("XCHG", (addr, t))
            e.emit("MOV", (dst, t))
        else:
            e.emit("SWP" + ORDERINGS[order], (e.in_reg(args[1], w), dst, addr))
        return
    assert op == "cmpxchg"
    c = e.temp("cmp", w)
    e.emit("MOV", (c, e.value(args[1], w)))
    new = e.in_reg(args[2], w, "new")
    if x86:
        e.emit("LOCK CMPXCHG", (addr, new, c),
               f"LOCK CMPXCHG {e.addr_text}, {_op_text(new, arch)} ({c} as EAX)")
    else:
        e.emit("CAS" + ORDERINGS[order], (c, new, addr))
    e.emit("MOV", (dst, c))


def _poll(e: _Emit) -> None:
    """``readl_poll Rt, [ADDR][, #MASK]``: read until ``Rt & MASK != 0`` (or
    ``Rt != 0``), with ``readl`` (``readl_relaxed_poll``: ``readl_relaxed``)."""
    ins, arch = e.ins, e.arch
    dst, addr = ins.args[0], ins.args[1]
    assert isinstance(dst, Reg)
    mask = ins.args[2] if len(ins.args) > 2 else None
    d = Reg(dst.name, 32)
    e.counter[0] += 1
    top = e.label(f"%poll{e.counter[0]}")
    if arch == "aarch64":
        e.emit("LDR", (d, addr))
        if ins.op == "readl_poll":
            e.fence("DMB OSHLD")
        if mask is None:
            e.emit("CBZ", (d, top))
        else:
            assert isinstance(mask, Imm)
            e.emit("TST", (d, Imm(mask.value & 0xFFFF_FFFF)))
            e.emit("B.EQ", (top,))
    else:
        e.emit("MOV", (d, addr))
        if mask is None:
            e.emit("TEST", (d, d))
        else:
            assert isinstance(mask, Imm)
            e.emit("TEST", (d, Imm(mask.value & 0xFFFF_FFFF)))
        e.emit("JE", (top,))


def _plain(e: _Emit) -> None:
    """smp_store_release, smp_load_acquire, spin_unlock."""
    ins, arch = e.ins, e.arch
    if ins.op == "spin_unlock":
        (addr,) = ins.args
        if arch == "x86":
            e.emit("MOV", (addr, Imm(0)))
        else:
            e.emit("STLR", (Imm(0), addr))
        return
    if ins.op == "smp_load_acquire":
        dst, addr = ins.args
        e.emit("MOV" if arch == "x86" else "LDAR", (dst, addr))
        return
    src, addr = ins.args
    if arch == "x86":
        e.emit("MOV", (addr, src))
    else:
        e.emit("STLR", (src, addr))


def _spin_lock(e: _Emit, thread: Thread) -> Prop:
    (addr,) = e.ins.args
    assert isinstance(addr, Addr)
    r = e.temp("lock", 32)
    if e.arch == "x86":
        e.emit("MOV", (r, Imm(1)))
        e.emit("LOCK CMPXCHG", (addr, r, Imm(0)),
               f"LOCK CMPXCHG {e.addr_text}, {r}   ; expects 0, old value into {r}")
    else:
        e.emit("MOV", (r, Imm(1)))
        e.emit("SWPA", (r, r, addr))
    return RegAtom(thread=thread.name, reg=r, value=0, key=f"{thread.name}:{r.name}",
                   pos=e.ins.pos)


def lower_instr(ins: Instr, arch: str, counter: list[int], thread: Thread
                ) -> tuple[Lowered, list[Prop]]:
    """What one accessor becomes on ``arch``, and the filter atoms it adds."""
    e = _Emit(ins, arch, counter)
    filters: list[Prop] = []
    op = ins.op
    if op in IO_ACCESSORS:
        _io(e, IO_ACCESSORS[op])
    elif op in FENCES:
        _barrier(e)
    elif op in ATOMICS:
        _atomic(e, *ATOMICS[op])
    elif op in ("readl_poll", "readl_relaxed_poll"):
        _poll(e)
    elif op == "spin_lock":
        filters.append(_spin_lock(e, thread))
    else:
        _plain(e)
    note = "" if e.out else EMPTY_NOTE.get(op, "no instruction")
    return Lowered(ins, tuple(e.out), note, tuple(e.labels)), filters


def lower_thread(thread: Thread, arch: str, counter: list[int]) -> tuple[
        Thread, list[Lowered], list[Prop]]:
    """Lower one thread; returns it, the per-instruction record and filter atoms."""
    code: list[Instr] = []
    record: list[Lowered] = []
    filters: list[Prop] = []
    index_map: dict[int, int] = {}
    labels: dict[str, int] = {}
    for i, ins in enumerate(thread.code):
        index_map[i] = len(code)
        if ins.op not in ACCESSORS:
            code.append(ins)
            continue
        low, flt = lower_instr(ins, arch, counter, thread)
        filters.extend(flt)
        record.append(low)
        for k, name in low.labels:
            labels[name] = len(code) + k
        code.extend(low.result)
    index_map[len(thread.code)] = len(code)
    labels.update({name: index_map[i] for name, i in thread.labels.items()})
    return replace(thread, code=tuple(code), labels=labels), record, filters


def lower(test: Test) -> Test:
    """The test with every Linux accessor replaced by architecture instructions."""
    if not any(ins.op in ACCESSORS for th in test.threads for ins in th.code):
        return test
    return lower_with_record(test)[0]


def lower_with_record(test: Test) -> tuple[Test, dict[str, list[Lowered]]]:
    """Lower a test and say, per thread, what each accessor became."""
    counter = [0]
    threads = []
    records: dict[str, list[Lowered]] = {}
    filters: list[Prop] = []
    for th in test.threads:
        if th.device and any(i.op in ("spin_lock", "spin_unlock") for i in th.code):
            bad = next(i for i in th.code if i.op in ("spin_lock", "spin_unlock"))
            raise ParseError(f"'{bad.op}' in device agent {th.name}: only CPUs take locks",
                             bad.pos)
        new, rec, flt = lower_thread(th, test.arch, counter)
        threads.append(new)
        records[th.name] = rec
        filters.extend(flt)
    flt_prop = test.filter
    if filters:
        parts = ([flt_prop] if flt_prop is not None else []) + filters
        flt_prop = parts[0] if len(parts) == 1 else PAnd(tuple(parts))
    return replace(test, threads=tuple(threads), filter=flt_prop, written_filter=test.filter,
                   takes_locks=bool(filters)), records


def lowering_text(op: str, arch: str) -> list[str]:
    """The sequence ``op`` lowers to on ``arch``, on example operands (the
    table in the README): registers ``r0``/``r1``/``r2`` (``EAX``... on
    x86), location ``x``."""
    from .syntax.dsl import parse_dsl
    from .syntax.instructions import ACCESSORS as SIGS

    form = SIGS[op][-1] if op in ("readl_poll", "readl_relaxed_poll") else SIGS[op][0]
    regs = ["r0", "r1", "r2"] if arch == "aarch64" else ["RAX", "RBX", "RCX"]
    ops: list[str] = []
    for slot in form.slots:
        if "mem" in slot:
            ops.append("[x]")
        elif "reg" in slot:
            ops.append(regs[len(ops)])
        else:
            ops.append("#1")
    text = f"arch {arch}\nthread P0\n  {op} {', '.join(ops)}\nexists (x = 0)\n"
    test = parse_dsl(text, "<table>")
    low, _ = lower_instr(test.threads[0].code[0], arch, [0], test.threads[0])
    if not low.result:
        return [f"({low.note})"]
    out = []
    for k, li in enumerate(low.result):
        names = [n for j, n in low.labels if j == k]
        out.append("".join(f"{n}: " for n in names) + str(li))
    return out
