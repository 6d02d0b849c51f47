"""The notifications app's timeline verbs."""

from misper.core.events import TimelineVerb, register


class NotificationsVerb(TimelineVerb):
    MESSAGE_ACKNOWLEDGED = "message_acknowledged", "Message acknowledged", ("rule", "event")
    WEBHOOK_ENDPOINT_ADDED = "webhook_endpoint_added", "Webhook added", ("organisation", "url")
    WEBHOOK_ENDPOINT_DEACTIVATED = "webhook_endpoint_deactivated", "Webhook turned off", ("url",)
    SHARING_ARRANGEMENT_CREATED = (
        "sharing_arrangement_created",
        "Sharing arrangement made",
        ("to", "channels", "active", "flag_placement"),
    )
    SHARING_ARRANGEMENT_CHANGED = (
        "sharing_arrangement_changed",
        "Sharing arrangement changed",
        ("to", "channels", "active", "flag_placement", "before"),
    )


register(NotificationsVerb)
