"""The access tests' shared world, built once per module for the matrix (in a transaction
rolled back at the end, so no other test sees it). The count of matrix cells is printed at
the end of the run by the root conftest (the one the xdist controller loads)."""

from __future__ import annotations

import pytest
from django.db import transaction

from .world import PERSONAS, build, client_for


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), transaction.atomic():
        w = build()
        clients = {"anonymous": client_for(None)}
        clients.update({name: client_for(w[name]) for name in PERSONAS})
        yield w, clients
        transaction.set_rollback(True)
