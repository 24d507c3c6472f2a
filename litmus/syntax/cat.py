"""Parser for herd's cat language (the subset litmus supports) into :mod:`litmus.model`.

Public API::

    parse_cat(text, path="<string>", search_path=()) -> Model
    load_cat(path, search_path=()) -> Model
    model_files(path, search_path=()) -> tuple[str, ...]

``include "f.cat"`` is resolved here: the file is looked up in the directory of
the including file, then in each directory of ``search_path`` in order, and its
statements are spliced in place after an :class:`~litmus.model.Include` marker.
As in herd, a file is spliced at most once (which also breaks include cycles);
inside ``if "variant" ... else ... end`` each branch is resolved on its own.

The grammar is ``cat.lark`` beside this file (LALR(1)); the lark parser is
made once per process, from tables cached across processes (:mod:`.grammar`).
Files are parsed once per (absolute path, mtime), and :func:`load_cat`
returns the very same :class:`Model` while neither the file nor anything it
includes has changed.

Constructs of herd's language that litmus does not support (``procedure``,
``call``, ``match``, ``forall``, ``with ... from``, tags, explicit sets, ...)
are refused with ``unsupported cat construct '...'`` at their position; syntax
errors read ``expected ..., found '...'``. Both are :class:`ModelError`.

A chain of one associative operator (``a | b | c``, ``;``, ``&``) becomes a
balanced tree, so a union of 500 terms nests 10 deep. A statement whose tree
is still deeper than :data:`~litmus.syntax.source.MAX_NESTING` (100, counted
from the statement: ``let`` and its binding are two levels) is refused at the
first node beyond the bound (``expression nested more than 100 deep``), as is
a variant condition (``if "a" || "b" ...``) nested deeper: every later stage
walks the tree recursively. A byte-order mark at the start of a file is
ignored; a file that is not UTF-8 is refused at its first bad byte.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..errors import ModelError, Pos
from ..model import (
    App,
    Binary,
    Binding,
    Check,
    Empty,
    Expr,
    Fun,
    IfVariant,
    IfVariantStmt,
    Include,
    Let,
    LetIn,
    Model,
    Show,
    Stmt,
    Try,
    Tuple,
    Unary,
    Universe,
    Var,
)
from .grammar import lalr
from .source import MAX_NESTING, read_source, shorten, strip_bom

__all__ = ["clear_cache", "load_cat", "model_files", "parse_cat"]

_GRAMMAR = Path(__file__).with_name("cat.lark")

# Words herd's lexer reserves for constructs litmus does not support. They lex as
# NAME here and are refused by the post-lexer wherever they appear.
_UNSUPPORTED_WORDS = frozenset(
    {
        "procedure", "call", "forall", "do", "from", "match", "enum", "debug",
        "instructions", "default", "when", "undefined_unless", "assert", "subset",
        "yield", "compat",
        # options after the title in old herd versions ("Generate co's" withoutco)
        "withco", "withoutco", "withinit", "withoutinit", "withsc", "withoutsc",
    }
)  # fmt: skip

_OPENERS = {"LPAR": "RPAR", "LBRACK": "RBRACK", "LBRACE": "RBRACE"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
_BRACKET_TEXT = {
    "LPAR": "(",
    "RPAR": ")",
    "LBRACK": "[",
    "RBRACK": "]",
    "LBRACE": "{",
    "RBRACE": "}",
}


class _Refusal(Exception):
    """Raised inside the lark callbacks; turned into a ModelError with the file."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


def _unsupported(what: str, at: Token | Any, detail: str = "") -> _Refusal:
    line, col = _line_col(at)
    msg = f"unsupported cat construct '{what}'"
    if detail:
        msg += f" ({detail})"
    return _Refusal(msg, line, col)


def _line_col(x: Any) -> tuple[int, int]:
    if isinstance(x, Token):
        return x.line or 0, x.column or 0
    pos = x.pos
    return pos.line, pos.col


# --------------------------------------------------------------------------- per-parse context

_ctx = threading.local()


def _file() -> str:
    return getattr(_ctx, "file", "<string>")


def _pos(x: Any) -> Pos:
    if isinstance(x, Token):
        return Pos(_file(), x.line or 0, x.column or 0)
    return x.pos


# --------------------------------------------------------------------------- comments


_COMMENT_START = re.compile(r'"|\(\*|//|#')
_NESTED = re.compile(r"\(\*|\*\)")


def _blank(s: str) -> str:
    return re.sub(r"[^\n]", " ", s)


def _strip_comments(text: str) -> str:
    """Blank out ``(* ... *)`` (nested), ``// ...`` and ``# ...`` comments,
    keeping newlines so that line/column positions are unchanged."""
    out: list[str] = []
    i, n = 0, len(text)
    while True:
        m = _COMMENT_START.search(text, i)
        if m is None:
            out.append(text[i:])
            break
        start = m.start()
        out.append(text[i:start])
        tok = m.group()
        if tok == '"':  # skip over strings; an unterminated one is the lexer's business
            end = text.find('"', start + 1)
            end = n if end < 0 else end + 1
            out.append(text[start:end])
        elif tok == "(*":
            depth, j = 1, start + 2
            while depth:
                m2 = _NESTED.search(text, j)
                if m2 is None:
                    line = text.count("\n", 0, start) + 1
                    col = start - (text.rfind("\n", 0, start) + 1) + 1
                    raise _Refusal("unterminated comment", line, col)
                depth += 1 if m2.group() == "(*" else -1
                j = m2.end()
            end = j
            out.append(_blank(text[start:end]))
        else:  # "//" or "#": to end of line
            end = text.find("\n", start)
            end = n if end < 0 else end
            out.append(_blank(text[start:end]))
        i = end
    return "".join(out)


# --------------------------------------------------------------------------- post-lexer


class _PostLex:
    """Refuses unsupported keywords/tokens and checks bracket balance, in file order."""

    always_accept: tuple[str, ...] = ()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        stack: list[Token] = []
        _ctx.brackets = stack
        pending: deque[Token] = deque()
        it = iter(stream)
        while True:
            if pending:
                tok = pending.popleft()
            else:
                tok = next(it, None)
                if tok is None:
                    break
            t = tok.type
            if t == "NAME":
                if tok.value in _UNSUPPORTED_WORDS:
                    raise _unsupported(tok.value, tok)
            elif t == "TAG":
                raise _unsupported("tag", tok, tok.value)
            elif t == "WITH":
                # herd's "with co from e" statement vs "try e with e"
                while len(pending) < 2:
                    nxt = next(it, None)
                    if nxt is None:
                        break
                    pending.append(nxt)
                if (
                    len(pending) == 2
                    and pending[0].type == "NAME"
                    and pending[1].type == "NAME"
                    and pending[1].value == "from"
                ):
                    raise _unsupported("with ... from", tok)
            elif t in _OPENERS:
                stack.append(tok)
            elif t in _CLOSERS:
                if not stack:
                    raise _Refusal(f"unmatched '{tok.value}'", tok.line, tok.column)
                opener = stack[-1]
                if _OPENERS[opener.type] != t:
                    raise _Refusal(
                        f"'{opener.value}' at {opener.line}:{opener.column} is closed by "
                        f"'{tok.value}', expected '{_BRACKET_TEXT[_OPENERS[opener.type]]}'",
                        tok.line,
                        tok.column,
                    )
                stack.pop()
            yield tok
        if stack:
            opener = stack[-1]
            raise _Refusal(f"unclosed '{opener.value}'", opener.line, opener.column)


# --------------------------------------------------------------------------- AST building


@dataclass(frozen=True)
class _Title:
    text: str


# Variant conditions, before expansion into nested single-variant ifs.
@dataclass(frozen=True)
class _VStr:
    name: str
    pos: Pos
    depth: int = 1


@dataclass(frozen=True)
class _VNot:
    arg: Any
    pos: Pos
    depth: int = 1


@dataclass(frozen=True)
class _VBin:
    op: str  # "&&" or "||"
    left: Any
    right: Any
    pos: Pos
    depth: int = 1


def _vdepth(node: Any, at: Token | Pos) -> int:
    """The depth of a variant condition with ``node`` as its child, refused
    beyond :data:`MAX_NESTING` (the condition is expanded recursively)."""
    depth = node.depth + 1
    if depth > MAX_NESTING:
        pos = at if isinstance(at, Pos) else _pos(at)
        raise _Refusal(f"variant condition nested more than {MAX_NESTING} deep",
                       pos.line, pos.col)
    return depth


def _expand_cond(
    cond: Any,
    then: Any,
    else_: Any,
    mk: _MkIfExpr | _MkIfStmt,
    pos: Pos | None,
    negated: bool = False,
) -> Any:
    """``if c then T else E`` with ``c`` built from variants, ``not``, ``&&``,
    ``||`` -> nested single-variant ifs (negations pushed to the variants).
    ``mk`` builds one if node; ``mk.wrap`` makes a nested one a branch."""
    if isinstance(cond, _VStr):
        return mk(cond.name, then, else_, pos or cond.pos, negated)
    if isinstance(cond, _VNot):
        return _expand_cond(cond.arg, then, else_, mk, pos, not negated)
    inner = _expand_cond(cond.right, then, else_, mk, None, negated)
    if (cond.op == "&&") != negated:  # a && b: if a then (if b then T else E) else E
        return _expand_cond(cond.left, mk.wrap(inner), else_, mk, pos, negated)
    # a || b: if a then T else (if b then T else E)
    return _expand_cond(cond.left, then, mk.wrap(inner), mk, pos, negated)


def _balanced(op: str, items: Sequence[Expr]) -> Expr:
    """``items[0] op items[1] op ...`` as a balanced tree of :class:`Binary` (``op``
    is associative). Two or three items nest to the right, as herd groups them;
    each node's position is that of its leftmost operand."""
    if len(items) == 1:
        return items[0]
    mid = len(items) // 2
    left = _balanced(op, items[:mid])
    return Binary(op, left, _balanced(op, items[mid:]), left.pos)  # type: ignore[arg-type]


class _MkIfExpr:
    @staticmethod
    def wrap(node: Expr) -> Expr:
        return node

    def __call__(self, variant: str, then: Expr, else_: Expr, pos: Pos, negated: bool) -> IfVariant:
        return IfVariant(variant, then, else_, pos, negated=negated)


class _MkIfStmt:
    @staticmethod
    def wrap(node: Stmt) -> tuple[Stmt, ...]:
        return (node,)

    def __call__(
        self, variant: str, then: tuple, else_: tuple, pos: Pos, negated: bool
    ) -> IfVariantStmt:
        return IfVariantStmt(variant, then, else_, pos, negated=negated)


_mk_if_expr = _MkIfExpr()
_mk_if_stmt = _MkIfStmt()


def _has(children: list, type_: str) -> bool:
    return any(isinstance(c, Token) and c.type == type_ for c in children)


def _nodes(children: list) -> list:
    return [c for c in children if not isinstance(c, Token)]


def _unquote(tok: Token) -> str:
    return tok.value[1:-1]


class _Build:
    """Lark callbacks (inline transformer): children -> litmus.model nodes."""

    # ----- file level

    def start(self, ch: list) -> tuple[str, tuple[Stmt, ...]]:
        title = ""
        if ch and isinstance(ch[0], _Title):
            title = ch[0].text
            ch = ch[1:]
        return title, tuple(ch)

    def title(self, ch: list) -> _Title:
        if len(ch) == 1:
            t = ch[0]
            return _Title(_unquote(t) if t.type == "STRING" else t.value)
        arch, name = ch
        if name.type == "STRING":
            return _Title(_unquote(name))
        return _Title(f"{arch.value} {name.value}")

    # ----- statements

    def let_stmt(self, ch: list) -> Let:
        (bindings,) = _nodes(ch)
        return Let(bindings, _has(ch, "REC"), _pos(ch[0]))

    def bindings(self, ch: list) -> tuple[Binding, ...]:
        return tuple(_nodes(ch))

    def bind_plain(self, ch: list) -> Binding:
        return Binding(ch[0].value, ch[-1], _pos(ch[0]))

    def bind_fun(self, ch: list) -> Binding:
        name, second = ch[0], ch[1]
        if isinstance(second, Token) and second.type == "LPAR":
            params = next((c for c in ch[2:] if isinstance(c, tuple)), ())
        else:  # let f x = e
            params = (second.value,)
        return Binding(name.value, ch[-1], _pos(name), params=params)

    def bind_pattern(self, ch: list) -> Binding:
        raise _unsupported("tuple binding", ch[0], "let (x, y) = ... or let _ = ...")

    def params(self, ch: list) -> tuple[str, ...]:
        return tuple(t.value for t in ch if t.type != "COMMA")

    def test(self, ch: list) -> tuple[str, bool, Token]:
        tok = ch[0]
        if tok.type == "NEGTEST":
            return tok.value[1:].strip(), True, tok
        return tok.value, False, tok

    def check_stmt(self, ch: list) -> Check:
        flag = _has(ch, "FLAG")
        rest = ch[1:] if flag else ch
        kind, negated, _ = rest[0]
        expr = rest[1]
        name = rest[3].value if len(rest) > 2 else None
        return Check(kind, expr, _pos(ch[0] if flag else rest[0][2]), name=name,
                     negated=negated, flag=flag)  # fmt: skip

    def show_stmt(self, ch: list) -> Show:
        return Show(_pos(ch[0]))

    def unshow_stmt(self, ch: list) -> Show:
        return Show(_pos(ch[0]))

    def include_stmt(self, ch: list) -> Include:
        return Include(_unquote(ch[1]), _pos(ch[0]))

    def if_stmt(self, ch: list) -> IfVariantStmt:
        cond = ch[1]
        body = ch[2:-1]
        if body and isinstance(body[0], Token) and body[0].type == "THEN":
            body = body[1:]
        then: list = []
        else_: list = []
        cur = then
        for c in body:
            if isinstance(c, Token) and c.type == "ELSE":
                cur = else_
            else:
                cur.append(c)
        return _expand_cond(cond, tuple(then), tuple(else_), _mk_if_stmt, _pos(ch[0]))

    # ----- variant conditions

    def v_str(self, ch: list) -> _VStr:
        return _VStr(_unquote(ch[0]), _pos(ch[0]))

    def v_not(self, ch: list) -> _VNot:
        return _VNot(ch[1], _pos(ch[0]), _vdepth(ch[1], ch[0]))

    def v_paren(self, ch: list) -> Any:
        return dataclasses.replace(ch[1], depth=_vdepth(ch[1], ch[0]))

    def v_and(self, ch: list) -> _VBin:
        depth = _vdepth(ch[0] if ch[0].depth >= ch[2].depth else ch[2], ch[1])
        return _VBin("&&", ch[0], ch[2], ch[0].pos, depth)

    def v_or(self, ch: list) -> _VBin:
        depth = _vdepth(ch[0] if ch[0].depth >= ch[2].depth else ch[2], ch[1])
        return _VBin("||", ch[0], ch[2], ch[0].pos, depth)

    # ----- expressions

    def tuple(self, ch: list) -> Tuple:
        items = tuple(_nodes(ch))
        return Tuple(items, items[0].pos)

    def let_in(self, ch: list) -> LetIn:
        bindings, body = _nodes(ch)
        return LetIn(bindings, body, _has(ch, "REC"), _pos(ch[0]))

    def fun(self, ch: list) -> Fun:
        second = ch[1]
        if isinstance(second, Token) and second.type == "LPAR":
            params = next((c for c in ch[2:] if isinstance(c, tuple)), ())
        else:
            params = (second.value,)
        return Fun(params, ch[-1], _pos(ch[0]))

    def try_(self, ch: list) -> Try:
        return Try(ch[1], ch[3], _pos(ch[0]))

    def if_expr(self, ch: list) -> IfVariant:
        return _expand_cond(ch[1], ch[3], ch[5], _mk_if_expr, _pos(ch[0]))

    def if_other(self, ch: list) -> Any:
        raise _unsupported("if", ch[0], f"condition '{ch[2].value}' is not a variant")

    def binop(self, ch: list) -> Binary:
        left, op, right = ch
        return Binary(op.value, left, right, left.pos)

    def chain(self, ch: list) -> Expr:
        """``a | b | ...`` (or ``;``, ``&``): one operator, so a balanced tree."""
        return _balanced(ch[1].value, ch[0::2])

    def cart(self, ch: list) -> Binary:
        left, _, right = ch
        return Binary("*", left, right, left.pos)

    def compl(self, ch: list) -> Unary:
        return Unary("~", ch[1], _pos(ch[0]))

    def postfix(self, ch: list) -> Unary:
        arg = ch[0]
        ops = ch[1:]
        if ops[0].type == "HAT":
            op = {"INV": "^-1", "PLUS": "+", "STAR": "*"}[ops[1].type]
        else:
            op = ops[0].value
        return Unary(op, arg, arg.pos)

    def var(self, ch: list) -> Var:
        return Var(ch[0].value, _pos(ch[0]))

    def apply(self, ch: list) -> App:
        func, arg = ch
        args = arg.items if isinstance(arg, Tuple) else (arg,)
        return App(func, args, func.pos)

    def empty(self, ch: list) -> Empty:
        return Empty(_pos(ch[0]))

    def universe(self, ch: list) -> Universe:
        return Universe(_pos(ch[0]))

    def unit(self, ch: list) -> Tuple:
        return Tuple((), _pos(ch[0]))

    def paren(self, ch: list) -> Expr:
        # The node now starts at the opening parenthesis.
        return dataclasses.replace(ch[1], pos=_pos(ch[0]))

    def identity(self, ch: list) -> Unary:
        return Unary("[]", ch[1], _pos(ch[0]))

    def explicit_set(self, ch: list) -> Any:
        raise _unsupported("explicit set", ch[0], "{e1, e2, ...}")

    def tag(self, ch: list) -> Any:  # normally refused by the post-lexer already
        raise _unsupported("tag", ch[0], ch[0].value)


# --------------------------------------------------------------------------- lark parser

_parser_lock = threading.Lock()
_parser: Lark | None = None


def _get_parser() -> Lark:
    global _parser
    if _parser is None:
        with _parser_lock:
            if _parser is None:
                _parser = lalr(
                    "cat",
                    _GRAMMAR.read_text(encoding="utf-8"),
                    lexer="basic",
                    keep_all_tokens=True,
                    maybe_placeholders=False,
                    transformer=_Build(),
                    postlex=_PostLex(),
                )
    return _parser


# Display names for the terminals in "expected ..." messages.
_DISPLAY: dict[str, str] = {
    "NAME": "identifier",
    "STRING": "string",
    "TAG": "tag",
    "NEGTEST": "'~empty'",
    "$END": "end of file",
}
_EXPR_START = {"NAME", "LPAR", "LBRACK", "LBRACE", "ZERO", "UNDERSCORE", "TILDE", "BEGIN"}
_STMT_START = {"LET", "ACYCLIC", "IRREFLEXIVE", "TESTEMPTY", "NEGTEST", "FLAG", "SHOW",
               "UNSHOW", "INCLUDE", "IF"}  # fmt: skip
_BINARY_OPS = {"BAR", "PLUSPLUS", "SEMI", "BACKSLASH", "AMP"}
_NONASSOC = {"STAR", "PLUS", "QMARK"}


def _display(term: str) -> str:
    if term in _DISPLAY:
        return _DISPLAY[term]
    try:
        pattern = _get_parser().get_terminal(term).pattern
    except KeyError:
        return term
    return f"'{pattern.value}'" if pattern.type == "str" else term


def _expected_text(expected: set[str]) -> str:
    expected = set(expected)
    groups: list[str] = []
    if _EXPR_START <= expected:
        expected -= _EXPR_START | {"TAG", "FUN", "TRY", "IF", "LET"}
        groups.append("expression")
    if _STMT_START <= expected:
        expected -= _STMT_START
        groups.append("statement")
    if _BINARY_OPS <= expected:
        expected -= _BINARY_OPS | {"STAR", "PLUS", "QMARK", "HAT"}
        groups.append("operator")
    names = groups + sorted(_display(t) for t in expected)
    if len(names) > 6:
        names = names[:6] + ["..."]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _end_pos(text: str) -> tuple[int, int]:
    line = text.count("\n") + 1
    col = len(text) - (text.rfind("\n") + 1) + 1
    return line, col


def _syntax_error(e: UnexpectedInput, text: str, file: str) -> ModelError:
    if isinstance(e, UnexpectedCharacters):
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        if ch == '"':
            msg = "unterminated string"
        elif ch == "'":
            msg = 'unexpected character "\'"'
        else:
            msg = f"unexpected character '{ch}'"
        return ModelError(msg, Pos(file, e.line, e.column))
    if isinstance(e, UnexpectedToken):
        tok = e.token
        expected = set(e.expected or ())
        if e.interactive_parser is not None:  # LALR lookaheads are merged: ask precisely
            expected = set(e.interactive_parser.accepts()) or expected
        if tok.type == "$END":
            found = "end of file"
            line, col = _end_pos(text)
        else:
            found = f"'{tok.value}'"
            line, col = tok.line, tok.column
        msg = f"expected {_expected_text(expected)}, found {found}"
        if tok.type in _NONASSOC and "BAR" in expected:
            msg += " (herd does not combine postfix '*', '+', '?', prefix '~' and binary '*' without parentheses)"
        stack = getattr(_ctx, "brackets", None)
        if stack:
            opener = stack[-1]
            closer = _OPENERS[opener.type]
            if closer in expected:
                msg += (f" ('{opener.value}' at {opener.line}:{opener.column} "
                        f"is not closed)")  # fmt: skip
        return ModelError(msg, Pos(file, line, col))
    if isinstance(e, UnexpectedEOF):
        line, col = _end_pos(text)
        return ModelError("unexpected end of file", Pos(file, line, col))
    return ModelError(str(e), Pos(file))  # pragma: no cover


def _parse_text(text: str, file: str) -> tuple[str, tuple[Stmt, ...]]:
    """Parse one file's text; includes are left as Include nodes."""
    parser = _get_parser()
    text = strip_bom(text)
    _ctx.file = file
    _ctx.brackets = None
    try:
        title, stmts = parser.parse(_strip_comments(text))
    except _Refusal as r:
        raise ModelError(r.message, Pos(file, r.line, r.col)) from None
    except UnexpectedInput as e:
        raise _syntax_error(e, text, file) from None
    finally:
        _ctx.brackets = None
    _check_nesting(stmts)
    return title, stmts


# --------------------------------------------------------------------------- nesting

_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _children(node: Any) -> list[Any]:
    """The AST nodes directly under ``node`` (positions and names aside)."""
    cls = type(node)
    names = _CHILD_FIELDS.get(cls)
    if names is None:
        names = _CHILD_FIELDS[cls] = tuple(
            f.name for f in dataclasses.fields(cls) if f.name != "pos"
        )
    out: list[Any] = []
    for name in names:
        value = getattr(node, name)
        if isinstance(value, tuple):
            out.extend(v for v in value if dataclasses.is_dataclass(v))
        elif dataclasses.is_dataclass(value):
            out.append(value)
    return out


def _check_nesting(stmts: Sequence[Stmt]) -> None:
    """Refuse a statement whose syntax tree is deeper than :data:`MAX_NESTING`,
    at the first node beyond the bound. (Every later stage walks the tree
    recursively; the walk here is iterative, and shared subtrees, which the
    expansion of variant conditions makes, are measured once.)"""
    height: dict[int, int] = {}
    for root in stmts:
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in height:
                continue
            kids = _children(node)
            if expanded:
                height[id(node)] = 1 + max((height[id(k)] for k in kids), default=0)
            else:
                stack.append((node, True))
                stack.extend((k, False) for k in kids if id(k) not in height)
        if height[id(root)] > MAX_NESTING:
            node = root
            for _ in range(MAX_NESTING):
                node = max(_children(node), key=lambda k: height[id(k)])
            raise ModelError(f"expression nested more than {MAX_NESTING} deep", node.pos)


# --------------------------------------------------------------------------- files, includes, caches

_Stamp = tuple[int, int]  # (mtime_ns, size)

# (absolute path, display path) -> (stamp, (title, statements))
_raw_cache: dict[tuple[str, str], tuple[_Stamp, tuple[str, tuple[Stmt, ...]]]] = {}
# (absolute path, display path, search path) -> (dependencies with stamps, model)
_model_cache: dict[
    tuple[str, str, tuple[str, ...]], tuple[tuple[tuple[str, _Stamp], ...], Model]
] = {}
_cache_lock = threading.RLock()


def clear_cache() -> None:
    """Forget every parsed file and model (mainly for tests)."""
    with _cache_lock:
        _raw_cache.clear()
        _model_cache.clear()


def _stamp(path: str) -> _Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _read_file(
    path: Path, display: str, at: Pos | None
) -> tuple[str, tuple[Stmt, ...], str, _Stamp]:
    """Parse a file (cached by absolute path and mtime). Returns title, statements,
    absolute path and the stamp the result is valid for."""
    absolute = os.path.abspath(path)
    stamp = _stamp(absolute)
    key = (absolute, display)
    with _cache_lock:
        hit = _raw_cache.get(key)
        if hit is not None and stamp is not None and hit[0] == stamp:
            title, stmts = hit[1]
            return title, stmts, absolute, stamp
    try:
        text = read_source(absolute, ModelError, display)
    except OSError as e:
        reason = e.strerror or str(e)
        raise ModelError(f"cannot read model '{display}': {reason}", at or Pos(display)) from None
    title, stmts = _parse_text(text, display)
    if stamp is not None:
        with _cache_lock:
            _raw_cache[key] = (stamp, (title, stmts))
    return title, stmts, absolute, stamp or (0, 0)


def _find_include(
    name: str, here: Path | None, search_path: Sequence[Path], at: Pos
) -> Path | None:
    """The file ``include "name"`` names, or None if there is none. Raises
    :class:`ModelError` at ``at`` when the name cannot be a file name at all
    (too long for the file system, ...)."""
    candidate = Path(name)
    dirs = [None] if candidate.is_absolute() else \
        ([here] if here is not None else []) + list(search_path)
    for d in dirs:
        p = candidate if d is None else d / name
        try:
            if p.is_file():
                return p
        except OSError as e:
            reason = e.strerror or str(e)
            raise ModelError(f"cannot read included model '{shorten(name)}': {reason}", at) \
                from None
    return None


class _Resolver:
    def __init__(self, search_path: Sequence[str | Path]) -> None:
        self.search_path = [Path(d) for d in search_path]
        self.deps: dict[str, _Stamp] = {}

    def resolve(
        self, stmts: tuple[Stmt, ...], here: Path | None, included: set[str]
    ) -> tuple[Stmt, ...]:
        out: list[Stmt] = []
        for s in stmts:
            if isinstance(s, Include):
                out.append(s)
                target = _find_include(s.path, here, self.search_path, s.pos)
                if target is None:
                    raise ModelError(f"cannot find included model '{shorten(s.path)}'", s.pos)
                absolute = os.path.abspath(target)
                if absolute in included:
                    continue
                included.add(absolute)
                _, sub, absolute, stamp = _read_file(target, str(target), s.pos)
                self.deps[absolute] = stamp
                out.extend(self.resolve(sub, target.parent, included))
            elif isinstance(s, IfVariantStmt):
                inc_then, inc_else = set(included), set(included)
                then = self.resolve(s.then, here, inc_then)
                else_ = self.resolve(s.else_, here, inc_else)
                # Only what both branches include is certainly included afterwards.
                included |= inc_then & inc_else
                out.append(dataclasses.replace(s, then=then, else_=else_))
            else:
                out.append(s)
        return tuple(out)


def _directory_of(path: str) -> Path | None:
    if not path or path.startswith("<"):
        return None
    return Path(path).parent


def parse_cat(text: str, path: str = "<string>", search_path: Sequence[str | Path] = (), *,
              relative_includes: bool = True) -> Model:
    """Parse cat source ``text`` (read from ``path``, used in positions and, if
    ``relative_includes``, as the directory includes are looked up in first)
    and return its :class:`Model`, includes resolved. Raises
    :class:`ModelError` at the position of any problem: syntax, unsupported
    constructs, nesting beyond :data:`~litmus.syntax.source.MAX_NESTING`, an
    include that cannot be found or read (included files are read as
    :func:`load_cat` reads them)."""
    title, stmts = _parse_text(text, path)
    included: set[str] = set()
    here = _directory_of(path) if relative_includes else None
    if here is not None and os.path.isfile(path):
        included.add(os.path.abspath(path))
    stmts = _Resolver(search_path).resolve(stmts, here, included)
    return Model(title, stmts, path)


def load_cat(path: str | Path, search_path: Sequence[str | Path] = ()) -> Model:
    """Read and parse the cat file ``path``, resolving its includes, and return
    its :class:`Model`.

    The result is cached: while neither the file nor any file it includes
    changes (mtime, size), the same :class:`Model` object is returned. Raises
    :class:`ModelError`: as :func:`parse_cat` does, for a file that does not
    exist or cannot be read, and at the line and column of the first byte of
    a file that is not UTF-8."""
    display = str(path)
    absolute = os.path.abspath(display)
    key = (absolute, display, tuple(os.path.abspath(d) for d in search_path))
    with _cache_lock:
        hit = _model_cache.get(key)
    if hit is not None:
        deps, model = hit
        if all(_stamp(f) == stamp for f, stamp in deps):
            return model
    if not os.path.isfile(absolute):
        raise ModelError(f"cannot read model '{display}': no such file", Pos(display))
    title, stmts, absolute, stamp = _read_file(Path(display), display, None)
    resolver = _Resolver(search_path)
    resolver.deps[absolute] = stamp
    stmts = resolver.resolve(stmts, Path(display).parent, {absolute})
    model = Model(title, stmts, display)
    with _cache_lock:
        _model_cache[key] = (tuple(resolver.deps.items()), model)
    return model


def model_files(path: str | Path, search_path: Sequence[str | Path] = ()) -> tuple[str, ...]:
    """The absolute paths of the files the model ``path`` is read from: the file
    itself, then every file it includes (transitively, in the order they are
    spliced; both branches of an ``if "variant"``). What :func:`load_cat` reads,
    so a digest of these files' text names the model exactly (the result cache
    does so). Raises what :func:`load_cat` raises."""
    load_cat(path, search_path)
    display = str(path)
    key = (os.path.abspath(display), display, tuple(os.path.abspath(d) for d in search_path))
    with _cache_lock:
        deps, _ = _model_cache[key]
    return tuple(f for f, _ in deps)
