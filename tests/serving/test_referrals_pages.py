"""The One-Team pages: a partner's inbox and decision form, the referral form from a firm, the
firm page's chain (on the firm page, and its template alone) and the national page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from core import clock
from core.bundle import LoadedModel
from features.tables import RawTables
from serving.access.keys import find_key
from serving.access.sessions import COOKIE, open_session, resolve
from serving.schemas.referrals import ReferralOut
from serving.web.render import TEMPLATES, helpers
from tests.serving.partners_world import one_team_app, staff_key
from tests.serving.support import FIRM_26, TestClient, auth

NOTE = "거래처 도산으로 운전자금 부족"


class Browser:
    """A signed-in page session for one key: its cookie and CSRF token."""

    def __init__(self, client: TestClient, key: str) -> None:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        row = find_key(engine, key)
        assert row is not None
        with Session(engine) as db:
            token = open_session(db, row)
            signed = resolve(db, token)
        assert signed is not None
        self.client, self.csrf, self.cookie = client, signed.csrf, {"Cookie": f"{COOKIE}={token}"}

    def get(self, path: str) -> object:
        return self.client.get(path, headers=self.cookie, follow_redirects=False)

    def post(self, path: str, form: dict[str, str]) -> object:
        data = {**form, "csrf": self.csrf}
        return self.client.post(path, data=data, headers=self.cookie, follow_redirects=False)


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = one_team_app(tmp_path_factory.mktemp("partner-pages"), panel, loaded)
    with TestClient(app) as client:
        engine = app.state.engine
        keys = {
            "center26": staff_key(engine, "center", "26", name="김부산"),
            "kosme": staff_key(engine, "partner", organisation="중진공"),
            "no_org": staff_key(engine, "partner"),
            "office26": staff_key(engine, "office", "26"),
            "analyst": staff_key(engine, "analyst"),
        }
        yield client, keys


def _refer_on_the_page(client: TestClient, key: str) -> str:
    centre = Browser(client, key)
    form = {"partner": "중진공", "programme": "kosme_emergency", "note": NOTE}
    sent = centre.post(f"/web/firms/{FIRM_26}/referrals", form)
    assert sent.status_code == 303, sent.text  # type: ignore[attr-defined]
    assert sent.headers["location"] == f"/web/firms/{FIRM_26}?referred=1#referrals"  # type: ignore[attr-defined]
    made = client.get(f"/v1/firms/{FIRM_26}/referrals", headers=auth(key)).json()
    return str(made[0]["referral_id"])


def test_a_partner_answers_a_referral_on_its_pages(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    referral_id = _refer_on_the_page(client, keys["center26"])
    partner = Browser(client, keys["kosme"])
    inbox = partner.get("/web/partners")
    assert inbox.status_code == 200  # type: ignore[attr-defined]
    html = inbox.text  # type: ignore[attr-defined]
    assert NOTE in html and FIRM_26 in html and "중진공" in html
    assert "부실 확률" not in html and "경보 단계" not in html  # no risk figures for a partner

    page = f"/web/partners/referrals/{referral_id}"
    form = {"status": "approved", "decided_on": clock.seoul_today().isoformat(), "amount": "x"}
    refused = partner.post(f"{page}/decision", form)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert 'id="amount_error"' in refused.text  # type: ignore[attr-defined]
    saved = partner.post(f"{page}/decision", {**form, "amount": "150,000", "note": "승인"})
    assert saved.status_code == 303  # type: ignore[attr-defined]
    shown = partner.get(saved.headers["location"]).text  # type: ignore[attr-defined]
    assert re.search(r'data-testid="status">지원 확정<', shown) and "150,000" in shown


def test_the_centre_reads_the_answer_but_does_not_record_it(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    referral_id = _refer_on_the_page(client, keys["center26"])
    centre = Browser(client, keys["center26"])
    page = centre.get(f"/web/partners/referrals/{referral_id}")
    assert page.status_code == 200 and '<form method="post"' not in page.text  # type: ignore[attr-defined]
    form = {"status": "approved", "decided_on": clock.seoul_today().isoformat()}
    refused = centre.post(f"/web/partners/referrals/{referral_id}/decision", form)
    assert refused.status_code == 403  # type: ignore[attr-defined]


def test_a_bad_referral_form_comes_back_with_the_field(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    centre = Browser(client, keys["center26"])
    sent = centre.post(f"/web/firms/{FIRM_26}/referrals", {"partner": "없는기관", "note": NOTE})
    assert sent.status_code == 422  # type: ignore[attr-defined]
    assert 'id="referral_partner_error"' in sent.text and NOTE in sent.text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "path", "status"),
    [
        ("kosme", f"/web/firms/{FIRM_26}", 403),
        ("kosme", "/web/national", 403),
        ("kosme", "/web/regions/26/watchlist", 403),
        ("office26", "/web/partners", 403),
        ("office26", f"/web/firms/{FIRM_26}", 403),
        ("office26", "/web/national", 200),
        ("no_org", "/web/partners", 200),
    ],
)
def test_who_opens_which_one_team_page(
    world: tuple[TestClient, dict[str, str]], name: str, path: str, status: int
) -> None:
    client, keys = world
    answer = Browser(client, keys[name]).get(path)
    assert answer.status_code == status  # type: ignore[attr-defined]
    if status == 403:  # the refusal page shows no risk figure of the firm
        assert "부실 확률" not in answer.text  # type: ignore[attr-defined]


def test_the_office_sees_its_own_row_of_the_national_page(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    html = Browser(client, keys["office26"]).get("/web/national").text  # type: ignore[attr-defined]
    assert 'id="months-26"' in html and 'id="months-11"' not in html
    everyone = Browser(client, keys["analyst"]).get("/web/national").text  # type: ignore[attr-defined]
    assert 'id="months-26"' in everyone and 'id="months-11"' in everyone


def test_a_partner_without_an_organisation_is_told_why_it_sees_nothing(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    html = Browser(client, keys["no_org"]).get("/web/partners").text  # type: ignore[attr-defined]
    assert "소속 기관이 지정되지 않아" in html and 'data-testid="referrals"' not in html


def test_the_firm_pages_chain_lists_referrals_and_offers_the_form(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    _refer_on_the_page(client, keys["center26"])
    made = client.get(f"/v1/firms/{FIRM_26}/referrals", headers=auth(keys["center26"])).json()
    context = {
        **helpers("ko"),
        "csrf": "token",
        "firm_id": FIRM_26,
        "referred": True,
        "referrals": [ReferralOut.model_validate(item) for item in made],
        "may_refer": True,
        "partners": ["중진공"],
    }
    html = TEMPLATES.get_template("_firm_referrals.html").render(context)
    assert 'data-testid="firm-referrals"' in html and "중진공" in html
    assert f'action="/web/firms/{FIRM_26}/referrals"' in html and "연계 의뢰를 보냈습니다" in html
    empty = TEMPLATES.get_template("_firm_referrals.html").render(
        {**context, "referrals": [], "partners": [], "referred": False}
    )
    assert "등록된 협력기관 계정이 없어" in empty and "<form" not in empty


def test_the_firm_page_shows_the_chain_and_the_form(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    _refer_on_the_page(client, keys["center26"])
    page = Browser(client, keys["center26"]).get(f"/web/firms/{FIRM_26}?referred=1")
    assert page.status_code == 200  # type: ignore[attr-defined]
    html = page.text  # type: ignore[attr-defined]
    chain = html.split('data-testid="firm-referrals"', 1)[1].split("</table>", 1)[0]
    assert "중진공" in chain and "김부산" in chain  # who referred it, to whom
    assert f'action="/web/firms/{FIRM_26}/referrals"' in html and "연계 의뢰를 보냈습니다" in html
    analyst = Browser(client, keys["analyst"]).get(f"/web/firms/{FIRM_26}").text  # type: ignore[attr-defined]
    assert 'data-testid="firm-referrals"' in analyst  # analysts read the chain …
    assert f'action="/web/firms/{FIRM_26}/referrals"' not in analyst  # … and refer nothing


def test_the_firm_page_shows_its_chain_and_the_referral_form(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    _refer_on_the_page(client, keys["center26"])
    html = Browser(client, keys["center26"]).get(f"/web/firms/{FIRM_26}?referred=1").text  # type: ignore[attr-defined]
    assert 'data-testid="firm-referrals"' in html and "연계 의뢰를 보냈습니다" in html
    assert f'action="/web/firms/{FIRM_26}/referrals"' in html
    read_only = Browser(client, keys["analyst"]).get(f"/web/firms/{FIRM_26}").text  # type: ignore[attr-defined]
    assert 'data-testid="firm-referrals"' in read_only
    assert f'action="/web/firms/{FIRM_26}/referrals"' not in read_only  # analysts read only


def test_each_role_starts_on_its_own_page_with_its_own_menu(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = world
    starts = {
        "kosme": "/web/partners",
        "office26": "/web/national",
        "center26": "/web/regions/26/watchlist",
    }
    for who, where in starts.items():
        browser = Browser(client, keys[who])
        home = browser.get("/web/")
        assert home.headers["location"] == where, who  # type: ignore[attr-defined]
    partner = Browser(client, keys["kosme"]).get("/web/partners").text  # type: ignore[attr-defined]
    assert 'action="/web/search"' not in partner and "/watchlist" not in partner
    office = Browser(client, keys["office26"])
    region = office.get("/web/regions/26")
    assert region.status_code == 200  # type: ignore[attr-defined]  # its own 시도's figures
    assert 'action="/web/search"' not in region.text  # type: ignore[attr-defined]
    assert office.get("/web/regions/11").status_code == 403  # type: ignore[attr-defined]
    assert office.get("/web/regions/26/watchlist").status_code == 403  # type: ignore[attr-defined]
    summary = client.get("/v1/regions/26/summary", headers=auth(keys["office26"]))
    assert summary.status_code == 200
