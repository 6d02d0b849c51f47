"""The per-episode part of the West Mercia Missing Children Risk Assessment (seed 001
Appendix A, catalogue §15.3, R-PPA-03): how a carer reports a child missing or absent.
"THIS SECTION IS TO BE COMPLETED UPON EACH EPISODE OF MISSING."

Each field is a question answered yes / no / don't know with what the carer knows, or a
text. The police report opens with what the carer said: each answer is carried to the one
of the twelve questions (R-RPT-03) it answers, following the overlap the catalogue lists
(E10↔Q1, E8↔Q2, E22↔Q3, E9↔Q4, E12/E14↔Q5, E18-E20↔Q6, E13↔Q7, E11/E16/E17↔Q8,
E21↔Q11; E23, money, is kept with the form); the call handler confirms every one. E4 and
E15 (previous episodes) come from the child's history, not from the carer. Pure Python."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from misper.care.form import line

ANSWER = "answer"  # yes / no / unknown, with a detail
TEXT = "text"

ANSWERS = (("yes", "Yes"), ("no", "No"), ("unknown", "Don't know"))


@dataclass(frozen=True)
class CarerField:
    number: str
    key: str
    label: str  # as printed
    kind: str
    question: str = ""  # the police question (R-RPT-03) it answers
    # How the carer's answer reads as the police question's, where they differ: "did
    # they go with anyone else?" answered yes or no both mean "I know who they are with".
    maps: tuple[tuple[str, str], ...] = (("yes", "yes"), ("no", "no"), ("unknown", "unknown"))


FIELDS: tuple[CarerField, ...] = (
    CarerField("E2", "photo", "Are you able to supply a photograph?", ANSWER),
    CarerField(
        "E5",
        "circumstances",
        "Comment on all identified factors, including specific other details relating to the "
        "young person going missing at this time",
        TEXT,
        "other_concerns",
    ),
    CarerField("E6", "wearing", "What they were last seen wearing", TEXT),
    CarerField("E7", "actions", "What actions have been taken to locate them", TEXT),
    CarerField(
        "E8",
        "likely_to_go",
        "Where are they likely to go?",
        ANSWER,
        "whereabouts_known",
    ),
    CarerField(
        "E9",
        "with_anyone",
        "Did they go with anyone else?",
        ANSWER,
        "companions_known",
        (("yes", "yes"), ("no", "yes"), ("unknown", "unknown")),
    ),
    CarerField("E10", "out_of_character", "Is this out of character?", ANSWER, "out_of_character"),
    CarerField("E11", "vulnerable", "Are they vulnerable?", ANSWER, "harm_or_crime"),
    CarerField(
        "E12",
        "offence",
        "Are they likely to commit an offence, if so what?",
        ANSWER,
        "danger_to_self_or_others",
    ),
    CarerField(
        "E13",
        "self_harm",
        "Is there a risk of self harm (suicide)?",
        ANSWER,
        "self_harm_or_suicide",
    ),
    CarerField(
        "E14", "weapons", "Do they have access to weapons?", ANSWER, "danger_to_self_or_others"
    ),
    CarerField(
        "E16",
        "previous_harm",
        "Have they experienced harm on previous missing episodes, if so what?",
        ANSWER,
        "harm_or_crime",
    ),
    CarerField(
        "E17", "victim", "Have they been a victim of crime previously?", ANSWER, "harm_or_crime"
    ),
    CarerField(
        "E18",
        "health",
        "Do they have a disability, physical illness or other health issue?",
        ANSWER,
        "medical_needs",
    ),
    CarerField("E19", "medication", "Do they need essential medication?", ANSWER, "medical_needs"),
    CarerField(
        "E20",
        "medication_effects",
        "What are the effects if medication is not taken?",
        TEXT,
        "medical_needs",
    ),
    CarerField(
        "E21",
        "prepared",
        "Have they prepared to go missing, and how?",
        ANSWER,
        "concerning_behaviour",
    ),
    CarerField(
        "E22",
        "last_contact_plan",
        "What were they going to do at last contact with you?",
        ANSWER,
        "intentions_known",
    ),
    CarerField("E23", "money", "Do they have money?", ANSWER),
    CarerField("E24", "family_issues", "Any family issues to be aware of?", TEXT, "other_concerns"),
)
BY_KEY = {f.key: f for f in FIELDS}
MAX_TEXT = 4000


class CarerFormProblems(ValueError):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))
        self.problems = problems


def _text(value: Any) -> str:
    return line(value, MAX_TEXT)


def clean(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The carer's answers: a text, or ``{"answer": yes|no|unknown, "detail": text}``;
    every problem named by field (CarerFormProblems). A yes needs the detail."""
    problems: list[tuple[str, str]] = []
    out: dict[str, Any] = {}
    for key in raw:
        if key not in BY_KEY:
            problems.append((key, "is not a question of the per-episode form"))
    for f in FIELDS:
        given = raw.get(f.key)
        try:
            if f.kind == TEXT:
                out[f.key] = _text(given)
                continue
            if given in (None, ""):
                given = {}
            if not isinstance(given, Mapping):
                raise ValueError("answer yes, no or don't know")
            answer = _text(given.get("answer")) or "unknown"
            if answer not in dict(ANSWERS):
                raise ValueError("answer yes, no or don't know")
            detail = _text(given.get("detail"))
            if answer == "yes" and not detail:
                raise ValueError("say what you know")
            out[f.key] = {"answer": answer, "detail": detail}
        except ValueError as exc:
            problems.append((f.key, f"{f.label}: {exc}"))
    if problems:
        raise CarerFormProblems(problems)
    return out


def police_answers(values: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """What the carer said, as answers to the twelve questions (R-RPT-03): for each police
    question, yes if the carer said yes to any field it takes, no if every such field is
    no, otherwise don't know; the details joined with the form's numbers. Questions the
    carer's form does not answer are left out (the call handler asks them)."""
    gathered: dict[str, list[tuple[CarerField, Any]]] = {}
    for f in FIELDS:
        if f.question and values.get(f.key):
            gathered.setdefault(f.question, []).append((f, values[f.key]))
    out: dict[str, dict[str, str]] = {}
    for question, items in gathered.items():
        answers = [dict(f.maps)[v["answer"]] for f, v in items if f.kind == ANSWER]
        details = []
        for f, v in items:
            if f.kind == TEXT:
                text = v
            else:
                said = dict(ANSWERS)[v["answer"]]
                text = f"{said}. {v['detail']}" if v.get("detail") else said
            if text:
                details.append(f"{f.number} {f.label} {text}")
        if "yes" in answers:
            answer = "yes"
        elif answers and all(a == "no" for a in answers):
            answer = "no"
        else:
            answer = "unknown" if answers else ""
        if answer or details:
            out[question] = {"answer": answer, "detail": "\n".join(details)}
    return out


def lines(values: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(number, label, words) for every field, in form order."""
    rows = []
    for f in FIELDS:
        v = values.get(f.key)
        if f.kind == TEXT:
            words = v or "Not given"
        else:
            v = v or {}
            words = dict(ANSWERS).get(v.get("answer", ""), "Not given")
            if v.get("detail"):
                words += f": {v['detail']}"
        rows.append((f.number, f.label, words))
    return rows
