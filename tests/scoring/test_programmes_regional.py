"""A region's own programme as the catalogue sees it (``parse_programme`` with a region and
``Catalogue.with_additions``): parsed by the national rules, added after the national entries,
never under a national id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.programmes import CatalogueError, parse_programme, read_catalogue

CONFIG = Path(__file__).resolve().parents[2] / "config"


def _entry(**changes: Any) -> dict[str, Any]:
    """The shipped national entry ``kosme_emergency`` under another id, with ``changes``."""
    data = yaml.safe_load((CONFIG / "programmes.yaml").read_text(encoding="utf-8"))
    return data["programmes"][0] | {"id": "local_fund"} | changes


def test_a_region_entry_is_a_programme_of_that_region() -> None:
    national = parse_programme(_entry())
    local = parse_programme(_entry(), "26")
    assert national.region is None and local.region == "26"
    assert local.addresses == national.addresses and local.eligibility == national.eligibility


def test_its_regions_rule_must_include_the_region() -> None:
    entry = _entry(eligibility={"regions": ["11", "41"]})
    assert parse_programme(entry, "11").region == "11"
    with pytest.raises(CatalogueError, match=r"\['11', '41'\] leaves out region 26"):
        parse_programme(entry, "26")


def test_a_broken_entry_names_the_field() -> None:
    with pytest.raises(CatalogueError, match="amount"):
        parse_programme(_entry(amount=["lots"]), "26")  # a list, not a mapping: no TypeError


def test_additions_come_after_the_national_entries_under_their_own_ids(tmp_path: Path) -> None:
    catalogue = read_catalogue(CONFIG)
    origin = tmp_path / "regions.yaml"
    assert catalogue.with_additions([], origin) is catalogue
    added = catalogue.with_additions([parse_programme(_entry(), "26")], origin)
    assert [p.id for p in added.programmes][-1] == "local_fund" and added.additions == origin
    assert added.programmes[:-1] == catalogue.programmes and catalogue.additions is None
    taken = parse_programme(_entry(id="kosme_emergency"), "26")
    with pytest.raises(CatalogueError) as refused:
        catalogue.with_additions([taken], origin)
    message = str(refused.value)
    assert str(origin) in message and str(catalogue.path) in message
    assert "region 26: programme kosme_emergency has the id of a national programme" in message
    with pytest.raises(CatalogueError, match="names no region"):
        catalogue.with_additions([parse_programme(_entry())], origin)
