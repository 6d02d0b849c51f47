"""Harbouring warning notices (R-HRB-01..07): prepared, served, breached, withdrawn. The
only code that writes ``HarbouringNotice``, ``NoticeChild`` and ``NoticeBreach``.

1. **Prepared** (R-HRB-04) from the local authority manager's formal witness statement
   (who, their role, the date, what it prohibits), naming the adult and the children. The
   engine (``policy/harbouring.py``) says which Act covers each child and refuses a child no
   Act covers or an adult whose address is a certified refuge (R-HRB-02, R-HRB-07).
   Prepared by the force's missing person or CSE coordinator or a police supervisor, or by
   the authority's team manager (the local authority manager). Every named child must be one
   the preparer may see.
2. **Served** by a police officer of the force: when, where, and that a photograph of each
   child was shown and not left (R-HRB-04). Checked again on the day: a child who has turned
   16 since is no longer covered by section 2.
3. **Breached**: the date, what happened, and the missing episode if there is one; a
   timeline event on every child the notice names and on the adult.
4. **Withdrawn**, with a reason, by whoever may prepare one.

Every step is one transaction with a timeline event on each named child and on the adult.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.selectors import force_covering_authority
from misper.core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongState,
)
from misper.core.timeline import timeline_record
from misper.core.validation import clean_day, clean_free_text, clean_instant, clean_text
from misper.episodes.selectors import get_episode_for_user
from misper.interventions.events import InterventionsVerb
from misper.interventions.models import (
    HarbouringNotice,
    NoticeBreach,
    NoticeChild,
    NoticeStatus,
)
from misper.interventions.selectors import (
    NoticeDo,
    get_notice_for_user,
    notice_may,
    notice_preparer_roles,
)
from misper.people.codes import CareStatus
from misper.people.models import Location, LocationKind, Person
from misper.people.network import ADULT, postcode_key
from misper.people.selectors import get_adult_for_user, get_person_for_user
from misper.policy.calendar import local_date
from misper.policy.harbouring import ACT_WORDS, Act, NamedChild, NoticeCheck, check_notice

MAX_CHILDREN = 20


@dataclass(frozen=True)
class NoticeInput:
    adult_id: int
    child_ids: list[int]
    statement_by: str
    statement_role: str
    statement_on: date | None
    statement_summary: str
    authority_id: int | None = None  # police: the authority whose manager made the statement


def _named(person: Person, on: date) -> NamedChild:
    # Person.age_on: from the date of birth, or the estimated age carried forward from the
    # day it was estimated (an estimate of 15 made a year ago is 16 now).
    return NamedChild(
        name=f"{person.given_name} {person.family_name}",
        age=person.age_on(on),
        looked_after=person.care_status == CareStatus.LOOKED_AFTER,
    )


def _at_refuge(postcode: str) -> bool:
    key = postcode_key(postcode)
    return (
        bool(key)
        and Location.objects.filter(postcode=key, kind=LocationKind.CERTIFIED_REFUGE).exists()
    )


def _refused(check: NoticeCheck, field: str) -> ValidationFailed:
    words = "; ".join(f"{r.text} ({r.rule})" for r in check.reasons)
    rules = tuple(dict.fromkeys(r.rule for r in check.reasons))
    return ValidationFailed(f"This notice cannot be made: {words}", field=field, rules=rules)


def _check(
    children: list[Person], adult_postcode: str, on: date, field: str, refuge_field: str = ""
) -> NoticeCheck:
    """The policy's answer for these children on the day ``on``; refused on ``field`` (on
    ``refuge_field``, when given, if the adult's certified refuge is the only reason)."""
    check = check_notice(
        [_named(p, on) for p in children], harbourer_at_certified_refuge=_at_refuge(adult_postcode)
    )
    if not check.allowed:
        only_refuge = all(r.rule == "R-HRB-07" for r in check.reasons)
        raise _refused(check, refuge_field if refuge_field and only_refuge else field)
    return check


def _acts_text(acts: list[str]) -> str:
    return " and ".join(ACT_WORDS[Act(a)] for a in acts)


def _force_and_authority(
    actor: User, authority_id: int | None
) -> tuple[Organisation, Organisation]:
    org = actor.organisation
    if org is None:
        raise PermissionDenied("Only the police and children's services prepare notices")
    if org.kind == OrganisationKind.LOCAL_AUTHORITY:
        force = force_covering_authority(org)
        if force is None:
            raise ValidationFailed(
                "Misper does not know the police force of your authority's area", field="authority"
            )
        return force, org
    force = org.force
    if force is None:
        raise PermissionDenied("Only the police and children's services prepare notices")
    authority = (
        Organisation.objects.filter(pk=authority_id, kind=OrganisationKind.LOCAL_AUTHORITY).first()
        if authority_id is not None
        else None
    )
    if authority is None:
        raise ValidationFailed(
            "Choose the local authority whose manager made the statement", field="authority"
        )
    return force, authority


def _on_timelines(
    actor: User,
    notice: HarbouringNotice,
    person_ids: list[int],
    verb: InterventionsVerb,
    changes: dict[str, str],
    rationale: str = "",
    rules: tuple[str, ...] = ("R-HRB-04",),
    at: datetime | None = None,
) -> None:
    """The event on the timeline of every child the notice names and of the adult."""
    for subject_type, subject_id in [
        *(("person", p) for p in person_ids),
        (ADULT, notice.adult_id),
    ]:
        timeline_record(
            actor=actor,
            subject_type=subject_type,
            subject_id=subject_id,
            verb=verb,
            changes=changes,
            rationale=rationale,
            rule_ids=rules,
            at=at,
        )


def notice_prepare(
    *, actor: User, notice: NoticeInput, now: datetime | None = None
) -> HarbouringNotice:
    """Prepare a notice (see the module's docstring). ``now``: when it is prepared (the
    demo and the tests prepare one in the past); the children's ages are taken that day."""
    if not actor.has_role(*notice_preparer_roles()):
        raise PermissionDenied(
            "Only a missing person or CSE coordinator, a police supervisor or a children's "
            "services team manager prepares a harbouring notice"
        )
    statement_by = clean_text(notice.statement_by, "statement_by", required=True)
    statement_role = clean_text(notice.statement_role, "statement_role", required=True, max_len=100)
    now = now or timezone.now()
    today = local_date(now)
    statement_on = clean_day(
        notice.statement_on,
        "statement_on",
        required=True,
        earliest=today - timedelta(days=366),
        latest=today,
        too_early="The statement must have been made in the last year",
        too_late="The statement cannot be dated in the future",
    )
    assert statement_on is not None
    summary = clean_free_text(notice.statement_summary, "statement_summary", required=True)
    ids = list(dict.fromkeys(notice.child_ids))
    if not ids:
        raise ValidationFailed("Name at least one child (R-HRB-04)", field="children")
    if len(ids) > MAX_CHILDREN:
        raise ValidationFailed(f"A notice names at most {MAX_CHILDREN} children", field="children")
    force, authority = _force_and_authority(actor, notice.authority_id)
    with transaction.atomic():
        try:
            adult = get_adult_for_user(actor, notice.adult_id, purpose="prepare harbouring notice")
        except NotFound as exc:
            raise NotFound(exc.message, field="adult") from exc
        try:
            children = [
                get_person_for_user(actor, pid, purpose="name in a harbouring notice")
                for pid in ids
            ]
        except NotFound as exc:
            raise NotFound(exc.message, field="children") from exc
        check = _check(children, adult.postcode, local_date(now), "children", "adult")
        record = HarbouringNotice.objects.create(
            adult=adult,
            force=force,
            authority=authority,
            statement_by=statement_by,
            statement_role=statement_role,
            statement_on=statement_on,
            statement_summary=summary,
            prepared_at=now,
            prepared_by=actor,
        )
        NoticeChild.objects.bulk_create(
            NoticeChild(notice=record, person=p, acts=[str(a) for a in acts])
            for p, acts in zip(children, check.acts, strict=True)
        )
        acts = sorted({str(a) for acts in check.acts for a in acts})
        _on_timelines(
            actor,
            record,
            [p.pk for p in children],
            InterventionsVerb.NOTICE_PREPARED,
            {
                "notice": str(record.pk),
                "adult": adult.name,
                "acts": _acts_text(acts),
                "statement_by": f"{statement_by}, {statement_role}",
            },
            rules=("R-HRB-04", "R-HRB-02"),
            at=now,
        )
    return record


def _locked(actor: User, notice_id: int, version: int, do: NoticeDo) -> HarbouringNotice:
    notice = get_notice_for_user(actor, notice_id, purpose=str(do), for_update=True)
    if not notice_may(actor, notice, do):
        raise PermissionDenied("Your role does not allow this change")
    if notice.version != version:
        raise ConcurrentEdit(
            "Someone else changed this notice after you opened it. Your change has not been "
            "saved: check the notice as it is now, then make it again.",
            field="version",
        )
    return notice


def _child_ids(notice: HarbouringNotice) -> list[int]:
    return list(notice.children.order_by("pk").values_list("person_id", flat=True))


def notice_serve(
    *,
    actor: User,
    notice_id: int,
    version: int,
    served_at: datetime | None,
    served_where: str,
    photo_shown: bool,
) -> HarbouringNotice:
    now = timezone.now()
    where = clean_text(served_where, "served_where", required=True, max_len=300)
    with transaction.atomic():
        notice = _locked(actor, notice_id, version, NoticeDo.SERVE)
        if notice.status != NoticeStatus.PREPARED:
            raise WrongState(
                f"This notice is {notice.get_status_display().lower()}", field="status"
            )
        at = clean_instant(
            served_at,
            "served_at",
            required=True,
            earliest=notice.prepared_at,
            latest=now + timedelta(minutes=5),
            too_early="A notice is served after it was prepared",
            too_late="A notice cannot be served in the future",
        )
        assert at is not None
        if not photo_shown:
            raise ValidationFailed(
                "Show the adult a photograph of each child named, and do not leave it with "
                "them (R-HRB-04); then record the notice as served",
                field="photo_shown",
            )
        children = list(Person.objects.filter(pk__in=_child_ids(notice)).order_by("pk"))
        check = _check(children, notice.adult.postcode, local_date(at), "served_at")
        by_person = {p.pk: acts for p, acts in zip(children, check.acts, strict=True)}
        for named in notice.children.all():
            named.acts = [str(a) for a in by_person[named.person_id]]
            named.save(update_fields=["acts"])
        notice.status = NoticeStatus.SERVED
        notice.served_at = at
        notice.served_by = actor
        notice.served_where = where
        notice.photo_shown = True
        notice.version += 1
        notice.save()
        _on_timelines(
            actor,
            notice,
            [p.pk for p in children],
            InterventionsVerb.NOTICE_SERVED,
            {
                "notice": str(notice.pk),
                "adult": notice.adult.name,
                "served_at": at.isoformat(),
                "served_by": str(actor),
            },
        )
    return notice


def notice_breach(
    *,
    actor: User,
    notice_id: int,
    version: int,
    at: datetime | None,
    description: str,
    episode_id: int | None = None,
) -> NoticeBreach:
    now = timezone.now()
    text = clean_free_text(description, "description", required=True)
    with transaction.atomic():
        notice = _locked(actor, notice_id, version, NoticeDo.BREACH)
        if notice.status != NoticeStatus.SERVED:
            raise WrongState("Only a served notice can be breached", field="status")
        assert notice.served_at is not None
        when = clean_instant(
            at,
            "at",
            required=True,
            earliest=notice.served_at,
            latest=now + timedelta(minutes=5),
            too_early="A breach happens after the notice was served",
            too_late="A breach cannot be recorded in the future",
        )
        assert when is not None
        child_ids = _child_ids(notice)
        episode = None
        if episode_id is not None:
            try:
                episode = get_episode_for_user(
                    actor, episode_id, purpose="harbouring breach"
                ).episode
            except NotFound as exc:
                raise NotFound(exc.message, field="episode") from exc
            if episode.person_id not in child_ids:
                raise ValidationFailed(
                    "That missing episode is not of a child the notice names", field="episode"
                )
        breach = NoticeBreach.objects.create(
            notice=notice,
            at=when,
            description=text,
            episode=episode,
            recorded_at=now,
            recorded_by=actor,
        )
        notice.version += 1
        notice.save(update_fields=["version"])
        _on_timelines(
            actor,
            notice,
            child_ids,
            InterventionsVerb.NOTICE_BREACHED,
            {"notice": str(notice.pk), "adult": notice.adult.name, "at": when.isoformat()},
            rationale=text,
        )
    return breach


def notice_withdraw(*, actor: User, notice_id: int, version: int, reason: str) -> HarbouringNotice:
    text = clean_free_text(reason, "reason", required=True)
    with transaction.atomic():
        notice = _locked(actor, notice_id, version, NoticeDo.WITHDRAW)
        if notice.status == NoticeStatus.WITHDRAWN:
            raise WrongState("This notice is already withdrawn", field="status")
        notice.status = NoticeStatus.WITHDRAWN
        notice.withdrawn_at = timezone.now()
        notice.withdrawn_reason = text
        notice.version += 1
        notice.save()
        _on_timelines(
            actor,
            notice,
            _child_ids(notice),
            InterventionsVerb.NOTICE_WITHDRAWN,
            {"notice": str(notice.pk), "adult": notice.adult.name},
            rationale=text,
        )
    return notice
