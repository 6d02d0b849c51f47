"""What a social worker's or IRO's list shows about their children's episodes
(care/selectors.py ``register_work``): a child missing or absent now comes first, then a
carer's report not yet taken by the police."""

from __future__ import annotations

from misper.care.selectors import register_work
from misper.episodes.codes import Status
from misper.episodes.models import CarerReport, CarerReportStatus, Episode


@register_work
def episode_work(person_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    out: dict[int, list[tuple[int, str]]] = {}
    for pid, category in Episode.objects.filter(
        person_id__in=person_ids, status=Status.OPEN, restricted=False
    ).values_list("person_id", "category"):
        out.setdefault(pid, []).append((10, f"{category.replace('_', ' ').capitalize()} now"))
    for pid, status in CarerReport.objects.filter(
        person_id__in=person_ids,
        status__in=[CarerReportStatus.HELD, CarerReportStatus.WITH_POLICE],
    ).values_list("person_id", "status"):
        words = (
            "Unauthorised absence (carer)"
            if status == CarerReportStatus.HELD
            else "Carer's report with the police"
        )
        out.setdefault(pid, []).append((8, words))
    return out
