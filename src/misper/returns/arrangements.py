"""Who holds each local authority's return interviews (R-RHI-12, R-OOA-04): set by a
system administrator, one arrangement per authority, every change on the authority's
timeline."""

from __future__ import annotations

from django.db import transaction

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.core.errors import PermissionDenied, ValidationFailed
from misper.core.timeline import timeline_record
from misper.core.validation import clean_choice
from misper.returns.events import ReturnsVerb
from misper.returns.models import Arrangement, OutOfArea


def arrangements_for_admin(user: User) -> list[Arrangement]:
    _require_admin(user)
    return list(
        Arrangement.objects.select_related("authority", "provider").order_by("authority__name")
    )


def _require_admin(user: User) -> None:
    if not user.has_role(Role.SYSTEM_ADMIN):
        raise PermissionDenied("Only a system administrator sets return-interview arrangements")


def arrangement_set(
    *,
    actor: User,
    authority_id: int,
    provider_id: int | None,
    out_of_area: str,
    provider_takes_out_of_area: bool,
) -> Arrangement:
    """Create or change an authority's arrangement: its commissioned provider (none: its
    own staff hold interviews), who interviews its children placed out of area, and whether
    the provider travels to them."""
    _require_admin(actor)
    out_of_area = clean_choice(out_of_area, OutOfArea, "out_of_area")
    authority = Organisation.objects.filter(
        pk=authority_id, kind=OrganisationKind.LOCAL_AUTHORITY
    ).first()
    if authority is None:
        raise ValidationFailed("Choose a local authority", field="authority")
    provider = None
    if provider_id is not None:
        provider = Organisation.objects.filter(
            pk=provider_id, kind=OrganisationKind.RHI_PROVIDER
        ).first()
        if provider is None:
            raise ValidationFailed("Choose a return-interview provider", field="provider")
    if provider is None and provider_takes_out_of_area:
        raise ValidationFailed(
            "Without a provider the authority's own staff hold every interview",
            field="provider_takes_out_of_area",
        )
    with transaction.atomic():
        arrangement, created = Arrangement.objects.select_for_update().get_or_create(
            authority=authority,
            defaults={
                "provider": provider,
                "out_of_area": out_of_area,
                "provider_takes_out_of_area": provider_takes_out_of_area,
            },
        )
        if not created:
            arrangement.provider = provider
            arrangement.out_of_area = out_of_area
            arrangement.provider_takes_out_of_area = provider_takes_out_of_area
            arrangement.save()
        timeline_record(
            actor=actor,
            subject_type="organisation",
            subject_id=authority.pk,
            verb=ReturnsVerb.ARRANGEMENT_SET,
            changes={
                "provider": provider.name if provider else "",
                "out_of_area": out_of_area,
                "provider_takes_out_of_area": provider_takes_out_of_area,
            },
            rule_ids=["R-RHI-12", "R-OOA-04"],
        )
    return arrangement
