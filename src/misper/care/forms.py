"""The pre-placement assessment as a page form (Appendix A, ``care.form``).

The form is the paper one: every field in form order with its number and printed label,
its explanation beside it, the repeating fields as rows. It is not a Django form: the
fields, their kinds and their checks live once, in ``care.form``; this module only turns
what was posted into the values ``care.form.clean`` and ``care.services.assessment_save``
take, and keeps everything the user typed (so that nothing is lost when something is
wrong), with each problem on the field it names. Input names are the field keys; a date is
``<key>_day``, ``<key>_month``, ``<key>_year``; a row of a repeating field is
``<key>-<row>-<column>``; only numeric ids ever appear in the page's address."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from misper.care import form
from misper.core.errors import DomainError
from misper.people.forms import DateField

# The fields of the page beside Appendix A's.
COMPLETED_WITH = "completed_with"
CHANGE_NOTE = "change_note"
BASED_ON = "based_on"
PLACEMENT = "placement"
TOP = "__all__"
SERVICE_PREFIX = "values."  # how care.services names a field of the assessment
EMPTY_ROWS = 4  # field 32: empty rows offered beyond those filled in (no JavaScript needed)
COMPLETED_WITH_LABEL = "Completed with (name and role at the care provider)"
CHANGE_NOTE_LABEL = "What has changed and why"

CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    form.YES_NO: form.YES_NO_CHOICES,
    form.YES_NO_DK: form.YES_NO_DK_CHOICES,
    form.RATING: form.RATING_CHOICES,
    form.ETHNICITY: tuple((code, f"{label} ({code})") for code, label in form.ETHNICITY_CHOICES),
}
INLINE = frozenset({form.YES_NO, form.YES_NO_DK, form.RATING})


def _rows_shown(kind: str, filled: int) -> int:
    """How many rows a repeating field offers: all four for fields 29 and 30; for field 32
    those filled in and four empty ones, up to ten."""
    most = form.MAX_ROWS[kind]
    if kind == form.AVOID:
        return min(most, max(filled + EMPTY_ROWS, EMPTY_ROWS))
    return most


def _needed_when(f: form.Field) -> str:
    """When an explanation must be given, in words."""
    if not f.detail_when:
        return ""
    if "*" in f.detail_when:
        return "Needed"
    if f.kind == form.ETHNICITY:
        return "Needed for a group marked (specify)"
    labels = [label for code, label in CHOICES.get(f.kind, ()) if code in f.detail_when]
    return "Needed if the answer is " + " or ".join(labels)


@dataclass
class Item:
    """One field of Appendix A as the form page shows it."""

    field: form.Field
    id: str  # the id the error summary links to
    value: Any = ""  # text; (day, month, year) for a date; rows for a repeating field
    error: str = ""
    detail_value: str = ""
    detail_error: str = ""
    record: str = ""  # FROM_RECORD: what Misper fills in
    choices: tuple[tuple[str, str], ...] = ()
    inline: bool = False
    columns: tuple[tuple[str, str], ...] = ()
    needed_when: str = ""

    @property
    def label(self) -> str:
        return f"{self.field.number}. {self.field.label}"

    @property
    def typed(self) -> bool:
        return self.field.kind != form.FROM_RECORD


@dataclass
class AssessmentForm:
    """What the user typed into the assessment, the values for the service, and the
    problems, each on its field."""

    raw: dict[str, Any] = field(default_factory=dict)
    completed_with: str = ""
    change_note: str = ""
    based_on: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # anchor -> message
    values: dict[str, Any] = field(default_factory=dict)

    # --- Building ------------------------------------------------------------------------

    @classmethod
    def initial(
        cls, values: Mapping[str, Any] | None, *, completed_with: str, based_on: int | None
    ) -> AssessmentForm:
        """The form as it opens: the latest version's answers (or nothing)."""
        values = values or {}
        raw: dict[str, Any] = {}
        for f in form.FIELDS:
            if f.kind == form.DATE:
                raw[f.key] = _date_parts(values.get(f.key))
            elif f.kind in form.LIST_COLUMNS:
                rows = [
                    {c: str(r.get(c) or "") for c, _ in form.LIST_COLUMNS[f.kind]}
                    for r in values.get(f.key) or []
                    if isinstance(r, Mapping)
                ]
                raw[f.key] = rows
            elif f.kind != form.FROM_RECORD:
                raw[f.key] = str(values.get(f.key) or "")
            if f.detail:
                raw[f.detail] = str(values.get(f.detail) or "")
        return cls(
            raw=raw,
            completed_with=completed_with,
            based_on="" if based_on is None else str(based_on),
        )

    @classmethod
    def posted(cls, data: Mapping[str, Any]) -> AssessmentForm:
        """The form as posted: every box read back, whatever it holds."""

        def get(name: str) -> str:
            value = data.get(name, "")
            return value if isinstance(value, str) else ""

        raw: dict[str, Any] = {}
        for f in form.FIELDS:
            if f.kind == form.DATE:
                raw[f.key] = (get(f"{f.key}_day"), get(f"{f.key}_month"), get(f"{f.key}_year"))
            elif f.kind in form.LIST_COLUMNS:
                raw[f.key] = [
                    {c: get(f"{f.key}-{i}-{c}") for c, _ in form.LIST_COLUMNS[f.kind]}
                    for i in range(form.MAX_ROWS[f.kind])
                ]
            elif f.kind != form.FROM_RECORD:
                raw[f.key] = get(f.key)
            if f.detail:
                raw[f.detail] = get(f.detail)
        return cls(
            raw=raw,
            completed_with=get(COMPLETED_WITH),
            change_note=get(CHANGE_NOTE),
            based_on=get(BASED_ON),
        )

    # --- Checking ---------------------------------------------------------------------------

    def is_valid(self, *, today: date) -> bool:
        """Check the shape of every answer (``care.form.clean``) and the page's own fields,
        every problem on its field; the service checks again when it saves."""
        values: dict[str, Any] = {}
        for f in form.FIELDS:
            if f.kind == form.DATE:
                checker = DateField(label=f.label, required=f.required)
                try:
                    day = checker.clean(list(self.raw[f.key]))
                except ValidationError as exc:
                    self.errors.setdefault(f.key, " ".join(exc.messages))
                    day = None
                values[f.key] = day.isoformat() if day else ""
            elif f.kind in form.LIST_COLUMNS:
                values[f.key] = [dict(r) for r in self.raw[f.key]]
            elif f.kind != form.FROM_RECORD:
                values[f.key] = self.raw[f.key]
            if f.detail:
                values[f.detail] = self.raw[f.detail]
        try:
            form.clean(values, today=today)
        except form.FormProblems as exc:
            for key, message in exc.problems:
                self.errors.setdefault(key if key in self.raw else TOP, message)
        if not self.completed_with.strip():
            self.errors.setdefault(
                COMPLETED_WITH, "Enter who it was completed with: their name and role"
            )
        if self.based_on and not self.based_on.isdigit():
            self.errors.setdefault(TOP, "Open the assessment again: the form was not complete")
        self.values = values
        return not self.errors

    @property
    def based_on_number(self) -> int | None:
        return int(self.based_on) if self.based_on.isdigit() else None

    def add_error(self, exc: DomainError) -> None:
        """Put a service's error on the field it names (``values.<key>``, the page's own
        fields), or at the top of the form."""
        name = exc.field or ""
        if name.startswith(SERVICE_PREFIX):
            name = name[len(SERVICE_PREFIX) :]
            if name not in self.raw:
                name = TOP
        elif name not in (COMPLETED_WITH, CHANGE_NOTE, PLACEMENT):
            name = TOP
        self.errors[name] = exc.message

    # --- Showing ------------------------------------------------------------------------------

    def items(self, record: Mapping[str, Any]) -> list[Item]:
        """Every field of Appendix A in form order, as the page shows it; ``record`` is what
        Misper fills in from the child's record."""
        out = []
        for f in form.FIELDS:
            item = Item(
                field=f,
                id=f.key,
                error=self.errors.get(f.key, ""),
                detail_value=self.raw.get(f.detail, "") if f.detail else "",
                detail_error=self.errors.get(f.detail, "") if f.detail else "",
                choices=CHOICES.get(f.kind, ()),
                inline=f.kind in INLINE,
                needed_when=_needed_when(f),
            )
            if f.kind == form.FROM_RECORD:
                item.record = form.words(f, record.get(f.key))
            elif f.kind in form.LIST_COLUMNS:
                # Every row with something typed in it, then empty rows.
                rows = [r for r in self.raw.get(f.key) or [] if any(v.strip() for v in r.values())]
                shown = max(_rows_shown(f.kind, len(rows)), len(rows))
                blank = {c: "" for c, _ in form.LIST_COLUMNS[f.kind]}
                item.value = rows + [dict(blank) for _ in range(shown - len(rows))]
                item.columns = form.LIST_COLUMNS[f.kind]
                item.id = f"{f.key}-0-{item.columns[0][0]}"
            else:
                item.value = self.raw.get(f.key, "")
            out.append(item)
        return out

    def summary(self, items: list[Item]) -> list[dict[str, str]]:
        """The GOV.UK error summary: every problem in form order, each linking to its
        field."""
        out = []
        if TOP in self.errors:
            out.append({"text": self.errors[TOP], "href": f"#{COMPLETED_WITH}"})
        if PLACEMENT in self.errors:
            out.append({"text": self.errors[PLACEMENT], "href": f"#{PLACEMENT}"})
        for item in items:
            if item.error:
                out.append({"text": item.error, "href": f"#{item.id}"})
            if item.detail_error:
                out.append({"text": item.detail_error, "href": f"#{item.field.detail}"})
        for name in (COMPLETED_WITH, CHANGE_NOTE):
            if name in self.errors:
                out.append({"text": self.errors[name], "href": f"#{name}"})
        return out


def _date_parts(value: Any) -> tuple[str, str, str]:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return ("", "", "")
    return (str(day.day), str(day.month), str(day.year))
