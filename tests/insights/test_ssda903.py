"""The SSDA903 return (R-DAT-04): the tables built from Misper's records, and the DfE's
rules (``csc-validator-be-903``, run in its own virtual environment) over them: the demo
region's return passes with no problem found; a broken episode is refused with the rule
codes."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from misper.agencies.models import Organisation
from misper.episodes.models import FoundReport
from misper.insights import ssda903
from misper.insights.ssda903 import CollectionYear
from misper.people.models import Person, Placement
from tests.insights.conftest import at, missing, place

pytestmark = pytest.mark.django_db

YEAR = CollectionYear(2027)  # 1 April 2026 to 31 March 2027


def test_collection_years_are_named_by_the_year_they_end():
    assert (YEAR.start, YEAR.end, YEAR.name) == (
        date(2026, 4, 1),
        date(2027, 3, 31),
        "2026 to 2027",
    )
    for text in ("2027", "2026-27", "2026/27", "2026 to 2027", "2026-2027"):
        assert CollectionYear.parse(text) == YEAR
    assert CollectionYear.containing(date(2027, 3, 31)) == YEAR
    assert CollectionYear.containing(date(2027, 4, 1)) == CollectionYear(2028)
    for bad in ("27", "2026-28", "next", "2025", "99999999999", str(date.today().year + 2)):
        with pytest.raises(ssda903.ValidationFailed) as exc:
            CollectionYear.parse(bad)
        assert exc.value.field == "year"


def test_the_tables_of_a_small_authority(region):
    """Each placement is an episode unless nothing the DfE counts changed; the reason for
    a new episode from what changed; X1 with the reason for the move on the episode that
    ended; the period of care's category of need and home postcode kept; missing and away
    periods while looked after by the authority, and only those."""
    w, ava = region, region["ava"]
    # Missing before she was looked after: not in the return.
    missing(w, ava, at(date(2026, 3, 1)), found=at(date(2026, 3, 2)))
    place(
        w,
        ava,
        date(2026, 5, 1),
        legal_status="C2",
        category_of_need="N1",
        provided_by="PR1",
        ofsted_urn="SC111111",
        home_postcode="wr5 1aa",
    )
    missing(w, ava, at(date(2026, 6, 10), 22), found=at(date(2026, 6, 11), 9))
    # A move to foster care: the category of need and home postcode are the period's.
    place(
        w,
        ava,
        date(2026, 7, 1),
        placement_type="foster_care",
        provider=None,
        address="3 Elm Road, Worcester",
        postcode="WR2 4AA",
        legal_status="C2",
        dfe_placement_type="U6",
        provided_by="PR4",
        ofsted_urn="SC222222",
        change_reason="CHILD",
    )
    missing(w, ava, at(date(2026, 8, 5)), found=at(date(2026, 8, 5), 18), category="absent")
    # A placement order, same foster home: a change of legal status only...
    same_home = {
        "placement_type": "foster_care",
        "provider": None,
        "address": "3 Elm Road, Worcester",
        "postcode": "WR2 4AA",
        "legal_status": "E1",
        "dfe_placement_type": "U6",
        "provided_by": "PR4",
        "ofsted_urn": "SC222222",
    }
    place(w, ava, date(2026, 9, 1), **same_home)
    # ... and the same placement recorded again: nothing changes for the DfE.
    place(w, ava, date(2026, 10, 1), **same_home)
    missing(w, ava, at(date(2026, 11, 20)))  # not found yet

    ret = ssda903.build_return(w["vale"], YEAR)
    cid = f"MSP{ava.pk:07d}"
    assert ret.header == [
        {
            "CHILD": cid,
            "SEX": "F",
            "DOB": "01/05/2012",
            "ETHNIC": "WBRI",
            "UPN": "A123456789012",
            "MOTHER": "0",
            "MC_DOB": "",
        }
    ]
    common = {"CHILD": cid, "CIN": "N1", "HOME_POST": "WR5 1AA"}
    assert ret.episodes == [
        {
            **common,
            "DECOM": "01/05/2026",
            "RNE": "S",
            "LS": "C2",
            "PLACE": "K2",
            "PLACE_PROVIDER": "PR1",
            "DEC": "01/07/2026",
            "REC": "X1",
            "REASON_PLACE_CHANGE": "CHILD",
            "PL_POST": "WR1 1AA",
            "URN": "SC111111",
        },
        {
            **common,
            "DECOM": "01/07/2026",
            "RNE": "P",
            "LS": "C2",
            "PLACE": "U6",
            "PLACE_PROVIDER": "PR4",
            "DEC": "01/09/2026",
            "REC": "X1",
            "REASON_PLACE_CHANGE": "",  # the next episode is a change of legal status only
            "PL_POST": "WR2 4AA",
            "URN": "SC222222",
        },
        {
            **common,
            "DECOM": "01/09/2026",
            "RNE": "L",
            "LS": "E1",
            "PLACE": "U6",
            "PLACE_PROVIDER": "PR4",
            "DEC": "",
            "REC": "",
            "REASON_PLACE_CHANGE": "",
            "PL_POST": "WR2 4AA",
            "URN": "SC222222",
        },
    ]
    assert ret.missing == [
        {
            "CHILD": cid,
            "DOB": "01/05/2012",
            "MISSING": "M",
            "MIS_START": "10/06/2026",
            "MIS_END": "11/06/2026",
        },
        {
            "CHILD": cid,
            "DOB": "01/05/2012",
            "MISSING": "A",
            "MIS_START": "05/08/2026",
            "MIS_END": "05/08/2026",
        },
        {
            "CHILD": cid,
            "DOB": "01/05/2012",
            "MISSING": "M",
            "MIS_START": "20/11/2026",
            "MIS_END": "",
        },
    ]
    assert ret.checks == []
    assert ret.children == {cid: ava}
    # The CSV files in the DfE's layout: its column names, dates as dd/mm/yyyy.
    files = ret.files()
    assert sorted(files) == ["episodes.csv", "header.csv", "missing.csv"]
    assert files["missing.csv"].decode().splitlines() == [
        "CHILD,DOB,MISSING,MIS_START,MIS_END",
        f"{cid},01/05/2012,M,10/06/2026,11/06/2026",
        f"{cid},01/05/2012,A,05/08/2026,05/08/2026",
        f"{cid},01/05/2012,M,20/11/2026,",
    ]
    with zipfile.ZipFile(io.BytesIO(ret.zip())) as z:
        stem = "ssda903-E10000034-2026-27"
        assert sorted(z.namelist()) == [f"{stem}/{n}" for n in sorted(files)]
        assert z.read(f"{stem}/header.csv") == files["header.csv"]
    # The year before: she was not looked after by Vale; the authority's own child id
    # replaces Misper's once recorded.
    assert ssda903.build_return(w["vale"], CollectionYear(2026)).header == []
    Person.objects.filter(pk=ava.pk).update(la_child_id="VC123")
    assert ssda903.build_return(w["vale"], YEAR).header[0]["CHILD"] == "VC123"


def test_a_year_ends_what_it_holds_on_31_march(region):
    """An episode open after the year and a missing period found after it are open in the
    year's return; a period ended before the year is not in it."""
    w, ava = region, region["ava"]
    place(w, ava, date(2025, 11, 1), legal_status="V2", category_of_need="N4")
    missing(w, ava, at(date(2026, 1, 10)), found=at(date(2026, 1, 11)))
    missing(w, ava, at(date(2026, 3, 31), 20), found=at(date(2026, 4, 1), 10))
    place(w, ava, date(2026, 6, 1), legal_status="C2", postcode="WR5 1AB")
    ret = ssda903.build_return(w["vale"], CollectionYear(2026))
    (first,) = ret.episodes
    assert (first["DECOM"], first["DEC"], first["REC"], first["RNE"]) == ("01/11/2025", "", "", "S")
    assert [(m["MIS_START"], m["MIS_END"]) for m in ret.missing] == [
        ("10/01/2026", "11/01/2026"),
        ("31/03/2026", ""),
    ]
    after = ssda903.build_return(w["vale"], YEAR)
    assert [(e["DECOM"], e["DEC"], e["RNE"]) for e in after.episodes] == [
        ("01/11/2025", "01/06/2026", "S"),
        ("01/06/2026", "", "B"),  # placement and legal status both changed
    ]
    assert [(m["MIS_START"], m["MIS_END"]) for m in after.missing] == [("31/03/2026", "01/04/2026")]


def test_misper_refuses_what_the_dfe_rules_let_pass(region):
    """An empty legal status, category of need or DfE placement type passes the DfE's code
    lists but not its collection: Misper's own checks name them. Another authority's
    placement ending the episode is care taken over by it (E3)."""
    w, ava = region, region["ava"]
    place(w, ava, date(2026, 5, 1), placement_type="other", provider=None)
    ret = ssda903.build_return(w["vale"], YEAR)
    assert {(f.code, f.fields, f.rows, f.source) for f in ret.checks} == {
        ("MSP-LS", ("LS",), (1,), "Misper"),
        ("MSP-CIN", ("CIN",), (1,), "Misper"),
        ("MSP-PLACE", ("PLACE",), (1,), "Misper"),
    }
    # Misper records no transfer between authorities; a placement by another authority (as
    # a migrated record might hold) ends Vale's episode with E3.
    other = Organisation.objects.create(kind="local_authority", name="Other", code="other")
    first = Placement.objects.get(person=ava)
    Placement.objects.filter(pk=first.pk).update(ended_on=date(2026, 8, 1))
    Placement.objects.create(
        person=ava,
        placement_type="foster_care",
        address="Elsewhere",
        placing_authority=other,
        host_authority=other,
        started_on=date(2026, 8, 1),
    )
    (row,) = ssda903.build_return(w["vale"], YEAR).episodes
    assert (row["DEC"], row["REC"]) == ("01/08/2026", "E3")
    # A child the record says has left care, with an open placement: Misper cannot say when.
    Placement.objects.filter(placing_authority=other).delete()
    Placement.objects.filter(pk=first.pk).update(ended_on=None)
    Person.objects.filter(pk=ava.pk).update(care_status="care_leaver")
    ret = ssda903.build_return(w["vale"], YEAR)
    assert "MSP-CEASED" in {f.code for f in ret.checks}


# --- The DfE's rules -------------------------------------------------------------------------


def _codes(findings):
    return {f.code for f in findings}


def test_the_validator_finds_a_missing_period_outside_care(validator):
    """The runner on hand-made files: a missing period before the child was looked after
    and one that ends before it starts."""
    files = {
        "header.csv": b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\n"
        b"C1,F,14/09/2010,AOTH,A123456789012,0,\r\n",
        "episodes.csv": b"CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,"
        b"REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n"
        b"C1,21/05/2026,S,C2,N1,K2,PR1,,,,WR5 1AA,WR1 1AA,SC123456\r\n",
        "missing.csv": b"CHILD,DOB,MISSING,MIS_START,MIS_END\r\n"
        b"C1,14/09/2010,M,01/05/2026,02/05/2026\r\n"
        b"C1,14/09/2010,M,03/08/2026,02/08/2026\r\n"
        b"C1,14/09/2010,A,07/12/2026,\r\n",
    }
    report = ssda903.validator_report(files, YEAR, authority="E10000034")
    assert report.ruleset == "lac2026_27" and report.validator.startswith("csc-validator-be-903")
    rows = {(f.code, f.table, f.rows, f.children) for f in report.findings}
    assert rows == {
        # before the child was looked after: missing before care (581), outside the period
        # of care (578), ended before it (577)
        ("581", "Missing", (1,), ("C1",)),
        ("578", "Missing", (1,), ("C1",)),
        ("577", "Missing", (1,), ("C1",)),
        # came back before going missing
        ("567", "Missing", (2,), ("C1",)),
    }
    # The open period (row 3) is not taken for one that outlives its placement (575, 577):
    # the runner gives each rule its own copy of the data (rule 365 writes into the
    # validator's, filling every open episode's end).
    assert all(3 not in f.rows for f in report.findings)
    with pytest.raises(ssda903.ValidationFailed, match="no rules for the collection year"):
        ssda903.validate(files, CollectionYear(2031), authority="E10000034")


def _demo_return(code: str) -> ssda903.Checked:
    authority = Organisation.objects.get(code=code)
    return ssda903.check_return(authority, CollectionYear.containing(timezone.localdate()))


def test_the_demo_regions_return_passes_the_dfe_rules(validator):
    """The demo region (``misper demo``, as ``make run`` loads it): every authority's return
    passes the DfE's rules and Misper's checks with nothing found: Vale's, with its
    children's missing periods; Northbrook's, of the child it placed across the border
    yesterday; Harbour's and Westshire's. (The demo's dates of birth move with the day it is
    loaded, people/demo_dates.py, so its children stay the ages the rules were met at.)"""
    call_command("demo", "--quiet")
    vale = _demo_return("vale-cc")
    assert [f.as_dict() for f in vale.findings] == []
    assert vale.accepted
    assert len(vale.ret.header) == 2 and vale.ret.missing
    assert {r["MISSING"] for r in vale.ret.missing} == {"M"}
    northbrook = _demo_return("northbrook-cc")
    assert northbrook.findings == [] and len(northbrook.ret.episodes) == 1
    for code in ("harbour-cc", "westshire-cc"):
        other = _demo_return(code)
        assert [f.as_dict() for f in other.findings] == [], code
        assert other.accepted and other.ret.header, code


def test_a_broken_episode_is_refused_with_the_rule_codes(validator, mfa_client):
    """Amira found before she went missing: rule 567 names her row; the export is refused."""
    call_command("demo", "--quiet")
    amira = Person.objects.get(given_name="Amira", family_name="Hassan")
    found = FoundReport.objects.filter(episode__person=amira).order_by("found_at").first()
    FoundReport.objects.filter(pk=found.pk).update(
        found_at=found.episode.last_seen_at - timedelta(days=2)
    )
    checked = _demo_return("vale-cc")
    assert not checked.accepted
    codes = _codes(checked.findings)
    assert "567" in codes
    (f567,) = [f for f in checked.findings if f.code == "567"]
    assert f567.table == "Missing" and f567.children == (f"MSP{amira.pk:07d}",)


def test_the_command_writes_and_checks_the_return(region, tmp_path, capsys, validator):
    """``misper ssda903``: the three files, checked; a problem found is exit status 1 with
    each finding's rule code and row. Either way an export by "system" is audited."""
    from django.core.management.base import CommandError

    from misper.core.models import AuditEvent

    w, ava = region, region["ava"]
    place(
        w,
        ava,
        date(2026, 5, 1),
        legal_status="C2",
        category_of_need="N1",
        provided_by="PR1",
        ofsted_urn="SC111111",
        home_postcode="WR5 1AA",
    )
    missing(w, ava, at(date(2026, 6, 10)), found=at(date(2026, 6, 11)))
    call_command(
        "ssda903",
        "--authority",
        "E10000034",
        "--year",
        "2026-27",
        "--out",
        str(tmp_path),
        "--validate",
    )
    out = capsys.readouterr().out
    assert (
        "children 1, episodes 1, periods missing or away 1" in out and "No problems found." in out
    )
    assert (
        (tmp_path / "missing.csv").read_text().splitlines()[1].endswith(",M,10/06/2026,11/06/2026")
    )
    FoundReport.objects.filter(episode__person=ava).update(found_at=at(date(2026, 6, 1)))
    with pytest.raises(CommandError, match="problems found"):
        call_command(
            "ssda903", "--authority", "vale", "--year", "2027", "--out", str(tmp_path), "--validate"
        )
    assert "DfE rule 567" in capsys.readouterr().out
    exports = AuditEvent.objects.filter(subject_type="ssda903_return", action="export")
    assert [e.user_label for e in exports] == ["system", "system"]
    with pytest.raises(CommandError, match="No local authority"):
        call_command("ssda903", "--authority", "nowhere", "--year", "2027", "--out", str(tmp_path))
