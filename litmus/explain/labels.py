"""Words for relations: what a student reads beside each edge of an explanation.

A model is data, and its comments say what its definitions mean: the
comment just before a ``let`` (``(* D1 nR (non-Reordering). For ... *)``)
names the rule, and its first sentence becomes the edge's label. Herd's
standard relations (``rfe``, ``fre``, ``bob``, ...) have their usual names
when the model does not comment them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ..model import Binding, IfVariantStmt, Let, Model, Stmt

#: herd's and the Arm ARM's names for the usual relations.
STANDARD: dict[str, str] = {
    "po": "program order",
    "po-loc": "program order to the same location",
    "rf": "reads-from",
    "rfe": "reads-from, by another thread",
    "rfi": "reads-from, in the same thread",
    "co": "coherence order",
    "coe": "coherence order, between threads",
    "coi": "coherence order, in one thread",
    "fr": "from-read: a read before a write its value was overwritten by",
    "fre": "from-read, between threads",
    "fri": "from-read, in one thread",
    "ca": "coherence-after",
    "com": "communication (rf, co or fr)",
    "addr": "address dependency",
    "data": "data dependency",
    "ctrl": "control dependency",
    "rmw": "the read and write of one read-modify-write",
    "obs": "observed-by",
    "ob": "ordered-before",
    "lob": "locally-ordered-before",
    "bob": "barrier-ordered-before",
    "dob": "dependency-ordered-before",
    "aob": "atomic-ordered-before",
    "pob": "pick-ordered-before",
    "lws": "local write successor",
    "lrs": "local read successor",
    "haz-ob": "hazard-ordered-before",
    "dsb-ob": "DSB-ordered-before: a DSB completes before anything after it",
    "ppo": "preserved program order",
    "ghb": "global happens-before",
    "mfence": "ordered by a full fence (MFENCE or a full DMB/DSB)",
    "sfence": "ordered by SFENCE",
    "implied": "ordered by a locked instruction",
    "uc-order": "a UC write is not passed by a later read",
    "device-po": "D5: a device agent acts in program order",
}

_COMMENT_END = re.compile(r"\*\)\s*$")


@lru_cache(maxsize=64)
def _lines(path: str) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def doc_comment(b: Binding) -> str:
    """The comment just before a binding's ``let`` in its file, or ``""``."""
    lines = _lines(b.pos.file)
    i = b.pos.line - 2  # the line before the binding (0-based)
    while i >= 0 and not lines[i].strip():
        i -= 1
    # a comment may head a group of definitions written together
    while i >= 0 and lines[i].lstrip().startswith("let ") and not _COMMENT_END.search(lines[i]):
        i -= 1
    if i < 0 or not _COMMENT_END.search(lines[i]):
        return ""
    block = [lines[i]]
    while "(*" not in block[-1] and i > 0:
        i -= 1
        block.append(lines[i])
    text = " ".join(reversed(block))
    text = text[text.rfind("(*") + 2: text.rfind("*)")]
    return " ".join(text.split())


def first_sentence(text: str) -> str:
    """The first sentence of a comment (up to its first '. ' or ':')."""
    m = re.match(r"(.+?)(?:\.\s|\.$|:\s)", text)
    return (m.group(1) if m else text).strip()


def _bindings(stmts: Iterable[Stmt]) -> Iterable[Binding]:
    for st in stmts:
        if isinstance(st, Let):
            yield from st.bindings
        elif isinstance(st, IfVariantStmt):
            yield from _bindings(st.then)
            yield from _bindings(st.else_)


def describe_names(*models: Model | None) -> dict[str, str]:
    """A short description of every name the models define (their doc
    comments' first sentences), over :data:`STANDARD`."""
    out = dict(STANDARD)
    for m in models:
        if m is None:
            continue
        for b in _bindings(m.stmts):
            doc = doc_comment(b)
            if doc and b.name not in STANDARD:
                out[b.name] = first_sentence(doc)
    return out


__all__ = ["STANDARD", "describe_names", "doc_comment", "first_sentence"]
