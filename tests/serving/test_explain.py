"""Reasons are exact TreeSHAP, carried into probability points that add up to the PD."""

import warnings

import numpy as np
import pandas as pd
import pytest

from core.bundle import Calibration, LoadedModel
from features.catalog import FEATURE_NAMES
from features.peers import PEER_LEVELS, PeerReference, peer_keys
from features.pipeline import as_of_dates, features_as_of
from features.tables import RawTables
from scoring import explain

with warnings.catch_warnings():  # shap 0.51 trips matplotlib's pending deprecations on import
    warnings.simplefilter("ignore")
    import shap


@pytest.fixture(scope="module")
def matrix(panel: RawTables, loaded: LoadedModel) -> np.ndarray:
    rows = features_as_of(panel, as_of_dates(panel.financials)[-1])
    return loaded.matrix(rows)


def _tree_explainer(model: object) -> "shap.TreeExplainer":
    with warnings.catch_warnings():  # shap warns that binary LightGBM output "has changed"
        warnings.simplefilter("ignore", UserWarning)
        return shap.TreeExplainer(model)


def _shap_values(explainer: "shap.TreeExplainer", matrix: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return np.asarray(explainer.shap_values(matrix))


def test_contributions_equal_tree_explainer(loaded: LoadedModel, matrix: np.ndarray) -> None:
    ours, expected = explain.tree_shap(loaded.booster, matrix)
    explainer = _tree_explainer(loaded.booster)
    theirs = _shap_values(explainer, matrix)
    assert ours.shape == theirs.shape == (len(matrix), len(FEATURE_NAMES))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(expected, float(np.ravel(explainer.expected_value)[0]), atol=1e-9)


def test_contributions_equal_shaps_own_tree_algorithm(
    loaded: LoadedModel, matrix: np.ndarray
) -> None:
    """For a LightGBM booster shap calls pred_contrib itself; rerun its own C++ TreeSHAP on the
    dumped trees so the check does not lean on LightGBM (missing values included)."""
    fields = (
        "children_left",
        "children_right",
        "children_default",
        "features",
        "thresholds",
        "values",
        "node_sample_weight",
    )
    ensemble = _tree_explainer(loaded.booster).model
    trees = [{name: getattr(tree, name) for name in fields} for tree in ensemble.trees]
    independent = _tree_explainer({"trees": trees, "base_offset": ensemble.base_offset})
    ours, expected = explain.tree_shap(loaded.booster, matrix)
    assert np.isnan(matrix).any()
    np.testing.assert_allclose(ours, _shap_values(independent, matrix), rtol=0, atol=1e-9)
    np.testing.assert_allclose(expected, np.ravel(independent.expected_value)[0], atol=1e-9)


def test_points_add_up_to_the_served_pd(loaded: LoadedModel, matrix: np.ndarray) -> None:
    calibration = loaded.bundle.calibration
    attribution = explain.attribute(loaded.booster, calibration, matrix)
    np.testing.assert_allclose(
        attribution.pd,
        loaded.predict_pd(pd.DataFrame(matrix, columns=FEATURE_NAMES)),
        rtol=0,
        atol=1e-12,
    )
    residue = attribution.base_pd + attribution.points.sum(axis=1) - attribution.pd
    assert np.abs(residue).max() <= 1e-12
    # same sign and same ranking as the calibrated SHAP values within each row
    assert np.all(np.sign(attribution.points) == np.sign(calibration.slope * attribution.shap))


def test_points_follow_the_closed_form() -> None:
    calibration = Calibration(slope=0.9, intercept=-0.2)
    shap_values, base = np.array([[0.5, -0.2, 0.1]]), np.array([-2.0])
    attribution = explain.probability_points(shap_values, base, calibration)
    z0, z = 0.9 * -2.0 - 0.2, 0.9 * (-2.0 + 0.4) - 0.2
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    expected = 0.9 * shap_values[0] * (sigmoid(z) - sigmoid(z0)) / (0.9 * 0.4)
    np.testing.assert_allclose(attribution.points[0], expected, rtol=1e-12)


@pytest.mark.parametrize("total", [0.0, 1e-13, -3e-10])
def test_small_sum_uses_the_limit_and_still_adds_up(total: float) -> None:
    calibration = Calibration(slope=0.9, intercept=-0.2)
    shap_values = np.array([[0.7, -0.7 + total, 0.0, 1e-3, -1e-3]])
    attribution = explain.probability_points(shap_values, np.array([-2.5]), calibration)
    base = attribution.base_pd[0]
    limit = base * (1 - base) * 0.9 * shap_values[0]
    np.testing.assert_allclose(attribution.points[0], limit, rtol=1e-6, atol=1e-15)
    assert abs(base + attribution.points[0].sum() - attribution.pd[0]) <= 1e-12
    assert np.isfinite(attribution.points).all()


def test_reasons_sorted_and_families_sum(loaded: LoadedModel, matrix: np.ndarray) -> None:
    attribution = explain.attribute(loaded.booster, loaded.bundle.calibration, matrix[:1])
    peers = np.full(matrix.shape[1], 40.0)
    reasons, families = explain.reasons(FEATURE_NAMES, matrix[0], peers, attribution.points[0])
    sizes = [abs(r.contribution) for r in reasons]
    assert len(reasons) == explain.DEFAULT_TOP and sizes == sorted(sizes, reverse=True)
    total = sum(r.contribution for r in reasons) + sum(f.rest for f in families)
    assert abs(attribution.base_pd[0] + total - attribution.pd[0]) <= 1e-12
    assert sum(f.n_features for f in families) == len(FEATURE_NAMES)
    everything, _ = explain.reasons(FEATURE_NAMES, matrix[0], peers, attribution.points[0], None)
    assert len(everything) == len(FEATURE_NAMES)


def test_missing_value_reads_as_not_reported(loaded: LoadedModel) -> None:
    row = np.full(len(FEATURE_NAMES), np.nan)
    points = np.linspace(-0.01, 0.01, len(FEATURE_NAMES))
    reasons, _ = explain.reasons(FEATURE_NAMES, row, row, points, None)
    assert all(r.value is None and r.display == "자료 없음" for r in reasons)
    assert all(
        "자료가 없습니다" in r.sentence_ko and "not reported" in r.sentence_en for r in reasons
    )


def test_reasons_say_at_which_level_the_peers_were_taken() -> None:
    """Firms known only by their KSIC section are ranked within the section, and say so."""
    frame = pd.DataFrame(
        {
            "ksic": ["C"] * 25 + ["25112"] * 3,
            "size_class": "소기업",
            "operating_margin": np.linspace(-0.1, 0.2, 28),
        }
    )
    reference = PeerReference.fit(
        frame, peer_keys(frame["ksic"], frame["size_class"]), ["operating_margin"]
    )
    ranks = explain.peer_percentiles(reference, frame, ("operating_margin",))
    assert set(ranks.level[:, 0]) == {PEER_LEVELS.index("section")}
    (reason,), _ = explain.reasons(
        ("operating_margin",), np.array([0.05]), ranks[0], np.array([0.01])
    )
    assert reason.peer_level == "section" and reason.peer_group_ko == "같은 대분류 업종"
    assert "같은 대분류 업종 기업 중" in reason.sentence_ko
