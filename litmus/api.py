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
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ParseError, Pos, UsageError
from .library import load_model, model_label, stdlib
from .limits import DEFAULT_TIMEOUT, Deadline, unroll_bound
from .program import Test
from .syntax.source import read_source, strip_bom

# The engine (z3, networkx) and the parsers (lark) are imported by the
# functions that need them, so that importing this module stays cheap.
if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .enumerate import Result, Session
    from .events import EventGraph
    from .model import Model


@cache
def _herd_header() -> re.Pattern[str]:
    """herd's first line: one of herd's architecture words, then the test's
    name. No first line of the mini-DSL looks like that: its header and section
    keywords (test, arch, doc, memory, thread, exists, ...) are not
    architectures."""
    from .syntax.herd import HERD_ARCH_WORDS

    words = "|".join(sorted(HERD_ARCH_WORDS, key=len, reverse=True))
    return re.compile(rf"(?:{words})[ \t]+\S", re.IGNORECASE)


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
        if _herd_header().match(s):
            return "herd"
        return "dsl"
    return "dsl"


def parse(text: str, path: str = "<string>", format: str = "auto") -> Test:
    """The test ``text`` holds, in either format (``"dsl"``, ``"herd"`` or
    ``"auto"``: :func:`detect_format`); ``path`` names it in positions. Raises
    :class:`ParseError` for bad text (a text of more than
    :data:`~litmus.limits.MAX_SOURCE_LINES` lines included, before it is read),
    :class:`UsageError` for an unknown format."""
    from .limits import MAX_SOURCE_LINES

    if text.count("\n") >= MAX_SOURCE_LINES:
        raise ParseError(f"the test has more than {MAX_SOURCE_LINES} lines (the limit for "
                         "one test; a test within the event limits is far shorter)",
                         Pos(path, MAX_SOURCE_LINES + 1, 1))
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
    :class:`UsageError` for a file that cannot be read at all, and for a
    directory.
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
    if "\n" not in source and _is_dir(source):
        raise UsageError(f"{source}: is a directory (load reads one test file)")
    return parse(str(source), "<string>", format)


def _is_dir(name: str) -> bool:
    """Whether ``name`` names a directory (False for a name none can have)."""
    try:
        return Path(name).is_dir()
    except (OSError, ValueError):
        return False


def _is_file(name: str) -> bool:
    """Whether ``name`` names a file (False for a name no file can have)."""
    try:
        return Path(name).is_file()
    except (OSError, ValueError):
        return False


# one prepared encoding per recently checked test (and unrolling bound),
# shared across its models
_SESSIONS: OrderedDict[tuple[int, int], tuple[Test, Session]] = OrderedDict()


def session(test: Test, unroll: int | None = None,
            deadline: Deadline | None = None) -> Session:
    """The shared encoding of a test (built once, reused by every model), its
    loops unrolled ``unroll`` times (default: herd's, 2). Raises
    :class:`~litmus.errors.UsageError` for a bad bound,
    :class:`~litmus.errors.EncodingError` for a test the engine cannot run,
    and :class:`~litmus.errors.Timeout` when ``deadline`` passes while the
    events are built or encoded (nothing is kept then)."""
    from .enumerate import Session
    from .limits import NO_DEADLINE

    n = unroll_bound(unroll)
    key = (id(test), n)
    hit = _SESSIONS.get(key)
    if hit is not None and hit[0] is test:
        _SESSIONS.move_to_end(key)
        return hit[1]
    deadline = deadline or NO_DEADLINE
    s = Session(events(test, n, deadline), deadline)
    _SESSIONS[key] = (test, s)
    while len(_SESSIONS) > 16:
        _SESSIONS.popitem(last=False)
    return s


def diagnose(test: Test, unroll: int | None = None,
             deadline: Deadline | None = None) -> list[Diagnostic]:
    """Warnings about ``test``: first what reading it ignored as herd7 does
    (:attr:`Test.warnings`), then about its condition: a register no
    instruction of its thread writes, a location no thread accesses, a value
    no store or initial value can give a location (see
    :mod:`litmus.diagnostics`). Raises :class:`~litmus.errors.EncodingError`
    for a test the engine cannot run, :class:`~litmus.errors.Timeout` when
    ``deadline`` passes while its events are built."""
    from .diagnostics import Diagnostic, condition_warnings

    read = [Diagnostic(message, pos) for message, pos in test.warnings]
    return read + condition_warnings(test, session(test, unroll, deadline).eg)


def events(test: Test, unroll: int | None = None,
           deadline: Deadline | None = None) -> EventGraph:
    """The event graph of a test (Linux accessors lowered first), built by the
    semantics of the test's architecture (:mod:`litmus.isa`), each backward
    jump taken at most ``unroll`` times on a path (default: herd's, 2).
    Raises :class:`~litmus.errors.EncodingError` for a test the engine cannot
    run, :class:`~litmus.errors.Timeout` when ``deadline`` passes meanwhile."""
    from . import isa
    from .events import build_events
    from .lowering import lower

    tick = deadline.check if deadline is not None else None
    lowered = lower(test)
    if deadline is not None:
        deadline.check()
    return build_events(lowered, isa.get(test.arch), isa.all_tags(),
                        isa.memory_type_sets(), unroll_bound(unroll), tick)


#: Bundled models written for one architecture's programs only: the Arm models
#: know AArch64's barriers, not x86's fences (tso reads an AArch64 program as
#: x86 would run it; the reverse is not defined).
ARCH_OF_MODEL = {"arm": "aarch64", "device": "aarch64"}


def check_applies(test: Test, model: str | Path) -> None:
    """Raise :class:`UsageError` when a bundled model is not defined for the
    test's architecture (``arm`` or ``device`` on an x86 test)."""
    arch = ARCH_OF_MODEL.get(model_label(model))
    if arch is not None and test.arch != arch:
        raise UsageError(f"{test.source}: model {model_label(model)} is for AArch64 tests; "
                         f"this test is {test.arch} (use sc or tso)")


def check(test: Test | str | Path, model: str | Path | Model = "arm",
          variants: Iterable[str] = (), timeout: float | None = DEFAULT_TIMEOUT, *,
          symbolic: bool = False, unroll: int | None = None) -> Result:
    """Every final state ``model`` allows for ``test``, and the observation.

    ``test`` is a :class:`Test`, or what :func:`load` takes (a path or the
    test's text). ``model`` is a bundled model name (``sc``, ``tso``,
    ``arm``, ``device``, case-insensitive), the path of a ``.cat`` file, or a
    :class:`~litmus.model.Model` (:meth:`Model.from_text
    <litmus.model.Model.from_text>`, :meth:`Model.from_file
    <litmus.model.Model.from_file>`); ``variants`` are the cat variants
    enabled (``if "name" ...``); ``timeout`` bounds the check in seconds
    (None: no limit). Loops are unrolled as herd unrolls them: a backward
    jump is taken at most ``unroll`` times on a path (default: herd's, 2);
    executions cut short there have no final state, and when the model allows
    one the result has the flag ``loop-bound-reached``. ``symbolic=True``
    evaluates the model with no static shortcut (slower, same answer: for
    testing the shortcuts).

    Returns a :class:`~litmus.enumerate.Result`. Raises
    :class:`~litmus.errors.LitmusError` subclasses: ``ParseError``/
    ``ModelError``/``EncodingError`` for bad input, ``UsageError`` for an
    unknown model name or a missing file, and ``Timeout`` when the time limit
    is reached.
    """
    deadline = Deadline(timeout)  # from the start: reading the test counts too
    if not isinstance(test, Test):
        test = load(test)
    deadline.what = f"{test.source}: {test.name} under {model_label(model)}"
    return check_within(test, model, deadline, variants, symbolic=symbolic, unroll=unroll)


def check_within(test: Test, model: str | Path | Model, deadline: Deadline,
                 variants: Iterable[str] = (), *, symbolic: bool = False,
                 unroll: int | None = None) -> Result:
    """:func:`check` of a parsed test under a :class:`~litmus.limits.Deadline`
    already running (one shared with earlier work on the test, such as
    :func:`diagnose`'s, so that the whole stays within one limit). Every
    phase -- building the events, encoding them, evaluating the model,
    enumerating the outcomes -- looks at the deadline. Returns and raises as
    :func:`check` does."""
    deadline.check()
    check_applies(test, model)
    m = load_model(model)
    s = session(test, unroll, deadline)
    ev = s.evaluator(m, stdlib(), variants, symbolic=symbolic, deadline=deadline)
    result = s.enumerate(ev, model_label(model), deadline)
    if m is model:  # given as a Model: keep it, for Result.explain()
        result = replace(result, model_def=m)
    return result


def check_models(test: Test | str | Path, models: Sequence[str | Path | Model],
                 timeout: float | None = DEFAULT_TIMEOUT,
                 unroll: int | None = None) -> list[Result]:
    """:func:`check` under each of ``models`` (names, paths or
    :class:`~litmus.model.Model`), sharing the test's encoding; returns the
    results in the order of ``models``. Raises what :func:`check` raises, at
    the first model that fails."""
    if not isinstance(test, Test):
        test = load(test)
    return [check(test, m, timeout=timeout, unroll=unroll) for m in models]


__all__ = ["ParseError", "Test", "check", "check_models", "detect_format",
           "diagnose", "events", "load", "parse", "session"]
