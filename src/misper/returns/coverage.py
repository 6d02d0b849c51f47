"""Coverage and timeliness of return interviews (R-RHI-01/02/11, R-DAT-14/15; the table
seed 003 says most authorities cannot produce: "1% to over 80%" coverage).

Per interviewing organisation or per responsible authority, and split by home or care, sex
and ethnicity: referrals, the triage split, interviews offered, completed, completed within
72 hours, and each way an interview did not happen. Counts only: no child is named, so the
table may be seen by those who count (analysts, boards) as well as by the providers' and
authorities' managers, each of the latter for their own organisation.

A referral belongs to the period in which the child was found. Percentages follow C-11:
one decimal place, rounded half up, shown with the count.

Which referrals are counted, here and in the insights' return-interview report (one
definition, ``counted`` and the scopes below, so the two give the same numbers):

- never a referral of a restricted case (R-RES-01; docs/access.md: a restricted case
  appears in no count, and its referral is nobody's to see). A restricted case is referred
  to nobody (``referral.py``); one restricted after its referral leaves the service;
- an analyst or a missing person coordinator (police): the referrals of the episodes their
  force owns (the force of the owning policing area), as the analysts' reports count;
- a safeguarding board member: those of the force(s) with a policing area in the board's
  local authority (``partnership_forces``);
- a return-interview manager or a team manager: those their organisation holds, is
  responsible for, or (an authority) placed the child of: the referrals they may open
  (``selectors.referrals_for_user``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.core.errors import PermissionDenied, ValidationFailed
from misper.core.figures import percent_text
from misper.people.codes import Ethnicity, Sex
from misper.returns.models import (
    Outcome,
    Rag,
    Referral,
    State,
    clock_stopped,
    was_offered,
)

# Who sees the table, and of which referrals.
ALL_REFERRALS = (Role.ANALYST, Role.SAFEGUARDING_BOARD, Role.MISSING_PERSON_COORDINATOR)
OWN_ORGANISATION = (Role.RHI_MANAGER, Role.TEAM_MANAGER)
GROUPS = ("interviewer", "authority", "care", "sex", "ethnicity")
GROUP_LABELS = {
    "interviewer": "Organisation holding the interviews",
    "authority": "Responsible authority",
    "care": "Home or care",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
}
MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class Figures:
    """What the counting reads of one referral, from its columns (``referral_figures``),
    so that a year of a force's referrals is counted without building model objects."""

    rag: str
    offered_at: datetime | None
    outcome: str
    state: str
    found_at: datetime
    due: datetime
    outcome_at: datetime | None
    interview_held_at: datetime | None

    @property
    def hours_to_outcome(self) -> float | None:
        end = clock_stopped(self.outcome, self.outcome_at, self.interview_held_at)
        return None if end is None else round((end - self.found_at).total_seconds() / 3600, 1)

    @property
    def within_72_hours(self) -> bool | None:
        end = clock_stopped(self.outcome, self.outcome_at, self.interview_held_at)
        return None if end is None else end <= self.due

    @property
    def offered(self) -> bool:
        """Offered: an offer recorded, or an interview completed (``outcome_conditions``)."""
        return was_offered(self.offered_at, self.outcome)


@dataclass(frozen=True)
class Counted:
    """What ``Row.add`` reads, already worked out (a group of the insights summary table,
    insights/facts.py, whose figures are ``Figures``')."""

    rag: str
    offered: bool
    outcome: str
    state: str
    within_72_hours: bool | None
    hours_to_outcome: float | None


FIGURE_COLUMNS = (
    "rag",
    "offered_at",
    "outcome",
    "state",
    "found_at",
    "due",
    "outcome_at",
    "interview__held_at",
)


def referral_figures(
    qs: QuerySet[Referral], *extra: str
) -> Iterator[tuple[Figures, tuple[Any, ...]]]:
    """Each referral of ``qs`` as ``Figures``, with the ``extra`` columns asked for."""
    n = len(FIGURE_COLUMNS)
    for row in qs.values_list(*FIGURE_COLUMNS, *extra):
        yield Figures(*row[:n]), row[n:]


@dataclass
class Row:
    label: str
    referrals: int = 0
    red: int = 0
    amber: int = 0
    green: int = 0
    not_triaged: int = 0
    offered: int = 0
    completed: int = 0
    completed_in_72h: int = 0
    letter_sent: int = 0
    declined: int = 0
    unable_to_contact: int = 0
    missing_again: int = 0
    out_of_area: int = 0
    not_required: int = 0
    open: int = 0
    # Hours from found to the interview of each completed one: how many at each value.
    hours: Counter[float] = field(default_factory=Counter)

    def add(self, r: Referral | Figures | Counted, n: int = 1) -> None:
        """Count ``n`` referrals with ``r``'s figures (a group counts many at once)."""
        self.referrals += n
        rag = r.rag or ""
        if rag == Rag.RED:
            self.red += n
        elif rag == Rag.AMBER:
            self.amber += n
        elif rag == Rag.GREEN:
            self.green += n
        else:
            self.not_triaged += n
        if r.offered:
            self.offered += n
        if r.state != State.CLOSED:
            self.open += n
            return
        outcome = r.outcome
        if outcome == Outcome.COMPLETED:
            self.completed += n
            if r.within_72_hours:
                self.completed_in_72h += n
            hours = r.hours_to_outcome
            if hours is not None:
                self.hours[hours] += n
        elif outcome == Outcome.LETTER_SENT:
            self.letter_sent += n
        elif outcome in (Outcome.DECLINED_CHILD, Outcome.DECLINED_PARENT):
            self.declined += n
        elif outcome == Outcome.UNABLE_TO_CONTACT:
            self.unable_to_contact += n
        elif outcome == Outcome.MISSING_AGAIN:
            self.missing_again += n
        elif outcome == Outcome.OUT_OF_AREA:
            self.out_of_area += n
        elif outcome == Outcome.NOT_REQUIRED:
            self.not_required += n

    @property
    def coverage(self) -> str:
        """Interviews completed, of referrals."""
        return percent_text(self.completed, self.referrals)

    @property
    def timeliness(self) -> str:
        """Completed within 72 hours, of interviews completed."""
        return percent_text(self.completed_in_72h, self.completed)

    @property
    def median_hours(self) -> float | None:
        count = sum(self.hours.values())
        if not count:
            return None
        # The middle value (the mean of the two middle ones for an even count), read off
        # the values in order with how many completed at each.
        wanted = [(count - 1) // 2, count // 2]
        middle: list[float] = []
        seen = 0
        for value in sorted(self.hours):
            seen += self.hours[value]
            while wanted and wanted[0] < seen:
                middle.append(value)
                wanted.pop(0)
        return middle[0] if count % 2 else round((middle[0] + middle[1]) / 2, 1)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            k: getattr(self, k) for k in self.__dataclass_fields__ if k != "hours"
        }
        out.update(
            coverage=self.coverage, timeliness=self.timeliness, median_hours=self.median_hours
        )
        return out


@dataclass(frozen=True)
class Table:
    group: str
    start: date
    end: date
    rows: list[Row]
    total: Row

    @property
    def group_label(self) -> str:
        return GROUP_LABELS[self.group]


def outcome_conditions(prefix: str = "") -> dict[str, Q]:
    """``Row.add``'s offered and completed as database conditions, for counting in the
    database (``prefix`` the path to the referral, e.g. ``"rhi_referral__"`` from an
    episode): offered is an offer recorded or an interview completed; completed is closed
    with the interview completed."""
    return {
        "offered": Q(**{f"{prefix}offered_at__isnull": False})
        | Q(**{f"{prefix}outcome": Outcome.COMPLETED}),
        "completed": Q(**{f"{prefix}state": State.CLOSED, f"{prefix}outcome": Outcome.COMPLETED}),
    }


def may_count(user: User) -> bool:
    return user.has_role(*ALL_REFERRALS) or (
        user.has_role(*OWN_ORGANISATION) and user.organisation_id is not None
    )


def counted(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    """R-RES-01: the referrals of ``qs`` that count: none of a restricted case."""
    return qs.filter(episode__restricted=False)


def force_referrals(force_ids: Iterable[int]) -> QuerySet[Referral]:
    """The counted referrals of the episodes the forces own now (the owning area's force).
    By the areas' ids: see ``insights.reports._police_scope``."""
    areas = Organisation.objects.filter(
        kind=OrganisationKind.POLICING_AREA, parent_id__in=list(force_ids)
    ).values_list("pk", flat=True)
    return counted(Referral.objects.filter(episode__owning_area_id__in=list(areas)))


def organisation_condition(org_id: int) -> Q:
    """The referrals an organisation holds the interviews of, is the responsible authority
    for, or placed the child of (docs/access.md, "Return interviews"): the same field
    names on a referral and on its row of the insights summary (insights/models.py)."""
    return (
        Q(interviewer_id=org_id)
        | Q(responsible_authority_id=org_id)
        | Q(placing_authority_id=org_id)
    )


def organisation_referrals(org_id: int) -> QuerySet[Referral]:
    """The counted referrals of ``organisation_condition``."""
    return counted(Referral.objects.filter(organisation_condition(org_id)))


def partnership_forces(authority_id: int | None) -> list[Organisation]:
    """The police force(s) with a policing area in a safeguarding partnership's local
    authority: whose figures its board sees (none when no authority is recorded)."""
    if authority_id is None:
        return []
    return list(
        Organisation.objects.filter(
            kind=OrganisationKind.POLICE_FORCE,
            children__kind=OrganisationKind.POLICING_AREA,
            children__local_authority_id=authority_id,
        )
        .distinct()
        .order_by("name")
    )


def visible_referrals(user: User) -> QuerySet[Referral]:
    """The referrals the user may count (module docstring); PermissionDenied for anyone
    else. The roles are taken in the order the analysts' reports take them."""
    org = user.organisation
    if user.has_role(Role.ANALYST, Role.MISSING_PERSON_COORDINATOR):
        force = org.force if org is not None else None
        return force_referrals([force.pk] if force is not None else [])
    if user.has_role(Role.SAFEGUARDING_BOARD):
        authority_id = org.local_authority_id if org is not None else None
        return force_referrals(f.pk for f in partnership_forces(authority_id))
    if user.has_role(*OWN_ORGANISATION) and org is not None:
        return organisation_referrals(org.pk)
    raise PermissionDenied("Your role does not give you the return-interview figures")


# The column each grouping reads, and how its value is named.
GROUP_COLUMNS = {
    "interviewer": "interviewer__name",
    "authority": "responsible_authority__name",
    "care": "in_care",
    "sex": "person__sex",
    "ethnicity": "person__ethnicity",
}


def _key(value: Any, group: str) -> str:
    if group in ("interviewer", "authority"):
        return str(value)
    if group == "care":
        return "Looked after (care)" if value else "Living at home"
    if group == "sex":
        return Sex(value).label if value in Sex.values else "Not known"
    return Ethnicity(value).label if value in Ethnicity.values else "Not known"


def coverage_table(user: User, *, start: date, end: date, group: str = "interviewer") -> Table:
    """The coverage and timeliness table for referrals whose child was found from
    ``start`` to ``end`` (inclusive, UK dates), grouped by ``group``."""
    if group not in GROUPS:
        raise ValidationFailed(f"{group!r} is not a way to group the table", field="group")
    if end < start:
        raise ValidationFailed("The end of the period is before its start", field="end")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed("Choose a period of three years or less", field="start")
    qs = visible_referrals(user)
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    rows: dict[str, Row] = {}
    total = Row("All referrals")
    for r, (value,) in referral_figures(
        qs.filter(found_at__gte=since, found_at__lt=until).order_by("id"), GROUP_COLUMNS[group]
    ):
        key = _key(value, group)
        rows.setdefault(key, Row(key)).add(r)
        total.add(r)
    return Table(group, start, end, sorted(rows.values(), key=lambda x: x.label), total)
