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


def test_weights_are_estimated_from_the_records():
    rng = random.Random(7)
    people = []
    for i in range(400):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        dob = date(2008, 1, 1) + timedelta(days=rng.randrange(3650))
        people.append((given, family, dob, f"07700{i:06d}"))
        if i % 4 == 0:  # a second record of the same child, a letter out
            people.append((given + "e", family, dob, f"07700{i:06d}"))
    Person.objects.bulk_create(
        [
            Person(given_name=g, family_name=f, date_of_birth=d, phone_digits=p)
            for g, f, d, p in people
        ]
    )
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
