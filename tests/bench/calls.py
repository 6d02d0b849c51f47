"""What the call benchmarks submit: one report of a child missing from home, as a call
handler records it (tests/bench/test_bench_call.py, test_bench_national.py)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from misper.episodes.codes import QUESTION_KEYS, SEARCHES
from misper.episodes.services import ReportInput


def report_input(rng: random.Random, now: datetime, postcode: str) -> ReportInput:
    answers = {k: {"answer": "no", "detail": "caller says no"} for k in QUESTION_KEYS}
    answers["out_of_character"] = {"answer": "yes", "detail": "never done this"}
    return ReportInput(
        reported_at=now - timedelta(minutes=10),
        reported_by="parent",
        informant_name="Parent",
        missing_from="home",
        location_address=f"{rng.randrange(1, 200)} High Street",
        location_postcode=postcode,
        last_seen_at=now - timedelta(hours=3),
        last_seen_place="park",
        circumstances="did not come home",
        answers=answers,
        searches={k: {"state": "done", "detail": ""} for k, _ in SEARCHES},
    )
