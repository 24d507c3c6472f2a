"""Why an outcome is allowed or forbidden.

:func:`explain` answers for one outcome of a test under one model:

* **forbidden**: which axioms of the model rule it out (a minimal set, found
  with an unsat core over the axioms), and for each, an execution with the
  outcome that the axiom rejects and the reason it does: a shortest cycle of
  the axiom's relation (for ``acyclic``/``irreflexive``) or a member (for
  ``empty``), each edge labelled with the model's named definition behind
  it and what it went through (a barrier, a dependency, an annotation);
* **allowed**: one witness execution (its events per thread in program
  order, with values, and its rf and co edges), and the ordering the model
  did not impose: the program-order edges of the execution's cycle of
  program order and communication that the model's ordering relation does
  not contain, with what stands between their events.

The explanation reads the same encoding and model as :func:`litmus.check`;
the per-execution reasons come from :class:`~.concrete.Concrete`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import z3

from ..api import check_applies, load, session
from ..errors import Pos, UsageError
from ..library import load_model, model_label, stdlib
from ..limits import DEFAULT_TIMEOUT, Deadline
from ..model import Model, Unary, Var
from ..program import (
    LocRef,
    MemAtom,
    PAnd,
    PNot,
    Prop,
    RegAtom,
    Test,
    Value,
)
from ..smt.relations import ESet
from ..smt.terms import as_bool, neg
from .concrete import CheckValue, Concrete, Step, closure, find_cycle
from .execution import Execution, read_execution
from .labels import describe_names

__all__ = ["Explanation", "Violation", "default_outcome", "explain", "parse_outcome"]


# --------------------------------------------------------------------------- results


@dataclass
class Violation:
    """One axiom that rejects an execution with the outcome: its name, where
    it is written, and the steps of its cycle (or of the pair it must not
    contain)."""

    axiom: str
    kind: str
    pos: Pos | None
    steps: list[Step]
    execution: Execution
    flags: list[str] = field(default_factory=list)

    @property
    def cyclic(self) -> bool:
        return self.kind in ("acyclic", "irreflexive")


@dataclass
class Unordered:
    """A program-order pair the model leaves unordered in the witness: what
    stands between its events, the axiom whose relation misses it (the one
    closest to forbidding the outcome), and the other axioms that do order it
    (for the device model: ordered as CPUs see it, not for every observer)."""

    src: int
    dst: int
    between: list[str] = field(default_factory=list)
    axiom: str = ""
    ordered_by: list[str] = field(default_factory=list)


@dataclass
class Explanation:
    """Why ``outcome`` is allowed or forbidden for ``test`` under ``model``.

    ``allowed``: whether some execution the model allows has the outcome;
    ``witness``: such an execution (allowed) or None; ``unordered``: the
    program-order pairs the model left unordered in the witness's cycle of
    program order and communication; ``violations``: for a forbidden
    outcome, each responsible axiom with its cycle; ``impossible``: no
    candidate execution has the outcome at all, whatever the model."""

    test: Test
    model: str
    outcome: Prop
    allowed: bool
    witness: Execution | None = None
    unordered: list[Unordered] = field(default_factory=list)
    cycle: list[Step] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    impossible: bool = False
    filtered: bool = False
    coherent: bool = False  # the execution shown keeps each location coherent
    labels: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        verdict = "allowed" if self.allowed else "impossible" if self.impossible else \
            "forbidden"
        return (f"<Explanation {self.test.name} under {self.model}: {verdict}"
                + (f" by {', '.join(v.axiom for v in self.violations)}"
                   if self.violations else "") + ">")

    def __str__(self) -> str:
        return self.text()

    def text(self) -> str:
        """The explanation as a student reads it."""
        from .render import explanation_text

        return explanation_text(self)

    def reason(self) -> str:
        """The verdict's reason in one line (what ``litmus check`` prints
        under a failed expectation)."""
        from .render import reason_line

        return reason_line(self)

    def to_dot(self) -> str:
        """The explanation drawn as herd7 draws an execution, as Graphviz DOT
        text: see :func:`litmus.explain.graph.explanation_dot`."""
        from .graph import explanation_dot

        return explanation_dot(self)


# --------------------------------------------------------------------------- outcomes


def default_outcome(test: Test) -> Prop:
    """The outcome a condition asks about: its proposition for ``exists`` and
    ``~exists`` (the outcome that violates ``~exists``), its negation for
    ``forall`` (the states that violate it)."""
    prop = test.condition.prop
    return PNot(prop) if test.condition.quantifier == "forall" else prop


_VALUE = r"-?(?:0[xX][0-9a-fA-F]+|[0-9]+)|[A-Za-z_][A-Za-z0-9_.\-]*"
_ATOM = re.compile(r"\s*(?:(?P<thread>[A-Za-z0-9_]+)\s*:\s*(?P<reg>[%A-Za-z0-9_]+)"
                   r"|(?P<elem>[A-Za-z_][A-Za-z0-9_.\-]*\[[0-9]+\])"
                   r"|\[?(?P<loc>[A-Za-z_][A-Za-z0-9_.\-]*)\]?)\s*=\s*"
                   rf"(?P<value>{_VALUE}|\{{\s*(?:{_VALUE})(?:\s*,\s*(?:{_VALUE}))*\s*\}})\s*\Z")


def _outcome_value(raw: str) -> int | LocRef:
    return LocRef(raw) if raw[0].isalpha() or raw[0] == "_" else int(raw, 0)


def parse_outcome(test: Test, text: str, name: str = "the outcome= argument") -> Prop:
    """An outcome written as ``NIC:r0=1 /\\ NIC:r1=0`` (registers as
    ``THREAD:REG`` with the thread's name or number, locations as ``x`` or
    ``[x]``, array elements as ``v[1]``, whole arrays as ``v={1,2}``); raises
    :class:`UsageError` for anything else, its message starting with ``name``
    (what the text was given as: ``--outcome`` on the command line)."""
    from ..syntax.instructions import parse_reg

    atoms: list[Prop] = []
    for part in text.split("/\\"):
        m = _ATOM.match(part)
        if m is None:
            raise UsageError(f"{name}: expected THREAD:REG=VALUE or LOC=VALUE joined by "
                             f"/\\, found '{part.strip()}'")
        raw = m.group("value")
        value: Value
        if raw.startswith("{"):
            value = tuple(_outcome_value(v.strip()) for v in raw[1:-1].split(","))
        else:
            value = _outcome_value(raw)
        if m.group("thread") is not None:
            tname = m.group("thread")
            by_index = {str(t.index): t for t in test.threads}
            th = next((t for t in test.threads if t.name == tname), by_index.get(tname))
            if th is None and tname.startswith("P"):
                th = by_index.get(tname[1:])
            if th is None:
                raise UsageError(f"{name}: unknown thread '{tname}' (threads: "
                                 f"{', '.join(t.name for t in test.threads)})")
            reg = parse_reg(test.arch, m.group("reg"))
            if reg is None:
                raise UsageError(f"{name}: bad register '{m.group('reg')}'")
            atoms.append(RegAtom(th.name, reg, value, f"{tname}:{m.group('reg')}"))
        else:
            loc = m.group("elem") or m.group("loc")
            cells = test.location(loc).cells()
            if len(cells) != (len(value) if isinstance(value, tuple) else 1) or (
                    test.location(loc).is_array and not isinstance(value, tuple)):
                raise UsageError(f"{name}: '{loc}' has {len(cells)} value(s), found "
                                 f"'{raw}'")
            atoms.append(MemAtom(loc, value))
    return atoms[0] if len(atoms) == 1 else PAnd(tuple(atoms))


# --------------------------------------------------------------------------- explain


def explain(test: Test | str | Path, model: str | Path | Model = "arm",
            outcome: Prop | str | None = None, variants: Iterable[str] = (),
            timeout: float | None = DEFAULT_TIMEOUT, unroll: int | None = None) -> Explanation:
    """Why ``outcome`` (default: the one the condition asks about, see
    :func:`default_outcome`) is allowed or forbidden under ``model`` (a
    name, a ``.cat`` path or a :class:`~litmus.model.Model`), loops unrolled
    ``unroll`` times (default: herd's, 2).

    Raises :class:`~litmus.errors.LitmusError` subclasses as
    :func:`litmus.check` does (``UsageError`` for a bad outcome text)."""
    deadline = Deadline(timeout)  # from the start, as check's: reading the test counts
    if not isinstance(test, Test):
        test = load(test)
    deadline.what = f"{test.source}: explaining {test.name}"
    if isinstance(outcome, str):
        outcome = parse_outcome(test, outcome)
    prop = outcome if outcome is not None else default_outcome(test)
    check_applies(test, model)
    cat = load_model(model)
    prelude = stdlib()
    deadline.check()
    s = session(test, unroll, deadline)
    ev = s.evaluator(cat, prelude, variants, deadline=deadline)
    label = model_label(model)
    out = Explanation(test, label, prop, allowed=False,
                      labels=describe_names(prelude, cat))
    solver = s.solver(ev, axioms=[])
    if s.stop_term is not None:  # executions with a final state only
        solver.add(as_bool(neg(s.stop_term)))
    solver.add(as_bool(s.prop_term(prop)))
    axioms = [ax for ax in ev.axioms if ax.constraints]
    lits = []
    for i, ax in enumerate(axioms):
        lit = z3.Bool(f"axiom!{i}!{ax.name}")
        lits.append(lit)
        for c in ax.constraints:
            solver.add(z3.Implies(lit, as_bool(c)))
    allowed = _sat(solver, lits, deadline)
    concrete_of = _concrete_factory(s, cat, prelude, variants)
    if allowed:
        out.allowed = True
        out.witness = read_execution(s, solver.model())
        conc = concrete_of(out.witness)
        out.cycle, out.unordered = _unordered(out.witness, conc)
        out.flags = _raised(conc)
        return out
    if not _sat(solver, [], deadline):  # no axiom assumed: the outcome never happens at all
        out.impossible = True
        out.filtered = s.filter_term is not None and _without_filter(s, ev, prop, deadline)
        return out
    # Coherence-like checks (whose relations join accesses of one location) are
    # what a student takes for granted: prefer an execution that keeps them, and
    # name every check it breaks; only if none keeps them, show those.
    conc0 = concrete_of(read_execution(s, solver.model()))
    local = [lit for lit, ax in zip(lits, axioms) if _per_location(conc0, ax.check)]
    coherent = _coherence(s, solver, deadline)
    if _sat(solver, [*local, coherent], deadline):
        out.coherent = True
        executions = [read_execution(s, solver.model())]
    elif _sat(solver, local, deadline):
        executions = [read_execution(s, solver.model())]
    else:
        executions = []
        for lit in _minimal_core(solver, local, deadline):
            for assumed in ([x for x in local if not x.eq(lit)], []):
                if _sat(solver, assumed, deadline):
                    executions.append(read_execution(s, solver.model()))
                    break
    named: set[str] = set()
    for exe in executions:
        conc = concrete_of(exe)
        for cv in conc.checks:
            if cv.check.flag or cv.holds or cv.name in named:
                continue
            named.add(cv.name)
            out.violations.append(Violation(cv.name, cv.check.kind, cv.check.pos,
                                            _reason(conc, cv), exe, _raised(conc)))
    return out


_COHERENCE = "acyclic (po & loc) | rf | co | fr as coherence"


def _coherence(s, solver: z3.Solver, deadline: Deadline) -> z3.BoolRef:
    """A literal that, assumed, keeps each location sequentially consistent
    (po-loc | rf | co | fr acyclic): every bundled model implies it, so it only
    steers the choice of an execution to explain towards one a student would
    draw (a lock taken in order, say), never changes a verdict."""
    from ..smt.cateval import Evaluator
    from ..syntax.cat import parse_cat

    ev = Evaluator(s.enc, deadline=deadline)
    ev.run(parse_cat(_COHERENCE, "<coherence>"))
    lit = z3.Bool("explain!coherence")
    ev.axioms_extra.into(solver)
    for ax in ev.axioms:
        for c in ax.constraints:
            solver.add(z3.Implies(lit, as_bool(c)))
    return lit


def _raised(conc: Concrete) -> list[str]:
    """The model's flags raised in this execution (things it does not model)."""
    return [c.name for c in conc.checks if c.check.flag and c.holds]


def _per_location(conc: Concrete, check) -> bool:
    """Whether a check's relation only joins accesses of one location (as
    coherence and atomicity do), judged on one execution."""
    cv = next((c for c in conc.checks if c.check is check), None)
    if cv is None:
        return False
    for m in conc._members(cv.value):
        if not isinstance(m, tuple):
            return False
        a, b = (conc.event_loc(x) for x in m)
        if a is None or a != b:
            return False
    return True


def _without_filter(s, ev, prop, deadline: Deadline) -> bool:
    """Whether some candidate execution has the outcome once the test's filter
    is set aside (then the filter is what excludes it)."""
    solver = z3.SimpleSolver()
    s.enc.out.into(solver)
    ev.axioms_extra.into(solver)
    if s.fault_term is not None:
        solver.add(as_bool(neg(s.fault_term)))
    solver.add(as_bool(s.prop_term(prop)))
    return _sat(solver, [], deadline)


def _sat(solver: z3.Solver, assumptions: list, deadline: Deadline) -> bool:
    """Whether ``solver`` is satisfiable under ``assumptions``, within the
    deadline (raises Timeout when it runs out)."""
    deadline.check()
    left = deadline.remaining()
    if left is not None:
        solver.set("timeout", max(1, int(left * 1000)))
    r = solver.check(*assumptions)
    if r == z3.unknown:
        raise deadline.timeout()
    return r == z3.sat


def _minimal_core(solver: z3.Solver, lits: list, deadline: Deadline) -> list:
    """A minimal set of axiom literals that is unsatisfiable with the rest
    (after an unsat check under ``lits``)."""
    core = [x for x in lits if any(x.eq(c) for c in solver.unsat_core())]
    for lit in list(core):
        trial = [x for x in core if not x.eq(lit)]
        if not _sat(solver, trial, deadline):
            core = trial
    return core


def _concrete_factory(s, cat, prelude, variants):
    enc = s.enc

    def make(exe: Execution) -> Concrete:
        def base(name: str):
            v = enc.base(name)
            if v is None:
                return None
            return ("set" if isinstance(v, ESet) else "rel", exe.concrete(v))

        def fence_label(eid: int) -> str | None:
            e = s.eg.events[eid]
            if e.kind != "F":
                return None
            line = f" (line {e.instr.pos.line})" if e.instr is not None else ""
            return f"{e.label()}{line}"

        conc = Concrete(exe.events, base, variants, fence_label,
                        lambda eid: s.eg.events[eid].loc)
        conc.run(cat, prelude)
        return conc

    return make


def _reason(conc: Concrete, cv: CheckValue) -> list[Step]:
    """The steps that make a check fail: a cycle, or a member of an 'empty'."""
    expr = cv.check.expr
    if cv.check.kind == "empty":
        members = sorted(conc._members(cv.value))
        if not members:
            return []
        m = members[0]
        pair = m if isinstance(m, tuple) else (m, m)
        return conc.why(expr, cv.env, pair)
    rel = conc.rel(cv.value)
    if cv.check.kind == "irreflexive":
        loops = sorted(a for a, b in rel if a == b)
        # irreflexive r+ : show the shortest cycle of r rather than an arbitrary loop
        inner = _closure_arg(expr, cv.env, conc)
        if inner is not None:
            cyc = find_cycle(conc.rel(conc.eval(inner[0], inner[1])))
            if cyc is not None:
                return _cycle_steps(conc, inner[0], inner[1], cyc)
        return conc.why(expr, cv.env, (loops[0], loops[0])) if loops else []
    cyc = find_cycle(rel)
    return _cycle_steps(conc, expr, cv.env, cyc) if cyc else []


def _closure_arg(expr, env, conc: Concrete):
    """For ``r+`` (or a name bound to it), ``r`` and its environment."""
    from .concrete import _Thunk

    while isinstance(expr, Var):
        v = env.find(expr.name)
        if not isinstance(v, _Thunk):
            return None
        expr, env = v.expr, v.env
    if isinstance(expr, Unary) and expr.op == "+":
        return expr.arg, env
    return None


def _cycle_steps(conc: Concrete, expr, env, cyc: list[int]) -> list[Step]:
    out: list[Step] = []
    for a, b in pairwise(cyc):
        out += conc.why(expr, env, (a, b))
    return out


def _unordered(exe: Execution, conc: Concrete) -> tuple[list[Step], list[Unordered]]:
    """The witness's cycle in program order and communication, and the program
    order edges of it that the model's ordering relations do not contain."""
    eg = exe.session.eg
    mem = [e for e in exe.events if eg.events[e].kind != "F"]
    po = {p for p in exe.concrete(exe.session.enc.base("po")) if p[0] in mem and p[1] in mem}
    fr = {(r, w2) for (w, r) in exe.rf for (w1, w2) in exe.co if w1 == w}
    edges = {p: "po" for p in po}
    for p in exe.rf:
        edges.setdefault(p, "rfe" if eg.events[p[0]].thread != eg.events[p[1]].thread else "rfi")
    for p in exe.co:
        edges.setdefault(p, "coe" if eg.events[p[0]].thread != eg.events[p[1]].thread else "coi")
    for p in fr:
        edges.setdefault(p, "fre" if eg.events[p[0]].thread != eg.events[p[1]].thread else "fri")
    cyc = find_cycle(frozenset(edges))
    if cyc is None:
        return [], []
    steps = [Step(a, b, edges[(a, b)]) for a, b in pairwise(cyc)]
    # each cyclic check's ordering relation; the one that misses fewest edges of
    # the cycle is the one that came closest to forbidding it
    relations: list[tuple[str, frozenset]] = []
    for cv in conc.checks:
        if cv.check.flag or cv.check.kind == "empty":
            continue
        inner = _closure_arg(cv.check.expr, cv.env, conc)
        rel = conc.rel(conc.eval(*inner)) if inner else conc.rel(cv.value)
        relations.append((cv.name, closure(rel)))
    if not relations:
        return steps, []
    missing = {name: [s for s in steps if (s.src, s.dst) not in rel] for name, rel in relations}
    best = min(missing, key=lambda n: (len(missing[n]), any(s.label != "po" for s in missing[n])))
    out = []
    for s in missing[best]:
        if s.label != "po":
            continue
        also = [n for n, rel in relations if n != best and (s.src, s.dst) in rel]
        out.append(Unordered(s.src, s.dst, _between(exe, s.src, s.dst), best, also))
    return steps, out


def _between(exe: Execution, a: int, b: int) -> list[str]:
    """The fences between two events of one thread, in program order."""
    eg = exe.session.eg
    po = exe.session.eg.pairs("po")
    out = []
    for f in exe.events:
        e = eg.events[f]
        if e.kind == "F" and (a, f) in po and (f, b) in po:
            out.append(f"{e.label()} (line {e.instr.pos.line})" if e.instr else e.label())
    return out

