"""Fast construction of z3 terms.

z3's Python layer checks and wraps every argument; building the thousands of
small terms an encoding needs through it costs tens of microseconds each. These
helpers call the C API directly. A *term* here is either Python ``True`` (known
true) or a :class:`z3.BoolRef`; "false" is represented by the absence of a term
(``None``) so that static relations never reach z3 at all.
"""

from __future__ import annotations

from collections.abc import Iterable

import z3
from z3 import z3core

Term = bool | z3.BoolRef  # only ever True or a BoolRef

CTX = z3.main_ctx()
_REF = CTX.ref()
_BOOL = z3.BoolSort(CTX)
_INT = z3.IntSort(CTX)


def _wrap(ast) -> z3.BoolRef:
    return z3.BoolRef(ast, CTX)


def _arr(ts: list[z3.ExprRef]):
    arr = (z3.Ast * len(ts))()
    for i, t in enumerate(ts):
        arr[i] = t.as_ast()
    return arr


def bool_var(name: str) -> z3.BoolRef:
    return _wrap(z3core.Z3_mk_const(_REF, z3core.Z3_mk_string_symbol(_REF, name), _BOOL.ast))


def int_var(name: str) -> z3.ArithRef:
    return z3.ArithRef(
        z3core.Z3_mk_const(_REF, z3core.Z3_mk_string_symbol(_REF, name), _INT.ast), CTX
    )


def int_val(v: int) -> z3.ArithRef:
    return z3.IntVal(v, CTX)


def conj(*ts: Term | None) -> Term | None:
    """The conjunction; None if any part is None (false)."""
    parts: list[z3.BoolRef] = []
    for t in ts:
        if t is None:
            return None
        if t is True:
            continue
        parts.append(t)
    if not parts:
        return True
    if len(parts) == 1:
        return parts[0]
    return _wrap(z3core.Z3_mk_and(_REF, len(parts), _arr(parts)))


def conj_all(ts: Iterable[Term | None]) -> Term | None:
    return conj(*ts)


def disj_all(ts: Iterable[Term | None]) -> Term | None:
    """The disjunction; True if any part is True, None if all are None."""
    parts: list[z3.BoolRef] = []
    for t in ts:
        if t is None:
            continue
        if t is True:
            return True
        parts.append(t)
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return _wrap(z3core.Z3_mk_or(_REF, len(parts), _arr(parts)))


def neg(t: Term | None) -> Term | None:
    """Negation: None for True, True for None."""
    if t is None:
        return True
    if t is True:
        return None
    return _wrap(z3core.Z3_mk_not(_REF, t.as_ast()))


def implies(a: Term | None, b: Term | None) -> Term | None:
    """``a -> b`` as a term (None when it is false, which needs a true ``a``)."""
    if a is None or b is True:
        return True
    if a is True:
        return b
    if b is None:
        return neg(a)
    return _wrap(z3core.Z3_mk_implies(_REF, a.as_ast(), b.as_ast()))


def lt(a: z3.ArithRef, b: z3.ArithRef) -> z3.BoolRef:
    return _wrap(z3core.Z3_mk_lt(_REF, a.as_ast(), b.as_ast()))


def le(a: z3.ArithRef, b: z3.ArithRef) -> z3.BoolRef:
    return _wrap(z3core.Z3_mk_le(_REF, a.as_ast(), b.as_ast()))


def eq(a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
    return _wrap(z3core.Z3_mk_eq(_REF, a.as_ast(), b.as_ast()))


def as_bool(t: Term | None) -> z3.BoolRef:
    """A z3 boolean for a term (``True``/``None`` become z3 constants)."""
    if t is None:
        return z3.BoolVal(False, CTX)
    if t is True:
        return z3.BoolVal(True, CTX)
    return t


class Assertions:
    """Constraints collected for a solver, added through the C API."""

    def __init__(self) -> None:
        self.items: list[z3.BoolRef] = []
        self.unsat = False

    def add(self, t: Term | None) -> None:
        if t is True:
            return
        if t is None:
            self.unsat = True
            self.items.append(z3.BoolVal(False, CTX))
            return
        self.items.append(t)

    def into(self, solver: z3.Solver) -> None:
        sref = solver.solver
        for t in self.items:
            z3core.Z3_solver_assert(_REF, sref, t.as_ast())
