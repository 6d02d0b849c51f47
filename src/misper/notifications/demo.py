"""The demo region's information-sharing arrangements: Vale and Harbour Police tells the
local authorities and the return-interview providers by email as well as in their inbox,
so that `make run` shows an email being sent (demo mode prints emails on the worker's
console). Idempotent."""

from __future__ import annotations

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.notifications.models import SharingArrangement
from misper.notifications.services import arrangement_save

DEMO_FORCE = "vale-police"
DEMO_ADMIN = "admin@misper.demo"


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
    return made
