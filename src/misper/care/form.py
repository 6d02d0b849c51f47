"""The West Mercia Missing Children Risk Assessment (seed 001, Appendix A; catalogue §15):
the profile part's 32 fields in form order, with their labels and values as printed, and
what Misper fills in from the child's record. Pure Python: pages, the API, the PDF and the
diff between versions all read this one list.

Values are kept as a mapping of ``key`` to a string, or to a list of small mappings for the
repeating fields (29, 30, 32). A rating is one of ``low``, ``medium``, ``high`` (LOW / MED /
HIGH on the form); the rating's explanation is its own key (``<key>_reasons``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

# Kinds of value.
TEXT = "text"  # one line
LONG = "long_text"  # several lines
DATE = "date"  # ISO date
YES_NO = "yes_no"
YES_NO_DK = "yes_no_dk"
RATING = "rating"
ETHNICITY = "ethnicity"
ADDRESSES = "addresses"  # field 29: up to 4 of {address, occupier}
INDIVIDUALS = "individuals"  # field 30: up to 4 of {name, adult_or_child}
AVOID = "avoid"  # field 32: {name, reason}
FROM_RECORD = "from_record"  # filled from the child's record when saved, not typed

YES_NO_CHOICES = (("yes", "Yes"), ("no", "No"))
YES_NO_DK_CHOICES = (("yes", "Yes"), ("no", "No"), ("dont_know", "D/K"))
RATING_CHOICES = (("low", "LOW"), ("medium", "MED"), ("high", "HIGH"))
ADULT_CHILD_CHOICES = (("adult", "Adult"), ("child", "Child"), ("unknown", "Not known"))
MAX_ROWS = {ADDRESSES: 4, INDIVIDUALS: 4, AVOID: 10}

# Field 11: the 16 groups Appendix A lists, each beside its SSDA903 code.
ETHNICITY_CHOICES: tuple[tuple[str, str], ...] = (
    ("WBRI", "White British"),
    ("WIRI", "White Irish"),
    ("WOTH", "White Other (specify)"),
    ("MWBC", "White/Black Caribbean"),
    ("MWBA", "White/Black African"),
    ("MWAS", "White/Asian"),
    ("MOTH", "Mixed Other (specify)"),
    ("AIND", "Indian"),
    ("APKN", "Pakistani"),
    ("ABAN", "Bangladeshi"),
    ("AOTH", "Asian Other (specify)"),
    ("BCRB", "Caribbean"),
    ("BAFR", "African"),
    ("BOTH", "Black Other (specify)"),
    ("CHNE", "Chinese"),
    ("OOTH", "Other ethnic group (specify)"),
)
ETHNICITY_SPECIFY = frozenset({"WOTH", "MOTH", "AOTH", "BOTH", "OOTH"})


@dataclass(frozen=True)
class Field:
    number: str
    key: str
    label: str  # as printed on Appendix A
    kind: str
    required: bool = False
    # An explanation beside the value: its key, its label, and when it must be given.
    detail: str = ""
    detail_label: str = ""
    detail_when: tuple[str, ...] = ()  # values that need it ("*": always)
    hint: str = ""
    rule: str = ""  # the rule the field feeds, shown beside it


FIELDS: tuple[Field, ...] = (
    Field("1", "name", "Name", FROM_RECORD, hint="From the child's record"),
    Field("2", "aliases", "Any aliases or otherwise known as?", FROM_RECORD),
    Field("3", "date_of_birth", "Date of birth", FROM_RECORD),
    Field("4", "admission_date", "Date of admission", DATE, required=True),
    Field("5", "completed_on", "Date form completed", FROM_RECORD, hint="The day it is saved"),
    Field(
        "6",
        "photo_available",
        "Is there a photograph available?",
        FROM_RECORD,
        detail="description",
        detail_label="Description (height, build, hair, marks, clothing usually worn)",
    ),
    Field(
        "7",
        "care_status",
        "What is their care status? Please specify",
        TEXT,
        required=True,
        hint="For example s.31 care order, s.20, remand, eligible or relevant care leaver",
    ),
    Field(
        "8",
        "mobile",
        "YP mobile phone number (check correct at each missing episode)",
        TEXT,
        rule="R-PPA-03",
    ),
    Field("9", "gp", "Name and address of GP", LONG),
    Field("10", "dentist", "Name and address of dentist", LONG),
    Field(
        "11",
        "ethnicity",
        "Ethnicity (tick one)",
        ETHNICITY,
        required=True,
        detail="ethnicity_specify",
        detail_label="Please specify",
        detail_when=tuple(ETHNICITY_SPECIFY),
    ),
    Field(
        "12",
        "placement_address",
        "Address of residential unit or foster carer including contact details",
        FROM_RECORD,
        detail="placement_contact",
        detail_label="Contact details of the home or carer",
        detail_when=("*",),
    ),
    Field("13", "placing_authority", "Placing authority", FROM_RECORD),
    Field("14", "date_placed", "Date placed", FROM_RECORD),
    Field(
        "15",
        "social_worker",
        "Name of allocated social worker and/or manager including contact details",
        FROM_RECORD,
        detail="social_worker_contact",
        detail_label="Contact details",
    ),
    Field(
        "16",
        "iro",
        "Details of Independent Reviewing Officer (IRO)",
        FROM_RECORD,
        detail="iro_contact",
        detail_label="Contact details",
    ),
    Field("17", "vulnerability", "Please rate vulnerability of young person", RATING, True),
    Field(
        "18",
        "statement_of_needs",
        "Does the young person have a Statement of Educational Needs?",
        YES_NO,
        required=True,
    ),
    Field(
        "19",
        "statement_authority",
        "Which LA maintains the statement?",
        TEXT,
        hint="Only if there is a statement",
    ),
    Field(
        "20",
        "never_absent",
        "Should the young person be considered MISSING and never ABSENT?",
        YES_NO,
        required=True,
        detail="missing_category_reasons",
        detail_label="Reasons for missing category (field 21)",
        detail_when=("yes",),
        rule="R-CLS-11",
    ),
    Field(
        "22",
        "missing_history",
        "Has the young person a history of going missing?",
        YES_NO,
        required=True,
    ),
    Field(
        "23",
        "likelihood",
        "The likelihood of the young person going missing",
        RATING,
        required=True,
        rule="R-CLS-17",
    ),
    Field(
        "24",
        "out_of_character",
        "Is it generally out of character?",
        YES_NO_DK,
        required=True,
    ),
    Field(
        "25",
        "exposed_to_harm",
        "If they have gone missing before have they been exposed to harm?",
        YES_NO,
        detail="exposed_to_harm_explanation",
        detail_label="Brief explanation",
        detail_when=("yes",),
    ),
    Field(
        "26",
        "risk_if_missing",
        "The risk to the young person should they go missing",
        RATING,
        required=True,
        detail="risk_if_missing_reasons",
        detail_label="Reasons, including self harm, suicide, the prospect of being the victim "
        "of crime",
        detail_when=("medium", "high"),
        rule="R-CLS-17",
    ),
    Field(
        "27",
        "cse_risk",
        "The risk to the young person of sexual exploitation",
        RATING,
        required=True,
        detail="cse_risk_reasons",
        detail_label="Explain",
        detail_when=("medium", "high"),
        rule="R-CLS-03",
    ),
    Field(
        "28",
        "risk_to_others",
        "The risk to others should the young person go missing",
        RATING,
        required=True,
        detail="risk_to_others_reasons",
        detail_label="Reasons: is this child a sex offender or perpetrator of sexual "
        "exploitation; access to weapons; nature of the risk including any criminality",
        detail_when=("medium", "high"),
        rule="R-CLS-17",
    ),
    Field(
        "29",
        "addresses",
        "Potential addresses to which the young person may head, including occupier's name",
        ADDRESSES,
        hint="Address 1: parental address(es); addresses 2 to 4",
    ),
    Field(
        "30",
        "individuals",
        "Individuals with whom the young person may meet (indicate Adult/Child if known)",
        INDIVIDUALS,
    ),
    Field(
        "31",
        "general_vulnerability",
        "General issues of vulnerability including potential of being harmed (bullying or "
        "harassment, racial abuse, homophobia, or any other local community concerns prior "
        "to disappearance)",
        LONG,
    ),
    Field(
        "32",
        "do_not_associate",
        "Any individuals the young person should not associate with, with reasons",
        AVOID,
    ),
)
BY_KEY = {f.key: f for f in FIELDS}
TYPED = tuple(f for f in FIELDS if f.kind != FROM_RECORD)
LIST_COLUMNS = {
    ADDRESSES: (("address", "Address"), ("occupier", "Occupier's name")),
    INDIVIDUALS: (("name", "Name"), ("adult_or_child", "Adult/Child")),
    AVOID: (("name", "Name"), ("reason", "Reason")),
}
MAX_TEXT = 4000
MAX_LINE = 300


class FormProblems(ValueError):
    """What is wrong with the values: (field key, message) pairs, in form order."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))
        self.problems = problems


def _choices(field: Field) -> tuple[tuple[str, str], ...]:
    return {
        YES_NO: YES_NO_CHOICES,
        YES_NO_DK: YES_NO_DK_CHOICES,
        RATING: RATING_CHOICES,
        ETHNICITY: ETHNICITY_CHOICES,
    }.get(field.kind, ())


def choice_label(field: Field, value: str) -> str:
    for code, label in _choices(field):
        if code == value:
            return f"{label} ({code})" if field.kind == ETHNICITY else label
    return value


def line(value: Any, limit: int) -> str:
    """A typed text, trimmed; ValueError if it cannot be stored or is too long."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").strip()
    if "\x00" in text:
        raise ValueError("contains a character that cannot be stored")
    if len(text) > limit:
        raise ValueError(f"must be {limit} characters or fewer")
    return text


def clean(raw: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """The typed values, checked against the form: every problem, named by field, in form
    order (FormProblems). Keys the form does not have are refused."""
    problems: list[tuple[str, str]] = []
    out: dict[str, Any] = {}
    known = {f.key for f in TYPED} | {f.detail for f in FIELDS if f.detail}
    for key in raw:
        if key not in known:
            problems.append((key, "is not a field of the assessment"))
    for f in FIELDS:
        value = raw.get(f.key)
        if f.kind != FROM_RECORD:
            try:
                out[f.key] = _clean_value(f, value, today)
            except ValueError as exc:
                problems.append((f.key, f"{f.label}: {exc}"))
                continue
            if f.required and out[f.key] in ("", [], None):
                problems.append((f.key, f"{f.label}: answer this question"))
        if f.detail:
            limit = MAX_TEXT
            try:
                out[f.detail] = line(raw.get(f.detail), limit)
            except ValueError as exc:
                problems.append((f.detail, f"{f.detail_label}: {exc}"))
                continue
            given = out.get(f.key, "")
            needed = "*" in f.detail_when or (given and given in f.detail_when)
            if needed and not out[f.detail]:
                problems.append((f.detail, f"{f.detail_label}: needed with this answer"))
    if problems:
        raise FormProblems(problems)
    return out


def _clean_value(f: Field, value: Any, today: date) -> Any:
    if f.kind in (TEXT, LONG):
        return line(value, MAX_LINE if f.kind == TEXT else MAX_TEXT)
    if f.kind == DATE:
        text = line(value, 10)
        if not text:
            return ""
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError("enter a real date") from None
        if day > today:
            raise ValueError("cannot be in the future")
        return day.isoformat()
    if f.kind in (YES_NO, YES_NO_DK, RATING, ETHNICITY):
        text = line(value, 20)
        if text and text not in {c for c, _ in _choices(f)}:
            raise ValueError("choose one of the answers given")
        return text
    if f.kind in LIST_COLUMNS:
        rows = value or []
        if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
            raise ValueError("expected a list of entries")
        cleaned = []
        for r in rows:
            row = {k: line(r.get(k), MAX_LINE) for k, _ in LIST_COLUMNS[f.kind]}
            if f.kind == INDIVIDUALS and row["adult_or_child"] not in (
                "",
                *(c for c, _ in ADULT_CHILD_CHOICES),
            ):
                raise ValueError("say adult, child or not known")
            if any(row.values()):
                cleaned.append(row)
        if len(cleaned) > MAX_ROWS[f.kind]:
            raise ValueError(f"at most {MAX_ROWS[f.kind]} entries")
        return cleaned
    raise ValueError("cannot be typed")  # pragma: no cover - FROM_RECORD is not cleaned


@dataclass(frozen=True)
class Line:
    """One field as shown: its number, label, value as words, and its explanation."""

    number: str
    key: str
    label: str
    value: str
    detail_label: str = ""
    detail: str = ""
    rule: str = ""


def display(values: Mapping[str, Any]) -> list[Line]:
    """Every field in form order, as words a reader understands."""
    lines = []
    for f in FIELDS:
        lines.append(
            Line(
                f.number,
                f.key,
                f.label,
                words(f, values.get(f.key)),
                f.detail_label,
                str(values.get(f.detail, "") or "") if f.detail else "",
                f.rule,
            )
        )
    return lines


def words(f: Field, value: Any) -> str:
    if value in (None, "", []):
        return "Not given"
    if f.kind in LIST_COLUMNS:
        parts = []
        for row in value:
            bits = [str(row.get(k) or "") for k, _ in LIST_COLUMNS[f.kind]]
            if f.kind == INDIVIDUALS:
                bits[1] = dict(ADULT_CHILD_CHOICES).get(bits[1], bits[1])
            parts.append(" — ".join(b for b in bits if b))
        return "; ".join(parts)
    if f.kind == DATE or f.key in ("date_of_birth", "completed_on", "date_placed"):
        try:
            return date.fromisoformat(str(value)).strftime("%-d %B %Y")
        except ValueError:
            return str(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "None"
    return choice_label(f, str(value)) if _choices(f) else str(value)


@dataclass(frozen=True)
class Change:
    number: str
    label: str
    before: str
    after: str


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """What changed from ``old`` to ``new``, field by field in form order (an explanation
    counts as part of its field)."""
    changes = []
    before, after = display(old), display(new)
    for a, b in zip(before, after, strict=True):
        if (a.value, a.detail) != (b.value, b.detail):
            changes.append(
                Change(
                    a.number,
                    a.label,
                    a.value + (f" ({a.detail})" if a.detail else ""),
                    b.value + (f" ({b.detail})" if b.detail else ""),
                )
            )
    return changes


def for_engine(values: Mapping[str, Any]) -> dict[str, Any]:
    """What the policy engine reads (docs/policy-scenarios.md,
    ``person.pre_placement_assessment``): field 20, and the ratings of fields 23, 26-28."""
    return {
        "never_absent": values.get("never_absent") == "yes",
        "likelihood": values.get("likelihood") or None,
        "risk_if_missing": values.get("risk_if_missing") or None,
        "cse_risk": values.get("cse_risk") or None,
        "risk_to_others": values.get("risk_to_others") or None,
    }
