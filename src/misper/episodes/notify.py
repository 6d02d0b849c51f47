"""Who is told what about an episode (issue 5, "who is told what").

The episode app knows the child and the case; the notifications app knows only
recipients and messages. This module decides, for an event on an episode, which
organisations and people are told, under which rule, and queues the messages in the
caller's transaction with ``notifications.services.notify``. Channels beyond the in-app
inbox come from the information-sharing arrangement between the force and the recipient.

Titles and links carry no personal data: "Missing report: case 12", "/episodes/12/".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.episodes.events import Change, EpisodeChanged, on_change
from misper.episodes.models import Episode
from misper.episodes.rules import RESTRICTED_ACCESS_ROLES
from misper.notifications.services import Recipient, channels_for, messages_withdraw, notify

EVENTS = ("reported", "category_changed", "risk_changed", "found", "escalated")


@dataclass(frozen=True)
class Route:
    recipient: Organisation | User
    rule: str
    why: str


def routes(episode: Episode, event: str, duties: Mapping[str, str]) -> list[Route]:
    """Every recipient of an event on this episode, each with the rule that sends it.

    ``duties`` are the policy engine's duties for the episode as it is now, each with the
    rule that creates it (``duty_rules`` of its answer): whether children's services, the
    IRO and the Missing People charity are told is the policy's decision, not this
    module's. What this module adds is who those are for this child, and the recipients
    the sources leave SILENT (host and placing authority, changes, found), as adopted
    choices documented in docs/people-and-episodes.md."""
    if event not in EVENTS:
        raise ValueError(f"unknown episode event {event!r}")
    person = episode.person
    out: list[Route] = []
    current = next((p for p in person.placements.all() if p.ended_on is None), None)
    home = person.home_authority
    announces = event in ("reported", "escalated")
    if announces and "notify_childrens_services" in duties and home is not None:
        out.append(
            Route(
                home,
                duties["notify_childrens_services"],
                "children's services of the child's responsible authority",
            )
        )
    if event in ("category_changed", "risk_changed", "escalated") and home is not None:
        # Changes of category or risk: SILENT in the sources (R-NTF-33); adopted: the
        # responsible authority is told, so its information stays current.
        out.append(Route(home, "R-NTF-33", "a change of category or risk"))
    if current is not None and event in (
        "reported",
        "category_changed",
        "risk_changed",
        "found",
        "escalated",
    ):
        if current.host_authority_id != current.placing_authority_id:
            out.append(
                Route(
                    current.host_authority,
                    "R-NTF-32",
                    "the host authority of an out-of-area placement",
                )
            )
        if current.placing_authority_id != getattr(home, "pk", None):
            out.append(
                Route(
                    current.placing_authority,
                    "R-NTF-04",
                    "the placing authority of a looked-after child",
                )
            )
        for allocation in person.allocations.filter(ended_on__isnull=True).select_related("user"):
            if allocation.role == Role.IRO:
                if "notify_iro" in duties:
                    out.append(Route(allocation.user, duties["notify_iro"], "the child's IRO"))
            else:
                out.append(
                    Route(allocation.user, "R-NTF-29", f"the child's allocated {allocation.role}")
                )
    # The return-interview provider is told by the referral the returns app makes
    # (returns/referral.py), which knows who holds the interview (R-RHI-12).
    if event == "found" and home is not None:
        out.append(
            Route(
                home, "R-NTF-13", "found: the responsible authority arranges the return interview"
            )
        )
    if announces and "refer_missing_people" in duties:
        for charity in Organisation.objects.filter(
            kind=OrganisationKind.CHARITY, code="missing-people"
        ):
            out.append(
                Route(
                    charity,
                    duties["refer_missing_people"],
                    "automatic referral to the Missing People charity",
                )
            )
    # One message per recipient: the first (most specific) rule wins.
    seen: set[tuple[str, int]] = set()
    unique = []
    for r in out:
        key = (type(r.recipient).__name__, r.recipient.pk)
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return unique


TITLES = {
    "reported": "{category} report: case {id}",
    "category_changed": "Category changed on case {id}",
    "risk_changed": "Risk changed on case {id}",
    "found": "Found: case {id}",
    "escalated": "Absent time limit reached: case {id} is now missing",
}


# A restricted case (R-RES-01) exists only for the owning force's officers who may open
# restricted records: nobody else is told anything about it, and what they are told names
# no category or change.
RESTRICTED_TITLE = "A restricted case needs attention"


def restricted_readers(episode: Episode) -> list[User]:
    """The owning area's (and its force's) officers who may open a restricted record."""
    area = episode.owning_area
    return list(
        User.objects.filter(
            organisation_id__in=[area.pk, area.parent_id],
            is_active=True,
            role_assignments__role__in=RESTRICTED_ACCESS_ROLES,
        ).distinct()
    )


def owner_recipients(episode: Episode, *, inspectors: bool = False) -> list[Recipient]:
    """The owning area (and, with ``inspectors``, its inspectors); for a restricted case,
    only those who may open it."""
    if episode.restricted:
        return [Recipient(user=u) for u in restricted_readers(episode)]
    area = episode.owning_area
    out = [Recipient(organisation=area, channels=channels_for(area.force, area))]
    if inspectors:
        out += [
            Recipient(user=u)
            for u in User.objects.filter(
                organisation=area, is_active=True, role_assignments__role=Role.INSPECTOR
            )
            .distinct()
            .order_by()  # the inbox orders messages; a sort here is paid on every reminder
        ]
    return out


def tell_owner(
    episode: Episode, *, rule: str, event_key: str, title: str, inspectors: bool = False
) -> int:
    """Tell the owning area something about its case (a deadline reminder, an escalation);
    a restricted case's title says only that it needs attention."""
    return len(
        notify(
            rule=rule,
            event_key=event_key,
            subject_type="episode",
            subject_id=episode.pk,
            title=RESTRICTED_TITLE if episode.restricted else title,
            link=f"/episodes/{episode.pk}/",
            recipients=owner_recipients(episode, inspectors=inspectors),
        )
    )


def withdraw_on_restriction(episode: Episode) -> int:
    """A case has just been restricted: what was said about it leaves every inbox but
    those of the officers who may open it."""
    return messages_withdraw(
        subject_type="episode",
        subject_id=episode.pk,
        keep_user_ids=[u.pk for u in restricted_readers(episode)],
    )


def tell(episode: Episode, event: str, *, event_id: str | int, duties: Mapping[str, str]) -> int:
    """Queue the messages for an event (inside the caller's transaction). Returns how
    many were written. ``event_id`` makes the event unique (a decision's id, say), so a
    repeated call tells nobody twice. Of a restricted case only its owning officers who
    may open it are told, and not what changed."""
    if episode.restricted:
        return tell_owner(
            episode, rule="R-RES-01", event_key=f"episode:{episode.pk}:{event}:{event_id}", title=""
        )
    title = TITLES[event].format(category=episode.get_category_display(), id=episode.pk)
    link = f"/episodes/{episode.pk}/"
    written = 0
    for route in routes(episode, event, duties):
        if isinstance(route.recipient, User):
            recipients: Iterable[Recipient] = [Recipient(user=route.recipient)]
        else:
            recipients = [
                Recipient(
                    organisation=route.recipient,
                    channels=channels_for(episode.force, route.recipient),
                )
            ]
        written += len(
            notify(
                rule=route.rule,
                event_key=f"episode:{episode.pk}:{event}:{event_id}",
                subject_type="episode",
                subject_id=episode.pk,
                title=title,
                link=link,
                recipients=recipients,
            )
        )
    return written


# Who is told reacts to the episode's typed event (episodes/events.py), like any other app.
TOLD = frozenset(
    {Change.REPORTED, Change.CATEGORY_CHANGED, Change.RISK_CHANGED, Change.FOUND, Change.ESCALATED}
)


@on_change
def tell_whom_it_concerns(event: EpisodeChanged) -> None:
    if event.change in TOLD:
        tell(
            event.episode,
            str(event.change),
            event_id=event.change_id,
            duties=event.decision.duty_rules,
        )
