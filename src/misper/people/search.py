"""Finding the child on the call (issue 13): the search keys, the candidates in one indexed
statement, and a Fellegi–Sunter scorer that weighs the evidence field by field.

1. **Keys** (``person_keys``): kept in ``SearchKey`` by people/services.py with every
   change of a record. Each key is a 64-bit hash of a text:

   - for every given-name word with every family-name word, of the record's name and
     each alias: ``n:<given code>|<family code>`` (both double metaphone codes),
     ``x:<given>|<family>`` (the spellings) and ``t:<given with a letter left out>|<family
     code>``, ``u:<given code>|<family with a letter left out>`` (typos: a symmetric
     deletion index);
   - ``wd:<code>|<date of birth>`` for every name word (a surname alone with the date of
     birth), ``d:<date of birth>``, ``p:<last nine digits of the phone>``,
     ``pc:<postcode district>`` of the home postcode and of the current placement's, and
     ``w:<word>`` for every name word (counted, for how common the word is; a candidate
     key only for rare words).

   A search asks for the keys of both orders of the caller's words (``Smith Jayden``),
   the nicknames and variants of each (name_variants.txt: Tom for Thomas), and each date
   the recorded date of birth may be (day and month swapped, a year out, a day or two
   out, one digit out, 1 January of the year); for part of a date of birth (the month
   and year, or the year) the ``wd:`` keys of every day it may be. One statement sums a
   rough weight per child over the keys it shares with the search and keeps the best
   ``CANDIDATES``.

2. **Scorer** (``_score``): for each candidate (values only, no model objects) each field
   is compared on graded levels (exact, variant, phonetic, close, partial, different;
   missing on either side weighs nothing) and weighs log2(m/u) bits from
   match_weights.toml (part of a date of birth only at the precision given: a year
   agreeing is a year agreeing, the day and month say nothing); an exact name's u is its
   frequency in the data, so a common name counts less than a rare one. The caller's
   words are given to the given and family name both ways round, the best kept. The
   prior is one record in the population.

3. **Results**: records that look like one child (the same date of birth or phone and a
   name alike) collapse into one row with the others as ``duplicates``; each row gets a
   probability (rows compete: 2^W / (1 + the sum of 2^W)) and a strength: strong,
   possible or weak. A row that shares no word of the name given is not shown unless its
   phone matches: a stranger born the same day is not offered as the child.
"""

from __future__ import annotations

import math
import time
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import psycopg
from django.db import connection, transaction
from django.db.models import Case, FloatField, QuerySet, Sum, Value, When

from misper.people.matching import (
    Level,
    birth_month_level,
    birth_year_level,
    codes,
    dob_level,
    dob_variants,
    key_hash,
    phone_key,
    postcode_district,
    spelling_deletions,
    variants,
    word_level,
    words,
)
from misper.people.models import Alias, Person, Placement, SearchKey
from misper.policy.calendar import age_on

CANDIDATES = 150  # rows the one statement returns for scoring
RARE_WORD = 300  # a name word on at most this many records is a candidate key by itself
COUNT_CAP = 20_000  # counting how common a word is stops here
MAX_WORDS = 4  # the caller's first four words
EARLIEST_BIRTH = date(1990, 1, 1)


class Strength:
    STRONG = "strong"
    POSSIBLE = "possible"
    WEAK = "weak"


# --- Keys ----------------------------------------------------------------------------------

NameOption = tuple[tuple[str, ...], tuple[str, ...], str | None]


def name_options(given: str, family: str, aliases: Iterable[str] = ()) -> list[NameOption]:
    """The record's name and each alias as (given words, family words, alias text). An
    alias of one word is a given name with the record's family name."""
    family_words = words(family)
    out: list[NameOption] = [(words(given), family_words, None)]
    for alias in aliases:
        parts = words(alias)
        if len(parts) == 1:
            out.append(((parts[0],), family_words, alias))
        elif parts:
            out.append((tuple(parts[:-1]), (parts[-1],), alias))
    return out


def _pair_texts(given_words: Iterable[str], family_words: Iterable[str]) -> Iterator[str]:
    """For each given-name word with each family-name word: the sounds of both ("n:",
    both double metaphone codes), the spellings of both ("x:"), and one spelled with a
    letter left out and the other's sound ("t:" given, "u:" family), so that a slip of
    the keyboard on either name meets the recorded spelling (a symmetric deletion index:
    'Iyv' and 'Ivy' share 'iv'; 'Ibrajim' and 'Ibrahim' share 'ibraim')."""
    family_words = tuple(family_words)
    for g in given_words:
        for f in family_words:
            yield f"x:{g}|{f}"
            given_codes, family_codes = codes(g), codes(f)
            for cg in given_codes:
                for cf in family_codes:
                    yield f"n:{cg}|{cf}"
            # the typo keys carry the other name's first code only (fewer keys)
            for spelled in (g, *spelling_deletions(g)):
                yield f"t:{spelled}|{family_codes[0]}"
            for spelled in (f, *spelling_deletions(f)):
                yield f"u:{given_codes[0]}|{spelled}"


def person_keys(
    given: str,
    family: str,
    date_of_birth: date | None,
    phone_digits: str,
    postcode: str,
    aliases: Iterable[str] = (),
    placement_postcodes: Iterable[str] = (),
) -> set[int]:
    """Every search key of one record (see the module's docstring); ``postcode`` is the
    home postcode, ``placement_postcodes`` those of the current placement."""
    texts: set[str] = set()
    for given_words, family_words, _ in name_options(given, family, aliases):
        every = given_words + family_words
        texts.update(f"w:{w}" for w in every)
        texts.update(_pair_texts(given_words, family_words))
        if date_of_birth is not None:
            iso = date_of_birth.isoformat()
            texts.update(f"wd:{c}|{iso}" for w in every for c in codes(w))
    if date_of_birth is not None:
        texts.add(f"d:{date_of_birth.isoformat()}")
    phone = phone_key(phone_digits)
    if phone:
        texts.add(f"p:{phone}")
    for code in (postcode, *placement_postcodes):
        district = postcode_district(code)
        if district:
            texts.add(f"pc:{district}")
    return {key_hash(t) for t in texts}


def search_key_rows(people: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, int]]:
    """(person id, key) rows for loading many records at once (a migration, a bulk load):
    ``people`` yields (id, given name, family name, date of birth, phone digits, home
    postcode, aliases) and, optionally, the current placement's postcodes last."""
    for pk, given, family, dob, phone, postcode, aliases, *placed in people:
        placement_postcodes = placed[0] if placed else ()
        for key in person_keys(given, family, dob, phone, postcode, aliases, placement_postcodes):
            yield pk, key


def _current_placement_postcodes(person_ids: list[int]) -> dict[int, list[str]]:
    """The postcodes of the children's current placements (a placement not ended)."""
    placed: dict[int, list[str]] = defaultdict(list)
    rows = (
        Placement.objects.filter(person_id__in=person_ids, ended_on__isnull=True)
        .exclude(postcode="")
        .values_list("person_id", "postcode")
    )
    for pk, postcode in rows:
        placed[pk].append(postcode)
    return placed


# The scheme the keys are written in, kept on each record (``Person.search_keys_version``):
# raise it when the keys change meaning, and a migration that empties the column has every
# record indexed again (``index_pending``).
KEY_SCHEME = 1
PENDING_BATCH = 5000


def refresh_search_keys(person: Person) -> None:
    """Replace one record's keys (people/services.py, in the caller's transaction). A
    record merged into another has none: it is never found (people/duplicates.py)."""
    SearchKey.objects.filter(person=person).delete()
    # and looked at again for possible duplicates (duplicates.check_pending)
    Person.objects.filter(pk=person.pk).update(
        search_keys_version=KEY_SCHEME, duplicates_checked=False
    )
    person.search_keys_version = KEY_SCHEME
    person.duplicates_checked = False
    if person.merged_into_id is not None:
        return
    keys = person_keys(
        person.given_name,
        person.family_name,
        person.date_of_birth,
        person.phone_digits or person.phone,
        person.home_postcode,
        [a.name for a in person.aliases.all()],
        _current_placement_postcodes([person.pk]).get(person.pk, []),
    )
    SearchKey.objects.bulk_create([SearchKey(person=person, key=k) for k in keys])


def _write_keys(ids: list[int]) -> int:
    """Write the keys of these records (none for one merged away) and mark them with the
    scheme; returns the number of keys. The records' old keys must be gone already."""
    chunk = list(
        Person.objects.filter(pk__in=ids, merged_into__isnull=True)
        .order_by()
        .values_list(
            "pk",
            "given_name",
            "family_name",
            "date_of_birth",
            "phone_digits",
            "phone",
            "home_postcode",
        )
    )
    aliases: dict[int, list[str]] = defaultdict(list)
    for pk, name in Alias.objects.filter(person_id__in=ids).values_list("person_id", "name"):
        aliases[pk].append(name)
    placed = _current_placement_postcodes(ids)
    rows = [
        SearchKey(person_id=pk, key=key)
        for pk, key in search_key_rows(
            (
                pk,
                given,
                family,
                dob,
                digits or phone,
                postcode,
                aliases.get(pk, []),
                placed.get(pk, []),
            )
            for pk, given, family, dob, digits, phone, postcode in chunk
        )
    ]
    SearchKey.objects.bulk_create(rows, batch_size=10000)
    Person.objects.filter(pk__in=ids).update(search_keys_version=KEY_SCHEME)
    return len(rows)


def reindex(batch: int = PENDING_BATCH) -> int:
    """Rebuild every record's keys (after a change of the key scheme); returns the number
    of keys."""
    SearchKey.objects.all().delete()
    total = 0
    last = 0
    while True:
        ids = list(
            Person.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return total
        last = ids[-1]
        total += _write_keys(ids)


def index_pending(limit: int | None = None, batch: int = PENDING_BATCH) -> int:
    """Index the records written without their keys (``search_keys_version`` empty: a bulk
    load, a restore, rows written around the services), a batch per transaction, up to
    ``limit`` records (all when None); returns how many records were indexed. The search
    calls it before it reads the keys, so that such a record is found from the first
    search (a look-up of the partial index when there are none); the worker's sweep calls
    it a batch at a time. A record another process is indexing is waited for, not
    indexed twice (its row is locked, and no longer pending once that commits)."""
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        with transaction.atomic():
            ids = list(
                Person.objects.select_for_update()
                .filter(search_keys_version__isnull=True)
                .order_by()
                .values_list("pk", flat=True)[:size]
            )
            if not ids:
                break
            SearchKey.objects.filter(person_id__in=ids).delete()
            _write_keys(ids)
        done += len(ids)
    return done


# --- Weights -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Weights:
    version: str
    population_floor: int
    strong: float
    possible: float
    table: dict[str, dict[str, dict[str, float]]]

    def bits(self, field_name: str, level: str, u: float | None = None) -> float:
        entry = self.table[field_name][level]
        if u is None:
            u = entry["u"]
        return math.log2(entry["m"] / u)

    def floor(self, field_name: str) -> float:
        return self.table[field_name]["exact"]["u_floor"]


@cache
def weights() -> Weights:
    """The weights in force (match_weights.toml)."""
    text = resources.files("misper.people").joinpath("match_weights.toml").read_text("utf-8")
    return weights_from(text)


def weights_from(text: str) -> Weights:
    """Weights from the text of a weights file (the one in force, or one that
    ``misper search_weights`` printed, for the benchmark to compare)."""
    data = tomllib.loads(text)
    thresholds = data.pop("thresholds")
    prior = data.pop("prior", {})
    version = data.pop("version")
    return Weights(
        version=version,
        population_floor=int(prior.get("population_floor", 100_000)),
        strong=float(thresholds["strong"]),
        possible=float(thresholds["possible"]),
        table=data,
    )


# --- The search ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldMatch:
    """How one field compared: ``field`` (given_name, family_name, name, date_of_birth,
    year_of_birth, month_of_birth, age, phone, postcode), ``level`` (exact, variant,
    phonetic, close, partial, different), ``weight`` in bits, and ``text``, the reason as
    the call handler reads it."""

    field: str
    level: str
    weight: float
    text: str


@dataclass
class Found:
    """One row of the result: a record and the records of the same child."""

    person_id: int
    weight: float
    fields: tuple[FieldMatch, ...]
    reasons: tuple[str, ...]
    probability: float = 0.0
    strength: str = Strength.WEAK
    duplicates: list[int] = field(default_factory=list)
    # which of the caller's words (their place in the name as typed, split at spaces) this
    # row read as the given name and as the family name, where they matched
    name_reading: tuple[int | None, int | None] = (None, None)
    # for collapsing duplicates
    dob: date | None = None
    phone: str = ""
    given: tuple[str, ...] = ()
    family: tuple[str, ...] = ()


@dataclass
class _Query:
    words: list[str]
    units: list[tuple[str, ...]]  # the caller's words, a hyphenated name one unit
    tokens: list[int]  # the place of each unit in the name as typed (split at spaces)
    dob: date | None
    birth_year: int | None  # part of a date of birth: the year, or the month and year
    birth_month: int | None
    age: int | None
    phone: str
    district: str
    today: date
    population: int
    counts: dict[str, int]

    # the best reading of the caller's words for each recorded (given, family) seen
    readings: dict[tuple[tuple[str, ...], tuple[str, ...]], Any] = field(default_factory=dict)

    def tf(self, word: str) -> float:
        return max(self.counts.get(word, 0), 1) / self.population


_POPULATION: list[float] = [0.0, 0.0]  # [value, when it was read]


def _population() -> int:
    """How many records there are: PostgreSQL's estimate (read at most once a minute),
    or a count."""
    now = time.monotonic()
    if _POPULATION[0] and now - _POPULATION[1] < 60:
        return int(_POPULATION[0])
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [Person._meta.db_table],
            )
            row = cur.fetchone()
        if row and row[0] and row[0] > 0:
            _POPULATION[:] = [float(row[0]), now]
            return int(row[0])
    return Person.objects.count()


def _word_counts(query_words: list[str]) -> dict[str, int]:
    """How many records carry each word (capped at COUNT_CAP), in one statement."""
    unique = list(dict.fromkeys(query_words))
    if not unique:
        return {}
    table = connection.ops.quote_name(SearchKey._meta.db_table)
    parts = [
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE key = %s LIMIT {COUNT_CAP}) c{i})"  # noqa: S608 - table name and integers only
        for i in range(len(unique))
    ]
    sql = "SELECT " + ", ".join(parts)
    params = [key_hash(f"w:{w}") for w in unique]
    if connection.vendor == "postgresql":
        row = _prepared(sql, params)[0]
    else:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            row = cur.fetchone()
    return dict(zip(unique, (int(n) for n in row), strict=True)) if row else {}


# Rough weights for ranking the candidates in SQL: the spelling of both names, then a slip
# of the keyboard on one (a shared spelling with a letter left out), then the sound.
_PAIR_KEY_WEIGHT = {"x": 4.0, "t": 2.5, "u": 2.5, "n": 2.0}

# A name word with the exact date of birth outranks the spelling of a whole name (as in
# the scorer: about twelve bits against eight or nine for a common name).
_DOB_KEY_WEIGHT = {
    Level.EXACT: 10.0,
    Level.VARIANT: 4.0,
    Level.CLOSE: 3.0,
    Level.PHONETIC: 3.0,
    Level.PARTIAL: 1.5,
}


def _query_keys(q: _Query) -> dict[int, float]:
    """The keys to look up, each with a rough weight for ranking the candidates."""
    keys: dict[int, float] = {}

    def add(text: str, weight: float) -> None:
        h = key_hash(text)
        if keys.get(h, 0.0) < weight:
            keys[h] = weight

    pairs = [  # every word of one of the caller's names with every word of another
        (a, b)
        for i, unit_a in enumerate(q.units)
        for j, unit_b in enumerate(q.units)
        if i != j
        for a in unit_a
        for b in unit_b
    ]
    for a, b in pairs:
        for text in _pair_texts((a,), (b,)):
            add(text, _PAIR_KEY_WEIGHT[text[0]])
        # A nickname or variant by its spelling and its sound (no typo keys for these).
        for form in sorted(variants(a)):
            add(f"x:{form}|{b}", _PAIR_KEY_WEIGHT["x"] * 0.8)
            for cg in codes(form):
                for cb in codes(b):
                    add(f"n:{cg}|{cb}", _PAIR_KEY_WEIGHT["n"] * 0.8)
    for w in q.words:
        if q.counts.get(w, 0) <= RARE_WORD:
            add(f"w:{w}", 3.0)
    if q.dob is not None:
        dates = dob_variants(q.dob, EARLIEST_BIRTH, q.today)
        # A date one digit out is looked up with each word's first code only; with two
        # words or more, the alternative code is looked up with the nearer dates only.
        near = {
            day: level
            for day, level in dates.items()
            if len(q.units) < 2 or level != Level.PARTIAL or (day.month, day.day) == (1, 1)
        }
        for w in q.words:
            for i, c in enumerate(codes(w)):
                for day, level in (dates if i == 0 else near).items():
                    add(f"wd:{c}|{day.isoformat()}", _DOB_KEY_WEIGHT[level])
        if not q.words:
            for day, level in dates.items():
                add(f"d:{day.isoformat()}", _DOB_KEY_WEIGHT[level])
    elif q.birth_year is not None:
        # Part of a date of birth: every day it may be, with each word's codes (the first
        # code only for a whole year); alone, the dates of a month (a year is too many).
        days = _days_of(q.birth_year, q.birth_month, q.today)
        weight = _PART_DOB_KEY_WEIGHT["month" if q.birth_month else "year"]
        for w in q.words:
            for c in codes(w) if q.birth_month else codes(w)[:1]:
                for day in days:
                    add(f"wd:{c}|{day.isoformat()}", weight)
        if not q.words and q.birth_month:
            for day in days:
                add(f"d:{day.isoformat()}", weight)
    if q.phone:
        add(f"p:{q.phone}", 20.0)
    if q.district:
        # Home or placement postcode district: ranks the children of the district above
        # the others that share as much of the rest (below any name key).
        add(f"pc:{q.district}", 1.0)
    return keys


# Part of a date of birth in the candidates' rough weights: a name word born in the month
# given outranks a shared sound of both names; a name word born in the year given, less.
_PART_DOB_KEY_WEIGHT = {"month": 6.0, "year": 3.0}


def _days_of(year: int, month: int | None, today: date) -> list[date]:
    """Every day of the month (or the year) given, up to today."""
    first = date(year, month or 1, 1)
    after = date(year + 1, 1, 1) if month is None else date(year + (month == 12), month % 12 + 1, 1)
    last = min(after - timedelta(days=1), today)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _candidate_ids(keys: dict[int, float], visible: QuerySet[Person] | None) -> list[int]:
    """The one indexed statement: the children sharing the most weight of keys."""
    if not keys:
        return []
    by_weight: dict[float, list[int]] = defaultdict(list)
    for key, weight in keys.items():
        by_weight[weight].append(key)
    rank = Case(
        *[When(key__in=ks, then=Value(w)) for w, ks in by_weight.items()],
        default=Value(0.0),
        output_field=FloatField(),
    )
    qs = SearchKey.objects.filter(key__in=list(keys))
    if visible is not None:
        qs = qs.filter(person__in=visible.values("pk"))
    rows = qs.values("person_id").annotate(rank=Sum(rank)).order_by("-rank", "person_id")
    return [r["person_id"] for r in rows[:CANDIDATES]]


_ROW_FIELDS = (
    "pk",
    "given_name",
    "family_name",
    "date_of_birth",
    "estimated_age",
    "estimated_age_on",
    "phone_digits",
    "home_postcode",
)


def _candidate_rows(ids: list[int]) -> list[tuple[dict[str, Any], list[str]]]:
    """What the scorer reads of each candidate, as values (no model objects)."""
    if not ids:
        return []
    aliases: dict[int, list[str]] = defaultdict(list)
    for pk, alias in Alias.objects.filter(person_id__in=ids).values_list("person_id", "name"):
        aliases[pk].append(alias)
    rows = Person.objects.filter(pk__in=ids).values(*_ROW_FIELDS)
    return [(dict(row), aliases.get(row["pk"], [])) for row in rows]


def _candidates_postgresql(
    keys: dict[int, float], visible: QuerySet[Person] | None
) -> list[tuple[dict[str, Any], list[str]]]:
    """On PostgreSQL the keys go as two arrays and one statement returns the candidates
    with what the scorer reads (aliases included): an index scan of the key table's
    primary key for each key, a sum per child, the best CANDIDATES."""
    if not keys:
        return []
    key_table = connection.ops.quote_name(SearchKey._meta.db_table)
    person_table = connection.ops.quote_name(Person._meta.db_table)
    alias_table = connection.ops.quote_name(Alias._meta.db_table)
    params: list[Any] = [list(keys), list(keys.values())]
    where = ""
    if visible is not None:
        visible_sql, visible_params = visible.values("pk").query.sql_with_params()
        where = f"WHERE k.person_id IN ({visible_sql})"
        params.extend(visible_params)
    params.append(CANDIDATES)
    columns = ", ".join(f"p.{connection.ops.quote_name(f)}" for f in _ROW_FIELDS[1:])
    # Only quoted table and column names and Django's own SQL are formatted in; every
    # value is a parameter.
    sql = (
        "WITH q(key, w) AS (SELECT * FROM unnest(%s::bigint[], %s::float8[])), "  # noqa: S608
        f"c AS (SELECT k.person_id, SUM(q.w) AS rank FROM {key_table} k "
        f"JOIN q ON k.key = q.key {where} "
        "GROUP BY k.person_id ORDER BY rank DESC, k.person_id LIMIT %s) "
        f"SELECT p.id, {columns}, "
        f"ARRAY(SELECT a.name FROM {alias_table} a WHERE a.person_id = p.id) "
        f"FROM c JOIN {person_table} p ON p.id = c.person_id ORDER BY c.rank DESC, p.id"
    )
    fetched = _prepared(sql, params)
    return [(dict(zip(_ROW_FIELDS, row[:-1], strict=True)), list(row[-1])) for row in fetched]


def _prepared(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run a statement of the search with server-side parameters, prepared once per
    connection (PostgreSQL): the same text every time, so the plan is kept."""
    connection.ensure_connection()
    raw = connection.connection
    with psycopg.Cursor(raw) as cur:
        cur.execute(sql, params, prepare=True)
        return list(cur.fetchall())


def _age_candidate_ids(q: _Query, visible: QuerySet[Person] | None) -> list[int]:
    """An age alone, or a year of birth alone: children born in the years that fit (the
    year given), or estimated that old."""
    from django.db.models import Q

    age = _caller_age(q)
    assert age is not None
    if q.birth_year is not None:
        earliest = date(q.birth_year, 1, 1)
        latest = date(q.birth_year, 12, 31)
    else:
        earliest = date(q.today.year - age - 2, q.today.month, 1)
        latest = date(q.today.year - age + 1, 12, 28)
    qs = visible if visible is not None else Person.objects.all()
    qs = qs.filter(merged_into__isnull=True).filter(
        Q(date_of_birth__range=(earliest, latest)) | Q(estimated_age__range=(age - 1, age + 1))
    )
    return list(qs.order_by("pk").values_list("pk", flat=True)[:CANDIDATES])


def _caller_age(q: _Query) -> int | None:
    """The age the caller gave, or the one their date of birth (or part of it: the middle
    of the month or the year) makes today."""
    if q.dob is not None:
        return age_on(q.dob, q.today)
    if q.birth_year is not None:
        middle = date(q.birth_year, q.birth_month or 7, 15 if q.birth_month else 1)
        return max(age_on(min(middle, q.today), q.today), 0)
    return q.age


_QUALIFIER = {
    Level.VARIANT: "a known variant",
    Level.CLOSE: "one letter out",
    Level.PHONETIC: "sounds alike",
    Level.PARTIAL: "similar",
}
_LEVEL_NAME = {
    Level.EXACT: "exact",
    Level.VARIANT: "variant",
    Level.PHONETIC: "phonetic",
    Level.CLOSE: "close",
    Level.PARTIAL: "partial",
    Level.DIFFERENT: "different",
}


@lru_cache(maxsize=8192)
def _name_field_bits(w: Weights, field_name: str, level: Level, tf: float) -> float:
    if level == Level.EXACT:
        return w.bits(field_name, "exact", max(tf, w.floor(field_name)))
    if level in (Level.VARIANT, Level.CLOSE, Level.PHONETIC, Level.PARTIAL):
        name = _LEVEL_NAME[level]
        return w.bits(field_name, name, max(w.table[field_name][name]["u"], tf))
    return w.bits(field_name, "different")


def _best_level(word: str, recorded: tuple[str, ...]) -> tuple[Level, str]:
    best = (Level.MISSING, "")
    for r in recorded:
        level = word_level(word, r)
        if level > best[0]:
            best = (level, r)
    return best


def _name_score(
    q: _Query, given: tuple[str, ...], family: tuple[str, ...]
) -> tuple[float, list[tuple[str, Level, float, int]]]:
    """The best way of reading the caller's words as this given and family name: each
    word to the given or the family name, both ways round; further words that match
    another word of the name (a middle name) add a little."""
    w = weights()
    n = len(q.units)
    as_given = [_unit_level(q, u, given) for u in q.units]
    as_family = [_unit_level(q, u, family) for u in q.units]
    options: list[tuple[int | None, int | None]]
    if n == 1:
        options = [(0, None), (None, 0)]
    else:
        options = [(i, j) for i in range(n) for j in range(n) if i != j]
    best: tuple[float, list[tuple[str, Level, float, int]]] = (-math.inf, [])
    for gi, fj in options:
        total = 0.0
        detail: list[tuple[str, Level, float, int]] = []
        used: set[str] = set()
        if gi is not None and given:
            level, matched, tf = as_given[gi]
            bits = _name_field_bits(w, "given_name", level, tf)
            total += bits
            detail.append(("given_name", level, bits, gi))
            used |= matched
        if fj is not None and family:
            level, matched, tf = as_family[fj]
            bits = _name_field_bits(w, "family_name", level, tf)
            total += bits
            detail.append(("family_name", level, bits, fj))
            used |= matched
        for k in range(n):
            if k in (gi, fj):
                continue
            others = tuple(r for r in given + family if r not in used)
            for word in q.units[k]:
                level, found = _best_level(word, others)
                if level >= Level.PHONETIC:
                    used.add(found)
                    total += w.bits("other_name_word", "match")
        if total > best[0]:
            best = (total, detail)
    return best


def _unit_level(
    q: _Query, unit: tuple[str, ...], recorded: tuple[str, ...]
) -> tuple[Level, set[str], float]:
    """How one of the caller's names compares with a recorded given or family name, the
    recorded words it matched, and how common it is. A hyphenated name matches at its
    worst word's level when every word matches (its frequency the product of theirs),
    and only partly when some do."""
    if len(unit) == 1:
        level, word = _best_level(unit[0], recorded)
        return level, {word}, q.tf(unit[0])
    found = [_best_level(x, recorded) for x in unit]
    matched = {word for level, word in found if level >= Level.PHONETIC}
    if all(level >= Level.PHONETIC for level, _ in found):
        return min(level for level, _ in found), matched, math.prod(q.tf(x) for x in unit)
    if any(level >= Level.CLOSE for level, _ in found):
        return Level.PARTIAL, matched, max(q.tf(x) for x in unit)
    return max(level for level, _ in found), matched, max(q.tf(x) for x in unit)


_YEAR_REASON = {
    Level.EXACT: "year of birth",
    Level.CLOSE: "year of birth a year out",
    Level.DIFFERENT: "year of birth differs",
}
_MONTH_REASON = {
    Level.EXACT: "month and year of birth",
    Level.VARIANT: "month of birth a month or a year out",
    Level.PARTIAL: "year of birth, another month",
    Level.DIFFERENT: "month and year of birth differ",
}

_DOB_REASON = {
    Level.EXACT: "date of birth",
    Level.VARIANT: "date of birth with day and month swapped",
    Level.PHONETIC: "date of birth a year out",
    Level.CLOSE: "date of birth a day or two out",
}


def _age(row: Mapping[str, Any], today: date) -> int | None:
    if row["date_of_birth"] is not None:
        return age_on(row["date_of_birth"], today)
    if row["estimated_age"] is not None:
        since = row["estimated_age_on"]
        return row["estimated_age"] + ((today - since).days // 365 if since else 0)
    return None


def _score(q: _Query, row: Mapping[str, Any], aliases: list[str]) -> Found | None:
    w = weights()
    fields: list[FieldMatch] = []
    reasons: list[str] = []
    total = 0.0

    def estimated_age() -> float:
        """A date of birth (or part of one) given, a record with an estimated age only."""
        age, given = _age(row, q.today), _caller_age(q)
        if age is None or given is None:
            return 0.0
        close = abs(age - given) <= 1
        bits = w.bits("age", "close" if close else "different")
        text = "estimated age" if close else "estimated age differs"
        fields.append(FieldMatch("age", "close" if close else "different", round(bits, 2), text))
        if close:
            reasons.append(text)
        return bits

    def agree(name: str, weight: str, text: str, same: bool, *, level: str = "exact") -> float:
        """A field compared as agreeing or not: its comparison, its reason, its bits."""
        bits = w.bits(weight, level if same else "different")
        shown = text if same else f"{text} differs"
        fields.append(FieldMatch(name, level if same else "different", round(bits, 2), shown))
        if same:
            reasons.append(text)
        return bits

    words_read: tuple[int | None, int | None] = (None, None)
    if q.words:
        best: tuple[float, list[tuple[str, Level, float, int]], str | None] | None = None
        for given, family, alias in name_options(row["given_name"], row["family_name"], aliases):
            reading = q.readings.get((given, family))
            if reading is None:
                reading = q.readings[(given, family)] = _name_score(q, given, family)
            bits, detail = reading
            if best is None or bits > best[0]:
                best = (bits, detail, alias)
        assert best is not None
        bits, detail, alias = best
        top = max((d[1] for d in detail), default=Level.MISSING)
        if top < Level.PHONETIC and not (
            q.phone and phone_key(row["phone_digits"] or "") == q.phone
        ):
            return None  # no word of the name given: not this child
        total += bits
        read = {name: q.tokens[unit] for name, level, _, unit in detail if level >= Level.PHONETIC}
        words_read = (read.get("given_name"), read.get("family_name"))
        for name, level, b, _unit in detail:
            label = "given name" if name == "given_name" else "family name"
            text = (
                label if level == Level.EXACT else f"{label} ({_QUALIFIER.get(level, 'different')})"
            )
            if level == Level.DIFFERENT:
                text = f"{label} differs"
            fields.append(FieldMatch(name, _LEVEL_NAME[level], round(b, 2), text))
        matched = [d for d in detail if d[1] >= Level.PHONETIC]
        if alias is not None and matched:
            reasons.append(f"alias '{alias}'")
        elif len(matched) == 2:
            reasons.append("name")  # how closely: in fields
        else:
            reasons.extend(f.text for f in fields if f.weight > 0)
    if q.dob is not None:
        if row["date_of_birth"] is not None:
            level = dob_level(q.dob, row["date_of_birth"])
            bits = w.bits("date_of_birth", _LEVEL_NAME[level])
            if level == Level.PARTIAL:
                rd = row["date_of_birth"]
                text = (
                    "year of birth"
                    if (rd.month, rd.day) == (1, 1)
                    else "date of birth one digit out"
                )
            elif level == Level.DIFFERENT:
                text = "date of birth differs"
            else:
                text = _DOB_REASON[level]
            fields.append(FieldMatch("date_of_birth", _LEVEL_NAME[level], round(bits, 2), text))
            total += bits
            if bits > 0:
                reasons.append(text)
        else:
            total += estimated_age()
    elif q.birth_year is not None:
        rd = row["date_of_birth"]
        if rd is None:
            total += estimated_age()
        else:
            # Weighed at the precision given. A record's 1 January stands for "the year
            # only": against a month given it is compared as a year.
            if q.birth_month is None or (rd.month, rd.day) == (1, 1):
                part, level = "year_of_birth", birth_year_level(q.birth_year, rd)
                text = _YEAR_REASON[level]
            else:
                part, level = "month_of_birth", birth_month_level(q.birth_year, q.birth_month, rd)
                text = _MONTH_REASON[level]
            bits = w.bits(part, _LEVEL_NAME[level])
            fields.append(FieldMatch(part, _LEVEL_NAME[level], round(bits, 2), text))
            total += bits
            if bits > 0:
                reasons.append(text)
    elif q.age is not None:
        age = _age(row, q.today)
        if age is not None:
            total += agree("age", "age", "age", abs(age - q.age) <= 1, level="close")
    phone = phone_key(row["phone_digits"] or "")
    if q.phone and phone:
        total += agree("phone", "phone", "phone", phone == q.phone)
    if q.district:
        home = postcode_district(row["home_postcode"] or "")
        placed = {postcode_district(p) for p in row.get("placement_postcodes", ())} - {""}
        if home or placed:
            at_placement = q.district != home and q.district in placed
            text = "placement postcode district" if at_placement else "postcode district"
            same = q.district == home or at_placement
            total += agree("postcode", "postcode_district", text, same)
    if not reasons:
        return None
    return Found(
        person_id=row["pk"],
        weight=total - math.log2(q.population),
        fields=tuple(fields),
        reasons=tuple(reasons),
        dob=row["date_of_birth"],
        phone=phone,
        given=words(row["given_name"]),
        family=words(row["family_name"]),
        name_reading=words_read,
    )


def _alike(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return bool(a and b) and any(word_level(x, y) >= Level.PHONETIC for x in a for y in b)


def _same_child(a: Found, b: Found) -> bool:
    """Two records that look like one child: the same date of birth (or phone) and
    names alike, in either order (never twins: their given names differ)."""
    if not ((a.dob is not None and a.dob == b.dob) or (a.phone and a.phone == b.phone)):
        return False
    straight = _alike(a.given[:1], b.given) and _alike(a.family, b.family)
    swapped = _alike(a.given[:1], b.family) and _alike(a.family, b.given)
    if not (straight or swapped):
        return False
    # the same phone is a household: also require the same date of birth or a missing one
    return a.dob == b.dob or a.dob is None or b.dob is None


def _units(name: str) -> tuple[list[tuple[str, ...]], list[int]]:
    """The caller's names: each word a name, a hyphenated one ('Smith-Jones',
    'Al-Sayed') one name of its words; the first MAX_WORDS words. With each, its place
    in the name as typed, split at spaces."""
    units: list[tuple[str, ...]] = []
    tokens: list[int] = []
    total = 0
    for i, token in enumerate(name.split()):
        unit = words(token)[: MAX_WORDS - total]
        if unit:
            units.append(unit)
            tokens.append(i)
            total += len(unit)
    return units, tokens


def split_caller_name(
    name: str, readings: Iterable[tuple[int | None, int | None]] = ()
) -> tuple[str, str]:
    """The caller's words as (given names, family name), as typed, for a record started
    from a search. ``readings``: each row's ``name_reading``, best row first.

    1. "Smith, Jayden": the words before a comma are the family name.
    2. The search's own reading of the words: the best row that matched one of them as a
       family name and another as a given name (or, failing that, the best that matched
       one as a family name; for a single word, as either) says which word is the family
       name; the others are the given names, in the order typed.
    3. Nothing better: the last word is the family name, the others the given names (a
       single word a family name)."""
    if "," in name:
        family, _, given = name.partition(",")
        return " ".join(given.split()), " ".join(family.split())
    typed = name.split()
    if not typed:
        return "", ""
    readings = list(readings)
    chosen: tuple[int | None, int | None] | None
    chosen = next(((g, f) for g, f in readings if f is not None and g is not None), None)
    chosen = chosen or next(((g, f) for g, f in readings if f is not None), None)
    if chosen is None and len(typed) == 1:
        chosen = next(((g, f) for g, f in readings if g is not None), None)
    if chosen is not None:
        given_at, family_at = chosen
        if family_at is None and given_at is not None:  # a single word, a given name
            return typed[given_at], ""
        if family_at is not None and family_at < len(typed):
            rest = [w for i, w in enumerate(typed) if i != family_at]
            return " ".join(rest), typed[family_at]
    return " ".join(typed[:-1]), typed[-1]


def search(
    *,
    visible: QuerySet[Person] | None,
    name: str = "",
    date_of_birth: date | None = None,
    year_of_birth: int | None = None,
    month_of_birth: int | None = None,
    age: int | None = None,
    phone: str = "",
    postcode: str = "",
    today: date,
    limit: int = 20,
) -> list[Found]:
    """Rows for the child on the call, best first (see the module's docstring). Part of a
    date of birth (``year_of_birth``, with ``month_of_birth`` or not) counts only when
    the whole date is not given. Records written without their keys are indexed first
    (``index_pending``)."""
    if Person.objects.filter(search_keys_version__isnull=True).exists():
        index_pending()
    w = weights()
    units, tokens = _units(name)
    query_words = [word for unit in units for word in unit]
    partial = date_of_birth is None and year_of_birth is not None
    q = _Query(
        words=query_words,
        units=units,
        tokens=tokens,
        dob=date_of_birth,
        birth_year=year_of_birth if partial else None,
        birth_month=month_of_birth if partial else None,
        age=age,
        phone=phone_key(phone),
        district=postcode_district(postcode),
        today=today,
        population=max(_population(), w.population_floor),
        counts=_word_counts(query_words),
    )
    if not (
        q.words or q.dob or q.phone or q.district or q.age is not None or q.birth_year is not None
    ):
        return []
    candidates: list[tuple[dict[str, Any], list[str]]]
    if q.words or q.dob or q.phone or q.district or q.birth_month:
        keys = _query_keys(q)
        if connection.vendor == "postgresql":
            candidates = _candidates_postgresql(keys, visible)
        else:
            candidates = _candidate_rows(_candidate_ids(keys, visible))
    else:
        candidates = _candidate_rows(_age_candidate_ids(q, visible))
    if not candidates:
        return []
    if q.district:  # the postcode is compared with the current placement's too
        placed = _current_placement_postcodes([row["pk"] for row, _ in candidates])
        for row, _ in candidates:
            row["placement_postcodes"] = placed.get(row["pk"], [])
    scored = [f for row, aliases in candidates if (f := _score(q, row, aliases)) is not None]
    scored.sort(key=lambda f: (-f.weight, f.person_id))
    found: list[Found] = []
    by_dob: dict[date, list[int]] = defaultdict(list)  # rows kept, by date of birth
    by_phone: dict[str, list[int]] = defaultdict(list)  # and by phone
    for f in scored:
        near = sorted(set(by_dob.get(f.dob, []) if f.dob else []) | set(by_phone.get(f.phone, [])))
        for index in near:  # best first
            kept = found[index]
            if _same_child(kept, f):
                kept.duplicates.append(f.person_id)
                break
        else:
            if f.dob is not None:
                by_dob[f.dob].append(len(found))
            if f.phone:
                by_phone[f.phone].append(len(found))
            found.append(f)
    # Rows compete for being the child; "1" stands for a child not among them.
    top = max((f.weight for f in found), default=0.0)
    scale = max(top, 0.0)
    denominator = 2.0**-scale + sum(2.0 ** (f.weight - scale) for f in found)
    for f in found:
        f.probability = 2.0 ** (f.weight - scale) / denominator
        if f.probability >= w.strong:
            f.strength = Strength.STRONG
        elif f.probability >= w.possible:
            f.strength = Strength.POSSIBLE
    return found[:limit]
