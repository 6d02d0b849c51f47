"""Writing the network around the children (issue 12, part 5): the adults linked to them and
the places, one per full postcode, they are linked to.

- ``place_link_note`` is called, in their transaction, by every service that writes a record
  naming a child's postcode: a known place (people), a placement (people), the address a
  child went missing from and the address they were found at (episodes). One link per
  record, moved when the record's postcode changes, removed when it loses it.
- An adult is recorded once (``adult_record``) and each child's associate row that is that
  adult is linked to the record (``associate_link``): the link that puts two children who
  know the same adult side by side.
- A place may be recorded as a refuge certified under section 51 of the Children Act 1989
  (``location_set_kind``): it can never be treated as a harbourer (R-HRB-07).

Who may write: the operational police and children's services (the roles that see the
network, ``people.selectors.may_see_network``); a link to a child needs ``people.change``
on the child.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from misper.agencies.models import Organisation, User
from misper.core.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from misper.core.timeline import timeline_record
from misper.core.validation import clean_choice, clean_free_text, clean_past_day, clean_text
from misper.people.events import PeopleVerb
from misper.people.matching import normalise
from misper.people.models import (
    Adult,
    Associate,
    LinkSource,
    Location,
    LocationKind,
    Person,
    PlaceLink,
)
from misper.people.selectors import (
    NO_SUCH_ADULT,
    NO_SUCH_ASSOCIATE,
    NOT_ALLOWED,
    get_adult_for_user,
    get_location_for_user,
    get_person_for_user,
    may_see_network,
)

ADULT = "adult"
LOCATION = "location"
_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")


def postcode_key(postcode: str) -> str:
    """The one way a postcode is written in the network: 'wr12hq', 'WR1  2HQ' → 'WR1 2HQ';
    '' when it is not a whole UK postcode (a district alone links nothing)."""
    found = _POSTCODE.fullmatch("".join((postcode or "").upper().split()))
    return f"{found.group(1)} {found.group(2)}" if found else ""


def place_link_note(
    *,
    person: Person,
    postcode: str,
    description: str,
    source: LinkSource,
    source_id: int,
    on: date,
    episode_id: int | None = None,
    at: datetime | None = None,
) -> PlaceLink | None:
    """Link ``person`` to the place of ``postcode`` for the record ``source``/``source_id``,
    inside the caller's transaction; a record without a whole postcode has no link."""
    key = postcode_key(postcode)
    if not key:
        PlaceLink.objects.filter(source=source, source_id=source_id).delete()
        return None
    label = (description or key)[:300]
    location, _ = Location.objects.get_or_create(postcode=key, defaults={"label": label})
    link, _ = PlaceLink.objects.update_or_create(
        source=source,
        source_id=source_id,
        defaults={
            "person": person,
            "location": location,
            "episode_id": episode_id,
            "on": on,
            "at": at,
            "description": label,
        },
    )
    return link


# --- Adults -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdultDetails:
    name: str
    date_of_birth: date | None = None
    description: str = ""
    address: str = ""
    postcode: str = ""


# The adult's fields in words, for the timeline ("Adult's details changed: name, address").
ADULT_FIELDS = {
    "name": "name",
    "date_of_birth": "date of birth",
    "description": "description",
    "address": "address",
    "postcode": "postcode",
}


def _adult_values(d: AdultDetails) -> dict[str, object]:
    name = clean_text(d.name, "name", required=True)
    postcode = clean_text(d.postcode, "postcode", max_len=10).upper()
    if postcode and not postcode_key(postcode):
        raise ValidationFailed(
            f"{postcode} is not a whole UK postcode (for example WR1 2HQ)", field="postcode"
        )
    return {
        "name": name,
        "normalised_name": normalise(name),
        "date_of_birth": clean_past_day(d.date_of_birth, "date_of_birth", years=120),
        "description": clean_free_text(d.description, "description"),
        "address": clean_text(d.address, "address", max_len=300),
        "postcode": postcode_key(postcode),
    }


def _may_write(actor: User) -> Organisation:
    if not may_see_network(actor) or actor.organisation is None:
        raise PermissionDenied(NOT_ALLOWED)
    return actor.organisation


def adult_record(*, actor: User, details: AdultDetails, associate_id: int | None = None) -> Adult:
    """Record an adult linked to children who go missing; with ``associate_id``, the
    child's associate this adult is, linked in the same transaction (``associate_link``):
    both are saved or neither is."""
    org = _may_write(actor)
    values = _adult_values(details)
    with transaction.atomic():
        adult = Adult.objects.create(created_by=actor, created_by_org=org, **values)
        timeline_record(
            actor=actor,
            subject_type=ADULT,
            subject_id=adult.pk,
            verb=PeopleVerb.ADULT_RECORDED,
            changes={"name": adult.name},
        )
        if associate_id is not None:
            associate_link(actor=actor, associate_id=associate_id, adult_id=adult.pk)
    return adult


def adult_update(*, actor: User, adult_id: int, version: int, details: AdultDetails) -> Adult:
    _may_write(actor)
    values = _adult_values(details)
    with transaction.atomic():
        adult = get_adult_for_user(actor, adult_id, purpose="change adult", for_update=True)
        if adult.version != version:
            raise ConcurrentEdit(
                "Someone else changed this adult's record after you opened it. Your changes "
                "have not been saved: check the record as it is now, then make them again.",
                field="version",
            )
        changed = [words for k, words in ADULT_FIELDS.items() if getattr(adult, k) != values[k]]
        for k, v in values.items():
            setattr(adult, k, v)
        adult.version += 1
        adult.save()
        timeline_record(
            actor=actor,
            subject_type=ADULT,
            subject_id=adult.pk,
            verb=PeopleVerb.ADULT_UPDATED,
            changes={"fields": ", ".join(changed)},
        )
    return adult


def associate_link(*, actor: User, associate_id: int, adult_id: int | None) -> Associate:
    """Say that a child's associate is this adult (or, with ``adult_id`` None, that the
    link was wrong). Written on the child's timeline and the adult's. An associate that
    does not exist and one of a child the actor may not see are the same "No such
    associate"; an adult the actor may not see is refused on ``adult_id``."""
    _may_write(actor)
    with transaction.atomic():
        person_id = (
            Associate.objects.filter(pk=associate_id).values_list("person_id", flat=True).first()
        )
        if person_id is None:
            raise NotFound(NO_SUCH_ASSOCIATE)
        try:
            person = get_person_for_user(
                actor,
                person_id,
                action="people.change",
                purpose="link associate to adult",
                for_update=True,
            )
        except NotFound:
            raise NotFound(NO_SUCH_ASSOCIATE) from None
        associate = (
            Associate.objects.select_for_update().filter(pk=associate_id, person=person).first()
        )
        if associate is None:  # removed meanwhile
            raise NotFound(NO_SUCH_ASSOCIATE)
        before = associate.adult_id
        adult = None
        if adult_id is not None:
            try:
                adult = get_adult_for_user(actor, adult_id, purpose="link associate")
            except NotFound:
                raise ValidationFailed(NO_SUCH_ADULT, field="adult_id") from None
        if before == (adult.pk if adult else None):
            return associate
        associate.adult = adult
        associate.save(update_fields=["adult"])
        person.version += 1
        person.save(update_fields=["version"])
        changes = {"associate": associate.name, "adult": adult.name if adult else ""}
        timeline_record(
            actor=actor,
            subject_type="person",
            subject_id=person.pk,
            verb=PeopleVerb.ASSOCIATE_LINKED if adult else PeopleVerb.ASSOCIATE_UNLINKED,
            changes=changes,
        )
        touched = {before, adult.pk if adult else None}
        for adult_pk in sorted(pk for pk in touched if pk is not None):
            linked = adult is not None and adult_pk == adult.pk
            timeline_record(
                actor=actor,
                subject_type=ADULT,
                subject_id=adult_pk,
                verb=PeopleVerb.ASSOCIATE_LINKED if linked else PeopleVerb.ASSOCIATE_UNLINKED,
                # Not the child's name: whoever sees the adult need not see the child.
                changes=changes,
            )
    return associate


# --- Places -------------------------------------------------------------------------------


def location_set_kind(
    *, actor: User, location_id: int, version: int, kind: str, refuge_reference: str = ""
) -> Location:
    """Record a place as a refuge certified under section 51 of the Children Act 1989 (with
    the certificate's reference), or as an ordinary place again (R-HRB-07)."""
    _may_write(actor)
    kind = clean_choice(kind, LocationKind, "kind")
    reference = clean_text(refuge_reference, "refuge_reference", max_len=100)
    if kind == LocationKind.CERTIFIED_REFUGE and not reference:
        raise ValidationFailed(
            "Enter the reference of the refuge's certificate under section 51 of the "
            "Children Act 1989 (R-HRB-07)",
            field="refuge_reference",
        )
    with transaction.atomic():
        location = get_location_for_user(
            actor, location_id, purpose="change place", for_update=True
        )
        if location.version != version:
            raise ConcurrentEdit(
                "Someone else changed this place after you opened it. Your change has not "
                "been saved: check the place as it is now, then make it again.",
                field="version",
            )
        location.kind = kind
        location.refuge_reference = reference if kind == LocationKind.CERTIFIED_REFUGE else ""
        location.version += 1
        location.save()
        timeline_record(
            actor=actor,
            subject_type=LOCATION,
            subject_id=location.pk,
            verb=PeopleVerb.LOCATION_KIND_SET,
            changes={"kind": location.get_kind_display(), "reference": location.refuge_reference},
            rule_ids=["R-HRB-07"],
        )
    return location
