"""The brief's pages in-process: a centre goes straight to its own region's brief, the page
shows the stage in the region's words and offers the workbook, another region is refused."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.serving.support import TestClient
from tests.web.client import main_of, sign_in


def test_a_centre_goes_to_its_own_brief_and_downloads_the_workbook(client: TestClient) -> None:
    sign_in(client, "center", "26")
    chooser = client.get("/web/briefs")
    assert chooser.status_code == 303 and chooser.headers["location"] == "/web/briefs/26"
    page = client.get("/web/briefs/26")
    assert page.status_code == 200, page.text
    main = main_of(page.text)
    assert "지역 브리프" in main and 'data-table="stage_rule"' in main
    assert any(word in main for word in ("안정", "유의", "위험"))
    assert 'data-download="xlsx"' in main and 'data-download="pdf"' in main
    book = client.get("/web/briefs/26/brief.xlsx")
    assert book.status_code == 200 and book.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert "stage" in load_workbook(io.BytesIO(book.content)).sheetnames
    assert client.get("/web/briefs/11").status_code == 403
    assert client.get("/web/briefs/11/brief.xlsx").status_code == 403


def test_an_analyst_chooses_a_region_and_reads_it_in_english(client: TestClient) -> None:
    sign_in(client, "analyst", None)
    chooser = client.get("/web/briefs")
    assert chooser.status_code == 200 and 'href="/web/briefs/26"' in chooser.text
    page = client.get("/web/briefs/26?lang=en")
    assert page.status_code == 200
    assert "Regional brief" in main_of(page.text) and "The stage rule" in page.text
    wrong = client.get("/web/briefs/26?as_of=1999-06-30")  # pages answer bad input with 400
    assert wrong.status_code == 400 and "stored as-of date" in main_of(wrong.text)


def test_the_pdf_download_says_why_without_chromium(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EWS_CHROMIUM", "/nonexistent/chromium")
    sign_in(client, "center", "26")
    response = client.get("/web/briefs/26/brief.pdf")
    assert response.status_code == 503
    main = main_of(response.text)
    assert "PDF를 만들 수 없습니다" in main and "Chromium is not installed" in main
