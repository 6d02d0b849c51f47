"""The child's record shows who is responsible for return interviews for a child placed
out of area (R-RHI-12, R-OOA-04), and the placement's host force from its postcode."""

from __future__ import annotations

from django.urls import reverse

from misper.returns.models import Arrangement, OutOfArea
from tests.care.region import place


def _record(client, child) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("people:detail", args=[child.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_out_of_area_child_s_record_names_who_holds_return_interviews(border, mfa_client):
    place(border)
    page = _record(mfa_client(border["bham_sw"]), border["child"])
    assert "Responsible for return interviews" in page
    assert 'Birmingham<br><span class="govuk-hint">The placing authority (R-RHI-12)' in page
    assert "West Mercia" in page  # the host force, from the postcode


def test_the_host_authority_holds_them_where_the_placing_authority_s_arrangement_says(
    border, mfa_client
):
    Arrangement.objects.create(authority=border["bham"], out_of_area=OutOfArea.HOST)
    place(border)
    page = _record(mfa_client(border["worcs_sw"]), border["child"])
    assert (
        'Worcestershire<br><span class="govuk-hint">The host authority (the child is placed '
        "out of area) (R-RHI-12)" in page
    )
