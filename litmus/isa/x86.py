"""x86 instruction semantics.

Locked instructions (``XCHG`` and ``LOCK``-prefixed read-modify-writes) give a
read and a write paired in ``rmw`` (kind ``amo``), both tagged ``LOCK``.
Fences are tagged ``MFENCE``, ``SFENCE`` and ``LFENCE``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..program import Addr, Imm, Instr, Reg
from ..symbolic import Const, binop, cmp
from . import Semantics

if TYPE_CHECKING:
    from ..events import PathState


def _sv(val, taint=None):
    from ..events import NOTAINT, SV

    return SV(val, NOTAINT if taint is None else taint)


def _mov(st: PathState, ins: Instr):
    dst, src = ins.args
    if isinstance(dst, Addr):
        loc, ataint = st.address(dst)
        st.write(loc, st.operand(src), (), ataint)
    elif isinstance(src, Addr):
        loc, ataint = st.address(src)
        st.set(dst, st.read(loc, (), ataint)[1])
    else:
        st.set(dst, st.operand(src))


def _fence(st: PathState, ins: Instr):
    st.fence((ins.op,))


def _locked(st: PathState, addr: Addr, new_of, dst: Reg | None):
    """A locked read-modify-write; ``new_of(old)`` gives the value written."""
    loc, ataint = st.address(addr)
    eid, old = st.read(loc, ("LOCK",), ataint)
    w = st.write(loc, new_of(old), ("LOCK",), ataint, flow=old.taint)
    st.rmw(eid, w, "amo")
    if dst is not None:
        st.set(dst, old)
    return old


def _xchg(st: PathState, ins: Instr):
    mem, reg = ins.args
    assert isinstance(mem, Addr) and isinstance(reg, Reg)
    v = st.get(reg)
    _locked(st, mem, lambda old: v, reg)


def _lock_add(st: PathState, ins: Instr):
    mem, src = ins.args
    v = st.operand(src)
    _locked(st, mem, lambda old: _sv(binop("add", old.val, v.val), v.taint), None)


def _lock_inc(st: PathState, ins: Instr):
    (mem,) = ins.args
    _locked(st, mem, lambda old: _sv(binop("add", old.val, Const(1))), None)


def _lock_xadd(st: PathState, ins: Instr):
    mem, reg = ins.args
    v = st.get(reg)
    _locked(st, mem, lambda old: _sv(binop("add", old.val, v.val), v.taint), reg)


def _lock_cmpxchg(st: PathState, ins: Instr):
    """``LOCK CMPXCHG [m], r``: if [m] = EAX then [m] := r else EAX := [m].

    The destination is always written (with its old value on failure), as the
    SDM specifies for the locked form. A third operand, used by the lowering of
    ``spin_lock``, gives the expected value explicitly and receives the old one.
    """
    mem, new = ins.args[0], ins.args[1]
    acc = Reg("RAX")
    if len(ins.args) == 3:
        expected_op = ins.args[2]
        expected = st.operand(expected_op)
        out = new if isinstance(expected_op, Imm) else expected_op
    else:
        expected = st.get(acc)
        out = None
    n = st.get(new) if isinstance(new, Reg) else st.operand(new)
    loc, ataint = st.address(mem)
    eid, r = st.read(loc, ("LOCK",), ataint)
    ok = cmp("eq", r.val, expected.val)
    from ..symbolic import ite

    value = _sv(ite(ok, n.val, r.val), n.taint)
    w = st.write(loc, value, ("LOCK",), ataint, flow=r.taint | expected.taint)
    st.rmw(eid, w, "amo")
    if out is not None:
        st.set(out, r)
    else:
        st.set(acc, _sv(ite(ok, expected.val, r.val), expected.taint | r.taint))


HANDLERS = {
    "MOV": _mov,
    "MFENCE": _fence,
    "SFENCE": _fence,
    "LFENCE": _fence,
    "XCHG": _xchg,
    "LOCK ADD": _lock_add,
    "LOCK INC": _lock_inc,
    "LOCK XADD": _lock_xadd,
    "LOCK CMPXCHG": _lock_cmpxchg,
}

SEMANTICS = Semantics("x86", HANDLERS)
