"""Vocabularies of an episode. Values are the policy engine's words (policy-rules.md
Appendix D, policy-scenarios.md), so they pass to it unchanged."""

from __future__ import annotations

from django.db import models


class Category(models.TextChoices):
    MISSING = "missing", "Missing"
    ABSENT = "absent", "Absent"
    UNAUTHORISED_ABSENCE = "unauthorised_absence", "Unauthorised absence"
    ABSCONDER_ONLY = "absconder_only", "Absconder (not missing)"


class Risk(models.TextChoices):
    NO_APPARENT_RISK = "no_apparent_risk", "No apparent risk"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


RISK_ORDER = {None: -1, "": -1, "no_apparent_risk": 0, "low": 1, "medium": 2, "high": 3}


class Response(models.TextChoices):
    EARLY = "early_response", "Early response"
    IMMEDIATE = "immediate_deployment", "Immediate deployment"


class MissingFrom(models.TextChoices):
    HOME = "home", "Home"
    CARE = "care", "Care placement"
    SCHOOL = "school", "School"
    ACTIVITY = "activity", "An activity"


class ReportedBy(models.TextChoices):
    PARENT = "parent", "Parent"
    RELATIVE = "relative", "Relative"
    NEIGHBOUR = "neighbour", "Neighbour"
    CARE_STAFF = "care_staff", "Care staff"
    FOSTER_CARER = "foster_carer", "Foster carer"
    SCHOOL = "school", "School"
    POLICE = "police", "Police"
    OTHER = "other", "Other"


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Don't know"
    NOT_ASKED = "not_asked", "Not asked: danger evident (R-RPT-05)"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    FOUND = "found", "Found"
    CLOSED = "closed", "Closed"


# The twelve risk-based questions (R-RPT-03), verbatim from seed 000, with their keys.
QUESTIONS: tuple[tuple[str, str], ...] = (
    (
        "out_of_character",
        "Is this significantly out of character; have they done this before? If yes, when was the last time?",
    ),
    (
        "whereabouts_known",
        "Have you been in contact with this person, do you know their whereabouts and is there a time you expect them to return?",
    ),
    (
        "intentions_known",
        "Do you know their intended actions when last seen and have you done anything to locate them?",
    ),
    ("companions_known", "Do you know who are they with?"),
    ("danger_to_self_or_others", "Is this person a danger to themselves or others?"),
    (
        "medical_needs",
        "Does this person have any specific medical needs; do you have a list of their medication? Is there a care plan in place?",
    ),
    ("self_harm_or_suicide", "Is this person likely to self-harm or attempt suicide?"),
    ("harm_or_crime", "Is this person likely to be subjected to harm or a crime?"),
    (
        "abuse_or_exploitation",
        "Is this person a victim of abuse and/or at risk of sexual exploitation?",
    ),
    (
        "supported_by_services",
        "Is this person being looked after or supported by any Children's or Adult Services?",
    ),
    (
        "concerning_behaviour",
        "Prior to this report was the person displaying any behaviours or actions you consider out of the ordinary or cause for concern? E.g. Increased use of technology, unexplained gifts/money.",
    ),
    (
        "other_concerns",
        "Are there any other specific concerns or can you offer any other significant information at all?",
    ),
)
QUESTION_KEYS = tuple(k for k, _ in QUESTIONS)

# The basic searches a parent or carer should make before reporting (R-RPT-08).
SEARCHES: tuple[tuple[str, str], ...] = (
    ("bedroom_house", "Searched the bedroom, house, outbuildings and vehicles"),
    ("friends_relatives", "Contacted known friends and relatives"),
    ("known_places", "Visited places the child is known to go"),
)


class SearchState(models.TextChoices):
    DONE = "done", "Done"
    NOT_SAFE = "not_safe", "Not safe to do"
    NOT_DONE = "not_done", "Not done"
