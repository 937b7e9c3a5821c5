"""The firm page's "what would help" panel: the grade's action and KOSME stage, what lowers
the grade and the programmes that fit, in Korean first and in English;
nothing of it for another region's firm."""

from __future__ import annotations

import numpy as np

from scoring.actions import action_for, kosme_stage
from tests.serving.support import TestClient
from tests.web.client import main_of, sign_in


def _by_pd(client: TestClient, region: str) -> list[tuple[str, str]]:
    """The region's rated firms and grades, highest PD first."""
    snapshot, champion = client.app.state.service.current()  # type: ignore[attr-defined]
    ids = snapshot.features["firm_id"].astype("string").to_numpy()
    rated = champion.latest.standing.rated
    pd_ = np.where(rated, champion.latest.pd, -1.0)
    table = champion.model.bundle.grade_table
    return [
        (str(ids[i]), table.grade(float(pd_[i])))
        for i in np.argsort(-pd_)
        if rated[i] and snapshot.regions[str(ids[i])] == region
    ]


def test_the_firm_page_shows_action_stage_proposals_and_programmes(client: TestClient) -> None:
    sign_in(client, "center", "26")
    firm_id, grade = _by_pd(client, "26")[0]
    html = main_of(client.get(f"/web/firms/{firm_id}").text)
    assert 'data-testid="help"' in html and "지원 방안" in html
    assert action_for(grade)[0] in html
    stage = kosme_stage(grade)
    assert (stage or "해당 없음") in html
    assert 'data-testid="help-target"' in html and "등급을 낮추는 변화" in html
    assert 'data-testid="help-programme"' in html and "맞는 이유" in html
    english = main_of(client.get(f"/web/firms/{firm_id}?lang=en").text)
    assert action_for(grade)[1] in english and "What lowers the grade" in english
    client.get(f"/web/firms/{firm_id}?lang=ko")  # the language choice is a cookie: reset it


def test_another_regions_firm_shows_no_help(client: TestClient) -> None:
    sign_in(client, "center", "26")
    firm_id, _ = _by_pd(client, "11")[0]
    response = client.get(f"/web/firms/{firm_id}")
    assert response.status_code == 403 and 'data-testid="help"' not in response.text


def test_the_regions_own_programme_is_marked_on_the_panel(client: TestClient) -> None:
    """A 부산 firm offered 부산's own fund sees it marked 지역 사업; national ones are not."""
    sign_in(client, "center", "26")
    below = [firm_id for firm_id, grade in _by_pd(client, "26") if grade in ("주의", "경계")]
    for firm_id in below[:30]:  # the Busan fund is for 관심–경계, for liquidity or debt needs
        html = main_of(client.get(f"/web/firms/{firm_id}").text)
        if "부산광역시 중소기업육성자금" in html:
            break
    else:
        raise AssertionError("no 부산 firm at 주의 or 경계 was offered the city's fund")
    assert html.count('data-testid="help-region-programme"') == 1 and "지역 사업" in html
