"""The people app's sweeps: records written without their search keys (a bulk load, a
restore) are indexed a batch a tick (``search.index_pending``), so that the first search
after a load does not wait for them all; and each record new or changed is looked at for
possible duplicates, for the coordinators' list (``duplicates.check_pending``, a tenth of a
second a tick). Both are bounded, so that the deadlines' sweep in the next tick is not held
up."""

from __future__ import annotations

from misper.people.duplicates import check_pending
from misper.people.search import index_pending
from misper.worker import register_sweep

SWEEP_BATCH = 200


@register_sweep("search_keys")
def search_keys_sweep() -> int:
    return index_pending(limit=SWEEP_BATCH, batch=SWEEP_BATCH)


@register_sweep("duplicates")
def duplicates_sweep() -> int:
    return check_pending()
