"""Lark parsers whose tables are built once per installation, not per process.

Building the LALR(1) tables of ``dsl.lark`` and ``cat.lark`` takes a tenth of
a second or more; reading them back takes a few milliseconds. :func:`lalr`
keeps them in the user's cache directory
(:func:`litmus.cachedir.user_cache_dir`, ``grammars/``), saved with
:meth:`lark.Lark.save` and read back as lark's own ``cache=`` option reads
them. The file's name is a hash of the grammar, the options (and the
terminals a post-lexer keeps), lark's version and Python's, so a changed
grammar or another installation sharing the directory never reads tables
that are not its own.

A new file is written under a private name and renamed into place, so that
processes starting together (``litmus check -j N``) never read a half-written
one. Where the cache directory cannot be created or written (a read-only
home, a sandbox), the parser is built in memory, as without a cache; a file
that cannot be read back (corrupt, or from a lark that saves differently) is
rebuilt and replaced. Nothing is ever written beside the installed package.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cachedir import user_cache_dir

if TYPE_CHECKING:
    from lark import Lark

__all__ = ["cache_file", "lalr"]

#: Options that are objects (given again each time a cached parser is loaded),
#: not part of what the tables depend on.
_RUNTIME_OPTIONS = frozenset({"transformer", "postlex", "lexer_callbacks"})


def cache_file(name: str, grammar: str, options: dict[str, Any]) -> Path:
    """The file the tables of ``grammar`` built with ``options`` are cached in
    (whether or not it exists). Raises nothing."""
    import lark

    fixed = sorted((k, repr(v)) for k, v in options.items() if k not in _RUNTIME_OPTIONS)
    # the one thing of the post-lexer the tables depend on: the terminals it keeps
    kept = sorted(getattr(options.get("postlex"), "always_accept", ()))
    key = hashlib.sha256(
        f"{grammar}\0{fixed}\0{kept}\0{lark.__version__}\0{sys.version_info[:2]}".encode()
    ).hexdigest()[:20]
    return user_cache_dir() / "grammars" / f"{name}-{key}.lark"


def lalr(name: str, grammar: str, **options: Any) -> Lark:
    """A LALR(1) lark parser for ``grammar`` (``options`` as :class:`lark.Lark`
    takes them, ``parser="lalr"`` implied), its tables read from the user's
    cache when they were built before, else built and cached for the next
    process. ``name`` names the cache file. Raises what :class:`lark.Lark`
    raises for a bad grammar; never an error of the cache."""
    from lark import Lark

    options = {"parser": "lalr", **options}
    path = cache_file(name, grammar, options)
    parser = _load(path, {k: v for k, v in options.items() if k in _RUNTIME_OPTIONS})
    if parser is None:
        parser = Lark(grammar, **options)
        _save(parser, path)
    return parser


def _unreadable() -> tuple[type[BaseException], ...]:
    """What reading back a cache file can raise when the file is not one this
    lark can read: missing, unreadable, truncated, corrupt, another lark's."""
    from lark.exceptions import LarkError

    return (OSError, EOFError, pickle.UnpicklingError, ImportError, AttributeError,
            TypeError, KeyError, IndexError, ValueError, AssertionError, LarkError)


def _load(path: Path, runtime: dict[str, Any]) -> Lark | None:
    """The parser whose tables ``path`` holds, given its ``runtime`` options
    again (what ``Lark(..., cache=FILE)`` does with a file it wrote), or None
    when the file cannot be read back."""
    from lark import Lark

    try:
        with open(path, "rb") as f:
            return Lark.__new__(Lark)._load(f, **runtime)
    except _unreadable():
        return None


def _save(parser: Lark, path: Path) -> bool:
    """Write ``parser``'s tables to ``path`` (atomically: under a private name,
    then renamed); False when they cannot be written (a read-only or full
    disk, a lark that cannot save them)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            parser.save(f, exclude_options=_RUNTIME_OPTIONS)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError, ValueError):
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
    return True
