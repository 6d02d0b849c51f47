"""Small data sets with known answers for the reports' tests (tests/insights/test_reports*.py).

A report reads the database and nothing else, so its tests load rows straight into the
tables the reports read (episodes, found reports, return-interview referrals), in bulk:
the published tables of seed 004 need a few thousand episodes, which the services would
take minutes to make. One test in test_reports.py makes its episodes through the services,
so that what the services write is known to be what the reports read.

Writing around the services, the loader marks its children changed itself
(``core.timeline.mark_changed``), as the bulk import does, so that the reports' summary
table (insights/facts.py) derives them before the next report counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from misper.agencies.models import Organisation, User
from misper.core.timeline import mark_changed
from misper.episodes.models import Episode, FoundReport
from misper.people.models import Person
from misper.returns.models import Referral
from tests.episodes.conftest import make_region


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class Loader:
    """Rows for one force (``w`` from make_region): children, episodes (found or not) and
    referrals; ``save()`` writes what was added since the last save."""

    w: dict[str, Any]
    creator: User
    people: list[Person] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    found: dict[int, datetime] = field(default_factory=dict)  # index in episodes → found_at
    found_postcodes: dict[int, str] = field(default_factory=dict)  # index → where found
    referrals: dict[int, dict[str, Any]] = field(default_factory=dict)  # index → fields
    n: int = 0

    def child(
        self,
        *,
        sex: str = "female",
        ethnicity: str = "WBRI",
        born: date | None = date(2010, 6, 1),
        estimated_age: int | None = None,
        home_authority: Organisation | None = None,
        home_postcode: str = "",
    ) -> Person:
        self.n += 1
        person = Person.objects.create(
            given_name="Child",
            family_name=f"Number {self.n}",
            date_of_birth=born,
            estimated_age=estimated_age,
            estimated_age_on=date(2026, 1, 1) if estimated_age is not None else None,
            sex=sex,
            ethnicity=ethnicity,
            home_authority=home_authority if home_authority is not None else self.w["vale"],
            home_postcode=home_postcode,
        )
        self.people.append(person)
        return person

    def children(self, count: int, **kw: Any) -> list[Person]:
        """``count`` children at once (bulk), all alike."""
        born = kw.pop("born", date(2010, 6, 1))
        made = Person.objects.bulk_create(
            [
                Person(
                    given_name="Child",
                    family_name=f"Bulk {self.n + i}",
                    date_of_birth=born,
                    sex=kw.get("sex", "female"),
                    ethnicity=kw.get("ethnicity", "WBRI"),
                    home_authority=kw.get("home_authority", self.w["vale"]),
                )
                for i in range(count)
            ]
        )
        self.n += count
        return made

    def episode(
        self,
        person: Person,
        last_seen: datetime,
        *,
        found: datetime | None = None,
        category: str = "missing",
        missing_from: str = "home",
        area: Organisation | None = None,
        restricted: bool = False,
        found_postcode: str = "",
        **fields: Any,
    ) -> int:
        """An episode (saved by ``save``); its index, for ``referral``. ``fields`` are the
        episode's own (``location_postcode``, ``establishment``, ``risk``...)."""
        owner = area or self.w["area"]
        self.episodes.append(
            Episode(
                person=person,
                force=owner.parent,
                owning_area=owner,
                profile_id="west-midlands-2015",
                status="closed" if found else "open",
                reported_at=last_seen + timedelta(hours=1),
                reported_by="parent",
                informant_name="Informant",
                missing_from=missing_from,
                location_address="1 Test Street",
                location_key="addr:test",
                last_seen_at=last_seen,
                last_seen_place="Home",
                circumstances="Test",
                category=category,
                risk=fields.pop("risk", "medium" if category == "missing" else ""),
                restricted=restricted,
                created_by=self.creator,
                **fields,
            )
        )
        index = len(self.episodes) - 1
        if found is not None:
            self.found[index] = found
            self.found_postcodes[index] = found_postcode
        return index

    def referral(
        self,
        index: int,
        *,
        authority: Organisation,
        interviewer: Organisation,
        rag: str = "",
        in_care: bool = False,
        found_at: datetime | None = None,
        **fields: Any,
    ) -> None:
        """A return-interview referral of episode ``index`` (found when the episode was,
        unless ``found_at``), triaged ``rag``; ``fields`` are the referral's own
        (``state``, ``outcome``, ``offered_at``...)."""
        self.referrals[index] = {
            "responsible_authority": authority,
            "interviewer": interviewer,
            "rag": rag,
            "in_care": in_care,
            "found_at": found_at or self.found.get(index),
            **fields,
        }

    def save(self) -> list[Episode]:
        saved = Episode.objects.bulk_create(self.episodes, batch_size=2000)
        FoundReport.objects.bulk_create(
            [
                FoundReport(
                    episode=saved[i],
                    found_at=at,
                    found_where="Town centre",
                    found_postcode=self.found_postcodes.get(i, ""),
                    found_by="PC Test",
                    condition="Well",
                    safe_and_well="done",
                    recorded_by=self.creator,
                )
                for i, at in self.found.items()
            ],
            batch_size=2000,
        )
        Referral.objects.bulk_create(
            [
                Referral(
                    episode=saved[i],
                    person=saved[i].person,
                    basis="home",
                    category=saved[i].category,
                    due=f["found_at"] + timedelta(hours=72),
                    state=f.pop("state", "triaged" if f["rag"] else "awaiting_triage"),
                    **f,
                )
                for i, f in self.referrals.items()
            ],
            batch_size=2000,
        )
        self.episodes, self.found, self.referrals = [], {}, {}
        self.found_postcodes = {}
        mark_changed("person", sorted({e.person_id for e in saved}))
        return saved


def force_with_areas(make_org: Any, make_user: Any, profile: str = "west-midlands-2015") -> Any:
    """make_region's force (areas North and South, authority Vale), with an analyst of the
    force, a team manager of Vale, and a second force with its own analyst."""
    w = make_region(make_org, make_user, profile)
    w["north"] = w["area"]
    w["south"] = w["other_area"]
    w["north"].local_authority = w["vale"]
    w["north"].save(update_fields=["local_authority"])
    w["analyst"] = make_user("analyst", organisation=w["force"])
    w["team_manager"] = make_user("team_manager", organisation=w["vale"])
    w["other_force"] = make_org("police_force", name="Harbour Police", code="harbour-police")
    w["harbour_area"] = make_org(
        "policing_area", name="Harbour Central", code="harbour-central", parent=w["other_force"]
    )
    w["other_analyst"] = make_user("analyst", organisation=w["other_force"])
    w["provider"] = make_org("rhi_provider", name="Streetwise", code="streetwise")
    w["harbour"] = make_org("local_authority", name="Harbour", code="harbour-la")
    return w
