"""The carer's own report through the pages (R-PPA-03, R-CLS-10/11), the police taking it
with the report form started from what the carer said, the return, the assessment at the
call (R-FLG-03, R-HMI-03), and flags placed as the user's authority may (R-FLG-01, R-FLG-04).

The world: West Mercia Police (profile west-mercia-2014, which has unauthorised absence)
with a policing area over Worcestershire's children's services; Oak House, a children's
home in Worcestershire, with a carer; a looked-after child placed there; a call handler of
the area; the child's social worker."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from misper.care.services import assessment_save
from misper.core.models import TimelineEvent
from misper.episodes.codes import QUESTION_KEYS, SEARCHES
from misper.episodes.events import EpisodeVerb
from misper.episodes.models import CarerReport, Episode
from misper.notifications.services import arrangement_save
from misper.people.models import Flag, FlagRequest
from misper.people.services import PersonDetails, flag_raise, person_create, placement_record
from misper.web.jinja import LONDON
from tests.care.factories import assessment_values

pytestmark = pytest.mark.django_db


def carer_world(make_org, make_user):
    """The world of these tests (also the browser tests')."""
    force = make_org(
        "police_force", name="West Mercia Police", code="wmp", policy_profile="west-mercia-2014"
    )
    council = make_org("local_authority", name="Worcestershire Council", code="worcs")
    area = make_org(
        "policing_area",
        name="South Worcestershire",
        code="south-worcs",
        parent=force,
        local_authority=council,
    )
    home = make_org("childrens_home", name="Oak House", code="oak", local_authority=council)
    carer = make_user("carer", organisation=home)
    sw = make_user("social_worker", organisation=council)
    call_handler = make_user("call_handler", organisation=area)
    admin = make_user("system_administrator", organisation=force)
    child = person_create(
        actor=sw,
        details=PersonDetails(
            given_name="Mia",
            family_name="Hartley",
            date_of_birth=date(2010, 5, 17),
            home_authority=council,
        ),
    )
    placement_record(
        actor=sw,
        person_id=child.pk,
        placement_type="children_home",
        address="3 Oak Lane, Worcester",
        provider=home,
        placing_authority=council,
        host_authority=council,
        started_on=date.today() - timedelta(days=20),
    )
    return {
        "force": force,
        "council": council,
        "area": area,
        "home": home,
        "carer": carer,
        "sw": sw,
        "call_handler": call_handler,
        "admin": admin,
        "child": child,
    }


@pytest.fixture
def world(make_org, make_user):
    return carer_world(make_org, make_user)


@pytest.fixture
def as_user(client):
    """Sign ``user`` in (with an authenticator set up, as everyone must have)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    def sign_in(user):  # type: ignore[no-untyped-def]
        client.logout()
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
        client.force_login(user)
        return client

    return sign_in


def errors(response) -> str:
    """The error summary's messages, for a failing assertion."""
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', text(response), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def text(response) -> str:
    return html.unescape(response.content.decode())


def local_parts(name, instant):
    local = instant.astimezone(LONDON)
    return {
        f"{name}_day": str(local.day),
        f"{name}_month": str(local.month),
        f"{name}_year": str(local.year),
        f"{name}_time": local.strftime("%H:%M"),
    }


def carer_form(kind: str, last_seen, **over):
    """The carer's form as the page posts it: every question answered no, except where
    she is likely to be, what she was going to do and her money."""
    data = {
        "kind": kind,
        **local_parts("last_seen_at", last_seen),
        "values__photo": "yes",
        "values__photo__detail": "On file at the home",
        "values__circumstances": "Left after tea saying she was going to the shop",
        "values__wearing": "Grey hoodie, black jeans",
        "values__actions": "Rang her phone, checked the park",
        "values__likely_to_go": "yes",
        "values__likely_to_go__detail": "Her friend's house on Mill Street",
        "values__last_contact_plan": "yes",
        "values__last_contact_plan__detail": "Going to the shop and back",
        "values__money": "yes",
        "values__money__detail": "About £10",
        "mobile_checked": "yes",
        "completed_by": "Sam Reed",
        "designation": "Residential worker",
    }
    for key in (
        "with_anyone",
        "out_of_character",
        "vulnerable",
        "offence",
        "self_harm",
        "weapons",
        "previous_harm",
        "victim",
        "health",
        "medication",
        "prepared",
    ):
        data[f"values__{key}"] = "no"
    data.update(over)
    return data


def report_missing(client, world, minutes_ago: int = 90):
    last_seen = timezone.now() - timedelta(minutes=minutes_ago)
    response = client.post(
        f"/people/{world['child'].pk}/carer-report/new/", carer_form("missing", last_seen)
    )
    assert response.status_code == 302, text(response)
    return CarerReport.objects.get(person=world["child"], kind="missing")


# --- The carer's report --------------------------------------------------------------------------


def test_the_record_offers_the_carer_the_report_and_the_form_has_every_field(world, as_user):
    client = as_user(world["carer"])
    record = text(client.get(f"/people/{world['child'].pk}/"))
    assert "Report this child missing or absent" in record
    assert f"/people/{world['child'].pk}/carer-report/new/" in record

    page = text(client.get(f"/people/{world['child'].pk}/carer-report/new/"))
    assert "What are you reporting?" in page
    assert 'value="unauthorised_absence"' in page and 'value="missing"' in page
    assert "reported to the police automatically after six hours (R-CLS-10)" in page
    from misper.episodes import carer_form as per_episode

    positions = [page.index(f"{f.number} {f.label}") for f in per_episode.FIELDS]
    assert positions == sorted(positions), "the fields in form order"
    assert "Have you checked the young person's mobile number is correct?" in page
    assert 'value="Test User' in page  # completed by: the carer, to start with


def test_a_carer_records_an_unauthorised_absence_held_by_them(world, as_user):
    # The assessment allows it: never absent "no", sexual exploitation risk low (R-CLS-11).
    assessment_save(
        actor=world["sw"],
        person_id=world["child"].pk,
        values=assessment_values(likelihood="low", risk_if_missing="low"),
        completed_with="Oak House manager",
        based_on=None,
    )
    client = as_user(world["carer"])
    last_seen = timezone.now() - timedelta(minutes=40)
    response = client.post(
        f"/people/{world['child'].pk}/carer-report/new/",
        carer_form("unauthorised_absence", last_seen),
        follow=True,
    )
    assert response.status_code == 200, errors(response)
    report = CarerReport.objects.get()
    assert (report.kind, report.status) == ("unauthorised_absence", "held")
    limit = (last_seen.replace(second=0, microsecond=0) + timedelta(hours=6)).astimezone(LONDON)
    page = text(response)
    assert (
        f"Held by you: reported to the police as missing at {limit:%H:%M} if the child has "
        "not returned" in page
    )
    assert "Unauthorised absence, held by the carer" in page
    assert "E8" in page and "Her friend's house on Mill Street" in page
    # Held: not yet with the police, so not on their list.
    police = as_user(world["call_handler"])
    assert "Mia Hartley" not in text(police.get("/episodes/carer-reports/"))


def test_never_absent_refuses_the_absence_with_r_cls_11_and_offers_missing(world, as_user):
    assessment_save(
        actor=world["sw"],
        person_id=world["child"].pk,
        values=assessment_values(
            never_absent="yes", missing_category_reasons="Groomed online in the past"
        ),
        completed_with="Oak House manager",
        based_on=None,
    )
    client = as_user(world["carer"])
    url = f"/people/{world['child'].pk}/carer-report/new/"
    last_seen = timezone.now() - timedelta(minutes=40)
    data = carer_form("unauthorised_absence", last_seen)
    refused = client.post(url, data)
    assert refused.status_code == 400
    page = text(refused)
    assert "There is a problem" in page
    assert "R-CLS-11" in page
    assert "Report the child missing instead" in page
    assert "Grey hoodie, black jeans" in page  # everything typed is kept
    assert CarerReport.objects.count() == 0

    instead = client.post(url, {**data, "instead": "missing"})
    assert instead.status_code == 302
    report = CarerReport.objects.get()
    assert (report.kind, report.status) == ("missing", "with_police")

    # One open report per child: the form sends the carer to it; sent again, it is refused
    # without offering anything else.
    assert client.get(url)["Location"] == f"/episodes/carer-reports/{report.pk}/"
    again = client.post(url, {**data, "kind": "missing"})
    assert again.status_code == 400
    assert "already open" in errors(again)
    assert "Report the child missing instead" not in text(again)
    assert CarerReport.objects.count() == 1


def test_a_carer_reports_missing_and_the_police_see_it_waiting(world, as_user):
    client = as_user(world["carer"])
    last_seen = timezone.now() - timedelta(minutes=90)
    response = client.post(
        f"/people/{world['child'].pk}/carer-report/new/",
        carer_form("missing", last_seen),
        follow=True,
    )
    page = text(response)
    assert "Sent to South Worcestershire police" in page
    report = CarerReport.objects.get()
    assert report.status == "with_police" and report.area == world["area"]
    # The carer's list, and the record now points at the open report.
    assert "Mia Hartley" in text(client.get("/episodes/carer-reports/"))
    assert "open the report to record the return" in text(
        client.get(f"/people/{world['child'].pk}/")
    )

    police = as_user(world["call_handler"])
    listing = text(police.get("/episodes/carer-reports/"))
    assert "Reports from carers" in listing
    assert "Mia Hartley" in listing and "Oak House" in listing
    assert re.search(r"1 h 3\d min ago", listing)  # last seen an hour and a half ago
    assert f"/episodes/carer-reports/{report.pk}/" in listing
    assert "Reports from carers" in text(police.get("/"))  # in the navigation


def test_taking_the_report_starts_the_police_form_with_what_the_carer_said(world, as_user):
    carer = as_user(world["carer"])
    report = report_missing(carer, world)
    police = as_user(world["call_handler"])
    page = text(police.get(f"/episodes/carer-reports/{report.pk}/"))
    take = f"/people/{world['child'].pk}/report/?carer_report={report.pk}"
    assert "Take this report" in page and f'href="{take}"' in page

    form = text(police.get(take))
    made = report.reported_at.astimezone(LONDON)
    notice = re.sub(r"<[^>]+>", "", form.split('data-testid="from-carer-report">')[1][:400])
    assert f"Started from Oak House's report made at {made:%H:%M} (R-PPA-03)" in notice
    assert 'value="Sam Reed, Residential worker"' in form
    assert re.search(r'<option value="care_staff" selected', form)
    assert re.search(r'value="care"\s+checked', form)
    assert 'value="3 Oak Lane, Worcester"' in form
    assert re.search(rf'<option value="{world["home"].pk}" selected', form)
    seen = report.last_seen_at.astimezone(LONDON)
    assert f'name="last_seen_at_time" type="text" inputmode="text" value="{seen:%H:%M}"' in form
    assert (
        "Left after tea saying she was going to the shop\n"
        "Wearing: Grey hoodie, black jeans\n"
        "Actions taken: Rang her phone, checked the park"
    ) in form
    # The questions the carer answered (E8: where she is likely to go, yes); Q10 from the
    # record (looked after); one she did not answer stays blank.
    assert re.search(r'name="answers__whereabouts_known" type="radio" value="yes"\s+checked', form)
    assert "E8 Where are they likely to go? Yes. Her friend's house on Mill Street" in form
    assert re.search(
        r'name="answers__supported_by_services" type="radio" value="yes"\s+checked', form
    )
    assert not re.search(r'name="answers__contact_since" type="radio" value="\w+"\s+checked', form)
    assert f'name="carer_report_id" value="{report.pk}"' in form


def report_post(report, **over):
    data = {
        "informant_name": "Sam Reed, Residential worker",
        "reported_by": "care_staff",
        "missing_from": "care",
        "location_address": "3 Oak Lane, Worcester",
        "last_seen_place": "Oak House",
        "circumstances": "Left after tea saying she was going to the shop",
        **local_parts("last_seen_at", report.last_seen_at),
        "category": "missing",
        "risk": "medium",
        "rationale": "Carer's report: not back from the shop",
        "action": "save",
        "carer_report_id": str(report.pk),
    }
    for key, _label in SEARCHES:
        data[f"searches__{key}"] = "done"
    for key in QUESTION_KEYS:
        data[f"answers__{key}"] = "no"
        data[f"answers__{key}__detail"] = f"carer says no ({key})"
    data.update(over)
    return data


def test_the_police_take_it_and_the_carer_records_the_return(world, as_user):
    carer = as_user(world["carer"])
    report = report_missing(carer, world)
    police = as_user(world["call_handler"])
    response = police.post(f"/people/{world['child'].pk}/report/", report_post(report))
    assert response.status_code == 302, text(response)
    episode = Episode.objects.get()
    report.refresh_from_db()
    assert (report.status, report.episode_id) == ("taken", episode.pk)
    assert "Mia Hartley" not in text(police.get("/episodes/carer-reports/"))  # taken

    carer = as_user(world["carer"])
    page = text(carer.get(f"/episodes/carer-reports/{report.pk}/"))
    assert "Taken by the police" in page and "Record the return" in page
    returned = timezone.now() - timedelta(minutes=5)
    response = carer.post(
        f"/episodes/carer-reports/{report.pk}/return/",
        {**local_parts("returned_at", returned), "details": "Back from her friend's house"},
        follow=True,
    )
    assert "Return recorded: the police have been told" in text(response)
    assert "Back from her friend's house" in text(response)
    assert TimelineEvent.objects.filter(
        subject_type="episode", subject_id=str(episode.pk), verb=EpisodeVerb.CARER_RETURN
    ).exists()
    police = as_user(world["call_handler"])
    case = text(police.get(f"/episodes/{episode.pk}/"))
    assert "Carer says the child has returned" in case


def test_a_report_the_user_may_not_see_is_not_found(world, as_user, make_org, make_user):
    carer = as_user(world["carer"])
    report = report_missing(carer, world)
    elsewhere = make_user("carer", organisation=make_org("childrens_home", name="Elm House"))
    other = as_user(elsewhere)
    assert other.get(f"/episodes/carer-reports/{report.pk}/").status_code == 404
    assert other.get(f"/people/{world['child'].pk}/carer-report/new/").status_code == 404
    assert "Mia Hartley" not in text(other.get("/episodes/carer-reports/"))
    police = as_user(world["call_handler"])
    # Police may not record the carer's return; the carer's form is not theirs.
    assert police.get(f"/episodes/carer-reports/{report.pk}/return/").status_code == 404
    assert police.get(f"/people/{world['child'].pk}/carer-report/new/").status_code == 404


# --- The assessment at the call ------------------------------------------------------------------


def test_the_police_report_page_shows_the_assessment_and_refuses_absent_with_r_cls_11(
    world, as_user
):
    assessment_save(
        actor=world["sw"],
        person_id=world["child"].pk,
        values=assessment_values(
            never_absent="yes",
            missing_category_reasons="Groomed online in the past",
            cse_risk="high",
            cse_risk_reasons="Older adult contacts",
        ),
        completed_with="Oak House manager",
        based_on=None,
    )
    police = as_user(world["call_handler"])
    url = f"/people/{world['child'].pk}/report/"
    page = text(police.get(url))
    assert "Pre-placement assessment (version 1," in page
    assert "Missing, never absent: this child is reported missing, never absent (R-CLS-11)" in page
    assert "Sexual exploitation risk (field 27)" in page and "HIGH" in page
    assert "Jay — Older adult supplying alcohol" in page
    assert f"/care/children/{world['child'].pk}/assessment/" in page

    last_seen = timezone.now() - timedelta(hours=1)
    data = {
        "informant_name": "Sam Reed",
        "reported_by": "care_staff",
        "missing_from": "care",
        "location_address": "3 Oak Lane, Worcester",
        "last_seen_place": "Oak House",
        "circumstances": "Not back from the shop",
        **local_parts("last_seen_at", last_seen),
        "category": "absent",
        "rationale": "Usually back by ten",
        "action": "save",
    }
    for key, _label in SEARCHES:
        data[f"searches__{key}"] = "done"
    for key in QUESTION_KEYS:
        data[f"answers__{key}"] = "no"
        data[f"answers__{key}__detail"] = "no"
    refused = police.post(url, data)
    assert refused.status_code == 400
    assert "R-CLS-11" in text(refused)
    assert "pre-placement assessment" in text(refused).lower()
    assert Episode.objects.count() == 0


# --- Flags ---------------------------------------------------------------------------------------


def flag_post(kind: str = "cse"):
    review = date.today() + timedelta(days=90)
    return {
        "kind": kind,
        "evidence": "Seen getting into cars with older men",
        "review_on_day": str(review.day),
        "review_on_month": str(review.month),
        "review_on_year": str(review.year),
    }


def test_a_social_worker_asks_the_police_without_a_direct_arrangement(world, as_user):
    client = as_user(world["sw"])
    url = f"/people/{world['child'].pk}/flags/new/"
    form = text(client.get(url))
    assert "Your request goes to West Mercia Police's missing person coordinators" in form
    assert "Missing, never absent" in form  # the flag kinds list
    response = client.post(url, flag_post(), follow=True)
    assert response.status_code == 200
    assert (
        "Your request has gone to West Mercia Police's missing person coordinators: they "
        "will accept or decline it (R-FLG-01)" in text(response)
    )
    assert FlagRequest.objects.filter(person=world["child"]).count() == 1
    assert not Flag.objects.exists()


def test_a_social_worker_places_the_flag_under_a_direct_arrangement(world, as_user):
    arrangement_save(
        actor=world["admin"],
        from_org=world["council"],
        to_org=world["force"],
        channels=[],
        flag_placement="direct",
    )
    client = as_user(world["sw"])
    url = f"/people/{world['child'].pk}/flags/new/"
    assert "the flag is placed at once" in text(client.get(url))
    response = client.post(url, flag_post(), follow=True)
    assert "Flag placed" in text(response)
    assert Flag.objects.filter(person=world["child"], kind="cse").count() == 1
    assert not FlagRequest.objects.exists()


def test_no_arrangement_to_flag_is_refused_naming_the_field(world, as_user):
    arrangement_save(
        actor=world["admin"],
        from_org=world["council"],
        to_org=world["force"],
        channels=[],
        flag_placement="none",
    )
    client = as_user(world["sw"])
    refused = client.post(f"/people/{world['child'].pk}/flags/new/", flag_post())
    assert refused.status_code == 400
    assert "has no arrangement with West Mercia Police to flag children" in text(refused)
    assert 'href="#id_kind' in text(refused)
    assert not Flag.objects.exists() and not FlagRequest.objects.exists()


def test_a_call_handler_may_not_end_a_cse_flag(world, as_user):
    flag = flag_raise(
        actor=world["call_handler"],
        person_id=world["child"].pk,
        kind="cse",
        evidence="Intelligence: older adult contacts",
        review_on=date.today() + timedelta(days=60),
    )
    police = as_user(world["call_handler"])
    record = text(police.get(f"/people/{world['child'].pk}/"))
    assert f"/people/{world['child'].pk}/flags/{flag.pk}/end/" in record  # police: offered
    refused = police.post(
        f"/people/{world['child'].pk}/flags/{flag.pk}/end/", {"reason": "No longer a concern"}
    )
    assert refused.status_code == 400
    assert "R-FLG-04" in text(refused)
    flag.refresh_from_db()
    assert flag.active


def test_the_end_link_is_for_the_organisation_that_placed_the_flag(world, as_user):
    flag = flag_raise(
        actor=world["call_handler"],
        person_id=world["child"].pk,
        kind="self_harm",
        evidence="Cuts seen by a PCSO",
        review_on=date.today() + timedelta(days=60),
    )
    sw = as_user(world["sw"])
    assert f"/flags/{flag.pk}/end/" not in text(sw.get(f"/people/{world['child'].pk}/"))


# --- The sharing arrangement page ----------------------------------------------------------------


def test_the_arrangement_page_sets_how_childrens_services_flag(world, as_user):
    from misper.notifications.models import SharingArrangement

    admin = as_user(world["admin"])
    page = text(admin.get("/inbox/sharing/"))
    assert "How children's services flag children" in page
    response = admin.post(
        "/inbox/sharing/",
        {
            "from_org": world["council"].pk,
            "to_org": world["force"].pk,
            "flag_placement": "direct",
            "active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert SharingArrangement.objects.get().flag_placement == "direct"
    assert "Place flags directly" in text(response)
