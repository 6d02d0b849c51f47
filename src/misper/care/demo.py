"""The demo's out-of-area placement (``misper demo``): a child of Northbrook City Council
(West Midlands Police's area in real life, Birmingham) placed in an emergency yesterday into
Hawthorn House, a Vale children's home with a real Worcester postcode, in Vale and Harbour
Police's area. The postcode tells Misper the host authority and the host force; the
placement tells them both (R-OOA-01), and its pre-placement assessment is due 72 hours
after it began (R-PPA-01) and not yet done, so the journey of completing it can be tried
as Northbrook's social worker.

Built through the services, after the other demo children (``build_children_and_episodes``
builds nothing once any child exists). Idempotent: the child is made once."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.people.demo_dates import born
from misper.people.models import Person
from misper.people.services import (
    PersonDetails,
    PlacementReturnDetails,
    allocation_set,
    person_create,
    placement_record,
)

PLACING = "northbrook-cc"
HOME = "hawthorn-house"
HOST_ONS = "E10000034"  # Vale County Council stands in for Worcestershire
CHILD = PersonDetails(
    given_name="Mia",
    family_name="Robinson",
    date_of_birth=born(date(2011, 8, 19)),
    sex="female",
    ethnicity="WBRI",
    home_address="14 Alder Grove, Northbrook",
    home_postcode="B1 1TT",
    upn="F330200101066",  # fictional, for the DfE's return (R-DAT-04)
    is_mother=False,
)
# What Northbrook records with the placement for the DfE's return (misper/insights/ssda903.py):
# accommodated under section 20 in an emergency, in another authority's children's home.
RETURN_DETAILS = PlacementReturnDetails(
    legal_status="V2",
    category_of_need="N4",
    provided_by="PR2",
    ofsted_urn="SC734455",
    home_postcode="B1 1TT",
)
ADDRESS = "Hawthorn House, 21 Hawthorn Road, Worcester"
POSTCODE = "WR1 2HQ"


@transaction.atomic
def build_out_of_area() -> int:
    """Make the out-of-area child once; returns how many children were made (0 or 1)."""
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=[PLACING, HOME])}
    users = {
        u.email: u
        for u in User.objects.filter(
            email__in=[
                "socialworker@northbrook-cc.demo",
                "teammanager@northbrook-cc.demo",
                "iro@northbrook-cc.demo",
            ]
        )
    }
    host_set_up = Organisation.objects.filter(
        kind=OrganisationKind.LOCAL_AUTHORITY, ons_code=HOST_ONS
    ).exists()
    if len(orgs) < 2 or len(users) < 3 or not host_set_up:
        return 0  # a demo database from before the second force: nothing to place
    placing = orgs[PLACING]
    if Person.objects.filter(
        home_authority=placing, given_name=CHILD.given_name, family_name=CHILD.family_name
    ).exists():
        return 0
    sw = users["socialworker@northbrook-cc.demo"]
    manager = users["teammanager@northbrook-cc.demo"]
    iro = users["iro@northbrook-cc.demo"]
    person = person_create(actor=sw, details=CHILD)
    # The postcode gives the host authority (Vale) and force (Vale and Harbour Police).
    placement_record(
        actor=sw,
        person_id=person.pk,
        placement_type="children_home",
        address=ADDRESS,
        postcode=POSTCODE,
        provider=orgs[HOME],
        placing_authority=placing,
        started_on=timezone.localdate() - timedelta(days=1),
        emergency=True,
        dfe=RETURN_DETAILS,
    )
    allocation_set(actor=manager, person_id=person.pk, role=Role.SOCIAL_WORKER, user_id=sw.pk)
    allocation_set(actor=manager, person_id=person.pk, role=Role.IRO, user_id=iro.pk)
    return 1
