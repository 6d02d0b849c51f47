from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "misper.care"
    label = "care"
    verbose_name = "Children's services: the pre-placement risk assessment and caseloads"

    def ready(self) -> None:
        # its timeline verbs, what is done when a placement is recorded (the assessment's
        # deadline, the host authority and force told), and its section of the record page
        from misper.care import events, sections, services  # noqa: F401
