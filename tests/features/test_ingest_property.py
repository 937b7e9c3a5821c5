"""Ingestion loses nothing: repeatable events and visits keep every distinct source row, the
report's numbers add up against the stored table, and a failed write leaves the old table."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features.ingestion import ingest, parse_mapping

EVENTS = parse_mapping(
    {
        "tables": {
            "events": {
                "unit": "원",
                "columns": {
                    "firm_id": "사업자등록번호",
                    "event_date": "발생일",
                    "amount": "금액",
                    "event_type": {
                        "from": "구분",
                        "codes": {"국세체납": "tax_arrears", "대출연체30일": "loan_delinquency_30"},
                    },
                },
            }
        }
    }
)
VISITS = parse_mapping(
    {
        "tables": {
            "visits": {
                "columns": {"firm_id": "사업자등록번호", "visited_on": "방문일", "note": "메모"}
            }
        }
    }
)
FIRMS = ("1234567891", "2345678904")


def _stored_events(raw: Path) -> pd.DataFrame:
    """A stored table as the demo generator writes it: two arrears of one firm on one day."""
    events = pd.DataFrame(
        {
            "firm_id": ["1234567891", "1234567891", "1234567891", "2345678904"],
            "event_date": pd.to_datetime(["2022-05-01", "2022-05-01", "2022-06-01", "2022-05-01"]),
            "event_type": ["tax_arrears", "tax_arrears", "loan_delinquency_30", "tax_arrears"],
            "amount": [1000.0, 1000.0, 50.0, 7.0],
        }
    )
    raw.mkdir(parents=True)
    events.to_parquet(raw / "events.parquet", index=False)
    return events


def _twenty_events(path: Path) -> Path:
    """16 good events (a few on days that already hold stored arrears) and 4 bad ones."""
    good = pd.DataFrame(
        {
            "사업자등록번호": [FIRMS[i % 2] for i in range(16)],
            "발생일": [f"2023-01-{1 + i // 4:02d}" for i in range(16)],
            "구분": ["국세체납"] * 16,
            "금액": [f"{(i + 1) * 1000}" for i in range(16)],
        }
    )
    good.loc[0, ["사업자등록번호", "발생일", "금액"]] = [
        "1234567891",
        "2022-05-01",
        "3000",
    ]  # same day
    bad = pd.DataFrame(
        {
            "사업자등록번호": ["12-345", "1234567891", "1234567891", ""],
            "발생일": ["2023-02-01", "not a date", "2023-02-01", "2023-02-01"],
            "구분": ["국세체납", "국세체납", "모름", "국세체납"],
            "금액": ["1"] * 4,
        }
    )
    pd.concat([good, bad], ignore_index=True).to_csv(path, index=False)
    return path


def test_ingesting_events_keeps_two_arrears_on_one_day_and_the_counts_add_up(
    tmp_path: Path,
) -> None:
    """Issue 12, finding 1: existing events sharing (firm, date, type) were merged away."""
    raw = tmp_path / "raw"
    before = _stored_events(raw)
    (report,) = ingest(_twenty_events(tmp_path / "events.csv"), EVENTS, raw)
    assert (report.accepted, report.quarantined) == (16, 4)
    stored = pd.read_parquet(raw / "events.parquet")
    assert len(stored) == len(before) + 16
    written = report.written
    assert written is not None
    assert (written.before, written.new, written.updated, written.total) == (4, 16, 0, 20)
    assert written.total == written.before + written.new
    arrears = stored[(stored["firm_id"] == "1234567891") & (stored["event_date"] == "2022-05-01")]
    assert sorted(arrears["amount"]) == [3.0, 1000.0, 1000.0]  # 3,000 원 = 3 천원
    (again,) = ingest(tmp_path / "events.csv", EVENTS, raw)
    assert again.written is not None
    assert (again.written.before, again.written.new, again.written.unchanged) == (20, 0, 16)
    assert len(pd.read_parquet(raw / "events.parquet")) == 20


def test_identical_rows_in_one_source_stay_two_and_a_reingest_adds_nothing(
    tmp_path: Path,
) -> None:
    source = pd.DataFrame(
        {"사업자등록번호": [FIRMS[0]] * 3, "발생일": ["2022-05-01"] * 3, "구분": ["국세체납"] * 3}
    )
    source["금액"] = ["1000", "1000", "2000"]
    source.to_csv(tmp_path / "a.csv", index=False)
    for _ in range(2):
        (report,) = ingest(tmp_path / "a.csv", EVENTS, tmp_path / "raw")
    assert report.written is not None
    assert (report.written.new, report.written.unchanged, report.written.total) == (0, 3, 3)
    assert sorted(pd.read_parquet(tmp_path / "raw" / "events.parquet")["amount"]) == [1, 1, 2]


def test_two_visits_on_one_day_both_survive(tmp_path: Path) -> None:
    visits = pd.DataFrame(
        {
            "사업자등록번호": [FIRMS[0]] * 2,
            "방문일": ["2022-05-01"] * 2,
            "메모": ["오전 상담", "오후 현장"],
        }
    )
    visits.to_csv(tmp_path / "visits.csv", index=False)
    ingest(tmp_path / "visits.csv", VISITS, tmp_path / "raw")
    (report,) = ingest(tmp_path / "visits.csv", VISITS, tmp_path / "raw")
    stored = pd.read_parquet(tmp_path / "raw" / "visits.parquet")
    assert sorted(stored["note"]) == ["오전 상담", "오후 현장"]
    assert report.written is not None and (report.written.new, report.written.total) == (0, 2)


def test_a_failed_write_leaves_the_previous_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "raw"
    before = _stored_events(raw)

    def crash(self: pd.DataFrame, path: Path, **kwargs: object) -> None:
        Path(path).write_bytes(b"half a parquet file")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crash)
    with pytest.raises(OSError, match="disk full"):
        ingest(_twenty_events(tmp_path / "events.csv"), EVENTS, raw)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(pd.read_parquet(raw / "events.parquet"), before)
    assert sorted(p.name for p in raw.iterdir()) == ["events.parquet"]  # no temp file left


def test_the_cli_report_adds_up(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    raw = tmp_path / "raw"
    _stored_events(raw)
    mapping = Path(__file__).resolve().parents[2] / "mappings" / "korean_events.yaml"
    source = _twenty_events(tmp_path / "events.csv")
    result = CliRunner().invoke(
        app, ["ingest", str(source), "--mapping", str(mapping), "--out", str(raw)]
    )
    assert result.exit_code == 0, result.output
    assert "stored 4 + 16 new = 20" in result.output


_ROW = st.tuples(
    st.sampled_from(FIRMS),
    st.sampled_from(("2022-05-01", "2022-05-02")),
    st.sampled_from(("국세체납", "대출연체30일")),
    st.sampled_from(("", "1000", "2000")),
)
_SOURCES = st.lists(st.lists(_ROW, max_size=6), min_size=1, max_size=3)


def _distinct(rows: list[tuple[str, str, str, str]]) -> Counter[tuple[str, str, str, str]]:
    """A source's rows as stored (amount in 천원), each identical row counted."""
    return Counter((f, d, t, str(float(a) / 1000 if a else float("nan"))) for f, d, t, a in rows)


def _read(raw: Path) -> Counter[tuple[str, str, str, str]]:
    stored = pd.read_parquet(raw / "events.parquet")
    types = {"tax_arrears": "국세체납", "loan_delinquency_30": "대출연체30일"}
    return Counter(
        (r.firm_id, r.event_date.strftime("%Y-%m-%d"), types[r.event_type], str(float(r.amount)))
        for r in stored.itertuples()
    )


@pytest.mark.slow  # 30 generated ingest sequences (~3.4 s)
@settings(max_examples=30, deadline=None)
@given(sources=_SOURCES, order=st.lists(st.integers(0, 2), min_size=1, max_size=6))
def test_random_sources_in_any_order_never_lose_or_duplicate_a_row(
    sources: list[list[tuple[str, str, str, str]]], order: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "raw"
        expected: Counter[tuple[str, str, str, str]] = Counter()
        for step in order:
            rows = sources[step % len(sources)]
            path = Path(folder) / f"source{step % len(sources)}.csv"
            pd.DataFrame(rows, columns=["사업자등록번호", "발생일", "구분", "금액"]).to_csv(
                path, index=False
            )
            (report,) = ingest(path, EVENTS, raw)
            expected |= _distinct(rows)  # union by identity: the most of each row
            if report.written is None:
                assert not rows
                continue
            written = report.written
            assert written.total == written.before + written.new
            assert written.new + written.unchanged == len(rows)
            assert _read(raw) == expected
