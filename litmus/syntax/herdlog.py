"""herd7's output logs: one record per test.

herd7 prints, for each test (logs of many tests are just concatenated)::

    Test MP Allowed
    States 4
    1:X0=0; 1:X2=0;
    1:X0=0; 1:X2=1;
    1:X0=1; 1:X2=0;
    1:X0=1; 1:X2=1;
    Ok
    Witnesses
    Positive: 1 Negative: 3
    Flag ...                               (optional, any number)
    Condition exists (1:X0=1 /\\ 1:X2=0)
    Observation MP Sometimes 1 3
    Time MP 0.01                           (optional)
    Hash=211d5b298572efa3ab1ba6ab6f7ac7b7  (optional)

The verdict line may also read ``No``, ``Undef`` or ``Loop Ok``. Lines outside a
record (warnings, blank lines) are skipped. litmus7's hardware logs are read too
(``Histogram (N states)``, count-prefixed states ``3 *>0:X0=1;``,
``Positive: 1, Negative: 3``, ``Condition ... is validated``).

:func:`parse_herd_log` is the API; :func:`normalise_state` is the state
normalisation shared with ``/work/shared/reference``: items sorted and joined by
``"; "``, memory written ``[x]=1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import ParseError, Pos
from .source import MAX_DIGITS, strip_bom

__all__ = ["HerdRecord", "normalise_state", "parse_herd_log"]


@dataclass(frozen=True)
class HerdRecord:
    """One test's result in a herd7 log.

    ``states`` are normalised (:func:`normalise_state`); ``validated`` is True for
    ``Ok``; ``result`` is the verdict word as printed (``Ok``, ``No``, ``Undef``);
    ``observation`` is ``Never``, ``Sometimes`` or ``Always``.
    """

    name: str
    kind: str
    states: list[str]
    validated: bool
    positive: int
    negative: int
    condition: str
    observation: str
    result: str = "Ok"
    loop: bool = False
    flags: list[str] = field(default_factory=list)
    time: float | None = None
    hash: str | None = None
    pos: Pos | None = field(default=None, compare=False)


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_COUNT_PREFIX = re.compile(r"\s*[0-9]+\s*[*:]>\s*")


def normalise_state(text: str) -> str:
    """A state line as ``"0:X2=1; [y]=0"``: items (separated by ``;``) stripped,
    spaces around ``=`` dropped, a memory location ``y`` written ``[y]`` (an
    array element ``v[1]`` and a whole array ``x={1,2}`` as they are), items
    sorted, joined by ``"; "``. Raises ValueError for an item without ``=``."""
    items: list[str] = []
    for raw in text.split(";"):
        item = raw.strip()
        if not item:
            continue
        key, eq, value = item.partition("=")
        if not eq:
            raise ValueError(f"expected 'location=value', found '{item}'")
        key, value = key.strip(), value.strip()
        if ":" not in key and _PLAIN_KEY.match(key) and not value.startswith("{"):
            key = f"[{key}]"
        items.append(f"{key}={value}")
    return "; ".join(sorted(items))


_TEST = re.compile(r"Test\s+(\S+)(?:\s+(\S+))?\s*\Z")
_STATES = re.compile(r"(?:States\s+([0-9]+)|Histogram\s+\(([0-9]+)\s+states?\))\s*\Z")
_VERDICT = re.compile(r"(Loop\s+)?(Ok|No|Undef)\s*\Z")
_POSITIVE = re.compile(r"Positive:\s*([0-9]+)\s*,?\s*Negative:\s*([0-9]+)\s*\Z")
_OBSERVATION = re.compile(r"Observation\s+(\S+)\s+(Never|Sometimes|Always)\s+([0-9]+)\s+([0-9]+)")
_CONDITION_SUFFIX = re.compile(r"\s+is\s+(?:NOT\s+)?validated\s*\Z")
_TIME = re.compile(r"Time\s+\S+\s+([0-9.]+)")


def parse_herd_log(text: str, path: str = "<string>") -> list[HerdRecord]:
    """Every test record of a herd7 (or litmus7) log, in order. Raises
    :class:`ParseError` at ``file:line`` for a malformed record: a missing or bad
    ``States`` line, fewer state lines than announced, a missing verdict or
    ``Observation`` line, a count too large to be one. A byte-order mark at the
    start is ignored."""
    text = strip_bom(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    records: list[HerdRecord] = []
    i = 0
    n = len(lines)

    def err(message: str, lineno: int, col: int = 1) -> ParseError:
        return ParseError(message, Pos(path, lineno, col))

    def count_of(digits: str, lineno: int) -> int:
        if len(digits.lstrip("0")) > MAX_DIGITS:
            raise err(f"count {digits[:12]}... ({len(digits)} digits) is too large", lineno)
        return int(digits)

    while i < n:
        m = _TEST.match(lines[i].strip())
        if m is None:
            i += 1  # outside a record: warnings, blank lines, ...
            continue
        start = i + 1
        name, kind = m.group(1), m.group(2) or ""
        i += 1
        while i < n and not lines[i].strip():
            i += 1
        sm = _STATES.match(lines[i].strip()) if i < n else None
        if sm is None:
            found = f"'{lines[i].strip()}'" if i < n else "end of file"
            raise err(f"test {name}: expected 'States N' after 'Test {name}', found {found}",
                      min(i + 1, n))  # fmt: skip
        count = count_of(sm.group(1) or sm.group(2), i + 1)
        i += 1
        states: list[str] = []
        while len(states) < count:
            if i >= n or _VERDICT.match(lines[i].strip()) or _TEST.match(lines[i].strip()):
                raise err(
                    f"test {name}: expected {count} state lines, found {len(states)}",
                    min(i + 1, n),
                )
            line = lines[i]
            if line.strip():
                body = _COUNT_PREFIX.sub("", line, count=1) if _COUNT_PREFIX.match(line) else line
                try:
                    states.append(normalise_state(body))
                except ValueError as exc:
                    raise err(f"test {name}: bad state line: {exc}", i + 1) from None
            i += 1
        while i < n and not lines[i].strip():
            i += 1
        vm = _VERDICT.match(lines[i].strip()) if i < n else None
        if vm is None:
            found = f"'{lines[i].strip()}'" if i < n else "end of file"
            raise err(
                f"test {name}: expected 'Ok', 'No' or 'Undef' after the {count} states, "
                f"found {found}",
                min(i + 1, n),
            )
        loop, result = bool(vm.group(1)), vm.group(2)
        i += 1
        positive = negative = -1
        condition = ""
        flags: list[str] = []
        observation = ""
        hash_: str | None = None
        while i < n:
            s = lines[i].strip()
            if _TEST.match(s):
                break
            i += 1
            if s.startswith("Positive:"):
                pm = _POSITIVE.match(s)
                if pm is None:
                    raise err(f"test {name}: expected 'Positive: P Negative: N', found '{s}'", i)
                positive, negative = count_of(pm.group(1), i), count_of(pm.group(2), i)
            elif s.startswith("Flag "):
                flags.append(s[5:].strip())
            elif s.startswith("Hash="):  # litmus7 prints it before the observation
                hash_ = s[5:].strip()
            elif s.startswith("Condition "):
                condition = _CONDITION_SUFFIX.sub("", s[len("Condition ") :].strip())
            elif s.startswith("Observation"):
                om = _OBSERVATION.match(s)
                if om is None:
                    raise err(
                        f"test {name}: expected 'Observation NAME Never|Sometimes|Always P N', "
                        f"found '{s}'",
                        i,
                    )
                observation = om.group(2)
                if positive < 0:
                    positive, negative = count_of(om.group(3), i), count_of(om.group(4), i)
                break
        if not observation:
            raise err(f"test {name}: no 'Observation' line", start)
        time: float | None = None
        # trailing lines of the record, up to the next test
        while i < n and not _TEST.match(lines[i].strip()):
            s = lines[i].strip()
            tm = _TIME.match(s)
            if tm is not None:
                try:
                    time = float(tm.group(1))
                except ValueError:
                    pass
            elif s.startswith("Hash="):
                hash_ = s[5:].strip()
            elif s.startswith("Flag "):
                flags.append(s[5:].strip())
            i += 1
        records.append(
            HerdRecord(
                name=name,
                kind=kind,
                states=states,
                validated=result == "Ok",
                positive=positive,
                negative=negative,
                condition=condition,
                observation=observation,
                result=result,
                loop=loop,
                flags=flags,
                time=time,
                hash=hash_,
                pos=Pos(path, start),
            )
        )
    return records
