"""Where litmus keeps what it can rebuild: the user's cache directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: The environment variable that names the cache directory, overriding the default.
ENV = "LITMUS_CACHE_DIR"


def user_cache_dir() -> Path:
    """The directory litmus caches in: ``$LITMUS_CACHE_DIR`` when set, else
    ``litmus`` in the platform's per-user cache directory (``$XDG_CACHE_HOME``
    or ``~/.cache``, ``~/Library/Caches`` on macOS; ``litmus/cache`` in
    ``%LOCALAPPDATA%`` on Windows). The directory may not exist yet, and may
    not be writable: callers create it, and carry on without a cache when
    they cannot. Raises nothing."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "litmus" / "cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "litmus"
    base = os.environ.get("XDG_CACHE_HOME")
    return Path(base if base and os.path.isabs(base) else Path.home() / ".cache") / "litmus"
