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

from cliutil import run

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
