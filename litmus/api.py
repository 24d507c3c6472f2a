"""The Python API: load tests, check them under models.

>>> import litmus
>>> test = litmus.load("tests/litmus/MP.lit")
>>> result = litmus.check(test, model="arm")
>>> result.observation, [str(s) for s in result.states]
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

from .enumerate import Result, Session
from .errors import ParseError, UsageError
from .events import EventGraph, build_events
from .library import load_model, model_label, stdlib
from .lowering import lower
from .program import Test

_HERD_HEADER = re.compile(r"^\s*(AArch64|ARM64|X86_64|X86|x86|x86_64)\s+\S", re.MULTILINE)


def detect_format(text: str) -> str:
    """``"herd"`` or ``"dsl"``, from the content (not the file name)."""
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith(("//", "#", "(*")):
            continue
        if _HERD_HEADER.match(s):
            return "herd"
        return "dsl"
    return "dsl"


def parse(text: str, path: str = "<string>", format: str = "auto") -> Test:
    """Parse test text in either format."""
    fmt = detect_format(text) if format == "auto" else format
    if fmt == "herd":
        from .syntax.herd import parse_herd

        return parse_herd(text, path)
    if fmt == "dsl":
        from .syntax.dsl import parse_dsl

        return parse_dsl(text, path)
    raise UsageError(f"unknown test format '{format}' (dsl, herd or auto)")


def load(source: str | Path, format: str = "auto") -> Test:
    """Load a test from a file path, or from its text.

    ``source`` is taken as a path when such a file exists (or it ends in
    ``.lit``/``.litmus``), as the test's text otherwise. The format is
    detected from the content unless given (``"dsl"`` or ``"herd"``).
    """
    if isinstance(source, Path) or (
        "\n" not in source and (source.endswith((".lit", ".litmus")) or Path(source).is_file())
    ):
        p = Path(source)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"{p}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{p}: cannot read: {exc}") from None
        return parse(text, str(p), format)
    return parse(str(source), "<string>", format)


# one prepared encoding per recently checked test, shared across its models
_SESSIONS: OrderedDict[int, tuple[Test, Session]] = OrderedDict()


def session(test: Test) -> Session:
    """The shared encoding of a test (built once, reused by every model)."""
    key = id(test)
    hit = _SESSIONS.get(key)
    if hit is not None and hit[0] is test:
        _SESSIONS.move_to_end(key)
        return hit[1]
    s = Session(events(test))
    _SESSIONS[key] = (test, s)
    while len(_SESSIONS) > 16:
        _SESSIONS.popitem(last=False)
    return s


def events(test: Test) -> EventGraph:
    """The event graph of a test (Linux accessors lowered first)."""
    return build_events(lower(test))


def check(test: Test | str | Path, model: str | Path = "arm",
          variants: Iterable[str] = (), *, symbolic: bool = False) -> Result:
    """Every final state ``model`` allows for ``test``, and the observation.

    ``model`` is a bundled model name (``sc``, ``tso``, ``arm``, ``device``)
    or the path of a ``.cat`` file. ``symbolic=True`` evaluates the model
    with no static shortcut (slower, same answer: for testing the shortcuts).
    """
    if not isinstance(test, Test):
        test = load(test)
    m = load_model(model)
    s = session(test)
    ev = s.evaluator(m, stdlib(), variants, symbolic=symbolic)
    return s.enumerate(ev, model_label(model))


def check_models(test: Test | str | Path, models: Sequence[str | Path]) -> list[Result]:
    """``check`` under several models, sharing the test's encoding."""
    if not isinstance(test, Test):
        test = load(test)
    return [check(test, m) for m in models]


__all__ = ["ParseError", "Result", "Test", "check", "check_models", "detect_format", "events",
           "load", "parse", "session"]
