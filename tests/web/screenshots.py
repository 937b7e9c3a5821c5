"""Regenerate the staff-page screenshots in docs/screenshots from the demo world.

    make run                     # once: the demo data, a champion model (data/, models/)
    python -m tests.web.screenshots --out docs/screenshots

Reads the world the environment points at (``EWS_DATA_DIR``, ``EWS_MODELS_DIR``) and serves it
on a throw-away service database, so no account, key, case or audit row lands in the real one.
The casework shots need a history, so the script makes one as staff would: named 부산 staff take
cases, record a call and a visit with a programme, set follow-up dates and refer a firm to a
partner; the partner, an admin and an analyst then sign in to their own pages. Desktop width and
Korean unless the name says otherwise (``-tablet``, ``-en``).

'이번 달 변화' and the digest (changes.png, digest.png) come from ``tests.web.screenshots_changes``
on a world built to fill every section; the demo's own month-ends rarely do.

Needs Debian's Chromium (``/usr/bin/chromium``) and the ``playwright`` package (no browser
download).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from core import clock
from core.settings import Settings
from serving.access.keys import create_key
from serving.access.people import create_user, create_user_key
from serving.app import create_app
from serving.store.tables import User
from tests.web import live

SLOW_MS = 300_000  # the first brief scores six dates; a scenario re-scores the region
PARTNER = "중진공"


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    role: str
    region: str | None = None
    organisation: str | None = None
    password: str = "screenshot-demo-2026"


@dataclass(frozen=True)
class Ids:
    """Where the shots go, the centre shown, the shared keys and the firms worked on."""

    out: Path
    region: str
    keys: dict[str, str]
    firms: list[str]


def staff(region: str) -> dict[str, Person]:
    """The demo's named people: two centre staff, a partner (an agency), an admin."""
    return {
        "seo": Person(f"centre{region}-seo", "서지우", "center", region),
        "park": Person(f"centre{region}-park", "박하은", "center", region),
        "partner": Person("kosme-kim", "김도윤", "partner", organisation=PARTNER),
        "admin": Person("hq-admin", "최관리", "admin"),
    }


def add_people(engine: Engine, people: dict[str, Person]) -> str:
    for person in people.values():
        capacity = 12 if person.role == "center" else None  # open cases a centre person carries
        user, _ = create_user(
            engine,
            person.username,
            person.name,
            person.role,
            person.region,
            capacity,
            person.password,
        )
        if person.organisation is not None:
            # people.create_user takes no organisation (nor do `ews users create` and the admin
            # page); a partner's is set on its row, as the referral tests' staff_key does.
            with Session(engine) as session, session.begin():
                session.execute(
                    update(User).where(User.id == user.id).values(organisation=person.organisation)
                )
    # 서지우's own API key: listed on the admin keys page, and it sends the referral.
    return create_user_key(engine, people["seo"].username, "엑셀 연동")[0]


def pick_firms(page: Page, base: str, region: str, fallback: str) -> list[str]:
    """The first firms on the region's watch list (``fallback`` when the list shows none)."""
    page.goto(f"{base}/web/regions/{region}/watchlist")
    links = page.locator("table.watchlist tbody a[href^='/web/firms/']")
    found = [
        match.group(1)
        for href in (links.nth(i).get_attribute("href") for i in range(min(links.count(), 5)))
        if (match := re.search(r"/web/firms/([^/?#]+)$", href or ""))
    ]
    return found or [fallback]


def most_leveraged(app: FastAPI, region: str) -> str:
    snapshot, _ = app.state.service.current()
    features = snapshot.features
    mine = features[features["region"].astype(str) == region]
    return str(mine.sort_values("debt_ratio", ascending=False)["firm_id"].iloc[0])


def shoot(page: Page, out: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=out / f"{name}.png", full_page=True)
    print(out / f"{name}.png")


def shoot_part(part: Locator, out: Path, name: str) -> None:
    """One section of a page (the firm page is long; its panels read better on their own)."""
    part.scroll_into_view_if_needed()
    part.screenshot(path=out / f"{name}.png")
    print(out / f"{name}.png")


def signed_in(browser: Browser, base: str, person: Person, next_path: str) -> Page:
    """A fresh desktop context, signed in with the person's username and password."""
    context = browser.new_context(viewport=live.DESKTOP, locale="ko-KR")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(SLOW_MS)
    page.goto(f"{base}/web/sign-in?next={quote(next_path, safe='')}")
    page.locator("#username").fill(person.username)
    page.locator("#password").fill(person.password)
    page.locator("#password").press("Enter")
    page.wait_for_load_state()
    if "/web/sign-in" in page.url:
        raise RuntimeError(f"{person.username} could not sign in: {page.url}")
    return page


def record(page: Page, contact: str, finding: str, programme: str = "", **extra: str) -> None:
    """Fill the visit form (not sent); ``extra``: amount, outcome, note."""
    page.locator("#visited_on").fill(clock.seoul_today().isoformat())
    page.locator("#contact_type").select_option(contact)
    page.locator("#finding").select_option(finding)
    if "outcome" in extra:
        page.locator("#outcome").select_option(extra["outcome"])
    page.locator("#programme").fill(programme)
    page.locator("#amount").fill(extra.get("amount", ""))
    page.locator("#note").fill(extra.get("note", ""))


def send_record(page: Page) -> None:
    page.locator("form.visit-form[action$='/visits'] button[type=submit]").click()
    expect(page.get_by_role("status").first).to_be_visible()


def follow_up(page: Page, days: int, note: str) -> str:
    due = (clock.seoul_today() + dt.timedelta(days=days)).isoformat()
    page.locator("#case_next").fill(due)
    page.locator("#case_note").fill(note)
    page.get_by_test_id("case-save").click()
    expect(page.get_by_test_id("case-next")).to_contain_text(due)
    return due


def casework(page: Page, base: str, firm_id: str, ids_key: str, out: Path) -> None:
    """서지우 takes the case, calls, visits with a programme, sets the next date, refers the
    firm to the partner: the firm page's case, visit and help panels."""
    page.goto(f"{base}/web/firms/{firm_id}")
    page.get_by_test_id("case-take").click()
    expect(page.get_by_test_id("case-owner")).to_contain_text("서지우")
    record(page, "phone", "crisis_confirmed", note="대표 통화. 원자재 대금 결제 지연, 방문 약속.")
    send_record(page)
    record(
        page,
        "visit",
        "supported",
        "중진공 긴급경영안정자금",
        amount="50000",
        outcome="applied",
        note="대표 면담. 운전자금 애로, 긴급경영안정자금 신청 안내.",
    )
    page.locator("#note").blur()  # no focus ring in the shot
    shoot_part(page.locator("#visits"), out, "visit-form")
    send_record(page)
    follow_up(page, 14, "자금 신청 서류 보완 후 재방문")
    shoot_part(page.get_by_test_id("case"), out, "firm-case")
    shoot_part(page.get_by_test_id("help"), out, "firm-help")
    refer(page, base, firm_id, ids_key)
    page.goto(f"{base}/web/firms/{firm_id}")
    shoot(page, out, "firm")


def refer(page: Page, base: str, firm_id: str, key: str) -> None:
    """Refer the firm to the partner with 서지우's own API key (the firm page's referral form
    does the same; the API keeps the script short)."""
    body = {
        "partner": PARTNER,
        "programme": "kosme_emergency",
        "note": "매출 급감·원자재 대금 지연. 운전자금 5천만 원 신청 예정.",
    }
    url = f"{base}/v1/firms/{firm_id}/referrals"
    sent = page.request.post(url, headers={"X-API-Key": key}, data=body)
    if sent.status != 201:
        raise RuntimeError(f"referral refused: {sent.status} {sent.text()}")


def centre_pages(browser: Browser, base: str, people: dict[str, Person], ids: Ids) -> None:
    out, region = ids.out, ids.region
    page = signed_in(browser, base, people["seo"], f"/web/regions/{region}/watchlist")
    page.locator("#capacity").fill("15")
    page.locator("form.filters button[type=submit]").click()
    shoot(page, out, "watchlist")
    casework(page, base, ids.firms[0], ids.keys["seo"], out)
    page.locator("a[href$='/print']").first.click()
    page.emulate_media(media="print")
    shoot(page, out, "print")
    page.emulate_media(media="screen")
    page.goto(f"{base}/web/regions/{region}")
    shoot(page, out, "region")
    page.goto(f"{base}/web/briefs/{region}")
    expect(page.get_by_test_id("stage")).to_be_visible()
    shoot(page, out, "brief")
    scenarios(page, base, region, out)
    page.goto(f"{base}/web/firms/{ids.firms[0]}?lang=en")  # English from here on: last
    shoot(page, out, "firm-en")
    page.context.close()

    # A second person's case, so the list and the workload table show two owners.
    page = signed_in(browser, base, people["park"], f"/web/firms/{ids.firms[1]}")
    page.get_by_test_id("case-take").click()
    record(page, "phone", "no_crisis", outcome="not_reached", note="대표 부재, 재통화 예정.")
    send_record(page)
    follow_up(page, 3, "다음 주 재통화")
    page.context.close()

    page = signed_in(
        browser, base, people["seo"], f"/web/regions/{region}/watchlist?sort=due&capacity=15"
    )
    shoot(page, out, "case-watchlist")
    page.context.close()


def scenarios(page: Page, base: str, region: str, out: Path) -> None:
    page.goto(f"{base}/web/scenarios")
    page.locator("#file").select_option("rate_200bp.yaml")
    page.locator("#region").select_option(region)
    page.locator("form.scenario-form button[type=submit]").click()
    page.wait_for_url("**/web/scenarios/runs/**")
    shoot(page, out, "scenario-result")
    page.goto(f"{base}/web/scenarios")
    page.locator("#type").select_option("revenue")
    page.locator("#size").fill("-15")
    page.locator("#region").select_option(region)
    shoot(page, out, "scenarios")


def other_pages(browser: Browser, base: str, people: dict[str, Person], ids: Ids) -> None:
    out = ids.out
    page = signed_in(browser, base, people["partner"], "/web/partners")
    expect(page.get_by_test_id("referrals")).to_contain_text(ids.firms[0])
    shoot(page, out, "partner-inbox")
    page.locator("a[href^='/web/partners/referrals/']").first.click()
    shoot(page, out, "partner-referral")
    page.context.close()

    page = signed_in(browser, base, people["admin"], "/web/admin/users")
    shoot(page, out, "admin-users")
    page.goto(f"{base}/web/admin/keys")
    shoot(page, out, "admin-keys")
    # One person's casework (the firm pages, visits and case changes) reads best.
    page.goto(f"{base}/web/admin/audit?person={people['seo'].username}&action=/firms")
    expect(page.get_by_test_id("audit")).to_be_visible()
    shoot(page, out, "admin-audit")
    page.context.close()

    tablet: BrowserContext = browser.new_context(viewport=live.TABLET, locale="ko-KR")
    page = tablet.new_page()
    live.sign_in(page, base, ids.keys["center"], f"/web/firms/{ids.firms[0]}")
    shoot(page, out, "firm-tablet")
    page.goto(f"{base}/web/regions/{ids.region}/watchlist?capacity=10")
    shoot(page, out, "watchlist-tablet")
    tablet.close()

    analyst = browser.new_context(viewport=live.DESKTOP, locale="ko-KR")
    page = analyst.new_page()
    live.sign_in(page, base, ids.keys["analyst"], "/web/regions")
    shoot(page, out, "regions")
    page.goto(f"{base}/web/national")
    expect(page.get_by_test_id("national")).to_be_visible()
    shoot(page, out, "national")
    analyst.close()


def capture(app: FastAPI, base: str, region: str, out: Path) -> None:
    engine = app.state.engine
    people = staff(region)
    keys = {
        "seo": add_people(engine, people),
        "center": create_key(engine, "center", region),
        "analyst": create_key(engine, "analyst"),
    }
    expect.set_options(timeout=60_000)  # a loaded machine renders a firm page in seconds
    with sync_playwright() as playwright:
        browser = live.launch(playwright)
        page = browser.new_page(viewport=live.DESKTOP, locale="ko-KR")
        page.goto(f"{base}/web/sign-in")
        shoot(page, out, "sign-in")
        live.sign_in(page, base, keys["center"])
        firms = pick_firms(page, base, region, most_leveraged(app, region))
        page.context.close()
        if len(firms) < 2:
            raise RuntimeError(f"the {region} watch list shows {len(firms)} firms; need two")
        ids = Ids(out, region, keys, firms)
        centre_pages(browser, base, people, ids)
        other_pages(browser, base, people, ids)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--region", default="26", help="시도 code of the centre shown (26 부산)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(database_url=f"sqlite:///{Path(scratch) / 'service.db'}")
        app = create_app(settings)
        with live.serve(app, timeout_s=300) as base:
            capture(app, base, args.region, args.out)


if __name__ == "__main__":
    main()
