"""The carer's own report (R-PPA-03, R-CLS-10/11, R-RPT-07): the only code that writes a
CarerReport. A carer records an unauthorised absence where the force's policy and the
pre-placement assessment allow it (the engine's ``record_unauthorised_absence``: refused,
with its reasons, when field 20 says "missing, never absent" or the answers show a risk),
or reports the child missing at once. The worker reports an unauthorised absence to the
police as missing at six hours (``carer_unauthorised_absence_limit``); the police take a
report with it (``episode_report(carer_report_id=...)``); the carer records the return, and
the police are told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from misper.agencies.models import CARE_PROVIDER_KINDS, Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.agencies.selectors import force_covering_authority
from misper.care.selectors import latest_version
from misper.core.deadlines import deadline_meet, deadlines_sync
from misper.core.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from misper.core.models import Deadline
from misper.core.timeline import timeline_record
from misper.core.validation import (
    CLOCK_SKEW,
    LAST_SEEN_WITHIN,
    clean_free_text,
    clean_instant,
    clean_text,
)
from misper.episodes import carer_form
from misper.episodes.codes import QUESTION_KEYS, ReportedBy
from misper.episodes.events import EpisodeVerb
from misper.episodes.models import CarerReport, CarerReportKind, CarerReportStatus, Episode
from misper.episodes.policy_bridge import location_key, report_question
from misper.episodes.services.common import action, refusal, rule_ids
from misper.notifications.services import Recipient, channels_for, members_with_roles, notify
from misper.people.models import Person, Placement
from misper.people.selectors import current_worker, get_person_for_user
from misper.policy import deadlines as policy_deadlines
from misper.policy.profiles import load_profile

OWNER = "carer"
SUBJECT = "person"
LIMIT_KIND = "unauthorised_absence_limit"


def _link(report: CarerReport) -> str:
    return f"/episodes/carer-reports/{report.pk}/"


def _carer_org(actor: User) -> Organisation:
    org = actor.organisation
    if org is None or not actor.has_role(Role.CARER) or org.kind not in CARE_PROVIDER_KINDS:
        raise PermissionDenied("Only carers of the child's placement make a carer's report")
    return org


def _placement_with(person: Person, org: Organisation) -> Placement:
    placement = (
        Placement.objects.filter(person=person, ended_on__isnull=True)
        .select_related("provider", "host_authority", "host_force", "placing_authority")
        .first()
    )
    provider = placement.provider if placement else None
    if (
        placement is None
        or provider is None
        or (provider.pk != org.pk and provider.parent_id != org.pk)
    ):
        raise PermissionDenied("The child is not placed with you")
    return placement


def _police_for(placement: Placement) -> tuple[Organisation, Organisation]:
    """The force and policing area of the placement's address (R-OOA-01)."""
    force = placement.host_force or force_covering_authority(placement.host_authority)
    if force is None:
        raise ValidationFailed(
            "No police force in Misper covers the placement's address: report to the police "
            "on 101, or 999 if the child is in danger",
            field="placement",
        )
    areas = Organisation.objects.filter(kind=OrganisationKind.POLICING_AREA, parent=force)
    area = (
        areas.filter(local_authority=placement.host_authority).order_by("name").first()
        or areas.order_by("name").first()
    )
    if area is None:
        raise ValidationFailed(f"{force} has no policing area in Misper", field="placement")
    return force, area


def police_answers(person: Person, values: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The twelve questions as far as the carer's form and the record answer them: the
    carer's answers, the child in care (Q10), and the pre-placement assessment's sexual
    exploitation rating (Q9, field 27)."""
    answers = carer_form.police_answers(values)
    answers["supported_by_services"] = {
        "answer": "yes",
        "detail": "Looked after; reported by the carer",
    }
    latest = latest_version(person)
    cse = latest.values.get("cse_risk") if latest else None
    if cse and "abuse_or_exploitation" not in answers:
        reasons = latest.values.get("cse_risk_reasons", "") if latest else ""
        answers["abuse_or_exploitation"] = {
            "answer": "no" if cse == "low" else "yes",
            "detail": f"Pre-placement assessment field 27: risk {cse.upper()}. {reasons}".strip(),
        }
    return answers


def _report_values(
    report: CarerReport, person: Person, answers: dict[str, dict[str, str]]
) -> dict[str, Any]:
    provider = report.provider
    return {
        "reported_at": report.reported_at,
        "last_seen_at": report.last_seen_at,
        "last_contact_at": report.last_contact_at,
        "missing_from": "care",
        "establishment": provider if provider.kind == OrganisationKind.CHILDRENS_HOME else None,
        "reported_by": reported_by(provider),
        "answers": {
            k: answers.get(k) if (answers.get(k) or {}).get("answer") else {"answer": "unknown"}
            for k in QUESTION_KEYS
        },
        "further_enquiries_required": False,
        "other_factors_suspected": False,
    }


def reported_by(provider: Organisation) -> str:
    return (
        ReportedBy.FOSTER_CARER
        if provider.kind in (OrganisationKind.FOSTER_CARER, OrganisationKind.FOSTERING_AGENCY)
        else ReportedBy.CARE_STAFF
    )


def _responsible(person: Person) -> list[Recipient]:
    """The child's social worker, or their responsible authority."""
    sw = current_worker(person, Role.SOCIAL_WORKER)
    if sw is not None:
        return [Recipient(user=sw)]
    if person.home_authority is not None:
        return [Recipient(organisation=person.home_authority)]
    return []


def _tell_police(report: CarerReport, key: str, title: str) -> None:
    notify(
        rule="R-PPA-03",
        event_key=f"carer_report:{report.pk}:{key}",
        subject_type="carer_report",
        subject_id=report.pk,
        title=title,
        link=_link(report),
        recipients=[
            Recipient(
                organisation=report.area, channels=channels_for(report.provider, report.area)
            ),
            *members_with_roles(report.area, Role.CALL_HANDLER),
        ],
    )


def _tell_responsible(report: CarerReport, key: str, title: str) -> None:
    to = _responsible(report.person)
    if to:
        notify(
            rule="R-NTF-01",
            event_key=f"carer_report:{report.pk}:{key}",
            subject_type="carer_report",
            subject_id=report.pk,
            title=title,
            link=_link(report),
            recipients=to,
        )


def carer_report_make(
    *,
    actor: User,
    person_id: int,
    kind: str,
    last_seen_at: datetime | None,
    values: dict[str, Any],
    completed_by: str,
    designation: str,
    mobile_checked: bool = False,
    last_contact_at: datetime | None = None,
    now: datetime | None = None,
) -> CarerReport:
    """A carer reports a child placed with them: an unauthorised absence (held by the
    carer, reported to the police at the profile's limit, R-CLS-10) where the engine allows
    it (R-CLS-11), or missing (to the police at once, R-PPA-03)."""
    now = now or timezone.now()
    if kind not in CarerReportKind.values:
        raise ValidationFailed("Choose unauthorised absence or missing", field="kind")
    org = _carer_org(actor)
    clean_instant(
        last_seen_at,
        "last_seen_at",
        required=True,
        earliest=now - LAST_SEEN_WITHIN,
        latest=now + CLOCK_SKEW,
        too_early="Last seen must be within the last 12 months",
        too_late="Last seen cannot be in the future",
    )
    assert last_seen_at is not None
    clean_instant(last_contact_at, "last_contact_at")
    if last_contact_at is not None and not (last_seen_at <= last_contact_at <= now + CLOCK_SKEW):
        raise ValidationFailed(
            "Last contact must be between when the child was last seen and now",
            field="last_contact_at",
        )
    completed_by = clean_text(completed_by, "completed_by", required=True, max_len=200)
    designation = clean_text(designation, "designation", required=True, max_len=200)
    try:
        answers = carer_form.clean(values)
    except carer_form.CarerFormProblems as exc:
        key, message = exc.problems[0]
        raise ValidationFailed(message, field=f"values.{key}") from None
    with transaction.atomic():
        person = get_person_for_user(actor, person_id, purpose="carer's report", for_update=True)
        placement = _placement_with(person, org)
        force, area = _police_for(placement)
        if CarerReport.objects.filter(
            person=person, status__in=[CarerReportStatus.HELD, CarerReportStatus.WITH_POLICE]
        ).exists():
            raise WrongState(
                "A report for this child is already open: record the return on it",
                field="kind",
            )
        report = CarerReport(
            person=person,
            placement=placement,
            provider=placement.provider or org,
            force=force,
            area=area,
            kind=kind,
            status=CarerReportStatus.WITH_POLICE,
            last_seen_at=last_seen_at,
            last_contact_at=last_contact_at,
            reported_at=now,
            values=answers,
            mobile_checked=bool(mobile_checked),
            completed_by=completed_by,
            designation=designation,
            created_by=actor,
        )
        due = None
        if kind == CarerReportKind.UNAUTHORISED_ABSENCE:
            due = _check_unauthorised_absence(report, person, now)
            report.status = CarerReportStatus.HELD
        else:
            report.reported_to_police_at = now
        report.save()
        if due is not None:
            deadlines_sync(owner=OWNER, subject=report, wanted=[(LIMIT_KIND, due, "R-CLS-10")])
        timeline_record(
            actor=actor,
            role="care_provider",
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb=EpisodeVerb.CARER_REPORTED,
            changes={
                "carer_report": report.pk,
                "kind": kind,
                "status": report.status,
                "last_seen_at": last_seen_at.isoformat(),
            },
            rule_ids=["R-PPA-03"] + (["R-CLS-10", "R-CLS-11"] if due else ["R-RPT-07"]),
        )
        if kind == CarerReportKind.MISSING:
            _tell_police(report, "missing", "A carer has reported a child missing: take the report")
            _tell_responsible(report, "missing", "A carer has reported a child missing")
        else:
            _tell_responsible(report, "absence", "A carer has recorded an unauthorised absence")
    return report


def _check_unauthorised_absence(report: CarerReport, person: Person, now: datetime) -> datetime:
    """The engine's answer to the carer's unauthorised absence (R-CLS-10/11): refused with
    its reasons, or allowed with the time at which it becomes a missing report."""
    profile_id = report.force.policy_profile
    if not profile_id or "unauthorised_absence" not in load_profile(profile_id).categories:
        raise ValidationFailed(
            f"{report.force}'s policy has no unauthorised absence: report the child missing "
            "(R-DEF-04)",
            field="kind",
        )
    values = _report_values(report, person, police_answers(person, report.values))
    key = location_key(
        establishment_code=report.provider.code
        if report.provider.kind == OrganisationKind.CHILDRENS_HOME
        else None,
        address=report.placement.address,
        postcode=report.placement.postcode,
    )
    question = report_question(
        profile=profile_id, now=now, person=person, report=values, location=key
    )
    # R-CLS-11: "the carer records the review of the risk assessment": the per-episode form
    # is that record, completed and signed by the carer (the engine refuses without it).
    review = (
        f"Per-episode form completed by {report.completed_by} ({report.designation}). "
        + str(report.values.get("circumstances") or "")
    ).strip()
    decision = question.decide(
        action("record_unauthorised_absence", now, "care_provider", rationale=review)
    )
    if not decision.allowed:
        raise refusal(decision, "kind")
    report.decision = {"rules": rule_ids(decision), "answer": decision.as_dict()}
    limit = policy_deadlines.unauthorised_absence_limit(
        load_profile(profile_id), report.last_contact_at or report.last_seen_at
    )
    if limit is None:
        raise ValidationFailed("The policy sets no limit on unauthorised absence", field="kind")
    return limit.due


def carer_unauthorised_absence_limit(deadline: Deadline, now: datetime) -> str:
    """The worker, at the limit (R-CLS-10): an unauthorised absence the carer still holds
    becomes a missing report to the police, reported at the limit itself; the police and
    the responsible authority are told. Runs in the sweep's transaction, exactly once."""
    report = (
        CarerReport.objects.select_for_update(of=("self",))
        .select_related("area", "provider", "person")
        .filter(pk=deadline.object_id)
        .first()
    )
    if report is None:
        return "no such report"
    if report.status != CarerReportStatus.HELD:
        return "no longer held by the carer: nothing to do"
    report.status = CarerReportStatus.WITH_POLICE
    report.reported_to_police_at = deadline.due
    report.version += 1
    report.save(update_fields=["status", "reported_to_police_at", "version"])
    timeline_record(
        actor=None,
        role="system",
        subject_type=SUBJECT,
        subject_id=report.person_id,
        verb=EpisodeVerb.CARER_REPORT_TO_POLICE,
        changes={"carer_report": report.pk, "deadline": deadline.pk},
        rule_ids=["R-CLS-10"],
        at=now,
    )
    _tell_police(
        report,
        "limit",
        "Unauthorised absence for six hours: a child is missing, take the report (R-CLS-10)",
    )
    _tell_responsible(report, "limit", "An unauthorised absence has been reported to the police")
    return "reported to the police as missing (R-CLS-10)"


def get_carer_report_for_user(
    user: User, report_id: int, *, purpose: str, for_update: bool = False
) -> CarerReport:
    """A carer's report, for those who may see it: the carers of the provider, the police
    of the force it went to, and children's services who see the child. Not found
    otherwise."""
    row = CarerReport.objects.filter(pk=report_id).values(
        "person_id", "provider_id", "provider__parent_id", "force_id"
    )
    found = row.first()
    if found is None:
        raise NotFound("No such report")
    org = user.organisation
    # The carer's organisation is the provider, or the fostering agency of the household
    # (as _placement_with lets it report).
    allowed = org is not None and (
        (
            user.has_role(Role.CARER)
            and org.pk in (found["provider_id"], found["provider__parent_id"])
        )
        or (org.is_police and org.force is not None and org.force.pk == found["force_id"])
        or user.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.IRO)
    )
    if not allowed:
        raise NotFound("No such report")
    try:
        get_person_for_user(user, found["person_id"], purpose=purpose, for_update=for_update)
    except NotFound:
        raise NotFound("No such report") from None
    qs = CarerReport.objects.select_related(
        "person", "placement", "provider", "force", "area", "episode"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=report_id)


def carer_report_return(
    *,
    actor: User,
    report_id: int,
    returned_at: datetime | None,
    details: str = "",
    now: datetime | None = None,
) -> CarerReport:
    """The carer records the child's return. An absence still held ends there; once the
    police have it, they are told (and a taken report's case says so on its timeline)."""
    now = now or timezone.now()
    _carer_org(actor)
    details = clean_free_text(details, "details", max_len=4000)
    with transaction.atomic():
        report = get_carer_report_for_user(
            actor, report_id, purpose="record return", for_update=True
        )
        if not actor.has_role(Role.CARER):
            raise PermissionDenied("The carer records the return")
        if report.returned_at is not None:
            raise WrongState("The return has already been recorded", field="returned_at")
        clean_instant(
            returned_at,
            "returned_at",
            required=True,
            earliest=report.last_seen_at,
            latest=now + CLOCK_SKEW,
            too_early="The return cannot be before the child was last seen",
            too_late="The return cannot be in the future",
        )
        assert returned_at is not None
        report.returned_at = returned_at
        report.return_details = details
        if report.status == CarerReportStatus.HELD:
            report.status = CarerReportStatus.RETURNED
            deadline_meet(owner=OWNER, subject=report, kind=LIMIT_KIND, reason="child returned")
        report.version += 1
        report.save()
        timeline_record(
            actor=actor,
            role="care_provider",
            subject_type=SUBJECT,
            subject_id=report.person_id,
            verb=EpisodeVerb.CARER_RETURN,
            changes={"carer_report": report.pk, "returned_at": returned_at.isoformat()},
            rationale=details,
        )
        if report.episode_id is not None:
            timeline_record(
                actor=actor,
                role="care_provider",
                subject_type="episode",
                subject_id=report.episode_id,
                verb=EpisodeVerb.CARER_RETURN,
                changes={"carer_report": report.pk, "returned_at": returned_at.isoformat()},
                rationale=details,
            )
        if report.status != CarerReportStatus.RETURNED:
            _tell_police(
                report, "return", "The carer says the child has returned: record the return"
            )
        _tell_responsible(report, "return", "A carer has recorded a child's return")
    return report


def carer_report_attach(*, actor: User, report: CarerReport, episode: Episode) -> None:
    """Inside ``episode_report``'s transaction: the police took this carer's report as the
    episode (R-PPA-03: the per-episode part attached to it)."""
    if report.person_id != episode.person_id:
        raise ValidationFailed("This carer's report is about another child", field="carer_report")
    if report.episode_id is not None or report.status == CarerReportStatus.RETURNED:
        raise WrongState("This carer's report has already been dealt with", field="carer_report")
    report.status = CarerReportStatus.TAKEN
    report.episode = episode
    if report.reported_to_police_at is None:
        report.reported_to_police_at = episode.reported_at
    report.version += 1
    report.save()
    deadline_meet(owner=OWNER, subject=report, kind=LIMIT_KIND, reason="taken by the police")
    for subject_type, subject_id in (("episode", episode.pk), (SUBJECT, episode.person_id)):
        timeline_record(
            actor=actor,
            subject_type=subject_type,
            subject_id=subject_id,
            verb=EpisodeVerb.CARER_REPORT_TAKEN,
            changes={"carer_report": report.pk, "episode": episode.pk},
            rule_ids=["R-PPA-03"],
        )
