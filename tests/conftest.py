"""Make the tests' shared helper module (tests/expectations.py) importable."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
