"""Korean particles (조사) chosen by the last syllable's final consonant (받침).

Korean writes 이자보상배율이 but 부채비율이 … 매출액이, 자기자본비율은 but 유동비율은; the choice
depends on whether the word before the particle ends in a consonant when read aloud, so digits,
Latin letters and symbols are read the way staff would say them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL: Final = 8  # index of ㄹ among final consonants
# How a trailing non-Hangul character is read: (has a final consonant, that consonant is ㄹ).
_DIGITS: Final[dict[str, tuple[bool, bool]]] = {
    "0": (True, False),
    "1": (True, True),
    "2": (False, False),
    "3": (True, False),
    "4": (False, False),
    "5": (False, False),
    "6": (True, False),
    "7": (True, True),
    "8": (True, True),
    "9": (False, False),
}
_LETTERS_WITH_FINAL: Final[dict[str, bool]] = {"l": True, "m": False, "n": False, "r": True}
_SYMBOLS: Final[dict[str, tuple[bool, bool]]] = {"%": (False, False)}  # 퍼센트

# particle after a final consonant / after a vowel
PAIRS: Final[dict[str, tuple[str, str]]] = {
    "이/가": ("이", "가"),
    "은/는": ("은", "는"),
    "을/를": ("을", "를"),
    "과/와": ("과", "와"),
    "으로/로": ("으로", "로"),
}


def final_consonant(word: str) -> tuple[bool, bool]:
    """(ends in a final consonant, that consonant is ㄹ) for the last sounded character."""
    for char in reversed(word.strip()):
        if _HANGUL_FIRST <= ord(char) <= _HANGUL_LAST:
            jong = (ord(char) - _HANGUL_FIRST) % 28
            return jong != 0, jong == _RIEUL
        if char in _DIGITS:
            return _DIGITS[char]
        if char in _SYMBOLS:
            return _SYMBOLS[char]
        if char.isascii() and char.isalpha():
            rieul = _LETTERS_WITH_FINAL.get(char.lower())
            return rieul is not None, bool(rieul)
    return False, False


def particle(word: str, pair: str) -> str:
    """The form of ``pair`` (e.g. "이/가") that follows ``word``."""
    if pair not in PAIRS:
        raise ValueError(f"pair must be one of {', '.join(PAIRS)}; got {pair!r}")
    after_consonant, after_vowel = PAIRS[pair]
    has_final, is_rieul = final_consonant(word)
    if pair == "으로/로" and is_rieul:
        return after_vowel  # ㄹ takes 로: 45일로, 서울로
    return after_consonant if has_final else after_vowel


@lru_cache(maxsize=8192)  # labels and shown values repeat; every served reason needs two
def attach(word: str, pair: str) -> str:
    """``word`` followed by the right particle: attach("부채비율", "이/가") -> "부채비율이"."""
    return word + particle(word, pair)
