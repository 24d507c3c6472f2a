"""The input people really write, and bad input as one clear line (issue 8).

Each section is one item of the issue: byte-order marks, '#' comments, test
names, 'not', x86 frame/stack registers (see also test_dsl.py), herd's
'final ... with', unsupported architectures, '$' names, deep nesting, huge
integers, include names the file system refuses, files that are not UTF-8,
and user text that must not break the one-line message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cliutil import run

from litmus.api import check, detect_format, load, parse
from litmus.errors import ModelError, ParseError, Pos, UsageError, printable
from litmus.model import Binary
from litmus.program import Expect, Imm, MemAtom, PNot, Reg, RegAtom
from litmus.syntax.cat import load_cat, parse_cat
from litmus.syntax.dsl import parse_dsl
from litmus.syntax.herd import parse_herd
from litmus.syntax.herdlog import parse_herd_log
from litmus.syntax.kinds import parse_kinds
from litmus.syntax.source import MAX_NESTING

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
BOM = "\ufeff"

MP_DSL = """\
test MP
thread P0
  STR #1, [x]
  STR #1, [y]
thread P1
  LDR r0, [y]
  LDR r1, [x]
exists (P1:r0 = 1 /\\ P1:r1 = 0)
"""

MP_HERD = """\
AArch64 MP
{
0:X1=x; 0:X3=y;
1:X1=y; 1:X3=x;
}
 P0          | P1          ;
 MOV W0,#1   | LDR W0,[X1] ;
 STR W0,[X1] | LDR W2,[X3] ;
 STR W0,[X3] |             ;
exists (1:X0=1 /\\ 1:X2=0)
"""


def dsl_err(text: str) -> str:
    with pytest.raises(ParseError) as info:
        parse_dsl(text, "t.lit")
    return str(info.value)


def herd_err(text: str) -> str:
    with pytest.raises(ParseError) as info:
        parse_herd(text, "t.litmus")
    return str(info.value)


def cat_err(text: str, path: str = "t.cat") -> str:
    with pytest.raises(ModelError) as info:
        parse_cat(text, path)
    return str(info.value)


def one_line_error(capsys, *argv: str) -> str:
    """Run the CLI, expecting exit 2 and exactly one line on stderr; the line."""
    code, _out, err = run(capsys, *argv)
    assert code == 2, err
    assert err.endswith("\n") and err.count("\n") == 1 and err[:-1].isprintable(), repr(err)
    return err[:-1]


# --------------------------------------------------------------------------- 1. byte-order marks


def test_bom_dsl_is_ignored_and_columns_do_not_count_it() -> None:
    assert parse_dsl(BOM + MP_DSL).name == "MP"
    assert parse_dsl(BOM + MP_DSL) == parse_dsl(MP_DSL)
    # without the BOM 'arch' is at 1:1 and its value at 1:6
    assert dsl_err(BOM + "arch foo\n" + MP_DSL) == (
        "t.lit:1:6: unknown arch 'foo' (expected aarch64 or x86)"
    )


def test_bom_herd_and_detect_format() -> None:
    assert detect_format(BOM + MP_HERD) == "herd"
    assert detect_format(BOM + MP_DSL) == "dsl"
    assert parse(BOM + MP_HERD).name == "MP"
    assert herd_err(BOM + "PPC T\n") == (
        "t.litmus:1:1: architecture PPC is not supported (supported: AArch64, X86, X86_64)"
    )


def test_bom_files_through_load_and_cli(tmp_path: Path, capsys) -> None:
    lit, herd = tmp_path / "mp.lit", tmp_path / "mp.litmus"
    lit.write_bytes(b"\xef\xbb\xbf" + MP_DSL.encode())
    herd.write_bytes(b"\xef\xbb\xbf" + MP_HERD.encode())
    assert load(lit).name == "MP" and load(herd).name == "MP"
    code, out, _ = run(capsys, "run", str(lit), str(herd), "-m", "sc")
    assert code == 0 and out.count("Observation MP Never 0 3") == 2


def test_bom_cat(tmp_path: Path, capsys) -> None:
    text = (MODELS / "sc.cat").read_text()
    assert parse_cat(BOM + text).stmts == parse_cat(text).stmts
    assert parse_cat(BOM + text).title == "Sequential consistency"
    assert cat_err(BOM + "let = po") == cat_err("let = po")
    assert cat_err(BOM + "let = po").startswith("t.cat:1:5: expected ")
    model = tmp_path / "sc-bom.cat"
    model.write_bytes(b"\xef\xbb\xbf" + text.encode())
    test = tmp_path / "mp.lit"
    test.write_text(MP_DSL)
    code, out, _ = run(capsys, "run", str(test), "--cat", str(model))
    assert code == 0 and "Observation MP Never 0 3" in out


def test_bom_kinds_and_logs() -> None:
    assert parse_kinds(BOM + "MP Allowed\nSB Forbidden\n") == {"MP": "Allowed", "SB": "Forbidden"}
    log = BOM + (
        "Test MP Allowed\nStates 1\n1:X0=0;\nNo\nWitnesses\nPositive: 0 Negative: 1\n"
        "Condition exists (1:X0=1)\nObservation MP Never 0 1\n"
    )
    records = parse_herd_log(log)
    assert [(r.name, r.observation, r.states) for r in records] == [("MP", "Never", ["1:X0=0"])]


def test_kinds_lines_are_counted_as_an_editor_counts_them() -> None:
    # U+2028 is not a line end in a text file: the bad kind is on line 2.
    with pytest.raises(ParseError) as info:
        parse_kinds("MP Allowed \u2028\nSB Sometimes\n", "k.txt")
    assert info.value.pos == Pos("k.txt", 2, 4)


# --------------------------------------------------------------------------- 2. '#' comments


@pytest.mark.parametrize(
    "line, ops",
    [
        ("  STR #1, [x]  #1st write", ["STR #1, [x]"]),
        ("  MOV W0, #1 # set", ["MOV W0, #1"]),
        ("  MOV W0, #1 #2 is a comment too", ["MOV W0, #1"]),
        ("  MOV W0, W1  #1st copy", ["MOV W0, W1"]),
        ("  MOV W0, #-4#c", ["MOV W0, #-4"]),
        ("  LDR W0, [X1, W2, SXTW]  #3 words", ["LDR W0, [X1, W2, SXTW]"]),
        ("  ADD X0, X1, X2, LSL #2 #2 more", ["ADD X0, X1, X2, LSL #2"]),
        ("  DMB SY #1", ["DMB SY"]),
        ("#1 at the start of a line\n  MOV W0, #1", ["MOV W0, #1"]),
        ("  # at the start of an indented line\n  MOV W0, #1", ["MOV W0, #1"]),
        ("L1: #1 after a label\n  MOV W0, #1", ["MOV W0, #1"]),
        ("  B.EQ L1 #2\nL1:", ["B.EQ L1"]),
    ],
)
def test_hash_after_complete_operands_is_a_comment(line: str, ops: list[str]) -> None:
    t = parse_dsl(f"thread P0\n{line}\nexists x = 0\n")
    assert [i.text for i in t.threads[0].code] == ops


def test_hash_comments_elsewhere() -> None:
    t = parse_dsl(
        "test T #1 name comment\narch aarch64 #2\nmemory #3\n  x normal = 1 #4\n"
        "thread P0 #5\n  LDR r0, [x]\nexists (P0:r0 = 1) #6\nexpect sc: always #7\n"
    )
    assert t.name == "T" and t.locations["x"].init == 1
    assert t.expects == (Expect("sc", "always"),)


def test_hash_where_an_operand_is_expected_is_an_immediate() -> None:
    code = parse_dsl("thread P0\n  MOV X0, #1\n  MOV X1, #-1\n  STR #0x10, [x]\nexists x=0\n")
    assert [i.args[0 if i.op == "STR" else 1] for i in code.threads[0].code] == [
        Imm(1), Imm(-1), Imm(16)
    ]
    assert dsl_err("thread P0\n  STR #1st, [x]\nexists x=0\n") == (
        "t.lit:2:7: expected an integer, found '1st'"
    )
    assert dsl_err("thread P0\n  ADD X0, X1, X2, LSL #2x\nexists x=0\n") == (
        "t.lit:2:23: expected an integer, found '2x'"
    )
    # an instruction without operands: '#1' stands where an operand may be
    assert dsl_err("thread P0\n  ISB #1 x\nexists x=0\n") == (
        "t.lit:2:10: expected ',' or end of line, found 'x'"
    )


# --------------------------------------------------------------------------- 3. test names


@pytest.mark.parametrize(
    "name", ["MP+dmb.sy+pos-[fr-rf]-addr", "2+2W", "MP#x", "S+po+dmb.sy(x)", "théâtre", "a/b:c"]
)
def test_dsl_test_names_are_any_non_blank_run(name: str) -> None:
    assert parse_dsl(f"test {name}  # comment\n" + MP_DSL.split("\n", 1)[1]).name == name


def test_dsl_test_name_errors() -> None:
    assert dsl_err("test\n" + MP_DSL) == "t.lit:1:5: expected a test name, found end of line"
    assert dsl_err("test #1\n" + MP_DSL) == "t.lit:1:8: expected a test name, found end of line"
    assert dsl_err("test a b\n" + MP_DSL) == "t.lit:1:8: expected end of line, found 'b'"
    assert dsl_err("test a\x00b\n" + MP_DSL) == (
        "t.lit:1:7: expected end of line, found character U+0000"
    )


@pytest.mark.parametrize(
    "header, name, doc",
    [
        ("AArch64 MP+dmb.sy+pos-[fr-rf]-addr", "MP+dmb.sy+pos-[fr-rf]-addr", ""),
        ("AArch64 MP@home!", "MP@home!", ""),
        ("AArch64 MP (texname) \"the doc\";", "MP", "the doc"),
        ("AArch64 MP\"doc\"", "MP", "doc"),
        ("AArch64 MP;", "MP", ""),
    ],
)
def test_herd_test_names(header: str, name: str, doc: str) -> None:
    t = parse_herd(MP_HERD.replace("AArch64 MP", header))
    assert (t.name, t.doc) == (name, doc)


# --------------------------------------------------------------------------- 4. 'not'


def test_not_in_dsl_conditions() -> None:
    body = MP_DSL.rsplit("\n", 2)[0] + "\n"
    with_not = parse_dsl(body + "exists not (P1:r0 = 1) /\\ NOT P1:r1 = 0\n")
    with_tilde = parse_dsl(body + "exists ~(P1:r0 = 1) /\\ ~P1:r1 = 0\n")
    assert with_not.condition == with_tilde.condition
    assert isinstance(with_not.condition.prop.args[0], PNot)
    assert parse_dsl(body + "not exists P1:r0 = 1\n").condition.quantifier == "~exists"
    assert parse_dsl(body + "exists not\n  P1:r0 = 1\n").condition.prop == (
        parse_dsl(body + "exists ~P1:r0 = 1\n").condition.prop
    )
    # a location called 'nothing' is still a name
    assert parse_dsl(body + "exists nothing = 0\n").condition.prop == MemAtom("nothing", 0)


def test_not_in_herd_conditions() -> None:
    t = parse_herd(MP_HERD.replace("exists (1:X0=1 /\\ 1:X2=0)", "exists not (1:X0=1)"))
    u = parse_herd(MP_HERD.replace("exists (1:X0=1 /\\ 1:X2=0)", "exists ~(1:X0=1)"))
    assert t.condition == u.condition and isinstance(t.condition.prop, PNot)
    t = parse_herd(MP_HERD.replace("1:X2=0)", "not 1:X2=0 /\\ not not 1:X0=1)"))
    assert t.condition.prop.args[1:] == (PNot(RegAtom("P1", Reg("X2"), 0, "1:X2")),
                                         PNot(PNot(RegAtom("P1", Reg("X0"), 1, "1:X0"))))


# --------------------------------------------------------------------------- 5. x86 registers


def test_x86_frame_and_stack_pointers_in_herd_tests() -> None:
    t = parse_herd(
        "X86_64 T\n{ }\n P0 ;\n movq (x),%rbp ;\n movl (x),%esp ;\nexists (0:rbp=1 /\\ 0:esp=1)\n"
    )
    assert [(i.args[0], i.args[0].width) for i in t.threads[0].code] == [
        (Reg("RBP"), 64), (Reg("RSP"), 32)
    ]
    t = parse_herd("X86 T\n{ 0:EBP=1; }\n P0 ;\n MOV [x],EBP ;\nexists (x=1)\n")
    assert t.threads[0].init == {Reg("RBP"): 1}


def test_x86_stack_pointer_holds_values_like_any_register(tmp_path: Path) -> None:
    t = parse_dsl(
        "arch x86\nthread P0\n  MOV ESP, $1\n  MOV [x], ESP\nthread P1\n  MOV RBP, [x]\n"
        "exists (P1:RBP = 1)\n"
    )
    assert check(t, "sc").observation == "sometimes"


# --------------------------------------------------------------------------- 6. final ... with


def test_final_with_kinds_are_expectations() -> None:
    t = parse_herd(MP_HERD.replace("exists", "final", 1).replace(
        "1:X2=0)", "1:X2=0) with tso: ~exists; sc: not exists; arm: exists; device: forall;"))
    assert t.condition.quantifier == "exists"  # herd7: 'final' is 'exists'
    assert [(e.model, e.word) for e in t.expects] == [
        ("tso", "forbidden"), ("sc", "forbidden"), ("arm", "allowed"), ("device", "always")
    ]
    # 'final ' is 6 columns: ')' at 24, 'with' at 26, the first model at 31
    assert [e.pos.col for e in t.expects] == [31, 45, 61, 74]
    plain = parse_herd(MP_HERD.replace("exists", "final", 1))
    assert plain.condition == t.condition and plain.expects == ()


def test_final_with_on_one_line_as_in_the_issue() -> None:
    t = parse_herd(MP_HERD.replace(
        "exists (1:X0=1 /\\ 1:X2=0)", "final (1:X0=1 /\\ 1:X2=0) with tso: ~exists;"))
    assert (t.condition.quantifier, t.expects) == ("exists", (Expect("tso", "forbidden"),))
    assert t.condition == parse_herd(MP_HERD).condition


def test_final_with_is_checked(tmp_path: Path, capsys) -> None:
    p = tmp_path / "MP.litmus"
    p.write_text(MP_HERD.replace("exists", "final", 1).replace(
        "1:X2=0)", "1:X2=0) with sc: ~exists; arm: exists;"))
    code, out, _ = run(capsys, "check", str(p))
    assert code == 0 and "2 passed, 0 failed, 0 errors, 0 without expectations" in out
    p.write_text(MP_HERD.replace("exists", "final", 1).replace(
        "1:X2=0)", "1:X2=0) with sc: exists;"))
    code, out, _ = run(capsys, "check", str(p))
    assert code == 1
    assert f"{p}:10:31: MP under sc: expected allowed, got never" in out


@pytest.mark.parametrize(
    "tail, message",
    [
        ("with power: exists", "t.litmus:10:31: unknown model 'power' (litmus has sc, tso, arm, device)"),
        ("with default: exists",
         ("t.litmus:10:31: 'default' kinds (for every model not named) are not supported; name "
         "each model")),
        ("with tso exists", "t.litmus:10:35: expected ':' after model 'tso', found 'exists'"),
        ("with tso: maybe",
         "t.litmus:10:36: expected 'exists', '~exists' or 'forall' after 'tso:', found 'maybe'"),
        ("with tso: ~exists sc: exists",
         "t.litmus:10:44: expected ';' after the kind of model 'tso', found 'sc'"),
        ("with tso: exists; tso: exists",
         "t.litmus:10:44: a second kind for model 'tso' (the first is at line 10)"),
        ("with", ("t.litmus:11:1: expected a model name after 'with' (as in 'with tso: ~exists'), "
                 "found end of file")),
        ("with 0: exists", ("t.litmus:10:31: expected a model name after 'with' (as in 'with "
                           "tso: ~exists'), found '0'")),
    ],
)  # fmt: skip
def test_final_with_errors(tail: str, message: str) -> None:
    text = MP_HERD.replace("exists", "final", 1).replace("1:X2=0)", f"1:X2=0) {tail}")
    assert herd_err(text) == message


# --------------------------------------------------------------------------- 7. architectures


@pytest.mark.parametrize("arch", ["C", "PPC", "RISCV", "ARM", "MIPS", "LISA", "BPF", "riscv"])
def test_unsupported_architecture(tmp_path: Path, capsys, arch: str) -> None:
    text = f"{arch} MP+something\n\"doc\"\n{{ x=0; }}\nP0(int *x) {{ *x = 1; }}\nexists (x=1)\n"
    assert detect_format(text) == "herd"
    p = tmp_path / "t.litmus"
    p.write_text(text)
    assert one_line_error(capsys, "run", str(p)) == (
        f"{p}:1:1: architecture {arch} is not supported (supported: AArch64, X86, X86_64)"
    )
    q = tmp_path / "t.lit"  # the suffix does not matter
    q.write_text("\n  \n" + text)
    assert one_line_error(capsys, "run", str(q)) == (
        f"{q}:3:1: architecture {arch} is not supported (supported: AArch64, X86, X86_64)"
    )


@pytest.mark.parametrize(
    "first",
    ["test C", "arch x86", "memory", "thread P0", "doc \"C test\"", "// C MP", "# C MP",
     "(* C MP *)", "exists x=1", "C", "Test MP", "ARCH x86"],
)
def test_dsl_first_lines_are_not_herd_headers(first: str) -> None:
    assert detect_format(first + "\nthread P1\n") == "dsl"


def test_unknown_architecture_word_in_a_herd_file() -> None:
    assert herd_err("Foo T\n{}\n") == (
        "t.litmus:1:1: unknown architecture 'Foo' (supported: AArch64, X86, X86_64)"
    )
    assert herd_err("AArch46 T\n{}\n") == (
        "t.litmus:1:1: unknown architecture 'AArch46' (did you mean AArch64?) "
        "(supported: AArch64, X86, X86_64)"
    )


# --------------------------------------------------------------------------- 8. '$' names


@pytest.mark.parametrize(
    "old, new, col",
    [
        # '1:X2=0)' starts at column 19 of 'exists (1:X0=1 /\ 1:X2=0)'
        ("1:X2=0)", "$1=0)", 19), ("1:X2=0)", "[$1]=0)", 20), ("1:X2=0)", "$x=0)", 19),
        ("1:X2=0)", "1:X2=$1)", 24),
    ],
)
def test_dollar_names_in_herd_conditions(old: str, new: str, col: int) -> None:
    name = new.strip("[]=0)").split("=")[-1] if new.startswith("1:") else new.split("=")[0]
    assert herd_err(MP_HERD.replace(old, new)) == (
        f"t.litmus:10:{col}: '{name.strip('[]')}' is not a location name (herd reads '$' names "
        "as registers only, after a thread number as in 0:$r)"
    )


def test_dollar_names_in_herd_initial_state() -> None:
    assert herd_err(MP_HERD.replace("0:X1=x;", "0:X1=$x;")).startswith(
        "t.litmus:3:6: '$x' is not a location name"
    )
    assert herd_err(MP_HERD.replace("0:X1=x;", "$y=1;")).startswith(
        "t.litmus:3:1: '$y' is not a location name"
    )


# --------------------------------------------------------------------------- 9. nesting


def _depth(e) -> int:
    if isinstance(e, Binary):
        return 1 + max(_depth(e.left), _depth(e.right))
    return 1


@pytest.mark.parametrize("op", ["|", ";", "&"])
def test_long_chains_of_an_associative_operator_are_balanced(op: str) -> None:
    m = parse_cat(f"let r = {f' {op} '.join(['po'] * 500)}")
    expr = m.stmts[0].bindings[0].expr
    assert _depth(expr) == 10  # ceil(log2(500)) + 1 levels
    leaves = []
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Binary):
            assert e.op == op
            stack += [e.right, e.left]
        else:
            leaves.append(e.pos.col)
    assert leaves == [9 + 5 * k for k in range(500)]  # every term, in order


def test_a_union_of_500_terms_runs(tmp_path: Path, capsys) -> None:
    model = tmp_path / "sc500.cat"
    model.write_text("acyclic " + " | ".join(["po", "rf", "co", "fr"] * 125) + " as sc\n")
    test = tmp_path / "mp.lit"
    test.write_text(MP_DSL)
    code, out, _ = run(capsys, "run", str(test), "--cat", str(model))
    assert code == 0 and "Observation MP Never 0 3" in out


def test_500_nested_parentheses_are_one_expression() -> None:
    m = parse_cat("let r = " + "(" * 500 + "po" + ")" * 500)
    assert m.stmts[0].bindings[0].expr.name == "po"


def test_cat_nesting_bound(tmp_path: Path, capsys) -> None:
    # Depth counts from the statement: let (1), binding (2), then one Binary
    # per "(po | ": the k-th '(' (at column 9 + 6(k-1)) is at depth k + 2 and
    # its operand 'po' at k + 3, so the first node beyond the bound is the 99th
    # '(' at column 9 + 6*98 = 597, and 97 levels are the most allowed.
    deep = "let r = " + "(po | " * 150 + "po" + ")" * 150
    assert cat_err(deep) == f"t.cat:1:597: expression nested more than {MAX_NESTING} deep"
    ok = "let r = " + "(po | " * 97 + "po" + ")" * 97
    parse_cat(ok)
    model = tmp_path / "deep.cat"
    model.write_text('"deep"\n' + ok + "\nacyclic r as x\n")
    test = tmp_path / "mp.lit"
    test.write_text(MP_DSL)
    code, out, _ = run(capsys, "run", str(test), "--cat", str(model))
    assert code == 0 and "Observation MP" in out
    model.write_text('"deep"\n' + deep + "\nacyclic r as x\n")
    assert one_line_error(capsys, "run", str(test), "--cat", str(model)) == (
        f"{model}:2:597: expression nested more than {MAX_NESTING} deep"
    )


@pytest.mark.parametrize(
    "text, col",
    [
        ("let r = " + "a \\ " * 300 + "a", None),
        ("let r = " + "~" * 300 + "a", None),
        ("let r = a" + "^-1" * 300, None),
        ("let r = " + "f(" * 300 + "a" + ")" * 300, None),
    ],
)
def test_cat_other_deep_nestings_are_refused(text: str, col: int | None) -> None:
    message = cat_err(text)
    assert message.endswith(f": expression nested more than {MAX_NESTING} deep")
    assert message.startswith("t.cat:1:")


def test_cat_variant_conditions_nesting_bound() -> None:
    text = "let r = if " + " || ".join(['"v"'] * 200) + " then po else rf"
    # each '||' adds a level; the 100th one (at column 12 + 7*99 + 4) is refused
    assert cat_err(text) == f"t.cat:1:{12 + 7 * 99 + 4}: variant condition nested more than " \
                            f"{MAX_NESTING} deep"
    parse_cat("let r = if " + " || ".join(['"v"'] * 50) + " then po else rf")


def _mp_dsl_with(cond: str) -> str:
    return MP_DSL.rsplit("\n", 2)[0] + "\n" + cond + "\n"


def test_dsl_condition_nesting_bound() -> None:
    ok = _mp_dsl_with("exists " + "(" * MAX_NESTING + "P1:r0 = 1" + ")" * MAX_NESTING)
    assert parse_dsl(ok).condition.prop == parse_dsl(_mp_dsl_with("exists P1:r0 = 1")).condition.prop
    n = MAX_NESTING + 1
    # 'exists ' is 7 columns: the 101st '(' is at column 108
    assert dsl_err(_mp_dsl_with("exists " + "(" * n + "P1:r0 = 1" + ")" * n)) == (
        f"t.lit:8:108: condition nested more than {MAX_NESTING} deep"
    )
    assert dsl_err(_mp_dsl_with("exists " + "~" * 500 + "P1:r0 = 1")) == (
        f"t.lit:8:108: condition nested more than {MAX_NESTING} deep"
    )
    assert dsl_err(_mp_dsl_with("exists " + "not (" * 60 + "P1:r0 = 1" + ")" * 60)).endswith(
        f"condition nested more than {MAX_NESTING} deep"
    )
    # a long flat conjunction is not nesting
    parse_dsl(_mp_dsl_with("exists " + " /\\ ".join(["P1:r0 = 1"] * 1000)))


def test_herd_condition_nesting_bound(tmp_path: Path, capsys) -> None:
    n = MAX_NESTING + 1
    for deep in ("(" * n + "1:X0=1" + ")" * n, "~" * 500 + "1:X0=1", "1:X0=1 => " * 200 + "1:X0=1"):
        text = MP_HERD.replace("(1:X0=1 /\\ 1:X2=0)", deep)
        message = herd_err(text)
        assert message.startswith("t.litmus:10:") and message.endswith(
            f": condition nested more than {MAX_NESTING} deep"
        )
    assert herd_err(MP_HERD.replace("(1:X0=1 /\\ 1:X2=0)", "(" * n + "1:X0=1" + ")" * n)) == (
        f"t.litmus:10:108: condition nested more than {MAX_NESTING} deep"
    )
    deepest = MP_HERD.replace("(1:X0=1 /\\ 1:X2=0)", "~" * (MAX_NESTING - 1) + "(1:X0=1)")
    p = tmp_path / "deep.litmus"
    p.write_text(deepest)
    code, out, _ = run(capsys, "run", str(p), "-m", "sc")
    assert code == 0 and "Observation MP Sometimes" in out  # 99 negations: ~(1:X0=1)


# --------------------------------------------------------------------------- 10. huge integers


HUGE = "9" * 5000
SHOWN = "999999999999...999999999999 (5000 characters)"


@pytest.mark.parametrize(
    "text, message",
    [
        (f"thread P0\n  MOV X0, #{HUGE}\nexists x=0\n",
         f"t.lit:2:11: integer {SHOWN} is out of range (64 bits)"),
        (f"thread P0\n  MOV X0, #0x{'f' * 5000}\nexists x=0\n",
         ("t.lit:2:11: integer 0xffffffffff...ffffffffffff (5002 characters) is out of range "
         "(64 bits)")),
        (f"memory\n  x = -{HUGE}\nthread P0\n  LDR r0, [x]\nexists x=0\n",
         ("t.lit:2:7: integer -99999999999...999999999999 (5001 characters) is out of range "
         "(64 bits)")),
        (f"thread P0\n  LDR r0, [x]\nexists x = {HUGE}\n",
         f"t.lit:3:12: integer {SHOWN} is out of range (64 bits)"),
        (f"thread P0\n  LDR r0, [x]\nexists {HUGE}:r0 = 1\n",
         f"t.lit:3:8: integer {SHOWN} is out of range (64 bits)"),
        (f"thread P0\n  ADD X0, X1, X2, LSL #{HUGE}\nexists x=0\n",
         f"t.lit:2:23: integer {SHOWN} is out of range (64 bits)"),
        (f"thread P0\n  LDR X{HUGE}, [x]\nexists x=0\n",
         ("t.lit:2:7: bad register 'X99999999999...999999999999 (5001 characters)' (registers "
         "are r0-r30, X0-X30, W0-W30, XZR, WZR, SP, WSP)")),
        ("thread P0\n  MOV X0, #18446744073709551616\nexists x=0\n",
         "t.lit:2:11: integer 18446744073709551616 is out of range (64 bits)"),
    ],
)  # fmt: skip
def test_huge_integers_in_dsl(text: str, message: str) -> None:
    assert dsl_err(text) == message


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("MOV W0,#1  ", f"MOV W0,#{HUGE}", f"t.litmus:7:10: integer {SHOWN} is out of range"),
        ("0:X1=x;", f"x={HUGE};", f"t.litmus:3:3: integer {SHOWN} is out of range"),
        ("1:X0=1 ", f"1:X0={HUGE} ", f"t.litmus:10:14: integer {SHOWN} is out of range"),
        ("1:X0=1 ", f"{HUGE}:X0=1 ", f"t.litmus:10:9: bad thread number '{SHOWN}'"),
        ("0:X1=x;", f"{HUGE}:X1=x;", f"t.litmus:3:1: bad thread number '{SHOWN}'"),
        ("| P1 ", f"| P{HUGE} ", ("t.litmus:6:16: expected thread name P1 in the header of the "
                                  "thread table, found 'P99999999999...999999999999 (5001")),
    ],
)  # fmt: skip
def test_huge_integers_in_herd_tests(old: str, new: str, message: str) -> None:
    assert old in MP_HERD
    assert herd_err(MP_HERD.replace(old, new, 1)).startswith(message)


def test_huge_counts_in_herd_logs() -> None:
    with pytest.raises(ParseError) as info:
        parse_herd_log(f"Test MP Allowed\nStates {HUGE}\n", "h.log")
    assert str(info.value) == "h.log:2:1: count 999999999999... (5000 digits) is too large"
    log = ("Test MP Allowed\nStates 1\n1:X0=0;\nNo\nWitnesses\n"
           f"Positive: 0 Negative: {HUGE}\nObservation MP Never 0 1\n")
    with pytest.raises(ParseError) as info:
        parse_herd_log(log, "h.log")
    assert info.value.pos == Pos("h.log", 6, 1)


# --------------------------------------------------------------------------- 11. include names


def test_include_name_too_long(tmp_path: Path, capsys) -> None:
    name = "a" * 5000 + ".cat"
    text = f'"t"\nlet x = po\n  include "{name}"\n'
    assert cat_err(text, str(tmp_path / "t.cat")) == (
        f"{tmp_path / 't.cat'}:3:3: cannot read included model 'aaaaaaaaaaaa...aaaaaaaa.cat "
        "(5004 characters)': File name too long"
    )
    model = tmp_path / "long.cat"
    model.write_text(text)
    test = tmp_path / "mp.lit"
    test.write_text(MP_DSL)
    assert one_line_error(capsys, "run", str(test), "--cat", str(model)).startswith(
        f"{model}:3:3: cannot read included model 'aaaaaaaaaaaa..."
    )


def test_include_name_with_a_nul(tmp_path: Path) -> None:
    assert cat_err('include "a\x00b.cat"', str(tmp_path / "t.cat")) == (
        f"{tmp_path / 't.cat'}:1:1: cannot find included model 'a\\x00b.cat'"
    )


# --------------------------------------------------------------------------- 12. not UTF-8


def test_test_file_not_utf8(tmp_path: Path, capsys) -> None:
    p = tmp_path / "bad.lit"
    p.write_bytes(MP_DSL.replace("LDR r1, [x]", "LDR r1, [é\xff]").encode("latin-1")
                  .replace(b"\xe9", "é".encode()))
    # line 7 is '  LDR r1, [é' + the bad byte: 12 characters before it
    with pytest.raises(ParseError) as info:
        load(p)
    assert str(info.value) == (
        f"{p}:7:13: not a UTF-8 text file: byte 0xFF cannot be decoded (invalid start byte)"
    )
    assert one_line_error(capsys, "run", str(p)) == str(info.value)
    q = tmp_path / "bad.litmus"
    q.write_bytes(b"\xef\xbb\xbf" + b"AArch64 \xc3(\n")
    assert one_line_error(capsys, "run", str(q)) == (
        f"{q}:1:9: not a UTF-8 text file: byte 0xC3 cannot be decoded (invalid continuation byte)"
    )
    r = tmp_path / "cut.lit"
    r.write_bytes(MP_DSL.encode() + b"// \xe2\x80")
    assert one_line_error(capsys, "run", str(r)) == (
        f"{r}:9:4: not a UTF-8 text file: byte 0xE2 cannot be decoded (a truncated UTF-8 "
        "sequence)"
    )


def test_model_file_not_utf8(tmp_path: Path, capsys) -> None:
    model = tmp_path / "bad.cat"
    model.write_bytes(b'"bad"\nlet r = po | \x80rf\n')
    with pytest.raises(ModelError) as info:
        load_cat(model)
    assert str(info.value) == (
        f"{model}:2:14: not a UTF-8 text file: byte 0x80 cannot be decoded (invalid start byte)"
    )
    test = tmp_path / "mp.lit"
    test.write_text(MP_DSL)
    assert one_line_error(capsys, "run", str(test), "--cat", str(model)) == str(info.value)
    inc = tmp_path / "inc.cat"
    inc.write_text('"inc"\ninclude "bad.cat"\n')
    assert one_line_error(capsys, "run", str(test), "--cat", str(inc)) == str(info.value)


def test_a_text_over_the_line_limit_is_refused_before_it_is_read() -> None:
    """10,001 lines: refused at line 10,001 at once (parsing 20,000 store lines
    would take seconds, before any time limit applies)."""
    text = "thread P0\n" + "  STR #1, [x]\n" * 20000 + "exists (x = 1)\n"
    with pytest.raises(ParseError, match=r"^big.lit:10001:1: the test has more than 10000"):
        parse(text, "big.lit")


def test_load_of_a_directory_says_so(tmp_path: Path) -> None:
    """A directory is neither a test file nor a test's text: said as such, not
    a parse error of its name."""
    for source in (str(tmp_path), tmp_path):
        with pytest.raises(UsageError, match="is a directory|Is a directory"):
            load(source)


def test_load_of_a_name_no_file_can_have() -> None:
    with pytest.raises(ParseError):  # taken as the text of a test, not a file name
        load("x" * 5000)


# --------------------------------------------------------------------------- 13. one line


@pytest.mark.parametrize(
    "text, char",
    [("\n", "\\n"), ("\x00", "\\x00"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"),
     ("\x85", "\\x85"), ("\r", "\\r"), ("\x1b", "\\x1b"), ("\ufeff", "\\ufeff"),
     ("\t", "\\t"), ("\U000e0001", "\\U000e0001")],
)
def test_printable(text: str, char: str) -> None:
    assert printable(f"a{text}b") == f"a{char}b"
    assert printable(printable(f"a{text}b")) == printable(f"a{text}b")  # idempotent
    assert printable("é ok \\n") == "é ok \\n"


def test_errors_escape_what_they_quote() -> None:
    e = ParseError("bad 'a\nb'", Pos("f\u2028.lit", 1, 2))
    assert str(e) == "f\\u2028.lit:1:2: bad 'a\\nb'" and e.message == "bad 'a\\nb'"


@pytest.mark.parametrize(
    "model, message",
    [
        ('let x = "a\nb"', "1:9: expected expression, found '\"a\\nb\"'"),
        ('include "a\nb.cat"', "1:1: cannot find included model 'a\\nb.cat'"),
        ("let x = a\u2028", "1:10: unexpected character '\\u2028'"),
        ("let x = \x00", "1:9: unexpected character '\\x00'"),
        ('include "a\u2029b"', "1:1: cannot find included model 'a\\u2029b'"),
    ],
)
def test_cat_user_text_in_messages(tmp_path: Path, capsys, model: str, message: str) -> None:
    p = tmp_path / "m.cat"
    p.write_text(model)
    test = tmp_path / "mp.lit"
    test.write_text(MP_DSL)
    assert one_line_error(capsys, "run", str(test), "--cat", str(p)) == f"{p}:{message}"


@pytest.mark.parametrize(
    "suffix, text, message",
    [
        (".lit", "thread P0\n  STR #1, [x]\nexists x = 1 \x0b\n",
         "3:14: expected '/\\', '\\/' or end of line, found character U+000B"),
        (".lit", "thread P0\n  STR #1, [x]\u2028\nexists x = 1\n",
         "2:14: expected ',' or end of line, found character U+2028"),
        (".litmus", "AArch64 T\n{ x=\u2028; }\n P0 ;\n NOP ;\nexists x=1\n",
         "2:5: unexpected character U+2028"),
        (".litmus", "AArch64 T\n{ x=1\x00; }\n P0 ;\n NOP ;\nexists x=1\n",
         "2:6: unexpected character U+0000"),
        (".litmus", "AArch64 T\n{}\n P0 ;\n NOP ;\nexists x=1 /\\ y\x85=1\n",
         "5:16: unexpected character U+0085"),
    ],
)  # fmt: skip
def test_test_user_text_in_messages(tmp_path: Path, capsys, suffix, text, message) -> None:
    p = tmp_path / f"t{suffix}"
    p.write_text(text)
    assert one_line_error(capsys, "run", str(p)) == f"{p}:{message}"
