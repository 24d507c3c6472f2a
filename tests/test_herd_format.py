"""herd's .litmus format (litmus.syntax.herd): the reference catalogue, read in
place, structure, AT&T conversion, and one-line errors for malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest
from expectations import REFERENCE

import litmus
from litmus.api import detect_format
from litmus.cli import main
from litmus.errors import ParseError, Pos
from litmus.program import (
    Addr,
    Imm,
    Label,
    LocRef,
    MemAtom,
    Observable,
    PAnd,
    PConst,
    PNot,
    POr,
    Reg,
    RegAtom,
    Shift,
    Sym,
    format_condition,
)
from litmus.syntax.herd import parse_herd
from litmus.syntax.instructions import RawImm, RawMem, RawName, att_to_intel

CATALOGUE = REFERENCE / "herd-catalogue"
SCALING = REFERENCE / "scaling"


def reference_files() -> list[Path]:
    files = sorted(CATALOGUE.glob("*/*.litmus")) + sorted(SCALING.glob("*.litmus"))
    return files


needs_reference = pytest.mark.needs(CATALOGUE / "expected.jsonl")


def load_ref(rel: str):
    path = REFERENCE / rel
    return parse_herd(path.read_text(), str(path))


def err(text: str, path: str = "t.litmus") -> str:
    with pytest.raises(ParseError) as info:
        parse_herd(text, path)
    return str(info.value)


# --------------------------------------------------------------------------- the catalogue


@needs_reference
def test_every_reference_file_parses() -> None:
    files = reference_files()
    assert len(files) == 126  # 70 aarch64 + 51 x86 + 5 scaling
    for f in files:
        text = f.read_text()
        assert detect_format(text) == "herd", f
        test = parse_herd(text, str(f))
        assert test.format == "herd" and test.source == str(f)
        assert test.arch == ("x86" if f.parent.name == "x86" else "aarch64"), f
        assert test.threads and all(t.name == f"P{t.index}" for t in test.threads)
        mtype = "wb" if test.arch == "x86" else "normal"
        assert all(loc.mtype == mtype for loc in test.locations.values())


@needs_reference
def test_names_agree_with_herd_output() -> None:
    import json

    for line in (CATALOGUE / "expected.jsonl").read_text().splitlines():
        rec = json.loads(line)
        test = load_ref("herd-catalogue/" + rec["file"])
        assert test.name == rec["name"]
        assert format_condition(test.condition) == rec["condition"]


@needs_reference
def test_mp_structure() -> None:
    t = load_ref("herd-catalogue/aarch64/MP.litmus")
    assert t.name == "MP" and t.arch == "aarch64"
    assert t.doc == "PodWW Rfe PodRR Fre"
    assert t.meta["Cycle"] == "Rfe PodRR Fre PodWW"
    assert t.meta["Prefetch"] == "0:x=F,0:y=W,1:y=F,1:x=T"
    assert len(t.threads) == 2
    p0, p1 = t.threads
    assert dict(p0.init) == {Reg("X1"): LocRef("x"), Reg("X3"): LocRef("y")}
    assert dict(p1.init) == {Reg("X1"): LocRef("y"), Reg("X3"): LocRef("x")}
    assert [i.op for i in p0.code] == ["MOV", "STR", "MOV", "STR"]
    assert p0.code[1].args == (Reg("X0", 32), Addr(Reg("X1")))
    assert p0.code[1].pos == Pos(str(REFERENCE / "herd-catalogue/aarch64/MP.litmus"), 14, 2)
    assert p1.pos is not None and p1.pos.line == 12
    assert list(t.locations) == ["x", "y"]
    assert t.condition.quantifier == "exists"
    assert t.condition.prop == PAnd(
        (
            RegAtom("P1", Reg("X0"), 1, "1:X0"),
            RegAtom("P1", Reg("X2"), 0, "1:X2"),
        )
    )
    assert t.condition.pos is not None and t.condition.pos.line == 17  # "exists" alone


@needs_reference
def test_labels_cas_csel_swp() -> None:
    t = load_ref("herd-catalogue/aarch64/LB+CAS-rfi-ctrl+DMBSY.litmus")
    p0 = t.threads[0]
    assert p0.labels == {"LC00": 5}  # a label alone in a cell
    assert p0.code[4].op == "CBNZ" and p0.code[4].args == (Reg("X3", 32), Label("LC00"))
    assert p0.code[2].op == "CAS"
    assert p0.code[2].args == (Reg("X1", 32), Reg("X2", 32), Addr(Reg("X0")))

    t = load_ref("herd-catalogue/aarch64/MP+CAS-rfi-ctrl+acq.litmus")
    assert t.threads[0].labels == {"out": 6}  # after the last instruction

    t = load_ref("herd-catalogue/aarch64/MP+rel+CASacq-noret-ok.litmus")
    casa = t.threads[1].code[1]
    assert casa.op == "CASA" and casa.args == (Reg("XZR", 32), Reg("X4", 32), Addr(Reg("X3")))
    assert t.locations["y"].init == 2

    t = load_ref("herd-catalogue/aarch64/MP+rel+CSEL.litmus")
    csel = t.threads[1].code[4]
    assert csel.op == "CSEL"
    assert csel.args == (Reg("X2", 32), Reg("XZR", 32), Reg("X5", 32), Sym("NE"))
    ldr = t.threads[1].code[5]
    assert ldr.args == (Reg("X6", 32), Addr(Reg("X1"), Shift(Reg("X2", 32), "SXTW")))

    t = load_ref("herd-catalogue/aarch64/MP+rel+LDADDnoret-dmb.ld.litmus")
    assert t.threads[1].code[1].args == (Reg("X4", 32), Reg("XZR", 32), Addr(Reg("X3")))
    t = load_ref("herd-catalogue/aarch64/LB+SWP-RsRt-addr+rel.litmus")
    swp = t.threads[0].code[1]
    assert swp.op == "SWP" and swp.args == (Reg("X0", 32), Reg("X12", 32), Addr(Reg("X10")))


@needs_reference
def test_init_and_condition_with_spaces() -> None:
    t = load_ref("herd-catalogue/aarch64/LB+rel+CAS-ok-MRs-addr.litmus")
    assert t.name == "LB+rel+CAS-ok-MRs-addr"  # herd drops a ".litmus" suffix
    assert dict(t.threads[1].init) == {Reg("X0"): LocRef("x"), Reg("X1"): LocRef("y")}
    assert format_condition(t.condition) == "exists (0:X3=1 /\\ 1:X3=1)"
    t = load_ref("herd-catalogue/aarch64/MP+rel+CAS-ok-bothRs-addr.litmus")
    assert t.locations["z"].init == 3  # int z=3;
    assert t.threads[1].init[Reg("X3")] == 5  # 1:X4=z;1:X3=5;
    assert t.condition.prop.args[-1] == MemAtom("z", 5)  # trailing ';'
    t = load_ref("herd-catalogue/aarch64/STABLE.litmus")
    assert t.meta == {"Stable": "X2"} and t.condition.quantifier == "forall"
    assert all(not th.init for th in t.threads)  # {}
    t = load_ref("herd-catalogue/aarch64/MP+rel+swp-acq.litmus")
    assert t.meta["Hash"] == "888df33148f87689cd7e94563e4ac353"
    assert t.extra_observed == (Observable("1:X6", thread="P1", reg=Reg("X6")),)
    assert [o.key for o in t.observed] == ["1:X2", "1:X0", "1:X6"]


@needs_reference
def test_x86_intel_and_att() -> None:
    t = load_ref("herd-catalogue/x86/MP+mfences.litmus")
    p0, p1 = t.threads
    assert [i.op for i in p0.code] == ["MOV", "MFENCE", "MOV"]
    assert p0.code[0].args == (Addr(LocRef("x")), Imm(1))
    assert p1.code[0].args == (Reg("RAX", 32), Addr(LocRef("y")))
    assert t.condition.prop.args[0] == RegAtom("P1", Reg("RAX", 32), 1, "1:EAX")
    assert t.locations["x"].mtype == "wb"

    t = load_ref("herd-catalogue/x86/x86_64-MP+po+po-rfi-po.litmus")
    assert t.name == "MP+po+po-rfi-po" and t.arch == "x86"
    p0, p1 = t.threads
    assert p0.code[0].op == "MOV" and p0.code[0].args == (Addr(LocRef("x")), Imm(1))
    assert p0.code[0].text == "movl $1,(x)"
    assert p1.code[0].args == (Reg("RAX", 32), Addr(LocRef("y")))
    atom = t.condition.prop.args[0]
    assert atom == RegAtom("P1", Reg("RAX", 64), 1, "1:rax")
    assert atom.reg.width == 64
    assert list(t.locations) == ["x", "y", "z"]

    t = load_ref("herd-catalogue/x86/x86_64-RWC+po+mfence.litmus")
    assert len(t.threads) == 3 and [i.op for i in t.threads[2].code] == ["MOV", "MFENCE", "MOV"]


@needs_reference
@pytest.mark.parametrize(
    "rel, model",
    [
        ("herd-catalogue/aarch64/MP.litmus", "arm"),
        ("herd-catalogue/aarch64/MP+rel+CASacq-ok.litmus", "arm"),
        ("herd-catalogue/aarch64/LB+rel+BEQ.litmus", "arm"),
        ("herd-catalogue/x86/SB+mfences.litmus", "tso"),
        ("herd-catalogue/x86/x86_64-SB.litmus", "tso"),
    ],
)
def test_engine_runs_on_herd_tests(rel: str, model: str) -> None:
    result = litmus.check(load_ref(rel), model)
    assert result.states


@needs_reference
def test_load_and_cli(capsys) -> None:
    path = CATALOGUE / "x86" / "SB.litmus"
    test = litmus.load(str(path))
    assert test.format == "herd" and test.name == "SB"
    assert main(["run", str(path), "--model", "tso"]) == 0
    assert "0:EAX=0" in capsys.readouterr().out


# --------------------------------------------------------------------------- structure

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


def test_snippet_and_positions() -> None:
    t = parse_herd(SNIPPET, "t.litmus")
    assert t.name == "T" and t.source == "t.litmus" and t.format == "herd"
    assert [len(th.code) for th in t.threads] == [2, 1]
    assert t.threads[1].code[0].pos == Pos("t.litmus", 6, 16)
    assert t.threads[0].pos == Pos("t.litmus", 5, 2)
    assert t.locations["x"].pos == Pos("t.litmus", 3, 6)


def test_header_variants() -> None:
    t = parse_herd(SNIPPET.replace("AArch64 T", 'ARM64 T "a description"'))
    assert t.arch == "aarch64" and t.doc == "a description"
    t = parse_herd(SNIPPET.replace("AArch64 T", 'AArch64 T\n"on the next line"\nKey = v 1'))
    assert t.doc == "on the next line" and t.meta == {"Key": "v 1"}
    assert parse_herd(SNIPPET.replace("AArch64 T", "AArch64 --"), "dir/X+y.litmus").name == "X+y"


def test_windows_line_endings_and_comments() -> None:
    text = SNIPPET.replace("MOV W0,#1  ", "(* c *)MOV W0,#1").replace("\n", "\r\n")
    text = text.replace("exists", "(* a\r\n (* nested *) comment *)\r\nexists")
    t = parse_herd(text + "\r\n\r\n")
    assert t.threads[0].code[0].args == (Reg("X0", 32), Imm(1))
    assert t.condition.pos is not None and t.condition.pos.line == 10


def test_init_forms() -> None:
    text = SNIPPET.replace(
        "0:X1=x; 1:X1=x;",
        "0: X1 = x; 1:X1=x; P1:X3=5; y=2; int z=1; int64_t w; uint64_t v = 0x10;\n"
        "  u = 0;; int* p = &y; [q]=-1",
    )
    t = parse_herd(text)
    assert {k: loc.init for k, loc in t.locations.items()} == {
        "x": 0, "y": 2, "z": 1, "w": 0, "v": 16, "u": 0, "p": LocRef("y"), "q": -1,
    }  # fmt: skip
    assert dict(t.threads[1].init) == {Reg("X1"): LocRef("x"), Reg("X3"): 5}
    assert parse_herd(SNIPPET.replace("0:X1=x; 1:X1=x;", "")).threads[0].init == {}


def test_table_layout() -> None:
    text = """\
AArch64 T
{ 0:X1=x; 1:X1=y; }
P0|P1;
MOV W0,#1|LDR W0,[X1];
L0: STR W0,[X1]
  ;
|L1:;
| B L1 ;
exists 1:X0=1
"""
    # rows end at ';', whatever the line breaks; a backward branch is a loop
    t = parse_herd(text)
    assert t.threads[0].labels == {"L0": 1} and t.threads[1].labels == {"L1": 1}
    assert [i.op for i in t.threads[1].code] == ["LDR", "B"]
    text = text.replace("STR W0,[X1]\n  ;", "STR W0,[X1] ;").replace("| B L1 ;", "| MOV W2,#3;")
    t = parse_herd(text.replace("|L1:;", "|L1: B L2;\n| L2: ;"))
    p0, p1 = t.threads
    assert p0.labels == {"L0": 1} and [i.op for i in p0.code] == ["MOV", "STR"]  # short rows
    assert p1.labels == {"L1": 1, "L2": 2} and [i.op for i in p1.code] == ["LDR", "B", "MOV"]


def test_condition_forms() -> None:
    def cond(c: str):
        return parse_herd(SNIPPET.replace("exists (1:X0=1)", c)).condition

    c = cond("exists\n(x=1 /\\ [x]=1)")
    assert c.quantifier == "exists" and c.prop == PAnd((MemAtom("x", 1), MemAtom("x", 1)))
    assert cond("~exists (1:X0=1)").quantifier == "~exists"
    assert cond("~ exists 1:X0=1").quantifier == "~exists"
    c = cond("forall 0: X0 = 1 \\/ ~(1:X0=2 /\\ true) \\/ false;")
    assert c.quantifier == "forall"
    assert c.prop == POr(
        (
            RegAtom("P0", Reg("X0"), 1, "0:X0"),
            PNot(PAnd((RegAtom("P1", Reg("X0"), 2, "1:X0"), PConst(True)))),
            PConst(False),
        )
    )
    # herd prints a negation as `not (...)`: herd7 7.58 prints `0:X4<>0 /\\ x=1`
    # (its instruction test L103) as `exists (not (0:X4=0) /\\ [x]=1)`
    assert format_condition(cond("exists (1:X0=x /\\ 0:X0 != 2)")) == (
        "exists (1:X0=x /\\ not (0:X0=2))"
    )
    assert cond("exists 1:X0=1 => x=1").prop == POr(
        (PNot(RegAtom("P1", Reg("X0"), 1, "1:X0")), MemAtom("x", 1))
    )


def test_locations_and_filter() -> None:
    t = parse_herd(SNIPPET.replace("exists", "locations [x; 0:X1; [y];]\nfilter 1:X0=1\nexists"))
    assert t.extra_observed == (
        Observable("[x]", loc="x"),
        Observable("0:X1", thread="P0", reg=Reg("X1")),
        Observable("[y]", loc="y"),
    )
    assert t.filter == RegAtom("P1", Reg("X0"), 1, "1:X0")
    assert "y" in t.locations


def test_att_to_intel() -> None:
    pos = Pos("t", 1, 1)
    mem = RawMem((RawName("x", pos),), pos, "(x)")
    eax = RawName("%eax", pos)
    assert att_to_intel("movl", [RawImm(1, pos, prefix="$"), mem], pos) == (
        "MOV",
        [mem, RawImm(1, pos, prefix="$")],
    )
    assert att_to_intel("lock xaddq", [eax, mem], pos) == ("LOCK XADD", [mem, eax])
    assert att_to_intel("lock cmpxchgl", [mem, eax], pos) == ("LOCK CMPXCHG", [mem, eax])
    assert att_to_intel("lock xchgl", [eax, mem], pos) == ("XCHG", [mem, eax])
    assert att_to_intel("MFENCE", [], pos) == ("MFENCE", [])


def test_att_instructions() -> None:
    text = """\
X86_64 T
{ }
 P0                  | P1            ;
 movq $1,(x)         | movl (x),%eax ;
 lock xaddl %ebx,(x) | xchgq %rcx,(y) ;
 lock incl (y)       | mfence        ;
exists (1:rax=1 /\\ [x]=2)
"""
    p0, p1 = parse_herd(text).threads
    assert [(i.op, i.args) for i in p0.code] == [
        ("MOV", (Addr(LocRef("x")), Imm(1))),
        ("LOCK XADD", (Addr(LocRef("x")), Reg("RBX", 32))),
        ("LOCK INC", (Addr(LocRef("y")),)),
    ]
    assert [(i.op, i.args) for i in p1.code] == [
        ("MOV", (Reg("RAX", 32), Addr(LocRef("x")))),
        ("XCHG", (Addr(LocRef("y")), Reg("RCX", 64))),
        ("MFENCE", ()),
    ]


def test_x86_intel_forms() -> None:
    text = """\
X86 T
{ x=1; 0:EAX=2; }
 P0                 | P1          ;
 MOV [x],1          | MOV EAX,[x] ;
 LOCK; XADD [x],EAX | XCHG EBX,[y] ;
exists (1:EAX=1 /\\ x=2)
"""
    t = parse_herd(text)
    p0, p1 = t.threads
    assert p0.code[0].args == (Addr(LocRef("x")), Imm(1))  # herd: a bare integer is immediate
    assert p0.code[1].op == "LOCK XADD"
    assert p1.code[1].args == (Addr(LocRef("y")), Reg("RBX", 32))
    assert dict(p0.init) == {Reg("RAX", 32): 2}
    assert t.locations["x"].init == 1 and t.locations["x"].mtype == "wb"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("MOV W0,#1", "MOVE W0,#1", "t.litmus:6:2: unknown instruction 'MOVE' (did you mean MOV?)"),
        ("STR W0,[X1]", "STR Q0,[X1]", "t.litmus:7:6: bad register 'Q0'"),
        ("exists (1:X0=1)\n", "", "t.litmus:7:29: expected a final condition ('exists',"),
        ("exists", "exist", "t.litmus:8:1: expected a final condition ('exists', '~exists' or"),
        ("0:X1=x;", "0:X1=;", "t.litmus:3:6: expected an initial value (an integer or a location"),
        ("0:X1=x;", "0:X1 x;", "t.litmus:3:6: expected ';' between initial values, found 'x'"),
        ("0:X1=x;", "0:X1=(oa:x);", "t.litmus:3:6: expected an initial value"),
        ("0:X1=x;", "0:Q1=x;", "t.litmus:3:3: bad register 'Q1'"),
        ("0:X1=x;", "2:X1=x;", "t.litmus:3:1: unknown thread '2' in the initial state"),
        ("0:X1=x;", "x=1; x=2;", "t.litmus:3:6: duplicate initial value for location 'x'"),
        (
            " STR W0,[X1] |             ;",
            " STR W0,[X1] |   | NOP ;",
            "t.litmus:7:18: this row has 3 cells but the table has 2 threads (P0..P1)",
        ),
        ("exists (1:X0=1)", "exists (5:X0=1)", "t.litmus:8:9: unknown thread '5' in the"),
        ("exists (1:X0=1)", "exists (1:Y0=1)", "t.litmus:8:11: bad register 'Y0'"),
        ("exists (1:X0=1)", "exists (1:X0=1", "t.litmus:9:1: expected ')' to close the '(' at"),
        ("exists (1:X0=1)", "exists (1:X0=1) foo", "t.litmus:8:17: unexpected 'foo' after the"),
        ("exists (1:X0=1)", "exists (1:X0 1)", "t.litmus:8:14: expected '=' after 'X0',"),
        ("LDR W0,[X1] ;", "LDR W0,[X1]", "t.litmus:6:27: expected ';' at the end of this row"),
        ("AArch64 T", "PPC T",
         "t.litmus:1:1: architecture PPC is not supported (supported: AArch64, X86, X86_64)"),
        ("AArch64 T", "AArch64", "t.litmus:1:8: expected a test name after 'AArch64'"),
        ("| P1 ", "| P2 ", "t.litmus:5:16: expected thread name P1 in the header of the thread"),
        ("{\n", "", "t.litmus:2:1: expected 'key=value' or the initial state '{ ... }'"),
        ("}\n", "", "t.litmus:2:1: unterminated initial state: '{' without '}'"),
        ("MOV W0,#1", "MOVZ W0,#1,LSL #8",
         "t.litmus:6:10: MOVZ shifts its immediate by LSL #0 or #16, found LSL #8"),
        ("MOV W0,#1", "UDF #0", "t.litmus:6:2: not supported: exceptions (UDF"),
        ("MOV W0,#1", "B.EQ L1", "t.litmus:6:7: unknown label 'L1' in thread P0"),
        ("MOV W0,#1", "(* MOV W0,#1", "t.litmus:6:2: unterminated comment"),
        ("LDR W0,[X1]", "LDR W0,[X1", "t.litmus:6:23: unbalanced '['"),
        ("LDR W0,[X1]", "LDR W0,,[X1]", "t.litmus:6:23: expected an operand, found nothing"),
        ("LDR W0,[X1]", "MFENCE", "t.litmus:6:16: 'MFENCE' is an x86 instruction"),
        ("LDR W0,[X1]", "L:L: NOP   ", "t.litmus:6:18: duplicate label 'L'"),
    ],
)
def test_errors(old: str, new: str, message: str) -> None:
    assert old in SNIPPET
    assert err(SNIPPET.replace(old, new, 1)).startswith(message)


def test_condition_errors_in_full() -> None:
    assert err(SNIPPET.replace("exists (1:X0=1)\n", "")) == (
        "t.litmus:7:29: expected a final condition ('exists', '~exists' or 'forall'), "
        "found end of file"
    )
    assert err(SNIPPET.replace("exists", "exist")) == (
        "t.litmus:8:1: expected a final condition ('exists', '~exists' or 'forall'), "
        "found 'exist' (did you mean exists?)"
    )
    assert err(SNIPPET.replace("exists (1:X0=1)", "exists (5:X0=1)")) == (
        "t.litmus:8:9: unknown thread '5' in the condition (the test has threads P0..P1)"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "t.litmus:1:1: empty test"),
        ("\n{ }\n", "t.litmus:2:1: expected a header line such as 'AArch64 NAME', found '{ }'"),
        ("X86_64 T\n{}\n P0 ;\n movb $1,(x) ;\nexists ([x]=1)\n",
         "t.litmus:4:2: 'movb': 8-bit accesses are not supported"),
        ("X86_64 T\n{}\n P0 ;\n movz $1,(x) ;\nexists ([x]=1)\n",
         "t.litmus:4:2: unknown instruction 'movz' (did you mean mov?)"),
        ("X86_64 T\n{}\n P0 ;\n addl $1,(x) ;\nexists ([x]=1)\n",
         "t.litmus:4:2: 'addl' on memory is supported only as a locked instruction"),
        ("X86_64 T\n{}\n P0 ;\n movl $1,x(%rax,%rbx,8) ;\nexists ([x]=1)\n",
         "t.litmus:4:10: unsupported memory operand 'x(%rax,%rbx,8)': a location plus"),
        ("X86 T\n{}\n P0 ;\n MOV [EAX],$1 ;\nexists ([x]=1)\n",
         "t.litmus:4:7: x86 memory operands name a location, found register 'EAX'"),
        ("X86 T\n{}\n P0 ;\n MOV [x],$1 ;\nexists (0:EXX=1)\n",
         "t.litmus:5:11: bad register 'EXX'"),
        ("AArch64 T\n{}\n P0 ;\n NOP ;\nexists (0:X0=1) with power: exists\n",
         "t.litmus:5:22: unknown model 'power' (litmus has sc, tso, arm, device)"),
        ("AArch64 T\n{}\nexists (0:X0=1)\n",
         "t.litmus:3:1: expected the thread table ('P0 | P1 ;') after the initial state"),
    ],
)  # fmt: skip
def test_more_errors(text: str, message: str) -> None:
    assert err(text).startswith(message)


def test_cli_refuses_bad_herd_test(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.litmus"
    bad.write_text(SNIPPET.replace("MOV W0,#1", "MOVE W0,#1"))
    assert main(["run", str(bad)]) == 2
    err_text = capsys.readouterr().err.strip()
    assert err_text == f"{bad}:6:2: unknown instruction 'MOVE' (did you mean MOV?)"
