"""A4 PDFs made with fpdf2 and a core font (no font file is shipped): the pre-placement
assessment (care/pdf.py) and the board pack (insights/board_pack.py). Text the core font
cannot encode (Latin-1) is replaced by its nearest plain character, or a question mark."""

from __future__ import annotations

import unicodedata

from fpdf import FPDF

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


class A4(FPDF):
    """A4 portrait, 15 mm margins, and a footer of ``footer_text`` with "page n of N"."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 5, latin1(f"{self.footer_text} - page {self.page_no()} of {{nb}}"), align="C")
