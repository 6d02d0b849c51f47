"""Duplicates and merging (issue 13, part 4): the records that may be the same child, and
the merge that makes them one, undoably. Never an automatic merge of two records.

1. **Finding** (the worker's ``check_pending`` for each record new or changed, a tenth
   of a second a tick; ``duplicate_sweep``, the ``find_duplicates`` command, for all
   records or some): each record is
   searched for as the call handler's page would search for it (``search.search``: the
   same keys and the same Fellegi–Sunter scorer); the records the search collapses with
   it into one row ("possible duplicate records: 2", ``search._same_child``) are written
   to the missing person coordinators' list as a ``DuplicatePair``, with the scorer's
   comparison field by field. A pair already on the list, merged or set aside as "not the
   same child" is not written again.
2. **Deciding** (the missing person coordinators, ``people.merge``): ``merge`` moves every
   row of every table that names the merged record (found from the model graph,
   ``Person``'s reverse relations, so that a table added later is not missed) to the kept
   record, and records exactly which rows it moved (``Merge.moved``) and which it made
   (``Merge.created``: the merged record's name as another name of the kept one). The
   merged record is kept, never deleted, so that the audit log and the timeline that name
   it still resolve; it has no search keys (it is never found), is left out of lists, its
   page points to the record kept and it cannot be changed
   (``selectors.get_person_for_user``). ``undo_merge`` moves exactly those rows back and
   removes exactly those made. ``not_duplicates`` sets a pair aside.
3. Every decision is one transaction: both records are opened through the people choke
   point (not found, then not allowed, then locked and audited, each with its purpose),
   their versions checked (optimistic concurrency: a stale version writes nothing), and a
   timeline event is written on both children.

The services here are, with people/services.py, the only code that writes these records.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import rules
from django.apps import apps
from django.db import models, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from misper.agencies.models import User
from misper.core.audit import audit_record
from misper.core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongState,
)
from misper.core.timeline import timeline_record
from misper.core.validation import clean_text
from misper.people.codes import AliasKind
from misper.people.events import PeopleVerb
from misper.people.models import (
    Alias,
    DuplicatePair,
    DuplicateStatus,
    Merge,
    NameKey,
    Person,
    SearchKey,
)
from misper.people.rules import visible_people_filter
from misper.people.search import FieldMatch, refresh_search_keys, search
from misper.people.selectors import NOT_ALLOWED, get_person_for_user
from misper.people.services import _refresh_name_keys

SUBJECT = "person"
MAX_REASON = 4000
NO_SUCH_PAIR = "No such possible duplicate"
NO_SUCH_MERGE = "No such merge"
QUEUE_LIMIT = 200

# Kept up to date from the record itself, not moved: rebuilt for both records.
_DERIVED = (NameKey, SearchKey)
# The merge's own bookkeeping.
_OWN = (DuplicatePair, Merge)


def may_handle_duplicates(user: User) -> bool:
    """The missing person coordinators (rules: ``people.duplicates``)."""
    return bool(rules.has_perm("people.duplicates", user))


# --- The tables that name a child ----------------------------------------------------------


def relations() -> list[models.ForeignKey[Any, Any]]:
    """Every foreign key to ``Person`` in any app (hidden ones included: a relation named
    "+"), except the search keys (rebuilt), other derived tables (a model with ``DERIVED``
    set), the merge's own records and the record's own link to the record it was merged
    into."""
    out = []
    for rel in Person._meta.get_fields(include_hidden=True):
        if not (rel.is_relation and rel.auto_created and not rel.concrete):
            continue
        model = rel.related_model
        if model is Person or model in _DERIVED or model in _OWN:
            continue
        if getattr(model, "DERIVED", False):  # another app's derived rows (EpisodeFact): it
            # re-derives them from the merge's timeline events on both records
            continue
        field = rel.field  # type: ignore[union-attr]
        if isinstance(field, models.ForeignKey):
            out.append(field)
    return out


def _label(field: models.ForeignKey[Any, Any]) -> str:
    return f"{field.model._meta.label}.{field.name}"


def _resolve(label: str) -> tuple[type[models.Model], str] | None:
    model_label, _, name = label.rpartition(".")
    try:
        return apps.get_model(model_label), name
    except LookupError:
        return None


def _shown(model: type[models.Model], pks: Iterable[Any]) -> int:
    """How many of the rows to count where people read them: a restricted record (a row
    with ``restricted`` set, R-RES-01) is in no count."""
    qs = model._base_manager.filter(pk__in=list(pks))
    if any(f.name == "restricted" for f in model._meta.get_fields()):
        qs = qs.filter(restricted=False)
    return qs.count()


def moved_summary(moved: dict[str, list[Any]]) -> list[tuple[str, int]]:
    """What a merge moved, as people read it: ("cases", 2), ("flags", 1), ... (restricted
    records left out of the counts)."""
    out = []
    for label, pks in sorted(moved.items()):
        resolved = _resolve(label)
        if resolved is None or not pks:
            continue
        model, _ = resolved
        n = _shown(model, pks)
        if n:
            out.append((_plural(model, n), n))
    return out


def _plural(model: type[models.Model], n: int) -> str:
    meta = model._meta
    return str(meta.verbose_name if n == 1 else meta.verbose_name_plural)


def _summary_text(moved: dict[str, list[Any]]) -> str:
    parts = [f"{n} {what}" for what, n in moved_summary(moved)]
    return ", ".join(parts) or "nothing"


def record_counts(person: Person) -> list[tuple[str, int]]:
    """What names the child, table by table, for the comparison page (restricted records
    left out)."""
    out = []
    for field in relations():
        model = field.model
        pks = list(model._base_manager.filter(**{field.name: person}).values_list("pk", flat=True))
        n = _shown(model, pks) if pks else 0
        if n:
            out.append((_plural(model, n), n))
    return sorted(out)


# --- Reading -------------------------------------------------------------------------------


def duplicate_queue(user: User, *, limit: int = QUEUE_LIMIT) -> list[DuplicatePair]:
    """The possible duplicates waiting for a decision, the strongest first: for the missing
    person coordinators (PermissionDenied for anyone else), only pairs of records the user
    may see, neither already merged. The listing is audited (how many rows, not who)."""
    if not may_handle_duplicates(user):
        raise PermissionDenied(NOT_ALLOWED)
    qs = DuplicatePair.objects.filter(
        status=DuplicateStatus.WAITING,
        first__merged_into__isnull=True,
        second__merged_into__isnull=True,
    ).select_related("first", "second")
    flt = visible_people_filter(user)
    if flt is not None:
        visible = Person.objects.filter(flt).values("pk")
        qs = qs.filter(first__in=visible, second__in=visible)
    pairs = list(qs.order_by("-weight", "pk")[:limit])
    audit_record(
        user=user,
        action="read",
        subject_type="duplicate_queue",
        subject_id=len(pairs),
        purpose="list possible duplicate records",
    )
    return pairs


def get_pair_for_user(
    user: User, pair_id: int, *, purpose: str, for_update: bool = False
) -> DuplicatePair:
    """One possible duplicate, with both records opened through the people choke point
    (audited with ``purpose``; locked when ``for_update``, in id order). "No such possible
    duplicate" for anyone but a missing person coordinator who may see both records."""
    if not may_handle_duplicates(user):
        raise NotFound(NO_SUCH_PAIR)
    qs = DuplicatePair.objects.select_for_update() if for_update else DuplicatePair.objects
    pair = qs.filter(pk=pair_id).first()
    if pair is None:
        raise NotFound(NO_SUCH_PAIR)
    try:
        pair.first, pair.second = _open_both(
            user, pair.first_id, pair.second_id, purpose=purpose, for_update=for_update
        )
    except NotFound:
        raise NotFound(NO_SUCH_PAIR) from None
    return pair


def get_merge_for_user(
    user: User, merge_id: int, *, purpose: str, for_update: bool = False
) -> Merge:
    """One merge, with both records opened through the people choke point, in the style of
    ``get_pair_for_user``: "No such merge" for anyone else."""
    if not may_handle_duplicates(user):
        raise NotFound(NO_SUCH_MERGE)
    # Locked without a join: PostgreSQL refuses FOR UPDATE on the nullable side of one.
    qs = (
        Merge.objects.select_for_update()
        if for_update
        else Merge.objects.select_related("merged_by", "undone_by")
    )
    merge = qs.filter(pk=merge_id).first()
    if merge is None:
        raise NotFound(NO_SUCH_MERGE)
    try:
        merge.kept, merge.merged = _open_both(
            user, merge.kept_id, merge.merged_id, purpose=purpose, for_update=for_update
        )
    except NotFound:
        raise NotFound(NO_SUCH_MERGE) from None
    return merge


def merges_into(person: Person) -> QuerySet[Merge]:
    """The merges (not undone) that kept this record, newest first (the record as opened
    through ``get_person_for_user``)."""
    return Merge.objects.filter(kept=person, undone_at__isnull=True).select_related("merged")


def merge_of(person: Person) -> Merge | None:
    """For a record merged into another: the merge (not undone) that did it."""
    return (
        Merge.objects.filter(merged=person, undone_at__isnull=True)
        .order_by("-merged_at", "-pk")
        .first()
    )


def _open_both(
    user: User,
    a: int,
    b: int,
    *,
    purpose: str,
    for_update: bool,
    action: str = "people.merge",
) -> tuple[Person, Person]:
    """Both records through the choke point, locked in id order (two merges never wait
    for each other); not found before not allowed, for either."""
    opened = {}
    for pk in sorted({a, b}):
        opened[pk] = get_person_for_user(
            user,
            pk,
            action=action,
            purpose=purpose,
            for_update=for_update,
            prefetch=False,
            allow_merged=True,
        )
    return opened[a], opened[b]


@dataclass(frozen=True)
class Compared:
    """One line of the side-by-side comparison: what people read, each record's value,
    and whether they agree."""

    label: str
    first: str
    second: str

    @property
    def same(self) -> bool:
        return self.first == self.second


def _text(person: Person, name: str) -> str:
    if name == "other_names":
        return ", ".join(sorted(a.name for a in person.aliases.all()))
    value = getattr(person, name)
    if name == "date_of_birth":
        return value.strftime("%-d %B %Y") if value else "Not known"
    if name in ("sex", "care_status", "ethnicity"):
        return str(getattr(person, f"get_{name}_display")())
    if name == "home_authority":
        return value.name if value else ""
    if name == "estimated_age":
        return "" if value is None else str(value)
    return str(value or "")


COMPARED = (
    ("Given name", "given_name"),
    ("Family name", "family_name"),
    ("Other names", "other_names"),
    ("Date of birth", "date_of_birth"),
    ("Estimated age", "estimated_age"),
    ("Sex", "sex"),
    ("Ethnicity", "ethnicity"),
    ("Phone", "phone"),
    ("Home address", "home_address"),
    ("Home postcode", "home_postcode"),
    ("Home local authority", "home_authority"),
    ("Care status", "care_status"),
    ("Local authority child id", "la_child_id"),
    ("Police person id", "police_person_id"),
)


def compare(pair: DuplicatePair) -> list[Compared]:
    """The two records side by side (the pair as opened by ``get_pair_for_user``)."""
    return [Compared(label, _text(pair.first, n), _text(pair.second, n)) for label, n in COMPARED]


def pair_reasons(pair: DuplicatePair) -> list[FieldMatch]:
    """The scorer's comparison of the two, field by field."""
    return [FieldMatch(**f) for f in pair.fields]


# --- Finding -------------------------------------------------------------------------------


def _search_as(person: Person, today: date, visible: QuerySet[Person] | None) -> list[Any]:
    return search(
        visible=visible,
        name=f"{person.given_name} {person.family_name}",
        date_of_birth=person.date_of_birth,
        phone=person.phone_digits or person.phone,
        postcode=person.home_postcode,
        today=today,
        limit=20,
    )


def candidates_for(person: Person, today: date) -> list[int]:
    """The records the call handler's search collapses with this one into one row (the
    same child: ``search._same_child``), by the same keys and scorer."""
    for found in _search_as(person, today, None):
        ids = [found.person_id, *found.duplicates]
        if person.pk in ids:
            return [pk for pk in ids if pk != person.pk]
    return []


def duplicate_sweep(
    *, person_ids: Iterable[int] | None = None, today: date | None = None, batch: int = 500
) -> tuple[int, int]:
    """Look for possible duplicates of each record (``person_ids``, or every record not
    merged) and put each new pair on the coordinators' list, with the scorer's comparison.
    Never merges. Returns (records looked at, pairs added)."""
    today = today or timezone.localdate()
    qs = Person.objects.filter(merged_into__isnull=True).order_by("pk")
    if person_ids is not None:
        qs = qs.filter(pk__in=list(person_ids))
    seen = added = 0
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last)[:batch])
        if not chunk:
            return seen, added
        last = chunk[-1].pk
        for person in chunk:
            seen += 1
            for other in candidates_for(person, today):
                added += _pair_add(person, other, today)


# Seconds of a worker tick spent looking for duplicates (at least one record a tick), so
# that a backlog (a bulk load, the first run after migration 0015) never holds up the
# deadlines' sweep in the next tick by more than this.
CHECK_BUDGET = 0.1


def check_pending(*, budget: float = CHECK_BUDGET, today: date | None = None) -> int:
    """The worker's sweep: look for possible duplicates of each record not looked at as
    it is now (new, or changed since: ``Person.duplicates_checked``), one record a
    transaction with its row locked (a change made meanwhile waits, then asks for another
    look; another worker skips it), until ``budget`` seconds have passed. Puts each new
    pair on the coordinators' list; never merges. Returns how many records it looked at."""
    today = today or timezone.localdate()
    start = time.monotonic()
    done = 0
    while done == 0 or time.monotonic() - start < budget:
        with transaction.atomic():
            person = (
                Person.objects.select_for_update(skip_locked=True)
                .filter(duplicates_checked=False, merged_into__isnull=True)
                .order_by("pk")
                .first()
            )
            if person is None:
                break
            for other in candidates_for(person, today):
                _pair_add(person, other, today)
            Person.objects.filter(pk=person.pk).update(duplicates_checked=True)
        done += 1
    return done


def _pair_add(person: Person, other_id: int, today: date) -> int:
    first, second = sorted((person.pk, other_id))
    if DuplicatePair.objects.filter(first_id=first, second_id=second).exists():
        return 0
    # The scorer's comparison of the other record with this one, field by field.
    found = _search_as(person, today, Person.objects.filter(pk=other_id))
    if not found:
        return 0
    row = found[0]
    fields = [
        {"field": f.field, "level": f.level, "weight": f.weight, "text": f.text} for f in row.fields
    ]
    with transaction.atomic():
        _, made = DuplicatePair.objects.get_or_create(
            first_id=first,
            second_id=second,
            defaults={"fields": fields, "weight": round(row.weight, 2)},
        )
    return int(made)


# --- Deciding ------------------------------------------------------------------------------


def _reason(value: str) -> str:
    return clean_text(value, "reason", required=True, max_len=MAX_REASON, multiline=True)


def _check_version(person: Person, version: int, field: str) -> None:
    if person.version != version:
        raise ConcurrentEdit(
            f"{person.name}'s record changed after you opened it. Nothing has been merged: "
            "compare the records as they are now, then decide again.",
            field=field,
        )


# What a clash of two records' rows means, by the name of the constraint it breaks.
_CLASHES = {
    "allocation_one_current_per_role": "Both records have a current worker in the same role. "
    "End one of the allocations first",
    "person_share_one_current_per_organisation": "Both records are shared with the same "
    "organisation. End one of the shares first",
    "carer_report_one_open_per_child": "Both records have a report from carers still open. "
    "Close one first",
    "one_child_per_notice": "Both records are named on the same harbouring notice",
}


def _clashes(keep: Person, away: Person) -> list[str]:
    """What cannot be moved from one record to the other without breaking a rule of its
    table (a unique constraint naming the child): one sentence each."""
    out = []
    for field in relations():
        model = field.model
        renumber = getattr(model, "MERGE_RENUMBER", None)
        for c in model._meta.constraints:
            if not isinstance(c, models.UniqueConstraint) or field.name not in c.fields:
                continue
            if renumber and set(c.fields) == {field.name, renumber[0]}:
                continue  # numbered again over both records (_renumber)
            others = [f for f in c.fields if f != field.name]
            qs = model._base_manager.filter(**{f"{field.name}__in": [keep.pk, away.pk]})
            if c.condition is not None:
                qs = qs.filter(c.condition)
            if others:
                clash = (
                    qs.values(*others)
                    .annotate(n=Count(field.name, distinct=True))
                    .filter(n__gt=1)
                    .exists()
                )
            else:
                clash = qs.values(field.name).distinct().count() > 1
            if clash:
                text = _CLASHES.get(
                    c.name,
                    f"Both records have {model._meta.verbose_name_plural} that cannot be combined",
                )
                out.append(text)
    return out


# A number no row is given while the rows of both records are numbered again, so that no
# two rows of one child share a number at any moment (the unique constraint holds).
_PARKED = 1_000_000


def _park(model: type[models.Model], number: str, pks: list[Any]) -> None:
    for i, pk in enumerate(pks, 1):
        model._base_manager.filter(pk=pk).update(**{number: _PARKED + i})


def _renumber(keep: Person, away: Person) -> dict[str, dict[str, int]]:
    """Rows numbered per child (a model with ``MERGE_RENUMBER = (number field, order)``:
    the pre-placement assessment's versions) when both records have some: numbered again
    1, 2, ... over both, in the order saved, so that the latest saved is the latest read.
    Returns, per relation, each row's number before (for the undo)."""
    out: dict[str, dict[str, int]] = {}
    for field in relations():
        model = field.model
        spec = getattr(model, "MERGE_RENUMBER", None)
        if not spec:
            continue
        number, order = spec
        rows = list(
            model._base_manager.filter(**{f"{field.name}__in": [keep.pk, away.pk]})
            .order_by(*order)
            .values_list("pk", number, field.attname)
        )
        if len({owner for _, _, owner in rows}) < 2:
            continue  # one record's rows only: they keep their numbers
        pks = [pk for pk, _, _ in rows]
        _park(model, number, pks)
        for i, pk in enumerate(pks, 1):
            model._base_manager.filter(pk=pk).update(**{number: i})
        out[_label(field)] = {str(pk): old for pk, old, _ in rows}
    return out


def _numbered_again(renumbered: dict[str, dict[str, int]]) -> str:
    parts = []
    for label, numbers in renumbered.items():
        resolved = _resolve(label)
        if resolved is not None:
            parts.append(f"{len(numbers)} {_plural(resolved[0], len(numbers))}")
    return ", ".join(parts)


def _refresh_keys(person: Person) -> None:
    if person.merged_into_id is None:
        _refresh_name_keys(person)
    else:
        person.name_keys.all().delete()
        refresh_search_keys(person)


def _pair_between(a: Person, b: Person) -> DuplicatePair:
    first, second = sorted((a.pk, b.pk))
    pair, _ = DuplicatePair.objects.select_for_update().get_or_create(
        first_id=first, second_id=second
    )
    return pair


def _record_name(person: Person) -> str:
    return f"{person.name} (record {person.pk})"


def merge(
    *,
    actor: User,
    keep_id: int,
    merge_away_id: int,
    keep_version: int,
    merge_away_version: int,
    reason: str,
) -> Merge:
    """Merge one record into another (see the module's docstring). Refused: a record into
    itself, a record already merged, records the actor may not see ("No such child") or
    may not merge (not a missing person coordinator), a version that is not the one
    loaded (ConcurrentEdit: nothing is written), and rows that would clash."""
    if keep_id == merge_away_id:
        raise ValidationFailed("A record cannot be merged into itself", field="keep")
    reason = _reason(reason)
    with transaction.atomic():
        keep, away = _open_both(
            actor, keep_id, merge_away_id, purpose="merge duplicate records", for_update=True
        )
        for person, field in ((keep, "keep"), (away, "merge_away")):
            if person.merged_into_id is not None:
                raise WrongState(
                    f"{person.name}'s record was already merged into another record", field=field
                )
        _check_version(keep, keep_version, "keep_version")
        _check_version(away, merge_away_version, "merge_away_version")
        clashes = _clashes(keep, away)
        if clashes:
            raise ValidationFailed(". ".join(clashes), field="keep")
        pair = _pair_between(keep, away)
        renumbered = _renumber(keep, away)
        moved: dict[str, list[Any]] = {}
        for field_ in relations():
            model = field_.model
            rows = model._base_manager.filter(**{field_.name: away})
            pks = list(rows.values_list("pk", flat=True))
            if pks:
                model._base_manager.filter(pk__in=pks).update(**{field_.name: keep})
                moved[_label(field_)] = sorted(pks)
        created: dict[str, list[Any]] = {}
        name = f"{away.given_name} {away.family_name}"
        if (
            name.casefold() != keep.name.casefold()
            and not keep.aliases.filter(name__iexact=name).exists()
        ):
            alias = Alias.objects.create(person=keep, name=name, kind=AliasKind.ALSO_KNOWN_AS)
            created[Alias._meta.label] = [alias.pk]
        now = timezone.now()
        away.merged_into = keep
        away.version += 1
        away.save(update_fields=["merged_into", "version"])
        keep.version += 1
        keep.save(update_fields=["version"])
        _refresh_keys(keep)
        _refresh_keys(away)
        pair.status = DuplicateStatus.MERGED
        pair.decided_by = actor
        pair.decided_at = now
        pair.decision_reason = reason
        pair.version += 1
        pair.save()
        m = Merge.objects.create(
            pair=pair,
            kept=keep,
            merged=away,
            moved=moved,
            created=created,
            renumbered=renumbered,
            reason=reason,
            merged_by=actor,
            merged_at=now,
        )
        summary = _summary_text(moved)
        again = {"numbered_again": _numbered_again(renumbered)} if renumbered else {}
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=keep.pk,
            verb=PeopleVerb.RECORD_MERGED_IN,
            changes={
                "merged_record": _record_name(away),
                "moved": summary,
                **again,
                "merge": m.pk,
            },
            rationale=reason,
        )
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=away.pk,
            verb=PeopleVerb.RECORD_MERGED_AWAY,
            changes={"kept_record": _record_name(keep), "moved": summary, **again, "merge": m.pk},
            rationale=reason,
        )
    return m


def undo_merge(*, actor: User, merge_id: int, reason: str) -> Merge:
    """Undo a merge: exactly the rows it moved go back to the merged record, exactly the
    rows it made are removed (what was added to the kept record since stays there), the
    merged record is a record of its own again and the pair waits for a decision again.
    Refused: a merge already undone, and a kept record since merged into another (undo
    that merge first)."""
    reason = _reason(reason)
    with transaction.atomic():
        m = get_merge_for_user(actor, merge_id, purpose="undo a merge", for_update=True)
        keep, away = m.kept, m.merged
        if m.undone:
            raise WrongState("This merge has already been undone", field="merge")
        if keep.merged_into_id is not None:
            raise WrongState(
                f"{keep.name}'s record has since been merged into another record: undo that "
                "merge first",
                field="merge",
            )
        if away.merged_into_id != keep.pk:
            raise WrongState("This merge has already been undone", field="merge")
        renumbered = [
            (resolved[0], resolved[0].MERGE_RENUMBER[0], numbers)  # type: ignore[attr-defined]
            for label, numbers in m.renumbered.items()
            if (resolved := _resolve(label)) is not None
        ]
        for model, number, numbers in renumbered:  # parked, then moved back, then restored
            _park(model, number, sorted(int(pk) for pk in numbers))
        back: dict[str, list[Any]] = {}
        for label, pks in m.moved.items():
            resolved = _resolve(label)
            if resolved is None:
                continue
            model, name = resolved
            rows = model._base_manager.filter(pk__in=pks, **{name: keep})
            present = list(rows.values_list("pk", flat=True))
            model._base_manager.filter(pk__in=present).update(**{name: away})
            back[label] = sorted(present)
        for label, pks in m.created.items():
            model = apps.get_model(label)
            model._base_manager.filter(pk__in=pks, person=keep).delete()
        for model, number, numbers in renumbered:
            for pk, old in numbers.items():
                model._base_manager.filter(pk=int(pk)).update(**{number: old})
        now = timezone.now()
        away.merged_into = None
        away.version += 1
        away.save(update_fields=["merged_into", "version"])
        keep.version += 1
        keep.save(update_fields=["version"])
        _refresh_keys(keep)
        _refresh_keys(away)
        m.undone_by = actor
        m.undone_at = now
        m.undo_reason = reason
        m.save(update_fields=["undone_by", "undone_at", "undo_reason"])
        DuplicatePair.objects.filter(pk=m.pair_id).update(
            status=DuplicateStatus.WAITING,
            decided_by=None,
            decided_at=None,
            decision_reason="",
            version=models.F("version") + 1,
        )
        changes = {
            "kept_record": _record_name(keep),
            "merged_record": _record_name(away),
            "moved_back": _summary_text(back),
            "merge": m.pk,
        }
        for person in (keep, away):
            timeline_record(
                actor=actor,
                subject_type=SUBJECT,
                subject_id=person.pk,
                verb=PeopleVerb.MERGE_UNDONE,
                changes=changes,
                rationale=reason,
            )
    return m


def not_duplicates(*, actor: User, pair_id: int, version: int, reason: str) -> DuplicatePair:
    """The coordinator says the two records are not the same child: the pair leaves the
    list and is not put on it again."""
    reason = _reason(reason)
    with transaction.atomic():
        pair = get_pair_for_user(
            actor, pair_id, purpose="decide a possible duplicate", for_update=True
        )
        if pair.status != DuplicateStatus.WAITING:
            raise WrongState(
                f"This possible duplicate was already decided: {pair.get_status_display()}",
                field="pair",
            )
        if pair.version != version:
            raise ConcurrentEdit(
                "Someone else decided this possible duplicate after you opened it",
                field="version",
            )
        pair.status = DuplicateStatus.NOT_SAME
        pair.decided_by = actor
        pair.decided_at = timezone.now()
        pair.decision_reason = reason
        pair.version += 1
        pair.save()
        for person, other in ((pair.first, pair.second), (pair.second, pair.first)):
            timeline_record(
                actor=actor,
                subject_type=SUBJECT,
                subject_id=person.pk,
                verb=PeopleVerb.NOT_DUPLICATES,
                changes={"other_record": _record_name(other)},
                rationale=reason,
            )
    return pair
