"""The people app's sweep: records written without their search keys (a bulk load, a
restore) are indexed a batch a tick (``search.index_pending``), so that the first search
after a load does not wait for them all. A few hundred a tick, so that the deadlines'
sweep in the same tick is not held up."""

from __future__ import annotations

from misper.people.search import index_pending
from misper.worker import register_sweep

SWEEP_BATCH = 200


@register_sweep("search_keys")
def search_keys_sweep() -> int:
    return index_pending(limit=SWEEP_BATCH, batch=SWEEP_BATCH)
