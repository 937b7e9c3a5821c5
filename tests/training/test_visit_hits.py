"""Visit findings as labels and the list's hit rate at visit (issue 13, item 5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cli.main import app
from core.grades import GRADES
from core.settings import get_settings
from features.demo import generate_demo
from features.pipeline import build_features
from features.visit_labels import visit_confirmed
from tests.conftest import DemoRun
from training import registry
from training.report import Extras, report_sections
from training.visit_hits import hit_rates, visits_at_scores

KEYS = pd.DataFrame(
    {
        "firm_id": ["001", "001", "A2", "A3", "A4", "A5"],
        "as_of": pd.to_datetime(
            ["2022-06-30", "2023-06-30", "2023-06-30", "2023-06-30", "2024-06-30", "2023-06-30"]
        ),
    }
)
VISITS = pd.DataFrame(
    {
        "firm_id": ["001", "A2", "A2", "A3", "A4", "A5"],
        "visited_on": pd.to_datetime(
            ["2023-01-10", "2023-09-01", "2024-02-01", "2023-08-01", "2024-08-01", "2023-07-01"]
        ),
        "finding": [
            *("crisis_confirmed", "no_crisis", "crisis_confirmed"),
            *("no_crisis", "no_crisis", "supported"),
        ],
    }
)


def test_visits_label_rows_by_what_staff_found_in_the_window() -> None:
    end = KEYS["as_of"] + pd.DateOffset(months=12)
    label = visit_confirmed(KEYS, VISITS, end, pd.Timestamp("2024-12-31"))
    # 001 2022: confirmed in its window; 001 2023: no visit in its window; A2: a later
    # confirmation beats an earlier "no crisis"; A3: cleared, window closed; A4: cleared but
    # the window is still open (a firm found sound may still fail); A5: help arranged says
    # nothing about a crisis.
    expected = [1.0, np.nan, 1.0, 0.0, np.nan, np.nan]
    np.testing.assert_array_equal(label.to_numpy(), expected)


def test_hit_rate_at_visit_by_grade_and_region() -> None:
    scores = pd.DataFrame(
        {
            "firm_id": ["001", "A2", "A3", "A4", "A5", "A2"],
            "as_of": pd.to_datetime(["2022-06-30", "2023-06-30", "2023-06-30", "2024-06-30"])
            .append(pd.to_datetime(["2023-06-30", "2024-01-31"]))
            .to_numpy(),
            "grade": ["심각", "경계", "관심", "정상", "심각", "심각"],
            "region": ["26", "26", None, "11", "26", "26"],
        }
    )
    matched = visits_at_scores(scores, VISITS)
    # A2's second visit (Feb 2024) is matched to its January re-score (심각), not the first.
    assert matched.set_index(["firm_id", "visited_on"]).loc[("A2", "2024-02-01"), "grade"] == "심각"
    by_grade = hit_rates(matched, "grade").set_index("grade")
    assert list(by_grade.index) == ["정상", "관심", "경계", "심각", "전체"]
    assert by_grade.loc["심각", ["visits", "decided", "confirmed", "help_arranged"]].tolist() == [
        3,
        2,
        2,
        1,
    ]
    assert by_grade.loc["심각", "hit_rate"] == 1.0 and by_grade.loc["경계", "hit_rate"] == 0.0
    by_region = hit_rates(matched, "region").set_index("region")
    assert by_region.loc["00", "visits"] == 1  # a firm without a region is counted, not dropped
    assert by_region.loc["전체", "hit_rate"] == 2 / 5


def test_ews_visits_export_adds_the_services_visits_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serving.access.keys import create_key, find_key
    from serving.store.engine import make_engine
    from serving.store.schema import create_schema
    from serving.store.tables import Visit

    db_url = f"sqlite:///{tmp_path / 'service.db'}"
    engine = make_engine(db_url)
    create_schema(engine)
    key = find_key(engine, create_key(engine, "center", "26"))
    assert key is not None
    with Session(engine) as db, db.begin():
        for n, (firm_id, finding) in enumerate([("001", "crisis_confirmed"), ("A2", "no_crisis")]):
            db.add(
                Visit(
                    visit_id=f"v{n}",
                    firm_id=firm_id,
                    region="26",
                    visited_on=dt.date(2024, 3, 1 + n),
                    finding=finding,
                    key_id=key.id,
                    recorded_at=dt.datetime(2024, 3, 2, tzinfo=dt.UTC),
                )
            )
    engine.dispose()
    raw = tmp_path / "raw"
    raw.mkdir()
    VISITS.head(1).to_parquet(raw / "visits.parquet")  # an ingested visit stays
    monkeypatch.setenv("EWS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        runs = [CliRunner().invoke(app, ["visits", "export", "--raw-dir", str(raw)]) for _ in "ab"]
    finally:
        get_settings.cache_clear()
    assert [r.exit_code for r in runs] == [0, 0], runs[0].output
    assert "2 new" in runs[0].output and "0 new" in runs[1].output  # a second export adds nothing
    stored = pd.read_parquet(raw / "visits.parquet")
    assert sorted(stored["firm_id"]) == ["001", "001", "A2"]
    assert stored["firm_id"].tolist()[0] == "001"  # leading zeros kept


def test_visit_labels_through_the_pipeline_and_combined_with_defaults() -> None:
    """``--label-rules visit_confirmed`` labels the rows whose window holds a confirmed crisis;
    combined with ``default_event`` a 1 from either rule wins and a 0 needs both decided."""
    data = generate_demo(600, seed=5, first_year=2021, last_year=2025)
    visits = data.tables.visits
    assert (visits["finding"] == "crisis_confirmed").any()
    alone = build_features(data.tables, label_rules=("visit_confirmed",))
    both = build_features(data.tables, label_rules=("default_event", "visit_confirmed"))
    defaults = build_features(data.tables)
    assert alone["label"].notna().sum() < len(alone)  # no visit: missing, never 0
    confirmed = alone[alone["label"] == 1]
    assert len(confirmed) and set(confirmed["firm_id"]) <= set(
        visits.loc[visits["finding"] == "crisis_confirmed", "firm_id"]
    )
    ones = (alone["label"] == 1) | (defaults["label"] == 1)
    assert (both.loc[ones.to_numpy(), "label"] == 1).all()


def test_the_training_report_shows_the_hit_rate_at_visit(tiny_run: DemoRun) -> None:
    assert tiny_run.result.evaluation is not None
    tables = tiny_run.result.evaluation.tables
    by_grade = tables["visit_hits_by_grade"].set_index("grade")
    assert by_grade.loc["전체", "visits"] > 0
    assert set(by_grade.index) <= {*GRADES, "전체"}
    assert "visit_hit_rate" in tiny_run.result.metrics or by_grade.loc["전체", "decided"] == 0
    assert "전체" in set(tables["visit_hits_by_region"]["region"])
    evaluation = tiny_run.result.evaluation
    assert evaluation is not None
    model = registry.load_alias(tiny_run.settings, registry.CHAMPION)
    sections = [section.title for section in report_sections(model, evaluation, Extras())]
    assert "Hit rate at visit" in sections
