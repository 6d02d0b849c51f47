"""The demo region's information-sharing arrangements: Vale and Harbour Police tells the
local authorities and the return-interview providers by email as well as in their inbox,
so that `make run` shows an email being sent (demo mode prints emails on the worker's
console). Across the border, Northbrook City Council tells Vale and Harbour Police and
Vale County Council of the children it places in their area by email, and asks the police
to flag them (R-FLG-01: ``request``); Vale County Council places its flags with Vale and
Harbour Police directly. Idempotent."""

from __future__ import annotations

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.notifications.models import FlagPlacement, SharingArrangement
from misper.notifications.services import arrangement_save

DEMO_FORCE = "vale-police"
DEMO_ADMIN = "admin@misper.demo"

# from, to, channels, how the authority flags a child with the force (R-FLG-01), note
BETWEEN: list[tuple[str, str, list[str], str, str]] = [
    (
        "northbrook-cc",
        "vale-police",
        ["email"],
        FlagPlacement.REQUEST,
        "Demo: children Northbrook places in West Mercia; flags asked of the police",
    ),
    (
        "northbrook-cc",
        "vale-cc",
        ["email"],
        FlagPlacement.REQUEST,
        "Demo: children Northbrook places in Vale's area",
    ),
    (
        "vale-cc",
        "vale-police",
        ["email"],
        FlagPlacement.DIRECT,
        "Demo: Vale's children's services place flags with the police directly",
    ),
]


def build_sharing() -> int:
    """Make the demo force's arrangements that are missing; returns how many were made."""
    force = Organisation.objects.filter(code=DEMO_FORCE).first()
    admin = User.objects.filter(email=DEMO_ADMIN).first()
    if force is None or admin is None:
        return 0
    made = 0
    partners = Organisation.objects.filter(
        kind__in=[OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.RHI_PROVIDER]
    ).order_by("code")
    for partner in partners:
        if SharingArrangement.objects.filter(from_org=force, to_org=partner).exists():
            continue
        arrangement_save(
            actor=admin,
            from_org=force,
            to_org=partner,
            channels=["email"],
            note="Demo: missing-person notifications by email as well as in the inbox",
        )
        made += 1
    codes = {code for row in BETWEEN for code in row[:2]}
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
    for src, dst, channels, flags, note in BETWEEN:
        if src not in orgs or dst not in orgs:
            continue
        if SharingArrangement.objects.filter(from_org=orgs[src], to_org=orgs[dst]).exists():
            continue
        arrangement_save(
            actor=admin,
            from_org=orgs[src],
            to_org=orgs[dst],
            channels=channels,
            note=note,
            flag_placement=flags,
        )
        made += 1
    return made
