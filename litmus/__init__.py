"""litmus: a memory-ordering model checker for litmus tests.

The public API is small:

* :func:`load` reads a test (mini-DSL ``.lit`` or herd ``.litmus``),
* :func:`check` gives every final state a model allows and the observation,
* :func:`check_many` checks many tests (in parallel, cached, or on a Dask
  cluster) and returns a :class:`~litmus.batch.TestReport` per test,
* :func:`fix` gives the cheapest edits that make a model forbid an outcome,
* :class:`Result`, :class:`State`, :class:`Test` are what they return.
"""

from .api import check, check_models, detect_format, diagnose, events, load, parse
from .batch import check_many
from .enumerate import Result, State
from .errors import EncodingError, LitmusError, ModelError, ParseError, Timeout, UsageError
from .explain.fix import Fix, fix
from .program import Test

__version__ = "0.1.0"

__all__ = [
    "EncodingError",
    "Fix",
    "LitmusError",
    "ModelError",
    "ParseError",
    "Result",
    "State",
    "Test",
    "Timeout",
    "UsageError",
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
