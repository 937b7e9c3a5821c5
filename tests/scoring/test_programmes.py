"""The programme catalogue: the repository's file loads; a bad file is refused with the file,
programme and field named; programmes fit a firm's needs and its eligibility is explained."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from scoring.programmes import (
    CatalogueError,
    Firm,
    Need,
    load_catalogue,
    match,
    read_catalogue,
)

CONFIG = Path(__file__).resolve().parents[2] / "config"


def _firm(**changes: object) -> Firm:
    values: dict[str, object] = {
        "firm_id": "0012345678",
        "as_of": dt.date(2024, 6, 30),
        "size_class": "소기업",
        "founded": dt.date(2010, 3, 1),
        "ksic": "25112",
        "region": "26",
        "grade": "경계",
        "flags": frozenset(),
        "employees": 12.0,
    }
    return Firm(**(values | changes))  # type: ignore[arg-type]


DEBT = [Need("family", "debt_service", "상환능력", "debt service", 0.05)]


def test_repository_catalogue_names_a_source_for_every_programme() -> None:
    catalogue = read_catalogue(CONFIG)
    assert len(catalogue.programmes) == 8
    for programme in catalogue.programmes:
        assert programme.source.url.startswith("https://") and programme.source.year >= 2024
        assert programme.verified_ko and programme.verified_en


def _write(tmp_path: Path, programme: dict[str, object]) -> Path:
    entry = yaml.safe_load((CONFIG / "programmes.yaml").read_text(encoding="utf-8"))
    entry["programmes"] = [entry["programmes"][0] | programme]
    path = tmp_path / "programmes.yaml"
    path.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "grant"}, "kind"),
        ({"colour": "red"}, "unknown fields"),
        ({"addresses": {"flags": ["bankrupt"]}}, "addresses.flags"),
        ({"eligibility": {"grades": ["위험"]}}, "eligibility.grades"),
        ({"eligibility": {"industries": ["Z9"]}}, "eligibility.industries"),
        ({"eligibility": {"regions": ["00"]}}, "eligibility.regions"),
        ({"eligibility": {"min_age_years": -1}}, "eligibility.min_age_years"),
        ({"source": {"document": "x", "url": "y", "year": 25}}, "source.year"),
        ({"name_ko": ""}, "name_ko"),
    ],
)
def test_bad_entries_name_file_programme_and_field(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    path = _write(tmp_path, change)
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(path)
    message = str(raised.value)
    assert str(path) in message and "programme kosme_emergency" in message and field in message


def test_bad_files_are_refused_clearly(tmp_path: Path) -> None:
    missing = tmp_path / "none.yaml"
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("programmes: [\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(broken)
    twice = tmp_path / "twice.yaml"
    data = yaml.safe_load((CONFIG / "programmes.yaml").read_text(encoding="utf-8"))
    data["programmes"] = [data["programmes"][0], data["programmes"][0]]
    twice.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="given twice"):
        load_catalogue(twice)


def test_suggestions_say_why_and_exclusions_say_which_rule() -> None:
    catalogue = read_catalogue(CONFIG)
    found = match(catalogue, _firm(), DEBT)
    emergency = next(s for s in found.suggested if s.programme.id == "kosme_emergency")
    assert emergency.fits == tuple(DEBT)
    assert {c.rule for c in emergency.checks} >= {"size_class", "grades", "exclude_industries"}
    assert all(c.passed for c in emergency.checks)
    impaired = match(catalogue, _firm(flags=frozenset({"complete_capital_impairment"})), DEBT)
    out = next(e for e in impaired.excluded if e.programme.id == "kosme_emergency")
    assert [c.rule for c in out.failed] == ["flags_none"] and "완전 자본잠식" in out.failed[0].ko
    finance = match(catalogue, _firm(ksic="64121"), DEBT)  # 금융업 (K)
    assert "kosme_emergency" in {e.programme.id for e in finance.excluded}
    assert found.unrelated == len(catalogue.programmes) - len(found.suggested) - len(found.excluded)


def test_missing_data_is_left_to_staff_not_failed() -> None:
    """Region "00", no size, no founding date, no industry, no grade: rules say so."""
    catalogue = read_catalogue(CONFIG)
    firm = _firm(region=None, size_class=None, founded=None, ksic=None, grade=None, employees=None)
    found = match(catalogue, firm, DEBT)
    assert not found.excluded and found.suggested
    for suggestion in found.suggested:
        data_rules = [c for c in suggestion.checks if not c.rule.startswith("flags")]
        assert data_rules and all(c.passed is None and "확인" in c.ko for c in data_rules)


def test_no_needs_no_suggestions() -> None:
    found = match(read_catalogue(CONFIG), _firm(grade="정상"), [])
    assert not found.suggested and not found.excluded and found.unrelated == 8
