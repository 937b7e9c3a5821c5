"""Local worker processes (cli.pool): how many by default, and the windowed map's order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli.pool import default_workers, local_workers

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [
        ("max 100000\n", CORES),  # no quota: every core
        ("100000 100000\n", 1),  # one core's worth
        ("150000 100000\n", min(CORES, 2)),  # 1.5 cores: two processes, never above the cores
        ("garbled", CORES),  # a file this code cannot read: the cores
    ],
)
def test_a_container_quota_caps_the_default(tmp_path: Path, cpu_max: str, expected: int) -> None:
    path = tmp_path / "cpu.max"
    path.write_text(cpu_max)
    assert default_workers(path) == expected
    assert default_workers(tmp_path / "missing") == CORES


def test_one_worker_maps_in_this_process_in_order() -> None:
    with local_workers(1, shared={"k": 2}) as run:
        assert list(run(pow, [1, 2, 3], [2, 2, 2])) == [1, 4, 9]
