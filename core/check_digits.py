"""Check digits of Korean registration numbers, over arrays of the leading digits as integers.

- 사업자등록번호 (business registration number, 10 digits): the National Tax Service rule,
  weights 1 3 7 1 3 7 1 3 5 on the first nine digits plus the tens of the ninth digit times 5.
- 법인등록번호 (corporate registration number, 13 digits): the 오류검색번호 of the registry
  rule, weights 1 2 1 2 … on the first twelve digits.

Both take the number without its last digit and give that digit (10 - sum mod 10, 10 -> 0).
"""

from __future__ import annotations

import numpy as np

_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_CRN_WEIGHTS = (1, 2) * 6


def brn_check_digit(stem: np.ndarray) -> np.ndarray:
    """The last digit of a 사업자등록번호 whose first nine digits are ``stem``."""
    digits = _digits(stem, len(_BRN_WEIGHTS))
    total = _weighted(digits, _BRN_WEIGHTS) + (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def crn_check_digit(stem: np.ndarray) -> np.ndarray:
    """The last digit of a 법인등록번호 whose first twelve digits are ``stem``."""
    digits = _digits(stem, len(_CRN_WEIGHTS))
    total = _weighted(digits, _CRN_WEIGHTS)
    return (10 - total % 10) % 10


def _digits(stem: np.ndarray, count: int) -> list[np.ndarray]:
    """The ``count`` decimal digits of each stem, most significant first."""
    stem = np.asarray(stem, dtype=np.int64)
    return [(stem // 10**power) % 10 for power in range(count - 1, -1, -1)]


def _weighted(digits: list[np.ndarray], weights: tuple[int, ...]) -> np.ndarray:
    return np.sum([d * w for d, w in zip(digits, weights, strict=True)], axis=0)
