"""Per-region settings for the 17 시도, read from one file operators edit (config/regions.yaml).

Each region has a watch-list capacity (how many firms its centre can contact in a period), its
stage thresholds (``serving.domain.regions.StageRule``: when a region is 유의 or 위험) and
programmes of its own added to the national catalogue (a 시도's own loans and guarantees). A
region the file leaves out takes the file's ``defaults``; a bad file is refused as a whole with
the file, the region and the field named (``RegionSettingsError``), never half-read.

A region's programmes are parsed by the national catalogue's rules here; whether an id takes a
national programme's is checked where the two files meet (``serving.domain.help.catalogue_for``,
which also serves each region's firms their region's catalogue).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from core.contract import REGIONS
from scoring.programmes import CatalogueError, Programme, parse_programme
from scoring.watchlist import DEFAULT_CAPACITY, MAX_CAPACITY
from serving.domain.regions import STAGE_RULE, StageRule

FILE_NAME: Final = "regions.yaml"
_STAGE_FIELDS: Final = ("caution", "severe", "rising", "min_firms")
_REGION_FIELDS: Final = frozenset({"name", "capacity", "stage", "programmes"})
_PROGRAMME_ID: Final = re.compile(r"^[a-z][a-z0-9_]{1,40}$")  # as the national catalogue's


class RegionSettingsError(ValueError):
    """The settings file is missing, not YAML, or a value breaks its rule (named in the text)."""


@dataclass(frozen=True)
class ProgrammeAddition:
    """A region's own programme: the entry as written, in the national catalogue's format
    (``config/programmes.yaml``), and as parsed by the catalogue's own rules
    (``scoring.programmes.parse_programme``), served in this region only."""

    id: str
    name_ko: str
    agency: str
    entry: Mapping[str, Any]
    programme: Programme


@dataclass(frozen=True)
class RegionSetting:
    """One 시도's settings."""

    region: str
    capacity: int = DEFAULT_CAPACITY
    stage_rule: StageRule = STAGE_RULE
    programmes: tuple[ProgrammeAddition, ...] = ()


@dataclass(frozen=True)
class RegionSettings:
    """Every 시도's settings (``of`` answers "00" and unknown codes with the defaults)."""

    version: str
    defaults: RegionSetting
    regions: dict[str, RegionSetting] = field(default_factory=dict)
    path: Path | None = None

    def of(self, region: str) -> RegionSetting:
        return self.regions.get(region, self.defaults)


BUILT_IN: Final = RegionSettings(
    "built-in", RegionSetting("00"), {code: RegionSetting(code) for code in REGIONS}
)


def read_region_settings(config_dir: Path) -> RegionSettings:
    """The settings in ``config_dir`` (``Settings.config_dir``), read once per file version;
    the built-in defaults where the folder has no ``regions.yaml``."""
    path = config_dir / FILE_NAME
    if not path.exists():
        return BUILT_IN
    return _cached(path.resolve(), path.stat().st_mtime_ns)


def settings_or_built_in(config_dir: Path) -> RegionSettings:
    """``read_region_settings`` for the watch list, the region pages and the brief: a file that
    cannot be read falls back to the built-in defaults, logged, rather than taking a centre's
    daily pages down (the national view answers 503 naming the file and field)."""
    try:
        return read_region_settings(config_dir)
    except RegionSettingsError as error:
        _log.warning("region settings not used, built-in defaults instead: %s", error)
        return BUILT_IN


_log = logging.getLogger(__name__)


@cache
def _cached(path: Path, _mtime_ns: int) -> RegionSettings:
    return load_region_settings(path)


def load_region_settings(path: Path) -> RegionSettings:
    """Parse and check a settings file; every 시도 must be named, no other code may be."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RegionSettingsError(f"{path}: cannot read the region settings: {error}") from error
    except yaml.YAMLError as error:
        raise RegionSettingsError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("regions"), dict):
        raise RegionSettingsError(f"{path}: needs a top-level 'regions' mapping of 시도 codes")
    try:
        if isinstance(data.get("defaults"), dict) and "programmes" in data["defaults"]:
            # of() answers "00" with the defaults: a default programme would reach only the
            # firms whose region is unknown, never the regions it was meant for
            raise RegionSettingsError("programmes belong to a region, not to the defaults")
        defaults = _setting("00", data.get("defaults") or {}, RegionSetting("00"))
    except RegionSettingsError as error:
        raise RegionSettingsError(f"{path}: defaults: {error}") from error
    given = {str(code).zfill(2): entry for code, entry in data["regions"].items()}
    unknown = sorted(set(given) - set(REGIONS))
    if unknown:
        raise RegionSettingsError(f"{path}: regions {unknown} are no 시도 codes ({list(REGIONS)})")
    missing = [code for code in REGIONS if code not in given]
    if missing:
        raise RegionSettingsError(f"{path}: regions {missing} are missing; name all 17 시도")
    regions = {}
    for code in REGIONS:
        try:
            regions[code] = _setting(code, given[code] or {}, defaults)
        except RegionSettingsError as error:
            raise RegionSettingsError(f"{path}: region {code}: {error}") from error
    _unique_programmes(path, regions)
    return RegionSettings(str(data.get("version", "")), defaults, regions, path)


def _setting(region: str, entry: Any, defaults: RegionSetting) -> RegionSetting:
    if not isinstance(entry, dict):
        raise RegionSettingsError("must be a mapping (capacity, stage, programmes)")
    unknown = sorted(set(entry) - _REGION_FIELDS)
    if unknown:
        raise RegionSettingsError(f"unknown fields {unknown}; known: {sorted(_REGION_FIELDS)}")
    capacity = entry.get("capacity", defaults.capacity)
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise RegionSettingsError(f"capacity: {capacity!r} must be a whole number of firms")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise RegionSettingsError(f"capacity: {capacity} must be from 1 to {MAX_CAPACITY}")
    return RegionSetting(
        region,
        capacity,
        _stage(entry.get("stage") or {}, defaults.stage_rule),
        _programmes(region, entry.get("programmes") or []),
    )


def _stage(block: Any, defaults: StageRule) -> StageRule:
    if not isinstance(block, dict):
        raise RegionSettingsError(f"stage: must be a mapping of {list(_STAGE_FIELDS)}")
    unknown = sorted(set(block) - set(_STAGE_FIELDS))
    if unknown:
        raise RegionSettingsError(f"stage: unknown fields {unknown}; known: {list(_STAGE_FIELDS)}")
    values = {name: block.get(name, getattr(defaults, name)) for name in _STAGE_FIELDS}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise RegionSettingsError(f"stage.{name}: {value!r} must be a number ≥ 0")
    if not 1.0 <= values["caution"] <= values["severe"]:
        message = f"caution {values['caution']} and severe {values['severe']}"
        raise RegionSettingsError(f"stage: {message} must satisfy 1 ≤ caution ≤ severe")
    if not isinstance(values["min_firms"], int):
        raise RegionSettingsError(f"stage.min_firms: {values['min_firms']!r} must be whole")
    return StageRule(
        caution=float(values["caution"]),
        severe=float(values["severe"]),
        rising=float(values["rising"]),
        min_firms=int(values["min_firms"]),
    )


def _programmes(region: str, items: Any) -> tuple[ProgrammeAddition, ...]:
    if not isinstance(items, list):
        raise RegionSettingsError("programmes: must be a list of catalogue entries")
    added = tuple(_programme(region, item, i) for i, item in enumerate(items))
    ids = [a.id for a in added]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise RegionSettingsError(f"programmes: ids given twice: {twice}")
    return added


def _programme(region: str, entry: Any, i: int) -> ProgrammeAddition:
    if not isinstance(entry, dict):
        raise RegionSettingsError(f"programmes #{i + 1}: must be a catalogue entry (mapping)")
    pid = entry.get("id")
    if not isinstance(pid, str) or not _PROGRAMME_ID.fullmatch(pid):
        raise RegionSettingsError(
            f"programmes #{i + 1}: id {pid!r} must be lower-case letters, digits and _"
        )
    try:  # the national catalogue's rules, field by field
        programme = parse_programme(entry, region)
    except CatalogueError as error:
        raise RegionSettingsError(f"programmes {pid}: {error}") from error
    return ProgrammeAddition(pid, programme.name_ko, programme.agency, entry, programme)


def _unique_programmes(path: Path, regions: Mapping[str, RegionSetting]) -> None:
    seen: dict[str, str] = {}
    for code, setting in regions.items():
        for programme in setting.programmes:
            if programme.id in seen:
                message = f"programme {programme.id} is added by regions {seen[programme.id]}"
                raise RegionSettingsError(f"{path}: {message} and {code}; ids are national")
            seen[programme.id] = code
