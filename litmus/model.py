"""The cat model AST: what :mod:`litmus.syntax.cat` produces from a ``.cat`` file.

A :class:`Model` is a list of statements over relation-algebra expressions.
It knows nothing about architectures: the names it uses (``po``, ``rf``,
``DMB.SY``, ``A``, ...) are bound by :mod:`litmus.smt.relations` to the event
graph of a test. Every node carries its source position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from .errors import Pos

# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Var:
    """A name: a base set/relation (``po``, ``W``), a ``let`` binding or a parameter."""

    name: str
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Empty:
    """The empty relation or set: ``0`` or ``{}``."""

    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Universe:
    """``_``: the set of all events (or all pairs, where a relation is expected)."""

    pos: Pos = field(compare=False)


BinOp = Literal["|", "&", "\\", ";", "*", "++"]


@dataclass(frozen=True)
class Binary:
    """``l | r`` union, ``l & r`` intersection, ``l \\ r`` difference,
    ``l ; r`` sequence, ``l * r`` cartesian product of two sets,
    ``l ++ r`` (set/tuple add, herd's list cons; kept for completeness)."""

    op: BinOp
    left: Expr
    right: Expr
    pos: Pos = field(compare=False)


UnOp = Literal["+", "*", "?", "^-1", "~", "[]"]


@dataclass(frozen=True)
class Unary:
    """``r+`` (also ``r^+``), ``r*`` (``r^*``), ``r?``, ``r^-1``, ``~r``
    (complement) and ``[S]`` (identity on a set, op ``"[]"``)."""

    op: UnOp
    arg: Expr
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class App:
    """Function application ``f(a)`` or ``f(a, b)``: built-ins such as
    ``domain``/``range`` and user functions alike."""

    func: Expr
    args: tuple[Expr, ...]
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Fun:
    """``fun x -> e`` or ``fun (x, y) -> e``; ``let f(x) = e`` is sugar for it."""

    params: tuple[str, ...]
    body: Expr
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Tuple:
    """``(a, b)``: a tuple of arguments."""

    items: tuple[Expr, ...]
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Binding:
    """``name = expr`` in a ``let``; ``params`` set for ``let f(x, y) = e``."""

    name: str
    expr: Expr
    pos: Pos = field(compare=False)
    params: tuple[str, ...] | None = None


@dataclass(frozen=True)
class LetIn:
    """``let [rec] b1 and b2 ... in body``."""

    bindings: tuple[Binding, ...]
    body: Expr
    rec: bool
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Try:
    """``try e with fallback``: ``fallback`` where ``e`` names something unbound."""

    expr: Expr
    fallback: Expr
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class IfVariant:
    """Expression-level ``if "variant" then e1 else e2``.

    ``negated`` is set for ``if not "variant" ...``: ``then`` applies when the
    variant is *not* enabled. (Conditions combining variants with ``&&``/``||``
    are expanded by the parser into nested single-variant ``IfVariant`` nodes.)"""

    variant: str
    then: Expr
    else_: Expr
    pos: Pos = field(compare=False)
    negated: bool = False


Expr = Var | Empty | Universe | Binary | Unary | App | Fun | Tuple | LetIn | Try | IfVariant

# --------------------------------------------------------------------------- statements


@dataclass(frozen=True)
class Let:
    """Top-level ``let [rec] b1 and b2 ...``."""

    bindings: tuple[Binding, ...]
    rec: bool
    pos: Pos = field(compare=False)


CheckKind = Literal["acyclic", "irreflexive", "empty"]


@dataclass(frozen=True)
class Check:
    """``[flag] [~]acyclic|irreflexive|empty EXPR [as NAME]``.

    An axiom (``flag=False``) forbids executions that fail it; a flag only
    reports, for each allowed execution, whether the check fails
    (herd: the flag is raised when the check does *not* hold, after ``~``)."""

    kind: CheckKind
    expr: Expr
    pos: Pos = field(compare=False)
    name: str | None = None
    negated: bool = False
    flag: bool = False


@dataclass(frozen=True)
class Include:
    """``include "file.cat"`` (resolved by the parser; kept for the record)."""

    path: str
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Show:
    """``show``/``unshow`` (display only; ignored by the engine)."""

    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class IfVariantStmt:
    """``if "variant" stmts [else stmts] end``.

    ``negated`` and compound conditions: as for :class:`IfVariant`."""

    variant: str
    then: tuple[Stmt, ...]
    else_: tuple[Stmt, ...]
    pos: Pos = field(compare=False)
    negated: bool = False


Stmt = Let | Check | Include | Show | IfVariantStmt


@dataclass(frozen=True)
class Model:
    """A parsed cat file with its includes expanded in place.

    ``title`` is the file's leading name (``"ARMv8 AArch64"``); ``file`` the
    path it was read from (or the name given to :meth:`from_text`); ``name``
    how results name the model (see :attr:`label`).

    Make one with :meth:`from_file` or :meth:`from_text` and give it to
    :func:`litmus.check` (and :func:`litmus.check_models`,
    :func:`litmus.explain.explain`, :func:`litmus.fix`) in place of a model
    name."""

    title: str
    stmts: tuple[Stmt, ...]
    file: str
    name: str = field(default="", compare=False)

    @property
    def label(self) -> str:
        """How results name this model (:attr:`litmus.Result.model`): its
        ``name``, else the file it was read from."""
        return self.name or self.file

    @classmethod
    def from_file(cls, path: str | Path, *, search_path: Sequence[str | Path] = ()) -> Model:
        """The model in the ``.cat`` file ``path``, named by that path as given.
        ``include "f.cat"`` finds ``f.cat`` beside the file, then in each
        directory of ``search_path``, then among the bundled models. Raises
        :class:`~litmus.errors.ModelError` for a file that is missing,
        unreadable, not UTF-8 or not a model litmus supports (at its
        position)."""
        from .library import models_dir
        from .syntax.cat import load_cat

        model = load_cat(path, search_path=[*search_path, models_dir()])
        return replace(model, name=str(path))

    @classmethod
    def from_text(cls, text: str, name: str = "model", *,
                  search_path: Sequence[str | Path] = ()) -> Model:
        """The model ``text`` holds, in herd's cat language, named ``name``:
        in results (:attr:`litmus.Result.model`) and in the positions of its
        errors (``name:line:col``). ``include "f.cat"`` finds ``f.cat`` in each
        directory of ``search_path``, then among the bundled models (so
        ``include "aarch64.cat"`` builds on ``arm``); never in the current
        directory. Raises :class:`~litmus.errors.ModelError` for text that is
        not a model litmus supports, at its position."""
        from .library import models_dir
        from .syntax.cat import parse_cat

        model = parse_cat(text, name, search_path=[*search_path, models_dir()],
                          relative_includes=False)
        return replace(model, name=name)
