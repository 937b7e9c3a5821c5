"""What would help a firm, as the firm page and ``GET /v1/firms/{firm_id}/help`` compute it:
one firm at a time (p50/p99, answer not yet kept: the planner's features and predict call, the
firm's reasons, the programme match) against one plain single-firm scoring call in the same run
(the shared machine's load moves both), the same firm again (answer kept), and the watch lists'
heads worked out ahead (``serving.domain.help.warm``: its seconds are what a warm-up would add).

Run as ``python -m bench.recourse --firms 2000`` (the registered ``python -m bench recourse``
case measures the planner alone).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.timing import report
from bench.world import World, world
from features.pipeline import features_as_of
from features.tables import read_tables
from scoring import explain
from serving.domain import help as firm_help_domain
from serving.domain import scoring
from serving.domain.state import load_snapshot, serve

CONFIG = Path(__file__).resolve().parents[1] / "config"


def help_speed(built: World, per_region: int = 20) -> list[dict[str, Any]]:
    snapshot = load_snapshot(read_tables(built.raw_dir))
    champion = serve(snapshot, "bench", "champion", "1", built.model)
    start = time.perf_counter()
    holder = firm_help_domain.planner_for(snapshot, champion)
    build_s = time.perf_counter() - start
    watch = firm_help_domain.watched(snapshot, champion, per_region)

    def one(firm_id: str) -> None:
        subjects = scoring.stored(snapshot, champion, [firm_id], [snapshot.rows[firm_id]])
        outs, _ = scoring.score(champion, subjects, None, 0)
        firm_help_domain.firm_help(snapshot, champion, firm_id, outs[0], CONFIG)

    own = {firm_id: snapshot.tables.for_firms([firm_id]) for firm_id in watch}

    def plain(firm_id: str) -> None:
        """One submitted firm scored: features with the stored context, PD and reasons."""
        frame = features_as_of(own[firm_id], snapshot.as_of, snapshot.context)
        model = champion.model
        explain.attribute(model.booster, model.bundle.calibration, model.matrix(frame))

    for firm_id in watch[:3]:  # first use: imports, TreeSHAP tables, the catalogue
        one(firm_id)
        plain(firm_id)
    holder.answers.clear()
    cold = _latencies(one, watch)
    reference = _latencies(plain, watch)
    kept = _latencies(one, watch)
    holder.answers.clear()
    start = time.perf_counter()
    firm_help_domain.warm(snapshot, champion, watch)
    warm_s = time.perf_counter() - start
    p50, p99 = (float(np.percentile(cold, q)) for q in (50, 99))
    return [
        report(
            f"help one firm ({len(watch)} firms: {per_region} highest PDs per region)",
            {
                "p50_ms": 1e3 * p50,
                "p99_ms": 1e3 * p99,
                "kept_p50_ms": 1e3 * float(np.percentile(kept, 50)),
                "kept_p99_ms": 1e3 * float(np.percentile(kept, 99)),
                "plain_score_p50_ms": 1e3 * float(np.percentile(reference, 50)),
                "planner_build_s": build_s,
            },
            p50 / float(np.percentile(reference, 50)),
            "p99 <= 100 ms; ratio: cold p50 / plain single-firm scoring p50",
        ),
        report(
            "help warm-up of the watch lists' heads",
            {"firms": len(watch), "seconds": warm_s, "firms_s": len(watch) / warm_s},
            (len(watch) / warm_s) * p50,
            "info: batch vs one at a time",
        ),
    ]


def _latencies(call: Any, firm_ids: list[str]) -> np.ndarray:
    seconds = []
    for firm_id in firm_ids:
        start = time.perf_counter()
        call(firm_id)
        seconds.append(time.perf_counter() - start)
    return np.array(seconds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.recourse", description=__doc__)
    parser.add_argument("--firms", type=int, default=20_000, help="demo-world size")
    parser.add_argument("--per-region", type=int, default=20, help="watch-list head per region")
    args = parser.parse_args(argv)
    help_speed(world(args.firms), args.per_region)


if __name__ == "__main__":
    main()
