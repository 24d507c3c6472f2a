"""Batch use (issue 10): `litmus check` on directories, its JUnit and JSON
reports, -j, the result cache, time limits, --fail-fast, and check_many."""

from __future__ import annotations

import json
import os
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cliutil import run

import litmus
from litmus.batch import Check, TestReport, check_many
from litmus.cache import ResultCache, default_dir
from litmus.cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "litmus"

MP = """\
test {name}
thread P0
  STR #1, [x]
  STR #1, [y]
thread P1
  LDR r0, [y]
  LDR r1, [x]
exists (P1:r0 = 1 /\\ P1:r1 = 0)
"""


def mp(name: str, expect: str = "") -> str:
    return MP.format(name=name) + (f"expect {expect}\n" if expect else "")


def huge_test() -> str:
    """A program at the engine's size limits whose check takes far longer than a second."""
    lines = ["test HUGE"]
    for t in range(4):
        lines.append(f"thread P{t}")
        for i in range(40):
            if (i + t) % 2:
                lines.append(f"  STR #{i + 1}, [{'abc'[i % 3]}]")
            else:
                lines.append(f"  LDR r{i % 20}, [{'abc'[(i + 1) % 3]}]")
    lines += ["exists (P0:r0 = 1 /\\ a = 1)", "expect arm: sometimes"]
    return "\n".join(lines) + "\n"


def normalized(report: dict) -> dict:
    """A JSON report without what may differ between identical runs: times and
    the cache's counts."""
    report = dict(report)
    report.pop("cache", None)
    report["summary"] = {k: v for k, v in report.get("summary", {}).items() if k != "seconds"}
    report["results"] = [{k: v for k, v in r.items() if k != "seconds"}
                         for r in report["results"]]
    return report


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Passing, failing, malformed and expectation-less tests."""
    d = tmp_path / "mixed"
    (d / "sub").mkdir(parents=True)
    (d / "pass.lit").write_text(mp("PASS", "sc: never, arm: sometimes"))
    (d / "sub" / "fail.lit").write_text(mp("FAIL", "arm: never"))
    (d / "bad.lit").write_text("thread P0\n  STRR #1, [x]\nexists (x = 1)\nexpect sc: always\n")
    (d / "none.lit").write_text(mp("NONE"))
    return d


# --------------------------------------------------------------------------- check, reports


def test_a_mixed_directory_gives_the_summary_junit_and_json(mixed, tmp_path, capsys):
    junit, js = tmp_path / "r.xml", tmp_path / "r.json"
    code, out, err = run(capsys, "check", str(mixed), "--junit", str(junit), "--json", str(js),
                         "--no-cache", "-j", "1")
    assert code == 2  # an input error outweighs the failure
    assert out.strip().endswith("2 passed, 1 failed, 1 error, 1 without expectations")
    assert f"FAIL {mixed / 'sub' / 'fail.lit'}:9:8: FAIL under arm: expected never, got " \
           "sometimes" in out
    assert "  why: " in out
    assert f"{mixed / 'bad.lit'}:2:3: unknown instruction 'STRR'" in err

    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    # 2 passing checks, 1 failing, the malformed file, the expectation-less test
    assert len(cases) == 5
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"),
            suite.get("skipped")) == ("5", "1", "1", "1")
    by_name = {c.get("name"): c for c in cases}
    assert set(by_name) == {"PASS under sc", "PASS under arm", "FAIL under arm", "bad.lit",
                            "NONE"}
    failure = by_name["FAIL under arm"].find("failure")
    assert failure is not None
    assert failure.get("message") == "expected never, got sometimes"
    assert "expected: never" in failure.text and "computed: sometimes" in failure.text
    assert "why: " in failure.text and "P1:r0=1; P1:r1=0" in failure.text
    assert by_name["FAIL under arm"].get("classname").endswith("mixed.sub.fail")
    assert by_name["FAIL under arm"].get("line") == "9"
    error = by_name["bad.lit"].find("error")
    assert error is not None and "unknown instruction 'STRR'" in error.get("message")
    assert error.get("type") == "ParseError"
    assert by_name["NONE"].find("skipped") is not None
    assert by_name["PASS under sc"].find("failure") is None

    report = json.loads(js.read_text())
    assert report["summary"] == {"passed": 2, "failed": 1, "errors": 1,
                                 "without_expectations": 1, "tests": 3, "not_checked": 0,
                                 "seconds": report["summary"]["seconds"]}
    assert [(r["test"], r["model"], r["status"]) for r in report["results"]] == [
        ("PASS", "sc", "pass"), ("PASS", "arm", "pass"), ("FAIL", "arm", "fail")]
    fail = report["results"][2]
    assert fail["expected"] == "never" and fail["observation"] == "Sometimes"
    assert fail["reason"] and fail["where"].endswith("fail.lit:9:8")
    assert fail["satisfying"] == [{"P1:r0": 1, "P1:r1": 0}]
    assert len(fail["states"]) == 4
    assert [(e["file"], e["type"]) for e in report["errors"]] == [(str(mixed / "bad.lit"),
                                                                    "ParseError")]
    assert report["without_expectations"] == [{"file": str(mixed / "none.lit"), "test": "NONE"}]
    assert report["cache"] is None


def test_only_a_failure_exits_1_and_the_reports_still_say_so(mixed, tmp_path, capsys):
    (mixed / "bad.lit").unlink()
    junit = tmp_path / "r.xml"
    code, out, _ = run(capsys, "check", str(mixed), "--junit", str(junit))
    assert code == 1
    assert "2 passed, 1 failed, 0 errors, 1 without expectations" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "0")


def test_compare_json(tmp_path, capsys):
    p = tmp_path / "mp.lit"
    p.write_text(mp("MP"))
    out_file = tmp_path / "c.json"
    code, out, _ = run(capsys, "compare", str(p), "-m", "sc,arm", "--json", str(out_file))
    assert code == 0 and "Sometimes" in out
    report = json.loads(out_file.read_text())
    assert report["command"] == "compare"
    assert [(r["model"], r["observation"], len(r["states"])) for r in report["results"]] == [
        ("sc", "Never", 3), ("arm", "Sometimes", 4)]
    assert report["errors"] == []


def test_a_report_that_cannot_be_written_is_an_input_error(mixed, tmp_path, capsys):
    code, _, err = run(capsys, "check", str(mixed / "pass.lit"), "--json",
                       str(tmp_path / "no" / "such" / "dir" / "r.json"))
    assert code == 2 and "cannot write" in err


def test_a_test_whose_events_cannot_be_built_does_not_stop_the_others(tmp_path, capsys):
    """(Before the batch engine, this error ended the whole run, summary unprinted.)"""
    d = tmp_path / "t"
    d.mkdir()
    (d / "a.lit").write_text("test EV\nthread P0\n  STR #1, [x0]\nexists (P0:r0 = 0)\n"
                             "expect arm: never\n")
    (d / "b.lit").write_text(mp("B", "arm: sometimes"))
    code, out, err = run(capsys, "check", str(d), "--no-cache", "--junit",
                         str(tmp_path / "r.xml"))
    assert code == 2
    assert err == f"{d / 'a.lit'}:3:3: address 0x0 (the value of X0) is not a location of " \
                  "the test\n"
    assert "1 passed, 0 failed, 1 error, 0 without expectations" in out
    suite = ET.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("errors")) == ("2", "1")


# --------------------------------------------------------------------------- parallel, cache


@pytest.fixture(scope="module")
def serial_cold(tmp_path_factory) -> tuple[dict, str, Path]:
    """`litmus check tests/litmus`, serial and cold: its JSON report, its
    standard output and its (now warm) cache directory."""
    d = tmp_path_factory.mktemp("serial")
    cache = d / "cache"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["check", str(CORPUS), "-j", "1", "--cache", str(cache), "--json",
                     str(d / "r.json")])
    assert code == 0
    report = json.loads((d / "r.json").read_text())
    assert report["cache"]["hits"] == 0
    return report, buf.getvalue(), cache


def test_two_processes_give_the_serial_report(serial_cold, tmp_path, capsys, pools):
    reference, stdout, _ = serial_cold
    code, out, _ = run(capsys, "check", str(CORPUS), "-j", "2", "--no-cache", "--json",
                       str(tmp_path / "r.json"))
    assert code == 0
    assert pools == [2]
    assert out == stdout
    assert normalized(json.loads((tmp_path / "r.json").read_text())) == normalized(reference)


def test_a_warm_cache_gives_the_serial_report_and_computes_nothing(serial_cold, tmp_path,
                                                                  capsys, monkeypatch):
    reference, stdout, cache = serial_cold
    warm = tmp_path / "cache"
    shutil.copytree(cache, warm)
    # nothing may be computed: a check would raise
    import litmus.api

    def no_check(*args, **kwargs):
        raise AssertionError("a warm cache computed a check")

    monkeypatch.setattr(litmus.api, "check", no_check)
    code, out, _ = run(capsys, "check", str(CORPUS), "-j", "2", "--cache", str(warm), "--json",
                       str(tmp_path / "r.json"))
    assert code == 0
    assert out == stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["cache"]["misses"] == 0 and report["cache"]["hits"] > 500
    assert normalized(report) == normalized(reference)


CAT = '"mine"\ninclude "mine-defs.cat"\nacyclic po | com as mine\n'
CAT_DEFS = "let com = rf | co | fr\n"


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    """Three tests (sc, tso, arm expectations) and a model that includes a file."""
    d = tmp_path / "t"
    d.mkdir()
    for name in ("A", "B", "C"):
        (d / f"{name}.lit").write_text(mp(name, "sc: never, tso: never, arm: sometimes"))
    m = tmp_path / "models"
    m.mkdir()
    (m / "mine.cat").write_text(CAT)
    (m / "mine-defs.cat").write_text(CAT_DEFS)
    return d, m / "mine.cat"


def cache_counts(capsys, d: Path, model: Path, cache: Path, tmp_path: Path) -> tuple[int, int]:
    js = tmp_path / "counts.json"
    code, _, _ = run(capsys, "check", str(d), "--cat", str(model), "--cache", str(cache),
                     "--json", str(js), "-j", "1")
    assert code == 0
    c = json.loads(js.read_text())["cache"]
    return c["hits"], c["misses"]


def test_the_cache_is_invalidated_by_exactly_what_changed(small, tmp_path, capsys,
                                                         monkeypatch):
    d, model = small
    cache = tmp_path / "cache"
    # per test: 4 results (sc, tso, arm, mine.cat) and its warnings
    assert cache_counts(capsys, d, model, cache, tmp_path) == (0, 15)
    assert cache_counts(capsys, d, model, cache, tmp_path) == (15, 0)
    # one character of one test: its 5 entries
    b = d / "B.lit"
    b.write_text(b.read_text().replace("STR #1, [x]", "STR #1, [x] "))
    assert cache_counts(capsys, d, model, cache, tmp_path) == (10, 5)
    # one character of a file the model includes: one result per test
    defs = model.parent / "mine-defs.cat"
    defs.write_text(CAT_DEFS.replace("rf | co", "rf |  co"))
    assert cache_counts(capsys, d, model, cache, tmp_path) == (12, 3)
    # the tool's version: everything
    monkeypatch.setattr(litmus, "__version__", litmus.__version__ + ".post1")
    assert cache_counts(capsys, d, model, cache, tmp_path) == (0, 15)
    monkeypatch.undo()
    assert cache_counts(capsys, d, model, cache, tmp_path) == (15, 0)


def test_a_bundled_model_and_the_prelude_are_in_the_key(tmp_path, monkeypatch):
    """The key covers the model's own text, its includes and stdlib.cat: a copy
    of the bundled models with one character changed misses."""
    from litmus import cache as cache_mod
    from litmus import library

    copy = tmp_path / "models"
    shutil.copytree(library.models_dir(), copy)
    before = {m: cache_mod.model_fingerprint(m) for m in ("sc", "arm")}
    monkeypatch.setattr(library, "models_dir", lambda: copy)
    assert {m: cache_mod.model_fingerprint(m) for m in ("sc", "arm")} == before
    (copy / "aarch64-defs.cat").write_text((copy / "aarch64-defs.cat").read_text() + " ")
    assert cache_mod.model_fingerprint("sc") == before["sc"]
    assert cache_mod.model_fingerprint("arm") != before["arm"]
    (copy / "stdlib.cat").write_text((copy / "stdlib.cat").read_text() + " ")
    assert cache_mod.model_fingerprint("sc") != before["sc"]


def test_corrupt_cache_entries_are_recomputed(small, tmp_path, capsys):
    d, model = small
    cache = tmp_path / "cache"
    cache_counts(capsys, d, model, cache, tmp_path)
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == 15
    entries[0].write_text("{not json")
    entries[1].write_bytes(b"\xff\xfe")
    data = json.loads(entries[2].read_text())
    if "states" in data:
        data["states"] = [["not", "a", "state"]]
    else:
        data["warnings"] = [1, 2]
    entries[2].write_text(json.dumps(data))
    entries[3].unlink()
    entries[4].write_text(json.dumps({"key": "another entry's key"}))
    assert cache_counts(capsys, d, model, cache, tmp_path) == (10, 5)
    assert cache_counts(capsys, d, model, cache, tmp_path) == (15, 0)


def test_an_unwritable_cache_only_loses_the_entries(small, tmp_path, capsys):
    d, model = small
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert cache_counts(capsys, d, model, blocker / "cache", tmp_path) == (0, 15)


def test_a_cached_failure_keeps_its_reason(tmp_path, capsys):
    p = tmp_path / "f.lit"
    p.write_text(mp("F", "arm: never"))
    cache = tmp_path / "cache"
    _, cold, _ = run(capsys, "check", str(p), "--cache", str(cache))
    _, warm, _ = run(capsys, "check", str(p), "--cache", str(cache), "-v")
    assert "why: " in cold
    assert warm.startswith(cold.rstrip("\n"))
    assert "2 hits, 0 misses" in warm


def test_reasons_are_kept_per_question(tmp_path, capsys):
    """`always` against `sometimes` is explained by a state without the outcome,
    `never` against `sometimes` by the outcome: both reasons come back warm."""
    p = tmp_path / "f.lit"
    p.write_text(mp("F", "arm: always, sc: sometimes"))
    cache = tmp_path / "cache"
    code, cold, _ = run(capsys, "check", str(p), "--cache", str(cache), "-j", "1")
    assert code == 1
    whys = [line for line in cold.splitlines() if line.startswith("  why: ")]
    assert len(whys) == 2
    assert whys[0].startswith("  why: a state without the outcome is ")
    assert not whys[1].startswith("  why: a state without the outcome")
    _, warm, _ = run(capsys, "check", str(p), "--cache", str(cache), "-v")
    assert warm.startswith(cold.rstrip("\n")) and "3 hits, 0 misses" in warm


def test_check_many_refuses_a_timeout_that_is_not_seconds():
    with pytest.raises(litmus.UsageError, match="timeout must be a non-negative number"):
        check_many([mp("A")], timeout=-1)


def test_the_default_cache_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("LITMUS_CACHE_DIR", str(tmp_path / "x"))
    assert default_dir() == tmp_path / "x"
    monkeypatch.delenv("LITMUS_CACHE_DIR")
    if os.name == "posix" and os.uname().sysname == "Linux":
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert default_dir() == tmp_path / "xdg" / "litmus"
        monkeypatch.delenv("XDG_CACHE_HOME")
        assert default_dir() == Path.home() / ".cache" / "litmus"


# --------------------------------------------------------------------------- time limits


@pytest.fixture
def pools(monkeypatch) -> list[int]:
    """The number of workers of each process pool a run starts."""
    from litmus import batch

    started: list[int] = []
    original = batch._Processes.__init__

    def init(self, jobs):
        started.append(jobs)
        original(self, jobs)

    monkeypatch.setattr(batch._Processes, "__init__", init)
    return started


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_huge_test_is_stopped_by_the_timeout_and_the_run_goes_on(tmp_path, capsys, jobs,
                                                                  pools):
    d = tmp_path / "t"
    d.mkdir()
    (d / "a.lit").write_text(mp("A", "arm: sometimes"))
    (d / "huge.lit").write_text(huge_test())
    (d / "y.lit").write_text(mp("Y", "tso: never"))
    (d / "z.lit").write_text(mp("Z", "sc: never"))
    t0 = time.monotonic()
    code, out, err = run(capsys, "check", str(d), "--timeout", "1", "-j", jobs, "--no-cache",
                         "--junit", str(tmp_path / "r.xml"))
    assert time.monotonic() - t0 < 30
    assert code == 2
    # the message names the option that set the limit, from a worker process too
    assert "HUGE under arm: timed out after 1 s (the time limit: --timeout)" in err
    assert "3 passed, 0 failed, 1 error, 0 without expectations" in out
    assert pools == ([] if jobs == "1" else [2])  # -j 2: the huge test ran in a worker
    suite = ET.parse(tmp_path / "r.xml").getroot().find("testsuite")
    errors = [c for c in suite.findall("testcase") if c.find("error") is not None]
    assert [c.get("name") for c in errors] == ["HUGE under arm"]
    assert errors[0].find("error").get("type") == "Timeout"
    assert errors[0].get("time") == "1.000"  # it took its limit, not 0 s


def test_a_worker_over_its_hard_limit_is_killed_and_replaced():
    from litmus.pool import Lost, ProcessPool

    with ProcessPool(1, time.sleep) as pool:
        t0 = time.monotonic()
        pool.submit(0, 60, limit=0.5)
        pool.submit(1, 0)
        got: dict = {}
        while len(got) < 2 and time.monotonic() - t0 < 30:
            got.update(pool.wait(0.2))
    assert got[0] == Lost("killed at the time limit", timed_out=True)
    assert got[1] is None  # time.sleep's answer, from a new worker
    assert time.monotonic() - t0 < 15


def test_a_worker_that_dies_loses_only_its_task():
    from litmus.pool import Lost, ProcessPool

    with ProcessPool(2, os._exit) as pool:
        pool.submit(0, 3)
        got: dict = {}
        t0 = time.monotonic()
        while not got and time.monotonic() - t0 < 30:
            got.update(pool.wait(0.2))
    assert isinstance(got[0], Lost) and "died (exit status 3)" in got[0].reason


# --------------------------------------------------------------------------- fail fast


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_fail_fast_stops_after_the_first_failure(tmp_path, capsys, jobs, pools):
    d = tmp_path / "t"
    d.mkdir()
    (d / "a.lit").write_text(mp("A", "arm: sometimes"))
    (d / "b.lit").write_text(mp("B", "arm: never"))
    for name in "cdef":
        (d / f"{name}.lit").write_text(mp(name.upper(), "arm: never"))
    code, out, _ = run(capsys, "check", str(d), "--fail-fast", "-j", jobs, "--no-cache",
                       "--json", str(tmp_path / "r.json"))
    assert code == 1
    assert out.count("FAIL ") == 1 and "B under arm" in out
    assert "Stopped at the first failure (--fail-fast): 4 of 6 tests not checked" in out
    assert out.strip().endswith("1 passed, 1 failed, 0 errors, 0 without expectations")
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["not_checked"] == 4
    assert pools == ([] if jobs == "1" else [2])


def test_without_fail_fast_every_failure_is_reported(tmp_path, capsys):
    d = tmp_path / "t"
    d.mkdir()
    for name in "abc":
        (d / f"{name}.lit").write_text(mp(name.upper(), "arm: never"))
    code, out, _ = run(capsys, "check", str(d), "--no-cache")
    assert code == 1 and out.count("FAIL ") == 3


# --------------------------------------------------------------------------- progress


def test_ci_logs_get_plain_progress_lines(mixed, capsys, monkeypatch):
    from litmus import progress

    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.0)
    code, out, err = run(capsys, "check", str(mixed), "--no-cache", "-j", "1")
    assert code == 2
    assert "litmus: 1/4 tests done" in err
    assert "tests done" not in out
    # bad.lit, checked first, is the one error: counted in the singular
    assert "litmus: 1/4 tests done (1 error)" in err and "1 errors" not in err


def test_a_terminal_gets_a_progress_bar():
    import io

    from rich.console import Console

    from litmus.progress import Progress

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    rep = TestReport("x.lit")
    with Progress(console, 2) as p:
        p.update(1, 2, rep)
        p._bar.refresh()
        assert "1/2" in buf.getvalue()


# --------------------------------------------------------------------------- API


def test_check_many_takes_paths_texts_and_tests_and_keeps_their_order(tmp_path):
    p = tmp_path / "a.lit"
    p.write_text(mp("A", "arm: sometimes, sc: never"))
    inputs = [p, mp("B", "arm: never"), litmus.parse(mp("C")), "thread P0\n  FOO\n"]
    reports = check_many(inputs, jobs=1)
    assert [r.source for r in reports] == [str(p), "<string>", "<string>", "<string>"]
    a, b, c, bad = reports
    assert isinstance(a, TestReport) and all(isinstance(x, Check) for x in a.checks)
    assert [(x.model, x.status) for x in a.checks] == [("arm", "pass"), ("sc", "pass")]
    assert [(x.model, x.status) for x in b.checks] == [("arm", "fail")]
    assert b.failed and b.checks[0].reason
    assert c.checks == () and c.expectations == ()
    assert bad.test is None and bad.error_count == 1
    # models given: each model run, compared with the expectations naming it
    reports = check_many(inputs[:3], models=["sc", "arm"], jobs=1)
    assert [[(x.model, x.status) for x in r.checks] for r in reports] == [
        [("sc", "pass"), ("arm", "pass")], [("sc", "run"), ("arm", "fail")],
        [("sc", "run"), ("arm", "run")]]
    assert reports[2].checks[1].result.observation == "sometimes"


def test_check_many_in_processes_matches_in_process(tmp_path, pools):
    files = sorted((CORPUS / "mmio").glob("*.lit"))[:6]
    serial = check_many(files, jobs=1)
    parallel = check_many(files, jobs=2)
    assert pools == [2]

    def summary(reports):
        return [[(c.model, c.status, c.result.states if c.result else None) for c in r.checks]
                for r in reports]

    assert summary(serial) == summary(parallel)


def test_check_many_with_a_cache_object(tmp_path):
    cache = ResultCache(tmp_path / "c")
    files = [CORPUS / "MP.lit", CORPUS / "SB.lit"]
    first = check_many(files, jobs=1, cache=cache)
    assert (cache.hits, cache.misses) == (0, 8)
    second = check_many(files, jobs=1, cache=cache)
    assert (cache.hits, cache.misses) == (8, 8)
    assert all(c.cached for r in second for c in r.checks)
    assert [c.result.states for r in first for c in r.checks] == \
        [c.result.states for r in second for c in r.checks]


def test_without_dask_the_option_says_how_to_install_it(mixed, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    code, _, err = run(capsys, "check", str(mixed), "--dask", "local")
    assert code == 2
    # litmus[dask] would name the PyPI project called litmus, which is another one
    assert "pip install 'dask[distributed]'" in err and "pip install '.[dask]'" in err
    assert "litmus[dask]" not in err and err.count("\n") == 1


def test_workers_do_not_rerun_the_main_script(tmp_path):
    """A script without a __main__ guard, or read from standard input, runs
    once: workers import litmus, not the script that started them."""
    import subprocess
    import sys

    files = [str(CORPUS / f"{name}.lit") for name in ("MP", "SB", "LB", "R", "S")]
    script = ("import litmus, litmus.batch as b\n"
              "pools = []\n"
              "start = b._Processes.__init__\n"
              "b._Processes.__init__ = lambda self, jobs: pools.append(jobs) or start(self, jobs)\n"
              f"reports = litmus.check_many({files!r}, jobs=2)\n"
              "print('checked', pools, [c.status for r in reports for c in r.checks])\n")
    (tmp_path / "unguarded.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for argv, stdin in (([str(tmp_path / "unguarded.py")], None), (["-"], script)):
        r = subprocess.run([sys.executable, *argv], input=stdin, capture_output=True,
                           text=True, cwd=tmp_path, env=env, timeout=120, check=False)
        assert r.returncode == 0, r.stderr
        assert r.stdout.count("checked") == 1 and "error" not in r.stdout
        assert r.stdout.startswith("checked [2] ['pass'")
        assert "Traceback" not in r.stderr


# 2+2W without barriers. Hand derivation: the outcome x=2 /\ y=2 needs
# Wx1 co Wx2 and Wy1 co Wy2; with po Wx2 -> Wy1 and Wy2 -> Wx1 that is the
# cycle Wx2 po Wy1 co Wy2 po Wx1 co Wx2, so a model acyclic in po|co forbids
# it ("never") and a model checking only coherence (po-loc|rf|co|fr) allows
# it ("sometimes": other final states exist too).
TWO_PLUS_TWO_W = """\
test 2+2W
arch aarch64
thread P0
  STR #2, [x]
  STR #1, [y]
thread P1
  STR #2, [y]
  STR #1, [x]
exists ([x] = 2 /\\ [y] = 2)
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_check_many_takes_model_objects_and_caches_them_apart(tmp_path, jobs):
    strict = litmus.Model.from_text("acyclic po | rf | co | fr as sc\n", name="strict")
    coherent = litmus.Model.from_text("acyclic po-loc | rf | co | fr as coh\n",
                                      name="coherent")
    for _ in range(2):  # cold, then from the cache
        [report] = check_many([TWO_PLUS_TWO_W], models=[strict, coherent], jobs=jobs,
                              cache=tmp_path)
        got = {c.model: c.result.observation for c in report.checks}
        assert got == {"strict": "never", "coherent": "sometimes"}


def test_two_different_models_of_one_name_are_refused_not_mixed_up():
    a = litmus.Model.from_text("acyclic po | rf | co | fr as sc\n")
    b = litmus.Model.from_text("acyclic po-loc | rf | co | fr as coh\n")
    assert a.label == b.label == "model"
    [report] = check_many([TWO_PLUS_TWO_W], models=[a, b], jobs=1)
    first, second = report.checks
    assert first.result is not None and first.result.observation == "never"
    assert second.result is None and "two different models are named 'model'" in str(second.error)


# A spin loop. Hand derivation: each pass adds 1 to X1 and loops back while
# the read gave 0. With --unroll 0 the backward jump is never taken, so the
# executions that survive read 1 at once (X1 = 1; those reading 0 are cut);
# with --unroll 1 one more pass is possible, giving X1 = 2 too.
SPIN = """\
test spin
arch aarch64
memory
  x = 0
thread P0
loop:
  LDR X0, [x]
  ADD X1, X1, #1
  CBZ X0, loop
thread P1
  STR #1, [x]
exists (P0:X1 = 2)
"""


def test_the_unrolling_bound_is_part_of_the_cache_key(tmp_path):
    seen = []
    for unroll in (0, 1, 0):
        [report] = check_many([SPIN], models=["sc"], unroll=unroll, cache=tmp_path, jobs=1)
        r = report.checks[0].result
        seen.append((r.observation, [str(s) for s in r.states]))
        assert "loop-bound-reached" in r.flags
    assert seen == [("never", ["P0:X1=1"]), ("sometimes", ["P0:X1=1", "P0:X1=2"]),
                    ("never", ["P0:X1=1"])]


def test_check_many_refuses_a_bad_unrolling_bound():
    with pytest.raises(litmus.UsageError, match="unrolling bound"):
        check_many([SPIN], models=["sc"], unroll=-1)


def test_workers_import_the_installed_litmus_not_the_current_directory(tmp_path):
    """A driver repository may keep its tests in a ``litmus/`` folder (and have
    a ``litmus.py``): ``litmus check -j 2 litmus`` run there must check them
    with the installed package in its workers too. Each test stores i to x
    alone, so ``x = i`` always holds: 4 passed, none an error."""
    import subprocess
    import sys

    tests = tmp_path / "litmus"
    tests.mkdir()
    for i in range(1, 5):
        (tests / f"t{i}.lit").write_text(
            f"test T{i}\nthread P0\n  STR #{i}, [x]\nexists (x = {i})\nexpect sc: always\n")
    (tmp_path / "litmus.py").write_text("raise SystemExit('the wrong litmus')\n")
    # a script elsewhere, as the installed console script is: the parent does
    # not import from "." (a -P flag would be passed on to the workers)
    script = tmp_path / "bin" / "run_litmus.py"
    script.parent.mkdir()
    script.write_text("import sys\nfrom litmus.cli import entry\nentry()\n")
    proc = subprocess.run([sys.executable, str(script), "check", "-j", "2", "--no-cache",
                           "litmus"], check=False, cwd=tmp_path, capture_output=True,
                          text=True,
                          timeout=300)
    assert "4 passed, 0 failed, 0 errors" in proc.stdout, proc.stdout + proc.stderr
    assert proc.returncode == 0
