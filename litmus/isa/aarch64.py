"""AArch64 instruction semantics.

Event tags follow herd's AArch64 annotations: ``A`` (acquire, RCsc), ``Q``
(acquirePC), ``L`` (release), ``X`` (exclusive), ``NoRet`` (an atomic whose
loaded value is discarded), fences ``DMB.<opt>``, ``DSB.<opt>``, ``ISB``.
Single-instruction atomics pair their read and write in ``rmw`` with kind
``amo``; a successful store-exclusive pairs with its load-exclusive (``lxsx``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..program import Addr, Instr, Label, Reg, Sym
from ..symbolic import BoolExpr, Const, binop, cmp
from . import Semantics

if TYPE_CHECKING:
    from ..events import PathState

def _sv(val, taint=None):  # local import keeps isa free of an import cycle at load time
    from ..events import NOTAINT, SV

    return SV(val, NOTAINT if taint is None else taint)


# --------------------------------------------------------------------------- arithmetic


def _mov(st: PathState, ins: Instr):
    dst, src = ins.args
    st.set(dst, st.operand(src))


_ARITH = {"ADD": "add", "SUB": "sub", "EOR": "xor", "AND": "and", "ORR": "or"}


def _arith(st: PathState, ins: Instr):
    """The result depends on every register operand, even when it is a
    constant (``EOR W1, W0, W0``: the classic false dependency)."""
    dst, a, b = ins.args
    x, y = st.operand(a), st.operand(b)
    st.set(dst, _sv(binop(_ARITH[ins.op], x.val, y.val), x.taint | y.taint))


def _cmp(st: PathState, ins: Instr):
    a, b = ins.args
    x, y = st.operand(a), st.operand(b)
    st.flags = (x.val, y.val, x.taint | y.taint)


_COND = {
    "EQ": "eq", "NE": "ne", "GE": "ge", "LT": "lt", "GT": "gt", "LE": "le",
    "HS": "uge", "CS": "uge", "LO": "ult", "CC": "ult", "HI": "ugt", "LS": "ule",
}


def _condition(st: PathState, code: str):
    if st.flags is None:
        raise st.error(f"condition {code} tested before any CMP sets the flags")
    a, b, taint = st.flags
    if code in _COND:
        return cmp(_COND[code], a, b), taint
    if code in ("MI", "PL"):
        diff = binop("sub", a, b)
        return cmp("lt" if code == "MI" else "ge", diff, Const(0)), taint
    raise st.error(f"condition code {code} is not supported")


def _csel(st: PathState, ins: Instr):
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
            v = s.operand(op)
            s.set(dst, _sv(v.val, v.taint | ftaint.as_pick()))
    return [taken, other]


# --------------------------------------------------------------------------- branches


def _bcond(st: PathState, ins: Instr):
    code = ins.op.split(".", 1)[1]
    cond, taint = _condition(st, code)
    (label,) = ins.args
    return _branch(st, cond, taint, label)


def _branch(st: PathState, cond: BoolExpr, taint, label: Label):
    taken, fall = st.split(cond, ctrl_deps=taint)
    if taken is not None:
        taken.goto(label)
    return [taken, fall]


def _cbz(st: PathState, ins: Instr):
    reg, label = ins.args
    v = st.operand(reg)
    cond = cmp("eq" if ins.op == "CBZ" else "ne", v.val, Const(0))
    return _branch(st, cond, v.taint, label)


def _b(st: PathState, ins: Instr):
    (label,) = ins.args
    st.goto(label)


def _nop(st: PathState, ins: Instr):
    return None


# --------------------------------------------------------------------------- memory

_LOAD_TAGS = {
    "LDR": (), "LDAR": ("A",), "LDAPR": ("Q",), "LDXR": ("X",), "LDAXR": ("X", "A"),
}
_STORE_TAGS = {"STR": (), "STLR": ("L",)}


def _load(st: PathState, ins: Instr):
    dst, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(dst, Reg)
    loc, ataint = st.address(addr)
    tags = _LOAD_TAGS[ins.op]
    eid, v = st.read(loc, tags, ataint)
    st.set(dst, v)
    if "X" in tags:
        st.excl = (eid, loc)


def _store(st: PathState, ins: Instr):
    src, addr = ins.args
    assert isinstance(addr, Addr)
    loc, ataint = st.address(addr)
    st.write(loc, st.operand(src), _STORE_TAGS[ins.op], ataint)


def _store_excl(st: PathState, ins: Instr):
    """``STXR Ws, Rt, [Xn]``: succeeds or fails freely when paired with an
    earlier load-exclusive of the same location on this path (and always
    fails without one); Ws = 0 on success, 1 on failure, with no dependency."""
    status, src, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(status, Reg)
    loc, ataint = st.address(addr)
    value = st.operand(src)
    excl, st.excl = st.excl, None
    if excl is None or excl[1] != loc:
        st.set(status, _sv(Const(1)))
        return None
    ok, fail = st.split(st.choice())
    assert ok is not None and fail is not None
    tags = ("X", "L") if ins.op == "STLXR" else ("X",)
    w = ok.write(loc, value, tags, ataint)
    ok.rmw(excl[0], w, "lxsx")
    ok.set(status, _sv(Const(0)))
    fail.set(status, _sv(Const(1)))
    return [ok, fail]


def _suffix(op: str, base: str) -> tuple[bool, bool]:
    sfx = op[len(base):]
    return "A" in sfx, "L" in sfx


def _read_tags(acq: bool, result: Reg) -> tuple[str, ...]:
    """An atomic whose loaded value goes to the zero register is ``NoRet`` and
    loses its acquire semantics (herd; Arm ARM on LD<op>A/SWPA/CASA with XZR)."""
    if isinstance(result, Reg) and result.is_zero:
        return ("NoRet",)
    return ("A",) if acq else ()


def _swp(st: PathState, ins: Instr):
    """``SWP Rs, Rt, [Xn]``: Rt gets the old value, which depends on the read
    only (never on Rs); the write stores Rs."""
    rs, rt, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(rt, Reg)
    acq, rel = _suffix(ins.op, "SWP")
    loc, ataint = st.address(addr)
    new = st.operand(rs)
    r, old = st.read(loc, _read_tags(acq, rt), ataint)
    w = st.write(loc, new, ("L",) if rel else (), ataint)
    st.rmw(r, w, "amo")
    st.set(rt, old)


def _cas(st: PathState, ins: Instr):
    """``CAS Rs, Rt, [Xn]``: compare the value read with Rs; on success write
    Rt. Rs receives the old value either way.

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
    ok, fail = st.split(cmp("eq", old.val, expected.val))
    out: list = []
    if ok is not None:
        w = ok.write(loc, new, ("L",) if rel else (), ataint, intrinsic=compare)
        ok.rmw(r, w, "amo")
        from_mem, from_rs = ok.split(ok.choice())
        assert from_mem is not None and from_rs is not None
        from_mem.set(rs, old)
        from_rs.set(rs, _sv(old.val, expected.taint | compare.as_pick()))
        out += [from_mem, from_rs]
    if fail is not None:
        fail.set(rs, old)
        out.append(fail)
    return out


_LDOP = {"LDADD": "add", "LDCLR": "andnot", "LDEOR": "xor", "LDSET": "or"}


def _ldop(st: PathState, ins: Instr):
    base = next(b for b in _LDOP if ins.op.startswith(b))
    rs, rt, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(rt, Reg)
    acq, rel = _suffix(ins.op, base)
    _atomic_op(st, base, rs, rt, addr, acq, rel)


def _stop(st: PathState, ins: Instr):
    name = ins.op[:-1] if ins.op.endswith("L") and len(ins.op) == 6 else ins.op
    base = "LD" + name[2:]
    rs, addr = ins.args
    rel = ins.op.endswith("L")
    _atomic_op(st, base, rs, Reg("XZR"), addr, False, rel)


def _atomic_op(st: PathState, base: str, rs, rt: Reg, addr: Addr, acq: bool, rel: bool):
    """``LDADD Rs, Rt, [Xn]`` and friends: Rt gets the old value (from the read
    only); the write stores old op Rs, data-dependent on Rs."""
    loc, ataint = st.address(addr)
    operand = st.operand(rs)
    r, old = st.read(loc, _read_tags(acq, rt), ataint)
    op = _LDOP[base]
    if op == "andnot":
        raise st.error("LDCLR is not supported")
    new = _sv(binop(op, old.val, operand.val), operand.taint)
    w = st.write(loc, new, ("L",) if rel else (), ataint, flow=old.taint)
    st.rmw(r, w, "amo")
    st.set(rt, old)


# --------------------------------------------------------------------------- barriers


def _barrier(st: PathState, ins: Instr):
    (opt,) = ins.args
    assert isinstance(opt, Sym)
    st.fence((f"{ins.op}.{opt.name}", ins.op))


def _isb(st: PathState, ins: Instr):
    st.fence(("ISB",))


HANDLERS = {
    "MOV": _mov,
    "CMP": _cmp,
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
HANDLERS.update({f"B.{c}": _bcond for c in list(_COND) + ["MI", "PL"]})
HANDLERS.update(dict.fromkeys(_LOAD_TAGS, _load))
HANDLERS.update(dict.fromkeys(_STORE_TAGS, _store))
for _base, _h in (("SWP", _swp), ("CAS", _cas), ("LDADD", _ldop), ("LDEOR", _ldop),
                  ("LDSET", _ldop)):
    for _s in ("", "A", "L", "AL"):
        HANDLERS[_base + _s] = _h
for _base in ("STADD", "STEOR", "STSET"):
    for _s in ("", "L"):
        HANDLERS[_base + _s] = _stop

SEMANTICS = Semantics("aarch64", HANDLERS)
