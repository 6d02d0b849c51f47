"""The only code that writes an episode. Each service checks permission, asks the policy
engine (through policy_bridge) whether the decision is allowed and why, and writes the
episode, its decision rows and timeline events in one transaction. A refusal names the
field and the rule; nothing is half-written."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import rules
from django.db import transaction
from django.utils import timezone

from misper.agencies.models import CARE_PROVIDER_KINDS, Organisation, OrganisationKind, User
from misper.core.errors import PermissionDenied, ValidationFailed
from misper.core.timeline import timeline_record
from misper.core.validation import (
    AGREED_AHEAD_WITHIN,
    CLOCK_SKEW,
    LAST_SEEN_WITHIN,
    REPORT_RECORDED_WITHIN,
    clean_free_text,
    clean_instant,
)
from misper.episodes.codes import (
    QUESTION_KEYS,
    SEARCHES,
    Answer,
    Category,
    MissingFrom,
    ReportedBy,
    Risk,
    SearchState,
)
from misper.episodes.events import Change, EpisodeVerb
from misper.episodes.models import CategoryDecision, Episode, RiskGrading
from misper.episodes.policy_bridge import (
    Question,
    location_key,
    person_facts,
    report_question,
)
from misper.episodes.services.carer import carer_report_attach, get_carer_report_for_user
from misper.episodes.services.common import (
    MAX_TEXT,
    action,
    after_change,
    refusal,
    rule_ids,
    store_state,
    text,
)
from misper.people.models import LinkSource, Person
from misper.people.network import place_link_note
from misper.people.selectors import get_person_for_user
from misper.people.services import policy_role_of
from misper.policy import Decision
from misper.policy.assess import questions_may_wait
from misper.policy.calendar import local_date
from misper.policy.facts import Report as PolicyReport
from misper.policy.profiles import load_profile
from misper.policy.types import ProfileErrors

# Where the policy engine reads a field of an action, the form field it comes from.


@dataclass(frozen=True)
class ReportInput:
    """What the call handler records (R-RPT-01..09). ``answers`` maps each of the twelve
    question keys to ``{"answer": yes|no|unknown, "detail": text}``; ``searches`` maps each
    basic search to ``{"state": done|not_safe|not_done, "detail": text}``."""

    reported_at: datetime
    reported_by: str
    informant_name: str
    missing_from: str
    location_address: str
    last_seen_at: datetime
    last_seen_place: str
    circumstances: str
    answers: dict[str, dict[str, str]]
    searches: dict[str, dict[str, str]] = field(default_factory=dict)
    informant_phone: str = ""
    location_postcode: str = ""
    establishment: Organisation | None = None
    last_contact_at: datetime | None = None
    last_contact_place: str = ""
    intelligence_checks: str = ""
    further_enquiries_required: bool = False
    other_factors_suspected: bool = False
    area: Organisation | None = None


def policy_role(user: User) -> str:
    """The most senior of the user's roles, in the policy engine's words (C-15)."""
    return policy_role_of(user)


def _text(
    value: str | None,
    name: str,
    *,
    required: bool = False,
    max_len: int = 300,
    multiline: bool = False,
) -> str:
    if multiline:
        return clean_free_text(value, name, required=required, max_len=max_len)
    return text(value, name, required=required, max_len=max_len)


def _check_times(r: ReportInput, now: datetime) -> None:
    """The report within the last 30 days (back-recording) and not in the future; last
    seen within the 12 months before it and not in the future; every time with its zone."""
    clean_instant(
        r.reported_at,
        "reported_at",
        required=True,
        earliest=now - REPORT_RECORDED_WITHIN,
        latest=now + CLOCK_SKEW,
        too_early="The time of the report must be within the last "
        f"{REPORT_RECORDED_WITHIN.days} days",
        too_late="The time of the report cannot be in the future",
    )
    clean_instant(
        r.last_seen_at,
        "last_seen_at",
        required=True,
        earliest=r.reported_at - LAST_SEEN_WITHIN,
        latest=now + CLOCK_SKEW,
        too_early="Last seen must be within the 12 months before the report",
        too_late="Last seen cannot be in the future",
    )
    clean_instant(r.last_contact_at, "last_contact_at")


def _questions_may_wait(person: Person, profile: str, r: ReportInput, now: datetime) -> bool:
    """The engine's answer: may this child's report leave questions unasked, because the
    danger is evident (R-RPT-05, R-CLS-04)? Without a readable age or profile, no."""
    if not profile:
        return False
    try:
        return (
            questions_may_wait(
                load_profile(profile),
                person_facts(person, r.reported_at),
                PolicyReport(reported_at=r.reported_at, missing_from=r.missing_from),
                now,
            )
            is not None
        )
    except (ValueError, ProfileErrors):
        return False


def _validate_report(
    r: ReportInput, now: datetime, *, person: Person | None = None, profile: str = ""
) -> dict[str, Any]:
    """The report's values, checked. Every one of the twelve questions is answered
    (R-RPT-03), except where the policy engine says the questions may wait for this child
    (R-RPT-05 / R-CLS-04, danger evident: ``person`` and the force's ``profile`` tell it):
    an unanswered question is then stored as not asked, which the engine reads as unknown."""
    if r.reported_by not in ReportedBy.values:
        raise ValidationFailed("Choose who is reporting", field="reported_by")
    if r.missing_from not in MissingFrom.values:
        raise ValidationFailed("Choose where the child is missing from", field="missing_from")
    _check_times(r, now)
    if r.last_seen_at > r.reported_at:
        raise ValidationFailed(
            "The child cannot have been last seen after the report was made", field="last_seen_at"
        )
    if r.last_contact_at is not None and not (r.last_seen_at <= r.last_contact_at <= r.reported_at):
        raise ValidationFailed(
            "Last contact must be between when the child was last seen and the report",
            field="last_contact_at",
        )
    if r.establishment is not None and r.establishment.kind not in CARE_PROVIDER_KINDS:
        raise ValidationFailed("Choose a care establishment", field="establishment")
    answers: dict[str, dict[str, str]] = {}
    may_wait: bool | None = None  # asked of the engine at the first unanswered question
    for key in QUESTION_KEYS:
        given = r.answers.get(key) or {}
        answer = given.get("answer", "")
        if not answer or answer == Answer.NOT_ASKED:
            if may_wait is None:
                may_wait = person is not None and _questions_may_wait(person, profile, r, now)
            if may_wait:
                answers[key] = {"answer": Answer.NOT_ASKED, "detail": ""}
                continue
        if answer not in Answer.values or answer == Answer.NOT_ASKED:
            raise ValidationFailed(
                "Answer yes, no or don't know (R-RPT-03)", field=f"answers.{key}"
            )
        detail = _text(
            given.get("detail"), f"answers.{key}.detail", max_len=MAX_TEXT, multiline=True
        )
        if not detail:
            raise ValidationFailed(
                "Say what the caller told you: a simple yes or no does not suffice (R-RPT-04)",
                field=f"answers.{key}.detail",
            )
        answers[key] = {"answer": answer, "detail": detail}
    unknown_keys = set(r.answers) - set(QUESTION_KEYS)
    if unknown_keys:
        raise ValidationFailed(f"Unknown question {sorted(unknown_keys)[0]!r}", field="answers")
    searches: dict[str, dict[str, str]] = {}
    for key, _label in SEARCHES:
        given = r.searches.get(key) or {}
        state = given.get("state", "")
        if state not in SearchState.values:
            raise ValidationFailed(
                "Say whether this search was done (R-RPT-08)", field=f"searches.{key}"
            )
        detail = _text(
            given.get("detail"), f"searches.{key}.detail", max_len=MAX_TEXT, multiline=True
        )
        if state != SearchState.DONE and not detail:
            raise ValidationFailed(
                "Say why this search was not done", field=f"searches.{key}.detail"
            )
        searches[key] = {"state": state, "detail": detail}
    unknown_searches = set(r.searches) - {key for key, _label in SEARCHES}
    if unknown_searches:
        raise ValidationFailed(f"Unknown search {sorted(unknown_searches)[0]!r}", field="searches")
    return {
        "reported_at": r.reported_at,
        "reported_by": r.reported_by,
        "informant_name": _text(r.informant_name, "informant_name", required=True, max_len=200),
        "informant_phone": _text(r.informant_phone, "informant_phone", max_len=32),
        "missing_from": r.missing_from,
        "location_address": _text(r.location_address, "location_address", required=True),
        "location_postcode": _text(r.location_postcode, "location_postcode", max_len=10).upper(),
        "establishment": r.establishment,
        "last_seen_at": r.last_seen_at,
        "last_seen_place": _text(r.last_seen_place, "last_seen_place", required=True),
        "last_contact_at": r.last_contact_at,
        "last_contact_place": _text(r.last_contact_place, "last_contact_place"),
        "circumstances": _text(
            r.circumstances, "circumstances", required=True, max_len=MAX_TEXT, multiline=True
        ),
        "answers": answers,
        "searches": searches,
        "intelligence_checks": _text(
            r.intelligence_checks, "intelligence_checks", max_len=MAX_TEXT, multiline=True
        ),
        "further_enquiries_required": bool(r.further_enquiries_required),
        "other_factors_suspected": bool(r.other_factors_suspected),
    }


def _force_and_area(actor: User, area: Organisation | None) -> tuple[Organisation, Organisation]:
    org = actor.organisation
    force = org.force if org else None
    if org is None or force is None:
        raise PermissionDenied("Only police users take reports")
    if org.kind == OrganisationKind.POLICING_AREA:
        return force, org
    if area is None:
        raise ValidationFailed("Choose the local policing area that owns the case", field="area")
    if area.kind != OrganisationKind.POLICING_AREA or area.parent_id != force.pk:
        raise ValidationFailed("Choose a local policing area of your force", field="area")
    return force, area


def _question(
    *, person: Person, force: Organisation, values: dict[str, Any], now: datetime
) -> Question:
    establishment = values["establishment"]
    key = location_key(
        establishment_code=establishment.code if establishment else None,
        address=values["location_address"],
        postcode=values["location_postcode"],
    )
    return report_question(
        profile=force.policy_profile, now=now, person=person, report=values, location=key
    )


def _check_born(person: Person, last_seen_at: datetime) -> None:
    """Last seen on or after the child's date of birth (the policy's age counts from it)."""
    if person.date_of_birth is not None and local_date(last_seen_at) < person.date_of_birth:
        raise ValidationFailed(
            "The child cannot have been last seen before their date of birth",
            field="last_seen_at",
        )


def _person_for_report(actor: User, person_id: int, *, for_update: bool = False) -> Person:
    """The child the report is about, through the people app's one door (audited)."""
    return get_person_for_user(actor, person_id, purpose="take a report", for_update=for_update)


def episode_recommend(
    *, actor: User, person_id: int, report: ReportInput, now: datetime | None = None
) -> Decision:
    """The policy engine's recommendation for a report, before anything is saved: allowed
    categories, minimum risk and response, duties, deadlines, triggers and reasons."""
    if not rules.has_perm("episodes.report", actor):
        raise PermissionDenied("Only police officers and staff take reports")
    now = now or timezone.now()
    force, _area = _force_and_area(actor, report.area)
    person = _person_for_report(actor, person_id)
    values = _validate_report(report, now, person=person, profile=force.policy_profile)
    _check_born(person, values["last_seen_at"])
    return _question(person=person, force=force, values=values, now=now).decide()


def episode_report(
    *,
    actor: User,
    person_id: int,
    report: ReportInput,
    category: str,
    risk: str | None = None,
    rationale: str = "",
    latest_review_at: datetime | None = None,
    now: datetime | None = None,
    carer_report_id: int | None = None,
) -> Episode:
    """Record a report as an episode with the reporting officer's category and, for a
    missing report, their initial risk grading, each checked by the policy engine.

    Absent proposed by someone who may not confirm it (R-CLS-07) is recorded as proposed
    and put on the duty inspector's list. A category or risk the profile forbids for this
    child is refused with the rule that forbids it (R-HMI-01, R-HMI-02). With
    ``carer_report_id``, the report takes a carer's report, which is attached to the
    episode (R-PPA-03)."""
    if not rules.has_perm("episodes.report", actor):
        raise PermissionDenied("Only police officers and staff take reports")
    now = now or timezone.now()
    if category not in Category.values:
        raise ValidationFailed("Choose a category", field="category")
    if risk is not None and risk not in Risk.values:
        raise ValidationFailed("Choose a risk level", field="risk")
    rationale = _text(rationale, "rationale", max_len=MAX_TEXT, multiline=True)
    clean_instant(
        latest_review_at,
        "latest_review_at",
        earliest=now - CLOCK_SKEW,
        latest=now + AGREED_AHEAD_WITHIN,
        too_early="The latest review time cannot be in the past",
        too_late=f"The latest review time must be within {AGREED_AHEAD_WITHIN.days} days",
    )
    force, area = _force_and_area(actor, report.area)
    if not force.policy_profile:
        raise ValidationFailed("Your force has no missing persons policy set", field="area")
    role = policy_role(actor)

    with transaction.atomic():
        person = _person_for_report(actor, person_id, for_update=True)
        values = _validate_report(report, now, person=person, profile=force.policy_profile)
        _check_born(person, values["last_seen_at"])
        question = _question(person=person, force=force, values=values, now=now)
        recommendation = question.decide()
        decision = question.decide(
            action("set_category", now, role, category=category, rationale=rationale)
        )
        awaiting, supervisor_reason = False, ""
        confirmed = bool(decision.allowed)
        state = decision.episode
        if not confirmed:
            proposable = category == Category.ABSENT and (
                category in recommendation.allowed_categories
            )
            if proposable and decision.required_role:
                supervisor_reason = (
                    "Absent proposed: the duty inspector decides absent or missing (R-CLS-07)"
                )
            elif proposable and set(decision.missing_fields) <= {
                "review_period_hours",
                "callback_at",
                "rationale",
            }:
                supervisor_reason = (
                    "Absent proposed: review period and call-backs to be agreed (R-REV-02)"
                )
            else:
                raise refusal(decision, "category")
            # Proposed, not decided: the duty inspector's list holds it (R-CLS-07).
            awaiting = True
            assert state is not None
            state = replace(state, category=category, categorised_at=None, categorised_by_role=None)
        assert state is not None
        state = replace(state, case_record_created=True)
        final = decision
        if risk:
            if category != Category.MISSING:
                raise ValidationFailed("Only a missing report is graded for risk", field="risk")
            final = question.with_episode(state).decide(
                action(
                    "grade_risk",
                    now,
                    role,
                    risk=risk,
                    rationale=rationale or "initial grading",
                    latest_review_at=latest_review_at,
                )
            )
            if not final.allowed:
                raise refusal(final, "risk")
            assert final.episode is not None
            state = final.episode
            if risk == Risk.NO_APPARENT_RISK:
                awaiting = True
                supervisor_reason = "No apparent risk: latest review time agreed (R-REV-12)"
        establishment = values["establishment"]
        episode = Episode(
            person=person,
            force=force,
            owning_area=area,
            profile_id=force.policy_profile,
            location_key=question.location_key,
            recommendation=recommendation.as_dict(),
            awaiting_supervisor=awaiting,
            supervisor_reason=supervisor_reason,
            case_record_created=True,
            created_by=actor,
            **{k: v for k, v in values.items() if k != "establishment"},
            establishment=establishment,
        )
        store_state(episode, state, absconder=recommendation.absconder)
        if not confirmed:
            episode.categorised_by_role = role  # who proposed it
        episode.save()
        place_link_note(
            person=person,
            postcode=episode.location_postcode,
            description=episode.location_address,
            source=LinkSource.MISSING_FROM,
            source_id=episode.pk,
            on=local_date(episode.last_seen_at),
            episode_id=episode.pk,
            at=episode.last_seen_at,
        )
        CategoryDecision.objects.create(
            episode=episode,
            category=category,
            absconder=episode.absconder,
            at=now,
            by=actor,
            by_role=role,
            rationale=rationale or ("proposed" if not confirmed else "at report"),
            rules=rule_ids(decision),
            answer=decision.as_dict(),
        )
        if risk:
            RiskGrading.objects.create(
                episode=episode,
                risk=risk,
                at=now,
                by=actor,
                by_role=role,
                initial=True,
                rationale=rationale or "initial grading",
                rules=rule_ids(final),
                answer=final.as_dict(),
            )
        timeline_record(
            actor=actor,
            role=role,
            subject_type="episode",
            subject_id=episode.pk,
            verb=EpisodeVerb.EPISODE_REPORTED,
            changes={
                "category": category,
                "confirmed": confirmed,
                "risk": risk or None,
                "recommended": {
                    "allowed_categories": list(recommendation.allowed_categories),
                    "minimum_risk": recommendation.minimum_risk,
                    "minimum_response": recommendation.minimum_response,
                    "duties": list(recommendation.duties),
                },
            },
            rationale=rationale,
            rule_ids=rule_ids(recommendation),
        )
        timeline_record(
            actor=actor,
            role=role,
            subject_type="person",
            subject_id=person.pk,
            verb=EpisodeVerb.EPISODE_REPORTED,
            changes={"episode": episode.pk, "category": category},
        )
        if carer_report_id is not None:
            carer_report = get_carer_report_for_user(
                actor, carer_report_id, purpose="take carer's report", for_update=True
            )
            carer_report_attach(actor=actor, report=carer_report, episode=episode)
        # The deadlines the policy sets from the report on (absent limit, reviews, ...),
        # and whoever reacts to a report is told.
        after_change(episode, now, change=Change.REPORTED, change_id="report", reported=question)
    return episode
