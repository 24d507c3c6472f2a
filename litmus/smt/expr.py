"""Values and conditions: the one arithmetic of the tool.

Every register and memory value is a 64-bit two's complement bit-vector, as
on the machines modelled (Arm ARM, "Registers in AArch64 state": a W
register write zero-extends its 32-bit result into the X register; Intel
SDM vol. 1, 3.4.1.1: a 32-bit operand writes a zero-extended 64-bit result).

A :data:`Val` is a tree over constants (:class:`Const`, the *bits* as an
integer in ``[0, 2**64)``), the values read by read events
(:class:`ReadVal`), operations (:class:`App`) and choices (:class:`Ite`). A
:data:`BoolExpr` is a condition over values. Locations have addresses that
are constants too (the event builder assigns them), so address arithmetic
is ordinary arithmetic.

Each operation is defined **once**, in :data:`OPS` and :data:`CMPS`, by a
pair of functions: ``py`` on Python integers (used to fold constants while
the event graph is built) and ``z3`` on z3 bit-vectors (used by
:func:`to_z3` when the graph is encoded). A property test checks that the
two agree on random operands; nothing else in the tool computes values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import z3

WIDTH = 64
MASK = (1 << WIDTH) - 1


def mask(width: int) -> int:
    """The all-ones value of ``width`` bits (an int)."""
    return (1 << width) - 1


def to_bits(value: int, width: int = WIDTH) -> int:
    """``value`` (any Python int, negative included) reduced to ``width`` bits,
    as the unsigned integer in ``[0, 2**width)`` with the same bits."""
    return value & mask(width)


def to_signed(bits: int, width: int = WIDTH) -> int:
    """The two's complement reading of the low ``width`` bits of ``bits``."""
    b = bits & mask(width)
    return b - (1 << width) if b >> (width - 1) else b


# --------------------------------------------------------------------------- trees


@dataclass(frozen=True, slots=True)
class Const:
    """A 64-bit constant; ``bits`` is in ``[0, 2**64)``."""

    bits: int


@dataclass(frozen=True, slots=True)
class ReadVal:
    """The 64-bit value returned by read event ``eid``."""

    eid: int


@dataclass(frozen=True, slots=True)
class App:
    """Operation ``op`` (a key of :data:`OPS`) applied to ``args``."""

    op: str
    args: tuple[Val, ...]


@dataclass(frozen=True, slots=True)
class Ite:
    """``a`` if ``cond`` holds, else ``b``."""

    cond: BoolExpr
    a: Val
    b: Val


Val = Const | ReadVal | App | Ite


@dataclass(frozen=True, slots=True)
class BConst:
    value: bool


@dataclass(frozen=True, slots=True)
class Cmp:
    """Comparison ``op`` (a key of :data:`CMPS`) of two 64-bit values."""

    op: str
    a: Val
    b: Val


@dataclass(frozen=True, slots=True)
class BAnd:
    args: tuple[BoolExpr, ...]


@dataclass(frozen=True, slots=True)
class BOr:
    args: tuple[BoolExpr, ...]


@dataclass(frozen=True, slots=True)
class BNot:
    arg: BoolExpr


@dataclass(frozen=True, slots=True)
class Choice:
    """A free boolean: a nondeterministic choice such as a store-exclusive's success."""

    ident: int


BoolExpr = BConst | Cmp | BAnd | BOr | BNot | Choice

TRUE = BConst(True)
FALSE = BConst(False)
ZERO = Const(0)
ONE = Const(1)


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class OpSpec:
    """One operation: its arity, its meaning on Python ints (bits in, bits out)
    and on z3 64-bit bit-vectors, and how ``litmus show`` writes it."""

    name: str
    arity: int
    py: Callable[..., int]
    z3: Callable[..., z3.BitVecRef]
    symbol: str


def _sh(b: int) -> int:
    return b & 63


def _z3sh(b: z3.BitVecRef) -> z3.BitVecRef:
    return b & 63


def _py_ror(a: int, b: int) -> int:
    n = b & 63
    return ((a >> n) | (a << (64 - n))) & MASK if n else a


def _py_ext(width: int, signed: bool) -> Callable[[int], int]:
    if signed:
        return lambda a: to_bits(to_signed(a, width))
    return lambda a: a & mask(width)


def _z3_ext(width: int, signed: bool) -> Callable[[z3.BitVecRef], z3.BitVecRef]:
    ext = z3.SignExt if signed else z3.ZeroExt
    return lambda a: ext(WIDTH - width, z3.Extract(width - 1, 0, a))


def _py_clz(a: int) -> int:
    return WIDTH - a.bit_length()


def _z3_clz(a: z3.BitVecRef) -> z3.BitVecRef:
    out: z3.BitVecRef = z3.BitVecVal(WIDTH, WIDTH)
    for i in range(WIDTH):  # the highest set bit wins
        out = z3.If(z3.Extract(i, i, a) == 1, z3.BitVecVal(WIDTH - 1 - i, WIDTH), out)
    return out


def _py_rbit(a: int) -> int:
    return int(f"{a:064b}"[::-1], 2)


def _z3_rbit(a: z3.BitVecRef) -> z3.BitVecRef:
    return z3.Concat(*[z3.Extract(i, i, a) for i in range(WIDTH)])


def _py_rev(chunk: int, container: int) -> Callable[[int], int]:
    """Reverse the ``chunk``-bit units inside each ``container``-bit unit."""
    per = container // chunk

    def f(a: int) -> int:
        out = 0
        for c in range(WIDTH // container):
            word = (a >> (c * container)) & mask(container)
            units = [(word >> (u * chunk)) & mask(chunk) for u in range(per)]
            rev = 0
            for u in units:
                rev = (rev << chunk) | u
            out |= rev << (c * container)
        return out

    return f


def _z3_rev(chunk: int, container: int) -> Callable[[z3.BitVecRef], z3.BitVecRef]:
    per = container // chunk

    def f(a: z3.BitVecRef) -> z3.BitVecRef:
        parts = []  # most significant first, as Concat wants
        for c in reversed(range(WIDTH // container)):
            base = c * container
            # the reversed container: its lowest unit becomes its highest
            for u in range(per):
                lo = base + u * chunk
                parts.append(z3.Extract(lo + chunk - 1, lo, a))
        return z3.Concat(*parts)

    return f


def _spec(name: str, arity: int, py, z, symbol: str = "") -> OpSpec:
    return OpSpec(name, arity, py, z, symbol or name)


#: Every operation on values. Binary operations take and give 64-bit values;
#: shift amounts are taken modulo 64 (Arm ARM, LSLV: "the remainder of Rm
#: divided by the data size"); ``zextN``/``sextN`` keep the low N bits and
#: extend them zero- or sign-wise.
OPS: dict[str, OpSpec] = {
    s.name: s
    for s in [
        _spec("add", 2, lambda a, b: (a + b) & MASK, lambda a, b: a + b, "+"),
        _spec("sub", 2, lambda a, b: (a - b) & MASK, lambda a, b: a - b, "-"),
        _spec("mul", 2, lambda a, b: (a * b) & MASK, lambda a, b: a * b, "*"),
        _spec("and", 2, lambda a, b: a & b, lambda a, b: a & b, "&"),
        _spec("or", 2, lambda a, b: a | b, lambda a, b: a | b, "|"),
        _spec("xor", 2, lambda a, b: a ^ b, lambda a, b: a ^ b, "^"),
        _spec("andn", 2, lambda a, b: a & ~b & MASK, lambda a, b: a & ~b, "&~"),
        _spec("orn", 2, lambda a, b: (a | ~b) & MASK, lambda a, b: a | ~b, "|~"),
        _spec("xorn", 2, lambda a, b: (a ^ ~b) & MASK, lambda a, b: a ^ ~b, "^~"),
        _spec("lsl", 2, lambda a, b: (a << _sh(b)) & MASK, lambda a, b: a << _z3sh(b), "<<"),
        _spec("lsr", 2, lambda a, b: a >> _sh(b), lambda a, b: z3.LShR(a, _z3sh(b)), ">>u"),
        _spec("asr", 2, lambda a, b: to_bits(to_signed(a) >> _sh(b)),
              lambda a, b: a >> _z3sh(b), ">>s"),
        _spec("ror", 2, _py_ror, lambda a, b: z3.RotateRight(a, _z3sh(b)), "ror"),
        _spec("umax", 2, max, lambda a, b: z3.If(z3.UGE(a, b), a, b)),
        _spec("umin", 2, min, lambda a, b: z3.If(z3.ULE(a, b), a, b)),
        _spec("smax", 2, lambda a, b: a if to_signed(a) >= to_signed(b) else b,
              lambda a, b: z3.If(a >= b, a, b)),
        _spec("smin", 2, lambda a, b: a if to_signed(a) <= to_signed(b) else b,
              lambda a, b: z3.If(a <= b, a, b)),
        _spec("umulh", 2, lambda a, b: (a * b) >> 64,
              lambda a, b: z3.Extract(127, 64, z3.ZeroExt(64, a) * z3.ZeroExt(64, b))),
        _spec("smulh", 2, lambda a, b: to_bits((to_signed(a) * to_signed(b)) >> 64),
              lambda a, b: z3.Extract(127, 64, z3.SignExt(64, a) * z3.SignExt(64, b))),
        _spec("not", 1, lambda a: ~a & MASK, lambda a: ~a, "~"),
        _spec("neg", 1, lambda a: -a & MASK, lambda a: -a, "-"),
        _spec("clz", 1, _py_clz, _z3_clz),
        _spec("rbit", 1, _py_rbit, _z3_rbit),
        _spec("rev", 1, _py_rev(8, 64), _z3_rev(8, 64)),
        _spec("rev16", 1, _py_rev(8, 16), _z3_rev(8, 16)),
        _spec("rev32", 1, _py_rev(8, 32), _z3_rev(8, 32)),
    ]
}
for _w in (8, 16, 32):
    OPS[f"zext{_w}"] = _spec(f"zext{_w}", 1, _py_ext(_w, False), _z3_ext(_w, False))
    OPS[f"sext{_w}"] = _spec(f"sext{_w}", 1, _py_ext(_w, True), _z3_ext(_w, True))


@dataclass(frozen=True)
class CmpSpec:
    """One comparison of 64-bit values, on Python ints and on z3 bit-vectors."""

    name: str
    py: Callable[[int, int], bool]
    z3: Callable[[z3.BitVecRef, z3.BitVecRef], z3.BoolRef]
    negation: str
    symbol: str


CMPS: dict[str, CmpSpec] = {
    c.name: c
    for c in [
        CmpSpec("eq", lambda a, b: a == b, lambda a, b: a == b, "ne", "=="),
        CmpSpec("ne", lambda a, b: a != b, lambda a, b: a != b, "eq", "!="),
        CmpSpec("ult", lambda a, b: a < b, z3.ULT, "uge", "<u"),
        CmpSpec("ule", lambda a, b: a <= b, z3.ULE, "ugt", "<=u"),
        CmpSpec("ugt", lambda a, b: a > b, z3.UGT, "ule", ">u"),
        CmpSpec("uge", lambda a, b: a >= b, z3.UGE, "ult", ">=u"),
        CmpSpec("slt", lambda a, b: to_signed(a) < to_signed(b), lambda a, b: a < b, "sge", "<"),
        CmpSpec("sle", lambda a, b: to_signed(a) <= to_signed(b), lambda a, b: a <= b, "sgt",
                "<="),
        CmpSpec("sgt", lambda a, b: to_signed(a) > to_signed(b), lambda a, b: a > b, "sle", ">"),
        CmpSpec("sge", lambda a, b: to_signed(a) >= to_signed(b), lambda a, b: a >= b, "slt",
                ">="),
    ]
}


# --------------------------------------------------------------------------- smart constructors


def const(value: int) -> Const:
    """The constant with the bits of ``value`` (negative values wrap)."""
    return Const(value & MASK)


def _is(v: Val, bits: int) -> bool:
    return isinstance(v, Const) and v.bits == bits


_UNIT = {"add": 0, "or": 0, "xor": 0, "sub": None, "lsl": None, "lsr": None, "asr": None,
         "ror": None}


def app(op: str, *args: Val) -> Val:
    """``op(args)``, folded when every argument is a constant, and simplified by
    the identities litmus tests rely on for false dependencies (``x ^ x = 0``,
    ``x - x = 0``, ``x & 0 = 0``), so that such a value is known statically."""
    spec = OPS[op]
    if len(args) != spec.arity:
        raise ValueError(f"{op} takes {spec.arity} argument(s)")
    if all(isinstance(a, Const) for a in args):
        return Const(spec.py(*(a.bits for a in args)) & MASK)  # type: ignore[union-attr]
    if spec.arity == 1:
        (a,) = args
        if op[1:4] == "ext" and isinstance(a, App) and a.op[1:4] == "ext":
            n, k = int(op[4:]), int(a.op[4:])
            if a.op == op:
                return a  # extending twice from the same width changes nothing
            if a.op[0] == "z" and k < n:
                return a  # bit n-1 of a narrower zero-extension is 0: nothing to do
            if k >= n:
                return App(op, a.args)  # only the low n bits of the inner value count
        return App(op, args)
    a, b = args
    if op in ("xor", "sub") and a == b:
        return ZERO
    if op in ("and", "mul") and (_is(a, 0) or _is(b, 0)):
        return ZERO
    if op in ("and", "or", "umax", "umin", "smax", "smin") and a == b:
        return a
    if op in ("add", "or", "xor") and _is(a, 0):
        return b
    if op in ("add", "or", "xor", "sub", "lsl", "lsr", "asr", "ror", "andn") and _is(b, 0):
        return a
    if op == "and" and _is(b, MASK):
        return a
    if op == "and" and _is(a, MASK):
        return b
    if op == "mul" and _is(b, 1):
        return a
    if op == "mul" and _is(a, 1):
        return b
    if op == "andn" and a == b:
        return ZERO
    if op == "add" and isinstance(b, Const) and isinstance(a, App) and a.op == "add" \
            and isinstance(a.args[1], Const):
        return app("add", a.args[0], Const((a.args[1].bits + b.bits) & MASK))
    return App(op, args)


def ite(cond: BoolExpr, a: Val, b: Val) -> Val:
    """``a`` if ``cond`` else ``b``, folded when ``cond`` is known or ``a == b``."""
    if a == b:
        return a
    if isinstance(cond, BConst):
        return a if cond.value else b
    return Ite(cond, a, b)


def cmp(op: str, a: Val, b: Val) -> BoolExpr:
    """``a op b`` as a condition, folded where it is known statically."""
    spec = CMPS[op]
    if isinstance(a, Const) and isinstance(b, Const):
        return BConst(spec.py(a.bits, b.bits))
    if a == b:
        return BConst(op in ("eq", "ule", "uge", "sle", "sge"))
    return Cmp(op, a, b)


def bnot(c: BoolExpr) -> BoolExpr:
    """The negation of ``c`` (comparisons are negated in place)."""
    if isinstance(c, BConst):
        return BConst(not c.value)
    if isinstance(c, BNot):
        return c.arg
    if isinstance(c, Cmp):
        return Cmp(CMPS[c.op].negation, c.a, c.b)
    return BNot(c)


def band(*args: BoolExpr) -> BoolExpr:
    """The conjunction, flattened and folded."""
    out: list[BoolExpr] = []
    for a in args:
        if isinstance(a, BConst):
            if not a.value:
                return FALSE
            continue
        out.extend(a.args if isinstance(a, BAnd) else (a,))
    if not out:
        return TRUE
    return out[0] if len(out) == 1 else BAnd(tuple(out))


def bor(*args: BoolExpr) -> BoolExpr:
    """The disjunction, flattened and folded."""
    out: list[BoolExpr] = []
    for a in args:
        if isinstance(a, BConst):
            if a.value:
                return TRUE
            continue
        out.extend(a.args if isinstance(a, BOr) else (a,))
    if not out:
        return FALSE
    return out[0] if len(out) == 1 else BOr(tuple(out))


def biff(a: BoolExpr, b: BoolExpr) -> BoolExpr:
    """``a`` if and only if ``b``."""
    if isinstance(a, BConst):
        return b if a.value else bnot(b)
    if isinstance(b, BConst):
        return a if b.value else bnot(a)
    return bor(band(a, b), band(bnot(a), bnot(b)))


# --------------------------------------------------------------------------- z3


class Z3Encoder:
    """Turns values and conditions into z3 terms (64-bit bit-vectors, booleans).

    ``read_var(eid)`` gives the bit-vector of a read's value and
    ``choice_var(ident)`` the boolean of a choice; both are supplied by the
    execution encoding (:mod:`litmus.smt.encode`). Terms are memoised.
    """

    def __init__(self, read_var: Callable[[int], z3.BitVecRef],
                 choice_var: Callable[[int], z3.BoolRef]) -> None:
        self.read_var = read_var
        self.choice_var = choice_var
        self._vals: dict[Val, z3.BitVecRef] = {}
        self._consts: dict[int, z3.BitVecRef] = {}

    def const(self, bits: int) -> z3.BitVecRef:
        t = self._consts.get(bits)
        if t is None:
            t = self._consts[bits] = z3.BitVecVal(bits & MASK, WIDTH)
        return t

    def val(self, v: Val) -> z3.BitVecRef:
        """The z3 bit-vector of ``v``."""
        if isinstance(v, Const):
            return self.const(v.bits)
        if isinstance(v, ReadVal):
            return self.read_var(v.eid)
        t = self._vals.get(v)
        if t is None:
            if isinstance(v, App):
                t = OPS[v.op].z3(*(self.val(a) for a in v.args))
            else:
                t = z3.If(self.cond(v.cond), self.val(v.a), self.val(v.b))
            self._vals[v] = t
        return t

    def cond(self, c: BoolExpr) -> z3.BoolRef:
        """The z3 boolean of ``c``."""
        if isinstance(c, BConst):
            return z3.BoolVal(c.value)
        if isinstance(c, Cmp):
            return CMPS[c.op].z3(self.val(c.a), self.val(c.b))
        if isinstance(c, BAnd):
            return z3.And(*(self.cond(a) for a in c.args))
        if isinstance(c, BOr):
            return z3.Or(*(self.cond(a) for a in c.args))
        if isinstance(c, BNot):
            return z3.Not(self.cond(c.arg))
        return self.choice_var(c.ident)


# --------------------------------------------------------------------------- text


def show_val(v: Val, name_of: Callable[[int], str | None] = lambda bits: None) -> str:
    """A short readable rendering of ``v`` (for ``litmus show``); ``name_of``
    names constants that are addresses (``&x``)."""
    if isinstance(v, Const):
        named = name_of(v.bits)
        return named if named is not None else str(to_signed(v.bits))
    if isinstance(v, ReadVal):
        return f"v{v.eid}"
    if isinstance(v, App):
        spec = OPS[v.op]
        if spec.arity == 2 and not spec.symbol.isalnum():
            a, b = (show_val(x, name_of) for x in v.args)
            return f"({a} {spec.symbol} {b})"
        return f"{spec.symbol}(" + ", ".join(show_val(x, name_of) for x in v.args) + ")"
    return (f"({show_bool(v.cond, name_of)} ? {show_val(v.a, name_of)} : "
            f"{show_val(v.b, name_of)})")


def show_bool(c: BoolExpr, name_of: Callable[[int], str | None] = lambda bits: None) -> str:
    """A short readable rendering of a condition."""
    if isinstance(c, BConst):
        return "true" if c.value else "false"
    if isinstance(c, Cmp):
        return f"{show_val(c.a, name_of)} {CMPS[c.op].symbol} {show_val(c.b, name_of)}"
    if isinstance(c, BAnd):
        return " && ".join(show_bool(a, name_of) for a in c.args)
    if isinstance(c, BOr):
        return "(" + " || ".join(show_bool(a, name_of) for a in c.args) + ")"
    if isinstance(c, BNot):
        return f"!({show_bool(c.arg, name_of)})"
    return f"choice{c.ident}"
