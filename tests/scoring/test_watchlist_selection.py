"""Watch-list selection: ranking, capacity and the anti-flapping rule (scoring.watchlist)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.watchlist import Hysteresis, Ranked, WatchQuery, select


def ranked(pds: dict[str, float]) -> Ranked:
    """Firms ordered by PD, highest first (rows are the positions in that order)."""
    order = sorted(pds, key=lambda f: (-pds[f], f))
    return Ranked(order, np.array([pds[f] for f in order]), np.arange(len(order)))


def listed(selection_of: Ranked, positions: list[int]) -> list[str]:
    return [selection_of.firm_ids[i] for i in positions]


def test_without_a_previous_list_it_is_the_top_k() -> None:
    current = ranked({"a": 0.5, "b": 0.4, "c": 0.3, "d": 0.2})
    chosen = select(current, None, 2)
    assert listed(current, chosen.listed) == ["a", "b"]
    assert chosen.kept == set() and chosen.left == [] and chosen.displaced == 0


def test_a_listed_firm_inside_the_band_keeps_its_place() -> None:
    # K = 4, band = 5: "d" slipped to rank 5 with nearly the same PD and stays; "e" waits.
    previous = ranked({"a": 0.5, "b": 0.4, "c": 0.3, "d": 0.2, "e": 0.1})
    current = ranked({"a": 0.5, "b": 0.4, "c": 0.3, "e": 0.21, "d": 0.2})
    chosen = select(current, previous, 4)
    assert listed(current, chosen.listed) == ["a", "b", "c", "d"]
    assert chosen.kept == {"a", "b", "c", "d"} and chosen.displaced == 1


def test_a_firm_leaves_below_the_band_or_after_a_large_pd_drop() -> None:
    previous = ranked({"a": 0.5, "b": 0.4, "c": 0.3, "d": 0.2, "x": 0.01, "y": 0.01})
    # "c" falls to rank 5 (inside the band of 5) but its PD fell by more than 30%;
    # "d" falls to rank 7, below the band.
    current = ranked({"a": 0.5, "b": 0.4, "x": 0.3, "y": 0.25, "c": 0.2, "z": 0.19, "d": 0.1})
    chosen = select(current, previous, 4)
    assert listed(current, chosen.listed) == ["a", "b", "x", "y"]
    assert dict(chosen.left) == {"c": "pd_drop", "d": "rank"}


def test_a_firm_no_longer_scored_or_filtered_out_leaves_and_says_why() -> None:
    previous = ranked({"a": 0.5, "b": 0.4, "c": 0.3})
    current = ranked({"a": 0.5, "d": 0.1, "e": 0.05})
    chosen = select(current, previous, 3, scored_now={"a", "c", "d", "e"})
    assert dict(chosen.left) == {"b": "not_scored", "c": "filtered"}
    assert listed(current, chosen.listed) == ["a", "d", "e"]


def test_hysteresis_cuts_churn_from_small_pd_changes() -> None:
    rng = np.random.default_rng(3)
    firms = [f"{i:010d}" for i in range(2_000)]
    base = rng.beta(0.5, 20, len(firms))
    previous = ranked(dict(zip(firms, base, strict=True)))
    noisy = base * rng.lognormal(0.0, 0.1, len(firms))  # ±10% noise, no real change
    current = ranked(dict(zip(firms, noisy, strict=True)))
    plain = select(current, previous, 100, rule=Hysteresis(rank_factor=1.0, max_pd_drop=0.0))
    steady = select(current, previous, 100)
    assert len(steady.listed) == len(plain.listed) == 100
    assert len(steady.left) < len(plain.left) / 2


def test_capacity_is_checked() -> None:
    with pytest.raises(ValueError, match="capacity"):
        WatchQuery(capacity=0)
