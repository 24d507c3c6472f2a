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
    from ..events import SV, PathState

def _sv(val, deps):  # local import keeps isa free of an import cycle at load time
    from ..events import SV

    return SV(val, deps)


# --------------------------------------------------------------------------- arithmetic


def _mov(st: PathState, ins: Instr):
    dst, src = ins.args
    st.set(dst, st.operand(src))


_ARITH = {"ADD": "add", "SUB": "sub", "EOR": "xor", "AND": "and", "ORR": "or"}


def _arith(st: PathState, ins: Instr):
    dst, a, b = ins.args
    x, y = st.operand(a), st.operand(b)
    st.set(dst, _sv(binop(_ARITH[ins.op], x.val, y.val), x.deps | y.deps))


def _cmp(st: PathState, ins: Instr):
    a, b = ins.args
    x, y = st.operand(a), st.operand(b)
    st.flags = (x.val, y.val, x.deps | y.deps)


_COND = {
    "EQ": "eq", "NE": "ne", "GE": "ge", "LT": "lt", "GT": "gt", "LE": "le",
    "HS": "uge", "CS": "uge", "LO": "ult", "CC": "ult", "HI": "ugt", "LS": "ule",
}


def _condition(st: PathState, code: str) -> tuple[BoolExpr, frozenset[int]]:
    if st.flags is None:
        raise st.error(f"condition {code} tested before any CMP sets the flags")
    a, b, deps = st.flags
    if code in _COND:
        return cmp(_COND[code], a, b), deps
    if code in ("MI", "PL"):
        diff = binop("sub", a, b)
        return cmp("lt" if code == "MI" else "ge", diff, Const(0)), deps
    raise st.error(f"condition code {code} is not supported")


def _csel(st: PathState, ins: Instr):
    dst, a, b, code = ins.args
    assert isinstance(code, Sym)
    cond, fdeps = _condition(st, code.name)
    x, y = st.operand(a), st.operand(b)
    from ..symbolic import ite

    st.set(dst, _sv(ite(cond, x.val, y.val), x.deps | y.deps | fdeps))


# --------------------------------------------------------------------------- branches


def _bcond(st: PathState, ins: Instr):
    code = ins.op.split(".", 1)[1]
    cond, deps = _condition(st, code)
    (label,) = ins.args
    return _branch(st, cond, deps, label)


def _branch(st: PathState, cond: BoolExpr, deps: frozenset[int], label: Label):
    taken, fall = st.split(cond, ctrl_deps=deps)
    if taken is not None:
        taken.goto(label)
    return [taken, fall]


def _cbz(st: PathState, ins: Instr):
    reg, label = ins.args
    v = st.operand(reg)
    cond = cmp("eq" if ins.op == "CBZ" else "ne", v.val, Const(0))
    return _branch(st, cond, v.deps, label)


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
    loc, adeps = st.address(addr)
    tags = _LOAD_TAGS[ins.op]
    v = st.read(loc, tags, adeps)
    st.set(dst, v)
    if "X" in tags:
        st.excl = (next(iter(v.deps)), loc)


def _store(st: PathState, ins: Instr):
    src, addr = ins.args
    assert isinstance(addr, Addr)
    loc, adeps = st.address(addr)
    st.write(loc, st.operand(src), _STORE_TAGS[ins.op], adeps)


def _store_excl(st: PathState, ins: Instr):
    status, src, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(status, Reg)
    loc, adeps = st.address(addr)
    value = st.operand(src)
    excl, st.excl = st.excl, None
    if excl is None or excl[1] != loc:
        # no reservation on this location: the store-exclusive fails
        st.set(status, _sv(Const(1), frozenset()))
        return None
    ok, fail = st.split(st.choice())
    assert ok is not None and fail is not None
    tags = ("X", "L") if ins.op == "STLXR" else ("X",)
    w = ok.write(loc, value, tags, adeps)
    ok.rmw(excl[0], w, "lxsx")
    ok.set(status, _sv(Const(0), frozenset()))
    fail.set(status, _sv(Const(1), frozenset()))
    return [ok, fail]


def _suffix(op: str, base: str) -> tuple[bool, bool]:
    sfx = op[len(base):]
    return "A" in sfx, "L" in sfx


def _swp(st: PathState, ins: Instr):
    rs, rt, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(rt, Reg)
    acq, rel = _suffix(ins.op, "SWP")
    loc, adeps = st.address(addr)
    new = st.operand(rs)
    r = st.read(loc, _rmw_read_tags(acq, rt), adeps)
    w = st.write(loc, new, ("L",) if rel else (), adeps)
    st.rmw(_eid(r), w, "amo")
    st.set(rt, r)


def _cas(st: PathState, ins: Instr):
    rs, rt, addr = ins.args
    assert isinstance(addr, Addr) and isinstance(rs, Reg)
    acq, rel = _suffix(ins.op, "CAS")
    loc, adeps = st.address(addr)
    expected = st.operand(rs)
    new = st.operand(rt)
    r = st.read(loc, _rmw_read_tags(acq, rs), adeps)
    ok, fail = st.split(cmp("eq", r.val, expected.val))
    if ok is not None:
        w = ok.write(loc, new, ("L",) if rel else (), adeps)
        ok.rmw(_eid(r), w, "amo")
        ok.set(rs, r)
    if fail is not None:
        fail.set(rs, r)
    return [ok, fail]


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
    loc, adeps = st.address(addr)
    operand = st.operand(rs)
    r = st.read(loc, _rmw_read_tags(acq, rt), adeps)
    op = _LDOP[base]
    if op == "andnot":
        raise st.error("LDCLR is not supported")
    new = _sv(binop(op, r.val, operand.val), operand.deps)
    w = st.write(loc, new, ("L",) if rel else (), adeps)
    st.rmw(_eid(r), w, "amo")
    st.set(rt, r)


def _rmw_read_tags(acq: bool, rt) -> tuple[str, ...]:
    tags: list[str] = []
    if acq:
        tags.append("A")
    if isinstance(rt, Reg) and rt.is_zero:
        tags.append("NoRet")
    return tuple(tags)


def _eid(sv: SV) -> int:
    return next(iter(sv.deps))


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
