"""The child's record pages through the test client: who may open what (anonymous, a user
who may not see the child, a user without the role for an action, the right user); every
form's errors name the field and save nothing; edits based on an old version are refused
without losing what was typed; search finds aliases and sound-alike spellings and shows
active flags first; no personal data ever appears in a web address."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from misper.core.models import AuditEvent, TimelineEvent
from misper.people.models import Alias, Associate, Flag, Person, Place, Placement
from misper.people.services import (
    PersonDetails,
    alias_add,
    flag_raise,
    person_update,
    placement_record,
)

pytestmark = pytest.mark.django_db

FUTURE = timezone.localdate() + timedelta(days=30)


def signed_in(user) -> Client:
    """A separate browser: a fresh client signed in with an authenticator app."""
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def events(person, verb=None):
    qs = TimelineEvent.objects.filter(subject_type="person", subject_id=str(person.pk))
    return qs.filter(verb=verb) if verb else qs


def reads(person):
    return AuditEvent.objects.filter(subject_type="person", subject_id=str(person.pk))


def snapshot(person):
    """Everything a refused request must leave untouched."""
    person.refresh_from_db()
    return (
        person.version,
        Alias.objects.count(),
        Flag.objects.filter(ended_at__isnull=True).count(),
        Placement.objects.count(),
        Associate.objects.count(),
        Place.objects.count(),
        events(person).count(),
    )


def date_fields(prefix: str, day: date) -> dict[str, str]:
    return {
        f"{prefix}_day": str(day.day),
        f"{prefix}_month": str(day.month),
        f"{prefix}_year": str(day.year),
    }


def place_in_home(region, child):
    return placement_record(
        actor=region["vale_sw"],
        person_id=child.pk,
        placement_type="children_home",
        address="1 Birch Lane",
        provider=region["home"],
        placing_authority=region["vale"],
        host_authority=region["harbour"],
        started_on=date(2025, 1, 1),
    )


def details(**change):
    data = {
        "given_name": "Jayden",
        "family_name": "Oakes",
        **date_fields("date_of_birth", date(2011, 4, 2)),
        "estimated_age": "",
        "sex": "male",
        "ethnicity": "WBRI",
        "phone": "07700 900123",
        "la_child_id": "",
        "police_person_id": "",
        "home_address": "",
        "home_postcode": "",
        "home_authority": "",
        "care_status": "at_home",
        "legal_status": "",
    }
    data.update(change)
    return data


# --- Access --------------------------------------------------------------------------------

RECORD_PAGES = [
    "people:detail",
    "people:edit",
    "people:alias_add",
    "people:flag_raise",
    "people:placement_add",
    "people:associate_add",
    "people:place_add",
]


def test_anonymous_is_sent_to_sign_in_and_nothing_changes(client, child):
    before = snapshot(child)
    urls = [reverse("people:search"), reverse("people:create"), reverse("people:my_children")]
    urls += [reverse(name, args=[child.pk]) for name in RECORD_PAGES]
    for url in urls:
        for method in (client.get, client.post):
            response = method(url, {"name": "x", "given_name": "x", "family_name": "y"})
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("account_login")), url
    assert snapshot(child) == before
    assert not reads(child).exists()


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_a_user_who_may_not_see_the_child_gets_page_not_found(region, child, mfa_client, name):
    client = mfa_client(region["harbour_sw"])
    before = snapshot(child)
    url = reverse(name, args=[child.pk])
    responses = [client.get(url)]
    if name != "people:detail":  # the record itself is GET only
        responses.append(client.post(url, {"name": "Jay", "description": "x"}))
    for response in responses:
        assert response.status_code == 404
        body = response.content.decode()
        assert "Page not found" in body and "Jayden" not in body and "Oakes" not in body
    assert snapshot(child) == before
    assert not reads(child).exists()


@pytest.mark.parametrize(
    "who,name",
    [
        ("carer", "people:edit"),
        ("carer", "people:alias_add"),
        ("carer", "people:flag_raise"),
        ("carer", "people:associate_add"),
        ("carer", "people:place_add"),
        ("carer", "people:placement_add"),
        ("officer", "people:placement_add"),
    ],
)
def test_a_user_without_the_permission_gets_page_not_found_for_the_form(
    region, child, mfa_client, who, name
):
    place_in_home(region, child)  # the carer may see the child, but not change the record
    before = snapshot(child)
    client = mfa_client(region[who])
    url = reverse(name, args=[child.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Jay", "description": "x"}).status_code == 404
    assert snapshot(child) == before
    assert not reads(child).filter(user=region[who]).exists()


def test_end_flag_needs_the_flag_permission(region, child, mfa_client):
    place_in_home(region, child)
    flag = flag_raise(
        actor=region["officer"], person_id=child.pk, kind="cse", evidence="e", review_on=FUTURE
    )
    url = reverse("people:flag_end", args=[child.pk, flag.pk])
    before = events(child).count()
    carer = mfa_client(region["carer"])  # sees the child, may not end flags
    assert carer.get(url).status_code == 404
    assert carer.post(url, {"reason": "gone"}).status_code == 404
    stranger = signed_in(region["other_carer"])  # may not see the child at all
    assert stranger.post(url, {"reason": "gone"}).status_code == 404
    flag.refresh_from_db()
    assert flag.active and events(child).count() == before


# --- The record ----------------------------------------------------------------------------


def test_record_page_is_audited_and_shows_the_whole_record(region, child, mfa_client):
    place_in_home(region, child)
    alias_add(actor=region["officer"], person_id=child.pk, name="JJ", kind="nickname")
    flag_raise(
        actor=region["officer"],
        person_id=child.pk,
        kind="criminal_exploitation",
        evidence="Seen with known dealers",
        review_on=FUTURE,
    )
    client = mfa_client(region["vale_sw"])
    response = client.get(reverse("people:detail", args=[child.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "White British" in body and ">WBRI<" not in body
    assert "JJ (Nickname or street name)" in body
    assert "Birch Lodge" in body and "Out of area" in body
    assert "Criminal exploitation / county lines" in body and "Seen with known dealers" in body
    # The active flags come before the details.
    assert body.index('data-testid="active-flags"') < body.index("Given name")
    # The history, newest first, with who, role and organisation.
    timeline = body[body.index('data-testid="timeline"') :]
    assert timeline.index("Flag raised") < timeline.index("Record created")
    assert region["officer"].full_name in timeline and "Investigating officer" in timeline
    # The social worker's services opened the record too (recording the placement), each
    # with its own purpose; the page's read is one row.
    audit = reads(child).get(user=region["vale_sw"], purpose="view record")
    assert audit.action == "read"


@pytest.mark.parametrize(
    "who,shown,hidden",
    [
        ("officer", ["Edit details", "Raise a flag"], ["Record a placement"]),
        ("vale_sw", ["Edit details", "Raise a flag", "Record a placement"], []),
        ("carer", [], ["Edit details", "Raise a flag", "Record a placement", "Add an alias"]),
    ],
)
def test_actions_follow_the_users_permissions(region, child, mfa_client, who, shown, hidden):
    place_in_home(region, child)
    body = mfa_client(region[who]).get(reverse("people:detail", args=[child.pk])).content.decode()
    for text in shown:
        assert text in body
    for text in hidden:
        assert text not in body


def test_my_children_lists_only_the_carers_children(region, child, mfa_client):
    place_in_home(region, child)
    body = mfa_client(region["carer"]).get(reverse("people:my_children")).content.decode()
    assert "Jayden Oakes" in body and reverse("people:detail", args=[child.pk]) in body
    other = signed_in(region["other_carer"]).get(reverse("people:my_children"))
    assert other.status_code == 200 and "Jayden" not in other.content.decode()
    police = signed_in(region["call_handler"]).get(reverse("people:my_children"))
    assert police.status_code == 404


# --- Search and create ---------------------------------------------------------------------


def test_search_form_is_posted_and_finds_alias_and_sound_alike(region, child, mfa_client):
    alias_add(actor=region["officer"], person_id=child.pk, name="Jay Oakley", kind="aka")
    flag_raise(
        actor=region["officer"], person_id=child.pk, kind="cse", evidence="e", review_on=FUTURE
    )
    client = mfa_client(region["call_handler"])
    page = client.get(reverse("people:search")).content.decode()
    form = re.search(r'<form[^>]*data-testid="search-form"[^>]*>', page).group(0)
    assert 'method="post"' in form
    before = AuditEvent.objects.filter(subject_type="person_search").count()
    for query in ("Jay Oakley", "Jaiden Okes"):
        response = client.post(reverse("people:search"), {"name": query})
        body = response.content.decode()
        assert response.status_code == 200
        assert reverse("people:detail", args=[child.pk]) in body, query
        results = body[body.index('data-testid="results"') :]
        assert "Child sexual exploitation" in results
        # The flags column is the first thing in the row.
        assert results.index("Child sexual exploitation") < results.index("Jayden Oakes")
    assert (
        "alias &#39;Jay Oakley&#39;"
        in client.post(reverse("people:search"), {"name": "Jay Oakley"}).content.decode()
    )
    assert AuditEvent.objects.filter(subject_type="person_search").count() == before + 3


def test_search_by_phone_and_by_date_of_birth(region, child, mfa_client):
    client = mfa_client(region["call_handler"])
    body = client.post(reverse("people:search"), {"phone": "07700900123"}).content.decode()
    assert "Jayden Oakes" in body and "phone" in body
    body = client.post(
        reverse("people:search"), date_fields("date_of_birth", date(2011, 4, 2))
    ).content.decode()
    assert "Jayden Oakes" in body and "date of birth" in body


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({}, "name", "Enter a name, date of birth, age, phone number or postcode"),
        ({"age": "old"}, "age", "Age must be a whole number"),
        (
            {"date_of_birth_day": "31", "date_of_birth_month": "2", "date_of_birth_year": "2012"},
            "date_of_birth",
            "Date of birth must be a real date",
        ),
        (
            {"date_of_birth_day": "3", "date_of_birth_year": "2012"},
            "date_of_birth",
            "Date of birth must include a month",
        ),
    ],
)
def test_search_errors_name_the_field(region, child, mfa_client, data, field, message):
    before = AuditEvent.objects.count()
    response = mfa_client(region["call_handler"]).post(reverse("people:search"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in body and f'href="#id_{field}"' in body and message in body
    assert 'data-testid="results"' not in body
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("who", ["carer", "rhi", "admin"])
def test_search_and_create_are_not_found_for_other_roles(region, mfa_client, who):
    client = mfa_client(region[who])
    assert client.get(reverse("people:search")).status_code == 404
    assert client.post(reverse("people:search"), {"name": "Jay"}).status_code == 404
    assert client.post(reverse("people:create"), details()).status_code == 404
    assert Person.objects.count() == 0


def test_no_match_carries_what_was_typed_into_create_by_post(region, mfa_client):
    client = mfa_client(region["call_handler"])
    body = client.post(
        reverse("people:search"),
        {
            "name": "Tia Marsh",
            "phone": "07700 900999",
            **date_fields("date_of_birth", date(2012, 6, 9)),
        },
    ).content.decode()
    assert "No match" in body
    form = body[body.index('data-testid="create-from-search"') - 200 :]
    assert 'method="post" action="/people/new/"' in form
    assert 'name="family_name" value="Marsh"' in form and 'value="2012-06-09"' in form
    response = client.post(
        reverse("people:create"),
        {
            "from_search": "1",
            "given_name": "Tia",
            "family_name": "Marsh",
            "date_of_birth": "2012-06-09",
            "phone": "07700 900999",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" not in page
    assert 'value="Tia"' in page and 'value="Marsh"' in page and 'value="07700 900999"' in page
    assert 'name="date_of_birth_day" type="text" value="9"' in page
    assert Person.objects.count() == 0


def test_create_saves_records_an_event_and_shows_a_banner(region, mfa_client):
    client = mfa_client(region["call_handler"])
    response = client.post(
        reverse("people:create"),
        details(given_name="Amy", family_name="Reed", home_authority=str(region["vale"].pk)),
        follow=True,
    )
    person = Person.objects.get(family_name="Reed")
    assert response.redirect_chain[-1][0] == reverse("people:detail", args=[person.pk])
    body = response.content.decode()
    assert "Record created for Amy Reed" in body and "govuk-notification-banner--success" in body
    assert person.home_authority == region["vale"] and person.ethnicity == "WBRI"
    assert events(person, "person_created").count() == 1


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"given_name": ""}, "given_name", "Enter the given name"),
        ({"family_name": "x" * 101}, "family_name", "Family name must be 100 characters or fewer"),
        (
            {"date_of_birth_day": "", "date_of_birth_month": "", "date_of_birth_year": ""},
            "date_of_birth",
            "Enter the date of birth, or an estimated age",
        ),
        ({"date_of_birth_month": "13"}, "date_of_birth", "Date of birth must be a real date"),
        (
            {"date_of_birth_year": str(timezone.localdate().year + 1)},
            "date_of_birth",
            "Date of birth must be today or in the past",
        ),
        ({"estimated_age": "forty"}, "estimated_age", "Estimated age must be a whole number"),
        ({"care_status": "looked_after"}, "legal_status", "Choose the legal status"),
        ({"ethnicity": "XXXX"}, "ethnicity", "Choose a ethnicity from the list"),
        ({"home_authority": "999999"}, "home_authority", "Choose a home local authority"),
    ],
)
def test_create_errors_name_the_field_and_save_nothing(region, mfa_client, change, field, message):
    response = mfa_client(region["call_handler"]).post(reverse("people:create"), details(**change))
    body = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in body and f'href="#id_{field}"' in body
    assert message in body
    assert 'id="id_' + field + '"' in body  # the link lands on the field
    assert Person.objects.count() == 0
    assert not TimelineEvent.objects.filter(subject_type="person").exists()


# --- Editing -------------------------------------------------------------------------------


def test_edit_saves_the_change_and_records_from_and_to(region, child, mfa_client):
    client = mfa_client(region["officer"])
    page = client.get(reverse("people:edit", args=[child.pk])).content.decode()
    assert f'name="version" value="{child.version}"' in page
    assert 'name="given_name" type="text" value="Jayden"' in page
    response = client.post(
        reverse("people:edit", args=[child.pk]),
        details(
            phone="07700 900456",
            home_authority=str(region["vale"].pk),
            version=str(child.version),
        ),
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.phone == "07700 900456" and child.version == 2
    event = events(child, "person_updated").get()
    assert event.changes["phone"] == {"from": "07700 900123", "to": "07700 900456"}
    assert reads(child).filter(user=region["officer"], purpose="edit details").exists()


def test_edit_errors_name_the_field_and_save_nothing(region, child, mfa_client):
    before = snapshot(child)
    response = mfa_client(region["officer"]).post(
        reverse("people:edit", args=[child.pk]),
        details(given_name="", phone="07700 900456", version=str(child.version)),
    )
    body = response.content.decode()
    assert response.status_code == 400 and 'href="#id_given_name"' in body
    assert 'value="07700 900456"' in body
    assert snapshot(child) == before


def test_concurrent_edit_is_refused_and_keeps_what_was_typed(region, child, mfa_client):
    first = mfa_client(region["officer"])
    second = signed_in(region["vale_sw"])
    url = reverse("people:edit", args=[child.pk])
    assert f'name="version" value="{child.version}"' in first.get(url).content.decode()
    assert f'name="version" value="{child.version}"' in second.get(url).content.decode()
    vale = str(region["vale"].pk)
    saved = first.post(
        url, details(phone="07700 900111", home_authority=vale, version=str(child.version))
    )
    assert saved.status_code == 302
    response = second.post(
        url,
        details(
            home_authority=vale,
            phone="07700 900222",
            home_address="12 Quay Street",
            police_person_id="P-77",
            version=str(child.version),
        ),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in body and "Someone else changed this record" in body
    # Nothing the second user typed is lost...
    assert 'value="07700 900222"' in body and 'value="12 Quay Street"' in body
    assert 'value="P-77"' in body
    # ...and they see what the record says now.
    changed = body[body.index('data-testid="changed-since"') :]
    assert "07700 900111" in changed
    child.refresh_from_db()
    assert child.phone == "07700 900111" and child.home_address == "" and child.version == 2
    assert events(child, "person_updated").count() == 1


# --- Adding to the record ------------------------------------------------------------------

FORMS = {
    "alias": (
        "people:alias_add",
        "officer",
        {"name": "Jay Oakley", "kind": "aka"},
        "alias_added",
        lambda: Alias.objects.count(),
        [({"name": ""}, "name", "Enter the alias"), ({"name": "J", "kind": "x"}, "kind", "")],
    ),
    "flag": (
        "people:flag_raise",
        "officer",
        {"kind": "cse", "evidence": "Older boyfriend", **date_fields("review_on", FUTURE)},
        "flag_raised",
        lambda: Flag.objects.count(),
        [
            ({"evidence": "x", **date_fields("review_on", FUTURE)}, "kind", "Choose the flag"),
            (
                {"kind": "cse", "evidence": "", **date_fields("review_on", FUTURE)},
                "evidence",
                "Enter the evidence",
            ),
            ({"kind": "cse", "evidence": "x"}, "review_on", "Enter the review date"),
            (
                {"kind": "cse", "evidence": "x", **date_fields("review_on", date(2020, 1, 1))},
                "review_on",
                "Review date must be in the future",
            ),
        ],
    ),
    "placement": (
        "people:placement_add",
        "vale_sw",
        {
            "placement_type": "children_home",
            "address": "1 Birch Lane",
            # A real postcode outside the districts Misper's table covers: the host
            # authority named on the form stands (agencies/geography.py).
            "postcode": "sw1a 1aa",
            "placing_authority": "vale",
            "host_authority": "harbour",
            "provider": "home",
            **date_fields("started_on", date(2025, 3, 1)),
            "emergency": "on",
        },
        "placement_recorded",
        lambda: Placement.objects.count(),
        [
            (
                {"placement_type": "children_home", "address": "x", "host_authority": "vale"},
                "placing_authority",
                "Choose the placing authority",
            ),
            (
                {
                    "placement_type": "children_home",
                    "placing_authority": "vale",
                    "host_authority": "vale",
                    **date_fields("started_on", date(2025, 3, 1)),
                },
                "address",
                "Enter the address",
            ),
            (
                {
                    "placement_type": "children_home",
                    "address": "x",
                    "placing_authority": "vale",
                    "host_authority": "vale",
                    "started_on_day": "1",
                },
                "started_on",
                "Start date must include a month and year",
            ),
        ],
    ),
    "associate": (
        "people:associate_add",
        "officer",
        {"name": "Dean", "relationship": "Older friend", "is_adult": "yes", "notes": "Car"},
        "associate_added",
        lambda: Associate.objects.count(),
        [
            ({"name": ""}, "name", "Enter the name"),
            (
                {"name": "Dean", **date_fields("last_seen_on", FUTURE)},
                "last_seen_on",
                "Last seen on must be today or in the past",
            ),
        ],
    ),
    "place": (
        "people:place_add",
        "officer",
        {"description": "Skate park", "postcode": "ab1 2cd"},
        "place_added",
        lambda: Place.objects.count(),
        [({"description": ""}, "description", "Enter the place")],
    ),
}


def _resolve(region, data):
    out = {}
    for key, value in data.items():
        if key in ("placing_authority", "host_authority", "provider") and value in region:
            value = str(region[value].pk)
        out[key] = value
    return out


@pytest.mark.parametrize("which", FORMS)
def test_each_form_saves_and_records_a_timeline_event(region, child, mfa_client, which):
    name, who, data, verb, count, _ = FORMS[which]
    client = mfa_client(region[who])
    url = reverse(name, args=[child.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _resolve(region, data), follow=True)
    assert response.redirect_chain[0][0] == reverse("people:detail", args=[child.pk])
    assert "govuk-notification-banner--success" in response.content.decode()
    assert count() == 1
    assert events(child, verb).count() == 1
    child.refresh_from_db()
    assert child.version == 2


@pytest.mark.parametrize(
    "which,case", [(w, i) for w, spec in FORMS.items() for i in range(len(spec[5]))]
)
def test_each_form_error_names_the_field_and_saves_nothing(region, child, mfa_client, which, case):
    name, who, _, _, _, cases = FORMS[which]
    data, field, message = cases[case]
    before = snapshot(child)
    response = mfa_client(region[who]).post(reverse(name, args=[child.pk]), _resolve(region, data))
    body = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in body and f'href="#id_{field}"' in body
    assert message in body
    assert snapshot(child) == before


def test_placement_form_lists_only_authorities_and_care_providers(region, child, mfa_client):
    body = (
        mfa_client(region["vale_sw"])
        .get(reverse("people:placement_add", args=[child.pk]))
        .content.decode()
    )
    provider = body[
        body.index('name="provider"') : body.index("</select>", body.index('name="provider"'))
    ]
    assert "Birch Lodge" in provider and "Vale" not in provider and "Force" not in provider
    placing = body[body.index('name="placing_authority"') :]
    placing = placing[: placing.index("</select>")]
    assert "Vale" in placing and "Harbour" in placing and "Birch Lodge" not in placing


def test_ending_a_flag_from_the_record(region, child, mfa_client):
    flag = flag_raise(
        actor=region["officer"], person_id=child.pk, kind="cse", evidence="e", review_on=FUTURE
    )
    url = reverse("people:flag_end", args=[child.pk, flag.pk])
    # The End form is offered to the organisation that placed the flag, and to police
    # (R-FLG-01): not to a social worker for a flag the police placed.
    record = mfa_client(region["vale_sw"]).get(reverse("people:detail", args=[child.pk]))
    assert f'action="{url}"' not in record.content.decode()
    client = mfa_client(region["officer"])
    record = client.get(reverse("people:detail", args=[child.pk])).content.decode()
    assert f'action="{url}"' in record
    response = client.post(url, {"reason": ""})
    body = response.content.decode()
    assert response.status_code == 400 and 'href="#id_reason"' in body
    assert "Enter the reason for ending the flag" in body
    flag.refresh_from_db()
    assert flag.active and not events(child, "flag_ended").exists()
    response = client.post(url, {"reason": "Risk reduced after review"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert not flag.active and flag.ended_reason == "Risk reduced after review"
    assert events(child, "flag_ended").get().rationale == "Risk reduced after review"
    assert client.post(url, {"reason": "again"}).status_code == 404


# --- No personal data in addresses ---------------------------------------------------------

URL_ATTR = re.compile(r'(?:href|action)="([^"]*)"')


def test_no_personal_data_in_any_address_the_pages_generate(region, child, mfa_client):
    place_in_home(region, child)
    alias_add(actor=region["officer"], person_id=child.pk, name="Jay Oakley", kind="aka")
    flag_raise(
        actor=region["officer"], person_id=child.pk, kind="cse", evidence="e", review_on=FUTURE
    )
    person_update(
        actor=region["vale_sw"],
        person_id=child.pk,
        version=Person.objects.get(pk=child.pk).version,
        details=PersonDetails(
            given_name="Jayden",
            family_name="Oakes",
            date_of_birth=date(2011, 4, 2),
            phone="07700 900123",
            home_authority=region["vale"],
            care_status="looked_after",
            legal_status="care_order",
        ),
    )
    client = mfa_client(region["vale_sw"])
    pages = [client.get(reverse(n, args=[child.pk])) for n in RECORD_PAGES]
    pages += [
        client.get(reverse("people:my_children")),
        client.post(reverse("people:search"), {"name": "Jayden Oakes", "phone": "07700900123"}),
        client.post(reverse("people:search"), {"name": "Nobody Known"}),
    ]
    secrets = ["jayden", "oakes", "oakley", "07700", "900123", "2011", "nobody"]
    for response in pages:
        assert response.status_code == 200
        for address in URL_ATTR.findall(response.content.decode()):
            assert not any(s in address.lower() for s in secrets), address
        assert re.search(r'<form[^>]*method="get"', response.content.decode()) is None


# --- Every input bounded (issue 8, finding 6) ---------------------------------------------------


@pytest.mark.parametrize(
    "name,who,data,field,message",
    [
        (
            "people:flag_raise",
            "officer",
            {
                "kind": "cse",
                "evidence": "Older boyfriend",
                **date_fields("review_on", date(9999, 12, 31)),
            },
            "review_on",
            "Review date must be within the next 12 months",
        ),
        (
            "people:placement_add",
            "vale_sw",
            {
                "placement_type": "children_home",
                "address": "1 Birch Lane",
                "placing_authority": "vale",
                "host_authority": "vale",
                "started_on_day": "1",
                "started_on_month": "1",
                "started_on_year": "0999",
            },
            "started_on",
            "Started on must be within the last 25 years",
        ),
        (
            "people:placement_add",
            "vale_sw",
            {
                "placement_type": "children_home",
                "address": "1 Birch Lane",
                "placing_authority": "vale",
                "host_authority": "vale",
                **date_fields("started_on", date(2011, 4, 1)),
            },
            "started_on",
            "A placement cannot start before the child&#39;s date of birth",
        ),
        (
            "people:associate_add",
            "officer",
            {"name": "Dean", **date_fields("last_seen_on", date(9999, 1, 1))},
            "last_seen_on",
            "Last seen on must be today or in the past",
        ),
    ],
)
def test_a_far_off_year_on_a_record_page_is_shown_on_the_field(
    region, child, mfa_client, name, who, data, field, message
):
    """Finding 6: years 0001 and 9999 were accepted for placements and flag reviews."""
    before = snapshot(child)
    response = mfa_client(region[who]).post(reverse(name, args=[child.pk]), _resolve(region, data))
    body = response.content.decode()
    assert response.status_code == 400, body
    assert f'href="#id_{field}"' in body and message in body
    assert snapshot(child) == before


def test_the_edit_page_refuses_a_date_of_birth_more_than_25_years_ago(region, child, mfa_client):
    """Finding 6: the limit was 30 years."""
    client = mfa_client(region["officer"])
    url = reverse("people:edit", args=[child.pk])
    response = client.post(
        url,
        {
            "version": child.version,
            "given_name": "Jayden",
            "family_name": "Oakes",
            **date_fields("date_of_birth", date(1990, 1, 1)),
            "sex": "male",
            "ethnicity": "WBRI",
            "home_authority": region["vale"].pk,
            "care_status": "at_home",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400, body
    assert 'href="#id_date_of_birth"' in body
    assert "Date of birth must be within the last 25 years" in body
