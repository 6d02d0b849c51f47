"""Name keys for finding a child while on the call: normalised text, phonetic codes
(jellyfish metaphone for the older name keys; double metaphone, both codes, for the
search keys of issue 13), spellings with a letter left out (typos), name variants and
graded comparisons of names and dates of birth, with rapidfuzz. Pure functions; no
database."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, timedelta
from enum import IntEnum
from functools import lru_cache
from importlib import resources

import jellyfish
from doublemetaphone import doublemetaphone
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

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


# --- Issue 13: the keys and comparisons of the call handler's search ------------------------
# Pure functions; misper.people.search holds the database side and the scorer.


@lru_cache(maxsize=200_000)
def codes(word: str) -> tuple[str, ...]:
    """Both double metaphone codes of a normalised word (one when they agree); the word
    itself, upper-cased, when it has no code (a rare all-vowel name)."""
    primary, alternate = doublemetaphone(word)
    found = tuple(dict.fromkeys(c for c in (primary, alternate) if c))
    return found or ((word.upper(),) if word else ())


def key_hash(text: str) -> int:
    """A search key as a signed 64-bit integer (an indexed BIGINT column is far smaller
    and faster than the text)."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@lru_cache(maxsize=200_000)
def words(text: str) -> tuple[str, ...]:
    """The normalised words of a name: 'Smith-Jones, Amy' → ('smith', 'jones', 'amy')."""
    return tuple(normalise(text).split())


def _load_variants() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    text = resources.files("misper.people").joinpath("name_variants.txt").read_text("utf-8")
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        names = {normalise(n) for n in line.split()}
        names.discard("")
        for name in names:
            groups.setdefault(name, set()).update(names - {name})
    return {name: frozenset(others) for name, others in groups.items()}


_VARIANTS: dict[str, frozenset[str]] | None = None


def variants(word: str) -> frozenset[str]:
    """Other forms of a given name (Tom for Thomas, Liv for Olivia, Mohamed for
    Muhammad), from name_variants.txt."""
    global _VARIANTS
    if _VARIANTS is None:
        _VARIANTS = _load_variants()
    return _VARIANTS.get(word, frozenset())


class Level(IntEnum):
    """How alike two values are, best first; a field not given on either side is
    MISSING and weighs nothing. For names: EXACT, VARIANT (a nickname or known spelling),
    CLOSE (one slip of the keyboard: a letter left out, added, changed or two swapped),
    PHONETIC (sounds alike: a double metaphone code shared), PARTIAL (similar, or the
    start of the other). For dates of birth: EXACT, VARIANT (day and month swapped),
    CLOSE (a day or two out), PHONETIC (a year out), PARTIAL (one digit out, or only the
    year: a 1 January placeholder)."""

    EXACT = 6
    VARIANT = 5
    CLOSE = 4
    PHONETIC = 3
    PARTIAL = 2
    DIFFERENT = 1
    MISSING = 0


@lru_cache(maxsize=200_000)
def word_level(query: str, candidate: str) -> Level:
    """How a word the caller gave compares with a word of a recorded name."""
    if query == candidate:
        return Level.EXACT
    if candidate in variants(query):
        return Level.VARIANT
    shortest = min(len(query), len(candidate))
    if shortest >= 3 and DamerauLevenshtein.distance(query, candidate) <= 1:
        return Level.CLOSE
    shared = set(codes(query)) & set(codes(candidate))
    if shared:
        # A sound of one or two consonants (Ivy, Ava, Evie: AF; Gill, Cole: KL) says
        # little: only similar.
        return Level.PHONETIC if max(len(c) for c in shared) >= 3 else Level.PARTIAL
    if shortest >= 3 and (
        JaroWinkler.similarity(query, candidate) >= 0.88
        or candidate.startswith(query)
        or query.startswith(candidate)
    ):
        return Level.PARTIAL
    return Level.DIFFERENT


def spelling_deletions(word: str) -> tuple[str, ...]:
    """The word with each one letter left out, for words of four letters or more: two
    spellings one slip apart share one of these ('iyv' and 'ivy' share 'iv')."""
    if len(word) < 4:
        return ()
    return tuple(dict.fromkeys(word[:i] + word[i + 1 :] for i in range(len(word))))


def dob_variants(day: date, earliest: date, latest: date) -> dict[date, Level]:
    """The dates a recorded date of birth may be if the caller's ``day`` is right but the
    record is not (or the other way round): day and month swapped, a year out, a day or
    two out, one digit out, and 1 January of the year (a placeholder for 'year only')."""
    out: dict[date, Level] = {}

    def add(value: date | None, level: Level) -> None:
        if value is not None and earliest <= value <= latest and value not in out:
            out[value] = level

    add(day, Level.EXACT)
    add(_safe_date(day.year, day.day, day.month), Level.VARIANT)
    for years in (-1, 1):
        add(_safe_date(day.year + years, day.month, day.day), Level.PHONETIC)
    for days in (-2, -1, 1, 2):
        add(day + timedelta(days=days), Level.CLOSE)
    text = day.strftime("%Y%m%d")
    for i in range(2, 8):
        for digit in "0123456789":
            if digit != text[i]:
                new = text[:i] + digit + text[i + 1 :]
                add(_safe_date(int(new[:4]), int(new[4:6]), int(new[6:])), Level.PARTIAL)
    add(date(day.year, 1, 1), Level.PARTIAL)
    return out


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@lru_cache(maxsize=100_000)
def dob_level(query: date, recorded: date) -> Level:
    """How the caller's date of birth compares with a recorded one."""
    if query == recorded:
        return Level.EXACT
    if query.year == recorded.year and (query.day, query.month) == (recorded.month, recorded.day):
        return Level.VARIANT
    if (query.month, query.day) == (recorded.month, recorded.day) and abs(
        query.year - recorded.year
    ) == 1:
        return Level.PHONETIC
    if abs((query - recorded).days) <= 2:
        return Level.CLOSE
    a, b = query.strftime("%Y%m%d"), recorded.strftime("%Y%m%d")
    if sum(x != y for x, y in zip(a, b, strict=True)) == 1:
        return Level.PARTIAL
    if recorded.month == 1 and recorded.day == 1 and recorded.year == query.year:
        return Level.PARTIAL
    return Level.DIFFERENT


def phone_key(digits: str) -> str:
    """The last nine digits of a UK number (07700 900123, +44 7700 900123 and
    0044 7700 900123 agree); '' when fewer than nine digits were given."""
    digits = "".join(ch for ch in digits if ch.isdigit())
    return digits[-9:] if len(digits) >= 9 else ""


def postcode_district(postcode: str) -> str:
    """The outward code: 'B12 9QD' → 'B12'; '' when there is none."""
    text = "".join(postcode.upper().split())
    if len(text) < 5:
        return text if 2 <= len(text) <= 4 and text[0].isalpha() else ""
    return text[:-3]


_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})?")


def outward_code(postcode: str) -> str:
    """The district of a postcode the caller gives, whole ('B12 9QD') or its first part
    ('B12'); '' when it is not the shape of a UK postcode (a search's input is checked
    with this; the records' postcodes are read with ``postcode_district``)."""
    found = _POSTCODE.fullmatch("".join(postcode.upper().split()))
    return found.group(1) if found else ""


def birth_year_level(year: int, recorded: date) -> Level:
    """The caller gave only the year of birth: the same year (EXACT), a year out (CLOSE),
    or not (DIFFERENT). The day and month say nothing either way."""
    if recorded.year == year:
        return Level.EXACT
    return Level.CLOSE if abs(recorded.year - year) == 1 else Level.DIFFERENT


def birth_month_level(year: int, month: int, recorded: date) -> Level:
    """The caller gave the month and year of birth: the same month (EXACT), the month
    either side or the same month a year out (VARIANT), another month of the same year
    (PARTIAL), or not (DIFFERENT). The day says nothing either way."""
    asked = year * 12 + month - 1
    held = recorded.year * 12 + recorded.month - 1
    if asked == held:
        return Level.EXACT
    if abs(asked - held) in (1, 12):
        return Level.VARIANT
    return Level.PARTIAL if recorded.year == year else Level.DIFFERENT
