"""Coverage and timeliness of return interviews (R-RHI-01/02/11, R-DAT-14/15; the table
seed 003 says most authorities cannot produce: "1% to over 80%" coverage).

Per interviewing organisation or per responsible authority, and split by home or care, sex
and ethnicity: referrals, the triage split, interviews offered, completed, completed within
72 hours, and each way an interview did not happen. Counts only: no child is named, so the
table may be seen by those who count (analysts, boards) as well as by the providers' and
authorities' managers, each of the latter for their own organisation.

A referral belongs to the period in which the child was found. Percentages follow C-11:
one decimal place, rounded half up, shown with the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from misper.agencies.models import User
from misper.agencies.roles import Role
from misper.core.errors import PermissionDenied, ValidationFailed
from misper.core.figures import percent_text
from misper.people.codes import Ethnicity, Sex
from misper.returns.models import Outcome, Rag, Referral, State

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
    hours: list[float] = field(default_factory=list)

    def add(self, r: Referral) -> None:
        self.referrals += 1
        rag = r.rag or ""
        if rag == Rag.RED:
            self.red += 1
        elif rag == Rag.AMBER:
            self.amber += 1
        elif rag == Rag.GREEN:
            self.green += 1
        else:
            self.not_triaged += 1
        if r.offered_at is not None or r.outcome == Outcome.COMPLETED:
            self.offered += 1
        if r.state != State.CLOSED:
            self.open += 1
            return
        outcome = r.outcome
        if outcome == Outcome.COMPLETED:
            self.completed += 1
            if r.within_72_hours:
                self.completed_in_72h += 1
            hours = r.hours_to_outcome
            if hours is not None:
                self.hours.append(hours)
        elif outcome == Outcome.LETTER_SENT:
            self.letter_sent += 1
        elif outcome in (Outcome.DECLINED_CHILD, Outcome.DECLINED_PARENT):
            self.declined += 1
        elif outcome == Outcome.UNABLE_TO_CONTACT:
            self.unable_to_contact += 1
        elif outcome == Outcome.MISSING_AGAIN:
            self.missing_again += 1
        elif outcome == Outcome.OUT_OF_AREA:
            self.out_of_area += 1
        elif outcome == Outcome.NOT_REQUIRED:
            self.not_required += 1

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
        if not self.hours:
            return None
        ordered = sorted(self.hours)
        mid = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[mid]
        return round((ordered[mid - 1] + ordered[mid]) / 2, 1)

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


def may_count(user: User) -> bool:
    return user.has_role(*ALL_REFERRALS) or (
        user.has_role(*OWN_ORGANISATION) and user.organisation_id is not None
    )


def visible_referrals(user: User) -> QuerySet[Referral]:
    """The referrals the user may count; PermissionDenied for anyone else."""
    base = Referral.objects.filter(episode__restricted=False)
    if user.has_role(*ALL_REFERRALS):
        return base
    if user.has_role(*OWN_ORGANISATION) and user.organisation_id is not None:
        org = user.organisation_id
        return base.filter(Q(interviewer_id=org) | Q(responsible_authority_id=org))
    raise PermissionDenied("Your role does not give you the return-interview figures")


def _key(r: Referral, group: str) -> str:
    if group == "interviewer":
        return r.interviewer.name
    if group == "authority":
        return r.responsible_authority.name
    if group == "care":
        return "Looked after (care)" if r.in_care else "Living at home"
    if group == "sex":
        return Sex(r.person.sex).label if r.person.sex in Sex.values else "Not known"
    return (
        Ethnicity(r.person.ethnicity).label
        if r.person.ethnicity in Ethnicity.values
        else "Not known"
    )


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
    for r in (
        qs.filter(found_at__gte=since, found_at__lt=until)
        .select_related("interviewer", "responsible_authority", "person", "interview")
        .order_by("id")
    ):
        key = _key(r, group)
        rows.setdefault(key, Row(key)).add(r)
        total.add(r)
    return Table(group, start, end, sorted(rows.values(), key=lambda x: x.label), total)
