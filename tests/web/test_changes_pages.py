"""The '이번 달 변화' pages in-process: a centre goes to its own region and sees the new arrears,
the grade rise and the failed firm (in words, in red, with its history link), the digest page
and its CSV; another region is refused; no scores for a month says which command to run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from features.tables import RawTables
from tests.serving.changes_world import MonthIds, month_ids, write_month
from tests.serving.support import TestClient
from tests.web.client import main_of, sign_in


@pytest.fixture(scope="module")
def ids(client_app: FastAPI, panel: RawTables) -> Iterator[MonthIds]:
    """The month's file in the page app's data folder, removed afterwards."""
    found = month_ids(panel)
    path = write_month(client_app.state.settings.data_dir, found)
    yield found
    path.unlink()


def test_a_centre_sees_its_month_with_the_failed_firm_marked_in_words(
    client: TestClient, ids: MonthIds
) -> None:
    sign_in(client, "center", "26")
    chooser = client.get("/web/changes")
    assert chooser.status_code == 303 and chooser.headers["location"] == "/web/changes/26"
    response = client.get("/web/changes/26")
    assert response.status_code == 200, response.text
    main = main_of(response.text)
    assert "이번 달 변화" in main and "2026-11" in main
    assert "4대보험 체납" in main and ids.trigger in main  # the new arrears, in words
    failed = main.split('data-testid="changes-failed"')[1].split("</section>")[0]
    assert ids.failed in failed and "grade-red" in failed and "부도·폐업" in failed
    assert "어음 부도" in failed and "2026-11-12" in failed
    assert f'href="/web/firms/{ids.failed}#history-title"' in failed
    rises = main.split('data-testid="changes-rises"')[1].split("</section>")[0]
    assert ids.rise in rises and ids.seoul not in main
    assert 'href="/web/changes/26/digest?month=2026-11"' in main
    assert client.get("/web/changes/11").status_code == 403


def test_the_digest_page_and_its_csv(client: TestClient, ids: MonthIds) -> None:
    sign_in(client, "center", "26")
    response = client.get("/web/changes/26/digest?month=2026-11")
    assert response.status_code == 200, response.text
    main = main_of(response.text)
    assert "월간 변화 요약" in main and ids.failed in main and ids.rise in main
    csv = client.get("/web/changes/26/digest.csv?month=2026-11")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("\ufeffregion,owner") and ids.failed in csv.text
    assert client.get("/web/changes/11/digest").status_code == 403


def test_an_analyst_chooses_and_reads_english(client: TestClient, ids: MonthIds) -> None:
    sign_in(client, "analyst", None)
    chooser = client.get("/web/changes")
    assert chooser.status_code == 200 and 'href="/web/changes/26"' in chooser.text
    page = main_of(client.get("/web/changes/26?lang=en").text)
    assert "Failed this month" in page and "social-insurance arrears" in page
    client.get("/web/changes/26?lang=ko")  # the language is remembered: back to Korean


def test_a_month_without_scores_says_what_to_run_and_bad_input_names_the_field(
    client: TestClient, ids: MonthIds
) -> None:
    sign_in(client, "center", "26")
    missing = client.get("/web/changes/26?month=2026-09")
    assert missing.status_code == 404
    main = main_of(missing.text)
    assert "월간 점수가 없습니다" in main and "ews monthly score --as-of" in main
    unknown = client.get("/web/changes/99")  # not a 시도: the usual 404, not the command
    assert unknown.status_code == 404 and "월간 점수" not in main_of(unknown.text)
    bad = client.get("/web/changes/26?month=2026-13")
    assert bad.status_code == 400 and "month" in main_of(bad.text)
