"""Working next to herd7: its kinds.txt expectations and its logs.

* :func:`kind_expectation` turns a ``kinds.txt`` verdict (``Allowed``,
  ``Forbidden``, ``Required``) into an expectation on a test's observation
  under the architecture's default model; :func:`read_kinds_entries` reads a
  directory's ``kinds.txt`` with where each entry is written,
  :func:`kinds_tests` finds the tests it names and :func:`unmatched_kinds`
  warns about the entries that name no test.
* :func:`compare_log` runs our tool on the tests a herd7 log names and
  reports where the two disagree (final states and observation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .api import check, load
from .errors import LitmusError, Pos, UsageError
from .library import DEFAULT_MODEL
from .program import Expect, Test
from .syntax.herdlog import HerdRecord
from .syntax.kinds import KindsEntry

if TYPE_CHECKING:
    from .diagnostics import Diagnostic

#: kinds.txt verdict -> the expectation it stands for on the observation
KIND_WORD = {"Allowed": "allowed", "Forbidden": "forbidden", "Required": "always"}


def kind_expectation(test: Test, kind: str | KindsEntry, pos: Pos | None = None) -> Expect:
    """The expectation a ``kinds.txt`` line states, under herd's default model;
    ``kind`` is the kind (as herd spells it: ``Allowed``, ``Forbidden``,
    ``Required``), or the entry (:func:`read_kinds_entries`), whose position
    becomes the expectation's (else ``pos``). Raises ``KeyError`` for another
    kind (:func:`~litmus.syntax.kinds.parse_kinds` gives none)."""
    if isinstance(kind, KindsEntry):
        kind, pos = kind.kind, kind.pos
    return Expect(model=DEFAULT_MODEL[test.arch], word=KIND_WORD[kind],  # type: ignore[arg-type]
                  pos=pos)


def read_kinds(directory: Path) -> dict[str, str]:
    """The ``kinds.txt`` of a directory, ``{test name: kind}`` (empty if it has
    none). Raises :class:`~litmus.errors.ParseError` for a malformed one,
    :class:`~litmus.errors.UsageError` for one that cannot be read."""
    return {name: e.kind for name, e in read_kinds_entries(directory).items()}


def read_kinds_entries(directory: Path) -> dict[str, KindsEntry]:
    """The ``kinds.txt`` of a directory, ``{test name: KindsEntry(kind, pos)}``
    with where each entry is written (empty if it has none); raises as
    :func:`read_kinds` does."""
    from .syntax.kinds import parse_kinds_entries

    p = directory / "kinds.txt"
    if not p.is_file():
        return {}
    from .syntax.source import read_source

    try:
        return parse_kinds_entries(read_source(p), str(p))
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc}", Pos(str(p))) from None


#: The suffixes of test files (a ``kinds.txt`` speaks of the tests in these).
TEST_SUFFIXES = (".lit", ".litmus")


def directory_test_files(directory: Path) -> list[Path]:
    """The test files (``.lit``, ``.litmus``) of ``directory`` itself, not of
    its subdirectories, sorted. Raises :class:`~litmus.errors.UsageError` for a
    directory that cannot be read."""
    try:
        return sorted(f for f in directory.iterdir()
                      if f.suffix in TEST_SUFFIXES and f.is_file())
    except OSError as exc:
        raise UsageError(f"cannot read this directory ({exc.strerror or exc})",
                         Pos(str(directory))) from None


def kinds_tests(kinds: Path) -> list[Path]:
    """The test files a herd ``kinds.txt`` names: the test files of its
    directory (not of its subdirectories) whose test (named by its ``test``
    line or herd header, as :func:`kind_expectation` is matched) it lists;
    sorted by path. Files that do not parse are left out (their error is
    reported when they are checked). Raises :class:`~litmus.errors.LitmusError`
    for a ``kinds.txt`` or a directory that cannot be read, or a ``kinds.txt``
    that does not parse."""
    entries = read_kinds_entries(kinds.parent)
    out = []
    for f in directory_test_files(kinds.parent):
        try:
            if load(f).name in entries:
                out.append(f)
        except LitmusError:
            continue
    return out


def unmatched_kinds(directory: Path, known: Mapping[Path, str | None] | None = None
                    ) -> list[Diagnostic]:
    """A warning for each entry of ``directory``'s ``kinds.txt`` that names a
    test which no test file of the directory holds (a test is named by its
    ``test`` line or herd header, not by its file name), at the entry's
    position, with a suggestion when a test of a close name is there. A file
    that does not parse is taken to hold the test of its file stem (its error
    is reported apart). ``known`` maps files already parsed to their test's
    name (None: it does not parse); the others are parsed only while an entry
    is unmatched. Empty without a ``kinds.txt``; raises
    :class:`~litmus.errors.LitmusError` for one (or a directory) that cannot
    be read, or a ``kinds.txt`` that does not parse."""
    from .diagnostics import Diagnostic
    from .syntax.instructions import did_you_mean

    entries = read_kinds_entries(directory)
    if not entries:
        return []
    known = known or {}
    files = directory_test_files(directory)
    held: set[str] = set()
    for f in files:
        if f in known:
            held.add(known[f] or f.stem)
    for f in files:
        if all(name in held for name in entries):
            break
        if f in known:
            continue
        try:
            held.add(load(f).name)
        except LitmusError:
            held.add(f.stem)
    return [Diagnostic(f"kinds.txt names test '{name}', which no test file of its directory "
                       f"holds{did_you_mean(name, sorted(held - set(entries)))}", e.pos)
            for name, e in entries.items() if name not in held]


@dataclass
class Comparison:
    """How our result on one test compares with herd7's log."""

    name: str
    model: str
    file: str | None = None
    same: bool = False
    ours_only: list[str] = field(default_factory=list)
    herd_only: list[str] = field(default_factory=list)
    our_observation: str = ""
    herd_observation: str = ""
    missing: bool = False  # no test file found for this log record
    error: str = ""  # the test could not be run (its message), or several files match

    def describe(self) -> str:
        if self.missing:
            return f"{self.name}: no test file found (give it on the command line)"
        if self.error:
            return f"{self.name}: {self.error}"
        if self.same:
            return f"{self.name}: same ({self.herd_observation}, {self.model})"
        parts = [f"{self.name} ({self.file}, {self.model}): "]
        if self.our_observation != self.herd_observation:
            parts.append(f"observation {self.our_observation}, herd7 {self.herd_observation}; ")
        if self.ours_only:
            parts.append(f"states only we allow: {'; '.join(f'[{s}]' for s in self.ours_only)}; ")
        if self.herd_only:
            parts.append(f"states only herd7 allows: "
                         f"{'; '.join(f'[{s}]' for s in self.herd_only)}")
        return "".join(parts).rstrip("; ")


@dataclass
class TestIndex:
    """The test files of a directory tree, by test name and by file stem.

    ``unreadable`` holds the files that do not parse, with their error (they
    are indexed by stem, so a log record naming them reports the error)."""

    by_name: dict[str, list[Path]] = field(default_factory=dict)
    unreadable: dict[Path, LitmusError] = field(default_factory=dict)

    def find(self, name: str) -> list[Path]:
        return self.by_name.get(name, [])


def index_tests(paths: Iterable[Path]) -> TestIndex:
    """Index test files by the name inside them and by their stem."""
    index = TestIndex()
    for p in paths:
        names = {p.stem}
        try:
            names.add(load(p).name)
        except LitmusError as exc:
            index.unreadable[p] = exc
        for n in names:
            files = index.by_name.setdefault(n, [])
            if p not in files:
                files.append(p)
    return index


def compare_log(records: list[HerdRecord], tests: TestIndex,
                model: str | None = None) -> list[Comparison]:
    """Run each test a herd log names and compare states and observation.

    A record whose name matches no file is ``missing``; one whose name several
    files hold (two tests of one name) is an ``error`` naming them, never a
    guess; a test that cannot be run is an ``error`` with its message. Every
    record gets its comparison."""
    out = []
    for rec in records:
        paths = tests.find(rec.name)
        if not paths:
            out.append(Comparison(rec.name, model or "?", missing=True,
                                  herd_observation=rec.observation))
            continue
        if len(paths) > 1:
            out.append(Comparison(
                rec.name, model or "?", herd_observation=rec.observation,
                error="several files hold a test of this name: " + ", ".join(map(str, paths))
                + " (give the one to compare on the command line)"))
            continue
        path = paths[0]
        try:
            test = load(path)
            m = model or DEFAULT_MODEL[test.arch]
            r = check(test, m)
        except LitmusError as exc:
            out.append(Comparison(rec.name, model or "?", file=str(path),
                                  herd_observation=rec.observation, error=str(exc)))
            continue
        ours = {s.herd_key() for s in r.states}
        herd = set(rec.states)
        obs = r.observation.capitalize()
        out.append(Comparison(
            name=rec.name, model=r.model, file=str(path),
            same=ours == herd and obs == rec.observation,
            ours_only=sorted(ours - herd), herd_only=sorted(herd - ours),
            our_observation=obs, herd_observation=rec.observation))
    if not records:
        raise UsageError("the herd log holds no test results")
    return out
