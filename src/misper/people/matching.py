"""Name keys for finding a child while on the call: normalised text and phonetic codes
(jellyfish metaphone), compared with rapidfuzz. Pure functions; no database."""

from __future__ import annotations

import re
import unicodedata

import jellyfish
from rapidfuzz import fuzz

_NON_LETTERS = re.compile(r"[^a-z ]+")


def normalise(text: str) -> str:
    """'Zoë  O'Brien-Smith' → 'zoe obrien smith'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    lowered = ascii_text.lower().replace("'", "").replace("-", " ")
    return " ".join(_NON_LETTERS.sub(" ", lowered).split())


def phonetic(word: str) -> str:
    word = normalise(word).replace(" ", "")
    return jellyfish.metaphone(word)[:32] if word else ""


def split_name(full: str) -> tuple[str, str]:
    """'Jane Mary Smith' → ('jane mary', 'smith'); a single word is a family name."""
    words = normalise(full).split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    return " ".join(words[:-1]), words[-1]


def name_score(query: str, candidate: str) -> float:
    """0-100: how alike two names are, order-insensitive."""
    return float(fuzz.token_sort_ratio(normalise(query), normalise(candidate)))
