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
  load-exclusive (``lxsx``).
"""

from __future__ import annotations

import re

from ..program import Addr, Instr, Label, Reg, Shift, Sym
from ..smt.expr import Const, app, cmp, ite
from .base import (
    IMM,
    LABEL,
    LOCREF,
    MEM,
    REG,
    SHIFT,
    SV,
    SYM,
    Arch,
    Flags,
    Machine,
    Sig,
    sext,
    sig,
    zext,
)

# --------------------------------------------------------------------------- registers

_REG_RE = re.compile(r"([RXW])(0|[1-9][0-9]*)\Z")
_REGLIKE_RE = re.compile(r"(?:[RXW][0-9]+|[XW]ZR)\Z", re.IGNORECASE)
REGISTER_HELP = "registers are r0-r30, X0-X30, W0-W30, XZR, WZR"


def parse_reg(name: str) -> Reg | None:
    """``rN``/``XN`` -> ``Reg("XN", 64)``, ``WN`` -> ``Reg("XN", 32)`` for N in
    0..30; ``XZR``/``WZR`` -> ``Reg("XZR", 64|32)``; None for anything else
    (case-insensitive)."""
    upper = name.upper()
    if upper == "XZR":
        return Reg("XZR", 64)
    if upper == "WZR":
        return Reg("XZR", 32)
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

#: Shifts (need an amount) and extends (amount optional) of a register operand.
SHIFT_OPS: tuple[str, ...] = ("LSL", "LSR", "ASR")
EXTEND_OPS: tuple[str, ...] = ("SXTW", "UXTW", "SXTX", "UXTX")

# --------------------------------------------------------------------------- syntax

_R = frozenset({REG})
_RI = frozenset({REG, IMM})
_RIS = frozenset({REG, IMM, SHIFT})
_RIA = frozenset({REG, IMM, LOCREF})
_M = frozenset({MEM})
_L = frozenset({LABEL})
_S = frozenset({SYM})

#: The atomic memory operations (Arm ARM C6.2, LD<OP>/ST<OP>): the op's name
#: in the value table of :mod:`litmus.smt.expr`.
ATOMIC_OPS: dict[str, str] = {
    "ADD": "add", "CLR": "andn", "EOR": "xor", "SET": "or",
    "SMAX": "smax", "SMIN": "smin", "UMAX": "umax", "UMIN": "umin",
}

INSTRUCTIONS: dict[str, tuple[Sig, ...]] = {}
for _op in ("LDR", "LDAR", "LDAPR", "LDXR", "LDAXR"):
    INSTRUCTIONS[_op] = sig(_R, _M)
for _op in ("STR", "STLR"):
    INSTRUCTIONS[_op] = sig(_RI, _M)
for _op in ("STXR", "STLXR"):
    INSTRUCTIONS[_op] = sig(_R, _RI, _M)
for _base in ["SWP", "CAS"] + [f"LD{o}" for o in ATOMIC_OPS]:
    for _suffix in ("", "A", "L", "AL"):
        INSTRUCTIONS[_base + _suffix] = sig(_R, _R, _M)
for _o in ATOMIC_OPS:
    for _suffix in ("", "L"):
        INSTRUCTIONS[f"ST{_o}{_suffix}"] = sig(_R, _M)
for _op in ("DMB", "DSB"):
    INSTRUCTIONS[_op] = sig(_S, symbols="barrier")
for _op in ("ISB", "NOP"):
    INSTRUCTIONS[_op] = sig()
INSTRUCTIONS["MOV"] = sig(_R, _RIA)
for _op in ("ADD", "SUB", "EOR", "AND", "ORR"):
    INSTRUCTIONS[_op] = sig(_R, _R, _RIS)
for _op in ("CMP", "CMN", "TST"):
    INSTRUCTIONS[_op] = sig(_R, _RIS)
INSTRUCTIONS["CSEL"] = sig(_R, _R, _R, _S, symbols="cond")
for _cc in CONDITION_CODES:
    INSTRUCTIONS["B." + _cc] = sig(_L)
for _op in ("CBZ", "CBNZ"):
    INSTRUCTIONS[_op] = sig(_R, _L)
INSTRUCTIONS["B"] = sig(_L)

BRANCH_OPS: frozenset[str] = frozenset(
    ["B", "CBZ", "CBNZ"] + ["B." + cc for cc in CONDITION_CODES])

# --------------------------------------------------------------------------- operands


def shifted(v: SV, op: str, amount: int, width: int) -> SV:
    """A register value ``v`` (already read at ``width`` bits) shifted or
    extended as an operand modifier: ``LSL/LSR/ASR #n`` at the instruction's
    width; ``SXTW``/``UXTW`` extend the low 32 bits, ``SXTX``/``UXTX`` keep
    64, then shift left by the amount (Arm ARM, ExtendReg() and ShiftReg())."""
    x, n = v.val, Const(amount)
    if op == "LSL":
        out = zext(app("lsl", x, n), width)
    elif op == "LSR":
        out = app("lsr", zext(x, width), n)
    elif op == "ASR":
        out = zext(app("asr", sext(x, width), n), width)
    elif op in ("SXTW", "UXTW"):
        ext = sext if op == "SXTW" else zext
        out = app("lsl", ext(x, 32), n)
    else:  # SXTX, UXTX
        out = app("lsl", x, n)
    return SV(out, v.taint)


def _width(op: object) -> int:
    return op.width if isinstance(op, Reg) else 64


def operand(st: Machine, op: object, width: int = 64) -> SV:
    """The value of a register, immediate, ``&location`` or shifted register."""
    if isinstance(op, Shift):
        return shifted(st.get(op.reg), op.op, op.amount, width)
    return st.operand(op)


def address_value(st: Machine, addr: Addr) -> SV:
    """The 64-bit address an ``[base, offset]`` operand designates."""
    base = st.operand(addr.base)
    if addr.offset is None:
        return base
    off = operand(st, addr.offset)
    return SV(app("add", base.val, off.val), base.taint | off.taint)


# --------------------------------------------------------------------------- arithmetic


def _mov(st: Machine, ins: Instr):
    dst, src = ins.args
    st.set(dst, operand(st, src, _width(dst)))


_ARITH = {"ADD": "add", "SUB": "sub", "EOR": "xor", "AND": "and", "ORR": "or"}


def _arith(st: Machine, ins: Instr):
    """``OP Rd, Rn, Op2``: computed on 64 bits, then written at Rd's width (the
    low 32 bits of a 64-bit add, and, ... are the 32-bit result). The result
    depends on every register operand, even when it is a constant (``EOR W1,
    W0, W0``: the classic false dependency)."""
    dst, a, b = ins.args
    w = _width(dst)
    x, y = operand(st, a, w), operand(st, b, w)
    st.set(dst, SV(app(_ARITH[ins.op], x.val, y.val), x.taint | y.taint))


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


def _condition(st: Machine, code: str):
    if st.flags is None:
        raise st.error(f"condition {code} tested before any instruction sets the flags")
    return st.flags.condition(code), st.flags.taint


def _csel(st: Machine, ins: Instr):
    """``CSEL Rd, Rn, Rm, cond``: Rd is the selected operand, which alone is a
    data source; the flags reach Rd through the selection only (a pick
    dependency, as in herd). A condition not known statically splits the path
    (without any control dependency)."""
    dst, a, b, code = ins.args
    assert isinstance(code, Sym)
    cond, ftaint = _condition(st, code.name)
    taken, other = st.split(cond)
    for s, op in ((taken, a), (other, b)):
        if s is not None:
            v = operand(s, op)
            s.set(dst, SV(v.val, v.taint | ftaint.as_pick()))
    return [taken, other]


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


def _b(st: Machine, ins: Instr):
    (label,) = ins.args
    st.goto(label)


def _nop(st: Machine, ins: Instr):
    return None


# --------------------------------------------------------------------------- memory

_LOAD_TAGS = {
    "LDR": (), "LDAR": ("A",), "LDAPR": ("Q",), "LDXR": ("X",), "LDAXR": ("X", "A"),
}
_STORE_TAGS = {"STR": (), "STLR": ("L",)}


def _load(st: Machine, ins: Instr):
    """A load: the read event returns the location's 64-bit value; the
    destination register keeps its width's low bits (``LDR W0`` reads the low
    32 bits)."""
    dst, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(dst, Reg)
    loc, ataint = st.address(addr)
    tags = _LOAD_TAGS[ins.op]
    eid, v = st.read(loc, tags, ataint)
    st.set(dst, v)
    if "X" in tags:
        st.excl = (eid, loc)


def _store(st: Machine, ins: Instr):
    src, addr = ins.args
    assert isinstance(addr, Addr)
    loc, ataint = st.address(addr)
    st.write(loc, operand(st, src), _STORE_TAGS[ins.op], ataint, width=_width(src))


def _store_excl(st: Machine, ins: Instr):
    """``STXR Ws, Rt, [Xn]``: succeeds or fails freely when paired with an
    earlier load-exclusive of the same location on this path (and always
    fails without one); Ws = 0 on success, 1 on failure, with no dependency.

    Ws is the choice's value, ``ite(choice, 0, 1)``, on both paths (a branch
    on it is decided by the path's guard): as in herd, it is not a constant,
    so a retry loop on it counts against the unrolling bound."""
    status, src, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(status, Reg)
    loc, ataint = st.address(addr)
    value = operand(st, src)
    excl, st.excl = st.excl, None
    if excl is None or excl[1] != loc:
        st.set(status, SV(Const(1)))
        return None
    choice = st.choice()
    st.set(status, SV(ite(choice, Const(0), Const(1))))
    ok, fail = st.split(choice)
    assert ok is not None and fail is not None
    tags = ("X", "L") if ins.op == "STLXR" else ("X",)
    w = ok.write(loc, value, tags, ataint, width=_width(src))
    ok.rmw(excl[0], w, "lxsx")
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
    acq, rel = _suffix(ins.op, "SWP")
    loc, ataint = st.address(addr)
    new = st.operand(rs)
    r, old = st.read(loc, _read_tags(acq, rt), ataint)
    w = st.write(loc, new, ("L",) if rel else (), ataint, width=_width(rs))
    st.rmw(r, w, "amo")
    st.set(rt, old)


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
    acq, rel = _suffix(ins.op, "CAS")
    loc, ataint = st.address(addr)
    expected = st.operand(rs)
    new = st.operand(rt)
    r, old = st.read(loc, _read_tags(acq, rs), ataint)
    compare = expected.taint | old.taint  # what the internal branch depends on
    ok, fail = st.split(cmp("eq", zext(old.val, rs.width), expected.val))
    out: list = []
    if ok is not None:
        w = ok.write(loc, new, ("L",) if rel else (), ataint, intrinsic=compare,
                     width=_width(rt))
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


def _atomic_base(op: str) -> str:
    return next(b for b in ATOMIC_OPS if op[2:].startswith(b))


def _ldop(st: Machine, ins: Instr):
    """``LD<OP>{A,L,AL} Rs, Rt, [Xn]``: Rt gets the old value (from the read
    only); the write stores ``old <op> Rs`` at Rs's width, data-dependent on Rs."""
    base = _atomic_base(ins.op)
    rs, rt, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(rt, Reg) and isinstance(rs, Reg)
    acq, rel = _suffix(ins.op, "LD" + base)
    _atomic_op(st, base, rs, rt, addr, acq, rel)


def _stop(st: Machine, ins: Instr):
    """``ST<OP>{L} Rs, [Xn]``: ``LD<OP>{L} Rs, XZR, [Xn]`` (Arm ARM: an alias)."""
    base = _atomic_base(ins.op)
    rs, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(rs, Reg)
    rel = ins.op.endswith("L") and ins.op != "ST" + base
    _atomic_op(st, base, rs, Reg("XZR", rs.width), addr, False, rel)


def _atomic_op(st: Machine, base: str, rs: Reg, rt: Reg, addr: Addr, acq: bool, rel: bool):
    loc, ataint = st.address(addr)
    operand_ = st.operand(rs)
    r, old = st.read(loc, _read_tags(acq, rt), ataint)
    w_ = rs.width
    op = ATOMIC_OPS[base]
    if op in ("smax", "smin"):
        value = zext(app(op, sext(old.val, w_), sext(operand_.val, w_)), w_)
    else:
        value = zext(app(op, zext(old.val, w_), operand_.val), w_)
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
    "CSEL": _csel,
    "CBZ": _cbz,
    "CBNZ": _cbz,
    "B": _b,
    "NOP": _nop,
    "STXR": _store_excl,
    "STLXR": _store_excl,
    "DMB": _barrier,
    "DSB": _barrier,
    "ISB": _isb,
}
HANDLERS.update(dict.fromkeys(_ARITH, _arith))
HANDLERS.update({f"B.{c}": _bcond for c in CONDITION_CODES})
HANDLERS.update(dict.fromkeys(_LOAD_TAGS, _load))
HANDLERS.update(dict.fromkeys(_STORE_TAGS, _store))
for _s in ("", "A", "L", "AL"):
    HANDLERS["SWP" + _s] = _swp
    HANDLERS["CAS" + _s] = _cas
    for _o in ATOMIC_OPS:
        HANDLERS[f"LD{_o}{_s}"] = _ldop
for _o in ATOMIC_OPS:
    HANDLERS[f"ST{_o}"] = HANDLERS[f"ST{_o}L"] = _stop

assert set(HANDLERS) == set(INSTRUCTIONS), set(HANDLERS) ^ set(INSTRUCTIONS)

# --------------------------------------------------------------------------- tags, memory

TAGS: dict[str, str] = {
    "A": "acquire (RCsc): LDAR, LDAXR, and atomics with an A suffix",
    "Q": "acquirePC (RCpc): LDAPR",
    "L": "release: STLR, STLXR, and atomics with an L suffix",
    "X": "exclusive: LDXR, LDAXR, STXR, STLXR",
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
)

__all__ = ["ARCH", "BARRIER_OPTIONS", "CONDITION_CODES", "EXTEND_OPS", "SHIFT_OPS",
           "parse_reg"]
