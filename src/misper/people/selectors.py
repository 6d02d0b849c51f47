"""Reading a child's record. Every object comes through a ``..._for_user`` function that
applies the people rules; opening a record writes an audit row (who, organisation,
purpose). What a user may not see is "not found"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import rules
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from misper.agencies.models import User
from misper.agencies.roles import Role
from misper.core.audit import audit_record
from misper.core.errors import NotFound, PermissionDenied
from misper.people.matching import name_score, normalise, phonetic, split_name
from misper.people.models import (
    Flag,
    FlagRequest,
    FlagRequestStatus,
    NameKey,
    Person,
    PersonShare,
    Placement,
)
from misper.people.rules import visible_people_filter


def people_for_user(user: User) -> QuerySet[Person]:
    flt = visible_people_filter(user)
    qs = Person.objects.all()
    return qs if flt is None else qs.filter(flt).distinct()


# One answer for "does not exist" and "you may not see it": the two must look the same.
NO_SUCH_CHILD = "No such child"
NO_SUCH_FLAG = "No such flag"
NO_SUCH_SHARE = "No such share"
NOT_ALLOWED = "Your role does not allow this change"


def get_person_for_user(
    user: User,
    person_id: int,
    *,
    action: str | None = None,
    purpose: str,
    for_update: bool = False,
) -> Person:
    """The one way a page, an API endpoint or a service fetches a child's record.

    1. ``people.view``: a child who does not exist and a child the user may not see are the
       same ``NotFound("No such child")``.
    2. ``action`` (a permission such as ``people.change``), when given: a child the user
       sees but may not act on is ``PermissionDenied``.
    3. ``for_update`` locks the row (SELECT ... FOR UPDATE) for the caller's transaction.
    4. Only then the read is written to the audit log with its purpose, in the caller's
       transaction (a refused request leaves no audit row; a service that fails later
       rolls its audit row back with everything else).

    A record opened for reading (not ``for_update``) comes with what its pages show."""
    # Locked without a join: PostgreSQL refuses FOR UPDATE on the nullable side of one.
    qs = (
        Person.objects.select_for_update()
        if for_update
        else Person.objects.select_related("home_authority")
    )
    person = qs.filter(pk=person_id).first()
    if person is None or not rules.has_perm("people.view", user, person):
        raise NotFound(NO_SUCH_CHILD)
    if action is not None and action != "people.view" and not rules.has_perm(action, user, person):
        raise PermissionDenied(NOT_ALLOWED)
    audit_record(
        user=user, action="read", subject_type="person", subject_id=person.pk, purpose=purpose
    )
    if not for_update:
        prefetch_related_objects(
            [person],
            "aliases",
            Prefetch("flags", queryset=Flag.objects.select_related("raised_by_org", "raised_by")),
            Prefetch(
                "placements",
                queryset=Placement.objects.select_related(
                    "provider", "placing_authority", "host_authority"
                ),
            ),
            Prefetch(
                "shares",
                queryset=PersonShare.objects.select_related(
                    "organisation", "granted_by", "ended_by"
                ),
            ),
            "associates",
            "places",
        )
    return person


def get_flag_for_user(
    user: User,
    flag_id: int,
    *,
    action: str,
    purpose: str = "change a flag",
    for_update: bool = False,
) -> Flag:
    """A flag, through its child's record (``get_person_for_user``): a flag that does not
    exist and a flag of a child the user may not see are the same ``NotFound("No such
    flag")``; the child's record is locked first when ``for_update``, then the flag."""
    person_id = Flag.objects.filter(pk=flag_id).values_list("person_id", flat=True).first()
    if person_id is None:
        raise NotFound(NO_SUCH_FLAG)
    try:
        person = get_person_for_user(
            user, person_id, action=action, purpose=purpose, for_update=for_update
        )
    except NotFound:
        raise NotFound(NO_SUCH_FLAG) from None
    qs = (
        Flag.objects.select_for_update()
        if for_update
        else Flag.objects.select_related("raised_by_org", "raised_by")
    )
    flag = qs.filter(pk=flag_id, person_id=person.pk).first()
    if flag is None:  # removed meanwhile
        raise NotFound(NO_SUCH_FLAG)
    flag.person = person
    return flag


def get_share_for_user(
    user: User,
    share_id: int,
    *,
    action: str,
    purpose: str = "change a share",
    for_update: bool = False,
) -> PersonShare:
    """A share of a child's record, through the child's record, in the style of
    ``get_flag_for_user``: "No such share" whether it is missing or not the user's to see."""
    person_id = PersonShare.objects.filter(pk=share_id).values_list("person_id", flat=True).first()
    if person_id is None:
        raise NotFound(NO_SUCH_SHARE)
    try:
        person = get_person_for_user(
            user, person_id, action=action, purpose=purpose, for_update=for_update
        )
    except NotFound:
        raise NotFound(NO_SUCH_SHARE) from None
    qs = (
        PersonShare.objects.select_for_update()
        if for_update
        else PersonShare.objects.select_related("organisation", "granted_by")
    )
    share = qs.filter(pk=share_id, person_id=person.pk).first()
    if share is None:
        raise NotFound(NO_SUCH_SHARE)
    share.person = person
    return share


NO_SUCH_REQUEST = "No such flag request"
# Who decides the flags other agencies ask the police to place (R-FLG-02).
FLAG_REQUEST_DECIDERS = (Role.MISSING_PERSON_COORDINATOR, Role.CSE_COORDINATOR)


def _force_of(user: User) -> int | None:
    org = user.organisation
    force = org.force if org is not None else None
    return force.pk if force is not None else None


def flag_requests_for_user(user: User, *, pending_only: bool = True) -> QuerySet[FlagRequest]:
    """The flag requests made to the user's force, for its missing person and CSE
    coordinators; nobody else has a list."""
    force_id = _force_of(user)
    if force_id is None or not user.has_role(*FLAG_REQUEST_DECIDERS):
        return FlagRequest.objects.none()
    qs = FlagRequest.objects.filter(force_id=force_id).select_related(
        "person", "requested_by_org", "decided_by"
    )
    return qs.filter(status=FlagRequestStatus.PENDING) if pending_only else qs


def get_flag_request_for_user(
    user: User, request_id: int, *, for_update: bool = False
) -> FlagRequest:
    """One flag request for a coordinator of the force it was made to; "No such flag
    request" for anyone else. Opening it is a read of the child's record (audited)."""
    force_id = _force_of(user)
    qs = FlagRequest.objects.select_for_update() if for_update else FlagRequest.objects
    request = qs.filter(pk=request_id).first()
    if (
        request is None
        or force_id is None
        or request.force_id != force_id
        or not user.has_role(*FLAG_REQUEST_DECIDERS)
    ):
        raise NotFound(NO_SUCH_REQUEST)
    request.person = get_person_for_user(
        user, request.person_id, purpose="decide a flag request", for_update=for_update
    )
    return request


def current_shares(person: Person) -> list[PersonShare]:
    """The organisations the child's record is shared with now (the person as opened by
    ``get_person_for_user``)."""
    return [s for s in person.shares.all() if s.active]


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
