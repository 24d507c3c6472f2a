"""Symbolic values and conditions computed by the event builder.

A register holds a :data:`Val`: a constant, a location's address, the value
returned by a read event, or arithmetic over those. Branch and path
conditions are :data:`BoolExpr`. The smart constructors fold constants and
the identities litmus tests rely on for false dependencies (``x ^ x = 0``,
``x - x = 0``, ``x & 0 = 0``), so that an address such as ``[X1, W3]`` with
``W3 = W2 ^ W2`` resolves statically to the location in ``X1``.

The SMT layer (:mod:`litmus.smt`) turns these trees into z3 terms.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Const:
    value: int


@dataclass(frozen=True, slots=True)
class LocAddr:
    """The address of a location, plus a byte offset (0 for the location itself)."""

    loc: str
    offset: int = 0


@dataclass(frozen=True, slots=True)
class ReadVal:
    """The value returned by read event ``eid``."""

    eid: int


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # add sub xor and or mul
    a: Val
    b: Val


@dataclass(frozen=True, slots=True)
class Ite:
    cond: BoolExpr
    a: Val
    b: Val


Val = Const | LocAddr | ReadVal | BinOp | Ite


@dataclass(frozen=True, slots=True)
class BConst:
    value: bool


@dataclass(frozen=True, slots=True)
class Cmp:
    op: str  # eq ne lt le gt ge ult ule ugt uge
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

_ARITH = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "xor": lambda x, y: x ^ y,
    "and": lambda x, y: x & y,
    "or": lambda x, y: x | y,
}

_U64 = (1 << 64) - 1


def _unsigned(v: int) -> int:
    return v & _U64


_CMP = {
    "eq": lambda x, y: x == y,
    "ne": lambda x, y: x != y,
    "lt": lambda x, y: x < y,
    "le": lambda x, y: x <= y,
    "gt": lambda x, y: x > y,
    "ge": lambda x, y: x >= y,
    "ult": lambda x, y: _unsigned(x) < _unsigned(y),
    "ule": lambda x, y: _unsigned(x) <= _unsigned(y),
    "ugt": lambda x, y: _unsigned(x) > _unsigned(y),
    "uge": lambda x, y: _unsigned(x) >= _unsigned(y),
}

NEGATED_CMP = {
    "eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "gt": "le", "le": "gt",
    "ult": "uge", "uge": "ult", "ugt": "ule", "ule": "ugt",
}


def binop(op: str, a: Val, b: Val) -> Val:
    """``a op b``, folded where the result is known statically."""
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(_ARITH[op](a.value, b.value))
    if op in ("xor", "sub") and a == b:
        return ZERO
    if op == "and" and (a == ZERO or b == ZERO):
        return ZERO
    if op in ("add", "or", "xor") and b == ZERO:
        return a
    if op in ("add", "or", "xor") and a == ZERO:
        return b
    if op == "sub" and b == ZERO:
        return a
    if op == "and" and a == b:
        return a
    if op == "or" and a == b:
        return a
    if op == "mul" and (a == ZERO or b == ZERO):
        return ZERO
    # address arithmetic on a location's address
    if op in ("add", "sub") and isinstance(a, LocAddr) and isinstance(b, Const):
        delta = b.value if op == "add" else -b.value
        return LocAddr(a.loc, a.offset + delta)
    if op == "add" and isinstance(b, LocAddr) and isinstance(a, Const):
        return LocAddr(b.loc, b.offset + a.value)
    return BinOp(op, a, b)


def ite(cond: BoolExpr, a: Val, b: Val) -> Val:
    if a == b:
        return a
    if isinstance(cond, BConst):
        return a if cond.value else b
    return Ite(cond, a, b)


def cmp(op: str, a: Val, b: Val) -> BoolExpr:
    """``a op b`` as a condition, folded where both sides are constants."""
    if isinstance(a, Const) and isinstance(b, Const):
        return BConst(_CMP[op](a.value, b.value))
    if isinstance(a, LocAddr) and isinstance(b, LocAddr) and op in ("eq", "ne"):
        same = a == b
        return BConst(same if op == "eq" else not same)
    if a == b and op in ("eq", "le", "ge", "ule", "uge"):
        return TRUE
    if a == b and op in ("ne", "lt", "gt", "ult", "ugt"):
        return FALSE
    return Cmp(op, a, b)


def bnot(c: BoolExpr) -> BoolExpr:
    if isinstance(c, BConst):
        return BConst(not c.value)
    if isinstance(c, BNot):
        return c.arg
    if isinstance(c, Cmp):
        return Cmp(NEGATED_CMP[c.op], c.a, c.b)
    return BNot(c)


def band(*args: BoolExpr) -> BoolExpr:
    out: list[BoolExpr] = []
    for a in args:
        if isinstance(a, BConst):
            if not a.value:
                return FALSE
            continue
        if isinstance(a, BAnd):
            out.extend(a.args)
        else:
            out.append(a)
    if not out:
        return TRUE
    if len(out) == 1:
        return out[0]
    return BAnd(tuple(out))


def bor(*args: BoolExpr) -> BoolExpr:
    out: list[BoolExpr] = []
    for a in args:
        if isinstance(a, BConst):
            if a.value:
                return TRUE
            continue
        if isinstance(a, BOr):
            out.extend(a.args)
        else:
            out.append(a)
    if not out:
        return FALSE
    if len(out) == 1:
        return out[0]
    return BOr(tuple(out))


def show_val(v: Val) -> str:
    """A short human-readable rendering (for ``litmus show``)."""
    if isinstance(v, Const):
        return str(v.value)
    if isinstance(v, LocAddr):
        return f"&{v.loc}" + (f"+{v.offset}" if v.offset else "")
    if isinstance(v, ReadVal):
        return f"v{v.eid}"
    if isinstance(v, BinOp):
        sym = {"add": "+", "sub": "-", "mul": "*", "xor": "^", "and": "&", "or": "|"}[v.op]
        return f"({show_val(v.a)} {sym} {show_val(v.b)})"
    return f"({show_bool(v.cond)} ? {show_val(v.a)} : {show_val(v.b)})"


def show_bool(c: BoolExpr) -> str:
    if isinstance(c, BConst):
        return "true" if c.value else "false"
    if isinstance(c, Cmp):
        sym = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
               "ult": "<u", "ule": "<=u", "ugt": ">u", "uge": ">=u"}[c.op]
        return f"{show_val(c.a)} {sym} {show_val(c.b)}"
    if isinstance(c, BAnd):
        return " && ".join(show_bool(a) for a in c.args)
    if isinstance(c, BOr):
        return "(" + " || ".join(show_bool(a) for a in c.args) + ")"
    if isinstance(c, BNot):
        return f"!({show_bool(c.arg)})"
    return f"choice{c.ident}"
