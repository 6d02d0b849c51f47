"""One version of the pre-placement assessment as an A4 PDF: the form the police and the
home keep (R-PPA-02), every field in form order with its number. Made with fpdf2 and a
core font, so no font file is shipped: text the font cannot encode (Latin-1) is replaced
by its nearest plain character, or a question mark."""

from __future__ import annotations

import unicodedata

from fpdf import FPDF
from fpdf.fonts import FontFace

from misper.care.models import AssessmentVersion
from misper.people.models import Person
from misper.policy.calendar import LONDON

TITLE = "West Mercia Missing Children Risk Assessment"
FONT = "helvetica"
TABLE = {"line_height": 5, "text_align": "LEFT", "v_align": "TOP", "padding": 1.2}
# Characters the core fonts lack, as the nearest Latin-1 text.
PLAIN = str.maketrans(
    {
        "\u2014": "-",  # em dash
        "\u2013": "-",  # en dash
        "\u2010": "-",
        "\u2011": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2026": "...",
        "\u2022": "*",
        "\u00a0": " ",
        "\u200b": "",
        "\u2192": "->",
        "\u20ac": "EUR",
    }
)


# Letters that do not decompose into a Latin-1 letter and a mark (Polish, Vietnamese, ...).
LETTERS = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ħ": "h", "Ħ": "H"})


def _nearest(char: str) -> str:
    """A character outside Latin-1 as its base letter ("ș" → "s", "ă" → "a"), else "?"."""
    if ord(char) < 256:
        return char
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and all(ord(c) < 256 for c in base) else "?"


def latin1(text: object) -> str:
    """``text`` as the core font can print it: names from many languages keep their
    letters, without the accents Latin-1 lacks (a name in another script would print as
    question marks: the record's Latin spelling is what the form carries)."""
    plain = str(text).translate(PLAIN).translate(LETTERS)
    return "".join(_nearest(c) for c in plain)


class _Form(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 5, latin1(f"{self.footer_text} - page {self.page_no()} of {{nb}}"), align="C")


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
