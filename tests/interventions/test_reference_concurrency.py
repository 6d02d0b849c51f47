"""Non-crime references (R-TRG-05) given by two transactions at once on PostgreSQL: the
sequence row's lock numbers them one after the other, never twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from misper.interventions.models import ReferenceSequence
from misper.interventions.records import next_reference

PER_THREAD = 25


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_transactions_at_once_never_share_a_reference() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://... (row locks)")
    start = threading.Barrier(2)
    given: dict[str, list[str]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        from django.db import connection as own

        try:
            start.wait(timeout=10)
            for _ in range(PER_THREAD):
                with transaction.atomic():
                    given[name].append(next_reference("wmp", 2026))
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in given]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    every = given["a"] + given["b"]
    assert len(set(every)) == 2 * PER_THREAD
    assert sorted(every) == [f"NCR-WMP-2026-{n:05d}" for n in range(1, 2 * PER_THREAD + 1)]
    assert ReferenceSequence.objects.get(prefix="NCR-WMP-2026-").last == 2 * PER_THREAD
