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
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.timing import best_of, report
from bench.world import World
from cli import batch
from features.pipeline import features_as_of
from features.tables import read_tables
from scoring import stress
from scoring.stress.spec import load_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "config" / "scenarios" / "rate_200bp.yaml"


def scenario_speed(world: World, rows: int) -> list[dict[str, Any]]:
    """Scenario run vs plain batch score of the same firms (``rows`` is not used)."""
    tables = read_tables(world.raw_dir)
    as_of = world.features["as_of"].max()
    model, scenario = world.model, load_scenario(SCENARIO)

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
