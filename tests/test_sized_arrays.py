"""Sized accesses, C types and arrays (issue 11).

Every value below is derived by hand from the Arm ARM's pseudocode for the
instruction (quoted in brackets) and written in the test; the herd-syntax
cases also follow herd's conventions (herd's own tests A24-A27, A128,
L008-L018, L014 and M001, read in place by test_herd_instructions.py, are
the reference answers).
"""

from __future__ import annotations

import json
from itertools import pairwise

import pytest

import litmus
from litmus.cli import main
from litmus.program import format_condition
from litmus.syntax.herdlog import normalise_state


def run(text: str, model: str = "sc") -> litmus.Result:
    return litmus.check(litmus.parse(text), model, timeout=30)


def only_state(text: str, model: str = "sc") -> dict:
    result = run(text, model)
    assert len(result.states) == 1, [str(s) for s in result.states]
    return result.states[0].as_dict()


# --------------------------------------------------------------------------- loads

LOADS = [
    # LDRB (32-bit): X[t] = ZeroExtend(Mem[address, 1], 32): 0x80 -> 0x80
    ("uint8_t = 0x80", "LDRB W0, [x]", 0x80),
    # LDRH: ZeroExtend(Mem[address, 2], 32)
    ("uint16_t = 0x8001", "LDRH W0, [x]", 0x8001),
    # LDRSB (32-bit): SignExtend(data, 32), then the W write zero-extends into X:
    # 0x80 -> 0xFFFFFF80
    ("uint8_t = 0x80", "LDRSB W0, [x]", 0xFFFFFF80),
    # LDRSB (64-bit): SignExtend(data, 64)
    ("uint8_t = 0x80", "LDRSB X0, [x]", 0xFFFFFFFFFFFFFF80),
    # a positive byte is the same zero- or sign-extended
    ("int8_t = 127", "LDRSB X0, [x]", 127),
    # LDRSH (32-bit) of 0xFFFE: 0xFFFFFFFE; (64-bit): all ones but the last bit
    ("int16_t = -2", "LDRSH W0, [x]", 0xFFFFFFFE),
    ("int16_t = -2", "LDRSH X0, [x]", 0xFFFFFFFFFFFFFFFE),
    # LDRSW: SignExtend(Mem[address, 4], 64)
    ("uint32_t = 0x80000000", "LDRSW X0, [x]", 0xFFFFFFFF80000000),
    ("int32_t = 5", "LDRSW X0, [x]", 5),
    # a narrower load of a wider location reads its low bits (herd's A176)
    ("uint64_t = 0x1234567890ABCDEF", "LDRB W0, [x]", 0xEF),
    ("uint64_t = 0x1234567890ABCDEF", "LDRH W0, [x]", 0xCDEF),
    ("uint64_t = 0x1234567890ABCDEF", "LDRSH X0, [x]", 0xFFFFFFFFFFFFCDEF),
    # the acquire and exclusive forms load as LDRB/LDRH do
    ("uint8_t = 0xFF", "LDARB W0, [x]", 0xFF),
    ("uint16_t = 0xFFFF", "LDAPRH W0, [x]", 0xFFFF),
    ("uint8_t = 0x81", "LDXRB W0, [x]", 0x81),
    ("uint16_t = 0x8000", "LDAXRH W0, [x]", 0x8000),
]


@pytest.mark.parametrize(("decl", "load", "want"), LOADS)
def test_sized_loads_extend_as_the_arm_arm_says(decl, load, want):
    state = only_state(f"""
memory
  x {decl}
thread P0
  {load}
exists (P0:X0 = {want:#x})
""")
    assert state["P0:X0"] & (2**64 - 1) == want


# --------------------------------------------------------------------------- stores

STORES = [
    # STRB: Mem[address, 1] = X[t]<7:0>: 0x1FF stores 0xFF
    ("uint8_t", "MOV W0, #0x1FF", "STRB W0, [x]", 255),
    # 256 wraps to 0 in a byte (herd's A11)
    ("uint8_t", "MOV W0, #256", "STRB W0, [x]", 0),
    # STRH keeps the low 16 bits: 0x12345 -> 0x2345
    ("uint16_t", "MOV W0, #0x12345", "STRH W0, [x]", 0x2345),
    # an int8_t location holding 0xFF reads -1
    ("int8_t", "MOV W0, #255", "STRB W0, [x]", -1),
    # the release and exclusive forms store the same bits
    ("uint8_t", "MOV W0, #0x301", "STLRB W0, [x]", 1),
    ("int16_t", "MOV W0, #0x18000", "STLRH W0, [x]", -32768),
    # a 32-bit store of an int32_t: -1 is 0xFFFFFFFF, read back as -1
    ("int32_t", "MOV W0, #-1", "STR W0, [x]", -1),
    # an immediate store has the location's size
    ("uint8_t", "NOP", "STR #0x1FF, [x]", 255),
]


@pytest.mark.parametrize(("ctype", "setup", "store", "want"), STORES)
def test_sized_stores_keep_the_low_bits(ctype, setup, store, want):
    state = only_state(f"""
memory
  x {ctype}
thread P0
  {setup}
  {store}
exists (x = {want})
""")
    assert state["[x]"] == want


def test_a_narrow_store_into_a_wider_location_whose_other_bits_stay_zero():
    """herd's A09/A12: STRB of 255 into a uint64_t x initialised to 0 leaves
    x = 255 (the other bytes are 0, so one value per location is exact)."""
    state = only_state("""
memory
  x uint64_t
thread P0
  MOV W0, #0x1FF
  STRB W0, [x]
exists (x = 255)
""")
    assert state == {"[x]": 255}


def test_store_exclusive_byte_pairs_with_its_load():
    """LDXRB/STXRB on a uint8_t: 255 + 1 wraps to 0 when the store succeeds
    (status 0); a failed store leaves 255 (status 1)."""
    result = run("""
memory
  x uint8_t = 255
thread P0
  LDXRB W0, [x]
  ADD W0, W0, #1
  STXRB W1, W0, [x]
exists (x = 0 /\\ P0:W1 = 0)
""")
    assert sorted(str(s) for s in result.states) == [
        "P0:W1=0; [x]=0", "P0:W1=1; [x]=-1"] or sorted(
        s.as_dict()["[x]"] for s in result.states) == [0, 255]
    assert result.observation == "sometimes"


ATOMICS = [
    # LDADDB: Mem[address, 1] = (data + X[s]<7:0>)<7:0>: 0xFF + 1 = 0; X[t] =
    # ZeroExtend(old byte, 32) = 255
    ("uint8_t = 255", "MOV W1, #1", "LDADDB W1, W2, [x]", 0, 255),
    # LDSMAXB compares the bytes as signed: max(-128, 1) = 1; the old byte 0x80
    # is zero-extended into W2: 128
    ("int8_t = -128", "MOV W1, #1", "LDSMAXALB W1, W2, [x]", 1, 128),
    # LDUMAXH compares unsigned: max(0x8000, 0x7FFF) = 0x8000
    ("uint16_t = 0x8000", "MOV W1, #0x7FFF", "LDUMAXH W1, W2, [x]", 0x8000, 0x8000),
    # SWPH stores Ws<15:0> = 0xBCDE; Wt gets the old 0x1234
    ("uint16_t = 0x1234", "MOV W1, #0xABCDE", "SWPH W1, W2, [x]", 0xBCDE, 0x1234),
    # CASB compares the bytes: 0x80 = (0xFFFFFF80)<7:0>, so it stores Wt<7:0> = 5;
    # Ws gets the old byte, zero-extended
    ("uint8_t = 0x80", "MOV W2, #-128\n  MOV W1, #0x105", "CASALB W2, W1, [x]", 5, 0x80),
    # ... and fails on a different byte: x unchanged, Ws = the old byte
    ("uint8_t = 0x81", "MOV W2, #-128\n  MOV W1, #5", "CASB W2, W1, [x]", 0x81, 0x81),
]


@pytest.mark.parametrize(("decl", "setup", "atomic", "mem", "old"), ATOMICS)
def test_sized_atomics(decl, setup, atomic, mem, old):
    bits = int("".join(c for c in decl.split()[0] if c.isdigit()))
    state = only_state(f"""
memory
  x {decl}
thread P0
  {setup}
  {atomic}
exists (P0:X2 = {old} /\\ x = {mem})
""")
    assert state["[x]"] & ((1 << bits) - 1) == mem
    assert state["P0:X2"] == old


def test_sized_forms_carry_the_tags_of_their_full_width_forms():
    test = litmus.parse("""
memory
  x uint8_t
  y uint16_t
thread P0
  LDARB W0, [x]
  LDAPRH W1, [y]
  STLRB W0, [x]
  LDAXRH W2, [y]
  STLXRH W3, W2, [y]
exists (P0:X0 = 0)
""")
    eg = litmus.events(test)
    tags = [sorted(t for t in e.tags if t in ("A", "Q", "L", "X"))
            for e in eg.events if e.thread is not None]
    assert tags[:4] == [["A"], ["Q"], ["L"], ["A", "X"]]
    assert ["L", "X"] in tags[4:]


@pytest.mark.parametrize(("instr", "message"), [
    ("LDRB X0, [x]", "LDRB takes a W register, found X0"),
    ("STRH X0, [x]", "STRH takes a W register, found X0"),
    ("LDRSW W0, [x]", "LDRSW takes an X register, found W0"),
])
def test_sized_forms_take_the_registers_the_arm_arm_allows(instr, message):
    with pytest.raises(litmus.EncodingError, match=message):
        run(f"memory\n  x uint64_t\nthread P0\n  {instr}\nexists (P0:X0 = 0)\n")


# --------------------------------------------------------------------------- C types


@pytest.mark.parametrize(("ctype", "value", "shown"), [
    ("int8_t", -1, -1), ("uint8_t", -1, 255), ("int16_t", 0xFFFF, -1),
    ("uint16_t", -1, 65535), ("int32_t", 0x80000000, -2147483648),
    ("uint32_t", -1, 4294967295), ("int64_t", -1, -1),
    ("uint64_t", -1, 18446744073709551615), ("unsigned char", 200, 200), ("short", -5, -5),
])
def test_a_location_prints_as_its_c_type_reads_it(ctype, value, shown):
    state = only_state(f"memory\n  x {ctype} = {value}\nthread P0\n  LDR X9, [z]\n"
                       f"exists (x = {value})\n")
    assert state["[x]"] == shown


def test_herd_initial_values_wrap_to_the_location_size():
    """herd's A15/A16: int8_t x = 257 holds 1, int16_t x = 65537 holds 1."""
    result = litmus.check(litmus.parse("""AArch64 wrap
{ 0:X1=x; int8_t x = 257; 0:X3=y; int16_t y = 65537; }
P0;
  LDRB W0, [X1];
  LDRH W2, [X3];
forall (0:X0=1 /\\ 0:X2=1 /\\ x=1 /\\ y=1)
"""), "arm")
    assert [s.as_dict() for s in result.states] == [
        {"0:X0": 1, "0:X2": 1, "[x]": 1, "[y]": 1}]


@pytest.mark.parametrize(("line", "message"), [
    ("  x uint8_t = 256", "256 does not fit in 'x' .uint8_t, 8 bits."),
    ("  x int8_t = -129", "-129 does not fit in 'x' .int8_t, 8 bits."),
    ("  x uint8", "unknown C type 'uint8' .did you mean uint8_t"),
    ("  x uint8_t int8_t", "a second C type 'int8_t' .the first is uint8_t."),
    ("  x normal device-nGnRE", "a second memory type 'device-nGnRE'"),
    ("  x uint32_t = &y", "the address of 'y' does not fit in 'x'"),
    ("  v[2] int8_t = {1, 2, 3}", "3 initial values for array 'v' of 2 elements"),
    ("  v[2] int8_t = 3", "array 'v' is initialised with a list of values"),
    ("  x int8_t = {1}", "'x' is not an array"),
    ("  v[0] int8_t", "an array has 1 to 256 elements, found 0"),
])
def test_memory_section_errors(line, message):
    with pytest.raises(litmus.ParseError, match=message):
        litmus.parse(f"memory\n{line}\n  y\nthread P0\n  NOP\nexists (y = 0)\n")


def test_c_type_and_memory_type_in_either_order():
    for words in ("uint32_t device-nGnRE", "device-nGnRE uint32_t"):
        test = litmus.parse(f"memory\n  st {words} @nic\nthread P0\n  LDR W0, [st]\n"
                            "exists (P0:X0 = 0)\n")
        loc = test.location("st")
        assert (loc.ctype.name, loc.mtype, loc.endpoint) == ("uint32_t", "device-nGnRE", "nic")


# --------------------------------------------------------------------------- arrays

ARRAY = """
memory
  v[3] int64_t = {22, 44}
  b[4] uint8_t = {1, 2, 0xFF, -1}
thread P0
  MOV X1, &v
  LDR X0, [X1, #8]
  MOV X2, #2
  LDR X3, [X1, X2, LSL #3]
  MOV X4, &b
  LDRB W5, [X4, #3]
  LDRSB X6, [X4, X2]
  MOV X7, #7
  STR X7, [v]
exists (P0:X0 = 44 /\\ P0:X3 = 0 /\\ P0:X5 = 255 /\\ P0:X6 = -1 /\\ v = {7, 44, 0}
        /\\ v[2] = 0 /\\ b[0] = 1)
"""


def test_array_layout_is_contiguous():
    """An array of N elements of T is N locations at consecutive addresses,
    sizeof(T) apart; its name is the address of its first element."""
    eg = litmus.events(litmus.parse(ARRAY))
    v = [eg.addresses[f"v[{i}]"] for i in range(3)]
    b = [eg.addresses[f"b[{i}]"] for i in range(4)]
    assert [y - x for x, y in pairwise(v)] == [8, 8]
    assert [y - x for x, y in pairwise(b)] == [1, 1, 1]
    assert eg.symbols["v"] == v[0] and eg.symbols["b"] == b[0]
    assert eg.address_name(v[1]) == "v+8" and eg.address_name(b[0]) == "b"


def test_array_elements_are_locations_of_their_own():
    """[X1, #8] is v[1]; [X1, X2, LSL #3] with X2 = 2 is v[2] (never written:
    0); b[3] holds -1 as a uint8_t, 0xFF; LDRSB of b[2] (0xFF) is -1; the
    store to [v] changes v[0] only."""
    state = only_state(ARRAY)
    assert state == {"P0:X0": 44, "P0:X3": 0, "P0:X5": 255, "P0:X6": -1,
                     "b[0]": 1, "v": (7, 44, 0), "v[2]": 0}


def test_arrays_print_the_same_everywhere(tmp_path, capsys):
    p = tmp_path / "a.lit"
    p.write_text(ARRAY)
    result = litmus.check(litmus.load(p), "sc")
    assert "v={7,44,0}" in str(result.states[0])
    assert "b[0]=1; v={7,44,0}; v[2]=0" in result.states[0].herd_key()
    assert main(["run", str(p), "-m", "sc", "--format", "json"]) == 0
    states = json.loads(capsys.readouterr().out)[0]["states"]
    assert states[0]["v"] == [7, 44, 0] and states[0]["v[2]"] == 0
    assert main(["run", str(p), "-m", "sc", "--format", "herd"]) == 0
    assert "v={7,44,0}" in capsys.readouterr().out
    assert main(["show", str(p)]) == 0
    shown = capsys.readouterr().out
    assert "v[1]         int64_t normal = 44" in shown
    assert "b[3]         uint8_t normal = 255" in shown


def test_an_address_past_an_array_or_inside_an_element_is_refused():
    with pytest.raises(litmus.EncodingError, match="address v\\+24 is not a location"):
        run("memory\n  v[3] int64_t\nthread P0\n  MOV X1, &v\n  LDR X0, [X1, #24]\n"
            "exists (P0:X0 = 0)\n")
    with pytest.raises(litmus.EncodingError,
                       match="mixed-size access at v\\+4: byte 4 of the 64-bit location 'v\\[0\\]'"):
        run("memory\n  v[3] int64_t\nthread P0\n  MOV X1, &v\n  LDR W0, [X1, #4]\n"
            "exists (P0:X0 = 0)\n")


def test_a_computed_address_may_land_on_any_element():
    """A pointer another thread may move along an array (herd's A182): the
    reader loads through whichever element it points to."""
    result = run("""
memory
  x[2] int32_t = {1, 1}
  p = &x
thread P0
  LDR X2, [p]
  MOV W0, #2
  STR W0, [X2]
thread P1
  MOV X4, &x
  ADD X4, X4, #4
  STR X4, [p]
thread P2
  LDR X2, [p]
  LDR W0, [X2]
exists (P2:X0 = 2 \\/ x = {1, 2})
""")
    finals = {(s.as_dict()["x"], s.as_dict()["P2:X0"]) for s in result.states}
    assert {x for x, _ in finals} == {(2, 1), (1, 2)}
    assert {v for _, v in finals} == {1, 2}
    assert ((1, 2), 2) in finals  # P1 moved p before both others read it


@pytest.mark.parametrize(("cond", "message"), [
    ("v = 1", "'v' is an array of 2 elements: compare it with a list of values"),
    ("v = {1}", "1 values for array 'v' of 2 elements"),
    ("v[2] = 0", "index 2 is out of bounds for array 'v' of 2 elements"),
    ("y[0] = 0", "'y' is not an array"),
])
def test_array_condition_errors(cond, message):
    with pytest.raises(litmus.ParseError, match=message):
        litmus.parse(f"memory\n  v[2] int64_t\n  y\nthread P0\n  NOP\nexists ({cond})\n")


# --------------------------------------------------------------------------- herd syntax

HERD_ARRAYS = """AArch64 arrays
{
int32_t u[2]={-1,-1};
uint8_t v[2]={-1,-1};
int64_t w[2] = {22,44};
0:X6=v; 0:X2=w; int64_t 0:X4;
}
 P0             ;
 MOV W3,#-2     ;
 STRB W3,[X6]   ;
 LDR X4,[X2,#8] ;
locations [u;v[0];0:X4]
forall (u[0]=4294967295 /\\ v[1]=-1 /\\ w={22,44})
"""


def test_herd_arrays_in_the_initial_state_conditions_and_locations():
    """herd's L014: u={-1,-1} (int32_t) prints -1 twice; u[0]=4294967295 holds
    (compared on 32 bits); v[0] = (-2)<7:0> = 254 and v[1] = 255 as uint8_t."""
    result = litmus.check(litmus.parse(HERD_ARRAYS), "arm")
    assert [s.herd_key() for s in result.states] == [
        "0:X4=44; u={-1,-1}; u[0]=-1; v[0]=254; v[1]=255; w={22,44}"]
    assert result.observation == "always"
    assert format_condition(result.test.condition, result.test) == \
        "forall (u[0]=-1 /\\ v[1]=255 /\\ w={22,44})"


@pytest.mark.parametrize(("change", "message"), [
    (("forall (", "forall (x[0]=0 /\\ "), "'x' is not an array"),
    (("forall (", "forall (w[2]=0 /\\ "), "index 2 is out of bounds for array 'w' of 2"),
    (("forall (", "forall (w=0 /\\ "), "'w' is an array of 2 elements"),
    (("w={22,44}", "w={22}"), "1 values for array 'w' of 2 elements"),
    (("{22,44}", "{22,44,66}"), "3 initial values for array 'w' of 2 elements"),
])
def test_herd_array_errors(change, message):
    text = HERD_ARRAYS.replace(*change, 1)
    with pytest.raises(litmus.ParseError, match=message):
        litmus.parse(text.replace("0:X2=w;", "0:X2=w; int x;"))


def test_herd_log_states_keep_arrays_and_elements():
    assert normalise_state("x={1,2}; v[0]=1; y=3; 0:X0=4;") == \
        "0:X0=4; [y]=3; v[0]=1; x={1,2}"


# --------------------------------------------------------------------------- mixed sizes

MIXED = [
    # a byte store into a 64-bit location whose initial value has upper bits
    ("memory\n  x = 0x100\nthread P0\n  MOV W0, #1\n  STRB W0, [x]\nexists (x = 1)\n",
     ("mixed-size accesses to 'x': this 8-bit write would leave the upper 56 bits of this "
      "64-bit location that its initial value may set")),
    # a 16-bit store where a 32-bit store may set the bits above it
    (("memory\n  x uint32_t\nthread P0\n  MOV W1, #0x10000\n  STR W1, [x]\n  STRH W2, [x]\n"
      "exists (x = 1)\n"),
     ("this 16-bit write would leave the upper 16 bits of this 32-bit location that the "
      "32-bit write at line 5 may set")),
    # a load wider than its location
    ("memory\n  x int32_t\nthread P0\n  LDR X0, [x]\nexists (x = 1)\n",
     ("mixed-size access to 'x': a 64-bit load of a 32-bit location .int32_t. would also "
      "access the bytes after it")),
    # a 32-bit store over four byte elements (herd's M001)
    ("memory\n  t[4] uint8_t\nthread P0\n  MOV X2, &t\n  STR W0, [X2]\nexists (t[0] = 1)\n",
     "a 32-bit store of an 8-bit location .uint8_t."),
    # a 32-bit load of the upper half of a 64-bit location
    ("thread P0\n  MOV X1, &x\n  LDR W0, [X1, #4]\nexists (x = 1)\n",
     "mixed-size access at x\\+4: byte 4 of the 64-bit location 'x'"),
]


@pytest.mark.parametrize(("text", "message"), MIXED)
def test_mixed_size_accesses_are_refused(text, message, tmp_path, capsys):
    with pytest.raises(litmus.EncodingError, match=message):
        run(text)
    p = tmp_path / "m.lit"
    p.write_text(text)
    assert main(["run", str(p), "-m", "sc"]) == 2
    err = capsys.readouterr().err
    assert "mixed-size" in err and "Traceback" not in err


def test_herd_mixed_size_is_refused_with_exit_2(tmp_path, capsys):
    p = tmp_path / "M.litmus"
    p.write_text("AArch64 M\n{ uint8_t t[4]={0,0,0,0}; 0:X2=t; }\n P0 ;\n"
                 " MOV W0,#1 ;\n STR W0,[X2] ;\nlocations [t;]\n")
    assert main(["run", str(p)]) == 2
    assert "mixed-size access to 't[0]'" in capsys.readouterr().err


POINTERS = """
memory
  x int32_t = 2
  y int64_t = -1
  p = &x
  q = &y
thread P0
  LDR X4, [p]
  LDR W0, [X4]
  LDR X4, [q]
  LDR X1, [X4]
{extra}exists (P0:X0 = 2 /\\ P0:X1 = -1)
"""


def test_a_refused_access_on_a_path_no_execution_takes_is_no_refusal():
    """herd's L006: X4 = q = &y, so the 64-bit load through it never reads the
    32-bit x, though the address is computed (every location is a candidate
    until the values are known)."""
    state = only_state(POINTERS.format(extra=""))
    assert state == {"P0:X0": 2, "P0:X1": -1}


def test_a_refused_access_on_a_path_an_execution_takes_is_refused():
    text = POINTERS.format(extra="thread P1\n  MOV X5, &x\n  STR X5, [q]\n")
    with pytest.raises(litmus.EncodingError, match="a 64-bit load of a 32-bit location"):
        run(text)


def test_x86_accesses_have_their_register_or_location_size():
    """An x86 immediate store has its location's size (MOV [x], $0x12345 into
    a uint16_t keeps 0x2345); a 32-bit load of a 16-bit location is refused."""
    state = only_state("arch x86\nmemory\n  x uint16_t\n  y int32_t = -1\nthread P0\n"
                       "  MOV [x], $0x12345\n  MOV EAX, [y]\nexists (x = 0x2345 /\\ P0:RAX = 0)\n",
                       "tso")
    assert state == {"P0:RAX": 0xFFFFFFFF, "[x]": 0x2345}
    with pytest.raises(litmus.EncodingError, match="a 32-bit load of a 16-bit location"):
        run("arch x86\nmemory\n  x uint16_t\nthread P0\n  MOV EAX, [x]\nexists (x = 0)\n",
            "tso")
