from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "misper.agencies"
    label = "agencies"
    verbose_name = "Agencies, the people who use Misper, their roles and tokens"

    def ready(self) -> None:
        from misper.agencies import events  # noqa: F401  its timeline verbs
