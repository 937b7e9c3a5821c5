"""A national-size demo panel (e.g. 7.7 million firms) written as independent partitions.

Each partition is an ordinary demo world from ``generate_demo`` with its own derived seed,
written to ``raw/part-NNNNN/``; its firm ids are renumbered into a disjoint range (partition
``p`` owns ids starting at ``p · 10^7 + 10^9``) so that partitions never collide. Memory is one
partition's world at a time; batch scoring (``cli.batch``) reads the folders one by one.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from features.demo.world import DemoData, generate_demo, write_demo

FIRMS_PER_PARTITION = 250_000
_ID_BASE = 1_000_000_000
_ID_SPAN = 10_000_000  # ids per partition: room for 10 million firms each


def partition_seeds(seed: int, partitions: int) -> list[int]:
    """Independent, reproducible seeds for each partition."""
    children = np.random.default_rng(seed).bit_generator.seed_seq.spawn(partitions)  # type: ignore[attr-defined]
    return [int(child.generate_state(1)[0]) for child in children]


def renumber(data: DemoData, partition: int) -> DemoData:
    """Give this partition's firms ids in its own disjoint range, in every table and the oracle."""
    old = data.tables.firms["firm_id"].astype(str).to_numpy()
    new = np.char.zfill((_ID_BASE + partition * _ID_SPAN + np.arange(len(old))).astype(str), 10)
    mapping = pd.Series(new, index=old)

    def mapped(frame: pd.DataFrame) -> pd.DataFrame:
        ids = mapping.reindex(frame["firm_id"].astype(str).to_numpy()).to_numpy()
        return frame.assign(firm_id=pd.array(ids, dtype="string"))

    tables = replace(
        data.tables,
        firms=mapped(data.tables.firms),
        financials=mapped(data.tables.financials),
        events=mapped(data.tables.events),
        visits=mapped(data.tables.visits),
    )
    return DemoData(tables, mapped(data.oracle))


def write_partitioned_demo(
    folder: Path,
    n_firms: int,
    seed: int = 7,
    per_partition: int = FIRMS_PER_PARTITION,
    first_year: int = 2012,
    last_year: int = 2025,
    only: range | None = None,
    progress: bool = True,
) -> list[Path]:
    """Write ``ceil(n_firms / per_partition)`` partitions to ``folder/part-NNNNN``.

    ``only`` writes a subset of the partitions (to spread the work over machines, or to time a
    fraction); every partition is the same whichever subset is asked for.
    """
    if n_firms < 1 or per_partition < 1:
        raise ValueError(
            f"n_firms and per_partition must be at least 1, got {n_firms}, {per_partition}"
        )
    count = -(-n_firms // per_partition)
    if count * per_partition > _ID_SPAN * 1000 or per_partition > _ID_SPAN:
        raise ValueError(f"per_partition must be at most {_ID_SPAN:,}")
    seeds = partition_seeds(seed, count)
    written = []
    for p in only if only is not None else range(count):
        size = min(per_partition, n_firms - p * per_partition)
        start = time.perf_counter()
        data = renumber(generate_demo(size, seeds[p], first_year, last_year), p)
        target = folder / f"part-{p:05d}"
        write_demo(data, target)
        written.append(target)
        if progress:
            print(
                f"partition {p + 1}/{count}: {size:,} firms in {time.perf_counter() - start:.1f}s"
            )
    return written
