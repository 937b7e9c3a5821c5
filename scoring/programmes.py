"""Support programmes a centre refers firms to: the catalogue (``config/programmes.yaml``) and
which programmes fit a firm (issue 13, item 3b).

A programme fits when it addresses one of the firm's needs (a reason family or feature that
raises its PD, a rule flag, a "what lowers the grade" lever) and no eligibility rule rules the
firm out. Each suggestion carries the needs it answers and the rules it passed; a rule whose
data the firm lacks (no founding date, region "00", no statement) is neither passed nor failed
but left to staff. Excluded programmes say which rule failed.

A region may add programmes of its own (a 시도's loans and guarantees, ``config/regions.yaml``):
``Catalogue.with_additions`` gives the catalogue a firm of that region is matched against,
the national entries and the region's, each parsed by the same rules (``parse_programme``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import pandas as pd
import yaml

from core import ksic
from core.contract import SIZE_CLASSES
from core.grades import GRADES, GRADES_EN
from features.catalog import BY_NAME, FAMILIES, FLAGS
from scoring import levers

FILE_NAME: Final = "programmes.yaml"
KINDS: Final[tuple[str, ...]] = ("loan", "guarantee", "consulting", "subsidy", "voucher")
_ID: Final = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_FIELDS: Final = frozenset(
    {
        "id",
        "name_ko",
        "name_en",
        "agency",
        "kind",
        "addresses",
        "eligibility",
        "staff_check",
        "amount",
        "source",
        "verified_ko",
        "verified_en",
    }
)
_ADDRESSES: Final[dict[str, Iterable[str]]] = {
    "families": FAMILIES,
    "features": BY_NAME,
    "flags": FLAGS,
    "levers": levers.BY_NAME,
}
_LISTS: Final[dict[str, Iterable[str] | None]] = {
    "size_class": SIZE_CLASSES,
    "grades": GRADES,
    "flags_none": FLAGS,
    "flags_any": FLAGS,
    "regions": None,  # 2-digit 시도 codes, checked by pattern
    "industries": None,  # KSIC sections or division prefixes, checked by ksic.normalise
    "exclude_industries": None,
}
_SIZE_EN: Final = {"소기업": "small", "중기업": "medium"}
_NUMBERS: Final = frozenset({"min_age_years", "max_age_years", "min_employees"})


class CatalogueError(ValueError):
    """A catalogue file that cannot be used; the message names the file, programme and field."""


@dataclass(frozen=True)
class Addresses:
    families: frozenset[str]
    features: frozenset[str]
    flags: frozenset[str]
    levers: frozenset[str]


@dataclass(frozen=True)
class Source:
    document: str
    url: str
    year: int


@dataclass(frozen=True)
class Programme:
    """One programme as the catalogue states it; ``eligibility`` holds only the rules given."""

    id: str
    name_ko: str
    name_en: str
    agency: str
    kind: str
    addresses: Addresses
    eligibility: Mapping[str, Any]
    staff_check: tuple[str, ...]
    amount_max_krw_million: float | None
    amount_note: str
    source: Source
    verified_ko: str  # what was checked against the source and what was not
    verified_en: str
    region: str | None = None  # the 시도 whose own programme this is; None: national


@dataclass(frozen=True)
class Catalogue:
    version: str
    programmes: tuple[Programme, ...]
    path: Path
    additions: Path | None = None  # the file the region's own programmes came from

    def with_additions(self, additions: Sequence[Programme], origin: Path) -> Catalogue:
        """This catalogue and a region's own programmes (``origin``: the file that adds them).
        An addition may not take a national programme's id: a case note or a referral names
        a programme by id, so one id must mean one programme everywhere."""
        if not additions:
            return self
        national = {p.id for p in self.programmes}
        for programme in additions:
            if programme.region is None:
                raise CatalogueError(f"{origin}: programme {programme.id} names no region")
            if programme.id in national:
                raise CatalogueError(
                    f"{origin}: region {programme.region}: programme {programme.id} has the id "
                    f"of a national programme in {self.path}; ids are national, choose another"
                )
        return replace(self, programmes=(*self.programmes, *additions), additions=origin)


@dataclass(frozen=True)
class Firm:
    """What eligibility rules read about a firm; None where the data do not say."""

    firm_id: str
    as_of: dt.date
    size_class: str | None
    founded: dt.date | None
    ksic: str | None
    region: str | None  # None for "00" (region unknown)
    grade: str | None  # None when not graded (stale, not scored)
    flags: frozenset[str]
    employees: float | None


@dataclass(frozen=True)
class Need:
    """Something the firm could use help with: a reason family or feature raising its PD (by
    ``points``, probability), a rule flag, or a lever of a proposal that lowers its grade."""

    kind: str  # family | feature | flag | lever
    name: str
    ko: str
    en: str
    points: float | None = None


@dataclass(frozen=True)
class Check:
    """One eligibility rule against the firm: passed, failed, or None (data missing)."""

    rule: str
    passed: bool | None
    ko: str
    en: str


@dataclass(frozen=True)
class Suggestion:
    programme: Programme
    fits: tuple[Need, ...]  # the firm's needs it addresses, strongest first
    checks: tuple[Check, ...]  # rules passed, and rules left to staff (passed None)


@dataclass(frozen=True)
class Excluded:
    programme: Programme
    fits: tuple[Need, ...]
    failed: tuple[Check, ...]


@dataclass(frozen=True)
class Matches:
    suggested: tuple[Suggestion, ...]
    excluded: tuple[Excluded, ...]  # address the firm's needs but a rule rules it out
    unrelated: int  # programmes that address none of the firm's needs


def read_catalogue(config_dir: Path) -> Catalogue:
    """The catalogue in ``config_dir`` (``Settings.config_dir``)."""
    return load_catalogue(config_dir / FILE_NAME)


def load_catalogue(path: Path) -> Catalogue:
    """Parse and check a catalogue file; CatalogueError names the file, programme and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CatalogueError(f"{path}: cannot read the programme catalogue: {error}") from error
    except yaml.YAMLError as error:
        raise CatalogueError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("programmes"), list):
        raise CatalogueError(f"{path}: needs a top-level 'programmes' list")
    programmes = []
    for i, entry in enumerate(data["programmes"]):
        name = entry.get("id", f"#{i + 1}") if isinstance(entry, dict) else f"#{i + 1}"
        try:
            programmes.append(parse_programme(entry))
        except CatalogueError as error:
            raise CatalogueError(f"{path}: programme {name}: {error}") from error
    ids = [p.id for p in programmes]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise CatalogueError(f"{path}: programme ids given twice: {twice}")
    return Catalogue(str(data.get("version", "")), tuple(programmes), path)


def parse_programme(entry: Any, region: str | None = None) -> Programme:
    """One catalogue entry, checked field by field (CatalogueError names the field); ``region``
    for a 시도's own programme, whose ``eligibility.regions`` (if given) must include it."""
    try:
        programme = _programme(entry)
    except (AttributeError, TypeError, ValueError) as error:  # CatalogueError: a ValueError
        raise CatalogueError(str(error)) from error
    if region is None:
        return programme
    codes = programme.eligibility.get("regions")
    if codes is not None and region not in codes:
        raise CatalogueError(
            f"eligibility.regions: {sorted(codes)} leaves out region {region}, whose own "
            "programme this is"
        )
    return replace(programme, region=region)


def _programme(entry: Any) -> Programme:
    if not isinstance(entry, dict):
        raise CatalogueError("must be a mapping of fields")
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise CatalogueError(f"unknown fields {unknown}; known: {sorted(_FIELDS)}")
    pid = _text(entry, "id")
    if not _ID.fullmatch(pid):
        raise CatalogueError(f"id: {pid!r} must be lower-case letters, digits and _")
    kind = _text(entry, "kind")
    if kind not in KINDS:
        raise CatalogueError(f"kind: {kind!r} must be one of {list(KINDS)}")
    amount = entry.get("amount") or {}
    if not isinstance(amount, dict):
        raise CatalogueError("amount: must be a mapping (max_krw_million, note)")
    ceiling = amount.get("max_krw_million")
    if ceiling is not None and (not isinstance(ceiling, int | float) or ceiling <= 0):
        raise CatalogueError(f"amount.max_krw_million: {ceiling!r} must be a positive number")
    source = entry.get("source")
    if not isinstance(source, dict):
        raise CatalogueError("source: required (document, url, year)")
    year = source.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise CatalogueError(f"source.year: {year!r} must be a year such as 2025")
    checks = entry.get("staff_check") or []
    if not isinstance(checks, list) or not all(isinstance(c, str) for c in checks):
        raise CatalogueError("staff_check: must be a list of sentences")
    return Programme(
        id=pid,
        name_ko=_text(entry, "name_ko"),
        name_en=_text(entry, "name_en"),
        agency=_text(entry, "agency"),
        kind=kind,
        addresses=_addresses(entry.get("addresses")),
        eligibility=_eligibility(entry.get("eligibility") or {}),
        staff_check=tuple(checks),
        amount_max_krw_million=float(ceiling) if ceiling is not None else None,
        amount_note=str(amount.get("note", "")),
        source=Source(_text(source, "document", "source."), _text(source, "url", "source."), year),
        verified_ko=_text(entry, "verified_ko"),
        verified_en=_text(entry, "verified_en"),
    )


def _text(entry: Mapping[str, Any], field: str, prefix: str = "") -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{prefix}{field}: required text")
    return value.strip()


def _addresses(block: Any) -> Addresses:
    if not isinstance(block, dict) or not block:
        raise CatalogueError(f"addresses: needs at least one of {list(_ADDRESSES)}")
    unknown = sorted(set(block) - set(_ADDRESSES))
    if unknown:
        raise CatalogueError(f"addresses: unknown keys {unknown}; known: {list(_ADDRESSES)}")
    sets = {
        key: _names(block.get(key) or [], f"addresses.{key}", known)
        for key, known in _ADDRESSES.items()
    }
    return Addresses(**sets)


def _names(values: Any, field: str, known: Iterable[str] | None) -> frozenset[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise CatalogueError(f"{field}: must be a list of names")
    if known is not None:
        allowed = set(known)
        wrong = sorted(set(values) - allowed)
        if wrong:
            raise CatalogueError(f"{field}: unknown {wrong}; known: {sorted(allowed)}")
    return frozenset(values)


def _eligibility(block: Any) -> dict[str, Any]:
    if not isinstance(block, dict):
        raise CatalogueError("eligibility: must be a mapping of rules")
    unknown = sorted(set(block) - set(_LISTS) - _NUMBERS)
    if unknown:
        raise CatalogueError(
            f"eligibility: unknown rules {unknown}; known: {sorted([*_LISTS, *_NUMBERS])}"
        )
    rules: dict[str, Any] = {}
    for rule, value in block.items():
        field = f"eligibility.{rule}"
        if rule in _NUMBERS:
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise CatalogueError(f"{field}: {value!r} must be a number of at least 0")
            rules[rule] = float(value)
        elif rule == "regions":
            codes = [str(v) for v in (value or [])]
            if not codes or not all(re.fullmatch(r"\d{2}", c) and c != "00" for c in codes):
                raise CatalogueError(f"{field}: {value!r} must list 2-digit 시도 codes")
            rules[rule] = frozenset(codes)
        elif rule in ("industries", "exclude_industries"):
            rules[rule] = _industries(value, field)
        else:
            rules[rule] = _names(value, field, _LISTS[rule])
    return rules


def _industries(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise CatalogueError(f"{field}: must list KSIC sections or division prefixes")
    codes = []
    for code in value:
        try:
            codes.append(ksic.normalise(str(code)))
        except ksic.KsicError as error:
            raise CatalogueError(f"{field}: {error}") from error
    return tuple(codes)


def match(catalogue: Catalogue, firm: Firm, needs: Sequence[Need]) -> Matches:
    """Programmes addressing the firm's needs, split into suggested and ruled out."""
    suggested, excluded, unrelated = [], [], 0
    for programme in catalogue.programmes:
        fits = _fits(programme.addresses, needs)
        if not fits:
            unrelated += 1
            continue
        checks = eligibility(programme, firm)
        failed = tuple(c for c in checks if c.passed is False)
        if failed:
            excluded.append(Excluded(programme, fits, failed))
        else:
            suggested.append(Suggestion(programme, fits, checks))
    suggested.sort(key=lambda s: _strength(s.fits), reverse=True)
    return Matches(tuple(suggested), tuple(excluded), unrelated)


def _fits(addresses: Addresses, needs: Sequence[Need]) -> tuple[Need, ...]:
    by_kind = {
        "family": addresses.families,
        "feature": addresses.features,
        "flag": addresses.flags,
        "lever": addresses.levers,
    }
    found = [n for n in needs if n.name in by_kind.get(n.kind, frozenset())]
    return tuple(sorted(found, key=lambda n: -(n.points or 0.0)))


def _strength(fits: Sequence[Need]) -> tuple[float, int]:
    """Order of suggestions: the PD share of the reason families answered (families only, so a
    feature is not counted twice), then how many flags, features and levers it answers."""
    families = sum(n.points or 0.0 for n in fits if n.kind == "family")
    return families, len(fits)


def eligibility(programme: Programme, firm: Firm) -> tuple[Check, ...]:
    """Every rule of the programme checked against the firm, in the catalogue's order."""
    return tuple(_RULES[rule](value, firm) for rule, value in programme.eligibility.items())


def _missing(rule: str, what_ko: str, what_en: str) -> Check:
    return Check(
        rule, None, f"{what_ko} 자료 없음: 직원 확인", f"no {what_en} on file: staff check"
    )


def _size(allowed: frozenset[str], firm: Firm) -> Check:
    if firm.size_class is None:
        return _missing("size_class", "기업규모", "size class")
    ok = firm.size_class in allowed
    listed = ", ".join(sorted(allowed))
    return Check(
        "size_class",
        ok,
        f"기업규모 {firm.size_class}: {'대상' if ok else '대상 아님'} ({listed})",
        f"size {_SIZE_EN.get(firm.size_class, firm.size_class)}: "
        f"{'eligible' if ok else 'not eligible'}",
    )


def _age(firm: Firm) -> float | None:
    if firm.founded is None:
        return None
    return (firm.as_of - firm.founded).days / 365.25


def _min_age(years: float, firm: Firm) -> Check:
    age = _age(firm)
    if age is None:
        return _missing("min_age_years", "설립일", "founding date")
    ok = age >= years
    return Check(
        "min_age_years",
        ok,
        f"업력 {age:.1f}년 (필요: {years:g}년 이상)",
        f"age {age:.1f} years (needs at least {years:g})",
    )


def _max_age(years: float, firm: Firm) -> Check:
    age = _age(firm)
    if age is None:
        return _missing("max_age_years", "설립일", "founding date")
    ok = age < years
    return Check(
        "max_age_years",
        ok,
        f"업력 {age:.1f}년 (대상: {years:g}년 미만)",
        f"age {age:.1f} years (for firms under {years:g})",
    )


@lru_cache(maxsize=4096)
def _section(code: str) -> str | None:
    """The KSIC section letter of a stored code (a letter stays itself)."""
    if ksic.is_section(code):
        return code
    if not code[:2].isdigit():
        return None
    division = int(code[:2])
    return next((s for s, (lo, hi, _, _) in ksic.SECTIONS.items() if lo <= division <= hi), None)


def _in_industries(code: str, wanted: Sequence[str]) -> bool:
    section = _section(code)
    return any(
        entry == section if ksic.is_section(entry) else code.startswith(entry) for entry in wanted
    )


def _industries_rule(wanted: tuple[str, ...], firm: Firm) -> Check:
    if firm.ksic is None:
        return _missing("industries", "업종", "industry")
    ok = _in_industries(firm.ksic, wanted)
    listed = ", ".join(wanted)
    return Check(
        "industries",
        ok,
        f"업종 {firm.ksic}: {'대상 업종' if ok else '대상 업종 아님'} ({listed})",
        f"industry {firm.ksic}: {'served' if ok else 'not served'} ({listed})",
    )


def _exclude_rule(refused: tuple[str, ...], firm: Firm) -> Check:
    if firm.ksic is None:
        return _missing("exclude_industries", "업종", "industry")
    out = _in_industries(firm.ksic, refused)
    listed = ", ".join(refused)
    return Check(
        "exclude_industries",
        not out,
        f"업종 {firm.ksic}: {'제외 업종' if out else '제외 업종 아님'} ({listed})",
        f"industry {firm.ksic}: {'excluded' if out else 'not excluded'} ({listed})",
    )


def _regions(codes: frozenset[str], firm: Firm) -> Check:
    if firm.region is None:
        return _missing("regions", "소재지 (지역 미상)", "region (unknown)")
    ok = firm.region in codes
    return Check(
        "regions",
        ok,
        f"소재지 {firm.region}: {'대상 지역' if ok else '대상 지역 아님'}",
        f"region {firm.region}: {'served' if ok else 'not served'}",
    )


def _grades(allowed: frozenset[str], firm: Firm) -> Check:
    if firm.grade is None:
        return _missing("grades", "등급", "grade")
    ok = firm.grade in allowed
    listed = ", ".join(g for g in GRADES if g in allowed)
    return Check(
        "grades",
        ok,
        f"등급 {firm.grade}: {'연계 대상' if ok else '연계 대상 아님'} ({listed})",
        f"grade {GRADES_EN[firm.grade]}: {'referred' if ok else 'not referred'} at this grade",
    )


def _flags_none(flags: frozenset[str], firm: Firm) -> Check:
    found = sorted(flags & firm.flags)
    if found:
        ko = ", ".join(FLAGS[f][0] for f in found)
        en = ", ".join(FLAGS[f][1] for f in found)
        return Check("flags_none", False, f"제외 사유: {ko}", f"ruled out by: {en}")
    return Check("flags_none", True, "제외 사유 없음", "no ruling-out flag")


def _flags_any(flags: frozenset[str], firm: Firm) -> Check:
    found = sorted(flags & firm.flags)
    if not found:
        ko = ", ".join(FLAGS[f][0] for f in sorted(flags))
        return Check("flags_any", False, f"필요 조건 없음: {ko}", "none of the required flags")
    ko = ", ".join(FLAGS[f][0] for f in found)
    return Check("flags_any", True, f"해당: {ko}", "has a required flag")


def _employees(minimum: float, firm: Firm) -> Check:
    if firm.employees is None:
        return _missing("min_employees", "종업원 수", "employee count")
    ok = firm.employees >= minimum
    return Check(
        "min_employees",
        ok,
        f"종업원 {firm.employees:g}명 (필요: {minimum:g}명 이상)",
        f"{firm.employees:g} employees (needs at least {minimum:g})",
    )


_RULES: Final[dict[str, Callable[[Any, Firm], Check]]] = {
    "size_class": _size,
    "min_age_years": _min_age,
    "max_age_years": _max_age,
    "industries": _industries_rule,
    "exclude_industries": _exclude_rule,
    "regions": _regions,
    "grades": _grades,
    "flags_none": _flags_none,
    "flags_any": _flags_any,
    "min_employees": _employees,
}


def known(value: Any) -> Any | None:
    """``value``, or None for a missing one (None, NaN, NA, NaT, blank text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):  # lists and arrays are not missing
        return value
