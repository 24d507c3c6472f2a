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

from . import isa
from .diagnostics import Diagnostic, condition_warnings
from .enumerate import Result, Session
from .errors import ParseError, UsageError
from .events import DEFAULT_UNROLL, EventGraph, build_events
from .library import load_model, model_label, stdlib
from .limits import DEFAULT_TIMEOUT, Deadline
from .lowering import lower
from .program import Test
from .syntax.herd import HERD_ARCH_WORDS
from .syntax.source import read_source, strip_bom

# herd's first line: one of herd's architecture words, then the test's name.
# No first line of the mini-DSL looks like that: its header and section
# keywords (test, arch, doc, memory, thread, exists, ...) are not architectures.
_ARCH_WORDS = "|".join(sorted(HERD_ARCH_WORDS, key=len, reverse=True))
_HERD_HEADER = re.compile(rf"(?:{_ARCH_WORDS})[ \t]+\S", re.IGNORECASE)


def detect_format(text: str) -> str:
    """``"herd"`` or ``"dsl"``, from the content (not the file name): ``"herd"``
    when the first line that is neither blank nor a comment starts with one of
    herd's architecture words (``AArch64``, ``X86``, ``PPC``, ``C``, ...,
    supported or not, case-insensitive) followed by a name; ``"dsl"`` otherwise.
    A byte-order mark at the start is ignored. Raises nothing."""
    for line in strip_bom(text).splitlines():
        s = line.strip()
        if not s or s.startswith(("//", "#", "(*")):
            continue
        if _HERD_HEADER.match(s):
            return "herd"
        return "dsl"
    return "dsl"


def parse(text: str, path: str = "<string>", format: str = "auto") -> Test:
    """The test ``text`` holds, in either format (``"dsl"``, ``"herd"`` or
    ``"auto"``: :func:`detect_format`); ``path`` names it in positions. Raises
    :class:`ParseError` for bad text, :class:`UsageError` for an unknown format."""
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

    Returns the test. Raises :class:`ParseError` for bad input, a file that is
    not UTF-8 included (at the line and column of its first bad byte), and
    :class:`UsageError` for a file that cannot be read at all.
    """
    if isinstance(source, Path) or (
        "\n" not in source and (source.endswith((".lit", ".litmus")) or _is_file(source))
    ):
        p = Path(source)
        try:
            text = read_source(p)
        except FileNotFoundError:
            raise UsageError(f"{p}: no such file") from None
        except OSError as exc:
            raise UsageError(f"{p}: cannot read: {exc.strerror or exc}") from None
        return parse(text, str(p), format)
    return parse(str(source), "<string>", format)


def _is_file(name: str) -> bool:
    """Whether ``name`` names a file (False for a name no file can have)."""
    try:
        return Path(name).is_file()
    except (OSError, ValueError):
        return False


# one prepared encoding per recently checked test (and unrolling bound),
# shared across its models
_SESSIONS: OrderedDict[tuple[int, int], tuple[Test, Session]] = OrderedDict()


def _unroll(unroll: int | None) -> int:
    if unroll is None:
        return DEFAULT_UNROLL
    if isinstance(unroll, bool) or not isinstance(unroll, int) or unroll < 0:
        raise UsageError(f"the unrolling bound must be a whole number >= 0, found {unroll!r}")
    return unroll


def session(test: Test, unroll: int | None = None) -> Session:
    """The shared encoding of a test (built once, reused by every model), its
    loops unrolled ``unroll`` times (default: herd's, 2)."""
    n = _unroll(unroll)
    key = (id(test), n)
    hit = _SESSIONS.get(key)
    if hit is not None and hit[0] is test:
        _SESSIONS.move_to_end(key)
        return hit[1]
    s = Session(events(test, n))
    _SESSIONS[key] = (test, s)
    while len(_SESSIONS) > 16:
        _SESSIONS.popitem(last=False)
    return s


def diagnose(test: Test, unroll: int | None = None) -> list[Diagnostic]:
    """Warnings about ``test``'s condition: a register no instruction of its
    thread writes, a location no thread accesses, a value no store or initial
    value can give a location (see :mod:`litmus.diagnostics`)."""
    return condition_warnings(test, session(test, unroll).eg)


def events(test: Test, unroll: int | None = None) -> EventGraph:
    """The event graph of a test (Linux accessors lowered first), built by the
    semantics of the test's architecture (:mod:`litmus.isa`), each backward
    jump taken at most ``unroll`` times on a path (default: herd's, 2)."""
    return build_events(lower(test), isa.get(test.arch), isa.all_tags(),
                        isa.memory_type_sets(), _unroll(unroll))


def check(test: Test | str | Path, model: str | Path = "arm",
          variants: Iterable[str] = (), timeout: float | None = DEFAULT_TIMEOUT, *,
          symbolic: bool = False, unroll: int | None = None) -> Result:
    """Every final state ``model`` allows for ``test``, and the observation.

    ``model`` is a bundled model name (``sc``, ``tso``, ``arm``, ``device``)
    or the path of a ``.cat`` file; ``timeout`` bounds the check in seconds
    (None: no limit). Loops are unrolled as herd unrolls them: a backward
    jump is taken at most ``unroll`` times on a path (default: herd's, 2);
    executions cut short there have no final state, and when the model allows
    one the result has the flag ``loop-bound-reached``. ``symbolic=True``
    evaluates the model with no static shortcut (slower, same answer: for
    testing the shortcuts). Raises
    :class:`~litmus.errors.LitmusError` subclasses: ``ParseError``/
    ``ModelError``/``EncodingError`` for bad input and ``Timeout`` when the
    time limit is reached.
    """
    if not isinstance(test, Test):
        test = load(test)
    deadline = Deadline(timeout, f"{test.source}: {test.name} under {model_label(model)}")
    m = load_model(model)
    s = session(test, unroll)
    ev = s.evaluator(m, stdlib(), variants, symbolic=symbolic, deadline=deadline)
    return s.enumerate(ev, model_label(model), deadline)


def check_models(test: Test | str | Path, models: Sequence[str | Path],
                 timeout: float | None = DEFAULT_TIMEOUT,
                 unroll: int | None = None) -> list[Result]:
    """``check`` under several models, sharing the test's encoding."""
    if not isinstance(test, Test):
        test = load(test)
    return [check(test, m, timeout=timeout, unroll=unroll) for m in models]


__all__ = ["ParseError", "Result", "Test", "check", "check_models", "detect_format",
           "diagnose", "events", "load", "parse", "session"]
