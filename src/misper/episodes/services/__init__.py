"""The only code that writes an episode, one module per part of its life:
``report`` (the call), ``decisions`` (category, risk, disagreement, restriction),
``record`` (investigation log, transfer, found, closure), ``cse`` (the missing child's CSE
screening), ``carer`` (the carer's own report, before the police take it)."""

from misper.episodes.services.carer import (
    carer_report_make,
    carer_report_return,
    get_carer_report_for_user,
)
from misper.episodes.services.cse import episode_cse_screening
from misper.episodes.services.deadlines import (
    episode_absent_limit,
    episode_deadline_reminder,
)
from misper.episodes.services.decisions import (
    episode_grade_risk,
    episode_record_disagreement,
    episode_resolve_disagreement,
    episode_restrict,
    episode_set_category,
)
from misper.episodes.services.record import (
    episode_close,
    episode_found,
    episode_log,
    transfer_decide,
    transfer_propose,
)
from misper.episodes.services.report import (
    ReportInput,
    episode_recommend,
    episode_report,
    policy_role,
)

__all__ = [
    "ReportInput",
    "carer_report_make",
    "carer_report_return",
    "episode_absent_limit",
    "episode_close",
    "episode_cse_screening",
    "episode_deadline_reminder",
    "episode_found",
    "episode_grade_risk",
    "episode_log",
    "episode_recommend",
    "episode_record_disagreement",
    "episode_report",
    "episode_resolve_disagreement",
    "episode_restrict",
    "episode_set_category",
    "get_carer_report_for_user",
    "policy_role",
    "transfer_decide",
    "transfer_propose",
]
