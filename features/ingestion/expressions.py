"""Derived columns: a small, safe arithmetic language over columns (no Python is executed).

Allowed: numbers, column names (a name with spaces in backticks), ``nan``, ``+ - * / **``,
comparisons, ``and``/``or``/``not`` and ``a if condition else b``; all element-wise.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

_QUOTED = re.compile(r"`([^`]+)`")
_BINARY: dict[type[ast.operator], Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type[ast.cmpop], Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_LEAVES = (ast.Expression, ast.Load, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd)
_NODES = (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Constant, ast.Name)


class ExpressionError(ValueError):
    """An expression that does not parse or uses something outside the small language."""


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.Expression
    aliases: dict[str, str]  # placeholder identifier -> quoted column name

    @property
    def names(self) -> frozenset[str]:
        """Column names the expression reads."""
        found = {n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)} - {"nan"}
        return frozenset(self.aliases.get(name, name) for name in found)

    def evaluate(self, columns: Mapping[str, np.ndarray], rows: int) -> np.ndarray:
        """Float values per row; division by zero and overflow give missing, not infinity."""
        with np.errstate(all="ignore"):
            values = np.asarray(_eval(self.tree.body, columns, self.aliases), dtype="float64")
        values = np.broadcast_to(values, (rows,)).copy()
        values[~np.isfinite(values)] = np.nan
        return values


def parse_expression(text: str) -> Expression:
    aliases: dict[str, str] = {}

    def quote(match: re.Match[str]) -> str:
        alias = f"_q{len(aliases)}_"
        aliases[alias] = match.group(1)
        return alias

    try:
        tree = ast.parse(_QUOTED.sub(quote, text.strip()), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"does not parse: {error.msg}") from None
    for node in ast.walk(tree):
        allowed = (
            isinstance(node, _LEAVES + _NODES) or type(node) in _BINARY or type(node) in _COMPARE
        )
        if not allowed:
            raise ExpressionError(f"{type(node).__name__} is not allowed in {text!r}")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise ExpressionError(f"only numbers may be constants, not {node.value!r}")
    return Expression(text, tree, aliases)


def _eval(node: ast.AST, columns: Mapping[str, np.ndarray], aliases: dict[str, str]) -> np.ndarray:
    def sub(child: ast.AST) -> np.ndarray:
        return _eval(child, columns, aliases)

    if isinstance(node, ast.Constant):
        return np.asarray(node.value, dtype="float64")
    if isinstance(node, ast.Name):
        if node.id == "nan":
            return np.asarray(np.nan)
        return np.asarray(columns[aliases.get(node.id, node.id)], dtype="float64")
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](sub(node.left), sub(node.right))
    if isinstance(node, ast.UnaryOp):
        value = sub(node.operand)
        if isinstance(node.op, ast.Not):
            return ~value.astype(bool)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Compare):
        left, result = sub(node.left), np.asarray(True)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = sub(right_node)
            result = result & _COMPARE[type(op)](left, right)
            left = right
        return result
    if isinstance(node, ast.BoolOp):
        parts = [sub(v).astype(bool) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        return combine.reduce(np.broadcast_arrays(*parts))
    if isinstance(node, ast.IfExp):
        return np.where(sub(node.test).astype(bool), sub(node.body), sub(node.orelse))
    raise ExpressionError(f"{type(node).__name__} is not allowed")  # pragma: no cover
