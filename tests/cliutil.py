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


#: herd's MP: arm (herd's default for AArch64) allows the outcome (Sometimes).
MP_HERD = """\
AArch64 MP
{
0:X1=x; 0:X3=y;
1:X1=y; 1:X3=x;
}
 P0          | P1          ;
 MOV W0,#1   | LDR W0,[X1] ;
 STR W0,[X1] | LDR W2,[X3] ;
 MOV W2,#1   |             ;
 STR W2,[X3] |             ;
exists (1:X0=1 /\\ 1:X2=0)
"""
