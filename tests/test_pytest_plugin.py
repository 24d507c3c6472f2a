"""The pytest plugin (litmus/pytest_plugin.py), run by pytester on a small
project: passing, failing, malformed and expectation-less tests, herd tests
with a kinds.txt, and a project that does not ask for litmus tests at all."""

from __future__ import annotations

import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cliutil import MP as BASE_MP

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

MP = BASE_MP + "expect sc: never, tso: never\nexpect arm: never\n"

MP_DMB = """\
test MP+dmbs
thread P0
  STR #1, [x]
  DMB SY
  STR #1, [y]
thread P1
  LDR r0, [y]
  DMB SY
  LDR r1, [x]
exists (P1:r0 = 1 /\\ P1:r1 = 0)
expect arm: never
"""

BAD = """\
thread P0
  STRR W0, [x]
exists (P0:r0 = 1)
expect arm: never
"""

NONE = """\
test quiet
thread P0
  STR #1, [x]
exists (x = 1)
"""

SB_HERD = """\
X86 SB
"Fre PodWR Fre PodWR"
{ x=0; y=0; }
 P0          | P1          ;
 MOV [x],$1  | MOV [y],$1  ;
 MOV EAX,[y] | MOV EAX,[x] ;
exists (0:EAX=0 /\\ 1:EAX=0)
"""

SB_FENCED = """\
X86 SB+mfences
"Fre PodWR Fre PodWR"
{ x=0; y=0; }
 P0          | P1          ;
 MOV [x],$1  | MOV [y],$1  ;
 MFENCE      | MFENCE      ;
 MOV EAX,[y] | MOV EAX,[x] ;
exists (0:EAX=0 /\\ 1:EAX=0)
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project with litmus tests under lit/ (and herd tests with a kinds.txt
    under lit/herd/), a Python test, and the plugin loaded by -p only (so that
    the run is the same whether or not litmus is installed with its entry point)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    lit = pytester.mkdir("lit")
    (lit / "mp.lit").write_text(MP)
    (lit / "mp-dmb.lit").write_text(MP_DMB)
    (lit / "bad.lit").write_text(BAD)
    (lit / "quiet.lit").write_text(NONE)
    herd = lit / "herd"
    herd.mkdir()
    (herd / "SB.litmus").write_text(SB_HERD)
    (herd / "SB+mfences.litmus").write_text(SB_FENCED)
    # tso allows SB (the kinds line fails) and forbids it with MFENCEs
    (herd / "kinds.txt").write_text("# herd's verdicts\nSB Forbidden\nSB+mfences Forbidden\n")
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "litmus.pytest_plugin", "-p", "no:cacheprovider", *args)


def test_configured_directory_is_collected_one_item_per_test_and_model(project):
    project.makeini("[pytest]\nlitmus_paths = lit\n")
    result = run(project, "--collect-only", "-q")
    ids = sorted(line.strip() for line in result.outlines if "::" in line)
    assert ids == sorted([
        "lit/bad.lit::bad",
        "lit/herd/SB+mfences.litmus::SB+mfences[tso]",
        "lit/herd/SB.litmus::SB[tso]",
        "lit/mp-dmb.lit::MP+dmbs[arm]",
        "lit/mp.lit::MP[arm]",
        "lit/mp.lit::MP[sc]",
        "lit/mp.lit::MP[tso]",
        "lit/quiet.lit::quiet",
        "test_plain.py::test_plain",
    ])


def test_outcomes_of_a_run(project):
    project.makeini("[pytest]\nlitmus_paths = lit\n")
    result = run(project, "-rA")
    # passed: test_plain, MP under sc and tso, MP+dmbs under arm, SB+mfences under tso;
    # failed: MP under arm, SB (kinds.txt) under tso; error: bad.lit; skipped: quiet.lit
    result.assert_outcomes(passed=5, failed=2, errors=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_failure_shows_expected_computed_states_and_why(project):
    project.makeini("[pytest]\nlitmus_paths = lit\n")
    result = run(project, "-k", "MP and arm and not dmbs")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    mp = project.path / "lit" / "mp.lit"
    # where, expected versus computed
    assert f"{mp}:10:8: MP under arm: expected never, got sometimes" in text
    # the allowed states, the one with the outcome marked
    result.stdout.fnmatch_lines([
        "States 4",
        "  P1:r0=0; P1:r1=0",
        "  P1:r0=0; P1:r1=1",
        "  P1:r0=1; P1:r1=0   <- condition holds",
        "  P1:r0=1; P1:r1=1",
        "Condition exists (P1:r0=1 /\\ P1:r1=0)",
    ])
    # the explanation: the one-line reason, then the witness and what is not ordered
    result.stdout.fnmatch_lines([
        ("Why: allowed, e.g. P1:r0=1; P1:r1=0: nothing in the arm model orders W x=1 "
         "(P0, line 3) before W y=1 (P0, line 4)*"),
        "*the outcome P1:r0=1 /\\ P1:r1=0 is allowed. A witness execution:",
    ])
    assert "Not ordered:" in text
    assert "Traceback" not in text and "ExpectationFailed" not in text


def test_a_kinds_txt_expectation_fails_at_the_kinds_file(project):
    project.makeini("[pytest]\nlitmus_paths = lit\n")
    result = run(project, "lit/herd")
    result.assert_outcomes(passed=1, failed=1)
    kinds = project.path / "lit" / "herd" / "kinds.txt"
    # SB's entry is line 2 of the kinds.txt, its name at column 1
    result.stdout.fnmatch_lines([(f"{kinds}:2:1: SB under tso: expected forbidden, got "
                                  "sometimes")])
    result.stdout.fnmatch_lines(["Why: allowed*"])


def test_a_kinds_txt_item_is_located_at_its_entry(project):
    # xunit1 JUnit files carry each item's location (pytest's reportinfo): SB's
    # entry is line 2 of lit/herd/kinds.txt (pytest counts lines from 0)
    project.makeini("[pytest]\nlitmus_paths = lit\njunit_family = xunit1\n")
    run(project, "lit/herd", "--junitxml=report.xml")
    cases = {c.get("name"): c for c in ET.parse(project.path / "report.xml").iter("testcase")}
    assert (cases["SB[tso]"].get("file"), cases["SB[tso]"].get("line")) == (
        "lit/herd/kinds.txt", "1")


def test_a_malformed_test_is_an_error_of_its_item(project):
    project.makeini("[pytest]\nlitmus_paths = lit\n")
    result = run(project, "lit/bad.lit")
    result.assert_outcomes(errors=1)
    bad = project.path / "lit" / "bad.lit"
    result.stdout.fnmatch_lines([f"{bad}:2:3: unknown instruction 'STRR' (did you mean STR?)"])
    assert "Traceback" not in result.stdout.str()


def test_a_test_without_expectations_is_skipped_saying_why(project):
    project.makeini("[pytest]\nlitmus_paths = lit\n")
    result = run(project, "-rs", "lit/quiet.lit")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([("SKIPPED [1] lit/quiet.lit: quiet: no expect line and no "
                                  "kinds.txt entry: nothing to check")])


def test_nothing_is_collected_unless_configured(project):
    result = run(project)
    result.assert_outcomes(passed=1)  # test_plain only
    result = run(project, "lit")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_other_directories_are_left_alone(project):
    project.makeini("[pytest]\nlitmus_paths = lit/herd\n")
    result = run(project)
    result.assert_outcomes(passed=2, failed=1)  # test_plain, SB+mfences; SB


def test_the_litmus_flag_collects_without_configuration(project):
    result = run(project, "--litmus", "lit/mp.lit")
    result.assert_outcomes(passed=2, failed=1)


def test_models_can_be_narrowed(project):
    project.makeini("[pytest]\nlitmus_paths = lit\nlitmus_models = sc tso\n")
    result = run(project, "lit/mp.lit", "lit/mp-dmb.lit")
    result.assert_outcomes(passed=2)
    result = run(project, "--litmus-model", "ARM", "lit/mp.lit", "lit/mp-dmb.lit")
    # the option replaces the ini's models: arm only, MP fails it, MP+dmbs holds
    result.assert_outcomes(passed=1, failed=1)


def test_a_bad_kinds_file_is_one_error(project):
    project.makeini("[pytest]\nlitmus_paths = lit\n")
    kinds = project.path / "lit" / "herd" / "kinds.txt"
    kinds.write_text("SB Allowd\n")
    result = run(project, "lit/herd")
    result.assert_outcomes(passed=0, errors=1, skipped=2)
    result.stdout.fnmatch_lines([f"*{kinds}:1:4: unknown kind 'Allowd'*"])


def test_a_check_over_its_time_limit_is_an_error(project):
    project.makeini("[pytest]\nlitmus_paths = lit\nlitmus_timeout = 0.000001\n")
    result = run(project, "lit/mp.lit")
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*timed out*"])


def test_a_time_out_names_the_ini_option_that_sets_the_limit(project):
    project.makeini("[pytest]\nlitmus_paths = lit\nlitmus_timeout = 0.000001\n")
    result = run(project, "lit/mp.lit")
    result.stdout.fnmatch_lines([("*timed out after 1e-06 s (the time limit: the "
                                  "litmus_timeout ini option)*")])
    assert "--timeout" not in result.stdout.str()


#: A condition on a register no instruction writes: P1's r7, named at line 8,
#: column 22 (after "exists (", "P1:r0 = 1" and " /\ ").
UNWRITTEN = "test W\n" + BASE_MP.split("\n", 1)[1].replace("P1:r1 = 0", "P1:r7 = 0") + \
    "expect sc: sometimes\n"


def test_warnings_are_pytest_warnings_and_errors_with_litmus_strict(project):
    (project.path / "lit" / "warn").mkdir()
    w = project.path / "lit" / "warn" / "w.lit"
    w.write_text(UNWRITTEN)
    kinds = project.path / "lit" / "herd" / "kinds.txt"
    kinds.write_text("SB Forbidden\nSB+mfences Forbidden\nGhost Allowed\n")
    message = (f"{w}:8:22: warning: no instruction of thread P1 writes r7 and it has no "
               "initial value: 'P1:r7' is always 0")
    ghost = (f"{kinds}:3:1: warning: kinds.txt names test 'Ghost', which no test file of its "
             "directory holds")
    project.makeini("[pytest]\nlitmus_paths = lit\n")
    result = run(project, "lit/warn", "lit/herd")
    result.assert_outcomes(passed=2, failed=1)  # W[sc], SB+mfences; SB
    text = result.stdout.str()
    # one pytest warning each (pytest may add its own, as an import's, so count ours)
    assert text.count("LitmusWarning: ") == 2
    assert message in text and ghost in text

    project.makeini("[pytest]\nlitmus_paths = lit\nlitmus_strict = true\n")
    result = run(project, "-rE", "lit/warn", "lit/herd")
    # the checks are still made; each warning is an error item of its own
    result.assert_outcomes(passed=2, failed=1, errors=2)
    text = result.stdout.str()
    assert message.replace("warning:", "warning (strict: an error):") in text
    assert ghost.replace("warning:", "warning (strict: an error):") in text
    result.stdout.fnmatch_lines(["ERROR lit/warn/w.lit::W[[]warnings[]]*",
                                 "ERROR lit/herd/*::kinds.txt[[]warnings[]]*"])


def test_pyproject_configuration(project):
    project.makepyprojecttoml('[tool.pytest.ini_options]\nlitmus_paths = ["lit/herd"]\n')
    result = run(project)
    result.assert_outcomes(passed=2, failed=1)


def test_the_plugin_is_registered_as_a_pytest11_entry_point():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["entry-points"]["pytest11"] == {"litmus": "litmus.pytest_plugin"}
