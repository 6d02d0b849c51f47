"""Reads of the assessment and of caseloads, each through the people app's choke point
(``get_person_for_user``: not found, not allowed, audited)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import rules
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from misper.agencies.models import User
from misper.agencies.roles import Role
from misper.care.models import AssessmentVersion
from misper.core.errors import NotFound, PermissionDenied
from misper.core.models import Deadline, DeadlineStatus
from misper.people.models import AllocatedWorker, Person, Placement
from misper.people.selectors import get_person_for_user

NO_SUCH_VERSION = "No such version of the assessment"
OWNER = "care"


def get_assessment_for_user(
    user: User, person_id: int, *, purpose: str = "read pre-placement assessment"
) -> tuple[Person, list[AssessmentVersion]]:
    """The child and every version of their assessment, newest first (audited)."""
    person = get_person_for_user(user, person_id, action="care.view_assessment", purpose=purpose)
    versions = list(
        AssessmentVersion.objects.filter(person=person)
        .select_related("created_by", "created_by_org", "placement")
        .order_by("-number")
    )
    return person, versions


def get_version_for_user(
    user: User, person_id: int, number: int, *, purpose: str = "read pre-placement assessment"
) -> tuple[Person, AssessmentVersion, AssessmentVersion | None]:
    """One version and the one before it (for the diff)."""
    person, versions = get_assessment_for_user(user, person_id, purpose=purpose)
    by_number = {v.number: v for v in versions}
    version = by_number.get(number)
    if version is None:
        raise NotFound(NO_SUCH_VERSION)
    return person, version, by_number.get(number - 1)


def latest_version(person: Person) -> AssessmentVersion | None:
    """The assessment in force for the child (the policy engine reads it; the caller has
    already opened the child's record through the choke point)."""
    return AssessmentVersion.objects.filter(person=person).order_by("-number").first()


def assessment_deadlines(placement: Placement) -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        owner=OWNER,
        content_type=ContentType.objects.get_for_model(Placement),
        object_id=placement.pk,
        kind="ppa_due",
    )


# --- Caseloads ---------------------------------------------------------------------------


@dataclass
class CaseRow:
    """A child on a worker's list, with what needs doing first."""

    person: Person
    roles: list[str] = field(default_factory=list)  # how the worker is allocated
    work: list[str] = field(default_factory=list)  # "Missing now", "Assessment overdue", ...
    urgent: int = 0  # the more, the higher on the list
    assessment_due: datetime | None = None
    assessment_overdue: bool = False


# Other apps add what needs doing about a child (open episodes, return interviews) without
# the care app importing them: fn(person_ids) -> {person_id: [(urgency, words)]}.
WorkFn = Callable[[list[int]], dict[int, list[tuple[int, str]]]]
_WORK: list[WorkFn] = []


def register_work(fn: WorkFn) -> WorkFn:
    """Add what an app knows needs doing about a worker's children (once)."""
    if fn not in _WORK:
        _WORK.append(fn)
    return fn


def _rows(person_ids: list[int], now: datetime) -> dict[int, CaseRow]:
    people = Person.objects.filter(pk__in=person_ids).order_by("family_name", "given_name")
    rows = {p.pk: CaseRow(p) for p in people}
    placement_type = ContentType.objects.get_for_model(Placement)
    current = dict(
        Placement.objects.filter(person_id__in=person_ids, ended_on__isnull=True).values_list(
            "pk", "person_id"
        )
    )
    for d in Deadline.objects.filter(
        owner=OWNER,
        kind="ppa_due",
        content_type=placement_type,
        object_id__in=list(current),
        status__in=[DeadlineStatus.OPEN, DeadlineStatus.ACTED],
    ):
        row = rows[current[d.object_id]]
        row.assessment_due = d.due
        row.assessment_overdue = d.due <= now
        row.work.append(
            "Pre-placement assessment overdue" if d.due <= now else "Pre-placement assessment due"
        )
        row.urgent += 3 if d.due <= now else 1
    for fn in _WORK:
        for pid, items in fn(person_ids).items():
            if pid in rows:
                for urgency, words in items:
                    rows[pid].work.append(words)
                    rows[pid].urgent += urgency
    return rows


def team_worker_for_user(user: User, worker_id: int) -> User:
    """A worker of the team manager's own authority; "No such worker" otherwise."""
    if not (user.has_role(Role.TEAM_MANAGER) and user.organisation_id):
        raise NotFound("No such worker")
    worker = User.objects.filter(pk=worker_id, organisation_id=user.organisation_id).first()
    if worker is None:
        raise NotFound("No such worker")
    return worker


def caseload_for_user(user: User, now: datetime, *, worker: User | None = None) -> list[CaseRow]:
    """The children allocated to ``worker`` (the user themselves by default; a team
    manager may look at a worker of their authority), the most urgent first."""
    if not rules.has_perm("care.caseload", user):
        raise PermissionDenied("Caseloads are for social workers, IROs and team managers")
    whose = worker or user
    if whose.pk != user.pk and not (
        user.has_role(Role.TEAM_MANAGER) and whose.organisation_id == user.organisation_id
    ):
        raise NotFound("No such worker")
    allocations = AllocatedWorker.objects.filter(user=whose, ended_on__isnull=True)
    roles: dict[int, list[str]] = {}
    for a in allocations:
        roles.setdefault(a.person_id, []).append(
            "Social worker" if a.role == Role.SOCIAL_WORKER else "IRO"
        )
    rows = _rows(list(roles), now)
    for pid, r in rows.items():
        r.roles = roles[pid]
    return sorted(rows.values(), key=lambda r: (-r.urgent, r.person.family_name))


@dataclass
class WorkerLoad:
    worker: User
    children: int
    urgent: int


@dataclass
class TeamView:
    workers: list[WorkerLoad]
    unallocated: list[CaseRow]


def team_for_user(user: User, now: datetime) -> TeamView:
    """A team manager's view: each social worker and IRO of their authority with their
    number of children and how many need action, and the authority's looked-after children
    with no social worker."""
    if not (user.has_role(Role.TEAM_MANAGER) and user.organisation_id):
        raise PermissionDenied("The team view is for team managers")
    workers = (
        User.objects.filter(
            organisation_id=user.organisation_id,
            is_active=True,
            role_assignments__role__in=[Role.SOCIAL_WORKER, Role.IRO],
        )
        .distinct()
        .order_by("full_name")
    )
    loads = []
    for w in workers:
        rows = caseload_for_user(user, now, worker=w)
        loads.append(WorkerLoad(w, len(rows), sum(1 for r in rows if r.urgent)))
    allocated = AllocatedWorker.objects.filter(
        role=Role.SOCIAL_WORKER, ended_on__isnull=True
    ).values("person_id")
    unallocated_ids = list(
        Person.objects.filter(home_authority_id=user.organisation_id, care_status="looked_after")
        .exclude(pk__in=allocated)
        .values_list("pk", flat=True)[:200]
    )
    unallocated = _rows(unallocated_ids, now)
    return TeamView(
        loads, sorted(unallocated.values(), key=lambda r: (-r.urgent, r.person.family_name))
    )
