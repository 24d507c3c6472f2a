"""Shared by the corpus tests: one pytest case per (file, model) of the
``expect`` lines, and the check with a message that shows the derivation."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

import litmus
from litmus.program import format_condition

ROOT = Path(__file__).resolve().parent.parent
#: The reference material beside the project: specs, herd's tests and answers.
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference"


@functools.cache
def load(path: Path) -> litmus.Test:
    # one Test object per file, so litmus.check shares its encoding across models
    return litmus.load(path)


def label(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def cases(files: Iterable[Path], name: Callable[[Path], str] = label) -> list:
    """A ``pytest.param(path, model)`` per model a file has expectations for; a
    file that does not parse gives one case that fails with the parse error."""
    out = []
    for path in files:
        try:
            expects = load(path).expects
        except litmus.LitmusError:
            out.append(pytest.param(path, None, id=f"{name(path)}-load"))
            continue
        for model in dict.fromkeys(e.model for e in expects):
            out.append(pytest.param(path, model, id=f"{name(path)}-{model}"))
    return out


def check_expectations(path: Path, model: str | None) -> None:
    """Every expect line of ``path`` for ``model`` holds, or fail with the
    allowed states and the test's doc (where its derivation is written)."""
    test = load(path)  # a parse error fails here, with its message
    assert model is not None
    result = litmus.check(test, model)
    for exp in (e for e in test.expects if e.model == model):
        if exp.holds(result.observation):
            continue
        states = "\n    ".join(
            f"{s}{'   <- condition holds' if s.satisfies else ''}" for s in result.states
        ) or "(no allowed state)"
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        line = f":{exp.pos.line}" if exp.pos is not None else ""
        pytest.fail(
            f"{where}{line}: {test.name} under {model}: expected {exp.word}, "
            f"got {result.observation}\n  condition: {format_condition(test.condition)}\n"
            f"  allowed states:\n    {states}\n  derivation (doc): {test.doc}",
            pytrace=False,
        )
