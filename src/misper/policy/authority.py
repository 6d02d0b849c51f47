"""Authority: may role X make change Y in situation Z, and why (policy-rules §6, C-15, C-17).

Each ``check_<kind>`` returns a :class:`Verdict`. A refusal names the most specific role
that may act (``required_role``, C-17) or the action's own fields that are missing
(``missing_fields``), or the duties to be done first (``required_duties``), and always
carries reasons with rule ids. A refusal's reasons are only those of the rules that refused,
most specific first (``refused_by`` lists their ids in that order): for a category or a
risk the policy forbids, the rule that forbids it for this child (e.g. R-CLS-03) comes
before the general control (R-HMI-01 / R-HMI-02).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from misper.policy.assess import Assessment
from misper.policy.facts import Episode, Person
from misper.policy.profiles import Profile
from misper.policy.roles import ALL_ROLES, POLICE_RANK, at_least, is_police
from misper.policy.types import Reason
from misper.policy.vocab import CATEGORIES, RISK_RANK

ACTION_KINDS = (
    "set_category",
    "grade_risk",
    "change_risk",
    "resolve_disagreement",
    "record_unauthorised_absence",
    "record_found",
    "triage_return_interview",
    "return_interview_outcome",
    "close",
    "record_placement",
    "log_activity",
    "restrict_record",
    "record_disagreement",
)


@dataclass(frozen=True)
class Action:
    kind: str
    at: datetime
    by_role: str
    fields: Mapping[str, Any]

    def get(self, name: str) -> Any:
        return self.fields.get(name)

    def text(self, name: str) -> str | None:
        value = self.fields.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def instant(self, name: str) -> datetime | None:
        """An instant field: an aware datetime (the app) or an ISO 8601 string (a
        scenario), in UTC; sub-seconds are kept."""
        value = self.fields.get(name)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"action.{name}: instant without a time zone")
            return value.astimezone(UTC)
        if not isinstance(value, str):
            return None
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError(f"action.{name}: instant without a time zone")
        return parsed.astimezone(UTC)


@dataclass
class Verdict:
    allowed: bool
    required_role: str | None = None
    missing_fields: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    # duties that must be done before the action is allowed (e.g. R-REC-09)
    required_duties: list[str] = field(default_factory=list)

    @property
    def refused_by(self) -> list[str]:
        """The ids of the rules that refused, most specific first (empty when allowed)."""
        if self.allowed:
            return []
        return list(dict.fromkeys(r.rule for r in self.reasons))


@dataclass(frozen=True)
class Situation:
    profile: Profile
    person: Person | None
    assessment: Assessment | None
    episode: Episode | None
    # True when ``episode`` only stands for a new report (no episode recorded yet)
    new_report: bool = False


def _refuse(
    reasons: list[Reason],
    role: str | None = None,
    missing: list[str] | None = None,
    duties: list[str] | None = None,
) -> Verdict:
    return Verdict(False, role, sorted(set(missing or [])), reasons, list(duties or []))


def _not_allowed(s: Situation, category: str) -> list[Reason]:
    """Why ``category`` is not allowed for this child: the rules that block it, most
    specific first, then the control that no child is put in a lower category (R-HMI-01)."""
    blocking = s.assessment.blocked.get(category, []) if s.assessment else []
    return [*blocking, Reason("R-HMI-01", f"{category} is not allowed for this child")]


def _need_police(action: Action, minimum: str = "call_handler") -> Verdict | None:
    if not at_least(action.by_role, minimum):
        return _refuse(
            [
                Reason(
                    "R-AUT-07" if minimum == "call_handler" else "R-AUT-05",
                    f"{action.by_role} may not do this; needs {minimum} or above (C-15)",
                )
            ],
            role=minimum,
        )
    return None


def check_set_category(s: Situation, a: Action) -> Verdict:
    category = a.text("category")
    p = s.profile
    if category not in CATEGORIES or category not in p.categories:
        return _refuse([Reason("R-CLS-18", f"{category!r} is not a category of {p.id}")])
    if category == "unauthorised_absence":
        return _refuse(
            [Reason("R-DEF-04", "unauthorised absence is held by the carer, not set by police")],
            role="care_provider",
        )
    disagreement = bool(a.get("disagreement")) or bool(s.episode and s.episode.disagreement_open)
    dispute_role = p.text("category_dispute_role")
    # R-AUT-05 (adopted safety direction, C-15): raising to missing is never blocked, not
    # even by an open disagreement; only the other categories wait for the FIM (R-REV-07).
    raising = category == "missing"
    if disagreement and not raising and not at_least(a.by_role, dispute_role):
        return _refuse(
            [
                Reason(
                    "R-REV-07",
                    "an unresolved disagreement with the informant: the duty FIM decides (C-17)",
                )
            ],
            role=dispute_role,
        )
    confirm_role = p.get("absent_confirm_min_role")
    floor = str(confirm_role) if category == "absent" and confirm_role != "none" else "call_handler"
    if not is_police(a.by_role):
        return _need_police(a, floor) or _refuse([])
    if s.assessment and category not in s.assessment.allowed_categories:
        return _refuse(_not_allowed(s, category))
    reasons = []
    missing: list[str] = []
    role: str | None = None
    if category == "absent":
        confirm = p.get("absent_confirm_min_role")
        if confirm != "none":
            if not at_least(a.by_role, str(confirm)):
                role = str(confirm)
                reasons.append(
                    Reason("R-CLS-07", "only the Duty Inspector (or above) confirms absent")
                )
                reasons.append(Reason("R-GRD-02", "inspector assessment and contact plan"))
            if a.get("review_period_hours") is None:
                missing.append("review_period_hours")
            if a.get("callback_at") is None:
                missing.append("callback_at")
            if missing:
                reasons.append(
                    Reason("R-REV-02", "review period and call-back agreed with the informant")
                )
            if not a.text("rationale"):
                missing.append("rationale")
                reasons.append(Reason("R-REV-03", "the decision needs a full rationale"))
        if role or missing:
            return _refuse(reasons, role, missing)
        return Verdict(True, reasons=[Reason("R-CLS-07", f"absent confirmed by {a.by_role}")])
    why = [Reason("R-AUT-05", f"{category} set by {a.by_role}")]
    if raising and disagreement and not at_least(a.by_role, dispute_role):
        why = [
            Reason(
                "R-AUT-05",
                f"missing set by {a.by_role}: raising to missing is open to every police role "
                "even while a disagreement is open (safety direction)",
            ),
            Reason(
                "R-REV-07",
                "the disagreement stays open: only the duty FIM settles it (C-17)",
            ),
        ]
    return Verdict(True, reasons=why)


def _below_floor(s: Situation, level: str, floor: str) -> list[Reason]:
    """Why ``level`` is below the floor: the rules that raise the floor above it, most
    specific first, then the control against grading too low (R-HMI-02)."""
    lifts = s.assessment.floor_reasons_above(level) if s.assessment else []
    return [*lifts, Reason("R-HMI-02", f"{level} is below the minimum risk {floor}")]


def _lowering_check(
    s: Situation, a: Action, old: str, new: str, minimum_floor: str | None
) -> Verdict | None:
    p = s.profile
    if minimum_floor is not None and RISK_RANK[new] < RISK_RANK[minimum_floor]:
        return _refuse(_below_floor(s, new, minimum_floor))
    if old == "high":
        top = p.text("lower_from_high_min_role")
        if at_least(a.by_role, top):
            return None
        exc_role = p.get("initial_grading_exception_role")
        ep = s.episode
        first = ep.risk_history[0] if ep and ep.risk_history else None
        is_first = (
            ep is not None
            and len(ep.risk_history) == 1
            and first is not None
            and first.risk == "high"
            and first.initial
            and first.by_role in ("investigating_officer", "constable")
        )
        if (
            exc_role != "none"
            and at_least(a.by_role, str(exc_role))
            and is_first
            and a.get("initial_grading_error") is True
        ):
            if not a.text("rationale"):
                return _refuse(
                    [Reason("R-AUT-04", "the initial-grading exception needs a rationale")],
                    missing=["rationale"],
                )
            return None
        why = [Reason("R-AUT-03", "only a superintendent (or above) lowers high risk (C-17)")]
        if a.get("initial_grading_error") is True:
            why.append(
                Reason(
                    "R-AUT-04",
                    "exception not available: the current high is not the "
                    "initial investigating officer's first assessment, or the role is not "
                    "the Duty Inspector",
                )
            )
        return _refuse(why, role=top)
    minimum = p.text("lower_medium_to_low_min_role")
    if not at_least(a.by_role, minimum):
        return _refuse(
            [Reason("R-AUT-02", f"lowering risk from {old} needs {minimum} or above")],
            role=minimum,
        )
    return None


def check_grade_risk(s: Situation, a: Action) -> Verdict:
    p = s.profile
    risk = a.text("risk")
    if risk not in p.risk_levels:
        rule = "R-GRD-06" if "low" not in p.risk_levels else "R-DEF-17"
        return _refuse(
            [Reason(rule, f"{risk!r} is not a risk level of {p.id}: {', '.join(p.risk_levels)}")]
        )
    category = (
        s.episode.category
        if s.episode
        else (s.assessment.recommended_category if s.assessment else "missing")
    )
    if category != "missing":
        return _refuse([Reason("R-DEF-17", f"a {category} episode carries no risk level")])
    refused = _need_police(a)
    if refused:
        return refused
    floor = s.assessment.minimum_risk_for_missing if s.assessment else None
    old = s.episode.risk if s.episode else None
    if old is not None and RISK_RANK[risk] < RISK_RANK[old]:
        lowered = _lowering_check(s, a, old, risk, floor)
        if lowered:
            return lowered
    elif floor is not None and RISK_RANK[risk] < RISK_RANK[floor]:
        return _refuse(_below_floor(s, risk, floor))
    if risk == "no_apparent_risk" and a.get("latest_review_at") is None:
        return _refuse(
            [
                Reason(
                    "R-REV-12",
                    "no apparent risk needs a latest review time agreed with the informant",
                ),
                Reason("R-CLS-19", "actions to locate and a latest review time"),
            ],
            missing=["latest_review_at"],
        )
    return Verdict(True, reasons=[Reason("R-GRD-03", f"risk graded {risk} by {a.by_role}")])


def check_change_risk(s: Situation, a: Action) -> Verdict:
    p = s.profile
    old, new = a.text("from"), a.text("to")
    current = s.episode.risk if s.episode else None
    if new not in p.risk_levels:
        rule = "R-GRD-06" if "low" not in p.risk_levels else "R-DEF-17"
        return _refuse([Reason(rule, f"{new!r} is not a risk level of {p.id}")])
    if old is None or old not in RISK_RANK or (current is not None and current != old):
        return _refuse([Reason("R-REC-16", f"'from' {old!r} is not the current risk {current!r}")])
    if RISK_RANK[new] > RISK_RANK[old]:
        raise_role = p.text("raise_risk_min_role")
        if not at_least(a.by_role, raise_role):
            return _refuse(
                [Reason("R-AUT-01", "raising risk is open to every police role (C-15)")],
                role=raise_role,
            )
        return Verdict(True, reasons=[Reason("R-AUT-01", f"risk raised {old} -> {new}")])
    if new == old:
        return Verdict(True, reasons=[Reason("R-REC-16", "risk confirmed unchanged")])
    floor = s.assessment.minimum_risk_for_missing if s.assessment else None
    refused = _lowering_check(s, a, old, new, floor)
    if refused:
        return refused
    if not a.text("rationale"):
        return _refuse(
            [Reason("R-REC-16", "lowering risk needs a rationale")], missing=["rationale"]
        )
    if (
        new == "no_apparent_risk"
        and a.get("latest_review_at") is None
        and not (s.episode and s.episode.latest_review_at)
    ):
        return _refuse(
            [Reason("R-REV-12", "NAR needs a latest review time")], missing=["latest_review_at"]
        )
    rule = (
        "R-AUT-03"
        if old == "high" and at_least(a.by_role, p.text("lower_from_high_min_role"))
        else ("R-AUT-04" if old == "high" else "R-AUT-02")
    )
    return Verdict(True, reasons=[Reason(rule, f"risk lowered {old} -> {new} by {a.by_role}")])


def check_resolve_disagreement(s: Situation, a: Action) -> Verdict:
    role = s.profile.text("category_dispute_role")
    if not at_least(a.by_role, role):
        return _refuse(
            [Reason("R-REV-07", "the duty Force Incident Manager settles the disagreement (C-17)")],
            role=role,
        )
    category = a.text("category")
    if category not in s.profile.categories:
        return _refuse([Reason("R-CLS-18", f"{category!r} is not a category of the profile")])
    if s.assessment and category not in s.assessment.allowed_categories:
        return _refuse(_not_allowed(s, category))
    if not a.text("rationale"):
        return _refuse(
            [Reason("R-REV-07", "the FIM records decision and rationale")], missing=["rationale"]
        )
    return Verdict(True, reasons=[Reason("R-REV-07", f"FIM decided {category}")])


def check_record_unauthorised_absence(s: Situation, a: Action) -> Verdict:
    p = s.profile
    if "unauthorised_absence" not in p.categories:
        return _refuse([Reason("R-DEF-04", f"{p.id} has no unauthorised absence category")])
    if a.by_role != "care_provider":
        return _refuse(
            [Reason("R-DEF-04", "the judgement rests with the carer")], role="care_provider"
        )
    person = s.person
    if person is None or not person.looked_after:
        return _refuse(
            [Reason("R-DEF-04", "unauthorised absence only applies to children in care")]
        )
    ep = s.episode
    if ep is not None and not s.new_report and ep.category != "unauthorised_absence":
        # R-CLS-08: the carer's category exists only before any report; a child in care
        # reported to the police is missing, and nobody lowers that (R-HMI-01).
        return _refuse(
            [
                Reason(
                    "R-CLS-08",
                    f"already reported to the police as {ep.category}: a child in care "
                    "reported to the police is missing, never an unauthorised absence",
                ),
                Reason("R-DEF-04", "unauthorised absence is the carer's, before any report"),
            ]
        )
    if person.pre_placement_assessment and person.pre_placement_assessment.never_absent:
        return _refuse(
            [Reason("R-CLS-11", "the pre-placement assessment says missing, never absent")]
        )
    if s.assessment and "unauthorised_absence" not in s.assessment.allowed_categories:
        blocking = s.assessment.blocked.get("unauthorised_absence", [])
        return _refuse(
            [*blocking, Reason("R-CLS-11", "risks are not minimal: the child is missing")]
        )
    if not a.text("rationale"):
        return _refuse(
            [Reason("R-CLS-11", "the carer records the review of the risk assessment")],
            missing=["rationale"],
        )
    return Verdict(True, reasons=[Reason("R-CLS-11", "carer deems unauthorised absence")])


def check_record_found(s: Situation, a: Action) -> Verdict:
    if a.get("found_at") is None:
        return _refuse([Reason("R-FND-08", "the found time is required")], missing=["found_at"])
    in_care = bool(s.assessment and s.assessment.facts.in_care)
    setting = s.profile.text(f"safe_and_well.{'care' if in_care else 'home'}")
    done = a.text("safe_and_well")
    if setting == "mandatory" and done != "done":
        return _refuse(
            [
                Reason(
                    "R-FND-02",
                    "a face-to-face safe and well check is mandatory for a child missing from care",
                ),
                Reason("R-FND-03", "mandatory for care; proportionate for home"),
            ],
            missing=["safe_and_well"],
        )
    if setting == "consider":
        if done is None:
            return _refuse(
                [Reason("R-FND-03", "record the check or the decision not to")],
                missing=["safe_and_well"],
            )
        if done == "not_done" and not a.text("safe_and_well_rationale"):
            return _refuse(
                [
                    Reason(
                        "R-FND-03", "a decision not to do a safe and well check needs its rationale"
                    ),
                    Reason("R-REC-11", "decisions not to act are recorded with rationale"),
                ],
                missing=["safe_and_well_rationale"],
            )
    return Verdict(
        True,
        reasons=[
            Reason(
                "R-FND-02" if setting == "mandatory" else "R-FND-03",
                f"found; safe and well {done or 'n/a'}",
            )
        ],
    )


def check_triage(s: Situation, a: Action) -> Verdict:
    return Verdict(True, reasons=[Reason("R-RHI-10", f"triage by {a.by_role}")])


def check_return_interview_outcome(s: Situation, a: Action) -> Verdict:
    outcome = a.text("outcome")
    if outcome not in ("completed", "declined", "not_required"):
        return _refuse([Reason("R-RHI-11", f"unknown outcome {outcome!r}")], missing=["outcome"])
    if outcome == "not_required":
        missing = []
        if a.get("line_manager_confirmed") is not True:
            missing.append("line_manager_confirmed")
        if not a.text("reason"):
            missing.append("reason")
        if missing:
            return _refuse(
                [
                    Reason(
                        "R-RHI-06",
                        "case manager and line manager confirm no interview, with reasons",
                    ),
                    Reason("R-AUT-11", "recorded with reasons"),
                ],
                missing=missing,
            )
        return Verdict(
            True,
            reasons=[
                Reason("R-RHI-06", "no interview: confirmed by the line manager with reasons")
            ],
        )
    return Verdict(True, reasons=[Reason("R-RHI-11", f"return interview {outcome}")])


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def check_close(s: Situation, a: Action) -> Verdict:
    ep = s.episode
    category = (
        ep.category if ep else (s.assessment.recommended_category if s.assessment else "missing")
    )
    expected = s.profile.text(f"closure_codes.{category}")
    code = a.text("closure_code")
    if code is None:
        return _refuse(
            [Reason("R-REC-04", f"closure code {expected!r} required")], missing=["closure_code"]
        )
    if code != expected:
        return _refuse(
            [Reason("R-REC-04", f"a {category} log closes as {expected!r}, not {code!r}")]
        )
    reasons: list[Reason] = []
    missing: list[str] = []
    duties: list[str] = []
    if ep is None or ep.found_at is None:
        reasons.append(Reason("R-REV-06", "closed only when the child has returned or been found"))
        missing.append("found_at")
    if category == "missing" and (ep is None or not ep.case_record_created):
        # R-REC-09: a missing case is never closed without its case record, found or not:
        # the return is debriefed, the record created and children's services told, so
        # that the episode counts in the history and in every trigger.
        p = s.profile
        if p.flag("debrief_if_found_before_record"):
            duties.append("full_debrief")
        duties.append("create_case_record")
        if "missing" in p.words("notify_childrens_services"):
            duties.append("notify_childrens_services")
        words = {
            "full_debrief": "the full debrief",
            "create_case_record": "the case record",
            "notify_childrens_services": "telling children's services",
        }
        reasons.append(
            Reason(
                "R-REC-09",
                "no case record exists: a missing case is not closed before "
                + _and([words[d] for d in duties])
                + f" (duties: {', '.join(duties)})",
            )
        )
    if reasons:
        return _refuse(reasons, missing=missing, duties=duties)
    return Verdict(True, reasons=[Reason("R-REC-04", f"closed as {expected!r}")])


def check_record_placement(s: Situation, a: Action) -> Verdict:
    if a.get("placed_at") is None:
        return _refuse([Reason("R-PPA-01", "placement start required")], missing=["placed_at"])
    return Verdict(True, reasons=[Reason("R-PPA-01", "placement recorded")])


def check_log_activity(s: Situation, a: Action) -> Verdict:
    if a.text("activity") not in ("photo_obtained", "enquiry"):
        return _refuse(
            [Reason("R-REC-06", "activity must be photo_obtained or enquiry")], missing=["activity"]
        )
    return Verdict(True, reasons=[Reason("R-REC-06", "activity logged")])


def check_restrict_record(s: Situation, a: Action) -> Verdict:
    role = s.profile.text("restrict_record_by")
    if not at_least(a.by_role, role):
        return _refuse(
            [
                Reason("R-RES-01", "the Duty Inspector instructs restricted access"),
                Reason("R-AUT-06", "restriction by the Duty Inspector"),
            ],
            role=role,
        )
    if not a.text("reason"):
        return _refuse([Reason("R-RES-01", "restriction reason required")], missing=["reason"])
    return Verdict(True, reasons=[Reason("R-RES-01", "record restricted")])


def check_record_disagreement(s: Situation, a: Action) -> Verdict:
    """R-REV-07: the informant and the Duty Inspector cannot agree on the category; the
    police record it and the duty FIM decides. One disagreement is open at a time."""
    refused = _need_police(a)
    if refused is not None:
        return refused
    if s.episode is not None and s.episode.disagreement_open:
        return _refuse([Reason("R-REV-07", "a disagreement is already open: the FIM decides")])
    if not a.text("detail"):
        return _refuse(
            [Reason("R-REV-07", "what the informant disagrees with")], missing=["detail"]
        )
    return Verdict(True, reasons=[Reason("R-REV-07", "disagreement recorded: the FIM decides")])


CHECKS: dict[str, Callable[[Situation, Action], Verdict]] = {
    "set_category": check_set_category,
    "grade_risk": check_grade_risk,
    "change_risk": check_change_risk,
    "resolve_disagreement": check_resolve_disagreement,
    "record_unauthorised_absence": check_record_unauthorised_absence,
    "record_found": check_record_found,
    "triage_return_interview": check_triage,
    "return_interview_outcome": check_return_interview_outcome,
    "close": check_close,
    "record_placement": check_record_placement,
    "log_activity": check_log_activity,
    "restrict_record": check_restrict_record,
    "record_disagreement": check_record_disagreement,
}


def check(s: Situation, a: Action) -> Verdict:
    """May ``a.by_role`` do ``a`` in situation ``s``?"""
    if a.by_role not in ALL_ROLES:
        return _refuse([Reason("R-REC-16", f"unknown role {a.by_role!r}")])
    return CHECKS[a.kind](s, a)


__all__ = ["ACTION_KINDS", "POLICE_RANK", "Action", "Situation", "Verdict", "check", "is_police"]
