from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "misper.insights"
    label = "insights"
    verbose_name = "Insights: the DfE's SSDA903 return and, to come, the analysts' reports"

    def ready(self) -> None:
        from misper.insights import events  # noqa: F401  its timeline verbs
