"""The printable report: the firm's score history and blank sign-off fields for the visit."""

from __future__ import annotations

import re

from tests.serving.support import FIRM_26, TestClient
from tests.web.client import main_of, sign_in


def _report(client: TestClient, lang: str = "ko") -> str:
    firm_page = client.get(f"/web/firms/{FIRM_26}").text
    match = re.search(r'href="(/web/scores/[0-9a-f-]+/print)"', firm_page)
    assert match, "the firm page links its printable report"
    response = client.get(f"{match.group(1)}?lang={lang}")
    assert response.status_code == 200
    return main_of(response.text)


def test_the_report_has_the_history_and_sign_off_fields(client: TestClient) -> None:
    sign_in(client, "center", "26")
    report = _report(client)
    assert 'data-testid="history"' in report
    history = report.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r"<tr>", history)) >= 2  # the header and at least one date
    sign_off = report.split('class="card sign-off"', 1)[1]
    for field in ("담당자", "확인자", "날짜"):
        assert field in sign_off
    english = _report(client, "en")
    assert "Reviewed by" in english and "담당자" not in english
    client.get(f"/web/firms/{FIRM_26}?lang=ko")
