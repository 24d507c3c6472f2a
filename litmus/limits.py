"""Time limits: every check is bounded.

A :class:`Deadline` is handed down the pipeline; the solver gets the time that
remains for each call, and long Python loops call :meth:`Deadline.check`.
Running out raises :class:`~litmus.errors.Timeout` ("timed out after N s"),
which the command line reports with exit status 2.
"""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import Timeout, UsageError

#: The time limit of one test under one model, in seconds, when none is given.
DEFAULT_TIMEOUT = 60.0

#: How many times a backward jump is taken on one path: herd7's default for
#: its ``-unroll`` option (herd's ``opts.ml``/``mem.ml``; herd's manual: "The
#: setting -unroll n performs backwards jumps n times ... Default is 2").
DEFAULT_UNROLL = 2

#: The most lines a test may have: checked before it is parsed, so a huge file
#: is one error at once rather than a long parse (which a time limit does not
#: cover). A test within the event limits is a few hundred lines at most.
MAX_SOURCE_LINES = 10_000


def unroll_bound(unroll: int | None) -> int:
    """The unrolling bound ``unroll`` stands for: :data:`DEFAULT_UNROLL` for
    None. Raises :class:`~litmus.errors.UsageError` for anything but a whole
    number >= 0."""
    if unroll is None:
        return DEFAULT_UNROLL
    if isinstance(unroll, bool) or not isinstance(unroll, int) or unroll < 0:
        raise UsageError(f"the unrolling bound must be a whole number >= 0, found {unroll!r}")
    return unroll


class Deadline:
    """A point in time by which a check must end; ``seconds=None`` (or 0) is
    no limit."""

    def __init__(self, seconds: float | None = DEFAULT_TIMEOUT, what: str = "") -> None:
        """Raises :class:`~litmus.errors.UsageError` for a limit that is not a
        non-negative number of seconds; 0, None and infinity mean no limit."""
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(
                seconds, (int, float)) or math.isnan(seconds) or seconds < 0):
            raise UsageError(f"timeout must be a non-negative number of seconds, not "
                             f"{seconds!r}")
        self.seconds = seconds if seconds and seconds < float("inf") else None
        self.what = what
        self.end = time.monotonic() + self.seconds if self.seconds else None

    def named(self, what: str) -> Deadline:
        """The same deadline (it ends at the same moment), its time-out
        message saying ``what`` ran out of time. Raises nothing."""
        other = Deadline(None, what)
        other.seconds, other.end = self.seconds, self.end
        return other

    def remaining(self) -> float | None:
        """Seconds left (at least 0), or None without a limit."""
        if self.end is None:
            return None
        return max(0.0, self.end - time.monotonic())

    def expired(self) -> bool:
        return self.end is not None and time.monotonic() >= self.end

    def check(self) -> None:
        """Raise :class:`Timeout` if the deadline has passed, or
        KeyboardInterrupt if the user pressed Ctrl-C (see :func:`catch_interrupts`)."""
        if _interrupted[0]:
            _interrupted[0] = False
            raise KeyboardInterrupt
        if self.expired():
            raise self.timeout()

    def timeout(self) -> Timeout:
        """The error saying that the limit was reached, and what sets the limit
        where it was reached (:func:`limit_name`)."""
        what = f"{self.what}: " if self.what else ""
        return Timeout(f"{what}timed out after {self.seconds:g} s (the time limit: "
                       f"{limit_name()})", seconds=self.seconds or 0.0)


#: What sets the time limit, as a time-out message names it: the Python
#: argument unless a front end says otherwise (see :func:`limit_named`).
_LIMIT_NAME: ContextVar[str] = ContextVar("litmus_limit_name", default="the timeout= argument")


def limit_name() -> str:
    """What sets the time limit where the code runs now, as a time-out
    message names it: ``the timeout= argument`` in Python, unless a front end
    says otherwise with :func:`limit_named` (``--timeout`` on the command
    line, ``the litmus_timeout ini option`` in the pytest plugin). Raises
    nothing."""
    return _LIMIT_NAME.get()


@contextmanager
def limit_named(name: str) -> Iterator[None]:
    """Within the block (in this thread or task), time-out messages say that
    ``name`` sets the limit (a front end's option). Raises nothing."""
    token = _LIMIT_NAME.set(name)
    try:
        yield
    finally:
        _LIMIT_NAME.reset(token)


#: No limit (for callers that bound time themselves).
NO_DEADLINE = Deadline(None)


# Ctrl-C. Raised at once, a KeyboardInterrupt can land inside a z3 object's
# destructor, where Python drops it ("Exception ignored ..."); the command line
# instead notes it here and Deadline.check() raises it at a safe point (z3 itself
# cancels a running check on Ctrl-C, which the enumeration reports the same way).
_interrupted = [False]


def _note_interrupt(signum, frame) -> None:
    _interrupted[0] = True


def catch_interrupts() -> None:
    """Make Ctrl-C stop the next time a check looks at its deadline (the
    command line calls this; library users keep Python's default)."""
    signal.signal(signal.SIGINT, _note_interrupt)
