from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "misper.people"
    label = "people"
    verbose_name = "Children: identity, care status, placements, flags"

    def ready(self) -> None:
        from misper.people import events  # noqa: F401  its timeline verbs
