"""The monthly re-score (`ews monthly score`): chunked equals whole, last month's grade joined,
the month's triggers and failures, reasons where something changed, and a new arrears event
moving the firm in the month it happened."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.batch import plan_chunks, score_frame
from cli.main import app
from cli.monthly import Month, rescore_month, scores_path
from core import contract
from core.settings import Settings, get_settings
from features.pipeline import features_as_of
from features.signals import first_default
from features.tables import read_tables
from tests.conftest import DemoRun
from training import registry

AS_OF = pd.Timestamp(2026, 3, 31)
BEFORE = pd.Timestamp(2026, 2, 28)


@pytest.fixture(scope="module")
def raw(tiny_run: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tiny world's raw tables with one new 4대보험 체납 in March 2026 for a firm
    that had no arrears in the year before."""
    folder = tmp_path_factory.mktemp("monthly") / "raw"
    shutil.copytree(tiny_run.settings.raw_dir, folder)
    tables = read_tables(folder)
    scored = features_as_of(tables, AS_OF)
    quiet = scored[(scored["social_insurance_arrears_12m"] == 0) & ~scored["recent_arrears"]]
    firm_id = str(quiet["firm_id"].iloc[0])
    event = pd.DataFrame(
        {
            "firm_id": [firm_id],
            "event_date": [pd.Timestamp(2026, 3, 10)],
            "event_type": ["social_insurance_arrears"],
            "amount": [1200.0],
        }
    )
    events = pd.concat([tables.events, event], ignore_index=True)
    events.to_parquet(folder / "events.parquet", index=False)
    (folder / "new_trigger.txt").write_text(firm_id)
    return folder


@pytest.fixture(scope="module")
def months(tiny_run: DemoRun, raw: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """February and March 2026 re-scored in chunks of 300 firms."""
    model = registry.load_alias(tiny_run.settings, registry.CHAMPION)
    out = tmp_path_factory.mktemp("scores")
    chunks = plan_chunks(raw, chunk_firms=300)
    assert len(chunks) > 1
    february, march = out / "february.parquet", out / "march.parquet"
    rescore_month(chunks, model, february, BEFORE, None, reasons="all")
    rescore_month(chunks, model, march, AS_OF, february)
    return [february, march]


def test_chunked_rescore_equals_scoring_the_whole_panel(
    tiny_run: DemoRun, raw: Path, months: list[Path]
) -> None:
    model = registry.load_alias(tiny_run.settings, registry.CHAMPION)
    whole = score_frame(features_as_of(read_tables(raw), AS_OF), model, 3)
    march = pd.read_parquet(months[1])
    scored = march[march["status"] != "failed"].set_index("firm_id")
    assert sorted(scored.index) == sorted(whole["firm_id"].astype(str))
    expected = whole.set_index(whole["firm_id"].astype(str))
    np.testing.assert_allclose(
        scored["pd"].reindex(expected.index).to_numpy("float64"),
        expected["pd"].to_numpy("float64"),
        rtol=1e-12,
    )
    mine = scored["grade"].reindex(expected.index).astype("object").fillna("-")
    assert (mine == expected["grade"].astype("object").fillna("-")).all()


def test_last_months_grade_and_the_change(months: list[Path]) -> None:
    february, march = (pd.read_parquet(p).set_index("firm_id") for p in months)
    both = march.index.intersection(february.index)
    np.testing.assert_array_equal(
        march.loc[both, "previous_pd"].to_numpy("float64"),
        february.loc[both, "pd"].to_numpy("float64"),
    )
    assert (march["previous_as_of"] == BEFORE).all()
    worse = march[march["change"] == "worse"]
    assert (worse["grade_change"] > 0).all()
    assert (march.loc[march["change"] == "unchanged", "grade_change"].fillna(0) == 0).all()
    # Reasons only where something changed (graded rows), all of them on the first month.
    changed = march["change"].isin(["worse", "better", "new_trigger", "first_scored"])
    graded = march["pd"].notna()
    assert march.loc[changed & graded, "reason_1"].notna().all()
    assert march.loc[~changed, "reason_1"].isna().all()
    assert february.loc[february["pd"].notna(), "reason_1"].notna().all()


def test_a_new_arrears_event_moves_the_firm_this_month(
    tiny_run: DemoRun, raw: Path, months: list[Path]
) -> None:
    firm_id = (raw / "new_trigger.txt").read_text()
    row = pd.read_parquet(months[1]).set_index("firm_id").loc[firm_id]
    assert row["new_triggers"] == "social_insurance_arrears"
    assert row["new_trigger_count"] == 1
    assert row["change"] in ("worse", "new_trigger")
    # Monotone in arrears: against the same month without the event (last month's PD also moves
    # with everything else that changed since, so it is no reference), the event cannot lower it.
    model = registry.load_alias(tiny_run.settings, registry.CHAMPION)
    without = features_as_of(read_tables(tiny_run.settings.raw_dir), AS_OF)
    same_month = without[without["firm_id"].astype(str) == firm_id]
    assert row["pd"] >= float(model.predict_pd(same_month)[0]) - 1e-12


def test_the_months_failures_and_triggers(raw: Path, months: list[Path]) -> None:
    tables = read_tables(raw)
    march = pd.read_parquet(months[1])
    first = first_default(tables.events, tables.firms["firm_id"])
    failed_ids = set(tables.firms.loc[Month.ending(AS_OF).within(first), "firm_id"].astype(str))
    failed = march[march["status"] == "failed"]
    assert set(failed["firm_id"]) == failed_ids
    assert (failed["change"] == "failed").all() and failed["pd"].isna().all()
    assert failed["failure_event"].isin(sorted(contract.DEFAULT_EVENTS)).all()
    assert ((failed["failed_on"] >= BEFORE) & (failed["failed_on"] < AS_OF)).all()
    events = tables.events
    month = events[
        events["event_type"].isin(contract.ARREARS_EVENTS)
        & Month.ending(AS_OF).within(events["event_date"])
    ]
    counts = month.groupby("firm_id").size()
    shown = march.set_index("firm_id")["new_trigger_count"]
    for firm_id, count in counts.items():
        if firm_id in shown.index:
            assert shown[firm_id] == count


def test_previous_month_from_another_chunk_plan_is_read_by_firm_id(
    tiny_run: DemoRun, raw: Path, months: list[Path], tmp_path: Path
) -> None:
    model = registry.load_alias(tiny_run.settings, registry.CHAMPION)
    out = tmp_path / "march-one-chunk.parquet"
    rescore_month(plan_chunks(raw, chunk_firms=10_000), model, out, AS_OF, months[0])
    one = pd.read_parquet(out).set_index("firm_id").sort_index()
    many = pd.read_parquet(months[1]).set_index("firm_id").sort_index()
    for column in ("previous_pd", "pd", "change", "new_trigger_count"):
        pd.testing.assert_series_equal(one[column], many[column], check_names=False)


def test_two_worker_processes_write_the_same_file(
    tiny_run: DemoRun, raw: Path, months: list[Path], tmp_path: Path
) -> None:
    """The national re-score runs chunks in processes side by side (one thread each); the rows,
    their order and the row groups are those of the one-process run."""
    import pyarrow.parquet as pq

    model = registry.load_alias(tiny_run.settings, registry.CHAMPION)
    out = tmp_path / "march-two-workers.parquet"
    chunks = plan_chunks(raw, chunk_firms=300)
    result = rescore_month(chunks, model, out, AS_OF, months[0], workers=2)
    assert result.rows == len(pd.read_parquet(months[1]))
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(months[1]))
    assert pq.ParquetFile(out).num_row_groups == len(chunks)


def test_the_command_writes_the_month_and_refuses_a_mid_month_date(
    tiny_run: DemoRun, raw: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(raw, data / "raw")
    monkeypatch.setenv("EWS_DATA_DIR", str(data))
    monkeypatch.setenv("EWS_MODELS_DIR", str(tiny_run.settings.models_dir))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        refused = runner.invoke(app, ["monthly", "score", "--as-of", "2026-03-15", "--annual"])
        assert refused.exit_code == 2 and "2026-03-31" in refused.output
        no_model = runner.invoke(app, ["monthly", "score", "--as-of", "2026-03-31"])
        assert no_model.exit_code == 2 and "ews monthly train" in no_model.output
        done = runner.invoke(
            app, ["monthly", "score", "--as-of", "2026-03-31", "--annual", "--reasons", "none"]
        )
        assert done.exit_code == 0, done.output
        path = scores_path(Settings(data_dir=data), AS_OF)
        written = pd.read_parquet(path)
        assert "no previous month's scores" in done.output
        assert (written["change"].isin(["first_scored", "failed", "new_trigger"])).all()
        assert "reason_1" not in written.columns
    finally:
        get_settings.cache_clear()
