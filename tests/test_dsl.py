"""The mini-DSL front end (litmus.syntax.dsl) and the instruction table."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from litmus.errors import ParseError, Pos
from litmus.program import (
    Addr,
    Expect,
    Imm,
    Label,
    LocRef,
    MemAtom,
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
from litmus.syntax.dsl import parse_dsl
from litmus.syntax.instructions import (
    RawAddrOf,
    RawImm,
    RawMem,
    RawName,
    RawShift,
    make_instr,
    parse_reg,
)

MMIO = Path(__file__).parent / "litmus" / "mmio"

# The whole-file example of dsl.md, exactly as written there.
WHOLE_FILE = """\
test CFG-then-DOORBELL              # name; defaults to the file's stem
arch aarch64                        # aarch64 (default) or x86
doc "Can the doorbell overtake the CFG write?"

memory                              # optional; undeclared locations are normal, initially 0
  cfg       device-nGnRE @nic       # device memory of peripheral "nic"
  doorbell  device-nGnRE @nic
  desc      normal = 0              # normal memory (DRAM), explicit initial value

thread P0                           # a CPU
  MOV   W0, #0xAAAA5555
  STR   W0, [cfg]
  STR   #1, [doorbell]              # immediate-store shorthand

thread NIC device                   # a device agent
  LDR   r0, [doorbell]
  LDR   r1, [cfg]

exists (NIC:r0 = 1 /\\ NIC:r1 = 0)
expect arm: sometimes, device: never
"""


def P(line: int, col: int, file: str = "cfg.lit") -> Pos:
    return Pos(file, line, col)


def parse_err(text: str, path: str = "t.lit") -> str:
    with pytest.raises(ParseError) as info:
        parse_dsl(text, path)
    return str(info.value)


def one_thread(body: str, arch: str = "aarch64", cond: str = "exists (P0:r0 = 0)") -> str:
    if arch == "x86" and cond == "exists (P0:r0 = 0)":
        cond = "exists (P0:EAX = 0)"
    return f"arch {arch}\nthread P0\n{body}\n{cond}\n"


def code_of(body: str, arch: str = "aarch64"):
    return parse_dsl(one_thread(body, arch)).threads[0].code


# --------------------------------------------------------------------------- the whole file


def test_whole_file_header() -> None:
    t = parse_dsl(WHOLE_FILE, "cfg.lit")
    assert t.name == "CFG-then-DOORBELL"
    assert t.arch == "aarch64"
    assert t.doc == "Can the doorbell overtake the CFG write?"
    assert t.format == "dsl"
    assert t.source == "cfg.lit"


def test_whole_file_memory() -> None:
    t = parse_dsl(WHOLE_FILE, "cfg.lit")
    assert list(t.locations) == ["cfg", "doorbell", "desc"]
    cfg, doorbell, desc = (t.locations[n] for n in ("cfg", "doorbell", "desc"))
    assert (cfg.mtype, cfg.endpoint, cfg.init, cfg.pos) == ("device-nGnRE", "nic", 0, P(6, 3))
    assert (doorbell.mtype, doorbell.endpoint, doorbell.init) == ("device-nGnRE", "nic", 0)
    assert (desc.mtype, desc.endpoint, desc.init) == ("normal", "memory", 0)
    assert cfg.is_device and not desc.is_device


def test_whole_file_threads() -> None:
    t = parse_dsl(WHOLE_FILE, "cfg.lit")
    p0, nic = t.threads
    assert (p0.name, p0.index, p0.device, p0.pos, dict(p0.labels)) == ("P0", 0, False, P(10, 8), {})
    assert (nic.name, nic.index, nic.device) == ("NIC", 1, True)
    assert [(i.op, i.args) for i in p0.code] == [
        ("MOV", (Reg("X0", 32), Imm(0xAAAA5555))),
        ("STR", (Reg("X0", 32), Addr(LocRef("cfg")))),
        ("STR", (Imm(1), Addr(LocRef("doorbell")))),
    ]
    assert [i.args[0].width for i in p0.code[:2]] == [32, 32]
    assert [i.text for i in p0.code] == [
        "MOV   W0, #0xAAAA5555",
        "STR   W0, [cfg]",
        "STR   #1, [doorbell]",
    ]
    assert [i.pos for i in p0.code] == [P(11, 3), P(12, 3), P(13, 3)]
    assert [(i.op, i.args) for i in nic.code] == [
        ("LDR", (Reg("X0", 64), Addr(LocRef("doorbell")))),
        ("LDR", (Reg("X1", 64), Addr(LocRef("cfg")))),
    ]


def test_whole_file_condition_and_expects() -> None:
    t = parse_dsl(WHOLE_FILE, "cfg.lit")
    cond = t.condition
    assert cond.quantifier == "exists"
    assert cond.pos == P(19, 1)
    assert cond.prop == PAnd(
        (RegAtom("NIC", Reg("X0"), 1, "NIC:r0"), RegAtom("NIC", Reg("X1"), 0, "NIC:r1"))
    )
    assert cond.prop.args[0].pos == P(19, 9)
    assert format_condition(cond) == r"exists (NIC:r0=1 /\ NIC:r1=0)"
    assert t.expects == (Expect("arm", "sometimes"), Expect("device", "never"))
    assert [e.pos for e in t.expects] == [P(20, 8), P(20, 24)]
    assert [o.key for o in t.observed] == ["NIC:r0", "NIC:r1"]


def test_name_defaults_to_stem() -> None:
    body = WHOLE_FILE.replace("test CFG-then-DOORBELL", "")
    assert parse_dsl(body, "some/dir/doorbell.lit").name == "doorbell"
    assert parse_dsl(body).name == "test"
    assert parse_dsl(body).source == "<string>"


def test_windows_newlines_and_no_final_newline() -> None:
    t = parse_dsl(WHOLE_FILE.replace("\n", "\r\n").rstrip(), "cfg.lit")
    assert t.threads[0].code[0].text == "MOV   W0, #0xAAAA5555"
    assert len(t.expects) == 2


# --------------------------------------------------------------------------- lexical rules


def test_comments() -> None:
    t = parse_dsl(
        """// a line comment
(* a block
   comment *)
thread P0   # a hash comment
  MOV W0, #1      // trailing
  STR W0, (* inline *) [x]   #another
  MOV W1, #-4#comment right after? no: '#c' is a comment
exists (P0:r0 = 1) (* end *)
"""
    )
    code = t.threads[0].code
    assert [i.op for i in code] == ["MOV", "STR", "MOV"]
    assert code[1].text == "STR W0,   [x]"
    assert code[2].args == (Reg("X1", 32), Imm(-4))


def test_hash_followed_by_digit_or_minus_is_an_immediate() -> None:
    code = code_of("  MOV X0, #12\n  MOV X1, #-1\n  MOV X2, #0x10\n  MOV X3, $7")
    assert [i.args[1] for i in code] == [Imm(12), Imm(-1), Imm(16), Imm(7)]


def test_case_insensitive_keywords_mnemonics_and_types() -> None:
    t = parse_dsl(
        """TEST upper
ARCH AArch64
MEMORY
  d DEVICE-ngnre @Nic
THREAD P0 DEVICE
  ldr w0, [d]
  Dmb Ish
  b.eq out
  out:
EXISTS (P0:R0 = 0 /\\ TRUE)
EXPECT ARM: Never
"""
    )
    assert t.name == "upper"
    assert t.locations["d"].mtype == "device-nGnRE"
    assert t.locations["d"].endpoint == "Nic"  # names stay case-sensitive
    assert t.threads[0].device
    assert [i.op for i in t.threads[0].code] == ["LDR", "DMB", "B.EQ"]
    assert t.threads[0].code[1].args == (Sym("ISH"),)
    assert t.threads[0].code[2].args == (Label("out"),)
    assert t.expects == (Expect("arm", "never"),)


def test_names_are_case_sensitive_identifiers() -> None:
    t = parse_dsl(
        one_thread("  STR #1, [x]\n  STR #2, [X_1.a-b]\n  LDR r0, [Data]", cond="exists x = 1")
    )
    assert list(t.locations) == ["x", "X_1.a-b", "Data"]


def test_integers_hex_negative_and_64_bit_range() -> None:
    code = code_of(
        "  MOV X0, #0xFFFFFFFFFFFFFFFF\n  MOV X1, #-9223372036854775808\n  MOV X2, #0XaB"
    )
    assert [i.args[1] for i in code] == [Imm(2**64 - 1), Imm(-(2**63)), Imm(0xAB)]
    assert parse_err(one_thread("  MOV X0, #0x10000000000000000")) == (
        "t.lit:3:11: integer 0x10000000000000000 is out of range (64 bits)"
    )
    assert parse_err(one_thread("  MOV X0, #-9223372036854775809")) == (
        "t.lit:3:11: integer -9223372036854775809 is out of range (64 bits)"
    )


# --------------------------------------------------------------------------- memory


def test_memory_lines() -> None:
    t = parse_dsl(
        """memory
  a
  b = 5
  p = a
  q = &c
  r device-nGnRnE
  s device-nGRE @blk = -1
  u device-GRE @blk
thread P0
  LDR r0, [a]
exists (P0:r0 = 0 /\\ e = 1)
"""
    )
    locs = t.locations
    assert list(locs) == ["a", "b", "p", "q", "r", "s", "u", "c", "e"]
    assert [(x.mtype, x.endpoint, x.init) for x in locs.values()] == [
        ("normal", "memory", 0),
        ("normal", "memory", 5),
        ("normal", "memory", LocRef("a")),
        ("normal", "memory", LocRef("c")),
        ("device-nGnRnE", "r", 0),
        ("device-nGRE", "blk", -1),
        ("device-GRE", "blk", 0),
        ("normal", "memory", 0),
        ("normal", "memory", 0),
    ]
    assert locs["c"].pos == Pos("<string>", 5, 3)  # undeclared: first use
    assert locs["e"].pos == Pos("<string>", 11, 22)


def test_x86_memory_types() -> None:
    t = parse_dsl(
        """arch x86
memory
  a wb
  b uc
  c wc @gpu
  d normal
  e
thread P0
  MOV [a], $1
exists (f = 0)
"""
    )
    assert [(x.mtype, x.endpoint) for x in t.locations.values()] == [
        ("wb", "memory"),
        ("uc", "b"),
        ("wc", "gpu"),
        ("wb", "memory"),
        ("wb", "memory"),
        ("wb", "memory"),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "  x device-nGnRF",
            "t.lit:3:5: unknown memory type 'device-nGnRF' (did you mean device-nGnRE?)",
        ),
        (
            "  x bogus",
            (
                "t.lit:3:5: unknown memory type 'bogus' (expected one of normal, device-nGnRnE, "
                "device-nGnRE, device-nGRE, device-GRE)"
            ),
        ),
        ("  x uc", "t.lit:3:5: memory type 'uc' is for arch x86; this test is arch aarch64"),
        (
            "  x normal @nic",
            (
                "t.lit:3:13: only device memory belongs to a peripheral; 'x' is normal "
                "memory (give it a device type or drop '@nic')"
            ),
        ),
        (
            "  x device-nGnRE @memory",
            ("t.lit:3:19: 'memory' is the endpoint of normal memory, not a peripheral name"),
        ),
        ("  x\n  x", "t.lit:4:3: duplicate location 'x' (first declared at line 3)"),
        (
            "  x = 18446744073709551616",
            "t.lit:3:7: integer 18446744073709551616 is out of range (64 bits)",
        ),
    ],
)
def test_memory_errors(line: str, message: str) -> None:
    assert parse_err(f"arch aarch64\nmemory\n{line}\nthread P0\n  NOP\nexists x = 0\n") == message


def test_x86_rejects_arm_memory_type() -> None:
    assert parse_err("arch x86\nmemory\n  x device-nGnRE\nthread P0\nexists x = 0\n") == (
        "t.lit:3:5: memory type 'device-nGnRE' is for arch aarch64; this test is arch x86 "
        "(x86 types are wb, uc and wc)"
    )


# --------------------------------------------------------------------------- registers


def test_registers_aarch64() -> None:
    assert parse_reg("aarch64", "r0") == Reg("X0") and parse_reg("aarch64", "r0").width == 64
    assert parse_reg("aarch64", "x30").width == 64
    w = parse_reg("aarch64", "W7")
    assert w == Reg("X7") and w.name == "X7" and w.width == 32
    assert parse_reg("aarch64", "WZR").name == "XZR" and parse_reg("aarch64", "wzr").width == 32
    assert parse_reg("aarch64", "XZR").is_zero
    assert parse_reg("aarch64", "sp") == Reg("SP") and parse_reg("aarch64", "WSP").width == 32
    for bad in ("X31", "r99", "Q3", "W01", "EAX", "spx", "%x0"):
        assert parse_reg("aarch64", bad) is None, bad


def test_registers_x86() -> None:
    assert parse_reg("x86", "EAX") == Reg("RAX") and parse_reg("x86", "eax").width == 32
    assert parse_reg("x86", "%edi").name == "RDI"
    assert parse_reg("x86", "rbx").width == 64
    assert (parse_reg("x86", "R12").name, parse_reg("x86", "R12").width) == ("R12", 64)
    assert (parse_reg("x86", "r9d").name, parse_reg("x86", "r9d").width) == ("R9", 32)
    for bad in ("r0", "X0", "W1", "EIP", "BP", "SPL", "R16", "%q"):
        assert parse_reg("x86", bad) is None, bad


@pytest.mark.parametrize(
    "name, reg",
    [("EBP", Reg("RBP", 32)), ("esp", Reg("RSP", 32)), ("RBP", Reg("RBP")), ("rsp", Reg("RSP")),
     ("%ebp", Reg("RBP", 32)), ("%RSP", Reg("RSP")), ("%esp", Reg("RSP", 32))],
)
def test_registers_x86_frame_and_stack_pointers(name: str, reg: Reg) -> None:
    assert parse_reg("x86", name) == reg
    assert parse_reg("x86", name).width == reg.width  # width does not take part in ==


def test_registers_x86_help_names_every_register() -> None:
    message = parse_err(one_thread("  MOV EXX, $1", arch="x86"))
    assert message == (
        "t.lit:3:7: bad register 'EXX' (registers are EAX, EBX, ECX, EDX, ESI, EDI, EBP, ESP, "
        "their R forms (RAX, ..., RSP), R8-R15 and R8D-R15D)"
    )
    t = parse_dsl(one_thread("  MOV EBP, $1\n  MOV [x], %ebp\n  MOV RSP, [x]", arch="x86",
                             cond="exists (P0:ESP = 1 /\\ P0:RBP = 1)"))
    assert [i.args for i in t.threads[0].code] == [
        (Reg("RBP", 32), Imm(1)), (Addr(LocRef("x")), Reg("RBP", 32)), (Reg("RSP"), Addr(LocRef("x")))
    ]
    code = t.threads[0].code
    assert [code[0].args[0].width, code[1].args[1].width, code[2].args[0].width] == [32, 32, 64]
    assert [(a.reg, a.reg.width) for a in t.condition.prop.args] == [
        (Reg("RSP"), 32), (Reg("RBP"), 64)
    ]


def test_bad_registers() -> None:
    assert parse_err(one_thread("  LDR X31, [x]")) == (
        "t.lit:3:7: bad register 'X31' (registers are r0-r30, X0-X30, W0-W30, XZR, WZR, SP, WSP)"
    )
    assert parse_err(one_thread("  LDR r0, [x, r99]")) == (
        "t.lit:3:15: bad register 'r99' (registers are r0-r30, X0-X30, W0-W30, XZR, WZR, SP, WSP)"
    )
    assert parse_err(one_thread("  ADD X0, X1, Q3")) == (
        "t.lit:3:15: bad register 'Q3' (registers are r0-r30, X0-X30, W0-W30, XZR, WZR, SP, WSP)"
    )
    assert parse_err(one_thread("  MOV X0, cfg")) == (
        "t.lit:3:11: bad register 'cfg' (for the address of location cfg, write &cfg)"
    )
    assert parse_err(one_thread("  NOP", cond="exists (P0:X31 = 0)")) == (
        "t.lit:4:12: bad register 'X31' (registers are r0-r30, X0-X30, W0-W30, XZR, WZR, SP, WSP)"
    )
    assert parse_err(one_thread("  MOV r0, [x]", arch="x86")) == (
        "t.lit:3:7: bad register 'r0' (registers are EAX, EBX, ECX, EDX, ESI, EDI, EBP, ESP, "
        "their R forms (RAX, ..., RSP), R8-R15 and R8D-R15D)"
    )


# --------------------------------------------------------------------------- instructions


def test_aarch64_loads_and_stores() -> None:
    code = code_of(
        """  LDR X1, [x]
  LDAR W2, [X1]
  LDAPR r3, [x, r2]
  LDXR X4, [X1, W2, SXTW]
  LDAXR X5, [X1, X2, LSL #3]
  LDR X6, [X1, #8]
  STR X6, [y]
  STLR #1, [y]
  STXR W7, X6, [y]
  STLXR W8, #2, [y]"""
    )
    assert [(i.op, i.args) for i in code] == [
        ("LDR", (Reg("X1"), Addr(LocRef("x")))),
        ("LDAR", (Reg("X2"), Addr(Reg("X1")))),
        ("LDAPR", (Reg("X3"), Addr(LocRef("x"), Reg("X2")))),
        ("LDXR", (Reg("X4"), Addr(Reg("X1"), Shift(Reg("X2"), "SXTW")))),
        ("LDAXR", (Reg("X5"), Addr(Reg("X1"), Shift(Reg("X2"), "LSL", 3)))),
        ("LDR", (Reg("X6"), Addr(Reg("X1"), Imm(8)))),
        ("STR", (Reg("X6"), Addr(LocRef("y")))),
        ("STLR", (Imm(1), Addr(LocRef("y")))),
        ("STXR", (Reg("X7"), Reg("X6"), Addr(LocRef("y")))),
        ("STLXR", (Reg("X8"), Imm(2), Addr(LocRef("y")))),
    ]
    assert code[3].args[1].offset.reg.width == 32


def test_aarch64_atomics_barriers_and_arithmetic() -> None:
    ops = [b + s for b in ("SWP", "CAS", "LDADD") for s in ("", "A", "L", "AL")]
    code = code_of("\n".join(f"  {op} W0, W1, [x]" for op in ops))
    assert [i.op for i in code] == ops
    assert all(i.args == (Reg("X0"), Reg("X1"), Addr(LocRef("x"))) for i in code)
    opts = [
        "SY",
        "ST",
        "LD",
        "ISH",
        "ISHST",
        "ISHLD",
        "OSH",
        "OSHST",
        "OSHLD",
        "NSH",
        "NSHST",
        "NSHLD",
    ]
    code = code_of("\n".join(f"  DMB {o}\n  DSB {o.lower()}" for o in opts))
    assert [i.args for i in code] == [(Sym(o),) for o in opts for _ in (1, 2)]
    code = code_of(
        """  ISB
  NOP
  STADD W0, [x]
  STADDL X0, [x]
  MOV X1, &cfg
  MOV X2, X1
  ADD X3, X1, #1
  SUB X3, X1, X2
  EOR X3, X1, X2, LSL #2
  ADD W3, W1, W2, SXTW
  ORR X3, X1, X2
  CMP X3, #0
  CMP X3, X2
  CSEL X4, X1, X2, eq"""
    )
    assert [(i.op, i.args) for i in code] == [
        ("ISB", ()),
        ("NOP", ()),
        ("STADD", (Reg("X0"), Addr(LocRef("x")))),
        ("STADDL", (Reg("X0"), Addr(LocRef("x")))),
        ("MOV", (Reg("X1"), LocRef("cfg"))),
        ("MOV", (Reg("X2"), Reg("X1"))),
        ("ADD", (Reg("X3"), Reg("X1"), Imm(1))),
        ("SUB", (Reg("X3"), Reg("X1"), Reg("X2"))),
        ("EOR", (Reg("X3"), Reg("X1"), Shift(Reg("X2"), "LSL", 2))),
        ("ADD", (Reg("X3"), Reg("X1"), Shift(Reg("X2"), "SXTW"))),
        ("ORR", (Reg("X3"), Reg("X1"), Reg("X2"))),
        ("CMP", (Reg("X3"), Imm(0))),
        ("CMP", (Reg("X3"), Reg("X2"))),
        ("CSEL", (Reg("X4"), Reg("X1"), Reg("X2"), Sym("EQ"))),
    ]


def test_aarch64_branches_and_labels() -> None:
    conds = [
        "EQ",
        "NE",
        "GE",
        "LT",
        "GT",
        "LE",
        "HS",
        "LO",
        "HI",
        "LS",
        "MI",
        "PL",
        "CS",
        "CC",
        "VS",
        "VC",
    ]
    body = "\n".join(f"  B.{c} end" for c in conds)
    t = parse_dsl(
        one_thread(
            f"  LDR r0, [x]\n  CBZ r0, L1\n  CBNZ W0, L2\nL1:\n  NOP\n  L2: B end\n{body}\nend:"
        )
    )
    th = t.threads[0]
    assert dict(th.labels) == {"L1": 3, "L2": 4, "end": 5 + len(conds)}
    assert len(th.code) == 5 + len(conds)
    assert th.code[1].args == (Reg("X0"), Label("L1"))
    assert th.code[2].args == (Reg("X0", 32), Label("L2"))
    assert (th.code[4].op, th.code[4].args, th.code[4].pos) == (
        "B",
        (Label("end"),),
        Pos("<string>", 8, 7),
    )
    assert [i.op for i in th.code[5:]] == [f"B.{c}" for c in conds]


def test_x86_instructions() -> None:
    code = code_of(
        """  MOV [x], EAX
  MOV [x], $1
  MOV EBX, [y]
  MOV ECX, EBX
  MOV RDX, $-1
  MFENCE
  SFENCE
  LFENCE
  XCHG [x], EAX
  XCHG ESI, [x]
  LOCK ADD [x], $2
  LOCK ADD [x], EDI
  LOCK INC [x]
  lock xadd [x], R8
  LOCK CMPXCHG [x], %ebx""",
        arch="x86",
    )
    x = Addr(LocRef("x"))
    assert [(i.op, i.args) for i in code] == [
        ("MOV", (x, Reg("RAX"))),
        ("MOV", (x, Imm(1))),
        ("MOV", (Reg("RBX"), Addr(LocRef("y")))),
        ("MOV", (Reg("RCX"), Reg("RBX"))),
        ("MOV", (Reg("RDX"), Imm(-1))),
        ("MFENCE", ()),
        ("SFENCE", ()),
        ("LFENCE", ()),
        ("XCHG", (x, Reg("RAX"))),
        ("XCHG", (x, Reg("RSI"))),  # normalised to (Addr, Reg)
        ("LOCK ADD", (x, Imm(2))),
        ("LOCK ADD", (x, Reg("RDI"))),
        ("LOCK INC", (x,)),
        ("LOCK XADD", (x, Reg("R8"))),
        ("LOCK CMPXCHG", (x, Reg("RBX"))),
    ]
    assert code[13].text == "lock xadd [x], R8"
    assert code[2].args[0].width == 32 and code[4].args[0].width == 64


@pytest.mark.parametrize("arch", ["aarch64", "x86"])
def test_linux_accessors_on_both_arches(arch: str) -> None:
    r = "EAX" if arch == "x86" else "W0"
    code = code_of(
        f"""  writel {r}, [d]
  writel #1, [d]
  writel_relaxed $2, [d]
  smp_store_release {r}, [x]
  readl {r}, [d]
  READL_RELAXED {r}, [d]
  smp_load_acquire {r}, [x]
  wmb
  rmb
  mb
  dma_wmb
  dma_rmb
  smp_wmb
  smp_rmb
  smp_mb
  spin_lock [l]
  spin_unlock [l]""",
        arch=arch,
    )
    reg = parse_reg(arch, r)
    d, x, lock = Addr(LocRef("d")), Addr(LocRef("x")), Addr(LocRef("l"))
    assert [(i.op, i.args) for i in code] == [
        ("writel", (reg, d)),
        ("writel", (Imm(1), d)),
        ("writel_relaxed", (Imm(2), d)),
        ("smp_store_release", (reg, x)),
        ("readl", (reg, d)),
        ("readl_relaxed", (reg, d)),
        ("smp_load_acquire", (reg, x)),
        *[
            (op, ())
            for op in ("wmb", "rmb", "mb", "dma_wmb", "dma_rmb", "smp_wmb", "smp_rmb", "smp_mb")
        ],
        ("spin_lock", (lock,)),
        ("spin_unlock", (lock,)),
    ]


def test_register_looking_names_in_brackets() -> None:
    # [x1] is register X1 unless x1 is a declared location.
    t = parse_dsl("memory\n  x2\nthread P0\n  LDR r0, [x1]\n  LDR r0, [x2]\nexists x2 = 0\n")
    assert [i.args[1] for i in t.threads[0].code] == [Addr(Reg("X1")), Addr(LocRef("x2"))]


# --------------------------------------------------------------------------- conditions


def cond_of(cond: str, arch: str = "aarch64"):
    nop = "MFENCE" if arch == "x86" else "NOP"
    text = f"arch {arch}\nthread P0\n  {nop}\nthread P1\n  {nop}\n{cond}\n"
    return parse_dsl(text).condition


def test_condition_precedence_and_flattening() -> None:
    c = cond_of(r"exists P0:r0 = 1 /\ P1:r0 = 2 /\ x = 3 \/ ~[y] = 4 /\ (true \/ false)")
    a0 = RegAtom("P0", Reg("X0"), 1, "P0:r0")
    a1 = RegAtom("P1", Reg("X0"), 2, "P1:r0")
    assert c.prop == POr(
        (
            PAnd((a0, a1, MemAtom("x", 3))),
            PAnd((PNot(MemAtom("y", 4)), POr((PConst(True), PConst(False))))),
        )
    )
    c = cond_of(r"exists ((P0:r0 = 1 /\ P1:r0 = 2) /\ (x = 3 /\ y = 4))")
    assert c.prop == PAnd((a0, a1, MemAtom("x", 3), MemAtom("y", 4)))
    assert cond_of("exists ~~x = 1").prop == PNot(PNot(MemAtom("x", 1)))


def test_quantifiers_values_and_keys() -> None:
    c = cond_of(r"~exists (0:r0 = x /\ P1:W0 = &y /\ [z] = -1)")
    assert c.quantifier == "~exists"
    assert c.prop == PAnd(
        (
            RegAtom("P0", Reg("X0"), LocRef("x"), "0:r0"),
            RegAtom("P1", Reg("X0"), LocRef("y"), "P1:W0"),
            MemAtom("z", -1),
        )
    )
    assert c.prop.args[1].reg.width == 32
    assert cond_of("forall true").quantifier == "forall"
    assert cond_of("~ exists x = 0").quantifier == "~exists"
    assert cond_of("exists (P0:EAX = 1)", arch="x86").prop == RegAtom(
        "P0", Reg("RAX", 32), 1, "P0:EAX"
    )


def test_condition_may_span_lines() -> None:
    c = cond_of("exists (P0:r0 = 1\n        /\\ P1:r0 = 0)")
    assert len(c.prop.args) == 2
    c = cond_of("exists\n  P0:r0 = 1 /\\\n  P1:r0 = 0")
    assert len(c.prop.args) == 2


def test_locations_of_the_condition_are_added() -> None:
    text = "thread P0\n  NOP\nexists (x = y /\\ [z] = 1)\n"
    assert list(parse_dsl(text).locations) == ["x", "y", "z"]


# --------------------------------------------------------------------------- expect


def test_expect_lines() -> None:
    t = parse_dsl(
        WHOLE_FILE.replace(
            "expect arm: sometimes, device: never",
            "expect SC: Forbidden, tso: allowed\nexpect arm: always\nexpect device: never",
        )
    )
    assert [(e.model, e.word) for e in t.expects] == [
        ("sc", "forbidden"),
        ("tso", "allowed"),
        ("arm", "always"),
        ("device", "never"),
    ]
    assert t.expects[0].holds("never") and t.expects[1].holds("always")
    # a model nobody knows would make the line check nothing: an error at its name
    with pytest.raises(ParseError, match=r"<string>:22:8: unknown model 'my-model'"):
        parse_dsl(WHOLE_FILE.replace("expect arm: sometimes, device: never",
                                     "expect SC: Forbidden, tso: allowed\nexpect arm: always\n"
                                     "expect my-model: never"))


# --------------------------------------------------------------------------- the mmio corpus

MMIO_FILES = sorted(MMIO.glob("*.lit"))


def test_mmio_corpus_is_complete() -> None:
    assert len(MMIO_FILES) == 35


@pytest.mark.parametrize("path", MMIO_FILES, ids=lambda p: p.stem)
def test_mmio_file_parses(path: Path) -> None:
    t = parse_dsl(path.read_text(), str(path))
    assert t.name == path.stem
    assert t.doc
    assert {e.model for e in t.expects} >= {"sc", "tso"}
    assert t.condition.quantifier == "exists"
    for loc in t.locations.values():
        if loc.mtype in ("normal", "wb"):
            assert loc.endpoint == "memory"
    for th in t.threads:
        for instr in th.code:
            assert instr.text and instr.pos.file == str(path)


def load(stem: str):
    path = MMIO / f"{stem}.lit"
    return parse_dsl(path.read_text(), str(path))


def test_mmio_device_threads_and_endpoints() -> None:
    t = load("doorbell-nGnRE")
    assert [(th.name, th.device) for th in t.threads] == [("P0", False), ("NIC", True)]
    assert {n: (x.mtype, x.endpoint) for n, x in t.locations.items()} == {
        "cfg": ("device-nGnRE", "nic"),
        "doorbell": ("device-nGnRE", "nic"),
    }
    t = load("doorbell-two-peripherals")
    assert [x.endpoint for x in t.locations.values()] == ["cfgblk", "nic"]
    assert load("doorbell-nGRE").locations["cfg"].mtype == "device-nGRE"
    t = load("posted-dsb")
    assert t.locations["ictrl"].init == 1 and t.locations["ictrl"].endpoint == "hba"
    assert t.threads[1].name == "HBA" and t.threads[1].device
    assert t.threads[0].code[1].args == (Sym("SY"),)


def test_mmio_accessors_kept_as_pseudo_instructions() -> None:
    t = load("dma-submit-writel")
    assert t.threads[0].code[-1].op == "writel"
    assert t.threads[0].code[-1].args == (Reg("X2", 32), Addr(LocRef("doorbell")))
    assert [i.op for i in load("dma-submit-dma-wmb").threads[0].code][4] == "dma_wmb"
    assert [i.op for i in load("dma-complete-smp-rmb").threads[1].code] == [
        "readl_relaxed",
        "smp_rmb",
        "LDR",
    ]
    t = load("spinlock-mmio-writel")
    assert [i.op for i in t.threads[0].code] == ["spin_lock", "LDR", "STR", "writel", "spin_unlock"]
    assert t.threads[0].code[3].args == (Imm(1), Addr(LocRef("ring")))
    assert list(t.locations) == ["ring", "turn", "l"]  # l: undeclared, normal
    assert t.locations["l"].mtype == "normal"
    assert t.condition.prop.args[1] == MemAtom("ring", 1)


def test_mmio_control_and_address_dependencies() -> None:
    t = load("ctrl-device-read")
    p0 = t.thread("P0")
    assert p0.index == 1 and dict(p0.labels) == {"out": 3}
    assert p0.code[1].args == (Reg("X0"), Label("out"))
    t = load("dma-complete-addr")
    assert t.thread("P0").code[1].args == (Reg("X2"), Reg("X0"), Reg("X0"))
    assert t.thread("P0").code[2].args == (Reg("X1"), Addr(LocRef("buf"), Reg("X2")))


def test_mmio_x86_files() -> None:
    t = load("x86-doorbell-writel")
    assert t.arch == "x86"
    assert {n: (x.mtype, x.endpoint) for n, x in t.locations.items()} == {
        "len": ("wb", "memory"),
        "doorbell": ("uc", "doorbell"),
    }
    assert t.threads[0].code[1].op == "writel" and t.threads[0].code[1].args[0] == Imm(1)
    assert t.threads[1].device
    assert t.threads[1].code[0].args == (Reg("RAX", 32), Addr(LocRef("doorbell")))
    t = load("x86-sb-mfence")
    assert [i.op for i in t.threads[0].code] == ["MOV", "MFENCE", "MOV"]
    assert t.locations["x"].mtype == "wb"
    assert t.condition.prop.args[0] == RegAtom("P0", Reg("RAX"), 0, "P0:EAX")


# --------------------------------------------------------------------------- errors


def test_unknown_instruction_with_suggestion() -> None:
    text = """test doorbell
memory
  doorbell device-nGnRE

thread P0
  MOV W0, #1
        STRR W0, [doorbell]
exists doorbell = 1
"""
    assert parse_err(text, "doorbell.lit") == (
        "doorbell.lit:7:9: unknown instruction 'STRR' (did you mean STR?)"
    )
    assert parse_err(one_thread("  FROB X0")) == "t.lit:3:3: unknown instruction 'FROB'"
    assert parse_err(one_thread("  writl #1, [x]")) == (
        "t.lit:3:3: unknown instruction 'writl' (did you mean writel?)"
    )


def test_instruction_of_the_other_arch() -> None:
    assert parse_err(one_thread("  MFENCE")) == (
        "t.lit:3:3: 'MFENCE' is an x86 instruction; this test is arch aarch64"
    )
    assert parse_err(one_thread("  LOCK ADD [x], $1")) == (
        "t.lit:3:3: 'LOCK ADD' is an x86 instruction; this test is arch aarch64"
    )
    assert parse_err(one_thread("  dmb sy", arch="x86")) == (
        "t.lit:3:3: 'DMB' is an aarch64 instruction; this test is arch x86"
    )


def test_wrong_operands() -> None:
    assert parse_err(one_thread("  STR W0, cfg")) == (
        "t.lit:3:11: STR expects a register or immediate and a memory operand, found 'W0, cfg'"
    )
    assert parse_err(one_thread("  LDR #1, [x]")) == (
        "t.lit:3:7: LDR expects a register and a memory operand, found '#1, [x]'"
    )
    assert parse_err(one_thread("  ISB SY")) == "t.lit:3:7: ISB expects no operands, found 'SY'"
    assert parse_err(one_thread("  DMB")) == (
        "t.lit:3:3: DMB expects a barrier option, found no operands"
    )
    assert parse_err(one_thread("  MOV [x], [y]", arch="x86")) == (
        "t.lit:3:12: MOV expects a memory operand and a register or immediate, or a register "
        "and a register, immediate or memory operand, found '[x], [y]'"
    )
    assert parse_err(one_thread("  STXR W0, [x]")) == (
        "t.lit:3:3: STXR expects 3 operands: a register; a register or immediate; a memory "
        "operand, found 'W0, [x]'"
    )
    assert parse_err(one_thread("  MOV W0, 1")) == (
        "t.lit:3:11: expected an immediate, found '1' (write immediates as #1)"
    )
    assert parse_err(one_thread("  LDR X0, [x, #4]")) == (
        "t.lit:3:15: an immediate offset needs a register base, found '[x, #4]'"
    )
    assert parse_err(one_thread("  MOV EAX, [EBX]", arch="x86")) == (
        "t.lit:3:13: x86 memory operands name a location, found register 'EBX' in '[EBX]'"
    )


def test_unknown_barrier_option() -> None:
    assert parse_err(one_thread("  DMB ISHH")) == (
        "t.lit:3:7: unknown barrier option 'ISHH' (did you mean ISH?)"
    )
    assert parse_err(one_thread("  DSB FULL")) == (
        "t.lit:3:7: unknown barrier option 'FULL' (expected one of SY, ST, LD, ISH, ISHST, "
        "ISHLD, OSH, OSHST, OSHLD, NSH, NSHST, NSHLD)"
    )


def test_undeclared_thread_in_condition() -> None:
    assert parse_err(one_thread("  NOP", cond="exists (P9:r0 = 1)")) == (
        "t.lit:4:9: unknown thread 'P9' in condition"
    )
    assert parse_err(one_thread("  NOP", cond="exists (p0:r0 = 1)")) == (
        "t.lit:4:9: unknown thread 'p0' in condition (did you mean P0?)"
    )
    assert parse_err(one_thread("  NOP", cond="exists (1:r0 = 1)")) == (
        "t.lit:4:9: unknown thread '1' in condition"
    )


def test_unbalanced_parentheses() -> None:
    assert parse_err(one_thread("  NOP", cond="exists (P0:r0 = 1 /\\ x = 0")) == (
        "t.lit:4:27: unbalanced parentheses: expected ')' to close the '(' at 4:8, "
        "found end of line"
    )
    text = one_thread("  NOP", cond="exists ((P0:r0 = 1) /\\ x = 0") + "expect arm: never\n"
    assert parse_err(text) == (
        "t.lit:4:29: unbalanced parentheses: expected ')' to close the '(' at 4:8, "
        "found end of line"
    )
    assert parse_err(one_thread("  NOP", cond="exists (P0:r0 = 1))")) == (
        "t.lit:4:19: unbalanced parentheses: found ')' without a matching '('"
    )


def test_missing_condition() -> None:
    assert parse_err("thread P0\n  NOP\nexpect sc: never\n") == (
        "t.lit:3:17: expected a final condition ('exists', '~exists' or 'forall'), "
        "found end of file"
    )
    assert parse_err("") == (
        "t.lit:1:1: expected a final condition ('exists', '~exists' or 'forall'), found end of file"
    )


def test_labels_and_branches() -> None:
    # backward branches are loops (unrolled when events are built)
    assert parse_dsl(one_thread("L:\n  NOP\n  B L"), "t.lit").threads[0].labels == {"L": 0}
    assert parse_dsl(one_thread("  L: CBZ r0, L"), "t.lit").threads[0].labels == {"L": 0}
    assert parse_err(one_thread("L:\n  NOP\n  L: NOP")) == (
        "t.lit:5:3: duplicate label 'L' (first defined at line 3)"
    )
    assert parse_err(one_thread("  CBNZ r0, done\ndone1:")) == (
        "t.lit:3:12: unknown label 'done' in thread P0 (did you mean done1?)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "thread P0\n  NOP\nexists x = 1\nexists x = 2\n",
            "t.lit:4:1: a second final condition (the first is at line 3); a test has exactly one",
        ),
        (
            "thread P0\nthread P0\nexists x = 1\n",
            "t.lit:2:8: duplicate thread 'P0' (first declared at line 1)",
        ),
        (
            "test a\ntest b\nthread P0\nexists x = 1\n",
            "t.lit:2:1: duplicate 'test' header (first given at line 1)",
        ),
        (
            "arch riscv\nthread P0\nexists x = 1\n",
            "t.lit:1:6: unknown arch 'riscv' (expected aarch64 or x86)",
        ),
        ("exists x = 1\n", "t.lit:1:1: a test needs at least one thread"),
        (
            "thread P0\n  NOP\nexists x = 1\nexpect arm: somtimes\n",
            (
                "t.lit:4:13: expected never, sometimes, always, forbidden or allowed, found 'somtimes' "
                "(did you mean sometimes?)"
            ),
        ),
        (
            "thread P0\n  NOP\nexists x = 1\nexpect arm: never\nexpect arm: always\n",
            "t.lit:5:8: duplicate expectation for model 'arm' (first given at line 4)",
        ),
        (
            "thread P0\n  NOP\nexists x = 1\nexpect arm never\n",
            "t.lit:4:12: expected ':', found 'never'",
        ),
        (
            "STR W0, [x]\n",
            (
                "t.lit:1:1: expected 'test', 'arch', 'doc', 'memory', 'thread', a condition ('exists', "
                "'~exists' or 'forall') or 'expect', found 'STR'"
            ),
        ),
        (
            "thread P0\n  [x]\nexists x = 1\n",
            (
                "t.lit:2:3: expected an instruction or label, 'memory', 'thread', a condition "
                "('exists', '~exists' or 'forall') or 'expect', found '['"
            ),
        ),
        (
            "thread P0\n  MOV W0, #1 !\nexists x = 1\n",
            "t.lit:2:14: expected ',' or end of line, found '!'",
        ),
        (
            "thread P0\n  MOV W0, #1 (* open\nexists x = 1\n",
            "t.lit:2:14: unterminated comment: '(*' without '*)'",
        ),
        (
            "thread P0\n  NOP\nexists (P0:r0 = 1 P0:r1 = 2)\n",
            "t.lit:3:19: expected ')', '/\\' or '\\/', found 'P0'",
        ),
        (
            "thread P0\n  NOP\nexists P0:r0 = 1 P0:r1 = 2\n",
            "t.lit:3:18: expected '/\\', '\\/' or end of line, found 'P0'",
        ),
        (
            "thread P0\n  NOP\nexists (P0:r0 = = 1)\n",
            "t.lit:3:17: expected a name, an integer or '&', found '='",
        ),
        (
            "thread P0\n  NOP\nexists P0:r0 = 1 /\\\n",
            (
                "t.lit:3:20: expected 'true', 'false', a name, an integer, '[', '~', 'not' or '(', "
                "found end of file"
            ),
        ),
        (
            "doc unquoted\nthread P0\nexists x = 1\n",
            "t.lit:1:5: expected a quoted string, found 'unquoted'",
        ),
        (
            "thread P0\n  NOP\nexists x = 1\nthread P1 extra\n",
            "t.lit:4:11: expected 'device' or end of line, found 'extra'",
        ),
    ],
)
def test_other_errors(text: str, message: str) -> None:
    assert parse_err(text) == message


def test_errors_are_parse_errors_with_positions() -> None:
    with pytest.raises(ParseError) as info:
        parse_dsl("thread P0\n  STRR W0, [x]\nexists x = 1\n", "f.lit")
    assert info.value.pos == Pos("f.lit", 2, 3)
    assert info.value.message == "unknown instruction 'STRR' (did you mean STR?)"
    assert info.value.stage == "parse"


@pytest.mark.parametrize(
    "text",
    [
        "\x00",
        "thread P0\n  é\n",
        "exists (((((",
        "thread\n",
        "memory memory\n",
        ")))",
        "#-",
        "thread P0\n  MOV X0, #1x\nexists x=1",
        "(*",
        "test x\n" * 3,
        '"unterminated',
    ],
)
def test_garbage_gives_one_line_parse_error(text: str) -> None:
    message = parse_err(text)
    assert message.startswith("t.lit:") and "\n" not in message


# --------------------------------------------------------------------------- make_instr


def test_make_instr_is_grammar_independent() -> None:
    p = Pos("h.litmus", 4, 2)
    mem = RawMem((RawName("X1", p), RawName("W2", p), RawShift("lsl", 2, p)), p)
    i = make_instr("aarch64", "ldr", [RawName("W0", p), mem], p, "LDR W0,[X1,W2,LSL #2]")
    assert i.op == "LDR" and i.pos == p and i.text == "LDR W0,[X1,W2,LSL #2]"
    assert i.args == (Reg("X0", 32), Addr(Reg("X1"), Shift(Reg("X2", 32), "LSL", 2)))
    i = make_instr("aarch64", "MOV", [RawName("X1", p), RawAddrOf("x", p)], p)
    assert i.args == (Reg("X1"), LocRef("x"))
    i = make_instr("x86", "LOCK  XADD", [RawMem((RawName("x", p),), p), RawName("%eax", p)], p)
    assert (i.op, i.args) == ("LOCK XADD", (Addr(LocRef("x")), Reg("RAX", 32)))
    i = make_instr("x86", "mov", [RawMem((RawName("x", p),), p), RawImm(1, p, prefix="$")], p)
    assert i.args == (Addr(LocRef("x")), Imm(1))
    with pytest.raises(ParseError, match=r"^h.litmus:4:2: unknown instruction 'LDRR' \(did you"):
        make_instr("aarch64", "LDRR", [], p)


# --------------------------------------------------------------------------- performance


def test_parsing_is_fast() -> None:
    parse_dsl(WHOLE_FILE)  # build the parser
    texts = [p.read_text() for p in MMIO_FILES]
    start = time.perf_counter()
    for text in texts:
        parse_dsl(text)
    per_file = (time.perf_counter() - start) / len(texts)
    assert per_file < 0.005, f"{per_file * 1000:.2f} ms per file"
