from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "misper.notifications"
    label = "notifications"
    verbose_name = "Notifications: the outbox, its channels and who is told what"

    def ready(self) -> None:
        from misper.notifications import events  # noqa: F401  its timeline verbs
