"""What many test files share: the message-passing test and a CLI runner."""

from __future__ import annotations

from litmus.cli import main

#: Message passing without barriers: P1 may see the flag (y) and not the data
#: (x) under arm (herd7: MP Sometimes), never under sc and tso.
MP = """\
test MP
thread P0
  STR #1, [x]
  STR #1, [y]
thread P1
  LDR r0, [y]
  LDR r1, [x]
exists (P1:r0 = 1 /\\ P1:r1 = 0)
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``litmus ARGV...`` in this process: (exit status, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
