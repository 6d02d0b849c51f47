"""The shell's pages: who may see what, the error pages, the security headers, and the
API token page's show-once secret."""

from __future__ import annotations

import pytest
from django.urls import reverse

from misper.agencies.models import ApiToken
from misper.core.models import TimelineEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def police(make_org):
    force = make_org("police_force", name="Test Force", code="force")
    area = make_org("policing_area", name="North Area", code="north", parent=force)
    return force, area


def test_anonymous_is_sent_to_sign_in(client):
    for path in ["/", "/account/", "/account/api-tokens/", "/organisation/", "/admin/audit/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("account_login")), path


def test_home_shows_name_organisation_and_role(mfa_client, make_user, police):
    _, area = police
    user = make_user("inspector", organisation=area)
    body = mfa_client(user).get("/").content.decode()
    assert user.full_name in body and "North Area" in body and "Inspector" in body


def test_other_organisation_is_not_found_and_nothing_leaks(mfa_client, make_user, make_org):
    mine, theirs = make_org(name="Mine"), make_org(name="Theirs Council")
    user = make_user("social_worker", organisation=mine)
    stranger = make_user("social_worker", organisation=theirs)
    client = mfa_client(user)
    response = client.get(reverse("web:organisation_detail", args=[theirs.pk]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body and "Theirs Council" not in body
    assert stranger.full_name not in body
    assert client.get(reverse("web:organisation_detail", args=[mine.pk])).status_code == 200


def test_force_staff_see_their_areas(mfa_client, make_user, police):
    force, area = police
    user = make_user("call_handler", organisation=force)
    assert (
        mfa_client(user).get(reverse("web:organisation_detail", args=[area.pk])).status_code == 200
    )


@pytest.mark.parametrize("path", ["/admin/audit/", "/admin/users/"])
def test_admin_pages_are_only_for_system_administrators(mfa_client, make_user, path):
    assert mfa_client(make_user("inspector")).get(path).status_code == 404


def test_admin_sees_the_last_check_of_the_chain_without_the_page_walking_it(client, make_user):
    """The worker checks the chain on a schedule (core/tasks.py); the page shows its last
    result and never walks the chain itself (issue 9)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    import misper.core.tasks as core_tasks
    from misper.core.models import AuditCheck

    admin = make_user("system_administrator")
    TOTP.activate(admin, generate_totp_secret())
    client.force_login(admin)
    body = client.get("/admin/audit/").content.decode()
    assert "has not been checked yet" in body
    assert core_tasks.audit_verify_sweep() == 1  # due: none yet
    assert core_tasks.audit_verify_sweep() == 0  # not due again for hours
    check = AuditCheck.objects.get()
    assert check.ok and check.by == "worker"
    body = client.get("/admin/audit/").content.decode()
    assert "The hash chain was intact when last checked" in body


def test_api_token_secret_is_shown_once(mfa_client, make_user):
    user = make_user()
    client = mfa_client(user)
    response = client.post(reverse("web:api_tokens"), {"name": "my script", "days": "90"})
    body = response.content.decode()
    token = ApiToken.objects.get(user=user)
    assert "msp_" + token.prefix + "_" in body
    again = client.get(reverse("web:api_tokens")).content.decode()
    assert "my script" in again and "Token created" not in again
    assert ("msp_" + token.prefix + "_") not in again


def test_api_token_form_error_names_the_field_and_saves_nothing(mfa_client, make_user):
    user = make_user()
    response = mfa_client(user).post(reverse("web:api_tokens"), {"name": "", "days": "90"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in body and 'href="#id_name"' in body
    assert "Enter a name for the token" in body
    assert not ApiToken.objects.filter(user=user).exists()


def test_revoking_someone_elses_token_is_not_found(mfa_client, make_user):
    from misper.agencies.services import api_token_create

    owner = make_user()
    created = api_token_create(actor=owner, name="theirs")
    response = mfa_client(make_user()).post(
        reverse("web:api_token_revoke", args=[created.token.pk])
    )
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=created.token.pk).revoked_at is None
    assert not TimelineEvent.objects.filter(verb="api_token_revoked").exists()


def test_pages_carry_security_headers(mfa_client, make_user):
    response = mfa_client(make_user()).get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"


def test_404_page_is_the_govuk_page(mfa_client, make_user):
    response = mfa_client(make_user()).get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content and b"govuk-template" in response.content


def test_500_page_renders(rf, make_user):
    from misper.web.views import error_500

    request = rf.get("/")
    request.user = make_user()
    response = error_500(request)
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_demo_banner_is_shown_only_in_demo_mode(mfa_client, make_user, settings):
    client = mfa_client(make_user())
    assert b"Demo mode" not in client.get("/").content


def test_police_see_the_policy_profiles_with_local_choices_marked(mfa_client, make_user, police):
    force, _ = police
    client = mfa_client(make_user("inspector", organisation=force))
    listing = client.get(reverse("web:policy_profiles")).content.decode()
    for pid in ["west-midlands-2015", "west-midlands-2018", "west-mercia-2014"]:
        assert reverse("web:policy_profile", args=[pid]) in listing
    page = client.get(reverse("web:policy_profile", args=["west-mercia-2014"])).content.decode()
    assert "absent_time_limit_hours" in page
    assert "Local choice" in page
    assert client.get(reverse("web:policy_profile", args=["no-such"])).status_code == 404


@pytest.mark.parametrize("role", ["carer", "social_worker", "return_interview_worker"])
def test_policy_pages_are_not_for_everyone(mfa_client, make_user, role):
    client = mfa_client(make_user(role))
    assert client.get(reverse("web:policy_profiles")).status_code == 404
