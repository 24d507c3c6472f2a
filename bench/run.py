"""Benchmarks: the speed and memory targets, measured and recorded.

    python bench/run.py            # everything
    python bench/run.py scaling    # W2..W5, SB6 only
    python bench/run.py catalogue  # herd's 121-test catalogue in one process
    python bench/run.py explain    # litmus explain on each required MMIO pattern (worst)
    python bench/run.py batch      # litmus check tests/litmus: cold, -j 2, warm cache
    python bench/run.py startup    # litmus --help and litmus --version

Prints a table and writes bench/results/latest.json (and a copy named after
the date). Reads the reference tests in place from ../shared/reference.

Targets (from the project's guide): all outcomes of W3 under 2 s (herd7:
141 s), W4 under 10 s, the 121-test catalogue under 3 s in one process, peak
memory under 500 MiB; `litmus --help` and `--version` under 0.2 s (issue 10: the
start-up time is measured here, another change makes it fast).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

REFERENCE = ROOT.parent / "shared" / "reference"
TARGETS = {"W3": 2.0, "W4": 10.0, "catalogue": 3.0, "explain": 1.0, "peak_mib": 500.0,
           "startup": 0.2}
HERD_SECONDS = {"W2": 0.29, "W3": 141.0, "W4": "> 300 (stopped)", "SB6": 0.15}


def _peak_mib() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if platform.system() != "Darwin" else kb / (1024 * 1024)


def bench_scaling(rows: list[dict]) -> None:
    import litmus

    for name in ("W2", "W3", "W4", "W5", "SB6"):
        path = REFERENCE / "scaling" / f"{name}.litmus"
        if not path.is_file():
            print(f"skip {name}: {path} not found")
            continue
        t0 = time.perf_counter()
        test = litmus.load(path)
        r = litmus.check(test, "arm")
        dt = time.perf_counter() - t0
        rows.append({"bench": name, "seconds": round(dt, 3), "states": len(r.states),
                     "observation": r.observation, "target_s": TARGETS.get(name),
                     "herd7_s": HERD_SECONDS.get(name)})


def bench_catalogue(rows: list[dict]) -> None:
    import litmus

    expected = REFERENCE / "herd-catalogue" / "expected.jsonl"
    if not expected.is_file():
        print(f"skip catalogue: {expected} not found")
        return
    records = [json.loads(line) for line in expected.read_text().splitlines() if line.strip()]
    t0 = time.perf_counter()
    same = 0
    for rec in records:
        test = litmus.load(REFERENCE / "herd-catalogue" / rec["file"])
        model = "arm" if rec["file"].startswith("aarch64/") else "tso"
        r = litmus.check(test, model)
        got = sorted(s.herd_key() for s in r.states)
        if got == sorted(rec["states"]) and r.observation == rec["observation"].lower():
            same += 1
    dt = time.perf_counter() - t0
    rows.append({"bench": "catalogue", "seconds": round(dt, 3), "tests": len(records),
                 "identical_to_herd": same, "target_s": TARGETS["catalogue"]})


def bench_explain(rows: list[dict]) -> None:
    """litmus explain on every required MMIO pattern (target: under 1 s each)."""
    import litmus
    from litmus.explain import explain

    worst, worst_name, total = 0.0, "", 0.0
    files = sorted((ROOT / "tests" / "litmus" / "mmio").glob("*.lit"))
    for path in files:
        test = litmus.load(path)
        model = "device" if test.arch == "aarch64" else "tso"
        t0 = time.perf_counter()
        explain(test, model)
        dt = time.perf_counter() - t0
        total += dt
        if dt > worst:
            worst, worst_name = dt, path.stem
    rows.append({"bench": "explain", "seconds": round(worst, 3), "worst": worst_name,
                 "patterns": len(files), "total_s": round(total, 3),
                 "target_s": TARGETS["explain"]})


def _litmus(*argv: str) -> float:
    """Seconds one ``litmus`` command takes, run as a user runs it (a new
    process, this source tree), with its exit status checked."""
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "litmus", *argv], cwd=ROOT, env=env,
                       capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"litmus {' '.join(argv)}: exit {r.returncode}: {r.stderr[-500:]}")
    return dt


def bench_batch(rows: list[dict]) -> None:
    """``litmus check tests/litmus``: cold in one process, cold with -j 2 (both
    without the cache), then cold and warm through a fresh cache directory."""
    import tempfile

    corpus = "tests/litmus"
    n = sum(1 for p in (ROOT / corpus).rglob("*") if p.suffix in (".lit", ".litmus"))
    with tempfile.TemporaryDirectory() as tmp:
        cold_1 = _litmus("check", corpus, "-j", "1", "--no-cache")
        cold_2 = _litmus("check", corpus, "-j", "2", "--no-cache")
        filling = _litmus("check", corpus, "-j", "2", "--cache", tmp)
        warm = _litmus("check", corpus, "-j", "2", "--cache", tmp)
    rows.append({"bench": "check_cold", "seconds": round(cold_1, 3), "tests": n, "jobs": 1})
    rows.append({"bench": "check_j2", "seconds": round(cold_2, 3), "tests": n, "jobs": 2})
    rows.append({"bench": "check_fill", "seconds": round(filling, 3), "tests": n, "jobs": 2,
                 "note": "cold, storing every result in the cache"})
    rows.append({"bench": "check_warm", "seconds": round(warm, 3), "tests": n, "jobs": 2,
                 "note": "every result from the cache"})


def bench_startup(rows: list[dict]) -> None:
    """``litmus --help`` and ``litmus --version``: the best of 5 runs each."""
    for flag in ("--help", "--version"):
        best = min(_litmus(flag) for _ in range(5))
        rows.append({"bench": f"startup{flag.replace('--', '_')}", "seconds": round(best, 3),
                     "target_s": TARGETS["startup"], "runs": 5})


def main(argv: list[str]) -> int:
    which = set(argv) or {"scaling", "catalogue", "explain", "batch", "startup"}
    rows: list[dict] = []
    t0 = time.perf_counter()
    import litmus  # noqa: F401  (import time is reported separately)

    import_s = time.perf_counter() - t0
    if "catalogue" in which:
        bench_catalogue(rows)
    if "scaling" in which:
        bench_scaling(rows)
    if "explain" in which:
        bench_explain(rows)
    if "batch" in which:
        bench_batch(rows)
    if "startup" in which:
        bench_startup(rows)
    peak = _peak_mib()
    rows.append({"bench": "peak_memory", "mib": round(peak, 1), "target_mib": TARGETS["peak_mib"]})
    print(f"{'bench':<15} {'seconds':>8}  details")
    for r in rows:
        if r["bench"] == "peak_memory":
            print(f"{'peak memory':<15} {'':>8}  {r['mib']} MiB (target < {r['target_mib']} MiB)")
            continue
        extra = {k: v for k, v in r.items() if k not in ("bench", "seconds")}
        print(f"{r['bench']:<15} {r['seconds']:>8.3f}  " +
              ", ".join(f"{k}={v}" for k, v in extra.items()))
    out = {
        "date": date.today().isoformat(),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "import_seconds": round(import_s, 3),
        # other work on the machine slows every figure: the 1, 5 and 15 min load
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg")
        else None,
        "cores": os.cpu_count(),
        "results": rows,
    }
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    text = json.dumps(out, indent=2) + "\n"
    (results / "latest.json").write_text(text)
    (results / f"{date.today().isoformat()}.json").write_text(text)
    failed = [r for r in rows if r.get("target_s") is not None and r["seconds"] > r["target_s"]]
    if peak > TARGETS["peak_mib"]:
        failed.append({"bench": "peak_memory"})
    for r in failed:
        print(f"over target: {r['bench']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
