"""The bundled models and how a model name or a ``.cat`` path is resolved."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    from .model import Model

#: Model names users type, and the file each stands for.
MODELS: dict[str, str] = {
    "sc": "sc.cat",
    "tso": "tso.cat",
    "arm": "aarch64.cat",
    "device": "device.cat",
}
ALIASES: dict[str, str] = {"aarch64": "arm", "armv8": "arm", "x86": "tso", "x86-tso": "tso"}

#: Which bundled model is herd's default for each architecture.
DEFAULT_MODEL: dict[str, str] = {"aarch64": "arm", "x86": "tso"}


@lru_cache(maxsize=1)
def models_dir() -> Path:
    """Where the bundled ``.cat`` files are: ``litmus/models`` when installed
    (package data), else the ``models/`` folder of a source checkout."""
    here = Path(__file__).resolve().parent
    for p in (here / "models", here.parent / "models"):
        if (p / "stdlib.cat").is_file():
            return p
    raise UsageError("cannot find the bundled models (models/stdlib.cat); reinstall litmus")


def canonical_name(name: str) -> str:
    n = name.lower()
    return ALIASES.get(n, n)


def model_path(name_or_path: str | Path) -> Path:
    """The ``.cat`` file of a bundled model name, or a user's path as given."""
    s = str(name_or_path)
    try:
        is_file = Path(s).is_file()
    except OSError as exc:  # a name the file system refuses (too long, ...)
        raise UsageError(f"{s[:80]}: not a model ({exc.strerror or exc})") from None
    if s.endswith(".cat") or "/" in s or is_file:
        p = Path(s)
        if not is_file:
            raise UsageError(f"{s}: no such model file")
        return p
    n = canonical_name(s)
    if n not in MODELS:
        import difflib

        known = ", ".join(MODELS)
        close = difflib.get_close_matches(n, list(MODELS) + list(ALIASES), n=1, cutoff=0.6)
        hint = f"did you mean {ALIASES.get(close[0], close[0])}? " if close else ""
        raise UsageError(f"unknown model '{name_or_path}' ({hint}known: {known}; "
                         "or give a .cat file)")
    return models_dir() / MODELS[n]


def load_model(model: str | Path | Model) -> Model:
    """The model a bundled name (``"arm"``) or a ``.cat`` path stands for,
    parsed (cached while its files do not change); a :class:`Model` is
    returned as it is. Raises :class:`UsageError` for an unknown name or a
    missing file, :class:`~litmus.errors.ModelError` for a bad model."""
    from .model import Model
    from .syntax.cat import load_cat

    if isinstance(model, Model):
        return model
    return load_cat(model_path(model), search_path=[models_dir()])


def stdlib() -> Model:
    """The prelude loaded before every model."""
    from .syntax.cat import load_cat

    return load_cat(models_dir() / "stdlib.cat", search_path=[models_dir()])


def model_label(name_or_path: str | Path | Model) -> str:
    """How results name a model: ``arm`` for a bundled one, the path for a
    file, :attr:`Model.label` for a :class:`Model`."""
    from .model import Model

    if isinstance(name_or_path, Model):
        return name_or_path.label
    s = str(name_or_path)
    n = canonical_name(s)
    return n if n in MODELS else s
