"""``misper search_weights`` (issue 13): the search's weights estimated from the records by
expectation maximisation, printed as match_weights.toml."""

from __future__ import annotations

import io
import random
import tomllib
from datetime import date, timedelta

import pytest
from django.core.management import call_command

from misper.people.models import Person
from misper.people.search import weights

pytestmark = pytest.mark.django_db

GIVEN = ["Amy", "Ben", "Cara", "Dan", "Eve", "Finn", "Gus", "Hana", "Ivor", "Jo", "Kai", "Lena"]
FAMILY = ["Oakes", "Frihouse", "Khan", "Nowak", "Okafor", "Nguyen", "Smith", "Walsh"]


def _records():
    """400 children; every fourth has a second record, its given name a letter out; and
    every child in households of two: brothers and sisters share the family name and the
    phone and were born the same year (the EM once took them for one child)."""
    rng = random.Random(7)
    people = []
    for i in range(200):
        family = rng.choice(FAMILY)
        first = date(2008 + i % 10, 1, 1) + timedelta(days=rng.randrange(60))
        phone = f"07700{i:06d}"
        older, younger = rng.sample(GIVEN, 2)
        people.append((older, family, first, phone))
        people.append((younger, family, first + timedelta(days=290), phone))
        if i % 2 == 0:  # a second record of the older child, a letter out
            people.append((older + "e", family, first, phone))
    Person.objects.bulk_create(
        [
            Person(given_name=g, family_name=f, date_of_birth=d, phone_digits=p)
            for g, f, d, p in people
        ]
    )


def test_weights_are_estimated_from_the_records():
    _records()
    out, err = io.StringIO(), io.StringIO()
    call_command("search_weights", random_pairs=5000, stdout=out, stderr=err)
    estimated = tomllib.loads(out.getvalue())
    assert estimated["version"].endswith(".em")
    assert "blocked pairs" in err.getvalue()
    current = weights().table
    assert set(estimated) >= set(current)  # every field, every level kept
    for field, levels in current.items():
        assert set(estimated[field]) == set(levels)
    # The duplicates share the date of birth and the phone: both agree when records match.
    assert estimated["date_of_birth"]["exact"]["m"] > 0.5
    assert estimated["phone"]["exact"]["m"] > 0.5
    # Random pairs of different children rarely share a date of birth.
    assert estimated["date_of_birth"]["exact"]["u"] < 0.01
    # The exact name's u stays the word's frequency at search time.
    assert "u_floor" in estimated["given_name"]["exact"]
    # Every second record is a letter out in the given name: learnt from the pairs that
    # share the family name and the date of birth, not from brothers and sisters.
    assert estimated["given_name"]["close"]["m"] > 0.5
    assert estimated["given_name"]["different"]["m"] < 0.2


def test_only_u_keeps_every_m_in_force():
    _records()
    out = io.StringIO()
    call_command("search_weights", random_pairs=5000, only_u=True, stdout=out, stderr=io.StringIO())
    estimated = tomllib.loads(out.getvalue())
    assert estimated["version"].endswith(".u")
    for field, levels in weights().table.items():
        for level, values in levels.items():
            assert estimated[field][level].get("m") == values.get("m"), (field, level)
    assert (
        estimated["date_of_birth"]["exact"]["u"] != weights().table["date_of_birth"]["exact"]["u"]
    )
