"""The result cache: answers already computed, kept on disk between runs.

What a check answers depends only on

* the test: its text (or, for a :class:`~litmus.program.Test` built in
  Python, its full ``repr``) and the name it is reported under (messages and
  reports name the file);
* the model: its name as reported, and the path and text of every file it is
  read from -- the model's file, every file it includes, and the prelude
  ``stdlib.cat`` with its includes (:func:`litmus.syntax.cat.model_files`);
* the variants it is evaluated with, and the loop unrolling bound;
* the tool: ``litmus.__version__`` and a digest of the package's own source
  files (``*.py``, ``*.lark``), so a changed engine invalidates as a new
  release does, even before the version number moves.

The key of an entry is the SHA-256 of all of these, so a hit returns exactly
what computing would, never a stale answer. An entry holds what the reports
need to be reproduced: the states, the observation, the flags and notes, the
time the check took when it was computed and, once a failed expectation
asked for it, the one-line reason of the verdict (one per kind of question,
see :func:`litmus.batch.reason_kind`). Errors and timeouts are
never stored: they are recomputed on the next run.

Entries are small JSON files, ``DIR/v<FORMAT>/ab/<key>.json``, written to a
temporary file and renamed into place, so that concurrent runs can share a
directory. An entry that cannot be read or has not the expected shape is a
miss (recomputed and overwritten); a directory that cannot be written only
loses the entries. The cache never makes a run fail. Nothing is evicted:
delete the directory to empty it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cachedir import user_cache_dir
from .limits import DEFAULT_UNROLL

if TYPE_CHECKING:
    from .enumerate import Result
    from .model import Model
    from .program import Test

#: The layout of the entries; bumped when it changes (older entries are then ignored).
FORMAT = 2


def default_dir() -> Path:
    """The cache directory used when none is given: the user's litmus cache
    directory (:func:`litmus.cachedir.user_cache_dir`; results go in its
    ``v<FORMAT>/``, next to the parser tables in ``grammars/``). Raises nothing
    (the directory need not exist)."""
    return user_cache_dir()


@lru_cache(maxsize=1)
def _source_digest() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    files = sorted(p for ext in ("*.py", "*.lark") for p in here.rglob(ext)
                   if "__pycache__" not in p.parts)
    for p in files:
        h.update(str(p.relative_to(here)).encode() + b"\0")
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
        h.update(b"\0")
    return h.hexdigest()


def tool_fingerprint() -> str:
    """The tool as cache keys name it: ``VERSION+DIGEST`` (the package's version and
    a digest of its source files). Raises nothing."""
    import litmus

    return f"{litmus.__version__}+{_source_digest()[:16]}"


def model_fingerprint(model: str | Path | Model) -> str:
    """A digest naming the model exactly: its label, and the path and text of
    every file it is read from, the prelude's included (a bundled file is
    named relative to the bundled models' directory, so that it is named
    alike wherever litmus is installed); for a :class:`~litmus.model.Model`
    object, its label and its parsed statements (their ``repr``, positions
    included) in place of its files. Raises what
    :func:`litmus.library.load_model` raises for an unknown model or a bad
    ``.cat`` file (:class:`~litmus.errors.UsageError`,
    :class:`~litmus.errors.ModelError`)."""
    from .library import model_label, model_path, models_dir
    from .model import Model
    from .syntax.cat import model_files

    search = [models_dir()]
    files = model_files(models_dir() / "stdlib.cat", search)
    if not isinstance(model, Model):
        files += model_files(model_path(model), search)
    bundled = models_dir().resolve()
    h = hashlib.sha256(json.dumps(["model", model_label(model)]).encode())
    if isinstance(model, Model):
        h.update(b"<Model>\0" + repr(model).encode() + b"\0")
    for f in files:
        p = Path(f).resolve()
        # a bundled file by its name, so that every installation names it alike
        name = f"<bundled>/{p.relative_to(bundled)}" if p.is_relative_to(bundled) else f
        h.update(name.encode() + b"\0")
        try:
            h.update(Path(f).read_bytes())
        except OSError:
            h.update(b"<unreadable>")
        h.update(b"\0")
    return h.hexdigest()


def test_identity(test: Test, text: str | None) -> str:
    """What names a test in keys: a digest of its text when it was read from
    text, of its ``repr`` (every field, positions included) otherwise, and of
    the name it is reported under. Raises nothing."""
    body = text if text is not None else "repr:" + repr(test)
    return hashlib.sha256(json.dumps([test.source, body]).encode()).hexdigest()


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps([FORMAT, tool_fingerprint(), *parts]).encode()).hexdigest()


def result_key(test_id: str, model_fp: str, variants: Iterable[str] = (),
               unroll: int = DEFAULT_UNROLL) -> str:
    """The key of one test's result under one model, its variants and loop
    unrolling bound (see the module's doc)."""
    return _key("result", test_id, model_fp, sorted(variants), unroll)


def warnings_key(test_id: str, unroll: int = DEFAULT_UNROLL) -> str:
    """The key of the warnings about one test's condition (its loops unrolled
    ``unroll`` times)."""
    return _key("warnings", test_id, unroll)


class ResultCache:
    """Entries in one directory; counts its hits and misses.

    :meth:`get` returns an entry's data or None; :meth:`put` stores one. Neither
    raises: an unreadable or malformed entry is a miss, a failed write is
    forgotten."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0

    def unwritable(self) -> str | None:
        """Why entries cannot be stored in the directory (``cannot write the
        cache directory DIR (Permission denied)``), found by creating it and
        a scratch file in it; None when they can. The cache still answers
        from the entries it holds either way. Raises nothing."""
        d = self.directory / f"v{FORMAT}"
        try:
            d.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=d, prefix=".probe-")
            os.close(fd)
            os.unlink(tmp)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            return f"cannot write the cache directory {self.directory} ({reason})"
        return None

    def _path(self, key: str) -> Path:
        return self.directory / f"v{FORMAT}" / key[:2] / f"{key}.json"

    def get(self, key: str, kind: str) -> dict | None:
        """The entry stored under ``key`` if it is a well-formed entry of this
        ``kind`` (``"result"`` or ``"warnings"``), else None; counts a hit or a
        miss."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if not (isinstance(data, dict) and data.get("key") == key and _valid(kind, data)):
            self.misses += 1
            return None
        self.hits += 1
        return data

    def put(self, key: str, data: dict) -> None:
        """Store ``data`` under ``key`` (atomically; silently not at all if the
        directory cannot be written)."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump({**data, "key": key}, f, separators=(",", ":"))
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except (OSError, TypeError, ValueError):
            pass


def _valid(kind: str, d: dict) -> bool:
    try:
        if kind == "warnings":
            return all(isinstance(w, str) for w in d["warnings"])
        if d["observation"] not in ("never", "sometimes", "always"):
            return False
        if not all(isinstance(x, str) for x in (*d["flags"], *d["notes"])):
            return False
        if not isinstance(d["seconds"], (int, float)) or not all(
                k in ("outcome", "absence") and isinstance(v, str)
                for k, v in d["reasons"].items()):
            return False
        for values, sat in d["states"]:
            if not isinstance(sat, bool):
                return False
            for k, v in values:
                if not isinstance(k, str) or not isinstance(v, (int, str)) or isinstance(v, bool):
                    return False
        return True
    except (AttributeError, KeyError, TypeError, ValueError):
        return False


def result_data(result: Result, reasons: dict[str, str] | None = None) -> dict:
    """What an entry keeps of a result, and the reasons of failed expectations
    known so far (by :func:`litmus.batch.reason_kind`)."""
    return {
        "kind": "result",
        "states": [[[list(kv) for kv in s.values], s.satisfies] for s in result.states],
        "observation": result.observation,
        "flags": list(result.flags),
        "notes": list(result.notes),
        "seconds": result.seconds,
        "reasons": dict(reasons or {}),
    }


def result_of(test: Test, model: str, data: dict) -> Result:
    """The :class:`~litmus.enumerate.Result` an entry (or a worker's reply) holds."""
    from .enumerate import Result, State

    states = tuple(State(tuple((k, v) for k, v in values), sat)
                   for values, sat in data["states"])
    return Result(test, model, states, data["observation"], tuple(data["flags"]),
                  float(data["seconds"]), tuple(data["notes"]))


__all__ = ["FORMAT", "ResultCache", "default_dir", "model_fingerprint", "result_data",
           "result_key", "result_of", "test_identity", "tool_fingerprint", "warnings_key"]
