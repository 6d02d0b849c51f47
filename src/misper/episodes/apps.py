from django.apps import AppConfig


class EpisodesConfig(AppConfig):
    name = "misper.episodes"
    label = "episodes"
    verbose_name = "Episodes: report, risk, supervision, investigation, found"

    def ready(self) -> None:
        from misper.episodes import events  # noqa: F401  its timeline verbs
