"""No false green, and the command-line habits people have (issue: honest results).

Every case asserts the exit status and the message a user sees."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cliutil import MP, run
from expectations import REFERENCE

from litmus.cli import main

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


# --------------------------------------------------------------------------- models


@pytest.mark.parametrize("command", ["run", "check", "compare"])
def test_unknown_model_is_an_input_error(tmp_path, capsys, command):
    p = write(tmp_path, "mp.lit", MP + "expect arm: sometimes\n")
    code, out, err = run(capsys, command, str(p), "-m", "armm")
    assert code == 2
    assert "unknown model 'armm' (did you mean arm?" in err
    assert "passed" not in out


def test_model_names_are_case_insensitive_and_really_checked(tmp_path, capsys):
    """`-m ARM` names the arm model: its expectation is checked, not skipped."""
    p = write(tmp_path, "mp.lit", MP + "expect arm: never\n")  # wrong on purpose
    code, out, _ = run(capsys, "check", str(p), "-m", "ARM")
    assert code == 1
    assert "0 passed, 1 failed" in out


@pytest.mark.parametrize("command", ["run", "check", "show"])
def test_unknown_model_in_an_expect_line_has_its_position(tmp_path, capsys, command):
    p = write(tmp_path, "mp.lit", MP + "expect sc: never, armm: never\n")
    code, _out, err = run(capsys, command, str(p))
    assert code == 2
    assert err == f"{p}:9:19: unknown model 'armm' (did you mean arm?) (known: sc, tso, " \
                  "arm, device; or a .cat file)\n"


def test_a_near_miss_of_an_alias_suggests_the_name_the_known_list_gives(tmp_path, capsys):
    """``armv9`` is closest to the alias ``armv8``; the hint names the model it
    stands for, ``arm``, which the known list shows (as ``-m armv9`` does)."""
    p = write(tmp_path, "mp.lit", MP + "expect armv9: never\n")
    code, _out, err = run(capsys, "check", str(p))
    assert code == 2
    assert "unknown model 'armv9' (did you mean arm?) (known: sc, tso, arm, device" in err


def test_a_typo_in_a_location_is_an_error_when_memory_is_declared(tmp_path, capsys):
    p = write(tmp_path, "db.lit", "memory\n  doorbell device-nGnRE\nthread P0\n"
              "  STR #1, [dorbell]\nexists (doorbell = 1)\nexpect device: always\n")
    code, out, err = run(capsys, "check", str(p))
    assert code == 2
    assert "location 'dorbell' is not declared in the memory section (did you mean " \
           "doorbell? declare it" in err
    assert "0 passed, 0 failed, 1 error" in out


def test_an_undeclared_name_unlike_any_declared_one_is_normal_memory():
    """The spec's own patterns use an undeclared lock `l` beside a memory
    section (tests/litmus/mmio/spinlock-mmio-writel.lit): it stays welcome."""
    import litmus

    t = litmus.parse("memory\n  ring device-nGnRE\nthread P0\n  spin_lock [l]\n"
                     "  STR #1, [ring]\n  spin_unlock [l]\nexists (ring = 1)\n")
    assert t.location("l").mtype == "normal"


def test_comma_separated_and_repeated_models(tmp_path, capsys):
    p = write(tmp_path, "mp.lit", MP)
    code, out, _ = run(capsys, "run", str(p), "-m", "sc,tso", "-m", "arm")
    assert code == 0
    assert [line.split(" under ")[1].split(":")[0] for line in out.splitlines()
            if line.startswith("Test ")] == ["sc", "tso", "arm"]
    code, out, _ = run(capsys, "compare", str(p), "-m", "sc,arm")
    rows = [line.split()[0] for line in out.splitlines() if line.strip().startswith(("sc", "arm",
                                                                                      "tso"))]
    assert rows == ["sc", "arm"]


def test_check_takes_a_cat_model(tmp_path, capsys):
    p = write(tmp_path, "mp.lit", MP + "expect sc: never\n")
    code, out, _ = run(capsys, "check", str(p), "--cat", str(ROOT / "models" / "aarch64.cat"))
    assert code == 0
    assert "under" in out and "aarch64.cat: sometimes" in out


# --------------------------------------------------------------------------- nothing checked


def test_an_empty_directory_is_an_error(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run(capsys, "check", str(empty))
    assert code == 2
    assert "no test file" in err
    assert "0 passed, 0 failed, 1 error" in out


def test_tests_without_expectations_are_counted_and_do_not_pass(tmp_path, capsys):
    write(tmp_path, "a.lit", MP)
    write(tmp_path, "b.lit", MP)
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 2
    assert "0 passed, 0 failed, 0 errors, 2 without expectations" in out
    assert "no expectation was checked" in err


def test_a_model_filter_that_matches_nothing_is_an_error(tmp_path, capsys):
    p = write(tmp_path, "mp.lit", MP + "expect sc: never\n")
    code, _, err = run(capsys, "check", str(p), "-m", "tso")
    assert code == 2
    assert "no expectation names the models given with -m" in err


def test_one_bad_or_missing_file_among_many(tmp_path, capsys):
    good = write(tmp_path, "good.lit", MP + "expect sc: never\n")
    bad = write(tmp_path, "bad.lit", "thread P0\n  FOO\nexists (P0:r0 = 0)\n")
    code, out, err = run(capsys, "check", str(good), str(tmp_path / "missing.lit"), str(bad),
                         str(good))
    assert code == 2
    assert "missing.lit: no such file or directory" in err
    assert f"{bad}:2:3: unknown instruction 'FOO'" in err
    # good.lit, named twice, is checked once
    assert "1 passed, 0 failed, 2 errors, 0 without expectations" in out


# --------------------------------------------------------------------------- warnings


@pytest.mark.parametrize("condition, warning", [
    ("P1:r5 = 1", "no instruction of thread P1 writes r5"),
    ("dorbell = 1", "no execution of any thread accesses location 'dorbell'"),
    ("x = 7", "no store and no initial value gives 'x' the value 7 (its possible values: 0, 1)"),
    # r0 loads y, to which only its initial 0 and P0's 1 are written
    ("P1:r0 = 2", ("no instruction, store or initial value gives 'P1:r0' the value 2 (its "
     "possible values: 0, 1)")),
])
@pytest.mark.parametrize("command", ["run", "check", "compare", "show"])
def test_a_condition_that_cannot_mean_what_was_meant_warns(tmp_path, capsys, condition,
                                                           warning, command):
    text = MP.replace("exists (P1:r0 = 1 /\\ P1:r1 = 0)", f"exists ({condition})")
    p = write(tmp_path, "w.lit", text + "expect sc: never\n")
    _, _, err = run(capsys, command, str(p))
    assert f"{p}:8:9: warning: {warning}" in err


@pytest.mark.parametrize("code, condition", [
    # a value computed from a load: 2 is r0 + 1 when r0 loads 1 (not looked into)
    ("  LDR r0, [x]\n  ADD r0, r0, #1\n", "P0:r0 = 2"),
    # a loop over the unrolling bound: no path ends, so no final value to judge
    # (r1 would count to 10; herd's L029)
    (("  MOV r0, #10\n  MOV r1, #0\nL1:\n  ADD r1, r1, #1\n  SUB r0, r0, #1\n"
     "  CBZ r0, L0\n  B L1\nL0:\n"), "P0:r1 = 10"),
    # a W-register load of a 64-bit value: its low half (not looked into)
    ("  LDR W0, [x]\n", "P0:r0 = 5"),
])
def test_a_register_value_the_check_cannot_rule_out_gives_no_warning(tmp_path, capsys, code,
                                                                    condition):
    p = write(tmp_path, "r.lit", f"thread P0\n{code}thread P1\n  STR #1, [x]\n"
              f"exists ({condition})\n")
    _, _, err = run(capsys, "run", str(p))
    assert "warning" not in err, err


def test_a_store_exclusive_status_is_0_or_1(tmp_path, capsys):
    """STXR's status register is 0 (success) or 1 (failure): 2 is warned about."""
    p = write(tmp_path, "x.lit", "thread P0\n  LDXR r0, [x]\n  STXR r1, r0, [x]\n"
              "exists (P0:r1 = 2)\n")
    _, _, err = run(capsys, "run", str(p))
    assert f"{p}:4:9: warning: no instruction, store or initial value gives 'P0:r1' the value " \
           "2 (its possible values: 0, 1)" in err


def test_a_sensible_condition_gives_no_warning(tmp_path, capsys):
    p = write(tmp_path, "mp.lit", MP)
    _, _, err = run(capsys, "run", str(p))
    assert err == ""


# --------------------------------------------------------------------------- flags


DEVICE = """\
memory
  cfg device-nGnRE @nic
  db  device-nGnRE @nic
thread P0
  STR #1, [cfg]
  STR #1, [db]
thread NIC device
  LDR r0, [db]
  LDR r1, [cfg]
exists (NIC:r0 = 1 /\\ NIC:r1 = 0)
expect device: sometimes
"""


def test_flags_appear_in_check_compare_and_json(tmp_path, capsys):
    p = write(tmp_path, "d.lit", DEVICE)
    code, out, _ = run(capsys, "check", str(p))
    assert code == 1  # device says never (D1)
    assert "[flags: posted-write-completion-not-modelled]" in out
    assert "Flags raised: posted-write-completion-not-modelled (1 result)" in out
    code, out, _ = run(capsys, "compare", str(p), "-m", "device")
    assert "flags" in out and "posted-write-completion-not-modelled" in "".join(out.split())
    code, out, _ = run(capsys, "run", str(p), "-m", "device", "--format", "json")
    assert json.loads(out)[0]["flags"] == ["posted-write-completion-not-modelled"]


# --------------------------------------------------------------------------- habits


def test_version(capsys):
    import litmus

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"litmus {litmus.__version__}"


def test_dash_reads_a_test_from_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(MP))
    code, out, _ = run(capsys, "run", "-", "-m", "sc")
    assert code == 0
    assert "Test MP (<stdin>) under sc: Never" in out


def test_a_closed_pipe_exits_quietly():
    r = subprocess.run(
        f"{sys.executable} -m litmus run tests/litmus/mmio/*.lit -m sc,arm | head -1",
        shell=True, capture_output=True, text=True, cwd=ROOT, check=False)
    assert r.stdout.count("\n") == 1
    assert r.stderr == ""


def test_interrupt_exits_130(monkeypatch, capsys):
    from litmus import cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_run", interrupted)
    assert main(["run", "x.lit"]) == 130


def test_not_exists_says_whether_it_holds_and_marks_violations(tmp_path, capsys):
    text = MP.replace("exists (", "~exists (")
    p = write(tmp_path, "mp.lit", text)
    _, out, _ = run(capsys, "run", str(p), "-m", "arm")
    assert "P1:r0=1; P1:r1=0   <- violates the condition" in out
    assert "Result the condition does not hold: 1 allowed state violates it (marked)" in out
    _, out, _ = run(capsys, "run", str(p), "-m", "sc")
    assert "Result the condition holds: no allowed state satisfies its proposition" in out
    assert "violates" not in out


def test_forall_marks_the_states_that_violate_it(tmp_path, capsys):
    text = MP.replace("exists (P1:r0 = 1 /\\ P1:r1 = 0)", "forall (P1:r1 = 1)")
    p = write(tmp_path, "mp.lit", text)
    _, out, _ = run(capsys, "run", str(p), "-m", "sc")
    # the states are projected on P1:r1 (the only register the condition names):
    # r1 = 0 and r1 = 1 under SC; the first violates the condition
    lines = [ln for ln in out.splitlines() if "<- violates" in ln]
    assert [ln.split("<-")[0].strip() for ln in lines] == ["P1:r1=0"]
    assert "Result the condition does not hold: 1 allowed state violates it (marked)" in out


# --------------------------------------------------------------------------- herd's layout


def test_herd_layout_sorts_registers_numerically(tmp_path, capsys):
    p = write(tmp_path, "t.litmus", "AArch64 t\n{ }\n P0 ;\n MOV X8,#1 ;\n MOV X10,#2 ;\n"
              "exists (0:X10=2 /\\ 0:X8=1)\n")
    _, out, _ = run(capsys, "run", "--format", "herd", str(p))
    assert "0:X8=1; 0:X10=2;" in out


@pytest.mark.needs(REFERENCE / "herd-instructions" / "expected.jsonl")
def test_positive_and_negative_follow_herd_on_not_exists(capsys):
    """herd7 on its test L021 (~exists, 2 states, none satisfying the
    proposition): Positive 2, Negative 0, Observation Never."""
    path = REFERENCE / "herd-instructions" / "AArch64" / "L021.litmus"
    _, out, _ = run(capsys, "run", "--format", "herd", str(path))
    assert "Positive: 2 Negative: 0" in out
    assert "Observation L021 Never 2 0" in out


def test_negation_prints_as_herd_prints_it(tmp_path, capsys):
    p = write(tmp_path, "t.litmus", "AArch64 t\n{ }\n P0 ;\n MOV X4,#1 ;\n"
              "exists 0:X4<>0 /\\ x=0\n")
    _, out, _ = run(capsys, "run", "--format", "herd", str(p))
    assert "Condition exists (not (0:X4=0) /\\ [x]=0)" in out


@pytest.mark.parametrize("argv", [
    ["run", "x" * 5000 + ".lit"],
    ["run", str(ROOT / "examples" / "doorbell.lit"), "-m", "y" * 5000],
    ["run", str(ROOT / "examples" / "doorbell.lit"), "--cat", "z" * 5000 + ".cat"],
])
def test_names_the_file_system_refuses_are_one_line(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_a_herd_log_that_is_not_utf8_is_reported_at_the_bad_byte(tmp_path, capsys):
    log = tmp_path / "herd.log"
    log.write_bytes(b"Test MP Allowed\nStates 1\n0:X0=\xff;\n")
    code, _, err = run(capsys, "compare-herd", str(log))
    assert code == 2
    assert err.startswith(f"{log}:3:6: ")


def test_a_kinds_file_that_is_not_utf8_is_reported_at_the_bad_byte(tmp_path, capsys):
    write(tmp_path, "mp.lit", MP + "expect sc: never\n")
    (tmp_path / "kinds.txt").write_bytes(b"MP Allowed\n\xfe\n")
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 2
    assert f"{tmp_path / 'kinds.txt'}:2:1: " in err


# --------------------------------------------------------------------------- the project's CI


NEEDS = """
import pytest

@pytest.mark.needs("/nonexistent/shared/reference")
def test_reads_the_reference():
    pass
"""


@pytest.mark.parametrize("ci, outcome", [("", "1 skipped"), ("1", "1 error")])
def test_tests_that_need_shared_fail_under_ci(tmp_path, ci, outcome):
    """Where ../shared is absent a test that needs it skips, saying why; with
    CI set it fails, so CI never passes having checked nothing."""
    import os
    import shutil

    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_needs.py").write_text(NEEDS)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = ci
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        str(tmp_path)], capture_output=True, text=True, env=env, cwd=tmp_path,
                       check=False)
    assert outcome in r.stdout, r.stdout
    assert (r.returncode != 0) == bool(ci)


def test_ci_script_ends_with_the_main_test_run():
    """.ci/run runs the slow selection first and the README's test command last,
    so the last thing CI prints is the main pytest summary."""
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()
             if ln.strip() and not ln.strip().startswith("#")]
    assert lines[-1] == "python -m pytest"
    assert any(ln.startswith("python -m pytest -m slow") for ln in lines[:-1])


def test_arm_models_refuse_x86_tests(tmp_path, capsys):
    """arm and device know AArch64's barriers, not x86's fences: an x86 test
    under them would read MFENCE as nothing. Refused, not answered wrongly."""
    p = write(tmp_path, "sb.lit", "arch x86\nthread P0\n  MOV [x], $1\n  MFENCE\n"
              "  MOV EAX, [y]\nthread P1\n  MOV [y], $1\n  MFENCE\n  MOV EAX, [x]\n"
              "exists (P0:EAX = 0 /\\ P1:EAX = 0)\n")
    code, _, err = run(capsys, "run", str(p), "-m", "arm")
    assert code == 2 and "model arm is for AArch64 tests; this test is x86" in err
    code, out, _ = run(capsys, "run", str(p), "-m", "tso")
    assert code == 0 and "Never" in out


@pytest.mark.parametrize("timeout", [-1, float("nan"), "5", True])
def test_api_timeouts_are_validated(timeout):
    import litmus

    with pytest.raises(litmus.UsageError, match="timeout must be a non-negative number"):
        litmus.check(litmus.parse(MP), "sc", timeout=timeout)
