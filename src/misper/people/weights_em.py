"""Estimating the search's weights (match_weights.toml) from the records, as Splink does:
u from random pairs of records (two different children, almost always), m by expectation
maximisation over pairs that share a blocking key, the u held fixed. Three blocking rules,
so that every field is learnt from pairs not chosen by it: the same family name word and
date of birth (learns the given name), the same given name word and date of birth (the
family name), the same given and family name words (the date of birth), each name by its
sound (double metaphone), so that a record with a name misspelt is still paired; the phone and the
postcode are learnt in all three, and their mean kept. A level the pairs never show keeps the value
in force: hand-set where the data cannot say. Used by ``misper search_weights``; pure
Python over rows of values."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from misper.people.matching import (
    Level,
    codes,
    dob_level,
    phone_key,
    postcode_district,
    word_level,
    words,
)

FIELDS = ("given_name", "family_name", "date_of_birth", "phone", "postcode_district")
_NAME = {
    Level.EXACT: "exact",
    Level.VARIANT: "variant",
    Level.CLOSE: "close",
    Level.PHONETIC: "phonetic",
    Level.PARTIAL: "partial",
    Level.DIFFERENT: "different",
}


@dataclass(frozen=True)
class Record:
    given: tuple[str, ...]
    family: tuple[str, ...]
    dob: date | None
    phone: str
    district: str


def record(given: str, family: str, dob: date | None, phone: str, postcode: str) -> Record:
    return Record(words(given), words(family), dob, phone_key(phone), postcode_district(postcode))


def _best(a: tuple[str, ...], b: tuple[str, ...]) -> str | None:
    if not a or not b:
        return None
    return _NAME[max(word_level(x, y) for x in a[:1] for y in b)]


def compare(a: Record, b: Record) -> dict[str, str | None]:
    """Each field's level for a pair (None: missing on either side)."""
    return {
        "given_name": _best(a.given, b.given),
        "family_name": _best(a.family, b.family),
        "date_of_birth": (
            _NAME[dob_level(a.dob, b.dob)] if a.dob is not None and b.dob is not None else None
        ),
        "phone": (
            ("exact" if a.phone == b.phone else "different") if a.phone and b.phone else None
        ),
        "postcode_district": (
            ("exact" if a.district == b.district else "different")
            if a.district and b.district
            else None
        ),
    }


def estimate_u(
    records: Sequence[Record], pairs: int, rng: random.Random
) -> dict[str, dict[str, float]]:
    """u per field and level from random pairs of records."""
    counts: dict[str, Counter[str]] = {f: Counter() for f in FIELDS}
    n = len(records)
    for _ in range(pairs):
        i, j = rng.randrange(n), rng.randrange(n)
        if i == j:
            continue
        for f, level in compare(records[i], records[j]).items():
            if level is not None:
                counts[f][level] += 1
    return {
        f: {level: k / total for level, k in c.items()}
        for f, c in counts.items()
        if (total := sum(c.values()))
    }


def blocked_pairs(
    records: Sequence[Record], key: Any, per_block: int, rng: random.Random
) -> list[tuple[int, int]]:
    """Pairs of records sharing ``key(record)`` (at most ``per_block`` from a block)."""
    blocks: dict[Any, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        k = key(r)
        if k is not None:
            blocks[k].append(i)
    out: list[tuple[int, int]] = []
    for members in blocks.values():
        block = [(a, b) for x, a in enumerate(members) for b in members[x + 1 :]]
        if len(block) > per_block:
            block = rng.sample(block, per_block)
        out.extend(block)
    return out


def expectation_maximisation(
    vectors: Iterable[dict[str, str | None]],
    fields: Sequence[str],
    m: dict[str, dict[str, float]],
    u: dict[str, dict[str, float]],
    *,
    iterations: int = 25,
    prior: float = 0.05,
) -> tuple[dict[str, dict[str, float]], float]:
    """m for ``fields`` (u fixed), and the share of matches among the pairs."""
    rows = [tuple(v[f] for f in fields) for v in vectors]
    floor = 1e-6
    m = {f: dict(m.get(f, {})) for f in fields}
    for _ in range(iterations):
        totals: dict[str, defaultdict[str, float]] = {f: defaultdict(float) for f in fields}
        weight_sum = 0.0
        for row in rows:
            log_m = math.log(prior)
            log_u = math.log(1 - prior)
            for f, level in zip(fields, row, strict=True):
                if level is None:
                    continue
                log_m += math.log(max(m[f].get(level, floor), floor))
                log_u += math.log(max(u.get(f, {}).get(level, floor), floor))
            p = 1.0 / (1.0 + math.exp(max(min(log_u - log_m, 700), -700)))
            weight_sum += p
            for f, level in zip(fields, row, strict=True):
                if level is not None:
                    totals[f][level] += p
        if not rows or weight_sum == 0:
            break
        prior = min(max(weight_sum / len(rows), 1e-6), 1 - 1e-6)
        for f in fields:
            total = sum(totals[f].values())
            if total:
                m[f] = {level: k / total for level, k in totals[f].items()}
    return m, prior


def estimate(
    records: Sequence[Record],
    current: dict[str, dict[str, dict[str, float]]],
    *,
    random_pairs: int = 200_000,
    per_block: int = 50,
    seed: int = 13,
) -> dict[str, Any]:
    """New m and u for the fields, beside the values in force, with what was seen."""
    rng = random.Random(seed)  # noqa: S311 - sampling, not secrecy
    u = estimate_u(records, random_pairs, rng)
    m_now = {f: {lvl: v["m"] for lvl, v in current.get(f, {}).items()} for f in FIELDS}
    # Each field is learnt from pairs blocked on other fields (names by sound, so that a
    # record with a name misspelt is still paired), on two of them at once, so
    # that most pairs in a block are the same child (blocking on the family name and the
    # year alone made brothers and sisters, who share the family name, the phone and the
    # postcode, the class the expectation maximisation found).
    sessions = (
        (
            "family name and date of birth",
            lambda r: (codes(r.family[0])[0], r.dob) if r.family and r.dob else None,
            ("given_name", "phone", "postcode_district"),
        ),
        (
            "given name and date of birth",
            lambda r: (codes(r.given[0])[0], r.dob) if r.given and r.dob else None,
            ("family_name", "phone", "postcode_district"),
        ),
        (
            "given and family name",
            lambda r: (
                (codes(r.given[0])[0], codes(r.family[0])[0]) if r.given and r.family else None
            ),
            ("date_of_birth", "phone", "postcode_district"),
        ),
    )
    learnt: dict[str, list[dict[str, float]]] = defaultdict(list)
    pairs: dict[str, int] = {}
    shares: dict[str, float] = {}
    for name, key, fields in sessions:
        blocked = blocked_pairs(records, key, per_block, rng)
        found, share = expectation_maximisation(
            (compare(records[i], records[j]) for i, j in blocked), fields, m_now, u
        )
        pairs[name], shares[name] = len(blocked), share
        for f in fields:
            if found.get(f):
                learnt[f].append(found[f])
    # A field learnt in more than one session: the mean of its sessions (as Splink does).
    m = {
        f: {
            level: sum(d.get(level, 0.0) for d in ds) / len(ds)
            for level in {lvl for d in ds for lvl in d}
        }
        for f, ds in learnt.items()
    }
    return {
        "m": m,
        "u": u,
        "pairs": pairs,
        "match_share": shares,
    }


def to_toml(result: dict[str, Any], current: dict[str, Any], *, version: str, records: int) -> str:
    """match_weights.toml with the estimated values where the data says something; the
    name fields' exact u stays the word's frequency at search time (u_floor kept)."""
    toml_field = {"postcode_district": "postcode_district"}
    lines = [
        "# Fellegi–Sunter weights of the call handler's search (misper.people.search).",
        f"# Estimated by `misper search_weights` from {records} records: u from random",
        "# pairs, m by expectation maximisation over blocked pairs (see weights_em.py)",
        "# or, with --only-u, every m as it was in force; a level the data did not",
        "# show keeps the value that was in force.",
        "",
        f'version = "{version}"',
        "",
        "[thresholds]",
    ]
    lines += [f"{k} = {v}" for k, v in current["thresholds"].items()]
    if "prior" in current:
        lines += ["", "[prior]"] + [f"{k} = {v}" for k, v in current["prior"].items()]
    for section, levels in current.items():
        if not isinstance(levels, dict) or section in ("thresholds", "prior"):
            continue
        lines += ["", f"[{section}]"]
        f = toml_field.get(section, section)
        for level, values in levels.items():
            entry = dict(values)
            m = result["m"].get(f, {}).get(level)
            u = result["u"].get(f, {}).get(level)
            if m:
                entry["m"] = round(m, 6)
            if u and "u" in entry:
                entry["u"] = round(u, 8)
            body = ", ".join(f"{k} = {v}" for k, v in entry.items())
            lines.append(f"{level} = {{ {body} }}")
    return "\n".join(lines) + "\n"
