"""How the brief's tables label a KSIC division (names from ``core.ksic.DIVISIONS``, the same the
staff pages show), a missing division included."""

from __future__ import annotations

from typing import Final

from core.ksic import DIVISIONS

UNKNOWN_DIVISION: Final = ("업종 미상", "industry unknown")


def division_label(division: str | None, lang: str = "ko") -> str:
    """'25 금속가공제품' for a 2-digit division; the code alone when unknown; a missing
    division (a section letter only, or no code) reads 업종 미상."""
    if not division:
        return UNKNOWN_DIVISION[1] if lang == "en" else UNKNOWN_DIVISION[0]
    ko, en = DIVISIONS.get(division[:2], ("", ""))
    return f"{division[:2]} {en if lang == 'en' else ko}".strip()
