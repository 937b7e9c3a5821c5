"""The fast TreeSHAP equals shap.TreeExplainer (the oracle) within 1e-9, missing values included."""

from __future__ import annotations

import math
import warnings
from typing import Any

import lightgbm as lgb
import numpy as np
import pytest

from scoring import treeshap
from scoring.explain import tree_shap
from tests.conftest import DemoRun
from training import registry

with warnings.catch_warnings():  # shap 0.51 trips matplotlib's pending deprecations on import
    warnings.simplefilter("ignore")
    import shap

TOLERANCE = 1e-9


def _matrix(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Features with NaNs, exact zeros and ties, and a label that depends on several of them."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10))
    x[:, 3] = rng.integers(0, 4, n)  # small counts with many exact zeros and ties
    x[rng.random(n) < 0.15, 0] = np.nan
    x[rng.random(n) < 0.3, 1] = 0.0
    x[rng.random(n) < 0.1, 2] = np.nan
    logit = 1.5 * np.nan_to_num(x[:, 0], nan=2.0) - x[:, 1] + 0.7 * x[:, 3] + x[:, 4] * x[:, 5]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return x, y


def _booster(**params: object) -> lgb.Booster:
    x, y = _matrix(4000, seed=1)
    base = {
        "objective": "binary",
        "learning_rate": 0.1,
        "min_child_samples": 20,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "verbose": -1,
        "seed": 3,
        "num_threads": 1,
    }
    return lgb.train({**base, **params}, lgb.Dataset(x, y), num_boost_round=60)


def _rows() -> np.ndarray:
    x, _ = _matrix(700, seed=2)
    x[::11] = np.nan  # whole rows missing
    x[::13, 1] = 1e-40  # below LightGBM's zero threshold: read as zero
    return x


def _dumped_trees(booster: lgb.Booster) -> list[dict[str, np.ndarray]]:
    """The trees as ``booster.dump_model()`` describes them, in the parser's array layout."""
    trees = []
    for info in booster.dump_model()["tree_info"]:
        leaves = info["num_leaves"]
        arrays = {
            "split_feature": np.zeros(leaves - 1, dtype=np.int64),
            "threshold": np.zeros(leaves - 1),
            "default_left": np.zeros(leaves - 1, dtype=np.bool_),
            "missing": np.zeros(leaves - 1, dtype=np.int64),
            "left": np.zeros(leaves - 1, dtype=np.int64),
            "right": np.zeros(leaves - 1, dtype=np.int64),
            "internal_count": np.zeros(leaves - 1),
            "leaf_value": np.zeros(leaves),
            "leaf_count": np.ones(leaves),
        }
        _fill(info["tree_structure"], arrays)
        trees.append(arrays)
    return trees


def _fill(node: dict[str, Any], arrays: dict[str, np.ndarray]) -> int:
    """Write ``node`` and its subtree into ``arrays``; its child reference (leaf l: ~l)."""
    if "split_index" not in node:
        leaf = node.get("leaf_index", 0)
        arrays["leaf_value"][leaf] = node["leaf_value"]
        arrays["leaf_count"][leaf] = node.get("leaf_count", 1)
        return ~leaf
    at = node["split_index"]
    assert node["decision_type"] == "<="
    arrays["split_feature"][at] = node["split_feature"]
    threshold = node["threshold"]
    # JSON has no infinity: dump_model writes ±1e300 (LightGBM's AvoidInf) where the model holds
    # ±inf and the text writes inf (the demo champion has such splits).
    arrays["threshold"][at] = (
        math.copysign(math.inf, threshold) if abs(threshold) >= 1e300 else threshold
    )
    arrays["default_left"][at] = node["default_left"]
    arrays["missing"][at] = ("None", "Zero", "NaN").index(node["missing_type"])
    arrays["internal_count"][at] = node["internal_count"]
    arrays["left"][at] = _fill(node["left_child"], arrays)
    arrays["right"][at] = _fill(node["right_child"], arrays)
    return at


def assert_parsed_as_dumped(booster: lgb.Booster) -> None:
    """The fast TreeSHAP's text parser reads every tree exactly as ``dump_model()`` gives it."""
    parsed = treeshap._parse_trees(booster.model_to_string())
    dumped = _dumped_trees(booster)
    assert len(parsed) == len(dumped) == booster.num_trees()
    for tree, arrays in zip(parsed, dumped, strict=True):
        for name, expected in arrays.items():
            np.testing.assert_array_equal(getattr(tree, name), expected, err_msg=name)


def _oracle(booster: lgb.Booster, x: np.ndarray) -> tuple[np.ndarray, float]:
    with warnings.catch_warnings():  # shap notes that binary LightGBM output "has changed"
        warnings.simplefilter("ignore", UserWarning)
        explainer = shap.TreeExplainer(booster)
        values = np.asarray(explainer.shap_values(x))
    return values, float(np.ravel(explainer.expected_value)[0])


@pytest.mark.parametrize(
    "params",
    [
        {"num_leaves": 15, "max_depth": 5},  # the champion's shape: grouped kernel
        {"num_leaves": 15, "max_depth": 5, "zero_as_missing": True},  # missing type Zero
        {"num_leaves": 15, "max_depth": 5, "use_missing": False},  # missing type None
        {"num_leaves": 31, "max_depth": 9},  # deeper paths: per-leaf kernel
    ],
    ids=["champion-shape", "zero-missing", "no-missing", "deeper"],
)
def test_fast_treeshap_equals_shap_tree_explainer(params: dict[str, object]) -> None:
    booster = _booster(**params)
    assert_parsed_as_dumped(booster)
    x = _rows()
    fast = treeshap.FastTreeShap(booster)
    expected_shap, expected_value = _oracle(booster, x)
    for threads in (1, 2):
        phi, phi0 = fast.shap_values(x, threads=threads)
        np.testing.assert_allclose(phi, expected_shap, rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(phi0, expected_value, rtol=0, atol=TOLERANCE)


def test_one_row_and_the_parallel_path_agree() -> None:
    booster = _booster(num_leaves=15, max_depth=5)
    x = np.tile(_rows(), (2, 1))  # above the serial cut-off
    fast = treeshap.FastTreeShap(booster)
    batch, _ = fast.shap_values(x, threads=2)
    single = np.vstack([fast.shap_values(x[i : i + 1])[0] for i in range(0, len(x), 97)])
    np.testing.assert_allclose(single, batch[::97], rtol=0, atol=1e-12)


def test_categorical_models_fall_back_to_pred_contrib() -> None:
    x, y = _matrix(2000, seed=4)
    x[:, 3] = np.abs(x[:, 3])
    data = lgb.Dataset(x, y, categorical_feature=[3])
    booster = lgb.train(
        {
            "objective": "binary",
            "verbose": -1,
            "num_leaves": 7,
            "min_data_per_group": 5,
            "cat_smooth": 1,
            "num_threads": 1,
        },
        data,
        num_boost_round=10,
    )
    with pytest.raises(treeshap.UnsupportedModel):
        treeshap.FastTreeShap(booster)
    assert treeshap.explainer_for(booster) is None
    phi, phi0 = tree_shap(booster, x[:50])
    contrib = booster.predict(x[:50], pred_contrib=True)
    np.testing.assert_array_equal(phi, contrib[:, :-1])
    np.testing.assert_array_equal(phi0, contrib[:, -1])


@pytest.mark.slow
def test_registered_champion_matches_the_oracle(demo_run: DemoRun) -> None:
    model = registry.load_alias(demo_run.settings, registry.CHAMPION)
    assert_parsed_as_dumped(model.booster)
    matrix = model.matrix(demo_run.features.tail(1500))
    assert np.isnan(matrix).any(), "the demo features should include missing values"
    phi, phi0 = tree_shap(model.booster, matrix)
    assert treeshap.explainer_for(model.booster) is not None
    expected_shap, expected_value = _oracle(model.booster, matrix)
    np.testing.assert_allclose(phi, expected_shap, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(phi0, expected_value, rtol=0, atol=TOLERANCE)
