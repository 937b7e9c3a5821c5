"""The monthly re-score of every firm, timed and measured against the annual batch score of the
same firms on the same date, in the same run.

Two ways to run it:

- ``python -m bench monthly --firms N``: a demo world built in memory. Each step runs in a
  fresh process (``spawn``), so its memory is its own, not the benchmark's world building: the
  reference ``ews score`` (``cli.batch.score_chunks``, reasons for every firm, one process),
  last month's re-score (no previous file: every firm first scored, reasons for all), and this
  month's re-score (``cli.monthly.rescore_month``: last month's grades joined, reasons where
  something changed), both with one worker process per core as ``ews monthly score`` runs.
  The chunk size is a quarter of the panel (at most ``CHUNK_FIRMS``), so a small run still goes
  through several chunks.
- ``python -m bench.monthly --raw DIR``: a national-size panel already written by
  ``ews demo-data --firms 7700000 --per-partition 250000`` (generating it takes longer than
  scoring it), scored by the model of a small demo world: last month's re-score without
  reasons (only its grades are joined), then this month's, timed against the 10-minute target;
  the annual score of the first partition is the same run's reference.

Memory is the peak of the step's processes together (``cli.pool.PeakMemory``): bounded by the
chunk size times the workers, not the panel.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from bench.timing import report
from bench.world import World
from cli import batch, monthly
from cli.pool import PeakMemory, default_workers

NATIONAL_FIRMS = 7_700_000
TARGET_SECONDS = 600.0  # issue 13: a national monthly re-score within 10 minutes
AS_OF = pd.Timestamp(2026, 11, 30)  # a month-end inside the demo world's event span


def _step(
    name: str, raw_dir: str, bundle: str, out: str, chunk_firms: int, workers: int
) -> dict[str, float]:
    """One timed step in this (fresh) process: seconds, rows, peak memory in GiB."""
    from core.bundle import load_bundle

    model = load_bundle(Path(bundle))
    chunks = batch.plan_chunks(Path(raw_dir), chunk_firms)
    folder = Path(out)
    previous = monthly.Month.ending(AS_OF).previous
    start = time.perf_counter()
    with PeakMemory() as memory:
        if name == "annual":
            rows = batch.score_chunks(chunks, model, folder / "annual.parquet", 3, AS_OF)
        elif name == "annual_first_partition":
            first = [c for c in chunks if c.folder == chunks[0].folder]
            rows = batch.score_chunks(first, model, folder / "annual.parquet", 3, AS_OF)
        elif name in ("previous", "previous_plain"):
            rows = monthly.rescore_month(
                chunks,
                model,
                folder / "previous.parquet",
                previous,
                None,
                reasons="all" if name == "previous" else "none",
                workers=workers,
                progress=True,
            ).rows
        else:
            rows = monthly.rescore_month(
                chunks,
                model,
                folder / "month.parquet",
                AS_OF,
                folder / "previous.parquet",
                workers=workers,
                progress=True,
            ).rows
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": float(rows), "peak_gib": memory.gib}


def _in_fresh_process(*args: Any) -> dict[str, float]:
    # An executor's process, not a multiprocessing.Pool's: a pool's processes are daemons and
    # may not start the step's own worker processes.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as executor:
        return executor.submit(_step, *args).result()


def _changes(out: str) -> dict[str, int]:
    """The month's change counts; the steps' files (hundreds of MB at national size) go."""
    changes = pd.read_parquet(Path(out) / "month.parquet", columns=["change"])["change"]
    shutil.rmtree(out, ignore_errors=True)
    return {str(k): int(v) for k, v in changes.value_counts().items()}


def _with_rate(step: dict[str, float], firms: float) -> dict[str, float]:
    """A step's figures with its rate over ``firms``."""
    return step | {"firms_s": firms / step["seconds"]}


def monthly_speed(world: World, rows: int) -> list[dict[str, Any]]:
    """Annual batch score, then last month's and this month's re-score, each in its own process."""
    firms = int(pd.read_parquet(world.raw_dir / "firms.parquet", columns=["firm_id"]).shape[0])
    chunk_firms = min(batch.CHUNK_FIRMS, max(1_000, firms // 4))
    out = tempfile.mkdtemp(prefix="ews-bench-monthly-")
    bundle = str(world.raw_dir.parent / "bundle")
    workers = default_workers()
    args = (str(world.raw_dir), bundle, out, chunk_firms, workers)
    annual = _in_fresh_process("annual", *args)
    previous = _in_fresh_process("previous", *args)
    month = _in_fresh_process("month", *args)
    per_second = firms / month["seconds"]
    print(
        f"[monthly] {firms:,} firms in chunks of {chunk_firms:,}, {workers} worker process(es); "
        f"as of {AS_OF.date()}; changes: {_changes(out)}",
        flush=True,
    )
    results = [
        report(
            "annual batch score, reference (ews score, top-3 reasons for all, one process)",
            _with_rate(annual, firms),
            1.0,
            "reference",
        ),
        report(
            "monthly re-score, first month (no previous; reasons for all)",
            _with_rate(previous, firms),
            previous["seconds"] / annual["seconds"],
            "info (time / annual)",
        ),
        report(
            "monthly re-score (previous joined; reasons where changed)",
            _with_rate(month, firms),
            month["seconds"] / annual["seconds"],
            "<= 1 (time / annual)",
        ),
    ]
    print(
        f"[monthly] linear extrapolation to {NATIONAL_FIRMS:,} firms at this run's "
        f"{per_second:,.0f} firms/s: {NATIONAL_FIRMS / per_second / 60:.1f} min (target "
        f"{TARGET_SECONDS / 60:.0f} min). An extrapolation, not a measurement: "
        "`python -m bench.monthly --raw DIR` measures the national size.",
        flush=True,
    )
    return results


def national(raw_dir: Path, model_firms: int, workers: int, chunk_firms: int) -> dict[str, Any]:
    """The re-score of a national-size panel on disk, against the 10-minute target."""
    from bench.world import world

    firms = sum(
        int(pd.read_parquet(folder / "firms.parquet", columns=["firm_id"]).shape[0])
        for folder in batch.raw_partitions(raw_dir)
    )
    bundle = str(world(model_firms).raw_dir.parent / "bundle")
    out = tempfile.mkdtemp(prefix="ews-bench-national-")
    args = (str(raw_dir), bundle, out, chunk_firms, workers)
    print(f"[national] {firms:,} firms in {raw_dir}; {workers} worker process(es)", flush=True)
    reference = _in_fresh_process("annual_first_partition", *args)
    previous = _in_fresh_process("previous_plain", *args)
    month = _in_fresh_process("month", *args)
    print(f"[national] as of {AS_OF.date()}; changes: {_changes(out)}", flush=True)
    report(
        "annual batch score of the first partition, reference (one process, reasons for all)",
        _with_rate(reference, reference["rows"]),
        1.0,
        "reference",
    )
    report(
        "monthly re-score, last month (no previous; no reasons)",
        _with_rate(previous, previous["rows"]),
        previous["seconds"] / TARGET_SECONDS,
        "info (time / 600 s)",
    )
    return report(
        "monthly re-score of the national panel (previous joined; reasons where changed)",
        _with_rate(month, month["rows"]),
        month["seconds"] / TARGET_SECONDS,
        "<= 1 (time / 600 s); firms_s against the reference's",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.monthly", description=__doc__)
    parser.add_argument("--raw", type=Path, required=True, help="partitioned raw folder")
    parser.add_argument("--model-firms", type=int, default=20_000, help="model's demo world")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--chunk-firms", type=int, default=batch.CHUNK_FIRMS)
    args = parser.parse_args(argv)
    national(args.raw, args.model_firms, args.workers, args.chunk_firms)


if __name__ == "__main__":
    main()
