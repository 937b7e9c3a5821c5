"""District and cluster names instead of codes: the names table and its messy cases."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from features.demo.clusters import GENERAL_POSITION, cluster_id, clusters
from features.demo.geography import MAIN_INDUSTRIES, districts
from features.demo.world import generate_demo
from serving.domain.region_codes import (
    cluster_label,
    cluster_name,
    district_label,
    district_name,
)


def test_every_cluster_the_generator_assigns_has_a_name() -> None:
    data = generate_demo(2_000, seed=5, first_year=2023, last_year=2024)
    used = set(data.tables.firms["cluster_id"].dropna())
    assert used, "the demo world has clustered firms"
    assert used <= set(clusters())
    assert all(cluster_name(code) for code in used)


def test_cluster_ids_follow_the_generator_positions() -> None:
    names = clusters()
    for region, industries in MAIN_INDUSTRIES.items():
        expected = {cluster_id(region, p) for p in range(1, len(industries) + 1)}
        expected.add(cluster_id(region, GENERAL_POSITION))
        assert expected == {code for code in names if code.startswith(f"{region}-")}
    assert cluster_name("31-C01") == "울산 미포국가산업단지"
    assert cluster_name("31-C01", "en") == "Ulsan Mipo National Industrial Complex"
    assert not any(re.search("[가-힣]", en) for _, en in names.values())


def test_district_names_come_from_the_geography_table() -> None:
    table = districts()
    code, name = next(iter(table.items()))
    assert district_name(code) == name
    assert re.fullmatch(r"\d{5}", code)


def test_unknown_or_missing_codes_show_the_code_or_nothing() -> None:
    for missing in (None, np.nan, pd.NA, 26120):
        assert district_name(missing) is None
        assert cluster_name(missing) is None
    assert district_name("99999") is None
    assert district_label("99999") == "99999"
    assert district_label(None) == ""
    assert cluster_label("PLANT-7") == "PLANT-7"
    assert cluster_label("00-C01") == "00-C01"  # region "00" has no clusters
