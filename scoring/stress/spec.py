"""A stress scenario as written: shocks to the statements, each with a scope, read from YAML.

A file names the scenario and lists its shocks; every field is checked, and a bad file is
refused with the file and the field (``ScenarioError``), never half-read. Unknown fields are
refused too, so that a misspelt scope never silently shocks every firm.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from core.contract import REGIONS

UNKNOWN_REGION: Final = "00"  # firms stored without a region (or with a code that is no 시도)
# A region in a scope or a run: one of the 17 시도 codes, or "00".
REGION_CODES: Final[tuple[str, ...]] = (*REGIONS, UNKNOWN_REGION)


class ScenarioError(ValueError):
    """A scenario that cannot be read: which file (None for a submitted spec), which field
    (dotted path, e.g. ``shocks.0.pct``; None for the whole file) and why."""

    def __init__(self, file: str | None, field: str | None, message: str) -> None:
        self.file, self.field, self.message = file, field, message
        where = " ".join(p for p in (file, f"field {field}" if field else None) if p)
        super().__init__(f"{where}: {message}" if where else message)


def _region_code(code: str) -> str:
    if code not in REGION_CODES:
        raise ValueError(f"{code!r} is not a 시도 code nor 00")
    return code


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(_Strict):
    """Which firms a shock hits: all of them, or those matching every list given."""

    regions: list[Annotated[str, AfterValidator(_region_code)]] = Field(
        default=[], max_length=18, description="시도 codes (00: firms without a region)"
    )
    divisions: list[Annotated[str, Field(pattern=r"^\d{2}$")]] = Field(
        default=[], max_length=100, description="KSIC divisions (first two digits)"
    )
    districts: list[Annotated[str, Field(pattern=r"^\d{5}$")]] = Field(
        default=[], max_length=300, description="시군구 codes"
    )
    clusters: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        default=[], max_length=300, description="firms.cluster_id (industrial complexes)"
    )


class InterestRate(_Strict):
    """Interest on interest-bearing debt (차입금) rises by ``bp`` basis points for a year."""

    type: Literal["interest_rate"]
    bp: float = Field(ge=-500, le=2000, description="basis points added to the rate")
    scope: Scope = Scope()


class Revenue(_Strict):
    """Revenue changes by ``pct`` percent; ``variable_cost_share`` of the cost of sales moves
    with it, the rest of the costs (SG&A, the fixed part of the cost of sales) stay."""

    type: Literal["revenue"]
    pct: float = Field(ge=-100, le=100, description="percent change of revenue")
    variable_cost_share: float = Field(default=1.0, ge=0, le=1)
    scope: Scope = Scope()


class Wage(_Strict):
    """Labour costs (급여총액) rise by ``pct`` percent; with ``max_average_wage`` only firms
    whose payroll per employee is at most that (천원 a year) are hit: a minimum-wage shock."""

    type: Literal["wage"]
    pct: float = Field(ge=-50, le=100, description="percent change of payroll")
    max_average_wage: float | None = Field(default=None, gt=0)
    scope: Scope = Scope()


class Energy(_Strict):
    """Energy prices rise by ``pct`` percent; energy is taken as a share of the cost of sales,
    by KSIC division (``scoring.stress.shocks.ENERGY_SHARES``) unless ``share_of_cost_of_sales``
    fixes one share for every firm hit."""

    type: Literal["energy"]
    pct: float = Field(ge=-100, le=500, description="percent change of energy prices")
    share_of_cost_of_sales: float | None = Field(default=None, ge=0, le=1)
    scope: Scope = Scope()


Shock = Annotated[InterestRate | Revenue | Wage | Energy, Field(discriminator="type")]
SHOCK_TYPES: Final[tuple[str, ...]] = ("interest_rate", "revenue", "wage", "energy")


class Scenario(_Strict):
    """A named set of shocks applied together to each firm's latest statement."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    title_ko: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    description_ko: str = Field(default="", max_length=2000)
    description_en: str = Field(default="", max_length=2000)
    shocks: list[Shock] = Field(min_length=1, max_length=10)


def field_path(location: tuple[int | str, ...]) -> str:
    """A pydantic error location as a dotted field (the union's tag left out)."""
    parts = [str(p) for p in location if p not in SHOCK_TYPES]
    return ".".join(parts)


def parse_scenario(data: object, file: str | None = None) -> Scenario:
    """A scenario from parsed YAML or JSON; ``ScenarioError`` names the first bad field."""
    if not isinstance(data, dict):
        raise ScenarioError(file, None, "a scenario is a mapping (name, title_ko, shocks, …)")
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ScenarioError(file, field_path(first["loc"]) or None, message) from None


def load_scenario(path: Path) -> Scenario:
    """Read one scenario file (YAML)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(path.name, None, f"cannot be read: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(path.name, None, f"is not YAML: {error}") from None
    return parse_scenario(data, path.name)


def scenario_files(folder: Path) -> list[Path]:
    """The scenario files of a folder (``*.yaml`` and ``*.yml``), by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def find_scenario(folder: Path, name: str) -> Path:
    """The file of a scenario named by its file name (with or without ``.yaml``)."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise ScenarioError(name, None, "give a file name in the scenario folder, not a path")
    for path in scenario_files(folder):
        if name in (path.name, path.stem):
            return path
    raise ScenarioError(name, None, f"no such scenario file in {folder}")
