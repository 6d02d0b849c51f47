from django.apps import AppConfig


class EpisodesConfig(AppConfig):
    name = "misper.episodes"
    label = "episodes"
    verbose_name = "Episodes: report, risk, supervision, investigation, found"

    def ready(self) -> None:
        # its timeline verbs, and who is told (a handler of the episode's events)
        from misper.episodes import caseload, events, notify  # noqa: F401
