"""The alert ladder (정상·관심·주의·경계·심각) and calibrated-PD cut-points.

Cut-points live in a versioned table that travels with each model version, so a response can
say which table produced its grade.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any, Final, TypedDict

GRADES: Final[tuple[str, ...]] = ("정상", "관심", "주의", "경계", "심각")
GRADES_EN: Final[dict[str, str]] = {
    "정상": "normal",
    "관심": "attention",
    "주의": "caution",
    "경계": "alert",
    "심각": "severe",
}
GRADE_COLOURS: Final[dict[str, str]] = {
    "정상": "green",
    "관심": "blue",
    "주의": "yellow",
    "경계": "orange",
    "심각": "red",
}


class GradeFields(TypedDict):
    """A response's grade, its English name and its badge colour (grey without a grade)."""

    grade: str | None
    grade_en: str | None
    grade_colour: str


@dataclass(frozen=True)
class Grade:
    """A rung as staff read it: its Korean name, English name and badge colour."""

    name: str
    en: str
    colour: str

    @classmethod
    def named(cls, name: str) -> Grade:
        """The rung called ``name``; a name off the ladder reads as itself, in grey."""
        return cls(name, GRADES_EN.get(name, name), GRADE_COLOURS.get(name, "grey"))

    @staticmethod
    def fields(name: str | None) -> GradeFields:
        """``grade``, ``grade_en`` and ``grade_colour`` of a response; no grade reads grey."""
        if name is None:
            return GradeFields(grade=None, grade_en=None, grade_colour="grey")
        grade = Grade.named(name)
        return GradeFields(grade=grade.name, grade_en=grade.en, grade_colour=grade.colour)


@dataclass(frozen=True)
class GradeTable:
    """Lower PD bounds of 관심, 주의, 경계 and 심각; below the first is 정상."""

    version: str = "ladder-2026.1"
    cut_points: tuple[float, ...] = (0.01, 0.03, 0.08, 0.20)
    grades: tuple[str, ...] = field(default=GRADES)

    def __post_init__(self) -> None:
        if len(self.cut_points) != len(self.grades) - 1:
            raise ValueError("cut_points must hold one bound fewer than grades")
        if list(self.cut_points) != sorted(self.cut_points) or not all(
            0.0 < c < 1.0 for c in self.cut_points
        ):
            raise ValueError("cut_points must increase strictly inside (0, 1)")

    def grade(self, pd_: float) -> str:
        return self.grades[bisect.bisect_right(self.cut_points, pd_)]

    def rank(self, grade: str) -> int:
        """Position on the ladder, 0 for 정상; raises ValueError for an unknown grade."""
        if grade in self.grades:
            return self.grades.index(grade)
        english = {v: k for k, v in GRADES_EN.items()}
        if grade in english:
            return self.grades.index(english[grade])
        raise ValueError(f"grade must be one of {', '.join(self.grades)}; got {grade!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradeTable:
        return cls(
            version=data["version"],
            cut_points=tuple(data["cut_points"]),
            grades=tuple(data["grades"]),
        )


@dataclass(frozen=True)
class Rung:
    """What staff do at a grade and where KOSME's early-warning system would place the firm.

    ``kosme`` is ``None`` below 주의: KOSME has no stage for normal firms. The crosswalk is one
    of intent, not of identical rules (KOSME's stages also weigh loan status and site checks).
    """

    grade: str
    action_ko: str
    action_en: str
    kosme: str | None
    kosme_en: str | None


# The action table and the KOSME crosswalk of docs/grades.md, declared once; the docs tables
# are checked against this (tests/scoring/test_actions.py).
RUNGS: Final[dict[str, Rung]] = {
    rung.grade: rung
    for rung in (
        Rung("정상", "조치 없음", "nothing", None, None),
        Rung("관심", "다음 결산과 체납 지켜보기", "watch the next filing and arrears", None, None),
        Rung(
            "주의",
            "전화 점검, 지원 자격 확인",
            "phone call, check support eligibility",
            "주의",
            "caution",
        ),
        Rung(
            "경계",
            "방문, 지원계획 수립",
            "visit, prepare a support plan",
            "예비경보",
            "pre-alert",
        ),
        Rung(
            "심각",
            "긴급 방문, 긴급지원 또는 연계",
            "urgent visit, emergency support or referral",
            "경보",
            "alert",
        ),
    )
}

# KOSME's stage per grade (None: no stage); a firm that has already defaulted is 부실화 in
# KOSME's terms and has left our scoring population, so no grade maps to it.
KOSME_CROSSWALK: Final[dict[str, str | None]] = {g: r.kosme for g, r in RUNGS.items()}
