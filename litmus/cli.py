"""The ``litmus`` command line.

Exit status: 0 when everything held, 1 when an expectation failed, 2 on bad
input (the one-line ``file:line:col: message`` is printed on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from . import report
from .api import check, events, load
from .errors import LitmusError, UsageError
from .library import DEFAULT_MODEL, MODELS, model_label
from .limits import DEFAULT_TIMEOUT
from .program import Test

TEST_SUFFIXES = (".lit", ".litmus")


def _console(stream=None) -> Console:
    return Console(file=stream or sys.stdout, highlight=False, soft_wrap=True,
                   emoji=False)


def _error(exc: BaseException) -> None:
    print(f"litmus: {exc}" if not isinstance(exc, LitmusError) or exc.pos is None
          else str(exc), file=sys.stderr)


def iter_test_files(paths: Sequence[str]) -> Iterator[Path]:
    """The test files named, directories searched recursively in name order."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from sorted(f for f in path.rglob("*") if f.suffix in TEST_SUFFIXES
                              and f.is_file())
        elif path.is_file():
            yield path
        else:
            raise UsageError(f"{p}: no such file or directory")


def _models_for(test: Test, models: list[str]) -> list[str]:
    if models:
        return models
    return [DEFAULT_MODEL[test.arch]]


# --------------------------------------------------------------------------- run


def cmd_run(args: argparse.Namespace) -> int:
    out = _console()
    models = list(args.model or []) + list(args.cat or [])
    results = []
    status = 0
    for f in iter_test_files(args.files):
        try:
            test = load(f)
            for m in _models_for(test, models):
                results.append(r := check(test, m, timeout=args.timeout))
                if args.format == "herd":
                    sys.stdout.write(report.herd(r))
                elif args.format == "text":
                    out.print(report.text(r), markup=False)
                    out.print()
        except LitmusError as exc:
            _error(exc)
            status = 2
    if args.format == "json":
        print(report.json_report(results))
    return status


# --------------------------------------------------------------------------- check


def cmd_check(args: argparse.Namespace) -> int:
    out = _console()
    only = set(args.model or [])
    from .herdcompat import kind_expectation, read_kinds

    failures: list[str] = []
    errors = 0
    checked = 0
    kinds_by_dir: dict[Path, dict[str, str]] = {}
    for f in iter_test_files(args.paths):
        try:
            test = load(f)
            kinds = kinds_by_dir.get(f.parent)
            if kinds is None:
                kinds = kinds_by_dir[f.parent] = read_kinds(f.parent)
        except LitmusError as exc:
            _error(exc)
            errors += 1
            continue
        expects = list(test.expects)
        if test.name in kinds:
            expects.append(kind_expectation(test, kinds[test.name]))
        if not expects:
            if args.verbose:
                out.print(f"[dim]SKIP[/dim] {escape(test.name)}: no expect lines")
            continue
        for exp in expects:
            if only and model_label(exp.model) not in only:
                continue
            try:
                r = check(test, exp.model, timeout=args.timeout)
            except LitmusError as exc:
                _error(exc)
                errors += 1
                continue
            checked += 1
            got = r.observation
            where = f"{exp.pos}" if exp.pos else (
                f"{f.parent / 'kinds.txt'}" if test.name in kinds else test.source)
            if exp.holds(got):
                if args.verbose:
                    out.print(f"[green]PASS[/green] {escape(test.name)} {exp.model}: {got}")
            else:
                msg = (f"{where}: {test.name} under {exp.model}: expected {exp.word}, "
                       f"got {got}")
                failures.append(msg)
                out.print(f"[red]FAIL[/red] {escape(msg)}", markup=True)
    summary = f"{checked} expectations checked, {len(failures)} failed"
    if errors:
        summary += f", {errors} errors"
    out.print(summary)
    if errors:
        return 2
    return 1 if failures else 0


# --------------------------------------------------------------------------- compare

#: The models `compare` runs by default, per architecture.
COMPARE_DEFAULT = {"aarch64": ["sc", "tso", "arm", "device"], "x86": ["sc", "tso"]}


def cmd_compare(args: argparse.Namespace) -> int:
    from rich import box
    from rich.table import Table

    out = _console()
    chosen = [m.strip() for m in args.models.split(",") if m.strip()] if args.models else []
    status = 0
    for f in iter_test_files(args.files):
        try:
            test = load(f)
            models = chosen or COMPARE_DEFAULT[test.arch]
            results = [check(test, m, timeout=args.timeout) for m in models]
        except LitmusError as exc:
            _error(exc)
            status = 2
            continue
        from .program import format_condition

        table = Table(title=escape(f"{test.name}: {format_condition(test.condition)}"),
                      title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
        table.add_column("model")
        table.add_column("observation")
        table.add_column("states", justify="right")
        table.add_column("states satisfying the condition")
        for r in results:
            sat = [report.state_text(test, s) for s in r.states if s.satisfies]
            table.add_row(escape(r.model), report.OBS_WORD[r.observation], str(len(r.states)),
                          escape("\n".join(sat)) if sat else "-")
        out.print(table)
        if test.doc:
            out.print(f"  {test.doc}", markup=False)
        out.print()
    return status


# --------------------------------------------------------------------------- compare-herd


def cmd_compare_herd(args: argparse.Namespace) -> int:
    from .herdcompat import compare_log, index_tests
    from .syntax.herdlog import parse_herd_log

    out = _console()
    log = Path(args.log)
    try:
        text = log.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{log}: cannot read: {exc.strerror or exc}") from None
    records = parse_herd_log(text, str(log))
    places = args.tests or [str(log.parent)]
    tests = index_tests(iter_test_files(places))
    results = compare_log(records, tests, args.model)
    differ = 0
    for c in results:
        if not c.same:
            differ += 1
        if not c.same or args.verbose:
            tag = "[green]SAME[/green]" if c.same else "[red]DIFF[/red]"
            out.print(f"{tag} ", end="")
            out.print(c.describe(), markup=False)
    same = len(results) - differ
    out.print(f"{same}/{len(results)} identical to herd7")
    return 1 if differ else 0


# --------------------------------------------------------------------------- show


def cmd_show(args: argparse.Namespace) -> int:
    from .events import describe
    from .lowering import lower_with_record
    from .program import format_condition, format_value

    out = _console()
    status = 0
    for f in iter_test_files(args.files):
        try:
            test = load(f)
            lowered, record = lower_with_record(test)
            eg = events(test)
        except LitmusError as exc:
            _error(exc)
            status = 2
            continue
        p = lambda s="": out.print(s, markup=False)
        p(f"Test {test.name} ({test.source}), arch {test.arch}, {test.format} format")
        if test.doc:
            p(f"  {test.doc}")
        p("Memory")
        for loc in eg.locations.values():
            ep = "" if loc.endpoint == "memory" else f" @{loc.endpoint}"
            p(f"  {loc.name:<12} {loc.mtype}{ep} = {format_value(loc.init)}")
        for th in test.threads:
            kind = "device agent" if th.device else "CPU"
            p(f"Thread {th.name} ({kind})")
            lowered_of = {id(r.source): r for r in record.get(th.name, [])}
            for ins in th.code:
                p(f"  {ins.pos.line:>4}  {ins}")
                low = lowered_of.get(id(ins))
                if low is not None:
                    if low.result:
                        for li in low.result:
                            p(f"          -> {li}")
                    else:
                        p(f"          -> ({low.note})")
        if any(loc.is_device for loc in eg.locations.values()):
            p("Note  the device model does not model early write acknowledgement (E) or "
              "gathering (G): see D3 in models/device.cat")
        p(f"Condition {format_condition(test.condition)}")
        if lowered.filter is not None:
            from .program import format_prop

            p(f"Filter {format_prop(lowered.filter)}")
        p("Events")
        for line in describe(eg).values():
            p(f"  {line}")
        p("Relations")
        for rel in ("po", "addr", "data", "ctrl", "rmw"):
            pairs = sorted(eg.pairs(rel))
            if rel == "po":
                # show the immediate successors only
                succ = {(a, b) for a, b in pairs
                        if not any((a, c) in eg.pairs("po") and (c, b) in eg.pairs("po")
                                   for c in range(len(eg.events)))}
                pairs = sorted(succ)
            if pairs:
                p(f"  {rel}: " + ", ".join(f"e{a}->e{b}" for a, b in pairs))
        p()
    return status


# --------------------------------------------------------------------------- main


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, found '{text}'") \
            from None
    if value < 0:
        raise argparse.ArgumentTypeError("the time limit cannot be negative")
    return value


def _timeout_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"time limit per test and model in seconds (default {DEFAULT_TIMEOUT:g};"
                        " 0: none); a test over it is an error (exit 2)")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="litmus",
        description="Memory-ordering model checker: every outcome a model allows.",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    models_help = f"model: {', '.join(MODELS)} or a .cat file (repeatable; default: " \
                  "arm for aarch64 tests, tso for x86)"

    run = sub.add_parser("run", help="print every allowed final state and the observation")
    run.add_argument("files", nargs="+", metavar="FILE")
    run.add_argument("-m", "--model", action="append", help=models_help)
    run.add_argument("--cat", action="append", metavar="FILE", help="a model in a .cat file")
    run.add_argument("--format", choices=("text", "herd", "json"), default="text")
    _timeout_option(run)
    run.set_defaults(func=cmd_run)

    chk = sub.add_parser("check", help="compare each test's expect lines with the models")
    chk.add_argument("paths", nargs="+", metavar="FILE|DIR")
    chk.add_argument("-m", "--model", action="append",
                     help="check only the expectations for this model (repeatable)")
    chk.add_argument("-v", "--verbose", action="store_true", help="list passing checks too")
    _timeout_option(chk)
    chk.set_defaults(func=cmd_check)

    cmp = sub.add_parser("compare", help="one table per test: the observation under each model")
    cmp.add_argument("files", nargs="+", metavar="FILE")
    cmp.add_argument("--models", metavar="M1,M2,...",
                     help="models to compare (default: sc,tso,arm,device; sc,tso for x86)")
    _timeout_option(cmp)
    cmp.set_defaults(func=cmd_compare)

    ch = sub.add_parser("compare-herd",
                        help="run the tests of a herd7 log and report where we disagree")
    ch.add_argument("log", metavar="LOG", help="herd7's output (one or many tests)")
    ch.add_argument("tests", nargs="*", metavar="FILE|DIR",
                    help="where the tests are (default: the log's directory)")
    ch.add_argument("-m", "--model", help="model to run (default: arm / tso by architecture)")
    ch.add_argument("-v", "--verbose", action="store_true", help="list agreeing tests too")
    ch.set_defaults(func=cmd_compare_herd)

    show = sub.add_parser("show", help="print the program, its lowering and its event graph")
    show.add_argument("files", nargs="+", metavar="FILE")
    show.set_defaults(func=cmd_show)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except LitmusError as exc:
        _error(exc)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
