"""The SSDA903 return in words: its columns as a team manager calls them, and each finding
as the rule that found it."""

from __future__ import annotations

from collections.abc import Iterable

from misper.insights.ssda903 import Finding

COLUMN_WORDS = {
    "CHILD": "the child",
    "SEX": "sex",
    "DOB": "date of birth",
    "ETHNIC": "ethnicity",
    "UPN": "unique pupil number",
    "MOTHER": "whether she is a mother",
    "MC_DOB": "her first child's date of birth",
    "UASC": "unaccompanied asylum-seeking child",
    "DECOM": "the date the episode began",
    "RNE": "the reason for the new episode",
    "LS": "legal status",
    "CIN": "category of need",
    "PLACE": "DfE placement type",
    "PLACE_PROVIDER": "who provides the placement",
    "DEC": "the date the episode ended",
    "REC": "the reason the episode ended",
    "REASON_PLACE_CHANGE": "why the child left the placement",
    "HOME_POST": "the postcode of the home before care",
    "PL_POST": "the placement's postcode",
    "URN": "the Ofsted unique reference number",
    "PL_LA": "the authority of the placement's postcode",
    "PL_LOCATION": "whether the placement is in the authority's area",
    "PL_DISTANCE": "the distance from home to the placement",
    "MISSING": "missing or away from placement",
    "MIS_START": "the date the child went missing or away",
    "MIS_END": "the date the child came back",
}


def column_words(fields: Iterable[str]) -> str:
    words = [COLUMN_WORDS.get(f, f) for f in dict.fromkeys(fields)]
    return "; ".join(words)


def finding_title(f: Finding) -> str:
    """``DfE rule 575: <its message>``, or ``Misper's check MSP-LS: <its message>``."""
    if f.source == "Misper":
        return f"Misper's check {f.code}: {f.message}"
    return f"DfE rule {f.code}: {f.message}"
