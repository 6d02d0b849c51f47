from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "misper.notifications"
    label = "notifications"
    verbose_name = "Notifications: the outbox, its channels and who is told what"
