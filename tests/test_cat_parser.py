"""Tests of the cat-language parser (litmus.syntax.cat)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from litmus.errors import ModelError, Pos
from litmus.model import (
    App,
    Binary,
    Binding,
    Check,
    Empty,
    Fun,
    IfVariant,
    IfVariantStmt,
    Include,
    Let,
    LetIn,
    Model,
    Show,
    Try,
    Tuple,
    Unary,
    Universe,
    Var,
)
from litmus.syntax import cat
from litmus.syntax.cat import load_cat, parse_cat

P = Pos("dummy")  # positions compare equal whatever they are


# --------------------------------------------------------------------------- helpers


def V(name: str) -> Var:
    return Var(name, P)


def B(op: str, left, right) -> Binary:
    return Binary(op, left, right, P)


def U(op: str, arg) -> Unary:
    return Unary(op, arg, P)


def Id(arg) -> Unary:
    return Unary("[]", arg, P)


def Ap(func, *args) -> App:
    return App(V(func) if isinstance(func, str) else func, tuple(args), P)


def balanced(op: str, items):
    """A chain of one associative operator as the parser groups it: split in the
    middle (the left half the smaller), so 2 and 3 items nest to the right as
    herd's %right does and 500 items nest 9 deep."""
    if len(items) == 1:
        return items[0]
    mid = len(items) // 2
    return B(op, balanced(op, items[:mid]), balanced(op, items[mid:]))


def seq(*items):
    return balanced(";", items)


def union(*items):
    return balanced("|", items)


def expr(src: str):
    """The expression bound by ``let x = <src>``."""
    (stmt,) = parse_cat(f"let x = {src}").stmts
    assert isinstance(stmt, Let)
    (binding,) = stmt.bindings
    return binding.expr


def error(src: str, path: str = "t.cat") -> str:
    with pytest.raises(ModelError) as info:
        parse_cat(src, path)
    text = str(info.value)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.fixture(autouse=True)
def _fresh_cache():
    cat.clear_cache()
    yield
    cat.clear_cache()


# --------------------------------------------------------------------------- structure


def test_let_transitive_closure_tree():
    model = parse_cat("let ob = (obs | dob)+")
    assert model == Model(
        "",
        (Let((Binding("ob", U("+", B("|", V("obs"), V("dob"))), P),), False, P),),
        "<string>",
    )


def test_armv8_style_definitions():
    bob = expr("po; [dmb.full]; po | [L]; po; [A] | [W]; po; [dmb.st]; po; [W]")
    assert bob == union(
        seq(V("po"), Id(V("dmb.full")), V("po")),
        seq(Id(V("L")), V("po"), Id(V("A"))),
        seq(Id(V("W")), V("po"), Id(V("dmb.st")), V("po"), Id(V("W"))),
    )
    assert expr("[W]; po; [R]") == seq(Id(V("W")), V("po"), Id(V("R")))
    assert expr(r"po \ (po;[F];po)") == B("\\", V("po"), seq(V("po"), Id(V("F")), V("po")))
    assert expr(r"[R\NoRet]") == Id(B("\\", V("R"), V("NoRet")))
    assert expr("[range(rmw)]; rfi") == seq(Id(Ap("range", V("rmw"))), V("rfi"))


@pytest.mark.parametrize(
    "src, tree",
    [
        # | < ++ < ; < \ < & < (postfix, ~, binary *) < ^  (herd's modelParser.mly)
        ("a | b ; c", B("|", V("a"), B(";", V("b"), V("c")))),
        ("a ; b | c", B("|", B(";", V("a"), V("b")), V("c"))),
        ("a | b | c", B("|", V("a"), B("|", V("b"), V("c")))),
        ("a ; b ; c", B(";", V("a"), B(";", V("b"), V("c")))),
        ("a ++ b ; c | d", B("|", B("++", V("a"), B(";", V("b"), V("c"))), V("d"))),
        ("a ; b \\ c", B(";", V("a"), B("\\", V("b"), V("c")))),
        ("a \\ b \\ c", B("\\", B("\\", V("a"), V("b")), V("c"))),
        ("a \\ b & c", B("\\", V("a"), B("&", V("b"), V("c")))),
        ("a & b \\ c", B("\\", B("&", V("a"), V("b")), V("c"))),
        ("a & b & c", B("&", V("a"), B("&", V("b"), V("c")))),
        ("a & b * c", B("&", V("a"), B("*", V("b"), V("c")))),
        ("S*S", B("*", V("S"), V("S"))),
        ("a * b ; c", B(";", B("*", V("a"), V("b")), V("c"))),
        ("a ; b * c", B(";", V("a"), B("*", V("b"), V("c")))),
        ("r*", U("*", V("r"))),
        ("r* ; s", B(";", U("*", V("r")), V("s"))),
        ("r+ | s?", B("|", U("+", V("r")), U("?", V("s")))),
        ("a ; r*", B(";", V("a"), U("*", V("r")))),
        ("r*+", U("+", U("*", V("r")))),
        ("r* * s", B("*", U("*", V("r")), V("s"))),
        ("r?*s", B("*", U("?", V("r")), V("s"))),
        ("r^-1", U("^-1", V("r"))),
        ("r ^ -1 ; s", B(";", U("^-1", V("r")), V("s"))),
        ("r^+ | r^*", B("|", U("+", V("r")), U("*", V("r")))),
        ("r*^-1", U("^-1", U("*", V("r")))),
        ("r^-1*", U("*", U("^-1", V("r")))),
        ("~a | b", B("|", U("~", V("a")), V("b"))),
        ("~a ; b", B(";", U("~", V("a")), V("b"))),
        ("~a & b", B("&", U("~", V("a")), V("b"))),
        ("~a^-1", U("~", U("^-1", V("a")))),
        ("~~a", U("~", U("~", V("a")))),
        ("~(a*)", U("~", U("*", V("a")))),
        ("a * ~b", B("*", V("a"), U("~", V("b")))),
        ("a * b^-1", B("*", V("a"), U("^-1", V("b")))),
        ("[W] * [R]", B("*", Id(V("W")), Id(V("R")))),
        ("f x | y", B("|", Ap("f", V("x")), V("y"))),
        ("~f x", U("~", Ap("f", V("x")))),
        ("(a | b) ; c", B(";", B("|", V("a"), V("b")), V("c"))),
        ("begin a | b end ; c", B(";", B("|", V("a"), V("b")), V("c"))),
    ],
)
def test_precedence_and_associativity(src, tree):
    assert expr(src) == tree


@pytest.mark.parametrize("src", ["~a*", "~a+", "a*b*c", "a*b+", "~a*b", "a*~b?"])
def test_non_associative_level_needs_parentheses(src):
    # herd: %nonassoc STAR PLUS OPT COMP -- a syntax error, as in herd
    msg = error(f"let x = {src}")
    assert "without parentheses" in msg


def test_empty_universe_and_builtins():
    assert expr("0") == Empty(P)
    assert expr("{}") == Empty(P)
    assert expr("_") == Universe(P)
    assert expr("domain(r)") == Ap("domain", V("r"))
    assert expr("domain 0") == Ap("domain", Empty(P))
    assert expr("(po & (_ * B)) ; po") == B(
        ";", B("&", V("po"), B("*", Universe(P), V("B"))), V("po")
    )


def test_identifiers():
    assert expr("po-loc | DMB.SY | dmb.full | ob-cpu | r' | _x | a1.b-c_d") == union(
        V("po-loc"), V("DMB.SY"), V("dmb.full"), V("ob-cpu"), V("r'"), V("_x"), V("a1.b-c_d")
    )
    assert expr("po-1") == V("po-1")  # '-' inside a name, as in herd
    assert expr("po^-1") == U("^-1", V("po"))
    assert expr("emptyset | letx | empty-ish") == union(V("emptyset"), V("letx"), V("empty-ish"))


def test_application_forms():
    assert expr("f(x)") == Ap("f", V("x"))
    assert expr("f(x, y)") == Ap("f", V("x"), V("y"))
    assert expr("f x") == Ap("f", V("x"))
    assert expr("f x y") == Ap(Ap("f", V("x")), V("y"))
    assert expr("f(a)(b, c)") == Ap(Ap("f", V("a")), V("b"), V("c"))
    assert expr("f()") == App(V("f"), (), P)
    assert expr("f([W] | R, 0)") == Ap("f", B("|", Id(V("W")), V("R")), Empty(P))
    assert expr("a, b") == Tuple((V("a"), V("b")), P)
    assert expr("(a, b)") == Tuple((V("a"), V("b")), P)


def test_let_forms():
    (s1, s2, s3, s4, s5) = parse_cat(
        """
        let f(x) = x ; x
        let g(x, y) = x | y
        let h x = f(x)
        let k() = 0
        let rec a = b | a and b = c ; a
        """
    ).stmts
    assert s1 == Let((Binding("f", seq(V("x"), V("x")), P, params=("x",)),), False, P)
    assert s2 == Let((Binding("g", union(V("x"), V("y")), P, params=("x", "y")),), False, P)
    assert s3 == Let((Binding("h", Ap("f", V("x")), P, params=("x",)),), False, P)
    assert s4 == Let((Binding("k", Empty(P), P, params=()),), False, P)
    assert s5 == Let(
        (
            Binding("a", union(V("b"), V("a")), P),
            Binding("b", seq(V("c"), V("a")), P),
        ),
        True,
        P,
    )
    # herd accepts a redundant "in" after a top-level let
    assert parse_cat("let a = b in let c = d").stmts == (
        Let((Binding("a", V("b"), P),), False, P),
        Let((Binding("c", V("d"), P),), False, P),
    )


def test_expression_forms():
    assert expr("fun x -> x | y") == Fun(("x",), union(V("x"), V("y")), P)
    assert expr("fun (x, y) -> x ; y") == Fun(("x", "y"), seq(V("x"), V("y")), P)
    assert expr("fun _ -> 0") == Fun(("_",), Empty(P), P)
    assert expr("let y = a and z = b in y | z") == LetIn(
        (Binding("y", V("a"), P), Binding("z", V("b"), P)), union(V("y"), V("z")), False, P
    )
    assert expr("let rec y = a | y ; y in y") == LetIn(
        (Binding("y", union(V("a"), seq(V("y"), V("y"))), P),), V("y"), True, P
    )
    assert expr("try fencerel(MFENCE) with 0") == Try(Ap("fencerel", V("MFENCE")), Empty(P), P)
    assert expr("(try X with {}) | (try A with {})") == union(
        Try(V("X"), Empty(P), P), Try(V("A"), Empty(P), P)
    )


def test_expression_if_variant():
    assert expr('if "vmsa" then PTE else emptyset') == IfVariant("vmsa", V("PTE"), V("emptyset"), P)
    assert expr('if not "ExS" then A else B') == IfVariant("ExS", V("A"), V("B"), P, negated=True)
    # && and || expand into nested single-variant ifs
    assert expr('if "vmsa" && "ifetch" then A else B') == IfVariant(
        "vmsa", IfVariant("ifetch", V("A"), V("B"), P), V("B"), P
    )
    assert expr('if not "ExS" || "EIS" then A else B') == IfVariant(
        "ExS", V("A"), IfVariant("EIS", V("A"), V("B"), P), P, negated=True
    )
    assert expr('if not ("a" && "b") then A else B') == IfVariant(
        "a", V("A"), IfVariant("b", V("A"), V("B"), P, negated=True), P, negated=True
    )
    assert expr('a | (if "ETS2" then b else 0)') == union(
        V("a"), IfVariant("ETS2", V("b"), Empty(P), P)
    )


# --------------------------------------------------------------------------- statements


def test_checks():
    stmts = parse_cat(
        """
        acyclic po | rf as sc
        irreflexive ob
        empty rmw & (fre; coe) as atomic
        ~empty a
        ~ acyclic b as nb
        flag ~empty (dmb.full | dmb.ld) \\ DMB.SY as Assuming-common-inner-shareable-domain
        flag irreflexive c
        """
    ).stmts
    assert stmts == (
        Check("acyclic", union(V("po"), V("rf")), P, name="sc"),
        Check("irreflexive", V("ob"), P),
        Check("empty", B("&", V("rmw"), seq(V("fre"), V("coe"))), P, name="atomic"),
        Check("empty", V("a"), P, negated=True),
        Check("acyclic", V("b"), P, name="nb", negated=True),
        Check(
            "empty",
            B("\\", union(V("dmb.full"), V("dmb.ld")), V("DMB.SY")),
            P,
            name="Assuming-common-inner-shareable-domain",
            negated=True,
            flag=True,
        ),
        Check("irreflexive", V("c"), P, flag=True),
    )


def test_negated_check_after_postfix_star():
    stmts = parse_cat("let r = a*\n~empty b").stmts
    assert stmts[1] == Check("empty", V("b"), P, negated=True)


def test_show_and_unshow():
    stmts = parse_cat("show a\nshow a, b,c\nshow isb \\ ctrlisb as isb\nunshow x, y").stmts
    assert stmts == (Show(P), Show(P), Show(P), Show(P))
    assert [s.pos.line for s in stmts] == [1, 2, 3, 4]


def test_titles():
    assert parse_cat('"ARMv8 AArch64"\nlet a = b').title == "ARMv8 AArch64"
    assert parse_cat("X86 TSO\nlet a = b").title == "X86 TSO"
    assert parse_cat('AArch64 "ARMv8 AArch64"\nacyclic po').title == "ARMv8 AArch64"
    assert parse_cat("stdlib\n(* c *)\nlet a = b").title == "stdlib"
    assert parse_cat("let a = b").title == ""
    assert parse_cat("").stmts == ()


def test_statement_if_variant():
    (s,) = parse_cat('if "cos-opt"\n  let a = b\nelse\n  let a = c\nend').stmts
    assert s == IfVariantStmt(
        "cos-opt",
        (Let((Binding("a", V("b"), P),), False, P),),
        (Let((Binding("a", V("c"), P),), False, P),),
        P,
    )
    (s,) = parse_cat('if "x" then acyclic a end').stmts
    assert s == IfVariantStmt("x", (Check("acyclic", V("a"), P),), (), P)
    (s,) = parse_cat('if not "x" acyclic a else end').stmts
    assert s == IfVariantStmt("x", (Check("acyclic", V("a"), P),), (), P, negated=True)
    (s,) = parse_cat('if "x" || "y" acyclic a end').stmts
    then = (Check("acyclic", V("a"), P),)
    assert s == IfVariantStmt("x", then, (IfVariantStmt("y", then, (), P),), P)


def test_comments():
    src = (
        '(* header (* nested *) with "quotes" *)\n'
        "let a = b (* inline *) | c // to end of line\n"
        "# a herd line comment\n"
        "let (*x*) d = e(*)*)\n"
    )
    stmts = parse_cat(src).stmts
    assert stmts == (
        Let((Binding("a", union(V("b"), V("c")), P),), False, P),
        Let((Binding("d", V("e"), P),), False, P),
    )
    # positions are unchanged by comments
    assert stmts[1].bindings[0].pos == Pos("<string>", 4, 11)


def test_positions_are_first_tokens():
    model = parse_cat("X86 TSO\n\nlet ob =\n  (obs | dob)+ ; [W]\nacyclic ob as x", "m.cat")
    let, check = model.stmts
    assert let.pos == Pos("m.cat", 3, 1)
    (b,) = let.bindings
    assert b.pos == Pos("m.cat", 3, 5)
    assert b.expr.pos == Pos("m.cat", 4, 3)  # the ';' starts at its left operand '('
    plus = b.expr.left
    assert plus.pos == Pos("m.cat", 4, 3)
    assert plus.arg.left.pos == Pos("m.cat", 4, 4)  # obs
    assert b.expr.right.pos == Pos("m.cat", 4, 18)  # [W]
    assert b.expr.right.arg.pos == Pos("m.cat", 4, 19)  # W
    assert check.pos == Pos("m.cat", 5, 1)
    assert parse_cat("~empty a").stmts[0].pos == Pos("<string>", 1, 1)
    assert parse_cat("flag ~empty a").stmts[0].pos == Pos("<string>", 1, 1)


# --------------------------------------------------------------------------- unsupported


@pytest.mark.parametrize(
    "src, construct, line, col",
    [
        ("procedure p(x) =\n  acyclic x\nend", "procedure", 1, 1),
        ("let a = b\n  call p(a)", "call", 2, 3),
        ("forall x in s do acyclic x end", "forall", 1, 1),
        ("let x = match y with || {} -> 0 end", "match", 1, 9),
        ("enum Scopes = 'wi || 'sg", "enum", 1, 1),
        ("instructions R[{'once}]", "instructions", 1, 1),
        ("default W[{'once}]", "default", 1, 1),
        ("debug a", "debug", 1, 1),
        ("let rec a = b when acyclic a", "when", 1, 15),
        ("undefined_unless empty a", "undefined_unless", 1, 1),
        ("assert empty a as x", "assert", 1, 1),
        ("let x = \n   'tag", "tag", 2, 4),
        ("let a = b\nwith co from generate_cos(a)", "with ... from", 2, 1),
        ("let x = {a, b}", "explicit set", 1, 9),
        ("let (a, b) = c", "tuple binding", 1, 5),
        ("let a, b = c", "tuple binding", 1, 5),
        ("let x = if a = b then c else d", "if", 1, 9),
        ('"Generate co\'s" withoutco\n', "withoutco", 1, 17),
    ],
)
def test_unsupported_constructs(src, construct, line, col):
    msg = error(src)
    assert msg.startswith(f"t.cat:{line}:{col}: unsupported cat construct '{construct}'")


def test_first_problem_in_file_order_wins():
    assert error("let a = b | | c\nprocedure p(x) = end").startswith("t.cat:1:13: expected")
    assert error("procedure p(x) = end\nlet a = b |").startswith("t.cat:1:1: unsupported")


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    "src, expected",
    [
        ("let x = ", "t.cat:1:9: expected expression, found end of file"),
        ("let x = a | | b", "t.cat:1:13: expected expression, found '|'"),
        ("let = a", "t.cat:1:5: expected '(', '_', 'rec' or identifier, found '='"),
        ("acyclic po as", "t.cat:1:14: expected identifier, found end of file"),
        ("acyclic a as b c", "t.cat:1:16: expected statement or end of file, found 'c'"),
        ('let x = if "a" then b', "t.cat:1:22: expected 'else', found end of file"),
        ('if "x" let a = b', "t.cat:1:17: expected statement, 'else' or 'end', found end of file"),
        ("let x = a $ b", "t.cat:1:11: unexpected character '$'"),
        ("let x = 1", "t.cat:1:9: unexpected character '1'"),
        ('include "abc', "t.cat:1:9: unterminated string"),
        ("let x = a\n(* never closed", "t.cat:2:1: unterminated comment"),
        # unbalanced brackets
        ("let x = (a | b", "t.cat:1:9: unclosed '('"),
        ("let x = a | b)", "t.cat:1:14: unmatched ')'"),
        ("let x = [a | b)", "t.cat:1:15: '[' at 1:9 is closed by ')', expected ']'"),
        (
            "let x = (a | b\nlet y = c",
            "t.cat:2:1: expected ')', found 'let' ('(' at 1:9 is not closed)",
        ),
    ],
)
def test_syntax_errors(src, expected):
    assert error(src) == expected


# --------------------------------------------------------------------------- includes


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def names(stmts) -> list[str]:
    """The let-bound names and include markers of a statement list, in order."""
    out = []
    for s in stmts:
        if isinstance(s, Let):
            out += [b.name for b in s.bindings]
        elif isinstance(s, Include):
            out.append(f"include {s.path}")
    return out


def test_include_is_spliced_in_place(tmp_path):
    write(tmp_path / "lib.cat", "Lib\nlet l1 = a\nlet l2 = b")
    main = write(tmp_path / "main.cat", 'Main\nlet m1 = x\ninclude "lib.cat"\nlet m2 = y')
    model = load_cat(main)
    assert model.title == "Main"
    assert model.file == str(main)
    assert names(model.stmts) == ["m1", "include lib.cat", "l1", "l2", "m2"]
    inc = model.stmts[1]
    assert inc == Include("lib.cat", P) and inc.pos == Pos(str(main), 3, 1)
    # positions inside the included file name that file
    assert model.stmts[2].pos == Pos(str(tmp_path / "lib.cat"), 2, 1)


def test_include_lookup_order(tmp_path):
    write(tmp_path / "model" / "a.cat", "let from_model_dir = a")
    write(tmp_path / "s1" / "a.cat", "let from_s1 = a")
    write(tmp_path / "s1" / "b.cat", 'let b_s1 = a\ninclude "c.cat"')
    write(tmp_path / "s2" / "b.cat", "let b_s2 = a")
    write(tmp_path / "s2" / "c.cat", "let c_s2 = a")
    write(tmp_path / "s1" / "c.cat", "let c_s1 = a")
    main = write(tmp_path / "model" / "main.cat", 'include "a.cat"\ninclude "b.cat"')
    model = load_cat(main, search_path=[tmp_path / "s1", str(tmp_path / "s2")])
    # a.cat: the including file's directory first; b.cat: first search-path hit;
    # c.cat (included from s1/b.cat): s1 is b.cat's own directory
    assert names(model.stmts) == [
        "include a.cat",
        "from_model_dir",
        "include b.cat",
        "b_s1",
        "include c.cat",
        "c_s1",
    ]
    assert names(load_cat(main, search_path=[tmp_path / "s2"]).stmts)[3:] == ["b_s2"]


def test_parse_cat_uses_path_directory_and_search_path(tmp_path):
    write(tmp_path / "d" / "lib.cat", "let l = a")
    model = parse_cat('include "lib.cat"', str(tmp_path / "d" / "x.cat"))
    assert names(model.stmts) == ["include lib.cat", "l"]
    model = parse_cat('include "lib.cat"', search_path=[tmp_path / "d"])
    assert names(model.stmts) == ["include lib.cat", "l"]


def test_file_included_twice_is_spliced_once(tmp_path):
    write(tmp_path / "f.cat", "let f = a")
    write(tmp_path / "g.cat", 'include "f.cat"\nlet g = b')
    main = write(tmp_path / "main.cat", 'include "f.cat"\ninclude "g.cat"\ninclude "f.cat"')
    assert names(load_cat(main).stmts) == [
        "include f.cat",
        "f",
        "include g.cat",
        "include f.cat",
        "g",
        "include f.cat",
    ]


def test_include_cycles_terminate(tmp_path):
    write(tmp_path / "a.cat", 'let a = x\ninclude "b.cat"')
    write(tmp_path / "b.cat", 'let b = x\ninclude "a.cat"\ninclude "b.cat"')
    model = load_cat(tmp_path / "a.cat")
    assert names(model.stmts) == ["a", "include b.cat", "b", "include a.cat", "include b.cat"]


def test_includes_in_variant_branches(tmp_path):
    write(tmp_path / "x.cat", "let x = a")
    main = write(
        tmp_path / "main.cat",
        'if "v"\n  include "x.cat"\nelse\n  include "x.cat"\nend\ninclude "x.cat"',
    )
    (ifs, inc) = load_cat(main).stmts
    assert isinstance(ifs, IfVariantStmt)
    assert names(ifs.then) == ["include x.cat", "x"]
    assert names(ifs.else_) == ["include x.cat", "x"]
    assert inc == Include("x.cat", P)  # included on both paths already
    # included on one path only: included again afterwards
    main2 = write(tmp_path / "main2.cat", 'if "v" include "x.cat" end\ninclude "x.cat"')
    assert names(load_cat(main2).stmts) == ["include x.cat", "x"]


def test_missing_include(tmp_path):
    main = write(tmp_path / "m.cat", 'let a = b\n  include "cos.cat"')
    with pytest.raises(ModelError) as info:
        load_cat(main)
    assert str(info.value) == f"{main}:2:3: cannot find included model 'cos.cat'"
    with pytest.raises(ModelError) as info:
        parse_cat('\ninclude "nope.cat"')
    assert str(info.value) == "<string>:2:1: cannot find included model 'nope.cat'"


def test_error_in_included_file_names_that_file(tmp_path):
    bad = write(tmp_path / "bad.cat", "let a = b\nprocedure p(x) = end")
    main = write(tmp_path / "m.cat", 'include "bad.cat"')
    with pytest.raises(ModelError) as info:
        load_cat(main)
    assert str(info.value) == f"{bad}:2:1: unsupported cat construct 'procedure'"


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match="cannot read model"):
        load_cat(tmp_path / "absent.cat")


# --------------------------------------------------------------------------- caching


def test_load_is_cached(tmp_path, monkeypatch):
    write(tmp_path / "lib.cat", "let l = a")
    main = write(tmp_path / "m.cat", 'include "lib.cat"\nlet m = l')
    calls = []
    real = cat._parse_text
    monkeypatch.setattr(cat, "_parse_text", lambda text, f: calls.append(f) or real(text, f))
    first = load_cat(main)
    for _ in range(100):
        assert load_cat(main) is first
    assert len(calls) == 2  # main and lib, once each
    # another model including the same file reuses its parse
    write(tmp_path / "other.cat", 'include "lib.cat"')
    load_cat(tmp_path / "other.cat")
    assert len(calls) == 3


def test_cache_notices_changes(tmp_path):
    lib = write(tmp_path / "lib.cat", "let l = a")
    main = write(tmp_path / "m.cat", 'include "lib.cat"')
    first = load_cat(main)
    write(lib, "let l = a | b")
    st = os.stat(lib)
    os.utime(lib, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    second = load_cat(main)
    assert second is not first
    assert second.stmts[1].bindings[0].expr == union(V("a"), V("b"))
    assert load_cat(main) is second


def test_parser_is_built_once():
    assert cat._get_parser() is cat._get_parser()


def test_grammar_has_no_lalr_conflicts(caplog):
    from lark import Lark, logger

    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="lark"):
            Lark(cat._GRAMMAR.read_text(), parser="lalr", lexer="basic", debug=True)
    finally:
        logger.setLevel(level)
    assert not [r for r in caplog.records if "conflict" in r.getMessage().lower()]
