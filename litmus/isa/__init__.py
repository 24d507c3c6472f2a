"""The architectures: one module each (:mod:`.aarch64`, :mod:`.x86`), each
declaring its registers, instruction syntax, semantics and event tags as one
:class:`~litmus.isa.base.Arch` (see :mod:`litmus.isa.base` for the contract).
"""

from __future__ import annotations

from functools import lru_cache

from ..errors import EncodingError
from .base import Arch


def get(name: str) -> Arch:
    """The architecture called ``name`` (``"aarch64"`` or ``"x86"``); raises
    :class:`EncodingError` for another name."""
    if name == "aarch64":
        from .aarch64 import ARCH
    elif name == "x86":
        from .x86 import ARCH
    else:
        raise EncodingError(f"unknown architecture '{name}'")
    return ARCH


#: Every architecture, by name.
NAMES: tuple[str, ...] = ("aarch64", "x86")


@lru_cache(maxsize=1)
def all_tags() -> frozenset[str]:
    """Every event tag and memory-type set name some architecture declares.

    A model may name any of them on any test (``tso.cat`` names ``MFENCE`` on
    an AArch64 test): on a test whose events do not carry it, it is empty."""
    out: set[str] = {"CPU", "DeviceAgent"}
    for n in NAMES:
        a = get(n)
        out.update(a.tags)
        out.update(a.memory_type_sets)
    return frozenset(out)


@lru_cache(maxsize=1)
def memory_type_sets() -> dict[str, frozenset[str]]:
    """Each memory-type set name and the memory types in it, across architectures."""
    out: dict[str, set[str]] = {}
    for n in NAMES:
        for name, types in get(n).memory_type_sets.items():
            out.setdefault(name, set()).update(types)
    return {k: frozenset(v) for k, v in out.items()}


__all__ = ["NAMES", "Arch", "all_tags", "get", "memory_type_sets"]
