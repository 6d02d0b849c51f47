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
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, OPERATIONAL_POLICE_ROLES, Role
from misper.core.audit import audit_record
from misper.core.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from misper.people.matching import outward_code
from misper.people.models import (
    Adult,
    AllocatedWorker,
    Associate,
    Flag,
    FlagRequest,
    FlagRequestStatus,
    Location,
    LocationKind,
    Person,
    PersonShare,
    PlaceLink,
    Placement,
)
from misper.people.rules import visible_people_filter
from misper.people.search import FieldMatch, Strength, search


def people_for_user(user: User) -> QuerySet[Person]:
    """The children's records the user may list: a record merged into another is left
    out (its page points to the record kept, people/duplicates.py)."""
    flt = visible_people_filter(user)
    qs = Person.objects.filter(merged_into__isnull=True)
    return qs if flt is None else qs.filter(flt).distinct()


# One answer for "does not exist" and "you may not see it": the two must look the same.
NO_SUCH_CHILD = "No such child"
NO_SUCH_ADULT = "No such adult"
NO_SUCH_PLACE = "No such place"
NO_SUCH_ASSOCIATE = "No such associate"
NO_SUCH_FLAG = "No such flag"
NO_SUCH_SHARE = "No such share"
NOT_ALLOWED = "Your role does not allow this change"
MERGED_RECORD = (
    "This record was merged into another record of the same child: make the change on the "
    "record kept"
)


def get_person_for_user(
    user: User,
    person_id: int,
    *,
    action: str | None = None,
    purpose: str,
    for_update: bool = False,
    prefetch: bool = True,
    allow_merged: bool = False,
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

    A record opened for reading (not ``for_update``) comes with what its pages show, unless
    the caller says it needs only the child's own row (``prefetch=False``)."""
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
    # A record merged into another is read only: changes go to the record kept (only the
    # merge's own services, ``allow_merged``, lock it).
    writing = for_update or (action is not None and action != "people.view")
    if person.merged_into_id is not None and writing and not allow_merged:
        raise WrongState(MERGED_RECORD, field="person")
    audit_record(
        user=user, action="read", subject_type="person", subject_id=person.pk, purpose=purpose
    )
    if not for_update and prefetch:
        prefetch_related_objects(
            [person],
            "aliases",
            Prefetch("flags", queryset=Flag.objects.select_related("raised_by_org", "raised_by")),
            Prefetch(
                "placements",
                queryset=Placement.objects.select_related(
                    "provider", "placing_authority", "host_authority", "host_force"
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


def flag_requests_about(user: User, person: Person) -> QuerySet[FlagRequest]:
    """The requests to flag a child (opened by the caller through ``get_person_for_user``)
    that the user may follow, newest first: those their organisation made, and, for the
    police, those made to their force."""
    org = user.organisation
    if org is None:
        return FlagRequest.objects.none()
    mine = Q(requested_by_org=org)
    force_id = _force_of(user)
    if org.is_police and force_id is not None:
        mine |= Q(force_id=force_id)
    return (
        FlagRequest.objects.filter(mine, person=person)
        .select_related("person", "force", "requested_by_org", "decided_by")
        .order_by("-requested_at", "-id")
    )


def current_shares(person: Person) -> list[PersonShare]:
    """The organisations the child's record is shared with now (the person as opened by
    ``get_person_for_user``)."""
    return [s for s in person.shares.all() if s.active]


@dataclass(frozen=True)
class Match:
    """One row of the call handler's search: a child (``person``, the record that matched
    best) with the other records that look like the same child (``duplicates``: "possible
    duplicate records: 1 + len(duplicates)"), ``score`` (the match weight in bits: the
    evidence for this child against a stranger), ``probability`` (that this row is the
    child, the rows competing), ``strength`` ("strong", "possible" or "weak") and the
    ``reasons`` (what agreed) with every field's comparison in ``fields`` (what agreed
    and what differed, each with its weight)."""

    person: Person
    score: float
    reasons: tuple[str, ...] = field(default=())
    strength: str = Strength.WEAK
    probability: float = 0.0
    duplicates: tuple[int, ...] = field(default=())
    fields: tuple[FieldMatch, ...] = field(default=())
    # Which of the caller's words (their place in the name as typed, split at spaces) the
    # row read as the given name and as the family name, where they matched
    # (``search.split_caller_name`` uses it for a record started from the search).
    name_reading: tuple[int | None, int | None] = (None, None)

    @property
    def records(self) -> int:
        """How many records this row stands for (1 when there are no duplicates)."""
        return 1 + len(self.duplicates)


def confident(matches: list[Match]) -> bool:
    """Whether any row is a strong match; when none is, the page says "no confident
    match" above the rows."""
    return any(m.strength == Strength.STRONG for m in matches)


def person_search(
    user: User,
    *,
    name: str = "",
    date_of_birth: date | None = None,
    year_of_birth: int | None = None,
    month_of_birth: int | None = None,
    age: int | None = None,
    phone: str = "",
    postcode: str = "",
    limit: int = 20,
) -> list[Match]:
    """The child on the call, best first: one row per child (duplicate records
    collapsed), each with its strength and reasons (misper.people.search: search keys in
    one indexed statement, a Fellegi–Sunter scorer). The caller's words may come in any
    order ("Smith Jayden"); nicknames, sound-alike spellings, typos and a date of birth
    with day and month swapped, a year, a day or a digit out are all found. Part of a
    date of birth ("born in March 2011": ``year_of_birth`` and ``month_of_birth``; "born
    in 2011": the year alone) counts at the precision given; ``postcode`` (whole or its
    first part) is compared with the home postcode's district and the current
    placement's. Only the children the user may see; the search is audited without what
    was typed."""
    if not rules.has_perm("people.search", user):
        raise NotFound("No such page")
    today = timezone.localdate()
    _check_search_input(date_of_birth, year_of_birth, month_of_birth, postcode, today)
    flt = visible_people_filter(user)
    found = search(
        visible=None if flt is None else Person.objects.filter(flt),
        name=name,
        date_of_birth=date_of_birth,
        year_of_birth=year_of_birth,
        month_of_birth=month_of_birth,
        age=age,
        phone=phone,
        postcode=postcode,
        today=today,
        limit=limit,
    )
    people = Person.objects.in_bulk([f.person_id for f in found])
    result = [
        Match(
            person=people[f.person_id],
            score=round(f.weight, 2),
            reasons=f.reasons,
            strength=f.strength,
            probability=round(f.probability, 4),
            duplicates=tuple(f.duplicates),
            fields=f.fields,
            name_reading=f.name_reading,
        )
        for f in found
        if f.person_id in people
    ]
    audit_record(
        user=user,
        action="read",
        subject_type="person_search",
        subject_id=len(result),
        purpose="search while taking a report",
    )
    return result


def _check_search_input(
    date_of_birth: date | None,
    year_of_birth: int | None,
    month_of_birth: int | None,
    postcode: str,
    today: date,
) -> None:
    """What the search cannot read is refused, naming the field (never silently left out)."""
    if date_of_birth is not None and (year_of_birth is not None or month_of_birth is not None):
        raise ValidationFailed(
            "Give the date of birth, or the month and year of birth, not both",
            field="year_of_birth",
        )
    if date_of_birth is not None and date_of_birth > today:
        raise ValidationFailed("Date of birth must be today or in the past", field="date_of_birth")
    if month_of_birth is not None and year_of_birth is None:
        raise ValidationFailed("Give the year of birth with the month", field="year_of_birth")
    if month_of_birth is not None and not 1 <= month_of_birth <= 12:
        raise ValidationFailed("Month of birth must be from 1 to 12", field="month_of_birth")
    if year_of_birth is not None and not 1900 <= year_of_birth <= today.year:
        raise ValidationFailed(
            f"Year of birth must be from 1900 to {today.year}", field="year_of_birth"
        )
    if postcode.strip() and not outward_code(postcode):
        raise ValidationFailed(
            "Enter a real postcode, like B12 9QD, or its first part, like B12", field="postcode"
        )


def my_children(user: User) -> QuerySet[Person]:
    """A carer's children placed with them now; a social worker's allocated children and
    those of their authority."""
    if not rules.has_perm("people.list_my_children", user):
        raise NotFound("No such page")
    return people_for_user(user).order_by("family_name", "given_name")


def current_allocations(person: Person) -> list[AllocatedWorker]:
    """The child's current social worker and independent reviewing officer (read after
    the child's door, ``get_person_for_user``, or by a service that has opened it)."""
    return list(
        AllocatedWorker.objects.filter(person=person, ended_on__isnull=True)
        .select_related("user", "user__organisation")
        .order_by("role", "started_on", "pk")
    )


def current_worker(person: Person, role: str) -> User | None:
    """The child's current worker in ``role`` (the earliest allocated, if several), active."""
    for allocation in current_allocations(person):
        if allocation.role == role and allocation.user.is_active:
            return allocation.user
    return None


def allocatable_workers(person: Person) -> QuerySet[User]:
    """The active social workers and IROs of the child's responsible authority, whom a
    team manager may allocate (services.allocation_set checks the same)."""
    if person.home_authority_id is None:
        return User.objects.none()
    return (
        User.objects.filter(
            organisation_id=person.home_authority_id,
            is_active=True,
            role_assignments__role__in=[Role.SOCIAL_WORKER, Role.IRO],
        )
        .distinct()
        .order_by("full_name", "email")
    )


# --- The network: adults and places (people/network.py writes them) -------------------------
#
# The network is for the operational police and children's services. The police see every
# adult and place; children's services see an adult their organisation recorded or one linked
# to a child they see, and a place linked to a child they see (by a record that is not a
# restricted case's) or certified as a refuge.


def may_see_network(user: User) -> bool:
    return getattr(user, "is_authenticated", False) and user.has_role(
        *OPERATIONAL_POLICE_ROLES, *CHILDRENS_SERVICES_ROLES
    )


def adults_for_user(user: User) -> QuerySet[Adult]:
    if not may_see_network(user):
        return Adult.objects.none()
    if user.has_role(*OPERATIONAL_POLICE_ROLES):
        return Adult.objects.all()
    children = people_for_user(user).values("pk")
    return Adult.objects.filter(
        Q(created_by_org_id=user.organisation_id) | Q(associates__person__in=children)
    ).distinct()


def locations_for_user(user: User) -> QuerySet[Location]:
    if not may_see_network(user):
        return Location.objects.none()
    if user.has_role(*OPERATIONAL_POLICE_ROLES):
        return Location.objects.all()
    children = people_for_user(user).values("pk")
    return Location.objects.filter(
        Q(kind=LocationKind.CERTIFIED_REFUGE)
        | Q(
            pk__in=PlaceLink.objects.filter(person__in=children)
            .filter(Q(episode__isnull=True) | Q(episode__restricted=False))
            .values("location_id")
        )
    )


def get_adult_for_user(
    user: User, adult_id: int, *, purpose: str, for_update: bool = False
) -> Adult:
    """An adult's record, audited: "No such adult" for whoever may not see it."""
    adult = adults_for_user(user).filter(pk=adult_id).first()
    if adult is None:
        raise NotFound(NO_SUCH_ADULT)
    if for_update:
        adult = Adult.objects.select_for_update().get(pk=adult.pk)
    audit_record(
        user=user, action="read", subject_type="adult", subject_id=adult.pk, purpose=purpose
    )
    return adult


def get_location_for_user(
    user: User, location_id: int, *, purpose: str, for_update: bool = False
) -> Location:
    """A place's record, audited: "No such place" for whoever may not see it."""
    location = locations_for_user(user).filter(pk=location_id).first()
    if location is None:
        raise NotFound(NO_SUCH_PLACE)
    if for_update:
        location = Location.objects.select_for_update().get(pk=location.pk)
    audit_record(
        user=user, action="read", subject_type="location", subject_id=location.pk, purpose=purpose
    )
    return location


def get_associate_for_user(
    user: User, associate_id: int, *, action: str = "people.view", purpose: str
) -> Associate:
    """A child's associate, through the child's record (``get_person_for_user``, audited):
    "No such associate" alike for one that does not exist and one of a child the user may
    not see; ``PermissionDenied`` for a child they see but may not ``action``."""
    person_id = Associate.objects.filter(pk=associate_id).values_list("person_id", flat=True)
    found = person_id.first()
    if found is None:
        raise NotFound(NO_SUCH_ASSOCIATE)
    try:
        person = get_person_for_user(user, found, action=action, purpose=purpose)
    except NotFound:
        raise NotFound(NO_SUCH_ASSOCIATE) from None
    associate = Associate.objects.select_related("adult").filter(pk=associate_id).first()
    if associate is None:  # removed meanwhile
        raise NotFound(NO_SUCH_ASSOCIATE)
    associate.person = person
    return associate
