"""``python -m litmus`` runs the command line."""

from .cli import entry

entry()
