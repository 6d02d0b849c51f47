"""One version of the pre-placement assessment as an A4 PDF: the form the police and the
home keep (R-PPA-02), every field in form order with its number. Made with fpdf2 and a
core font (misper.core.pdf, shared with the board pack)."""

from __future__ import annotations

from fpdf.fonts import FontFace

from misper.care.models import AssessmentVersion
from misper.core.pdf import A4 as _Form
from misper.core.pdf import FONT, TABLE, latin1
from misper.people.models import Person
from misper.policy.calendar import LONDON

__all__ = ["TITLE", "latin1", "render"]

TITLE = "West Mercia Missing Children Risk Assessment"


def render(person: Person, version: AssessmentVersion) -> bytes:
    """The version as PDF bytes, A4 portrait."""
    saved = version.created_at.astimezone(LONDON).strftime("%-d %B %Y at %H:%M")
    doc = _Form(f"Pre-placement missing risk assessment, version {version.number}")
    doc.set_title(latin1(f"{TITLE}: version {version.number}"))
    doc.set_creator("Misper")
    doc.add_page()
    width = doc.epw

    doc.set_font(FONT, style="B", size=15)
    doc.multi_cell(width, 8, latin1(TITLE), new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FONT, size=11)
    doc.multi_cell(
        width,
        6,
        latin1(f"Pre-placement missing risk assessment - version {version.number}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.ln(2)

    about = [
        ("Child", person.name),
        ("Saved by", f"{version.created_by.full_name}, {version.created_by_org.name}"),
        ("Saved on", saved),
        ("Completed with", version.completed_with),
        ("Sent to", ", ".join(version.sent_to) or "Nobody"),
    ]
    if version.placement is not None:
        p = version.placement
        about.append(
            (
                "Completed for the placement",
                f"{p.address}{', ' + p.postcode if p.postcode else ''}, "
                f"from {p.started_on.strftime('%-d %B %Y')}",
            )
        )
    if version.change_note:
        about.append(("What changed and why", version.change_note))
    doc.set_font(FONT, size=9)
    heading = FontFace(emphasis="BOLD", fill_color=(243, 242, 241))
    with doc.table(col_widths=(45, width - 45), first_row_as_headings=False, **TABLE) as table:
        for key, value in about:
            row = table.row()
            row.cell(latin1(key), style=heading)
            row.cell(latin1(value))
    doc.ln(4)

    with doc.table(
        col_widths=(10, 70, width - 80), headings_style=heading, repeat_headings=1, **TABLE
    ) as table:
        top = table.row()
        for text in ("No.", "Question", "Answer"):
            top.cell(text)
        for line in version.lines():
            row = table.row()
            row.cell(latin1(line.number))
            row.cell(latin1(line.label))
            answer = line.value
            if line.detail:
                answer += f"\n{line.detail_label}: {line.detail}"
            row.cell(latin1(answer))
    return bytes(doc.output())
