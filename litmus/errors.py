"""Error types, one per pipeline stage.

Every error carries the position it is about where there is one, and renders
as a single line ``file:line:col: message``. The CLI prints that line and
exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pos:
    """A position in a source file (1-based line and column)."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        if self.col <= 0:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.col}"


class LitmusError(Exception):
    """Base class of every error the tool reports to a user."""

    stage = "error"

    def __init__(self, message: str, pos: Pos | None = None) -> None:
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


class EncodingError(LitmusError):
    """A test the engine cannot encode (unsupported construct, over the limits)."""

    stage = "encoding"


class UsageError(LitmusError):
    """Bad command-line usage (unknown model, missing file, ...)."""

    stage = "usage"


class Timeout(LitmusError):
    """A check that did not finish within its time limit."""

    stage = "timeout"
