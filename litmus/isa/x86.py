"""x86 (x86-64): registers, instruction syntax (Intel and herd's AT&T),
semantics and event tags.

Values are 64-bit; a 32-bit register operand (``EAX``) reads the low 32 bits
and a write to it zero-extends into the 64-bit register (Intel SDM vol. 1,
3.4.1.1). Locked instructions (``XCHG`` with memory and ``LOCK``-prefixed
read-modify-writes) give a read and a write paired in ``rmw`` (kind ``amo``),
both tagged ``LOCK``. Fences are tagged ``MFENCE``, ``SFENCE`` and ``LFENCE``.

Register arithmetic (``ADD SUB AND OR XOR`` with a register destination,
``SHL SHR SAR``, ``CMP``, ``TEST``) carries dependencies as AArch64's does;
``CMP``, ``TEST``, ``ADD``, ``SUB``, the logical operations and the locked
read-modify-writes set the flags ZF, SF, CF and OF as the SDM says (CF is the
borrow of a subtraction; ``INC``/``DEC`` leave CF as it was), which ``Jcc``
tests. ``JMP``, ``Jcc`` (backward too: loops are unrolled) and ``RET`` (the
end of the thread) are the control flow; ``NOP`` (and herd's ``endbr64``,
``nopl``, ``nopw``) does nothing. A memory operand names a location or
computes an address, base + index * scale + displacement (AT&T
``8(%rax,%rbx,4)``), which depends on the registers in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..program import Addr, Imm, Instr, Label, Reg, Shift, Sym
from ..smt.expr import TRUE, BoolExpr, Const, app, band, biff, bnot, bor, cmp, const, ite
from .base import IMM, LABEL, MEM, REG, SV, Arch, Flags, Machine, Sig, sig, zext

# --------------------------------------------------------------------------- registers

_REGS: dict[str, tuple[str, int]] = {}
for _r in ("AX", "BX", "CX", "DX", "SI", "DI", "BP", "SP"):
    _REGS["E" + _r] = ("R" + _r, 32)
    _REGS["R" + _r] = ("R" + _r, 64)
for _n in range(8, 16):
    _REGS[f"R{_n}"] = (f"R{_n}", 64)
    _REGS[f"R{_n}D"] = (f"R{_n}", 32)
# the instruction pointer and the segment registers, which herd's X86_64 tests
# may name (no instruction of a litmus test writes them)
_REGS["RIP"] = ("RIP", 64)
for _r in ("CS", "DS", "SS", "ES", "FS", "GS"):
    _REGS[_r] = (_r, 16)

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
_L = frozenset({LABEL})

#: Jcc condition codes: what each tests, in ZF, SF, CF, OF (Intel SDM vol. 2,
#: Jcc), with their synonyms.
JCC: dict[str, str] = {
    "E": "E", "Z": "E", "NE": "NE", "NZ": "NE",
    "B": "B", "C": "B", "NAE": "B", "AE": "AE", "NB": "AE", "NC": "AE",
    "A": "A", "NBE": "A", "BE": "BE", "NA": "BE",
    "L": "L", "NGE": "L", "GE": "GE", "NL": "GE", "G": "G", "NLE": "G", "LE": "LE", "NG": "LE",
    "S": "S", "NS": "NS", "O": "O", "NO": "NO",
}
#: After CMP a, b (a - b), the Arm condition code that tests the same thing
#: (CF is the borrow, Arm's C its complement).
_JCC_AS_SUB = {"E": "EQ", "NE": "NE", "B": "LO", "AE": "HS", "A": "HI", "BE": "LS",
               "L": "LT", "GE": "GE", "G": "GT", "LE": "LE", "S": "MI", "NS": "PL",
               "O": "VS", "NO": "VC"}
#: register arithmetic: op -> the value table's operation
_ALU = {"ADD": "add", "SUB": "sub", "AND": "and", "OR": "or", "XOR": "xor"}
_SHIFTS = {"SHL": "lsl", "SHR": "lsr", "SAR": "asr"}

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
    "LOCK DEC": sig(_M),
    "LOCK XADD": sig(_M, _R),
    "LOCK CMPXCHG": sig(_M, _R),
    "LOCK SUB": sig(_M, _RI),
    "LOCK AND": sig(_M, _RI),
    "LOCK OR": sig(_M, _RI),
    "LOCK XOR": sig(_M, _RI),
    "NOP": sig(),
    "RET": sig(),
    "JMP": sig(_L),
    "CMP": sig(_R, _RI),
    "TEST": sig(_R, _RI),
    "INC": sig(_R),
    "DEC": sig(_R),
}
for _op in (*_ALU, *_SHIFTS):
    INSTRUCTIONS[_op] = sig(_R, _RI)
for _cc in JCC:
    INSTRUCTIONS["J" + _cc] = sig(_L)

BRANCH_OPS: frozenset[str] = frozenset(["JMP"] + ["J" + cc for cc in JCC])

# --------------------------------------------------------------------------- semantics


def address_value(st: Machine, addr: Addr) -> SV:
    """The address of a memory operand, base + index * scale + displacement
    (Intel SDM vol. 1, 3.7.5): the base a location (``[x]``, AT&T ``(x)``) or
    a register (``(%rax)``); the offset, if any, an index register, scaled
    by a left shift (AT&T ``8(%rax,%rbx,4)``: RAX + (RBX << 2) + 8). The
    address depends on every register in it (herd: an address dependency)."""
    base = st.operand(addr.base)
    val, taint = base.val, base.taint
    if addr.offset is not None:
        off = addr.offset
        if isinstance(off, Shift):
            index = st.operand(off.reg)
            assert off.op == "LSL"
            term = app("lsl", index.val, const(off.amount))
        else:
            index = st.operand(off)
            term = index.val
        val, taint = app("add", val, term), taint | index.taint
    if addr.disp:
        val = app("add", val, const(addr.disp))
    return SV(val, taint)


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


@dataclass(frozen=True)
class X86Flags(Flags):
    """Flags as an x86 instruction leaves them: ``cf``, when given, is CF
    itself (``INC``/``DEC`` keep the earlier one); otherwise CF is computed
    from the operation (the borrow of a subtraction, the carry of an
    addition, 0 after a logical operation)."""

    cf: BoolExpr | None = None

    def carry(self) -> BoolExpr:
        if self.cf is not None:
            return self.cf
        return bnot(self.c()) if self.kind == "sub" else self.c()

    def jcc(self, code: str) -> BoolExpr:
        """The condition ``Jcc`` tests (``code`` canonical: ``E``, ``B``, ...)."""
        if self.kind == "sub" and self.cf is None:
            return self.condition(_JCC_AS_SUB[code])
        zf, sf, of, cf = self.z(), self.n(), self.v(), self.carry()
        table = {
            "E": zf, "NE": bnot(zf), "B": cf, "AE": bnot(cf), "A": band(bnot(cf), bnot(zf)),
            "BE": bor(cf, zf), "L": bnot(biff(sf, of)), "GE": biff(sf, of),
            "G": band(bnot(zf), biff(sf, of)), "LE": bor(zf, bnot(biff(sf, of))),
            "S": sf, "NS": bnot(sf), "O": of, "NO": bnot(of),
        }
        return table[code]


def _old_carry(st: Machine) -> BoolExpr:
    """CF as the last flag-setting instruction left it (INC and DEC keep it)."""
    f = st.flags
    if isinstance(f, X86Flags):
        return f.carry()
    if f is None:
        return bnot(TRUE)  # unknown: tested only after a flag-setting instruction anyway
    return f.c()


def _locked(st: Machine, addr: Addr, new_of, dst: Reg | None, width: int | None = None,
            flags_of=None):
    """A locked read-modify-write of ``width`` bits (None: the location's
    size, for an immediate operand); ``new_of(old, width)`` gives the value
    written, ``flags_of(old, width)`` the flags it leaves (None: unchanged)."""
    loc, ataint = st.address(addr)
    if width is None:
        width = st.size(loc)
    eid, old = st.read(loc, ("LOCK",), ataint, width=width)
    w = st.write(loc, new_of(old, width), ("LOCK",), ataint, flow=old.taint, width=width)
    st.rmw(eid, w, "amo")
    if flags_of is not None:
        st.flags = flags_of(old, width)
    if dst is not None:
        st.set(dst, old)
    return old


def _width(op: object) -> int | None:
    """A register operand's width; None for an immediate, whose access has
    the location's size (``MOV [x], $1`` of an ``int32_t x`` is 32 bits)."""
    return op.width if isinstance(op, Reg) else None


def _mem_width(ins: Instr, src: object = None) -> int | None:
    """The width of a memory operand: a register operand's, else ``DWORD PTR``
    (32 bits, written by the lowering of Linux's 32-bit atomics), else None:
    the location's size (``LOCK INC [x]`` of an ``int32_t x`` is 32 bits)."""
    if isinstance(src, Reg):
        return src.width
    return 32 if Sym("DWORD") in ins.args else None


def _xchg(st: Machine, ins: Instr):
    mem, reg = ins.args
    assert isinstance(mem, Addr) and isinstance(reg, Reg)
    v = st.get(reg)
    _locked(st, mem, lambda old, w: v, reg, reg.width)


def _lock_add(st: Machine, ins: Instr):
    mem, src = ins.args[0], ins.args[1]
    v = st.operand(src)
    _locked(st, mem, lambda old, w: SV(zext(app("add", old.val, v.val), w), v.taint), None,
            _mem_width(ins, src),
            lambda old, w: X86Flags("add", old.val, v.val, w, old.taint | v.taint))


def _lock_op(st: Machine, ins: Instr):
    """``LOCK SUB|AND|OR|XOR [m], src``."""
    mem, src = ins.args
    v = st.operand(src)
    op = _ALU[ins.op.split()[1]]
    kind = "sub" if op == "sub" else "logic"

    def flags(old: SV, w: int) -> X86Flags:
        if kind == "sub":
            return X86Flags("sub", old.val, v.val, w, old.taint | v.taint)
        return X86Flags("logic", zext(app(op, old.val, v.val), w), Const(0), w,
                        old.taint | v.taint)

    _locked(st, mem, lambda old, w: SV(zext(app(op, old.val, v.val), w), v.taint), None,
            _mem_width(ins, src), flags)


def _lock_inc(st: Machine, ins: Instr):
    """``LOCK INC [m]`` / ``LOCK DEC [m]`` at the location's size (no register
    gives a width; ``DWORD PTR [m]``, from the lowering of ``atomic_inc``, is
    32 bits)."""
    mem = ins.args[0]
    kind = "add" if ins.op == "LOCK INC" else "sub"
    cf = _old_carry(st)
    _locked(st, mem, lambda old, w: SV(zext(app(kind, old.val, Const(1)), w)), None,
            _mem_width(ins), lambda old, w: X86Flags(kind, old.val, Const(1), w, old.taint, cf))


def _lock_xadd(st: Machine, ins: Instr):
    mem, reg = ins.args
    assert isinstance(reg, Reg)
    v = st.get(reg)
    _locked(st, mem, lambda old, w: SV(zext(app("add", old.val, v.val), w), v.taint), reg,
            reg.width, lambda old, w: X86Flags("add", old.val, v.val, w, old.taint | v.taint))


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
    # the flags of CMP accumulator, [m]: ZF says whether the exchange happened
    st.flags = X86Flags("sub", expected.val, r.val, width, expected.taint | r.taint)
    if out is not None:
        st.set(out, r)
    else:  # the accumulator is written (zero-extended) only when the comparison fails
        full = Reg("RAX", 64)
        st.set(full, SV(ite(ok, st.get(full).val, zext(r.val, width)),
                        expected.taint | r.taint))


def _alu(st: Machine, ins: Instr):
    """``OP r, src``: ``r := r OP src`` at r's width; the result depends on
    both operands; the flags are those of the operation."""
    dst, src = ins.args
    assert isinstance(dst, Reg)
    w = dst.width
    a, b = st.get(dst), st.operand(src)
    taint = a.taint | b.taint
    out = zext(app(_ALU[ins.op], a.val, b.val), w)
    st.set(dst, SV(out, taint))
    if ins.op in ("ADD", "SUB"):
        st.flags = X86Flags(ins.op.lower(), a.val, b.val, w, taint)  # type: ignore[arg-type]
    else:
        st.flags = X86Flags("logic", out, Const(0), w, taint)


def _incdec(st: Machine, ins: Instr):
    """``INC r`` / ``DEC r``: CF is left as it was."""
    (dst,) = ins.args
    assert isinstance(dst, Reg)
    w = dst.width
    a = st.get(dst)
    kind = "add" if ins.op == "INC" else "sub"
    cf = _old_carry(st)
    st.set(dst, SV(zext(app(kind, a.val, Const(1)), w), a.taint))
    st.flags = X86Flags(kind, a.val, Const(1), w, a.taint, cf)  # type: ignore[arg-type]


def _shift(st: Machine, ins: Instr):
    """``SHL/SHR/SAR r, count``: the count is masked to 5 bits (6 for a 64-bit
    register), as the SDM says. Their CF and OF are not modelled: a Jcc after
    a shift is refused (a shift by 0 leaves the flags as they were)."""
    dst, src = ins.args
    assert isinstance(dst, Reg)
    w = dst.width
    a, n = st.get(dst), st.operand(src)
    count = app("and", n.val, Const(63 if w == 64 else 31))
    x = app("sext" + str(w), a.val) if ins.op == "SAR" and w < 64 else a.val
    out = zext(app(_SHIFTS[ins.op], x, count), w)
    st.set(dst, SV(out, a.taint | n.taint))
    if not (isinstance(count, Const) and count.bits == 0):
        st.flags = None


def _compare(st: Machine, ins: Instr):
    """``CMP r, src`` (the flags of r - src) and ``TEST r, src`` (of r & src)."""
    a_op, b_op = ins.args
    w = _width(a_op)
    a, b = st.operand(a_op), st.operand(b_op)
    taint = a.taint | b.taint
    if ins.op == "CMP":
        st.flags = X86Flags("sub", a.val, b.val, w, taint)
    else:
        st.flags = X86Flags("logic", zext(app("and", a.val, b.val), w), Const(0), w, taint)


def _jcc(st: Machine, ins: Instr):
    code = JCC[ins.op[1:]]
    f = st.flags
    if f is None:
        raise st.error(f"{ins.op} tests flags no modelled instruction set (CMP, TEST, ADD, SUB, "
                       "AND, OR, XOR, INC, DEC and locked instructions set them; shifts' are "
                       "not modelled)")
    xf = f if isinstance(f, X86Flags) else X86Flags(f.kind, f.a, f.b, f.width, f.taint)
    (label,) = ins.args
    assert isinstance(label, Label)
    taken, fall = st.split(xf.jcc(code), ctrl_deps=f.taint)
    if taken is not None:
        taken.goto(label)
    return [taken, fall]


def _jmp(st: Machine, ins: Instr):
    (label,) = ins.args
    assert isinstance(label, Label)
    st.goto(label)


def _ret(st: Machine, ins: Instr):
    st.halt()


def _nop(st: Machine, ins: Instr):
    return None


HANDLERS = {
    "MOV": _mov,
    "MFENCE": _fence,
    "SFENCE": _fence,
    "LFENCE": _fence,
    "XCHG": _xchg,
    "LOCK ADD": _lock_add,
    "LOCK INC": _lock_inc,
    "LOCK DEC": _lock_inc,
    "LOCK XADD": _lock_xadd,
    "LOCK CMPXCHG": _lock_cmpxchg,
    "LOCK SUB": _lock_op,
    "LOCK AND": _lock_op,
    "LOCK OR": _lock_op,
    "LOCK XOR": _lock_op,
    "NOP": _nop,
    "RET": _ret,
    "JMP": _jmp,
    "CMP": _compare,
    "TEST": _compare,
    "INC": _incdec,
    "DEC": _incdec,
}
HANDLERS.update(dict.fromkeys(_ALU, _alu))
HANDLERS.update(dict.fromkeys(_SHIFTS, _shift))
HANDLERS.update({"J" + cc: _jcc for cc in JCC})

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
    "sub": "SUB",
    "and": "AND",
    "or": "OR",
    "xor": "XOR",
    "inc": "INC",
    "dec": "DEC",
    "shl": "SHL",
    "sal": "SHL",
    "shr": "SHR",
    "sar": "SAR",
    "cmp": "CMP",
    "test": "TEST",
    "mfence": "MFENCE",
    "lfence": "LFENCE",
    "sfence": "SFENCE",
    "nop": "NOP",
    "endbr64": "NOP",  # herd: a NOP
    "ret": "RET",
    "jmp": "JMP",
}
ATT_MNEMONICS.update({"j" + cc.lower(): "J" + cc for cc in JCC})
#: AT&T forms that have no size suffix, the size suffixes, and the operations
#: supported only with a ``lock`` prefix (on memory) or on a register.
ATT_FENCES = frozenset({"mfence", "lfence", "sfence", "endbr64", "ret", "jmp"}
                       | {"j" + cc.lower() for cc in JCC})
ATT_SIZES = {"l": 32, "q": 64, "b": 8, "w": 16}
ATT_LOCKED = frozenset({"add", "inc", "dec", "xadd", "cmpxchg", "sub", "and", "or", "xor"})
#: of those, the ones that also exist, unlocked, on a register
ATT_REGISTER_ALU = frozenset({"add", "inc", "dec", "sub", "and", "or", "xor"})
#: NOPs whose operands herd ignores (``nopl 0(%rax,%eax,0)``)
ATT_NOPS = frozenset({"nop", "nopl", "nopw", "nopq", "endbr64"})


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
    branch_ops=BRANCH_OPS,
)

__all__ = ["ARCH", "ATT_MNEMONICS", "JCC", "parse_reg"]
