"""`python -m bench monthly --firms N`: the monthly re-score of every firm, timed and measured
against the annual batch score of the same firms on the same date, in the same run.

Each step runs in a fresh process (``spawn``), so its peak RSS (VmHWM,
``cli.monthly.peak_rss_gib``) is its own, not the benchmark's world building: the reference
``ews score`` (``cli.batch.score_chunks``, reasons for every firm), last month's re-score (no
previous file: every firm first scored, reasons for all), and this
month's re-score (``cli.monthly.rescore_month``: last month's grades joined, reasons where
something changed). The chunk size is a quarter of the panel (at most ``CHUNK_FIRMS``), so a
small run still goes through several chunks; memory is bounded by the chunk, not the panel.
The figures extrapolate linearly to 7.7 million firms; the line says so and what it assumes.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from bench.timing import report
from bench.world import World
from cli import batch, monthly

NATIONAL_FIRMS = 7_700_000
TARGET_SECONDS = 600.0  # issue 13: a national monthly re-score within 10 minutes
AS_OF = pd.Timestamp(2026, 11, 30)  # a month-end inside the demo world's event span


def _step(name: str, raw_dir: str, bundle: str, out: str, chunk_firms: int) -> dict[str, float]:
    """One timed step in this (fresh) process: seconds, rows, peak RSS in GiB."""
    from core.bundle import load_bundle

    model = load_bundle(Path(bundle))
    chunks = batch.plan_chunks(Path(raw_dir), chunk_firms)
    folder = Path(out)
    start = time.perf_counter()
    if name == "annual":
        rows = batch.score_chunks(chunks, model, folder / "annual.parquet", top=3, as_of=AS_OF)
    elif name == "previous":
        previous = monthly.Month.ending(AS_OF).previous
        rows = monthly.rescore_month(
            chunks, model, folder / "previous.parquet", previous, None, reasons="all"
        ).rows
    else:
        rows = monthly.rescore_month(
            chunks, model, folder / "month.parquet", AS_OF, folder / "previous.parquet"
        ).rows
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": float(rows), "peak_rss_gib": monthly.peak_rss_gib()}


def _in_fresh_process(*args: Any) -> dict[str, float]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_step, args)


def monthly_speed(world: World, rows: int) -> list[dict[str, Any]]:
    """Annual batch score, then last month's and this month's re-score, each in its own process."""
    firms = int(pd.read_parquet(world.raw_dir / "firms.parquet", columns=["firm_id"]).shape[0])
    chunk_firms = min(batch.CHUNK_FIRMS, max(1_000, firms // 4))
    out = tempfile.mkdtemp(prefix="ews-bench-monthly-")
    bundle = str(world.raw_dir.parent / "bundle")
    args = (str(world.raw_dir), bundle, out, chunk_firms)
    annual = _in_fresh_process("annual", *args)
    previous = _in_fresh_process("previous", *args)
    month = _in_fresh_process("month", *args)
    changes = pd.read_parquet(Path(out) / "month.parquet", columns=["change"])["change"]
    per_second = firms / month["seconds"]
    national = NATIONAL_FIRMS / per_second
    print(
        f"[monthly] {firms:,} firms in chunks of {chunk_firms:,}; as of {AS_OF.date()}; "
        f"changes: {changes.value_counts().to_dict()}",
        flush=True,
    )
    results = [
        report(
            "annual batch score, reference (ews score, top-3 reasons for all)",
            {
                "seconds": annual["seconds"],
                "firms_s": firms / annual["seconds"],
                "peak_rss_gib": annual["peak_rss_gib"],
            },
            1.0,
            "reference",
        ),
        report(
            "monthly re-score, first month (no previous; reasons for all)",
            {
                "seconds": previous["seconds"],
                "firms_s": firms / previous["seconds"],
                "peak_rss_gib": previous["peak_rss_gib"],
            },
            previous["seconds"] / annual["seconds"],
            "info (time / annual)",
        ),
        report(
            "monthly re-score (previous joined; reasons where changed)",
            {
                "seconds": month["seconds"],
                "firms_s": per_second,
                "peak_rss_gib": month["peak_rss_gib"],
                "rows": month["rows"],
            },
            month["seconds"] / annual["seconds"],
            "<= 1 (time / annual)",
        ),
    ]
    print(
        f"[monthly] linear extrapolation to {NATIONAL_FIRMS:,} firms at this run's "
        f"{per_second:,.0f} firms/s: {national / 60:.1f} min (target "
        f"{TARGET_SECONDS / 60:.0f} min); memory stays that of one chunk of "
        f"min({batch.CHUNK_FIRMS:,}, firms/4) firms plus the peer reference. An extrapolation, "
        "not a measurement: run it at full size on a quiet machine.",
        flush=True,
    )
    return results
