"""The PDF's text: names from many languages keep their letters (the core font prints
Latin-1 only)."""

from __future__ import annotations

from misper.care.pdf import latin1


def test_names_of_many_origins_keep_their_letters_without_accents_latin1_lacks():
    assert latin1("Łucja Wiśniewska") == "Lucja Wisniewska"  # Polish
    assert latin1("Ștefan Țurcanu") == "Stefan Turcanu"  # Romanian
    assert latin1("Nguyễn Đức") == "Nguyen Duc"  # Vietnamese
    assert latin1("Zoë O’Brien — Seán") == "Zoë O'Brien - Seán"  # Latin-1 kept


def test_a_name_in_another_script_is_marked_not_dropped():
    assert latin1("李 Wei") == "? Wei"
