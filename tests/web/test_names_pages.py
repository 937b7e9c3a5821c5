"""Names instead of codes on the pages, English pages without Korean in their charts, and the
peer table saying which way is risky."""

from __future__ import annotations

import re

import numpy as np

from scoring import explain
from scoring.explain import PeerRanks
from serving.domain.region_codes import cluster_name, district_name
from serving.schemas import Reason
from serving.web import profile, render
from serving.web.render import TEMPLATES
from tests.serving.support import TestClient
from tests.web.client import main_of, sign_in

HANGUL = re.compile(r"[가-힣]")


def _firm(client: TestClient, region: str = "26") -> str:
    features = client.app.state.service.snapshot.features  # type: ignore[attr-defined]
    return str(features.loc[features["region"] == region, "firm_id"].iloc[0])


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", html, flags=re.S)


def test_english_pages_have_no_korean_in_their_charts(client: TestClient) -> None:
    sign_in(client, "center", "26")
    for path in (f"/web/firms/{_firm(client)}?lang=en", "/web/regions/26?lang=en"):
        html = client.get(path).text
        charts = _svgs(html)
        assert charts, path
        for chart in charts:
            assert not HANGUL.search(chart), (path, HANGUL.findall(chart)[:10], chart[:300])
    client.get("/web/regions/26?lang=ko")  # the language cookie back to Korean


def test_the_firm_page_names_its_district(client: TestClient) -> None:
    sign_in(client, "center", "26")
    firm_id = _firm(client)
    firms = client.app.state.service.snapshot.tables.firms  # type: ignore[attr-defined]
    district = str(firms.loc[firms["firm_id"] == firm_id, "district"].iloc[0])
    main = main_of(client.get(f"/web/firms/{firm_id}").text)
    name = district_name(district)
    assert (name or district) in main


def test_the_peer_table_says_which_way_is_risky(client: TestClient) -> None:
    sign_in(client, "center", "26")
    main = main_of(client.get(f"/web/firms/{_firm(client)}").text)
    assert 'id="peers-title"' in main
    assert "높을수록 위험" in main or "낮을수록 위험" in main


def test_a_peer_row_shared_by_most_peers_shows_no_rank() -> None:
    tied = PeerRanks(np.array([48.3]), np.array([0], dtype=np.int8), np.array([96.7]))
    ranked = PeerRanks(np.array([90.0]), np.array([0], dtype=np.int8), np.array([1.0]))
    for ranks, most in ((tied, True), (ranked, False)):
        (reason,), _ = explain.reasons(("debt_ratio",), np.array([1.2]), ranks, np.array([0.01]))
        (row,) = profile.peer_rows([Reason.of(reason)], "ko")
        assert row.same_as_most is most and row.risky == "high"


def test_pages_write_a_code_as_its_name_and_an_unknown_code_as_itself() -> None:
    template = TEMPLATES.env.from_string(
        '{% from "_grade.html" import coded %}{{ coded(cluster_name(c), c) }}'
    )
    helpers = render.helpers("ko")
    named = template.render(c="26-C01", **helpers)
    assert "부산 녹산국가산업단지" in named and "26-C01" in named
    assert template.render(c="PLANT-7", **helpers).strip() == "PLANT-7"
    english = template.render(c="26-C01", **render.helpers("en"))
    assert "Busan Noksan National Industrial Complex" in english
    assert cluster_name("26-C01") == "부산 녹산국가산업단지"
