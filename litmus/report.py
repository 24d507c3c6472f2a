"""Reporting: results as text (herd's words), herd7's exact layout, and JSON; batch
runs (:func:`litmus.check_many`) as one JSON object and as JUnit XML."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .program import Test, format_condition, format_state_value

if TYPE_CHECKING:  # not at run time: importing the engine loads z3
    from .enumerate import Result, State

#: herd names a test's kind after its condition's quantifier
HERD_KIND = {"exists": "Allowed", "~exists": "Forbidden", "forall": "Required"}
OBS_WORD = {"never": "Never", "sometimes": "Sometimes", "always": "Always"}


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``n`` and the noun, singular for 1 and plural otherwise (``1 error``,
    ``0 errors``; ``nouns`` is the plural when it is not ``noun + "s"``).
    Raises nothing."""
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


def state_text(test: Test, st: State, sep: str = "; ") -> str:
    """A state's items in herd's order, each value as its type reads it
    (the one way values are printed: text, herd layout, JSON, API)."""
    return sep.join(f"{k}={format_state_value(v)}" for k, v in st.values)


#: What an observation says about the outcome the condition names (its
#: proposition), whatever the quantifier.
VERDICT = {
    "never": "no allowed execution has the outcome",
    "sometimes": "some allowed executions have the outcome",
    "always": "every allowed execution has the outcome",
}


def violates(result: Result, st: State) -> bool:
    """Whether a state breaks the condition as a whole: one with the outcome
    under ``~exists``, one without it under ``forall`` (never under ``exists``)."""
    q = result.test.condition.quantifier
    return (q == "~exists" and st.satisfies) or (q == "forall" and not st.satisfies)


def _mark(quantifier: str, satisfies: bool) -> str:
    """How a state is marked in the text report: for ``exists``, the states
    where the proposition holds; for ``~exists`` and ``forall``, the states
    that violate the condition."""
    if quantifier == "exists":
        return "   <- condition holds" if satisfies else ""
    violates = satisfies if quantifier == "~exists" else not satisfies
    return "   <- violates the condition" if violates else ""


def holds_line(result: Result, marked: bool = True) -> str:
    """Whether the condition, with its quantifier, holds (herd's Ok/No), in words."""
    q = result.test.condition.quantifier
    if result.validated:
        why = {"exists": "some allowed state satisfies it",
               "~exists": "no allowed state satisfies its proposition",
               "forall": "every allowed state satisfies it"}[q]
        return f"the condition holds: {why}"
    bad = result.negative if q == "forall" else result.positive
    if q == "exists":
        return "the condition does not hold: no allowed state satisfies it"
    verb = "state violates" if bad == 1 else "states violate"
    return f"the condition does not hold: {bad} allowed {verb} it" + \
        (" (marked)" if marked else "")


def text(result: Result, show_source: bool = True) -> str:
    """A readable report: the states, which satisfy (or violate) the condition,
    whether it holds, the flags and the observation."""
    t = result.test
    q = t.condition.quantifier
    lines = []
    where = f" ({t.source})" if show_source and t.source != "<string>" else ""
    lines.append(f"Test {t.name}{where} under {result.model}: {OBS_WORD[result.observation]}"
                 f" ({VERDICT[result.observation]})")
    lines.append(f"States {len(result.states)}")
    for st in result.states:
        lines.append(f"  {state_text(t, st)}{_mark(q, st.satisfies)}")
    lines.append(f"Condition {format_condition(t.condition, t)}")
    if q != "exists":
        lines.append(f"Result {holds_line(result)}")
    if result.flags:
        lines.append("Flags " + ", ".join(result.flags))
    for note in result.notes:
        lines.append(f"Note {note}")
    pos, neg = result.witnesses
    lines.append(f"Observation {t.name} {OBS_WORD[result.observation]} {pos} {neg}")
    return "\n".join(lines)


def herd(result: Result) -> str:
    """The result in herd7's own layout, for scripts that read herd logs."""
    t = result.test
    kind = HERD_KIND[t.condition.quantifier]
    lines = [f"Test {t.name} {kind}", f"States {len(result.states)}"]
    for st in result.states:
        lines.append(state_text(t, st, sep="; ") + ";")
    from .enumerate import LOOP_FLAG  # loaded already: there is a result

    # herd7 prints "Loop" before Ok/No when the unrolling bound cut an allowed execution
    loop = "Loop " if LOOP_FLAG in result.flags else ""
    lines.append(loop + ("Ok" if result.validated else "No"))
    lines.append("Witnesses")
    pos, neg = result.witnesses
    lines.append(f"Positive: {pos} Negative: {neg}")
    for f in result.flags:
        lines.append(f"Flag {f}")
    lines.append(f"Condition {format_condition(t.condition, t)}")
    lines.append(f"Observation {t.name} {OBS_WORD[result.observation]} {pos} {neg}")
    lines.append(f"Time {t.name} {result.seconds:.2f}")
    return "\n".join(lines) + "\n"


def as_dict(result: Result) -> dict:
    t = result.test
    return {
        "test": t.name,
        "file": t.source,
        "model": result.model,
        "condition": format_condition(t.condition, t),
        "states": [st.as_dict() for st in result.states],
        # the states where the condition's proposition (the outcome) holds; for
        # ~exists and forall, "violating" lists the states that break the condition
        "satisfying": [st.as_dict() for st in result.states if st.satisfies],
        "violating": [st.as_dict() for st in result.states if violates(result, st)],
        "observation": OBS_WORD[result.observation],
        "validated": result.validated,
        "flags": list(result.flags),
        "seconds": round(result.seconds, 4),
    }


def json_report(results: Iterable[Result | dict]) -> str:
    """Results (and errors, given as dicts with an ``error`` key) as a JSON list."""
    return json.dumps([r if isinstance(r, dict) else as_dict(r) for r in results], indent=2)


# --------------------------------------------------------------------------- batch reports


def _check_dict(check) -> dict:
    """A check of a batch run as JSON: :func:`as_dict` of its result, and the
    expectation, its verdict (``pass``, ``fail``, ``run``: no expectation),
    where it is written and the reason of a failure."""
    d = as_dict(check.result)
    d.update({
        "expected": check.expect.word if check.expect is not None else None,
        "status": check.status,
        "where": check.where or None,
        "reason": check.reason,
    })
    return d


def _error_dict(report, exc, model: str | None = None) -> dict:
    d = {"file": report.source if report is not None else
         (exc.pos.file if exc.pos is not None else ""),
         "test": report.test.name if report is not None and report.test else None,
         "model": model, "type": type(exc).__name__, "error": str(exc)}
    return d


def batch_dict(reports, command: str, summary: dict | None = None,
               extra: dict | None = None, warnings: Iterable[str] = (),
               errors: Iterable = ()) -> dict:
    """A batch run (:func:`litmus.check_many`'s reports) as one JSON object:
    ``results`` (every check with a result, as :func:`as_dict` gives it plus
    ``expected``, ``status``, ``where`` and ``reason``), ``errors`` (``file``,
    ``test``, ``model``, ``type``, ``error``), ``warnings``, the tests
    ``without_expectations``, and ``summary`` (with ``extra``'s items), all in
    input order. ``warnings`` and ``errors`` (:class:`~litmus.errors.LitmusError`
    objects) about the run rather than one test -- a ``kinds.txt`` entry that
    names no test -- follow the reports' own."""
    from . import __version__

    results: list[dict] = []
    error_list: list[dict] = []
    warning_list: list[str] = []
    without: list[dict] = []
    for rep in reports:
        error_list.extend(_error_dict(rep, e) for e in rep.errors)
        warning_list.extend(rep.warnings)
        if rep.test is not None and not rep.expectations and command == "check":
            without.append({"file": rep.source, "test": rep.test.name})
        for c in rep.checks:
            if c.result is None:
                error_list.append(_error_dict(rep, c.error, c.model))
            else:
                results.append(_check_dict(c))
    error_list.extend(_error_dict(None, e) for e in errors)
    warning_list.extend(warnings)
    out: dict = {"litmus": __version__, "command": command}
    if summary is not None:
        out["summary"] = summary
    out.update({"results": results, "errors": error_list, "warnings": warning_list})
    if command == "check":
        out["without_expectations"] = without
    out.update(extra or {})
    return out


_XML_BAD = None


def _xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (shown as ``\\xNN``)."""
    global _XML_BAD
    if _XML_BAD is None:
        import re

        _XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
    return _XML_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit_classname(source: str) -> str:
    """The JUnit ``classname`` of a test file: its path without the suffix, a dot
    between directories (``tests/litmus/mmio/doorbell.lit`` ->
    ``tests.litmus.mmio.doorbell``), dots inside a name made ``_`` so that
    Jenkins does not split there (``MP+dmb.sy`` -> ``MP+dmb_sy``)."""
    from pathlib import PurePath

    if not source or source.startswith("<"):
        return source.strip("<>") or "litmus"
    p = PurePath(source)
    if p.suffix in (".lit", ".litmus"):
        p = p.with_suffix("")
    parts = [q.replace(".", "_") for q in p.parts if q not in ("/", "\\", "..", ".")
             and not q.endswith(":\\")]
    return ".".join(parts) or "litmus"


def junit_xml(reports, suite: str = "litmus check", seconds: float | None = None,
              warnings: Iterable[str] = (), errors: Iterable = ()) -> str:
    """A batch run as JUnit XML, as GitHub, GitLab and Jenkins read it: one
    ``<testcase>`` per test and model (``classname`` from the file path, see
    :func:`junit_classname`; ``name`` ``TEST under MODEL``; ``file`` and
    ``line`` where the expectation is written: the test file, or the
    ``kinds.txt`` whose entry it is), a ``<failure>`` with the expected and computed
    observation, the states and the verdict's reason; an ``<error>`` for an
    input error or a check that timed out or could not run; ``<skipped>`` for a
    test without expectations and a model only run (no expectation names it),
    with the observation in its message. Warnings go to ``<system-err>``. The
    ``<testsuite>`` counts ``tests``, ``failures``, ``errors`` and
    ``skipped``. ``warnings`` about the run rather than one test go to the
    suite's ``<system-err>``; ``errors`` about it (each a
    :class:`~litmus.errors.LitmusError`, such as a ``kinds.txt`` entry that
    names no test under strict checking) are one ``<error>`` testcase each,
    named after the file they are in."""
    import platform
    import xml.etree.ElementTree as ET
    from datetime import UTC, datetime

    from . import __version__

    cases: list[ET.Element] = []
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total = 0.0

    def case(rep, name: str, line: int | None = None, t: float = 0.0,
             file: str | None = None) -> ET.Element:
        """A testcase of the report ``rep`` (None: of the run, in ``file``)."""
        nonlocal total
        source = rep.source if rep is not None else file or ""
        attrs = {"classname": _xml_text(junit_classname(source)), "name": _xml_text(name),
                 "time": f"{t:.3f}"}
        file = file or source
        if file and not file.startswith("<"):
            attrs["file"] = _xml_text(file)
        if line:
            attrs["line"] = str(line)
        el = ET.Element("testcase", attrs)
        if rep is not None and rep.warnings:
            ET.SubElement(el, "system-err").text = _xml_text("\n".join(rep.warnings))
        cases.append(el)
        counts["tests"] += 1
        total += t
        return el

    def error(el: ET.Element, exc) -> None:
        counts["errors"] += 1
        ET.SubElement(el, "error", {"type": type(exc).__name__,
                                    "message": _xml_text(str(exc))}).text = _xml_text(str(exc))

    for rep in reports:
        t = rep.test
        for exc in rep.errors:
            pos = exc.pos
            named = rep.source or (pos.file if pos else "")  # a missing path has no file
            name = t.name if t is not None else (named.rsplit("/", 1)[-1] or "input")
            error(case(rep, name, pos.line if pos else None,
                       file=pos.file if pos and rep.source else None), exc)
        if t is not None and not rep.expectations:
            el = case(rep, t.name)
            counts["skipped"] += 1
            ET.SubElement(el, "skipped", {"message": "no expectation (no expect line, no "
                                                     "kinds.txt entry): nothing to check"})
        for c in rep.checks:
            pos = c.expect.pos if c.expect is not None else None
            r = c.result
            # where the expectation is written: the test file, or the kinds.txt entry
            # a time-out took its limit
            took = r.seconds if r else getattr(c.error, "seconds", 0.0)
            el = case(rep, f"{t.name} under {c.model}", pos.line if pos else None, took,
                      pos.file if pos else None)
            if r is None:
                error(el, c.error)
            elif c.expect is None:
                counts["skipped"] += 1
                ET.SubElement(el, "skipped", {"message": _xml_text(
                    f"no expectation names {c.model}; observed {r.observation}"
                    + (f" [flags: {', '.join(r.flags)}]" if r.flags else ""))})
            elif c.status == "fail":
                counts["failures"] += 1
                msg = f"expected {c.expect.word}, got {r.observation}" + (
                    f" [flags: {', '.join(r.flags)}]" if r.flags else "")
                body = [f"{c.where}: {t.name} under {c.model}: {msg}",
                        f"expected: {c.expect.word}",
                        f"computed: {r.observation} ({VERDICT[r.observation]})"]
                if c.reason:
                    body.append(f"why: {c.reason}")
                body += ["", text(r)]
                ET.SubElement(el, "failure", {"type": "ExpectationFailed",
                                              "message": _xml_text(msg)}).text = \
                    _xml_text("\n".join(body))
    for exc in errors:
        pos = exc.pos
        file = pos.file if pos is not None else ""
        error(case(None, file.replace("\\", "/").rsplit("/", 1)[-1] or "litmus",
                   pos.line if pos is not None else None, file=file), exc)
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    seconds = total if seconds is None else seconds
    suite_attrs = {"name": suite, **{k: str(v) for k, v in counts.items()},
                   "time": f"{seconds:.3f}", "timestamp": now, "hostname": platform.node()}
    root = ET.Element("testsuites", {"name": "litmus", **{k: str(v) for k, v in counts.items()},
                                     "time": f"{seconds:.3f}"})
    ts = ET.SubElement(root, "testsuite", suite_attrs)
    props = ET.SubElement(ts, "properties")
    ET.SubElement(props, "property", {"name": "litmus.version", "value": __version__})
    ts.extend(cases)
    run_warnings = list(warnings)
    if run_warnings:
        ET.SubElement(ts, "system-err").text = _xml_text("\n".join(run_warnings))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"
