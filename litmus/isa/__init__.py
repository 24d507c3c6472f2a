"""Instruction semantics: what each architecture's instructions do to a path.

Each module maps a canonical mnemonic (see :mod:`litmus.syntax.instructions`)
to a handler ``(state, instr) -> None | list[PathState | None]`` that reads
and writes registers and creates events through
:class:`litmus.events.PathState`. A handler returns None to fall through, or
the list of successor paths (after a branch or a conditional store).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import EncodingError
from ..program import Instr

if TYPE_CHECKING:
    from ..events import PathState

Handler = Callable[["PathState", Instr], "list[PathState | None] | None"]


@dataclass(frozen=True)
class Semantics:
    arch: str
    handlers: dict[str, Handler]

    def execute(self, st: PathState, instr: Instr) -> list[PathState | None] | None:
        h = self.handlers.get(instr.op)
        if h is None:
            if instr.op.islower():
                raise EncodingError(
                    f"'{instr.op}' is a Linux accessor; it must be lowered before "
                    "events are built", instr.pos)
            raise EncodingError(f"instruction '{instr.op}' has no semantics for "
                                f"{self.arch}", instr.pos)
        return h(st, instr)


def semantics(arch: str) -> Semantics:
    """The instruction semantics of an architecture."""
    if arch == "aarch64":
        from .aarch64 import SEMANTICS
    elif arch == "x86":
        from .x86 import SEMANTICS
    else:
        raise EncodingError(f"unknown architecture '{arch}'")
    return SEMANTICS
