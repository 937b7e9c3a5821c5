"""A stress scenario over every firm against a plain batch score of the same firms.

Both start from the raw contract tables in memory at the latest as-of date, timed in the same
run (best of 2):

- plain: features (``features_as_of``) and the batch score stage without reasons
  (``cli.batch.score_frame``: PD, grade, flags, standing) — the least work a score needs;
- scenario: the as-filed baseline (features, context, PDs) and ``scoring.stress.run`` of
  +200 bp on every firm's borrowings (the widest shipped shock: nearly every firm is hit),
  tables by region, industry and district included.

The target (issue 14): scenario / plain ≤ 3. The run alone on a baseline already held (what the
service does: its snapshot is the baseline) is shown beside it.

``python -m bench scenarios --firms N`` uses a demo world built in memory (and its model);
``python -m bench.scenarios --raw DIR --partitions 4`` reads the first partitions of a
national-size panel on disk (250,000 firms each, ``ews demo-data --firms 7700000
--per-partition 250000``), scored by the model of a small demo world: 1 million firms without
building and training on a 1-million-firm world first.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import pandas as pd

from bench.timing import best_of, report
from bench.world import World, world
from cli import batch
from cli.batch import raw_partitions
from core.bundle import LoadedModel
from features.pipeline import as_of_dates, features_as_of
from features.tables import RawTables, read_tables
from scoring import stress
from scoring.stress.spec import load_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "config" / "scenarios" / "rate_200bp.yaml"


def scenario_speed(world: World, rows: int) -> list[dict[str, Any]]:
    """Scenario run vs plain batch score of the same firms (``rows`` is not used)."""
    tables = read_tables(world.raw_dir)
    return measure(tables, world.model, world.features["as_of"].max())


def measure(tables: RawTables, model: LoadedModel, as_of: pd.Timestamp) -> list[dict[str, Any]]:
    """Both timings on these tables at ``as_of``, best of 2, and their ratio."""
    scenario = load_scenario(SCENARIO)

    def plain() -> None:
        batch.score_frame(features_as_of(tables, as_of), model, top=0, reasons=False)

    def tables_of(result: stress.StressResult) -> None:
        for by in ("region", "industry", "district"):
            result.table(by)

    def whole() -> None:
        tables_of(stress.run(stress.baseline(tables, model, as_of), model, scenario))

    base = stress.baseline(tables, model, as_of)
    start = time.perf_counter()
    result = stress.run(base, model, scenario)
    first_run = time.perf_counter() - start
    plain_s = best_of(plain, 2)
    whole_s = best_of(whole, 2)
    run_s = min(first_run, best_of(lambda: tables_of(stress.run(base, model, scenario)), 2))
    totals = result.totals()
    firms = len(base.features)
    return [
        report(
            f"scenario rate_200bp over {firms:,} firms",
            {
                "firms": firms,
                "hit": totals["hit"],
                "plain_score_s": plain_s,
                "scenario_s": whole_s,
                "run_on_baseline_s": run_s,
                "delta_expected_crises": totals["expected_crises_delta"],
            },
            whole_s / plain_s,
            "<= 3",
        )
    ]


def partitions(raw_dir: Path, count: int) -> RawTables:
    """The first ``count`` partitions of a national panel (``raw/part-*``) as one set of tables:
    250,000 firms each as ``ews demo-data --per-partition 250000`` writes them."""
    loaded = [read_tables(folder) for folder in raw_partitions(raw_dir)[:count]]
    joined = {
        name: pd.concat([getattr(t, name) for t in loaded], ignore_index=True)
        for name in ("firms", "financials", "events", "visits")
    }
    return RawTables(regional=loaded[0].regional, **joined)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scenarios", description=__doc__)
    parser.add_argument("--raw", type=Path, required=True, help="partitioned raw folder")
    parser.add_argument("--partitions", type=int, default=4, help="how many (250k firms each)")
    parser.add_argument("--model-firms", type=int, default=20_000, help="model's demo world")
    args = parser.parse_args(argv)
    model = world(args.model_firms).model
    start = time.perf_counter()
    tables = partitions(args.raw, args.partitions)
    as_of = as_of_dates(tables.financials)[-1]
    print(
        f"[scenarios] {len(tables.firms):,} firms from {args.partitions} partitions of "
        f"{args.raw}, read in {time.perf_counter() - start:.1f} s; as of {as_of.date()}",
        flush=True,
    )
    measure(tables, model, as_of)


if __name__ == "__main__":
    main()
