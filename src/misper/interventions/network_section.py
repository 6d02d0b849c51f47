"""The child's network, as a section of the child's record page (people/sections.py): for
the operational police and children's services (``may_see_network``), a link to the child's
network page, the child's associates with the adult's record each is linked to (and, for
whoever may change the record, a link to say which adult it is), and the places the child
is linked to (not through a restricted case, R-RES-01)."""

from __future__ import annotations

import rules
from django.db.models import Q

from misper.agencies.models import User
from misper.people.models import Person, PlaceLink
from misper.people.sections import Section, register_section
from misper.people.selectors import may_see_network


def network_section(user: User, person: Person) -> Section | None:
    if not may_see_network(user):
        return None
    associates = list(person.associates.select_related("adult").order_by("name", "pk"))
    places: dict[int, dict[str, object]] = {}
    links = (
        PlaceLink.objects.filter(person=person)
        .filter(Q(episode__isnull=True) | Q(episode__restricted=False))
        .select_related("location")
        .order_by("location__postcode", "-on")
    )
    for link in links:
        row = places.setdefault(link.location_id, {"location": link.location, "how": []})
        how = row["how"]
        assert isinstance(how, list)
        if link.get_source_display() not in how:
            how.append(link.get_source_display())
    return Section(
        title="Network",
        template="network/_section.html",
        context={
            "person_id": person.pk,
            "associates": associates,
            "places": list(places.values()),
            "may_link": rules.has_perm("people.change", user, person),
        },
    )


register_section(network_section)
