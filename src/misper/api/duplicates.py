"""API: possible duplicate records and merges (issue 13, part 4), the same capabilities as
the missing person coordinators' pages, through the same selectors and services
(people/duplicates.py): the list, a merge, "not the same child", a merge and its undo.
For anyone but a missing person coordinator the list is 403 and a pair or a merge is 404,
as is one that does not exist or names a child the user may not see. A version that is
not the one read is 409 ``concurrent_edit`` and nothing is written."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from misper.agencies.selectors import acting_user
from misper.api.schemas import ERRORS, Id
from misper.core.errors import ValidationFailed
from misper.people import duplicates
from misper.people.models import DuplicatePair, DuplicateStatus, Merge, Person

router = Router(tags=["people"])


class RecordOut(Schema):
    id: int
    name: str
    date_of_birth: date | None
    version: int = Field(description="Send it back to merge: a record changed since is 409")


class FieldMatchOut(Schema):
    field: str
    level: str = Field(description="exact | variant | phonetic | close | partial | different")
    weight: float = Field(description="The field's weight of evidence in bits")
    text: str


class DuplicatePairOut(Schema):
    id: int
    first: RecordOut
    second: RecordOut
    status: DuplicateStatus = Field(description="waiting | merged | not_same")
    weight: float = Field(description="The match weight in bits")
    fields: list[FieldMatchOut]
    found_at: datetime
    decided_at: datetime | None
    version: int


class MovedOut(Schema):
    what: str
    count: int


class MergeOut(Schema):
    id: int
    pair_id: int
    kept: RecordOut
    merged: RecordOut
    moved: list[MovedOut] = Field(description="What was moved to the record kept")
    reason: str
    merged_by: str
    merged_at: datetime
    undone_at: datetime | None
    undone_by: str | None
    undo_reason: str


class MergeIn(Schema):
    keep_id: int = Field(description="The record kept: one of the pair's two")
    keep_version: int
    merge_away_version: int
    reason: str = Field(..., max_length=4000)


class NotSameIn(Schema):
    version: int = Field(description="The pair's version")
    reason: str = Field(..., max_length=4000)


class UndoIn(Schema):
    reason: str = Field(..., max_length=4000)


def _record(p: Person) -> RecordOut:
    return RecordOut(id=p.pk, name=p.name, date_of_birth=p.date_of_birth, version=p.version)


def _pair(p: DuplicatePair) -> DuplicatePairOut:
    return DuplicatePairOut(
        id=p.pk,
        first=_record(p.first),
        second=_record(p.second),
        status=DuplicateStatus(p.status),
        weight=p.weight,
        fields=[FieldMatchOut(**f) for f in p.fields],
        found_at=p.found_at,
        decided_at=p.decided_at,
        version=p.version,
    )


def _merge(m: Merge) -> MergeOut:
    return MergeOut(
        id=m.pk,
        pair_id=m.pair_id,
        kept=_record(m.kept),
        merged=_record(m.merged),
        moved=[MovedOut(what=w, count=n) for w, n in duplicates.moved_summary(m.moved)],
        reason=m.reason,
        merged_by=m.merged_by.full_name,
        merged_at=m.merged_at,
        undone_at=m.undone_at,
        undone_by=m.undone_by.full_name if m.undone_by else None,
        undo_reason=m.undo_reason,
    )


@router.get("/duplicates", response={200: list[DuplicatePairOut], **ERRORS})
def duplicate_queue(request: HttpRequest) -> list[DuplicatePairOut]:
    """The possible duplicate records waiting for a decision, the most alike first, with
    the search's comparison field by field: for the missing person coordinators."""
    return [_pair(p) for p in duplicates.duplicate_queue(acting_user(request))]


@router.post("/duplicates/{pair_id}/merge", response={201: MergeOut, **ERRORS})
def duplicate_merge(request: HttpRequest, pair_id: Id, body: MergeIn) -> Status[MergeOut]:
    """Merge the pair's records: everything on the other moves to ``keep_id``'s record
    (undo with ``POST /merges/{id}/undo``)."""
    user = acting_user(request)
    # One transaction: a refused merge leaves not even the pair's reading in the audit log.
    with transaction.atomic():
        pair = duplicates.get_pair_for_user(user, pair_id, purpose="merge duplicate records")
        ids = {pair.first_id, pair.second_id}
        if body.keep_id not in ids:
            raise ValidationFailed("Keep one of the pair's two records", field="keep_id")
        (away_id,) = ids - {body.keep_id}
        merged = duplicates.merge(
            actor=user,
            keep_id=body.keep_id,
            merge_away_id=away_id,
            keep_version=body.keep_version,
            merge_away_version=body.merge_away_version,
            reason=body.reason,
        )
    return Status(201, _merge(merged))


@router.post("/duplicates/{pair_id}/not-duplicates", response={200: DuplicatePairOut, **ERRORS})
def duplicate_not_same(request: HttpRequest, pair_id: Id, body: NotSameIn) -> DuplicatePairOut:
    """Record that the pair's records are not the same child: it leaves the list for good."""
    pair = duplicates.not_duplicates(
        actor=acting_user(request), pair_id=pair_id, version=body.version, reason=body.reason
    )
    return _pair(pair)


@router.get("/merges/{merge_id}", response={200: MergeOut, **ERRORS})
def merge_detail(request: HttpRequest, merge_id: Id) -> MergeOut:
    """A merge: the records, what was moved, who, when, why, and its undo if undone."""
    merge = duplicates.get_merge_for_user(acting_user(request), merge_id, purpose="view a merge")
    return _merge(merge)


@router.post("/merges/{merge_id}/undo", response={200: MergeOut, **ERRORS})
def merge_undo(request: HttpRequest, merge_id: Id, body: UndoIn) -> MergeOut:
    """Undo a merge: exactly what it moved goes back; a merge already undone is 409."""
    user = acting_user(request)
    with transaction.atomic():
        duplicates.undo_merge(actor=user, merge_id=merge_id, reason=body.reason)
        return _merge(duplicates.get_merge_for_user(user, merge_id, purpose="view a merge"))
