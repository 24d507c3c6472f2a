"""A pytest plugin: litmus tests checked by a project's own ``pytest`` run.

Installed with litmus (entry point ``pytest11``), it collects nothing until
told where to look, so other projects' runs are not disturbed. Either name
the directories in the pytest configuration::

    [tool.pytest.ini_options]          # pyproject.toml (or [pytest] in pytest.ini)
    litmus_paths = ["tests/litmus"]    # .lit/.litmus files under these are collected
    litmus_models = ["arm", "device"]  # optional: check only these models' expectations
    litmus_timeout = "60"              # optional: seconds per test and model (0: none)

or pass ``--litmus`` to collect every ``.lit``/``.litmus`` file pytest walks
(``pytest --litmus tests/litmus``); ``--litmus-model MODEL`` (repeatable,
or comma-separated) narrows the models. The directories must be among those
pytest collects (its ``testpaths`` or the paths on the command line).

Each test file gives one item per expectation: an ``expect MODEL: WORD`` line
of the test, or a herd ``kinds.txt`` entry beside it (under herd's default
model), named ``TEST[MODEL]``. An item passes when the model's observation is
the one expected; it fails showing expected versus computed, the allowed
states, and why the model allows or forbids the outcome (``litmus
explain``). A file that does not parse, an unknown model, a bad
``kinds.txt`` or a check that times out is an error of its item; a test
without expectations is one skipped item.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .errors import LitmusError, UsageError

if TYPE_CHECKING:
    from collections.abc import Iterator

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

    chosen = list(config.getini("litmus_models")) + list(config.getoption("litmus_model"))
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

        kinds, kinds_error = self._kinds()
        if kinds_error is not None:
            yield LitmusBadInput.from_parent(self, name="kinds.txt", error=kinds_error)
        try:
            test = load(self.path)
        except LitmusError as exc:
            yield LitmusBadInput.from_parent(self, name=self.path.stem, error=exc)
            return
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

    def _kinds(self) -> tuple[dict[str, KindsEntry], LitmusError | None]:
        """The herd ``kinds.txt`` beside this file; a bad one is reported once
        per directory (as an error item of the first file collected there)."""
        from .herdcompat import read_kinds_entries

        cache = self.config.stash.setdefault(_KINDS, {})
        d = self.path.parent
        if d in cache:
            return cache[d], None
        try:
            cache[d] = read_kinds_entries(d)
        except LitmusError as exc:
            cache[d] = {}
            return {}, exc
        return cache[d], None


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


class LitmusBadInput(pytest.Item):
    """A file (or kinds.txt) that could not be read: an error item."""

    def __init__(self, *, error: LitmusError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def setup(self) -> None:
        pytest.fail(str(self.error), pytrace=False)

    def runtest(self) -> None:  # pragma: no cover (setup always fails)
        raise self.error

    def reportinfo(self) -> tuple[Path, int | None, str]:
        pos = self.error.pos
        line = pos.line - 1 if pos is not None and pos.line else None
        return self.path, line, str(self.error)


class LitmusSkip(pytest.Item):
    """A test with no expectation to check: skipped (by its marker), saying so."""

    def runtest(self) -> None:  # pragma: no cover (never run: skipped)
        pass

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, 0, f"{self.name}: no expectation"
