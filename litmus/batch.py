"""Batch runs: many tests, each under its models, in parallel and cached.

:func:`check_many` is the engine behind ``litmus check`` (and ``run`` and
``compare``): it reads every test, plans its checks (one per expectation, or
one per model asked for), answers what it can from the result cache
(:mod:`litmus.cache`), sends the rest to worker processes
(:mod:`litmus.pool`) or to a Dask cluster, and returns one
:class:`TestReport` per input, in input order, whatever order the work
finished in. The report of a parallel, cached or distributed run is the same
as that of a serial cold run (only the time a check took may differ: a
cached result keeps the time it took when it was computed).

Each test is one unit of work (its models share one encoding of the test).
Its errors -- a file that does not parse, a model that cannot be read, a
check over its time limit -- are reported in its place and never stop the
other tests.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import LitmusError, Pos, StrictWarning, Timeout, UsageError
from .limits import DEFAULT_TIMEOUT, limit_name
from .program import Expect, Test

if TYPE_CHECKING:
    from .cache import ResultCache
    from .enumerate import Result
    from .model import Model
    from .syntax.kinds import KindsEntry

#: The models to run: a list for every test, or a function of the test.
Models = Sequence["str | Path | Model"] | Callable[[Test], Sequence["str | Path | Model"]]

#: A test to check: a file (a path), the text of a test, a parsed test, or an
#: error standing in the place of an input that could not be found.
TestInput = Path | str | Test | LitmusError


@dataclass(frozen=True)
class Check:
    """One test under one model: its result or its error, and the expectation
    it is compared with.

    ``model`` names the model as results do (``arm``, or a ``.cat`` path);
    ``expect`` is the expectation checked (None: the model was only run, no
    expectation names it); ``where`` is where that expectation is written
    (``file:line:col``, or the ``kinds.txt`` that states it); ``result`` is the
    :class:`~litmus.enumerate.Result`, or None when ``error`` (a
    :class:`~litmus.errors.LitmusError`: a bad model, a test the engine cannot
    run, a :class:`~litmus.errors.Timeout`) says why there is none;
    ``reason`` is the verdict's one-line explanation for a failed expectation
    (``litmus explain``'s); ``cached`` says the result came from the cache."""

    model: str
    expect: Expect | None
    where: str
    result: Result | None
    error: LitmusError | None = None
    reason: str | None = None
    cached: bool = False

    @property
    def status(self) -> Literal["pass", "fail", "error", "run"]:
        """``error`` (no result), ``run`` (no expectation), else ``pass`` or ``fail``."""
        if self.result is None:
            return "error"
        if self.expect is None:
            return "run"
        return "pass" if self.expect.holds(self.result.observation) else "fail"


@dataclass(frozen=True)
class TestReport:
    """What became of one input of :func:`check_many`.

    ``source`` names it (the path as given, ``<stdin>``, ``<string>``; for an
    error standing for an input, the file the error is in, empty when there
    is none, as for a path that does not exist); ``path``
    is the file it was read from (None for text and parsed tests); ``test`` is
    the parsed test (None if it could not be read); ``errors`` are the errors
    about the input itself (a missing file, a parse error, a bad ``kinds.txt``
    beside it, reported with the first test of its directory, or a test whose
    events cannot be built); ``warnings`` are the warnings about its condition
    (``file:line:col: warning: ...``); ``expectations`` are all its
    expectations (``expect`` lines, then its ``kinds.txt`` entry) and ``checks``
    what was checked, in plan order (see :func:`check_many`)."""

    __test__ = False  # not a pytest test class

    source: str
    path: Path | None = None
    test: Test | None = None
    errors: tuple[LitmusError, ...] = ()
    warnings: tuple[str, ...] = ()
    expectations: tuple[Expect, ...] = ()
    checks: tuple[Check, ...] = ()

    @property
    def failed(self) -> bool:
        """Whether an expectation failed."""
        return any(c.status == "fail" for c in self.checks)

    @property
    def error_count(self) -> int:
        """The input's errors and its checks' errors."""
        return len(self.errors) + sum(1 for c in self.checks if c.status == "error")


# --------------------------------------------------------------------------- the work


def _error_data(exc: LitmusError) -> tuple[str, str, tuple | None] | tuple[
        str, str, tuple | None, float]:
    """An error as plain data (to pass between processes): its class's name,
    message, position, and for a :class:`Timeout` its limit in seconds."""
    pos = (exc.pos.file, exc.pos.line, exc.pos.col) if exc.pos is not None else None
    if isinstance(exc, Timeout):
        return type(exc).__name__, exc.message, pos, exc.seconds
    return type(exc).__name__, exc.message, pos


def _model_arg(model: str | Path | Model) -> str | Model:
    """A model as the batch passes it on (to workers too): a name or a path
    as a string, or a :class:`~litmus.model.Model` object as it is."""
    from .model import Model

    return model if isinstance(model, Model) else str(model)


def _error_of(data: tuple) -> LitmusError:
    """The error :func:`_error_data` gave as data."""
    from . import errors

    name, message, pos = data[:3]
    cls = getattr(errors, name, LitmusError)
    if not (isinstance(cls, type) and issubclass(cls, LitmusError)):
        cls = LitmusError
    if cls is Timeout and len(data) > 3:
        return Timeout(message, Pos(*pos) if pos else None, seconds=data[3])
    return cls(message, Pos(*pos) if pos else None)


def strict_error(warning: str) -> StrictWarning:
    """A warning (``file:line:col: warning: message``, as
    :attr:`TestReport.warnings` holds them) as the error strict checking makes
    of it: a :class:`~litmus.errors.StrictWarning` at the same position,
    printed as ``file:line:col: warning (strict: an error): message``. Raises
    nothing."""
    import re

    head, sep, message = warning.partition(": warning: ")
    if not sep:
        return StrictWarning(f"warning (strict: an error): {warning.removeprefix('warning: ')}")
    m = re.fullmatch(r"(.*?):(\d+)(?::(\d+))?", head)
    pos = Pos(m[1], int(m[2]), int(m[3] or 0)) if m else Pos(head)
    return StrictWarning(f"warning (strict: an error): {message}", pos)


def _holds(word: str, observation: str) -> bool:
    return Expect(model="", word=word).holds(observation)  # type: ignore[arg-type]


# litmus's engine keeps one z3 context per process: one test at a time per process,
# even in a Dask worker that runs several tasks in threads
_WORK_LOCK = threading.Lock()


def _work(task: dict) -> dict:
    """Check one test (a worker's whole job): its warnings if asked, then each
    model's result if asked, and the reason of a failed expectation. Returns
    plain data (see :func:`_complete`); every error is in the reply; a
    time-out names what sets the limit as the caller does (``limit_name``)."""
    from .limits import limit_named

    with _WORK_LOCK, limit_named(task["limit_name"]):
        return _work_unlocked(task)


def _work_unlocked(task: dict) -> dict:
    from .api import check_within, diagnose
    from .cache import model_fingerprint, result_data, tool_fingerprint
    from .library import model_label
    from .limits import Deadline

    test: Test = task["test"]
    timeout = task["timeout"]
    variants = task["variants"]
    unroll = task["unroll"]
    units = task["units"]
    out: dict[str, Any] = {"tool": tool_fingerprint(), "warnings": None, "test_error": None,
                           "units": []}
    what = f"{test.source}: {test.name}"

    def deadline_of(unit: dict) -> Deadline:
        return Deadline(timeout, f"{what} under {model_label(unit['model'])}")

    # the first model's limit runs from here: building the test's events (for
    # the warnings, then shared by every model) counts towards it
    first = deadline_of(units[0]) if units else Deadline(timeout, what)
    if task["warnings"]:
        try:
            out["warnings"] = [str(w) for w in diagnose(test, unroll, first.named(what))]
        except LitmusError as exc:  # the events cannot be built: no model can run it
            out["test_error"] = _error_data(exc)
            return out
        except Exception as exc:  # noqa: BLE001 -- a bug: this test's error, not the run's
            out["test_error"] = _internal(exc)
            return out
    for i, unit in enumerate(units):
        res: dict[str, Any] = {"data": None, "error": None, "reasons": {}, "fp": None}
        out["units"].append(res)
        try:
            res["fp"] = model_fingerprint(unit["model"])
            observation = unit["observation"]
            if unit["result"]:
                r = check_within(test, unit["model"], first if i == 0 else deadline_of(unit),
                                 variants, unroll=unroll)
                res["data"] = result_data(r)
                observation = r.observation
            if task["explain"]:
                for word in unit["expects"]:
                    kind = reason_kind(word, observation)
                    if not _holds(word, observation) and kind not in unit["known"] \
                            and kind not in res["reasons"]:
                        res["reasons"][kind] = verdict_reason(test, unit["model"], word,
                                                              observation, timeout, variants,
                                                              unroll)
        except LitmusError as exc:
            res["error"] = _error_data(exc)
        except Exception as exc:  # noqa: BLE001
            res["error"] = _internal(exc)
    return out


def _internal(exc: BaseException) -> tuple[str, str, None]:
    return ("LitmusError", f"internal error: {type(exc).__name__}: {exc} (please report it)",
            None)


def reason_kind(expected: str, got: str) -> str:
    """What the reason of a failed expectation explains: ``"absence"`` (a state
    without the outcome) when whether the outcome *always* happens is at stake
    (expected ``always``, got ``sometimes``, or the reverse), else
    ``"outcome"`` (the outcome itself). Raises nothing."""
    return "absence" if (expected, got) in (("always", "sometimes"),
                                            ("sometimes", "always")) else "outcome"


def verdict_reason(test: Test, model: str | Path | Model, expected: str, got: str,
                   timeout: float | None = DEFAULT_TIMEOUT, variants: Iterable[str] = (),
                   unroll: int | None = None) -> tuple[str, bool]:
    """The one-line reason a verdict (``got``) differs from the ``expected``
    one, as ``litmus check`` prints it under a failure (``litmus explain``'s
    reason: why the outcome happens or cannot; when whether it always happens
    is at stake, why a state without it does or cannot), and whether it is one
    (False: the explanation failed, and the text says why). Raises nothing
    but ``KeyboardInterrupt``."""
    from .explain import explain
    from .program import PNot

    prop = test.condition.prop
    about_absence = reason_kind(expected, got) == "absence"
    outcome = PNot(prop) if about_absence else prop
    try:
        reason = explain(test, model, outcome, variants=variants, timeout=timeout,
                         unroll=unroll).reason()
    except LitmusError as exc:
        return f"(no explanation: {exc})", False
    return (f"a state without the outcome is {reason}" if about_absence else reason), True


# --------------------------------------------------------------------------- planning


@dataclass
class _Unit:
    """One model of one test: what the cache holds, what must be computed."""

    model: str | Model  # as given (a name, a path as a string, a Model)
    label: str
    expects: list[Expect]
    key: str | None = None
    fp: str | None = None
    data: dict | None = None  # the result's data (cached or computed)
    cached: bool = False
    need_result: bool = True
    need_reason: bool = False
    error: LitmusError | None = None
    reasons: dict[str, str] = field(default_factory=dict)  # by reason_kind


@dataclass
class _Pending:
    index: int
    source: str
    path: Path | None
    test: Test
    test_id: str
    errors: list[LitmusError]
    expectations: tuple[Expect, ...]
    plan: list[tuple[str, Expect | None, str]]  # (label, expectation, where)
    units: dict[str, _Unit]
    warnings: list[str] | None
    warnings_key: str | None
    limit: float | None = None

    def task(self, batch: _Batch) -> dict:
        return {
            "test": self.test, "timeout": batch.timeout, "variants": batch.variants,
            "unroll": batch.unroll, "limit_name": limit_name(),
            "explain": batch.explain, "warnings": self.warnings is None,
            "units": [{"model": u.model, "result": u.need_result,
                       "expects": [e.word for e in u.expects], "known": sorted(u.reasons),
                       "observation": u.data["observation"] if u.data else None}
                      for u in self._work_units()],
        }

    def _work_units(self) -> list[_Unit]:
        return [u for u in self.units.values()
                if u.error is None and (u.need_result or u.need_reason)]


class _Batch:
    def __init__(self, models, expected_only, extra_models, variants, cache, timeout,
                 explain, kinds, unroll, strict=False) -> None:
        self.strict = strict
        self.models = models
        self.expected_only = expected_only
        self.extra_models = list(extra_models)
        self.variants = tuple(variants)
        self.unroll = unroll
        self.cache = cache
        self.timeout = timeout if timeout and timeout > 0 else None
        self.explain = explain
        self.kinds = kinds
        self._kinds: dict[Path, dict[str, KindsEntry]] = {}
        self._fps: dict[Any, str | LitmusError] = {}
        self._by_label: dict[str, str | Model] = {}

    # ------------------------------------------------------------------ reading

    def _read(self, item: TestInput) -> tuple[str, Path | None, str | None, Test | None,
                                               list[LitmusError]]:
        from .api import parse
        from .syntax.source import read_source

        if isinstance(item, LitmusError):
            # named by the file its error is in, if there is one (not a missing path)
            where = item.pos.file if item.pos is not None and _is_file(item.pos.file) else ""
            return where, None, None, None, [item]
        if isinstance(item, Test):
            return item.source, None, None, item, []
        if isinstance(item, Path) or ("\n" not in item and (
                item.endswith((".lit", ".litmus")) or _is_file(item))):
            p = Path(item)
            try:
                text = read_source(p)
            except FileNotFoundError:
                return str(p), p, None, None, [UsageError(f"{p}: no such file")]
            except OSError as exc:
                return str(p), p, None, None, [
                    UsageError(f"{p}: cannot read: {exc.strerror or exc}")]
            except LitmusError as exc:
                return str(p), p, None, None, [exc]
            try:
                return str(p), p, text, parse(text, str(p)), []
            except LitmusError as exc:
                return str(p), p, text, None, [exc]
        try:
            return "<string>", None, item, parse(item), []
        except LitmusError as exc:
            return "<string>", None, item, None, [exc]

    def _kinds_of(self, directory: Path, errors: list[LitmusError]) -> dict[str, KindsEntry]:
        from .herdcompat import read_kinds_entries

        if directory not in self._kinds:
            self._kinds[directory] = {}  # a bad kinds.txt is reported once
            try:
                self._kinds[directory] = read_kinds_entries(directory)
            except LitmusError as exc:
                errors.append(exc)
        return self._kinds[directory]

    def _fingerprint(self, model: str | Model) -> str | LitmusError:
        """The model's fingerprint, computed once per run (or its error)."""
        from .cache import model_fingerprint

        key: Any = model if isinstance(model, str) else ("<Model>", model.label, model)
        if key not in self._fps:
            try:
                self._fps[key] = model_fingerprint(model)
            except LitmusError as exc:
                self._fps[key] = exc
        return self._fps[key]

    def _claim(self, label: str, model: str | Model) -> LitmusError | None:
        """Results are named by model label: refuse two different models of
        one name in a run (two :class:`Model` objects both named ``model``),
        whose results would otherwise be taken for each other's."""
        from .library import canonical_name
        from .model import Model

        def same(a: str | Model, b: str | Model) -> bool:
            if isinstance(a, Model) or isinstance(b, Model):
                return a is b or a == b
            return canonical_name(a) == canonical_name(b)

        seen = self._by_label.setdefault(label, model)
        if same(seen, model):
            return None
        return UsageError(f"two different models are named {label!r} in this run: "
                          "give each Model its own name (Model.from_text(text, name=...))")

    # ------------------------------------------------------------------ planning

    def prepare(self, index: int, item: TestInput) -> TestReport | _Pending:
        """The report, when the cache answers everything; else the work to do."""
        from .cache import result_key, test_identity, warnings_key
        from .library import canonical_name, model_label

        source, path, text, test, errors = self._read(item)
        kinds: dict[str, KindsEntry] = {}
        if path is not None and self.kinds:
            kinds_errors: list[LitmusError] = []  # reported before the test's own
            kinds = self._kinds_of(path.parent, kinds_errors)
            errors[:0] = kinds_errors
        if test is None:
            return TestReport(source, path, None, tuple(errors))
        expects = list(test.expects)
        if test.name in kinds:
            from .herdcompat import kind_expectation

            expects.append(kind_expectation(test, kinds[test.name]))

        def where(e: Expect) -> str:
            return str(e.pos) if e.pos else test.source

        pairs: list[tuple[str | Model, Expect | None]] = []
        if self.models is None:
            pairs = [(e.model, e) for e in expects]
        else:
            models = [_model_arg(m) for m in (self.models(test) if callable(self.models)
                                              else self.models)]
            if self.expected_only:
                wanted = {canonical_name(model_label(m)) for m in models}
                pairs = [(e.model, e) for e in expects if canonical_name(e.model) in wanted]
            else:
                for m in models:
                    name = canonical_name(model_label(m))
                    named = [e for e in expects if canonical_name(e.model) == name]
                    pairs.extend([(m, e) for e in named] or [(m, None)])
        pairs.extend((_model_arg(m), None) for m in self.extra_models)

        test_id = test_identity(test, text)
        units: dict[str, _Unit] = {}
        plan: list[tuple[str, Expect | None, str]] = []
        for model, e in pairs:
            label = model_label(model)
            plan.append((label, e, where(e) if e is not None else ""))
            clash = self._claim(label, model)
            if clash is not None:  # reported in its place, never answered by the other
                label = f"{label} (#{len(plan)})"
                plan[-1] = (label, e, plan[-1][2])
            u = units.get(label)
            if u is None:
                u = units[label] = _Unit(model, label, [])
                fp = clash if clash is not None else self._fingerprint(model)
                if isinstance(fp, LitmusError):
                    u.error = fp
                else:
                    u.fp = fp
                    if self.cache is not None:
                        u.key = result_key(test_id, fp, self.variants, self.unroll)
                        u.data = self.cache.get(u.key, "result")
            if e is not None:
                u.expects.append(e)
        for u in units.values():
            if u.data is not None:
                u.cached, u.need_result = True, False
                u.reasons = dict(u.data["reasons"])
                obs = u.data["observation"]
                u.need_reason = self.explain and any(
                    not e.holds(obs) and reason_kind(e.word, obs) not in u.reasons
                    for e in u.expects)
        warnings = None
        wkey = None
        if self.cache is not None:
            wkey = warnings_key(test_id, self.unroll)
            hit = self.cache.get(wkey, "warnings")
            warnings = hit["warnings"] if hit is not None else None
        p = _Pending(index, source, path, test, test_id, errors, tuple(expects), plan, units,
                     warnings, wkey)
        work = p._work_units()
        if not work and warnings is not None:
            return self.report(p)
        if self.timeout:
            # the backstop, for code that would not look at its deadline: each model's
            # check and explanation within the limit, the events and some slack
            p.limit = self.timeout * (2 * len(work) + 1) + 10
        return p

    # ------------------------------------------------------------------ results

    def complete(self, p: _Pending, reply: Any) -> TestReport:
        """Merge a worker's reply (or the :class:`~litmus.pool.Lost` that stands
        for it) into the pending test, store what is new, and report it."""
        from .cache import tool_fingerprint
        from .pool import Lost

        work = p._work_units()
        if isinstance(reply, Lost):
            what = f"{p.test.source}: {p.test.name}"
            if reply.timed_out:
                err: LitmusError = Timeout(
                    f"{what}: timed out after {p.limit:g} s (its worker process was stopped; "
                    f"the time limit, per test and model: {limit_name()})",
                    seconds=p.limit or 0.0)
            else:
                err = LitmusError(f"{what}: {reply.reason}")
            for u in work:
                u.error = err
            if p.warnings is None:
                p.warnings = []
            return self.report(p)
        if reply["tool"] != tool_fingerprint():
            err = UsageError(f"a worker runs another litmus ({reply['tool']}; here "
                             f"{tool_fingerprint()}): install the same version everywhere")
            for u in work:
                u.error = err
            p.warnings = p.warnings or []
            return self.report(p)
        if reply["test_error"] is not None:
            p.errors.append(_error_of(reply["test_error"]))
            return TestReport(p.source, p.path, p.test, tuple(p.errors), (),
                              p.expectations, ())
        if reply["warnings"] is not None:
            p.warnings = reply["warnings"]
            if self.cache is not None and p.warnings_key is not None:
                self.cache.put(p.warnings_key, {"kind": "warnings", "warnings": p.warnings})
        for u, res in zip(work, reply["units"]):
            if res["error"] is not None:
                u.error = _error_of(res["error"])
                continue
            if res["fp"] != u.fp:
                u.error = UsageError(f"model {u.label}: a worker reads another text of this "
                                     "model than this machine (make its files the same "
                                     "everywhere)")
                continue
            if res["data"] is not None:
                u.data = res["data"]
            good = {k: text for k, (text, ok) in res["reasons"].items() if ok}
            u.reasons.update({k: text for k, (text, _) in res["reasons"].items()})
            if self.cache is not None and u.key is not None and u.data is not None and (
                    res["data"] is not None or good):
                # only reasons whose explanation succeeded are kept
                kept = {k: v for k, v in u.reasons.items()
                        if k in good or k in u.data.get("reasons", {})}
                self.cache.put(u.key, {**u.data, "reasons": kept})
        return self.report(p)

    def report(self, p: _Pending) -> TestReport:
        from .cache import result_of

        checks = []
        for label, e, where in p.plan:
            u = p.units[label]
            if u.error is not None or u.data is None:
                err = u.error or LitmusError(f"{p.test.source}: {p.test.name} under {label}: "
                                             "no result")
                checks.append(Check(label, e, where, None, err))
                continue
            r = result_of(p.test, label, u.data)
            fails = e is not None and not e.holds(r.observation)
            reason = u.reasons.get(reason_kind(e.word, r.observation)) if fails and e else None
            checks.append(Check(label, e, where, r, None, reason if self.explain else None,
                                u.cached))
        errors, warnings = tuple(p.errors), tuple(p.warnings or ())
        if self.strict:
            errors, warnings = errors + tuple(strict_error(w) for w in warnings), ()
        return TestReport(p.source, p.path, p.test, errors, warnings, p.expectations,
                          tuple(checks))


def _is_file(name: str) -> bool:
    try:
        return Path(name).is_file()
    except (OSError, ValueError):
        return False


# --------------------------------------------------------------------------- executors


class _Serial:
    """In this process, one test at a time."""

    def __init__(self) -> None:
        self.queue: deque[tuple[int, dict]] = deque()

    def room(self) -> bool:
        return not self.queue

    def submit(self, index: int, task: dict, limit: float | None) -> None:
        self.queue.append((index, task))

    def wait(self, timeout: float) -> list[tuple[int, Any]]:
        if not self.queue:
            return []
        index, task = self.queue.popleft()
        return [(index, _work(task))]

    def cancel(self, index: int) -> None:
        self.queue = deque(t for t in self.queue if t[0] != index)

    def close(self) -> None:
        self.queue.clear()


class _Processes:
    """Worker processes (:class:`litmus.pool.ProcessPool`)."""

    def __init__(self, jobs: int) -> None:
        from .pool import ProcessPool

        self.pool = ProcessPool(jobs, _work)

    def room(self) -> bool:
        return self.pool.pending < 2 * self.pool.jobs

    def submit(self, index: int, task: dict, limit: float | None) -> None:
        self.pool.submit(index, task, limit)

    def wait(self, timeout: float) -> list[tuple[int, Any]]:
        return self.pool.wait(timeout)

    def cancel(self, index: int) -> None:
        self.pool.cancel(index)

    def close(self) -> None:
        self.pool.close()


class _Dask:
    """Tasks sent to a Dask cluster with ``client.map``, gathered with
    ``as_completed``. Time limits are the soft ones (inside each check)."""

    def __init__(self, client) -> None:
        from distributed import as_completed

        self.client = client
        self.done = as_completed([])
        self.futures: dict[Any, int] = {}
        self.buffer: list[tuple[int, dict]] = []
        try:
            threads = sum(client.nthreads().values())
        except Exception:  # noqa: BLE001 -- only a window size
            threads = 1
        self.window = max(64, 4 * threads)

    def room(self) -> bool:
        return len(self.futures) + len(self.buffer) < self.window

    def submit(self, index: int, task: dict, limit: float | None) -> None:
        self.buffer.append((index, task))

    def _flush(self) -> None:
        if not self.buffer:
            return
        futures = self.client.map(_work, [t for _, t in self.buffer], pure=False)
        for (index, _), f in zip(self.buffer, futures):
            self.futures[f] = index
            self.done.add(f)
        self.buffer.clear()

    def wait(self, timeout: float) -> list[tuple[int, Any]]:
        from .pool import Lost

        self._flush()
        end = time.monotonic() + timeout
        while not self.done.has_ready():
            if time.monotonic() >= end or not self.futures:
                return []
            time.sleep(0.01)
        out = []
        for f in self.done.next_batch(block=False):
            index = self.futures.pop(f, None)
            if index is None:
                continue
            try:
                out.append((index, f.result()))
            except Exception as exc:  # noqa: BLE001 -- a lost worker, a cancelled task
                out.append((index, Lost(f"the Dask task failed: {type(exc).__name__}: {exc}")))
        return out

    def cancel(self, index: int) -> None:
        self.buffer = [t for t in self.buffer if t[0] != index]
        for f, i in list(self.futures.items()):
            if i == index:
                del self.futures[f]
                f.cancel()

    def close(self) -> None:
        for f in list(self.futures):
            f.cancel()
        self.futures.clear()
        self.buffer.clear()


#: Fewer tests than this to compute are checked in this process even with
#: ``jobs`` > 1: starting workers costs more than a few small tests take.
POOL_MIN = 4


def default_jobs() -> int:
    """The number of cores this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------- the engine


def check_many(tests: Iterable[TestInput], models: Models | None = None, *,
               expected_only: bool = False, extra_models: Sequence[str | Path | Model] = (),
               variants: Iterable[str] = (), jobs: int | None = None,
               cache: ResultCache | str | Path | None = None,
               timeout: float | None = DEFAULT_TIMEOUT, unroll: int | None = None,
               client: Any = None, fail_fast: bool = False, explain: bool = True,
               kinds: bool = True, strict: bool = False,
               on_report: Callable[[TestReport], None] | None = None,
               progress: Callable[[int, int, TestReport], None] | None = None,
               ) -> list[TestReport]:
    """Check many tests; one :class:`TestReport` per input, in input order.

    ``tests`` holds paths of test files (``Path``, or ``str`` as
    :func:`litmus.load` takes them), texts of tests, parsed
    :class:`~litmus.program.Test` objects, or :class:`~litmus.errors.LitmusError`
    objects standing for inputs that could not be found (reported in their
    place, as :func:`litmus.cli.iter_test_files` yields them).

    What is checked, per test (its *plan*):

    * ``models=None``: each expectation (its ``expect`` lines, then the entry
      of a ``kinds.txt`` beside a test file when ``kinds``), under the model it
      names;
    * ``models`` given (a list, or a function of the test giving one): each of
      these models, compared with the expectations that name it (a model no
      expectation names is only run); with ``expected_only``, only the
      expectations naming one of these models (``litmus check -m``);
    * then each of ``extra_models``, only run.

    ``variants`` are passed to every model; loops are unrolled ``unroll``
    times (None: herd's default, 2; see :func:`litmus.check`). ``timeout`` bounds each check in
    seconds (None or 0: no limit); in worker processes a test that overruns
    its limits by far is stopped by killing its process, and reported as a
    :class:`~litmus.errors.Timeout`. ``jobs`` worker processes check tests in
    parallel (None: the number of cores; with 1, or fewer than
    :data:`POOL_MIN` tests to compute, they are checked in this process).
    With a Dask ``client`` (``distributed.Client``), tests are
    sent to its cluster instead (whose workers must have litmus installed;
    time limits are then the checks' own). ``cache`` (a
    :class:`litmus.cache.ResultCache` or its directory; None: no cache)
    answers the checks already computed and keeps the new ones. With
    ``explain``, a failed expectation gets its one-line reason (see
    :meth:`litmus.explain.Explanation.reason`). ``fail_fast`` stops at the
    first test, in input order, with a failed expectation or an error: the
    list then ends with it.

    ``on_report(report)`` is called with each report, in input order, as soon
    as it and those before it are done; ``progress(done, total, report)`` as
    each test is done, in the order they finish.

    Errors about an input or a check are in its report; raises only
    :class:`~litmus.errors.UsageError` for a ``timeout`` that is not a
    non-negative number of seconds or an ``unroll`` that is not a whole
    number >= 0, ``KeyboardInterrupt`` (the workers stopped
    first) and what ``client`` raises when its cluster goes away.

    With ``strict``, a test's warnings are errors: each is a
    :class:`~litmus.errors.StrictWarning` in its report's ``errors`` (see
    :func:`strict_error`) instead of a line of its ``warnings``, and counts as
    an error (for ``fail_fast`` too); its checks are still made."""
    from .cache import ResultCache
    from .limits import Deadline, unroll_bound

    Deadline(timeout)  # raises UsageError for a limit that is not a number of seconds
    bound = unroll_bound(unroll)
    items = list(tests)
    if cache is not None and not isinstance(cache, ResultCache):
        cache = ResultCache(cache)
    batch = _Batch(models, expected_only, extra_models, variants, cache, timeout, explain,
                   kinds, bound, strict)
    jobs = default_jobs() if not jobs else jobs
    n = len(items)
    done: dict[int, TestReport] = {}
    pending: dict[int, _Pending] = {}
    held: list[_Pending] = []  # work waiting for the choice of an executor
    executor: Any = None
    out: list[TestReport] = []
    state = {"stop": n, "done": 0}  # stop: with fail_fast, the first failing index known

    def finish(i: int, report: TestReport) -> None:
        done[i] = report
        state["done"] += 1
        if progress is not None:
            progress(state["done"], n, report)
        if fail_fast and (report.failed or report.error_count) and i < state["stop"]:
            state["stop"] = i
            for j in [j for j in pending if j > i]:
                del pending[j]
                if executor is not None:
                    executor.cancel(j)

    def choose(exhausted: bool) -> Any:
        if client is not None:
            return _Dask(client)
        if jobs <= 1 or (exhausted and len(held) < POOL_MIN):
            return _Serial()
        return _Processes(jobs)

    next_item = 0
    try:
        from .limits import NO_DEADLINE

        while True:
            while next_item < min(n, state["stop"] + 1) and (
                    executor.room() if executor is not None else len(held) < POOL_MIN):
                i = next_item
                next_item += 1
                p = batch.prepare(i, items[i])
                if isinstance(p, TestReport):
                    finish(i, p)
                    continue
                pending[i] = p
                if executor is None:
                    held.append(p)
                else:
                    executor.submit(i, p.task(batch), p.limit)
            exhausted = next_item >= min(n, state["stop"] + 1)
            if executor is None and held and (len(held) >= POOL_MIN or exhausted):
                executor = choose(exhausted)
                for p in held:
                    if p.index in pending:
                        executor.submit(p.index, p.task(batch), p.limit)
                held.clear()
            while len(out) in done and len(out) <= state["stop"]:
                report = done.pop(len(out))
                out.append(report)
                if on_report is not None:
                    on_report(report)
            if len(out) >= min(n, state["stop"] + 1):
                break
            if executor is None:
                continue
            for i, reply in executor.wait(0.2):
                p = pending.pop(i, None)
                if p is not None:
                    finish(i, batch.complete(p, reply))
            NO_DEADLINE.check()  # Ctrl-C noted by the command line
    finally:
        if executor is not None:
            executor.close()
    return out


# --------------------------------------------------------------------------- Dask


@contextmanager
def dask_client(scheduler: str, jobs: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``litmus check --dask SCHEDULER``: ``local``
    starts a ``LocalCluster`` of ``jobs`` single-threaded worker processes on
    this machine (None: one per core); anything else is the address of a
    running scheduler (``tcp://host:8786``). Closed (and the local cluster
    stopped) on exit. Raises :class:`~litmus.errors.UsageError` when Dask is not
    installed or the scheduler cannot be reached."""
    try:
        import distributed
    except ImportError:
        raise UsageError("--dask needs Dask's distributed scheduler, which is not installed: "
                         "pip install 'dask[distributed]' (or litmus's dask extra: "
                         "pip install '.[dask]' in its checkout)") from None
    import logging

    if scheduler == "local":
        cluster = distributed.LocalCluster(n_workers=jobs or default_jobs(),
                                           threads_per_worker=1, processes=True,
                                           dashboard_address=":0",
                                           silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
        return
    try:
        client = distributed.Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        yield client
    finally:
        client.close()


__all__ = ["Check", "TestReport", "check_many", "dask_client", "default_jobs", "reason_kind",
           "strict_error", "verdict_reason"]
