"""Screenshots of the scenario page and a result in docs/screenshots, from the world the
environment points at (as ``tests.web.screenshots``; a throw-away service database).

    python -m tests.web.screenshots_scenarios --out docs/screenshots
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from core.settings import Settings
from serving.access.keys import create_key
from serving.app import create_app
from tests.web import live
from tests.web.screenshots import shoot


def capture(base: str, key: str, region: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = live.launch(playwright)
        context = browser.new_context(viewport=live.DESKTOP, locale="ko-KR")
        page = context.new_page()
        live.sign_in(page, base, key, "/web/scenarios")
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
        context.close()
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
            key = create_key(app.state.engine, "center", args.region)
            capture(base, key, args.region, args.out)


if __name__ == "__main__":
    main()
