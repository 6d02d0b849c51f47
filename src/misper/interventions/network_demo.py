"""The demo region's network (``misper demo``, issue 12, part 5): Amira's last return
interview shared an associate, "Dean", and the flat above the takeaway on Station Road
(VL2 7TT) with the police (returns/demo.py). Here Kyle's record gets the same flat as a
known place and an associate "Dean" who gives him lifts, and the force's coordinator records
the adult, Dean Marsh, and links both children's associates to him: each child's network
then holds the other, through the adult and through the place.

Built through the services, once (nothing when Dean Marsh is already recorded or the demo's
children are not there); deterministic."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from misper.agencies.models import User
from misper.people.models import Adult, Associate, Person, Place
from misper.people.network import AdultDetails, adult_record, associate_link
from misper.people.services import associate_add, place_add

COORDINATOR = "coordinator@vale-police.demo"
CALL_HANDLER = "callhandler@vale-police.demo"
ADULT = "Dean Marsh"
FLAT = "Flat above the takeaway, Station Road, Northfold"
FLAT_POSTCODE = "VL2 7TT"


def _child(given: str, family: str) -> Person | None:
    return Person.objects.filter(given_name=given, family_name=family).first()


def _associate(actor: User, person: Person, relationship: str, notes: str) -> Associate:
    """The child's associate called Dean (the one a return interview shared, if any)."""
    found = Associate.objects.filter(person=person, name="Dean").order_by("pk").first()
    if found is not None:
        return found
    return associate_add(
        actor=actor,
        person_id=person.pk,
        name="Dean",
        relationship=relationship,
        is_adult=True,
        notes=notes,
        last_seen_on=timezone.localdate(),
    )


def _flat(actor: User, person: Person) -> None:
    if not Place.objects.filter(person=person, postcode=FLAT_POSTCODE).exists():
        place_add(
            actor=actor,
            person_id=person.pk,
            description=FLAT,
            postcode=FLAT_POSTCODE,
            last_seen_on=timezone.localdate(),
        )


@transaction.atomic
def build_network() -> int:
    """Link Amira's and Kyle's associates to one adult and give both the same place, once.
    Returns how many associates were linked (0 when done before, or without the demo)."""
    if Adult.objects.filter(name=ADULT).exists():
        return 0
    users = {u.email: u for u in User.objects.filter(email__in=(COORDINATOR, CALL_HANDLER))}
    amira, kyle = _child("Amira", "Hassan"), _child("Kyle", "Brennan")
    if len(users) < 2 or amira is None or kyle is None:
        return 0
    coordinator, call_handler = users[COORDINATOR], users[CALL_HANDLER]
    theirs = [
        _associate(
            call_handler, amira, "friend", "Buys the girls food and lets them stay at his flat"
        ),
        _associate(call_handler, kyle, "gives him lifts", "Picks him up from the home at night"),
    ]
    for child in (amira, kyle):
        _flat(call_handler, child)
    adult = adult_record(
        actor=coordinator,
        details=AdultDetails(
            name=ADULT,
            date_of_birth=date(2001, 8, 19),
            address=FLAT,
            postcode=FLAT_POSTCODE,
            description="About 24. Named in Amira's return interview: buys the girls food and "
            "lets them stay at his flat. Picks Kyle up from the home at night in a grey car.",
        ),
    )
    for associate in theirs:
        associate_link(actor=coordinator, associate_id=associate.pk, adult_id=adult.pk)
    return len(theirs)
