"""The bulk import of history in the browser: a force's coordinator opens it from the menu,
uploads a file with a bad row (the progress page, then the refused row with its column and
reason), then a good file: checked, imported on its own page, done. Every page on the way is
checked with axe (tests/browser/helpers.py)."""

from __future__ import annotations

import pytest

from misper.episodes.models import Episode
from misper.insights import bulk_import as bi
from misper.insights.models import ImportJob
from tests.browser.helpers import follow, path, sign_in_with_session, visit
from tests.episodes.conftest import make_region
from tests.insights.test_bulk_import import as_csv, row

pytestmark = pytest.mark.browser


def test_a_coordinator_imports_history(page, make_org, make_user, tmp_path):  # type: ignore[no-untyped-def]
    w = make_region(make_org, make_user, "west-mercia-2014")
    coordinator = make_user("missing_person_coordinator", organisation=w["force"])
    sign_in_with_session(page, coordinator)
    visit(page, "/")
    nav = page.locator(".govuk-service-navigation__list")
    follow(page, nav.get_by_role("link", name="Import history", exact=True))
    assert path(page) == "/insights/import/"

    bad = tmp_path / "bad.csv"
    bad.write_bytes(as_csv([row("A", 0), row("A", 1, category="gone")]))
    page.get_by_label("The system the history comes from").fill("Niche")
    page.get_by_label("The file (CSV or XLSX, up to 50 MB)").set_input_files(str(bad))
    follow(page, page.get_by_role("button", name="Check the file"))
    assert page.locator("progress").count() == 1
    job = ImportJob.objects.get()
    bi.run_job(job.pk)  # the worker
    visit(page, path(page))
    assert page.get_by_text("The file was not imported").count() == 1
    problems = page.get_by_test_id("problems")
    assert "Enter one of: missing, absent" in problems.inner_text()
    follow(page, page.get_by_role("link", name="Upload a corrected file"))

    good = tmp_path / "good.csv"
    good.write_bytes(as_csv([row("A", n) for n in range(3)]))
    page.get_by_label("The system the history comes from").fill("Niche")
    page.get_by_label("The file (CSV or XLSX, up to 50 MB)").set_input_files(str(good))
    follow(page, page.get_by_role("button", name="Check the file"))
    job = ImportJob.objects.exclude(pk=job.pk).get()
    bi.run_job(job.pk)
    visit(page, path(page))
    follow(page, page.get_by_role("link", name="Continue to import"))
    follow(page, page.get_by_role("button", name="Import the history"))
    bi.run_job(job.pk)
    visit(page, path(page))
    assert page.get_by_text("History imported").count() >= 1
    assert Episode.objects.count() == 3
