"""Reading a child's record. Every object comes through a ``..._for_user`` function that
applies the people rules; opening a record writes an audit row (who, organisation,
purpose). What a user may not see is "not found"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import rules
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from misper.agencies.errors import NotFound
from misper.agencies.models import User
from misper.agencies.services import audit_record
from misper.people.matching import name_score, normalise, phonetic, split_name
from misper.people.models import Flag, NameKey, Person, Placement
from misper.people.rules import visible_people_filter


def people_for_user(user: User) -> QuerySet[Person]:
    flt = visible_people_filter(user)
    qs = Person.objects.all()
    return qs if flt is None else qs.filter(flt).distinct()


def get_person_for_user(user: User, person_id: int, *, purpose: str) -> Person:
    """Open a child's record: permission checked, the read audited."""
    person = (
        Person.objects.select_related("home_authority")
        .prefetch_related(
            "aliases",
            Prefetch("flags", queryset=Flag.objects.select_related("raised_by_org", "raised_by")),
            Prefetch(
                "placements",
                queryset=Placement.objects.select_related(
                    "provider", "placing_authority", "host_authority"
                ),
            ),
            "associates",
            "places",
        )
        .filter(pk=person_id)
        .first()
    )
    if person is None or not rules.has_perm("people.view", user, person):
        raise NotFound("No such child")
    audit_record(
        user=user, action="read", subject_type="person", subject_id=person.pk, purpose=purpose
    )
    return person


@dataclass(frozen=True)
class Match:
    person: Person
    score: float
    reasons: tuple[str, ...] = field(default=())


def person_search(
    user: User,
    *,
    name: str = "",
    date_of_birth: date | None = None,
    age: int | None = None,
    phone: str = "",
    limit: int = 20,
) -> list[Match]:
    """Candidates for the child on the call, best first: fuzzy and phonetic matching on
    the name and every alias, exact date of birth, age within a year, phone number."""
    if not rules.has_perm("people.search", user):
        raise NotFound("No such page")
    name = normalise(name)
    phone_digits = "".join(ch for ch in phone if ch.isdigit())
    if not (name or date_of_birth or age is not None or phone_digits):
        return []
    # Candidates come from a few narrow, indexed queries, strongest first, so that the
    # right child is always among them however common the name.
    visible = people_for_user(user)
    ids: list[int] = []

    def take(qs: QuerySet[Person] | QuerySet[NameKey], field: str, cap: int) -> None:
        for pk in qs.values_list(field, flat=True)[:cap]:
            if pk not in ids:
                ids.append(pk)

    if date_of_birth:
        take(visible.filter(date_of_birth=date_of_birth), "pk", limit * 5)
    if phone_digits and len(phone_digits) >= 6:
        # The end of the number: the caller may give it with or without the area code.
        take(visible.filter(phone_digits__endswith=phone_digits[-9:]), "pk", limit * 5)
    if name:
        given, family = split_name(name)
        first_given = given.split()[0] if given else ""
        visible_keys = NameKey.objects.filter(person__in=visible)
        take(visible_keys.filter(normalised=name), "person_id", limit * 5)
        if first_given:
            take(
                visible_keys.filter(
                    family_phonetic=phonetic(family), given_phonetic=phonetic(first_given)
                ),
                "person_id",
                limit * 10,
            )
        take(visible_keys.filter(normalised__startswith=name), "person_id", limit * 5)
        take(visible_keys.filter(family_phonetic=phonetic(family)), "person_id", limit * 10)
        if first_given:
            take(visible_keys.filter(given_phonetic=phonetic(first_given)), "person_id", limit * 5)
    today = timezone.localdate()
    if age is not None and not name and not date_of_birth and not phone_digits:
        earliest = date(today.year - age - 2, today.month, 1)
        latest = date(today.year - age + 1, 12, 28)
        take(
            visible.filter(
                Q(date_of_birth__range=(earliest, latest))
                | Q(estimated_age__range=(age - 1, age + 1))
            ),
            "pk",
            limit * 10,
        )
    candidates = Person.objects.filter(pk__in=ids).prefetch_related("name_keys")
    matches: list[Match] = []
    for person in candidates:
        score = 0.0
        reasons: list[str] = []
        if name:
            best = max(
                ((name_score(name, k.text), k) for k in person.name_keys.all()),
                key=lambda pair: pair[0],
                default=(0.0, None),
            )
            score += best[0]
            if best[1] is not None and best[0] >= 60:
                reasons.append(f"alias '{best[1].text}'" if best[1].is_alias else "name")
        if date_of_birth and person.date_of_birth == date_of_birth:
            score += 100
            reasons.append("date of birth")
        if age is not None:
            actual = person.age_on(today)
            if actual is not None and abs(actual - age) <= 1:
                score += 30
                reasons.append("age")
        if phone_digits and person.phone_digits and person.phone_digits.endswith(phone_digits[-9:]):
            score += 80
            reasons.append("phone")
        if reasons:
            matches.append(Match(person, score, tuple(reasons)))
    matches.sort(key=lambda m: (-m.score, m.person.family_name, m.person.pk))
    result = matches[:limit]
    audit_record(
        user=user,
        action="read",
        subject_type="person_search",
        subject_id=len(result),
        purpose="search while taking a report",
    )
    return result


def my_children(user: User) -> QuerySet[Person]:
    """A carer's children placed with them now; a social worker's allocated children and
    those of their authority."""
    if not rules.has_perm("people.list_my_children", user):
        raise NotFound("No such page")
    return people_for_user(user).order_by("family_name", "given_name")
