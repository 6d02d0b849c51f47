"""The DfE return page and API (R-DAT-04), for a team manager of the authority: the year
chosen, the return checked with the DfE's rules, downloaded as a zip when nothing is found
(audited as an export with its purpose), refused with the rule codes otherwise. Nobody
else sees them."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from misper.core.models import AuditEvent
from misper.episodes.models import FoundReport
from tests.insights.conftest import at, missing, place

pytestmark = pytest.mark.django_db

URL = "/insights/ssda903/"
API = "/api/v1/insights/ssda903"


@pytest.fixture
def ava_placed(region):
    """Ava placed by Vale in May 2026, with everything the return needs, and missing once."""
    place(
        region,
        region["ava"],
        date(2026, 5, 1),
        legal_status="C2",
        category_of_need="N1",
        provided_by="PR1",
        ofsted_urn="SC111111",
        home_postcode="WR5 1AA",
    )
    missing(region, region["ava"], at(date(2026, 6, 10)), found=at(date(2026, 6, 11)))
    return region


def exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject_type="ssda903_return", action="export"))


def test_the_team_manager_sees_the_year_and_what_it_holds(ava_placed, mfa_client):
    client = mfa_client(ava_placed["team_manager"])
    page = client.get(URL, {"year": "2027"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 April 2026 to 31 March 2027" in html
    assert "Periods missing or away" in html and "Check and download the return" in html
    assert client.get(URL, {"year": "1999"}).status_code == 400


@pytest.mark.parametrize("who", ["social_worker", "inspector"])
def test_nobody_else_sees_the_page(ava_placed, mfa_client, who):
    client = mfa_client(ava_placed[who])
    assert client.get(URL).status_code == 404
    response = client.post(URL, {"year": "2027", "purpose": "x"})
    assert response.status_code == 404 and not exports()


def test_a_clean_return_downloads_as_a_zip_and_is_audited(ava_placed, mfa_client, validator):
    client = mfa_client(ava_placed["team_manager"])
    response = client.post(URL, {"year": "2027", "purpose": "Submission to the DfE"})
    assert response.status_code == 200, response.content.decode()[:2000]
    assert response["Content-Type"] == "application/zip"
    assert 'filename="ssda903-E10000034-2026-27.zip"' in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        names = sorted(n.split("/")[-1] for n in z.namelist())
        assert names == ["episodes.csv", "header.csv", "missing.csv"]
    (event,) = exports()
    assert (event.user, event.purpose) == (ava_placed["team_manager"], "Submission to the DfE")


def test_the_purpose_is_asked_for(ava_placed, mfa_client):
    client = mfa_client(ava_placed["team_manager"])
    response = client.post(URL, {"year": "2027", "purpose": ""})
    assert response.status_code == 400
    assert "Enter why you are downloading the return" in response.content.decode()
    assert not exports()


def test_a_return_that_fails_is_refused_with_its_rule_codes(ava_placed, mfa_client, validator):
    found = FoundReport.objects.get(episode__person=ava_placed["ava"])
    FoundReport.objects.filter(pk=found.pk).update(found_at=at(date(2026, 6, 1)))
    client = mfa_client(ava_placed["team_manager"])
    response = client.post(URL, {"year": "2027", "purpose": "Submission to the DfE"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "The return was not downloaded" in html
    assert 'data-code="567"' in html and "DfE rule 567" in html
    assert "Ava Reid" in html and "Missing from 10/06/2026" in html
    assert not exports()
    # The API says the same: 409, with the findings.
    refused = client.get(f"{API}/zip", {"year": "2027", "purpose": "Submission"})
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "refused"
    assert "567" in {f["code"] for f in body["findings"]}
    assert not exports()


def test_the_api_checks_and_downloads(ava_placed, mfa_client, validator):
    client = mfa_client(ava_placed["team_manager"])
    checked = client.get(API, {"year": "2026-27"})
    assert checked.status_code == 200
    body = checked.json()
    assert (body["year"], body["children"], body["episodes"], body["missing"]) == (2027, 1, 1, 1)
    assert body["accepted"] is True and body["findings"] == []
    assert body["ruleset"] == "lac2026_27"
    zipped = client.get(f"{API}/zip", {"year": "2027", "purpose": "Submission"})
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip"
    assert [e.purpose for e in exports()] == ["Submission"]
    assert client.get(f"{API}/zip", {"year": "2027"}).status_code == 400  # no purpose
    other = ava_placed["vale"].pk + 1000
    assert client.get(API, {"authority": other}).status_code == 404


def test_the_api_refuses_everyone_else(ava_placed, mfa_client):
    client = mfa_client(ava_placed["social_worker"])
    assert client.get(API).status_code == 403
    assert client.get(f"{API}/zip", {"purpose": "x"}).status_code == 403
