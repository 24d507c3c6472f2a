"""Imported once by the fork server that starts ``litmus check -j N``'s
workers (see :mod:`litmus.pool`): the engine is imported and the bundled
models parsed there, so that each worker forks with them ready instead of
building them again. Importing it has no other effect."""

from __future__ import annotations

from . import api, batch, explain  # noqa: F401  (imported for the workers)
from .library import MODELS, load_model, stdlib


def _warm() -> bool:
    """Parse the bundled models; False if one cannot be read (the check that
    needs it reports that, not the fork server)."""
    try:
        stdlib()
        for name in MODELS:
            load_model(name)
    except Exception:  # noqa: BLE001
        return False
    return True


_warm()
