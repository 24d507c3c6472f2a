"""The ``litmus`` command line.

Exit status: 0 when everything held, 1 when an expectation failed, 2 on bad
input (the one-line ``file:line:col: message`` is printed on stderr).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

# Nothing imported here loads z3, networkx, lark or rich: `litmus --help` and
# `litmus --version` need none of them (tests/test_startup.py checks it). A
# command imports what it needs when it runs.
from . import __version__, report
from .api import check, diagnose, events, load, parse
from .errors import LitmusError, Pos, UsageError
from .library import DEFAULT_MODEL, MODELS, model_path
from .limits import DEFAULT_TIMEOUT, DEFAULT_UNROLL
from .program import Test
from .syntax.source import read_source

if TYPE_CHECKING:
    from rich.console import Console

    from .batch import TestReport
    from .diagnostics import Diagnostic

TEST_SUFFIXES = (".lit", ".litmus")

#: How standard input is named on the command line and in messages.
STDIN = "-"


@cache
def _console_class() -> type[Console]:
    from rich.console import Console

    class _Console(Console):
        """rich's console, except that a closed pipe reaches :func:`entry` (which
        exits quietly with 0) instead of rich's own exit with status 1."""

        def on_broken_pipe(self) -> None:
            raise BrokenPipeError

    return _Console


def _console(stream=None) -> Console:
    return _console_class()(file=stream or sys.stdout, highlight=False, soft_wrap=True,
                            emoji=False)


def escape(markup: str) -> str:
    """``markup`` with rich's markup escaped (:func:`rich.markup.escape`)."""
    from rich.markup import escape as rich_escape

    return rich_escape(markup)


def _error(exc: BaseException) -> None:
    print(f"litmus: {exc}" if not isinstance(exc, LitmusError) or exc.pos is None
          else str(exc), file=sys.stderr)


def iter_test_files(paths: Sequence[str], empty_dir_ok: bool = False
                    ) -> Iterator[Path | str | LitmusError]:
    """The test files named, each once; ``-`` stands for standard input.

    A directory is searched recursively in name order (:func:`find_test_files`:
    symbolic links to directories are followed, a directory reached twice is
    searched once). A herd ``kinds.txt`` stands for the tests of its directory
    that it names (:func:`litmus.herdcompat.kinds_tests`: its directory's
    ``.lit``/``.litmus`` files whose test it lists by name; not its
    subdirectories). A file reached twice --
    named twice, inside a directory also named, through a symbolic link, or by
    a ``kinds.txt`` -- is yielded the first time only (files are told apart by
    their resolved path). A path that does not exist, a directory holding no
    test (unless ``empty_dir_ok``), a ``kinds.txt`` that does not parse or
    names no test file of its directory, is yielded as the error to report (the
    other paths are still yielded)."""
    seen: set[str] = set()

    def fresh(files: Iterable[Path]) -> Iterator[Path]:
        for f in files:
            key = _real(f)
            if key not in seen:
                seen.add(key)
                yield f

    for p in paths:
        if p == STDIN:
            yield STDIN
            continue
        path = Path(p)
        try:
            path.stat()
        except OSError as exc:
            missing = isinstance(exc, FileNotFoundError)
            yield UsageError(("no such file or directory" if missing else
                              f"cannot read ({exc.strerror or exc})"), Pos(p[:200]))
            continue
        if path.is_dir():
            found = find_test_files(path)
            if not found and not empty_dir_ok:
                yield UsageError("no test file (.lit, .litmus) in this directory", Pos(p))
            yield from fresh(found)
        elif path.is_file() and path.name == KINDS_FILE:
            from .herdcompat import kinds_tests

            try:
                named = kinds_tests(path)
            except LitmusError as exc:
                yield exc
                continue
            if not named and not empty_dir_ok:
                yield UsageError("names no test file (.lit, .litmus) of its directory",
                                 Pos(p))
            yield from fresh(named)
        elif path.is_file():
            yield from fresh([path])
        else:
            yield UsageError("no such file or directory", Pos(p))


#: The file of herd expectations beside herd tests.
KINDS_FILE = "kinds.txt"


def _real(path: Path | str) -> str:
    """The path with every symbolic link resolved (what tells two names of one
    file apart); raises nothing."""
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.abspath(path)


def find_test_files(root: Path) -> list[Path]:
    """The ``.lit`` and ``.litmus`` files under ``root``, recursively, sorted by
    path. Symbolic links to files and to directories are followed; a
    directory is searched once however it is reached (its resolved path is
    remembered), so a link cycle ends, and a directory reached both directly
    and through a link is listed under its own path. A file reached under
    two names (a link to a file of the tree) is listed once, under a name
    that is not a link when it has one; a link to no file is listed (reading
    it is the error reported). Directories that cannot be read are skipped.
    Raises nothing."""
    searched: set[str] = set()
    links: list[Path] = []
    by_file: dict[str, Path] = {}

    def search(top: Path) -> None:
        stack = [top]
        while stack:
            d = stack.pop()
            real = _real(d)
            if real in searched:
                continue
            searched.add(real)
            try:
                entries = list(os.scandir(d))
            except OSError:
                continue
            for e in entries:
                p = d / e.name
                try:
                    if e.is_dir(follow_symlinks=False):
                        stack.append(p)
                    elif e.is_symlink() and e.is_dir():
                        links.append(p)  # after the tree's own directories
                    elif p.suffix in TEST_SUFFIXES and (e.is_file() or e.is_symlink()):
                        # a dangling link is listed: reading it reports it
                        key = _real(p)
                        if key not in by_file or (by_file[key].is_symlink()
                                                  and not e.is_symlink()):
                            by_file[key] = p
                except OSError:
                    continue

    search(root)
    while links:
        batch = sorted(links)
        links.clear()
        for link in batch:
            search(link)
    return sorted(by_file.values())


def load_input(item: Path | str) -> Test:
    """The test in a file, or on standard input for ``-``."""
    if item == STDIN:
        try:
            text = sys.stdin.read()
        except UnicodeDecodeError as exc:
            raise UsageError(f"<stdin>: not UTF-8 text ({exc.reason})") from None
        return parse(text, "<stdin>")
    return load(item)


def model_names(values: Sequence[str] | None) -> list[str]:
    """The models of repeated ``-m`` options, each possibly a comma-separated
    list (``-m arm,device``); raises :class:`UsageError` (exit 2) for an
    unknown model name (with a suggestion) or a missing ``.cat`` file."""
    out: list[str] = []
    for value in values or ():
        names = [n.strip() for n in value.split(",")]
        if not any(names):
            raise UsageError(f"-m '{value}': no model named (give a model such as arm)")
        for name in names:
            if not name:
                continue
            model_path(name)  # raises for an unknown model
            if name not in out:
                out.append(name)
    return out


def _models_for(test: Test, models: list[str]) -> list[str]:
    if models:
        return models
    return [DEFAULT_MODEL[test.arch]]


def _warn(test: Test, unroll: int | None = None) -> None:
    """Print the warnings about the test's condition on standard error."""
    for w in diagnose(test, unroll):
        print(w, file=sys.stderr)


def _flags_text(flags: Sequence[str]) -> str:
    return f" [flags: {', '.join(flags)}]" if flags else ""


# --------------------------------------------------------------------------- run


def _batch_inputs(paths: Sequence[str]) -> list:
    """What :func:`litmus.batch.check_many` takes for the paths of a command
    line: the files found, standard input's test parsed, and errors for what
    cannot be read (reported in their place)."""
    items: list = []
    for f in iter_test_files(paths):
        if f == STDIN:
            try:
                items.append(load_input(f))
            except LitmusError as exc:
                items.append(exc)
        else:
            items.append(f)
    return items


def _cache_of(args: argparse.Namespace):
    """The result cache the options ask for (None with --no-cache). A
    directory that cannot be written is said once, on stderr; the run goes
    on, reading the entries it holds and keeping none."""
    from .cache import ResultCache, default_dir

    if args.no_cache:
        return None
    cache = ResultCache(args.cache or default_dir())
    problem = cache.unwritable()
    if problem is not None:
        print(f"litmus: warning: {problem}: no result of this run is kept (--cache DIR puts "
              "the cache elsewhere, --no-cache turns it off)", file=sys.stderr)
    return cache


def check_report_path(path: str, option: str) -> None:
    """Make sure that a report can be written at ``path`` before any test runs:
    raises :class:`UsageError` (``PATH: cannot write the --json report: ...``,
    exit 2) for a path that is a directory, whose directory does not exist or
    is not one, or that cannot be written; returns None otherwise. ``option``
    names the report (``--json``)."""
    p = Path(path)
    where = Pos(path[:200])
    try:
        if p.is_dir():
            raise UsageError(f"cannot write the {option} report: this is a directory", where)
        parent = p.parent
        if not parent.is_dir():
            why = "is not a directory" if parent.exists() else "does not exist"
            raise UsageError(f"cannot write the {option} report: its directory {parent} "
                             f"{why}", where)
        if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
            raise UsageError(f"cannot write the {option} report: permission denied", where)
    except OSError as exc:
        raise UsageError(f"cannot write the {option} report ({exc.strerror or exc})",
                         where) from None


def read_models(models: Sequence[str]) -> None:
    """Read every model of ``models`` (names and ``.cat`` paths) now, so that a
    model that cannot be read is one error before any test runs; returns
    None. Raises :class:`UsageError` for an unknown name or a missing file,
    :class:`~litmus.errors.ModelError` (``file:line:col: message``, the file
    being the ``.cat`` or one it includes) for a bad model."""
    from .library import ALIASES, MODELS, load_model

    for m in models:
        model = load_model(m)
        if m.lower() not in MODELS and m.lower() not in ALIASES:  # a user's .cat: evaluated once on a one-store test, so
            _probe(model)     # an unbound name is one error here, not one per test


#: The test a user's model is first evaluated on (see :func:`read_models`).
_PROBE_TEST = "test probe\nthread P0\n  STR #1, [x]\nexists (x = 1)\n"


def _probe(model) -> None:
    """Evaluate ``model`` on a one-store test; raises the
    :class:`~litmus.errors.ModelError` of a model that cannot be evaluated
    (an unbound name, a type error), whatever the test. Other errors (a
    model that refuses such a test) are left to the tests themselves."""
    import litmus

    from .errors import ModelError

    try:
        litmus.check(litmus.parse(_PROBE_TEST, path="<probe>"), model)
    except ModelError:
        raise
    except LitmusError:
        pass


def _write_report(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write: {exc.strerror or exc}", Pos(path)) from None


def _print_warnings(rep) -> None:
    for w in rep.warnings:
        print(w, file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    from .batch import check_many

    out = _console()
    models = model_names(args.model) + list(args.cat or [])
    read_models(models)  # a bad --cat is one error, before any test runs
    results: list = []  # results, and errors as {"file", "model", "error"} for JSON
    status = 0

    def show(rep) -> None:
        nonlocal status
        for exc in rep.errors:
            _error(exc)
            results.append({"file": rep.source, "error": str(exc)})
            status = 2
        _print_warnings(rep)
        for c in rep.checks:
            if c.result is None:  # one model's error does not stop the others
                _error(c.error)
                results.append({"file": rep.test.source, "test": rep.test.name,
                                "model": c.model, "error": str(c.error)})
                status = 2
                continue
            r = c.result
            results.append(r)
            if args.format == "herd":
                sys.stdout.write(report.herd(r) + "\n")
            elif args.format == "text":
                out.print(report.text(r), markup=False)
                out.print()

    check_many(_batch_inputs(args.files), lambda t: _models_for(t, models), jobs=args.jobs,
               cache=_cache_of(args), timeout=args.timeout, unroll=args.unroll, explain=False,
               kinds=False, on_report=show)
    if args.format == "json":
        print(report.json_report(results))
    return status


# --------------------------------------------------------------------------- check


def cmd_check(args: argparse.Namespace) -> int:
    import time
    from contextlib import nullcontext

    from .batch import check_many, dask_client, strict_error
    from .progress import Progress

    out = _console()
    only = model_names(args.model)
    extra = list(args.cat or [])
    # what can be known wrong before the run is said before it: a model that
    # cannot be read, a report that cannot be written
    read_models(only + extra)
    for path, option in ((args.json, "--json"), (args.junit, "--junit")):
        if path:
            check_report_path(path, option)
    cache = _cache_of(args)
    items = _batch_inputs(args.paths)
    failures = passed = errors = without = tests = 0
    flagged: dict[str, int] = {}

    def show(rep) -> None:
        nonlocal failures, passed, errors, without, tests
        for exc in rep.errors:
            _error(exc)
            errors += 1
        if rep.test is None:
            return
        test = rep.test
        tests += 1
        _print_warnings(rep)
        if not rep.expectations:
            without += 1
            if args.verbose:
                out.print(f"[dim]NONE[/dim] {escape(test.name)} ({escape(test.source)}): "
                          "no expect line")
        for c in rep.checks:
            if c.result is None:
                _error(c.error)
                errors += 1
                continue
            r = c.result
            if c.expect is None:
                out.print(f"INFO {escape(test.name)} under {escape(c.model)}: {r.observation} "
                          f"(no expect line names this model){escape(_flags_text(r.flags))}")
                continue
            for fl in r.flags:
                flagged[fl] = flagged.get(fl, 0) + 1
            if c.status == "pass":
                passed += 1
                if args.verbose:
                    msg = (f"{c.where}: {test.name} under {c.model}: expected {c.expect.word}, "
                           f"got {r.observation}{_flags_text(r.flags)}")
                    out.print(f"[green]PASS[/green] {escape(msg)}")
            else:
                failures += 1
                msg = (f"{c.where}: {test.name} under {c.model}: expected {c.expect.word}, "
                       f"got {r.observation}{_flags_text(r.flags)}")
                out.print(f"[red]FAIL[/red] {escape(msg)}", markup=True)
                out.print(f"  why: {c.reason}", markup=False)

    t0 = time.monotonic()
    with (dask_client(args.dask, args.jobs) if args.dask else nullcontext()) as client, \
            Progress(out, len(items)) as progress:
        reports = check_many(items, only or None, expected_only=bool(only), extra_models=extra,
                             jobs=args.jobs, cache=cache, timeout=args.timeout,
                             unroll=args.unroll, client=client, strict=args.strict,
                             fail_fast=args.fail_fast, on_report=show, progress=progress.update)
    seconds = time.monotonic() - t0
    stopped = len(items) - len(reports)
    run_warnings: list[str] = []  # about the run, not one test: kinds.txt entries
    run_errors: list[LitmusError] = []
    if not stopped:
        for w in kinds_warnings(reports):
            if args.strict:
                run_errors.append(strict_error(str(w)))
                _error(run_errors[-1])
            else:
                run_warnings.append(str(w))
                print(w, file=sys.stderr)
        errors += len(run_errors)
    if flagged:
        out.print("Flags raised: " + ", ".join(f"{k} ({report.plural(v, 'result')})"
                                                for k, v in sorted(flagged.items())),
                  markup=False)
    if stopped:
        out.print(f"Stopped at the first failure (--fail-fast): {stopped} of "
                  f"{report.plural(len(items), 'test')} not checked", markup=False)
    out.print(f"{passed} passed, {failures} failed, {report.plural(errors, 'error')}, "
              f"{without} without expectations", markup=False)
    if args.verbose and cache is not None:
        looked = cache.hits + cache.misses
        out.print(f"Cache {cache.directory}: {report.plural(cache.hits, 'hit')}, "
                  f"{report.plural(cache.misses, 'miss', 'misses')} ({looked} look-ups: one "
                  "per test and model, one per test for its condition's warnings; a miss is "
                  "computed and kept)", markup=False)
    summary = {"passed": passed, "failed": failures, "errors": errors,
               "without_expectations": without, "tests": tests, "not_checked": stopped,
               "seconds": round(seconds, 3)}
    if args.json:
        import json

        extra_info = {"cache": {"directory": str(cache.directory), "hits": cache.hits,
                                "misses": cache.misses} if cache is not None else None}
        _write_report(args.json, json.dumps(report.batch_dict(
            reports, "check", summary, extra_info, run_warnings, run_errors), indent=2) + "\n")
    if args.junit:
        _write_report(args.junit, report.junit_xml(reports, seconds=seconds,
                                                   warnings=run_warnings, errors=run_errors))
    if tests == 0 and errors == 0:
        _error(UsageError("no test found"))
        return 2
    if errors:
        return 2
    if passed + failures == 0:
        _error(UsageError("no expectation was checked" + (
            " (no expectation names the models given with -m)" if only else
            " (no test has an expect line, or a kinds.txt entry)")))
        return 2
    return 1 if failures else 0


def kinds_warnings(reports: Sequence[TestReport]) -> list[Diagnostic]:
    """The warnings (:class:`~litmus.diagnostics.Diagnostic`, at the entry) about
    the ``kinds.txt`` entries of the directories of the tests checked that
    name a test no test file of the directory holds
    (:func:`litmus.herdcompat.unmatched_kinds`), in the order the directories
    are first met. A ``kinds.txt`` that cannot be read is left out (its error
    is reported with the first test of its directory). Raises nothing."""
    from .herdcompat import unmatched_kinds

    known: dict[Path, dict[Path, str | None]] = {}
    for rep in reports:
        if rep.path is not None:
            known.setdefault(rep.path.parent, {})[rep.path] = (
                rep.test.name if rep.test is not None else None)
    out: list[Diagnostic] = []
    for d, names in known.items():
        try:
            out.extend(unmatched_kinds(d, names))
        except LitmusError:
            continue
    return out


# --------------------------------------------------------------------------- compare

#: The models `compare` runs by default, per architecture.
COMPARE_DEFAULT = {"aarch64": ["sc", "tso", "arm", "device"], "x86": ["sc", "tso"]}


def cmd_compare(args: argparse.Namespace) -> int:
    from rich import box
    from rich.table import Table

    from .batch import check_many
    from .program import format_condition

    out = _console()
    chosen = model_names((args.model or []) + ([args.models] if args.models else []))
    status = 0

    def show(rep) -> None:
        nonlocal status
        for exc in rep.errors:
            _error(exc)
            status = 2
        if rep.test is None:
            return
        test = rep.test
        _print_warnings(rep)
        results = []
        shown: set[str] = set()
        disagree = []
        for c in rep.checks:
            if c.result is None:  # the other models are still compared
                if c.model not in shown:
                    _error(c.error)
                    status = 2
                shown.add(c.model)
                continue
            if c.model not in shown:  # a row per model, however many expectations name it
                shown.add(c.model)
                results.append(c.result)
            if c.status == "fail":  # exit 1, as check's, unless an error makes it 2
                status = status or 1
                disagree.append(f"  {c.where}: expected {c.expect.word} under {c.model}, got "
                                f"{c.result.observation}")
        if not results:
            return
        table = Table(title=escape(f"{test.name}: {format_condition(test.condition, test)}"),
                      title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
        table.add_column("model", overflow="fold")
        table.add_column("observation")
        table.add_column("states", justify="right")
        table.add_column("states with the outcome", overflow="fold")
        for r in results:
            sat = [report.state_text(test, s) for s in r.states if s.satisfies]
            table.add_row(escape(r.model), report.OBS_WORD[r.observation], str(len(r.states)),
                          escape("\n".join(sat)) if sat else "-")
        out.print(table)
        if test.condition.quantifier != "exists":
            for r in results:
                out.print(f"  {r.model}: {report.holds_line(r, marked=False)}", markup=False)
        for r in results:
            if r.flags:
                out.print(f"  flags under {r.model}: {', '.join(r.flags)}", markup=False)
        for line in disagree:  # an expect line or kinds.txt entry the models contradict
            out.print(line, markup=False)
        if test.doc:
            out.print(f"  {test.doc}", markup=False)
        out.print()

    read_models(chosen)
    if args.json:
        check_report_path(args.json, "--json")
    # a kinds.txt beside a test states an expectation as its expect lines do:
    # the JSON's expected/status and the disagreement lines carry both
    reports = check_many(_batch_inputs(args.files),
                         lambda t: chosen or COMPARE_DEFAULT[t.arch], jobs=args.jobs,
                         cache=_cache_of(args), timeout=args.timeout, unroll=args.unroll,
                         explain=False, kinds=True, on_report=show)
    if args.json:
        import json

        _write_report(args.json, json.dumps(report.batch_dict(reports, "compare"), indent=2)
                      + "\n")
    return status


# --------------------------------------------------------------------------- compare-herd


def cmd_compare_herd(args: argparse.Namespace) -> int:
    from .herdcompat import compare_log, index_tests
    from .syntax.herdlog import parse_herd_log

    out = _console()
    log = Path(args.log)
    try:
        text = read_source(log)
    except OSError as exc:
        raise UsageError(f"{log}: cannot read: {exc.strerror or exc}") from None
    records = parse_herd_log(text, str(log))
    places = args.tests or [str(log.parent)]
    files = []
    for f in iter_test_files(places, empty_dir_ok=True):
        if isinstance(f, LitmusError):
            raise f
        if isinstance(f, Path):
            files.append(f)
    tests = index_tests(files)
    results = compare_log(records, tests, args.model)
    differ = errors = 0
    for c in results:
        if c.error or c.missing:
            errors += 1
            out.print("[red]ERROR[/red] ", end="")
            out.print(c.describe(), markup=False)
        elif not c.same:
            differ += 1
            out.print("[red]DIFF[/red] ", end="")
            out.print(c.describe(), markup=False)
        elif args.verbose:
            out.print("[green]SAME[/green] ", end="")
            out.print(c.describe(), markup=False)
    named = {c.file for c in results}
    for path, exc in tests.unreadable.items():
        if str(path) not in named:
            _error(exc)
    same = len(results) - differ - errors
    out.print(f"{same}/{len(results)} identical to herd7"
              + (f", {differ} different" if differ else "")
              + (f", {errors} not compared" if errors else ""))
    return 2 if errors else (1 if differ else 0)


# --------------------------------------------------------------------------- explain


def _outcome(test: Test, text: str | None):
    """The ``--outcome`` text as a proposition (None: the condition's);
    raises :class:`UsageError` naming ``--outcome`` for a bad one."""
    from .explain import parse_outcome

    return parse_outcome(test, text, "--outcome") if text is not None else None


def cmd_explain(args: argparse.Namespace) -> int:
    from .explain import explain

    models = model_names(args.model)
    read_models(models)  # a bad .cat is one error, not one per test
    status = 0
    for f in iter_test_files(args.files):
        try:
            if isinstance(f, LitmusError):
                raise f
            test = load_input(f)
            _warn(test, args.unroll)
            for m in _models_for(test, models):
                x = explain(test, m, _outcome(test, args.outcome), timeout=args.timeout,
                            unroll=args.unroll)
                print(x.text())
                print()
        except LitmusError as exc:
            _error(exc)
            status = 2
    return status


# --------------------------------------------------------------------------- graph


def cmd_graph(args: argparse.Namespace) -> int:
    from .explain import explain
    from .explain.graph import output_format, require_graphviz, write_graph

    models = model_names(args.model)
    if len(models) > 1:
        raise UsageError("graph draws one model at a time (give one -m)")
    if args.output and (fmt := output_format(args.output)) != "dot":
        require_graphviz(fmt)  # before the work, not after it
    found = list(iter_test_files([args.file]))
    for f in found:
        if isinstance(f, LitmusError):
            raise f
    if len(found) != 1:
        raise UsageError(f"{args.file}: graph draws one test; {len(found)} test files found")
    test = load_input(found[0])
    _warn(test, args.unroll)
    x = explain(test, _models_for(test, models)[0], _outcome(test, args.outcome),
                timeout=args.timeout,
                unroll=args.unroll)
    if not args.output:
        sys.stdout.write(x.to_dot())
        return 0
    write_graph(x, args.output, args.timeout)
    verdict = ("allowed (a witness)" if x.allowed else "impossible" if x.impossible else
               f"forbidden (axiom {x.violations[0].axiom})" if x.violations else "forbidden")
    print(f"{args.output}: {test.name} under {x.model}: {verdict}")
    return 0


# --------------------------------------------------------------------------- fix


def cmd_fix(args: argparse.Namespace) -> int:
    from .explain.fix import (
        choose_model,
        expects_forbidden,
        fixed_file_text,
        forbids,
        outcome_text,
    )
    from .explain.fix import search as find_fixes

    try:
        if args.file == STDIN:
            text, source = sys.stdin.read(), "<stdin>"
        else:
            text, source = read_source(Path(args.file)), args.file
    except UnicodeDecodeError as exc:
        raise UsageError(f"<stdin>: not UTF-8 text ({exc.reason})") from None
    except FileNotFoundError:
        raise UsageError(f"{args.file}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{args.file}: cannot read: {exc.strerror or exc}") from None
    test = parse(text, source)
    if args.file != STDIN:  # a herd kinds.txt beside the test says what it expects
        from dataclasses import replace

        from .herdcompat import kind_expectation, read_kinds_entries

        kinds = read_kinds_entries(Path(args.file).parent)
        if test.name in kinds:
            test = replace(test, expects=(*test.expects,
                                          kind_expectation(test, kinds[test.name])))
    _warn(test)
    limit = args.timeout or None
    model = model_names([args.model])[0] if args.model else choose_model(test, limit)
    r = check(test, model, timeout=limit)
    what = f"{test.name} under {model}: {outcome_text(test)}"
    if forbids(test, r):
        print(f"{what} is already forbidden ({r.observation}): nothing to fix")
        return 0
    expected = expects_forbidden(test, model)
    if not expected and not args.force:
        why = "the test expects it" if expected is False else "the test does not say it " \
              "must not happen (no expect line says never for this model)"
        print(f"{what} is allowed ({r.observation}), and {why}; use --force to search for "
              "a fix anyway")
        return 0
    print(f"{what} is allowed ({r.observation})"
          + ("" if expected else "; searching for a fix anyway (--force)"), flush=True)
    s = find_fixes(test, model, max_edits=args.max_edits, max_fixes=args.max,
                     timeout=limit, text=text)
    stats = (f"{s.candidates} candidate edits, {s.checks} checks, {s.seconds:.1f} s")
    if not s.fixes:
        if not s.complete:
            print(f"no fix found: the search timed out after {args.timeout:g} s ({stats})")
            return 2
        print(f"{s.note} ({stats})")
        return 1
    n = len(s.fixes[0].edits)
    shown = f"{len(s.fixes)} minimal fix{'es' if len(s.fixes) != 1 else ''}"
    if args.max and len(s.fixes) >= args.max:
        shown += f" (the first {args.max}; --max 0 shows all)"
    print(f"{shown} with {n} edit{'s' if n != 1 else ''}, cheapest first"
          + ("" if s.complete else " (the time limit stopped the search: there may be more)")
          + ":")
    for i, fx in enumerate(s.fixes, 1):
        print()
        print(f"Fix {i}: cost {fx.cost}; re-checked under {fx.model}: {fx.observation}")
        for e in fx.edits:
            print(f"  {e}")
        sys.stdout.write(fx.diff())
    print()
    print(f"Searched {stats}.")
    if args.output:
        out_text, notes = fixed_file_text(s.fixes[0], timeout=limit)
        try:
            Path(args.output).write_text(out_text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
        written = check(load(args.output), model, timeout=limit)
        if not forbids(test, written):  # never expected: every fix was re-checked
            raise UsageError(f"{args.output}: the written test gives {written.observation} "
                             f"under {model}, not the fix's {s.fixes[0].observation}")
        print(f"Wrote fix 1 to {args.output} (re-checked under {model}: "
              f"{written.observation})"
              + (f"; expect lines updated: {'; '.join(notes)}" if notes else ""))
    return 0


# --------------------------------------------------------------------------- show


def cmd_show(args: argparse.Namespace) -> int:
    from .events import describe
    from .lowering import lower_with_record
    from .program import format_condition, format_value

    out = _console()
    status = 0
    for f in iter_test_files(args.files):
        try:
            if isinstance(f, LitmusError):
                raise f
            test = load_input(f)
            _warn(test, args.unroll)
            lowered, record = lower_with_record(test)
            eg = events(test, args.unroll)
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
            ctype = f"{loc.ctype.name} " if loc.ctype is not None else ""
            iw = eg.events[eg.init[loc.name]].value  # code holds an instruction
            init = eg.show(iw, test.ctype(loc=loc.name)) if iw is not None else \
                format_value(loc.init, test.ctype(loc=loc.name))  # type: ignore[arg-type]
            p(f"  {loc.name:<12} {ctype}{loc.mtype}{ep} = {init}")
        for th in test.threads:
            kind = "device agent" if th.device else "CPU"
            p(f"Thread {th.name} ({kind})")
            lowered_of = {id(r.source): r for r in record.get(th.name, [])}
            labels_at: dict[int, list[str]] = {}
            for name, i in th.labels.items():
                labels_at.setdefault(i, []).append(name)
            for i, ins in enumerate(th.code):
                for name in labels_at.get(i, []):
                    p(f"        {name}:")
                p(f"  {ins.pos.line:>4}  {ins}")
                low = lowered_of.get(id(ins))
                if low is not None:
                    if low.result:
                        for k, li in enumerate(low.result):
                            for j, name in low.labels:
                                if j == k:
                                    p(f"             {name}:")
                            p(f"          -> {li}")
                    else:
                        p(f"          -> ({low.note})")
            for name in labels_at.get(len(th.code), []):
                p(f"        {name}:")
        if any(loc.is_device for loc in eg.locations.values()):
            p("Note  the device model does not model early write acknowledgement (E) or "
              "gathering (G): see D3 in models/device.cat")
        p(f"Condition {format_condition(test.condition, test)}")
        if lowered.filter is not None:
            from .program import format_prop

            p(f"Filter {format_prop(lowered.filter, 0, lowered)}")
        p("Events")
        for line in describe(eg).values():
            p(f"  {line}")
        cut = [(name, leaf) for name, leaves in eg.leaves.items() for leaf in leaves if leaf.cut]
        if cut:
            from .smt.expr import band, show_bool

            p(f"Paths cut by the unrolling bound ({eg.unroll}; their executions are not "
              "outcomes)")
            for name, leaf in cut:
                guard = f" if {show_bool(band(*leaf.guard), eg.guard_name)}" if leaf.guard \
                    else ""
                p(f"  {name}{guard}")
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
    """A time limit in seconds: a non-negative number; ``0`` or ``inf`` for none."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, found '{text}'") \
            from None
    if math.isnan(value):
        raise argparse.ArgumentTypeError(f"expected a number of seconds, found '{text}'")
    if value < 0:
        raise argparse.ArgumentTypeError("the time limit cannot be negative")
    return 0.0 if value == float("inf") else value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the number cannot be negative")
    return value


def _outcome_option(p: argparse.ArgumentParser, verb: str) -> None:
    p.add_argument("--outcome", metavar="'T:R=V /\\ LOC=V'",
                   help=f"the outcome to {verb} (default: the condition's; for ~exists and "
                        "forall, the outcome that violates it)")


def _unroll_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--unroll", type=_count, default=None, metavar="N",
                   help=f"take each backward jump (a loop) at most N times per path, as herd7's "
                        f"-unroll does (default {DEFAULT_UNROLL}, herd7's); executions cut "
                        "short there are no outcomes and raise the flag loop-bound-reached")


def _timeout_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"time limit per test and model in seconds (default {DEFAULT_TIMEOUT:g};"
                        " 0: none); a test over it is an error (exit 2)")


def _batch_options(p: argparse.ArgumentParser, jobs_default: str) -> None:
    p.add_argument("-j", "--jobs", type=_count, default=None if jobs_default == "cores" else 1,
                   metavar="N", help="check tests in N processes (default: "
                   + ("the number of cores" if jobs_default == "cores" else "1") + "; the "
                   "report is the same, in the same order)")
    p.add_argument("--cache", metavar="DIR",
                   help="keep results in DIR and reuse them (default: $LITMUS_CACHE_DIR, else "
                        "litmus in the user cache directory, ~/.cache/litmus); a result is "
                        "reused only for the same test text, model text and litmus version")
    p.add_argument("--no-cache", action="store_true", help="compute every result afresh and "
                   "store none")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="litmus",
        description="Memory-ordering model checker: every outcome a model allows.",
    )
    ap.add_argument("--version", action="version", version=f"litmus {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    models_help = f"model: {', '.join(MODELS)} or a .cat file; repeat it or give a " \
                  "comma-separated list (default: arm for aarch64 tests, tso for x86)"
    files_help = ("test files, directories (searched recursively) or herd kinds.txt files "
                  "(the tests of their directory they name); - reads a test from standard "
                  "input")

    run = sub.add_parser("run", help="print every allowed final state and the observation")
    run.add_argument("files", nargs="+", metavar="FILE", help=files_help)
    run.add_argument("-m", "--model", action="append", help=models_help)
    run.add_argument("--cat", action="append", metavar="FILE", help="a model in a .cat file")
    run.add_argument("--format", choices=("text", "herd", "json"), default="text")
    _timeout_option(run)
    _batch_options(run, "1")
    _unroll_option(run)
    run.set_defaults(func=cmd_run)

    chk = sub.add_parser("check", help="compare each test's expect lines with the models")
    chk.add_argument("paths", nargs="+", metavar="FILE|DIR|kinds.txt", help=files_help)
    chk.add_argument("-m", "--model", action="append",
                     help="check only the expectations for these models (repeatable, or a "
                          "comma-separated list)")
    chk.add_argument("--cat", action="append", metavar="FILE",
                     help="also run this .cat model on every test and print its observation")
    chk.add_argument("-v", "--verbose", action="store_true",
                     help="list passing checks too (and the cache's hits and misses)")
    _timeout_option(chk)
    _batch_options(chk, "cores")
    chk.add_argument("--junit", metavar="FILE",
                     help="write a JUnit XML report (a testcase per test and model) to FILE")
    chk.add_argument("--json", metavar="FILE",
                     help="write every result (states, flags), error and the summary to FILE "
                          "as JSON")
    chk.add_argument("--fail-fast", action="store_true",
                     help="stop at the first test that fails or has an error")
    chk.add_argument("--strict", action="store_true",
                     help="make every warning an error (exit 2): a condition on a register "
                          "nothing writes, a location nothing accesses or a value no store "
                          "gives; a kinds.txt entry that names no test")
    chk.add_argument("--dask", metavar="SCHEDULER",
                     help="run the tests on a Dask cluster: 'local' starts one on this "
                          "machine (-j workers), else the scheduler's address "
                          "(tcp://host:8786); needs Dask: pip install 'dask[distributed]' "
                          "(or litmus's dask extra: pip install '.[dask]' in its checkout)")
    _unroll_option(chk)
    chk.set_defaults(func=cmd_check)

    cmp = sub.add_parser("compare", help="one table per test: the observation under each model")
    cmp.add_argument("files", nargs="+", metavar="FILE", help=files_help)
    cmp.add_argument("-m", "--model", action="append",
                     help="models to compare, repeatable or comma-separated (default: "
                          "sc,tso,arm,device; sc,tso for x86)")
    cmp.add_argument("--models", metavar="M1,M2,...", help="the same as -m M1,M2,...")
    _timeout_option(cmp)
    _batch_options(cmp, "1")
    cmp.add_argument("--json", metavar="FILE",
                     help="write every result (states, flags) and error to FILE as JSON")
    _unroll_option(cmp)
    cmp.set_defaults(func=cmd_compare)

    ch = sub.add_parser("compare-herd",
                        help="run the tests of a herd7 log and report where we disagree")
    ch.add_argument("log", metavar="LOG", help="herd7's output (one or many tests)")
    ch.add_argument("tests", nargs="*", metavar="FILE|DIR",
                    help="where the tests are (default: the log's directory)")
    ch.add_argument("-m", "--model", help="model to run (default: arm / tso by architecture)")
    ch.add_argument("-v", "--verbose", action="store_true", help="list agreeing tests too")
    ch.set_defaults(func=cmd_compare_herd)

    exp = sub.add_parser("explain", help="why an outcome is allowed (a witness and what is "
                         "not ordered) or forbidden (the axiom and its cycle)")
    exp.add_argument("files", nargs="+", metavar="FILE", help=files_help)
    exp.add_argument("-m", "--model", action="append", help=models_help)
    _outcome_option(exp, "explain")
    _timeout_option(exp)
    _unroll_option(exp)
    exp.set_defaults(func=cmd_explain)

    gr = sub.add_parser("graph", help="draw the execution that explains an outcome, as herd7 "
                        "draws one (DOT, or SVG/PNG with Graphviz)")
    gr.add_argument("file", metavar="FILE", help="a test file; - reads it from standard input")
    gr.add_argument("-m", "--model", action="append",
                    help=f"model: {', '.join(MODELS)} or a .cat file (default: arm for aarch64 "
                         "tests, tso for x86)")
    _outcome_option(gr, "draw")
    gr.add_argument("-o", "--output", metavar="OUT.svg|OUT.png|OUT.dot",
                    help="where to write the picture, its format by the suffix; SVG and PNG "
                         "need Graphviz's dot (default: DOT text on standard output)")
    _timeout_option(gr)
    _unroll_option(gr)
    gr.set_defaults(func=cmd_graph)

    fx = sub.add_parser("fix", help="the cheapest edits that make a model forbid the "
                        "condition's outcome")
    fx.add_argument("file", metavar="FILE",
                    help="a test (.lit or herd's .litmus); - reads it from standard input")
    fx.add_argument("-m", "--model", help=f"model: {', '.join(MODELS)} or a .cat file "
                    "(default: the model whose expect line says never but which allows the "
                    "outcome, else arm for aarch64 tests, tso for x86)")
    fx.add_argument("-o", "--output", metavar="FIXED.lit",
                    help="write the cheapest fixed test there (expect lines kept, updated "
                         "where the fix changes a model's verdict)")
    fx.add_argument("--force", action="store_true",
                    help="search even when the test does not expect the outcome forbidden")
    fx.add_argument("--max", type=_count, default=10, metavar="N",
                    help="show at most N fixes (default 10; 0: all with the fewest edits)")
    fx.add_argument("--max-edits", type=int, choices=(1, 2, 3), default=3,
                    help="at most this many edits per fix (default 3)")
    fx.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="S",
                    help=f"time limit of the whole search in seconds (default "
                         f"{DEFAULT_TIMEOUT:g}; 0: none)")
    fx.set_defaults(func=cmd_fix)

    show = sub.add_parser("show", help="print the program, its lowering and its event graph")
    show.add_argument("files", nargs="+", metavar="FILE", help=files_help)
    _unroll_option(show)
    show.set_defaults(func=cmd_show)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 all held, 1 an
    expectation failed, 2 bad input, 130 interrupted)."""
    from .limits import limit_named

    ap = build_parser()
    args, extra = ap.parse_known_args(argv)
    if extra:  # said by the command's own parser, with its usage line
        sub = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
        sub.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        with limit_named("--timeout"):
            return args.func(args)
    except LitmusError as exc:
        _error(exc)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`litmus run ... | head`): stop quietly, and keep
        # Python from complaining when it flushes stdout at exit
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0


def entry() -> None:
    """The ``litmus`` program: :func:`main`, then a clean exit. Ctrl-C stops the
    run at a safe point with status 130; a reader that goes away (``| head``)
    ends it quietly with status 0."""
    from .limits import catch_interrupts

    catch_interrupts()
    try:
        code = main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 0
    if code in (0, 130):
        try:
            sys.stdout.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
        # nothing more to print; skip the interpreter's teardown (and the z3
        # destructors and stdout flush that could complain during it)
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
    sys.exit(code)


if __name__ == "__main__":
    entry()
