"""A live app on the small serving-test world, centre and analyst keys, and headless Chromium.

Browser tests are skipped (with the reason) only where Debian's Chromium is not installed;
CI installs it (``apt-get install -y chromium``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI

from core.bundle import LoadedModel
from core.settings import Settings
from features.tables import RawTables
from serving.access.keys import create_key
from serving.app import create_app
from tests.serving.conftest import bundle_dir, loaded, panel
from tests.serving.support import TestClient
from tests.web import live

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["bundle_dir", "loaded", "panel"]  # the serving tests' world, reused


def _app(folder: Path, panel: RawTables, loaded: LoadedModel) -> FastAPI:
    settings = Settings(
        database_url=f"sqlite:///{folder / 'service.db'}",
        models_dir=folder,
        data_dir=folder / "data",
    )
    return create_app(settings, model=("1", loaded), tables=panel)


@pytest.fixture(scope="session")
def web_app(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> FastAPI:
    """The app behind the live server the browser talks to."""
    return _app(tmp_path_factory.mktemp("web"), panel, loaded)


@pytest.fixture(scope="session")
def client_app(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> FastAPI:
    """A second app for in-process TestClient checks (its own database and lifespan)."""
    return _app(tmp_path_factory.mktemp("web-client"), panel, loaded)


@pytest.fixture(scope="session")
def base_url(web_app: FastAPI) -> Iterator[str]:
    with live.serve(web_app) as base:
        yield base


@pytest.fixture(scope="session")
def web_keys(web_app: FastAPI, base_url: str) -> dict[str, str]:
    """Keys issued after start-up (the schema exists then)."""
    engine = web_app.state.engine
    return {
        "center26": create_key(engine, "center", "26"),
        "center11": create_key(engine, "center", "11"),
        "analyst": create_key(engine, "analyst"),
    }


@pytest.fixture(scope="session")
def client(client_app: FastAPI) -> Iterator[TestClient]:
    """In-process requests to the second app; redirects are left for the test to read."""
    with TestClient(client_app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not live.CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Debian's Chromium at {live.CHROMIUM} (apt-get install -y chromium)"
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a loaded CI machine renders a firm page in seconds
    with sync_playwright() as playwright:
        chromium = live.launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) at desktop width."""
    context = browser.new_context(viewport=live.DESKTOP, locale="ko-KR")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
