"""The README's terminal samples are what the tool prints.

Each fenced block that starts with ``$ litmus ...`` is run from the
repository's root; its lines must be the command's output (trailing blanks
ignored). A line ``...`` stands for lines left out: the lines around it must
still appear, in order. The verdicts in those samples are the spec's
(examples/doorbell.lit: device Never by D1 + D5, arm Sometimes), so a
change in the engine's answer fails here as well as in the corpus tests.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from cliutil import run

ROOT = Path(__file__).resolve().parent.parent
#: Files a sample names that stand for the reader's own (written before it runs).
USER_FILES = {"bad.lit": "test bad\nthread P0\n  STRR #1, [x]\nexists (x = 1)\n"}
SAMPLES = [(m.group(1), m.group(2)) for m in re.finditer(
    r"```[a-z]*\n\$ (litmus [^\n]*)\n(.*?)```", (ROOT / "README.md").read_text(),
    flags=re.DOTALL)]


def test_the_readme_has_samples():
    assert len(SAMPLES) >= 5


@pytest.mark.parametrize("command,shown", SAMPLES, ids=[c for c, _ in SAMPLES])
def test_a_readme_sample_is_what_the_tool_prints(command, shown, capsys, monkeypatch,
                                                  tmp_path):
    monkeypatch.setenv("COLUMNS", "100")
    argv = shlex.split(command)[1:]
    mine = [a for a in argv if a in USER_FILES]
    for name in mine:
        (tmp_path / name).write_text(USER_FILES[name])
    monkeypatch.chdir(tmp_path if mine else ROOT)
    _, out, err = run(capsys, *argv)
    got = [line.rstrip() for line in (out + err).splitlines()]
    want = [line.rstrip() for line in shown.splitlines()]
    if "..." not in want:
        assert [g for g in got if g] == [w for w in want if w], command
        return
    i = 0
    for w in (w for w in want if w and w != "..."):
        while i < len(got) and got[i] != w:
            i += 1
        assert i < len(got), f"{command}: {w!r} not printed (in order)"
        i += 1
