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

from cliutil import MP, run

from litmus.errors import Pos
from litmus.syntax.kinds import KindsEntry, parse_kinds_entries

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
