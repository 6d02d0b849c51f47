"""The only code that writes the pre-placement assessment, and what the care app does when
a placement is recorded. Each service runs in one transaction, opens the child through the
choke point (``get_person_for_user``), writes a timeline event, and tells whom the rules
name; bad input raises ValidationFailed naming the field."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from misper.agencies.models import User
from misper.agencies.roles import Role
from misper.agencies.selectors import force_covering_authority
from misper.care import form
from misper.care.events import CareVerb
from misper.care.models import AssessmentVersion
from misper.care.selectors import OWNER
from misper.core.deadlines import deadline_meet, deadlines_sync
from misper.core.errors import ConcurrentEdit, PermissionDenied, ValidationFailed
from misper.core.timeline import timeline_record
from misper.core.validation import clean_text
from misper.notifications.services import (
    Recipient,
    channels_for,
    coordinators_of,
    members_with_roles,
    notify,
)
from misper.people.hooks import on_placement
from misper.people.models import Person, Placement
from misper.people.selectors import current_worker, get_person_for_user
from misper.policy.calendar import LONDON
from misper.policy.deadlines import ppa_due
from misper.policy.profiles import load_profile

SUBJECT = "person"
FALLBACK_PROFILE = "national-continuum"  # WMC14's R-PPA-01 reading, adopted by every profile


def _link(person: Person) -> str:
    return f"/care/children/{person.pk}/assessment/"


def _profile_id(placement: Placement) -> str:
    """The profile of the force policing the placement (R-OOA-01: its protocol covers the
    children placed in its area), else of the placing authority's force."""
    for force in (placement.host_force, force_covering_authority(placement.placing_authority)):
        if force is not None and force.policy_profile:
            return force.policy_profile
    return FALLBACK_PROFILE


def placed_at(placement: Placement) -> datetime:
    """When the placement began: now when it starts today, else the start of its day (UK)."""
    now = timezone.now()
    if placement.started_on >= timezone.localdate():
        return now
    return datetime.combine(placement.started_on, time.min, tzinfo=LONDON)


def from_record(person: Person, placement: Placement) -> dict[str, Any]:
    """Appendix A's fields that Misper fills in from the child's record (never retyped)."""
    sw, iro = current_worker(person, Role.SOCIAL_WORKER), current_worker(person, Role.IRO)
    address = placement.address + (f", {placement.postcode}" if placement.postcode else "")
    if placement.provider is not None:
        address = f"{placement.provider.name}, {address}"
    return {
        "name": person.name,
        "aliases": [a.name for a in person.aliases.all()],
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "completed_on": timezone.localdate().isoformat(),
        "photo_available": "Yes" if person.photo else "No",
        "placement_address": address,
        "placing_authority": placement.placing_authority.name,
        "date_placed": placement.started_on.isoformat(),
        "social_worker": sw.full_name if sw else "None allocated",
        "iro": iro.full_name if iro else "None allocated",
    }


def _recipients(placement: Placement, version: AssessmentVersion) -> list[tuple[str, Recipient]]:
    """Whom a version is sent to (R-PPA-02, R-NTF-07, R-OOA-01): the coordinators of the
    force policing the placement, the host authority when it is not the placing one, and the
    IRO when missing episodes are anticipated (likelihood medium or high, R-NTF-06)."""
    out: list[tuple[str, Recipient]] = []
    placing = placement.placing_authority
    force = placement.host_force or force_covering_authority(placing)
    if force is not None:
        for r in coordinators_of(force):
            out.append(
                (force.name, Recipient(r.user, r.organisation, channels_for(placing, force)))
            )
    if placement.host_authority_id != placing.pk:
        host = placement.host_authority
        out.append((host.name, Recipient(organisation=host, channels=channels_for(placing, host))))
    if version.values.get("likelihood") in ("medium", "high"):
        iro = current_worker(placement.person, Role.IRO)
        if iro is not None:
            out.append(("Independent reviewing officer", Recipient(user=iro)))
    return out


def _police_unit(placement: Placement) -> str:
    """The unit the profile names for the host authority (West Mercia's HAU North or
    South, R-NTF-07), if any."""
    try:
        units = load_profile(_profile_id(placement)).values.get("ppa_police_recipient") or {}
    except Exception:
        return ""
    name = placement.host_authority.name.lower().replace("&", "and")
    for key, unit in units.items():
        if key.replace("_", " ") in name:
            return str(unit)
    return ""


def assessment_save(
    *,
    actor: User,
    person_id: int,
    values: dict[str, Any],
    completed_with: str,
    based_on: int | None,
    change_note: str = "",
) -> AssessmentVersion:
    """Save the child's assessment as a new version (R-PPA-01..04). ``based_on`` is the
    number of the version the user started from (None for the first): if someone saved
    another meanwhile, nothing is written (ConcurrentEdit). The version meets the current
    placement's assessment deadline and is sent to the police unit covering the placement
    and, out of area, to the host authority (R-PPA-02)."""
    if actor.organisation is None:
        raise PermissionDenied("Only children's services of the responsible authority save it")
    completed_with = clean_text(completed_with, "completed_with", required=True, max_len=200)
    change_note = clean_text(change_note, "change_note", max_len=form.MAX_TEXT)
    try:
        typed = form.clean(values, today=timezone.localdate())
    except form.FormProblems as exc:
        key, message = exc.problems[0]
        more = len(exc.problems) - 1
        raise ValidationFailed(
            message + (f" (and {more} more)" if more else ""), field=f"values.{key}"
        ) from None
    with transaction.atomic():
        person = get_person_for_user(
            actor,
            person_id,
            action="care.save_assessment",
            purpose="save pre-placement assessment",
            for_update=True,
        )
        placement = (
            Placement.objects.filter(person=person, ended_on__isnull=True)
            .select_related("placing_authority", "host_authority", "host_force", "provider")
            .first()
        )
        if placement is None:
            raise ValidationFailed(
                "Record the child's placement first: the assessment is completed for a "
                "placement (R-PPA-01)",
                field="placement",
            )
        latest = AssessmentVersion.objects.filter(person=person).order_by("-number").first()
        current = latest.number if latest else None
        if current != based_on:
            raise ConcurrentEdit(
                f"Version {current} was saved since you opened the assessment: open it again "
                "to see the changes; nothing was saved",
                field="based_on",
            )
        if latest is not None and latest.placement_id == placement.pk and not change_note:
            raise ValidationFailed(
                "Say what has changed and why (R-PPA-04: updated every time they go missing)",
                field="change_note",
            )
        version = AssessmentVersion.objects.create(
            person=person,
            number=(current or 0) + 1,
            values={**from_record(person, placement), **typed},
            placement=placement,
            completed_with=completed_with,
            change_note=change_note,
            created_by=actor,
            created_by_org=actor.organisation,
        )
        changed = [c.number for c in form.diff(latest.values if latest else {}, version.values)]
        told = _recipients(placement, version)
        unit = _police_unit(placement)
        notify(
            rule="R-PPA-02",
            event_key=f"assessment:{version.pk}",
            subject_type=SUBJECT,
            subject_id=person.pk,
            title=(
                f"Pre-placement missing risk assessment (version {version.number}) for a child "
                f"placed in your area{f' ({unit})' if unit else ''}"
            ),
            link=_link(person) + f"{version.number}/",
            recipients=[r for _, r in told],
        )
        version.sent_to = sorted({name for name, _ in told})
        version.save(update_fields=["sent_to"])
        deadline_meet(
            owner=OWNER,
            subject=placement,
            kind="ppa_due",
            reason=f"assessment version {version.number} completed",
        )
        person.version += 1
        person.save(update_fields=["version"])
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb=CareVerb.ASSESSMENT_SAVED,
            changes={
                "version": version.number,
                "changed": changed,
                "completed_with": completed_with,
                "sent_to": version.sent_to,
            },
            rationale=change_note,
            rule_ids=["R-PPA-01", "R-PPA-02"],
        )
    return version


@on_placement
def placement_opened(actor: User, placement: Placement) -> None:
    """A placement is recorded (people.services.placement_record's transaction): its
    assessment falls due before it starts, or 72 hours after an emergency placement
    (R-PPA-01, the engine's ``ppa_due``); the host authority and the police of the address
    are told when the placement is in another authority's or force's area (R-OOA-01,
    R-NTF-04/07/10)."""
    profile = load_profile(_profile_id(placement))
    due = ppa_due(profile, placed_at(placement), placement.emergency)
    deadlines_sync(owner=OWNER, subject=placement, wanted=[("ppa_due", due.due, due.rule)])
    placing = placement.placing_authority
    own_force = force_covering_authority(placing)
    told: list[tuple[str, Recipient]] = []
    if placement.host_authority_id != placing.pk:
        host = placement.host_authority
        told.append((host.name, Recipient(organisation=host, channels=channels_for(placing, host))))
        told += [(host.name, r) for r in members_with_roles(host, Role.TEAM_MANAGER) if r.user]
    force = placement.host_force
    if force is not None and (own_force is None or force.pk != own_force.pk):
        told += [
            (force.name, Recipient(r.user, r.organisation, channels_for(placing, force)))
            for r in coordinators_of(force)
        ]
    if not told:
        return
    notify(
        rule="R-OOA-01",
        event_key=f"placement:{placement.pk}",
        subject_type=SUBJECT,
        subject_id=placement.person_id,
        title=f"A looked-after child has been placed in your area by {placing.name}",
        link=f"/people/{placement.person_id}/",
        recipients=[r for _, r in told],
    )
    timeline_record(
        actor=actor,
        subject_type=SUBJECT,
        subject_id=placement.person_id,
        verb=CareVerb.PLACEMENT_NOTIFIED,
        changes={"told": sorted({n for n, _ in told}), "out_of_area": True},
        rule_ids=["R-OOA-01", "R-NTF-07", "R-NTF-10"],
    )


def assessment_overdue(placement: Placement, due: datetime) -> str:
    """The worker's action when a placement's assessment falls due undone (R-PPA-01): the
    allocated social worker and the placing authority's team managers are told, and the
    child's timeline says so."""
    if AssessmentVersion.objects.filter(placement=placement).exists():
        return "completed: nothing to do"
    if placement.ended_on is not None:
        return "placement ended: nothing to do"
    person = placement.person
    to = members_with_roles(placement.placing_authority, Role.TEAM_MANAGER)
    sw = current_worker(person, Role.SOCIAL_WORKER)
    if sw is not None:
        to.append(Recipient(user=sw))
    notify(
        rule="R-PPA-01",
        event_key=f"ppa_due:{placement.pk}:{due.isoformat()}",
        subject_type=SUBJECT,
        subject_id=person.pk,
        title="A pre-placement missing risk assessment is overdue",
        link=_link(person),
        recipients=to,
    )
    timeline_record(
        actor=None,
        role="system",
        subject_type=SUBJECT,
        subject_id=person.pk,
        verb=CareVerb.ASSESSMENT_OVERDUE,
        changes={"placement": placement.pk, "due": due.isoformat()},
        rule_ids=["R-PPA-01"],
    )
    return "team managers told (R-PPA-01)"
