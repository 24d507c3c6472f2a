"""A pytest plugin: litmus tests checked by a project's own ``pytest`` run.

Installed with litmus (entry point ``pytest11``), it collects nothing until
told where to look, so other projects' runs are not disturbed. Either name
the directories in the pytest configuration::

    [tool.pytest.ini_options]          # pyproject.toml (or [pytest] in pytest.ini)
    litmus_paths = ["tests/litmus"]    # .lit/.litmus files under these are collected
    litmus_models = ["arm", "device"]  # optional: check only these models' expectations
    litmus_timeout = "60"              # optional: seconds per test and model (0: none)
    litmus_strict = true               # optional: a warning is an error item

or pass ``--litmus`` to collect every ``.lit``/``.litmus`` file pytest walks
(``pytest --litmus tests/litmus``); ``--litmus-model MODEL`` (repeatable,
or comma-separated) narrows the models, in place of ``litmus_models``. The directories must be among those
pytest collects (its ``testpaths`` or the paths on the command line).

Each test file gives one item per expectation: an ``expect MODEL: WORD`` line
of the test, or a herd ``kinds.txt`` entry beside it (under herd's default
model), named ``TEST[MODEL]``. An item passes when the model's observation is
the one expected; it fails showing expected versus computed, the allowed
states, and why the model allows or forbids the outcome (``litmus
explain``). A file that does not parse, an unknown model, a bad
``kinds.txt`` or a check that times out is an error of its item; a test
without expectations is one skipped item.

A warning -- a condition on a register nothing writes, a location nothing
accesses or a value no store gives; a ``kinds.txt`` entry that names no test
of its directory -- is a pytest warning (in the warnings summary), or with
``litmus_strict`` an error item of its own (``TEST[warnings]``,
``kinds.txt[warnings]``), as ``litmus check --strict`` makes it an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .errors import LitmusError, UsageError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from .enumerate import Result
    from .program import Expect, Test
    from .syntax.kinds import KindsEntry

#: The suffixes of the files collected.
SUFFIXES = (".lit", ".litmus")

_KINDS = pytest.StashKey[dict[Path, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("litmus", "litmus tests (.lit, .litmus)")
    group.addoption("--litmus", action="store_true", default=False,
                    help="collect .lit and .litmus files wherever pytest collects files")
    group.addoption("--litmus-model", action="append", default=[], metavar="MODEL",
                    help="check only the expectations of these models (repeatable, or "
                         "comma-separated)")
    parser.addini("litmus_paths", type="paths", default=[],
                  help="directories whose .lit and .litmus files are collected as tests")
    parser.addini("litmus_models", type="args", default=[],
                  help="check only the expectations of these models")
    parser.addini("litmus_timeout", default="60",
                  help="time limit per litmus test and model, in seconds (0: none)")
    parser.addini("litmus_strict", type="bool", default=False,
                  help="make each warning about a litmus test (its condition, a kinds.txt "
                       "entry naming no test) an error item")


def _enabled(config: pytest.Config, path: Path) -> bool:
    if config.getoption("litmus"):
        return True
    for root in config.getini("litmus_paths"):
        root = Path(root)
        if path == root or root in path.parents:
            return True
    return False


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> LitmusFile | None:
    if file_path.suffix in SUFFIXES and _enabled(parent.config, file_path):
        return LitmusFile.from_parent(parent, path=file_path)
    return None


def _models(config: pytest.Config) -> set[str]:
    """The canonical names of the models to check (empty: every model)."""
    from .library import canonical_name

    # the command line's models replace the ini's, as pytest's options do
    chosen = list(config.getoption("litmus_model")) or list(config.getini("litmus_models"))
    return {canonical_name(n.strip()) for v in chosen for n in v.split(",") if n.strip()}


def _timeout(config: pytest.Config) -> float | None:
    text = str(config.getini("litmus_timeout")).strip()
    try:
        value = float(text)
    except ValueError:
        raise pytest.UsageError(f"litmus_timeout: expected a number of seconds, found "
                                f"'{text}'") from None
    return value if value > 0 else None


#: What time-out messages say sets the limit here.
LIMIT_NAME = "the litmus_timeout ini option"


class LitmusFile(pytest.File):
    """A ``.lit``/``.litmus`` file: an item per expectation of its test."""

    def collect(self) -> Iterator[pytest.Item]:
        from .api import load
        from .herdcompat import kind_expectation
        from .library import canonical_name

        kinds, kinds_error, first = self._kinds()
        if kinds_error is not None:
            yield LitmusBadInput.from_parent(self, name="kinds.txt", error=kinds_error)
        elif first:
            yield from self._warned("kinds.txt[warnings]", self._kinds_warnings())
        try:
            test = load(self.path)
        except LitmusError as exc:
            yield LitmusBadInput.from_parent(self, name=self.path.stem, error=exc)
            return
        yield from self._warned(f"{test.name}[warnings]", self._warnings(test))
        expects: list[tuple[Expect, str]] = [
            (e, str(e.pos) if e.pos else str(self.path)) for e in test.expects]
        if test.name in kinds:
            exp = kind_expectation(test, kinds[test.name])
            expects.append((exp, str(exp.pos)))
        if not expects:
            item = LitmusSkip.from_parent(self, name=test.name)
            item.add_marker(pytest.mark.skip(
                reason=f"{test.name}: no expect line and no kinds.txt entry: nothing to check"))
            yield item
            return
        only = _models(self.config)
        timeout = _timeout(self.config)
        seen: dict[str, int] = {}
        for exp, where in expects:
            if only and canonical_name(exp.model) not in only:
                continue
            name = f"{test.name}[{exp.model}]"
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{test.name}[{exp.model}-{seen[name]}]"
            yield LitmusItem.from_parent(self, name=name, test=test, expect=exp, where=where,
                                         timeout=timeout)

    def _kinds(self) -> tuple[dict[str, KindsEntry], LitmusError | None, bool]:
        """The herd ``kinds.txt`` beside this file, its error, and whether this
        is the first file collected in its directory: a bad one, and the
        warnings about one, are reported once per directory (with the first
        file collected there)."""
        from .herdcompat import read_kinds_entries

        cache = self.config.stash.setdefault(_KINDS, {})
        d = self.path.parent
        if d in cache:
            return cache[d], None, False
        try:
            cache[d] = read_kinds_entries(d)
        except LitmusError as exc:
            cache[d] = {}
            return {}, exc, True
        return cache[d], None, True

    def _kinds_warnings(self) -> list[str]:
        """The warnings about this directory's ``kinds.txt``: its entries that
        name no test of the directory."""
        from .herdcompat import unmatched_kinds

        try:
            return [str(w) for w in unmatched_kinds(self.path.parent)]
        except LitmusError:  # reported as the kinds.txt item's error
            return []

    def _warnings(self, test: Test) -> list[str]:
        """The warnings about the test's condition (none when its events cannot
        be built in time: its items report that)."""
        from .api import diagnose
        from .limits import Deadline, limit_named

        try:
            with limit_named(LIMIT_NAME):
                deadline = Deadline(_timeout(self.config), f"{test.source}: {test.name}")
                return [str(w) for w in diagnose(test, deadline=deadline)]
        except LitmusError:
            return []

    def _warned(self, name: str, warnings: list[str]) -> Iterator[pytest.Item]:
        """The warnings as pytest warnings of this file; with ``litmus_strict``,
        as one error item named ``name`` instead."""
        from .batch import strict_error

        if not warnings:
            return
        if self.config.getini("litmus_strict"):
            errors = [strict_error(w) for w in warnings]
            yield LitmusBadInput.from_parent(self, name=name, error=errors[0], more=errors[1:])
            return
        for w in warnings:
            self.warn(LitmusWarning(w))


class LitmusItem(pytest.Item):
    """One expectation of one test under one model."""

    def __init__(self, *, test: Test, expect: Expect, where: str, timeout: float | None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.test = test
        self.expect = expect
        self.where = where
        self.timeout = timeout
        self.result: Result | None = None

    def setup(self) -> None:
        # the check itself: what keeps it from giving an answer (an unknown
        # model, a bad .cat file, a timeout) is an error of this item, not a failure
        from .api import check
        from .library import model_path
        from .limits import limit_named

        try:
            model_path(self.expect.model)
        except UsageError as exc:
            pytest.fail(str(UsageError(exc.message, self.expect.pos)), pytrace=False)
        try:
            with limit_named(LIMIT_NAME):
                self.result = check(self.test, self.expect.model, timeout=self.timeout)
        except LitmusError as exc:
            pytest.fail(str(exc), pytrace=False)

    def runtest(self) -> None:
        assert self.result is not None
        got = self.result.observation
        self.user_properties += [("expected", self.expect.word), ("observed", got)]
        if not self.expect.holds(got):
            raise ExpectationFailed(self.expect.word, got)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str | Any:
        if isinstance(excinfo.value, ExpectationFailed) and self.result is not None:
            return failure_text(self.result, self.expect.word, self.where, self.timeout)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        pos = self.expect.pos
        line = pos.line - 1 if pos and pos.line else None
        # a kinds.txt entry is written in the kinds.txt, not in the test file
        path = Path(pos.file) if pos and pos.file != str(self.path) else self.path
        return path, line, f"{self.test.name} under {self.expect.model}: expect {self.expect.word}"


class ExpectationFailed(Exception):
    """A model's observation is not the one a test expects."""

    def __init__(self, expected: str, got: str) -> None:
        super().__init__(f"expected {expected}, got {got}")
        self.expected = expected
        self.got = got


def failure_text(result: Result, expected: str, where: str, timeout: float | None) -> str:
    """What a failed expectation shows: expected versus computed, the report
    of the allowed states, and the explanation of the verdict."""
    # `from .report import` (not `from . import report`): it finds the module in
    # sys.modules, so a run that re-imports litmus (pytester's) gets the new one
    from .explain import explain
    from .limits import limit_named
    from .report import text

    test = result.test
    flags = f" [flags: {', '.join(result.flags)}]" if result.flags else ""
    head = (f"{where}: {test.name} under {result.model}: expected {expected}, "
            f"got {result.observation}{flags}")
    lines = [head, "", text(result), ""]
    try:
        with limit_named(LIMIT_NAME):
            x = explain(test, result.model_def or result.model, timeout=timeout)
    except LitmusError as exc:
        lines.append(f"Why: (no explanation: {exc})")
    else:
        lines += [f"Why: {x.reason()}", "", x.text()]
    return "\n".join(lines).rstrip() + "\n"


class LitmusWarning(pytest.PytestWarning):
    """A warning about a litmus test or a ``kinds.txt`` (without ``litmus_strict``)."""


class LitmusBadInput(pytest.Item):
    """A file (or kinds.txt) that could not be read, or (with ``litmus_strict``)
    warnings about one: an error item, reporting ``error`` and ``more``."""

    def __init__(self, *, error: LitmusError, more: Sequence[LitmusError] = (),
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error
        self.more = tuple(more)

    def setup(self) -> None:
        pytest.fail("\n".join(str(e) for e in (self.error, *self.more)), pytrace=False)

    def runtest(self) -> None:  # pragma: no cover (setup always fails)
        raise self.error

    def reportinfo(self) -> tuple[Path, int | None, str]:
        pos = self.error.pos
        line = pos.line - 1 if pos is not None and pos.line else None
        path = Path(pos.file) if pos is not None and pos.file and Path(pos.file).is_file() \
            else self.path
        return path, line, str(self.error)


class LitmusSkip(pytest.Item):
    """A test with no expectation to check: skipped (by its marker), saying so."""

    def runtest(self) -> None:  # pragma: no cover (never run: skipped)
        pass

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, 0, f"{self.name}: no expectation"
