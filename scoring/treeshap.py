"""Fast exact TreeSHAP for LightGBM boosters (path-dependent, equal to ``pred_contrib``).

The algorithm is Fast TreeSHAP v2's idea (Yang 2021) for shallow trees. For one leaf ``l`` with
value ``v`` and the ``d`` distinct features on its path, let ``z_j`` be the share of training
rows that follow the path at feature ``j``'s splits (product of child/parent counts) and
``o_j`` ∈ {0, 1} whether the row itself follows them. Path-dependent TreeSHAP gives feature
``i`` on the path::

    φ_i += v · (o_i − z_i) · Σ_{S ⊆ T∖{i}} |S|!(d−|S|−1)!/d! · Π_{j ∈ P∖{i}∖S} z_j

where ``T`` is the set of path features the row satisfies. Everything but ``T`` is known when
the model loads, so for each leaf and each of its 2^d possible ``T`` we store the d
coefficients once. Scoring a row is then, per tree, one comparison per split, one bit mask per
leaf and d additions: O(T·L·D) instead of TreeSHAP's O(T·L·D²), with no per-row allocation.

The decision rule copies LightGBM's ``NumericalDecision`` (missing types None / Zero / NaN,
``default_left``, |x| ≤ 1e-35 read as zero), and the expected value copies
``Tree::ExpectedValue``, so results equal ``booster.predict(pred_contrib=True)`` — which is what
``shap.TreeExplainer`` returns for a LightGBM booster — to rounding (tested at 1e-9).
Categorical splits and very deep paths are not supported: ``FastTreeShap.supports`` says so and
callers fall back to ``pred_contrib``.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import lightgbm as lgb
import numba
import numpy as np

MAX_PATH_FEATURES = 12  # 2^d coefficient sets per leaf; deeper paths fall back
MAX_TABLE_BYTES = 512 * 2**20
GROUP_NODES = 8  # leaves are grouped so that at most 8 splits decide a group (2^8 patterns)
_MAX_THREADS: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
_ZERO = float(np.float32(1e-35))  # LightGBM's kZeroThreshold (a float constant)


class UnsupportedModel(ValueError):
    """The booster has splits this implementation does not handle (categorical, too deep)."""


@dataclass(frozen=True)
class _Tree:
    """One tree in LightGBM's own arrays: internal nodes by ``split_index``, leaves by
    ``leaf_index``, a child ``c < 0`` meaning leaf ``~c``."""

    split_feature: np.ndarray
    threshold: np.ndarray
    default_left: np.ndarray  # bool
    missing: np.ndarray  # LightGBM's MissingType: 0 None, 1 Zero, 2 NaN
    left: np.ndarray
    right: np.ndarray
    leaf_value: np.ndarray
    leaf_count: np.ndarray
    internal_count: np.ndarray


def _parse_trees(model_text: str) -> list[_Tree]:
    """The trees of a LightGBM text model, arrays as LightGBM wrote them (full precision).

    The text is read rather than ``booster.dump_model()`` because it is eight times faster to
    get (dump_model's JSON decoding dominates a model load); a test checks that both give the
    same trees on every model the TreeSHAP tests train.
    """
    trees = []
    for block in model_text.split("\nTree=")[1:]:
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line.startswith("end of trees"):
                break
            key, _, value = line.partition("=")
            fields[key] = value
        if int(fields.get("num_cat", "0")) > 0:
            raise UnsupportedModel("categorical splits are not supported by the fast TreeSHAP")
        leaves = int(fields["num_leaves"])
        decision = _numbers(fields, np.int64, "decision_type")
        trees.append(
            _Tree(
                split_feature=_numbers(fields, np.int64, "split_feature"),
                threshold=_numbers(fields, np.float64, "threshold"),
                default_left=(decision & 2).astype(np.bool_),  # LightGBM's kDefaultLeftMask
                missing=(decision >> 2) & 3,  # its MissingType: 0 None, 1 Zero, 2 NaN
                left=_numbers(fields, np.int64, "left_child"),
                right=_numbers(fields, np.int64, "right_child"),
                leaf_value=_numbers(fields, np.float64, "leaf_value")[:leaves],
                leaf_count=_numbers(fields, np.float64, "leaf_count") if leaves > 1 else np.ones(1),
                internal_count=_numbers(fields, np.float64, "internal_count"),
            )
        )
    return trees


def _numbers(fields: dict[str, str], dtype: type, key: str) -> np.ndarray:
    return np.array(fields[key].split() if fields.get(key) else [], dtype=dtype)


class _Builder:
    """Flattens parsed trees into the arrays the kernels read (leaves in depth-first order)."""

    def __init__(self) -> None:
        self.node: dict[str, list] = {
            "feature": [],
            "threshold": [],
            "default_left": [],
            "missing": [],
        }
        self.tree_node_start = [0]
        self.tree_leaf_start = [0]
        self.leaf: dict[str, list] = {
            "value": [],
            "depth": [],
            "path_start": [0],
            "slot_start": [0],
        }
        self.path: dict[str, list] = {"node": [], "left": [], "bit": []}
        self.slot: dict[str, list] = {"feature": [], "zero": []}
        self.expected = 0.0
        self.group: dict[str, list] = {
            "tree_start": [0],
            "leaf_start": [0],
            "node_start": [0],
            "nodes": [],
            "feature_start": [0],
            "features": [],
        }
        self.path_position: list[int] = []  # each path entry's node, as a bit of its group
        self.slot_local: list[int] = []  # each leaf slot's feature, as an index in its group
        self.groupable = True

    def add(self, tree: _Tree) -> None:
        if len(tree.leaf_value) == 1:
            self.expected += float(tree.leaf_value[0])
        else:
            # Tree::ExpectedValue: leaf counts over the root count, summed in leaf order.
            total = tree.internal_count[0]
            for value, count in zip(tree.leaf_value, tree.leaf_count, strict=True):
                self.expected += (count / total) * value
            self.node["feature"].extend(tree.split_feature.tolist())
            self.node["threshold"].extend(tree.threshold.tolist())
            self.node["default_left"].extend(tree.default_left.tolist())
            self.node["missing"].extend(tree.missing.tolist())
            first_leaf = len(self.leaf["value"])
            self._walk(tree, 0, [])
            if self.groupable:
                self._group(tree, first_leaf)
        self.group["tree_start"].append(len(self.group["leaf_start"]) - 1)
        self.tree_node_start.append(len(self.node["feature"]))
        self.tree_leaf_start.append(len(self.leaf["value"]))

    def _walk(self, tree: _Tree, node: int, path: list[tuple[int, bool, float]]) -> None:
        for child, went_left in ((int(tree.left[node]), True), (int(tree.right[node]), False)):
            step = [*path, (node, went_left, _count(tree, child) / _count(tree, node))]
            if child < 0:
                self._leaf(tree, float(tree.leaf_value[~child]), step)
            else:
                self._walk(tree, child, step)

    def _leaf(self, tree: _Tree, value: float, path: list[tuple[int, bool, float]]) -> None:
        slots: dict[int, int] = {}
        zero: list[float] = []
        for node, went_left, fraction in path:
            feature = int(tree.split_feature[node])
            if feature not in slots:
                slots[feature] = len(slots)
                zero.append(1.0)
            zero[slots[feature]] *= fraction  # repeated feature: fractions multiply (LightGBM)
            self.path["node"].append(node)  # index within its tree
            self.path["left"].append(went_left)
            self.path["bit"].append(1 << slots[feature])
        if len(slots) > MAX_PATH_FEATURES:
            raise UnsupportedModel(f"a path uses {len(slots)} features (> {MAX_PATH_FEATURES})")
        self.leaf["value"].append(value)
        self.leaf["depth"].append(len(slots))
        self.leaf["path_start"].append(len(self.path["node"]))
        self.slot["feature"].extend(slots)
        self.slot["zero"].extend(zero)
        self.leaf["slot_start"].append(len(self.slot["feature"]))

    def _group(self, tree: _Tree, first_leaf: int) -> None:
        """Split the tree's leaves into subtrees whose paths touch at most GROUP_NODES splits."""
        if len(tree.split_feature) > 63:
            self.groupable = False
            return
        leaf = first_leaf
        for nodes, n_leaves in _subtree_groups(tree, 0, []):
            if len(nodes) > GROUP_NODES:
                self.groupable = False
                return
            features: dict[int, int] = {}
            for q in range(leaf, leaf + n_leaves):
                for p in range(self.leaf["path_start"][q], self.leaf["path_start"][q + 1]):
                    self.path_position.append(nodes.index(self.path["node"][p]))
                for f in self.slot["feature"][
                    self.leaf["slot_start"][q] : self.leaf["slot_start"][q + 1]
                ]:
                    self.slot_local.append(features.setdefault(f, len(features)))
            leaf += n_leaves
            self.group["leaf_start"].append(leaf)
            self.group["nodes"].extend(nodes)
            self.group["node_start"].append(len(self.group["nodes"]))
            self.group["features"].extend(features)
            self.group["feature_start"].append(len(self.group["features"]))


def _subtree_groups(tree: _Tree, node: int, above: list[int]) -> list[tuple[list[int], int]]:
    """(split nodes that decide the leaves, number of leaves) per group, leaves depth-first."""
    inside = _internal_nodes(tree, node)
    if len(above) + len(inside) <= GROUP_NODES or node < 0:
        return [([*above, *inside], len(inside) + 1)]
    return [
        *_subtree_groups(tree, int(tree.left[node]), [*above, node]),
        *_subtree_groups(tree, int(tree.right[node]), [*above, node]),
    ]


def _internal_nodes(tree: _Tree, node: int) -> list[int]:
    if node < 0:
        return []
    return [
        node,
        *_internal_nodes(tree, int(tree.left[node])),
        *_internal_nodes(tree, int(tree.right[node])),
    ]


def _count(tree: _Tree, node: int) -> float:
    return float(tree.internal_count[node] if node >= 0 else tree.leaf_count[~node])


@numba.njit(cache=True)
def _coefficients(depth, slot_start, slot_zero, leaf_value, coef_start, coef):  # type: ignore[no-untyped-def]
    """For each leaf, mask T of satisfied path features and slot i: v·(o_i − z_i)·G(T∖{i}, i)."""
    for leaf in range(len(depth)):
        d = depth[leaf]
        if d == 0:
            continue
        z = slot_zero[slot_start[leaf] : slot_start[leaf] + d]
        weight = np.empty(d)  # |S|!(d−|S|−1)!/d!
        for s in range(d):
            w = 1.0 / d
            for k in range(1, s + 1):
                w *= k / (d - k)
            weight[s] = w
        e = np.empty(d)
        for mask in range(1 << d):
            for i in range(d):
                inside = mask & ~(1 << i)
                e[:] = 0.0
                e[0] = 1.0
                k = 0
                outside = 1.0
                for j in range(d):
                    if j == i:
                        continue
                    if (inside >> j) & 1:
                        k += 1
                        for m in range(k, 0, -1):
                            e[m] += e[m - 1] * z[j]
                    else:
                        outside *= z[j]
                g = 0.0
                for m in range(k + 1):  # |S| = k − m; e[m] sums Π z over T∖S with |T∖S| = m
                    g += weight[k - m] * e[m]
                one = float((mask >> i) & 1)
                coef[coef_start[leaf] + mask * d + i] = (
                    leaf_value[leaf] * (one - z[i]) * outside * g
                )


@numba.njit(cache=True)
def _group_tables(groups, leaves, table_start, table):  # type: ignore[no-untyped-def]
    """Sum the coefficients of a group's leaves for every pattern of its splits' directions."""
    leaf_start, node_start, feature_start = groups
    (
        depth,
        path_start,
        path_left,
        path_bit,
        path_position,
        slot_start,
        slot_local,
        coef_start,
        coef,
    ) = leaves
    for g in range(len(leaf_start) - 1):
        n = node_start[g + 1] - node_start[g]
        u = feature_start[g + 1] - feature_start[g]
        for pattern in range(1 << n):
            base = table_start[g] + pattern * u
            for leaf in range(leaf_start[g], leaf_start[g + 1]):
                d = depth[leaf]
                mask = (1 << d) - 1
                for p in range(path_start[leaf], path_start[leaf + 1]):
                    if ((pattern >> path_position[p]) & 1 == 1) != path_left[p]:
                        mask &= ~path_bit[p]
                c = coef_start[leaf] + mask * d
                for i in range(d):
                    table[base + slot_local[slot_start[leaf] + i]] += coef[c + i]


@numba.njit(cache=True, inline="always")
def _goes_left(value, threshold, default_left, missing):  # type: ignore[no-untyped-def]
    """LightGBM's NumericalDecision for one split."""
    if np.isnan(value) and missing != 2:
        value = 0.0
    if -_ZERO <= value <= _ZERO:
        value = 0.0  # LightGBM drops |x| <= kZeroThreshold from dense rows
    if (missing == 1 and value == 0.0) or (missing == 2 and np.isnan(value)):
        return default_left
    return value <= threshold


@numba.njit(cache=True)
def _rows(matrix, out, start, stop, tables):  # type: ignore[no-untyped-def]
    (
        feature,
        threshold,
        default_left,
        missing,
        tree_node_start,
        tree_leaf_start,
        depth,
        path_start,
        path_node,
        path_left,
        path_bit,
        slot_start,
        slot_feature,
        coef_start,
        coef,
    ) = tables
    widest = 1
    for t in range(len(tree_node_start) - 1):
        widest = max(widest, tree_node_start[t + 1] - tree_node_start[t])
    left = np.empty(widest, np.bool_)
    for r in range(start, stop):
        x = matrix[r]
        phi = out[r]
        for t in range(len(tree_node_start) - 1):
            first = tree_node_start[t]
            for k in range(tree_node_start[t + 1] - first):
                n = first + k
                left[k] = _goes_left(x[feature[n]], threshold[n], default_left[n], missing[n])
            for leaf in range(tree_leaf_start[t], tree_leaf_start[t + 1]):
                d = depth[leaf]
                mask = (1 << d) - 1
                for p in range(path_start[leaf], path_start[leaf + 1]):
                    if left[path_node[p]] != path_left[p]:
                        mask &= ~path_bit[p]
                base = coef_start[leaf] + mask * d
                slots = slot_start[leaf]
                for i in range(d):
                    phi[slot_feature[slots + i]] += coef[base + i]


@numba.njit(cache=True, parallel=True)
def _rows_parallel(matrix, out, block, tables):  # type: ignore[no-untyped-def]
    n = matrix.shape[0]
    blocks = (n + block - 1) // block
    for b in numba.prange(blocks):
        _rows(matrix, out, b * block, min(n, (b + 1) * block), tables)


@numba.njit(cache=True)
def _rows_grouped(matrix, out, start, stop, tables):  # type: ignore[no-untyped-def]
    (
        feature,
        threshold,
        default_left,
        missing,
        tree_node_start,
        tree_group_start,
        node_start,
        nodes,
        feature_start,
        features,
        table_start,
        table,
    ) = tables
    left = np.zeros(64, np.int64)
    for r in range(start, stop):
        x = matrix[r]
        phi = out[r]
        for t in range(len(tree_node_start) - 1):
            first = tree_node_start[t]
            for k in range(tree_node_start[t + 1] - first):
                n = first + k
                left[k] = _goes_left(x[feature[n]], threshold[n], default_left[n], missing[n])
            for g in range(tree_group_start[t], tree_group_start[t + 1]):
                pattern = 0
                for i in range(node_start[g + 1] - node_start[g]):
                    pattern |= left[nodes[node_start[g] + i]] << i
                u = feature_start[g + 1] - feature_start[g]
                base = table_start[g] + pattern * u
                for j in range(u):
                    phi[features[feature_start[g] + j]] += table[base + j]


@numba.njit(cache=True, parallel=True)
def _rows_grouped_parallel(matrix, out, block, tables):  # type: ignore[no-untyped-def]
    n = matrix.shape[0]
    blocks = (n + block - 1) // block
    for b in numba.prange(blocks):
        _rows_grouped(matrix, out, b * block, min(n, (b + 1) * block), tables)


class FastTreeShap:
    """Exact path-dependent TreeSHAP of one LightGBM booster, precomputed at construction."""

    SERIAL_ROWS = 256  # below this, threads cost more than they save

    def __init__(self, booster: lgb.Booster) -> None:
        builder = _Builder()
        for tree in _parse_trees(booster.model_to_string()):
            builder.add(tree)
        self.n_features = booster.num_feature()
        self.expected_value = builder.expected
        depth = np.asarray(builder.leaf["depth"], dtype=np.int64)
        sizes = depth * (np.int64(1) << depth)
        if int(sizes.sum()) * 8 > MAX_TABLE_BYTES:
            raise UnsupportedModel(
                f"coefficient table of {int(sizes.sum()) * 8} bytes is too large"
            )
        coef_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        coef = np.zeros(int(coef_start[-1]))
        slot_start = np.asarray(builder.leaf["slot_start"], dtype=np.int64)
        _coefficients(
            depth,
            slot_start,
            np.asarray(builder.slot["zero"], dtype=np.float64),
            np.asarray(builder.leaf["value"], dtype=np.float64),
            coef_start,
            coef,
        )
        self._tables = (
            np.asarray(builder.node["feature"], dtype=np.int64),
            np.asarray(builder.node["threshold"], dtype=np.float64),
            np.asarray(builder.node["default_left"], dtype=np.bool_),
            np.asarray(builder.node["missing"], dtype=np.int64),
            np.asarray(builder.tree_node_start, dtype=np.int64),
            np.asarray(builder.tree_leaf_start, dtype=np.int64),
            depth,
            np.asarray(builder.leaf["path_start"], dtype=np.int64),
            np.asarray(builder.path["node"], dtype=np.int64),
            np.asarray(builder.path["left"], dtype=np.bool_),
            np.asarray(builder.path["bit"], dtype=np.int64),
            slot_start,
            np.asarray(builder.slot["feature"], dtype=np.int64),
            coef_start,
            coef,
        )
        self.grouped = builder.groupable
        if self.grouped:
            self._tables = self._grouped_tables(builder, self._tables)

    @staticmethod
    def _grouped_tables(builder: _Builder, leaf_tables: tuple) -> tuple:
        group = {k: np.asarray(v, dtype=np.int64) for k, v in builder.group.items()}
        sizes = np.diff(group["feature_start"]) << np.diff(group["node_start"])
        if int(sizes.sum()) * 8 > MAX_TABLE_BYTES:
            raise UnsupportedModel(f"group tables of {int(sizes.sum()) * 8} bytes are too large")
        table_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        table = np.zeros(int(table_start[-1]))
        (*_, depth, path_start, _node, path_left, path_bit, slot_start, _f, coef_start, coef) = (
            leaf_tables
        )
        _group_tables(
            (group["leaf_start"], group["node_start"], group["feature_start"]),
            (
                depth,
                path_start,
                path_left,
                path_bit,
                np.asarray(builder.path_position, dtype=np.int64),
                slot_start,
                np.asarray(builder.slot_local, dtype=np.int64),
                coef_start,
                coef,
            ),
            table_start,
            table,
        )
        return (
            *leaf_tables[:5],
            group["tree_start"],
            group["node_start"],
            group["nodes"],
            group["feature_start"],
            group["features"],
            table_start,
            table,
        )

    def shap_values(
        self, matrix: np.ndarray, threads: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(φ1…φk, φ0) per row in raw log-odds, like ``pred_contrib`` split into two arrays."""
        matrix = np.ascontiguousarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != self.n_features:
            raise ValueError(f"matrix must have {self.n_features} columns, got {matrix.shape}")
        out = np.zeros((len(matrix), self.n_features))
        n = len(matrix)
        threads = _MAX_THREADS if threads in (None, 0) else threads
        serial, parallel = (
            (_rows_grouped, _rows_grouped_parallel) if self.grouped else (_rows, _rows_parallel)
        )
        if n < self.SERIAL_ROWS or threads == 1:
            serial(matrix, out, 0, n, self._tables)
        else:
            previous = numba.get_num_threads()
            numba.set_num_threads(min(threads, _MAX_THREADS))
            try:
                block = max(64, -(-n // (8 * threads)))
                parallel(matrix, out, block, self._tables)
            finally:
                numba.set_num_threads(previous)
        return out, np.full(n, self.expected_value)


_CACHE: weakref.WeakKeyDictionary[lgb.Booster, FastTreeShap | None] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def explainer_for(booster: lgb.Booster) -> FastTreeShap | None:
    """The booster's fast explainer, built once; None when the model is not supported."""
    with _LOCK:
        if booster in _CACHE:
            return _CACHE[booster]
        try:
            explainer: FastTreeShap | None = FastTreeShap(booster)
        except UnsupportedModel:
            explainer = None
        _CACHE[booster] = explainer
        return explainer
