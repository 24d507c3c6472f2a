"""What a fresh user's trial of the CI feature found: kinds.txt given as a
path and with positions, symbolic links in test directories, --strict,
--cat and the report files checked before any test runs, wording, and time
limits that hold in every phase of a check.

Expected values are derived from the inputs written here (line and column
numbers counted in the text of each test), not copied from a run."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from cliutil import MP, MP_HERD, run

from litmus.errors import Pos
from litmus.syntax.kinds import KindsEntry, parse_kinds_entries


def herd_dir(tmp_path: Path, kinds: str, name: str = "herd") -> Path:
    """A directory holding MP.litmus and the kinds.txt given."""
    d = tmp_path / name
    d.mkdir()
    (d / "MP.litmus").write_text(MP_HERD)
    (d / "kinds.txt").write_text(kinds)
    return d


# --------------------------------------------------------------------------- (9) positions


def test_kinds_entries_say_where_each_test_is_named():
    text = "# verdicts\nMP Allowed\n\n  SB\tforbidden # fenced\nMP allow\n"
    entries = parse_kinds_entries(text, "k.txt")
    # MP: line 2, column 1; SB: line 4 after two spaces; MP again on line 5 keeps line 2
    assert entries == {"MP": KindsEntry("Allowed", Pos("k.txt", 2, 1)),
                       "SB": KindsEntry("Forbidden", Pos("k.txt", 4, 3))}


def test_a_failed_kinds_entry_is_reported_at_its_line_in_text_json_and_junit(tmp_path, capsys):
    # MP's entry: line 3 (after a comment and a blank line), column 2 (one space before)
    d = herd_dir(tmp_path, "% herd\n\n MP Forbidden\n")
    js, junit = tmp_path / "r.json", tmp_path / "r.xml"
    code, out, _ = run(capsys, "check", str(d), "--no-cache", "-j", "1", "--json", str(js),
                       "--junit", str(junit))
    assert code == 1
    kinds = d / "kinds.txt"
    assert f"FAIL {kinds}:3:2: MP under arm: expected forbidden, got sometimes" in out
    (result,) = json.loads(js.read_text())["results"]
    assert result["where"] == f"{kinds}:3:2"
    assert result["file"] == str(d / "MP.litmus")  # the test's own file is still named
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    assert case is not None
    assert (case.get("name"), case.get("file"), case.get("line")) == (
        "MP under arm", str(kinds), "3")


def test_a_missing_path_has_no_file_in_the_reports(tmp_path, capsys):
    js, junit = tmp_path / "r.json", tmp_path / "r.xml"
    missing = tmp_path / "gone.lit"
    code, _, err = run(capsys, "check", str(missing), "--no-cache", "--json", str(js),
                       "--junit", str(junit))
    assert code == 2
    assert f"{missing}: no such file or directory" in err
    (error,) = json.loads(js.read_text())["errors"]
    assert error["file"] == "" and error["error"] == f"{missing}: no such file or directory"
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    assert case is not None
    assert case.get("file") is None and case.get("name") == "gone.lit"
    assert case.find("error") is not None


def lit(name: str, expect: str = "") -> str:
    """MP under the test name given (arm: Sometimes; sc, tso: Never)."""
    return MP.replace("test MP", f"test {name}") + (f"expect {expect}\n" if expect else "")


# --------------------------------------------------------------------------- (1) kinds.txt


def test_a_kinds_txt_given_as_a_path_checks_the_tests_it_names(tmp_path, capsys):
    d = tmp_path / "t"
    d.mkdir()
    (d / "a.lit").write_text(lit("A"))
    (d / "b.lit").write_text(lit("B", "arm: never"))  # fails if checked: kinds.txt omits B
    (d / "other.lit").write_text(lit("X"))  # named by its test name, not its file stem
    (d / "kinds.txt").write_text("A Allowed\nX Forbidden\n")
    code, out, err = run(capsys, "check", str(d / "kinds.txt"), "--no-cache", "-j", "1")
    # A: arm allows MP (pass); X: Forbidden, arm says sometimes (fail); B not checked
    assert code == 1, err
    assert "1 passed, 1 failed, 0 errors, 0 without expectations" in out
    assert f"FAIL {d / 'kinds.txt'}:2:1: X under arm: expected forbidden" in out
    assert "B under" not in out
    # a commit changing a.lit and the kinds.txt names both: A is checked once
    code, out, _ = run(capsys, "check", str(d / "a.lit"), str(d / "kinds.txt"), "--no-cache")
    assert "1 passed, 1 failed, 0 errors" in out


def test_a_kinds_txt_that_names_no_test_file_is_an_error(tmp_path, capsys):
    d = tmp_path / "t"
    d.mkdir()
    (d / "a.lit").write_text(lit("A"))
    (d / "kinds.txt").write_text("Z Allowed\n")
    code, _, err = run(capsys, "check", str(d / "kinds.txt"), "--no-cache")
    assert code == 2
    assert f"{d / 'kinds.txt'}: names no test file (.lit, .litmus) of its directory" in err


# --------------------------------------------------------------------------- (2) symlinks


def test_directories_follow_symbolic_links_and_stop_at_cycles(tmp_path, capsys):
    d = tmp_path / "tests"
    (d / "real").mkdir(parents=True)
    (d / "real" / "a.lit").write_text(lit("A", "sc: never"))
    outside = tmp_path / "shared" / "mmio"
    outside.mkdir(parents=True)
    (outside / "b.lit").write_text(lit("B", "tso: never"))
    (d / "mmio").symlink_to(outside, target_is_directory=True)  # a link out of the tree
    (d / "again").symlink_to(d / "real", target_is_directory=True)  # a second way to real/
    (d / "real" / "up").symlink_to(d, target_is_directory=True)  # a cycle: real/up -> tests
    js = tmp_path / "r.json"
    code, out, err = run(capsys, "check", str(d), "--no-cache", "-j", "1", "--json", str(js))
    assert code == 0, err
    # a.lit once (under its own path, not again/ or real/up/), b.lit through the link
    assert "2 passed, 0 failed, 0 errors, 0 without expectations" in out
    files = [r["file"] for r in json.loads(js.read_text())["results"]]
    assert files == [str(d / "mmio" / "b.lit"), str(d / "real" / "a.lit")]


def test_a_dangling_link_in_a_directory_is_an_error_not_skipped(tmp_path, capsys):
    """A test file that is a link to nothing is reported (as it is when named
    on the command line), not silently left out: 1 passed, 1 error, exit 2."""
    d = tmp_path / "tests"
    d.mkdir()
    (d / "a.lit").write_text(lit("A", "sc: never"))
    (d / "broken.lit").symlink_to(tmp_path / "nowhere.lit")
    code, out, err = run(capsys, "check", str(d), "--no-cache", "-j", "1")
    assert code == 2
    assert "1 passed, 0 failed, 1 error, 0 without expectations" in out
    assert f"{d / 'broken.lit'}: no such file" in err


# --------------------------------------------------------------------------- (3) --strict

#: A condition on a register no instruction writes: P1's r7, at line 8, column
#: 22 (after "exists (", "P1:r0 = 1" and " /\ "). sc allows r0=1 (Sometimes).
UNWRITTEN = lit("W").replace(r"exists (P1:r0 = 1 /\ P1:r1 = 0)",
                             r"exists (P1:r0 = 1 /\ P1:r7 = 0)") + "expect sc: sometimes\n"
UNWRITTEN_WARNING = ("no instruction of thread P1 writes r7 and it has no initial value: "
                     "'P1:r7' is always 0")


def test_without_strict_a_warning_is_printed_and_the_check_passes(tmp_path, capsys):
    p = tmp_path / "w.lit"
    p.write_text(UNWRITTEN)
    code, out, err = run(capsys, "check", str(p), "--no-cache")
    assert code == 0
    assert f"{p}:8:22: warning: {UNWRITTEN_WARNING}" in err
    assert "1 passed, 0 failed, 0 errors" in out


def test_strict_makes_a_warning_an_error_in_text_json_and_junit(tmp_path, capsys):
    p = tmp_path / "w.lit"
    p.write_text(UNWRITTEN)
    js, junit = tmp_path / "r.json", tmp_path / "r.xml"
    code, out, err = run(capsys, "check", str(p), "--strict", "--no-cache", "--json", str(js),
                         "--junit", str(junit))
    assert code == 2  # an error of the input, as a file that does not parse
    assert f"{p}:8:22: warning (strict: an error): {UNWRITTEN_WARNING}" in err
    assert "1 passed, 0 failed, 1 error, 0 without expectations" in out  # still checked
    report = json.loads(js.read_text())
    assert report["warnings"] == []
    assert [(e["file"], e["type"]) for e in report["errors"]] == [(str(p), "StrictWarning")]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "1"
    (error,) = [c for c in suite.iter("testcase") if c.find("error") is not None]
    assert (error.get("name"), error.get("line")) == ("W", "8")


def test_strict_with_a_failure_still_exits_2_and_without_warnings_exits_1(tmp_path, capsys):
    p = tmp_path / "f.lit"
    p.write_text(lit("F", "arm: never"))
    code, _, _ = run(capsys, "check", str(p), "--strict", "--no-cache")
    assert code == 1  # no warning: strict changes nothing
    q = tmp_path / "w.lit"
    q.write_text(UNWRITTEN)
    code, out, _ = run(capsys, "check", str(p), str(q), "--strict", "--no-cache")
    assert code == 2 and "1 passed, 1 failed, 1 error" in out


def test_check_many_strict_puts_the_warning_among_the_errors(tmp_path):
    from litmus import check_many
    from litmus.errors import StrictWarning

    p = tmp_path / "w.lit"
    p.write_text(UNWRITTEN)
    (plain,) = check_many([p], jobs=1)
    assert plain.warnings == (f"{p}:8:22: warning: {UNWRITTEN_WARNING}",) and not plain.errors
    (strict,) = check_many([p], jobs=1, strict=True)
    assert strict.warnings == ()
    (err,) = strict.errors
    assert isinstance(err, StrictWarning) and err.pos == Pos(str(p), 8, 22)
    assert strict.error_count == 1 and [c.status for c in strict.checks] == ["pass"]


# --------------------------------------------------------------------------- (9) kinds warning


def test_a_kinds_entry_naming_no_test_warns_at_its_line_and_is_in_the_json(tmp_path, capsys):
    d = herd_dir(tmp_path, "MP Allowed\nMP+dmb.sys Forbidden\n")
    # the test MP+dmb.sys is in dmb.litmus (named by its header, not its file name)
    (d / "dmb.litmus").write_text(MP_HERD.replace("AArch64 MP\n", "AArch64 MP+dmb.sys\n"))
    code, out, err = run(capsys, "check", str(d / "MP.litmus"), "--no-cache", "--strict")
    # dmb.litmus holds MP+dmb.sys though only MP.litmus is checked (a commit that
    # changes MP.litmus alone): no warning
    assert code == 0 and "warning" not in err, err
    # line 2, after two spaces: "MP+dmb.sy", a typo of MP+dmb.sys
    kinds = d / "kinds.txt"
    kinds.write_text("MP Allowed\n  MP+dmb.sy Forbidden\n")
    js, junit = tmp_path / "r.json", tmp_path / "r.xml"
    code, out, err = run(capsys, "check", str(d), "--no-cache", "--json", str(js),
                         "--junit", str(junit))
    warning = (f"{kinds}:2:3: warning: kinds.txt names test 'MP+dmb.sy', which no test file of "
               "its directory holds (did you mean MP+dmb.sys?)")
    assert code == 0 and warning in err and err.count("warning") == 1
    assert json.loads(js.read_text())["warnings"] == [warning]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and warning in (suite.findtext("system-err") or "")
    code, out, err = run(capsys, "check", str(d), "--no-cache", "--strict", "--json", str(js),
                         "--junit", str(junit))
    assert code == 2 and warning.replace("warning:", "warning (strict: an error):") in err
    # MP passes; MP+dmb.sys has no expectation now; the kinds.txt entry is the error
    assert "1 passed, 0 failed, 1 error, 1 without expectations" in out
    (error,) = json.loads(js.read_text())["errors"]
    assert (error["file"], error["type"]) == (str(kinds), "StrictWarning")
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    (case,) = [c for c in suite.iter("testcase") if c.find("error") is not None]
    assert (case.get("name"), case.get("file"), case.get("line")) == ("kinds.txt", str(kinds),
                                                                      "2")


# --------------------------------------------------------------------------- (7) --cat up front

#: line 1 ends in a dangling '|'; line 2 starts with 'acyclic', where an
#: expression was expected: the parser stops at 2:1
BAD_CAT = "let x = po |\nacyclic x as a\n"


def test_a_bad_cat_file_is_one_error_before_any_test_runs(tmp_path, capsys):
    p = tmp_path / "mp.lit"
    p.write_text(lit("M", "sc: never"))
    cat = tmp_path / "bad.cat"
    cat.write_text(BAD_CAT)
    for command in (["check", str(p)], ["run", str(p)]):
        code, out, err = run(capsys, *command, "--cat", str(cat), "--no-cache")
        assert code == 2
        assert err.startswith(f"{cat}:2:1: ") and err.count("\n") == 1, err
        assert out == ""  # no test ran: no summary, no states
    q = tmp_path / "mp2.lit"
    q.write_text(lit("N"))
    code, out, err = run(capsys, "explain", str(p), str(q), "-m", str(cat))
    assert (code, out) == (2, "")
    assert err.startswith(f"{cat}:2:1: ") and err.count("\n") == 1  # once, not per test
    code, out, err = run(capsys, "check", str(p), "--cat", str(tmp_path / "nope.cat"))
    assert (code, out) == (2, "")
    assert err == f"litmus: {tmp_path / 'nope.cat'}: no such model file\n"


def test_a_cat_file_with_an_unbound_name_is_one_error_before_any_test_runs(tmp_path, capsys):
    """``foo`` is bound nowhere (line 2, column 14 after ``let r = po | ``): the
    model parses, and is refused once, before the two tests, not once each."""
    tests = [tmp_path / "a.lit", tmp_path / "b.lit"]
    for i, t in enumerate(tests):
        t.write_text(lit(f"T{i}", "sc: never"))
    cat = tmp_path / "undef.cat"
    cat.write_text('"undef"\nlet r = po | foo\nacyclic r as ax\n')
    code, out, err = run(capsys, "check", *map(str, tests), "--cat", str(cat), "--no-cache")
    assert (code, out) == (2, "")
    assert err == f"{cat}:2:14: unbound name 'foo'\n"


# --------------------------------------------------------------------------- (8) report files


def test_a_report_that_cannot_be_written_is_said_before_any_test_runs(tmp_path, capsys):
    p = tmp_path / "mp.lit"
    p.write_text(lit("M", "sc: never"))
    missing = tmp_path / "no-such-dir" / "r.json"
    code, out, err = run(capsys, "check", str(p), "--json", str(missing), "--no-cache")
    assert (code, out) == (2, "")
    assert err == (f"{missing}: cannot write the --json report: its directory "
                   f"{tmp_path / 'no-such-dir'} does not exist\n")
    code, out, err = run(capsys, "check", str(p), "--junit", str(tmp_path), "--no-cache")
    assert (code, out) == (2, "")
    assert err == f"{tmp_path}: cannot write the --junit report: this is a directory\n"
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, out, err = run(capsys, "compare", str(p), "--json", str(blocker / "r.json"))
    assert (code, out) == (2, "")
    assert err == (f"{blocker / 'r.json'}: cannot write the --json report: its directory "
                   f"{blocker} is not a directory\n")


def test_an_unwritable_cache_is_said_once_and_the_run_goes_on(tmp_path, capsys):
    for name in "abc":
        (tmp_path / f"{name}.lit").write_text(lit(name.upper(), "sc: never"))
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, out, err = run(capsys, "check", str(tmp_path), "--cache", str(blocker / "cache"),
                         "-j", "1")
    assert code == 0
    assert "3 passed, 0 failed, 0 errors" in out
    assert err.count("warning") == 1
    assert err.startswith(f"litmus: warning: cannot write the cache directory "
                          f"{blocker / 'cache'} (")


# --------------------------------------------------------------------------- (10) -v


def test_verbose_pass_lines_name_the_file_and_the_cache_line_says_what_it_counts(tmp_path,
                                                                                capsys):
    p = tmp_path / "m.lit"
    # MP is 8 lines; the expect line is line 9, its model names at columns 8 and 19
    p.write_text(lit("M", "sc: never, tso: never"))
    cache = tmp_path / "cache"
    code, out, _ = run(capsys, "check", str(p), "-v", "--cache", str(cache), "-j", "1")
    assert code == 0
    assert f"PASS {p}:9:8: M under sc: expected never, got never" in out
    assert f"PASS {p}:9:19: M under tso: expected never, got never" in out
    # 3 look-ups: the result under sc, under tso, and the condition's warnings
    assert (f"Cache {cache}: 0 hits, 3 misses (3 look-ups: one per test and model, one per "
            "test for its condition's warnings; a miss is computed and kept)") in out
    _, out, _ = run(capsys, "check", str(p), "-v", "--cache", str(cache), "-j", "1")
    assert f"Cache {cache}: 3 hits, 0 misses (3 look-ups" in out


# --------------------------------------------------------------------------- (11) compare


def test_compare_reads_kinds_txt_and_says_where_an_expectation_disagrees(tmp_path, capsys):
    d = herd_dir(tmp_path, "# herd\nMP Forbidden\n")  # arm allows MP: the entry disagrees
    js = tmp_path / "c.json"
    code, out, _ = run(capsys, "compare", str(d / "MP.litmus"), "-m", "sc,arm", "--json",
                       str(js), "--no-cache")
    # an expectation the models contradict exits 1, as everywhere (README's
    # "Exit status"): a CI job built on compare --json does not go green
    assert code == 1
    assert f"  {d / 'kinds.txt'}:2:1: expected forbidden under arm, got sometimes" in out
    rows = [line.split()[0] for line in out.splitlines() if line.startswith((" sc", " arm"))]
    assert rows == ["sc", "arm"]
    results = json.loads(js.read_text())["results"]
    assert [(r["model"], r["expected"], r["status"]) for r in results] == [
        ("sc", None, "run"), ("arm", "forbidden", "fail")]


# --------------------------------------------------------------------------- (12) wording


def test_the_summary_counts_one_error_in_the_singular(tmp_path, capsys):
    code, out, _ = run(capsys, "check", str(tmp_path / "gone.lit"))
    assert code == 2 and "0 passed, 0 failed, 1 error, 0 without expectations" in out


# --------------------------------------------------------------------------- (5, 6) docs/ci.md


def test_the_ci_examples_run_where_they_are_pasted():
    text = (Path(__file__).resolve().parent.parent / "docs" / "ci.md").read_text()
    github = text[text.index("## GitHub Actions"):text.index("## GitLab CI")]
    gitlab = text[text.index("## GitLab CI"):text.index("## Jenkins")]
    # setup-python's pip cache needs a requirements file the repository may not have
    assert "cache: pip" not in github.split("```")[1]
    # a git URL for LITMUS needs git in the image: python:3.12 has it, -slim not
    assert "image: python:3.12\n" in gitlab.split("```")[1]
