"""herd7's ``.litmus`` format -> :class:`~litmus.program.Test`.

:func:`parse_herd` is the whole public API. A herd test is::

    AArch64 MP                        <- arch and name (``X86``, ``X86_64`` too)
    "PodWW Rfe PodRR Fre"             <- optional description
    Cycle=Rfe PodRR Fre PodWW         <- key=value lines (Test.meta)
    {
    0:X1=x; 0:X3=y; x=1; int z=2;     <- initial state: registers and memory
    }
     P0          | P1          ;      <- the thread table, one column per thread,
     MOV W0,#1   | LDR W0,[X1] ;         each row ending with ';'
     STR W0,[X1] | LDR W2,[X3] ;
    locations [x; 1:X4;]              <- optional, then an optional filter
    exists (1:X0=1 /\\ 1:X2=0)         <- the final condition

The layout is column based, so this is a hand-written reader rather than a
grammar: the file is split the way herd splits it (header, ``{...}``, table,
condition), comments ``(* ... *)`` are blanked out first (keeping every
position), the table is cut at ``;`` and ``|``, and the initial state and the
condition are read by a small recursive-descent parser. Each instruction is
reduced to raw operands and checked by :func:`.instructions.make_instr`, which
also produces its canonical form; herd's ``X86_64`` tests are in AT&T syntax
and go through :func:`.instructions.att_to_intel` first. herd's symbolic
registers (``%r``, ``X%r``, ``W%r`` in AArch64 code) are given real registers
before the code is read, as herd7 gives them (:meth:`_Reader.allocate_symbolic`).

What herd7 reads and ignores (text before the initial state, an unknown type
on a register it never compares) is ignored here too, with a warning in
:attr:`~litmus.program.Test.warnings`.

Every problem is one :class:`~litmus.errors.ParseError` at ``file:line:col``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ParseError, Pos
from ..isa.x86 import ATT_NOPS
from ..program import (
    CTYPES,
    INS_T,
    MEMORY_ENDPOINT,
    POINTER,
    CodeRef,
    Condition,
    CType,
    Expect,
    InitValue,
    Instr,
    Label,
    Location,
    LocRef,
    MemAtom,
    Observable,
    PAnd,
    PConst,
    PNot,
    POr,
    Prop,
    Reg,
    RegAtom,
    Test,
    Thread,
    Value,
    format_value,
    memory_key,
    prop_atoms,
    split_element,
)
from .instructions import (
    RawAddrOf,
    RawAttMem,
    RawImm,
    RawMem,
    RawName,
    RawOperand,
    RawShift,
    att_to_intel,
    branch_target,
    did_you_mean,
    make_instr,
    named_locations,
    parse_int,
    parse_reg,
    reg_or_error,
)
from .source import MAX_NESTING, shorten, strip_bom

__all__ = ["HERD_ARCHES", "HERD_ARCH_WORDS", "parse_herd"]

#: herd's architecture words (case-insensitive) -> (arch, assembly syntax).
HERD_ARCHES: dict[str, tuple[str, str]] = {
    "aarch64": ("aarch64", "arm"),
    "arm64": ("aarch64", "arm"),
    "x86": ("x86", "intel"),
    "x86_64": ("x86", "att"),
}
#: Every word herd7 takes as an architecture in a test's header (herd's
#: ``Archs.parse``), supported here or not, as herd spells them.
HERD_ARCH_WORDS: tuple[str, ...] = (
    "AArch64", "ARM", "ARM64", "MIPS", "PPC", "X86", "X86_64", "RISCV", "C", "CPP", "LISA",
    "Bell", "JAVA", "Java", "BPF", "ASL", "GPU_PTX", "PTX", "OpenCL",
)  # fmt: skip
_SUPPORTED = "AArch64, X86, X86_64"


def parse_herd(text: str, path: str = "<string>") -> Test:
    """Parse a test in herd7's ``.litmus`` format and return it. ``path`` names
    the file in positions (and gives the name of a test called ``--``); a
    byte-order mark at the start of ``text`` is ignored.

    herd's older layout ``final PROP with MODEL: KIND; ...`` is read as herd7
    reads it: ``final`` is ``exists``; each ``MODEL: KIND`` pair (which herd7
    parses and ignores, and which older tools took as the quantifier to use
    under that model) becomes an expectation on the observation under that
    model, as a ``kinds.txt`` line would be: ``exists`` -> allowed, ``~exists``
    -> forbidden, ``forall`` -> always. The pairs must name models litmus has.

    Raises :class:`ParseError` on any bad input: among others an architecture
    other than AArch64, X86 and X86_64, a ``$`` name where a location is
    expected, a condition nested deeper than
    :data:`~litmus.syntax.source.MAX_NESTING`."""
    return _Reader(text, path).read()


# --------------------------------------------------------------------------- text

_PosOf = Callable[[int], Pos]  # offset in the text -> position


def _blank_comments(text: str, pos: _PosOf) -> str:
    """``text`` with every ``(* ... *)`` comment (nested ones too) replaced by
    spaces, newlines kept, so that offsets and positions do not move. Double-quoted
    strings are left alone (a description may contain ``(*``)."""
    out: list[str] = []
    i, n = 0, len(text)
    last = 0
    while i < n:
        c = text[i]
        if c == '"':
            j = text.find('"', i + 1)
            if j < 0:
                raise ParseError("unterminated string: '\"' without a closing '\"'", pos(i))
            i = j + 1
        elif c == "(" and text.startswith("(*", i):
            start, depth, i = i, 1, i + 2
            while depth:
                j = text.find("*)", i)
                k = text.find("(*", i)
                if j < 0:
                    raise ParseError("unterminated comment: '(*' without '*)'", pos(start))
                if 0 <= k < j:
                    depth, i = depth + 1, k + 2
                else:
                    depth, i = depth - 1, j + 2
            out.append(text[last:start])
            out.append(re.sub(r"[^\n]", " ", text[start:i]))
            last = i
        else:
            i += 1
    out.append(text[last:])
    return "".join(out)


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, name, sreg, op, eof
    text: str
    offset: int


_STATE_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\n\r\f\v]+)
  | (?P<num>-?(?:0[xX][0-9a-fA-F]+|[0-9]+)(?![A-Za-z0-9_.]))
  | (?P<sreg>%[A-Za-z_][A-Za-z0-9_]*)
  | (?P<name>[A-Za-z_.$][A-Za-z0-9_.$\-]*(?:/(?!\\)[A-Za-z0-9_.$\-]*)*)
  | (?P<op>/\\|\\/|=>|==|!=|<>|[=;:\[\](){}&*,~])
    """,
    re.VERBOSE,
)


#: herd's values that are code and out of scope (``instr:"NOP"``; a label's
#: address, ``label:"P0:L0"``, is read as a token of its own).
_CODE_VALUES = {
    "instr": "instructions as values (instr:\"...\"; self-modifying code, which needs "
             "herd's -variant self)",
}
#: herd's ``label:"P0:L0"`` (also ``label:"0:L0"``): a label's address as a value.
_LABEL_VALUE = re.compile(r'label[ \t]*:[ \t]*"([^"\n]*)"')


def _tokens(text: str, base: int, pos: _PosOf) -> list[_Tok]:
    """The tokens of an initial state or condition (``text`` starts at ``base``).
    A label's address ``label:"P0:L0"`` is one token of kind ``label`` whose
    text is what is between the quotes."""
    out: list[_Tok] = []
    i = 0
    while i < len(text):
        lab = _LABEL_VALUE.match(text, i)
        if lab is not None:
            out.append(_Tok("label", lab.group(1), base + i))
            i = lab.end()
            continue
        m = _STATE_TOKEN.match(text, i)
        if m is None:
            char = text[i]
            before = re.search(r"([A-Za-z]+)[ \t]*:[ \t]*\Z", text[:i])
            if char == '"' and before is not None and before.group(1) in _CODE_VALUES:
                raise ParseError(f"not supported: {_CODE_VALUES[before.group(1)]}",
                                 pos(base + before.start(1)))
            shown = f"'{char}'" if char.isprintable() else f"character U+{ord(char):04X}"
            raise ParseError(f"unexpected {shown}", pos(base + i))
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append(_Tok(kind, m.group(), base + i))
        i = m.end()
    out.append(_Tok("eof", "", base + len(text)))
    return out


def _bare_immediates(raw: RawOperand, mark: str) -> RawOperand:
    """``raw`` with its bare integers (also inside brackets) read as immediates."""
    if isinstance(raw, RawImm) and not raw.prefix:
        return RawImm(raw.value, raw.pos, raw.text, mark)
    if isinstance(raw, RawMem) and mark == "#":
        return RawMem(tuple(_bare_immediates(i, mark) for i in raw.items), raw.pos, raw.text,
                      raw.writeback)
    return raw


def _unsymbolic(raw: RawOperand, env: dict[str, str]) -> RawOperand:
    """``raw`` with its symbolic registers (``X%name``, ``W%name``) replaced by
    the registers ``env`` gives them (the W form of one for ``W%name``)."""
    if isinstance(raw, RawMem):
        return RawMem(tuple(_unsymbolic(i, env) for i in raw.items), raw.pos, raw.text,
                      raw.writeback)
    if isinstance(raw, RawName):
        m = _SYMB_REG.match(raw.name)
        if m is not None:
            real = env[m.group(2)]
            return RawName(("W" if m.group(1).upper() == "W" else "X") + real[1:], raw.pos,
                           raw.text)
    return raw


def _collect_registers(raws: list[RawOperand], names: dict[str, Pos], regs: set[int]) -> None:
    """The symbolic registers (name -> first position) and the numbers of the
    general-purpose registers (X0-X30, W0-W30) ``raws`` name, added to
    ``names`` and ``regs``."""
    for raw in raws:
        if isinstance(raw, RawMem):
            _collect_registers(list(raw.items), names, regs)
        elif isinstance(raw, RawName):
            m = _SYMB_REG.match(raw.name)
            if m is not None:
                names.setdefault(m.group(2), raw.pos)
                continue
            reg = parse_reg("aarch64", raw.name)
            if reg is not None and re.fullmatch(r"X[0-9]+", reg.name):
                regs.add(int(reg.name[1:]))


def _fix(fixed: dict[int, set[int]], thread: int, name: str) -> None:
    """Record that register ``name`` is named for thread ``thread`` (no
    symbolic register of that thread may be given it)."""
    reg = parse_reg("aarch64", name)
    if reg is not None and re.fullmatch(r"X[0-9]+", reg.name):
        fixed.setdefault(thread, set()).add(int(reg.name[1:]))


def _instr_texts(cells: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The instructions of a thread's cells, labels removed: (text, offset)."""
    out: list[tuple[str, int]] = []
    for cell, offset in cells:
        i = len(cell) - len(cell.lstrip())
        while m := _LABEL.match(cell, i):
            i = m.end()
            i += len(cell[i:]) - len(cell[i:].lstrip())
        rest = cell[i:].rstrip()
        if rest:
            out.append((rest, offset + i))
    return out


def _offsets(parts: list[str]) -> list[tuple[str, int]]:
    """``parts`` (a text cut at one-character separators) with the offset of
    each in the text."""
    out: list[tuple[str, int]] = []
    k = 0
    for part in parts:
        out.append((part, k))
        k += len(part) + 1
    return out


def _describe(tok: _Tok) -> str:
    if tok.kind == "label":
        return f"'label:\"{shorten(tok.text)}\"'"
    return "end of file" if tok.kind == "eof" else f"'{shorten(tok.text)}'"


def _split_top(text: str, base: int, pos: _PosOf, sep: str = ",") -> list[tuple[str, int]]:
    """``text`` cut at each ``sep`` outside brackets and parentheses, with offsets."""
    parts: list[tuple[str, int]] = []
    stack: list[tuple[str, int]] = []
    start = 0
    closing = {"]": "[", ")": "("}
    for i, c in enumerate(text):
        if c in "[(":
            stack.append((c, i))
        elif c in "])":
            if not stack or stack[-1][0] != closing[c]:
                raise ParseError(f"unbalanced '{c}'", pos(base + i))
            stack.pop()
        elif c == sep and not stack:
            parts.append((text[start:i], base + start))
            start = i + 1
    if stack:
        raise ParseError(f"unbalanced '{stack[-1][0]}'", pos(base + stack[-1][1]))
    parts.append((text[start:], base + start))
    return parts


def _strip(text: str, offset: int) -> tuple[str, int]:
    """``text`` stripped, and the offset of its first character."""
    lead = len(text) - len(text.lstrip())
    return text.strip(), offset + lead


# --------------------------------------------------------------------------- the reader

# The name is any run of printable non-blank characters but '(', '"' and ';',
# which start herd's TeX name, the description and the end of the header.
_HEADER = re.compile(
    r"[ \t]*(?P<arch>[A-Za-z0-9_]+)(?:[ \t]+(?P<name>[^\s(\";\x00-\x1f\x7f-\x9f]+))?[ \t]*"
    r"(?:\((?P<tex>[^)\n]*)\)[ \t]*)?"
    r"(?:\"(?P<doc>[^\"]*)\"[ \t]*)?;?[ \t]*(?P<rest>[^\n]*)"
)
_DOC_LINE = re.compile(r"[ \t]*\"(?P<doc>[^\"]*)\"[ \t]*;?[ \t]*(?:\n|\Z)")
# herd's splitter (lib/splitter.mll, find_init) reads an info line only where
# its lexer stands, at the start of a line: no blanks before the key
_META = re.compile(r"(?P<key>[A-Za-z][A-Za-z0-9_/.\-]*)[ \t]*=[ \t]*(?P<value>[^\n]*)")
_COND_START = re.compile(
    r"(?<![A-Za-z0-9_./$\-])"
    r"(?:~\s*exists|exists|forall|final|locations|filter|observed|Observed|cases)"
    r"(?![A-Za-z0-9_./\-])"
)
_LOCK_SEMI = re.compile(r"(?i)(?<![A-Za-z0-9_.])lock[ \t]*;")
_LABEL = re.compile(r"(\.?[A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*:")
_MNEMONIC = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_INT = re.compile(r"-?(?:0[xX][0-9a-fA-F]+|[0-9]+)\Z")
_NAME_OPERAND = re.compile(r"%?\.?[A-Za-z_][A-Za-z0-9_.]*\Z")
#: A branch target relative to the branch (``.+8``: two instructions on).
_PC_RELATIVE = re.compile(r"\.[ \t]*([+-])[ \t]*([0-9]+)\Z")
#: herd's symbolic registers in AArch64 code (lib/AArch64Lexer.mll): ``%name``
#: and ``X%name`` (64 bits), ``W%name`` (32 bits).
_SYMB_REG = re.compile(r"([XxWw]?)%([A-Za-z][A-Za-z0-9_/.\-]*)\Z")
#: The registers herd allocates to symbolic ones (lib/AArch64Base.ml,
#: ``allowed_for_symb``: every general-purpose register but the link register
#: X30), in herd's order (``reg_compare``).
_SYMB_ALLOWED = tuple(range(30))
#: The thread of a symbolic register (``%name``) in the initial state, before
#: the register is allocated.
_SYMBOLIC = -1
_SHIFT_OPERAND = re.compile(r"([A-Za-z]+)(?:[ \t]*#[ \t]*|[ \t]+)(-?[0-9]\S*)\Z")
_SECTION_WORDS = ("exists", "forall", "locations", "filter")
_PROC = re.compile(r"P([0-9]+)\Z")
_KEYWORDS = frozenset({"exists", "forall", "final", "true", "false", "not", "locations",
                       "filter", "with", "observed", "Observed", "cases"})  # fmt: skip


#: thread, name, value, offsets of the item and of its name, declared type
_InitItem = tuple[int | None, str, Value, int, int, CType | None]

_QUALIFIERS = frozenset({"_Atomic", "volatile", "const"})


class _Reader:
    """Reads one herd test (not reusable)."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        text = strip_bom(text).replace("\r\n", "\n").replace("\r", " ")
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._refuse_other_architectures(text)
        self.text = _blank_comments(text, self.pos)
        self.arch = "aarch64"
        self.syntax = "arm"
        self.threads_n = 0
        # every location named anywhere, in order of first mention: name -> (init, pos)
        self.locs: dict[str, tuple[InitValue | tuple[InitValue, ...], Pos]] = {}
        self.loc_inits: dict[str, Pos] = {}
        self.loc_types: dict[str, CType] = {}
        self.loc_lengths: dict[str, int] = {}  # arrays: name -> number of elements
        # array elements (v[1]) and whole arrays (x={1,0}) named after the initial
        # state: checked against the declarations once all is read
        self.elem_refs: list[tuple[str, int]] = []
        self.array_refs: list[tuple[str, int, int]] = []  # name, values given, offset
        self.reg_types: dict[int, dict[str, CType]] = {}
        self.code_refs: list[tuple[CodeRef, int]] = []  # labels used as values, where
        self.name_offset = 0  # offset of the register name last read by location()
        self.depth = 0  # how deeply the condition being read nests
        self.warnings: list[tuple[str, Pos]] = []
        # herd's symbolic registers: thread -> {name: real register}, once allocated
        self.sym_env: dict[int, dict[str, str]] | None = None
        self.sym_where: dict[str, tuple[int, str]] = {}  # name -> (thread, register)
        # registers declared with a type herd cannot size: (thread, register, type, offset)
        self.unknown_types: list[tuple[int, str, str, int]] = []

    # -- helpers

    def _refuse_other_architectures(self, text: str) -> None:
        """A test of an architecture this tool does not read is refused by its
        header before anything else is read: its body may be C, say, where
        ``*x`` after ``(`` would otherwise read as an unterminated comment."""
        m = re.match(r"\s*([A-Za-z0-9_]+)[ \t]", text)
        if m is None:
            return
        word = m.group(1)
        if word.lower() not in HERD_ARCHES and word.lower() in {
                w.lower() for w in HERD_ARCH_WORDS}:
            raise self.error(f"architecture {word} is not supported (supported: "
                             f"{_SUPPORTED})", m.start(1))

    def pos(self, offset: int) -> Pos:
        line = bisect_right(self.line_starts, offset)
        return Pos(self.path, line, offset - self.line_starts[line - 1] + 1)

    def error(self, message: str, offset: int) -> ParseError:
        return ParseError(message, self.pos(offset))

    def warn(self, message: str, offset: int) -> None:
        """Record a warning at ``offset`` (the test's :attr:`Test.warnings`)."""
        self.warnings.append((message, self.pos(offset)))

    def eof(self) -> int:
        """The offset just after the last non-blank character."""
        return len(self.text.rstrip())

    def use(self, name: str, offset: int) -> None:
        elem = split_element(name)
        if elem is not None:
            self.elem_refs.append((name, offset))
            name = elem[0]
        if name not in self.locs:
            self.locs[name] = (0, self.pos(offset))

    # -- the file

    def read(self) -> Test:
        name, doc, offset = self.header()
        meta, offset = self.meta(offset)
        init_start, init_end = self.init_block(offset)
        init_items = self.init(init_start, init_end)
        m = _COND_START.search(self.text, init_end + 1)
        cond_start = m.start() if m else len(self.text)
        threads_cells, thread_pos = self.table(init_end + 1, cond_start)
        self.allocate_symbolic(threads_cells, init_items, cond_start)
        reg_init = self.register_init(init_items)
        threads = [
            self.thread(i, cells, thread_pos[i], reg_init.get(i, {}))
            for i, cells in enumerate(threads_cells)
        ]
        if m is None:
            raise self.error(
                "expected a final condition ('exists', '~exists' or 'forall'), found end of file",
                self.eof(),
            )
        condition, filt, extra, expects = self.condition(cond_start)
        self.check_arrays()
        self.check_unknown_types(condition, filt, extra)
        self.check_code_refs(threads)
        default = "wb" if self.arch == "x86" else "normal"
        locations = {
            loc: Location(loc, default, MEMORY_ENDPOINT, init, pos, self.loc_types.get(loc),
                          self.loc_lengths.get(loc))
            for loc, (init, pos) in self.locs.items()
        }
        return Test(
            name=name,
            arch=self.arch,  # type: ignore[arg-type]
            threads=tuple(threads),
            condition=condition,
            locations=locations,
            doc=doc,
            filter=filt,
            extra_observed=tuple(extra),
            expects=tuple(expects),
            source=self.path,
            format="herd",
            meta=meta,
            warnings=tuple(self.warnings),
        )

    def header(self) -> tuple[str, str, int]:
        """Arch, name and description; the offset just after them."""
        text = self.text
        start = len(text) - len(text.lstrip())
        if start == len(text):
            raise self.error("empty test: expected a header line such as 'AArch64 NAME'", 0)
        m = _HEADER.match(text, start)
        if m is None:  # the line starts with punctuation
            raise self.error(
                f"expected a header line such as 'AArch64 NAME', found "
                f"'{text[start:].splitlines()[0].strip()}'",
                start,
            )
        arch_word = m.group("arch")
        known = HERD_ARCHES.get(arch_word.lower())
        if known is None:
            if arch_word.lower() in {w.lower() for w in HERD_ARCH_WORDS}:
                message = f"architecture {arch_word} is not supported (supported: {_SUPPORTED})"
            else:
                hint = did_you_mean(arch_word, ["AArch64", "X86", "X86_64"])
                message = (f"unknown architecture '{shorten(arch_word)}'{hint} "
                           f"(supported: {_SUPPORTED})")
            raise self.error(message, m.start("arch"))
        self.arch, self.syntax = known
        if m.group("name") is None:
            raise self.error(f"expected a test name after '{arch_word}'", m.end("arch"))
        name = m.group("name")
        if name == "--":
            name = "test" if self.path == "<string>" else Path(self.path).stem
        elif name.endswith(".litmus"):  # herd drops the suffix
            name = name.removesuffix(".litmus")
        doc = m.group("doc")
        offset = m.start("rest")  # what follows on the line is read as the lines after it
        if doc is None and not m.group("rest"):
            d = _DOC_LINE.match(text, offset + 1)
            if d is not None:
                doc = d.group("doc")
                offset = d.end() - 1
        return name, (doc or "").strip(), offset

    def meta(self, offset: int) -> tuple[dict[str, str], int]:
        """The ``key=value`` lines before ``{``; the offset of ``{``.

        What herd7 accepts there is what its splitter does (herd's
        ``lib/splitter.mll``, rule ``find_init``): a ``key=value`` line whose
        key starts the line is an info line (its value runs to the end of the
        line, a ``{`` in it included); anything else up to a ``{`` or the end
        of the line is skipped, silently. So is it here, with a warning for
        each skipped text (:attr:`Test.warnings`), a description line
        (``"..."``) excepted. A file with no ``{`` at all is refused, as
        herd7 refuses it."""
        meta: dict[str, str] = {}
        text = self.text
        skipped: list[tuple[str, int]] = []  # what herd skips, and where
        while offset < len(text):
            nl = text.find("\n", offset)
            end = len(text) if nl < 0 else nl
            line = text[offset:end]
            m = _META.match(line)
            if m is not None and nl >= 0:  # herd's info line ends with a newline
                meta[m.group("key")] = m.group("value").strip()
            else:
                brace = line.find("{")
                before = line if brace < 0 else line[:brace]
                if before.strip() and not _DOC_LINE.fullmatch(line):
                    skipped.append((before.strip(), offset + len(before) - len(before.lstrip())))
                if brace >= 0:
                    for found, at in skipped:
                        self.warn(f"'{shorten(found)}' before the initial state ignored, as "
                                  "herd7 does", at)
                    return meta, offset + brace
            offset = end + 1
        if skipped:  # herd: "find init section", an error
            found, at = skipped[0]
            raise self.error(f"expected 'key=value' or the initial state '{{ ... }}', found "
                             f"'{shorten(found)}' (and no '{{' follows)", at)
        raise self.error("expected the initial state '{ ... }', found end of file", self.eof())

    def init_block(self, offset: int) -> tuple[int, int]:
        """The offsets of ``{`` and of its ``}``."""
        depth = 0
        for end in range(offset, len(self.text)):  # its values may be lists: {22,44}
            c = self.text[end]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return offset, end
        raise self.error("unterminated initial state: '{' without '}'", offset)

    # -- initial state

    def init(self, start: int, end: int) -> list[_InitItem]:
        """The items of ``{ ... }``: (thread index or None, register or location,
        value, offset). Memory items are recorded as locations right away."""
        toks = _tokens(self.text[start + 1 : end], start + 1, self.pos)
        p = _TokStream(toks)
        items: list[_InitItem] = []
        while p.peek().kind != "eof":
            if p.peek().text == ";":
                p.next()
                continue
            items.append(self.init_item(p))
            nxt = p.peek()
            if nxt.kind != "eof" and nxt.text != ";":
                raise self.error(
                    f"expected ';' between initial values, found {_describe(nxt)}", nxt.offset
                )
        return items

    def init_item(self, p: _TokStream) -> _InitItem:
        # optional type words (int, uint64_t, _Atomic int, int*) before the location
        words: list[_Tok] = []
        while True:
            t, nxt = p.peek(), p.peek(1)
            if (
                t.kind == "name"
                and t.text not in _KEYWORDS
                and (nxt.kind in ("name", "num", "sreg") or nxt.text in ("*", "["))
            ):
                if nxt.kind == "num" and p.peek(2).text != ":":
                    break
                if _PROC.match(t.text) and nxt.text == ":":
                    break
                if nxt.text == "[" and p.peek(2).kind == "num":
                    break  # an array's name: int64_t v[2]
                words.append(p.next())
            elif t.text == "*":
                words.append(p.next())
            else:
                break
        ctype, unknown = self.ctype(words)
        thread, name, offset = self.location(p, "in the initial state", declare=True)
        if unknown is not None:
            text, at, message = unknown
            if thread is None:  # herd: "Cannot find the size of type ..."
                raise self.error(message, at)
            self.unknown_types.append((thread, name, text, at))
        value: Value = 0
        length: int | None = None
        elem = split_element(name) if thread is None else None
        if elem is not None:  # an array: int64_t v[2] = {22,44}
            name, length = elem
            if length == 0:
                raise self.error(f"array '{name}' has no elements", offset)
        if p.peek().text == "=":
            p.next()
            value = self.value(p, "initial value", record=thread is not None,
                              array=length is not None)
            if isinstance(value, tuple):
                if length is None:
                    raise self.error(f"'{name}' is not an array: give it one value, or "
                                     f"declare it as an array ({name}[{len(value)}])", offset)
                if len(value) > length:
                    raise self.error(f"{len(value)} initial values for array '{name}' of "
                                     f"{length} elements", offset)
            elif length is not None:
                raise self.error(f"array '{name}' is initialised with a list of values "
                                 f"({{...}}), found {value}", offset)
        if thread is None:
            if name in self.loc_inits:
                first = self.loc_inits[name]
                raise self.error(
                    f"duplicate initial value for location '{name}' (first given at line "
                    f"{first.line})",
                    offset,
                )
            self.loc_inits[name] = self.pos(offset)
            old_pos = self.locs[name][1] if name in self.locs else self.pos(offset)
            if length is not None:
                self.loc_lengths[name] = length
                value = value if isinstance(value, tuple) else ()
            self.locs[name] = (value, old_pos)  # type: ignore[assignment]
            if ctype is not None:
                self.loc_types[name] = ctype
        return thread, name, value, offset, self.name_offset, ctype

    def ctype(self, words: list[_Tok]) -> tuple[CType | None, tuple[str, int, str] | None]:
        """The C type named by the words before an initial value (None if
        none), or, for a name that is no type, None and (the name, its offset,
        the error it is for a location).

        herd takes any name there as a type (lib/stateParser.mly, ``atom_init``:
        ``typ=NAME loc=left_loc``) and looks its size up only when it needs it
        (herd/archExtra_herd.ml, ``size_of_t``, a fatal error for an unknown
        name): for every location, for a register only to compare or print
        its value. So an unknown type is refused on a location, and on a
        register only where the register is compared or printed
        (:meth:`check_unknown_types`)."""
        names = [w for w in words if w.text != "*" and w.text not in _QUALIFIERS]
        if not words:
            return None, None
        if any(w.text == "*" for w in words):
            return POINTER, None
        if not names:
            return None, None
        text = " ".join(w.text for w in names)
        if text == "ins_t":
            return INS_T, None
        known = CTYPES.get(text)
        if known is None:
            hint = did_you_mean(text, CTYPES)
            return None, (text, names[0].offset, f"unknown type '{text}'{hint}")
        return known, None

    def check_unknown_types(self, condition: Condition, filt: Prop | None,
                            extra: list[Observable]) -> None:
        """A register declared with an unknown type (:meth:`ctype`) is refused
        if the condition, the filter or ``locations [...]`` names it (herd7
        would need the type's size there, and stops); else the type is
        ignored, with a warning, as herd7 ignores it."""
        named = {(a.thread, a.reg.name) for a in prop_atoms(condition.prop)
                 if isinstance(a, RegAtom)}
        if filt is not None:
            named |= {(a.thread, a.reg.name) for a in prop_atoms(filt) if isinstance(a, RegAtom)}
        named |= {(o.thread, o.reg.name) for o in extra if o.reg is not None}
        for thread, reg, text, at in self.unknown_types:
            hint = did_you_mean(text, CTYPES)
            shown = f"{thread}:{self.reg_key(reg)}"
            canonical = reg_or_error(self.arch, reg, self.pos(at)).name
            if (f"P{thread}", canonical) in named:
                raise self.error(
                    f"unknown type '{text}'{hint} of register {shown}, which the final "
                    "condition names: herd7 cannot compare or print a value of a type it "
                    "does not know", at)
            self.warn(f"unknown type '{text}'{hint} of register {shown} ignored, as herd7 "
                      "does (no condition names the register)", at)

    def location(self, p: _TokStream, where: str,
                 declare: bool = False) -> tuple[int | None, str, int]:
        """``N:REG``, ``PN:REG``, ``x``, ``[x]`` or an array element ``v[1]``:
        (thread index or None, name, offset). With ``declare`` (the initial
        state), ``v[2]`` declares an array and is not recorded as a use."""
        t = p.next()
        if t.kind == "num" or (t.kind == "name" and _PROC.match(t.text) and p.peek().text == ":"):
            if p.peek().text != ":":
                raise self.error(
                    f"expected ':' after thread number {t.text} (as in {t.text}:X0), found "
                    f"{_describe(p.peek())}",
                    p.peek().offset,
                )
            p.next()
            r = p.next()
            if r.kind not in ("name", "sreg"):
                raise self.error(
                    f"expected a register after '{t.text}:', found {_describe(r)}", r.offset
                )
            digits = t.text.removeprefix("P")
            if not digits.isdigit() or len(digits.lstrip("0")) > 9:
                raise self.error(f"bad thread number '{shorten(t.text)}'", t.offset)
            self.name_offset = r.offset
            return int(digits), r.text, t.offset
        if t.text == "[":
            n = p.next()
            if n.kind != "name" or n.text in _KEYWORDS:
                raise self.error(
                    f"expected a location name after '[', found {_describe(n)}", n.offset
                )
            self.check_location_name(n)
            close = p.next()
            if close.text != "]":
                raise self.error(
                    f"expected ']' after '[{n.text}', found {_describe(close)}", close.offset
                )
            self.use(n.text, n.offset)
            return None, n.text, n.offset
        if t.kind == "name" and t.text not in _KEYWORDS:
            self.check_location_name(t)
            name = t.text
            if p.peek().text == "[":
                p.next()
                n = p.next()
                if n.kind != "num" or n.text.startswith("-"):
                    raise self.error(
                        f"expected an index after '{name}[', found {_describe(n)}", n.offset)
                close = p.next()
                if close.text != "]":
                    raise self.error(
                        f"expected ']' after '{name}[{n.text}', found {_describe(close)}",
                        close.offset)
                name = f"{name}[{parse_int(n.text, self.pos(n.offset))}]"
            if not declare:
                self.use(name, t.offset)
            return None, name, t.offset
        if t.kind == "sreg" and self.arch == "aarch64":  # herd: a symbolic register
            self.name_offset = t.offset
            if self.sym_env is None:  # the initial state, read before the code
                return _SYMBOLIC, t.text, t.offset
            thread, reg = self.resolve_symbolic(t.text, t.offset)
            return thread, reg, t.offset
        raise self.error(
            f"expected a register (0:X1) or a location (x) {where}, found {_describe(t)}",
            t.offset,
        )

    def check_location_name(self, t: _Tok) -> None:
        """Refuse a ``$`` name where a location is expected: herd lexes ``$1``,
        ``$x`` as a register name (valid only after ``N:``), never a location."""
        if t.text.startswith("$"):
            raise self.error(
                f"'{shorten(t.text)}' is not a location name (herd reads '$' names as "
                "registers only, after a thread number as in 0:$r)",
                t.offset,
            )

    def value(self, p: _TokStream, what: str, record: bool = True,
              array: bool = False) -> Value:
        """An integer, a location name or ``&name``, a label's address (``P1:L0``,
        ``label:"P1:L0"``); with ``array``, also a list of those in braces
        (``{1,0}``), as a tuple."""
        if array and p.peek().text == "{":
            p.next()
            items: list[int | LocRef | CodeRef] = []
            while p.peek().text != "}":
                if items:
                    comma = p.next()
                    if comma.text != ",":
                        raise self.error(f"expected ',' or '}}' in a list of values, found "
                                         f"{_describe(comma)}", comma.offset)
                item = self.value(p, what, record)
                assert not isinstance(item, tuple)
                items.append(item)
            p.next()
            return tuple(items)
        t = p.next()
        if t.text == "&":
            t = p.next()
            if t.kind != "name":
                raise self.error(
                    f"expected a location name after '&', found {_describe(t)}", t.offset
                )
        if t.kind == "num":
            return parse_int(t.text, self.pos(t.offset))
        if t.kind == "label":  # label:"P1:L0"
            m = re.fullmatch(r"[ \t]*P?([0-9]+)[ \t]*:[ \t]*(\.?[A-Za-z_][A-Za-z0-9_.\-]*)"
                             r"[ \t]*", t.text)
            if m is None:
                raise self.error(f"expected a label as label:\"P0:L0\", found "
                                 f"label:\"{shorten(t.text)}\"", t.offset)
            return self.code_ref(m.group(1), m.group(2), t.offset)
        if t.kind == "name" and p.peek().text == ":" and _PROC.match(t.text):  # P1:L0
            p.next()
            lab = p.next()
            if lab.kind != "name" or lab.text in _KEYWORDS:
                raise self.error(f"expected a label after '{t.text}:' (as in {t.text}:L0), "
                                 f"found {_describe(lab)}", lab.offset)
            return self.code_ref(t.text[1:], lab.text, t.offset)
        if t.kind == "name" and t.text not in _KEYWORDS:
            self.check_location_name(t)
            self.use(t.text, t.offset)
            return LocRef(t.text)
        raise self.error(
            f"expected an {what} (an integer or a location name), found {_describe(t)}", t.offset
        )

    # -- symbolic registers

    def allocate_symbolic(self, threads_cells: list[list[tuple[str, int]]],
                          init_items: list[_InitItem], cond_start: int) -> None:
        """Give each symbolic register of AArch64 code (``%name``, ``X%name``,
        ``W%name``) a real register, as herd7 does before it runs a test
        (herd's ``lib/symbReg.ml``, ``allocate_regs``, called by
        ``herd/test_herd.ml``): in each thread, the symbolic registers, in
        the order of their names, get the lowest of X0-X29 that the thread's
        code does not name and that the initial state, the condition,
        ``locations`` and the filter do not name for that thread. A
        ``%name`` of the initial state or the condition is the register its
        thread's code was given (``0:X1`` in states). As in herd7, it is an
        error for such a ``%name`` to be in no thread's code, or in the code
        of two threads (ambiguous), and for a thread to need more registers
        than are free; a symbolic register of the condition must be in the
        initial state too. A symbolic register the initial state does not
        name holds 0, as any register."""
        if self.arch != "aarch64" or "%" not in self.text:
            return
        used: list[dict[str, Pos]] = []  # per thread: symbolic name -> its first use
        real: list[set[int]] = []  # per thread: the registers its code names
        for cells in threads_cells:
            names: dict[str, Pos] = {}
            regs: set[int] = set()
            for text, offset in _instr_texts(cells):
                _collect_registers(self.raw_instr(text, offset)[1], names, regs)
            used.append(names)
            real.append(regs)
        named: dict[str, int] = {}  # symbolic names of the initial state and condition
        fixed: dict[int, set[int]] = {}  # per thread: registers named for it
        initialised: set[str] = set()
        for thread, name, _value, _offset, name_offset, _ctype in init_items:
            if thread == _SYMBOLIC:
                named.setdefault(name[1:], name_offset)
                initialised.add(name[1:])
            elif thread is not None:
                _fix(fixed, thread, name)
        for thread, name, offset in self.condition_registers(cond_start):
            if thread is not None:
                _fix(fixed, thread, name)
                continue
            if name[1:] not in initialised:
                raise self.error(f"symbolic register {name} in the final condition has no "
                                 "initial value (herd7 refuses a condition on a symbolic "
                                 "register the initial state does not name)", offset)
            named.setdefault(name[1:], offset)
        for name, offset in named.items():
            users = [i for i, names in enumerate(used) if name in names]
            if not users:
                raise self.error(f"symbolic register %{name} does not appear in code (herd7 "
                                 "gives registers to the symbolic registers of the code)",
                                 offset)
            if len(users) > 1:
                raise self.error(f"ambiguous symbolic register %{name}: threads P{users[0]} "
                                 f"and P{users[1]} both use it, so the initial state or "
                                 "condition cannot say whose it is (herd7 refuses it too)",
                                 offset)
        env: dict[int, dict[str, str]] = {}
        for i, names in enumerate(used):
            free = [k for k in _SYMB_ALLOWED if k not in real[i] and k not in fixed.get(i, ())]
            order = sorted(names)  # herd: a StringSet, in the order of the names' bytes
            if len(order) > len(free):
                raise ParseError(f"not enough registers for the {len(order)} symbolic "
                                 f"registers of thread P{i} ({len(free)} of X0-X29 are "
                                 "free)", names[order[len(free)]])
            env[i] = {name: f"X{k}" for name, k in zip(order, free)}
            for name, reg in env[i].items():
                self.sym_where[name] = (i, reg)
        self.sym_env = env

    def resolve_symbolic(self, text: str, offset: int) -> tuple[int, str]:
        """The thread and real register of the symbolic register ``text``
        (``%name``) of the initial state or condition."""
        hit = self.sym_where.get(text[1:])
        if hit is None:  # pragma: no cover - refused by allocate_symbolic
            raise self.error(f"symbolic register {text} does not appear in code", offset)
        return hit

    def condition_registers(self, start: int) -> list[tuple[int | None, str, int]]:
        """The registers the condition, ``locations`` and the filter name, read
        ahead of the condition itself: (thread, register, offset) for
        ``N:REG``, (None, ``%name``, offset) for a symbolic register."""
        end = self.text.find("<<", start)
        try:
            toks = _tokens(self.text[start : end if end >= 0 else len(self.text)], start,
                           self.pos)
        except ParseError:
            return []  # reported when the condition is read
        out: list[tuple[int | None, str, int]] = []
        for i, t in enumerate(toks):
            after = toks[i + 1] if i + 1 < len(toks) else t
            if t.kind == "sreg" and (i == 0 or toks[i - 1].text != ":"):
                out.append((None, t.text, t.offset))
            elif (t.kind == "num" or _PROC.match(t.text)) and after.text == ":" \
                    and i + 2 < len(toks) and toks[i + 2].kind == "name":
                digits = t.text.removeprefix("P")
                if digits.isdigit() and len(digits) <= 9:
                    out.append((int(digits), toks[i + 2].text, toks[i + 2].offset))
        return out

    def code_ref(self, digits: str, label: str, offset: int) -> CodeRef:
        """The address of ``label`` of thread ``digits`` as a value; checked once
        the threads are read (:meth:`check_code_refs`)."""
        if len(digits.lstrip("0")) > 9:
            raise self.error(f"bad thread number '{shorten(digits)}'", offset)
        ref = CodeRef(f"P{int(digits)}", label)
        self.code_refs.append((ref, offset))
        return ref

    def check_code_refs(self, threads: list[Thread]) -> None:
        """Every label used as a value (``P1:L0``) is a label of its thread."""
        by_name = {t.name: t for t in threads}
        for ref, offset in self.code_refs:
            th = by_name.get(ref.thread)
            if th is None:
                names = f"P0..P{len(threads) - 1}" if len(threads) > 1 else "P0"
                raise self.error(f"unknown thread '{ref.thread}' in the label value "
                                 f"{ref.thread}:{ref.label} (the test has threads {names})",
                                 offset)
            if ref.label not in th.labels:
                labels = [n for n in th.labels if "@" not in n]
                hint = did_you_mean(ref.label, labels) or (
                    f" (its labels: {', '.join(labels)})" if labels else " (it has no label)")
                raise self.error(f"'{ref.label}' is not a label of thread {ref.thread}{hint}",
                                 offset)

    def register_init(self, items: list[_InitItem]) -> dict[int, dict[Reg, Value]]:
        out: dict[int, dict[Reg, Value]] = {}
        seen: dict[tuple[int, str], int] = {}
        for thread, name, value, offset, name_offset, ctype in items:
            if thread is None:
                continue
            if thread == _SYMBOLIC:
                symbolic = name
                thread, name = self.resolve_symbolic(name, name_offset)
                self.unknown_types = [(thread, name, *u[2:]) if u[:2] == (_SYMBOLIC, symbolic)
                                      else u for u in self.unknown_types]
            self.check_thread(thread, offset, "in the initial state")
            reg = reg_or_error(self.arch, name, self.pos(name_offset))
            key = (thread, reg.name)
            if key in seen:
                raise self.error(
                    f"duplicate initial value for {thread}:{name} (first given at line "
                    f"{self.pos(seen[key]).line})",
                    offset,
                )
            seen[key] = offset
            out.setdefault(thread, {})[reg] = value
            if ctype is not None:
                self.reg_types.setdefault(thread, {})[reg.name] = ctype
        return out

    def check_arrays(self) -> None:
        """Every element named (``v[1]``) is one of a declared array, and every
        list of values (``x={1,0}``) compares a whole array, element by element."""
        for name, offset in self.elem_refs:
            base, index = split_element(name)  # type: ignore[misc]
            length = self.loc_lengths.get(base)
            if length is None:
                raise self.error(f"'{base}' is not an array (declare it as one, as in "
                                 f"'int {base}[{index + 1}];')", offset)
            if index >= length:
                raise self.error(f"index {index} is out of bounds for array '{base}' of "
                                 f"{length} elements", offset)
        for name, n, offset in self.array_refs:
            length = self.loc_lengths.get(name)
            if length is None:
                raise self.error(f"'{name}' is not an array: compare it with one value", offset)
            if n != length:
                raise self.error(f"{n} values for array '{name}' of {length} elements", offset)

    def check_thread(self, index: int, offset: int, where: str) -> None:
        if not 0 <= index < self.threads_n:
            names = f"P0..P{self.threads_n - 1}" if self.threads_n > 1 else "P0"
            raise self.error(
                f"unknown thread '{index}' {where} (the test has threads {names})", offset
            )

    # -- the thread table

    def table(self, start: int, end: int) -> tuple[list[list[tuple[str, int]]], list[Pos]]:
        """The cells of each thread (text, offset), and each thread's position."""
        region = _LOCK_SEMI.sub(lambda m: m.group()[:-1] + " ", self.text[start:end])
        rows: list[tuple[str, int]] = []
        row_start = 0
        for i, c in enumerate(region):
            if c == ";":
                rows.append((region[row_start:i], start + row_start))
                row_start = i + 1
        tail, tail_off = _strip(region[row_start:], start + row_start)
        if tail:
            if not rows:
                raise self.error(
                    f"expected the thread table ('P0 | P1 ;'), found '{tail.splitlines()[0]}'",
                    tail_off,
                )
            first_line = tail.splitlines()[0]
            word = re.match(r"~?\s*([A-Za-z_]\w*)", first_line)
            hint = did_you_mean(word.group(1), _SECTION_WORDS) if word else ""
            if hint and "|" not in first_line:
                raise self.error(
                    f"expected a final condition ('exists', '~exists' or 'forall'), found "
                    f"'{word.group(1)}'{hint}",
                    tail_off + word.start(1),
                )
            line_end = tail_off + len(first_line)
            raise self.error("expected ';' at the end of this row of the thread table", line_end)
        rows = [(t, o) for t, o in rows if t.strip()]
        for text, offset in rows:
            lines = [(ln, k) for ln, k in _lines(text, offset) if ln.strip()]
            if len(lines) > 1:
                first, k = lines[0]
                raise self.error(
                    "expected ';' at the end of this row of the thread table",
                    k + len(first.rstrip()),
                )
        if not rows:
            where = end if end < len(self.text) else self.eof()
            raise self.error(
                "expected the thread table ('P0 | P1 ;') after the initial state", where
            )
        header_text, header_off = rows[0]
        header = _split_top(header_text, header_off, self.pos, "|")
        thread_pos: list[Pos] = []
        for i, (cell, off) in enumerate(header):
            cell, off = _strip(cell, off)
            m = _PROC.match(cell)
            if m is None or len(m.group(1)) > 9 or int(m.group(1)) != i:
                found = f"'{shorten(cell)}'" if cell else "nothing"
                raise self.error(
                    f"expected thread name P{i} in the header of the thread table, found {found}",
                    off,
                )
            thread_pos.append(self.pos(off))
        n = len(header)
        self.threads_n = n
        columns: list[list[tuple[str, int]]] = [[] for _ in range(n)]
        short_row_warned = False  # a row with fewer cells than threads, said once
        for text, offset in rows[1:]:
            bars = [offset + k for k, c in enumerate(text) if c == "|"]
            if len(bars) >= n:
                raise self.error(
                    f"this row has {len(bars) + 1} cells but the table has {n} "
                    f"thread{'s' if n > 1 else ''} (P0..P{n - 1})"
                    if n > 1
                    else f"this row has {len(bars) + 1} cells but the table has 1 thread (P0)",
                    bars[n - 1],
                )
            if len(bars) < n - 1 and not short_row_warned:
                short_row_warned = True
                k = len(bars) + 1
                missing = f"P{k}" if k == n - 1 else f"P{k}..P{n - 1}"
                self.warn(f"this row has {k} cell{'s' if bars else ''} but the table has {n} "
                          f"threads: {missing} get{'s' if k == n - 1 else ''} no instruction "
                          "from it (herd's own tests give every row all its cells)",
                          offset + len(text) - len(text.lstrip()))
            cuts = [offset - 1] + bars + [offset + len(text)]
            for k in range(len(cuts) - 1):
                a, b = cuts[k] + 1, cuts[k + 1]
                columns[k].append((region[a - start : b - start], a))
        return columns, thread_pos

    def thread(
        self, index: int, cells: list[tuple[str, int]], pos: Pos, init: dict[Reg, Value]
    ) -> Thread:
        code: list[Instr] = []
        labels: dict[str, int] = {}
        label_offsets: dict[str, int] = {}
        branches: dict[int, RawOperand] = {}
        for cell, offset in cells:
            i = len(cell) - len(cell.lstrip())
            while m := _LABEL.match(cell, i):
                label = m.group(1)
                if label in labels:
                    first = self.pos(label_offsets[label])
                    raise self.error(
                        f"duplicate label '{label}' in thread P{index} (first defined at line "
                        f"{first.line})",
                        offset + i,
                    )
                labels[label] = len(code)
                label_offsets[label] = offset + i
                i = m.end()
                i += len(cell[i:]) - len(cell[i:].lstrip())
            rest = cell[i:].rstrip()
            if rest:
                instr, raws = self.instr(rest, offset + i, index)
                if branch_target(self.arch, instr) is not None and raws:
                    branches[len(code)] = raws[-1]
                code.append(instr)
        for i, raw in branches.items():
            target = branch_target(self.arch, code[i])
            assert target is not None
            m = _PC_RELATIVE.match(target.name)
            if m is not None:  # herd: instructions are 4 bytes apart
                delta = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
                if delta % 4:
                    raise ParseError(f"branch offset {target.name} is not a multiple of 4 "
                                     "(the size of an instruction)", raw.pos)
                if not 0 <= i + delta // 4 <= len(code):
                    raise ParseError(f"branch target {target.name} is outside thread "
                                     f"P{index}", raw.pos)
                name = f"{target.name}@{i}"  # one label per branch
                labels[name] = i + delta // 4
                code[i] = replace(code[i], args=code[i].args[:-1] + (Label(name),))
                target = Label(name)
            if target.name not in labels:
                hint = did_you_mean(target.name, labels)
                raise ParseError(f"unknown label '{target.name}' in thread P{index}{hint}", raw.pos)
        return Thread(
            name=f"P{index}", index=index, code=tuple(code), labels=labels, init=init, pos=pos,
            types=self.reg_types.get(index, {}),
        )

    # -- instructions

    def instr(self, text: str, offset: int,
              thread: int | None = None) -> tuple[Instr, list[RawOperand]]:
        """The instruction ``text`` (at ``offset``) of thread ``thread``, and
        its raw operands."""
        mnemonic, raws = self.raw_instr(text, offset)
        env = (self.sym_env or {}).get(thread) if thread is not None else None
        if env:
            raws = [_unsymbolic(r, env) for r in raws]
        pos = self.pos(offset)
        if self.arch == "x86":
            if self.syntax == "att":
                mnemonic, raws = att_to_intel(mnemonic, raws, pos)
            elif " ".join(mnemonic.upper().split()) == "LOCK XCHG":
                mnemonic = "XCHG"  # xchg with memory is locked anyway
        instr = make_instr(self.arch, mnemonic, raws, pos, " ".join(text.split()))
        for name in named_locations(instr):
            self.use(name, offset)
        return instr, raws

    def raw_instr(self, text: str, offset: int) -> tuple[str, list[RawOperand]]:
        """The mnemonic and raw operands of the instruction ``text``."""
        m = _MNEMONIC.match(text)
        if m is None:
            raise self.error(f"expected an instruction or a label, found '{text}'", offset)
        mnemonic = m.group()
        j = m.end()
        if mnemonic.upper() == "LOCK":
            k = j + len(text[j:]) - len(text[j:].lstrip())
            m2 = _MNEMONIC.match(text, k)
            if m2 is None:
                raise self.error("expected an instruction after LOCK", offset + k)
            mnemonic = f"{mnemonic} {m2.group()}"
            j = m2.end()
        rest = text[j:]
        raws: list[RawOperand] = []
        if self.syntax == "att" and mnemonic.lower() in ATT_NOPS:
            rest = ""  # herd ignores a NOP's operands (nopl 0(%rax,%eax,0))
        if rest.strip():
            if not rest[0].isspace() and rest[0] not in "[(%$#&":
                raise self.error(f"expected an instruction or a label, found '{text}'", offset)
            for part, off in _split_top(rest, offset + j, self.pos):
                raws.append(self.operand(part, off))
        # herd reads a bare integer operand as an immediate (MOV X10,1; LSL X0,X0,28)
        return mnemonic, [_bare_immediates(r, "$" if self.arch == "x86" else "#") for r in raws]

    def operand(self, text: str, offset: int, inside: bool = False) -> RawOperand:
        t, off = _strip(text, offset)
        pos = self.pos(off)
        if not t:
            raise self.error("expected an operand, found nothing", off)
        if self.syntax == "att" and not inside and t.endswith(")") and "(" in t:
            return self.att_mem(t, off)
        if t[0] in "[(" and not inside:
            close = "]" if t[0] == "[" else ")"
            writeback = close == "]" and t.endswith("]!")
            body = t[1:-2] if writeback else t[1:-1]
            if not writeback and not t.endswith(close):
                raise self.error(f"unsupported memory operand '{t}'", off)
            items = (
                tuple(
                    self.operand(part, o, inside=True)
                    for part, o in _split_top(body, off + 1, self.pos)
                )
                if body.strip()
                else ()
            )
            return RawMem(items, pos, t, writeback)
        if t[0] in "#$":
            body = t[1:].strip()
            return RawImm(parse_int(body, self.pos(off + 1)), pos, t, t[0])
        if _INT.match(t):
            return RawImm(parse_int(t, pos), pos, t, "")
        if t[0] == "&":
            name = t[1:].strip()
            if not _NAME_OPERAND.match(name):
                raise self.error(f"expected a location name after '&', found '{name}'", off + 1)
            return RawAddrOf(name, pos, t)
        m = _PC_RELATIVE.match(t)
        if m is not None:
            return RawName(f".{m.group(1)}{int(m.group(2))}", pos, t)
        m = _SHIFT_OPERAND.match(t)
        if m is not None:
            return RawShift(
                m.group(1), parse_int(m.group(2), self.pos(off + m.start(2) - 1)), pos, t
            )
        if _NAME_OPERAND.match(t) or (self.syntax == "arm" and _SYMB_REG.match(t)):
            return RawName(t, pos, t)
        raise self.error(f"cannot read operand '{t}'", off)

    def att_mem(self, t: str, off: int) -> RawAttMem:
        """An AT&T memory operand ``disp(base,index,scale)`` (at ``off``): each
        part optional, ``disp`` an integer or a location, ``base`` and
        ``index`` registers, ``scale`` 1, 2, 4 or 8 (Intel SDM vol. 2,
        2.1.5), and herd's ``(x)``, location ``x``. herd7 reads ``(x)``,
        ``(%reg)``, ``disp(%reg)`` and ``disp(%base,%index,scale)``
        (lib/X86_64Parser.mly; ``Rm64_scaled`` in lib/X86_64Base.ml)."""
        pos = self.pos(off)
        open_at = t.index("(")
        body = t[open_at + 1 : -1]
        if "(" in body or ")" in body:
            raise self.error(f"unsupported memory operand '{t}'", off)
        disp_text, disp_off = _strip(t[:open_at], off)
        parts = [_strip(part, off + open_at + 1 + k)
                 for part, k in _offsets(body.split(","))]
        if len(parts) > 3:
            raise self.error(f"unsupported memory operand '{t}': AT&T's is "
                             "disp(base,index,scale)", off)

        def register(text: str, at: int, what: str) -> RawName:
            if not text.startswith("%"):
                raise self.error(f"expected a register as the {what} of '{t}' (as in "
                                 f"%rax), found '{shorten(text)}'", at)
            return RawName(text, self.pos(at), text)

        symbol: RawName | None = None
        disp = 0
        if disp_text:
            if _INT.match(disp_text):
                disp = parse_int(disp_text, self.pos(disp_off))
            elif _NAME_OPERAND.match(disp_text) and not disp_text.startswith("%"):
                symbol = RawName(disp_text, self.pos(disp_off), disp_text)
            else:
                raise self.error(f"expected a displacement (an integer or a location) "
                                 f"before '(' in '{t}', found '{shorten(disp_text)}'", disp_off)
        (base_text, base_off) = parts[0]
        base: RawName | None = None
        if len(parts) == 1 and not disp_text and base_text and not base_text.startswith("%"):
            if not _NAME_OPERAND.match(base_text):
                raise self.error(f"expected a location or register inside '()', found "
                                 f"'{shorten(base_text)}'", base_off)
            symbol = RawName(base_text, self.pos(base_off), base_text)  # herd's (x)
        elif base_text:
            base = register(base_text, base_off, "base")
        elif len(parts) == 1:
            raise self.error("expected a location or register inside '()', found nothing",
                             base_off)
        index: RawName | None = None
        scale = 1
        if len(parts) >= 2:
            index = register(parts[1][0], parts[1][1], "index")
        if len(parts) == 3:
            scale_text, scale_off = parts[2]
            given = parse_int(scale_text, self.pos(scale_off)) if _INT.match(scale_text) \
                else None
            if given not in (1, 2, 4, 8):
                raise self.error(f"the scale of '{t}' is 1, 2, 4 or 8 (Intel SDM vol. 2, "
                                 f"2.1.5), found '{shorten(scale_text)}'", scale_off)
            scale = given
        return RawAttMem((), pos, t, symbol=symbol, base=base, index=index, scale=scale,
                         disp=disp)

    # -- condition

    def condition(
        self, start: int
    ) -> tuple[Condition, Prop | None, list[Observable], list[Expect]]:
        end = self.text.find("<<", start)  # herd ignores what follows '<<'
        end = len(self.text) if end < 0 else end
        p = _TokStream(_tokens(self.text[start:end], start, self.pos))
        extra: list[Observable] = []
        filt: Prop | None = None
        seen: set[str] = set()
        while p.peek().text in ("locations", "filter"):
            kw = p.next()
            if kw.text in seen:
                raise self.error(f"a second '{kw.text}' section", kw.offset)
            seen.add(kw.text)
            if kw.text == "locations":
                extra = self.locations_section(p)
            else:
                filt = self.prop(p)
        q = p.peek()
        if q.kind == "eof" and seen:
            # herd: no quantifier means no condition (every state satisfies it)
            return Condition("forall", PConst(True), self.pos(q.offset)), filt, extra, []
        if q.text == "exists" or q.text == "final":
            p.next()
            quantifier = "exists"
        elif q.text in ("~", "not") and p.peek(1).text == "exists":
            p.next()
            p.next()
            quantifier = "~exists"
        elif q.text == "forall":
            p.next()
            quantifier = "forall"
        elif q.text in ("observed", "Observed", "cases"):
            raise self.error(f"'{q.text}' conditions are not supported", q.offset)
        else:
            raise self.error(
                f"expected a final condition ('exists', '~exists' or 'forall'), found "
                f"{_describe(q)}",
                q.offset,
            )
        prop = self.prop(p)
        if p.peek().text == ";":
            p.next()
        t = p.peek()
        expects: list[Expect] = []
        if t.text == "with":
            p.next()
            expects = self.kinds(p)
            t = p.peek()
        if t.kind != "eof":
            raise self.error(f"unexpected {_describe(t)} after the final condition", t.offset)
        condition = Condition(quantifier, prop, self.pos(q.offset))  # type: ignore[arg-type]
        return condition, filt, extra, expects

    def kinds(self, p: _TokStream) -> list[Expect]:
        """herd's ``with MODEL: KIND; ...`` after a final condition, as expectations
        (see :func:`parse_herd`)."""
        from ..library import ALIASES, MODELS

        known = (*MODELS, *ALIASES)
        out: list[Expect] = []
        seen: dict[str, int] = {}
        while True:
            name = p.next()
            if name.kind != "name" or name.text in _KEYWORDS:
                raise self.error(
                    f"expected a model name after 'with' (as in 'with tso: ~exists'), found "
                    f"{_describe(name)}",
                    name.offset,
                )
            model = name.text.lower()
            if model == "default":
                raise self.error(
                    "'default' kinds (for every model not named) are not supported; "
                    "name each model",
                    name.offset,
                )
            if model not in known:
                hint = did_you_mean(model, known) or f" (litmus has {', '.join(MODELS)})"
                raise self.error(f"unknown model '{shorten(name.text)}'{hint}", name.offset)
            if model in seen:
                raise self.error(
                    f"a second kind for model '{name.text}' (the first is at line "
                    f"{self.pos(seen[model]).line})",
                    name.offset,
                )
            seen[model] = name.offset
            colon = p.next()
            if colon.text != ":":
                raise self.error(
                    f"expected ':' after model '{name.text}', found {_describe(colon)}",
                    colon.offset,
                )
            k = p.next()
            if k.text == "exists":
                word = "allowed"
            elif k.text == "forall":
                word = "always"
            elif k.text in ("~", "not") and p.peek().text == "exists":
                p.next()
                word = "forbidden"
            else:
                raise self.error(
                    f"expected 'exists', '~exists' or 'forall' after '{name.text}:', found "
                    f"{_describe(k)}",
                    k.offset,
                )
            out.append(Expect(model, word, self.pos(name.offset)))  # type: ignore[arg-type]
            sep = p.peek()
            if sep.text == ";":
                p.next()
                sep = p.peek()
            elif sep.kind != "eof":
                raise self.error(
                    f"expected ';' after the kind of model '{name.text}', found {_describe(sep)}",
                    sep.offset,
                )
            if sep.kind == "eof":
                return out

    def locations_section(self, p: _TokStream) -> list[Observable]:
        t = p.next()
        if t.text != "[":
            raise self.error(f"expected '[' after 'locations', found {_describe(t)}", t.offset)
        out: list[Observable] = []
        while p.peek().text != "]":
            if p.peek().text == ";":
                p.next()
                continue
            if p.peek().kind == "eof":
                raise self.error("expected ']' to close 'locations ['", p.peek().offset)
            obs = self.observable(p)
            out.append(obs)
            if p.peek().kind == "name" and p.peek().text not in _KEYWORDS:
                p.next()  # a type (herd: "x int")
            if p.peek().text not in (";", "]"):
                raise self.error(
                    f"expected ';' or ']' in 'locations [...]', found {_describe(p.peek())}",
                    p.peek().offset,
                )
        p.next()
        return out

    def observable(self, p: _TokStream) -> Observable:
        thread, name, offset = self.location(p, "in 'locations [...]'")
        if thread is None:
            return Observable(key=memory_key(name, name in self.loc_lengths), loc=name)
        self.check_thread(thread, offset, "in 'locations [...]'")
        reg = reg_or_error(self.arch, name, self.pos(self.name_offset))
        return Observable(key=f"{thread}:{self.reg_key(name)}", thread=f"P{thread}", reg=reg)

    def reg_key(self, name: str) -> str:
        """A register as herd7 prints it in a state: X86_64 (AT&T) names in
        lower case (``0:rax``), the others as written."""
        return name.lower().removeprefix("%") if self.syntax == "att" else name

    # herd's precedence, loosest first: \/, /\, => (right), ~
    def prop(self, p: _TokStream) -> Prop:
        args = [self.conj(p)]
        while p.peek().text == "\\/":
            p.next()
            args.append(self.conj(p))
        return _flat(POr, args)

    def conj(self, p: _TokStream) -> Prop:
        args = [self.implies(p)]
        while p.peek().text == "/\\":
            p.next()
            args.append(self.implies(p))
        return _flat(PAnd, args)

    def implies(self, p: _TokStream) -> Prop:
        left = self.unary(p)
        if p.peek().text == "=>":
            self.enter(p.next())
            right = self.implies(p)
            self.depth -= 1
            return _flat(POr, [PNot(left), right])
        return left

    def enter(self, t: _Tok) -> None:
        """One level deeper in the condition (at ``t``), refused beyond
        :data:`MAX_NESTING`."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(f"condition nested more than {MAX_NESTING} deep", t.offset)

    def unary(self, p: _TokStream) -> Prop:
        t = p.peek()
        if t.text in ("~", "not"):
            self.enter(p.next())
            arg = self.unary(p)
            self.depth -= 1
            return PNot(arg)
        if t.text == "(":
            self.enter(p.next())
            inner = self.prop(p)
            self.depth -= 1
            close = p.next()
            if close.text != ")":
                raise self.error(
                    f"expected ')' to close the '(' at {self.pos(t.offset).line}:"
                    f"{self.pos(t.offset).col}, found {_describe(close)}",
                    close.offset,
                )
            return inner
        if t.text in ("true", "false"):
            p.next()
            return PConst(t.text == "true")
        return self.atom(p)

    def atom(self, p: _TokStream) -> Prop:
        t = p.peek()
        if t.kind == "eof" or t.text in (")", ";", "/\\", "\\/"):
            raise self.error(
                f"expected a condition on a register (0:X0=1) or a location (x=1), found "
                f"{_describe(t)}",
                t.offset,
            )
        thread, name, offset = self.location(p, "in the condition")
        name_offset = self.name_offset
        op = p.next()
        if op.text not in ("=", "==", "!=", "<>"):
            raise self.error(f"expected '=' after '{name}', found {_describe(op)}", op.offset)
        value = self.value(p, "expected value", array=thread is None)
        atom: Prop
        if thread is None:
            if name in self.loc_lengths and not isinstance(value, tuple):
                raise self.error(
                    f"'{name}' is an array of {self.loc_lengths[name]} elements: compare it "
                    f"with a list of values ({name}={{...}}) or compare one element "
                    f"({name}[0]={format_value(value)})", offset)
            if isinstance(value, tuple):
                self.array_refs.append((name, len(value), offset))
            atom = MemAtom(name, value, self.pos(offset))
        else:
            self.check_thread(thread, offset, "in the condition")
            reg = reg_or_error(self.arch, name, self.pos(name_offset))
            atom = RegAtom(f"P{thread}", reg, value, f"{thread}:{self.reg_key(name)}",
                           self.pos(offset))
        return PNot(atom) if op.text in ("!=", "<>") else atom


def _flat(cls: type[PAnd | POr], args: list[Prop]) -> Prop:
    if len(args) == 1:
        return args[0]
    out: list[Prop] = []
    for a in args:
        out.extend(a.args if isinstance(a, cls) else [a])
    return cls(tuple(out))


def _lines(text: str, offset: int) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    k = 0
    for line in text.split("\n"):
        out.append((line, offset + k))
        k += len(line) + 1
    return out


class _TokStream:
    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.i = 0
        self.prev = toks[0]

    def peek(self, k: int = 0) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> _Tok:
        tok = self.peek()
        self.prev = tok
        if self.i < len(self.toks) - 1:
            self.i += 1
        return tok
