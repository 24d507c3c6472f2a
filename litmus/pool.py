"""Worker processes for batch runs (``litmus check -j N``).

Each worker runs one task at a time, so a task that overruns its hard time
limit is stopped by killing its process, and a new process takes its place;
a worker that dies (a crash, the kernel's OOM killer) loses only its task.
The soft limit, ``--timeout`` per test and model, is kept inside the worker
by :class:`~litmus.limits.Deadline`; the hard limit here is the backstop
for code that would not look at its deadline.

Workers are started by ``forkserver`` where the platform has it (they fork
from a server that has the engine imported, so they start in milliseconds
and inherit no thread of the parent), else by ``spawn``. They ignore Ctrl-C:
the parent stops them.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_ready
from typing import Any, Self

#: What the fork server imports once, before it forks workers: the engine and
#: the bundled models, parsed (see :mod:`litmus._workerinit`).
PRELOAD = ["litmus._workerinit"]


@dataclass(frozen=True)
class Lost:
    """A task that returned nothing: its worker was killed at the time limit
    (``timed_out``) or died, or the work raised (``reason`` says which)."""

    reason: str
    timed_out: bool = False


def _context():
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


@contextmanager
def _main_not_rerun() -> Iterator[None]:
    """While a worker starts: keep ``spawn``/``forkserver`` from importing the
    parent's ``__main__`` in it. Workers need only litmus, and a main script
    re-run there would check its tests again (a script without an ``if
    __name__ == "__main__"`` guard) or fail (a script read from standard
    input)."""
    main = sys.modules.get("__main__")
    saved = {} if main is None else \
        {k: main.__dict__[k] for k in ("__spec__", "__file__") if k in main.__dict__}
    if main is not None:
        main.__dict__.pop("__file__", None)
        main.__dict__["__spec__"] = None
    try:
        with _safe_path():
            yield
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


@contextmanager
def _safe_path() -> Iterator[None]:
    """While a worker (or the fork server) starts: ``PYTHONSAFEPATH`` set, so
    the ``python -c`` that multiprocessing runs does not put the current
    directory first on ``sys.path`` (Python 3.11's ``-P``). Without it a
    ``litmus/`` directory or ``litmus.py`` where the user runs ``litmus
    check -j 2`` (a driver repository's test folder) would be imported in
    the workers instead of the installed package."""
    old = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = old


def _worker_main(conn, work: Callable[[Any], Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        index, task = msg
        try:
            reply: Any = work(task)
        except BaseException as exc:  # noqa: BLE001 -- reported as the task's error
            reply = Lost(f"{type(exc).__name__}: {exc}")
        try:
            conn.send((index, reply))
        except Exception as exc:  # noqa: BLE001 -- an unpicklable reply
            try:
                conn.send((index, Lost(f"cannot return the result: {exc}")))
            except (OSError, ValueError):
                return


@dataclass
class _Worker:
    proc: Any
    conn: Any
    index: int | None = None
    deadline: float | None = None


class ProcessPool:
    """``jobs`` processes running ``work(task)`` (``work`` must be a module-level
    function). :meth:`submit` queues a task; :meth:`wait` returns the tasks
    finished so far as ``(index, reply)``, where a task killed at its limit,
    whose worker died, or whose work raised gives a :class:`Lost`. Use it as a
    context manager, or call :meth:`close`."""

    def __init__(self, jobs: int, work: Callable[[Any], Any]) -> None:
        self.jobs = max(1, jobs)
        self.work = work
        self._ctx = _context()
        self._workers: list[_Worker] = []
        self._queue: deque[tuple[int, Any, float | None]] = deque()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def pending(self) -> int:
        """Tasks submitted whose reply :meth:`wait` has not returned yet."""
        return len(self._queue) + sum(1 for w in self._workers if w.index is not None)

    def submit(self, index: int, task: Any, limit: float | None = None) -> None:
        """Queue ``task``; its worker is killed ``limit`` seconds after it starts
        (None: never)."""
        self._queue.append((index, task, limit))
        self._dispatch()

    def cancel(self, index: int) -> None:
        """Forget task ``index``: dropped if queued, its worker killed if running."""
        self._queue = deque(t for t in self._queue if t[0] != index)
        for w in list(self._workers):
            if w.index == index:
                self._kill(w)

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child, self.work), daemon=True,
                                 name="litmus-worker")
        with _main_not_rerun():
            proc.start()
        child.close()
        w = _Worker(proc, parent)
        self._workers.append(w)
        return w

    def _dispatch(self) -> None:
        while self._queue:
            w = next((w for w in self._workers if w.index is None), None)
            if w is None:
                if len(self._workers) >= self.jobs:
                    return
                w = self._start()
            index, task, limit = self._queue.popleft()
            try:
                w.conn.send((index, task))
            except (OSError, ValueError):  # the worker is gone: try another one
                self._queue.appendleft((index, task, limit))
                self._kill(w)
                continue
            w.index = index
            w.deadline = time.monotonic() + limit if limit else None

    def _kill(self, w: _Worker) -> None:
        if w in self._workers:
            self._workers.remove(w)
        try:
            w.proc.kill()
            w.proc.join(5)
        except (OSError, ValueError, AssertionError):
            pass
        w.conn.close()

    def wait(self, timeout: float | None = None) -> list[tuple[int, Any]]:
        """The replies of the tasks that finish within ``timeout`` seconds (all
        that are ready, possibly none; returns as soon as one is)."""
        self._dispatch()
        busy = [w for w in self._workers if w.index is not None]
        if not busy:
            return []
        now = time.monotonic()
        left = [w.deadline - now for w in busy if w.deadline is not None]
        if left:
            timeout = max(0.0, min(left) if timeout is None else min(timeout, *left))
        waitables: list = [w.conn for w in busy] + [w.proc.sentinel for w in busy]
        ready = set(wait_ready(waitables, timeout))
        out: list[tuple[int, Any]] = []
        for w in busy:
            if w.conn in ready or w.proc.sentinel in ready:
                index = w.index
                try:
                    got_index, reply = w.conn.recv()
                    assert got_index == index
                except (EOFError, OSError):
                    w.proc.join(1)
                    code = w.proc.exitcode
                    out.append((index, Lost(f"the worker process died (exit status {code})")))
                    self._kill(w)
                    continue
                w.index, w.deadline = None, None
                out.append((index, reply))
            elif w.deadline is not None and time.monotonic() >= w.deadline:
                out.append((w.index, Lost("killed at the time limit", timed_out=True)))
                self._kill(w)
        self._dispatch()
        return out

    def close(self) -> None:
        """Stop every worker (idle ones are asked to leave, busy ones killed)."""
        self._queue.clear()
        for w in list(self._workers):
            if w.index is None:
                try:
                    w.conn.send(None)
                except (OSError, ValueError):
                    pass
            else:
                w.proc.kill()
        for w in list(self._workers):
            w.proc.join(2)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(2)
            w.conn.close()
        self._workers.clear()


__all__ = ["Lost", "ProcessPool"]
