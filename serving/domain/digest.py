"""The monthly digest: per centre and per person, the watched firms that crossed a grade, got a
trigger or failed this month, as a page, CSV and HTML files and an optional webhook.

Watched firms are a region's open cases (any stage but 종결) and its watch list at either
month-end: the ``capacity`` highest PDs in the region last month (the file's ``previous_pd``)
and this month (ranked over the whole file when it is read). Each digest row goes to the
centre's digest, and to the case owner's too where the firm's case has one
(``Case.assignee_id``); a firm without a case, or with an unassigned one, is in the centre's
digest only. A webhook that fails is logged and reported, never fails the digest.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.domain.cases import OPEN, STATUSES
from serving.domain.changes import MonthlyScores, sections
from serving.domain.region_codes import district_name, region_names
from serving.store.tables import Case, User

log = logging.getLogger(__name__)

COLUMNS: Final = (
    "region",
    "owner",
    "owner_name",
    "firm_id",
    "name",
    "district",
    "district_name",
    "change",
    "previous_grade",
    "grade",
    "previous_pd",
    "pd",
    "new_triggers",
    "failed_on",
    "failure_event",
    "watched_because",
    "case_status",
    "next_follow_up",
    "reasons_ko",
)
CHANGE_ORDER: Final = {"failed": 0, "grade_rise": 1, "new_trigger": 2}
CHANGE_WORDS: Final = {
    "failed": ("부도·폐업", "failed"),
    "grade_rise": ("등급 상승", "grade rise"),
    "new_trigger": ("새 체납·연체", "new arrears or delinquency"),
}
_SAFE_NAME: Final = re.compile(r"[^0-9A-Za-z._-]")


@dataclass(frozen=True)
class Digest:
    """One region's digest on one month-end; ``rows`` has ``COLUMNS``, most urgent first."""

    region: str
    month: str
    as_of: str
    rows: pd.DataFrame

    def of_owner(self, owner: str) -> pd.DataFrame:
        return self.rows[(self.rows["owner"] == owner).fillna(False).to_numpy(dtype=bool)]

    def owners(self) -> list[str]:
        return sorted(str(o) for o in self.rows["owner"].dropna().unique())


def open_cases(session: Session, region: str) -> pd.DataFrame:
    """The region's open cases (any stage but 종결), with their owner's username and name
    (None: unassigned)."""
    query = (
        select(
            Case.firm_id,
            Case.status,
            Case.next_follow_up,
            User.username,
            User.display_name,
        )
        .join(User, Case.assignee_id == User.id, isouter=True)
        .where(Case.region == region, Case.status.in_(OPEN))
    )
    with session.begin():  # the request's audit row is written in a transaction of its own
        found = session.execute(query).all()
    columns = ["firm_id", "case_status", "next_follow_up", "owner", "owner_name"]
    return pd.DataFrame([tuple(row) for row in found], columns=columns, dtype=object)


def _change(rises: bool, triggers: bool, failed: bool) -> str:
    named = (("failed", failed), ("grade_rise", rises), ("new_trigger", triggers))
    return ",".join(kind for kind, on in named if on)


def build_digest(
    scores: MonthlyScores,
    region: str,
    cases: pd.DataFrame,
    capacity: int,
    names: Callable[[str], str | None] | None = None,
) -> Digest:
    """The region's watched firms that failed, rose a grade or got a trigger in the month."""
    rows = scores.file.sections(region).rows
    by_id = rows.assign(firm_id=rows["firm_id"].astype(str)).drop_duplicates("firm_id")
    by_id.index = pd.Index(by_id["firm_id"].to_numpy())  # unnamed: firm_id stays a column
    cut = sections(by_id)
    failed = set(cut.failed["firm_id"])
    rises = set(cut.grade_rises["firm_id"])
    triggers = set(cut.new_triggers["firm_id"]) | set(
        cut.failed.loc[
            pd.to_numeric(cut.failed["new_trigger_count"], errors="coerce").fillna(0) > 0,
            "firm_id",
        ]
    )
    case_by_id = cases.assign(firm_id=cases["firm_id"].astype(str)).set_index("firm_id")
    on_list = (by_id["pd_rank"] <= capacity) | (by_id["previous_pd_rank"] <= capacity)
    listed = set(by_id.index[on_list.fillna(False).to_numpy(dtype=bool)])
    changed = [f for f in by_id.index if f in failed or f in rises or f in triggers]
    watched = [f for f in changed if f in listed or f in case_by_id.index]
    out = []
    for firm_id in watched:
        row = by_id.loc[firm_id]
        case = case_by_id.loc[firm_id] if firm_id in case_by_id.index else None
        reasons = [str(row[c]) for c in ("reason_1_ko", "reason_2_ko", "reason_3_ko")]
        district = None if pd.isna(row["district"]) else str(row["district"])
        out.append(
            {
                "region": region,
                "owner": None if case is None else case["owner"],
                "owner_name": None if case is None else case["owner_name"],
                "firm_id": firm_id,
                "name": names(firm_id) if names else None,
                "district": district,
                "district_name": district_name(district),
                "change": _change(firm_id in rises, firm_id in triggers, firm_id in failed),
                "previous_grade": _text(row["previous_grade"]),
                "grade": _text(row["grade"]),
                "previous_pd": _number(row["previous_pd"]),
                "pd": _number(row["pd"]),
                "new_triggers": _text(row["new_triggers"]),
                "failed_on": _day(row["failed_on"]),
                "failure_event": _text(row["failure_event"]),
                "watched_because": "case" if case is not None else "watch_list",
                "case_status": None if case is None else case["case_status"],
                "next_follow_up": None if case is None else _day(case["next_follow_up"]),
                "reasons_ko": " / ".join(r for r in reasons if r not in ("<NA>", "nan", "None")),
            }
        )
    frame = pd.DataFrame(out, columns=list(COLUMNS), dtype=object)
    if len(frame):
        first = frame["change"].str.split(",").str[0].map(CHANGE_ORDER)
        pds = pd.to_numeric(frame["pd"], errors="coerce").fillna(np.inf)
        order = np.lexsort((frame["firm_id"].to_numpy(), -pds.to_numpy(), first.to_numpy()))
        frame = frame.iloc[order].reset_index(drop=True)
    return Digest(region, scores.month, str(scores.as_of.date()), frame)


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[arg-type]


def _number(value: object) -> float | None:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number)


def _day(value: object) -> str | None:
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return None
    return str(pd.Timestamp(value).date())  # type: ignore[arg-type]


def csv_text(rows: pd.DataFrame) -> str:
    """CSV with a byte-order mark, so spreadsheet programs read the Korean as UTF-8."""
    return "\ufeff" + rows.to_csv(index=False, lineterminator="\n")


def file_stem(region: str, owner: str | None = None) -> str:
    """``26`` or ``26-<username>``: usernames keep only file-safe characters."""
    return region if owner is None else f"{region}-{_SAFE_NAME.sub('_', owner)}"


_HTML: Final = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: sans-serif; margin: 2rem; color: #1f2937; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2rem; }
th, td { border: 1px solid #d1d5db; padding: 0.3rem 0.5rem; text-align: left; }
.failed { color: #b71c1c; font-weight: 700; }
</style></head><body>
<h1>{{ title }}</h1>
<p>기준일 (as of) {{ digest.as_of }} · 대상 {{ digest.rows|length }}곳 (firms)</p>
{% for owner, label, part in groups %}
<h2>{{ label }}</h2>
{% if part|length %}
<table>
<thead><tr><th>기업 (firm)</th><th>변화 (change)</th><th>등급 (grade)</th><th>PD</th>
<th>새 체납·연체 (new triggers)</th><th>사례 (case)</th><th>주요 요인 (reasons)</th></tr></thead>
<tbody>
{% for row in part %}
<tr{% if "failed" in row.change %} class="failed"{% endif %}>
<td>{{ row.name or "" }} {{ row.firm_id }}</td>
<td>{{ words(row.change) }}{% if row.failed_on %} ({{ row.failed_on }}){% endif %}</td>
<td>{{ row.previous_grade or "-" }} → {{ row.grade or "-" }}</td>
<td>{{ pct(row.previous_pd) }} → {{ pct(row.pd) }}</td>
<td>{{ row.new_triggers or "" }}</td>
<td>{{ stage(row.case_status) }}
{%- if row.next_follow_up %} · {{ row.next_follow_up }}{% endif %}</td>
<td>{{ row.reasons_ko }}</td>
</tr>
{% endfor %}
</tbody></table>
{% else %}<p>해당 기업 없음 (none)</p>{% endif %}
{% endfor %}
</body></html>
"""
_ENV: Final = Environment(autoescape=True)


def change_words(change: str) -> str:
    parts = [CHANGE_WORDS.get(k, (k, k)) for k in change.split(",") if k]
    return ", ".join(f"{ko} ({en})" for ko, en in parts)


def html_text(digest: Digest, owner: str | None = None) -> str:
    """The digest as one standalone page (its own styles): every person's part, or one's."""
    ko, en = region_names(digest.region)
    title = f"{ko} 월간 변화 요약 ({en} monthly digest) {digest.month}"
    owners = [owner] if owner is not None else digest.owners()
    groups: list[tuple[str | None, str, pd.DataFrame]] = []
    if owner is None:
        groups.append((None, "센터 전체 (whole centre)", digest.rows))
    for person in owners:
        part = digest.of_owner(person)
        name = part["owner_name"].dropna()
        label = f"담당 {name.iloc[0] if len(name) else person} ({person})"
        groups.append((person, label, part))
    return _ENV.from_string(_HTML).render(
        title=title,
        digest=digest,
        groups=[(o, label, part.to_dict("records")) for o, label, part in groups],
        words=change_words,
        stage=lambda key: "" if key is None else "{} ({})".format(*STATUSES.get(key, (key, key))),
        pct=lambda v: "-" if v is None else f"{100 * v:.1f}%",
    )


def write_digest(digest: Digest, folder: Path) -> list[Path]:
    """``<folder>/<month>/<region>.csv`` and ``.html``, and ``<region>-<username>.csv`` per
    case owner; returns the files written."""
    month = folder / digest.month
    month.mkdir(parents=True, exist_ok=True)
    written = []
    centre = month / f"{file_stem(digest.region)}.csv"
    centre.write_text(csv_text(digest.rows), encoding="utf-8")
    page = month / f"{file_stem(digest.region)}.html"
    page.write_text(html_text(digest), encoding="utf-8")
    written += [centre, page]
    for owner in digest.owners():
        path = month / f"{file_stem(digest.region, owner)}.csv"
        path.write_text(csv_text(digest.of_owner(owner)), encoding="utf-8")
        written.append(path)
    return written


def payload(digest: Digest, files: list[Path]) -> dict[str, Any]:
    """What the webhook gets: the digest's rows as JSON, with the files written."""
    rows = digest.rows.astype(object).where(digest.rows.notna(), None)
    return {
        "kind": "ews.monthly_digest",
        "region": digest.region,
        "month": digest.month,
        "as_of": digest.as_of,
        "firms": len(digest.rows),
        "owners": digest.owners(),
        "rows": rows.to_dict("records"),
        "files": [str(p) for p in files],
    }


@dataclass(frozen=True)
class WebhookResult:
    """How a webhook post ended: ``ok`` with the HTTP status, or the error in words."""

    ok: bool
    status: int | None
    error: str | None = None


def post_webhook(url: str, body: dict[str, Any], timeout_s: float) -> WebhookResult:
    """POST ``body`` as JSON; a refusal, a timeout or a bad URL is logged and returned."""
    if not url.lower().startswith(("http://", "https://")):  # urllib would open file:// too
        result = WebhookResult(False, None, "the webhook URL must start with http:// or https://")
        log.warning("digest webhook not posted: %s (%s)", result.error, url)
        return result
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return WebhookResult(True, response.status)
    except urllib.error.HTTPError as error:
        result = WebhookResult(False, error.code, f"HTTP {error.code} {error.reason}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        result = WebhookResult(False, None, str(getattr(error, "reason", error)))
    log.warning("digest webhook failed: %s (%s)", result.error, url)
    return result
