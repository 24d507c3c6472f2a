"""x86 (x86-64): registers, instruction syntax (Intel and herd's AT&T),
semantics and event tags.

Values are 64-bit; a 32-bit register operand (``EAX``) reads the low 32 bits
and a write to it zero-extends into the 64-bit register (Intel SDM vol. 1,
3.4.1.1). Locked instructions (``XCHG`` with memory and ``LOCK``-prefixed
read-modify-writes) give a read and a write paired in ``rmw`` (kind ``amo``),
both tagged ``LOCK``. Fences are tagged ``MFENCE``, ``SFENCE`` and ``LFENCE``.
"""

from __future__ import annotations

from ..program import Addr, Imm, Instr, Reg
from ..smt.expr import app, cmp, ite
from .base import IMM, MEM, REG, SV, Arch, Machine, Sig, sig, zext

# --------------------------------------------------------------------------- registers

_REGS: dict[str, tuple[str, int]] = {}
for _r in ("AX", "BX", "CX", "DX", "SI", "DI", "BP", "SP"):
    _REGS["E" + _r] = ("R" + _r, 32)
    _REGS["R" + _r] = ("R" + _r, 64)
for _n in range(8, 16):
    _REGS[f"R{_n}"] = (f"R{_n}", 64)
    _REGS[f"R{_n}D"] = (f"R{_n}", 32)

REGISTER_HELP = ("registers are EAX, EBX, ECX, EDX, ESI, EDI, EBP, ESP, their R forms "
                 "(RAX, ..., RSP), R8-R15 and R8D-R15D")


def parse_reg(name: str) -> Reg | None:
    """The canonical register ``name`` denotes, or None for anything else
    (case-insensitive): ``EAX``, ``EBX``, ``ECX``, ``EDX``, ``ESI``, ``EDI``,
    ``EBP``, ``ESP`` -> ``Reg("RAX", 32)``.. ``Reg("RSP", 32)``; ``RAX``..``RSP``
    and ``R8``..``R15`` -> width 64; ``R8D``..``R15D`` -> width 32; AT&T
    spellings (``%eax``, ``%rbp``) too. A litmus test's registers are plain
    registers: ``RSP``/``RBP`` hold values like any other (there is no stack)."""
    hit = _REGS.get(name.upper().removeprefix("%"))
    return Reg(hit[0], hit[1]) if hit else None


def looks_like_register(name: str) -> bool:
    """Whether ``name`` is written as a register (AT&T's ``%`` prefix, or a name
    :func:`parse_reg` knows)."""
    return name.startswith("%") or parse_reg(name) is not None


# --------------------------------------------------------------------------- syntax

_R = frozenset({REG})
_RI = frozenset({REG, IMM})
_RIM = frozenset({REG, IMM, MEM})
_M = frozenset({MEM})

INSTRUCTIONS: dict[str, tuple[Sig, ...]] = {
    # store / load-or-move (Intel order, destination first)
    "MOV": (Sig((_M, _RI)), Sig((_R, _RIM))),
    "MFENCE": sig(),
    "SFENCE": sig(),
    "LFENCE": sig(),
    # XCHG reg, [loc] is normalised to XCHG [loc], reg
    "XCHG": (Sig((_M, _R)), Sig((_R, _M), order=(1, 0))),
    "LOCK ADD": sig(_M, _RI),
    "LOCK INC": sig(_M),
    "LOCK XADD": sig(_M, _R),
    "LOCK CMPXCHG": sig(_M, _R),
}

# --------------------------------------------------------------------------- semantics


def address_value(st: Machine, addr: Addr) -> SV:
    """x86 memory operands name a location: ``[x]``."""
    return st.operand(addr.base)


def _mov(st: Machine, ins: Instr):
    dst, src = ins.args
    if isinstance(dst, Addr):
        loc, ataint = st.address(dst)
        st.write(loc, st.operand(src), (), ataint, width=_width(src))
    elif isinstance(src, Addr):
        loc, ataint = st.address(src)
        st.set(dst, st.read(loc, (), ataint, width=_width(dst))[1])
    else:
        st.set(dst, st.operand(src))


def _fence(st: Machine, ins: Instr):
    st.fence((ins.op,))


def _locked(st: Machine, addr: Addr, new_of, dst: Reg | None, width: int | None = None):
    """A locked read-modify-write of ``width`` bits (None: the location's
    size, for an immediate operand); ``new_of(old)`` gives the value written."""
    loc, ataint = st.address(addr)
    eid, old = st.read(loc, ("LOCK",), ataint, width=width)
    w = st.write(loc, new_of(old), ("LOCK",), ataint, flow=old.taint, width=width)
    st.rmw(eid, w, "amo")
    if dst is not None:
        st.set(dst, old)
    return old


def _width(op: object) -> int | None:
    """A register operand's width; None for an immediate, whose access has
    the location's size (``MOV [x], $1`` of an ``int32_t x`` is 32 bits)."""
    return op.width if isinstance(op, Reg) else None


def _xchg(st: Machine, ins: Instr):
    mem, reg = ins.args
    assert isinstance(mem, Addr) and isinstance(reg, Reg)
    v = st.get(reg)
    _locked(st, mem, lambda old: v, reg, reg.width)


def _lock_add(st: Machine, ins: Instr):
    mem, src = ins.args
    v = st.operand(src)
    w = _width(src)
    _locked(st, mem, lambda old: SV(zext(app("add", old.val, v.val), w or 64), v.taint), None, w)


def _lock_inc(st: Machine, ins: Instr):
    (mem,) = ins.args
    _locked(st, mem, lambda old: SV(app("add", old.val, st.operand(Imm(1)).val)), None)


def _lock_xadd(st: Machine, ins: Instr):
    mem, reg = ins.args
    assert isinstance(reg, Reg)
    v = st.get(reg)
    _locked(st, mem, lambda old: SV(zext(app("add", old.val, v.val), reg.width), v.taint), reg,
            reg.width)


def _lock_cmpxchg(st: Machine, ins: Instr):
    """``LOCK CMPXCHG [m], r``: if [m] = EAX (at r's width) then [m] := r else
    EAX := [m].

    The destination is always written (with its old value on failure), as the
    SDM specifies for the locked form. A third operand, used by the lowering of
    ``spin_lock``, gives the expected value explicitly and receives the old one.
    """
    mem, new = ins.args[0], ins.args[1]
    width = _width(new) or 64
    acc = Reg("RAX", width)
    if len(ins.args) == 3:
        expected_op = ins.args[2]
        expected = st.operand(expected_op)
        out = new if isinstance(expected_op, Imm) else expected_op
    else:
        expected = st.get(acc)
        out = None
    n = st.operand(new)
    loc, ataint = st.address(mem)
    eid, r = st.read(loc, ("LOCK",), ataint, width=width)
    ok = cmp("eq", zext(r.val, width), zext(expected.val, width))
    value = SV(ite(ok, n.val, r.val), n.taint)
    w = st.write(loc, value, ("LOCK",), ataint, flow=r.taint | expected.taint, width=width)
    st.rmw(eid, w, "amo")
    if out is not None:
        st.set(out, r)
    else:  # the accumulator is written (zero-extended) only when the comparison fails
        full = Reg("RAX", 64)
        st.set(full, SV(ite(ok, st.get(full).val, zext(r.val, width)),
                        expected.taint | r.taint))


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

assert set(HANDLERS) == set(INSTRUCTIONS)

TAGS: dict[str, str] = {
    "MFENCE": "full fence",
    "SFENCE": "store fence",
    "LFENCE": "load fence",
    "LOCK": "the read and write of a locked instruction (LOCK prefix, XCHG)",
}

MEMORY_TYPES: tuple[str, ...] = ("wb", "uc", "wc")

#: Set names for x86 memory types (Intel SDM vol. 3A, 11.3).
MEMORY_TYPE_SETS: dict[str, tuple[str, ...]] = {
    "WB": ("wb",),
    "UC": ("uc",),
    "WC": ("wc",),
    "Normal": ("wb",),  # write-back memory is normal memory
}

# --------------------------------------------------------------------------- AT&T syntax

#: x86 mnemonics in AT&T (GNU as) syntax, as herd's ``X86_64`` tests write them
#: (without their size suffix), and the canonical Intel op each stands for.
ATT_MNEMONICS: dict[str, str] = {
    "mov": "MOV",
    "xchg": "XCHG",
    "cmpxchg": "CMPXCHG",
    "xadd": "XADD",
    "add": "ADD",
    "inc": "INC",
    "mfence": "MFENCE",
    "lfence": "LFENCE",
    "sfence": "SFENCE",
}
#: AT&T forms that have no size suffix, the size suffixes, and the operations
#: supported only with a ``lock`` prefix.
ATT_FENCES = frozenset({"mfence", "lfence", "sfence"})
ATT_SIZES = {"l": 32, "q": 64, "b": 8, "w": 16}
ATT_LOCKED = frozenset({"add", "inc", "xadd", "cmpxchg"})


ARCH = Arch(
    name="x86",
    instructions=INSTRUCTIONS,
    handlers=HANDLERS,
    tags=TAGS,
    memory_types=MEMORY_TYPES,
    default_memory_type="wb",
    memory_type_sets=MEMORY_TYPE_SETS,
    parse_reg=parse_reg,
    looks_like_register=looks_like_register,
    register_help=REGISTER_HELP,
    address_value=address_value,
)

__all__ = ["ARCH", "ATT_MNEMONICS", "parse_reg"]
