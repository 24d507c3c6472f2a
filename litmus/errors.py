"""Error types, one per pipeline stage.

Every error carries the position it is about where there is one, and renders
as a single line ``file:line:col: message``. The CLI prints that line and
exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\x00"}


def printable(text: str) -> str:
    """``text`` with every character that is not printable on one line escaped:
    newline, carriage return and tab as ``\\n``, ``\\r``, ``\\t``; other
    control and format characters, line and paragraph separators (U+2028,
    U+2029, U+0085) and the like as ``\\xNN`` or ``\\uNNNN`` (``\\UNNNNNNNN``
    beyond the BMP). Backslashes are left alone, so the function is idempotent:
    its result is returned unchanged. Raises nothing."""
    if text.isprintable():
        return text
    out: list[str] = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        else:
            code = ord(ch)
            if code < 0x100:
                out.append(f"\\x{code:02x}")
            elif code < 0x10000:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    return "".join(out)


@dataclass(frozen=True)
class Pos:
    """A position in a source file (1-based line and column)."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        file = printable(self.file)
        if self.line <= 0:
            return file
        if self.col <= 0:
            return f"{file}:{self.line}"
        return f"{file}:{self.line}:{self.col}"


class LitmusError(Exception):
    """Base class of every error the tool reports to a user.

    The message is kept on one line: whatever user text it quotes, characters
    that would break the line or not show (newlines, NULs, U+2028, other
    control characters) are escaped by :func:`printable`."""

    stage = "error"

    def __init__(self, message: str, pos: Pos | None = None) -> None:
        message = printable(message)
        super().__init__(message)
        self.message = message
        self.pos = pos

    def __str__(self) -> str:
        if self.pos is None:
            return self.message
        return f"{self.pos}: {self.message}"


class ParseError(LitmusError):
    """Malformed test input (mini-DSL or herd format)."""

    stage = "parse"


class ModelError(LitmusError):
    """Malformed or unsupported cat model."""

    stage = "model"


class UnboundName(ModelError):
    """A cat model that uses a name it never binds (herd: "unbound var")."""


class EncodingError(LitmusError):
    """A test the engine cannot encode (unsupported construct, over the limits)."""

    stage = "encoding"


class UsageError(LitmusError):
    """Bad command-line usage (unknown model, missing file, ...)."""

    stage = "usage"


class Timeout(LitmusError):
    """A check that did not finish within its time limit; ``seconds`` is that
    limit (what the check took, as reports give it)."""

    stage = "timeout"

    def __init__(self, message: str, pos: Pos | None = None, seconds: float = 0.0) -> None:
        super().__init__(message, pos)
        self.seconds = seconds

    def __reduce__(self):
        return (type(self), (self.message, self.pos, self.seconds))


class StrictWarning(LitmusError):
    """A warning made an error by strict checking (``litmus check --strict``,
    ``check_many(strict=True)``, the pytest plugin's ``litmus_strict``): a
    condition naming a register nothing writes, a location nothing accesses, a
    value no store gives, or a ``kinds.txt`` entry no test file holds."""

    stage = "warning"
