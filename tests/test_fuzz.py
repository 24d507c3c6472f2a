"""Fuzzing the readers through the command line: any input, one line or a result.

A seeded mutator turns the files of ``tests/litmus/`` (``.lit`` and herd's
``.litmus``, recursively) and ``models/*.cat`` into broken variants: byte and
token deletions, duplications and swaps, insertions of random characters,
keywords, huge numbers, deep nesting, odd Unicode, NULs and bytes that are not
UTF-8, truncations. Each mutant is written to a file and given to the CLI's
entry point in-process, ``litmus.cli.main``:

- a test: ``run MUTANT -m sc --timeout 5``;
- a model: ``run SMALL_TEST --cat MUTANT`` (a two-event test, so that the
  mutants that still parse are evaluated quickly).

Every run must end with exit status 0, 1 or 2; on 2, stderr is exactly one
printable line, and it starts with ``MUTANT:LINE:COL: `` (or ``MUTANT:LINE:``)
since the mutant is the only thing wrong. No exception may escape ``main``.
Each mutant is first parsed (``load``, ``load_cat``), which must raise
nothing but a :class:`~litmus.errors.LitmusError`; the CLI then runs it, and
so the engine runs on the mutants that parse.

The default run tries 3500 mutants (2500 tests, 1000 models; about 20 s);
``-m slow`` runs 70000.
A failing mutant is saved under pytest's temporary directory, and its seed
is in the failure message, so it can be replayed.
"""

from __future__ import annotations

import io
import random
import re
import traceback
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from litmus.api import load
from litmus.cli import main
from litmus.errors import LitmusError
from litmus.syntax import cat

ROOT = Path(__file__).resolve().parent.parent
TEST_SEEDS = sorted(
    p for p in (ROOT / "tests" / "litmus").rglob("*") if p.suffix in (".lit", ".litmus")
)
MODEL_SEEDS = sorted((ROOT / "models").glob("*.cat"))

# A test small enough that evaluating any model on it is quick.
SMALL_TEST = """\
test tiny
thread P0
  STR #1, [x]
thread P1
  LDR r0, [x]
exists (P1:r0 = 1)
"""

# ------------------------------------------------------------------ what gets inserted

KEYWORDS = [
    # mini-DSL
    "test", "arch", "doc", "memory", "thread", "device", "exists", "~exists", "forall",
    "expect", "not", "true", "false", "LOCK", "@nic", "device-nGnRE", "x86", "aarch64",
    # herd
    "AArch64", "X86", "X86_64", "C", "PPC", "RISCV", "final", "with", "tso:", "locations",
    "filter", "observed", "cases", "{", "}", "|", ";", "P0", "P7", "0:X0", "$1", "%eax",
    "=>", "<<", "\"", "int", "_Atomic",
    # instructions and operands
    "LDR", "STR", "MOV", "DMB", "SY", "LDXR", "STXR", "CAS", "SWP", "B.EQ", "CBNZ", "ISB",
    "XCHG", "MFENCE", "writel", "spin_lock", "W0", "X31", "XZR", "EBP", "RSP", "LSL #2",
    "#1", "#-1", "$-1", "&x", "[x]", "[X1, W2, SXTW]", "L1:", "L1", "#", "# comment",
    # cat
    "let", "rec", "and", "in", "acyclic", "irreflexive", "empty", "~empty", "flag", "show",
    "unshow", "include", "include \"nosuch.cat\"", "include \"stdlib.cat\"", "if", "then",
    "else", "end", "begin", "fun", "->", "try", "as", "procedure", "call", "forall",
    "\"variant\"", "||", "&&", "^-1", "^+", "*", "+", "?", "\\", "++", "0", "_", "[", "]",
    "(*", "*)", "//", "po", "rf", "co", "fr", "domain", "range", "'tag",
]  # fmt: skip

HUGE = [
    "9" * 5000, "-" + "9" * 4400, "0x" + "f" * 5000, "#" + "1" * 4400, "$" + "7" * 4500,
    "#0x" + "F" * 30, "18446744073709551616", "-9223372036854775809", "P" + "1" * 5000,
    "1" * 5000 + ":X0", "X" + "9" * 5000, "r" + "1" * 30, "W99999999999999999999",
    "LSL #" + "9" * 5000, "States " + "9" * 5000, "a" * 100_000,
]  # fmt: skip

NESTING = [
    "(" * 600, ")" * 600, "~" * 600, "not " * 300, "(x=1 /\\ " * 300, "x=1 => " * 300,
    "~(" * 300, "[" * 600, "(*" * 300, "*)" * 300, "a | " * 700, "a ; " * 700, "a & " * 700,
    "a \\ " * 700, "a ++ " * 700, "(a | " * 400, "~" * 400 + "a", "a" + "*" * 600,
    "let x = " * 300, "fun x -> " * 300, "\"v\" || " * 400, "not " * 400 + "\"v\"",
    "if \"v\" then " * 300, "a^-1" * 300, "f(" * 400, "{" * 400,
]  # fmt: skip

UNICODE = [
    "\u2028", "\u2029", "\x85", "\ufeff", "\x00", "\x1b[31m", "\u202e", "é", "\U0001f600",
    "\r", "\x0b", "\x0c", "\u200b", "\U000e0001", "\t", "\x7f", "\u00a0", "\u3000", "\x1c",
    "\ufffd", "\u0301", "Ω",
]  # fmt: skip

# values at the edges of 64 bits: these parse, and go on to the engine
BOUNDARY = ["0xFFFFFFFFFFFFFFFF", "-9223372036854775808", "9223372036854775808", "-1",
            "0x8000000000000000", "4294967295", "0xFFFFFFFF", "0", "18446744073709551615"]

BAD_BYTES = [b"\xff", b"\xc3", b"\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xfe\xff",
             b"\xc0\xaf", b"\xe2\x80"]  # fmt: skip

_TOKEN = re.compile(rb"[A-Za-z0-9_.]+|\s+|.", re.DOTALL)


# ------------------------------------------------------------------ the mutator


def _span(rng: random.Random, n: int, longest: int = 40) -> tuple[int, int]:
    a = rng.randrange(n + 1)
    return a, min(n, a + rng.randint(1, longest))


def _token_bounds(data: bytes) -> list[int]:
    return [m.start() for m in _TOKEN.finditer(data)] + [len(data)]


def _insert_at(rng: random.Random, data: bytes, piece: bytes) -> bytes:
    bounds = _token_bounds(data)
    at = rng.choice(bounds) if rng.random() < 0.8 else rng.randrange(len(data) + 1)
    sep = rng.choice([b"", b" ", b"\n"])
    return data[:at] + sep + piece + sep + data[at:]


def _text(piece: str) -> bytes:
    return piece.encode("utf-8")


def _m_delete(rng: random.Random, data: bytes) -> bytes:
    a, b = _span(rng, len(data))
    return data[:a] + data[b:]


def _m_duplicate(rng: random.Random, data: bytes) -> bytes:
    a, b = _span(rng, len(data), 200)
    return data[:b] + data[a:b] + data[b:]


def _m_swap(rng: random.Random, data: bytes) -> bytes:
    a, b = _span(rng, len(data))
    c, d = _span(rng, len(data))
    if c < a:
        a, b, c, d = c, d, a, b
    if b > c:
        return data
    return data[:a] + data[c:d] + data[b:c] + data[a:b] + data[d:]


def _m_tokens(rng: random.Random, data: bytes) -> bytes:
    toks = [m.group() for m in _TOKEN.finditer(data)]
    if not toks:
        return data
    i = rng.randrange(len(toks))
    what = rng.randrange(3)
    if what == 0:
        del toks[i]
    elif what == 1:
        toks.insert(i, toks[i])
    else:
        j = rng.randrange(len(toks))
        toks[i], toks[j] = toks[j], toks[i]
    return b"".join(toks)


def _m_random_chars(rng: random.Random, data: bytes) -> bytes:
    alphabet = "abcxyzXW019#$%&*()[]{}<>|\\/;:,.=~^+-_'\" \n\t"
    piece = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
    return _insert_at(rng, data, _text(piece))


def _m_keyword(rng: random.Random, data: bytes) -> bytes:
    return _insert_at(rng, data, _text(rng.choice(KEYWORDS)))


def _m_boundary(rng: random.Random, data: bytes) -> bytes:
    numbers = list(re.finditer(rb"(?<![A-Za-z_])-?(?:0x[0-9a-fA-F]+|[0-9]+)", data))
    if not numbers:
        return data
    m = rng.choice(numbers)
    return data[: m.start()] + _text(rng.choice(BOUNDARY)) + data[m.end():]


_ALL_SEEDS: list[bytes] = []


def _m_crossover(rng: random.Random, data: bytes) -> bytes:
    """Splice in a run of lines of another seed (of either kind)."""
    if not _ALL_SEEDS:
        _ALL_SEEDS.extend(p.read_bytes() for p in TEST_SEEDS + MODEL_SEEDS)
    other = rng.choice(_ALL_SEEDS).split(b"\n")
    a = rng.randrange(len(other))
    piece = b"\n".join(other[a : a + rng.randint(1, 4)])
    lines = data.split(b"\n")
    at = rng.randrange(len(lines) + 1)
    return b"\n".join(lines[:at] + [piece] + lines[at:])


def _m_huge(rng: random.Random, data: bytes) -> bytes:
    numbers = list(re.finditer(rb"-?(?:0x[0-9a-fA-F]+|[0-9]+)", data))
    if numbers and rng.random() < 0.5:
        m = rng.choice(numbers)
        return data[: m.start()] + _text(rng.choice(HUGE[:3])) + data[m.end():]
    return _insert_at(rng, data, _text(rng.choice(HUGE)))


def _m_nesting(rng: random.Random, data: bytes) -> bytes:
    return _insert_at(rng, data, _text(rng.choice(NESTING)))


def _m_wrap(rng: random.Random, data: bytes) -> bytes:
    """Deep nesting that may well parse: wrap part of a line in many
    parentheses, negate it many times, or repeat a name into a long chain."""
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    line = lines[i]
    bounds = _token_bounds(line)
    k = rng.choice((3, 60, 99, 100, 101, 150, 600, 1000))
    a, b = sorted((rng.choice(bounds), rng.choice(bounds)))
    what = rng.randrange(3)
    if what == 0:
        line = line[:a] + b"(" * k + line[a:b] + b")" * k + line[b:]
    elif what == 1:
        line = line[:a] + rng.choice((b"~", b"not ", b"~(")) * k + line[a:]
    else:
        names = list(re.finditer(rb"[A-Za-z_][A-Za-z0-9_.\-]*", line))
        if names:
            m = rng.choice(names)
            op = rng.choice((b" | ", b" ; ", b" & ", b" \\ ", b" /\\ ", b" \\/ ", b" => "))
            line = line[: m.start()] + op.join([m.group()] * k) + line[m.end():]
    lines[i] = line
    return b"\n".join(lines)


def _m_unicode(rng: random.Random, data: bytes) -> bytes:
    if rng.random() < 0.7:
        return _insert_at(rng, data, _text(rng.choice(UNICODE)))
    return _insert_at(rng, data, rng.choice(BAD_BYTES))


def _m_truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _m_bom(rng: random.Random, data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


def _m_line(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines.insert(j, lines[i])
    return b"\n".join(lines)


MUTATIONS: list[tuple[Callable[[random.Random, bytes], bytes], int]] = [
    (_m_delete, 4), (_m_duplicate, 2), (_m_swap, 2), (_m_tokens, 5), (_m_random_chars, 3),
    (_m_keyword, 5), (_m_huge, 2), (_m_nesting, 2), (_m_wrap, 3), (_m_unicode, 3), (_m_truncate, 1),
    (_m_bom, 1), (_m_line, 2), (_m_boundary, 3), (_m_crossover, 3),
]  # fmt: skip
_FUNCS = [f for f, _ in MUTATIONS]
_WEIGHTS = [w for _, w in MUTATIONS]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """``data`` with one to three random mutations."""
    for _ in range(rng.choice((1, 1, 2, 3))):
        data = rng.choices(_FUNCS, _WEIGHTS)[0](rng, data)
    return data


# ------------------------------------------------------------------ running the CLI


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` in-process: exit status, stdout, stderr. Fails the test
    with the traceback if anything escapes ``main``."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)
    except BaseException:  # noqa: BLE001 - any escape is the bug we look for
        pytest.fail(f"exception escaped main({argv}):\n{traceback.format_exc()}")
    return code, out.getvalue(), err.getvalue()


def check_outcome(path: Path, code: int, err: str) -> str | None:
    """What is wrong with a run on the mutant ``path`` (None if nothing)."""
    if code not in (0, 1, 2):
        return f"exit status {code}"
    if code != 2:
        return None
    if not err.endswith("\n") or err.count("\n") != 1:
        return f"stderr is not one line: {err!r}"
    line = err[:-1]
    if not line.isprintable():
        return f"stderr is not printable: {err!r}"
    if not re.match(re.escape(str(path)) + r":[0-9]+(:[0-9]+)?: \S", line):
        return f"stderr does not start with '{path}:LINE:COL: ': {err!r}"
    return None


def fuzz_tests(tmp: Path, seed: int, count: int, engine_runs: int) -> dict[str, int]:
    """Run ``count`` mutants of the test seeds; the engine on at most
    ``engine_runs`` of those that parse. Returns counts by outcome."""
    rng = random.Random(seed)
    seeds = [(p, p.read_bytes()) for p in TEST_SEEDS]
    stats = {"parse error": 0, "parsed": 0, "engine": 0}
    for k in range(count):
        src, data = rng.choice(seeds)
        mutant = mutate(data, rng)
        path = tmp / f"m{seed}-{k}{src.suffix}"
        path.write_bytes(mutant)
        try:
            load(path)
            parsed = True
        except LitmusError:
            parsed = False
        except BaseException:  # noqa: BLE001
            pytest.fail(f"seed {seed} mutant {k} of {src.name} ({path}): load raised\n"
                        f"{traceback.format_exc()}")
        stats["parsed" if parsed else "parse error"] += 1
        if parsed:
            if stats["engine"] >= engine_runs:
                path.unlink()
                continue
            stats["engine"] += 1
        code, _out, err = run_cli(["run", str(path), "-m", "sc", "--timeout", "5"])
        problem = check_outcome(path, code, err)
        assert problem is None, f"seed {seed} mutant {k} of {src.name} ({path}): {problem}"
        path.unlink()
    return stats


def fuzz_models(tmp: Path, seed: int, count: int, engine_runs: int) -> dict[str, int]:
    """Run ``count`` mutants of the bundled models (as ``--cat``) on a tiny test;
    evaluate at most ``engine_runs`` of those that parse."""
    rng = random.Random(seed)
    seeds = [(p, p.read_bytes()) for p in MODEL_SEEDS]
    small = tmp / "tiny.lit"
    small.write_text(SMALL_TEST)
    stats = {"parse error": 0, "parsed": 0, "engine": 0}
    for k in range(count):
        src, data = rng.choice(seeds)
        mutant = mutate(data, rng)
        path = tmp / f"c{seed}-{k}.cat"
        path.write_bytes(mutant)
        try:
            cat.load_cat(path, search_path=[ROOT / "models"])
            parsed = True
        except LitmusError:
            parsed = False
        except BaseException:  # noqa: BLE001
            pytest.fail(f"seed {seed} mutant {k} of {src.name} ({path}): load_cat raised\n"
                        f"{traceback.format_exc()}")
        stats["parsed" if parsed else "parse error"] += 1
        if parsed:
            if stats["engine"] >= engine_runs:
                path.unlink()
                continue
            stats["engine"] += 1
        code, _out, err = run_cli(["run", str(small), "--cat", str(path), "--timeout", "5"])
        problem = check_outcome(path, code, err)
        if problem is not None and err.startswith(f"{ROOT / 'models'}/"):
            # about a bundled model the mutant includes (an inserted "include")
            problem = check_outcome(Path(err.split(":")[0]), code, err)
        assert problem is None, f"seed {seed} mutant {k} of {src.name} ({path}): {problem}"
        path.unlink()
    cat.clear_cache()
    return stats


# ------------------------------------------------------------------ the tests


def test_the_seeds_are_there() -> None:
    assert len([p for p in TEST_SEEDS if p.suffix == ".litmus"]) >= 4
    assert len([p for p in TEST_SEEDS if p.suffix == ".lit"]) >= 100
    assert len(MODEL_SEEDS) >= 5


def test_mutator_is_deterministic_and_mutates() -> None:
    data = (ROOT / "tests" / "litmus" / "MP.lit").read_bytes()
    first = [mutate(data, random.Random(7)) for _ in range(3)]
    assert first == [mutate(data, random.Random(7)) for _ in range(3)]
    rng = random.Random(1)
    assert sum(mutate(data, rng) != data for _ in range(50)) >= 45


def test_check_outcome_catches_what_it_should(tmp_path: Path) -> None:
    p = tmp_path / "t.lit"
    assert check_outcome(p, 2, f"{p}:3:7: bad register 'X31'\n") is None
    assert check_outcome(p, 2, f"{p}:3: bad\n") is None
    assert check_outcome(p, 0, "") is None
    assert check_outcome(p, 2, "litmus: something\n") is not None
    assert check_outcome(p, 2, f"{p}:3:7: two\nlines\n") is not None
    assert check_outcome(p, 2, f"{p}:3:7: a\u2028b\n") is not None
    assert check_outcome(p, 2, f"{p}: no line\n") is not None
    assert check_outcome(p, 3, "") is not None


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzz_tests(tmp_path: Path, seed: int) -> None:
    stats = fuzz_tests(tmp_path, seed, count=1250, engine_runs=1250)
    assert stats["parse error"] > 600  # the mutator does break things
    assert stats["engine"] > 150  # and leaves some for the engine


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzz_models(tmp_path: Path, seed: int) -> None:
    stats = fuzz_models(tmp_path, seed, count=500, engine_runs=500)
    assert stats["parse error"] > 125  # models are half comments: many mutants still parse
    assert stats["engine"] > 125


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 110))
def test_fuzz_tests_slow(tmp_path: Path, seed: int) -> None:
    fuzz_tests(tmp_path, seed, count=5000, engine_runs=5000)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 110))
def test_fuzz_models_slow(tmp_path: Path, seed: int) -> None:
    fuzz_models(tmp_path, seed, count=2000, engine_runs=2000)
