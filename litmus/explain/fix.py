"""The cheapest change to a test that forbids its outcome.

:func:`fix` takes a test whose condition's outcome a model allows
and searches for the cheapest *minimal* sets of edits to its source that
make the model forbid it. An edit is a change of one instruction: a line
inserted (a barrier), an instruction's mnemonic replaced (``STR`` ->
``STLR``, ``writel_relaxed`` -> ``writel``, ``DMB ISHST`` -> ``DMB OSHST``),
or a dependency added (an ``EOR`` of the loaded register with itself, then
that zero as an address offset or added to the stored value, as litmus tests
write dependencies; the scratch register is one the thread does not use).
Every fix is checked by the engine (:func:`litmus.check`) on the edited
text, and so is every strict subset of its edits: a fix shown forbids the
outcome and no part of it does.

Cost order
----------
Fewer edits first; among fixes with as many edits, the lower total cost,
where each edit costs (AArch64)::

    1  address dependency (load -> later load) or data dependency (load -> later store)
    2  LDAPR     3  LDAR, STLR       (acquire / release)
    4  ISB after a conditional branch (ctrl+ISB)
   10  DMB ISHLD  11  DMB ISHST  12  DMB ISH            smp_rmb, smp_wmb, smp_mb
   13  DMB OSHLD  14  DMB OSHST  15  DMB OSH            dma_rmb, readl; dma_wmb, writel
   16  DMB LD     17  DMB ST     18  DMB SY
   20..28  DSB with the same options in the same order  rmb 26, wmb 27, mb 28

and (x86) ``SFENCE`` 5, ``MFENCE`` 10, a store made a locked ``XCHG`` 12.
Replacing an instruction costs what the new one costs. The reasoning:

* a dependency orders one load before one later access and nothing else,
  and costs no barrier at all (Arm ARM B2.3, "Dependency-ordered-before");
* acquire and release order one access against all later (earlier) ones,
  one-sided, with no barrier instruction; ``LDAPR``'s RCpc acquire is weaker
  than ``LDAR``'s RCsc one (it does not order an earlier ``STLR`` before it);
* a control dependency plus ``ISB`` orders the loads after a branch on a
  loaded value (Arm ARM B2.3); the ISB is local to the core, no memory
  system transaction;
* a barrier orders everything before it against everything after it: the
  load-only and store-only forms less than the full one, and a wider
  shareability domain costs more (inner-shareable, the CPUs; then outer-
  shareable, which reaches devices: rule D4 of the device model and Linux's
  ``dma_*()`` barriers; then full system); a ``DSB`` waits for completion,
  not just ordering, so every ``DSB`` costs more than every ``DMB`` (Linux
  memory-barriers.txt and arm64's ``mb()``/``wmb()``/``rmb()`` being
  ``DSB``\\ s);
* on x86 an ``MFENCE`` leaves the program's accesses as they are, while a
  locked ``XCHG`` turns a store into a read-modify-write of its location
  (through a scratch register); ``SFENCE`` orders only stores (it matters
  for write-combining memory).

A test written with Linux accessors is fixed with accessors (``dma_wmb``,
``writel``, ...), one written in assembly with instructions. A herd-format
test is edited in its column table: an inserted line is a row holding the
instruction in its thread's column (edits of several threads before the
same row share it), a replaced instruction one cell; in ``X86_64``'s AT&T
syntax only fences are offered.

Search
------
:func:`litmus.explain.explain` gives a witness execution and its cycle of
program order and communication; the candidate edits are those between the
two events of a program-order pair of that cycle, in a CPU thread (device
agents are hardware). The *gaps* between consecutive accesses of those pairs
are the places where order can be added; if the strongest barrier (``DSB
SY``, ``MFENCE``) in every such gap still allows the outcome, the witness of
that probe adds its own cycle's gaps, until it does not (or nothing new
comes). Then single edits are tried in cost order, then pairs, then triples
(only if no smaller fix exists). A combination is tried only if the
strongest barrier at every gap its edits act on forbids the outcome, and,
for each of its edits, that edit with the strongest barrier at the others'
gaps does. These probes rest on monotonicity (more order never allows more)
and only ever *skip* candidates: nothing is reported without the engine's
verdict on the edited test and on every strict subset of its edits.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..errors import LitmusError, ParseError, Timeout, UsageError
from ..program import Addr, Imm, Instr, Prop, Reg, RegAtom, Test, Thread, prop_atoms

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["COSTS", "Change", "Edit", "Fix", "Search", "choose_model", "fix", "fixed_file_text",
           "search"]

#: Default bound on the whole search, in seconds.
DEFAULT_SEARCH_TIMEOUT = 60.0

# --------------------------------------------------------------------------- costs

_BARRIER_OPTS = ("ISHLD", "ISHST", "ISH", "OSHLD", "OSHST", "OSH", "LD", "ST", "SY")

#: What each edit costs (see the module docstring for the reasoning).
COSTS: dict[str, int] = {
    "addr": 1, "data": 1, "LDAPR": 2, "LDAR": 3, "STLR": 3, "ISB": 4,
    "SFENCE": 5, "MFENCE": 10, "XCHG": 12,
}
for _i, _o in enumerate(_BARRIER_OPTS):
    COSTS[f"DMB {_o}"] = 10 + _i
    COSTS[f"DSB {_o}"] = 20 + _i

#: Linux barrier accessors: what each lowers to on arm64 (its cost), x86.
_LINUX_BARRIERS_ARM = {"smp_rmb": "DMB ISHLD", "smp_wmb": "DMB ISHST", "smp_mb": "DMB ISH",
                       "dma_rmb": "DMB OSHLD", "dma_wmb": "DMB OSHST",
                       "rmb": "DSB LD", "wmb": "DSB ST", "mb": "DSB SY"}
_LINUX_BARRIERS_X86 = {"wmb": "SFENCE", "mb": "MFENCE"}
for _name, _low in _LINUX_BARRIERS_ARM.items():
    COSTS[_name] = COSTS[_low]
COSTS["writel"] = COSTS["DMB OSHST"]
COSTS["readl"] = COSTS["DMB OSHLD"]

_STRONGEST = {"aarch64": "DSB SY", "x86": "MFENCE"}

# --------------------------------------------------------------------------- results

Gap = tuple[str, int]  # (thread, i): between the thread's accesses i-1 and i


@dataclass(frozen=True)
class Change:
    """One line of the source changed: ``insert`` puts ``text`` as a new line
    before line ``line``; ``replace`` makes line ``line`` read ``text``.
    Lines are the original test's, 1-based. In a herd test, ``column`` is
    the thread's column of the table: ``insert`` adds a row holding ``text``
    in that column, ``replace`` changes that cell of the row."""

    line: int
    kind: Literal["insert", "replace"]
    text: str
    column: int | None = None


@dataclass(frozen=True)
class Edit:
    """One change of one instruction (a dependency takes up to three lines).

    ``what`` says it (``insert DMB OSHST before line 12``, ``line 12: STR ->
    STLR``), ``line`` (the original line it changes) and
    ``thread`` where, ``cost`` per :data:`COSTS`; ``gaps`` are the places
    between accesses the edit adds order at (for the search's probes)."""

    what: str
    thread: str
    line: int
    cost: int
    changes: tuple[Change, ...]
    gaps: frozenset[Gap] = field(default=frozenset(), compare=False)

    def __str__(self) -> str:
        return f"{self.what} ({self.thread})"


@dataclass(frozen=True)
class Fix:
    """A minimal set of edits that makes ``model`` forbid the outcome.

    ``text`` is the edited test, ``original`` the test as it was;
    ``observation`` is the engine's verdict on ``text`` (``never``, or
    ``always`` for a ``forall`` condition)."""

    edits: tuple[Edit, ...]
    cost: int
    text: str
    original: str
    path: str
    model: str
    observation: str

    def diff(self) -> str:
        """The fix as a unified diff of the test file."""
        name = self.path if self.path not in ("", "<string>") else "test"
        return "".join(difflib.unified_diff(
            _lines(self.original), _lines(self.text), fromfile=name,
            tofile=f"{name} (fixed)", n=2))

    def describe(self) -> str:
        """The fix in one line: its number of edits, its cost and each edit."""
        n = len(self.edits)
        return f"{n} edit{'s' if n != 1 else ''}, cost {self.cost}: " + "; ".join(
            str(e) for e in self.edits)


@dataclass
class Search:
    """The outcome of :func:`search`: the model, the outcome's verdict on the
    test as written (``observation``), the fixes (cheapest first), and what
    the search did (``candidates`` edits considered, ``checks`` run by the
    engine, ``seconds``); ``complete`` is False when the time limit cut the
    search short; ``note`` says why nothing was found, when nothing was."""

    test: Test
    model: str
    observation: str
    forbidden: bool
    fixes: list[Fix] = field(default_factory=list)
    candidates: int = 0
    checks: int = 0
    seconds: float = 0.0
    complete: bool = True
    max_edits: int = 3
    note: str = ""


# --------------------------------------------------------------------------- model choice


def _canon(model: str) -> str:
    from ..library import canonical_name

    return canonical_name(str(model))


def forbids(test: Test, result) -> bool:
    """Whether a result says the outcome the condition asks about cannot
    happen: no state satisfies an ``exists``/``~exists`` proposition; every
    state satisfies a ``forall`` one."""
    if test.condition.quantifier == "forall":
        return result.negative == 0
    return result.positive == 0


def expects_forbidden(test: Test, model: str) -> bool | None:
    """Whether the test says the outcome must not happen under ``model``: an
    ``expect`` line for it (never/forbidden; always for ``forall``), else a
    ``~exists``/``forall`` condition; None when it says nothing."""
    q = test.condition.quantifier
    for exp in test.expects:
        if _canon(exp.model) == _canon(model):
            if q == "forall":
                return exp.word == "always"
            return exp.word in ("never", "forbidden")
    if q in ("~exists", "forall"):
        return True
    return None


def choose_model(test: Test, timeout: float | None = None) -> str:
    """The model a fix is for when none is named: the first model of the
    ``expect`` lines that expects the outcome forbidden but allows it (the
    failing one), else the test's default model (``arm``/``tso``)."""
    from ..api import check
    from ..library import DEFAULT_MODEL

    for exp in test.expects:
        if expects_forbidden(test, exp.model) and not forbids(
                test, check(test, exp.model, timeout=timeout)):
            return exp.model
    return DEFAULT_MODEL[test.arch]


# --------------------------------------------------------------------------- the source


def _lines(text: str) -> list[str]:
    out = text.splitlines(keepends=True)
    if out and not out[-1].endswith(("\n", "\r")):
        out[-1] += "\n"
    return out


def _apply(lines: list[str], edits: Iterable[Edit], labelled: Mapping[int, int] | None = None,
           ) -> tuple[str, list[int | None]] | None:
    """The text with ``edits`` applied, and for each of its lines the
    original line it was (None for inserted ones); None when two edits
    replace the same line (or cell). ``labelled`` maps a line whose
    instruction follows a label (``out: LDR r1, [x]``) to where the
    instruction starts: a line inserted before it goes after the label, on
    every path to the instruction."""
    inserts: dict[int, list[Change]] = {}
    replaces: dict[tuple[int, int | None], str] = {}
    for e in sorted(edits, key=lambda e: (e.line, e.cost)):
        for c in e.changes:
            if c.kind == "insert":
                inserts.setdefault(c.line, []).append(c)
            elif (c.line, c.column) in replaces:
                return None
            else:
                replaces[(c.line, c.column)] = c.text
    out: list[str] = []
    origin: list[int | None] = []
    for i, line in enumerate(lines, 1):
        end = line[len(line.rstrip("\r\n")):]
        text = line[: len(line) - len(end)]
        if (i, None) in replaces:
            text = replaces[(i, None)]
        cells = {col: t for (ln, col), t in replaces.items() if ln == i and col is not None}
        new = inserts.get(i, [])
        at = (labelled or {}).get(i)
        if new and at is not None:  # the label first, then the inserted lines
            indent = text[: len(text) - len(text.lstrip())]
            out.append(text[:at].rstrip() + end)
            origin.append(None)
            text = indent + text[at:]
        by_column: dict[int, list[str]] = {}
        for c in new:
            if c.column is None:
                out.append(c.text + "\n")
                origin.append(None)
            else:
                by_column.setdefault(c.column, []).append(c.text)
        for r in range(max((len(v) for v in by_column.values()), default=0)):
            row = {k: v[r] for k, v in by_column.items() if r < len(v)}
            out.append(_herd_row(text, row, blank=True) + end)
            origin.append(None)
        if cells:
            text = _herd_row(text, cells)
        out.append(text + end)
        origin.append(i)
    return "".join(out), origin


def _labelled_lines(test: Test, lines: list[str]) -> dict[int, int]:
    """The lines whose instruction follows a label on the same line, and
    where the instruction starts (0-based)."""
    out: dict[int, int] = {}
    if test.format == "herd":
        return out
    for th in test.threads:
        for ins in th.code:
            line = lines[ins.pos.line - 1]
            start = len(line) - len(line.lstrip())
            if ins.pos.col - 1 > start and ":" in line[start: ins.pos.col - 1]:
                out[ins.pos.line] = ins.pos.col - 1
    return out


_WORD = re.compile(r"\S+")


def _mnemonic_span(line: str, col: int) -> tuple[int, int]:
    """Where the mnemonic starting at 1-based ``col`` is in ``line``."""
    m = _WORD.match(line, col - 1)
    assert m is not None
    return m.start(), m.end()


def _code_end(line: str) -> int:
    """Where the instruction's text ends (before a trailing comment)."""
    for marker in ("//", "(*"):
        i = line.find(marker)
        if i >= 0:
            line = line[:i]
    # '#' starts a comment unless followed by a digit or '-' (an immediate)
    m = re.search(r"#(?![0-9\-])", line)
    if m is not None:
        line = line[:m.start()]
    return len(line.rstrip())


def _with_mnemonic(line: str, col: int, new: str) -> str:
    """``line`` with the mnemonic at ``col`` replaced by ``new``, keeping the
    operands' column when the mnemonic was padded to one."""
    start, end = _mnemonic_span(line, col)
    rest = line[end:]
    spaces = len(rest) - len(rest.lstrip(" "))
    if spaces > 1 and rest.strip():
        pad = max(1, end + spaces - (start + len(new)))
        rest = " " * pad + rest.lstrip(" ")
    return line[:start] + new + rest


def _new_line(target: str, col: int, text: str) -> str:
    """A line holding instruction ``text`` (mnemonic and operands), indented
    like the instruction at ``col`` of ``target`` and with its operands at the
    same column when that instruction pads its mnemonic."""
    indent = target[: len(target) - len(target.lstrip())]
    mnem, _, ops = text.partition(" ")
    if not ops:
        return indent + mnem
    start, end = _mnemonic_span(target, col)
    rest = target[end:]
    spaces = len(rest) - len(rest.lstrip(" "))
    width = end - start + spaces if spaces > 1 else len(mnem) + 1
    return indent + mnem + " " * max(1, width - len(mnem)) + ops


# --------------------------------------------------------------------------- threads


@dataclass
class _ThreadInfo:
    thread: Thread
    accesses: list[int]  # source lines of the thread's memory accesses, in order
    kinds: dict[int, set[str]]  # R/W per access line
    instr_at: dict[int, Instr]
    text_at: dict[int, str]  # the line of each instruction (in herd's format: its cell)
    col_at: dict[int, int]  # where the instruction starts in text_at (1-based)
    column: int | None  # the thread's column of herd's table
    free: list[str]  # canonical scratch registers the thread does not use

    def gap_lines(self, i: int) -> tuple[int, int]:
        return self.accesses[i - 1], self.accesses[i]

    def before(self, i: int) -> set[str]:
        return set().union(*(self.kinds[ln] for ln in self.accesses[:i]))

    def after(self, i: int) -> set[str]:
        return set().union(*(self.kinds[ln] for ln in self.accesses[i:]))


def _regs_of(args: Sequence[object]) -> Iterable[Reg]:
    from ..program import Shift

    for a in args:
        if isinstance(a, Reg):
            yield a
        elif isinstance(a, Shift):
            yield a.reg
        elif isinstance(a, Addr):
            yield from _regs_of([a.base] + ([a.offset] if a.offset is not None else []))


_ARM_SCRATCH = [f"X{n}" for n in range(9, 29)] + [f"X{n}" for n in range(1, 9)]
_X86_SCRATCH = ["RCX", "RDX", "RSI", "RDI"] + [f"R{n}" for n in range(8, 16)]


def _threads(test: Test, lines: list[str]) -> dict[str, _ThreadInfo]:
    from ..api import events

    eg = events(test)
    acc: dict[str, dict[int, set[str]]] = {t.name: {} for t in test.threads}
    for e in eg.events:
        if e.thread is None or e.kind not in ("R", "W") or e.instr is None:
            continue
        acc[e.thread].setdefault(e.instr.pos.line, set()).add(e.kind)
    cond_regs: dict[str, set[str]] = {}
    for atom in prop_atoms(test.condition.prop):
        if isinstance(atom, RegAtom):
            cond_regs.setdefault(atom.thread, set()).add(atom.reg.name)
    out = {}
    for th in test.threads:
        used = {r.name for ins in th.code for r in _regs_of(ins.args)}
        used |= cond_regs.get(th.name, set()) | {r.name for r in th.init}
        pool = _X86_SCRATCH if test.arch == "x86" else _ARM_SCRATCH
        kinds = acc[th.name]
        text_at, col_at = {}, {}
        for ins in th.code:
            line = lines[ins.pos.line - 1].rstrip("\r\n")
            if test.format == "herd":  # the instruction's cell, without blanks
                a, b = _cell_spans(line)[th.index]
                cell = line[a:b]
                lead = len(cell) - len(cell.lstrip())
                text_at[ins.pos.line] = cell.strip()
                col_at[ins.pos.line] = ins.pos.col - a - lead
            else:
                text_at[ins.pos.line] = line
                col_at[ins.pos.line] = ins.pos.col
        out[th.name] = _ThreadInfo(
            th, sorted(kinds), kinds, {ins.pos.line: ins for ins in th.code}, text_at, col_at,
            th.index if test.format == "herd" else None, [r for r in pool if r not in used])
    return out


def _cell_spans(row: str) -> list[tuple[int, int]]:
    """Where each cell of a row of herd's thread table is: between the
    ``|`` separators, up to the ``;`` that ends the row."""
    end = row.find(";", row.rfind("|") + 1)
    if end < 0:
        end = len(row)
    cuts = [-1] + [i for i, c in enumerate(row[:end]) if c == "|"] + [end]
    return [(cuts[k] + 1, cuts[k + 1]) for k in range(len(cuts) - 1)]


def _herd_row(row: str, cells: dict[int, str], blank: bool = False) -> str:
    """A row of herd's table like ``row`` with the given cells' contents
    (others kept, or left empty with ``blank``), each padded to its width."""
    spans = _cell_spans(row)
    parts = []
    for k, (a, b) in enumerate(spans):
        old = row[a:b]
        if k in cells:
            new = " " + cells[k]
        else:
            new = "" if blank else old.rstrip()
        parts.append(new + " " * max(1 if k in cells else 0, (b - a) - len(new)))
    end = spans[-1][1]
    return "|".join(parts) + row[end:]


# --------------------------------------------------------------------------- candidates

_LOADS = {"LDR", "LDAR", "LDAPR", "readl", "readl_relaxed", "smp_load_acquire"}
_STORES_SRC_FIRST = {"STR", "STLR", "writel", "writel_relaxed", "smp_store_release"}
_WRITES_FIRST = {"MOV", "ADD", "SUB", "EOR", "AND", "ORR", "CSEL", "LDR", "LDAR", "LDAPR",
                 "LDXR", "LDAXR", "readl", "readl_relaxed", "smp_load_acquire", "STXR", "STLXR"}
_NO_WRITE = {"STR", "STLR", "writel", "writel_relaxed", "smp_store_release", "CMP", "CMN",
             "TST", "CBZ", "CBNZ", "B", "DMB", "DSB", "ISB", "NOP", "spin_lock", "spin_unlock"}
_COND_BRANCH = re.compile(r"B\.[A-Z]{2}\Z|CBN?Z\Z")


def _barrier_fits(low: str, before: set[str], after: set[str], has_wc: bool) -> bool:
    """Whether barrier ``low`` (an arm64 or x86 fence) can order anything
    between accesses of kinds ``before`` and ``after``: LD forms order loads
    before later accesses, ST forms matter before a later store (a DSB ST
    also orders stores before everything), full forms everything (Arm ARM
    B2.3);
    SFENCE orders stores, and matters only for write-combining memory."""
    if not before or not after:
        return False
    if low == "SFENCE":
        return has_wc and "W" in before and "W" in after
    if low.endswith("LD"):
        return "R" in before
    if low.endswith("ST"):
        # a store barrier after a read still matters when the read observed a
        # write from elsewhere: cumulativity (device.cat's D4 orders such a write
        # before a later write across a system-scope store barrier)
        return "W" in after or ("W" in before and low.startswith("DSB"))
    return True


def _reg_style(text: str) -> str:
    """How a register operand is spelled: ``r``, ``W`` or ``X`` (its letter
    as written, case kept)."""
    return text[0] if text[:1] in ("r", "R", "w", "W", "x", "X") else "X"


def _spell(style: str, canonical: str) -> str:
    """The canonical AArch64 register ``X9`` spelled in ``style``."""
    return style + canonical[1:]


def _x86_spell(canonical: str, width: int) -> str:
    if width == 64:
        return canonical
    if canonical.startswith("R") and canonical[1:].isdigit():
        return canonical + "D"
    return "E" + canonical[1:]


def _operands(text: str, col: int) -> tuple[str, str]:
    """The instruction's operand text at ``col``: (before-comment text of the
    operands, whatever follows them)."""
    _, end = _mnemonic_span(text, col)
    stop = _code_end(text)
    return text[end:stop], text[stop:]


def _split_top(ops: str) -> list[str]:
    """Operands split at the commas outside brackets."""
    out, depth, cur = [], 0, ""
    for ch in ops:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


class _Candidates:
    """Builds the candidate edits of a test, gap by gap."""

    def __init__(self, test: Test, lines: list[str], infos: dict[str, _ThreadInfo]) -> None:
        from ..lowering import ACCESSORS

        self.test = test
        self.lines = lines
        self.infos = infos
        self.arch = test.arch
        self.linux = any(ins.op in ACCESSORS for th in test.threads for ins in th.code)
        self.has_wc = any(loc.mtype == "wc" for loc in test.locations.values())
        # herd's X86_64 tests are in AT&T syntax: fences read the same, XCHG is not offered
        self.att = test.format == "herd" and test.arch == "x86" and bool(re.match(
            r"\s*X86_64\b", next((ln for ln in lines if ln.strip()), ""), re.IGNORECASE))
        self.scratch: dict[str, list[str]] = {n: list(i.free) for n, i in infos.items()}
        self.edits: dict[Edit, None] = {}

    # -- helpers

    def strongest(self, gap: Gap) -> Edit:
        info = self.infos[gap[0]]
        _, nxt = info.gap_lines(gap[1])
        low = _STRONGEST[self.arch]
        return Edit(f"insert {low} before line {nxt}", gap[0], nxt, COSTS[low],
                    (self._change(info, nxt, "insert", self._line_for(info, nxt, low)),),
                    frozenset({gap}))

    def _line_for(self, info: _ThreadInfo, line: int, text: str) -> str:
        return _new_line(info.text_at[line], info.col_at[line], text)

    def _change(self, info: _ThreadInfo, line: int, kind: Literal["insert", "replace"],
                text: str) -> Change:
        if info.column is not None:  # herd's cells write operands without blanks
            text = re.sub(r",\s+", ",", text)
        if self.att:  # only fences are offered in AT&T syntax: mfence, sfence
            text = text.lower()
        return Change(line, kind, text, info.column)

    def _add(self, e: Edit) -> None:
        self.edits.setdefault(e, None)

    def _gap_of(self, info: _ThreadInfo, i: int) -> set[Gap]:
        return {(info.thread.name, i)} if 1 <= i < len(info.accesses) else set()

    # -- per gap

    def gap(self, gap: Gap) -> None:
        name, i = gap
        info = self.infos[name]
        prev, nxt = info.gap_lines(i)
        before, after = info.before(i), info.after(i)
        here = frozenset({gap})
        # barriers inserted just before the next access
        for word, low in self._barriers():
            if _barrier_fits(low, before, after, self.has_wc):
                change = self._change(info, nxt, "insert", self._line_for(info, nxt, word))
                self._add(Edit(f"insert {word} before line {nxt}", name, nxt, COSTS[low],
                               (change,), here))
        # barriers already in the gap, made stronger
        for ln in range(prev + 1, nxt):
            ins = info.instr_at.get(ln)
            if ins is None:
                continue
            old = self._barrier_word(ins)
            if old is None:
                continue
            linux = not old.isupper()
            old_cost = self._x86_cost(old) if self.arch == "x86" else COSTS[old]
            for word, low in self._barriers(linux):
                if COSTS[low] > old_cost and _barrier_fits(low, before, after, self.has_wc):
                    self._add(self._replace(info, ln, old, word, here, COSTS[low]))
        self._acquire_release(info, i, prev, nxt)
        self._dependencies(info, i, nxt)
        self._isb(info, i, nxt)

    def _barriers(self, linux: bool | None = None) -> list[tuple[str, str]]:
        """(what to write, what it is) of each barrier the test's style offers."""
        linux = self.linux if linux is None else linux
        if self.arch == "x86":
            if linux:
                return list(_LINUX_BARRIERS_X86.items())
            return [("SFENCE", "SFENCE"), ("MFENCE", "MFENCE")]
        if linux:
            return list(_LINUX_BARRIERS_ARM.items())
        return [(f"{b} {o}", f"{b} {o}") for b in ("DMB", "DSB") for o in _BARRIER_OPTS]

    @staticmethod
    def _x86_cost(word: str) -> int:
        """What a barrier costs on x86 (an accessor: its lowering; those that
        lower to no fence, such as ``smp_wmb``, cost nothing)."""
        if word in ("SFENCE", "MFENCE"):
            return COSTS[word]
        low = _LINUX_BARRIERS_X86.get(word)
        return COSTS[low] if low else 0

    def _barrier_word(self, ins: Instr) -> str | None:
        if self.arch == "x86":
            ok = ins.op in ("SFENCE", "MFENCE") or ins.op in _LINUX_BARRIERS_ARM
            return ins.op if ok else None
        if ins.op in ("DMB", "DSB") and ins.args:
            word = f"{ins.op} {ins.args[0]}"
            return word if word in COSTS else None
        return ins.op if ins.op in _LINUX_BARRIERS_ARM else None

    def _replace(self, info: _ThreadInfo, ln: int, old: str, new: str,
                 gaps: frozenset[Gap], cost: int | None = None) -> Edit:
        text = info.text_at[ln]
        col = info.col_at[ln]
        if " " in old:  # DMB ISHST -> DMB OSHST: the whole instruction
            _, tail = _operands(text, col)
            start, _ = _mnemonic_span(text, col)
            line = (text[:start] + _new_line(text, col, new).lstrip()
                    + (" " + tail.lstrip() if tail.strip() else ""))
        else:
            line = _with_mnemonic(text, col, new)
        return Edit(f"line {ln}: {old} -> {new}", info.thread.name, ln,
                    COSTS[new] if cost is None else cost,
                    (self._change(info, ln, "replace", line),), gaps)

    def _acquire_release(self, info: _ThreadInfo, i: int, prev: int, nxt: int) -> None:
        """Acquire and release for the accesses on either side of gap ``i``:
        ``LDR`` -> ``LDAPR`` (orders the load before what follows), ``LDR``/
        ``LDAPR`` -> ``LDAR`` (also after an earlier ``STLR``), ``STR`` ->
        ``STLR`` (orders what precedes before the store, and the store
        before a later ``LDAR``), ``readl_relaxed`` -> ``readl``,
        ``writel_relaxed`` -> ``writel``; on x86, a store made an ``XCHG``."""
        for j, ln in ((i - 1, prev), (i, nxt)):
            ins = info.instr_at.get(ln)
            if ins is None:
                continue
            after = frozenset(self._gap_of(info, j + 1))
            around = frozenset(self._gap_of(info, j) | self._gap_of(info, j + 1))
            if self.arch == "x86":
                if (j == i - 1 and ins.op == "MOV" and isinstance(ins.args[0], Addr)
                        and not self.att):
                    self._xchg(info, j, ln, ins)
                continue
            addr = ins.args[1] if len(ins.args) == 2 else None
            plain = isinstance(addr, Addr) and addr.offset is None
            if ins.op == "LDR" and plain:
                if j == i - 1:
                    self._add(self._replace(info, ln, "LDR", "LDAPR", after))
                self._add(self._replace(info, ln, "LDR", "LDAR", around))
            elif ins.op == "LDAPR":
                self._add(self._replace(info, ln, "LDAPR", "LDAR", around))
            elif ins.op == "STR" and plain:
                self._add(self._replace(info, ln, "STR", "STLR", around))
            elif ins.op == "readl_relaxed" and j == i - 1:
                self._add(self._replace(info, ln, "readl_relaxed", "readl", after))
            elif ins.op == "writel_relaxed" and j == i:
                self._add(self._replace(info, ln, "writel_relaxed", "writel",
                                        frozenset(self._gap_of(info, j))))

    def _xchg(self, info: _ThreadInfo, before_gap: int, ln: int, ins: Instr) -> None:
        """A store ``MOV [x], src`` made ``MOV scratch, src; XCHG [x], scratch``."""
        if not self.scratch[info.thread.name]:
            return
        text = info.text_at[ln]
        col = info.col_at[ln]
        ops, tail = _operands(text, col)
        parts = _split_top(ops)
        if len(parts) != 2:
            return
        addr, src = parts[0].strip(), parts[1].strip()
        wide = isinstance(ins.args[1], Reg) and ins.args[1].width == 64 or (
            isinstance(ins.args[1], Imm) and not 0 <= ins.args[1].value < 1 << 31)
        reg = _x86_spell(self.scratch[info.thread.name].pop(0), 64 if wide else 32)
        start, _ = _mnemonic_span(text, col)
        mov = _new_line(text, col, f"MOV {reg}, {src}")
        xchg = text[:start] + _new_line(text, col, f"XCHG {addr}, {reg}").lstrip() + (
            " " + tail.lstrip() if tail.strip() else "")
        gaps = frozenset(self._gap_of(info, before_gap) | self._gap_of(info, before_gap + 1))
        self._add(Edit(f"line {ln}: MOV -> XCHG (via {reg})", info.thread.name, ln, COSTS["XCHG"],
                       (self._change(info, ln, "insert", mov),
                        self._change(info, ln, "replace", xchg)), gaps))

    def _dependencies(self, info: _ThreadInfo, i: int, nxt: int) -> None:
        """A dependency from each earlier load whose register still holds its
        value to the access at ``nxt``: an address dependency to a load, a
        data dependency to a store (herd's idiom: ``EOR`` the register with
        itself, use the zero)."""
        if self.arch == "x86":
            return
        target = info.instr_at.get(nxt)
        if target is None or not (target.op in _LOADS or target.op in _STORES_SRC_FIRST):
            return
        addr = target.args[1] if len(target.args) > 1 else None
        if not isinstance(addr, Addr):
            return
        for ln in info.accesses[:i]:
            src = info.instr_at.get(ln)
            if src is None or src.op not in _LOADS or not isinstance(src.args[0], Reg):
                continue
            reg = src.args[0]
            if reg.is_zero or self._overwritten(info, reg, ln, nxt):
                continue
            if not self.scratch[info.thread.name]:
                return
            self._dependency(info, i, ln, src, nxt, target, addr)

    def _overwritten(self, info: _ThreadInfo, reg: Reg, after: int, before: int) -> bool:
        for ln in range(after + 1, before):
            ins = info.instr_at.get(ln)
            if ins is None or ins.op in _NO_WRITE:
                continue
            if ins.op in _WRITES_FIRST:
                if ins.args and ins.args[0] == reg:
                    return True
            elif any(r == reg for r in _regs_of(ins.args)):
                return True
        return False

    def _dependency(self, info: _ThreadInfo, i: int, src_line: int, src: Instr, nxt: int,
                    target: Instr, addr: Addr) -> None:
        name = info.thread.name
        src_ops, _ = _operands(info.text_at[src_line], info.col_at[src_line])
        src_reg_text = _split_top(src_ops)[0].strip()
        style = _reg_style(src_reg_text)
        text = info.text_at[nxt]
        col = info.col_at[nxt]
        ops, tail = _operands(text, col)
        parts = _split_top(ops)
        _, end = _mnemonic_span(text, col)
        num = src.args[0].name[1:] if isinstance(src.args[0], Reg) else ""
        scratch = self.scratch[name][0]
        gaps = frozenset({(name, i)})
        if target.op in _LOADS:
            if addr.offset is not None or len(parts) != 2:
                return
            off = _spell("X" if style in "wW" else style, scratch)
            s = _spell(style, scratch)
            a = _spell(style, "X" + num)
            bracket = parts[1].rstrip()
            new_ops = f"{parts[0]},{bracket[:-1].rstrip()}, {off}]"
            line = text[:end] + new_ops + (" " + tail.lstrip() if tail.strip() else "")
            eor = self._change(info, nxt, "insert", self._line_for(info, nxt, f"EOR {s}, {a}, {a}"))
            changes = (eor,
                       self._change(info, nxt, "replace", line))
            what = f"address dependency from line {src_line} to line {nxt}"
        else:
            if len(parts) != 2:
                return
            value_text = parts[0].strip()
            value = target.args[0]
            if isinstance(value, Reg):
                vstyle = _reg_style(value_text)
            else:
                assert isinstance(value, Imm)
                vstyle = style if 0 <= value.value < 1 << 32 else "X"
            s = _spell(vstyle, scratch)
            a = _spell(vstyle, "X" + num)
            lead = parts[0][: len(parts[0]) - len(parts[0].lstrip())]
            line = (text[:end] + lead + s + "," + parts[1].rstrip()
                    + (" " + tail.lstrip() if tail.strip() else ""))
            eor = self._change(info, nxt, "insert", self._line_for(info, nxt, f"EOR {s}, {a}, {a}"))
            changes = (eor,
                       self._change(info, nxt, "insert", self._line_for(info, nxt,
                                                           f"ADD {s}, {s}, {value_text}")),
                       self._change(info, nxt, "replace", line))
            what = f"data dependency from line {src_line} to line {nxt}"
        self.scratch[name].pop(0)
        kind = "addr" if what.startswith("address") else "data"
        self._add(Edit(what, name, nxt, COSTS[kind], changes, gaps))

    def _isb(self, info: _ThreadInfo, i: int, nxt: int) -> None:
        """``ISB`` before a load that follows a conditional branch on an
        earlier load (a control dependency then ISB orders them)."""
        if self.arch == "x86" or "R" not in info.kinds[nxt] or "W" in info.kinds[nxt]:
            return
        first_load = next((ln for ln in info.accesses if "R" in info.kinds[ln]), None)
        if first_load is None:
            return
        branches = [ln for ln, ins in info.instr_at.items()
                    if first_load < ln < nxt and _COND_BRANCH.match(ins.op)]
        if not branches:
            return
        self._add(Edit(f"insert ISB before line {nxt}", info.thread.name, nxt, COSTS["ISB"],
                       (self._change(info, nxt, "insert", self._line_for(info, nxt, "ISB")),),
                       frozenset({(info.thread.name, i)})))


# --------------------------------------------------------------------------- the search


class _Engine:
    """Checks edited versions of one test under one model, with a cache."""

    def __init__(self, test: Test, text: str, model: str, deadline: float | None) -> None:
        self.test = test
        self.lines = _lines(text)
        self.model = model
        self.deadline = deadline
        self.labelled = _labelled_lines(test, self.lines)
        self.cache: dict[frozenset[Edit], tuple[bool, str]] = {}
        self.checks = 0

    def remaining(self) -> float | None:
        if self.deadline is None:
            return None
        return max(0.001, self.deadline - time.monotonic())

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def edited(self, edits: Iterable[Edit]) -> tuple[Test, str, list[int | None]] | None:
        from ..api import parse

        applied = _apply(self.lines, edits, self.labelled)
        if applied is None:
            return None
        text, origin = applied
        return parse(text, self.test.source), text, origin

    def forbids(self, edits: Iterable[Edit]) -> bool:
        return self.verdict(edits)[0]

    def verdict(self, edits: Iterable[Edit]) -> tuple[bool, str]:
        """Whether the edited test forbids the outcome, and its observation."""
        from ..api import check

        key = frozenset(edits)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        try:
            got = self.edited(key)
        except ParseError:
            got = None
        if got is None:
            out = (False, "")
        else:
            self.checks += 1
            r = check(got[0], self.model, timeout=self.remaining())
            # an edit must not forbid the outcome by leaving no execution at all
            out = (forbids(got[0], r) and (bool(r.states) or not key), r.observation)
        self.cache[key] = out
        return out


def _cycle_gaps(x, infos: dict[str, _ThreadInfo], origin: list[int | None] | None) -> set[Gap]:
    """The gaps between the events of each program-order pair of an
    explanation's cycle, in CPU threads (lines mapped back to the original
    test through ``origin``)."""
    out: set[Gap] = set()
    if x.witness is None:
        return out
    for step in x.cycle:
        if step.label != "po":
            continue
        a, b = x.witness.event(step.src), x.witness.event(step.dst)
        if a.thread is None or a.thread != b.thread or a.instr is None or b.instr is None:
            continue
        info = infos.get(a.thread)
        if info is None or info.thread.device:
            continue
        la, lb = a.instr.pos.line, b.instr.pos.line
        if origin is not None:
            la, lb = origin[la - 1], origin[lb - 1]
            if la is None or lb is None:
                continue
        for i in range(1, len(info.accesses)):
            prev, nxt = info.gap_lines(i)
            if la <= prev and nxt <= lb:
                out.add((a.thread, i))
    return out


def _source_text(test: Test | str | Path) -> tuple[Test, str]:
    """The test and its source text, from a Test loaded from a file, a path
    or the text itself (as :func:`litmus.load` tells them apart)."""
    from ..api import _is_file, parse
    from ..syntax.source import read_source

    if isinstance(test, Test):
        try:
            text = read_source(Path(test.source))
        except (OSError, ValueError):
            raise UsageError(f"{test.source}: fixing a test needs its source text; pass the "
                             "text or the .lit file's path") from None
        path = test.source
    elif isinstance(test, Path) or (
            "\n" not in test and (test.endswith((".lit", ".litmus")) or _is_file(test))):
        path = str(test)
        try:
            text = read_source(Path(test))
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    else:
        text, path = test, "<string>"
    return parse(text, path), text


def search(test: Test | str | Path, model: str | Path | Model | None = None, *,
           max_edits: int = 3, max_fixes: int = 10,
           timeout: float | None = DEFAULT_SEARCH_TIMEOUT, text: str | None = None) -> Search:
    """Search for the cheapest minimal fixes of ``test`` under ``model``.

    ``test`` is a :class:`Test` loaded from a ``.lit`` file, a path, or the
    test's text (``text`` gives the source of a Test parsed from a string);
    ``model`` defaults to :func:`choose_model`'s choice. At most
    ``max_edits`` edits per fix (1 to 3); at most ``max_fixes`` fixes (0: all
    with the fewest edits); ``timeout`` bounds the whole search in seconds.
    Raises :class:`~litmus.errors.LitmusError` subclasses as
    :func:`litmus.check` does."""
    from . import explain

    t0 = time.monotonic()
    if text is not None and isinstance(test, Test):
        from ..api import parse

        test = parse(text, test.source)
    else:
        test, text = _source_text(test)
    if not 1 <= max_edits <= 3:
        raise UsageError("max_edits must be 1, 2 or 3")
    deadline = None if not timeout else t0 + timeout
    if model is None:
        model = choose_model(test, timeout=timeout or None)
    from ..library import model_label

    label = model_label(model)
    eng = _Engine(test, text, model, deadline)
    base_forbidden, obs = eng.verdict(())
    out = Search(test, label, obs, base_forbidden, max_edits=max_edits)
    out.checks = eng.checks
    if base_forbidden:
        out.seconds = time.monotonic() - t0
        return out
    infos = _threads(test, eng.lines)
    cands = _Candidates(test, eng.lines, infos)
    # where order can be added: the gaps of the witnesses' cycles
    x = explain(test, model, timeout=eng.remaining())
    gaps = _cycle_gaps(x, infos, None)
    while gaps:
        probe = [cands.strongest(g) for g in sorted(gaps)]
        if gaps and eng.forbids(probe):
            break
        got = eng.edited(probe)
        assert got is not None
        xp = explain(got[0], model, timeout=eng.remaining())
        new = _cycle_gaps(xp, infos, got[2]) - gaps
        if not new:
            out.note = ("no fix: the outcome stays allowed even with "
                        f"{_STRONGEST[test.arch]} between every two accesses of its cycles")
            break
        gaps |= new
    if out.note or not gaps:
        out.note = out.note or ("no fix: the witness's cycle of program order and "
                                "communication has no two accesses of one CPU to order")
        out.checks = eng.checks
        out.seconds = time.monotonic() - t0
        return out
    for g in sorted(gaps):
        cands.gap(g)
    edits = sorted(cands.edits, key=_edit_key)
    out.candidates = len(edits)
    strongest_of: dict[Gap, Edit] = {}

    def probe_gaps(gs: frozenset[Gap], extra: tuple[Edit, ...] = ()) -> bool:
        for g in gs:
            strongest_of.setdefault(g, cands.strongest(g))
        return eng.forbids(tuple(strongest_of[g] for g in gs) + extra)

    found: list[tuple[tuple[Edit, ...], str]] = []
    try:
        _levels(eng, edits, max_edits, max_fixes, probe_gaps, found)
    except Timeout:
        pass
    out.complete = not eng.expired()
    for combo, obs2 in found:
        got = eng.edited(combo)
        assert got is not None
        order = {t.name: t.index for t in test.threads}
        out.fixes.append(Fix(tuple(sorted(combo, key=lambda e: (order[e.thread], e.line))),
                             sum(e.cost for e in combo), got[1], text, test.source, label,
                             obs2))
    out.checks = eng.checks
    out.seconds = time.monotonic() - t0
    if not out.fixes and out.complete:
        out.note = (f"no fix with at most {max_edits} edit{'s' if max_edits != 1 else ''} "
                    "forbids the outcome")
    elif not out.fixes:
        out.note = f"no fix found before the time limit ({timeout:g} s)"
    return out


def _levels(eng: _Engine, edits: list[Edit], max_edits: int, max_fixes: int, probe_gaps,
            found: list[tuple[tuple[Edit, ...], str]]) -> None:
    """Single edits, then pairs, then triples, each in cost order: every
    combination the probes let through is checked, and kept when it forbids
    the outcome and none of its strict subsets does. Stops at the first size
    that has a fix, after ``max_fixes`` fixes (0: no limit) or at the
    deadline."""
    for k in range(1, max_edits + 1):
        combos = sorted(combinations(edits, k), key=_combo_key)
        for combo in combos:
            if eng.expired():
                return
            if max_fixes and len(found) >= max_fixes:
                break
            if _conflict(combo):
                continue
            if not probe_gaps(frozenset().union(*(e.gaps for e in combo))):
                continue
            if k > 1 and not all(
                    probe_gaps(frozenset().union(*(o.gaps for o in combo if o is not e)), (e,))
                    for e in combo):
                continue
            ok, obs2 = eng.verdict(combo)
            if not ok:
                continue
            if any(eng.forbids(sub) for j in range(1, k)
                   for sub in combinations(combo, j)):
                continue  # not minimal (the probes assume monotonicity; this does not)
            found.append((combo, obs2))
        if found:
            return


def _edit_key(e: Edit) -> tuple:
    return (e.cost, sum(c.kind == "insert" for c in e.changes), e.line, e.what)


def _combo_key(combo: tuple[Edit, ...]) -> tuple:
    return (sum(e.cost for e in combo), sum(sum(c.kind == "insert" for c in e.changes)
                                            for e in combo),
            [_edit_key(e) for e in combo])


def _conflict(combo: tuple[Edit, ...]) -> bool:
    seen: set[tuple[int, int | None]] = set()
    for e in combo:
        for c in e.changes:
            if c.kind == "replace":
                if (c.line, c.column) in seen:
                    return True
                seen.add((c.line, c.column))
    return False


def fix(test: Test | str | Path, model: str | Path | Model | None = None, *,
        max_edits: int = 3, max_fixes: int = 10,
        timeout: float | None = DEFAULT_SEARCH_TIMEOUT) -> list[Fix]:
    """The cheapest minimal fixes that make ``model`` (a name, a ``.cat``
    path or a :class:`~litmus.model.Model`; default: :func:`choose_model`'s)
    forbid the outcome ``test``'s condition asks about (fewest edits first,
    then lowest cost); ``[]`` when it is already forbidden or no fix is found
    (see :func:`search` for which, and for the arguments). Raises
    :class:`~litmus.errors.LitmusError` subclasses as :func:`litmus.check`
    does (``Timeout`` only when the time runs out before the edits are tried:
    a search cut short later returns the fixes found so far)."""
    return search(test, model, max_edits=max_edits, max_fixes=max_fixes,
                  timeout=timeout).fixes


# --------------------------------------------------------------------------- writing


def fixed_file_text(fix: Fix, timeout: float | None = None) -> tuple[str, list[str]]:
    """The fixed test as a file to keep: ``fix.text`` with each ``expect``
    item that no longer holds rewritten to what the models now say; returns
    the text and a note per rewritten item."""
    from ..api import check, parse

    test = parse(fix.text, fix.path)
    lines = _lines(fix.text)
    notes: list[str] = []
    # right to left, so that a rewritten item does not move the next one
    for exp in sorted(test.expects, key=lambda e: (e.pos.line, e.pos.col) if e.pos else (0, 0),
                      reverse=True):
        if exp.pos is None:
            continue
        try:
            r = check(test, exp.model, timeout=timeout)
        except LitmusError:
            continue
        if exp.holds(r.observation):
            continue
        line = lines[exp.pos.line - 1]
        m = re.compile(r"(\s*:\s*)([A-Za-z]+)").match(line, exp.pos.col - 1 + len(exp.model))
        if m is None:
            continue
        lines[exp.pos.line - 1] = line[:m.start(2)] + r.observation + line[m.end(2):]
        notes.append(f"expect {exp.model}: {exp.word} -> {r.observation}")
    return "".join(lines), notes[::-1]


def outcome_text(test: Test) -> str:
    from ..program import format_prop
    from . import default_outcome

    prop: Prop = default_outcome(test)
    return format_prop(prop)

