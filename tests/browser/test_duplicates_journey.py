"""Duplicates and merging, through the browser (issue 13, "Done when": a merge and its
undo). Lilly Frihouse was recorded twice ("Lily" the second time), each record with a
flag; the sweep (``find_duplicates``) put the pair on the list. The missing person
coordinator:

1. finds "Duplicates" in the navigation, and the pair on the list with what matched;
2. compares the two records side by side and tries to merge without choosing which to
   keep: the error summary names the field, nothing is merged;
3. keeps the first record and merges, with a reason: the merge's page lists what moved,
   the kept record shows both flags and the merge on its timeline, and a call handler's
   search finds one record;
4. undoes the merge with a reason: the two records are separate again, each with its own
   flag.

Every page on the way is checked with axe (tests/browser/helpers.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from misper.people.models import Flag, Person
from tests.browser.helpers import follow, path, sign_in_with_session, visit

pytestmark = pytest.mark.browser

BORN = date(2011, 3, 9)


@pytest.fixture
def world(transactional_db, make_org, make_user):  # type: ignore[no-untyped-def]
    from misper.people.duplicates import duplicate_sweep
    from misper.people.services import PersonDetails, flag_raise, person_create

    force = make_org("police_force", name="Vale and Harbour Police", code="vhp")
    area = make_org("policing_area", name="Northfold", code="northfold", parent=force)
    vale = make_org("local_authority", name="Vale County Council", code="vale")
    handler = make_user("call_handler", organisation=area)
    coordinator = make_user("missing_person_coordinator", organisation=force)
    records = {}
    for key, given, kind in (("lilly", "Lilly", "cse"), ("lily", "Lily", "gang")):
        records[key] = person_create(
            actor=handler,
            details=PersonDetails(
                given_name=given, family_name="Frihouse", date_of_birth=BORN, home_authority=vale
            ),
        )
        flag_raise(
            actor=handler,
            person_id=records[key].pk,
            kind=kind,
            evidence="Known to the force",
            review_on=date.today() + timedelta(days=90),
        )
    person_create(  # another child, not a duplicate
        actor=handler,
        details=PersonDetails(
            given_name="Jayden", family_name="Smith", date_of_birth=BORN, home_authority=vale
        ),
    )
    assert duplicate_sweep()[1] == 1
    return {"handler": handler, "coordinator": coordinator, **records}


def nav(page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def test_a_coordinator_merges_two_records_and_undoes_it(page, world):  # type: ignore[no-untyped-def]
    lilly, lily = world["lilly"], world["lily"]
    sign_in_with_session(page, world["coordinator"])
    visit(page, "/")

    # 1. The list, from the navigation.
    follow(page, nav(page, "Duplicates"))
    assert path(page) == "/people/duplicates/"
    rows = page.get_by_test_id("duplicate-row").all()
    assert len(rows) == 1
    row = rows[0].inner_text()
    assert "Lilly Frihouse" in row and "Lily Frihouse" in row
    assert "Date of birth" in row and "Family name" in row

    # 2. Side by side; merging without choosing the record to keep is refused.
    follow(page, page.get_by_role("link", name="Compare Lilly Frihouse and Lily Frihouse"))
    assert page.get_by_role("heading", level=1).inner_text() == "Are these the same child?"
    comparison = page.get_by_test_id("comparison").inner_text()
    assert "Lilly" in comparison and "Lily" in comparison and "Differs" in comparison
    page.get_by_label("Why are these the same child?").fill("Same school, same carer")
    follow(page, page.get_by_role("button", name="Merge the records"), status=400)
    assert "Choose the record to keep" in page.locator(".govuk-error-summary").inner_text()
    assert Person.objects.get(pk=lily.pk).merged_into_id is None

    # 3. Keep the first record and merge.
    page.get_by_label("First record").check()
    page.get_by_label("Why are these the same child?").fill("Same school, same carer")
    follow(page, page.get_by_role("button", name="Merge the records"))
    assert path(page).startswith("/people/merges/")
    merge_page = path(page)
    assert "2 flags" not in page.get_by_test_id("merge").inner_text()  # only the other's moved
    assert "1 flag" in page.get_by_test_id("merge").inner_text()
    assert Person.objects.get(pk=lily.pk).merged_into_id == lilly.pk
    assert Flag.objects.filter(person=lilly).count() == 2
    follow(page, page.get_by_role("link", name="Lilly Frihouse"))
    assert path(page) == f"/people/{lilly.pk}/"
    assert "Another record of this child merged into this one" in page.content()
    assert "Lily Frihouse" in page.get_by_test_id("merges-in").inner_text()
    # The merged record's page sends the reader to the record kept.
    visit(page, f"/people/{lily.pk}/")
    assert path(page) == f"/people/{lilly.pk}/"
    assert "was merged into this record" in page.content()

    # 4. Undo it.
    visit(page, merge_page)
    follow(page, page.get_by_role("button", name="Undo the merge"), status=400)
    assert page.locator(".govuk-error-summary").count() == 1
    page.get_by_label("Why are you undoing this merge?").fill("Twins: different schools")
    follow(page, page.get_by_role("button", name="Undo the merge"))
    assert "This merge has been undone" in page.get_by_test_id("undone").inner_text()
    assert Person.objects.get(pk=lily.pk).merged_into_id is None
    assert Flag.objects.filter(person=lilly).count() == 1
    assert Flag.objects.filter(person=lily).count() == 1
    follow(page, nav(page, "Duplicates"))
    assert len(page.get_by_test_id("duplicate-row").all()) == 1  # back on the list
