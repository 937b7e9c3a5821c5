"""Words for the regional brief's pages (the brief's own tables carry their words)."""

from __future__ import annotations

from typing import Final

WORDS: Final[dict[str, tuple[str, str]]] = {
    "brief_title": (
        "지역 브리프 (위기예방계획 초안)",
        "Regional brief (crisis-prevention plan draft)",
    ),
    "brief_choose": ("브리프를 만들 지역을 고르세요.", "Choose the region to brief."),
    "brief_open": ("브리프 보기", "Open the brief"),
    "brief_as_of": ("기준일", "As of"),
    "brief_show": ("다시 만들기", "Update"),
    "brief_downloads": ("내려받기", "Downloads"),
    "brief_xlsx": ("엑셀 (표마다 한 시트)", "Excel workbook (one sheet per table)"),
    "brief_pdf": ("PDF (인쇄용)", "PDF (for print)"),
    "brief_print": ("인쇄", "Print"),
    "brief_help": (
        "모든 수치는 표 아래의 기준일과 자료에서 나옵니다. 화면과 PDF는 표마다 앞부분만 "
        "보여 주며, 엑셀 파일에는 모든 행이 있습니다.",
        "Every figure comes from the as-of date and source under its table. The page and the "
        "PDF show the first rows of each table; the workbook has every row.",
    ),
    "brief_pdf_unavailable": ("PDF를 만들 수 없습니다", "The PDF cannot be made"),
    "brief_region_page": ("지역 화면으로", "Back to the region"),
}
