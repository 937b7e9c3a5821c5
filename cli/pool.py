"""Chunks of firms on local worker processes: how a national re-score uses every core.

Feature building is pandas work on one core; LightGBM and the TreeSHAP kernels would spread one
chunk over the cores, but the features would not. So a chunked command runs whole chunks in
``workers`` processes side by side, each on one thread (``OMP_NUM_THREADS=1``,
``NUMBA_NUM_THREADS=1``, set before the processes start, because OpenMP reads them once at load),
and the parent keeps only what it writes. ``workers=1`` runs the same functions in this process,
so both paths give the same rows (tested).

What every task of a pass needs and is large (the national peer reference is hundreds of MB)
goes to each process once, through ``shared``, not with every chunk.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Mapper = Callable[..., Iterator[Any]]

ONE_THREAD = {"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

_shared: dict[str, Any] = {}


def shared(name: str) -> Any:
    """A value given to ``local_workers(shared=…)``, in whichever process runs the task."""
    return _shared[name]


def _install(values: dict[str, Any]) -> None:
    _shared.clear()
    _shared.update(values)


CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "<quota> <period>" or "max <period>"


def default_workers(cpu_max: Path = CPU_MAX) -> int:
    """One process per core this process may use: the cores it may run on, fewer when a
    container's CPU quota allows fewer (a container often sees all of its host's cores, and
    each worker holds a chunk in memory)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = _quota_cores(cpu_max)
    return max(1, min(cores or 1, quota or cores or 1))


def _quota_cores(cpu_max: Path) -> int | None:
    try:
        quota, period = cpu_max.read_text().split()[:2]
        return None if quota == "max" else max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):  # no cgroup v2 file, or one this code does not read
        return None


@contextmanager
def local_workers(workers: int, shared: dict[str, Any] | None = None) -> Iterator[Mapper]:
    """A ``map(fn, *iterables)`` that yields results in input order, in ``workers`` fresh
    processes (or in this one when ``workers`` is 1), with at most two tasks per process started
    and not yet taken, so finished chunks wait in memory only briefly."""
    if workers <= 1:
        _install(shared or {})
        try:
            yield map
        finally:
            _shared.clear()
        return
    saved = {name: os.environ.get(name) for name in ONE_THREAD}
    os.environ.update(ONE_THREAD)
    try:
        pool = multiprocessing.get_context("spawn").Pool(workers, _install, (shared or {},))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        yield windowed(lambda fn, *args: pool.apply_async(fn, args).get, 2 * workers)
        pool.close()
        pool.join()
    finally:
        pool.terminate()


def windowed(submit: Callable[..., Callable[[], Any]], window: int) -> Mapper:
    """``map`` over tasks that ``submit(fn, *args)`` starts (returning a call that waits for the
    result), in input order, with at most ``window`` started and not yet taken: the window
    bounds the memory of finished chunks waiting to be written."""

    def mapper(fn: Callable[..., Any], *iterables: Any) -> Iterator[Any]:
        pending: deque[Callable[[], Any]] = deque()
        for args in zip(*iterables, strict=True):
            pending.append(submit(fn, *args))
            if len(pending) >= window:
                yield pending.popleft()()
        while pending:
            yield pending.popleft()()

    return mapper


class PeakMemory:
    """The peak of this process's resident memory plus its worker processes', sampled every
    ``every`` seconds on a thread while the block runs (``with PeakMemory() as peak: …``, then
    ``peak.gib``): each process's own high-water mark would miss that they run at once."""

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self.gib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while True:
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:  # a worker that ended between the listing and the read
                    continue
            self.gib = max(self.gib, total / 2**30)
            if self._stop.wait(self.every):
                return
