"""What a social worker's or IRO's list shows about their children's return interviews
(care/selectors.py ``register_work``): an open referral, overdue past its 72 hours first."""

from __future__ import annotations

from django.utils import timezone

from misper.care.selectors import register_work
from misper.returns.models import OPEN_STATES, Referral


@register_work
def referral_work(person_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    now = timezone.now()
    out: dict[int, list[tuple[int, str]]] = {}
    for pid, due in Referral.objects.filter(
        person_id__in=person_ids, state__in=OPEN_STATES
    ).values_list("person_id", "due"):
        if due <= now:
            out.setdefault(pid, []).append((5, "Return interview overdue"))
        else:
            out.setdefault(pid, []).append((2, "Return interview due"))
    return out
