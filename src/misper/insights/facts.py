"""The reports' summary table (``EpisodeFact``, issue 14 part 4): one row per episode with
what the reports count (bands, age, sex, ethnicity, districts, the first grading and whether
it was raised), derived here with the reports' own functions, so that a report over three
years of a force groups one narrow indexed table instead of joining six tables and counting
200,000 episodes in Python (docs/insights.md "The summary table").

Exact, not eventually right: every change to a child, an episode, a found report, a grading
or a placement leaves a timeline event, and each timeline event marks its subject changed
(``core.ChangedSubject``, in the writer's transaction). ``refresh`` re-derives the rows of
every child with a mark and deletes the marks, in one transaction; the worker runs it each
tick (``insights/tasks.py``) and every report runs it before counting (``report_for``), so a
report never counts a summary older than the last committed change. Refreshes take a lock
(one refresher at a time), so two never derive the same child at once.

Derived per child, not per episode: a child's episodes share their age, sex, ethnicity,
authority and placements, and a merge of two records moves episodes between children."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from misper.core.models import ChangedSubject
from misper.episodes.codes import RISK_ORDER, Status
from misper.episodes.models import Episode, RiskGrading
from misper.insights import reports
from misper.insights.models import EpisodeFact, ReferralFact
from misper.people.matching import outward_code
from misper.people.models import Person, Placement
from misper.returns.coverage import referral_figures
from misper.returns.models import Referral, was_completed, was_offered

# How many marks one refresh takes (a report loops until none are left; the worker's tick
# takes fewer: tasks.SWEEP_BATCH).
BATCH = 2000
# Marks of subjects the summary does not derive from are deleted unread.
_PERSON_OF_SUBJECT = {
    "person": None,  # the subject is the child
    "episode": Episode,
    "rhi_referral": Referral,
}


def _people_of(marks: Iterable[tuple[str, str]]) -> set[int]:
    ids: dict[str, set[int]] = {kind: set() for kind in _PERSON_OF_SUBJECT}
    for kind, subject_id in marks:
        if kind in ids and subject_id.isdigit():
            ids[kind].add(int(subject_id))
    people = set(ids["person"])
    people.update(Episode.objects.filter(pk__in=ids["episode"]).values_list("person_id", flat=True))
    people.update(
        Referral.objects.filter(pk__in=ids["rhi_referral"]).values_list(
            "episode__person_id", flat=True
        )
    )
    return people


def refresh(batch: int = BATCH, *, wait: bool = True) -> int:
    """Re-derive the summary of the children of up to ``batch`` marks, and delete those
    marks, in one transaction; how many marks it took. ``wait=False`` (the worker's
    sweep): if another refresh is running, do nothing rather than hold up the tick's other
    sweeps (the deadlines) behind it."""
    if not ChangedSubject.objects.exists():
        return 0  # the common case, without waiting for the lock
    with transaction.atomic():
        if not _lock(wait=wait):
            return 0
        marks = list(
            ChangedSubject.objects.order_by("id").values_list("id", "subject_type", "subject_id")[
                :batch
            ]
        )
        if not marks:
            return 0
        derive(_people_of((kind, subject) for _, kind, subject in marks))
        ChangedSubject.objects.filter(pk__in=[m[0] for m in marks]).delete()
        return len(marks)


# PostgreSQL's transaction-scoped advisory lock: one refresher at a time, the others wait
# and then read the marks left (SQLite serialises writers with its database lock).
_LOCK_KEY = 0x6D697370  # "misp"


def _lock(*, wait: bool = True) -> bool:
    """Take the refreshers' lock until the transaction ends; False if ``wait`` is False and
    another refresher holds it."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def refresh_all() -> int:
    """``refresh`` until no mark is left (the report's call)."""
    total = 0
    while n := refresh():
        total += n
    return total


def derive(person_ids: Iterable[int]) -> int:
    """Replace the summary rows of these children's episodes; how many rows were written."""
    ids = sorted(set(person_ids))
    written = 0
    for at in range(0, len(ids), 500):
        chunk = ids[at : at + 500]
        facts = _facts(chunk)
        # By child, and by episode: an episode moved here by a merge may still have its
        # row under the other child, if that child is derived in a later batch.
        EpisodeFact.objects.filter(
            Q(person_id__in=chunk) | Q(episode_id__in=[f.episode_id for f in facts])
        ).delete()
        EpisodeFact.objects.bulk_create(facts, batch_size=2000)
        referrals = _referral_facts(chunk)
        ReferralFact.objects.filter(
            Q(person_id__in=chunk) | Q(referral_id__in=[r.referral_id for r in referrals])
        ).delete()
        ReferralFact.objects.bulk_create(referrals, batch_size=2000)
        written += len(facts)
    return written


def rebuild(*, progress: Callable[[str], None] = lambda _: None) -> int:
    """Derive the whole summary again (``misper insights_facts --rebuild``): after a change
    to a band's edges, or after data written without the services (the synthetic decade).
    Child by child in batches, each its own transaction; the marks present at the start are
    consumed."""
    last = ChangedSubject.objects.order_by("-id").values_list("id", flat=True).first()
    people = list(Person.objects.order_by("id").values_list("id", flat=True))
    written = 0
    for at in range(0, len(people), 5000):
        with transaction.atomic():
            _lock()
            written += derive(people[at : at + 5000])
        progress(f"{min(at + 5000, len(people)):,} of {len(people):,} children")
    with transaction.atomic():
        _lock()
        # NOT EXISTS (an anti-join), not NOT IN, which PostgreSQL runs row by row once the
        # children's ids outgrow its hash table's memory.
        child = Person.objects.filter(pk=OuterRef("person_id"))
        EpisodeFact.objects.filter(~Exists(child)).delete()
        ReferralFact.objects.filter(~Exists(child)).delete()
        if last is not None:
            ChangedSubject.objects.filter(pk__lte=last).delete()
    return written


_COLUMNS = (
    "id",
    "person_id",
    "owning_area_id",
    "person__home_authority_id",
    "last_seen_at",
    "category",
    "risk",
    "missing_from",
    "found__found_at",
    "found__found_postcode",
    "location_postcode",
    "establishment_id",
    "person__sex",
    "person__ethnicity",
    "person__date_of_birth",
    "person__estimated_age",
    "person__estimated_age_on",
    "person__home_postcode",
    "found__returned_at",
    "found__safe_and_well",
    "found__harmed",
    "status",
    "restricted",
    "rhi_referral__id",
    "rhi_referral__offered_at",
    "rhi_referral__outcome",
    "rhi_referral__state",
)


def _facts(person_ids: Sequence[int]) -> list[EpisodeFact]:
    rows = list(Episode.objects.filter(person_id__in=person_ids).values_list(*_COLUMNS))
    placements: dict[int, list[tuple[date, date | None, str]]] = {}
    for person_id, started, ended, postcode in (
        Placement.objects.filter(person_id__in=person_ids)
        .order_by("-started_on", "-id")
        .values_list("person_id", "started_on", "ended_on", "postcode")
    ):
        placements.setdefault(person_id, []).append((started, ended, postcode))
    gradings: dict[int, list[tuple[bool, str, str]]] = {}
    for episode_id, initial, level, role in (
        RiskGrading.objects.filter(episode__person_id__in=person_ids)
        .order_by("episode_id", "at", "id")
        .values_list("episode_id", "initial", "risk", "by_role")
    ):
        gradings.setdefault(episode_id, []).append((initial, level, role))
    points = reports._GridCache()
    out = []
    for (
        pk,
        person_id,
        area_id,
        authority_id,
        seen,
        category,
        risk,
        missing_from,
        found_at,
        found_postcode,
        from_postcode,
        establishment_id,
        sex,
        ethnicity,
        *birth,
        home_postcode,
        returned_at,
        safe_and_well,
        harmed,
        status,
        restricted,
        referral_id,
        offered_at,
        outcome,
        state,
    ) in rows:
        referred = referral_id is not None and not restricted  # returns/coverage.counted
        day = timezone.localdate(seen)
        placed = next(
            (
                postcode
                for started, ended, postcode in placements.get(person_id, [])
                if started <= day and (ended is None or ended >= day)
            ),
            None,
        )
        initial_role, raised = _first_grading(gradings.get(pk, []))
        out.append(
            EpisodeFact(
                episode_id=pk,
                person_id=person_id,
                owning_area_id=area_id,
                authority_id=authority_id,
                last_seen_at=seen,
                category=category,
                risk=risk,
                missing_from=missing_from,
                duration=reports.duration_band(seen, found_at),
                age_band=reports.age_band(reports._age((birth[0], birth[1], birth[2]), seen)),
                sex=sex,
                ethnicity=ethnicity,
                distance=_distance(
                    placed if placed is not None else home_postcode, found_postcode, points
                ),
                from_district=outward_code(from_postcode or ""),
                found_district=outward_code(found_postcode or ""),
                establishment_id=establishment_id,
                initial_role=initial_role,
                raised=raised,
                found_report=found_at is not None,
                returned_home=returned_at is not None,
                checked_safe=safe_and_well == "done",
                came_to_harm=bool(harmed),
                closed=status == Status.CLOSED,
                ri_referred=referred,
                ri_offered=referred and was_offered(offered_at, outcome),
                ri_completed=referred and was_completed(state, outcome or ""),
            )
        )
    return out


def _first_grading(seq: list[tuple[bool, str, str]]) -> tuple[str, bool | None]:
    """The rank of the episode's first (initial) grading, and whether a later grading put
    the risk higher (R-HMI-02: grading too low); ("", None) if it was never graded."""
    at = next((i for i, g in enumerate(seq) if g[0]), None)
    if at is None:
        return "", None
    _, level, role = seq[at]
    return role, any(RISK_ORDER[later] > RISK_ORDER[level] for _, later, _ in seq[at + 1 :])


def _distance(home: str | None, found: str | None, points: reports._GridCache) -> str:
    """C-10's band of the distance from home (or placement) to where found, or why it is
    not known (R-DAT-13: counted, never dropped)."""
    if not (found or "").strip():
        return reports.NO_FOUND_POSTCODE
    if not (home or "").strip():
        return reports.NO_HOME_POSTCODE
    a, b = points(home or ""), points(found or "")
    if a is None or b is None:
        return reports.NOT_IN_DIRECTORY
    return reports.distance_band(reports.whole_miles(reports.miles_between(a, b)))


def _referral_facts(person_ids: Sequence[int]) -> list[ReferralFact]:
    """The children's referrals, with the figures as ``returns.coverage`` reads them."""
    qs = Referral.objects.filter(person_id__in=person_ids).order_by()
    out = []
    for r, (
        pk,
        person_id,
        area,
        restricted,
        responsible,
        placing,
        interviewer,
        care,
        sex,
    ) in referral_figures(
        qs,
        "id",
        "person_id",
        "episode__owning_area_id",
        "episode__restricted",
        "responsible_authority_id",
        "placing_authority_id",
        "interviewer_id",
        "in_care",
        "person__sex",
    ):
        out.append(
            ReferralFact(
                referral_id=pk,
                person_id=person_id,
                found_at=r.found_at,
                owning_area_id=area,
                restricted=restricted,
                responsible_authority_id=responsible,
                placing_authority_id=placing,
                interviewer_id=interviewer,
                in_care=care,
                sex=sex,
                rag=r.rag or "",
                state=r.state,
                outcome=r.outcome or "",
                offered=r.offered,
                within_72_hours=r.within_72_hours,
                hours_to_outcome=r.hours_to_outcome,
            )
        )
    return out
