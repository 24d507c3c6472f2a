"""Pictures of executions: an :class:`~litmus.explain.Explanation` drawn as
herd7 draws an execution, as Graphviz DOT text.

The picture follows herd7's conventions (``herd7 -show prop -graph cluster``):

* one column per thread, a cluster per thread (CPU threads in magenta, as
  herd draws them; device agents in orange, filled), its events in program
  order downwards; the initial writes above, in a cluster of their own;
* each event a box labelled as herd labels it, ``a: Wx=1``, ``b: Ry=0``, a
  fence by its name (``c: DMB.ISHST``), with its source line and
  instruction; an access to device memory also names its memory type and
  peripheral (``device-nGnRE @nic``) and is filled;
* edges: ``po`` (immediate successors, thin, black), ``rf`` (red), ``co``
  (blue, immediate successors), ``fr`` (orange, to the write just after
  the one read from);
* the explanation's cycle is drawn bold and labelled with the relation of
  each step (``rfe``, ``fre``, ``bob``, ``d1-nR``, ...): for an allowed
  outcome, the witness's cycle of program order and communication (a
  program-order step the model does not order is dashed); for a forbidden
  outcome, the cycle (or pair) of the first violated axiom, in the
  execution that axiom rejects, and the title names the axiom.

Only the layout needs Graphviz: :func:`explanation_dot` writes the DOT text
itself; :func:`render` and :func:`write_graph` run Graphviz's ``dot``
program for SVG and PNG.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..program import format_prop
from .concrete import Step

if TYPE_CHECKING:
    from . import Explanation
    from .execution import Execution

#: Edge colours, herd's: rf red, fr orange, co blue, po black.
COLORS = {"po": "black", "rf": "red", "fr": "#ffa040", "co": "blue"}
#: herd draws the relations it is asked to show in brown.
ORDER_COLOR = "brown"
#: Thread clusters: CPUs in herd's magenta, device agents in orange.
CPU_CLUSTER = 'color="magenta"'
DEVICE_CLUSTER = 'color="darkorange3"; style="filled,bold"; fillcolor="#fff6e8"'
#: An access to device memory is filled.
DEVICE_ACCESS_FILL = "#ffe0b0"
#: Pen width of the explanation's cycle.
BOLD = 3

#: The output formats, by file suffix.
FORMATS = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png"}

GRAPHVIZ_MISSING = ("drawing {fmt} needs Graphviz's 'dot' program, which is not installed: "
                    "install Graphviz (Debian/Ubuntu: apt-get install graphviz) or write "
                    "DOT text with -o FILE.dot")

Pair = tuple[int, int]


# --------------------------------------------------------------------------- DOT text


def quote(text: str) -> str:
    """``text`` as a DOT double-quoted string (backslashes and quotes escaped,
    each line ended by ``\\l``, left-justified, when ``text`` has several)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    if "\n" in body:
        body = "\\l".join(body.split("\n")) + "\\l"
    return f'"{body}"'


def _attrs(**kw: object) -> str:
    parts = []
    for k, v in kw.items():
        if v is None or v == "":
            continue
        parts.append(f"{k}={v if isinstance(v, int | float) else quote(str(v))}")
    return f" [{', '.join(parts)}]" if parts else ""


def _letters(n: int) -> str:
    """herd's event names: a, b, ..., z, then a1, b1, ..."""
    return chr(ord("a") + n % 26) + (str(n // 26) if n >= 26 else "")


def relation_color(label: str) -> str:
    """The colour herd gives a relation: ``rf*`` red, ``fr*`` orange, ``co*``
    and ``ws*`` blue, ``po`` black, any other (an ordering relation of the
    model: ``bob``, ``d1-nR``, ...) brown."""
    if label.startswith("rf"):
        return COLORS["rf"]
    if label.startswith("fr"):
        return COLORS["fr"]
    if label.startswith(("co", "ws")):
        return COLORS["co"]
    if label in ("po", "po-loc"):
        return COLORS["po"]
    return ORDER_COLOR


def _base_kind(label: str) -> str | None:
    """The base relation a step's label refines (``rfe`` -> ``rf``), or None."""
    for base in ("rf", "fr", "co", "po"):
        if label == base or label in (base + "e", base + "i"):
            return base
    return None


class _Drawing:
    """One execution, its highlighted steps, as DOT lines."""

    def __init__(self, exe: Execution, labels: dict[str, str]) -> None:
        self.exe = exe
        self.labels = labels
        self.eg = exe.session.eg
        self.test = exe.session.test
        self.names: dict[int, str] = {}

    # -- events

    def shown_events(self, extra: Iterable[int]) -> list[int]:
        """The events to draw: every event of a thread, and the initial write of
        each location some drawn access touches (or a step names)."""
        extra = set(extra)
        threads = [e for e in self.exe.events if not self.exe.event(e).is_init]
        locs = {self.exe.event(e).loc for e in threads}
        inits = [e for e in self.exe.events if self.exe.event(e).is_init
                 and (self.exe.event(e).loc in locs or e in extra)]
        return inits + threads

    def node_label(self, eid: int) -> str:
        exe, e = self.exe, self.exe.event(eid)
        if e.kind == "F":
            what = e.label()
        else:
            what = f"{e.kind}{e.loc}"
            if eid in exe.values:
                what += f"={self.test.ctype(loc=e.loc).read(exe.values[eid])}"
        lines = [f"{self.names[eid]}: {what}" if not e.is_init else what]
        if e.is_init:
            lines.append("initial value")
        elif e.instr is not None:
            ins = " ".join(str(e.instr).split())
            line = e.instr.pos.line
            lines.append(f"line {line}: {ins}" if line else ins)
        if self.device_access(eid):
            lines.append(f"{e.mtype} @{e.endpoint}")
        return "\n".join(lines)

    def device_access(self, eid: int) -> bool:
        e = self.exe.event(eid)
        return e.kind != "F" and bool(e.mtype) and (
            e.mtype.lower().startswith("device") or (e.endpoint or "memory") != "memory")

    def node(self, eid: int, bold: bool) -> str:
        fill = DEVICE_ACCESS_FILL if self.device_access(eid) else None
        style = "filled" if fill else None
        return (f"e{eid}" + _attrs(label=self.node_label(eid), color="blue", style=style,
                                   fillcolor=fill, penwidth=2 if bold else None,
                                   tooltip=self.exe.describe(eid)))

    # -- relations

    def po_successors(self, shown: list[int]) -> list[Pair]:
        out = []
        for th in self.test.threads:
            evs = sorted((e for e in shown if self.exe.event(e).thread == th.name),
                         key=lambda e: self.exe.event(e).seq)
            out += list(pairwise(evs))
        return out

    def co_successors(self) -> list[Pair]:
        co = self.exe.co
        return sorted((a, b) for a, b in co
                      if not any((a, c) in co and (c, b) in co for c in self.exe.events))

    def fr_edges(self) -> list[Pair]:
        """From each read to the write just after (in co) the one it read from."""
        imm = self.co_successors()
        return sorted((r, w2) for w, r in self.exe.rf for w1, w2 in imm if w1 == w)


def _step_label(step: Step) -> str:
    return step.label + (f" ({', '.join(step.details)})" if step.details else "")


def execution_dot(exe: Execution, title: str, steps: Iterable[Step] = (),
                  labels: dict[str, str] | None = None,
                  unordered: Iterable[Pair] = ()) -> str:
    """An execution as DOT text, as herd7 draws one (see the module's
    docstring), with ``steps`` (a cycle or a path of the explanation) drawn
    bold and labelled with their relations, the program-order pairs in
    ``unordered`` dashed, and ``title`` above. Returns the text of a
    ``digraph``; raises nothing."""
    from .render import edge_label

    labels = labels or {}
    d = _Drawing(exe, labels)
    steps = list(steps)
    unordered = set(unordered)
    on_cycle = {s.src for s in steps} | {s.dst for s in steps}
    shown = d.shown_events(on_cycle)
    for s in steps:  # an event a step names is always drawn
        for e in (s.src, s.dst):
            if e not in shown:
                shown.append(e)
    threads = [e for e in shown if not exe.event(e).is_init]
    threads.sort(key=lambda e: (exe.event(e).tindex, exe.event(e).seq))
    for i, e in enumerate(threads):
        d.names[e] = _letters(i)

    lines = ["digraph G {",
             f"  label={quote(title)};",
             '  labelloc="t"; labeljust="l"; fontname="Helvetica"; fontsize=14;',
             '  node [shape=box, fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=10];',
             # columns in thread order: ranks across clusters, little reordering
             "  newrank=true; remincross=false; mclimit=0.01; nodesep=0.6; ranksep=0.45;"]
    inits = [e for e in shown if exe.event(e).is_init]
    if inits:
        lines += ["", "  /* initial writes */",
                  ('  subgraph cluster_init { label="initial state"; style="dashed"; '
                   'color="grey50";')]
        lines += [f"    {d.node(e, e in on_cycle)};" for e in inits]
        lines.append("  }")

    highlighted = {(s.src, s.dst) for s in steps}
    po_pairs = d.po_successors(shown)
    firsts = []
    for k, th in enumerate(exe.session.test.threads):
        evs = [e for e in threads if exe.event(e).thread == th.name]
        kind = "device agent" if th.device else "CPU"
        style = DEVICE_CLUSTER if th.device else CPU_CLUSTER
        lines += ["", f"  /* thread {th.name} ({kind}) */",
                  f"  subgraph cluster_t{k} {{ label={quote(f'{th.name} ({kind})')}; {style};"]
        if not evs:
            lines.append(f"    empty_t{k} [shape=plaintext, label=\"(no event)\"];")
            firsts.append(f"empty_t{k}")
        else:
            firsts.append(f"e{evs[0]}")
        lines += [f"    {d.node(e, e in on_cycle)};" for e in evs]
        for a, b in po_pairs:
            if exe.event(a).thread != th.name:
                continue
            if (a, b) in highlighted:  # drawn below, with its relation's name
                lines.append(f"    e{a} -> e{b} [style=invis];")
            else:
                lines.append(f"    e{a} -> e{b}" + _attrs(label="po", color=COLORS["po"]) + ";")
        lines.append("  }")

    # the initial writes above every thread's first event
    if inits:
        lines += ["", "  /* layout: the initial state above the threads */"]
        lines += [f"  e{i} -> {f} [style=invis];" for i in inits for f in firsts]
    # the initial writes, and the threads, side by side in their order (dot
    # mostly keeps it; a cycle through three threads or more may still swap
    # two columns, each still labelled with its thread)
    if len(inits) > 1:
        lines.append("  { rank=same; " + " -> ".join(f"e{i}" for i in inits)
                     + " [style=invis]; }")
    if len(firsts) > 1:
        lines.append("  { rank=same; " + " -> ".join(firsts) + " [style=invis]; }")

    def com(pairs: Iterable[Pair], rel: str) -> list[str]:
        out = []
        for a, b in pairs:
            if a not in shown or b not in shown:
                continue
            same = any(_base_kind(s.label) == rel for s in steps if (s.src, s.dst) == (a, b))
            if same:  # the bold edge of the cycle stands for it
                continue
            out.append(f"  e{a} -> e{b}" + _attrs(label=rel, color=COLORS[rel],
                                                  fontcolor=COLORS[rel],
                                                  constraint="false") + ";")
        return out

    rf = sorted(exe.rf, key=lambda p: p[1])
    lines += ["", "  /* rf */", *com(rf, "rf")]
    lines += ["", "  /* co */", *com(d.co_successors(), "co")]
    lines += ["", "  /* fr */", *com(d.fr_edges(), "fr")]

    if steps:
        lines += ["", "  /* the explanation's cycle */"]
        po_set = set(po_pairs)
        for s in steps:
            color = relation_color(s.label)
            style = "dashed" if (s.src, s.dst) in unordered else None
            text = _step_label(s)
            if (s.src, s.dst) in unordered:
                text += "\nnot ordered"
            lines.append(f"  e{s.src} -> e{s.dst}" + _attrs(
                label=text, color=color, fontcolor=color, penwidth=BOLD, style=style,
                constraint=None if (s.src, s.dst) in po_set else "false",
                tooltip=edge_label(s, labels)) + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _note_dot(title: str, message: str) -> str:
    """A picture of no execution: the title and a note, as herd draws 'no solutions'."""
    return "\n".join([
        "digraph G {",
        f"  label={quote(title)};",
        '  labelloc="t"; fontname="Helvetica";',
        f"  note [shape=box, color=red, fontname=\"Helvetica\", label={quote(message)}];",
        "}",
    ]) + "\n"


def explanation_dot(x: Explanation) -> str:
    """The picture of an explanation as DOT text: for an allowed outcome, the
    witness execution with its cycle of program order and communication
    bold (the pairs the model does not order dashed); for a forbidden one, the
    execution of the first violated axiom with that axiom's cycle bold,
    titled with the axiom's name; for an outcome no execution has, a note.
    Returns the text of a ``digraph``; raises nothing."""
    what = format_prop(x.outcome, 0, x.test)
    head = f"{x.test.name} under {x.model}: {what} is "
    if x.impossible:
        return _note_dot(head + "impossible",
                         "No candidate execution has this outcome, whatever the model.")
    if x.allowed:
        assert x.witness is not None
        if x.cycle:
            sub = ("a witness execution; bold: its cycle of program order and communication"
                   + ("; dashed: program order the model does not keep" if x.unordered else ""))
        else:
            sub = "a witness execution (sequentially consistent: no cycle)"
        unordered = {(u.src, u.dst) for u in x.unordered}
        return execution_dot(x.witness, f"{head}allowed\n{sub}", x.cycle, x.labels, unordered)
    if not x.violations:
        return _note_dot(head + "forbidden",
                         "Every execution with this outcome breaks an axiom; none is shown.")
    v = x.violations[0]
    where = f" ({Path(v.pos.file).name}:{v.pos.line})" if v.pos is not None and v.pos.line else ""
    shape = "a cycle" if v.cyclic else "a pair it must not contain"
    sub = f"axiom {v.axiom}{where} rules it out: bold, {shape} in an execution with this outcome"
    if len(x.violations) > 1:
        sub += f"\n(each of {', '.join(w.axiom for w in x.violations)} rules out some of them)"
    return execution_dot(v.execution, f"{head}forbidden\n{sub}", v.steps, x.labels)


# --------------------------------------------------------------------------- Graphviz


def find_dot() -> str | None:
    """The path of Graphviz's ``dot`` program on ``PATH``, or None."""
    return shutil.which("dot")


def require_graphviz(fmt: str) -> str:
    """The path of ``dot``, needed to draw ``fmt`` (``svg``, ``png``); raises
    :class:`UsageError`, saying to install Graphviz or to write DOT text
    instead, when it is not installed."""
    exe = find_dot()
    if exe is None:
        raise UsageError(GRAPHVIZ_MISSING.format(fmt=fmt.upper()))
    return exe


def output_format(path: str | Path) -> str:
    """The format a file name asks for (``dot``, ``svg`` or ``png``, by its
    suffix); raises :class:`UsageError` for any other suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"{path}: cannot tell the picture's format from the file name: "
                         "expected .dot, .svg or .png")
    return FORMATS[suffix]


def render(dot_text: str, fmt: str, timeout: float | None = 60.0) -> bytes:
    """DOT text drawn by Graphviz in ``fmt`` (``svg``, ``png``, or ``dot``: the
    text itself, encoded), within ``timeout`` seconds. Raises
    :class:`UsageError` when ``dot`` is not installed (saying how to install
    it), fails, runs out of time or draws nothing."""
    if fmt == "dot":
        return dot_text.encode("utf-8")
    exe = require_graphviz(fmt)
    try:
        done = subprocess.run([exe, f"-T{fmt}"], input=dot_text.encode("utf-8"),
                              capture_output=True, timeout=timeout or None, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"Graphviz's dot could not draw the picture: {exc}") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError("Graphviz's dot could not draw the picture"
                         + (f": {err[0]}" if err else f" (exit status {done.returncode})"))
    if not done.stdout:
        raise UsageError("Graphviz's dot drew nothing (it printed no picture)")
    return done.stdout


def write_graph(x: Explanation, path: str | Path, timeout: float | None = 60.0) -> Path:
    """Write the picture of an explanation to ``path``, in the format its
    suffix names (``.dot``, ``.svg``, ``.png``), Graphviz given ``timeout``
    seconds; returns the path. Raises :class:`UsageError` for another suffix,
    when Graphviz is needed but not installed or fails, or when the file
    cannot be written."""
    path = Path(path)
    data = render(explanation_dot(x), output_format(path), timeout)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


__all__ = ["COLORS", "execution_dot", "explanation_dot", "find_dot", "output_format",
           "relation_color", "render", "require_graphviz", "write_graph"]
