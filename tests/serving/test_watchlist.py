"""Watch lists: ranking, filters, capacity, the anti-flapping rule, and, on the demo world, that
the expected crises of the lists match the crises that happened in the out-of-time test year."""

from __future__ import annotations

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from cli import watchlist_check
from core.bundle import fetch_registered
from core.grades import GRADES
from core.settings import get_settings
from scoring.watchlist import Hysteresis, Ranked, WatchQuery, select
from scoring.watchlist_check import check_watchlists, held_out_year, report
from tests.conftest import DemoRun
from tests.serving.support import TestClient, auth


def ranked(pds: dict[str, float]) -> Ranked:
    """Firms ordered by PD, highest first (rows are the positions in that order)."""
    order = sorted(pds, key=lambda f: (-pds[f], f))
    return Ranked(order, np.array([pds[f] for f in order]), np.arange(len(order)))


def listed(selection_of: Ranked, positions: list[int]) -> list[str]:
    return [selection_of.firm_ids[i] for i in positions]


def test_without_a_previous_list_it_is_the_top_k() -> None:
    current = ranked({"a": 0.5, "b": 0.4, "c": 0.3, "d": 0.2})
    chosen = select(current, None, 2)
    assert listed(current, chosen.listed) == ["a", "b"]
    assert chosen.kept == set() and chosen.left == [] and chosen.displaced == 0


def test_a_listed_firm_inside_the_band_keeps_its_place() -> None:
    # K = 4, band = 5: "d" slipped to rank 5 with nearly the same PD and stays; "e" waits.
    previous = ranked({"a": 0.5, "b": 0.4, "c": 0.3, "d": 0.2, "e": 0.1})
    current = ranked({"a": 0.5, "b": 0.4, "c": 0.3, "e": 0.21, "d": 0.2})
    chosen = select(current, previous, 4)
    assert listed(current, chosen.listed) == ["a", "b", "c", "d"]
    assert chosen.kept == {"a", "b", "c", "d"} and chosen.displaced == 1


def test_a_firm_leaves_below_the_band_or_after_a_large_pd_drop() -> None:
    previous = ranked({"a": 0.5, "b": 0.4, "c": 0.3, "d": 0.2, "x": 0.01, "y": 0.01})
    # "c" falls to rank 5 (inside the band of 5) but its PD fell by more than 30%;
    # "d" falls to rank 7, below the band.
    current = ranked({"a": 0.5, "b": 0.4, "x": 0.3, "y": 0.25, "c": 0.2, "z": 0.19, "d": 0.1})
    chosen = select(current, previous, 4)
    assert listed(current, chosen.listed) == ["a", "b", "x", "y"]
    assert dict(chosen.left) == {"c": "pd_drop", "d": "rank"}


def test_a_firm_no_longer_scored_or_filtered_out_leaves_and_says_why() -> None:
    previous = ranked({"a": 0.5, "b": 0.4, "c": 0.3})
    current = ranked({"a": 0.5, "d": 0.1, "e": 0.05})
    chosen = select(current, previous, 3, scored_now={"a", "c", "d", "e"})
    assert dict(chosen.left) == {"b": "not_scored", "c": "filtered"}
    assert listed(current, chosen.listed) == ["a", "d", "e"]


def test_hysteresis_cuts_churn_from_small_pd_changes() -> None:
    rng = np.random.default_rng(3)
    firms = [f"{i:010d}" for i in range(2_000)]
    base = rng.beta(0.5, 20, len(firms))
    previous = ranked(dict(zip(firms, base, strict=True)))
    noisy = base * rng.lognormal(0.0, 0.1, len(firms))  # ±10% noise, no real change
    current = ranked(dict(zip(firms, noisy, strict=True)))
    plain = select(current, previous, 100, rule=Hysteresis(rank_factor=1.0, max_pd_drop=0.0))
    steady = select(current, previous, 100)
    assert len(steady.listed) == len(plain.listed) == 100
    assert len(steady.left) < len(plain.left) / 2


def test_capacity_is_checked() -> None:
    with pytest.raises(ValueError, match="capacity"):
        WatchQuery(capacity=0)


# --- over HTTP ------------------------------------------------------------------------------


def get(service: TestClient, key: str, query: str, region: str = "26") -> dict:  # type: ignore[type-arg]
    response = service.get(f"/v1/regions/{region}/watchlist?{query}", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_list_is_ranked_cut_to_capacity_and_adds_up(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = get(service, keys["center26"], "capacity=7")
    items = body["items"]
    assert len(items) == 7 and [i["rank"] for i in items] == list(range(1, 8))
    assert [i["pd"] for i in items] == sorted((i["pd"] for i in items), reverse=True)
    assert all(int(i["firm_id"]) % 2 == 0 for i in items)  # the panel's 부산 firms
    assert body["expected_crises"] == pytest.approx(sum(i["pd"] for i in items))
    assert body["coverage"] == pytest.approx(
        body["expected_crises"] / body["region_expected_crises"]
    )
    assert 0 < body["coverage"] < 1 and body["n_candidates"] > 7
    sd = np.sqrt(sum(i["pd"] * (1 - i["pd"]) for i in items))
    assert body["expected_crises_sd"] == pytest.approx(sd)


def test_items_carry_three_korean_reasons_flags_and_status(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = get(service, keys["analyst"], "capacity=5")
    assert body["previous_as_of"] < body["as_of"]
    for item in body["items"]:
        assert len(item["reasons"]) == 3
        assert all("부도·폐업 위험" in reason["sentence_ko"] for reason in item["reasons"])
        assert item["status"] in ("new", "kept") and item["grade"] in GRADES
        assert isinstance(item["flags"], list)
        if item["status"] == "kept":
            assert item["previous_pd"] is not None
    assert "1.25" in body["rule"]["text_ko"]


def test_listed_pd_is_the_score_endpoints_pd(service: TestClient, keys: dict[str, str]) -> None:
    top = get(service, keys["analyst"], "capacity=1")["items"][0]
    scored = service.post(
        "/v1/scores?top=3", json={"firm_id": top["firm_id"]}, headers=auth(keys["analyst"])
    ).json()
    assert scored["pd"] == pytest.approx(top["pd"], abs=1e-12)
    assert [r["feature"] for r in scored["reasons"]] == [r["feature"] for r in top["reasons"]]


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("min_grade=주의", lambda i: GRADES.index(i["grade"]) >= GRADES.index("주의")),
        ("min_grade=alert", lambda i: GRADES.index(i["grade"]) >= GRADES.index("경계")),
        ("ksic=56", lambda i: i["ksic"].startswith("56")),
        ("district=26110", lambda i: i["district"] == "26110"),
    ],
)
def test_filters(service: TestClient, keys: dict[str, str], query: str, check: object) -> None:
    body = get(service, keys["analyst"], f"capacity=1000&{query}")
    assert body["items"] and all(check(item) for item in body["items"])  # type: ignore[operator]
    assert body["n_candidates"] == len(body["items"]) and body["coverage"] == pytest.approx(1.0)


def test_a_filter_nothing_passes_gives_an_empty_list(
    service: TestClient, keys: dict[str, str]
) -> None:
    body = get(service, keys["analyst"], "cluster=nowhere")
    assert body["items"] == [] and body["expected_crises"] == 0 and body["coverage"] == 0


@pytest.mark.parametrize(
    "query",
    ["capacity=0", "capacity=1001", "capacity=many", "min_grade=위험", "ksic=5a", "district=261"],
)
def test_bad_parameters_are_422(service: TestClient, keys: dict[str, str], query: str) -> None:
    response = service.get(f"/v1/regions/26/watchlist?{query}", headers=auth(keys["analyst"]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_unknown_region_is_404(service: TestClient, keys: dict[str, str]) -> None:
    response = service.get("/v1/regions/99/watchlist", headers=auth(keys["analyst"]))
    assert response.status_code == 404


# --- the statistical check on the demo world ------------------------------------------------

CAPACITY = 10  # per 시도: about the riskiest 8% of the 2,500-firm demo world


@pytest.mark.slow
def test_expected_crises_match_observed_crises_on_the_test_year(demo_run: DemoRun) -> None:
    """|observed − expected| ≤ 3·√Σp(1−p) + 10%·expected over all 17 lists (module docstring
    of scoring.watchlist_check), and the lists hold far more crises than the world at large."""
    settings = demo_run.settings
    _, model = fetch_registered(settings.tracking_uri, settings.model_name, "champion")
    year = held_out_year(model)
    result = check_watchlists(demo_run.features, model, year, CAPACITY)
    print(report(result))
    assert result.passed, report(result)
    listed = sum(item.labelled for item in result.lists)
    year_rows = demo_run.features[demo_run.features["as_of"].dt.year == year]
    assert result.observed / listed > 2 * year_rows["label"].mean()


@pytest.mark.slow
def test_the_command_prints_the_check_and_exits_by_its_verdict(
    demo_run: DemoRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ews watchlist-check`` (cli/watchlist_check.py) reads the stored features and the
    champion, prints the report and exits 0 on a pass, 1 on a fail."""
    monkeypatch.setenv("EWS_DATA_DIR", str(demo_run.settings.data_dir))
    monkeypatch.setenv("EWS_MODELS_DIR", str(demo_run.settings.models_dir))
    app = typer.Typer()
    app.command()(watchlist_check.check)
    get_settings.cache_clear()
    try:
        passed = CliRunner().invoke(app, ["--capacity", str(CAPACITY)])
        failed = CliRunner().invoke(app, ["--capacity", str(CAPACITY), "--allowance", "0"])
    finally:
        get_settings.cache_clear()
    assert passed.exit_code == 0, passed.output
    assert "PASS" in passed.output and f"capacity {CAPACITY} per 시도" in passed.output
    assert failed.exit_code == (0 if "PASS" in failed.output else 1), failed.output
