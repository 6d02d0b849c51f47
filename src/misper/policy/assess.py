"""Assessment of a report: categories, absconder, risk floor, response and duties.

Everything here is a pure function of the profile, the child's facts, the history, the
report and ``now``. Every conclusion carries :class:`Reason` objects naming the rule ids of
policy-rules.md. History never lowers anything (R-RPT-10): it is only ever used to add
reasons or duties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from misper.policy.calendar import age_on, local_date
from misper.policy.facts import Episode, Person, Report
from misper.policy.profiles import Profile
from misper.policy.roles import at_least
from misper.policy.types import PastEpisode, Reason
from misper.policy.vocab import (
    ANSWER_KEYS,
    RISK_ANSWER_KEYS,
    RISK_LEVELS,
    RISK_RANK,
    UNKNOWN_BLOCKING_KEYS,
)

_CONCERN = ("medium", "high")


def by_source(profile: Profile, wmc: str, other: str) -> str:
    """The rule id to cite: West Mercia's (seed 001) or the West Midlands/national one."""
    return wmc if "001" in profile.sources else other


@dataclass(frozen=True)
class Facts:
    """What the rules look at, derived once from the inputs."""

    age: int
    in_care: bool
    yes_risks: tuple[str, ...]
    unknowns: tuple[str, ...]
    flags: frozenset[str]
    cse_known: tuple[str, ...]
    ppa_risks: tuple[str, ...]
    never_absent: bool
    absconder_row: str | None  # "both" | "absconder_only" | None
    # R-RPT-05 / R-CLS-04: danger is evident, so the questions may wait (the reason why)
    questions_wait: Reason | None = None
    # the twelve questions left unanswered (not asked, or answered unknown)
    unanswered: tuple[str, ...] = ()


@dataclass
class Assessment:
    facts: Facts
    allowed_categories: list[str]
    recommended_category: str
    absconder: bool
    minimum_risk_for_missing: str
    risk_reasons: list[Reason] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    # for each category of the profile that is not allowed, the reasons that block it
    # (what an authority refusal cites, and nothing else)
    blocked: dict[str, list[Reason]] = field(default_factory=dict)
    # the risk level each risk reason lifts the floor to (same order as risk_reasons)
    risk_targets: list[str] = field(default_factory=list)

    def allowed_risks(self, profile: Profile) -> list[str]:
        floor = RISK_RANK[self.minimum_risk_for_missing]
        return [r for r in profile.risk_levels if RISK_RANK[r] >= floor]

    def floor_reasons_above(self, level: str) -> list[Reason]:
        """The risk-floor reasons that put the floor above ``level`` (R-HMI-02 refusals)."""
        return [
            reason
            for reason, target in zip(self.risk_reasons, self.risk_targets, strict=True)
            if RISK_RANK[target] > RISK_RANK[level]
        ]


def questions_may_wait(
    profile: Profile, person: Person, report: Report, now: datetime | None = None
) -> Reason | None:
    """R-RPT-05 / R-CLS-04: may the report be taken with the risk questions unanswered?

    Yes (a :class:`Reason` citing R-RPT-05) when the profile treats the child as in evident
    danger: aged ``immediate_deployment_max_age`` or under at the report (C-12), the
    source's example being "a missing 2yr old child". The call taker then deploys at once
    and the questions wait; an unanswered question counts as a lack of information, a risk
    (R-CLS-01/02). No (None) otherwise: every question is asked (R-RPT-03). ``now`` is the
    instant of the question (the engine never reads the clock); the age is counted at the
    report. Raises ValueError when the report is before the date of birth.
    """
    max_age = profile.opt_int("immediate_deployment_max_age")
    if max_age is None:
        return None
    age = age_on(person.date_of_birth, report.reported_at)
    if age > max_age:
        return None
    return Reason(
        "R-RPT-05",
        f"aged {age}: danger is evident (R-CLS-04, aged {max_age} or under), so the call taker "
        "deploys immediately and the questions may wait",
    )


def derive_facts(profile: Profile, person: Person, report: Report) -> Facts:
    answers = report.answers
    day = local_date(report.reported_at)
    flags = frozenset(f.kind for f in person.flags if f.since is None or f.since <= day)
    ppa = person.pre_placement_assessment
    never_absent = bool(ppa and ppa.never_absent)
    if never_absent:
        flags = flags | {"never_absent"}
    cse: list[str] = []
    if "cse" in flags:
        cse.append("a CSE flag is on the child's record")
    if answers.get("abuse_or_exploitation") == "yes":
        cse.append("Q9 (abuse or sexual exploitation) answered yes")
    if ppa and ppa.cse_risk in _CONCERN:
        cse.append(f"the pre-placement assessment rates CSE risk {ppa.cse_risk}")
    ppa_risks: list[str] = []
    if ppa:
        for name in ("risk_if_missing", "cse_risk", "risk_to_others"):
            value = getattr(ppa, name)
            if value in _CONCERN:
                ppa_risks.append(f"{name} {value}")
    age = age_on(person.date_of_birth, report.reported_at)
    wait = questions_may_wait(profile, person, report)
    unanswered = tuple(k for k in ANSWER_KEYS if answers.get(k) in (None, "unknown"))
    # R-RPT-05 / R-CLS-02: where the questions wait, a question not asked is a lack of
    # information, i.e. an 'unknown', never a 'no'.
    unknown_words = (None, "unknown") if wait is not None else ("unknown",)
    row = None
    if profile.flag("absconder_rules") and (
        person.subject_to_cj_order or person.subject_to_secure_order
    ):
        if age >= 16 and person.liable_to_arrest and not person.other_factors_suspected:
            row = "absconder_only"
        else:
            row = "both"
    return Facts(
        age=age,
        in_care=person.looked_after or report.missing_from == "care",
        yes_risks=tuple(k for k in RISK_ANSWER_KEYS if answers.get(k) == "yes"),
        unknowns=tuple(k for k in UNKNOWN_BLOCKING_KEYS if answers.get(k) in unknown_words),
        flags=flags,
        cse_known=tuple(cse),
        ppa_risks=tuple(ppa_risks),
        never_absent=never_absent,
        absconder_row=row,
        questions_wait=wait,
        unanswered=unanswered,
    )


def _absconder_reasons(facts: Facts, person: Person) -> list[Reason]:
    order = "a criminal-justice order" if person.subject_to_cj_order else "a secure order"
    out = [Reason("R-CLS-13", f"subject to {order}: an absconder, reported without delay")]
    if facts.absconder_row == "absconder_only":
        out.append(
            Reason(
                "R-CLS-15",
                f"aged {facts.age} (16 or over), liable to arrest and no other factors "
                "suspected: absconder only, sought for arrest",
            )
        )
    elif facts.age < 16:
        out.append(Reason("R-CLS-14", f"aged {facts.age}, under 16: both missing and absconder"))
        out.append(Reason("R-CLS-16", "missing and absconder: all missing-person duties apply"))
    elif not person.liable_to_arrest:
        out.append(Reason("R-CLS-14", "no power of arrest: both a missing person and an absconder"))
        out.append(Reason("R-CLS-16", "missing and absconder: all missing-person duties apply"))
    else:
        out.append(
            Reason(
                "R-CLS-15",
                "16 or over and liable to arrest but other factors are suspected: "
                "both missing and absconder",
            )
        )
        out.append(Reason("R-CLS-16", "missing and absconder: all missing-person duties apply"))
    return out


def _raise(current: str, target: str, profile: Profile) -> str:
    """The smallest profile level at or above both ``current`` and ``target``."""
    floor = max(RISK_RANK[current], RISK_RANK[target])
    for level in profile.risk_levels:
        if RISK_RANK[level] >= floor:
            return level
    return profile.risk_levels[-1]


def _longest(own: Sequence[PastEpisode]) -> str:
    """How long the longest earlier episode lasted, from its report to when the child was
    found (R-RPT-02: the call handler sees the history, durations included); '' when no
    earlier episode was found."""
    hours = [
        (h.found_at - h.reported_at).total_seconds() / 3600
        for h in own
        if h.found_at is not None and h.found_at >= h.reported_at
    ]
    if not hours:
        return ""
    longest = max(hours)
    return f", the longest lasting {longest:.0f} hour(s) until found"


def assess(
    profile: Profile,
    person: Person,
    report: Report,
    history: Sequence[PastEpisode],
    now: datetime,
    *,
    found: bool = False,
    reported_to_police: bool = True,
) -> Assessment:
    """Allowed and recommended category, absconder and the risk floor at ``now``.

    ``reported_to_police`` is true for a report the police have taken (the normal case).
    It is false only for the carer's own judgement before any report (WMC14's
    unauthorised absence, R-DEF-04, R-CLS-10/11): once the police take a report about a
    child in care, the only category is missing (R-CLS-08, `001` §3.4.1 and map-care).
    """
    f = derive_facts(profile, person, report)
    reasons: list[Reason] = []
    blockers: list[Reason] = []  # stop 'absent' and 'unauthorised_absence' alike
    blocked: dict[str, list[Reason]] = {}
    cats = profile.categories

    # --- R-RPT-05 / R-CLS-04: the questions never delay a child in evident danger --------
    if f.questions_wait is not None and f.unanswered:
        reasons.append(
            Reason(
                "R-RPT-05",
                f"{f.questions_wait.text}; {len(f.unanswered)} question(s) unanswered "
                f"({', '.join(f.unanswered)}) count as a lack of information, a risk (R-CLS-02)",
            )
        )

    # --- risk indicators shared by every 'no apparent risk' outcome, the most specific
    # first (a refusal states the first): what the records say about the child (a CSE
    # flag, the age, the enquiries, the pre-placement assessment), then the call's answers
    if f.cse_known and profile.flag("cse_forces_missing"):
        blockers.append(Reason("R-CLS-03", "known CSE risk: " + "; ".join(f.cse_known)))
    max_age = profile.opt_int("immediate_deployment_max_age")
    if max_age is not None and f.age <= max_age:
        blockers.append(
            Reason("R-CLS-04", f"aged {f.age}: evident danger, immediate deployment (<= {max_age})")
        )
    if report.further_enquiries_required:
        blockers.append(Reason("R-CLS-05", "further enquiries are required: a missing person"))
    if f.ppa_risks and profile.flag("ppa_risks_force_missing"):
        blockers.append(
            Reason(
                "R-CLS-17",
                "risks identified in the pre-placement assessment: " + ", ".join(f.ppa_risks),
            )
        )
    if f.never_absent:
        blockers.append(
            Reason("R-CLS-11", "pre-placement assessment: to be considered MISSING, never ABSENT")
        )
    nar_flags = sorted(f.flags & set(profile.words("flags_preventing_nar")))
    if nar_flags:
        blockers.append(
            Reason("R-FLG-05", f"flag(s) {', '.join(nar_flags)} prevent 'no apparent risk'")
        )
    under = profile.opt_int("never_absent_under_age")
    if under is not None and f.age < under:
        blockers.append(
            Reason("R-CLS-06", f"local option: no child under {under} is absent (aged {f.age})")
        )
    if f.absconder_row:
        blockers.append(Reason("R-CLS-13", "an absconder is reported without delay"))
    if f.yes_risks:
        rule = "R-DEF-01" if "out_of_character" in f.yes_risks else "R-DEF-02"
        blockers.append(
            Reason(rule, f"apparent risk: answered yes to {', '.join(f.yes_risks)} (R-RPT-03)")
        )
    if f.unknowns and profile.text("unknown_answers_block_absent") == "any":
        blockers.append(
            Reason("R-CLS-01", f"questions the caller cannot answer: {', '.join(f.unknowns)}")
        )
        blockers.append(Reason("R-CLS-02", "lack of information is treated as a risk in itself"))

    allowed = ["missing"]
    # --- absent --------------------------------------------------------------------------
    if "absent" in cats:
        absent_block = list(blockers)
        if f.in_care and not profile.flag("absent_allowed_for_looked_after"):
            absent_block.append(
                Reason("R-CLS-08", "the child is looked after: never categorised absent")
            )
        limit = profile.opt_int("absent_time_limit_hours")
        if limit is not None and not found:
            due = report.clock_start + timedelta(hours=limit)
            if now >= due:
                absent_block.append(
                    Reason(
                        "R-CLS-09",
                        f"{limit} hours without contact since {report.clock_start:%Y-%m-%d %H:%M}"
                        "Z: automatically missing",
                    )
                )
        if absent_block:
            reasons.extend(absent_block)
            blocked["absent"] = absent_block
        else:
            allowed.append("absent")
            reasons.append(Reason("R-DEF-02", "no apparent risk: absent may be considered"))
            if limit is None:
                reasons.append(Reason("R-CLS-06", "no time limit on absent; decided on risk"))
    else:
        reasons.append(
            Reason("R-CLS-18", "every report is missing; the lowest point is a risk level")
        )
        reasons.extend(b for b in blockers if b.rule != "R-CLS-13")
    # --- carer-held unauthorised absence (care only) -------------------------------------
    if "unauthorised_absence" in cats:
        ua_block = list(blockers)
        if not f.in_care:
            ua_block.append(
                Reason("R-DEF-04", "unauthorised absence applies only to children in care")
            )
        elif reported_to_police:
            police = Reason(
                "R-CLS-08",
                "reported to the police: a child in care is missing; unauthorised absence is "
                "the carer's own category before any report ('there is no requirement to "
                "report unauthorised absences to the Police', 001 §3.4.1; map-care: 'the "
                "police will always progress a missing investigation')",
            )
            ua_block.insert(0, police)
            reasons.append(police)
        limit = profile.opt_int("unauthorised_absence_limit_hours")
        if limit is not None and not found and now >= report.clock_start + timedelta(hours=limit):
            ua_block.append(
                Reason("R-CLS-10", f"unauthorised absence for {limit} hours: report as missing")
            )
        if ua_block:
            blocked["unauthorised_absence"] = ua_block
        else:
            allowed.append("unauthorised_absence")
            reasons.append(
                Reason(
                    "R-CLS-11",
                    "in care with minimal risk: the carer may deem an unauthorised absence",
                )
            )
    # --- absconder ------------------------------------------------------------------------
    absconder = f.absconder_row is not None
    if absconder:
        reasons.extend(_absconder_reasons(f, person))
        if f.absconder_row == "absconder_only":
            allowed.append("absconder_only")
    if "absconder_only" in cats and "absconder_only" not in allowed:
        if absconder:  # both missing and absconder (R-CLS-14..16)
            why = [r for r in _absconder_reasons(f, person) if r.rule != "R-CLS-13"]
        else:
            why = [Reason("R-CLS-13", "no criminal-justice or secure order: not an absconder")]
        blocked["absconder_only"] = why

    if "absconder_only" in allowed:
        recommended = "absconder_only"
    elif "unauthorised_absence" in allowed:
        recommended = "unauthorised_absence"
    elif "absent" in allowed:
        recommended = "absent"
    else:
        recommended = "missing"
        if "absent" in cats or "unauthorised_absence" in cats:
            reasons.append(Reason("R-HMI-01", "absent is not available: the child is missing"))

    minimum, risk_reasons, risk_targets = _minimum_risk(profile, report, f)
    if history:
        own = [h for h in history if h.person is None and not h.duplicate]
        if own:
            reasons.append(
                Reason(
                    "R-RPT-10",
                    f"{len(own)} earlier episode(s) of this child considered{_longest(own)}; "
                    "previous episodes never reduce the risk",
                )
            )
    return Assessment(
        facts=f,
        allowed_categories=[
            c
            for c in ("missing", "absent", "unauthorised_absence", "absconder_only")
            if c in allowed
        ],
        recommended_category=recommended,
        absconder=absconder,
        minimum_risk_for_missing=minimum,
        risk_reasons=risk_reasons,
        reasons=reasons,
        blocked=blocked,
        risk_targets=risk_targets,
    )


def minimum_risk(
    profile: Profile, person: Person, report: Report, f: Facts
) -> tuple[str, list[Reason]]:
    """The lowest risk level a missing report may be graded, with reasons."""
    level, out, _targets = _minimum_risk(profile, report, f)
    return level, out


def _minimum_risk(
    profile: Profile, report: Report, f: Facts
) -> tuple[str, list[Reason], list[str]]:
    """The floor, its reasons and the level each reason lifts it to."""
    levels = profile.risk_levels
    level = levels[0]
    out: list[Reason] = []
    targets: list[str] = []
    if "low" not in levels and levels[0] == "medium":
        out.append(Reason("R-GRD-06", "children's risk is always high or medium"))
        targets.append("medium")
    has_nar = "no_apparent_risk" in levels

    def lift(target: str, reason: Reason) -> None:
        nonlocal level
        if RISK_RANK[target] > RISK_RANK[levels[0]]:
            out.append(reason)
            targets.append(target)
        level = _raise(level, target, profile)

    if has_nar:
        if f.yes_risks:
            lift("low", Reason("R-DEF-08", f"apparent risk ({', '.join(f.yes_risks)}): not NAR"))
        if f.unknowns and profile.text("unknown_answers_block_absent") == "any":
            lift("low", Reason("R-CLS-02", f"lack of information ({', '.join(f.unknowns)})"))
        nar_flags = sorted(f.flags & set(profile.words("flags_preventing_nar")))
        if nar_flags:
            lift("low", Reason("R-FLG-05", f"flag(s) {', '.join(nar_flags)}: never NAR"))
    cse_min = profile.get("cse_minimum_risk")
    if f.cse_known and cse_min not in (None, "none"):
        lift(str(cse_min), Reason("R-CLS-03", "known CSE risk: " + "; ".join(f.cse_known)))
    rule = profile.get("never_below_risk_under_age.age")
    if rule is not None and f.age < int(rule):
        target = str(profile.get("never_below_risk_under_age.risk"))
        lift(target, Reason("R-CLS-04", f"local option: under {rule}, never below {target}"))
    if (
        profile.flag("low_or_nar_requires_childrens_services_info")
        and not report.childrens_services_info
    ):
        lift("medium", Reason("R-CLS-20", "no information from children's services yet"))
    assert level in RISK_LEVELS
    return level, out, targets


def minimum_response(
    profile: Profile, facts: Facts, category: str, risk: str | None
) -> tuple[str | None, list[Reason]]:
    if category == "missing":
        max_age = profile.opt_int("immediate_deployment_max_age")
        if max_age is not None and facts.age <= max_age:
            return "immediate_deployment", [
                Reason("R-GRD-08", f"aged {facts.age}: evident danger, deploy immediately")
            ]
        if risk == "high" and profile.flag("immediate_deployment_for_high"):
            return "immediate_deployment", [
                Reason("R-GRD-09", "high risk requires immediate, intensive action")
            ]
        return profile.text("minimum_response_missing"), [
            Reason("R-GRD-01", "missing logs are graded early response as a minimum")
        ]
    if category == "absent" and profile.get("minimum_response_absent") != "none":
        return str(profile.get("minimum_response_absent")), [
            Reason("R-GRD-02", "absent logs: early response until the inspector has assessed")
        ]
    return None, []


def duties(
    profile: Profile,
    facts: Facts,
    category: str,
    absconder: bool,
    episode: Episode | None,
    report: Report,
) -> tuple[list[str], list[Reason], dict[str, str]]:
    """Appendix D duties for the episode in this category, with reasons, and the rule
    that creates each duty (so that whoever carries a duty out can cite it)."""
    out: list[str] = []
    why: list[Reason] = []
    rules: dict[str, str] = {}

    def add(duty: str, reason: Reason) -> None:
        if duty not in out:
            out.append(duty)
            why.append(reason)
            rules[duty] = reason.rule

    found = episode is not None and episode.found_at is not None
    if category == "absent":
        confirm = profile.get("absent_confirm_min_role")
        confirmed = (
            episode is not None
            and episode.categorised_by_role is not None
            and confirm != "none"
            and at_least(episode.categorised_by_role, str(confirm))
        )
        if confirm != "none" and not confirmed and not found:
            add("inspector_review", Reason("R-CLS-07", "the Duty Inspector decides absent"))
        if profile.flag("officer_deployed") and not profile.flag("officer_attends"):
            why.append(Reason("R-GRD-04", "absent: no officer deployed; regular defined reviews"))
    if category == "missing":
        if profile.flag("officer_deployed"):
            add(
                "deploy_officer",
                Reason(by_source(profile, "R-GRD-05", "R-GRD-03"), "an officer is deployed"),
            )
        if profile.flag("officer_attends"):
            add("officer_attends", Reason("R-GRD-05", "an officer attends every missing child"))
        if profile.text("missing_people_referral") == "every_missing":
            add("refer_missing_people", Reason("R-MED-02", "automatic Missing People referral"))
        mode = profile.text("cse_consideration")
        if mode == "every_missing" or (mode == "cse_known" and facts.cse_known):
            add(
                "cse_consideration",
                Reason(
                    by_source(profile, "R-GRD-07", "R-TRG-08"),
                    "every missing child is screened / considered for CSE"
                    if mode == "every_missing"
                    else "known CSE risk: " + "; ".join(facts.cse_known),
                ),
            )
        if facts.in_care and profile.flag("notify_iro"):
            add("notify_iro", Reason("R-NTF-05", "looked-after child missing: tell the IRO"))
        if episode is None or not episode.case_record_created:
            add("create_case_record", Reason("R-REC-05", "a missing case needs one case record"))
    if category in profile.words("notify_childrens_services"):
        rule = by_source(profile, "R-NTF-01", "R-NTF-22" if category == "absent" else "R-NTF-23")
        add("notify_childrens_services", Reason(rule, f"every {category} report about a child"))
    if absconder:
        add(
            "report_to_police_without_delay",
            Reason("R-CLS-13", "an absconder is reported without delay"),
        )
        if category == "missing":
            add("missing_person_form", Reason("R-CLS-14", "both: detailed Missing Person form"))
        if category == "absconder_only":
            add("seek_for_arrest", Reason("R-CLS-15", "absconder only: sought for arrest"))
    if found and episode is not None:
        setting = profile.text(f"safe_and_well.{'care' if facts.in_care else 'home'}")
        if setting != "none" and category in ("missing", "absent"):
            rule = "R-FND-02" if setting == "mandatory" else "R-FND-03"
            add("safe_and_well_check", Reason(rule, f"safe and well check ({setting})"))
        if profile.flag("debrief_if_found_before_record") and not episode.case_record_created:
            add("full_debrief", Reason("R-REC-09", "returned before a case record: full debrief"))
            add("create_case_record", Reason("R-REC-09", "and a case record is created"))
    return out, why, rules
