"""The mini-DSL front end: ``.lit`` text -> :class:`~litmus.program.Test`.

:func:`parse_dsl` is the whole public API. The grammar (``dsl.lark``) checks
only the shape of the text; this module gives it meaning (memory types,
endpoints, registers, labels, the condition) and :mod:`.instructions` checks
and canonicalises each instruction. Every problem is reported as one
:class:`~litmus.errors.ParseError` at ``file:line:col``; no lark exception
escapes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..errors import ParseError, Pos
from ..library import ALIASES, MODELS, canonical_name
from ..program import (
    ARM_MEMORY_TYPES,
    CTYPES,
    MEMORY_ENDPOINT,
    X86_MEMORY_TYPES,
    Condition,
    CType,
    Expect,
    InitValue,
    Instr,
    Location,
    LocRef,
    MemAtom,
    PAnd,
    PConst,
    PNot,
    POr,
    Prop,
    RegAtom,
    Test,
    Thread,
    Value,
    element_name,
)
from .grammar import lalr
from .instructions import (
    RawAddrOf,
    RawImm,
    RawMem,
    RawName,
    RawOperand,
    RawShift,
    branch_target,
    did_you_mean,
    make_instr,
    named_locations,
    parse_int,
    reg_or_error,
)
from .source import MAX_NESTING, shorten, strip_bom

__all__ = ["parse_dsl"]

#: Spellings accepted after ``arch`` (case-insensitive) and the arch they name.
ARCH_NAMES = {"aarch64": "aarch64", "arm64": "aarch64", "x86": "x86", "x86_64": "x86",
              "x86-64": "x86", "x64": "x86"}  # fmt: skip
#: What an ``expect`` item may say.
EXPECT_WORDS = ("never", "sometimes", "always", "forbidden", "allowed")
#: Memory types that are not device-like: they share the endpoint ``memory``.
NORMAL_TYPES = ("normal", "wb")
#: The most elements an array of the memory section may have.
MAX_ARRAY = 256


def parse_dsl(text: str, path: str = "<string>") -> Test:
    """Parse a mini-DSL test and return it. ``path`` names the file in positions
    and gives the default test name (its stem); a byte-order mark at the start
    of ``text`` is ignored. Raises :class:`ParseError` on any bad input, a
    condition nested deeper than :data:`~litmus.syntax.source.MAX_NESTING`
    included."""
    text = strip_bom(text)
    lark = _parser()
    postlex: _PostLex = lark.options.postlex
    try:
        tree = lark.parse(text + "\n")
    except UnexpectedInput as e:
        raise _translate(e, text, path, postlex.state) from None
    except _StrayClose as e:
        raise ParseError(
            "unbalanced parentheses: found ')' without a matching '('",
            Pos(path, e.token.line, e.token.column),
        ) from None
    except _TooDeep as e:
        raise ParseError(
            f"condition nested more than {MAX_NESTING} deep", Pos(path, e.token.line, e.token.column)
        ) from None
    try:
        return _Builder(text, path).build(tree)
    except RecursionError:  # absurdly deep parentheses
        raise ParseError("condition nested too deeply", _eof_pos(text, path)) from None


# --------------------------------------------------------------------------- the parser

_PARSER: Lark | None = None
_PARSER_LOCK = threading.Lock()


def _parser() -> Lark:
    """The lark parser, made once per process (its tables cached across
    processes: :mod:`.grammar`)."""
    global _PARSER
    if _PARSER is None:
        with _PARSER_LOCK:
            if _PARSER is None:
                grammar = resources.files(__package__).joinpath("dsl.lark").read_text()
                _PARSER = lalr(
                    "dsl",
                    grammar,
                    lexer="contextual",
                    postlex=_PostLex(),
                    maybe_placeholders=False,
                )
    return _PARSER


# Newlines after these tokens are dropped: a condition may continue on the next line.
_CONTINUE_AFTER = frozenset({"_AND", "_OR", "TILDE", "NOT", "EXISTS", "FORALL", "_LPAR"})


@dataclass
class _LexState:
    """What the post-lexer has seen of one parse, for error messages."""

    opens: list[Token] = field(default_factory=list)  # unclosed '('
    last: Token | None = None  # the last token passed to the parser
    prev: Token | None = None  # the one before it
    last_after_break: bool = False  # whether a newline was dropped just before `last`
    pending_break: bool = False  # a newline was dropped since `last`


class _PostLex:
    """Collapses blank lines, drops newlines inside parentheses and after a
    condition operator, and catches a ``)`` without ``(``."""

    always_accept = ("_NL",)

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def state(self) -> _LexState:
        return getattr(self._local, "state", None) or _LexState()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        st = _LexState()
        self._local.state = st
        # How deeply the condition nests here: one level per open '(' and per
        # '~' applying to the operand being read at each parenthesis level.
        negations = [0]
        depth = 0
        for tok in stream:
            kind = tok.type
            if kind == "_NL":
                if st.opens:
                    st.pending_break = True
                    continue
                if st.last is None or st.last.type == "_NL" or st.last.type in _CONTINUE_AFTER:
                    continue
                negations, depth = [0], 0
            elif kind == "_LPAR":
                st.opens.append(tok)
                negations.append(0)
                depth += 1
            elif kind == "_RPAR":
                if not st.opens:
                    raise _StrayClose(tok)
                st.opens.pop()
                depth -= 1 + negations.pop()
            elif kind in ("TILDE", "NOT"):
                negations[-1] += 1
                depth += 1
            elif kind in ("_AND", "_OR", "EXISTS", "FORALL"):
                depth -= negations[-1]
                negations[-1] = 0
            if depth > MAX_NESTING:
                raise _TooDeep(tok)
            st.prev, st.last = st.last, tok
            st.last_after_break, st.pending_break = st.pending_break, False
            yield tok


class _StrayClose(Exception):
    """A ')' without '(' (raised by the post-lexer, reported by parse_dsl)."""

    def __init__(self, token: Token) -> None:
        super().__init__(token)
        self.token = token


class _TooDeep(Exception):
    """A condition nested beyond MAX_NESTING at ``token`` (a '(' or '~')."""

    def __init__(self, token: Token) -> None:
        super().__init__(token)
        self.token = token


# --------------------------------------------------------------------------- lark errors

_DESCRIBE = {
    "TEST": "'test'",
    "ARCH": "'arch'",
    "DOC": "'doc'",
    "MEMORY": "'memory'",
    "THREAD": "'thread'",
    "DEVICE": "'device'",
    "EXISTS": "'exists'",
    "FORALL": "'forall'",
    "EXPECT": "'expect'",
    "TRUE": "'true'",
    "FALSE": "'false'",
    "LOCK": "'LOCK'",
    "NAME": "a name",
    "TESTNAME": "a test name",
    "PCTNAME": "a register",
    "INT": "an integer",
    "IMM": "an immediate",
    "SHIFT": "a shift",
    "STRING": "a quoted string",
    "LSQB": "'['",
    "RSQB": "']'",
    "BANG": "'!'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "AMP": "'&'",
    "TILDE": "'~'",
    "NOT": "'not'",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_AND": "'/\\'",
    "_OR": "'\\/'",
    "_COMMA": "','",
    "_COLON": "':'",
    "_EQUAL": "'='",
    "_AT": "'@'",
    "_NL": "end of line",
    "$END": "end of file",
}
_ORDER = list(_DESCRIBE)


def _describe_expected(names: set[str]) -> str:
    """``'a', 'b' or 'c'`` for a set of terminal names the parser would accept."""
    names = set(names)
    if len(names) > 1:
        names.discard("$END")  # "end of file" is never a helpful suggestion
        names.discard("BANG")  # nor the '!' of a pre-indexed memory operand
    descs: list[tuple[int, str]] = []
    if "LOCK" in names and "NAME" in names:  # the start of a thread line
        names -= {"LOCK", "NAME"}
        descs.append((-1, "an instruction or label"))
    if "EXISTS" in names and "FORALL" in names:  # a section may start
        names -= {"EXISTS", "FORALL", "TILDE", "NOT"}
        descs.append((_order_key("EXISTS"), "a condition ('exists', '~exists' or 'forall')"))
    descs += [(_order_key(n), _DESCRIBE[n]) for n in names if n in _DESCRIBE]
    words = [d for _, d in sorted(descs)]
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _order_key(name: str) -> int:
    return _ORDER.index(name) if name in _ORDER else len(_ORDER)


def _expected(e: UnexpectedInput) -> set[str]:
    """The terminals the parser accepts where ``e`` happened. (The lexer's own
    set is less precise: it includes newlines, which are always lexed.)"""
    state = getattr(e, "state", None)
    try:
        table = state.parse_conf.parse_table.states[state.position]  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError):
        return set(getattr(e, "expected", None) or getattr(e, "allowed", None) or ())
    return {name for name in table if name.isupper()}


def _describe_token(tok: Token) -> str:
    if tok.type == "_NL":
        return "end of line"
    if tok.type == "$END":
        return "end of file"
    if tok.type == "STRING":
        return f"string {shorten(tok.value)}"
    return f"'{shorten(tok.value)}'"


def _eof_pos(text: str, path: str) -> Pos:
    """The end of the file: just after the last character of its last line."""
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return Pos(path, len(lines), len(lines[-1].rstrip("\r")) + 1)


def _translate(e: UnexpectedInput, text: str, path: str, st: _LexState) -> ParseError:
    if isinstance(e, UnexpectedCharacters):
        offset = e.pos_in_stream
        if text.startswith("(*", offset) or (
            text[offset : offset + 1] == "*" and offset > 0 and text[offset - 1] == "("
        ):
            start = offset if text.startswith("(*", offset) else offset - 1
            line = text.count("\n", 0, start) + 1
            col = start - (text.rfind("\n", 0, start) + 1) + 1
            return ParseError("unterminated comment: '(*' without '*)'", Pos(path, line, col))
        char = text[offset] if offset < len(text) else ""
        if char in ("", "\n", "\r"):
            found = "end of line"
        elif char.isprintable():
            found = f"'{char}'"
        else:
            found = f"character U+{ord(char):04X}"
        expected = _expected(e)
        if not st.opens:
            expected.discard("_RPAR")
        return ParseError(
            f"expected {_describe_expected(expected)}, found {found}",
            Pos(path, e.line, e.column),
        )
    if isinstance(e, UnexpectedToken):
        tok = e.token
        expected = _expected(e)
        if not st.opens:  # LALR merges states: ')' may be listed where it cannot occur
            expected.discard("_RPAR")
        else:  # newlines inside parentheses are dropped
            expected.discard("_NL")
        if text.startswith("(*", tok.start_pos or 0) and tok.type == "_LPAR":
            return ParseError(
                "unterminated comment: '(*' without '*)'", Pos(path, tok.line, tok.column)
            )
        if str(tok).startswith('"') and not _STRING.match(text, tok.start_pos or 0):
            return ParseError(
                "unterminated string: '\"' without a closing '\"' on its line",
                Pos(path, tok.line, tok.column),
            )
        # A newline inside parentheses was dropped and the next thing does not
        # continue the condition: the ')' is missing at the end of the line.
        is_current = st.last is tok
        after_break = st.last_after_break if is_current else st.pending_break
        before = st.prev if is_current else st.last
        if st.opens and after_break and "_RPAR" in expected and before is not None:
            opening = st.opens[-1]
            return ParseError(
                f"unbalanced parentheses: expected ')' to close the '(' at "
                f"{opening.line}:{opening.column}, found end of line",
                Pos(path, before.end_line, before.end_column),
            )
        if tok.type == "$END":
            pos = _eof_pos(text, path)
        else:
            pos = Pos(path, tok.line, tok.column)
        return ParseError(
            f"expected {_describe_expected(expected)}, found {_describe_token(tok)}", pos
        )
    if isinstance(e, UnexpectedEOF):
        return ParseError(
            f"expected {_describe_expected(_expected(e))}, found end of file",
            _eof_pos(text, path),
        )
    return ParseError(str(e).splitlines()[0], Pos(path))  # pragma: no cover


# --------------------------------------------------------------------------- tree -> Test


def _tokens(tree: Tree | Token) -> Iterator[Token]:
    if isinstance(tree, Token):
        yield tree
    else:
        for child in tree.children:
            yield from _tokens(child)


def _first(tree: Tree | Token) -> Token:
    return next(_tokens(tree))


def _last(tree: Tree | Token) -> Token:
    tok = None
    for tok in _tokens(tree):
        pass
    assert tok is not None
    return tok


_BLOCK_COMMENT = re.compile(r"\(\*[\s\S]*?\*\)")
_STRING = re.compile(r'"(\\.|[^"\\\n])*"')  # the grammar's STRING
# A SHIFT token: the shift's name, then the immediate's mark and its text.
_SHIFT_TOKEN = re.compile(r"([A-Za-z]+)[ \t]*([#$])(.*)")


def _unquote(s: str) -> str:
    body = s[1:-1]
    out: list[str] = []
    i = 0
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], "\\" + body[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _Builder:
    """Turns one parse tree into a Test (not reusable)."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.arch = "aarch64"
        self.declared: dict[str, Location] = {}
        self.used: dict[str, Pos] = {}  # undeclared locations, by first use

    # -- helpers

    def pos(self, tok: Token) -> Pos:
        return Pos(self.path, tok.line, tok.column)

    def error(self, message: str, tok: Token | Pos) -> ParseError:
        return ParseError(message, tok if isinstance(tok, Pos) else self.pos(tok))

    def source(self, tree: Tree | Token) -> str:
        """The source text of ``tree``, without comments."""
        start, end = _first(tree).start_pos, _last(tree).end_pos
        text = self.text[start:end]
        if "(*" in text:
            text = _BLOCK_COMMENT.sub(" ", text)
        return text.strip()

    def use(self, name: str, pos: Pos) -> None:
        if name not in self.declared:
            self.used.setdefault(name, pos)

    def array(self, name: str, tok: Token) -> Location:
        """The declared array ``name`` (named at ``tok``), or an error."""
        loc = self.declared.get(name)
        if loc is None or loc.length is None:
            raise self.error(f"'{name}' is not an array (declare it in the memory section, "
                             f"as in '{name}[2] int64_t')", tok)
        return loc

    # -- the file

    def build(self, tree: Tree) -> Test:
        headers = [c for c in tree.children if c.data.endswith("_header")]
        sections = [c for c in tree.children if not c.data.endswith("_header")]
        name, doc = self.headers(headers)
        for sec in sections:
            if sec.data == "memory_section":
                self.memory(sec)
        threads: list[Thread] = []
        thread_pos: dict[str, Pos] = {}
        conditions: list[Tree] = []
        expects: list[Expect] = []
        seen_models: dict[str, Pos] = {}
        for sec in sections:
            if sec.data == "memory_section":
                for line in sec.children[1:]:
                    init = self.declared[str(line.children[0])].init
                    for v in init if isinstance(init, tuple) else (init,):
                        if isinstance(v, LocRef):
                            self.use(v.name, self.declared[str(line.children[0])].pos)
            elif sec.data == "thread_section":
                name_tok = sec.children[1]
                tname = str(name_tok)
                if tname in thread_pos:
                    first = thread_pos[tname]
                    raise self.error(
                        f"duplicate thread '{tname}' (first declared at line {first.line})",
                        name_tok,
                    )
                thread_pos[tname] = self.pos(name_tok)
                threads.append(self.thread(sec, len(threads)))
            elif sec.data == "condition":
                conditions.append(sec)
            elif sec.data == "expect_line":
                expects.extend(self.expect_line(sec, seen_models))
        if not conditions:
            raise self.error(
                "expected a final condition ('exists', '~exists' or 'forall'), found end of file",
                _eof_pos(self.text, self.path),
            )
        if len(conditions) > 1:
            first = _first(conditions[0])
            raise self.error(
                f"a second final condition (the first is at line {first.line}); "
                "a test has exactly one",
                _first(conditions[1]),
            )
        if not threads:
            raise self.error("a test needs at least one thread", _first(conditions[0]))
        condition = self.condition(conditions[0], threads)
        default = "wb" if self.arch == "x86" else "normal"
        locations = dict(self.declared)
        has_memory = any(sec.data == "memory_section" for sec in sections)
        for loc, pos in self.used.items():
            hint = did_you_mean(loc, self.declared) if has_memory else ""
            if hint:
                # a near miss of a declared location is a typo, never a location of
                # its own: its verdict would read as an answer about ordering
                raise ParseError(
                    f"location '{loc}' is not declared in the memory section "
                    f"(did you mean {hint.removeprefix(' (did you mean ').removesuffix('?)')}? "
                    "declare it there if it is a location of its own)", pos)
            locations[loc] = Location(loc, default, MEMORY_ENDPOINT, 0, pos)
        return Test(
            name=name,
            arch=self.arch,  # type: ignore[arg-type]
            threads=tuple(threads),
            condition=condition,
            locations=locations,
            doc=doc,
            expects=tuple(expects),
            source=self.path,
            format="dsl",
        )

    def headers(self, headers: list[Tree]) -> tuple[str, str]:
        seen: dict[str, Token] = {}
        name = "test" if self.path == "<string>" else Path(self.path).stem
        doc = ""
        for h in headers:
            kw, val = h.children
            key = kw.type.lower()
            if key in seen:
                raise self.error(
                    f"duplicate '{key}' header (first given at line {seen[key].line})", kw
                )
            seen[key] = kw
            if key == "test":
                name = str(val)
            elif key == "doc":
                doc = _unquote(str(val))
            else:
                arch = ARCH_NAMES.get(str(val).lower())
                if arch is None:
                    raise self.error(f"unknown arch '{val}' (expected aarch64 or x86)", val)
                self.arch = arch
        return name, doc

    # -- memory

    def memory(self, sec: Tree) -> None:
        for line in sec.children[1:]:
            name_tok = line.children[0]
            name = str(name_tok)
            if name in self.declared:
                first = self.declared[name].pos
                raise self.error(
                    f"duplicate location '{name}' (first declared at line "
                    f"{first.line if first else '?'})",
                    name_tok,
                )
            type_words: list[Token] = []
            endpoint: str | None = None
            periph_tok: Token | None = None
            init: InitValue | tuple[InitValue, ...] = 0
            init_tree: Tree | None = None
            length: int | None = None
            for part in line.children[1:]:
                if part.data == "mem_length":
                    n_tok = part.children[1]
                    length = parse_int(str(n_tok), self.pos(n_tok))
                    if not 1 <= length <= MAX_ARRAY:
                        raise self.error(f"an array has 1 to {MAX_ARRAY} elements, found "
                                         f"{length}", n_tok)
                elif part.data == "mem_type":
                    type_words.append(part.children[0])
                elif part.data == "mem_peripheral":
                    periph_tok = part.children[0]
                    endpoint = str(periph_tok)
                else:
                    init_tree = part.children[0]
            ctype, mtype = self.types(type_words)
            if init_tree is not None:
                init = self.initial(name, init_tree, ctype, length)
            if mtype in NORMAL_TYPES:
                if periph_tok is not None:
                    raise self.error(
                        f"only device memory belongs to a peripheral; '{name}' is {mtype} "
                        f"memory (give it a device type or drop '@{periph_tok}')",
                        periph_tok,
                    )
                endpoint = MEMORY_ENDPOINT
            elif endpoint is None:
                endpoint = name
            if mtype not in NORMAL_TYPES and endpoint == MEMORY_ENDPOINT:
                raise self.error(
                    f"'{MEMORY_ENDPOINT}' is the endpoint of normal memory, not a peripheral name",
                    periph_tok or name_tok,
                )
            self.declared[name] = Location(name, mtype, endpoint, init, self.pos(name_tok),
                                           ctype, length)

    def types(self, words: list[Token]) -> tuple[CType | None, str]:
        """The C type (``uint8_t``, ``unsigned char``, ...) and the memory type
        among a location's type words, in either order; each at most once."""
        ctype: CType | None = None
        mtype: str | None = None
        first: Token | None = None
        i = 0
        while i < len(words):
            for k in range(min(3, len(words) - i), 0, -1):
                text = " ".join(str(w) for w in words[i:i + k])
                if text in CTYPES:
                    if ctype is not None:
                        raise self.error(f"a second C type '{text}' (the first is "
                                         f"{ctype.name})", words[i])
                    ctype = CTYPES[text]
                    i += k
                    break
            else:
                if mtype is not None:
                    raise self.error(f"a second memory type '{words[i]}' (the first is "
                                     f"'{first}')", words[i])
                first = words[i]
                mtype = self.memory_type(words[i])
                i += 1
        return ctype, mtype or ("wb" if self.arch == "x86" else "normal")

    def initial(self, name: str, tree: Tree, ctype: CType | None,
                length: int | None) -> InitValue | tuple[InitValue, ...]:
        """A location's initial value (a ``value`` or, for an array, a
        ``value_list``), checked against its size."""
        if tree.data == "value_list":
            if length is None:
                raise self.error(
                    f"'{name}' is not an array: give it one value, or declare it as one "
                    f"({name}[{len(tree.children) - 2}])", _first(tree))
            values = [self.value(v, record=False) for v in tree.children[1:-1]]
            if len(values) > length:
                raise self.error(f"{len(values)} initial values for array '{name}' of "
                                 f"{length} elements", _first(tree))
            for v, t in zip(values, tree.children[1:-1]):
                self.check_fits(v, ctype, name, t)
            return tuple(values)  # type: ignore[arg-type]
        if length is not None:
            raise self.error(f"array '{name}' is initialised with a list of values "
                             f"({{...}}), found '{self.source(tree)}'", _first(tree))
        value = self.value(tree, record=False)
        self.check_fits(value, ctype, name, tree)
        return value  # type: ignore[return-value]

    def check_fits(self, value: Value, ctype: CType | None, name: str, tree: Tree) -> None:
        """Refuse an initial value that the location's C type cannot hold
        (``uint8_t`` takes -128..255: C's ``-1`` for all ones is fine)."""
        if ctype is None or ctype.bits >= 64:
            return
        if isinstance(value, LocRef):
            raise self.error(f"the address of '{value.name}' does not fit in '{name}' "
                             f"({ctype.name}); addresses need 64 bits", _first(tree))
        assert isinstance(value, int)
        if not -(1 << (ctype.bits - 1)) <= value < (1 << ctype.bits):
            raise self.error(f"{value} does not fit in '{name}' ({ctype.name}, "
                             f"{ctype.bits} bits)", _first(tree))

    def memory_type(self, tok: Token) -> str:
        word = str(tok).lower()
        arm = {t.lower(): t for t in ARM_MEMORY_TYPES}
        x86 = {t.lower(): t for t in X86_MEMORY_TYPES}
        if self.arch == "x86":
            if word in x86:
                return x86[word]
            if word == "normal":  # a synonym of write-back on x86
                return "wb"
            if word in arm:
                raise self.error(
                    f"memory type '{tok}' is for arch aarch64; this test is arch x86 "
                    "(x86 types are wb, uc and wc)",
                    tok,
                )
            choices = (*X86_MEMORY_TYPES, "normal")
        else:
            if word in arm:
                return arm[word]
            if word in x86:
                raise self.error(
                    f"memory type '{tok}' is for arch x86; this test is arch aarch64", tok
                )
            choices = ARM_MEMORY_TYPES
        hint = did_you_mean(str(tok), choices)
        c_hint = did_you_mean(str(tok), CTYPES)
        if not hint and c_hint:
            raise self.error(f"unknown C type '{tok}'{c_hint}", tok)
        hint = hint or f" (expected one of {', '.join(choices)})"
        raise self.error(f"unknown memory type '{tok}'{hint}", tok)

    def value(self, tree: Tree, record: bool = True) -> Value:
        """An INT, a location NAME or ``&NAME`` (a ``value`` node)."""
        tok = tree.children[-1]
        if tok.type == "INT":
            return parse_int(str(tok), self.pos(tok))
        if record:
            self.use(str(tok), self.pos(tok))
        return LocRef(str(tok))

    # -- threads

    def thread(self, sec: Tree, index: int) -> Thread:
        name_tok = sec.children[1]
        device = (
            len(sec.children) > 2
            and isinstance(sec.children[2], Token)
            and sec.children[2].type == "DEVICE"
        )
        code: list[Instr] = []
        labels: dict[str, int] = {}
        label_toks: dict[str, Token] = {}
        branch_ops: dict[int, RawOperand] = {}
        for line in sec.children:
            if not isinstance(line, Tree) or line.data != "thread_line":
                continue
            for part in line.children:
                if part.data == "label":
                    tok = part.children[0]
                    label = str(tok)
                    if label in labels:
                        raise self.error(
                            f"duplicate label '{label}' (first defined at line "
                            f"{label_toks[label].line})",
                            tok,
                        )
                    labels[label] = len(code)
                    label_toks[label] = tok
                else:
                    instr, raws = self.instr(part)
                    if branch_target(self.arch, instr) is not None:
                        branch_ops[len(code)] = raws[-1]
                    code.append(instr)
        for i, raw in branch_ops.items():
            target = branch_target(self.arch, code[i])
            assert target is not None
            if target.name not in labels:
                hint = did_you_mean(target.name, labels)
                raise self.error(
                    f"unknown label '{target.name}' in thread {name_tok}{hint}", raw.pos
                )
        return Thread(
            name=str(name_tok),
            index=index,
            code=tuple(code),
            labels=labels,
            device=device,
            init={},
            pos=self.pos(name_tok),
        )

    def instr(self, tree: Tree) -> tuple[Instr, list[RawOperand]]:
        mnemonic_tree = tree.children[0]
        mtoks = list(mnemonic_tree.children)
        mnemonic = " ".join(str(t) for t in mtoks)
        raws = (
            [self.operand(op) for op in tree.children[1].children] if len(tree.children) > 1 else []
        )
        pos = self.pos(mtoks[0])
        instr = make_instr(
            self.arch, mnemonic, raws, pos, self.source(tree), locations=self.declared
        )
        for name in named_locations(instr):
            self.use(name, pos)
        return instr, raws

    def operand(self, tree: Tree) -> RawOperand:
        first = _first(tree)
        pos = self.pos(first)
        text = self.source(tree)
        kind = tree.data
        if kind == "op_name":
            return RawName(str(first), pos, text)
        if kind == "op_imm":
            return RawImm(parse_int(str(first)[1:], pos), pos, text, str(first)[0])
        if kind == "op_int":
            return RawImm(parse_int(str(first), pos), pos, text, "")
        if kind == "op_shift":
            m = _SHIFT_TOKEN.match(str(first))
            assert m is not None
            amount_pos = Pos(self.path, first.line, first.column + m.start(2))
            return RawShift(m.group(1), parse_int(m.group(3), amount_pos), pos, text)
        if kind == "op_addr_of":
            return RawAddrOf(str(tree.children[1]), pos, text)
        assert kind == "op_mem"
        items = tuple(self.operand(c) for c in tree.children[1].children)
        return RawMem(items, pos, text, writeback=len(tree.children) > 3)

    # -- condition

    def condition(self, tree: Tree, threads: list[Thread]) -> Condition:
        quant, prop = tree.children
        words = [str(t).lower() for t in quant.children]
        quantifier = "~exists" if words[0] in ("~", "not") else words[0]
        by_name = {t.name: t for t in threads}
        return Condition(
            quantifier,  # type: ignore[arg-type]
            self.prop(prop, by_name, threads),
            self.pos(_first(quant)),
        )

    def prop(self, tree: Tree, by_name: dict[str, Thread], threads: list[Thread]) -> Prop:
        kind = tree.data
        if kind in ("prop_and", "prop_or"):
            cls = PAnd if kind == "prop_and" else POr
            args: list[Prop] = []
            for child in tree.children:
                sub = self.prop(child, by_name, threads)
                args.extend(sub.args if isinstance(sub, cls) else [sub])
            return cls(tuple(args))
        if kind == "prop_not":
            return PNot(self.prop(tree.children[1], by_name, threads))
        if kind == "prop_true":
            return PConst(True)
        if kind == "prop_false":
            return PConst(False)
        if kind == "mem_atom":
            name_tok = next(c for c in tree.children if isinstance(c, Token) and c.type == "NAME")
            pos = self.pos(name_tok)
            loc = self.declared.get(str(name_tok))
            if loc is not None and loc.length is not None:
                raise self.error(
                    f"'{name_tok}' is an array of {loc.length} elements: compare it with a "
                    f"list of values ({name_tok} = {{...}}) or compare one element "
                    f"({name_tok}[0] = ...)", name_tok)
            self.use(str(name_tok), pos)
            return MemAtom(str(name_tok), self.value(tree.children[-1]), pos)
        if kind == "elem_atom":
            name_tok, _, idx_tok = tree.children[:3]
            loc = self.array(str(name_tok), name_tok)
            index = parse_int(str(idx_tok), self.pos(idx_tok))
            if not 0 <= index < (loc.length or 0):
                raise self.error(f"index {index} is out of bounds for array '{name_tok}' of "
                                 f"{loc.length} elements", idx_tok)
            return MemAtom(element_name(str(name_tok), index), self.value(tree.children[-1]),
                           self.pos(name_tok))
        if kind == "array_atom":
            name_tok, values = tree.children
            loc = self.array(str(name_tok), name_tok)
            items = tuple(self.value(v) for v in values.children[1:-1])
            if len(items) != loc.length:
                raise self.error(f"{len(items)} values for array '{name_tok}' of "
                                 f"{loc.length} elements", _first(values))
            return MemAtom(str(name_tok), items, self.pos(name_tok))  # type: ignore[arg-type]
        assert kind == "reg_atom", kind
        thread_tree, reg_tree, value_tree = tree.children
        ttok = thread_tree.children[0]
        if ttok.type == "INT":
            idx = parse_int(str(ttok), self.pos(ttok))
            if not 0 <= idx < len(threads):
                raise self.error(f"unknown thread '{ttok}' in condition", ttok)
            thread = threads[idx]
        elif str(ttok) in by_name:
            thread = by_name[str(ttok)]
        else:
            hint = did_you_mean(str(ttok), by_name)
            raise self.error(f"unknown thread '{ttok}' in condition{hint}", ttok)
        rtok = reg_tree.children[0]
        reg = reg_or_error(self.arch, str(rtok), self.pos(rtok))
        return RegAtom(
            thread=thread.name,
            reg=reg,
            value=self.value(value_tree),
            key=f"{ttok}:{rtok}",
            pos=self.pos(ttok),
        )

    # -- expectations

    def expect_line(self, tree: Tree, seen: dict[str, Pos]) -> list[Expect]:
        out: list[Expect] = []
        for item in tree.children[1:]:
            model_tok, word_tok = item.children
            model = str(model_tok).lower()
            word = str(word_tok).lower()
            if word not in EXPECT_WORDS:
                hint = did_you_mean(word, EXPECT_WORDS)
                raise self.error(
                    f"expected never, sometimes, always, forbidden or allowed, "
                    f"found '{word_tok}'{hint}",
                    word_tok,
                )
            pos = self.pos(model_tok)
            if not model.endswith(".cat") and canonical_name(model) not in MODELS:
                hint = did_you_mean(model, list(MODELS) + list(ALIASES))
                for alias, name in ALIASES.items():  # named as the known list names it
                    hint = hint.replace(f"mean {alias}?", f"mean {name}?")
                raise self.error(
                    f"unknown model '{model_tok}'{hint} (known: {', '.join(MODELS)}; or a "
                    ".cat file)", model_tok)
            if model in seen:
                raise self.error(
                    f"duplicate expectation for model '{model}' (first given at line "
                    f"{seen[model].line})",
                    model_tok,
                )
            seen[model] = pos
            out.append(Expect(model, word, pos))  # type: ignore[arg-type]
        return out
