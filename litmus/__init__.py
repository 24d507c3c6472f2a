"""litmus: a memory-ordering model checker for litmus tests.

The public API is small:

* :func:`load` reads a test (mini-DSL ``.lit`` or herd ``.litmus``),
* :func:`check` gives every final state a model allows and the observation,
* :func:`check_many` checks many tests (in parallel, cached, or on a Dask
  cluster) and returns a :class:`~litmus.batch.TestReport` per test,
* :func:`fix` gives the cheapest edits that make a model forbid an outcome,
* :class:`Model` is a memory model, from a bundled name, a ``.cat`` file or text,
* :class:`Result`, :class:`State`, :class:`Test` are what they return.

Names are imported when first used (PEP 562), so ``import litmus`` and
``litmus --version`` load neither z3 nor networkx nor lark; the errors are
imported at once (they are light, and ``except litmus.ParseError`` should not
import the engine).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from .errors import (
    EncodingError,
    LitmusError,
    ModelError,
    ParseError,
    StrictWarning,
    Timeout,
    UsageError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:  # what the lazy names below are, for type checkers and IDEs
    from .api import check, check_models, detect_format, diagnose, events, load, parse
    from .batch import check_many
    from .enumerate import Result, State
    from .explain import Explanation
    from .explain.execution import Execution
    from .explain.fix import Fix, fix
    from .model import Model
    from .program import Test

#: Each lazily imported public name and the module (relative to the package)
#: that defines it.
_LAZY: dict[str, str] = {
    "check": ".api",
    "check_models": ".api",
    "check_many": ".batch",
    "detect_format": ".api",
    "diagnose": ".api",
    "load": ".api",
    "parse": ".api",
    "Result": ".enumerate",
    "State": ".enumerate",
    "Explanation": ".explain",
    "Execution": ".explain.execution",
    "Fix": ".explain.fix",
    "fix": ".explain.fix",
    "Model": ".model",
    "Test": ".program",
}

__all__ = [
    "EncodingError",
    "Execution",
    "Explanation",
    "Fix",
    "LitmusError",
    "Model",
    "ModelError",
    "ParseError",
    "Result",
    "State",
    "StrictWarning",
    "Test",
    "Timeout",
    "UsageError",
    "__version__",
    "check",
    "check_many",
    "check_models",
    "detect_format",
    "diagnose",
    "events",
    "fix",
    "load",
    "parse",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (and keep it: later uses are plain
    attribute look-ups). Raises AttributeError for any other name."""
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The ``litmus`` module's type: a module whose ``events`` attribute is the
    API function :func:`litmus.api.events`, even once the submodule of the same
    name (``litmus.events``, the event builder) is imported, which would
    otherwise replace the package attribute with itself."""

    @property
    def events(self) -> Any:
        from .api import events

        return events

    @events.setter
    def events(self, value: Any) -> None:
        pass  # the import system binding the submodule: it stays in sys.modules


sys.modules[__name__].__class__ = _Package
