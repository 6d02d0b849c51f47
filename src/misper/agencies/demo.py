"""The demo region's agencies and people who use Misper: fictional, deterministic.

Two police forces, one on each side of the regional border and each on its own policy
profile, so that a child placed across it can be followed from `make run`: Vale and Harbour
Police (West Mercia's 2014 protocol) with three local policing areas, and Northbrook Police
(West Midlands' 2018 policy) with one. Four local authorities (Westshire is a neighbouring
authority that places children into the region; Northbrook City Council places a child in
an emergency into a Vale children's home, in the other force's area); two return-interview
providers; five children's homes, a fostering agency with three foster households and a
semi-independent provider; a school, a health trust, a charity and the safeguarding
partnership; and at least one person for every role.

The names are fictional, but the forces and authorities stand in for real areas so that
real postcodes resolve to them (``Organisation.ons_code``, agencies/geography.py): Vale and
Harbour Police for West Mercia's police force area (E23000016), Vale County Council for
Worcestershire (E10000034: WR, B60, B97, DY10... postcodes), Harbour City Council for
Herefordshire (E06000019: HR), Westshire for Shropshire (E06000051: SY), Northbrook Police
for the West Midlands police force area (E23000014) and Northbrook City Council for
Birmingham (E08000025: B). The older organisations keep their made-up postcodes (VL, HB,
WS), which the ONS directory does not hold; the children's home that takes the
out-of-area placement has a real Worcester postcode.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.agencies.services import organisation_create, user_create

DEMO_PASSWORD = "Misper-demo-2026"  # noqa: S105 - printed on purpose: demo mode only
DEMO_FORCE_PROFILE = "west-mercia-2014"
# The profile of each demo force (R-DEF-*: each force's own protocol).
FORCE_PROFILES = {"vale-police": DEMO_FORCE_PROFILE, "northbrook-police": "west-midlands-2018"}
# The real area each fictional force or authority stands in for (module docstring).
ONS_CODES = {
    "vale-police": "E23000016",  # West Mercia police force area
    "vale-cc": "E10000034",  # Worcestershire
    "harbour-cc": "E06000019",  # Herefordshire
    "westshire-cc": "E06000051",  # Shropshire
    "northbrook-police": "E23000014",  # West Midlands police force area
    "northbrook-cc": "E08000025",  # Birmingham
}

K = OrganisationKind

# code, kind, name, parent code, local authority code, postcode
ORGANISATIONS: list[tuple[str, str, str, str | None, str | None, str]] = [
    (
        "vale-cc",
        K.LOCAL_AUTHORITY,
        "Vale County Council Children's Services",
        None,
        None,
        "VL1 1AA",
    ),
    (
        "harbour-cc",
        K.LOCAL_AUTHORITY,
        "Harbour City Council Children's Services",
        None,
        None,
        "HB1 2BB",
    ),
    (
        "westshire-cc",
        K.LOCAL_AUTHORITY,
        "Westshire Council Children's Services",
        None,
        None,
        "WS1 3CC",
    ),
    ("vale-police", K.POLICE_FORCE, "Vale and Harbour Police", None, None, "VL1 9ZZ"),
    (
        "lpa-northfold",
        K.POLICING_AREA,
        "Northfold Local Policing Area",
        "vale-police",
        "vale-cc",
        "VL2 1AA",
    ),
    (
        "lpa-riverside",
        K.POLICING_AREA,
        "Riverside Local Policing Area",
        "vale-police",
        "harbour-cc",
        "HB2 1AA",
    ),
    (
        "lpa-eastmoor",
        K.POLICING_AREA,
        "Eastmoor Local Policing Area",
        "vale-police",
        "vale-cc",
        "VL5 1AA",
    ),
    (
        "northbrook-cc",
        K.LOCAL_AUTHORITY,
        "Northbrook City Council Children's Services",
        None,
        None,
        "B1 1BB",
    ),
    ("northbrook-police", K.POLICE_FORCE, "Northbrook Police", None, None, "B4 6NQ"),
    (
        "lpa-northbrook-central",
        K.POLICING_AREA,
        "Northbrook Central Local Policing Area",
        "northbrook-police",
        "northbrook-cc",
        "B5 4TR",
    ),
    ("safe-return", K.RHI_PROVIDER, "Safe Return Project", None, "vale-cc", "VL3 4DD"),
    ("harbour-youth", K.RHI_PROVIDER, "Harbour Youth Support", None, "harbour-cc", "HB3 5EE"),
    ("birch-lodge", K.CHILDRENS_HOME, "Birch Lodge Children's Home", None, "vale-cc", "VL2 6FF"),
    ("elm-house", K.CHILDRENS_HOME, "Elm House", None, "vale-cc", "VL5 7GG"),
    ("willow-court", K.CHILDRENS_HOME, "Willow Court", None, "harbour-cc", "HB2 8HH"),
    # A real Worcester postcode: it resolves to Vale (Worcestershire) and Vale and Harbour
    # Police (West Mercia), so a placement here is worked out from the postcode.
    ("hawthorn-house", K.CHILDRENS_HOME, "Hawthorn House", None, "vale-cc", "WR1 2HQ"),
    (
        "oak-view",
        K.CHILDRENS_HOME,
        "Oak View (independent provider)",
        None,
        "harbour-cc",
        "HB4 9JJ",
    ),
    ("brightstart", K.FOSTERING_AGENCY, "Brightstart Fostering", None, "vale-cc", "VL3 1KK"),
    ("foster-ahmed", K.FOSTER_CARER, "Ahmed foster household", "brightstart", "vale-cc", "VL2 2LL"),
    (
        "foster-kowalski",
        K.FOSTER_CARER,
        "Kowalski foster household",
        "brightstart",
        "harbour-cc",
        "HB2 3MM",
    ),
    (
        "foster-okafor",
        K.FOSTER_CARER,
        "Okafor foster household",
        "brightstart",
        "vale-cc",
        "VL5 4NN",
    ),
    (
        "stepping-stones",
        K.SEMI_INDEPENDENT,
        "Stepping Stones Supported Living",
        None,
        "harbour-cc",
        "HB1 5PP",
    ),
    ("vale-academy", K.SCHOOL, "Vale Academy", None, "vale-cc", "VL2 6QQ"),
    ("vale-health", K.HEALTH, "Vale Community Health NHS Trust", None, "vale-cc", "VL1 7RR"),
    ("missing-people", K.CHARITY, "Missing People (demo contact)", None, None, ""),
    (
        "vale-scp",
        K.SAFEGUARDING_BOARD,
        "Vale and Harbour Safeguarding Children Partnership",
        None,
        "vale-cc",
        "",
    ),
]

R = Role

# email, full name, organisation code, roles
USERS: list[tuple[str, str, str, list[str]]] = [
    ("callhandler@vale-police.demo", "Priya Shah", "vale-police", [R.CALL_HANDLER]),
    ("sergeant@vale-police.demo", "Sgt Tom Reid", "lpa-northfold", [R.SERGEANT]),
    ("inspector@vale-police.demo", "Insp Sarah Cole", "lpa-northfold", [R.INSPECTOR]),
    ("inspector.riverside@vale-police.demo", "Insp Dan Ward", "lpa-riverside", [R.INSPECTOR]),
    ("fim@vale-police.demo", "Ch Insp Ruth Okoye", "vale-police", [R.CHIEF_INSPECTOR]),
    ("superintendent@vale-police.demo", "Supt Mark Hale", "vale-police", [R.SUPERINTENDENT]),
    ("officer@vale-police.demo", "PC Jamie Lee", "lpa-northfold", [R.INVESTIGATING_OFFICER]),
    (
        "officer.eastmoor@vale-police.demo",
        "PC Aisha Khan",
        "lpa-eastmoor",
        [R.INVESTIGATING_OFFICER],
    ),
    ("coordinator@vale-police.demo", "Helen Price", "vale-police", [R.MISSING_PERSON_COORDINATOR]),
    ("cse@vale-police.demo", "DC Omar Farah", "vale-police", [R.CSE_COORDINATOR]),
    ("analyst@vale-police.demo", "Lucy Grant", "vale-police", [R.ANALYST]),
    ("socialworker@vale-cc.demo", "Grace Adeyemi", "vale-cc", [R.SOCIAL_WORKER]),
    ("teammanager@vale-cc.demo", "Neil Barker", "vale-cc", [R.TEAM_MANAGER]),
    ("iro@vale-cc.demo", "Fiona Walsh", "vale-cc", [R.IRO]),
    ("socialworker@harbour-cc.demo", "Sam Patel", "harbour-cc", [R.SOCIAL_WORKER]),
    ("socialworker@westshire-cc.demo", "Chris Doyle", "westshire-cc", [R.SOCIAL_WORKER]),
    ("rhi@safe-return.demo", "Maya Brooks", "safe-return", [R.RHI_WORKER]),
    ("rhimanager@safe-return.demo", "Ben Turner", "safe-return", [R.RHI_MANAGER]),
    ("rhi@harbour-youth.demo", "Leah Morgan", "harbour-youth", [R.RHI_WORKER]),
    ("carer@birch-lodge.demo", "Karen Mills", "birch-lodge", [R.CARER]),
    ("carer@elm-house.demo", "Joe Fenton", "elm-house", [R.CARER]),
    ("carer@foster-ahmed.demo", "Yasmin Ahmed", "foster-ahmed", [R.CARER]),
    ("carer@hawthorn-house.demo", "Tom Hughes", "hawthorn-house", [R.CARER]),
    ("board@vale-scp.demo", "Dr Alan Royce", "vale-scp", [R.SAFEGUARDING_BOARD]),
    ("admin@misper.demo", "Misper Administrator", "vale-police", [R.SYSTEM_ADMIN]),
    # Northbrook: the authority that places a child across the border, and its force.
    ("socialworker@northbrook-cc.demo", "Marcus Bell", "northbrook-cc", [R.SOCIAL_WORKER]),
    ("teammanager@northbrook-cc.demo", "Janet Osei", "northbrook-cc", [R.TEAM_MANAGER]),
    ("iro@northbrook-cc.demo", "Priti Desai", "northbrook-cc", [R.IRO]),
    ("callhandler@northbrook-police.demo", "Ellie Hart", "northbrook-police", [R.CALL_HANDLER]),
    (
        "inspector@northbrook-police.demo",
        "Insp Ray Mensah",
        "lpa-northbrook-central",
        [R.INSPECTOR],
    ),
    (
        "coordinator@northbrook-police.demo",
        "Sian Lloyd",
        "northbrook-police",
        [R.MISSING_PERSON_COORDINATOR],
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    organisation: str
    roles: str


@transaction.atomic
def build_agencies() -> list[DemoLogin]:
    """Create the demo organisations and users if they are not there. Idempotent."""
    orgs: dict[str, Organisation] = {o.code: o for o in Organisation.objects.all()}
    for code, kind, name, parent, la, postcode in ORGANISATIONS:
        if code in orgs:
            continue
        orgs[code] = organisation_create(
            actor=None,
            kind=kind,
            name=name,
            code=code,
            parent=orgs[parent] if parent else None,
            local_authority=orgs[la] if la else None,
            policy_profile=FORCE_PROFILES.get(code, "") if kind == K.POLICE_FORCE else "",
            postcode=postcode,
            ons_code=ONS_CODES.get(code, ""),
            notification_email=f"missing-notifications@{code}.demo"
            if kind in (K.LOCAL_AUTHORITY, K.RHI_PROVIDER, K.POLICE_FORCE)
            else "",
        )
    existing = set(User.objects.values_list("email", flat=True))
    logins = []
    for email, name, org_code, roles in USERS:
        if email not in existing:
            user_create(
                actor=None,
                email=email,
                full_name=name,
                organisation=orgs[org_code],
                roles=roles,
                password=DEMO_PASSWORD,
            )
        logins.append(
            DemoLogin(email, name, orgs[org_code].name, ", ".join(Role(r).label for r in roles))
        )
    return logins
