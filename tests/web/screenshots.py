"""Regenerate the staff-page screenshots in docs/screenshots from the demo world.

    make run                     # once: the demo data, a champion model (data/, models/)
    python -m tests.web.screenshots --out docs/screenshots

Reads the world the environment points at (``EWS_DATA_DIR``, ``EWS_MODELS_DIR``) and serves it
on a throw-away service database, so no key or audit row lands in the real one. Needs
Debian's Chromium (``/usr/bin/chromium``) and the ``playwright`` package (no browser download).
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, sync_playwright

from core.settings import Settings
from serving.access.keys import create_key
from serving.app import create_app
from tests.web import live


def pick_firm(page: Page, base: str, region: str, fallback: str) -> str:
    """The first firm on the region's watch list (``fallback`` when the list shows none)."""
    page.goto(f"{base}/web/regions/{region}/watchlist")
    links = page.locator("table.watchlist a[href^='/web/firms/']")
    href = links.first.get_attribute("href") if links.count() else None
    match = re.search(r"/web/firms/(\d{10})", href or "")
    return match.group(1) if match else fallback


def most_leveraged(app: FastAPI, region: str) -> str:
    snapshot, _ = app.state.service.current()
    features = snapshot.features
    mine = features[features["region"].astype(str) == region]
    return str(mine.sort_values("debt_ratio", ascending=False)["firm_id"].iloc[0])


def shoot(page: Page, out: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=out / f"{name}.png", full_page=True)
    print(out / f"{name}.png")


def capture(base: str, keys: dict[str, str], region: str, fallback: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = live.launch(playwright)
        desktop = browser.new_context(viewport=live.DESKTOP, locale="ko-KR")
        page = desktop.new_page()
        page.goto(f"{base}/web/sign-in")
        shoot(page, out, "sign-in")
        live.sign_in(page, base, keys["center"])
        page.locator("#capacity").fill("15")
        page.locator("form.filters button[type=submit]").click()
        shoot(page, out, "watchlist")
        firm_id = pick_firm(page, base, region, fallback)
        page.goto(f"{base}/web/firms/{firm_id}")
        if page.locator("form.visit-form").count():
            page.locator("#visited_on").fill("2026-07-08")
            page.locator("#finding").select_option("supported")
            page.locator("#note").fill("대표 면담. 운전자금 애로, 정책자금 연계 안내.")
            page.locator("form.visit-form button[type=submit]").click()
            page.wait_for_load_state()
        shoot(page, out, "firm")
        page.locator("a[href$='/print']").first.click()
        page.emulate_media(media="print")
        shoot(page, out, "print")
        page.emulate_media(media="screen")
        page.goto(f"{base}/web/regions/{region}")
        shoot(page, out, "region")
        page.goto(f"{base}/web/firms/{firm_id}?lang=en")
        shoot(page, out, "firm-en")
        desktop.close()

        tablet = browser.new_context(viewport=live.TABLET, locale="ko-KR")
        page = tablet.new_page()
        live.sign_in(page, base, keys["center"], f"/web/firms/{firm_id}")
        shoot(page, out, "firm-tablet")
        page.goto(f"{base}/web/regions/{region}/watchlist?capacity=10")
        shoot(page, out, "watchlist-tablet")
        tablet.close()

        analyst = browser.new_context(viewport=live.DESKTOP, locale="ko-KR")
        page = analyst.new_page()
        live.sign_in(page, base, keys["analyst"], "/web/regions")
        shoot(page, out, "regions")
        analyst.close()
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
            engine = app.state.engine
            keys = {
                "center": create_key(engine, "center", args.region),
                "analyst": create_key(engine, "analyst"),
            }
            capture(base, keys, args.region, most_leveraged(app, args.region), args.out)


if __name__ == "__main__":
    main()
