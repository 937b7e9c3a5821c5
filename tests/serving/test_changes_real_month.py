"""The changes view and the digest on files the monthly re-score itself wrote (`rescore_month`
on the tiny world, February and March 2026, with one new 4대보험 체납 in March): the firm is
listed under new triggers in its region, every failed firm of the month under failures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cli.batch import plan_chunks
from cli.monthly import rescore_month
from features.pipeline import features_as_of
from features.tables import read_tables
from serving.domain import changes, digest
from serving.domain.region_codes import served_region
from tests.conftest import DemoRun
from training import registry

AS_OF = pd.Timestamp(2026, 3, 31)
BEFORE = pd.Timestamp(2026, 2, 28)


@pytest.fixture(scope="module")
def world(tiny_run: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The data folder with both months' files, and the firm given a new arrears event."""
    data = tmp_path_factory.mktemp("changes-real")
    raw = data / "raw"
    shutil.copytree(tiny_run.settings.raw_dir, raw)
    tables = read_tables(raw)
    scored = features_as_of(tables, AS_OF)
    quiet = scored[(scored["social_insurance_arrears_12m"] == 0) & ~scored["recent_arrears"]]
    firm_id = str(quiet["firm_id"].iloc[0])
    event = {
        "firm_id": [firm_id],
        "event_date": [pd.Timestamp(2026, 3, 10)],
        "event_type": ["social_insurance_arrears"],
        "amount": [1200.0],
    }
    events = pd.concat([tables.events, pd.DataFrame(event)], ignore_index=True)
    events.to_parquet(raw / "events.parquet", index=False)
    model = registry.load_alias(tiny_run.settings, registry.CHAMPION)
    chunks = plan_chunks(raw, chunk_firms=400)
    monthly = data / "monthly"
    monthly.mkdir()
    february = monthly / "scores-2026-02-28.parquet"
    rescore_month(chunks, model, february, BEFORE, None)
    rescore_month(chunks, model, monthly / "scores-2026-03-31.parquet", AS_OF, february)
    return data, firm_id


def test_the_monthly_scorers_files_feed_the_view_and_the_digest(world: tuple[Path, str]) -> None:
    data, firm_id = world
    scores = changes.read_month(data)
    assert scores.month == "2026-03" and scores.months == ("2026-03", "2026-02")
    march = pd.read_parquet(data / "monthly" / "scores-2026-03-31.parquet")
    region = served_region(march.set_index("firm_id").loc[firm_id, "region"])
    found = changes.region_changes(scores, region, limit=5000)
    listed = {f.firm_id: f for f in found.new_triggers}
    assert listed[firm_id].new_triggers == ["social_insurance_arrears"]
    assert found.firms_scored == int((march["region"].astype("string") == region).sum())
    failed = march[(march["status"] == "failed") & (march["region"].astype("string") == region)]
    assert {f.firm_id for f in found.failed} == set(failed["firm_id"].astype(str))
    empty = pd.DataFrame(
        columns=["firm_id", "case_status", "next_follow_up", "owner", "owner_name"]
    )
    watched = digest.build_digest(scores, region, empty, capacity=1000)
    assert set(watched.rows["firm_id"]) >= {f.firm_id for f in found.failed}
