"""The regional brief as files a centre hands over: an Excel workbook (one sheet per table,
figures as numbers, the as-of date and source on every sheet), a printable HTML document and
its PDF, printed by headless Chromium (Debian's ``chromium``, the browser the tests drive).

The document is rendered here, below the API and the pages, so that ``GET
/v1/regions/{region}/brief.pdf`` and the brief page print the same thing.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final

from jinja2 import Environment
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from serving.schemas.briefs import BriefColumn, BriefOut, BriefTable, Cell

XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE: Final = "application/pdf"
# Workbook layout of a table's sheet: title, as-of and source, note, then the Korean and the
# English header, then one row per table row (docs/brief.md).
HEADER_ROW: Final = 5
FIRST_ROW: Final = 7
PAGE_ROWS: Final = 25  # rows a table shows on the page and in the PDF; the workbook has all
CHROMIUM_TIMEOUT_S: Final = 90
_FORMATS: Final = {"count": "#,##0", "number": "#,##0.0", "share": "0.0%", "points": "0.00%"}


class PdfUnavailable(RuntimeError):
    """No PDF can be printed here (no Chromium, or it failed); the message says which."""


def file_stem(brief: BriefOut) -> str:
    return f"brief-{brief.region}-{brief.as_of}"


# --- workbook -------------------------------------------------------------------------------


def workbook(brief: BriefOut) -> bytes:
    """The brief as .xlsx bytes: a cover sheet, then one sheet per table (``table.key``)."""
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "brief"
    _cover(cover, brief)
    for table in brief.tables:
        _sheet(book.create_sheet(table.key), table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cover(sheet: object, brief: BriefOut) -> None:
    lines: list[tuple[str, Cell]] = [
        ("지역 위기예방계획 초안 (지역 브리프)", f"Regional brief: {brief.region_en}"),
        ("지역 / region", f"{brief.region} {brief.region_ko} ({brief.region_en})"),
        ("기준일 / as of", f"{brief.as_of}"),
        ("직전 기준일 / previous as of", f"{brief.previous_as_of or '-'}"),
        ("모형 / model", f"{brief.model_name} v{brief.model_version}"),
        ("지역 단계 / stage", f"{brief.stage.stage} ({brief.stage.stage_en})"),
        ("근거", brief.stage.reason_ko),
        ("why", brief.stage.reason_en),
        ("예상 위기기업 수 / expected crises", brief.totals.expected),
        ("위험 고용 인원 / employees at risk", brief.totals.employees_at_risk),
        ("위험 급여액 (백만원) / payroll at risk (KRW million)", brief.totals.payroll_at_risk),
    ]
    lines += [(f"표 / sheet {t.key}", f"{t.title_ko} / {t.title_en}") for t in brief.tables]
    lines += [
        (f"빠진 항목 / left out: {o.key}", f"{o.reason_ko} / {o.reason_en}") for o in brief.omitted
    ]
    for row, (label, value) in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=label)  # type: ignore[attr-defined]
        sheet.cell(row=row, column=2, value=value)  # type: ignore[attr-defined]
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)  # type: ignore[attr-defined]
    sheet.column_dimensions["A"].width = 44  # type: ignore[attr-defined]
    sheet.column_dimensions["B"].width = 90  # type: ignore[attr-defined]


def _sheet(sheet: object, table: BriefTable) -> None:
    cell = sheet.cell  # type: ignore[attr-defined]
    cell(row=1, column=1, value=f"{table.title_ko} / {table.title_en}").font = Font(bold=True)
    cell(row=2, column=1, value=f"기준일 / as of {table.source.as_of}")
    cell(
        row=2, column=2, value=f"자료: {table.source.source_ko} / source: {table.source.source_en}"
    )
    cell(row=3, column=1, value=" ".join(filter(None, (table.note_ko, table.note_en))) or None)
    for j, column in enumerate(table.columns, start=1):
        cell(row=HEADER_ROW, column=j, value=column.label_ko).font = Font(bold=True)
        cell(row=HEADER_ROW + 1, column=j, value=column.label_en)
        width = max(len(column.label_ko) * 2, len(column.label_en), 10)
        sheet.column_dimensions[get_column_letter(j)].width = min(width, 60)  # type: ignore[attr-defined]
    for i, row in enumerate(table.rows):
        for j, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            written = cell(row=FIRST_ROW + i, column=j, value=value)
            if column.kind in _FORMATS and value is not None:
                written.number_format = _FORMATS[column.kind]
    sheet.freeze_panes = f"A{FIRST_ROW}"  # type: ignore[attr-defined]


# --- the printable document --------------------------------------------------------------


def cell_text(column: BriefColumn, value: Cell, lang: str = "ko") -> str:
    """A figure as the page and the PDF print it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        return value
    if column.kind == "share":
        return f"{value:.1%}"
    if column.kind == "points":
        return f"{100 * value:+.2f}%p"
    if column.kind == "count":
        return f"{int(value):,}"
    return f"{value:,.0f}" if abs(value) >= 1_000 else f"{value:,.2f}"


_WORDS: Final[dict[str, tuple[str, str]]] = {
    "title": ("지역 위기예방계획 초안", "Regional crisis-prevention brief"),
    "as_of": ("기준일", "As of"),
    "previous": ("직전 기준일", "Previous as-of date"),
    "model": ("모형", "Model"),
    "stage": ("지역 단계", "Regional stage"),
    "source": ("자료", "Source"),
    "more_rows": (
        "전체 {n}행 중 {k}행만 보입니다. 전체는 엑셀 파일에 있습니다.",
        "Showing {k} of {n} rows; the workbook has them all.",
    ),
    "no_rows": ("해당 기업이 없습니다.", "No firms."),
    "omitted": ("이 브리프에 없는 항목", "Not in this brief"),
    "expected": ("예상 위기기업 수", "Expected crises"),
    "employees": ("위험 고용 인원", "Employees at risk"),
    "payroll": ("위험 급여액 (백만원)", "Payroll at risk (KRW million)"),
}

_BODY: Final = """
{%- macro tr(ko, en) %}{{ en if lang == "en" else ko }}{% endmacro -%}
<header class="brief-head">
  <p class="brief-kicker">{{ w("title") }}</p>
  <h1>{{ b.region }} {{ tr(b.region_ko, b.region_en) }}</h1>
  <p class="brief-meta">{{ w("as_of") }} {{ b.as_of }}{% if b.previous_as_of %}
    · {{ w("previous") }} {{ b.previous_as_of }}{% endif %}
    · {{ w("model") }} {{ b.model_name }} v{{ b.model_version }}</p>
  <p class="brief-stage">
    <span class="grade grade-{{ b.stage.colour }} stage-badge stage-{{ b.stage.colour }}"
      data-testid="stage">
    {{ w("stage") }}: {{ tr(b.stage.stage, b.stage.stage_en) }}</span></p>
  <p>{{ tr(b.stage.reason_ko, b.stage.reason_en) }}</p>
  <dl class="brief-totals">
    <div><dt>{{ w("expected") }}</dt>
      <dd>{{ "{:,.1f}".format(b.totals.expected) }}</dd></div>
    <div><dt>{{ w("employees") }}</dt>
      <dd>{{ "{:,.0f}".format(b.totals.employees_at_risk) }}</dd></div>
    <div><dt>{{ w("payroll") }}</dt>
      <dd>{{ "{:,.0f}".format(b.totals.payroll_at_risk) }}</dd></div>
  </dl>
</header>
{% for t in b.tables %}
<section class="brief-table" id="brief-{{ t.key }}" data-table="{{ t.key }}">
  <h2>{{ tr(t.title_ko, t.title_en) }}</h2>
  {% set note = tr(t.note_ko, t.note_en) %}
  {% if note %}<p class="note">{{ note }}</p>{% endif %}
  {% if t.rows %}
  <div class="table-wrap"><table class="table">
    <thead><tr>
    {% for c in t.columns %}
      <th scope="col"{% if c.kind != "text" %} class="num"{% endif %}>
        {{- tr(c.label_ko, c.label_en) }}</th>
    {% endfor %}
    </tr></thead>
    <tbody>
    {% for row in t.rows[:page_rows] %}<tr>
      {% for c in t.columns %}
      <td{% if c.kind != "text" %} class="num"{% endif %}>
        {{- cell(c, row[loop.index0], lang) }}</td>
      {% endfor %}
    </tr>{% endfor %}
    </tbody>
  </table></div>
  {% if t.rows|length > page_rows %}
  <p class="note">{{ w("more_rows").format(n=t.rows|length, k=page_rows) }}</p>
  {% endif %}
  {% else %}<p class="note">{{ w("no_rows") }}</p>{% endif %}
  <p class="source">{{ w("as_of") }} {{ t.source.as_of }} · {{ w("source") }}:
    {{ tr(t.source.source_ko, t.source.source_en) }}</p>
</section>
{% endfor %}
{% if b.omitted %}
<section class="brief-table" id="brief-omitted">
  <h2>{{ w("omitted") }}</h2>
  <ul>{% for o in b.omitted %}
    <li data-omitted="{{ o.key }}"><strong>{{ tr(o.title_ko, o.title_en) }}</strong>:
      {{ tr(o.reason_ko, o.reason_en) }}</li>
  {% endfor %}</ul>
</section>
{% endif %}
"""

_STYLE: Final = """
body { font-family: "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", sans-serif;
  font-size: 10pt; color: #1a1a1a; margin: 0; }
h1 { font-size: 18pt; margin: 0 0 4pt; } h2 { font-size: 12pt; margin: 14pt 0 4pt; }
.brief-kicker { margin: 0; color: #555; } .brief-meta, .note, .source { color: #444; }
.source { font-size: 8.5pt; } table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 2pt 4pt; text-align: left; vertical-align: top; }
.num { text-align: right; white-space: nowrap; }
.stage-badge { font-weight: 700; padding: 1pt 6pt; border-radius: 3pt; border: 1px solid #888; }
.stage-green { background: #dff3e3; } .stage-yellow { background: #fff3c4; }
.stage-red { background: #fbd9d6; }
.brief-totals { display: flex; gap: 18pt; } .brief-totals dd { margin: 0; font-size: 13pt; }
.brief-table { break-inside: avoid-page; }
@page { size: A4; margin: 14mm 12mm; }
"""

_DOCUMENT: Final = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ w("title") }} · {{ b.region_ko }} · {{ b.as_of }}</title>
<style>{{ style }}</style></head>
<body>{{ body }}</body></html>
"""

_ENV: Final = Environment(autoescape=True)


def _word(lang: str, name: str) -> str:
    ko, en = _WORDS[name]
    return en if lang == "en" else ko


def body_html(brief: BriefOut, lang: str = "ko") -> Markup:
    """The brief's content as HTML (escaped), for the page and the printed document alike."""
    template = _ENV.from_string(_BODY)
    return Markup(
        template.render(
            b=brief,
            lang=lang,
            w=lambda name: _word(lang, name),
            cell=cell_text,
            page_rows=PAGE_ROWS,
        )
    )


def document_html(brief: BriefOut, lang: str = "ko") -> str:
    """A standalone HTML document (styles inline, nothing fetched) that prints on A4."""
    return _ENV.from_string(_DOCUMENT).render(
        b=brief,
        lang=lang,
        w=lambda name: _word(lang, name),
        style=Markup(_STYLE),
        body=body_html(brief, lang),
    )


# --- PDF ----------------------------------------------------------------------------------


def chromium() -> Path | None:
    """Debian's Chromium (``EWS_CHROMIUM`` overrides the path), or None when absent."""
    given = os.environ.get("EWS_CHROMIUM")
    if given:
        return Path(given) if Path(given).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def pdf(document: str, browser: Path | None = None) -> bytes:
    """Print ``document`` to PDF with headless Chromium; PdfUnavailable when it cannot."""
    browser = browser or chromium()
    if browser is None:
        raise PdfUnavailable(
            "no PDF: Chromium is not installed on this server (apt-get install -y chromium, "
            "or set EWS_CHROMIUM); the workbook and the printable page are available"
        )
    with tempfile.TemporaryDirectory(prefix="ews-brief-") as folder:
        source, target = Path(folder) / "brief.html", Path(folder) / "brief.pdf"
        source.write_text(document, encoding="utf-8")
        command = [
            str(browser),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=CHROMIUM_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PdfUnavailable(f"no PDF: Chromium could not print the brief ({error})") from error
        if not target.is_file() or target.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise PdfUnavailable(
                f"no PDF: Chromium exited with {done.returncode} ({' '.join(tail)})"
            )
        return target.read_bytes()
