"""herd's odds (issue 11): what its reader accepts that a strict one would not,
read as herd7 reads it, each with the answer derived by hand in a comment.

- text before the initial state that is not ``key=value`` (herd's splitter,
  lib/splitter.mll ``find_init``, skips it): ignored with a warning;
- symbolic registers (``%name``, ``X%name``, ``W%name``), given real
  registers as herd's lib/symbReg.ml ``allocate_regs`` does;
- an unknown type name on a register (herd sizes a register's type only to
  compare or print it): ignored with a warning unless the condition names it;
- X86_64 memory operands in AT&T's full form ``disp(base,index,scale)``.

Bad input is one ``file:line:col`` message, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import litmus
from litmus.cli import main
from litmus.errors import ParseError, Pos
from litmus.program import Addr, LocRef, Reg, Shift
from litmus.syntax.herd import parse_herd

SNIPPET = """\
AArch64 T
{
0:X1=x; 1:X1=x;
}
 P0          | P1          ;
 MOV W0,#1   | LDR W0,[X1] ;
 STR W0,[X1] |             ;
exists (1:X0=1)
"""


def err(text: str, path: str = "t.litmus") -> str:
    with pytest.raises(ParseError) as info:
        parse_herd(text, path)
    message = str(info.value)
    assert "\n" not in message
    return message


def states(text: str, model: str = "arm") -> set[str]:
    return {s.herd_key() for s in litmus.check(parse_herd(text, "t.litmus"), model).states}


# --------------------------------------------------------------------------- before '{'


def test_stray_line_before_the_initial_state_is_ignored_with_a_warning() -> None:
    # herd's AArch64/A181 and A182 have a line 'q' there: herd's splitter
    # (lib/splitter.mll, find_init) skips any text up to '{' or the end of a
    # line that is not 'key=value', silently
    text = SNIPPET.replace("AArch64 T\n", "AArch64 T\nq\n")
    t = parse_herd(text, "t.litmus")
    assert t.warnings == (("'q' before the initial state ignored, as herd7 does",
                           Pos("t.litmus", 2, 1)),)
    assert str(litmus.diagnose(t)[0]) == \
        "t.litmus:2:1: warning: 'q' before the initial state ignored, as herd7 does"
    # the test is the one without the line: P1 reads 0 or 1
    assert states(text) == states(SNIPPET) == {"1:X0=0", "1:X0=1"}
    assert parse_herd(SNIPPET).warnings == ()


def test_a_row_with_fewer_cells_than_threads_is_warned_about() -> None:
    """Row 5 has one cell where the header names P0 and P1: its instruction is
    P0's, P1 gets nothing from it; said once, at the row's first character
    (column 2, after its leading blank). P0 stores 1 to x; P1 loads x: 0 or 1."""
    text = ("AArch64 C\n{ 0:X1=x; 1:X1=x; }\n P0          | P1          ;\n"
            " MOV W0,#1   | LDR W0,[X1] ;\n STR W0,[X1] ;\n STR W0,[X1] ;\nexists (1:X0=1)\n")
    t = parse_herd(text, "t.litmus")
    assert t.warnings == ((("this row has 1 cell but the table has 2 threads: P1 gets no "
                           "instruction from it (herd's own tests give every row all its "
                           "cells)"), Pos("t.litmus", 5, 2)),)
    assert len(t.threads[0].code) == 3 and len(t.threads[1].code) == 1
    assert states(text) == {"1:X0=0", "1:X0=1"}


def test_what_herd_skips_before_the_initial_state() -> None:
    # text before '{' on its line, and after the name on the header line
    t = parse_herd(SNIPPET.replace("AArch64 T\n{", "AArch64 T junk\nstray {"), "t.litmus")
    assert [(m.split("'")[1], p.line, p.col) for m, p in t.warnings] == \
        [("junk", 1, 11), ("stray", 2, 1)]
    assert dict(t.threads[1].init) == {Reg("X1"): LocRef("x")}
    # an info line starts its line; indented, herd skips it as any other text
    t = parse_herd(SNIPPET.replace("AArch64 T\n", "AArch64 T\nKey=v 1\n  Other=2\n"))
    assert t.meta == {"Key": "v 1"}
    assert [m for m, _ in t.warnings] == \
        ["'Other=2' before the initial state ignored, as herd7 does"]
    # an info line's value runs to its end, a '{' in it included: the initial
    # state is the next '{'
    t = parse_herd(SNIPPET.replace("AArch64 T\n", "AArch64 T\nKey={z}\n"))
    assert t.meta == {"Key": "{z}"} and t.warnings == () and "z" not in t.locations
    # a description line is not warned about
    assert parse_herd(SNIPPET.replace("AArch64 T\n", 'AArch64 T\n"d"\n"more"\n')).warnings == ()


def test_no_initial_state_is_still_an_error() -> None:
    # herd too refuses a file without '{' (splitter: "find init section")
    assert err(SNIPPET.replace("{\n", "")) == (
        "t.litmus:2:1: expected 'key=value' or the initial state '{ ... }', found "
        "'0:X1=x; 1:X1=x;' (and no '{' follows)")
    assert err("AArch64 T\n") == \
        "t.litmus:1:10: expected the initial state '{ ... }', found end of file"


def test_cli_prints_the_warning(tmp_path: Path, capsys) -> None:
    f = tmp_path / "q.litmus"
    f.write_text(SNIPPET.replace("AArch64 T\n", "AArch64 T\nq\n"))
    assert main(["run", "--no-cache", str(f)]) == 0
    assert f"{f}:2:1: warning: 'q' before the initial state ignored, as herd7 does" in \
        capsys.readouterr().err


# --------------------------------------------------------------------------- symbolic registers

SYMBOLIC = """\
AArch64 S
{ %a=x; uint64_t %b=5; 0:X1=y; x=7; }
 P0               ;
 MOV X0,%b        ;
 LDR W%c,[X%a]    ;
 STR W%c,[X1]     ;
exists (0:X0=5 /\\ %a=x /\\ [y]=7)
"""


def test_symbolic_registers_are_allocated_as_herd_does() -> None:
    # P0's code names X0 and X1, and the initial state 0:X1: the symbolic
    # registers a, b, c (in the order of their names) get the lowest free of
    # X0-X29: a = X2, b = X3, c = X4 (W%c is W4)
    t = parse_herd(SYMBOLIC, "t.litmus")
    th = t.threads[0]
    assert dict(th.init) == {Reg("X2"): LocRef("x"), Reg("X3"): 5, Reg("X1"): LocRef("y")}
    assert th.code[0].args == (Reg("X0"), Reg("X3"))
    assert th.code[1].args == (Reg("X4", 32), Addr(Reg("X2")))
    assert th.code[2].args == (Reg("X4", 32), Addr(Reg("X1")))
    assert th.types == {"X3": litmus.program.CTYPES["uint64_t"]}
    # X0 := b = 5; W4 := [x] = 7; [y] := 7; %a prints as the register it got
    r = litmus.check(t, "arm")
    assert {s.herd_key() for s in r.states} == {"0:X0=5; 0:X2=x; [y]=7"}
    assert r.observation == "always"


def test_a_symbolic_register_in_two_threads_not_named_elsewhere() -> None:
    # each thread gets its own register for %r (herd: no ambiguity unless the
    # initial state or condition names %r); neither is initialised: both 0
    text = """\
AArch64 U
{ }
 P0          | P1          ;
 MOV X0,%r   | ADD X5,%r,#2 ;
exists (0:X0=0 /\\ 1:X5=2)
"""
    t = parse_herd(text)
    # P0 names X0: %r is X1 there; P1 names X5: %r is X0 there
    assert t.threads[0].code[0].args == (Reg("X0"), Reg("X1"))
    assert t.threads[1].code[0].args[:2] == (Reg("X5"), Reg("X0"))
    assert states(text) == {"0:X0=0; 1:X5=2"}


@pytest.mark.parametrize("text, message", [
    # in the initial state, in no thread's code (herd: "symbolic register %z
    # does not appear in code")
    (SYMBOLIC.replace("x=7;", "x=7; %z=1;"),
     "t.litmus:2:37: symbolic register %z does not appear in code"),
    # named by the initial state and used by two threads (herd: "ambiguous
    # symbolic register(s)")
    ("AArch64 A\n{ %a=x; }\n P0 | P1 ;\n MOV X0,%a | MOV X1,%a ;\nexists (0:X0=x)\n",
     "t.litmus:2:3: ambiguous symbolic register %a: threads P0 and P1 both use it"),
    # in the condition, not in the initial state (herd: "Post-condition
    # introduces new symbolic location(s)")
    (SYMBOLIC.replace("%a=x /\\", "%c=7 /\\"),
     "t.litmus:7:19: symbolic register %c in the final condition has no initial value"),
    # with a thread: herd reads 0:%a as a register named '%a', which is none
    ("AArch64 B\n{ 0:%a=x; }\n P0 ;\n MOV X0,%a ;\nexists (0:X0=0)\n",
     "t.litmus:2:5: bad register '%a'"),
])
def test_symbolic_register_errors(text: str, message: str) -> None:
    assert err(text).startswith(message)


def test_not_enough_registers_for_the_symbolic_ones() -> None:
    # X0-X29 are herd's registers for symbolic ones (not X30, the link
    # register): a thread with 31 symbolic registers is refused
    rows = "".join(f" MOV X%s{k:02},#0 ;\n" for k in range(31))
    text = f"AArch64 N\n{{ }}\n P0 ;\n{rows}exists (x=0)\n"
    assert err(text) == ("t.litmus:34:6: not enough registers for the 31 symbolic registers "
                         "of thread P0 (30 of X0-X29 are free)")


def test_x86_percent_names_stay_registers() -> None:
    text = "X86_64 T\n{ }\n P0 ;\n movq $1,%foo ;\nexists (0:rax=0)\n"
    assert err(text).startswith("t.litmus:4:10: bad register '%foo'")


# --------------------------------------------------------------------------- unknown types


def test_unknown_type_of_a_register_the_condition_does_not_name() -> None:
    # herd's AArch64/A73: 'unit64_t 0:X1=1' -- herd takes any name as a type
    # and sizes a register's only to compare or print its value, so X1 is an
    # untyped register holding 1: X0 = 42 + (1 >> 0) = 43
    text = """\
AArch64 A73
{ uint64_t 0:X0=42; unit64_t 0:X1=1; }
 P0 ;
 ADDS X0, X0, X1, lsr #0 ;
exists (0:X0=43)
"""
    t = parse_herd(text, "t.litmus")
    assert t.warnings == ((("unknown type 'unit64_t' (did you mean uint64_t?) of register "
                           "0:X1 ignored, as herd7 does (no condition names the register)"),
                           Pos("t.litmus", 2, 21)),)
    assert t.threads[0].types.keys() == {"X0"}
    assert states(text) == {"0:X0=43"}


def test_unknown_type_where_herd_needs_it() -> None:
    # compared or printed (condition, filter, locations): herd stops ("Cannot
    # find the size of type"); on a location, herd sizes every one
    text = "AArch64 T\n{ unit64_t 0:X1=1; }\n P0 ;\n MOV X0,X1 ;\nexists (0:X1=1)\n"
    assert err(text) == ("t.litmus:2:3: unknown type 'unit64_t' (did you mean uint64_t?) of "
                         "register 0:X1, which the final condition names: herd7 cannot "
                         "compare or print a value of a type it does not know")
    assert err(text.replace("exists (0:X1=1)", "locations [0:X1;]\nexists (0:X0=1)")) \
        .startswith("t.litmus:2:3: unknown type 'unit64_t'")
    assert err(text.replace("0:X1=1", "x=1")) == \
        "t.litmus:2:3: unknown type 'unit64_t' (did you mean uint64_t?)"


def test_unknown_type_of_a_symbolic_register() -> None:
    text = SYMBOLIC.replace("uint64_t %b", "word_t %b")
    t = parse_herd(text, "t.litmus")
    assert [m for m, _ in t.warnings] == [("unknown type 'word_t' of register 0:X3 ignored, as "
                                          "herd7 does (no condition names the register)")]


# --------------------------------------------------------------------------- AT&T addresses


def x86(body: str, init: str, cond: str) -> str:
    return f"X86_64 T\n{{\n{init}\n}}\n P0 ;\n{body}exists ({cond})\n"


def test_scaled_index_address() -> None:
    # herd's X86_64/A009: 0(%rax,%rbx,8) with rax = &t, rbx = 1 is
    # t + 1*8 + 0 = &t[1] (int64_t elements): rcx = -1
    text = x86(" movq 0(%rax,%rbx,8),%rcx ;\n",
               "int64_t t[2]={1,-1}; 0:rax=t; 0:rbx=1; int64_t 0:rcx;", "0:rcx=-1")
    t = parse_herd(text)
    assert t.threads[0].code[0].args == (Reg("RCX"), Addr(Reg("RAX"), Shift(Reg("RBX"), "LSL", 3)))
    assert states(text, "tso") == {"0:rcx=-1"}


def test_address_forms() -> None:
    # 8(%rax,%rbx,4) with rax = &t, rbx = 1 (int32_t elements of 4 bytes):
    # t + 4 + 8 = &t[3] = 40
    text = x86(" movl 8(%rax,%rbx,4),%ecx ;\n",
               "int32_t t[4]={10,20,30,40}; 0:rax=t; 0:rbx=1;", "0:rcx=40")
    assert parse_herd(text).threads[0].code[0].args[1] == \
        Addr(Reg("RAX"), Shift(Reg("RBX"), "LSL", 2), disp=8)
    assert states(text, "tso") == {"0:rcx=40"}
    # (%rax): the address rax holds, &y: rcx = y's 3
    text = x86(" movq (%rax),%rcx ;\n", "y=3; 0:rax=y;", "0:rcx=3")
    assert states(text, "tso") == {"0:rcx=3"}
    # 16(%rax): &t + 16 = &t[2] (int64_t): a store of 5 there
    text = x86(" movq $5,16(%rax) ;\n", "int64_t t[3]; 0:rax=t;", "t={0,0,5}")
    assert states(text, "tso") == {"t={0,0,5}"}
    # x(%rbx), the location plus rbx = 8: &x[1]; (x,%rbx) without a base is
    # x + rbx too, scale 1 (x(,%rbx,1))
    for operand in ("x(%rbx)", "x(,%rbx,1)", "x(,%rbx)"):
        text = x86(f" movq $5,{operand} ;\n", "int64_t x[2]; 0:rbx=8;", "x={0,5}")
        assert states(text, "tso") == {"x={0,5}"}, operand
    # an address computed from a load is an address dependency
    text = x86(" movq (x),%rax ;\n movq (%rax),%rbx ;\n", "x=y; y=2;", "0:rbx=2")
    eg = litmus.events(parse_herd(text))
    # (the read through rax is one event per value rax may hold: &y, &x)
    reads = {e.eid: e.loc for e in eg.events if e.kind == "R"}
    assert {(reads[a], reads[b]) for a, b in eg.pairs("addr")} == {("x", "y"), ("x", "x")}
    assert states(text, "tso") == {"0:rbx=2"}


def test_addr_prints_its_displacement() -> None:
    assert str(Addr(Reg("RAX"), Shift(Reg("RBX"), "LSL", 3), disp=8)) == "[RAX, RBX, LSL #3, #8]"
    assert str(Addr(LocRef("x"))) == "[x]"


@pytest.mark.parametrize("operand, message", [
    # the SDM's scales are 1, 2, 4 and 8
    ("0(%rax,%rbx,3)", ("6:19: the scale of '0(%rax,%rbx,3)' is 1, 2, 4 or 8 (Intel SDM vol. 2, "
                       "2.1.5), found '3'")),
    ("0(%rax,%rbx,x)", "6:19: the scale of '0(%rax,%rbx,x)' is 1, 2, 4 or 8"),
    ("(%eax)", ("6:8: the base register of '(%eax)' is 32-bit, '%eax': addresses are "
               "computed on 64-bit registers")),
    ("(%rax,%rsp,2)", "6:13: '%rsp' cannot be an index register"),
    ("(,%rbx,8)", ("6:7: unsupported memory operand '(,%rbx,8)': an index without a base "
                  "register")),
    ("x(%rax,%rbx,8)", ("6:7: unsupported memory operand 'x(%rax,%rbx,8)': a location plus "
                       "a base and an index register")),
    ("8(x)", "6:9: expected a register as the base of '8(x)' (as in %rax), found 'x'"),
    ("(%rax,%rbx,8,1)", ("6:7: unsupported memory operand '(%rax,%rbx,8,1)': AT&T's is "
                        "disp(base,index,scale)")),
    ("(%rax,y)", "6:13: expected a register as the index of '(%rax,y)'"),
    ("$1(%rax)", "6:7: expected a displacement (an integer or a location) before '('"),
    ("()", "6:8: expected a location or register inside '()', found nothing"),
])
def test_bad_addresses(operand: str, message: str) -> None:
    text = x86(f" movq {operand},%rcx ;\n", "0:rax=x;", "0:rcx=0")
    assert err(text).startswith("t.litmus:" + message)


def test_an_address_that_is_no_location_is_refused_when_run() -> None:
    # rax = &x, 8(%rax) is past x: one message when the test runs
    text = x86(" movq 8(%rax),%rcx ;\n", "0:rax=x;", "0:rcx=0")
    with pytest.raises(litmus.LitmusError) as info:
        litmus.check(parse_herd(text, "t.litmus"), "tso")
    assert "is not a location of the test" in str(info.value)
    assert "\n" not in str(info.value)
