"""Batch runs on a Dask cluster (a LocalCluster on this machine): the same
report as a serial run. Skipped, saying why, where Dask is not installed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="Dask is not installed (pip install "
                    "'.[dask]' in this checkout to run these tests)")

from test_batch import CORPUS, mp, normalized

from litmus.batch import check_many
from litmus.cli import main


@pytest.fixture(scope="module")
def client():
    import logging

    from distributed import Client, LocalCluster

    # two threads in one worker process: litmus runs one test at a time per process
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as c:
        yield c


def summary(reports):
    return [(r.source, [str(e) for e in r.errors], list(r.warnings),
             [(c.model, c.status, c.result.states if c.result else None, c.reason,
               str(c.error) if c.error else None) for c in r.checks])
            for r in reports]


def test_check_many_on_a_cluster_gives_the_serial_reports(client, tmp_path):
    d = tmp_path / "t"
    d.mkdir()
    (d / "a.lit").write_text(mp("A", "arm: sometimes, sc: never"))
    (d / "b.lit").write_text(mp("B", "arm: never"))
    (d / "c.lit").write_text("thread P0\n  FOO\n")
    (d / "d.lit").write_text(mp("D").replace("P1:r1 = 0", "P1:r7 = 0"))  # a warning
    files = sorted(d.glob("*.lit")) + sorted((CORPUS / "mmio").glob("doorbell*.lit"))
    serial = check_many(files, jobs=1)
    cache = tmp_path / "cache"
    on_cluster = check_many(files, jobs=1, client=client, cache=cache)
    assert summary(on_cluster) == summary(serial)
    assert on_cluster[1].checks[0].reason  # the failure's reason came back
    assert on_cluster[3].warnings
    # resumed through the cache: nothing is sent to the cluster again
    again = check_many(files, client=client, cache=cache)
    assert summary(again) == summary(serial)
    assert all(c.cached for r in again for c in r.checks)


@pytest.mark.slow
def test_litmus_check_dask_local_gives_the_serial_report(tmp_path, capsys):
    assert main(["check", str(CORPUS), "-j", "1", "--no-cache", "--json",
                 str(tmp_path / "serial.json")]) == 0
    serial_out = capsys.readouterr().out
    assert main(["check", str(CORPUS), "--dask", "local", "-j", "2", "--no-cache", "--json",
                 str(tmp_path / "dask.json")]) == 0
    assert capsys.readouterr().out == serial_out
    serial = json.loads(Path(tmp_path / "serial.json").read_text())
    dask = json.loads(Path(tmp_path / "dask.json").read_text())
    assert normalized(dask) == normalized(serial)
