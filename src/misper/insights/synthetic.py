"""A synthetic decade of national data, for the benchmarks of issue 14 part 4 (docs/insights.md
"At national scale", docs/benchmarks.md "At national scale").

``generate`` writes, into an empty Misper database, ten years of made-up records in the
shape the reports read: four West Midlands forces with their policing areas, ten local
authorities with a return-interview service each, care establishments, and by default
500,000 children with 1,500,000 episodes; each episode with its category decision(s), risk
grading(s) for a missing one, found report, and for a found missing child the
return-interview referral (and interview when held). Nothing here is real: names are drawn
from a short list, and postcodes are real postcodes of the region (from the ONS directory,
so that the distance report has grid references to work with), chosen at random.

It is skewed like life, not uniform: a child's number of episodes follows a log-normal
share (most children go missing once or twice, a few dozens of times); one force holds
45 % of the episodes; a third of the children are looked after and go missing from an
establishment, and establishments differ in size; found times are log-normal (median 10 h,
some over a week, some never found), so clock changes fall inside some episodes.

Why not through the services: the services write one report at a time with its policy
decision, timeline and notifications, which at 1.5 million episodes would take days; the
benchmarks need the rows the reports and the engine read, not the side effects. The rows
are written with PostgreSQL's ``COPY`` (``bulk_create`` elsewhere, for small test runs),
with the ids chosen here and the sequences moved past them afterwards. ``generate``
refuses a database that already holds children, so that it can never be mixed with real
records.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, models, transaction

from misper.agencies.geography import postcodes_of_area
from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.agencies.services import organisation_create, user_create
from misper.episodes.codes import Category, MissingFrom, Risk, Status
from misper.episodes.models import CategoryDecision, Episode, FoundReport, RiskGrading
from misper.insights import facts
from misper.people.models import Person, Placement
from misper.people.search import index_pending
from misper.returns.models import Interview, Outcome, Rag, Referral, State

SEED = 20261207
CHILDREN = 500_000
EPISODES = 1_500_000
YEARS = 10

# Forces of the region with their share of the episodes and their policing areas (each
# area in one local authority).
FORCES: tuple[tuple[str, str, float, tuple[tuple[str, str], ...]], ...] = (
    (
        "West Midlands Police",
        "syn-wmp",
        0.45,
        (
            ("Birmingham East", "Birmingham"),
            ("Birmingham West", "Birmingham"),
            ("Coventry", "Coventry"),
            ("Wolverhampton", "Wolverhampton"),
            ("Dudley", "Dudley"),
            ("Walsall", "Walsall"),
        ),
    ),
    (
        "West Mercia Police",
        "syn-wmc",
        0.25,
        (
            ("Worcester", "Worcestershire"),
            ("Shrewsbury", "Shropshire"),
            ("Hereford", "Herefordshire"),
        ),
    ),
    (
        "Staffordshire Police",
        "syn-staffs",
        0.18,
        (("Stoke-on-Trent", "Stoke-on-Trent"), ("Stafford", "Staffordshire")),
    ),
    ("Warwickshire Police", "syn-warks", 0.12, (("Warwick", "Warwickshire"),)),
)
# The first letters of the region's postcodes, per authority (districts drawn from these).
POSTCODE_AREAS = {
    "Birmingham": ("B",),
    "Coventry": ("CV",),
    "Wolverhampton": ("WV",),
    "Dudley": ("DY",),
    "Walsall": ("WS",),
    "Worcestershire": ("WR",),
    "Shropshire": ("SY", "TF"),
    "Herefordshire": ("HR",),
    "Stoke-on-Trent": ("ST",),
    "Staffordshire": ("ST", "WS"),
    "Warwickshire": ("CV",),
}
# Care establishments: one per 800 children, at most 600 (a few take many children).
ESTABLISHMENTS = 600
CHILDREN_PER_ESTABLISHMENT = 800
GIVEN = [
    "Jayden",
    "Olivia",
    "Amelia",
    "Mohammed",
    "Leah",
    "Tyler",
    "Chloe",
    "Harvey",
    "Aisha",
    "Kacper",
    "Ruby",
    "Connor",
    "Zara",
    "Liam",
    "Maya",
    "Ellie",
    "Riley",
    "Precious",
    "Oliwia",
    "Ionut",
    "Minh",
    "Wei",
    "Ayaan",
    "Hodan",
    "Siobhan",
    "Kai",
    "Tom",
    "Liv",
]
FAMILY = [
    "Smith",
    "Jones",
    "Khan",
    "Ahmed",
    "Patel",
    "Williams",
    "Brown",
    "Taylor",
    "Murphy",
    "Begum",
    "Hussain",
    "Nowak",
    "Popescu",
    "Nguyen",
    "Chen",
    "Okafor",
    "Mohamed",
    "Farah",
    "Evans",
    "Walker",
    "Wright",
    "Hall",
    "Green",
    "Wood",
    "Clarke",
    "O'Brien",
    "Kowalski",
    "Ali",
    "Singh",
    "Morgan-Davies",
]
SEXES = (("female", 0.52), ("male", 0.47), ("unknown", 0.01))
ETHNICITIES = (
    ("WBRI", 0.62),
    ("WOTH", 0.04),
    ("MWBC", 0.06),
    ("MOTH", 0.03),
    ("APKN", 0.06),
    ("AIND", 0.02),
    ("ABAN", 0.02),
    ("BCRB", 0.04),
    ("BAFR", 0.05),
    ("CHNE", 0.01),
    ("OOTH", 0.02),
    ("NOBT", 0.03),
)
CATEGORIES = (
    (Category.MISSING, 0.80),
    (Category.ABSENT, 0.12),
    (Category.UNAUTHORISED_ABSENCE, 0.06),
    (Category.ABSCONDER_ONLY, 0.02),
)
RISKS = ((Risk.LOW, 0.25), (Risk.MEDIUM, 0.58), (Risk.HIGH, 0.15), (Risk.NO_APPARENT_RISK, 0.02))
OUTCOMES = (
    (Outcome.COMPLETED, 0.62),
    (Outcome.LETTER_SENT, 0.08),
    (Outcome.DECLINED_CHILD, 0.12),
    (Outcome.DECLINED_PARENT, 0.03),
    (Outcome.UNABLE_TO_CONTACT, 0.08),
    (Outcome.MISSING_AGAIN, 0.04),
    (Outcome.OUT_OF_AREA, 0.03),
)
RAGS = ((Rag.RED, 0.12), (Rag.AMBER, 0.33), (Rag.GREEN, 0.55))
HOUR = timedelta(hours=1)


class NotEmpty(Exception):
    """The database already holds children: the synthetic decade is never mixed in."""


@dataclass
class Summary:
    children: int = 0
    episodes: int = 0
    found: int = 0
    decisions: int = 0
    gradings: int = 0
    referrals: int = 0
    interviews: int = 0
    placements: int = 0


def _pick(rng: random.Random, table: tuple[tuple[Any, float], ...]) -> Any:
    x = rng.random() * sum(w for _, w in table)
    for value, weight in table:
        x -= weight
        if x < 0:
            return value
    return table[-1][0]


class _Ids:
    """The next id of each table: the rows get their ids here, so that later rows can point
    at them without reading them back."""

    def __init__(self) -> None:
        self._next: dict[type[models.Model], int] = {}

    def take(self, model: type[models.Model]) -> int:
        if model not in self._next:
            top = model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0
            self._next[model] = top + 1
        n = self._next[model]
        self._next[model] = n + 1
        return n


class _Writer:
    """Rows of one model, written in chunks: ``COPY`` on PostgreSQL, ``bulk_create``
    elsewhere. A row is a dict of attribute names (``person_id``, not ``person``); a field
    left out takes its default."""

    CHUNK = 50_000

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        # Defaults once per model (a synthetic row needs no fresh clock per row); JSON is
        # the one type psycopg needs told about.
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.json = {f.attname for f in self.fields if isinstance(f, models.JSONField)}
        self.rows: list[dict[str, Any]] = []
        self.written = 0

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            self._copy(self.rows)
        else:
            self.model._default_manager.bulk_create(
                [self.model(**row) for row in self.rows], batch_size=500
            )
        self.written += len(self.rows)
        self.rows = []

    def _copy(self, rows: list[dict[str, Any]]) -> None:
        from psycopg.types.json import Jsonb

        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        names = [f.attname for f in self.fields]
        defaults, json = self.defaults, self.json
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    values = [row.get(n, defaults[n]) for n in names]
                    if json:
                        values = [
                            Jsonb(v) if n in json else v for n, v in zip(names, values, strict=True)
                        ]
                    copy.write_row(values)


def _reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            # The table name is the model's own, quoted: no user input reaches the SQL.
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                f"GREATEST((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 1))",
                [table],
            )


_pool = functools.cache(postcodes_of_area)


def _postcodes(rng: random.Random, letters: tuple[str, ...], n: int) -> list[str]:
    """``n`` real postcodes with a grid reference, of the postcode areas ``letters``."""
    pool = [pc for area in letters for pc in _pool(area)]
    return rng.sample(pool, min(n, len(pool)))


def _shares(rng: random.Random, children: int, episodes: int) -> list[int]:
    """How many episodes each child has: one each, the rest by log-normal shares (so most
    have one or two and a few have dozens)."""
    counts = [1] * children
    rest = episodes - children
    if rest <= 0:
        return counts[:episodes] if episodes < children else counts
    weights = [rng.lognormvariate(0, 1.6) for _ in range(children)]
    cum: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    for i in rng.choices(range(children), cum_weights=cum, k=rest):
        counts[i] += 1
    return counts


def generate(
    *,
    children: int = CHILDREN,
    episodes: int = EPISODES,
    end: date | None = None,
    seed: int = SEED,
    progress: Callable[[str], None] = lambda _: None,
) -> Summary:
    """Write the synthetic decade ending on ``end`` (default: today, UTC) into an empty
    database (NotEmpty otherwise). Deterministic for a seed and sizes."""
    if Person.objects.exists():
        raise NotEmpty("The database already holds children: use an empty database")
    rng = random.Random(seed)  # noqa: S311 (made-up data, reproducible by design)
    end = end or datetime.now(UTC).date()
    end_at = datetime(end.year, end.month, end.day, 23, 59, tzinfo=UTC)
    start_at = end_at - timedelta(days=365 * YEARS + YEARS // 4)
    summary = Summary()
    with transaction.atomic():
        world = _organisations(
            rng, max(3, min(ESTABLISHMENTS, children // CHILDREN_PER_ESTABLISHMENT))
        )
        progress("organisations and users written")
        _people_and_episodes(rng, world, children, episodes, start_at, end_at, summary)
    # Written around the services: the reports' summary table is derived whole (facts.py).
    facts.rebuild()
    progress("the reports' summary table derived")
    # And the call handler's search keys (people/search.py), also written around them.
    index_pending()
    progress("the search keys written")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    progress("analysed")
    return summary


@dataclass
class _Area:
    org: Organisation
    force: Organisation
    authority: Organisation
    provider: Organisation
    postcodes: list[str]
    handler: User
    sergeant: User
    inspector: User


@dataclass
class _World:
    areas: list[_Area]
    weights: list[float]
    establishments: list[tuple[Organisation, _Area]]


def _organisations(rng: random.Random, n_establishments: int) -> _World:
    ids = _Ids()
    authorities: dict[str, tuple[Organisation, Organisation]] = {}
    areas: list[_Area] = []
    weights: list[float] = []
    for force_name, code, share, force_areas in FORCES:
        force = organisation_create(
            actor=None,
            kind=OrganisationKind.POLICE_FORCE,
            name=f"{force_name} (synthetic)",
            code=code,
            policy_profile="west-mercia-2014",
        )
        for area_name, la_name in force_areas:
            if la_name not in authorities:
                slug = la_name.lower().replace(" ", "-").replace("-on-", "-")
                la = organisation_create(
                    actor=None,
                    kind=OrganisationKind.LOCAL_AUTHORITY,
                    name=f"{la_name} (synthetic)",
                    code=f"syn-la-{slug}",
                )
                provider = organisation_create(
                    actor=None,
                    kind=OrganisationKind.RHI_PROVIDER,
                    name=f"{la_name} return interviews (synthetic)",
                    code=f"syn-rhi-{slug}",
                    local_authority=la,
                )
                authorities[la_name] = (la, provider)
            la, provider = authorities[la_name]
            org = organisation_create(
                actor=None,
                kind=OrganisationKind.POLICING_AREA,
                name=f"{area_name} (synthetic)",
                code=f"syn-area-{area_name.lower().replace(' ', '-')}",
                parent=force,
                local_authority=la,
            )
            users = [
                user_create(
                    actor=None,
                    email=f"{role}.{org.code}@synthetic.invalid",
                    full_name=f"{Role(role).label} {area_name}",
                    organisation=org,
                    roles=[role],
                )
                for role in (Role.CALL_HANDLER, Role.SERGEANT, Role.INSPECTOR)
            ]
            areas.append(
                _Area(
                    org,
                    force,
                    la,
                    provider,
                    _postcodes(rng, POSTCODE_AREAS[la_name], 400),
                    *users,
                )
            )
            weights.append(share / len(force_areas))
    establishments: list[tuple[Organisation, _Area]] = []
    for i in range(n_establishments):
        area = rng.choices(areas, weights=weights)[0]
        postcode = rng.choice(area.postcodes)
        kind = OrganisationKind.CHILDRENS_HOME if i % 3 else OrganisationKind.SEMI_INDEPENDENT
        establishments.append(
            (
                Organisation(
                    id=ids.take(Organisation),
                    kind=kind,
                    name=f"Synthetic home {i + 1:03d}",
                    code=f"syn-home-{i + 1:03d}",
                    postcode=postcode,
                    local_authority=area.authority,
                ),
                area,
            )
        )
    Organisation.objects.bulk_create([e for e, _ in establishments])
    _reset_sequences([Organisation])
    return _World(areas, weights, establishments)


def _people_and_episodes(
    rng: random.Random,
    world: _World,
    n_children: int,
    n_episodes: int,
    start_at: datetime,
    end_at: datetime,
    summary: Summary,
) -> None:
    ids = _Ids()
    writers: dict[type[models.Model], _Writer] = {
        m: _Writer(m)
        for m in (
            Person,
            Placement,
            Episode,
            FoundReport,
            CategoryDecision,
            RiskGrading,
            Referral,
            Interview,
        )
    }
    span = (end_at - start_at).total_seconds()
    # Establishments differ in size: a few take many of the looked-after children.
    est_weights = [rng.paretovariate(1.3) for _ in world.establishments]
    for count in _shares(rng, n_children, n_episodes):
        _child(rng, world, ids, writers, count, start_at, end_at, span, est_weights)
    for w in writers.values():
        w.flush()
    _reset_sequences(writers)
    summary.children = writers[Person].written
    summary.placements = writers[Placement].written
    summary.episodes = writers[Episode].written
    summary.found = writers[FoundReport].written
    summary.decisions = writers[CategoryDecision].written
    summary.gradings = writers[RiskGrading].written
    summary.referrals = writers[Referral].written
    summary.interviews = writers[Interview].written


def _child(
    rng: random.Random,
    world: _World,
    ids: _Ids,
    writers: dict[type[models.Model], _Writer],
    count: int,
    start_at: datetime,
    end_at: datetime,
    span: float,
    est_weights: list[float],
) -> None:
    area = rng.choices(world.areas, weights=world.weights)[0]
    # Active for one to four years, inside the decade.
    active = timedelta(days=rng.randint(365, 4 * 365))
    first = start_at + timedelta(seconds=rng.random() * max(span - active.total_seconds(), 1))
    last = min(first + active, end_at)
    dob = (first - timedelta(days=rng.randint(10 * 365, 16 * 365))).date()
    looked_after = rng.random() < 0.33
    home_postcode = rng.choice(area.postcodes)
    person_id = ids.take(Person)
    writers[Person].add(
        {
            "id": person_id,
            "given_name": rng.choice(GIVEN),
            "family_name": rng.choice(FAMILY),
            "date_of_birth": dob,
            "sex": _pick(rng, SEXES),
            "ethnicity": _pick(rng, ETHNICITIES),
            "home_address": f"{rng.randint(1, 250)} Synthetic Road",
            "home_postcode": home_postcode,
            "home_authority_id": area.authority.pk,
            "care_status": "looked_after" if looked_after else "at_home",
            "created_by_org_id": area.org.pk,
            "created_at": first,
            "photo": "",
        }
    )
    establishment = None
    if looked_after:
        establishment, est_area = rng.choices(world.establishments, weights=est_weights)[0]
        writers[Placement].add(
            {
                "id": ids.take(Placement),
                "person_id": person_id,
                "placement_type": "children_home"
                if establishment.kind == OrganisationKind.CHILDRENS_HOME
                else "semi_independent",
                "provider_id": establishment.pk,
                "address": f"{establishment.name}, Synthetic Lane",
                "postcode": establishment.postcode,
                "placing_authority_id": area.authority.pk,
                "host_authority_id": est_area.authority.pk,
                "started_on": (first - timedelta(days=rng.randint(30, 400))).date(),
                "home_postcode": home_postcode,
            }
        )
        area = est_area  # the police where the child lives
    window = (last - first).total_seconds()
    times = sorted(first + timedelta(seconds=rng.random() * window) for _ in range(count))
    for reported in times:
        _episode(rng, area, ids, writers, person_id, reported, end_at, establishment)


def _episode(
    rng: random.Random,
    area: _Area,
    ids: _Ids,
    writers: dict[type[models.Model], _Writer],
    person_id: int,
    reported: datetime,
    end_at: datetime,
    establishment: Organisation | None,
) -> None:
    episode_id = ids.take(Episode)
    category = _pick(rng, CATEGORIES)
    last_seen = reported - timedelta(minutes=rng.randint(20, 8 * 60))
    # Found after a log-normal time (median about 10 hours); 1 % never found.
    hours = rng.lognormvariate(math.log(10), 1.1)
    found_at = last_seen + timedelta(hours=hours)
    recent = found_at > end_at
    never = rng.random() < 0.01
    found = not (recent or never)
    if establishment is not None:
        postcode = establishment.postcode
        place = f"{establishment.name}, Synthetic Lane"
        key = f"org:{establishment.code}"
        missing_from = MissingFrom.CARE
    else:
        postcode = rng.choice(area.postcodes)
        place = f"{rng.randint(1, 250)} Synthetic Road"
        key = f"addr:{postcode.replace(' ', '')}:{place.lower()}"
        missing_from = MissingFrom.HOME if rng.random() < 0.9 else MissingFrom.SCHOOL
    risk = _pick(rng, RISKS) if category == Category.MISSING else ""
    writers[Episode].add(
        {
            "id": episode_id,
            "person_id": person_id,
            "force_id": area.force.pk,
            "owning_area_id": area.org.pk,
            "profile_id": "west-mercia-2014",
            "status": Status.CLOSED if found else Status.OPEN,
            "reported_at": reported,
            "reported_by": "care_staff" if establishment is not None else "parent",
            "informant_name": "Synthetic informant",
            "missing_from": missing_from,
            "location_address": place,
            "location_postcode": postcode,
            "location_key": key,
            "establishment_id": establishment.pk if establishment is not None else None,
            "last_seen_at": last_seen,
            "last_seen_place": place,
            "circumstances": "Synthetic episode",
            "category": category,
            "risk": risk,
            "categorised_at": reported,
            "categorised_by_role": Role.SERGEANT,
            "closed_at": found_at + 6 * HOUR if found else None,
            "created_at": reported,
            "created_by_id": area.handler.pk,
        }
    )
    # The category decision(s): one in twenty first decided otherwise by the call handler.
    if rng.random() < 0.05:
        writers[CategoryDecision].add(
            {
                "id": ids.take(CategoryDecision),
                "episode_id": episode_id,
                "category": Category.ABSENT if category == Category.MISSING else Category.MISSING,
                "by_id": area.handler.pk,
                "by_role": Role.CALL_HANDLER,
                "rationale": "Synthetic",
                "at": reported,
            }
        )
    writers[CategoryDecision].add(
        {
            "id": ids.take(CategoryDecision),
            "episode_id": episode_id,
            "category": category,
            "by_id": area.sergeant.pk,
            "by_role": Role.SERGEANT,
            "rationale": "Synthetic",
            "at": reported + timedelta(minutes=10),
        }
    )
    if category == Category.MISSING:
        initial = risk
        raised = rng.random() < 0.12 and risk in (Risk.LOW, Risk.MEDIUM)
        if raised:
            initial = Risk.LOW if risk == Risk.MEDIUM else Risk.NO_APPARENT_RISK
        writers[RiskGrading].add(
            {
                "id": ids.take(RiskGrading),
                "episode_id": episode_id,
                "risk": initial,
                "by_id": area.sergeant.pk,
                "by_role": Role.SERGEANT,
                "rationale": "Synthetic",
                "at": reported + timedelta(minutes=10),
                "initial": True,
            }
        )
        if raised:
            writers[RiskGrading].add(
                {
                    "id": ids.take(RiskGrading),
                    "episode_id": episode_id,
                    "risk": risk,
                    "by_id": area.inspector.pk,
                    "by_role": Role.INSPECTOR,
                    "rationale": "Synthetic",
                    "at": reported + timedelta(hours=2),
                    "initial": False,
                }
            )
    if not found:
        return
    nearby = rng.random()
    found_postcode = (
        "" if nearby < 0.1 else postcode if nearby < 0.5 else rng.choice(area.postcodes)
    )
    writers[FoundReport].add(
        {
            "id": ids.take(FoundReport),
            "episode_id": episode_id,
            "found_at": found_at,
            "returned_at": found_at + HOUR,
            "found_postcode": found_postcode,
            "found_where": "Synthetic place",
            "found_by": "police",
            "condition": "Synthetic",
            "safe_and_well": "done",
            "recorded_by_id": area.handler.pk,
            "recorded_at": found_at + HOUR,
        }
    )
    if category != Category.MISSING:
        return
    _referral(rng, area, ids, writers, person_id, episode_id, found_at, establishment, end_at)


def _referral(
    rng: random.Random,
    area: _Area,
    ids: _Ids,
    writers: dict[type[models.Model], _Writer],
    person_id: int,
    episode_id: int,
    found_at: datetime,
    establishment: Organisation | None,
    end_at: datetime,
) -> None:
    referral_id = ids.take(Referral)
    due = found_at + 72 * HOUR
    outcome = _pick(rng, OUTCOMES)
    ended = found_at + timedelta(hours=rng.lognormvariate(math.log(50), 0.5))
    closed = ended <= end_at
    row: dict[str, Any] = {
        "id": referral_id,
        "episode_id": episode_id,
        "person_id": person_id,
        "responsible_authority_id": area.authority.pk,
        "basis": "home",
        "interviewer_id": area.provider.pk,
        "category": Category.MISSING,
        "in_care": establishment is not None,
        "found_at": found_at,
        "due": due,
        "created_at": found_at,
        "rag": _pick(rng, RAGS),
        "triaged_at": found_at + 3 * HOUR,
        "state": State.CLOSED if closed else State.TRIAGED,
    }
    if closed:
        row |= {"outcome": outcome, "outcome_at": ended}
        if outcome == Outcome.COMPLETED:
            row["offered_at"] = found_at + 12 * HOUR
    writers[Referral].add(row)
    if closed and outcome == Outcome.COMPLETED:
        writers[Interview].add(
            {
                "id": ids.take(Interview),
                "referral_id": referral_id,
                "held_at": ended,
                "interviewer_name": "Synthetic worker",
                "independent": True,
                "place": "Synthetic",
                "recorded_by_id": area.handler.pk,
                "recorded_at": ended,
            }
        )
