"""herd7 compatibility at the command line: kinds.txt, herd logs, herd's layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cliutil import MP_HERD, run

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT.parent / "shared" / "reference" / "herd-catalogue"
needs_reference = pytest.mark.needs(CATALOGUE / "expected.jsonl")



def herd_log(records: list[dict]) -> str:
    """A herd7 log in herd's layout, made from reference records."""
    out = []
    for r in records:
        out.append(f"Test {r['name']} {r['kind']}")
        out.append(f"States {len(r['states'])}")
        out.extend(s + ";" for s in r["states"])
        out.append("Ok" if r["validated"] else "No")
        out.append("Witnesses")
        out.append(f"Positive: {r['positive']} Negative: {r['negative']}")
        out.append(f"Condition {r['condition']}")
        out.append(f"Observation {r['name']} {r['observation']} {r['positive']} "
                   f"{r['negative']}")
        out.append("")
    return "\n".join(out)


def test_herd_layout_of_run(tmp_path, capsys):
    p = tmp_path / "MP.litmus"
    p.write_text(MP_HERD)
    code, out, _ = run(capsys, "run", "--format", "herd", str(p))
    assert code == 0
    lines = out.splitlines()
    # herd7's answer for MP (reference/herd-catalogue: 4 states, Sometimes)
    assert lines[:11] == [
        "Test MP Allowed",
        "States 4",
        "1:X0=0; 1:X2=0;",
        "1:X0=0; 1:X2=1;",
        "1:X0=1; 1:X2=0;",
        "1:X0=1; 1:X2=1;",
        "Ok",
        "Witnesses",
        "Positive: 1 Negative: 3",
        "Condition exists (1:X0=1 /\\ 1:X2=0)",
        "Observation MP Sometimes 1 3",
    ]
    assert lines[11].startswith("Time MP ")


def test_kinds_txt_is_an_expectation_source(tmp_path, capsys):
    (tmp_path / "MP.litmus").write_text(MP_HERD)
    (tmp_path / "kinds.txt").write_text("MP Allowed\n")
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert code == 0 and "1 passed, 0 failed, 0 errors, 0 without expectations" in out
    # the entry's name is on line 2, after two spaces: the FAIL line points there
    (tmp_path / "kinds.txt").write_text("# herd's verdicts\n  MP Forbidden\n")
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert code == 1
    assert f"FAIL {tmp_path / 'kinds.txt'}:2:3: MP under arm: expected forbidden, got " \
           "sometimes" in out


@needs_reference
def test_kinds_of_herd_catalogue_hold(capsys):
    code, out, _ = run(capsys, "check", str(CATALOGUE / "aarch64"))
    assert code == 0
    assert "63 passed, 0 failed" in out


@needs_reference
def test_compare_herd_agrees_on_herd_log(tmp_path, capsys):
    records = [json.loads(line) for line in (CATALOGUE / "expected.jsonl").read_text()
               .splitlines() if line.strip()]
    picked = [r for r in records if r["name"] in ("MP", "SB+dmb.sys", "LB+rel+CSEL")
              and r["file"].startswith("aarch64/")]
    log = tmp_path / "herd.log"
    log.write_text(herd_log(picked))
    code, out, _ = run(capsys, "compare-herd", str(log), str(CATALOGUE / "aarch64"))
    assert code == 0, out
    assert "3/3 identical to herd7" in out


@needs_reference
def test_compare_herd_reports_disagreement(tmp_path, capsys):
    records = [json.loads(line) for line in (CATALOGUE / "expected.jsonl").read_text()
               .splitlines() if line.strip()]
    mp = next(r for r in records if r["file"] == "aarch64/MP.litmus")
    doctored = dict(mp, states=[s for s in mp["states"] if s != "1:X0=1; 1:X2=0"],
                    observation="Never")
    log = tmp_path / "herd.log"
    log.write_text(herd_log([doctored]))
    code, out, _ = run(capsys, "compare-herd", str(log), str(CATALOGUE / "aarch64"))
    assert code == 1
    assert "observation Sometimes, herd7 Never" in out
    assert "states only we allow: [1:X0=1; 1:X2=0]" in out
    assert "0/1 identical to herd7" in out


def test_compare_herd_missing_test_file(tmp_path, capsys):
    log = tmp_path / "herd.log"
    log.write_text(herd_log([{"name": "Nowhere", "kind": "Allowed", "states": ["0:X0=0"],
                              "validated": False, "positive": 0, "negative": 1,
                              "condition": "exists (0:X0=1)", "observation": "Never"}]))
    code, out, _ = run(capsys, "compare-herd", str(log))
    assert code == 2  # nothing to compare with: an input problem, not a disagreement
    assert "Nowhere: no test file found" in out
    assert "0/1 identical to herd7, 1 not compared" in out


def _record(name: str) -> dict:
    """herd7's answer for MP (reference/herd-catalogue: 4 states, Sometimes)."""
    return {"name": name, "kind": "Allowed", "validated": True, "positive": 1,
            "negative": 3, "condition": "exists (1:X0=1 /\\ 1:X2=0)",
            "observation": "Sometimes",
            "states": ["1:X0=0; 1:X2=0", "1:X0=0; 1:X2=1", "1:X0=1; 1:X2=0", "1:X0=1; 1:X2=1"]}


def test_compare_herd_goes_on_past_a_file_that_cannot_be_read(tmp_path, capsys):
    (tmp_path / "MP.litmus").write_text(MP_HERD)
    (tmp_path / "Broken.litmus").write_text("AArch64 Broken\n{ }\n P0 ;\n FOO ;\n"
                                            "exists (0:X0=1)\n")
    log = tmp_path / "herd.log"
    log.write_text(herd_log([_record("Broken"), _record("MP")]))
    code, out, _ = run(capsys, "compare-herd", str(log))
    assert code == 2
    assert "ERROR Broken: " in out and "Broken.litmus:4:2: unknown instruction 'FOO'" in out
    assert "1/2 identical to herd7, 1 not compared" in out


def test_compare_herd_never_guesses_between_two_files_of_one_name(tmp_path, capsys):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "MP.litmus").write_text(MP_HERD)
    log = tmp_path / "herd.log"
    log.write_text(herd_log([_record("MP")]))
    code, out, _ = run(capsys, "compare-herd", str(log), str(tmp_path))
    assert code == 2
    assert "MP: several files hold a test of this name" in out
    assert "a/MP.litmus" in out and "b/MP.litmus" in out
